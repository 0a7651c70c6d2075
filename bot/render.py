"""Render an `Answer` for a channel: plain text for the terminal, JSON for programs.

Telegram HTML is rendered in `bot/telegram/render_html.py`; nothing here escapes markup.
"""

from __future__ import annotations

import json
from typing import Any

from bot.models import Answer, Citation
from embeddings.models import Hit

NOT_COVERED = "The indexed articles do not cover this."


def source_line(citation: Citation) -> str:
    """`[n] Title — Publisher, date — url (or file)`, leaving out what the article does not have."""
    title = citation.title or "(untitled)"
    where = ", ".join(
        part
        for part in (
            citation.publisher,
            citation.published.date().isoformat() if citation.published else None,
        )
        if part
    )
    parts = [f"[{citation.n}] {title}"]
    if where:
        parts.append(where)
    parts.append(citation.url or citation.source)
    return " — ".join(parts)


def timeframe_line(answer: Answer) -> str | None:
    """How a relative date in the question was read, so that the user can check it: `Read "last week"
    as articles from 2020-05-22 to 2020-06-05.`; None when the question named none."""
    frame = answer.timeframe
    if frame is None:
        return None
    return f'Read "{frame.phrase}" as articles from {frame.since.isoformat()} to {frame.until.isoformat()}.'


def render_text(answer: Answer) -> str:
    """The short answer (the name, number or date asked for) when there is one, the answer, then its
    numbered sources; or the abstention, then the closest sources. A relative date's reading comes last."""
    if answer.abstained:
        lines = [NOT_COVERED]
        if answer.closest:
            lines += ["", "Closest sources found:"]
            lines += [source_line(c) for c in answer.closest]
    else:
        lines = [f"{answer.short} [{answer.short_n}]", ""] if answer.short else []
        lines += [answer.text, "", "Sources:"]
        lines += [source_line(c) for c in answer.citations]
    read_as = timeframe_line(answer)
    if read_as:
        lines += ["", read_as]
    return "\n".join(lines)


def _citation_dict(citation: Citation) -> dict[str, Any]:
    return {
        "n": citation.n,
        "title": citation.title,
        "publisher": citation.publisher,
        "published": citation.published.isoformat() if citation.published else None,
        "url": citation.url,
        "source": citation.source,
        "article_id": citation.article_id,
        "chunk_id": citation.chunk_id,
        "quote": citation.quote,
    }


def _passage_dict(hit: Hit) -> dict[str, Any]:
    meta = hit.article
    return {
        "rank": hit.rank,
        "score": hit.score,
        "article_id": meta.id,
        "chunk_id": hit.chunk.id,
        "title": meta.title,
        "publisher": meta.publisher,
        "published": meta.published.isoformat() if meta.published else None,
        "url": meta.url,
        "source": meta.source,
        "text": hit.chunk.text,
    }


def answer_dict(answer: Answer) -> dict[str, Any]:
    """The JSON-ready form: question, as_of, timeframe, answer, short_answer, abstained, confidence (the
    estimated probability, 0..1, that the best sentence found answers right; newsbot abstains under 0.5),
    citations, passages (and closest, if abstained)."""
    short = {"text": answer.short, "n": answer.short_n} if answer.short else None
    frame = answer.timeframe
    return {
        "as_of": answer.as_of.isoformat() if answer.as_of else None,
        "timeframe": (
            {"phrase": frame.phrase, "since": frame.since.isoformat(), "until": frame.until.isoformat()}
            if frame
            else None
        ),
        "question": answer.question,
        "answer": NOT_COVERED if answer.abstained else answer.text,
        "short_answer": short,
        "abstained": answer.abstained,
        "confidence": None if answer.confidence is None else round(answer.confidence, 3),
        "citations": [_citation_dict(c) for c in answer.citations],
        "closest": [_citation_dict(c) for c in answer.closest],
        "passages": [_passage_dict(h) for h in answer.passages],
    }


def render_json(answer: Answer) -> str:
    """One line of JSON (UTF-8 text kept as is, not \\u-escaped)."""
    return json.dumps(answer_dict(answer), ensure_ascii=False)
