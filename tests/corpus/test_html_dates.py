"""choose_dates: which of the dates an HTML page gives is the day its article was published."""

from __future__ import annotations

from datetime import UTC, date, datetime

from corpus.html_dates import choose_dates, shown_days
from corpus.html_page import Page


def _page(head: str, body: str) -> Page:
    return Page(f"<html><head>{head}</head><body>{body}</body></html>")


def _ld(**dates: str) -> str:
    fields = ", ".join(f'"{key}": "{value}"' for key, value in dates.items())
    return f'<script type="application/ld+json">{{"@type": "BlogPosting", {fields}}}</script>'


HEADLINE = "<h1>Volunteers repaint the lighthouse at Gull Point</h1>"


def test_an_ambiguous_numeric_dateline_is_read_the_way_the_metadata_gives_it():
    head = _ld(datePublished="2024-09-10T16:00:00Z")
    body = HEADLINE + "<p>09.10.2024</p><p>The paint ran out twice.</p>"
    assert shown_days(_page(head, body)) == [date(2024, 10, 9)]  # day-first, as corpus.dates reads it
    published, _ = choose_dates(_page(head, body), "2024-10-09")  # htmldate read it day-first too
    assert published == datetime(2024, 9, 10, 16, 0, tzinfo=UTC)


def test_an_ambiguous_meta_date_is_read_the_way_the_page_shows_it():
    head = '<meta property="article:published_time" content="03-09-2026">'
    body = HEADLINE + "<p>Published March 9, 2026</p><p>The paint ran out twice.</p>"
    published, _ = choose_dates(_page(head, body), "2026-09-03")
    assert published is not None and published.date() == date(2026, 3, 9)


def test_an_unambiguous_numeric_date_has_one_reading():
    head = _ld(datePublished="2024-09-10T16:00:00Z")
    body = HEADLINE + "<p>25.10.2024</p><p>The paint ran out twice.</p>"
    published, _ = choose_dates(_page(head, body), "2024-09-10")
    assert published == datetime(2024, 9, 10, 16, 0, tzinfo=UTC)  # 25 October is not in the metadata


def test_a_modification_date_taken_by_htmldate_gives_way_to_the_stated_publication():
    head = _ld(datePublished="2021-01-27T06:00:00+00:00", dateModified="2021-04-15T00:07:20+00:00")
    body = HEADLINE + "<p>By Ada Reyes</p><p>The paint ran out twice.</p>"
    published, updated = choose_dates(_page(head, body), "2021-04-15")
    assert published == datetime(2021, 1, 27, 6, 0, tzinfo=UTC)
    assert updated == datetime(2021, 4, 15, 0, 7, 20, tzinfo=UTC)


def test_a_modification_date_the_page_shows_is_kept():
    # the page dates itself by its update: that is the date its reader sees with the text
    head = _ld(datePublished="2021-01-27T06:00:00+00:00", dateModified="2021-04-15T00:07:20+00:00")
    body = HEADLINE + "<p>Last updated: April 15, 2021</p><p>The paint ran out twice.</p>"
    published, _ = choose_dates(_page(head, body), "2021-04-15")
    assert published is not None and published.date() == date(2021, 4, 15)


def test_a_dateline_wins_over_htmldate_when_the_metadata_gives_no_date():
    body = HEADLINE + "<p>February 4, 2025 - 6 minutes</p><p>The paint ran out twice.</p>"
    published, _ = choose_dates(_page("", body), "2025-04-06")
    assert published == datetime(2025, 2, 4)


def test_htmldate_wins_when_its_day_is_shown_too():
    body = "<p>Saturday, March 1, 2025</p>" + HEADLINE + "<p>February 4, 2025</p><p>Text.</p>"
    published, _ = choose_dates(_page("", body), "2025-02-04")
    assert published == datetime(2025, 2, 4)


def test_the_dateline_under_the_headline_comes_before_dates_above_it():
    teasers = "<ul><li>Harbour fees rise</li><li>03/12/2025</li></ul><p>Monday, March 17, 2025</p>"
    body = teasers + HEADLINE + "<p>By Ada Reyes</p><p>03/01/2024</p><p>The paint ran out twice.</p>"
    assert shown_days(_page("", body)) == [date(2024, 3, 1), date(2025, 3, 17), date(2025, 3, 12)]
    times = "".join(f'<time datetime="{d}T12:00:00Z"></time>' for d in ("2025-03-12", "2024-03-01"))
    published, _ = choose_dates(_page("", times + body), "2025-01-31")
    assert published == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def test_a_date_labelled_published_counts_wherever_it_is():
    filler = "".join(f"<p>Paragraph {i} about the lighthouse.</p>" for i in range(40))
    for labelled in ("<p>Published August 13, 2025</p>", "<p>Published</p><p>August 13, 2025</p>"):
        body = HEADLINE + filler + labelled
        assert shown_days(_page("", body)) == [date(2025, 8, 13)]
        published, _ = choose_dates(_page("", body), "2024-02-11")
        assert published == datetime(2025, 8, 13)


def test_a_date_far_from_the_headline_without_a_label_is_not_shown():
    filler = "".join(f"<p>Paragraph {i} about the lighthouse.</p>" for i in range(40))
    body = HEADLINE + filler + "<p>We first painted it on August 13, 2025</p><p>August 14, 2025</p>"
    assert shown_days(_page("", body)) == []
    published, _ = choose_dates(_page("", body), "2024-02-11")
    assert published == datetime(2024, 2, 11)
