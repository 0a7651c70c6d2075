"""Distributed embedding: chunks/s of a build embedded on Ray workers (`embeddings.distributed`) beside the
single-process build, same run, same chunk texts; Ray's start-up cost; and what 10M chunks would take.

Corpus: real text dumps by path (`<eval-dir>/wcxb-dev-articles/txt`, the first `--limit` files, as the
`indexing` benchmark reads them), or `--synthetic N` fictional articles. The files are read once; every
run then builds an index from the same articles through the real builder, so every run embeds exactly the
same chunk texts. Configurations are `PxT` (P processes × T torch threads): `1x2` is the single-process
build with two torch threads (the baseline); `2x1` is two Ray workers of one thread each. Runs are
interleaved round by round (the order reversed every other round), since the machine is shared.

Per run: the embed step's chunks/s (Ray start-up included), and for Ray runs the time to join or start
the cluster, the time until the first block came back (workers started, model loaded, one block encoded),
the steady rate after it and the overhead beyond the chunks' time at that rate. Each Ray run's vectors
are compared with the baseline's (minimum cosine over all chunks).

The 10M estimate scales the median steady per-worker rate linearly with workers (one CPU each), which
assumes cores as fast as these and no shared bottleneck: the driver only hands out texts and collects
vectors (~1.5 KB a chunk).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import numpy as np

from benchmarks.indexing import corpus_paths, cpu_s
from benchmarks.scale import DEFAULT_EVAL_DIR

TEN_MILLION = 10_000_000


@dataclass(frozen=True)
class Config:
    processes: int
    threads: int

    @property
    def label(self) -> str:
        return f"{self.processes}x{self.threads}"

    @property
    def ray(self) -> bool:
        return self.processes > 1


@dataclass(frozen=True)
class RunFigures:
    config: str
    round: int
    chunks: int
    embed_s: float  # the builder's embed step, Ray start-up included
    build_s: float
    load_before: float
    encode_cpu_s: float  # CPU seconds spent encoding, all threads (in the workers for Ray runs)
    connect_s: float | None = None
    first_block_s: float | None = None
    steady_chunks_per_s: float | None = None
    overhead_s: float | None = None
    min_cosine: float | None = None

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.embed_s if self.embed_s else 0.0

    @property
    def cpu_ms_per_chunk(self) -> float:
        return 1000 * self.encode_cpu_s / self.chunks if self.chunks else 0.0


class CpuTimedEncoder:
    """Passes everything to `inner`, adding up this process's CPU seconds spent in `encode_passages`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.model_path = inner.model_path
        self.count_tokens = inner.count_tokens
        self.cpu_s = 0.0

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> Any:
        started = cpu_s()
        try:
            return self.inner.encode_passages(texts, batch_size=batch_size)
        finally:
            self.cpu_s += cpu_s() - started

    def encode_queries(self, texts: list[str]) -> Any:
        return self.inner.encode_queries(texts)


def parse_configs(text: str) -> list[Config]:
    """`1x2,2x1` into configurations; the first must be the single-process baseline."""
    configs = []
    for part in text.split(","):
        processes, _, threads = part.strip().partition("x")
        if not (processes.isdigit() and threads.isdigit()) or int(processes) < 1 or int(threads) < 1:
            raise click.BadParameter(f"{part!r} is not PxT, e.g. 2x1")
        configs.append(Config(int(processes), int(threads)))
    if not configs or configs[0].processes != 1:
        raise click.BadParameter("the first configuration must be the single-process baseline, e.g. 1x2")
    return configs


def read_vectors(index_dir: Path) -> np.ndarray:
    from embeddings.manifest import VECTORS_NAME, generation_dir, read_manifest

    return np.load(generation_dir(index_dir, read_manifest(index_dir)) / VECTORS_NAME)


def run_one(
    config: Config, round_: int, articles: list[Any], scratch: Path, encoder: Any, object_store_mb: int
) -> tuple[RunFigures, np.ndarray]:
    """One build of `articles` in `config`; its figures and vectors."""
    import torch

    from embeddings.build import build_index_from_articles
    from embeddings.distributed import WorkerPoolEncoder

    index_dir = scratch / f"{config.label}-{round_}"
    load = os.getloadavg()[0]
    if not config.ray:
        torch.set_num_threads(config.threads)
        timed = CpuTimedEncoder(encoder)
        started = time.perf_counter()
        report = build_index_from_articles(articles, index_dir, timed)
        figures = RunFigures(
            config.label,
            round_,
            report.chunks_embedded,
            report.embed_s,
            time.perf_counter() - started,
            load,
            timed.cpu_s,
        )
    else:
        pool = WorkerPoolEncoder(
            encoder,
            config.processes,
            threads_per_worker=config.threads,
            object_store_mb=object_store_mb,
            min_chunks=0,
        )
        started = time.perf_counter()
        report = build_index_from_articles(articles, index_dir, pool)
        run = pool.last_run
        if run is None:
            raise RuntimeError("the pool did not run")
        figures = RunFigures(
            config.label,
            round_,
            report.chunks_embedded,
            report.embed_s,
            time.perf_counter() - started,
            load,
            run.worker_cpu_s,
            connect_s=run.connect_s,
            first_block_s=run.first_block_s,
            steady_chunks_per_s=run.steady_chunks_per_s,
            overhead_s=run.overhead_s,
        )
    return figures, read_vectors(index_dir)


