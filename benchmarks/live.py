"""Serving across updates: how soon a running `newsbot ask --json` stream answers from an update, and what
a second open generation costs in memory.

Switch: the demo corpus is indexed by `newsbot index build`, a `newsbot ask --json` stream is started on
it, then each round adds one invented article to the sources and runs `newsbot index update` (a process
of its own, as a cron job or `index watch` would); the moment it exits, the stream is asked about the new
article again and again until an answer cites it. The figure is the seconds from the update's exit to
that answer; every answer on the way is checked for an error. Baseline, same run: a fresh `newsbot ask`
process answering the same question (what restarting the bot after each update costs before its first
answer).

Memory: an index of `--articles` invented articles (the hashing encoder: the figure is about the index's
files, not the model's quality) is opened by a `LiveSearcher` and queried; an update is published while a
question holds the first generation, the second is opened and queried too, then the question ends and the
first is closed. Resident set size (VmRSS) at each step; baseline, same run: the process before any index
is opened, and with one generation open.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from benchmarks.answer_eval import machine, revision, run_record
from benchmarks.coldstart import newsbot_command

if TYPE_CHECKING:
    from corpus.models import Article

REPO = Path(__file__).resolve().parents[1]

QUESTIONS = [  # (title, text, question, word the answer must hold); all invented
    (
        "Exampleton zoo welcomes a baby tapir named Quillon",
        "A baby tapir was born at the Exampleton zoo on Sunday. Keepers named her Quillon.",
        "What was the baby tapir at the Exampleton zoo named?",
        "Quillon",
    ),
    (
        "Exampleton observatory installs a 1.8 metre telescope",
        "The Exampleton hill observatory installed a telescope with a mirror of 1.8 metres on Thursday.",
        "How big is the mirror of the new Exampleton telescope?",
        "1.8",
    ),
    (
        "Exampleton choir wins the Vellmar cup",
        "The Exampleton harbour choir won the Vellmar cup on Saturday with a song about herring boats.",
        "Which cup did the Exampleton harbour choir win?",
        "Vellmar",
    ),
    (
        "Exampleton opens a lending library for tools",
        "A lending library for tools opened on Mill Lane in Exampleton, with 340 drills and saws to borrow.",
        "How many tools can be borrowed at the Exampleton tool library?",
        "340",
    ),
]


TOPICS = ("harbour", "ferry", "council", "tram", "library", "bridge", "festival", "market", "river", "school")


def rss_mb(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or 'self'}/status").read_text(encoding="ascii")
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kb / 1024


def write_article(folder: Path, n: int, title: str, text: str) -> None:
    url = f"https://gazette.example/live/{n}"
    record = {"title": title, "text": text, "url": url, "published": "2024-06-01"}
    (folder / f"live-{n}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")


def cites(result: dict[str, Any], n: int) -> bool:
    return any(c["url"] == f"https://gazette.example/live/{n}" for c in result.get("citations", []))


class AskStream:
    """`newsbot ask --json` (`command`) reading questions from a pipe, as a service feeding it would; each
    answer awaited up to `timeout` seconds. tests/bot/test_live_serving.py drives one too."""

    def __init__(
        self, command: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = 300.0
    ) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.timeout = timeout
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def ask(self, question: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(question + "\n")
        self.process.stdin.flush()
        result: dict[str, Any] = json.loads(self.lines.get(timeout=self.timeout))
        return result

    def close(self) -> tuple[int, str]:
        """Close its input; its exit code and everything it wrote to stderr."""
        assert self.process.stdin is not None and self.process.stderr is not None
        self.process.stdin.close()
        code = self.process.wait(timeout=60)
        return code, self.process.stderr.read()


def measure_switch(scratch: Path, rounds: int) -> dict[str, Any]:
    from bot.settings import demo_corpus_dir

    sources = scratch / "sources"
    shutil.copytree(demo_corpus_dir(), sources)
    index_dir = scratch / "index"
    env = {**os.environ, "NEWSBOT_CACHE_DIR": str(scratch / "cache")}
    newsbot = newsbot_command()
    subprocess.run(
        [*newsbot, "index", "build", str(sources), "--index", str(index_dir)],
        env=env,
        check=True,
        capture_output=True,
    )
    stream = AskStream([*newsbot, "ask", "--json", "--index", str(index_dir)], env)
    latencies: list[float] = []  # idle stream: the first question comes after the update ended
    busy_s: list[float] = []  # busy stream: it last looked for a new generation under a second ago
    from_publish: list[float] = []  # from the manifest's replacement (before the update process exits)
    updates: list[float] = []
    asked = errors = 0
    restart: list[float] = []
    try:
        stream.ask("When does the new tram line open?")  # loaded and warm, as a running bot is
        for n in range(rounds):
            title, text, question, word = QUESTIONS[n % len(QUESTIONS)]
            write_article(sources, n, title, text)
            busy = n % 2 == 1  # odd rounds: questions keep coming while the update runs (a busy bot)
            began = time.perf_counter()
            update = subprocess.Popen(
                [*newsbot, "index", "update", str(sources), "--index", str(index_dir)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            first_cited: float | None = None  # seconds after the manifest's replacement
            while update.poll() is None:
                if busy:
                    result = stream.ask(question)
                    errors += "error" in result
                    asked += 1
                    if first_cited is None and cites(result, n):
                        first_cited = time.time() - (index_dir / "manifest.json").stat().st_mtime
                else:
                    time.sleep(0.02)
            if update.returncode != 0:
                raise click.ClickException(f"round {n}: index update failed ({update.returncode})")
            ended = time.perf_counter()
            published = time.time() - (index_dir / "manifest.json").stat().st_mtime  # seconds ago
            updates.append(ended - began)
            while True:
                result = stream.ask(question)
                asked += 1
                errors += "error" in result
                if cites(result, n):
                    assert word in result["answer"], result["answer"]
                    (busy_s if busy else latencies).append(time.perf_counter() - ended)
                    if first_cited is None:
                        first_cited = time.perf_counter() - ended + published
                    from_publish.append(first_cited)
                    break
                if time.perf_counter() - ended > 60:
                    raise click.ClickException(f"round {n}: the stream never answered from the update")
            began = time.perf_counter()
            subprocess.run(
                [*newsbot, "ask", question, "--index", str(index_dir)],
                env=env,
                check=True,
                capture_output=True,
            )
            restart.append(time.perf_counter() - began)
    finally:
        _, stderr = stream.close()
    return {
        "rounds": rounds,
        "switch_s": latencies,
        "busy_switch_s": busy_s,
        "from_publish_s": from_publish,
        "update_s": updates,
        "restart_s": restart,
        "questions": asked,
        "errors": errors + stderr.count("Error"),
    }


def invent(i: int) -> Article:
    """An invented article of 24 sentences (about three chunks)."""
    from corpus.ids import article_id
    from corpus.models import Article

    text = " ".join(
        f"In week {i % 52} the Exampleton {TOPICS[(i + k) % len(TOPICS)]} report number {i}-{k} noted "
        f"{(i * 7 + k) % 1000} items and {TOPICS[(i * 3 + k) % len(TOPICS)]} plans."
        for k in range(24)
    )
    url = f"https://gazette.example/memory/{i}"
    return Article(
        id=article_id(url=url, text=text),
        source=url,
        text=text,
        title=f"Report {i}",
        publisher="The Gazette of Exampleton",
        published=datetime(2024, 1, 1 + i % 28),
        url=url,
    )


def write_memory_index(index_dir: str, articles: int, extra: int) -> None:
    """Build or update the memory index to `articles` + `extra` invented articles (run in a child process,
    so that what the builder allocates is not counted in the searcher's figures)."""
    from embeddings.build import update_index_from_articles
    from embeddings.encoder import HashingEncoder

    corpus = [invent(i) for i in range(articles + extra)]
    update_index_from_articles(corpus, Path(index_dir), HashingEncoder())


def _write_in_child(index_dir: Path, articles: int, extra: int) -> None:
    call = f"write_memory_index({str(index_dir)!r}, {articles}, {extra})"
    code = f"from benchmarks.live import write_memory_index; {call}"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def measure_memory(scratch: Path, articles: int) -> dict[str, float]:
    from embeddings.encoder import HashingEncoder
    from embeddings.live import LiveSearcher
    from embeddings.search import Searcher

    encoder = HashingEncoder()
    index_dir = scratch / "memory-index"
    _write_in_child(index_dir, articles, 0)
    queries = [f"{TOPICS[i % len(TOPICS)]} report {i}" for i in range(40)]
    figures = {"before_mb": rss_mb()}
    live = LiveSearcher(lambda: Searcher.open(index_dir, encoder=encoder), check_every=0.0)
    with live.use() as first:
        for q in queries:
            first.search(q, k=8)
        figures["one_generation_mb"] = rss_mb()
        figures["chunks"] = float(first.manifest.chunks)
        _write_in_child(index_dir, articles, 1)
        with live.use() as second:  # the question above still holds the first generation
            assert second.manifest.generation != first.manifest.generation
            for q in queries:
                second.search(q, k=8)
                first.search(q, k=8)
            figures["two_generations_mb"] = rss_mb()
    del first, second  # this function's own references: only the live searcher decides what stays open
    with live.use() as current:
        current.search(queries[0], k=8)
        figures["old_closed_mb"] = rss_mb()
    for extra in range(2, 5):  # more updates, each generation closed once the next is open: steady?
        _write_in_child(index_dir, articles, extra)
        with live.use() as current:
            for q in queries:
                current.search(q, k=8)
        del current
    figures["three_updates_later_mb"] = rss_mb()
    live.close()
    return figures


@click.command()
@click.option("--rounds", default=4, show_default=True, help="Updates the stream must follow.")
@click.option("--articles", default=2000, show_default=True, help="Invented articles in the memory index.")
@click.option("--skip-switch", is_flag=True, help="Only the memory figures.")
def main(rounds: int, articles: int, skip_switch: bool) -> None:
    """Seconds from an update's end to the first answer from it; memory with two generations open."""
    started = time.perf_counter()
    load = os.getloadavg()
    code = revision()
    with tempfile.TemporaryDirectory(prefix="newsbot-live-") as tmp:
        scratch = Path(tmp)
        memory = measure_memory(scratch, articles)
        switch = None if skip_switch else measure_switch(scratch, rounds)
    command = f"python -m benchmarks live --rounds {rounds} --articles {articles}"
    record = run_record(command, code, load, started)
    click.echo(json.dumps(record, indent=1))
    click.echo(f"\nmachine: {machine()}")
    if switch is not None:
        lat = switch["switch_s"]
        busy = switch["busy_switch_s"] or [float("nan")]
        click.echo(
            f"switch, {switch['rounds']} updates: update's end -> first answer from it, idle stream median "
            f"{statistics.median(lat):.2f} s, max {max(lat):.2f} s; busy stream (asked all through the "
            f"update) median {statistics.median(busy):.2f} s, max {max(busy):.2f} s "
            f"; from the manifest's replacement {', '.join(f'{x:.2f}' for x in switch['from_publish_s'])} s "
            f"({switch['questions']} questions asked, "
            f"{switch['errors']} errors); baseline, a fresh `newsbot ask` (restart): median "
            f"{statistics.median(switch['restart_s']):.2f} s; the updates themselves median "
            f"{statistics.median(switch['update_s']):.1f} s"
        )
    click.echo(
        f"memory, {int(memory['chunks'])} chunks: before any index {memory['before_mb']:.0f} MB; "
        f"one generation open {memory['one_generation_mb']:.0f} MB; "
        f"two open {memory['two_generations_mb']:.0f} MB "
        f"(+{memory['two_generations_mb'] - memory['one_generation_mb']:.0f} MB); old one closed "
        f"{memory['old_closed_mb']:.0f} MB; three updates later {memory['three_updates_later_mb']:.0f} MB"
    )
