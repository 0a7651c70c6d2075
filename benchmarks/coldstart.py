"""Cold start: wall time of `newsbot ask "…"` as a fresh process on an existing index.

Beside it, in the same run: `python -c "pass"` (the interpreter alone), `python -c "import
sentence_transformers"` (what a query path through torch pays before any work), `newsbot ask` through
sentence-transformers (no ONNX export cached, and a failed export noted, so it does not try one: what
every ask with a missing export cost before the first ask made it again), and the first `newsbot ask` with
an empty cache, which exports the model once (each run starts from an empty cache). It also lists what
`newsbot ask` imports at start (`python -X importtime`), heaviest first.

The index is built once (by the real builder and model, from the fictional demo corpus, unless `--index`
names one) and the ONNX export made once, before anything is timed. Each command runs `--repeat` times;
the median is the figure (the first run also pays for cold disk caches, which the OS keeps afterwards).
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

QUESTION = "How much will the Harbour Line tram cost?"
# The same index asked for no name, number or date: no tagger loads (bot/answering/naming.py), the baseline
# for what the short answer's tagger adds to a cold ask.
UNTYPED_QUESTION = "What did the council approve?"


@dataclass(frozen=True)
class Timing:
    label: str
    median_s: float
    min_s: float
    runs: int
    cpu_median_s: float  # user + system CPU of the command: steadier than wall time on a busy machine


def newsbot_command() -> list[str]:
    script = Path(sys.executable).with_name("newsbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def time_command(
    label: str,
    command: list[str],
    repeat: int,
    env: dict[str, str],
    before: Callable[[], None] = lambda: None,
) -> Timing:
    """Median and minimum wall time of `repeat` runs; `before` runs untimed ahead of each."""
    times = []
    cpu = []
    for _ in range(repeat):
        before()
        used = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - used)
        if done.returncode != 0:
            raise click.ClickException(f"{label} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return Timing(label, statistics.median(times), min(times), repeat, statistics.median(cpu))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def heavy_imports(command: list[str], env: dict[str, str], top: int = 12) -> list[tuple[str, float]]:
    """Top-level imports of `command` by cumulative seconds, from `python -X importtime`."""
    env = {**env, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|( *)(\S+)", line)
        if match and len(match.group(2)) <= 1:  # top level: no nesting indentation
            name = match.group(3).split(".")[0]
            totals[name] = totals.get(name, 0.0) + int(match.group(1)) / 1e6
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def prepare_index(index_dir: Path) -> None:
    """Build a demo index with the real model (the builder the CLI uses)."""
    from bot.settings import demo_corpus_dir
    from embeddings.build import build_index
    from embeddings.encoder import SentenceTransformerEncoder

    build_index([demo_corpus_dir()], index_dir, SentenceTransformerEncoder())


def prepare_onnx(cache_dir: Path) -> Path:
    """Export the model to ONNX where `newsbot` looks when NEWSBOT_CACHE_DIR=cache_dir (as a build does)."""
    from embeddings.onnx_encoder import ensure_onnx_model

    os.environ["NEWSBOT_CACHE_DIR"] = str(cache_dir)
    return ensure_onnx_model()


def failed_export_cache(cache_dir: Path, exported: Path) -> None:
    """A cache where the export is missing and noted as failed: `newsbot ask` then goes straight to
    sentence-transformers, as every ask with a missing export did before asks could make it."""
    from embeddings.onnx_encoder import failure_note_path

    onnx = cache_dir / "onnx"
    onnx.mkdir(parents=True)
    failure_note_path(onnx / exported.name).write_text("measuring the fallback\n", encoding="utf-8")


def emptied(cache_dir: Path) -> Callable[[], None]:
    def empty() -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)
        cache_dir.mkdir()

    return empty


@click.command()
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="An existing index (default: build one from the demo corpus in a temporary folder).",
)
@click.option("--question", default=QUESTION, show_default=True)
@click.option("--repeat", default=5, show_default=True)
@click.option(
    "--onnx-cache",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the ONNX export is cached (default: a temporary folder, exported afresh).",
)
def main(index_dir: Path | None, question: str, repeat: int, onnx_cache: Path | None) -> None:
    """Cold `newsbot ask` wall time beside `python -c pass` and `import sentence_transformers`."""
    with tempfile.TemporaryDirectory(prefix="newsbot-coldstart-") as scratch:
        if index_dir is None:
            index_dir = Path(scratch) / "index"
            click.echo(f"building the demo index in {index_dir} …")
            prepare_index(index_dir)
        cache = onnx_cache or Path(scratch) / "cache"
        exported = prepare_onnx(cache)
        click.echo(f"ONNX export: {exported}")
        fallback_cache = Path(scratch) / "failed-export-cache"
        failed_export_cache(fallback_cache, exported)
        empty_cache = Path(scratch) / "empty-cache"
        env = {**os.environ, "NEWSBOT_INDEX": str(index_dir), "NEWSBOT_CACHE_DIR": str(cache)}
        fallback_env = {**env, "NEWSBOT_CACHE_DIR": str(fallback_cache)}
        first_env = {**env, "NEWSBOT_CACHE_DIR": str(empty_cache)}
        python = sys.executable
        ask = [*newsbot_command(), "ask", question, "--index", str(index_dir)]
        timings = [
            time_command('python -c "pass"', [python, "-c", "pass"], repeat, env),
            time_command(
                'python -c "import sentence_transformers"',
                [python, "-c", "import sentence_transformers"],
                repeat,
                env,
            ),
            time_command(
                f'newsbot ask "{question}", no ONNX export cached (sentence-transformers)',
                ask,
                repeat,
                fallback_env,
            ),
            time_command(
                f'first newsbot ask "{question}" with an empty cache (exports the model once)',
                ask,
                repeat,
                first_env,
                before=emptied(empty_cache),
            ),
            time_command(
                "the short answer's tagger alone: spaCy imported and its pipeline loaded "
                "(bot/answering/entities.py)",
                [python, "-c", "from bot.answering.entities import pipeline; pipeline()"],
                repeat,
                env,
            ),
            time_command(
                f'newsbot ask "{UNTYPED_QUESTION}" (asks for no kind: no tagger)',
                [*newsbot_command(), "ask", UNTYPED_QUESTION, "--index", str(index_dir)],
                repeat,
                env,
            ),
            time_command(f'newsbot ask "{question}" as shipped (ONNX export cached)', ask, repeat, env),
        ]
        imports = heavy_imports(ask, env)
        fallback_imports = heavy_imports(ask, fallback_env)

    click.echo(
        f"\ncold start, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
        f"median of {repeat} (target ≤ 3 s):"
    )
    click.echo("| command | median s | min s | median CPU s |\n|---|---:|---:|---:|")
    for t in timings:
        click.echo(f"| {t.label} | {t.median_s:.2f} | {t.min_s:.2f} | {t.cpu_median_s:.2f} |")
    for title, listed in (("newsbot ask", imports), ("newsbot ask without the export", fallback_imports)):
        click.echo(f"\nheaviest imports of {title} (cumulative s, python -X importtime):")
        click.echo(", ".join(f"{name} {seconds:.2f}" for name, seconds in listed))
