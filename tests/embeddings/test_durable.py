"""The durable-write helper: text, bytes and callbacks land whole; an atomic write leaves no temporary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.durable import fsync_dir, fsync_file, write_file


def test_writes_text_bytes_and_callbacks(tmp_path: Path) -> None:
    write_file(tmp_path / "a.txt", "Ünïcode ✓\n")
    write_file(tmp_path / "b.bin", b"\x00\xff")
    write_file(tmp_path / "c.npy", lambda handle: np.save(handle, np.arange(3, dtype=np.int64)))
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "Ünïcode ✓\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert np.load(tmp_path / "c.npy").tolist() == [0, 1, 2]
    fsync_file(tmp_path / "b.bin")
    fsync_dir(tmp_path)


def test_an_atomic_write_replaces_whole_and_a_failed_one_keeps_the_old(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    write_file(target, "old", atomic=True)
    write_file(target, "new", atomic=True)
    assert target.read_text() == "new"

    def fails(handle: object) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_file(target, fails, atomic=True)
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
