"""Ids from content: the same article read twice gets the same id, so re-indexing can skip it."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit


def normalise_text(text: str) -> str:
    """Unicode-compatibility-folded, lower-cased, whitespace-collapsed text: what 'same body' means."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", folded).strip()


def normalise_url(url: str) -> str:
    """Scheme and host lower-cased, no fragment, no trailing slash, no `www.`: what 'same url' means.

    Query strings are kept: on many news sites `?id=123` is the article.
    """
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(
        ("https" if parts.scheme in ("http", "https") else parts.scheme, host, path, parts.query, "")
    )


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()[:16]


def article_id(url: str | None, text: str) -> str:
    """16 hex digits: from the normalised url when there is one (an edited article keeps its id),
    else from the normalised body text."""
    if url and url.strip():
        return _digest("url", normalise_url(url))
    return _digest("text", normalise_text(text))


def content_hash(text: str, *fields: str | None) -> str:
    """A hash of everything indexed about an article, to tell a changed article from an unchanged one."""
    payload = "\0".join([normalise_text(text), *[f or "" for f in fields]])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def chunk_id(article: str, ordinal: int) -> str:
    return f"{article}:{ordinal}"
