"""HTML in text fields: read as HTML and kept as the text it shows; plain text with "<" or "&" left as is.
The markup here is written for these tests (fictional news)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.jsonl import read_jsonl
from corpus.markup import has_markup, plain_line, plain_text
from corpus.read import read_paths

BODY = (
    "<p>The Harbour Line tram will open in 2027, said "
    '<a href="https://news.example/council">the city council</a>.</p>\n'
    "<p>Mayor Ada Brook called it the city&#8217;s <em>biggest</em>&nbsp;project &amp; a turning point."
    "<br>Work starts in May.</p>"
    '<script>track("<p>not text</p>");</script><style>p { color: red }</style>'
)


def test_links_keep_their_words_and_breaks_become_lines_and_paragraphs():
    assert plain_text(BODY) == (
        "The Harbour Line tram will open in 2027, said the city council.\n\n"
        "Mayor Ada Brook called it the city’s biggest project & a turning point.\n"
        "Work starts in May."
    )


@pytest.mark.parametrize(
    "plain",
    ["a < b and c > d", "AT&T and Q&A", "x<y and z>w", "R&D; costs rose", "if n<3 then", "Tom & Jerry"],
)
def test_plain_text_with_angle_brackets_or_ampersands_is_left_as_it_is(plain: str):
    assert not has_markup(plain)
    assert plain_text(plain) == plain


def test_entities_alone_are_decoded():
    assert plain_text("Fish &amp; chips &lt;3 at the caf&eacute;") == "Fish & chips <3 at the café"


def test_inline_tags_in_plain_paragraphs_keep_the_paragraphs():
    assert plain_text("One <em>day</em>.\n\nTwo <a href='x'>days</a>.") == "One day.\n\nTwo days."


def test_unknown_tag_like_text_beside_real_tags_stays():
    assert plain_text("when x<y and z>w, see <b>this</b>") == "when x<y and z>w, see this"


def test_a_line_field_is_one_line_or_none():
    assert plain_line("  <b>Tram</b>\n opens &amp; <i>runs</i> ") == "Tram opens & runs"
    assert plain_line("<script>x()</script>") is None
    assert plain_line(None) is None


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_jsonl_fields_come_out_as_text_and_the_id_from_that_text(tmp_path: Path):
    plain = {"text": "The Harbour Line tram will open in 2027, said the city council."}
    record = {
        "text": BODY,
        "title": "<b>Tram</b> opens &amp; runs",
        "byline": "By <a href='/staff/ada'>Ada Brook</a>",
        "publisher": "Example&nbsp;Gazette",
        "section": "<span>City</span>",
        "url": "https://news.example/tram?a=1&b=2",
    }
    only_script = {"text": "<script>var a = 1;</script>"}
    result = read_jsonl(write_jsonl(tmp_path / "news.jsonl", [record, plain, only_script]))
    article = result.articles[0]
    assert article.text.startswith("The Harbour Line tram will open in 2027, said the city council.\n\n")
    assert (article.title, article.byline) == ("Tram opens & runs", "By Ada Brook")
    assert (article.publisher, article.section) == ("Example Gazette", "City")
    assert article.url == "https://news.example/tram?a=1&b=2"  # an address, not text: left alone
    for field in (article.text, article.title, article.byline):
        assert "<" not in field and "&" not in field.replace(" & ", "")
    # the same words with and without markup are the same article
    marked = read_jsonl(write_jsonl(tmp_path / "marked.jsonl", [{"text": f"<p>{plain['text']}</p>"}]))
    assert marked.articles[0].id == result.articles[1].id
    assert [(s.source.rsplit(":", 1)[1], s.reason) for s in result.skipped] == [
        ("3", '"text" holds no text once read as HTML')
    ]


def test_page_and_dump_titles_lose_leftover_entities_and_keep_the_tags_they_showed(tmp_path: Path):
    """A page's fields were parsed as HTML already and a dump is what the browser showed: a tag left in
    them is what the page showed (an article about the <br> tag), an entity left is a double escape."""
    dump = tmp_path / "dump.txt"
    dump.write_text(
        "Thirty years of <br> tags &amp; what they broke\n\n"
        + "The line-break tag first appeared in an early draft of the web's markup, a designer said. " * 3
        + "\n\nShe said most pages still used it to lay out addresses and poems, and thanked her staff.\n",
        encoding="utf-8",
    )
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Ferry &amp;amp; <b>tug</b> return to the bay</title>"
        '<meta property="og:title" content="Ferry &amp;amp; tug return to the bay"></head><body>'
        "<article><h1>Ferry &amp; tug return to the bay</h1>"
        "<p>The old ferry Saltwing returned to the bay on Monday after two years of repairs in the dry dock "
        "at Northpoint, the harbour office said in a statement.</p>"
        "<p>Its first crossing carried 212 passengers, among them the mayor and the crew that had sailed "
        "her before the engine failed in the winter storm of the year before last.</p>"
        "<p>Tickets cost the same as before, and the timetable runs until the end of October.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    batch = read_paths([tmp_path])
    articles = {Path(a.source).name: a for a in batch.articles}
    assert not batch.skipped and not batch.duplicates
    assert articles["dump.txt"].title == "Thirty years of <br> tags & what they broke"
    assert articles["page.html"].title == "Ferry & tug return to the bay"
    assert plain_line("30 Years of <br> Tags", tags=False) == "30 Years of <br> Tags"
