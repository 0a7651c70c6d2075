"""The records that flow out of `corpus`: frozen, so a changed copy is made with `dataclasses.replace`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Article:
    """One clean article.

    `text` is the clean body: paragraphs separated by one blank line ("\\n\\n"), no boilerplate.
    `id` is derived from content (see `corpus.ids.article_id`), so re-reading the same article gives the
    same id. `source` is where it was read from: a file path, with `:LINE` appended for JSONL records.
    `published` / `updated` are timezone-aware when the page implies a zone, naive otherwise.
    `also_sources` lists the other files/urls that carried the same or a near-duplicate article.
    `dropped_lines` are the lines removed as boilerplate (for `newsbot corpus inspect`).
    """

    id: str
    source: str
    text: str
    title: str | None = None
    byline: str | None = None
    section: str | None = None
    publisher: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    url: str | None = None
    dropped_lines: tuple[str, ...] = ()
    also_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A window of an article's clean text: `article.text[start:end] == text`. `id` is `ARTICLEID:ORDINAL`."""

    id: str
    article_id: str
    ordinal: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SkippedFile:
    """A file (or JSONL line) that gave no article, and why, in words a user can act on."""

    source: str
    reason: str


@dataclass(frozen=True)
class DuplicateNote:
    """An article dropped as a duplicate of `kept_id` (read from `kept_source`); `kind` is "url", "exact",
    "near" or "id"."""

    source: str
    kept_id: str
    kind: str
    similarity: float = 1.0
    kept_source: str = ""


@dataclass(frozen=True)
class CorpusBatch:
    """What reading a set of paths gives: unique articles, files skipped with reasons, duplicates."""

    articles: tuple[Article, ...]
    skipped: tuple[SkippedFile, ...] = ()
    duplicates: tuple[DuplicateNote, ...] = field(default=())