def estimate_hours(
    chunks: int, per_worker_chunks_per_s: float, workers: int, overhead_s: float = 0.0
) -> float:
    """Hours to embed `chunks` on `workers` workers at a steady per-worker rate, plus a start-up cost."""
    if per_worker_chunks_per_s <= 0 or workers < 1:
        raise ValueError("the rate and the number of workers must be positive")
    return (chunks / (per_worker_chunks_per_s * workers) + overhead_s) / 3600


def summary_lines(runs: list[RunFigures], baseline: str) -> list[str]:
    """Medians per configuration and the 10M-chunk estimate, as markdown.

    Two views: the wall clock as measured (a busy machine slows it), and CPU time, which a neighbour's
    load disturbs far less: a one-thread worker on a core of its own encodes 1000 / (CPU ms a chunk)
    chunks a second. The 10M estimate uses the latter for the first Ray configuration, and the median
    start-up overhead measured here once per run."""
    lines = [
        "| configuration | runs | embed step chunks/s, wall (median) | ÷ baseline | steady chunks/s, wall "
        "| CPU ms a chunk | chunks/s on idle cores (by CPU time) | Ray start-up: connect / first block / "
        "overhead s | min cosine vs baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    by_config: dict[str, list[RunFigures]] = {}
    for run in runs:
        by_config.setdefault(run.config, []).append(run)
    cores = os.cpu_count() or 1
    base_rate = statistics.median(r.chunks_per_s for r in by_config[baseline])
    estimate: tuple[str, float, float] | None = None  # configuration, per-worker chunks/s, overhead s
    for label, group in by_config.items():
        processes, threads = (int(part) for part in label.split("x"))
        rate = statistics.median(r.chunks_per_s for r in group)
        cpu_ms = statistics.median(r.cpu_ms_per_chunk for r in group)
        # CPU time spread over the cores the configuration can use at once.
        idle_rate = min(processes * threads, cores) * 1000 / cpu_ms if cpu_ms else 0.0
        if group[0].steady_chunks_per_s is None:
            steady, start, cosine = "—", "—", "(baseline)"
        else:
            steady = f"{statistics.median(r.steady_chunks_per_s or 0.0 for r in group):.1f}"
            overhead = statistics.median(r.overhead_s or 0.0 for r in group)
            start = (
                f"{statistics.median(r.connect_s or 0.0 for r in group):.1f} / "
                f"{statistics.median(r.first_block_s or 0.0 for r in group):.1f} / {overhead:.1f}"
            )
            cosine = f"{min(r.min_cosine or 0.0 for r in group):.5f}"
            if estimate is None and threads == 1 and cpu_ms:
                estimate = (label, 1000 / cpu_ms, overhead)
        lines.append(
            f"| {label} | {len(group)} | {rate:.1f} | {rate / base_rate:.2f} | {steady} | {cpu_ms:.1f} | "
            f"{idle_rate:.1f} | {start} | {cosine} |"
        )
    lines.append("")
    base_cpu_ms = statistics.median(r.cpu_ms_per_chunk for r in by_config[baseline])
    base_idle = min(int(baseline.split("x")[1]), cores) * 1000 / base_cpu_ms if base_cpu_ms else 0.0
    lines += [
        f"10M chunks ({cores} cores here; rates by CPU time, i.e. on idle cores; linear in workers):",
        "",
        "| where | workers | chunks/s | hours |",
        "|---|---:|---:|---:|",
        f"| this machine, one process ({baseline}) | 1 | {base_idle:.1f} | "
        f"{estimate_hours(TEN_MILLION, base_idle, 1):.0f} |",
    ]
    if estimate is None:
        lines.append("| (no one-thread Ray configuration was run) | | | |")
        return lines
    label, per_worker, overhead = estimate
    for machines, machine_cores in ((1, cores), (10, cores), (10, 16), (50, 16)):
        workers = machines * machine_cores
        where = "this machine" if machines == 1 else f"{machines} machines × {machine_cores} cores"
        lines.append(
            f"| {where}, Ray {label}, a worker a core | {workers} | {per_worker * workers:.1f} | "
            f"{estimate_hours(TEN_MILLION, per_worker, workers, overhead):.1f} |"
        )
    return lines


@click.command()
@click.option("--eval-dir", type=click.Path(path_type=Path), default=DEFAULT_EVAL_DIR, show_default=True)
@click.option("--corpus", type=click.Path(path_type=Path), default=None, help="A folder of articles instead.")
@click.option("--limit", default=200, show_default=True, help="Files to index (0: all).")
@click.option("--synthetic", default=0, help="Index N fictional articles instead of files.")
@click.option("--configs", default="1x2,2x1", show_default=True, help="PxT: processes × torch threads each.")
@click.option("--rounds", default=2, show_default=True, help="Runs of each configuration, interleaved.")
@click.option(
    "--object-store-mb", default=256, show_default=True, help="The local Ray cluster's object store."
)
@click.option(
    "--block",
    default=0,
    help="Texts per block (0: the builder's EMBED_BLOCK); smaller gives a steady rate from fewer chunks.",
)
def main(
    eval_dir: Path,
    corpus: Path | None,
    limit: int,
    synthetic: int,
    configs: str,
    rounds: int,
    object_store_mb: int,
    block: int,
) -> None:
    """Embedding on Ray workers beside the single-process build: chunks/s, start-up, 10M estimate."""
    import embeddings.build
    from embeddings.distributed import require_ray
    from embeddings.encoder import SentenceTransformerEncoder

    chosen = parse_configs(configs)
    if any(c.ray for c in chosen):
        require_ray()
    if synthetic:
        from benchmarks.synthetic import TextMaker

        articles = list(TextMaker(3).articles(synthetic, words=400))
        source = f"{synthetic} fictional articles"
    else:
        from corpus.read import read_paths

        paths = corpus_paths(corpus, eval_dir, limit)
        articles = list(read_paths(paths).articles)
        source = f"{len(paths)} files ({len(articles)} articles)"
    if block:
        embeddings.build.EMBED_BLOCK = block  # both kinds of run cut the same blocks
    encoder = SentenceTransformerEncoder()
    encoder.encode_passages(["warm-up: the model loads and runs once before anything is timed"])
    click.echo(
        f"distributed embedding, {source}, blocks of {embeddings.build.EMBED_BLOCK}, "
        f"{os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} at start"
    )
    runs: list[RunFigures] = []
    baseline_vectors: np.ndarray | None = None
    ray_vectors: dict[int, np.ndarray] = {}  # position in `runs` -> that run's vectors
    with tempfile.TemporaryDirectory(prefix="newsbot-distributed-") as scratch:
        for round_ in range(1, rounds + 1):
            for config in chosen if round_ % 2 else list(reversed(chosen)):
                figures, vectors = run_one(config, round_, articles, Path(scratch), encoder, object_store_mb)
                if config.ray:
                    ray_vectors[len(runs)] = vectors
                elif baseline_vectors is None:
                    baseline_vectors = vectors
                runs.append(figures)
                click.echo(
                    f"  round {round_} {config.label}: {figures.chunks_per_s:.1f} chunks/s ({figures.chunks} "
                    f"chunks, embed {figures.embed_s:.1f} s, load {figures.load_before:.1f})",
                    err=True,
                )
    if baseline_vectors is not None:  # rows are the same chunks in every build (same articles, same order)
        for position, vectors in ray_vectors.items():
            cosine = float((vectors * baseline_vectors).sum(axis=1).min())
            runs[position] = replace(runs[position], min_cosine=cosine)
    click.echo(f"load average at the end {os.getloadavg()[0]:.1f}")
    click.echo("")
    click.echo(
        "| round | configuration | chunks | embed s | chunks/s | load before | connect s | first block s "
        "| steady chunks/s | overhead s | encode CPU s |"
    )
    click.echo("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        click.echo(
            f"| {run.round} | {run.config} | {run.chunks:,} | {run.embed_s:.1f} | {run.chunks_per_s:.1f} | "
            f"{run.load_before:.1f} | {_opt(run.connect_s)} | {_opt(run.first_block_s)} | "
            f"{_opt(run.steady_chunks_per_s)} | {_opt(run.overhead_s)} | {run.encode_cpu_s:.1f} |"
        )
    click.echo("")
    for line in summary_lines(runs, chosen[0].label):
        click.echo(line)


def _opt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
