"""parse_html: trafilatura's body with paragraphs kept, and the page's own metadata read carefully."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from corpus.errors import NoArticleFound
from corpus.html import parse_html, strip_site_name

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "harbour_news.html"
KST = timezone(timedelta(hours=9))


@pytest.fixture(scope="module")
def article():
    return parse_html(FIXTURE.read_text(encoding="utf-8"), "harbour_news.html")


def test_metadata(article):
    assert article.title == "Harbour town opens tidal energy plant after a decade of planning"
    assert article.publisher == "The Coastline Courier"
    assert article.byline == "Mina Seo"
    assert article.section == "Environment"
    assert article.published == datetime(2024, 3, 14, 9, 30, tzinfo=KST)
    assert article.published.utcoffset() == timedelta(hours=9)  # the page's offset is kept
    assert article.updated == datetime(2024, 3, 15, 11, 0, tzinfo=KST)
    assert article.url == "https://www.coastline-courier.example/environment/tidal-plant-opens"
    assert article.source == "harbour_news.html"


def test_body_keeps_paragraphs_and_drops_boilerplate(article):
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("The small harbour town of Westerly switched on")
    assert paragraphs[-1].endswith("when the mainland power line is often cut.")
    for boilerplate in (
        "Subscribe",
        "Most popular",
        "All rights reserved",
        "Tel 555-0100",
        "Ferry timetable",
    ):
        assert boilerplate not in article.text
    assert not article.text.startswith("Harbour town opens")  # the headline is the title, not the body


def test_url_given_wins_over_canonical():
    html = FIXTURE.read_text(encoding="utf-8")
    assert parse_html(html, "x", url="https://mirror.example/a").url == "https://mirror.example/a"


def test_page_without_article_raises():
    with pytest.raises(NoArticleFound, match="no article text"):
        parse_html("<html><body><nav><a href='/'>Home</a></nav><p>404 Not found</p></body></html>", "x")
    with pytest.raises(NoArticleFound):
        parse_html("", "x")


def test_korean_and_emoji_page_without_metadata():
    body = "".join(
        f"<p>{i}번째 문단입니다. 가상의 도시 예시시는 새 도서관을 열었다고 밝혔다. 주민들은 환영했다 📚</p>"
        for i in range(1, 5)
    )
    head = "<head><title>예시시 새 도서관 개관</title></head>"
    page = f"<html>{head}<body><article>{body}</article></body></html>"
    article = parse_html(page, "ko.html")
    assert article.title == "예시시 새 도서관 개관"
    assert article.text.count("\n\n") == 3 and "📚" in article.text
    assert article.published is None and article.publisher is None


def test_unreadable_date_leaves_the_article_undated():
    page = FIXTURE.read_text(encoding="utf-8")
    for stamp in ("2024-03-14T09:30:00+09:00", "2024-03-15T11:00:00+09:00"):
        page = page.replace(stamp, "not a date")
    page = page.replace("March 14, 2024", "a Thursday in spring")
    article = parse_html(page, "x")
    assert article.published is None and article.title is not None


@pytest.mark.parametrize(
    ("title", "sites", "expected"),
    [
        ("Big news today | The Daily Example", ["The Daily Example"], "Big news today"),
        ("Big news today - dailyexample.com", ["dailyexample.com"], "Big news today"),
        ("The Daily Example: Big news today", ["The Daily Example"], "Big news today"),
        ("Daily Example — Big news | Politics", ["Daily Example"], "Big news | Politics"),
        ("Paris - Berlin: the new night train", ["Example Rail"], "Paris - Berlin: the new night train"),
        ("Example", ["Example"], "Example"),
    ],
)
def test_strip_site_name(title, sites, expected):
    assert strip_site_name(title, sites) == expected


def test_dropped_lines_are_the_visible_lines_not_kept(article):
    dropped = article.dropped_lines
    for line in ("Home", "Subscribe", "Most popular", "© 2024 The Coastline Courier. All rights reserved."):
        assert line in dropped
    assert not any("switched on its first tidal energy turbines" in line for line in dropped)
    assert article.title not in dropped
    assert not any("schema.org" in line for line in dropped)  # scripts are not visible lines
