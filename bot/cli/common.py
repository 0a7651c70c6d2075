"""What the `index`, `ask` and `chat` commands share: quiet logs, opening the index (building the demo
one on first use), and turning domain errors into one clear line.

Imports stay light: the encoder, FAISS and the index modules load inside the functions that need them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from bot.errors import QuestionError
from bot.settings import Settings, demo_corpus_dir

if TYPE_CHECKING:
    from corpus.models import DuplicateNote
    from embeddings.model_choice import ModelChoice
    from embeddings.search import Searcher

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
        raise click.ClickException(_one_line(exc)) from None
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


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"no such file or folder: {exc.filename}"
    return " ".join(str(exc).split()) or type(exc).__name__


def open_searcher(settings: Settings, note: Callable[[str], None]) -> Searcher:
    """Open the index; when the default location holds none yet, build it from the demo corpus first
    and say so through `note`. An explicit index that is missing is an error, not built."""
    from embeddings.errors import IndexNotFound
    from embeddings.model_choice import ModelChoice, check_index_model
    from embeddings.search import Searcher

    choice = ModelChoice.resolve()
    try:
        check_index_model(settings.index_dir, choice)
        prepare_fast_queries(settings.index_dir, note)
        return Searcher.open(settings.index_dir)
    except IndexNotFound:
        if not settings.index_is_default or _has_content(settings.index_dir):
            raise
    note(
        f"No index at {settings.index_dir} yet: building one from the demo corpus "
        f"(fictional articles, {demo_corpus_dir()}). Index your own with `newsbot index build PATH`."
    )
    build_demo_index(settings.index_dir, choice)
    return Searcher.open(settings.index_dir)


def prepare_fast_queries(index_dir: Path, note: Callable[[str], None]) -> None:
    """When the index's model has no ONNX export in this user's cache (another user built the index, the
    cache was cleaned), make it now, saying so once: every later ask then starts without torch. An
    export that fails is noted and not tried again; queries then load sentence-transformers."""
    from embeddings.errors import IndexError_
    from embeddings.manifest import read_manifest
    from embeddings.onnx_encoder import EXPORT_SECONDS, OnnxExportError, export_for_queries, export_needed

    try:
        manifest = read_manifest(index_dir)
    except IndexError_:
        return  # opening the index reports it
    if not export_needed(manifest.model_path, manifest.model):
        return
    note(f"Preparing the fast query model (once, ~{EXPORT_SECONDS} s)…")
    try:
        export_for_queries(manifest.model_path)
    except OnnxExportError as error:
        note(f"Queries will load sentence-transformers (slower start): {_one_line(error)}")


def build_demo_index(index_dir: Path, choice: ModelChoice | None = None) -> None:
    from embeddings.build import build_index
    from embeddings.model_choice import ModelChoice
    from embeddings.onnx_encoder import prepare_query_encoder

    choice = choice or ModelChoice.resolve()
    encoder = choice.encoder()
    build_index([demo_corpus_dir()], index_dir, encoder, max_tokens=choice.max_tokens)
    prepare_query_encoder(encoder)


def _has_content(folder: Path) -> bool:
    # Never build over a folder that holds something: it may be a damaged index worth keeping.
    return folder.exists() and any(folder.iterdir())
