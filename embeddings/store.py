"""The SQLite half of an index generation: articles, chunks, and an FTS5 table for BM25 keyword search.

One `Store` wraps one database file. A published generation is never written again, so readers open it
read-only and immutable (no locking cost) and share one connection between threads behind a lock.
Builders create a fresh file (or a copy of the previous generation's file, for an update) in a temporary
directory. Vectors are not kept here but in `vectors.npy` beside the database (see `embeddings.build`).

The FTS5 table is an external-content table over `chunks` (title and text), so chunk text is stored once;
it uses the Porter stemmer over `unicode61` tokens. It does not segment CJK text into words: a run of
Chinese or Japanese without spaces is one token to it (dense retrieval still covers such text).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from corpus.models import Article, Chunk
from embeddings.keyword_text import keyword_text
from embeddings.models import ArticleMeta

SCHEMA = """
CREATE TABLE articles (
    pk INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    title TEXT,
    byline TEXT,
    section TEXT,
    publisher TEXT,
    published TEXT,
    published_day TEXT,
    updated TEXT,
    url TEXT,
    also_sources TEXT NOT NULL DEFAULT '[]',
    content_hash TEXT NOT NULL,
    text_chars INTEGER NOT NULL
);
CREATE INDEX articles_published_day ON articles(published_day);
CREATE TABLE chunks (
    pk INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    article_pk INTEGER NOT NULL REFERENCES articles(pk),
    ordinal INTEGER NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX chunks_article ON chunks(article_pk, ordinal);
-- Indexed from keyword_text(title), keyword_text(text) (CJK runs as bigrams), not the stored columns
-- verbatim: read only rowid and bm25() from it, and delete with the values that were indexed.
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    title, text, content='chunks', content_rowid='pk',
    tokenize='porter unicode61 remove_diacritics 2'
);
"""

# BM25 column weights (title, text). Title words count like body words: weights 0, 1 and 2 measured
# within 0.001 MRR@10 of each other on the retrieval benchmark; 1 is the plainest.
TITLE_WEIGHT = 1.0
TEXT_WEIGHT = 1.0

_ARTICLE_COLUMNS = "a.id, a.source, a.title, a.publisher, a.published, a.url, a.byline, a.section"


@dataclass(frozen=True)
class StoredArticle:
    pk: int
    id: str
    content_hash: str
    source: str = ""  # the file (or url) it was read from: an edit that changes a text-derived id keeps it


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: datetime | date | None) -> str | None:
    return value.strftime("%Y-%m-%d") if value is not None else None


def _parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _meta(row: Sequence[object]) -> ArticleMeta:
    id_, source, title, publisher, published, url, byline, section = row
    return ArticleMeta(
        id=str(id_),
        source=str(source),
        title=title if isinstance(title, str) else None,
        publisher=publisher if isinstance(publisher, str) else None,
        published=_parse_datetime(published if isinstance(published, str) else None),
        url=url if isinstance(url, str) else None,
        byline=byline if isinstance(byline, str) else None,
        section=section if isinstance(section, str) else None,
    )


class Store:
    """Articles, chunks and the keyword index in one SQLite file. Thread-safe (one lock per store)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = threading.RLock()

    # --- opening ------------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path) -> Store:
        """A new, empty database at `path` (which must not exist)."""
        if path.exists():
            raise FileExistsError(path)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=OFF")  # a build's file is thrown away whole if the build fails
        conn.execute("PRAGMA synchronous=OFF")  # the builder fsyncs the finished file itself
        conn.executescript(SCHEMA)
        return cls(conn, path)

    @classmethod
    def open_for_update(cls, path: Path) -> Store:
        """A writable copy's connection (the caller copied a published database to `path`)."""
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        return cls(conn, path)

    @classmethod
    def open_readonly(cls, path: Path) -> Store:
        """A published generation: read-only and immutable, shared by threads."""
        if not path.is_file():
            raise FileNotFoundError(path)
        uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only=ON")
        return cls(conn, path)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            self.conn.execute("BEGIN")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def check(self) -> None:
        """Raise sqlite3.DatabaseError when the file is not a readable index database."""
        with self._lock:
            self.conn.execute("SELECT count(*) FROM articles").fetchone()
            self.conn.execute("SELECT pk FROM chunks LIMIT 1").fetchone()
            self.conn.execute("SELECT rowid FROM chunks_fts LIMIT 1").fetchone()

    # --- writing ------------------------------------------------------------------------------------

    def add_article(self, article: Article, content_hash: str) -> int:
        with self._lock:
            cursor = self.conn.execute(
                "INSERT INTO articles (id, source, title, byline, section, publisher, published,"
                " published_day, updated, url, also_sources, content_hash, text_chars)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.id,
                    article.source,
                    article.title,
                    article.byline,
                    article.section,
                    article.publisher,
                    _iso(article.published),
                    _day(article.published),
                    _iso(article.updated),
                    article.url,
                    json.dumps(list(article.also_sources)),
                    content_hash,
                    len(article.text),
                ),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def update_article_meta(self, article: Article) -> None:
        """Metadata that is not embedded (source, url, publisher...) may change without re-embedding."""
        with self._lock:
            self.conn.execute(
                "UPDATE articles SET source=?, byline=?, section=?, publisher=?, published=?,"
                " published_day=?, updated=?, url=?, also_sources=? WHERE id=?",
                (
                    article.source,
                    article.byline,
                    article.section,
                    article.publisher,
                    _iso(article.published),
                    _day(article.published),
                    _iso(article.updated),
                    article.url,
                    json.dumps(list(article.also_sources)),
                    article.id,
                ),
            )

    def add_chunks(self, article_pk: int, title: str | None, chunks: Sequence[Chunk]) -> list[int]:
        """Insert an article's chunks (and their keyword entries); returns their row ids, in order."""
        pks: list[int] = []
        with self._lock:
            for chunk in chunks:
                cursor = self.conn.execute(
                    "INSERT INTO chunks (id, article_pk, ordinal, start_char, end_char, title, text)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (chunk.id, article_pk, chunk.ordinal, chunk.start, chunk.end, title or "", chunk.text),
                )
                assert cursor.lastrowid is not None
                pks.append(cursor.lastrowid)
                self.conn.execute(
                    "INSERT INTO chunks_fts (rowid, title, text) VALUES (?, ?, ?)",
                    (cursor.lastrowid, keyword_text(title or ""), keyword_text(chunk.text)),
                )
        return pks

    def delete_article(self, article_id: str) -> list[int]:
        """Remove an article, its chunks and their keyword entries; returns the removed chunk row ids."""
        with self._lock:
            row = self.conn.execute("SELECT pk FROM articles WHERE id=?", (article_id,)).fetchone()
            if row is None:
                return []
            rows = self.conn.execute(
                "SELECT pk, title, text FROM chunks WHERE article_pk=?", (row[0],)
            ).fetchall()
            # An external-content FTS5 table deletes by the very values that were indexed.
            self.conn.executemany(
                "INSERT INTO chunks_fts (chunks_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
                [(pk, keyword_text(title), keyword_text(text)) for pk, title, text in rows],
            )
            self.conn.execute("DELETE FROM chunks WHERE article_pk=?", (row[0],))
            self.conn.execute("DELETE FROM articles WHERE pk=?", (row[0],))
            return [int(r[0]) for r in rows]

    def optimize(self) -> None:
        """Merge the keyword index's segments and refresh planner statistics (end of a build)."""
        with self._lock:
            self.conn.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('optimize')")
            self.conn.execute("PRAGMA optimize")

    # --- reading ------------------------------------------------------------------------------------

    def stored_articles(self) -> dict[str, StoredArticle]:
        with self._lock:
            rows = self.conn.execute("SELECT pk, id, content_hash, source FROM articles").fetchall()
        return {r[1]: StoredArticle(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows}

    def count_articles(self) -> int:
        with self._lock:
            return int(self.conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def count_chunks(self) -> int:
        with self._lock:
            return int(self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def publishers(self) -> list[str]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT DISTINCT publisher FROM articles WHERE publisher IS NOT NULL ORDER BY publisher"
            ).fetchall()
        return [str(r[0]) for r in rows]

    def published_range(self) -> tuple[datetime | None, datetime | None]:
        with self._lock:
            rows = self.conn.execute("SELECT published FROM articles WHERE published IS NOT NULL").fetchall()
        # Compare by the day written (aware and naive datetimes do not compare with each other).
        values = [d for d in (_parse_datetime(r[0]) for r in rows) if d is not None]
        if not values:
            return None, None
        ordered = sorted(values, key=lambda d: d.isoformat())
        return ordered[0], ordered[-1]

    def newest_day(self) -> date | None:
        """The latest publication day of any article (None when no article is dated)."""
        with self._lock:
            row = self.conn.execute("SELECT max(published_day) FROM articles").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def count_chunks_by(self, day: date) -> int:
        """Chunks whose article was published on or before `day`, or is undated (what `chunk_pks_between`
        keeps as of `day`)."""
        where, params = _date_clause(None, None, day)
        with self._lock:
            row = self.conn.execute(
                f"SELECT count(*) FROM chunks c JOIN articles a ON a.pk = c.article_pk WHERE {where}", params
            ).fetchone()
        return int(row[0])

    def published_days(self, chunk_pks: Iterable[int]) -> dict[int, date | None]:
        """chunk row id -> its article's publication day (None when undated)."""
        rows = self._chunk_rows("c.pk, a.published_day", chunk_pks)
        return {int(pk): (date.fromisoformat(day) if day else None) for pk, day in rows}

    def chunk_pks_between(
        self, since: date | None, until: date | None, as_of: date | None = None
    ) -> list[int]:
        """Row ids of the chunks whose article was published on a day in [since, until]; with `as_of`, also
        not after it, undated articles kept (see `_date_clause`)."""
        where, params = _date_clause(since, until, as_of)
        with self._lock:
            rows = self.conn.execute(
                f"SELECT c.pk FROM chunks c JOIN articles a ON a.pk = c.article_pk WHERE {where}", params
            ).fetchall()
        return [int(r[0]) for r in rows]

    def chunks(self, pks: Iterable[int]) -> dict[int, tuple[Chunk, ArticleMeta]]:
        """The chunks with these row ids and their articles' metadata (missing ids are left out)."""
        rows = self._chunk_rows(
            f"c.pk, c.id, a.id, c.ordinal, c.start_char, c.end_char, c.text, {_ARTICLE_COLUMNS}", pks
        )
        result: dict[int, tuple[Chunk, ArticleMeta]] = {}
        for row in rows:
            chunk = Chunk(id=row[1], article_id=row[2], ordinal=row[3], start=row[4], end=row[5], text=row[6])
            result[int(row[0])] = (chunk, _meta(row[7:]))
        return result

    def article_pks(self, chunk_pks: Iterable[int]) -> dict[int, int]:
        """chunk row id -> article row id."""
        pks = list(chunk_pks)
        if not pks:
            return {}
        marks = ",".join("?" * len(pks))
        with self._lock:
            rows = self.conn.execute(
                f"SELECT pk, article_pk FROM chunks WHERE pk IN ({marks})", pks
            ).fetchall()
        return {int(r[0]): int(r[1]) for r in rows}

    def _chunk_rows(self, columns: str, chunk_pks: Iterable[int]) -> list[tuple[Any, ...]]:
        """`columns` (of chunks `c` joined to their articles `a`) for the chunks with these row ids."""
        pks = list(chunk_pks)
        if not pks:
            return []
        marks = ",".join("?" * len(pks))
        with self._lock:
            rows: list[tuple[Any, ...]] = self.conn.execute(
                f"SELECT {columns} FROM chunks c JOIN articles a ON a.pk = c.article_pk "
                f"WHERE c.pk IN ({marks})",
                pks,
            ).fetchall()
        return rows

    def article_chunks(self, article_id: str) -> list[Chunk]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT c.id, a.id, c.ordinal, c.start_char, c.end_char, c.text FROM chunks c "
                "JOIN articles a ON a.pk = c.article_pk WHERE a.id=? ORDER BY c.ordinal",
                (article_id,),
            ).fetchall()
        return [Chunk(id=r[0], article_id=r[1], ordinal=r[2], start=r[3], end=r[4], text=r[5]) for r in rows]

    def keyword_search(
        self,
        match: str,
        limit: int,
        since: date | None = None,
        until: date | None = None,
        within: Sequence[int] | None = None,
        as_of: date | None = None,
    ) -> list[tuple[int, float]]:
        """(chunk row id, BM25 score) for an FTS5 MATCH expression, best first; scores are positive
        (SQLite's bm25() is negated so that higher is better). `within` restricts to these row ids."""
        if not match or limit <= 0:
            return []
        clauses = ["chunks_fts MATCH ?"]
        params: list[object] = [match]
        join = ""
        if since is not None or until is not None or as_of is not None:
            where, date_params = _date_clause(since, until, as_of)
            join = "JOIN chunks c ON c.pk = chunks_fts.rowid JOIN articles a ON a.pk = c.article_pk"
            clauses.append(where)
            params.extend(date_params)
        if within is not None:
            if not within:
                return []
            clauses.append(f"chunks_fts.rowid IN ({','.join('?' * len(within))})")
            params.extend(within)
        params.append(limit)
        sql = (
            f"SELECT chunks_fts.rowid, -bm25(chunks_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) AS score "
            f"FROM chunks_fts {join} WHERE {' AND '.join(clauses)} ORDER BY score DESC LIMIT ?"
        )
        with self._lock:
            rows = self.conn.execute(sql, params).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def matching_pks(self, match: str) -> set[int]:
        """The row ids of the chunks matching an FTS5 MATCH expression, unscored (empty for an invalid
        expression). For words known to be rare enough: it walks the whole posting list."""
        if not match:
            return set()
        with self._lock:
            try:
                rows = self.conn.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?", (match,))
                return {int(row[0]) for row in rows}
            except sqlite3.OperationalError:
                return set()

    def count_matches(self, match: str, limit: int) -> int:
        """How many chunks match an FTS5 MATCH expression, counting no further than `limit` (a common
        word's count stops early instead of walking its whole posting list). 0 for an invalid expression."""
        if not match or limit <= 0:
            return 0
        with self._lock:
            try:
                row = self.conn.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
                    (match, limit),
                ).fetchone()
            except sqlite3.OperationalError:
                return 0
        return int(row[0])


def _date_clause(
    since: date | None, until: date | None, as_of: date | None = None
) -> tuple[str, list[object]]:
    """The SQL condition on `a.published_day` for [since, until] (dated articles only) and, with `as_of`,
    nothing published after it. The as-of bound keeps undated articles: an article that gives no date is
    not known to be later, and asking "as of" a day must not hide every undated page."""
    clauses: list[str] = []
    params: list[object] = []
    if since is not None:
        clauses.append("a.published_day >= ?")
        params.append(_day(since))
    if until is not None:
        clauses.append("a.published_day <= ?")
        params.append(_day(until))
    bounded = "a.published_day IS NOT NULL AND " + " AND ".join(clauses) if clauses else ""
    if as_of is not None:
        params.append(_day(as_of))
        before = "(a.published_day IS NULL OR a.published_day <= ?)"
        return (f"{bounded} AND {before}" if bounded else before), params
    return (bounded or "1"), params


_FTS_WORD = re.compile(r"\w+", re.UNICODE)
