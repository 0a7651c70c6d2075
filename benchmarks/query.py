"""Warm query: p50 / p95 of `bot.answering.pipeline.answer()` on a 100k-chunk index, everything included
(query
encoding, dense and keyword search, fusion, diversification, sentence selection, citations).

The index is built by the real builder (`embeddings.build.build_index_from_articles`) from fictional
articles (`benchmarks.synthetic`): the text is pseudo-words with news-like (Zipf) frequencies, so FTS5
meets common and rare terms; the passage vectors come from the MiniLM-anchored mixture of
`benchmarks.scale` instead of the model (embedding 100k chunks would take an hour on 2 cores and does
not change query time). Questions are encoded by the real model: through the ONNX query encoder and
through sentence-transformers, each timed.

Baselines, same run, same questions: the raw query encode alone (onnxruntime; `SentenceTransformer.encode`),
one raw FAISS search of the index alone, and `Searcher.search` with every query word in the keyword query
(`common_share=1`, as before common words were left out) for the ratio on the same machine load.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import click
import numpy as np

from benchmarks.scale import DEFAULT_EVAL_DIR, REPO, Mixture, calibrate, gmm_anchors, minilm_anchors


@dataclass(frozen=True)
class Latency:
    label: str
    p50_ms: float
    p95_ms: float
    runs: int


def measure(label: str, call: Callable[[str], Any], questions: list[str], warmup: int = 10) -> Latency:
    for question in questions[:warmup]:
        call(question)
    times = []
    for question in questions:
        start = time.perf_counter()
        call(question)
        times.append((time.perf_counter() - start) * 1000)
    return Latency(label, float(np.percentile(times, 50)), float(np.percentile(times, 95)), len(times))


def build_synthetic_index(
    index_dir: Path, chunks: int, mixture: Mixture, seed: int = 0
) -> tuple[Any, list[Any]]:
    """A real index of about `chunks` chunks from fictional articles: (BuildReport or None when an
    existing one in `index_dir` is reused, the articles)."""
    from benchmarks.synthetic import MixtureEncoder, TextMaker
    from embeddings.build import build_index_from_articles

    maker = TextMaker(seed)
    # Pseudo-words split into several word pieces: ~600 words make about 10 chunks of ≤ 256 pieces.
    articles = maker.articles(max(1, chunks // 10))
    if (index_dir / "manifest.json").exists():  # built by an earlier run from the same seeded articles
        return None, articles
    report = build_index_from_articles(articles, index_dir, MixtureEncoder(mixture))
    return report, articles


def make_questions(articles: list[Any], count: int, seed: int = 1) -> list[str]:
    from benchmarks.synthetic import TextMaker

    maker = TextMaker(seed)
    rng = np.random.default_rng(seed)
    return [maker.question(articles[int(i)]) for i in rng.integers(0, len(articles), count)]


def load_encoder(name: str) -> Any:
    if name == "onnx":
        from embeddings.onnx_encoder import OnnxQueryEncoder, ensure_onnx_model

        ensure_onnx_model()
        return OnnxQueryEncoder.from_cache()
    from embeddings.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder()


def time_with(
    name: str, encoder: Any, index_dir: Path, questions: list[str], log: Callable[[str], Any] = print
) -> list[Latency]:
    """Raw encode, raw FAISS search, Searcher.search and answer(), with one query encoder."""
    from bot.answering.pipeline import answer
    from embeddings.search import Searcher, clean_query

    rows: list[Latency] = []

    def add(row: Latency) -> None:
        rows.append(row)
        log(f"  {row.label}: p50 {row.p50_ms:.1f} ms, p95 {row.p95_ms:.1f} ms")

    add(measure(f"raw query encode ({name})", lambda q: encoder.encode_queries([q]), questions))
    vectors = {q: encoder.encode_queries([q]) for q in questions}
    with Searcher.open(index_dir, encoder=encoder) as searcher:
        from embeddings.faiss_store import FaissVectorStore

        if not isinstance(searcher.vector_store, FaissVectorStore):
            raise click.ClickException(
                "the raw search baseline needs a FAISS index (NEWSBOT_VECTOR_STORE unset)"
            )
        raw = searcher.vector_store.index  # the bare FAISS index: no lock, candidates or re-scoring
        add(measure("raw FAISS search, k=10", lambda q: raw.search(vectors[q], 10), questions))
        every_word = dataclasses.replace(searcher.fusion, common_share=1.0)

        def search_every_word(question: str) -> Any:
            text = clean_query(question)
            return searcher.search_with_vector(text, searcher.encode_query(text), 8, fusion=every_word)

        add(measure(f"Searcher.search, k=8, every word kept ({name})", search_every_word, questions))
        add(measure(f"Searcher.search, k=8 ({name})", lambda q: searcher.search(q, k=8), questions))
        add(measure(f"answer(), k=8 ({name})", lambda q: answer(q, searcher, k=8), questions))
        # As `newsbot ask` asks (as of today; the synthetic archive runs to 2027, so today cuts its last
        # year), and as of a day mid-archive, where half the index is cut and recency decides more.
        today = date.today()
        add(
            measure(
                f"answer(), k=8, as of {today} ({name})",
                lambda q: answer(q, searcher, as_of=today),
                questions,
            )
        )
        first, last = searcher.store.published_range()
        middle = (first + (last - first) / 2).date() if first and last else today
        add(
            measure(
                f"answer(), k=8, as of {middle} ({name})",
                lambda q: answer(q, searcher, as_of=middle),
                questions,
            )
        )
    return rows


def run(
    index_dir: Path, questions: list[str], encoders: list[str], log: Callable[[str], Any] = print
) -> list[Latency]:
    import faiss

    faiss.omp_set_num_threads(1)  # one query at a time: see benchmarks/scale.py
    rows: list[Latency] = []
    for name in encoders:
        rows.extend(time_with(name, load_encoder(name), index_dir, questions, log))
    return rows


@click.command()
@click.option("--chunks", default=100_000, show_default=True, help="Index size in chunks (about).")
@click.option("--questions", "n_questions", default=300, show_default=True)
@click.option("--encoders", default="onnx,sentence-transformers", show_default=True)
@click.option(
    "--data", "data_kind", type=click.Choice(["minilm", "gmm"]), default="minilm", show_default=True
)
@click.option("--eval-dir", type=click.Path(path_type=Path), default=DEFAULT_EVAL_DIR, show_default=True)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Reuse (or keep) the synthetic index here instead of a temporary folder.",
)
def main(
    chunks: int, n_questions: int, encoders: str, data_kind: str, eval_dir: Path, index_dir: Path | None
) -> None:
    """p50/p95 of answer() on a large synthetic index, beside raw encode and raw FAISS search."""
    anchors = (
        minilm_anchors(eval_dir, REPO / "bench-out" / "scale") if data_kind == "minilm" else gmm_anchors()
    )
    mixture = Mixture(anchors, calibrate(anchors)[0])
    with tempfile.TemporaryDirectory(prefix="newsbot-query-") as scratch:
        target = index_dir or Path(scratch) / "index"
        started = time.perf_counter()
        report, articles = build_synthetic_index(target, chunks, mixture)
        if report is None:
            click.echo(f"index: reusing {target} ({len(articles):,} fictional articles)")
        else:
            click.echo(
                f"index: {report.chunks_total:,} chunks from {report.articles_indexed:,} fictional articles, "
                f"kind {report.index_kind}, built in {time.perf_counter() - started:.0f}s"
            )
        questions = make_questions(articles, n_questions)
        rows = run(target, questions, [e.strip() for e in encoders.split(",") if e.strip()], click.echo)
    click.echo(
        f"\nwarm query, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
        f"{n_questions} questions (target answer() p50 ≤ 50 ms, p95 ≤ 150 ms):"
    )
    click.echo("| what | p50 ms | p95 ms |\n|---|---:|---:|")
    for row in rows:
        click.echo(f"| {row.label} | {row.p50_ms:.1f} | {row.p95_ms:.1f} |")
