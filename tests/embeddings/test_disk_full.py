"""A full disk during a build or update (issue 26): one `Error:` line, no traceback and no SIGBUS, the
partial generation removed, the previous index still answering. On a real full file system: a small
tmpfs mounted for the test (the tests run as root, here and in CI)."""

from __future__ import annotations

import errno
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from bot.cli import main
from embeddings.build import DiskFull, build_index_from_articles, update_index_from_articles
from embeddings.durable import RowFile, is_disk_full
from embeddings.encoder import HashingEncoder, SentenceTransformerEncoder
from embeddings.manifest import TEMP_PREFIX
from embeddings.search import Searcher
from tests.embeddings.articles import fictional_articles, long_article


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 320 KB tmpfs: room for a small index, not for an update that adds a long article."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs for the disk-full tests (they need root): {done.stderr}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_vectors_are_written_without_a_map_so_a_full_disk_is_an_error(small_disk: Path) -> None:
    rows = RowFile(small_disk / "vectors.npy", 1_000, 384)  # 1.5 MB on a 320 KB disk: sparse, fits
    block = np.ones((100, 384), dtype=np.float32)
    with pytest.raises(OSError) as caught:
        for start in range(900, -1, -100):  # out of order, as embedding writes them
            rows.write_at(list(range(start, start + 100)), block)
    rows.abandon()
    assert caught.value.errno == errno.ENOSPC and is_disk_full(caught.value)


def test_rows_written_out_of_order_read_back_in_place(tmp_path: Path) -> None:
    rows = RowFile(tmp_path / "vectors.npy", 5, 3)
    values = np.arange(15, dtype=np.float32).reshape(5, 3)
    rows.write_at([4, 0, 2], values[[4, 0, 2]])
    rows.write(1, values[1:2])
    rows.write_at([3], values[3:4])
    rows.close()
    assert np.array_equal(np.load(tmp_path / "vectors.npy"), values)


def test_an_update_that_fills_the_disk_leaves_the_previous_index_answering(small_disk: Path) -> None:
    encoder = HashingEncoder()
    articles = fictional_articles()
    index_dir = small_disk / "index"
    build_index_from_articles(articles[:2], index_dir, encoder)
    with pytest.raises(DiskFull, match="full") as caught:
        update_index_from_articles([long_article(400), *articles[:2]], index_dir, encoder)
    assert "previous index was left as it was" in str(caught.value)
    assert not [p for p in index_dir.iterdir() if p.name.startswith(TEMP_PREFIX)]
    with Searcher.open(index_dir, encoder=encoder) as searcher:
        assert searcher.stats().articles == 2
        assert searcher.search(articles[0].title or "", k=1)[0].article.id == articles[0].id


def test_the_command_line_says_so_in_one_line(
    small_disk: Path, tmp_path: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    index_dir = small_disk / "index"
    build_index_from_articles(fictional_articles()[:2], index_dir, real_encoder)
    source = tmp_path / "news.jsonl"
    long = long_article(400)
    source.write_text(json.dumps({"text": long.text, "title": long.title, "url": long.url}) + "\n")
    result = CliRunner().invoke(main, ["index", "update", str(source), "--index", str(index_dir)])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "full" in errors[0], result.stderr
    assert "Traceback" not in result.output
    assert not [p for p in index_dir.iterdir() if p.name.startswith(TEMP_PREFIX)]
    with Searcher.open(index_dir, encoder=real_encoder) as searcher:
        assert searcher.stats().articles == 2
