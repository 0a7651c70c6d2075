"""Ids from content: the same article read twice gets the same id, so re-indexing can skip it."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import TypeGuard
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


# A host name with a dot and a top-level label that has a letter (Unicode names too), an IPv4 address or
# localhost; a port may follow.
_HOST = re.compile(r"(?:(?:[\w-]+\.)+[^\W\d_][\w-]*|(?:\d{1,3}\.){3}\d{1,3}|localhost)(?::\d+)?")


def identifies_article(url: str | None) -> TypeGuard[str]:
    """Whether `url` can stand for one article: an absolute http(s) url with a real host name and a path
    or query beyond the site's root. A page whose canonical link is its site's home page, a relative or
    mangled link, are not an article's identity: taken as one they gave every article of such a site the
    same id, and all but one were dropped as duplicates."""
    if not url:
        return False
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not _HOST.fullmatch(parts.netloc.lower()):
        return False
    return parts.path.strip("/") != "" or parts.query != ""


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()[:16]


def article_id(url: str | None, text: str) -> str:
    """16 hex digits: from the normalised url when it identifies the article (an edited article keeps its
    id; see `identifies_article`), else from the normalised body text."""
    if identifies_article(url):
        return _digest("url", normalise_url(url))
    return _digest("text", normalise_text(text))


def content_hash(text: str, *fields: str | None) -> str:
    """A hash of everything indexed about an article, to tell a changed article from an unchanged one."""
    payload = "\0".join([normalise_text(text), *[f or "" for f in fields]])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def chunk_id(article: str, ordinal: int) -> str:
    return f"{article}:{ordinal}"
