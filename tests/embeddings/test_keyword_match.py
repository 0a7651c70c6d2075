"""The keyword query leaves out words too common to help: which parts stay, the fallbacks when every
word is common, and that the cut does not change which article wins."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.search import FusionConfig, Searcher, fts_match, keyword_parts
from tests.embeddings.articles import make_article

_TOPICS = [
    "marmalade jars crowded the festival tent",
    "the tram depot repaired overhead wires",
    "telescopes were lent by the library",
    "goat cheese won the borough prize",
    "the footbridge over the river opened",
    "lifeboat volunteers rescued two kayakers",
    "the bakery sold rye loaves at dawn",
    "beekeepers counted hives after the frost",
    "the choir rehearsed in the chapel",
    "a chess club met in the town hall",
]


def _articles() -> list[Article]:
    """Ten short articles: "council" in every one, "harbour" in four, each topic in one."""
    articles = []
    for n, topic in enumerate(_TOPICS):
        place = "the harbour" if n < 4 else "the square"
        text = f"The council said {topic} near {place}. Residents welcomed the news on Monday."
        articles.append(
            make_article(
                f"https://gazette.exampleton.invalid/{n}",
                topic.capitalize(),
                "The Gazette of Exampleton",
                datetime(2031, 4, 1) + timedelta(days=n),
                text,
            )
        )
    return articles


@pytest.fixture
def searcher(tmp_path: Path) -> Searcher:
    build_index_from_articles(_articles(), tmp_path, HashingEncoder())
    opened = Searcher.open(tmp_path, HashingEncoder())
    yield opened
    opened.close()


def test_keyword_parts_are_words_then_adjacent_pairs() -> None:
    assert keyword_parts("What did the council say about marmalade jars?") == [
        "council",
        "say",
        "marmalade",
        "jars",
        "council say",
        "marmalade jars",
    ]
    assert fts_match([]) == ""
    assert fts_match(['a"b', "c d"]) == '"a""b" OR "c d"'


def test_a_word_in_most_chunks_is_left_out(searcher: Searcher) -> None:
    assert searcher.store.count_matches('"council"', 100) == 10
    match = searcher.keyword_match("council marmalade")
    assert match == '"marmalade" OR "council marmalade"'  # "council": all ten chunks, over the 20% share
    hits = searcher.search("council marmalade", k=3)
    assert hits[0].article.title == "Marmalade jars crowded the festival tent"
    assert hits[0].keyword_score is not None and hits[0].keyword_score > 0


def test_a_phrase_stays_only_with_a_rare_word(searcher: Searcher) -> None:
    # "goat cheese": both words rare, phrase kept; "council said": both common, phrase dropped too.
    assert searcher.keyword_match("goat cheese") == '"goat" OR "cheese" OR "goat cheese"'
    assert searcher.keyword_match("council said goat") == '"goat" OR "said goat"'
    assert searcher.keyword_match("cheese council") == '"cheese" OR "cheese council"'


def test_the_share_is_a_setting(searcher: Searcher) -> None:
    everything = FusionConfig(common_share=1.0)
    assert (
        searcher.keyword_match("council marmalade", everything)
        == '"council" OR "marmalade" OR "council marmalade"'
    )
    # 40% of the chunks mention the harbour: kept at a 50% share, left out at 20%.
    assert '"harbour"' in searcher.keyword_match("harbour telescopes", FusionConfig(common_share=0.5))
    assert '"harbour"' not in searcher.keyword_match("harbour telescopes")


def test_when_every_word_is_common_the_rarest_with_weight_is_kept(searcher: Searcher) -> None:
    # "harbour" (4 of 10 chunks) is over the 20% share but under half, so BM25 still weighs it; the
    # phrase "council harbour" is rarer but matches nothing.
    assert searcher.keyword_match("council harbour") == '"harbour"'
    # "council" and "residents" are in every chunk: BM25 gives them no weight, so no keyword search.
    assert searcher.keyword_match("council residents") == ""
    assert searcher.store.keyword_search("", 10) == []
    hits = searcher.search("council residents", k=3)
    assert len(hits) == 3 and all(h.keyword_score is None for h in hits)


def test_a_tiny_index_keeps_words_found_once(tmp_path: Path) -> None:
    build_index_from_articles(_articles()[:3], tmp_path, HashingEncoder())
    with Searcher.open(tmp_path, HashingEncoder()) as tiny:
        assert (
            tiny.keyword_match("marmalade telescopes")
            == '"marmalade" OR "telescopes" OR "marmalade telescopes"'
        )
        # "tram" is in one chunk of three: BM25 still weighs it (under half); "council" in all three.
        assert tiny.keyword_match("council tram") == '"tram" OR "council tram"'
        assert tiny.search("tram depot", k=1)[0].article.title == "The tram depot repaired overhead wires"


def test_counts_are_counted_once(searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    count = searcher.store.count_matches

    def counting(match: str, limit: int) -> int:
        calls.append(match)
        return count(match, limit)

    monkeypatch.setattr(searcher.store, "count_matches", counting)
    searcher.keyword_match("council telescopes")
    searcher.keyword_match("telescopes council")
    assert sorted(calls) == ['"council"', '"telescopes"']


def test_count_matches_stops_at_its_limit(searcher: Searcher) -> None:
    assert searcher.store.count_matches('"council"', 3) == 3
    assert searcher.store.count_matches('"marmalade"', 3) == 1
    assert searcher.store.count_matches('"no-such-word-anywhere"', 3) == 0
    assert searcher.store.count_matches('"unbalanced', 3) == 0  # invalid expression: no matches


def test_bad_share_is_refused() -> None:
    with pytest.raises(ValueError, match="common_share"):
        FusionConfig(common_share=0.0)
    with pytest.raises(ValueError, match="common_share"):
        FusionConfig(common_share=1.5)
