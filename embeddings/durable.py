"""Durable writes: what a build writes is on disk before the manifest switch makes it current, and the
switch itself is a rename that readers see whole or not at all (the layout is in `embeddings.manifest`).

`write_file` writes text or bytes, or lets a callback write to the open file (`np.save`), and fsyncs it;
with `atomic=True` it writes a temporary file beside the target and renames it into place, then fsyncs the
folder so the rename survives a crash. `fsync_file` is for files a library wrote by name (FAISS, SQLite,
a memory map), `fsync_dir` for a folder whose entries changed.

Not handled: network file systems that do not honour fsync on folders; Windows (no folder fsync).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

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
