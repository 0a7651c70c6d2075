"""Plain-text and JSON rendering of answers."""

from __future__ import annotations

import json
from datetime import datetime

from bot.models import Answer, AnswerSentence, Citation
from bot.render import NOT_COVERED, answer_dict, render_json, render_text, source_line
from corpus.models import Chunk
from embeddings.models import ArticleMeta, Hit


def citation(n: int, url: str | None = None, published: datetime | None = None) -> Citation:
    return Citation(
        n=n,
        article_id=f"a{n}",
        chunk_id=f"a{n}:0",
        title=f"Title {n}",
        publisher="The Exampleton Gazette",
        published=published,
        url=url,
        source=f"/news/{n}.txt",
        quote=f"Quote {n}.",
    )


def passage() -> Hit:
    text = "Quote 1. Más texto, 한국어 😀."
    meta = ArticleMeta("a1", "/news/1.txt", "Title 1", "The Exampleton Gazette", None, None)
    return Hit(Chunk("a1:0", "a1", 0, 0, len(text), text), meta, 1, 0.9, 0.8, 3.2)


def test_source_line_has_title_publisher_date_and_url_or_file() -> None:
    dated = citation(1, url="https://gazette.example/a", published=datetime(2024, 3, 12, 9, 15))
    assert source_line(dated) == (
        "[1] Title 1 — The Exampleton Gazette, 2024-03-12 — https://gazette.example/a"
    )
    assert source_line(citation(2)) == "[2] Title 2 — The Exampleton Gazette — /news/2.txt"


def test_render_text_lists_the_sources_after_the_answer() -> None:
    result = Answer(
        "Q?",
        (AnswerSentence("Quote 1.", 1), AnswerSentence("Quote 2.", 2)),
        (citation(1), citation(2)),
        (passage(),),
        abstained=False,
    )
    text = render_text(result)
    assert text.splitlines()[0] == "Quote 1. [1] Quote 2. [2]"
    assert "Sources:" in text and "[2] Title 2" in text


def test_abstention_says_not_covered_and_shows_closest() -> None:
    result = Answer("Q?", (), (), (passage(),), abstained=True, closest=(citation(1),))
    text = render_text(result)
    assert text.startswith(NOT_COVERED)
    assert "[1] Title 1" in text
    assert render_text(Answer("Q?", (), (), (), abstained=True)) == NOT_COVERED


def test_json_has_the_documented_shape_and_keeps_unicode() -> None:
    result = Answer(
        "Q?",
        (AnswerSentence("Quote 1.", 1),),
        (citation(1, published=datetime(2024, 3, 12)),),
        (passage(),),
        abstained=False,
    )
    line = render_json(result)
    assert "\n" not in line and "한국어" in line
    data = json.loads(line)
    assert data == answer_dict(result)
    assert {"question", "answer", "abstained", "citations", "passages"} <= set(data)
    assert set(data["citations"][0]) == {
        "n", "title", "publisher", "published", "url", "source", "article_id", "chunk_id", "quote",
    }  # fmt: skip
    assert data["citations"][0]["published"] == "2024-03-12T00:00:00"
    assert set(data["passages"][0]) == {
        "rank", "score", "article_id", "chunk_id", "title", "publisher", "published", "url", "source", "text",
    }  # fmt: skip
    assert data["answer"] == "Quote 1. [1]"


def test_the_short_answer_comes_first_in_text_and_in_json() -> None:
    result = Answer(
        "How much will the tram cost?",
        (AnswerSentence("The tram will cost 412 million crowns.", 1),),
        (citation(1),),
        (passage(),),
        abstained=False,
        short="412 million crowns",
        short_n=1,
    )
    assert render_text(result).splitlines()[:3] == [
        "412 million crowns [1]",
        "",
        "The tram will cost 412 million crowns. [1]",
    ]
    assert json.loads(render_json(result))["short_answer"] == {"text": "412 million crowns", "n": 1}
    plain = Answer("Why?", result.sentences, result.citations, (), abstained=False)
    assert render_text(plain).splitlines()[0] == "The tram will cost 412 million crowns. [1]"
    assert answer_dict(plain)["short_answer"] is None


def test_json_carries_the_confidence_rounded_and_none_when_not_computed() -> None:
    answered = Answer(
        "Q?", (AnswerSentence("Quote 1.", 1),), (citation(1),), (passage(),), False, confidence=0.81234
    )
    refused = Answer("Q?", (), (), (passage(),), abstained=True, closest=(citation(1),), confidence=0.2)
    assert json.loads(render_json(answered))["confidence"] == 0.812
    data = json.loads(render_json(refused))
    assert data["confidence"] == 0.2 and data["abstained"] is True and len(data["closest"]) == 1
    assert answer_dict(Answer("Q?", (), (), (), abstained=True))["confidence"] is None
