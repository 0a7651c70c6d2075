"""Durable writes: what a build writes is on disk before the manifest switch makes it current, and the
switch itself is a rename that readers see whole or not at all (the layout is in `embeddings.manifest`).

`write_file` writes text or bytes, or lets a callback write to the open file (`np.save`), and fsyncs it;
with `atomic=True` it writes a temporary file beside the target and renames it into place, then fsyncs the
folder so the rename survives a crash. `fsync_file` is for files a library wrote by name (FAISS, SQLite,
a memory map), `fsync_dir` for a folder whose entries changed. `RowFile` writes a vectors file with
ordinary writes, so that a full disk is an error (`is_disk_full`) and not a SIGBUS.

Not handled: network file systems that do not honour fsync on folders; Windows (no folder fsync).
"""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

Content = str | bytes | Callable[[BinaryIO], None]


def write_file(path: Path, content: Content, *, atomic: bool = False) -> None:
    """Write `content` to `path` and fsync it. `atomic`: readers see the old file or the new one, never a
    torn one (a temporary file in the same folder, renamed over `path`, then the folder fsynced)."""
    target = path.with_name(f"{path.name}.{os.getpid()}.tmp") if atomic else path
    try:
        with open(target, "wb") as handle:
            if isinstance(content, str):
                handle.write(content.encode("utf-8"))
            elif isinstance(content, bytes):
                handle.write(content)
            else:
                content(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        if atomic:  # the old file is untouched; a kill here leaves the temporary to the next build
            target.unlink(missing_ok=True)
        raise
    if atomic:
        os.replace(target, path)
        fsync_dir(path.parent)


def fsync_file(path: Path) -> None:
    """Flush a file that something else wrote by name to disk."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    """Make the folder's entries (files created, renamed or removed in it) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def is_disk_full(exc: BaseException) -> bool:
    """Whether a failed write failed for want of space: an OSError ENOSPC/EDQUOT, or SQLite's and
    FAISS's own words for it (they report it in their exceptions' text, not as an errno)."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return True
    text = str(exc).lower()
    return "disk is full" in text or "no space left" in text or "disk quota exceeded" in text


class RowFile:
    """A `.npy` file of float32 rows written with ordinary writes (`pwrite`), row blocks in any order.

    Not a writable memory map: a write through a map to a full disk kills the process with SIGBUS, while
    a write here fails with OSError ENOSPC, which the build reports and cleans up after. The file is sized
    at once (sparse: no blocks taken) so that rows can be written where they belong as they are embedded.
    """

    def __init__(self, path: Path, n_rows: int, dim: int) -> None:
        self.path = path
        self.shape = (n_rows, dim)
        self.row_bytes = dim * 4
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            header,
            {
                "descr": np.lib.format.dtype_to_descr(np.dtype("<f4")),
                "fortran_order": False,
                "shape": self.shape,
            },
        )
        self.offset = len(header.getvalue())
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_all(self.fd, header.getvalue(), 0)
            os.ftruncate(self.fd, self.offset + n_rows * self.row_bytes)
        except BaseException:
            os.close(self.fd)
            raise

    def write(self, first: int, rows: npt.NDArray[np.float32]) -> None:
        """Write consecutive rows starting at row `first`."""
        data = np.ascontiguousarray(rows, dtype="<f4")
        if data.ndim != 2 or data.shape[1] != self.shape[1] or first + len(data) > self.shape[0]:
            raise ValueError(f"rows of shape {data.shape} do not fit at row {first} of {self.shape}")
        _write_all(self.fd, data.tobytes(), self.offset + first * self.row_bytes)

    def write_at(self, positions: Sequence[int], rows: npt.NDArray[np.float32]) -> None:
        """Write `rows[i]` at row `positions[i]`, each run of consecutive positions in one write."""
        order = np.argsort(np.asarray(positions, dtype=np.int64), kind="stable")
        sorted_positions = np.asarray(positions, dtype=np.int64)[order]
        breaks = np.flatnonzero(np.diff(sorted_positions) != 1) + 1
        for run in np.split(np.arange(len(order)), breaks):
            if len(run):
                self.write(int(sorted_positions[run[0]]), rows[order[run]])

    def close(self) -> None:
        """Flush the rows to disk (fsync) and close."""
        if self.fd < 0:
            return
        try:
            os.fsync(self.fd)
        finally:
            os.close(self.fd)
            self.fd = -1

    def abandon(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written
