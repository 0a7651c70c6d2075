"""Web archives: HTML response records become articles with the record's url and, for an undated page,
the record's date; other records are passed over; the same pages as HTML files read the same."""

from __future__ import annotations

import gzip
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest

from corpus.read import read_paths
from corpus.sources import read_inputs
from corpus.warc import read_warc
from tests.corpus.web_site import STORIES, article_page

BASE = "https://courier.example/news/"


def write_warc(
    path: Path, records: list[tuple[str, int, str, bytes]], date_: str = "2025-07-01T10:00:00Z"
) -> None:
    """(url, status, content type, body) as WARC response records, with a request record between them."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"))
        for url, status, kind, body in records:
            reason = {200: "OK", 404: "Not Found", 301: "Moved"}.get(status, "X")
            headers = StatusAndHeaders(f"{status} {reason}", [("Content-Type", kind)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": date_},
            )
            writer.write_record(record)
            request = writer.create_warc_record(
                url,
                "request",
                payload=BytesIO(b""),
                http_headers=StatusAndHeaders(
                    f"GET {url} HTTP/1.1", [("Host", "courier.example")], is_http_request=True
                ),
            )
            writer.write_record(request)


def archive(path: Path) -> None:
    records = [
        (BASE + f"{slug}.html", 200, "text/html; charset=utf-8", article_page(slug))
        for slug, *_ in STORIES[:3]
    ]
    records.append((BASE + "undated.html", 200, "text/html", article_page("bridge", dated=False)))
    records.append((BASE + "gone.html", 404, "text/html", b"<html>not found</html>"))
    records.append((BASE + "report.pdf", 200, "application/pdf", b"%PDF-1.4"))
    records.append((BASE + "empty.html", 200, "text/html", b"<html><body><nav>Home</nav></body></html>"))
    write_warc(path, records)


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_html_responses_become_articles(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    archive(path)
    if name.endswith(".gz"):
        with gzip.open(path) as unpacked:
            assert unpacked.read(4) == b"WARC"
    read = read_warc(path)
    by_url = {a.url: a for a in read.articles}
    assert set(by_url) == {BASE + f"{slug}.html" for slug, *_ in STORIES[:3]} | {BASE + "undated.html"}
    ferry = by_url[BASE + "ferry.html"]
    assert ferry.title == "Brackwater ferry gets a second electric boat"
    assert ferry.published is not None and ferry.published.date() == date(2025, 3, 4)  # the page's own
    undated = by_url[BASE + "undated.html"]
    assert undated.published is not None and undated.published.date() == date(2025, 7, 1)  # WARC-Date
    assert ferry.source == f"{path}#{BASE}ferry.html"
    # the 404 and the PDF are passed over; the HTML page with no article is reported
    assert [s.source for s in read.skipped] == [f"{path}#{BASE}empty.html"]


def test_warc_and_html_files_give_the_same_articles(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    records = []
    for slug, *_ in STORIES:
        (pages / f"{slug}.html").write_bytes(article_page(slug))
        records.append((BASE + f"{slug}.html", 200, "text/html", article_page(slug)))
    write_warc(tmp_path / "pages.warc.gz", records)
    from_html = sorted(read_paths([pages]).articles, key=lambda a: a.title or "")
    from_warc = sorted(read_warc(tmp_path / "pages.warc.gz").articles, key=lambda a: a.title or "")
    assert len(from_html) == len(from_warc) == len(STORIES)
    for a, b in zip(from_html, from_warc, strict=True):
        assert (a.text, a.title, a.published) == (b.text, b.title, b.published)


def test_archived_articles_accumulate_when_the_warc_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "in" / "crawl.warc.gz"
    path.parent.mkdir()
    archive(path)
    first = read_inputs([path.parent], tmp_path / "index")
    assert len(first.batch.articles) == 4
    path.unlink()
    again = read_inputs([path.parent], tmp_path / "index")
    assert {a.url for a in again.batch.articles} == {a.url for a in first.batch.articles}


def test_retired_archived_articles_stay_retired_when_their_warc_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    archive(path)
    # retired in the very run that first reads them: the ferry (March) and the library (March) go
    read = read_inputs([path], tmp_path / "index", retire_before=date(2025, 4, 1))
    assert sorted(a.title or "" for a in read.batch.articles) == [
        "Frost spares Brackwater orchards",
        "Swing bridge closes for six weeks of repairs",  # undated page: WARC-Date 2025-07-01
    ]
    again = read_inputs([path], tmp_path / "index")
    assert len(again.batch.articles) == 2


def test_a_damaged_warc_is_reported_and_keeps_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc"
    archive(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + b"\x00garbage")
    read = read_warc(path)
    assert len(read.articles) == 2  # the records before the damage
    assert len(read.skipped) == 1 and read.skipped[0].source.startswith(f"{path}#")


def test_a_file_that_is_no_warc_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "notes.warc"
    path.write_text("just some notes, not an archive\n")
    read = read_warc(path)
    assert read.articles == []
    assert [s.source for s in read.skipped] == [str(path)]
    assert (
        read.skipped[0].reason.endswith("web archive") or "unreadable web archive" in read.skipped[0].reason
    )
