"""What newsbot remembers between runs about the web and the web archives it read: one SQLite file
(`sources.sqlite`, in the index folder).

- `pages`: every article page by url: fetched (its article kept, as JSON), failed (the reason and the
  attempts so far: tried again on the next run), unusable (fetched, but no article in it: not tried again)
  or retired (dropped by date: not fetched again when a sitemap still lists it). Articles read from WARC
  files are kept here too, by their record's url.
- `listings`: the validators (ETag, Last-Modified) of each feed and sitemap, for conditional requests.

Kept articles accumulate: a feed that forgets an item, or a WARC file that is moved away, does not
remove the article; `retire_before` does. It does not handle two processes fetching into one index
folder at once (both would fetch; SQLite keeps the file consistent, the last write wins).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from corpus.models import Article

STATE_NAME = "sources.sqlite"

OK, FAILED, UNUSABLE, RETIRED = "ok", "failed", "unusable", "retired"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    status TEXT NOT NULL,          -- ok | failed | unusable | retired
    reason TEXT,                   -- why it failed or is unusable
    attempts INTEGER NOT NULL DEFAULT 0,
    first_seen REAL NOT NULL,      -- unix time
    fetched_at REAL,
    day TEXT,                      -- YYYY-MM-DD the article is dated (published, else first seen): retiring
    listed TEXT,                   -- the date the feed or news sitemap gave it (ISO), a fallback
    article TEXT                   -- the Article as JSON when status is ok
);
CREATE TABLE IF NOT EXISTS listings (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    fetched_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class PendingPage:
    """A page listed but not fetched yet (attempts 0), or one that failed before and is tried again."""

    url: str
    attempts: int
    reason: str
    listed: datetime | None  # the date its feed or news sitemap gave it


def article_to_json(article: Article) -> str:
    data: dict[str, Any] = asdict(article)
    for key in ("published", "updated"):
        value = data[key]
        data[key] = value.isoformat() if value is not None else None
    return json.dumps(data, ensure_ascii=False)


def article_from_json(text: str) -> Article:
    data = json.loads(text)
    for key in ("published", "updated"):
        if data.get(key):
            data[key] = datetime.fromisoformat(data[key])
    for key in ("dropped_lines", "also_sources"):
        data[key] = tuple(data.get(key) or ())
    return Article(**data)


class FetchState:
    """The pages and listings table of one index folder. Every write is committed at once, so a run that
    dies half-way keeps what it fetched."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30)
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_folder(cls, folder: Path) -> FetchState:
        return cls(Path(folder) / STATE_NAME)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> FetchState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- pages

    def status(self, url: str) -> str | None:
        row = self._db.execute("SELECT status FROM pages WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def known(self, url: str) -> bool:
        return self.status(url) is not None

    def keep_article(self, url: str, article: Article) -> None:
        """Remember `article` (fetched, or read from a WARC) under `url`, replacing what was there."""
        day = (article.published.date() if article.published else date.today()).isoformat()
        with self._db:
            self._db.execute(
                "INSERT INTO pages (url, status, reason, attempts, first_seen, fetched_at, day, article) "
                "VALUES (?, ?, NULL, 1, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET status = excluded.status, "
                "reason = NULL, attempts = pages.attempts + 1, fetched_at = excluded.fetched_at, "
                "day = excluded.day, article = excluded.article",
                (url, OK, time.time(), time.time(), day, article_to_json(article)),
            )

    def record_failure(self, url: str, reason: str, *, retry: bool = True) -> int:
        """Remember that `url` could not be read and why; returns the attempts so far. `retry=False`
        (fetched, but no article in it) is not tried again."""
        status = FAILED if retry else UNUSABLE
        with self._db:
            self._db.execute(
                "INSERT INTO pages (url, status, reason, attempts, first_seen, fetched_at, day) "
                "VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET status = excluded.status, "
                "reason = excluded.reason, attempts = pages.attempts + 1, fetched_at = excluded.fetched_at",
                (url, status, reason, time.time(), time.time(), date.today().isoformat()),
            )
        row = self._db.execute("SELECT attempts FROM pages WHERE url = ?", (url,)).fetchone()
        return int(row[0])

    def queue(self, url: str, listed: datetime | None) -> bool:
        """Note a page a listing names, to be fetched (unless known already). Noted before the listing's
        validators are saved, so a run that dies between the two fetches it next time. True when new."""
        with self._db:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO pages (url, status, reason, attempts, first_seen, day, listed) "
                "VALUES (?, ?, 'not fetched yet', 0, ?, ?, ?)",
                (url, FAILED, time.time(), date.today().isoformat(), listed.isoformat() if listed else None),
            )
        return cursor.rowcount > 0

    def pending(self, max_attempts: int) -> list[PendingPage]:
        """Pages not fetched yet and failed pages with attempts left, oldest first."""
        rows = self._db.execute(
            "SELECT url, attempts, reason, listed FROM pages WHERE status = ? AND attempts < ? "
            "ORDER BY first_seen, url",
            (FAILED, max_attempts),
        )
        return [
            PendingPage(url, attempts, reason or "", datetime.fromisoformat(listed) if listed else None)
            for url, attempts, reason, listed in rows
        ]

    def articles(self) -> Iterator[Article]:
        """Every kept article, in the order first seen."""
        rows = self._db.execute(
            "SELECT article FROM pages WHERE status = ? ORDER BY first_seen, url", (OK,)
        ).fetchall()
        for (text,) in rows:
            yield article_from_json(text)

    def retire_before(self, day: date) -> int:
        """Drop the kept articles dated before `day` (undated ones by the day they were first read); their
        urls stay known, so they are not fetched again. Returns how many were retired."""
        with self._db:
            cursor = self._db.execute(
                "UPDATE pages SET status = ?, article = NULL WHERE status = ? AND day < ?",
                (RETIRED, OK, day.isoformat()),
            )
        return cursor.rowcount

    def counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT status, COUNT(*) FROM pages GROUP BY status")
        return {status: n for status, n in rows}

    # --- listings

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified the listing at `url` last came with."""
        row = self._db.execute("SELECT etag, last_modified FROM listings WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO listings (url, etag, last_modified, fetched_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, "
                "last_modified = excluded.last_modified, fetched_at = excluded.fetched_at",
                (url, etag, last_modified, time.time()),
            )


def count_kept(folder: Path) -> int:
    """Kept articles in `folder`'s state, 0 when there is none (for a summary)."""
    path = Path(folder) / STATE_NAME
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM pages WHERE status = ?", (OK,)).fetchone()[0])
