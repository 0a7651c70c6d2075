"""Hybrid search over a small fictional index: ranking, safe keyword queries, date filters, diversity,
fusion arithmetic and concurrent readers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from embeddings import search
from embeddings.build import build_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.search import (
    EXACT_FILTER_LIMIT,
    FusionConfig,
    Scored,
    Searcher,
    diversify,
    fts_query,
    fuse_convex,
    fuse_rrf,
    query_terms,
)
from tests.embeddings.articles import fictional_articles, long_article


@pytest.fixture
def searcher(tmp_path: Path, vector_store: str) -> Iterator[Searcher]:
    """A small index on each vector store (FAISS, Milvus Lite): every search test runs on both."""
    build_index_from_articles([*fictional_articles(), long_article()], tmp_path, HashingEncoder())
    with Searcher.open(tmp_path, HashingEncoder()) as opened:
        yield opened


@pytest.mark.parametrize(
    ("query", "expected_title"),
    [
        ("Who won the bitter orange marmalade category?", "Marmalade festival draws record crowds"),
        ("When will the Glimmer River footbridge open?", "Council approves Glimmer River footbridge"),
        ("telescopes at the library", "Sampleford library lends out telescopes"),
        ("smoked goat cheese prize", "Sampleford cheese wins borough prize"),
    ],
)
def test_the_right_article_ranks_first(searcher: Searcher, query: str, expected_title: str) -> None:
    hits = searcher.search(query, k=5)
    assert hits[0].article.title == expected_title
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    assert hits[0].chunk.text in searcher.chunks_of(hits[0].article.id)[hits[0].chunk.ordinal].text


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        "NEAR(bridge river, 2)",
        "bridge* OR AND NOT",
        "title:marmalade ^cheese",
        "(((",
        "-- ; DROP TABLE chunks;",
        "엑샘플턴 시의회는 화요일에",
        "今日は晴れです。",
        "🎉🎉 👨‍👩‍👧",
        "\x00\x07 control \x1b[31m characters",
        "x" * 100_000,
        "!!!???...",
    ],
)
def test_hostile_or_odd_queries_never_raise(searcher: Searcher, query: str) -> None:
    hits = searcher.search(query, k=3)
    assert len(hits) <= 3


def test_empty_query_gives_no_hits(searcher: Searcher) -> None:
    assert searcher.search("", k=5) == []
    assert searcher.search("   \n\t", k=5) == []
    assert searcher.search("marmalade", k=0) == []


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('Who said "NEAR" the bridge*?') == '"said" OR "near" OR "bridge" OR "said near"'
    assert query_terms("What is it?") == ["what", "is", "it"]  # all stop words: kept rather than nothing
    assert fts_query('x"y') == '"x" OR "y" OR "x y"'


@pytest.mark.parametrize("exact_limit", [EXACT_FILTER_LIMIT, 0], ids=["exact", "through-the-index"])
def test_date_filters_are_inclusive_days(
    searcher: Searcher, exact_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small allowed sets are scored exactly from the stored vectors; with the limit at 0 every filter
    # goes through the vector index (FAISS's id selector, Milvus's filter expression).
    monkeypatch.setattr(search, "EXACT_FILTER_LIMIT", exact_limit)
    hits = searcher.search("Sampleford", k=10, since=date(2031, 6, 1), until=date(2031, 6, 1))
    assert {h.article.title for h in hits} == {"Sampleford library lends out telescopes"}
    hits = searcher.search("news", k=10, since=date(2031, 6, 2))
    assert hits and all(h.article.published and h.article.published.date() >= date(2031, 6, 2) for h in hits)
    assert searcher.search("bridge", k=10, since=date(2040, 1, 1)) == []
    hits = searcher.search("bridge", k=10, until=date(2031, 4, 3))
    assert {h.article.title for h in hits} == {"Council approves Glimmer River footbridge"}


def test_one_long_article_does_not_fill_every_slot(searcher: Searcher) -> None:
    hits = searcher.search("harbour report berth cranes tides moorings", k=5)
    from_long = [h for h in hits if h.article.title == "The long harbour report"]
    assert len(from_long) == 2
    assert len(hits) == 5


def test_every_method_answers(searcher: Searcher) -> None:
    vector = searcher.encode_query("marmalade festival")
    for method in ("hybrid", "rrf", "dense", "keyword"):
        hits = searcher.search_with_vector(
            "marmalade festival", vector, 3, fusion=FusionConfig(method=method)
        )
        assert hits[0].article.title == "Marmalade festival draws record crowds", method


def test_hits_carry_both_scores(searcher: Searcher) -> None:
    top = searcher.search("bitter orange marmalade", k=1)[0]
    assert top.dense_score is not None and -1.0 <= top.dense_score <= 1.0
    assert top.keyword_score is not None and top.keyword_score > 0


def test_concurrent_searches_from_threads(searcher: Searcher) -> None:
    queries = ["marmalade", "telescopes", "tram wires", "goat cheese", "footbridge"] * 8
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda q: searcher.search(q, k=3), queries))
    assert all(r and r[0].rank == 1 for r in results)
    assert results[0][0].article.title == results[5][0].article.title


def test_convex_fusion_prefers_agreement() -> None:
    dense = {1: 0.9, 2: 0.5, 3: 0.4, 4: 0.1}
    keyword = {2: 12.0, 1: 11.0, 5: 3.0}
    fused = fuse_convex(dense, keyword, 0.5)
    assert fused[0].pk == 1  # strong in both lists
    assert {s.pk for s in fused} == {1, 2, 3, 4, 5}
    assert fuse_convex(dense, keyword, 1.0)[0].pk == 1
    assert fuse_convex(dense, keyword, 0.0)[0].pk == 2


def test_rrf_rewards_items_in_both_lists() -> None:
    fused = fuse_rrf([(1, 0.9), (2, 0.8), (3, 0.7)], [(3, 9.0), (4, 8.0)], k=60)
    assert fused[0].pk == 3
    assert fused[0].score == pytest.approx(1 / 63 + 1 / 61)


def test_diversify_caps_chunks_per_article_and_backfills() -> None:
    ranked = [Scored(pk, 1.0 - pk / 10, None, None) for pk in range(1, 7)]
    article_of = {1: 10, 2: 10, 3: 10, 4: 20, 5: 10, 6: 30}
    assert [s.pk for s in diversify(ranked, article_of, 4, 2)] == [1, 2, 4, 6]
    assert [s.pk for s in diversify(ranked, {pk: 10 for pk in range(1, 7)}, 3, 2)] == [1, 2, 3]


def test_bad_fusion_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="method"):
        FusionConfig(method="magic")
    with pytest.raises(ValueError, match="dense_weight"):
        FusionConfig(dense_weight=1.5)
