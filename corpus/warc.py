"""Web archives (`.warc`, `.warc.gz`: what news crawlers and Common Crawl's CC-NEWS write) to articles.

Each `response` record with HTTP status 200 and an HTML content type is read as an HTML page is
(`corpus.html.parse_html`), with the record's WARC-Target-URI as the article's url and its WARC-Date as
the publication date when the page states none. Other records (requests, metadata, redirects, images,
PDFs) are passed over silently: a crawl holds many and none is an article. A response record that gives
no article is reported with its reason as `FILE#URL`.

warcio (Webrecorder's, pure Python, reads and writes both compressed and plain WARC) rather than
fastwarc: fastwarc is several times faster at reading records, but parsing the HTML costs far more than
reading the record here (tens of milliseconds a page), and warcio also writes the WARCs the tests and
the benchmark make.

Not handled: `revisit` records (their payload is elsewhere), ARC files, records cut off mid-way (the
rest of the file is reported as unreadable), and pages over the size limit (skipped with that reason).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from corpus.decode import MAX_DOCUMENT_BYTES, decode_bytes
from corpus.errors import CorpusError
from corpus.models import Article, SkippedFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WarcRead:
    articles: list[Article]
    skipped: list[SkippedFile]


def is_warc(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".warc") or name.endswith(".warc.gz")


def read_warc(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> WarcRead:
    """The articles in the WARC file at `path`, and the HTML records that gave none (with why)."""
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    seen = [0]  # records of any kind: none at all means this is no web archive
    try:
        for uri, warc_date, payload in _html_records(path, limit, skipped, seen):
            source = f"{path}#{uri}"
            try:
                articles.append(article_from_page(payload, source, uri, warc_date))
            except CorpusError as exc:
                skipped.append(SkippedFile(source, str(exc) or type(exc).__name__))
    except Exception as exc:  # a damaged archive: what was read so far is kept
        skipped.append(SkippedFile(str(path), f"unreadable web archive: {type(exc).__name__}: {exc}"))
    else:
        if not seen[0]:
            skipped.append(SkippedFile(str(path), "unreadable web archive: no WARC record in it"))
        elif not articles and not skipped:
            skipped.append(SkippedFile(str(path), "no HTML page (HTTP 200, text/html) in the web archive"))
    return WarcRead(articles, skipped)


def article_from_page(payload: bytes, source: str, url: str, fallback_date: datetime | None) -> Article:
    """An HTML page's bytes to an article with `url`, dated `fallback_date` when the page is undated."""
    from corpus.html import parse_html

    article = parse_html(decode_bytes(payload, html=True).text, source, url=url)
    if article.published is None and fallback_date is not None:
        article = replace(article, published=fallback_date)
    return article


def _html_records(
    path: Path, limit: int, skipped: list[SkippedFile], seen: list[int]
) -> Iterator[tuple[str, datetime | None, bytes]]:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            seen[0] += 1
            if record.rec_type != "response" or record.http_headers is None:
                continue
            if record.http_headers.get_statuscode() != "200":
                continue
            kind = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
            if kind not in ("text/html", "application/xhtml+xml"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            payload = record.content_stream().read(limit + 1)
            if len(payload) > limit:
                skipped.append(SkippedFile(f"{path}#{uri}", f"larger than the size limit ({limit:,} bytes)"))
                continue
            yield uri, _warc_date(record.rec_headers.get_header("WARC-Date")), payload


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
