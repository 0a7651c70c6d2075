"""Feeds, sitemaps and their pages fetched from a fictional site on 127.0.0.1 (tests/corpus/web_site.py):
what is indexed, each failure reported with its reason, conditional requests on the second run, retries,
robots.txt, accumulation and retiring."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from corpus.sources import SourcesRead, read_inputs
from corpus.web.client import AGENT, FetchSettings
from corpus.web.state import FetchState
from tests.corpus.web_site import Site, mend_broken_page, running_site, serve_newsroom

SETTINGS = FetchSettings(delay_s=0, timeout_s=1.5, max_bytes=200_000, max_attempts=3)
LISTINGS = ["/feed.rss", "/atom.xml", "/sitemap_index.xml", "/news-sitemap.xml"]
GOOD = ["ferry", "library", "orchard", "bridge", "choir", "market"]


@pytest.fixture
def site() -> Iterator[Site]:
    with running_site() as served:
        serve_newsroom(served)
        yield served


def run(site: Site, state_dir: Path, **kwargs: object) -> SourcesRead:
    return read_inputs([site.base + p for p in LISTINGS], state_dir, SETTINGS, **kwargs)  # type: ignore[arg-type]


def reasons(read: SourcesRead) -> dict[str, str]:
    return {s.source: s.reason for s in read.batch.skipped}


def test_first_run_indexes_the_articles_and_reports_each_failure(site: Site, tmp_path: Path) -> None:
    read = run(site, tmp_path)
    by_url = {a.url: a for a in read.batch.articles}
    assert set(by_url) == {f"{site.base}/news/{slug}.html" for slug in GOOD}
    ferry = by_url[f"{site.base}/news/ferry.html"]
    assert ferry.title == "Brackwater ferry gets a second electric boat"
    assert "halving the wait between crossings" in ferry.text
    assert ferry.source == f"{site.base}/news/ferry.html"
    assert ferry.published is not None and ferry.published.date() == date(2025, 3, 4)
    # the market page states no date: the news sitemap's publication date stands in
    market = by_url[f"{site.base}/news/market.html"]
    assert market.published is not None and market.published.date() == date(2025, 6, 1)

    why = reasons(read)
    assert why[f"{site.base}/news/missing.html"].startswith("HTTP 404")
    assert why[f"{site.base}/news/broken.html"].startswith("HTTP 500")
    assert why[f"{site.base}/news/slow.html"].startswith("timed out after 1.5 s")
    assert why[f"{site.base}/news/huge.html"].startswith("larger than the size limit")
    assert why[f"{site.base}/files/report.pdf"].startswith("not an HTML page (application/pdf)")
    assert why[f"{site.base}/private/secret.html"].startswith("forbidden by the site's robots.txt")
    assert "no article text" in why[f"{site.base}/news/empty.html"]
    assert why[f"{site.base}/news/missing.html"].endswith("(tried again on the next run)")
    assert why[f"{site.base}/news/empty.html"].endswith("(not tried again)")
    assert len(why) == 7

    assert site.hits("/private/secret.html") == 0  # robots.txt is obeyed: never requested
    assert site.hits("/robots.txt") == 1  # once per host and run
    assert site.hits("/sitemap-pages.xml") == 1  # reached through the sitemap index
    assert site.hits("/news/ferry.html") == 1  # listed by the RSS and the Atom feed, fetched once
    assert site.user_agents == {AGENT}


def test_second_run_fetches_nothing_new_and_retries_the_failures(site: Site, tmp_path: Path) -> None:
    run(site, tmp_path)
    mend_broken_page(site)
    site.requests.clear()

    read = run(site, tmp_path)
    statuses = dict(site.requests)
    for listing in ["/feed.rss", "/atom.xml", "/sitemap_index.xml", "/news-sitemap.xml"]:
        assert statuses[listing] == "304", listing  # answered "not modified" to the conditional request
    assert "/sitemap-pages.xml" not in statuses  # the index was not modified: its sitemaps not read again
    for slug in GOOD:
        assert site.hits(f"/news/{slug}.html") == 0, slug  # fetched once, remembered by url
    assert site.hits("/news/empty.html") == 0  # fetched, no article in it: not tried again

    urls = {a.url for a in read.batch.articles}
    assert f"{site.base}/news/broken.html" in urls  # retried, and now indexed
    assert len(urls) == len(GOOD) + 1
    assert site.hits("/news/missing.html") == 1  # still failing: reported again
    assert reasons(read)[f"{site.base}/news/missing.html"].startswith("HTTP 404")
    assert "4 not modified" in " ".join(read.notes)


def test_failures_are_given_up_after_the_attempts_allowed(site: Site, tmp_path: Path) -> None:
    for _ in range(SETTINGS.max_attempts):
        read = run(site, tmp_path)
    assert reasons(read)[f"{site.base}/news/missing.html"] == "HTTP 404 (given up after 3 attempts)"
    site.requests.clear()
    read = run(site, tmp_path)
    assert site.hits("/news/missing.html") == 0
    assert f"{site.base}/news/missing.html" not in reasons(read)
    assert len(read.batch.articles) == len(GOOD)  # nothing that was kept is lost


def test_fetched_articles_accumulate_and_retire_by_date(site: Site, tmp_path: Path) -> None:
    run(site, tmp_path / "index")
    # the feed forgets its items, and no url is given at all: the fetched articles stay
    site.serve("/feed.rss", b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')
    empty = tmp_path / "files"
    empty.mkdir()
    read = read_inputs([empty], tmp_path / "index", SETTINGS)
    assert len(read.batch.articles) == len(GOOD)

    read = read_inputs([empty], tmp_path / "index", SETTINGS, retire_before=date(2025, 4, 1))
    assert {a.title for a in read.batch.articles} == {
        "Frost spares Brackwater orchards",
        "Swing bridge closes for six weeks of repairs",
        "Brackwater youth choir wins national prize",
        "Saturday market moves to the harbour front",
    }
    assert any("Retired 2 " in note for note in read.notes)
    # a retired page a listing still names is not fetched again
    site.requests.clear()
    site.serve("/feed.rss", b"")  # a changed feed (not 304): its items are looked at again
    read = read_inputs([site.base + "/atom.xml", site.base + "/feed.rss"], tmp_path / "index", SETTINGS)
    assert site.hits("/news/ferry.html") == 0
    assert len(read.batch.articles) == 4


def test_a_url_that_is_not_a_feed_is_reported(site: Site, tmp_path: Path) -> None:
    read = read_inputs([site.base + "/news/ferry.html", site.base + "/nowhere.xml"], tmp_path, SETTINGS)
    why = reasons(read)
    assert why[site.base + "/news/ferry.html"] == "not read: neither a feed (RSS, Atom) nor a sitemap"
    assert why[site.base + "/nowhere.xml"] == "feed or sitemap not read: HTTP 404"
    assert read.batch.articles == ()


def test_contact_goes_into_the_user_agent(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_CONTACT", "mailto:desk@courier.example")
    monkeypatch.setenv("NEWSBOT_FETCH_DELAY", "0")
    settings = FetchSettings.from_env()
    assert settings.delay_s == 0
    read_inputs([site.base + "/atom.xml"], tmp_path, settings)
    assert site.user_agents == {"newsbot/0.1 (+mailto:desk@courier.example)"}


def test_the_delay_spaces_requests_to_one_host(site: Site, tmp_path: Path) -> None:
    import time

    settings = FetchSettings(delay_s=0.2, timeout_s=2)
    started = time.monotonic()
    read_inputs([site.base + "/atom.xml"], tmp_path, settings)  # robots, the feed, two pages: 4 requests
    assert len(site.requests) == 4
    assert time.monotonic() - started >= 3 * 0.2


def test_a_files_only_update_writes_no_state(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    read_inputs([folder], tmp_path / "index", SETTINGS)
    assert not (tmp_path / "index").exists()
    with FetchState.in_folder(tmp_path / "state") as state:
        assert state.counts() == {}


def test_an_unreadable_robots_txt_forbids_the_site_for_the_run(site: Site, tmp_path: Path) -> None:
    site.serve("/robots.txt", b"oops", "text/plain", status=503)
    read = read_inputs([site.base + "/atom.xml"], tmp_path, SETTINGS)
    assert read.batch.articles == ()
    assert reasons(read)[site.base + "/atom.xml"] == (
        "feed or sitemap not read: robots.txt could not be read (HTTP 503): the site is not fetched this run"
    )
    assert [path for path, _ in site.requests] == ["/robots.txt"]


def test_a_gzipped_sitemap_is_unpacked(site: Site, tmp_path: Path) -> None:
    import gzip

    from tests.corpus.web_site import urlset

    site.serve("/sitemap.xml.gz", gzip.compress(urlset(site.base, ["/news/choir.html"])), "application/gzip")
    read = read_inputs([site.base + "/sitemap.xml.gz"], tmp_path, SETTINGS)
    assert [a.title for a in read.batch.articles] == ["Brackwater youth choir wins national prize"]


def test_redirects_are_followed_and_each_hop_asked_of_robots_txt(site: Site, tmp_path: Path) -> None:
    from tests.corpus.web_site import rss

    site.redirects["/news/old-ferry.html"] = "/news/ferry.html"
    site.redirects["/news/moved.html"] = "/private/secret.html"
    site.serve("/moved.rss", rss(site.base, ["old-ferry", "moved"]), "application/rss+xml")
    read = read_inputs([site.base + "/moved.rss"], tmp_path, SETTINGS)
    assert [a.url for a in read.batch.articles] == [site.base + "/news/ferry.html"]
    assert reasons(read)[site.base + "/news/moved.html"].startswith("forbidden by the site's robots.txt")
    assert site.hits("/private/secret.html") == 0
