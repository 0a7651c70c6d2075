"""`newsbot index watch` (issue 26): an update each run with a line saying what changed, a run that finds
the lock taken skipped with a note, a failed run reported and retried, Ctrl-C stopping cleanly. The real
command as a process of its own, with the real model, every two seconds."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.cli.watch import describe, parse_duration
from embeddings.generations import build_lock
from embeddings.manifest import read_manifest

REPO = Path(__file__).resolve().parents[3]


def article_line(text: str, title: str) -> str:
    return json.dumps({"text": text, "title": title, "url": f"https://watch.example.invalid/{title}"}) + "\n"


class Lines:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout
        threading.Thread(target=lambda: [self._queue.put(line) for line in stdout], daemon=True).start()

    def wait_for(self, words: str, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if words in line:
                return line
        raise AssertionError(f"no line with {words!r} in {timeout} s; saw {self.seen}")


def test_watch_updates_skips_when_locked_retries_failures_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    sources = tmp_path / "news"
    sources.mkdir()
    feed = sources / "feed.jsonl"
    feed.write_text(article_line("The fictional Exampleton ferry now sails every hour.", "ferry"))
    index_dir = tmp_path / "index"
    command = ["index", "watch", str(sources), "--index", str(index_dir), "--every", "2s"]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *command],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = Lines(process)
    try:
        assert "added 1," in lines.wait_for("updated:")  # the first run builds the index
        with feed.open("a") as handle:
            handle.write(article_line("Sampleford's fictional tram line reopened on Monday.", "tram"))
        assert "added 1, changed 0, removed 0, unchanged 1" in lines.wait_for("added 1, changed")
        assert read_manifest(index_dir).articles == 2

        with build_lock(index_dir):  # another update runs: the watch skips and says whose it is
            skipped = lines.wait_for("skipped:")
        assert f"(pid {os.getpid()})" in skipped

        feed.write_text("")  # nothing to index: the run fails, the index stays, the next run retries
        assert "previous index still answers" in lines.wait_for("failed:")
        feed.write_text(article_line("The fictional Exampleton ferry now sails every hour.", "ferry"))
        assert "removed 1" in lines.wait_for("removed 1")
        assert read_manifest(index_dir).articles == 1

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        lines.wait_for("stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stderr is not None
    errors = process.stderr.read()
    assert "Traceback" not in errors, errors


INTERVALS = [("90", 90), ("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400)]


@pytest.mark.parametrize(("text", "seconds"), INTERVALS)
def test_intervals(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "15 minutes", "-5m", "m"])
def test_bad_intervals_are_refused(text: str) -> None:
    import click

    with pytest.raises(click.BadParameter):
        parse_duration(text)


def test_a_run_without_changes_says_so(tmp_path: Path) -> None:
    from embeddings.build import update_index_from_articles
    from embeddings.encoder import HashingEncoder
    from tests.embeddings.articles import fictional_articles

    update_index_from_articles(fictional_articles(), tmp_path / "index", HashingEncoder())
    report = update_index_from_articles(fictional_articles(), tmp_path / "index", HashingEncoder())
    assert describe(report).startswith(f"updated: no change ({len(fictional_articles())} unchanged)")


def test_sources_are_checked_as_update_checks_them_urls_included(tmp_path: Path) -> None:
    """A feed url passes the start-up check (it is fetched at each run, as `index update` fetches it); a
    missing path does not, and neither does a retirement day that is no day."""
    from click.testing import CliRunner

    from bot.cli.index import check_sources, source_options

    folder = tmp_path / "articles"
    folder.mkdir()
    check_sources([str(folder), "https://news.example.invalid/feed.xml"])
    with pytest.raises(FileNotFoundError):
        check_sources([str(tmp_path / "missing")])
    assert source_options(None, "2024-01-01").retire_before is not None
    from bot.cli.watch import watch

    result = CliRunner().invoke(watch, [str(folder), "--every", "1s", "--retire-before", "soon"])
    assert result.exit_code != 0 and "--retire-before" in result.output
