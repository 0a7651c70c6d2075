"""Indexing: chunks per second end to end (read, clean, chunk, embed, write) through the real builder,
beside raw `SentenceTransformer.encode` of the very same chunk texts in the same process and run.

Corpus: real text dumps by path (`<eval-dir>/wcxb-dev-articles/txt`, the first `--limit` files), or any
folder given with `--corpus`; `--synthetic N` uses N fictional articles instead (no eval data needed).
The model is loaded and warmed before either is timed, so neither pays for loading it. The texts the
builder hands the encoder are recorded (title prefixes included) and are what the baseline encodes.
Peak memory is the process's peak resident set (`ru_maxrss`) before and after the build. Beside the
wall-clock ratio it prints the same ratio by CPU seconds (all threads), which a neighbour's load disturbs
far less.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from benchmarks.scale import DEFAULT_EVAL_DIR
from embeddings.encoder import Vectors


class RecordingEncoder:
    """Passes everything to `inner`, keeping the passage texts it was asked to encode."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.model_path = inner.model_path
        self.count_tokens = inner.count_tokens
        self.texts: list[str] = []

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> Vectors:
        self.texts.extend(texts)
        return self.inner.encode_passages(texts, batch_size=batch_size)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self.inner.encode_queries(texts)


def cpu_s() -> float:
    """CPU seconds of this process so far, all threads: on a shared machine far steadier than wall time,
    since a neighbour's load stretches the wall clock but not (much) the work done."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def corpus_paths(corpus: Path | None, eval_dir: Path, limit: int) -> list[Path]:
    folder = corpus or eval_dir / "wcxb-dev-articles" / "txt"
    if not folder.is_dir():
        raise click.ClickException(f"no corpus folder at {folder}; give --corpus, --eval-dir or --synthetic")
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return files[:limit] if limit else files


def run(
    encoder: Any, index_dir: Path, paths: list[Path] | None, articles: list[Any] | None, baseline_batch: int
) -> dict[str, float]:
    """Build once through the builder, then encode the recorded texts raw; return the figures."""
    from embeddings.build import build_index, build_index_from_articles

    encoder.encode_passages(["warm-up: the model loads and runs once before anything is timed"])
    recorder = RecordingEncoder(encoder)
    rss_before = peak_rss_mb()
    started, cpu_started = time.perf_counter(), cpu_s()
    if articles is not None:
        report = build_index_from_articles(articles, index_dir, recorder)
    else:
        report = build_index(paths or [], index_dir, recorder)
    build_s = time.perf_counter() - started
    build_cpu_s = cpu_s() - cpu_started
    rss_after = peak_rss_mb()

    texts = recorder.texts
    model = encoder._load() if hasattr(encoder, "_load") else None

    raw_cpu: list[float] = []

    def raw() -> float:
        started, cpu_started = time.perf_counter(), cpu_s()
        if model is not None:  # the library itself, as a user of sentence-transformers would call it
            model.encode(texts, batch_size=baseline_batch, normalize_embeddings=True, show_progress_bar=False)
        else:
            encoder.encode_passages(texts, batch_size=baseline_batch)
        raw_cpu.append(cpu_s() - cpu_started)
        return time.perf_counter() - started

    # The texts are known only after the build, so the raw encode runs twice after it and the two are
    # averaged: on a shared machine that evens out a neighbour's load coming or going.
    raw_runs = [raw(), raw()]
    raw_s = sum(raw_runs) / len(raw_runs)
    chunks = report.chunks_embedded
    return {
        "articles": report.articles_indexed,
        "chunks": chunks,
        "build_s": build_s,
        "embed_s": report.embed_s,
        "raw_s": raw_s,
        "build_cpu_s": build_cpu_s,
        "raw_cpu_s": sum(raw_cpu) / len(raw_cpu),
        "raw_spread": max(raw_runs) / min(raw_runs) if min(raw_runs) else 0.0,
        "chunks_per_s": chunks / build_s if build_s else 0.0,
        "raw_chunks_per_s": len(texts) / raw_s if raw_s else 0.0,
        "articles_per_s": report.articles_indexed / build_s if build_s else 0.0,
        "peak_rss_before_mb": rss_before,
        "peak_rss_after_mb": rss_after,
    }


@click.command()
@click.option("--eval-dir", type=click.Path(path_type=Path), default=DEFAULT_EVAL_DIR, show_default=True)
@click.option("--corpus", type=click.Path(path_type=Path), default=None, help="A folder of articles instead.")
@click.option("--limit", default=200, show_default=True, help="Files to index (0: all).")
@click.option("--synthetic", default=0, help="Index N fictional articles instead of files.")
@click.option(
    "--baseline-batch", default=32, show_default=True, help="Batch size of the raw encode (ST's default)."
)
def main(eval_dir: Path, corpus: Path | None, limit: int, synthetic: int, baseline_batch: int) -> None:
    """End-to-end indexing chunks/s beside raw SentenceTransformer.encode of the same texts."""
    from embeddings.encoder import SentenceTransformerEncoder

    paths: list[Path] | None = None
    articles = None
    if synthetic:
        from benchmarks.synthetic import TextMaker

        articles = TextMaker(3).articles(synthetic, words=400)
    else:
        paths = corpus_paths(corpus, eval_dir, limit)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="newsbot-indexing-") as scratch:
        figures = run(SentenceTransformerEncoder(), Path(scratch) / "index", paths, articles, baseline_batch)
    ratio = figures["chunks_per_s"] / figures["raw_chunks_per_s"] if figures["raw_chunks_per_s"] else 0.0
    source = f"{synthetic} fictional articles" if synthetic else f"{len(paths or [])} files"
    click.echo(
        f"indexing {source}, {os.cpu_count()} cores, load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after:"
    )
    click.echo("| what | figure |\n|---|---:|")
    click.echo(f"| articles indexed | {figures['articles']:,.0f} |")
    click.echo(f"| chunks embedded | {figures['chunks']:,.0f} |")
    click.echo(f"| end to end, chunks/s | {figures['chunks_per_s']:.1f} |")
    click.echo(f"| raw SentenceTransformer.encode, chunks/s | {figures['raw_chunks_per_s']:.1f} |")
    click.echo(f"| ratio (target ≥ 0.9) | {ratio:.2f} |")
    click.echo(f"| slower / faster of the two raw runs (load noise) | {figures['raw_spread']:.2f} |")
    cpu_ratio = figures["raw_cpu_s"] / figures["build_cpu_s"] if figures["build_cpu_s"] else 0.0
    click.echo(
        f"| CPU seconds, raw encode / whole build (the same ratio by work done, steadier under load) | "
        f"{figures['raw_cpu_s']:.0f} / {figures['build_cpu_s']:.0f} = {cpu_ratio:.2f} |"
    )
    click.echo(f"| articles/s | {figures['articles_per_s']:.2f} |")
    click.echo(
        f"| time in the encoder / whole build | {figures['embed_s']:.1f} s / {figures['build_s']:.1f} s |"
    )
    click.echo(
        f"| peak RSS before → after the build | {figures['peak_rss_before_mb']:.0f} → "
        f"{figures['peak_rss_after_mb']:.0f} MB |"
    )
