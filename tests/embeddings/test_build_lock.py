"""A second build or update of one folder says at once that another one runs, and whose (issue 26)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from embeddings.build import build_index_from_articles, update_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.generations import IndexBusy, busy_message
from embeddings.manifest import read_manifest
from tests.embeddings.articles import fictional_articles

REPO = Path(__file__).resolve().parents[2]
Holder = tuple[Path, subprocess.Popen[bytes]]

HOLDER = """
import sys, time
from pathlib import Path
from embeddings.generations import build_lock
with build_lock(Path(sys.argv[1])):
    Path(sys.argv[2]).write_text("locked")
    deadline = time.monotonic() + float(sys.argv[3])
    while time.monotonic() < deadline and not Path(sys.argv[2] + ".release").exists():
        time.sleep(0.05)
"""


def release_when_waited_for(marker: Path) -> threading.Thread:
    """Let the holder go once this process waits for its lock (a blocked flock of ours in /proc/locks)."""

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            waiting = [line for line in Path("/proc/locks").read_text().splitlines() if "->" in line]
            if any(f" {os.getpid()} " in f" {line} " for line in waiting):
                break
            time.sleep(0.05)
        Path(str(marker) + ".release").write_text("go")

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def lock_holder(tmp_path: Path) -> Iterator[Holder]:
    """Another process holding the build lock of an index folder until told to let it go."""
    index_dir = tmp_path / "index"
    build_index_from_articles(fictional_articles()[:2], index_dir, HashingEncoder())
    marker = tmp_path / "locked"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(index_dir), str(marker), "120"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert time.monotonic() < deadline and child.poll() is None, "the lock holder did not start"
            time.sleep(0.05)
        yield index_dir, child
    finally:
        child.kill()
        child.wait()


def test_a_waiting_update_is_told_whose_lock_it_waits_for(lock_holder: Holder) -> None:
    index_dir, child = lock_holder
    told: list[tuple[int | None, bool]] = []
    release_when_waited_for(index_dir.parent / "locked")
    update_index_from_articles(
        fictional_articles()[:3],
        index_dir,
        HashingEncoder(),
        if_locked=lambda pid: told.append((pid, child.poll() is None)),
    )
    assert told == [(child.pid, True)]  # told at once, while the other one still ran
    assert child.wait(timeout=10) == 0  # and it waited for it to let go
    assert read_manifest(index_dir).articles == 3


def test_a_run_that_will_not_wait_is_refused_and_changes_nothing(
    lock_holder: Holder,
) -> None:
    index_dir, child = lock_holder

    def refuse(pid: int | None) -> None:
        raise IndexBusy(index_dir, pid)

    with pytest.raises(IndexBusy, match=f"another update of .* is running \\(pid {child.pid}\\)"):
        update_index_from_articles(fictional_articles()[:3], index_dir, HashingEncoder(), if_locked=refuse)
    assert read_manifest(index_dir).articles == 2


def test_the_command_line_says_it_waits(lock_holder: Holder, tmp_path: Path) -> None:
    index_dir, child = lock_holder
    source = tmp_path / "news.jsonl"
    source.write_text('{"text": "The Exampleton ferry now sails hourly, the harbour office said."}\n')
    # A build with the default model, as a user runs it; the first line on stderr says who holds the lock.
    release_when_waited_for(tmp_path / "locked")
    result = CliRunner().invoke(main, ["index", "build", str(source), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == busy_message(index_dir, child.pid), result.stderr
    assert f"(pid {child.pid}); waiting" in result.stderr
