"""`python -m benchmarks warc`: the same pages read from a web archive and from their HTML files give the
same articles.

The wcxb-dev HTML pages are written into one `.warc.gz` with warcio (a response record each, with the
page's url from the gold file as WARC-Target-URI and a fixed WARC-Date), then read back with
`corpus.warc.read_warc` and compared with `corpus.html.parse_html` on each HTML file (the baseline, read
in the same run): text, title and publication date identical, page by page. A page the archive reads
with no date of its own gets the WARC-Date: counted as a difference, and apart. Also the milliseconds
per page of each path.

It does not handle: other eval layouts; CC-NEWS's own archives (none is stored here).
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import click

from benchmarks.answer_eval import revision, run_record
from benchmarks.extraction import eval_dir_option, limit_option

WARC_DATE = "2031-01-01T00:00:00Z"  # far from every page's own date, so a fallback is never mistaken


def _pages(folder: Path, limit: int | None) -> list[tuple[Path, str]]:
    pages = []
    for html in sorted((folder / "html").glob("*.html.gz"))[:limit]:
        gold = folder / "gold" / (html.name.split(".")[0] + ".json")
        url = json.loads(gold.read_text(encoding="utf-8")).get("url") if gold.exists() else None
        pages.append((html, url or f"https://wcxb.example/{html.name.split('.')[0]}.html"))
    return pages


def _write_warc(path: Path, pages: list[tuple[Path, str]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for html, url in pages:
            body = gzip.decompress(html.read_bytes())
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": WARC_DATE},
                )
            )


@click.command()
@eval_dir_option
@limit_option
def main(eval_dir: Path, limit: int | None) -> None:
    """WARC records against their HTML files: the share of pages read identically."""
    from corpus.decode import read_text_file
    from corpus.errors import CorpusError
    from corpus.html import parse_html
    from corpus.warc import read_warc

    started, load = time.perf_counter(), os.getloadavg()
    pages = _pages(eval_dir / "wcxb-dev-articles", limit)
    if not pages:
        raise click.ClickException(f"no pages under {eval_dir / 'wcxb-dev-articles' / 'html'}")
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "pages.warc.gz"
        _write_warc(archive, pages)
        size = archive.stat().st_size
        t0 = time.process_time()
        read = read_warc(archive)
        warc_ms = (time.process_time() - t0) * 1000 / len(pages)
    from_warc = {a.url: a for a in read.articles}

    t0 = time.process_time()
    from_html = {}
    html_failed = 0
    for html, url in pages:
        try:
            from_html[url] = parse_html(read_text_file(html, html=True).text, str(html))
        except CorpusError:
            html_failed += 1
    html_ms = (time.process_time() - t0) * 1000 / len(pages)

    both = [u for u in from_html if u in from_warc]
    same = {"text": 0, "title": 0, "published": 0, "all three": 0}
    fallback = 0
    fallback_stamp = datetime.fromisoformat(WARC_DATE.replace("Z", "+00:00")).astimezone(UTC)
    for url in both:
        a, b = from_html[url], from_warc[url]
        fell_back = a.published is None and b.published == fallback_stamp
        fallback += fell_back
        checks = {
            "text": a.text == b.text,
            "title": a.title == b.title,
            "published": a.published == b.published,  # strict: a WARC-Date fallback counts as different
        }
        for key, ok in checks.items():
            same[key] += ok
        same["all three"] += all(checks.values())

    record = run_record(
        f"python -m benchmarks warc{f' --limit {limit}' if limit else ''}", revision(), load, started
    )
    click.echo(f"{record['command']} — {record['date']}, {record['revision']}, {record['machine']}")
    click.echo(f"load {record['load_before']} → {record['load_after']}, {record['seconds']} s")
    click.echo(
        f"pages {len(pages)}; archive {size / 1e6:.1f} MB; articles from HTML files {len(from_html)} "
        f"({html_failed} without one), from the WARC {len(from_warc)} ({len(read.skipped)} skipped)"
    )
    click.echo("| field | identical | share |")
    click.echo("|---|---:|---:|")
    for key, n in same.items():
        click.echo(f"| {key} | {n} of {len(both)} | {n / len(both):.1%} |")
    click.echo(f"of the dates that differ, pages with no date of their own dated by WARC-Date: {fallback}")
    click.echo(f"CPU ms/page: HTML files (baseline) {html_ms:.1f}, WARC {warc_ms:.1f}")
    differing = [u for u in both if from_html[u].text != from_warc[u].text][:5]
    for url in differing:
        click.echo(f"text differs: {url}")
