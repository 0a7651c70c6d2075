"""choose_title: which of the page's own titles is the headline, and what is cut off it."""

from __future__ import annotations

from corpus.html_page import Page
from corpus.html_title import choose_title, site_names


def _title(head: str, body: str, url: str = "https://www.example-news.com/a/1", extracted: str | None = None):
    page = Page(f"<html><head>{head}</head><body>{body}</body></html>")
    return choose_title(page, site_names(page, url), extracted)


def _og(title: str) -> str:
    return f'<meta property="og:title" content="{title}">'


def test_a_short_segment_after_a_pipe_is_cut():
    # a section, a label or keywords after " | ", in the h1 as in the page's titles
    h1 = "<h1>Ferry timetable changes for the winter season | Top 5 Routes</h1>"
    assert _title(_og("Ferry timetable changes for the winter season | Top 5 Routes"), h1) == (
        "Ferry timetable changes for the winter season"
    )
    assert _title("<title>Council approves the new harbour budget | Local | Example News</title>", "") == (
        "Council approves the new harbour budget"
    )
    # a long segment after the pipe is a second half of the headline, and stays
    long = "Ferry timetable changes for the winter | What every island commuter needs to know now"
    assert _title(_og(long), "") == long
    # a short head is not a headline with a tail: nothing is cut
    assert _title(_og("Ferries | Winter timetable"), "") == "Ferries | Winter timetable"


def test_what_a_title_has_around_another_is_the_sites_name():
    head = _og("Small adventures with small models") + (
        "<title>Harbour Data Blog: Small adventures with small models</title>"
    )
    # the blog's name shown in an h1 is not the headline, though the <title> starts with it
    body = "<h1>Harbour Data Blog</h1><h1>Why small</h1><h1>Getting started</h1><p>text</p>"
    assert _title(head, body) == "Small adventures with small models"
    assert _title("<title>Harbour Data Blog: Small adventures with small models</title>", "") == (
        "Harbour Data Blog: Small adventures with small models"  # nothing says where the name ends
    )
    # a long lead-in is a kicker the page shows, not a name
    kicker = "The 2024 Harbour Beauty Awards: The best oral care products"
    head = _og("The best oral care products") + f"<title>{kicker}</title>"
    assert _title(head, f"<h1>{kicker}</h1>") == kicker


def test_a_title_the_page_also_shows_wins_over_a_disagreeing_h1():
    head = _og("How to get a mooring permit") + "<title>How to get a mooring permit | Example News</title>"
    banner = "<h1>Book your mooring permit today</h1>"
    # no title agrees with the h1: the headline shown is taken ...
    assert _title(head, banner + "<p>text</p>") == "Book your mooring permit today"
    # ... unless the page shows one of its titles as well: the h1 is then a banner
    assert _title(head, banner + "<h2>How to get a mooring permit</h2><p>text</p>") == (
        "How to get a mooring permit"
    )
    # the <title> element is no line shown on the page
    same = _og("How to get a mooring permit") + "<title>How to get a mooring permit</title>"
    assert _title(same, banner + "<p>text</p>") == "Book your mooring permit today"


def test_the_json_ld_headline_comes_before_og_title():
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Six harbour rules"}'
    ld += "</script>"
    og = _og("Here are the rules every skipper should know.")
    assert _title(ld + og, "<p>text</p>") == "Six harbour rules"
    assert _title(og, "<p>text</p>") == "Here are the rules every skipper should know."


def test_an_aggregators_source_and_comment_count_are_not_the_headline():
    og = _og("Harbour tolls rise for the first time in ten years - Example News")
    h1 = "<h1>Harbour tolls rise for the first time in ten years (coastline.example) 42</h1>"
    assert _title(og, h1) == "Harbour tolls rise for the first time in ten years"
    # a headline the h1 goes on with is the h1's
    h1 = "<h1>Harbour tolls rise for the first time in ten years: what skippers pay</h1>"
    assert _title(og, h1) == "Harbour tolls rise for the first time in ten years: what skippers pay"


def test_an_h1_too_long_for_a_headline_is_a_summary():
    og = _og("The ten harbour upgrades that paid off")
    summary = (
        "Learn which harbour upgrades paid off for the town? Read what the council spent on each pier "
        "and crane, what it earned back in tolls, and what every mooring holder needs to know about "
        "next year's fees."
    )
    assert _title(og, f"<h1>{summary}</h1><p>text</p>") == "The ten harbour upgrades that paid off"
    h1 = "<h1>Which harbour upgrades paid off</h1><p>text</p>"
    assert _title(og, h1) == "Which harbour upgrades paid off"


def test_an_h1_naming_the_blog_after_its_host_is_not_the_headline():
    body = "<h1>Marta's Blog</h1><p>text</p>"
    url = "https://blog.marta.example/progress-report-7"
    # trafilatura gives that h1 as its title: it must not make the h1 agree with itself
    assert _title("<title>Progress report #7</title>", body, url=url, extracted="Marta's Blog") == (
        "Progress report #7"
    )
    body = "<h1>Marta News</h1><p>text</p>"
    assert _title("<title>Progress report #7</title>", body, url=url, extracted="Marta News") == (
        "Progress report #7"
    )


def test_an_h1_with_lost_characters_gives_the_title_it_copies():
    head = "<title>Don’t miss the harbour festival: a skipper’s guide | Example News</title>"
    h1 = "<h1>Don?t miss the harbour festival? a skipper?s guide</h1><p>text</p>"
    assert _title(head, h1) == "Don’t miss the harbour festival: a skipper’s guide"
    # a question in the h1 is no lost character
    head = "<title>Harbour festival: what to see | Example News</title>"
    h1 = "<h1>Is the harbour festival worth it? What to see</h1><p>text</p>"
    assert _title(head, h1) == "Is the harbour festival worth it? What to see"


def test_a_site_wide_title_shown_in_the_masthead_does_not_replace_the_h1():
    head = _og("Coastline Courier") + '<meta property="og:site_name" content="Coastline Courier">'
    body = "<div>Coastline Courier</div><h1>Ferry fares rise for the winter</h1><p>text</p>"
    assert _title(head, body) == "Ferry fares rise for the winter"
