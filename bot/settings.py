"""Settings of the command line: flags fall back to environment variables, then to defaults.

Only what the answer path needs lives here; the Telegram token is read by the Telegram front end itself,
from the environment only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "newsbot"
ENV_INDEX = "NEWSBOT_INDEX"
ENV_K = "NEWSBOT_K"
DEFAULT_K = 8
MAX_K = 100


def data_dir() -> Path:
    """The per-user data directory (e.g. ~/.local/share/newsbot)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_index_dir() -> Path:
    """`$NEWSBOT_INDEX`, else `index` in the per-user data directory."""
    env = os.environ.get(ENV_INDEX, "").strip()
    return Path(env).expanduser() if env else data_dir() / "index"


def history_file() -> Path:
    """Where `newsbot chat` keeps its line history."""
    return data_dir() / "chat_history"


def demo_corpus_dir() -> Path:
    """The fictional demo corpus shipped inside the `corpus` package."""
    import corpus

    return Path(corpus.__file__).resolve().parent / "demo"


@dataclass(frozen=True)
class Settings:
    """What one `ask` or `chat` runs with; built once at start-up and checked then."""

    index_dir: Path
    k: int = DEFAULT_K
    index_is_default: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, not {self.k}")

    @classmethod
    def resolve(cls, index: Path | None = None, k: int | None = None) -> Settings:
        """Flags first, then NEWSBOT_INDEX / NEWSBOT_K, then defaults."""
        if k is None:
            raw = os.environ.get(ENV_K, "").strip()
            try:
                k = int(raw) if raw else DEFAULT_K
            except ValueError:
                raise ValueError(f"{ENV_K} must be a whole number, not {raw!r}") from None
        explicit = index is not None or bool(os.environ.get(ENV_INDEX, "").strip())
        index_dir = index.expanduser() if index is not None else default_index_dir()
        return cls(index_dir=index_dir, k=k, index_is_default=not explicit)
