"""Feeds and sitemaps to new article pages, fetched once each and remembered (`corpus.web.state`).

A run: each feed or sitemap given is fetched conditionally (a 304 lists nothing new), a sitemap index's
sitemaps in turn (up to `MAX_LISTINGS` listings a run); every url listed that is not known yet is noted
as to fetch; then every page to fetch, new or failed before with attempts left, is fetched and read as
an HTML page. A page that fails is reported (url and reason) and tried again on the next run, up to
`FetchSettings.max_attempts` runs; a page fetched but holding no article is reported once and not tried
again.

Not handled: following links inside pages (only what the feeds and sitemaps list is fetched), feed
discovery from a home page, and per-page conditional requests (a page is fetched once; an article
changed after it was fetched keeps its first version).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from corpus.errors import CorpusError
from corpus.models import SkippedFile
from corpus.web.client import Fetcher, FetchFailed, FetchSettings
from corpus.web.listings import NotAListing, parse_listing
from corpus.web.state import FetchState, PendingPage

log = logging.getLogger(__name__)

MAX_LISTINGS = 1000  # feeds and sitemaps fetched in one run: a sitemap index of news sites is rarely more
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class CrawlReport:
    listings_read: int = 0
    listings_not_modified: int = 0
    pages_listed_new: int = 0
    pages_fetched: int = 0
    requests: int = 0
    failed: list[SkippedFile] = field(default_factory=list)

    def note(self) -> str:
        return (
            f"Web: {self.listings_read} feeds/sitemaps read, {self.listings_not_modified} not modified "
            f"since the last run; {self.pages_listed_new} new pages listed, {self.pages_fetched} fetched "
            f"and read, {len(self.failed)} failed; {self.requests} requests."
        )


def crawl(
    listing_urls: list[str],
    state: FetchState,
    settings: FetchSettings,
    transport: httpx.BaseTransport | None = None,
) -> CrawlReport:
    """Fetch what is new in the listings at `listing_urls` and the pages due again; keep their articles
    in `state`. Never raises for a url that fails: each is reported in `CrawlReport.failed`."""
    report = CrawlReport()
    with Fetcher(settings, transport) as fetcher:
        _read_listings(listing_urls, state, fetcher, report)
        for page in state.pending(settings.max_attempts):
            _fetch_page(page, state, fetcher, settings, report)
        report.requests = fetcher.requests
    return report


def _read_listings(urls: list[str], state: FetchState, fetcher: Fetcher, report: CrawlReport) -> None:
    queue = list(dict.fromkeys(urls))
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        if len(seen) >= MAX_LISTINGS:
            report.failed.append(SkippedFile(url, f"not read: over {MAX_LISTINGS} feeds/sitemaps in one run"))
            continue
        seen.add(url)
        etag, last_modified = state.validators(url)
        try:
            response = fetcher.get(url, etag=etag, last_modified=last_modified)
        except FetchFailed as exc:
            report.failed.append(SkippedFile(url, f"feed or sitemap not read: {exc}"))
            continue
        if response.status == 304:
            report.listings_not_modified += 1
            continue
        try:
            listing = parse_listing(response.body, response.url, fetcher.settings.max_bytes)
        except NotAListing as exc:
            report.failed.append(SkippedFile(url, f"not read: {exc}"))
            continue
        report.listings_read += 1
        queue.extend(listing.sitemaps)
        for item in listing.items:
            if urlsplit(item.url).scheme in ("http", "https") and state.queue(item.url, item.published):
                report.pages_listed_new += 1
        # only now: a run that dies before this line reads the listing whole again next time
        state.save_validators(url, response.etag, response.last_modified)


def _fetch_page(
    page: PendingPage, state: FetchState, fetcher: Fetcher, settings: FetchSettings, report: CrawlReport
) -> None:
    from corpus.warc import article_from_page

    try:
        response = fetcher.get(page.url)
        if response.content_type not in HTML_TYPES:
            raise FetchFailed(f"not an HTML page ({response.content_type or 'no content type'})")
    except FetchFailed as exc:
        attempts = state.record_failure(page.url, str(exc))
        if attempts >= settings.max_attempts:
            then = f"given up after {attempts} attempts"
        else:
            then = "tried again on the next run"
        report.failed.append(SkippedFile(page.url, f"{exc} ({then})"))
        return
    try:
        article = article_from_page(response.body, page.url, response.url, page.listed)
    except CorpusError as exc:
        state.record_failure(page.url, str(exc), retry=False)
        report.failed.append(SkippedFile(page.url, f"{exc} (not tried again)"))
        return
    state.keep_article(page.url, article)
    report.pages_fetched += 1
