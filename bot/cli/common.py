"""What the `index`, `ask` and `chat` commands share: quiet logs and turning domain errors into one clear
line. Opening the index (building the demo one on first use) is the answering service's (bot/answerer.py).

Imports stay light: the encoder, FAISS and the index modules load inside the functions that need them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import click

from bot.errors import QuestionError, one_line

if TYPE_CHECKING:
    from corpus.models import DuplicateNote

T = TypeVar("T")

NOISY_LOGGERS = ("sentence_transformers", "transformers", "httpx", "httpcore", "faiss", "torch", "urllib3")


def quiet_logs(verbose: bool = False) -> None:
    """Warnings and errors only, and none of the libraries' own progress bars or advisory chatter."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


@contextmanager
def user_errors() -> Iterator[None]:
    """Domain errors and bad paths become `Error: <one line>` and exit status 1, never a traceback."""
    from embeddings.errors import IndexError_

    try:
        yield
    except (IndexError_, QuestionError, FileNotFoundError, NotADirectoryError, ValueError) as exc:
        raise click.ClickException(one_line(exc)) from None
    except PermissionError as exc:
        raise click.ClickException(f"permission denied: {exc.filename or exc}") from None


def describe_duplicate(note: DuplicateNote, kept: str) -> str:
    """`source: same text as kept`: one dropped duplicate and the article (`kept`: its file) it repeats."""
    how = {
        "url": "same url as",
        "exact": "same text as",
        "near": "nearly the same text as",
        "id": "same article id as",
    }.get(note.kind, f"{note.kind} duplicate of")
    extra = f" (similarity {note.similarity:.2f})" if note.kind == "near" else ""
    return f"{note.source}: {how} {kept}{extra}"
