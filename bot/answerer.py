"""The answering service both edges use: `newsbot ask`/`chat` and the Telegram bot each get an `Answerer`
from `open_answerer(settings)`, so the index folder, `k` (flag, else NEWSBOT_K, else 8), the reader and the
date settings are resolved in one place and every question goes through the same steps
(`bot.answering.followup.answer_resolved`: retrieve as of a day, compose, name the kind asked for).

Each question is answered from the newest complete generation of the index: an `index update` or
`build` beside a running bot is picked up within about a second of its end, with no restart, and a
question already running finishes on the generation it started on (`embeddings.live`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import one_line
from bot.models import IndexSummary
from bot.settings import demo_corpus_dir

if TYPE_CHECKING:
    from bot.answering.followup import Resolved
    from bot.answering.readers.base import Reader, Writer
    from bot.models import Answer
    from bot.settings import Settings
    from embeddings.live import LiveSearcher
    from embeddings.model_choice import ModelChoice
    from embeddings.search import Searcher


@dataclass(frozen=True)
class AskSettings:
    """How every question of one run is asked: date filters and the as-of day (None: the day it is
    asked), on top of the index and `k` of `Settings`."""

    since: date | None = None
    until: date | None = None
    as_of: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValueError("--since is after --until")


class Answerer:
    """The index, followed across updates (opened on first use unless a searcher is given), `k`, the
    reader and the ask settings. `check` is run before a newer generation is opened (the model setting)."""

    def __init__(
        self,
        settings: Settings,
        reader: Reader | Writer | None = None,
        ask: AskSettings | None = None,
        opener: Callable[[], Searcher] | None = None,
        searcher: Searcher | None = None,
        check: Callable[[Path], None] | None = None,
    ) -> None:
        from embeddings.live import LiveSearcher

        self.settings = settings
        self.reader = reader
        self.ask_settings = ask or AskSettings()
        self.live: LiveSearcher
        if searcher is not None:
            self.live = LiveSearcher.of(searcher, check=check)
        else:
            self.live = LiveSearcher(opener or _no_opener, check=check)

    @property
    def searcher(self) -> Searcher:
        """The current generation's searcher (a question goes through `ask`, which follows updates)."""
        return self.live.searcher

    def ask(self, question: str, prefer: Sequence[str] = (), as_of: date | None = None) -> Answer:
        """The answer to `question` (a standalone one; `prefer`: article ids a follow-up leans on) asked as
        of `as_of`, else the settings' as-of day, else today."""
        from bot.answering.followup import Resolved

        return self.ask_resolved(Resolved(asked=question, question=question, prefer=tuple(prefer)), as_of)

    def ask_resolved(self, resolved: Resolved, as_of: date | None = None) -> Answer:
        """Answer a question resolved against its conversation (bot/answering/followup.py)."""
        from bot.answering.followup import answer_resolved

        with self.live.use() as searcher:
            return answer_resolved(
                resolved,
                searcher,
                k=self.settings.k,
                since=self.ask_settings.since,
                until=self.ask_settings.until,
                reader=self.reader,
                as_of=as_of or self.ask_settings.as_of or date.today(),
            )

    def summary(self) -> IndexSummary:
        with self.live.use() as searcher:
            stats = searcher.stats()
        return IndexSummary(
            articles=stats.articles,
            chunks=stats.chunks,
            publishers=stats.publishers,
            first_published=stats.first_published,
            last_published=stats.last_published,
            model=stats.model,
        )

    def close(self) -> None:
        """Stop the reader's worker process, if any, and close the index."""
        close_reader = getattr(self.reader, "close", None)
        if callable(close_reader):
            close_reader()
        self.live.close()


def _no_opener() -> Searcher:
    raise RuntimeError("no searcher and nothing to open one with")


def open_answerer(
    settings: Settings,
    reader: str | None = None,
    ask: AskSettings | None = None,
    *,
    eager: bool = False,
    build_demo: bool = True,
    note: Callable[[str], None] = lambda _: None,
) -> Answerer:
    """The answering service over `settings.index_dir`. `reader`: "none", "gemma" or None for
    $NEWSBOT_READER (checked now: a missing extra is one error before any question). `eager` opens the
    index and loads the model now (a service's start-up), else on the first question (a command line that
    should start fast). `build_demo`: a missing default index is built from the demo corpus (through
    `note`) rather than an error."""
    from bot.answering.readers.base import ReaderFailed, open_reader
    from bot.answering.readers.gemma import ChildReader

    chosen = open_reader(reader)

    def check(index_dir: Path) -> None:
        from embeddings.model_choice import ModelChoice, check_index_model

        check_index_model(index_dir, ModelChoice.resolve())

    def opener() -> Searcher:
        from embeddings.search import Searcher

        if build_demo:
            return open_searcher(settings, note)
        check(settings.index_dir)
        return Searcher.open(settings.index_dir)

    answerer = Answerer(settings, chosen, ask, opener, check=check)
    if eager:
        answerer.searcher.encode_query("warm up")
        if isinstance(chosen, ChildReader):
            try:
                note(f"reader {chosen.name} loaded in {chosen.load():.1f} s")
            except ReaderFailed as exc:  # the service starts all the same; its answers stay extractive
                note(f"reader {chosen.name} failed to start, answers stay extractive for now: {exc}")
    return answerer


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
        note(f"Queries will load sentence-transformers (slower start): {one_line(error)}")


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
