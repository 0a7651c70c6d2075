"""News JSONL whose fields hold HTML, end to end with the real model: read → index → answer → the text,
JSON and Telegram renderings hold the article's words and no tag or entity. And an index built from the
raw markup (before `corpus.markup`) is put right by `index update`. The articles are fictional."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from bot.answering.pipeline import answer
from bot.render import render_json, render_text
from bot.telegram.render_html import render_answer_html, render_sources_html
from corpus.ids import article_id
from corpus.jsonl import read_jsonl
from embeddings.build import build_index, build_index_from_articles, update_index
from embeddings.encoder import Encoder, HashingEncoder
from embeddings.search import Searcher

TRAM = {
    "url": "https://gazette.exampleton.invalid/2031/05/02/tram",
    "title": "<b>Harbour Line</b> tram &amp; ferry link approved",
    "byline": 'By <a href="https://gazette.exampleton.invalid/staff/ada">Ada Brook</a>',
    "publisher": "Gazette of Exampleton",
    "published": "2031-05-02T09:00:00+01:00",
    "text": (
        "<p>The Exampleton council approved the Harbour Line tram on Tuesday. The line will cost "
        "<em>412&nbsp;million crowns</em>, according to the "
        '<a href="https://council.exampleton.invalid/budget?y=2031&amp;v=2">council&#8217;s budget</a>.</p>'
        "<p>Construction will begin at Quay Square in March, and the first trams will run in 2034."
        "<br>Mayor Odile Brackenridge called it &ldquo;the city&#8217;s biggest project in fifty "
        "years&rdquo;.</p>"
        '<script>window.ads = "<p>Subscribe now</p>";</script>'
    ),
}
BAKERY = {
    "title": "Crumb &amp; Co wins the bread prize",
    "published": "2031-05-03",
    "text": (
        "<p>The bakery Crumb &amp; Co won the national bread championship on Saturday with a rye "
        "sourdough.</p><p>Its owner, Mina Tallow, thanked her staff.</p>"
    ),
}

MARKUP = ("<p", "<a", "<b>", "<em", "<br", "<script", "href", "&amp;", "&nbsp;", "&#8217;", "&ldquo;")


def write_archive(folder: Path) -> Path:
    folder.mkdir()
    path = folder / "gazette.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (TRAM, BAKERY)) + "\n", encoding="utf-8")
    return folder


def test_an_answer_from_html_fields_shows_only_text(tmp_path: Path, real_encoder: Encoder) -> None:
    archive = write_archive(tmp_path / "archive")
    build_index([archive], tmp_path / "index", real_encoder)
    with Searcher.open(tmp_path / "index", real_encoder) as searcher:
        result = answer("How much will the Harbour Line tram cost?", searcher, k=4)
    assert not result.abstained
    text, data, html = render_text(result), json.loads(render_json(result)), render_answer_html(result)
    assert "412 million crowns" in text and "412 million crowns" in data["answer"]
    cited = data["citations"][0]
    assert cited["title"] == "Harbour Line tram & ferry link approved"
    assert "Harbour Line tram & ferry link approved" in text
    for rendering in (text, json.dumps(data, ensure_ascii=False)):
        assert not any(mark in rendering for mark in MARKUP), rendering
    assert "Subscribe" not in text and "budget?y=" not in text
    # Telegram escapes article text once: "&" is "&amp;" there, never "&amp;amp;", and no tag of the
    # article survives (the only tags are the renderer's own).
    assert "Harbour Line tram &amp; ferry link approved" in html and "&amp;amp;" not in html
    sources = render_sources_html(result)
    for telegram in (html, sources):
        assert "&lt;" not in telegram and "&amp;nbsp;" not in telegram and "&amp;#8217;" not in telegram
        assert "<p>" not in telegram and "<em>" not in telegram and 'href="https://council' not in telegram


def test_an_index_of_the_raw_markup_is_put_right_by_an_update(tmp_path: Path) -> None:
    """An archive indexed before HTML was read as HTML: its ids were taken from the raw text. The update
    re-reads every article; those whose fields held markup come out as changed: an article with a url
    keeps its id, and one whose id was taken from its text gets a new id but comes from the same line of
    the same file, which `index update` counts as one article changed (embeddings/edits.py). The others
    are left as they were."""
    archive = write_archive(tmp_path / "archive")
    read_now = read_jsonl(archive / "gazette.jsonl").articles
    before = [
        dataclasses.replace(a, text=raw["text"], title=raw["title"], id=article_id(a.url, raw["text"]))
        for a, raw in zip(read_now, (TRAM, BAKERY), strict=True)
    ]
    plain = read_now[0].__class__(
        id=article_id(None, "A plain article about the ferry timetable, which runs until October."),
        source="ferry.jsonl:1",
        text="A plain article about the ferry timetable, which runs until October.",
    )
    build_index_from_articles([*before, plain], tmp_path / "index", HashingEncoder())
    (archive / "ferry.jsonl").write_text(json.dumps({"text": plain.text}) + "\n", encoding="utf-8")

    report = update_index([archive], tmp_path / "index", HashingEncoder())

    assert (report.articles_changed, report.articles_added, report.articles_removed) == (2, 0, 0)
    assert report.articles_unchanged == 1
    with Searcher.open(tmp_path / "index", HashingEncoder()) as searcher:
        assert searcher.stats().articles == 3
        for hit in searcher.search("Harbour Line tram bread championship ferry", k=10):
            assert not any(mark in hit.chunk.text for mark in MARKUP), hit.chunk.text
            assert "<" not in (hit.article.title or "")
