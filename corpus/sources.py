"""What `newsbot index build|update` reads: files and folders, web archives, and feed/sitemap urls.

Two kinds of input, and what each does to the archive:
- **Files mirror.** `.txt`, `.html`, `.jsonl` files (and folders of them) are read as they are now
  (`corpus.read`): a file removed from the paths given removes its article at the next update.
- **The web and web archives accumulate.** Articles fetched from the pages that feeds and sitemaps list
  (`corpus.web.crawl`) and articles read from `.warc`/`.warc.gz` files (`corpus.warc`) are kept in the index
  folder's `sources.sqlite` (`corpus.web.state`) and stay in every later update, whether or not the
  feed still lists them or the WARC is given again, until retired by date (`retire_before`).

With no url, no WARC and no kept article, nothing is written to the index folder: a files-only update is
what it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from corpus.dedup import dedup
from corpus.models import Article, CorpusBatch
from corpus.read import collect_files, read_articles
from corpus.warc import is_warc, read_warc
from corpus.web.client import FetchSettings
from corpus.web.state import RETIRED, STATE_NAME, FetchState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourcesRead:
    """The batch to index (files read now and every kept article), and what the run says about it."""

    batch: CorpusBatch
    notes: tuple[str, ...] = ()


def is_url(value: str | Path) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def split_inputs(inputs: Sequence[str | Path]) -> tuple[list[str], list[Path]]:
    """The urls and the paths among `inputs`. Raises `FileNotFoundError` for a path that does not exist."""
    urls = [str(i) for i in inputs if is_url(i)]
    paths = [Path(i) for i in inputs if not is_url(i)]
    collect_files(paths)  # checks that every path exists, before anything is fetched
    return urls, paths


def read_inputs(
    inputs: Sequence[str | Path],
    state_dir: Path,
    settings: FetchSettings | None = None,
    *,
    retire_before: date | None = None,
    transport: httpx.BaseTransport | None = None,
) -> SourcesRead:
    """Read files, WARCs and feed/sitemap urls into one deduplicated batch, with every article kept in
    `state_dir` from earlier runs. A url or record that fails is in `batch.skipped` with its reason."""
    urls, paths = split_inputs(inputs)
    files = collect_files(paths)
    warcs = [f for f in files if is_warc(f)]
    articles, skipped, _warnings = read_articles([f for f in files if not is_warc(f)])
    notes: list[str] = []
    state_path = Path(state_dir) / STATE_NAME
    if urls or warcs or retire_before is not None or state_path.exists():
        with FetchState(state_path) as state:
            for warc in warcs:
                read = read_warc(warc)
                for article in read.articles:
                    key = article.url or article.source
                    if state.status(key) != RETIRED:  # retired stays retired though its WARC is given again
                        state.keep_article(key, article)
                skipped.extend(read.skipped)
            if urls:
                from corpus.web.crawl import crawl

                report = crawl(urls, state, settings or FetchSettings.from_env(), transport)
                skipped.extend(report.failed)
                notes.append(report.note())
            if retire_before is not None:  # last: what this run fetched or archived is retired too
                retired = state.retire_before(retire_before)
                notes.append(f"Retired {retired} fetched or archived articles dated before {retire_before}.")
            kept: list[Article] = list(state.articles())
        notes.append(f"Articles kept from the web and web archives: {len(kept)}.")
        articles = articles + kept
    unique, duplicates = dedup(articles)
    batch = CorpusBatch(articles=tuple(unique), skipped=tuple(skipped), duplicates=tuple(duplicates))
    return SourcesRead(batch, tuple(notes))
