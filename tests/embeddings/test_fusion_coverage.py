"""The dense weight that follows how much of the question the keyword candidates hold (issue 12): the
arithmetic, the settings, and a paraphrased question over a small fictional index that the fixed weight
gets wrong."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from embeddings.build import build_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.search import (
    DEFAULT_FUSION,
    FusionConfig,
    Searcher,
    adapted_weights,
    bm25_idf,
    fuse_convex,
    idf_coverage,
)
from tests.embeddings.articles import fictional_articles, long_article

BEFORE = FusionConfig(dense_weight=0.6, dense_weight_uncovered=None, coverage_weight=0.0)

# What a sentence encoder knows and a keyword index does not: these words mean the same as those.
_SAME_AS = {"waterway": "river", "crossing": "footbridge", "span": "over", "councillors": "council"}


class ParaphraseEncoder(HashingEncoder):
    """The hashing encoder, with a few words read as their synonyms: a paraphrase lands near its source
    in vector space while sharing none of its words."""

    def __init__(self) -> None:
        super().__init__(name="paraphrase-test-encoder")

    def _one(self, text: str) -> np.ndarray:
        words = re.findall(r"\w+", text.lower())
        return super()._one(" ".join(_SAME_AS.get(w, w) for w in words))


@pytest.fixture
def searcher(tmp_path: Path) -> Iterator[Searcher]:
    build_index_from_articles([*fictional_articles(), long_article(8)], tmp_path, ParaphraseEncoder())
    opened = Searcher.open(tmp_path, ParaphraseEncoder())
    yield opened
    opened.close()


def test_bm25_idf_is_fts5s() -> None:
    assert bm25_idf(1, 100) == pytest.approx(math.log(99.5 / 1.5))
    assert bm25_idf(0, 100) > bm25_idf(1, 100) > bm25_idf(10, 100)
    assert bm25_idf(60, 100) == 1e-6  # FTS5 weighs nothing from half the chunks on


def test_idf_coverage_shares_the_question_mass() -> None:
    weights = {"ferry": 2.0, "harbour": 1.0, "zeppelin": 1.0}  # no chunk holds "zeppelin"
    shares = idf_coverage(weights, {"ferry": {1, 2}, "harbour": {2}, "zeppelin": set()})
    assert shares == pytest.approx({1: 0.5, 2: 0.75})
    assert idf_coverage({}, {}) == {}
    assert idf_coverage({"a": 0.0}, {"a": {1}}) == {}


def test_the_dense_weight_slides_with_coverage() -> None:
    config = FusionConfig(
        dense_weight=0.6, dense_weight_uncovered=0.85, coverage_from=0.2, coverage_weight=0.5
    )
    assert adapted_weights(config, 0.0) == (0.85, 0.0)
    assert adapted_weights(config, 0.2) == (0.85, 0.0)
    assert adapted_weights(config, 0.6) == pytest.approx((0.725, 0.25))
    assert adapted_weights(config, 1.0) == pytest.approx((0.6, 0.5))
    assert adapted_weights(BEFORE, 0.0) == adapted_weights(BEFORE, 1.0) == (0.6, 0.0)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"dense_weight_uncovered": 1.2}, "dense_weight_uncovered"),
        ({"coverage_from": 1.0}, "coverage_from"),
        ({"coverage_from": -0.1}, "coverage_from"),
        ({"coverage_weight": -1.0}, "coverage_weight"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FusionConfig(**settings)  # type: ignore[arg-type]


def test_coverage_term_lifts_the_candidate_holding_more_of_the_question() -> None:
    dense = {1: 0.50, 2: 0.50, 3: 0.20}
    keyword = {1: 3.0, 2: 3.0}
    assert [s.pk for s in fuse_convex(dense, keyword, 0.6)][:2] == [1, 2]  # a tie, broken by pk
    lifted = fuse_convex(dense, keyword, 0.6, coverage={1: 0.3, 2: 0.9}, coverage_weight=0.5)
    assert [s.pk for s in lifted][:2] == [2, 1]
    # No weight: the coverage is ignored, the scores are the plain convex ones.
    plain = fuse_convex(dense, keyword, 0.6, coverage={1: 0.3, 2: 0.9}, coverage_weight=0.0)
    assert [(s.pk, s.score) for s in plain] == [(s.pk, s.score) for s in fuse_convex(dense, keyword, 0.6)]


def test_searcher_coverage_counts_the_words_each_chunk_holds(searcher: Searcher) -> None:
    pks = [int(pk) for pk in searcher.ids]
    shares = searcher.coverage("bitter orange zeppelin", pks)
    marmalade = [pk for pk, share in shares.items() if share > 0]
    assert len(marmalade) == 1  # only the festival story has "bitter orange"; nothing has "zeppelin"
    total = len(searcher.ids)
    rare = bm25_idf(1, total)
    assert shares[marmalade[0]] == pytest.approx(2 * rare / (2 * rare + bm25_idf(0, total)))


def test_a_paraphrased_question_finds_its_story_despite_a_chance_keyword(searcher: Searcher) -> None:
    # Shares no word with the footbridge story; "market" is a chance hit on the cheese story.
    question = "Which waterway will the councillors' crossing span, near the market?"
    vector = searcher.encode_query(question)

    def first_title(fusion: FusionConfig) -> str | None:
        return searcher.hits(searcher.rank(question, vector, k=3, fusion=fusion))[0].article.title

    assert first_title(BEFORE) == "Sampleford cheese wins borough prize"
    assert first_title(DEFAULT_FUSION) == "Council approves Glimmer River footbridge"
    # A question that names the story's own words still ranks it first with the shipped weights.
    direct = "Which river will the council footbridge cross?"
    hits = searcher.search(direct, k=3)
    assert hits[0].article.title == "Council approves Glimmer River footbridge"
