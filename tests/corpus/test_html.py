"""parse_html: trafilatura's body with paragraphs kept, and the page's own metadata read carefully."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from corpus.errors import NoArticleFound
from corpus.html import parse_html
from corpus.html_body import cut_link_tail, cut_tail, drop_repeated_runs, is_boilerplate
from corpus.html_dates import choose_dates
from corpus.html_page import Page
from corpus.html_title import choose_title, clean_title, site_names, strip_site_name

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


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        # a home page as canonical: the og:url names the article
        (
            '<link rel="canonical" href="https://courier.example/">'
            '<meta property="og:url" content="https://courier.example/2024/03/tides">',
            "https://courier.example/2024/03/tides",
        ),
        # a relative canonical, resolved against the og:url
        (
            '<link rel="canonical" href="/2024/03/tides">'
            '<meta property="og:url" content="https://courier.example/?p=12">',
            "https://courier.example/2024/03/tides",
        ),
        # nothing to resolve a relative link against, a home page alone, text that is no url: no url
        ('<link rel="canonical" href="/2024/03/tides">', None),
        ('<link rel="canonical" href="https://courier.example">', None),
        ('<meta property="og:url" content="What the tide brought in">', None),
    ],
)
def test_the_url_is_a_link_to_the_article_or_none(links, expected):
    html = FIXTURE.read_text(encoding="utf-8")
    head = re.sub(r'<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>', "", html)
    head = head.replace("</head>", links + "</head>", 1)
    assert parse_html(head, "x").url == expected


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tools for 2026 | Python, SQL &#x26; AI", "Tools for 2026 | Python, SQL & AI"),
        ("A DIY Investorâ\x80\x99s Guide", "A DIY Investor’s Guide"),
        ("*A Treatise on Coffee* (1792)", "A Treatise on Coffee (1792)"),
        ("rustc_codegen_gcc:  Progress   Report", "rustc_codegen_gcc: Progress Report"),
        ("How Does Robot Vacuum Mapping Work？", "How Does Robot Vacuum Mapping Work?"),
        ("로봇 청소기는 어떻게 작동하나？", "로봇 청소기는 어떻게 작동하나？"),
    ],
)
def test_clean_title(raw, expected):
    assert clean_title(raw) == expected


def _page(head: str, body: str) -> Page:
    return Page(f"<html><head>{head}</head><body>{body}</body></html>")


def _title(head: str, body: str, url: str = "https://blog.example.org/p/1", extracted: str | None = None):
    page = _page(head, body)
    return choose_title(page, site_names(page, url), extracted)


def test_title_is_not_the_blog_name_in_the_h1():
    head = "<title>Progress report #39 | Antoine's Blog</title>"
    # trafilatura often gives the first h1 as the title: it must not vote for the blog's name
    assert (
        _title(head, "<h1>Antoine's Blog</h1><p>text</p>", extracted="Antoine's Blog")
        == "Progress report #39"
    )
    assert _title("<title>example.org Vibe coding</title>", "<h1>example.org</h1>") == "Vibe coding"


def test_title_drops_labels_datelines_and_menus():
    assert _title('<meta property="og:title" content="Meditation rewires brains | Opinion">', "") == (
        "Meditation rewires brains"
    )
    h1 = "<h1>Top strategies for blockchain security Posted on July 1, 2024 by infuy</h1>"
    og = '<meta property="og:title" content="Top strategies for blockchain security">'
    assert _title(og, h1) == "Top strategies for blockchain security"
    assert _title("", "<h1>Dec 18 2025 Preparing a transition in Debusine</h1>") == (
        "Preparing a transition in Debusine"
    )
    assert (
        _title("<title>Webcams at the park</title>", "<h1>Open Menu Close Menu</h1>") == "Webcams at the park"
    )
    # the site's name before a colon, in a <title> or og:title, whatever its suffix
    assert _title('<meta property="og:title" content="Example Blog: Hardware attested builds">', "") == (
        "Hardware attested builds"
    )
    # ... but not in the headline shown, where it is part of the headline
    assert _title("", "<h1>Teaching Online: Effective Practices</h1>", url="https://teachingonline.org/") == (
        "Teaching Online: Effective Practices"
    )


def test_site_names_include_the_registered_domain():
    page = _page("", "")
    names = site_names(page, "https://investor.vanguard.com/funds/index")
    assert "vanguard" in names and "vanguard.com" in names and "com" not in names
    assert strip_site_name("Index Funds: How to Invest | Vanguard", names) == "Index Funds: How to Invest"


LD = (
    '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2019-05-01T08:00:00Z",'
    ' "dateModified": "2025-09-04T10:00:00+02:00"}</script>'
)


def test_published_is_the_metadata_date_the_page_shows():
    body = "<h1>A headline about the harbour</h1><p>By Mina Seo</p><p>September 4, 2025</p><p>Text.</p>"
    published, updated = choose_dates(_page(LD, body), "2019-05-01")
    assert published == datetime(2025, 9, 4, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert updated == published


def test_an_update_shown_does_not_replace_the_published_date():
    body = "<h1>A headline about the harbour</h1><p>Updated September 4, 2025</p><p>Text.</p>"
    published, _ = choose_dates(_page(LD, body), "2019-05-01")
    assert published == datetime(2019, 5, 1, 8, 0, tzinfo=UTC)


def test_dates_far_from_the_headline_are_not_the_dateline():
    comments = "".join(f"<p>line {i}</p>" for i in range(40)) + "<p>September 4, 2025 at 6:26 pm</p>"
    published, _ = choose_dates(_page(LD, "<h1>A headline about the harbour</h1>" + comments), "2019-05-01")
    assert published is not None and published.date().isoformat() == "2019-05-01"


def test_a_dateline_alone_dates_a_page_without_metadata():
    published, _ = choose_dates(_page("", "<h1>Advent of Code week 2</h1><p>20 December 2025</p>"), None)
    assert published == datetime(2025, 12, 20)


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("Share this article", True),
        ("5 min read", True),
        ("Sign up for our daily newsletter!", True),
        ("Copyright 2019 Harbour News. All rights reserved.", True),
        ("Tags: energy, tides", True),
        ("Also read: Ferry fares to rise in spring", True),
        ("Read more about how tidal turbines work.", False),  # a link the article gives
        ("My newsletter has stopped growing because I never asked readers.", False),
        ("Sign up for a library card to borrow the e-books.", False),
        ("Share prices fell 5% on Monday after the plant opened, the exchange said.", False),
    ],
)
def test_boilerplate_lines(line, furniture):
    assert is_boilerplate(line) is furniture


def test_a_styled_h1_gives_way_to_the_page_title():
    og = '<meta property="og:title" content="Best Notion Alternatives: Top Note-taking Tools in 2026">'
    glued = "<h1>The Best Notion AlternativesTop Note-taking Tools</h1>"
    assert _title(og, glued) == "Best Notion Alternatives: Top Note-taking Tools in 2026"
    capitals = "<h1>BEST DRIP COFFEE MAKER IN 2026: BUYING TIPS</h1>"
    assert _title(og, capitals) == "Best Notion Alternatives: Top Note-taking Tools in 2026"
    # a brand written in one word is no sign of two elements run together when the title has it too
    brand = '<meta property="og:title" content="YouTube changes its rules for creators">'
    assert _title(brand, "<h1>How YouTube rules change for small creators</h1>") == (
        "How YouTube rules change for small creators"
    )


def test_a_dateline_wins_over_a_modification_date_read_as_published():
    head = '<meta property="article:modified_time" content="2024-10-28T09:00:00Z">'
    body = "<h1>Organic pest control for vegetable gardens</h1><p>April 26, 2024</p><p>Text.</p>"
    published, updated = choose_dates(_page(head, body), "2024-10-28")
    assert published == datetime(2024, 4, 26)
    assert updated == datetime(2024, 10, 28, 9, 0, tzinfo=UTC)


def _prose(topic: str, n: int) -> list[str]:
    """n distinct paragraphs of fictional prose about `topic`, about 25 words each."""
    return [
        f"Paragraph {i} about the {topic}: the council of Westerly met on day {i} and heard residents on "
        f"costs, timetables and the harbour wall, then adjourned until the next session number {i + 1}."
        for i in range(1, n + 1)
    ]


def test_cookie_notices_are_furniture_at_any_length():
    notice = (
        "We use cookies on our website to give you the most relevant experience by remembering your "
        "preferences and repeat visits, and to measure how the site is used by its many readers."
    )
    assert is_boilerplate(notice)
    assert not is_boilerplate("The council said it uses cookies baked by a local firm at every meeting.")


def test_tail_is_cut_at_an_after_the_article_heading():
    article = _prose("budget", 6)
    related = ["Paragraph about another story the site would like you to read next, with a teaser."] * 2
    headings = (
        "Related stories",
        "You may also like:",
        "About the author",
        "Was this article helpful?",
        "Enjoyed this piece? Help us keep publishing.",
        "Republish this article",
        "Manage consent",
    )
    for heading in headings:
        assert cut_tail([*article, heading, *related]) == article


def test_a_heading_early_in_the_text_does_not_cut_it():
    article = _prose("budget", 6)
    blocks = [article[0], "Related stories", *article[1:]]
    assert cut_tail(blocks) == blocks
    # a subheading of the article itself, late in it, is not taken for one
    blocks = [*article[:5], "More on the budget", article[5]]
    assert cut_tail(blocks) == blocks
    long_heading = "Related stories are what the council wants residents to tell each other about"
    assert cut_tail([*article, long_heading]) == [*article, long_heading]


def test_a_repeated_run_of_paragraphs_is_kept_once():
    article = _prose("ferry", 5)
    assert drop_repeated_runs([*article, *article]) == article
    # short repeats are meant (a plan's or a recipe's lines): kept
    plan = ["Monday: easy run, 30 minutes", "Cool down: walk 10 minutes"] * 3
    assert drop_repeated_runs(plan) == plan


def _ld_page(visible: list[str], stated: list[str]) -> str:
    import json

    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Westerly council meets"}
    ld["articleBody"] = "\n".join(stated)
    paragraphs = "".join(f"<p>{p}</p>" for p in visible)
    return (
        "<html><head><title>Westerly council meets</title>"
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        f"<body><article><h1>Westerly council meets</h1>{paragraphs}</article></body></html>"
    )


def test_the_stated_article_body_replaces_a_text_that_misses_most_of_it():
    full = _prose("budget", 12)
    article = parse_html(_ld_page(full[:3], full), "x")
    assert article.text.split("\n\n") == full


def test_a_short_stated_body_is_a_teaser_and_changes_nothing():
    full = _prose("budget", 5)
    teaser = ["The council met."]
    article = parse_html(_ld_page(full, teaser), "x")
    assert article.text.split("\n\n") == full


def test_a_closing_run_of_teaser_links_is_cut():
    article = _prose("harbour wall", 6)
    teasers = [
        "Ferry fares to rise in spring",
        "Nov 3, 2025",
        "New lighthouse keeper named",
        "Storm closes the pier",
    ]
    links = {"ferry fares to rise in spring", "new lighthouse keeper named", "storm closes the pier"}
    assert cut_link_tail([*article, "Elsewhere", *teasers], links) == article
    # the same titles that are not links, or are the article's own bulleted list, stay
    assert cut_link_tail([*article, *teasers], set()) == [*article, *teasers]
    bullets = [f"- {t}" for t in teasers]
    assert cut_link_tail([*article, *bullets], links) == [*article, *bullets]


def test_links_within_the_page_are_not_teasers():
    from corpus.html_page import Page

    html = (
        "<html><body><a href='#costs'>What the wall will cost</a>"
        "<a href='/news/ferry-fares'>Ferry fares to rise in spring</a><a>No target</a></body></html>"
    )
    assert Page(html).link_texts == ["Ferry fares to rise in spring"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Mara Quill", "Mara Quill"),
        ("Ada &amp; Tom Reed", "Ada & Tom Reed"),
        ("Author Mara Quill", "Mara Quill"),
        ("Recipe by Mara Quill", "Mara Quill"),
        ("Mara Quill Last Updated August 1", "Mara Quill"),
        ("Mara Quill • March", "Mara Quill"),
        ("Mara Quill Nadel December", "Mara Quill Nadel"),
        ("Ann April", "Ann April"),  # a name that ends in a month's name keeps it
        ("Dec", None),
        ("Updated January", None),
        ("Written By", None),
    ],
)
def test_a_byline_from_the_metadata_is_only_the_name(given, expected):
    from corpus.html import tidy_byline

    assert tidy_byline(given) == expected
