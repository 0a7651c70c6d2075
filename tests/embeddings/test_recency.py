"""Asking as of a day: nothing published after it, recent articles first, undated articles kept, and
the unfiltered path when the as-of day is past the newest article."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import Encoder, HashingEncoder
from embeddings.search import FusionConfig, Searcher, recency
from tests.embeddings.articles import make_article

# One running story, reported in three weeks: every report matches a question about the ferry fare alike.
_FERRY = "The Exampleton ferry fare will be {fare} crowns from next month, the harbour board said on {day}."


def ferry_reports() -> list[Article]:
    reports = []
    for day, fare in ((date(2031, 3, 3), "four"), (date(2031, 3, 10), "five"), (date(2031, 3, 17), "six")):
        reports.append(
            make_article(
                f"https://gazette.exampleton.invalid/{day.isoformat()}/ferry",
                f"Ferry fare set at {fare} crowns",
                "The Gazette of Exampleton",
                datetime.combine(day, datetime.min.time()),
                _FERRY.format(fare=fare, day=day.strftime("%A %d %B")),
            )
        )
    undated = make_article(
        "https://courier.sampleford.invalid/ferry-history",
        "A short history of the Exampleton ferry",
        "The Borough Courier of Sampleford",
        datetime(2031, 1, 1),
        "The Exampleton ferry has crossed the Glimmer estuary since 1899; its fare was once a penny.",
    )
    return [*reports, Article(**{**undated.__dict__, "published": None})]


def open_index(tmp_path: Path, encoder: Encoder) -> Searcher:
    build_index_from_articles(ferry_reports(), tmp_path, encoder)
    return Searcher.open(tmp_path, encoder)


@pytest.fixture
def searcher(tmp_path: Path) -> Searcher:
    opened = open_index(tmp_path, HashingEncoder())
    yield opened
    opened.close()


def days(hits: list) -> list[date | None]:  # type: ignore[type-arg]
    return [h.article.published.date() if h.article.published else None for h in hits]


def test_nothing_published_after_the_as_of_day_is_returned(searcher: Searcher) -> None:
    hits = searcher.search("What will the ferry fare be?", k=10, as_of=date(2031, 3, 12))
    assert hits
    assert all(day is None or day <= date(2031, 3, 12) for day in days(hits))
    assert date(2031, 3, 17) not in days(hits)


def test_the_report_just_before_the_as_of_day_ranks_first(searcher: Searcher) -> None:
    question = "What will the ferry fare be?"
    assert days(searcher.search(question, k=1, as_of=date(2031, 3, 12))) == [date(2031, 3, 10)]
    assert days(searcher.search(question, k=1, as_of=date(2031, 3, 4))) == [date(2031, 3, 3)]
    assert days(searcher.search(question, k=1, as_of=date(2031, 3, 18))) == [date(2031, 3, 17)]


def test_without_a_preference_the_as_of_day_only_cuts(searcher: Searcher) -> None:
    flat = FusionConfig(recency_weight=0.0)
    question = "What will the ferry fare be?"
    plain = searcher.search_with_vector(question, searcher.encode_query(question), 10, fusion=flat)
    cut = searcher.search_with_vector(
        question, searcher.encode_query(question), 10, fusion=flat, as_of=date(2031, 3, 12)
    )
    assert [h.article.id for h in cut] == [h.article.id for h in plain if days([h])[0] != date(2031, 3, 17)]


def test_undated_articles_are_kept_as_of_a_day(searcher: Searcher) -> None:
    hits = searcher.search("ferry history penny estuary", k=10, as_of=date(2031, 3, 1))
    assert [h.article.title for h in hits] == ["A short history of the Exampleton ferry"]


def test_an_as_of_day_past_the_newest_article_filters_nothing(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[object] = []
    real = searcher.store.chunk_pks_between
    monkeypatch.setattr(searcher.store, "chunk_pks_between", lambda *a: asked.append(a) or real(*a))
    hits = searcher.search("What will the ferry fare be?", k=4, as_of=date(2040, 1, 1))
    assert len(hits) == 4 and asked == []  # no filtered search for the common "as of today"


def test_recency_halves_every_half_life() -> None:
    assert recency(0, 7.0) == 1.0
    assert recency(7, 7.0) == pytest.approx(0.5)
    assert recency(14, 7.0) == pytest.approx(0.25)
    assert recency(float("inf"), 7.0) == 0.0
    with pytest.raises(ValueError, match="recency_weight"):
        FusionConfig(recency_weight=-1.0)


def test_as_of_with_the_real_model_answers_from_that_weeks_report(
    tmp_path: Path, real_encoder: Encoder
) -> None:
    from bot.answering.pipeline import answer

    with open_index(tmp_path, real_encoder) as searcher:
        week_two = answer("How much will the ferry fare be this week?", searcher, as_of=date(2031, 3, 12))
        assert not week_two.abstained
        assert week_two.citations[0].title == "Ferry fare set at five crowns"
        assert all(c.published is None or c.published.date() <= date(2031, 3, 12) for c in week_two.citations)
        assert week_two.timeframe is not None and week_two.timeframe.phrase == "this week"
        assert week_two.short == "five"
        latest = answer("How much will the ferry fare be?", searcher, as_of=date(2031, 3, 20))
        assert latest.short == "six" and latest.citations[0].title == "Ferry fare set at six crowns"


def test_a_cut_leaving_most_of_the_index_filters_after_the_search_with_the_same_hits(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "What will the ferry fare be?"
    as_of = date(2031, 3, 12)
    assert searcher._post_filter_widening(as_of) > 1  # 3 of 4 articles by then: searched, then cut
    listed: list[object] = []
    real = searcher.store.chunk_pks_between
    monkeypatch.setattr(searcher.store, "chunk_pks_between", lambda *a: listed.append(a) or real(*a))
    after = [h.article.id for h in searcher.search(question, k=10, as_of=as_of)]
    assert listed == []  # no allowed list was built
    monkeypatch.setattr(searcher, "_post_filter_widening", lambda day: 1)
    before = [h.article.id for h in searcher.search(question, k=10, as_of=as_of)]
    assert listed and after == before
