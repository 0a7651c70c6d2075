"""Importing a library while an optional one it would import too stays out of the process.

Two libraries newsbot uses import others they can do without, at a cost a cold `newsbot ask` feels:
spaCy's numeric library (thinc) imports torch whenever it is installed (2.4 s), and lemminflect imports
spaCy to register its token extensions (1.3 s more, and torch with it) although newsbot calls its tables
directly. Within `hidden`, importing a named module raises ModuleNotFoundError, as if it were not installed
(a finder first on sys.meta_path refuses it; nothing is put in sys.modules, which lemminflect checks);
afterwards the finder is gone, so code that does need the module later imports it as usual. A module
already loaded is not hidden: nothing would be saved.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType


class _Refuse(MetaPathFinder):
    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.split(".")[0] in self.names:
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (hidden by bot.answering.imports)", name=fullname
            )
        return None


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    """Imports of `names` (not yet loaded) fail inside the block."""
    blocked = frozenset(name for name in names if name not in sys.modules)
    if not blocked:
        yield
        return
    finder = _Refuse(blocked)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
