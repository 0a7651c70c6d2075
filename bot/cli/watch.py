"""`newsbot index watch SOURCE… --every 15m`: keep an index current by running `index update` with the
same sources again and again, one line a run saying what changed.

Each run is exactly `index update SOURCE…` (`bot.cli.index.index_once`): whatever sources an update
accepts, watch accepts. A run that finds another build or update holding the index's lock is skipped
with a note (the next run catches up); a run that fails is reported and the next one tries again; the
model is loaded once. Ctrl-C or SIGTERM between runs stops at once; during a run it aborts that run,
which leaves the previous index answering (as a kill does: `embeddings.build`). Running bots pick up each
run's result by themselves (`embeddings.live`).

Not handled: overlapping runs (a run longer than `--every` delays the next; it never runs two at once);
catching up missed runs after the machine slept (the next run is simply due).
"""

from __future__ import annotations

import logging
import re
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from bot.cli.common import quiet_logs, user_errors
from bot.cli.index import (
    FETCH_DELAY_OPTION,
    INDEX_OPTION,
    MODEL_OPTION,
    PATHS,
    RETIRE_OPTION,
    article_changes,
    check_sources,
    index_once,
    load_encoder,
    source_options,
)
from bot.settings import default_index_dir

if TYPE_CHECKING:
    from collections.abc import Callable

    from embeddings.build import BuildReport, SourceOptions
    from embeddings.encoder import Encoder
    from embeddings.model_choice import ModelChoice

logger = logging.getLogger(__name__)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in "90", "90s", "15m", "2h", "1d"."""
    match = _DURATION.match(text)
    if not match:
        raise click.BadParameter(f"{text!r} is not a duration such as 30s, 15m, 2h or 1d")
    seconds = float(match.group(1)) * _UNIT_S[match.group(2) or "s"]
    if seconds <= 0:
        raise click.BadParameter("the interval must be longer than zero")
    return seconds


class _Stop(BaseException):
    """SIGTERM, handled as Ctrl-C is (a BaseException like KeyboardInterrupt: no `except Exception` on
    the way, in the build or a reader of files, may swallow it)."""


@click.command()
@PATHS
@INDEX_OPTION
@MODEL_OPTION
@click.option(
    "--every",
    default="15m",
    show_default=True,
    help="Time from the start of one run to the start of the next: 30s, 15m, 2h, 1d.",
)
@FETCH_DELAY_OPTION
@RETIRE_OPTION
def watch(
    paths: tuple[str, ...],
    index_dir: Path | None,
    model: Path | None,
    every: str,
    fetch_delay: float | None,
    retire_before: str | None,
) -> None:
    """Run `index update PATHS` now and then every --every, one line a run, until Ctrl-C. PATHS may be
    files, folders and http(s) urls of feeds and sitemaps, as for `index update`."""
    quiet_logs()
    interval = parse_duration(every)
    target = index_dir if index_dir is not None else default_index_dir()
    with user_errors():
        check_sources(paths)  # a mistyped source is an error now, not a failure every run
        source_options(fetch_delay, retire_before)  # a bad --retire-before too
        choice, encoder, _ = load_encoder(model)

    def sources() -> SourceOptions:
        # Each run anew: "--retire-before 90d" is a window that moves with the days the watch runs.
        return source_options(fetch_delay, retire_before)

    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        _loop(paths, target, interval, choice, encoder, sources)
    except (KeyboardInterrupt, _Stop):
        _say("stopped; the index holds the last complete run")
    finally:
        signal.signal(signal.SIGTERM, previous)


def _loop(
    paths: tuple[str, ...],
    target: Path,
    interval: float,
    choice: ModelChoice,
    encoder: Encoder,
    sources: Callable[[], SourceOptions],
) -> None:
    from embeddings.generations import IndexBusy
    from embeddings.onnx_encoder import prepare_query_encoder

    def skip(pid: int | None) -> None:
        raise IndexBusy(target, pid)

    query_encoder_ready = False
    _say(f"watching {', '.join(map(str, paths))} for {target}: an update every {_human(interval)}")
    while True:
        began = time.monotonic()
        try:
            report = index_once("update", paths, target, encoder, choice, None, skip, sources())
            _say(describe(report))
            if not query_encoder_ready:
                note = prepare_query_encoder(encoder)
                query_encoder_ready = True
                if note:
                    _say(note)
        except IndexBusy as exc:
            _say(f"skipped: {exc}; the next run will catch up")
        except (KeyboardInterrupt, _Stop):
            raise
        except Exception as exc:  # any failure: reported, and the next run tries again
            logger.debug("watch run failed", exc_info=True)
            _say(f"failed: {_one_line(exc)}; the previous index still answers; retrying at the next run")
        time.sleep(max(0.0, interval - (time.monotonic() - began)))


def describe(report: BuildReport) -> str:
    """One line for one run."""
    changes = article_changes(report)
    if not (report.articles_added or report.articles_changed or report.articles_removed):
        changes = f"no change ({report.articles_unchanged} unchanged)"
    extra = f"; {len(report.skipped)} file(s) skipped" if report.skipped else ""
    rebuilt = f"; rebuilt everything: {report.full_rebuild_reason}" if report.full_rebuild_reason else ""
    return (
        f"updated: {changes}; {report.articles_indexed} articles, {report.chunks_total} chunks "
        f"({report.elapsed_s:.1f} s){extra}{rebuilt}"
    )


def _say(text: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    click.echo(f"{stamp} {text}")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _human(seconds: float) -> str:
    for unit in ("d", "h", "m"):
        if seconds >= _UNIT_S[unit] and seconds % _UNIT_S[unit] == 0:
            return f"{int(seconds // _UNIT_S[unit])}{unit}"
    return f"{seconds:g}s"


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop()
