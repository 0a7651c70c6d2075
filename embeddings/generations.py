"""Who uses an index folder right now: the build lock (one build or update at a time, and whose it is)
and the readers' locks on generations (a generation is removed only when no running process reads it).

Readers hold a shared `flock` on `readers.lock` in the generation they opened for as long as they keep it
open (a searcher takes it when it opens, releases it when closed; the OS releases it when the process
dies). A build removes a superseded generation only when it can take that lock exclusively without
waiting; one still read is left for a later build to collect. So a bot that has not yet moved to the new
generation (it checks between questions) keeps answering from files that are still there, and a question
in flight finishes on the generation it started on, however many updates run meanwhile.

The build lock (`.lock` in the index folder) holds the pid of the build that has it, so that another
build can say whose it is waiting for.

Not handled: index folders on network file systems where `flock` is not shared between machines.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from embeddings.errors import IndexError_
from embeddings.manifest import LOCK_NAME

logger = logging.getLogger(__name__)

READERS_LOCK_NAME = "readers.lock"


class IndexBusy(IndexError_):
    """Another build or update holds the index folder's lock."""

    def __init__(self, index_dir: Path, pid: int | None) -> None:
        self.index_dir = index_dir
        self.pid = pid
        super().__init__(f"another update of {index_dir} is running{_pid_note(pid)}")


def _pid_note(pid: int | None) -> str:
    return f" (pid {pid})" if pid else ""


def busy_message(index_dir: Path, pid: int | None) -> str:
    """What a build that waits for the lock says at once."""
    return f"another update of {index_dir} is running{_pid_note(pid)}; waiting for it to finish…"


@contextmanager
def build_lock(index_dir: Path, if_taken: Callable[[int | None], None] | None = None) -> Iterator[None]:
    """Hold the index folder's build lock (released by the OS if the process dies). When another build
    has it, `if_taken(its pid)` is called first: it may raise (`IndexBusy`) not to wait; else this waits."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(index_dir / LOCK_NAME)
            if if_taken is not None:
                if_taken(pid)
            logger.info("waiting for another build of %s to finish%s", index_dir, _pid_note(pid))
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            _note_holder(handle)
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _note_holder(handle: TextIO) -> None:
    """Write this process's pid into the lock file, for the next build's message; only a courtesy, so a
    full disk or a read-only folder does not stop the build here."""
    try:  # unbuffered: a failed write must not be retried when the file is closed
        os.ftruncate(handle.fileno(), 0)
        os.pwrite(handle.fileno(), f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError as exc:
        logger.debug("could not note the build's pid in the lock file: %s", exc)


def _holder(lock_file: Path) -> int | None:
    try:
        text = lock_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def create_readers_lock(generation: Path) -> None:
    """Give a generation being written the file its readers lock."""
    (generation / READERS_LOCK_NAME).touch()


def hold_generation(generation: Path) -> int | None:
    """Take a shared lock on the generation for a reader: the fd to release with `release_generation`.
    None when the folder cannot hold a lock file (a read-only copy: nothing will remove it under us).
    Raises FileNotFoundError when the generation is gone or being removed (the caller reads the manifest
    again)."""
    path = generation / READERS_LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)  # created here for generations written before it
    except FileNotFoundError:
        raise
    except OSError as exc:
        if not generation.is_dir():
            raise FileNotFoundError(errno.ENOENT, "generation removed", str(generation)) from exc
        logger.debug("cannot lock %s for reading (%s); reading it unlocked", generation, exc)
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        # Only a build removing the generation holds it exclusively.
        os.close(fd)
        raise FileNotFoundError(errno.ENOENT, "generation being removed", str(generation)) from None
    try:
        linked = os.stat(path).st_ino == os.fstat(fd).st_ino
    except OSError:
        linked = False
    if not linked:  # removed between our open and our lock
        os.close(fd)
        raise FileNotFoundError(errno.ENOENT, "generation removed", str(generation))
    return fd


def release_generation(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the only descriptor of the open file releases its flock


def remove_if_unread(generation: Path) -> bool:
    """Remove a superseded generation unless a running process reads it (then it is left for a later
    build). Call with the build lock held; True when it was removed."""
    try:
        fd = os.open(generation / READERS_LOCK_NAME, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:
        fd = None  # a folder without one (half removed, or not ours to lock): nobody can be reading it
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                logger.info("kept %s: a running process still reads it", generation.name)
                return False
        # Removed while the lock is held, so a reader opening it meanwhile finds it gone, never half gone.
        shutil.rmtree(generation, ignore_errors=True)
        return True
    finally:
        if fd is not None:
            os.close(fd)
