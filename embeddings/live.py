"""An index that stays current while a long-running process serves from it (`newsbot telegram`, `chat`,
an `ask` stream): `LiveSearcher` hands each question the newest complete generation.

Before a question it looks, at most once every `check_every` seconds, whether `manifest.json` was
replaced (one `stat`: a build swaps it by rename, so its inode changes). If so it opens the new
generation beside the old one and swaps them under a lock; a question already running keeps the
searcher it started with, and the old searcher is closed when its last question ends. The old
generation's folder stays on disk while it is open (its readers' lock, `embeddings.generations`), so a
question never fails because an update ran, however many run meanwhile.

Opening the new generation happens in the thread of the first question after the change (other threads
meanwhile keep using the old one rather than wait). If it cannot be opened (removed again at once, a
Milvus server unreachable, an index built with another model than NEWSBOT_MODEL), the old one keeps
answering, a warning is logged, and it is tried again after `retry_after` seconds.

Not handled: an index folder replaced wholesale (moved or deleted and rebuilt under the same name) while
a process has it open is seen like any update; the encoder is kept across generations built with the
same model, and loaded afresh when an update changed the model.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from embeddings.errors import IndexError_
from embeddings.manifest import MANIFEST_NAME, read_manifest
from embeddings.search import Searcher
from embeddings.vector_config import VectorStoreUnavailable

logger = logging.getLogger(__name__)

CHECK_EVERY_S = 1.0  # one stat a second is nothing; an update shows within about a second of its end
RETRY_AFTER_S = 30.0  # after a generation failed to open: not every question pays for a failing open


@dataclass
class _Opened:
    searcher: Searcher
    stamp: tuple[int, int, int] | None  # the manifest's (inode, mtime, size) when it was opened
    users: int = 0
    retired: bool = False


class LiveSearcher:
    """The current generation of one index folder, followed across builds and updates.

    `opener` opens the first searcher (and checks the model setting); `check` is called before a newer
    generation is opened (e.g. that it was built with NEWSBOT_MODEL) and may raise an `IndexError_`."""

    def __init__(
        self,
        opener: Callable[[], Searcher],
        *,
        check: Callable[[Path], None] | None = None,
        check_every: float = CHECK_EVERY_S,
        retry_after: float = RETRY_AFTER_S,
    ) -> None:
        self._opener = opener
        self._check = check
        self.check_every = check_every
        self.retry_after = retry_after
        self._lock = threading.Lock()  # guards _current and the users counts
        self._opening = threading.Lock()  # one thread opens a new generation; the others do not wait
        self._current: _Opened | None = None
        self._next_check = 0.0
        self.swaps = 0  # generations switched to since start (for tests and the benchmark)

    @classmethod
    def of(
        cls,
        searcher: Searcher,
        *,
        check: Callable[[Path], None] | None = None,
        check_every: float = CHECK_EVERY_S,
    ) -> LiveSearcher:
        """Follow the index of a searcher already opened."""
        live = cls(lambda: searcher, check=check, check_every=check_every)
        live._current = _Opened(searcher, _stamp(searcher.index_dir))
        return live

    @property
    def is_open(self) -> bool:
        """Whether a generation is open yet (a command line opens it on its first question)."""
        return self._current is not None

    @property
    def searcher(self) -> Searcher:
        """The current searcher (opened now if not yet). For a question use `use()`: it follows updates
        and keeps the searcher open until the question ends."""
        with self._lock:
            return self._opened().searcher

    @contextmanager
    def use(self) -> Iterator[Searcher]:
        """The newest generation's searcher, held open for the caller until the block ends."""
        self.refresh()
        with self._lock:
            opened = self._opened()
            opened.users += 1
        try:
            yield opened.searcher
        finally:
            with self._lock:
                opened.users -= 1
                finished = opened.retired and opened.users == 0
            if finished:
                opened.searcher.close()

    def refresh(self, force: bool = False) -> bool:
        """Switch to a newer generation if there is one (looked for at most every `check_every` seconds
        unless `force`). True when it switched."""
        now = time.monotonic()
        with self._lock:
            if self._current is None or (not force and now < self._next_check):
                return False
            self._next_check = now + self.check_every
            current = self._current
        stamp = _stamp(current.searcher.index_dir)
        if stamp is None or stamp == current.stamp:
            return False
        if not self._opening.acquire(blocking=False):
            return False  # another thread is opening it; this question uses the current one
        try:
            return self._switch(current, stamp)
        finally:
            self._opening.release()

    def close(self) -> None:
        with self._lock:
            opened, self._current = self._current, None
            if opened is None:
                return
            opened.retired = True
            idle = opened.users == 0
        if idle:
            opened.searcher.close()

    # --- inside -------------------------------------------------------------------------------------

    def _opened(self) -> _Opened:
        if self._current is None:
            searcher = self._opener()
            self._current = _Opened(searcher, _stamp(searcher.index_dir))
        return self._current

    def _switch(self, current: _Opened, stamp: tuple[int, int, int]) -> bool:
        old = current.searcher
        index_dir = old.index_dir
        try:
            manifest = read_manifest(index_dir)
            if manifest.generation == old.manifest.generation:
                current.stamp = stamp  # rewritten, not replaced by another generation
                return False
            if self._check is not None:
                self._check(index_dir)
            same_model = (manifest.model, manifest.dim) == (old.manifest.model, old.manifest.dim)
            began = time.perf_counter()
            new = Searcher.open(index_dir, encoder=old.encoder if same_model else None)
        except (IndexError_, VectorStoreUnavailable, OSError) as exc:
            logger.warning(
                "the index at %s changed but cannot be opened (%s); still answering from %s",
                index_dir,
                exc,
                old.manifest.generation,
            )
            with self._lock:
                self._next_check = time.monotonic() + self.retry_after
            return False
        with self._lock:
            # The stamp seen before opening: if another update landed meanwhile, the next look finds it.
            self._current = _Opened(new, stamp)
            current.retired = True
            idle = current.users == 0
            self.swaps += 1
        logger.info(
            "now answering from %s (%d articles), opened in %.2f s",
            new.manifest.generation,
            new.manifest.articles,
            time.perf_counter() - began,
        )
        if idle:
            old.close()
        return True


def _stamp(index_dir: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(index_dir / MANIFEST_NAME)
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size
