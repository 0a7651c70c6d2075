"""The index commands over feeds, sitemaps and web archives (a fictional site on 127.0.0.1, see
tests/corpus/web_site.py): files mirror, fetched articles accumulate, failures reach the summary, and
(with the real model) an answer from a fetched article links to its url."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.index import summary
from corpus.web.client import FetchSettings
from embeddings.build import SourceOptions, build_index, update_index
from embeddings.encoder import HashingEncoder, SentenceTransformerEncoder
from embeddings.search import Searcher
from tests.corpus.web_site import Site, running_site, serve_newsroom

OPTIONS = SourceOptions(FetchSettings(delay_s=0, timeout_s=1.5, max_bytes=200_000))


@pytest.fixture
def site() -> Iterator[Site]:
    with running_site() as served:
        serve_newsroom(served)
        yield served


def local_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "local.jsonl"
    path.write_text(
        '{"title": "Exampleton bakery wins bread prize", "text": "The Exampleton corner bakery won the '
        'regional bread prize on Friday for its rye loaf, baked to a recipe from 1921, the jury said."}\n'
    )
    return path


def titles(index: Path, encoder: HashingEncoder) -> set[str]:
    with Searcher.open(index, encoder) as searcher:
        return {hit.article.title or "" for hit in searcher.search("Brackwater Exampleton", k=50)}


def test_files_mirror_and_fetched_articles_accumulate(
    site: Site, tmp_path: Path, fake_encoder: HashingEncoder
) -> None:
    index = tmp_path / "index"
    files = tmp_path / "files"
    local = local_file(files)
    report = update_index([str(files), site.base + "/atom.xml"], index, fake_encoder, sources=OPTIONS)
    assert report.articles_indexed == 3  # the file's article and the feed's two
    assert any(note.startswith("Web: 1 feeds/sitemaps read") for note in report.notes)

    # the file goes, the feed forgets its items and is not given: the fetched articles stay
    local.unlink()
    report = update_index([str(files)], index, fake_encoder, sources=OPTIONS)
    assert report.articles_removed == 1
    assert report.articles_indexed == 2
    assert "Exampleton bakery wins bread prize" not in titles(index, fake_encoder)

    # retiring by date: the ferry (2025-03-04) goes, the orchard (2025-04-11) stays
    retire = SourceOptions(OPTIONS.fetch, retire_before=date(2025, 4, 1))
    report = update_index([str(files)], index, fake_encoder, sources=retire)
    assert titles(index, fake_encoder) == {"Frost spares Brackwater orchards"}
    assert "Retired 1 fetched or archived articles dated before 2025-04-01." in report.notes


def test_fetch_failures_are_in_the_summary_and_the_rest_is_indexed(
    site: Site, tmp_path: Path, fake_encoder: HashingEncoder
) -> None:
    report = build_index([site.base + "/feed.rss"], tmp_path / "index", fake_encoder, sources=OPTIONS)
    assert report.articles_indexed == 2  # the ferry and the library; the other seven items fail
    text = summary(report)
    assert f"  {site.base}/news/missing.html: HTTP 404 (tried again on the next run)" in text
    assert f"  {site.base}/files/report.pdf: not an HTML page (application/pdf)" in text
    assert "Skipped 7:" in text


def test_the_cli_takes_urls_and_checks_paths_first(site: Site, tmp_path: Path) -> None:
    from bot.cli import main

    result = CliRunner().invoke(
        main,
        ["index", "update", site.base + "/atom.xml", str(tmp_path / "nowhere"), "--index", str(tmp_path)],
    )
    assert result.exit_code != 0
    assert "nowhere" in result.stderr
    assert site.requests == []  # nothing fetched before the paths were checked
    result = CliRunner().invoke(
        main,
        [
            "index",
            "update",
            site.base + "/atom.xml",
            "--retire-before",
            "last week",
            "--index",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "expected a day (YYYY-MM-DD) or a number of days (90d)" in result.stderr


def test_an_article_from_a_feed_is_answered_with_its_url(
    site: Site, tmp_path: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    from bot.answering.pipeline import answer

    index = tmp_path / "index"
    build_index(
        [site.base + "/atom.xml", site.base + "/sitemap_index.xml"], index, real_encoder, sources=OPTIONS
    )
    with Searcher.open(index, real_encoder) as searcher:
        result = answer(
            "How many passengers does the new electric ferry boat carry?", searcher, as_of=date(2025, 7, 1)
        )
    assert not result.abstained
    assert "120 passengers" in result.text
    first = result.citations[0]
    assert first.url == site.base + "/news/ferry.html"
    assert first.title == "Brackwater ferry gets a second electric boat"


def test_a_bad_fetch_setting_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    monkeypatch.setenv("NEWSBOT_FETCH_DELAY", "soon")
    result = CliRunner().invoke(
        main, ["index", "update", "https://courier.example/feed", "--index", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "NEWSBOT_FETCH_DELAY and NEWSBOT_FETCH_TIMEOUT must be numbers of seconds" in result.stderr
    assert not (tmp_path / "sources.sqlite").exists()


def test_a_run_where_every_url_fails_says_why(
    site: Site, tmp_path: Path, fake_encoder: HashingEncoder
) -> None:
    from embeddings.build import NothingToIndex

    site.serve("/robots.txt", b"User-agent: newsbot\nDisallow: /\n", "text/plain")
    with pytest.raises(NothingToIndex) as caught:
        update_index([site.base + "/atom.xml"], tmp_path / "index", fake_encoder, sources=OPTIONS)
    assert f"{site.base}/atom.xml: feed or sitemap not read: forbidden by the site's robots.txt" in str(
        caught.value
    )
