"""`python -m benchmarks llm`: the generative reader (bot/answering/readers/llm.py, `--reader llm`) on real
news questions, beside the extractive answer of the same run. Needs an OpenAI-compatible server: the one at
NEWSBOT_LLM_URL (or --url), else llama-cpp-python's, started here on a free loopback port with the
packaged Gemma 3 270M (the llm-test extra, in dev) and stopped afterwards.

RealTimeQA 2020 (`shared/eval/rtqa-2020`, read in place), a sample spread evenly over its 398 questions,
indexed with the real encoder and asked through `bot.answering.pipeline.compose` (k=8, no abstention, so the
reader sees every question); each extractive answer then goes through `LLMReader.run`. Per question: whether
the extractive sentences and the answer newsbot shows with the reader hold the right option (every word of
it and not all the words of a wrong one, as benchmarks/reader.py judges); what the model's raw reply
got wrong (sentences without a marker, markers naming no shown passage); the broken `[n]` left after
checking (counted, not assumed: a marker naming no listed source, or a sentence without one); why the
extractive answer stood when it did; and the seconds the reader adds.

Not measured: fluency, or whether a kept sentence that holds its passage's words says what the passage
says (the checker's known gap, bot/answering/readers/llm.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from benchmarks.answer_eval import revision, run_record
from benchmarks.news import RTQA_DIR, load_rtqa
from benchmarks.reader import _p, _rate, rtqa_judge
from benchmarks.retrieval import EvalSet, Question, build_and_open, eval_dir_option

if TYPE_CHECKING:
    from bot.models import Answer

RESULTS = Path(__file__).resolve().parent / "results" / "llm.md"
MARKER = "<!-- figures: written by `python -m benchmarks llm --write` -->"
SERVER_START_S = 300


@dataclass
class Tally:
    questions: int = 0
    extractive_right: int = 0
    shown_right: int = 0  # the answer shown with the reader (written, else extractive)
    written: int = 0  # questions where the written answer is shown
    written_right: int = 0
    extractive_right_where_written: int = 0
    raw_sentences: int = 0
    raw_uncited: int = 0
    raw_unknown: int = 0  # markers naming no shown passage, or malformed, in the raw replies
    raw_not_grounded: int = 0
    kept_sentences: int = 0
    broken_after: int = 0
    fallbacks: Counter[str] = field(default_factory=Counter)
    llm_s: list[float] = field(default_factory=list)
    compose_s: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def broken_after_check(answer: Answer) -> int:
    """`[n]` in the answer that name no listed source, and sentences without a marker of their own."""
    listed = {c.n for c in answer.citations}
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    unlisted = sum(1 for n in markers if n not in listed)
    bare = sum(1 for s in answer.sentences if s.n not in listed or re.search(r"\[\d+\]", s.text))
    return unlisted + bare


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def local_server(log: Path, threads: int, start_timeout: float = SERVER_START_S) -> Iterator[str]:
    """`python -m llama_cpp.server` with the packaged Gemma on a free loopback port; its URL. Stopped on
    leaving; a server that exits or is not up within `start_timeout` s is a ClickException naming `log`
    (the end-to-end tests use it too)."""
    import httpx

    from bot.answering.readers.base import gemma_model_path

    port = _free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gemma_model_path()), "--host", "127.0.0.1",
        "--port", str(port), "--chat_format", "gemma", "--n_ctx", "2048", "--n_threads", str(threads),
    ]  # fmt: skip
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if server.poll() is not None:
                raise click.ClickException(f"llama_cpp.server exited {server.returncode}: see {log}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/v1/models", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise click.ClickException(f"llama_cpp.server not up in {start_timeout:g} s: see {log}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def render(t: Tally, run: dict[str, str]) -> str:
    fallbacks = ", ".join(f"{why} {n}" for why, n in t.fallbacks.most_common()) or "none"
    lines = [
        MARKER,
        "",
        f"Run: `{run['command']}`, {run['date']}, {run['revision'] or 'no git'}, {run['machine']}; "
        f"load average {run['load_before']} before, {run['load_after']} after (a shared machine); "
        f"{run['seconds']} s in all.",
        "",
        f"Endpoint: {run['server']}. Questions: {t.questions} of rtqa-2020's 398, spread evenly; k=8, no "
        "abstention, so the reader sees every question.",
        "",
        "| | questions | holds the right option |",
        "|---|---|---|",
        f"| extractive (no reader), same run | {t.questions} | {_rate(t.extractive_right, t.questions)} |",
        f"| with `--reader llm` (written, else extractive) | {t.questions} | "
        f"{_rate(t.shown_right, t.questions)} |",
        f"| where the written answer is shown: extractive | {t.written} | "
        f"{_rate(t.extractive_right_where_written, t.written)} |",
        f"| where the written answer is shown: written | {t.written} | {_rate(t.written_right, t.written)} |",
        "",
        f"- Written answer shown: {_rate(t.written, t.questions)}; extractive answer kept: "
        f"{_rate(t.questions - t.written, t.questions)} ({fallbacks}).",
        f"- Raw replies: {t.raw_sentences} sentences, {t.raw_uncited} without a marker, "
        f"{t.raw_not_grounded} not held by the passage they cite, {t.raw_unknown} markers naming no shown "
        f"passage (or malformed).",
        f"- After checking: {t.kept_sentences} sentences kept, **{t.broken_after} broken `[n]`** in the "
        f"{t.questions} answers shown.",
        f"- Reader adds {_p(t.llm_s, 0.5):.2f} s p50, {_p(t.llm_s, 0.95):.2f} s p95, "
        f"{max(t.llm_s, default=0.0):.2f} s max per answer (composition alone: "
        f"{_p(t.compose_s, 0.5) * 1000:.1f} ms p50).",
        "",
        "Examples (question; written answer; extractive answer):",
        "",
    ]
    lines += [f"- {e}" for e in t.examples] or ["- none"]
    lines += ["", "Replies the checker refused (question; raw reply; why):", ""]
    lines += [f"- {e}" for e in t.refused] or ["- none"]
    return "\n".join(lines) + "\n"


@click.command()
@eval_dir_option("The shared evaluation folder (holds rtqa-2020/).")
@click.option("--questions", "sample", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--k", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--url", envvar="NEWSBOT_LLM_URL", help="An OpenAI-compatible server; else a local Gemma.")
@click.option("--threads", type=click.IntRange(min=1), default=2, show_default=True, help="Local server.")
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the index here: later runs update it instead of re-embedding.",
)
@click.option("--write", is_flag=True, help="Replace the figures in benchmarks/results/llm.md.")
def main(
    eval_dir: Path, sample: int, k: int, url: str | None, threads: int, index_dir: Path | None, write: bool
) -> None:
    """The generative reader's checked answers beside the extractive ones, and the time it adds."""
    from bot.answering.pipeline import compose
    from bot.answering.readers.llm import ChatClient, LLMReader, LLMSettings
    from bot.answering.retrieve import clean_question
    from embeddings.encoder import SentenceTransformerEncoder

    try:
        articles, questions = load_rtqa(eval_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(f"no news set under {eval_dir / RTQA_DIR}: use --eval-dir") from exc

    def log(message: str) -> None:
        click.echo(message, err=True)

    code = revision()
    load_before = os.getloadavg()
    started = time.perf_counter()
    step = max(1, len(questions) // sample)
    chosen = questions[::step][:sample]
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="newsbot-llm-") as temp, contextlib.ExitStack() as stack:
        if url:
            server = "NEWSBOT_LLM_URL / --url"
        else:
            from importlib.metadata import version

            url = stack.enter_context(local_server(Path(temp) / "server.log", threads))
            server = (
                f"llama-cpp-python {version('llama-cpp-python')} server, Gemma 3 270M (base, GGUF Q4_K_M), "
                f"--chat_format gemma, {threads} threads, CPU, greedy"
            )
        reader = LLMReader(ChatClient(LLMSettings(url=url, timeout_s=300)))
        eval_set = EvalSet("rtqa-2020", tuple(articles), tuple(Question(q.text, q.gold) for q in chosen))
        root = index_dir or Path(temp)
        searcher, _ = build_and_open(
            eval_set, root / "rtqa", SentenceTransformerEncoder(), log, index_dir is not None
        )
        try:
            for number, question in enumerate(chosen, 1):
                right = rtqa_judge(question)
                text = clean_question(question.text)
                hits = searcher.search(text, k=k)
                began = time.perf_counter()
                extractive = compose(text, hits, threshold=0.0)
                tally.compose_s.append(time.perf_counter() - began)
                began = time.perf_counter()
                outcome = reader.run(extractive)
                tally.llm_s.append(time.perf_counter() - began)
                shown = outcome.answer
                tally.questions += 1
                said_before = right(" ".join(s.text for s in extractive.sentences))
                said_after = right(" ".join(s.text for s in shown.sentences))
                tally.extractive_right += said_before
                tally.shown_right += said_after
                if outcome.fallback is None:
                    tally.written += 1
                    tally.written_right += said_after
                    tally.extractive_right_where_written += said_before
                    if len(tally.examples) < 8:
                        tally.examples.append(f"{question.text!r}; {shown.text!r}; {extractive.text[:160]!r}")
                else:
                    tally.fallbacks[outcome.fallback] += 1
                    if outcome.reply is not None and len(tally.refused) < 6:
                        reply = " ".join(outcome.reply.split())[:200]
                        tally.refused.append(f"{question.text!r}; {reply!r}; {outcome.fallback}")
                if outcome.checked is not None:
                    checked = outcome.checked
                    reasons = Counter(d.reason for d in checked.dropped)
                    tally.raw_sentences += len(checked.kept) + len(checked.dropped)
                    tally.raw_uncited += reasons["uncited"]
                    tally.raw_not_grounded += reasons["not grounded"]
                    tally.raw_unknown += checked.broken_markers
                    tally.kept_sentences += len(checked.kept) if outcome.fallback is None else 0
                tally.broken_after += broken_after_check(shown)
                if number % 10 == 0:
                    log(f"{number}/{len(chosen)}: reader p50 {_p(tally.llm_s, 0.5):.1f} s")
        finally:
            searcher.close()
            reader.close()
    args = ["python -m benchmarks llm"]
    if sample != 50:
        args.append(f"--questions {sample}")
    if k != 8:
        args.append(f"--k {k}")
    run = {
        **run_record(" ".join(args), code, load_before, started),
        "server": server,
    }
    text = render(tally, run)
    click.echo(text)
    if write:
        head = RESULTS.read_text(encoding="utf-8").split(MARKER)[0] if RESULTS.is_file() else ""
        RESULTS.write_text(head + text, encoding="utf-8")
        click.echo(f"written to {RESULTS}")
