"""Telegram HTML for answers, sources and index statistics, and splitting under Telegram's length limit.

Every piece of article or user text goes through `html.escape`; the only markup is the little this module
writes itself (`<b>`, `<i>`, `<a href>`, `<blockquote>`), all of it in Telegram's allowed set.

`split_html` cuts a message into parts of at most `limit` UTF-16 code units (Telegram counts in those),
measured on the raw HTML, which is never shorter than the text Telegram counts, so a part that fits here
fits there. It cuts at paragraph boundaries first, then at line breaks, then between words, and as a last
resort between characters; never inside a tag or an entity. A tag left open at a cut is closed at the end
of the part and opened again at the start of the next, so every part is valid HTML on its own.

Not handled: Telegram's other entity kinds (`<pre>`, `<code>`, spoilers) are never produced, so the
splitter does not try to keep them whole; a grapheme cluster of several code points (a flag, a family
emoji) may be cut between its code points when a single word is longer than the limit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from bot.models import Answer, Citation
from bot.render import timeframe_line

TELEGRAM_MESSAGE_LIMIT = 4096
MAX_QUOTE_CHARS = 1200
MAX_URL_CHARS = 2000
ABSTAIN_TEXT = "I couldn't find this in the indexed articles."

_TOKEN_RE = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_ENTITY_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_TAG_NAME_RE = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
_WORD_RE = re.compile(r"\S+\s*|\s+")
_LONG_WORD = 64  # words longer than this may be cut inside, between characters
_SLICE = 16


def esc(text: str) -> str:
    """Escape text for a Telegram HTML message body (`<`, `>`, `&`)."""
    return html.escape(text, quote=False)


def _flat(text: str) -> str:
    """Collapse runs of whitespace, so article text can never introduce paragraph breaks of its own."""
    return " ".join(text.split())


def _safe_url(url: str | None) -> str | None:
    if not url or len(url) > MAX_URL_CHARS:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def _date(published: datetime | None) -> str | None:
    return published.date().isoformat() if published is not None else None


def _title(citation: Citation) -> str:
    if citation.title and citation.title.strip():
        return _flat(citation.title)
    source = citation.source.rstrip("/")
    return source.rsplit("/", 1)[-1] or "Untitled article"


def render_source_line(citation: Citation, *, label: str | None = None) -> str:
    """One source: `[n] <a href=url>Title</a> — Publisher, 2024-05-01` (the link only for http(s) urls)."""
    title = esc(_title(citation))
    url = _safe_url(citation.url)
    linked = f'<a href="{html.escape(url, quote=True)}">{title}</a>' if url else title
    details = [esc(_flat(p)) for p in (citation.publisher, _date(citation.published)) if p and _flat(p)]
    head = f"[{citation.n}]" if label is None else label
    return f"{head} {linked}" + (f" — {', '.join(details)}" if details else "")


def render_answer_html(answer: Answer) -> str:
    """The answer for Telegram: the short answer in bold when there is one, its sentences with their
    `[n]`, then the numbered sources.

    An abstention says so in plain words and lists the closest sources, if any, as near misses.
    """
    read_as = timeframe_line(answer)
    footer = f"\n\n<i>{esc(read_as)}</i>" if read_as else ""
    if answer.abstained or not answer.sentences:
        if not answer.closest:
            return ABSTAIN_TEXT + footer
        closest = "\n".join(render_source_line(c, label="•") for c in answer.closest)
        near = "The closest articles I found, though they do not answer it:"
        return f"{ABSTAIN_TEXT}\n\n{near}\n{closest}{footer}"
    body = " ".join(f"{esc(_flat(s.text))} [{s.n}]" for s in answer.sentences)
    if answer.short and _flat(answer.short):
        body = f"<b>{esc(_flat(answer.short))}</b> [{answer.short_n}]\n\n{body}"
    sources = "\n".join(render_source_line(c) for c in answer.citations)
    return f"{body}\n\n<b>Sources</b>\n{sources}{footer}"


def render_sources_html(answer: Answer) -> str:
    """Every source of an answer with the passage quoted from it (the closest ones for an abstention)."""
    citations = answer.citations or answer.closest
    question = esc(_flat(answer.question))
    if not citations:
        return f"No sources for <i>{question}</i>: nothing in the indexed articles came close."
    heading = "Sources" if answer.citations else "Closest articles"
    parts = [f"<b>{heading} for</b> <i>{question}</i>"]
    for citation in citations:
        quote = _flat(citation.quote)
        if len(quote) > MAX_QUOTE_CHARS:
            quote = quote[: MAX_QUOTE_CHARS - 1].rstrip() + "…"
        line = render_source_line(
            citation, label=None if answer.citations else "•"
        )  # as the answer lists them
        parts.append(f"{line}\n<blockquote>{esc(quote)}</blockquote>" if quote else line)
    return "\n\n".join(parts)


def render_stats_html(
    *,
    articles: int,
    chunks: int | None = None,
    publishers: Sequence[str] = (),
    first_published: datetime | None = None,
    last_published: datetime | None = None,
    model: str | None = None,
) -> str:
    """What the index holds: counts, publishers, date range and model."""
    lines = [f"<b>Articles:</b> {articles:,}"]
    if chunks is not None:
        lines.append(f"<b>Passages:</b> {chunks:,}")
    if publishers:
        shown = ", ".join(esc(_flat(p)) for p in list(publishers)[:12])
        more = f" and {len(publishers) - 12} more" if len(publishers) > 12 else ""
        lines.append(f"<b>Publishers ({len(publishers)}):</b> {shown}{more}")
    first, last = _date(first_published), _date(last_published)
    if first and last:
        lines.append(f"<b>Published:</b> {first} to {last}")
    if model:
        lines.append(f"<b>Model:</b> {esc(model)}")
    return "\n".join(lines)


# --- splitting -------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _tokens(fragment: str) -> list[str]:
    """Tags, entities and text runs, in order; concatenated they give the fragment back."""
    out: list[str] = []
    pos = 0
    for match in _TOKEN_RE.finditer(fragment):
        if match.start() > pos:
            out.append(fragment[pos : match.start()])
        out.append(match.group())
        pos = match.end()
    if pos < len(fragment):
        out.append(fragment[pos:])
    return out


def _tag(token: str) -> tuple[str, bool] | None:
    """(name, is_closing) for a tag token, None for text and entities."""
    if not token.startswith("<"):
        return None
    match = _TAG_NAME_RE.match(token)
    if match is None:
        return None
    return match.group(1).lower(), token.startswith("</")


def _split_top_level(fragment: str, sep: str) -> list[str]:
    """Split at `sep` only where no tag is open, so no piece starts or ends inside an element."""
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    for token in _tokens(fragment):
        tag = _tag(token)
        if tag is not None:
            depth += -1 if tag[1] else 1
            current.append(token)
            continue
        if _ENTITY_RE.fullmatch(token) or depth > 0 or sep not in token:
            current.append(token)
            continue
        bits = token.split(sep)
        current.append(bits[0])
        for bit in bits[1:]:
            pieces.append("".join(current))
            current = [bit]
    pieces.append("".join(current))
    return pieces


def _units(fragment: str) -> Iterable[str]:
    """Indivisible pieces for the last-resort split: tags, entities, words (long words: slices of them)."""
    for token in _tokens(fragment):
        if _tag(token) is not None or _ENTITY_RE.fullmatch(token):
            yield token
            continue
        for word in _WORD_RE.findall(token):
            if len(word) > _LONG_WORD:  # cut where it must be, in slices much smaller than any limit
                yield from (word[i : i + _SLICE] for i in range(0, len(word), _SLICE))
            else:
                yield word


def _hard_split(fragment: str, limit: int) -> list[str]:
    """Cut one over-long paragraph or line between words, closing open tags at each cut and reopening them."""
    parts: list[str] = []
    current: list[str] = []
    size = 0  # utf16_len of "".join(current), kept as we go: recomputing it would make this quadratic
    has_text = False
    stack: list[tuple[str, str]] = []  # (name, opening tag as written)
    pending: list[tuple[str, str]] = []  # opening tags not yet followed by any text

    def closing(open_tags: list[tuple[str, str]]) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(open_tags))

    for unit in _units(fragment):
        tag = _tag(unit)
        if tag is not None and not tag[1]:
            pending.append((tag[0], unit))
            continue
        if tag is not None:  # a closing tag
            if pending:
                pending.pop()  # an element with nothing in it: drop it
                continue
            current.append(unit)
            size += utf16_len(unit)
            if stack:
                stack.pop()
            continue
        opens = "".join(t for _, t in pending)
        after = stack + pending
        if has_text and size + utf16_len(opens + unit + closing(after)) > limit:
            parts.append("".join(current) + closing(stack))
            reopen = "".join(t for _, t in stack)
            current, size = [reopen], utf16_len(reopen)
            if not unit.strip():
                continue  # whitespace at a cut is dropped
        current.append(opens + unit)
        size += utf16_len(opens + unit)
        stack, pending = after, []
        has_text = has_text or bool(unit.strip())
    if has_text:
        parts.append("".join(current) + closing(stack))
    return [p.strip() for p in parts if p.strip()]


def _pack(pieces: list[tuple[str, str | None]], limit: int) -> list[str]:
    """Join consecutive pieces with their separators while they fit; a None separator forces a cut."""
    out: list[str] = []
    for piece, sep in pieces:
        if out and sep is not None and utf16_len(out[-1] + sep + piece) <= limit:
            out[-1] = out[-1] + sep + piece
        else:
            out.append(piece)
    return out


def _split_level(fragment: str, seps: Sequence[str], limit: int) -> list[tuple[str, str | None]]:
    if utf16_len(fragment) <= limit:
        return [(fragment, "")]
    if not seps:
        return [(part, None) for part in _hard_split(fragment, limit)]
    sep, rest = seps[0], seps[1:]
    pieces: list[tuple[str, str | None]] = []
    for i, piece in enumerate(_split_top_level(fragment, sep)):
        sub = _split_level(piece, rest, limit)
        pieces.append((sub[0][0], sep if i else ""))  # the caller sets the separator of its first piece
        pieces.extend(sub[1:])
    return pieces


def split_html(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into valid messages of at most `limit` UTF-16 code units, in reading order."""
    if limit < 200:
        raise ValueError("limit must be at least 200 characters, room for a link tag and some text")
    text = text.strip()
    if not text:
        return []
    if utf16_len(text) <= limit:
        return [text]
    parts = _pack(_split_level(text, ("\n\n", "\n"), limit), limit)
    return [p.strip() for p in parts if p.strip()]
