"""Asking as of a day (issue 17): retrieval on RealTimeQA 2020 with each question's own date as its as-of
day, beside the same-run baselines (no date at all, and `--until` the question's date alone), and the cost
of the recency preference on SQuAD 2.0 given made-up publication dates.

rtqa: 398 quiz questions of 2020, each asked in the week its passage was published; the 398 passages are
the archive. Settings, all on one index:

- no date: the shipped search, as a user without `--as-of` got before issue 17;
- `--until` alone: nothing published after the question's date, no preference, no relative dates;
- as of, no preference: `as_of` with `recency_weight` 0 (the cut and the relative dates only);
- as of, no relative dates: the shipped weight, "last week" not read;
- shipped: what `bot.answering.pipeline.answer` does with `as_of` (`bot.answering.timeframe.search_as_of`).

The weight is swept and each half's best is read on the other half (halves by the ISO week of the
question's date, as in benchmarks/news.py), so a weight fitted on one half's weeks is judged on weeks it
did not see. SQuAD has no dates: each article gets a day drawn uniformly from the 365 before 2024-12-31
(seed 7) and every question is asked as of 2024-12-31, so recency says nothing about the right article
and any change is pure cost.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from benchmarks.answer_eval import machine, revision
from benchmarks.news import HALVES, PARTS, RTQA_DIR, by_half, load_rtqa, query_vectors, squad_halves
from benchmarks.retrieval import (
    DEFAULT_EVAL_DIR,
    SQUAD_PATH,
    EvalSet,
    Question,
    Scores,
    build_and_open,
    eval_dir_option,
    load_squad,
)
from embeddings.search import DEFAULT_FUSION, FusionConfig

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from embeddings.encoder import Encoder
    from embeddings.models import Hit
    from embeddings.search import Searcher

RESULTS = Path(__file__).resolve().parent / "results" / "recency.md"
TARGET_MRR10 = 0.92  # issue 17
TARGET_HIT1 = 0.85
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
SQUAD_AS_OF = date(2024, 12, 31)
SQUAD_SEED = 7
DEPTH = 10


@dataclass(frozen=True)
class Asked:
    """One question as the benchmark asks it: its text, its vector, its as-of day and its gold article."""

    text: str
    vector: npt.NDArray[np.float32]
    as_of: date
    gold: str


Setting = Callable[["Searcher", Asked, FusionConfig], "list[Hit]"]


def no_date(searcher: Searcher, q: Asked, fusion: FusionConfig) -> list[Hit]:
    return searcher.search_with_vector(q.text, q.vector, DEPTH * 3, fusion=fusion)


def until_alone(searcher: Searcher, q: Asked, fusion: FusionConfig) -> list[Hit]:
    return searcher.search_with_vector(q.text, q.vector, DEPTH * 3, until=q.as_of, fusion=fusion)


def as_of_without_relative_dates(searcher: Searcher, q: Asked, fusion: FusionConfig) -> list[Hit]:
    return searcher.search_with_vector(q.text, q.vector, DEPTH * 3, fusion=fusion, as_of=q.as_of)


def as_of_shipped(searcher: Searcher, q: Asked, fusion: FusionConfig) -> list[Hit]:
    """What `bot.answering.pipeline.answer` does with `as_of`: the relative date narrows, the cut and
    preference hold."""
    from bot.answering.timeframe import search_as_of

    def search(since: date | None, until: date | None) -> list[Hit]:
        return searcher.search_with_vector(q.text, q.vector, DEPTH * 3, since, until, fusion, as_of=q.as_of)

    return search_as_of(search, q.text, as_of=q.as_of)[0]


def gold_rank(hits: Sequence[Hit], gold: str) -> int | None:
    """The 1-based rank of `gold` among the distinct articles of `hits` (None past `DEPTH`)."""
    seen: list[str] = []
    for hit in hits:
        if hit.article.id not in seen:
            seen.append(hit.article.id)
    return seen.index(gold) + 1 if gold in seen[:DEPTH] else None


@dataclass(frozen=True)
class Measured:
    scores: dict[str, Scores]  # "all", "even", "odd"
    p50_ms: float
    after_as_of: int  # hits published after the question's as-of day, over all questions (must be 0)


def measure(
    searcher: Searcher, asked: Sequence[Asked], halves: Sequence[str], setting: Setting, fusion: FusionConfig
) -> Measured:
    ranks: list[int | None] = []
    times: list[float] = []
    late = 0
    for q in asked:
        started = time.perf_counter()
        hits = setting(searcher, q, fusion)
        times.append(time.perf_counter() - started)
        ranks.append(gold_rank(hits, q.gold))
        if setting is not no_date:
            late += sum(
                1 for h in hits if h.article.published is not None and h.article.published.date() > q.as_of
            )
    return Measured(by_half(ranks, halves), 1000 * statistics.median(times), late)


@dataclass(frozen=True)
class Figures:
    settings: dict[str, Measured]
    sweep: dict[float, Measured]
    squad: dict[str, Measured]
    articles: int
    questions: int
    squad_questions: int


def run_rtqa(
    eval_dir: Path, encoder: Encoder, root: Path, keep: bool, log: Callable[[str], None]
) -> tuple[dict[str, Measured], dict[float, Measured], int, int]:
    from bot.answering.retrieve import clean_question

    articles, questions = load_rtqa(eval_dir)
    eval_set = EvalSet("rtqa-2020", tuple(articles), tuple(Question(q.text, q.gold) for q in questions))
    searcher, _ = build_and_open(eval_set, root / "rtqa", encoder, log, update=keep)
    texts = [clean_question(q.text) for q in questions]
    vectors = query_vectors(encoder, texts, root / "rtqa" if keep else None)
    asked = [Asked(t, v, q.date, q.gold) for t, v, q in zip(texts, vectors, questions, strict=True)]
    halves = [q.half for q in questions]
    flat = replace(DEFAULT_FUSION, recency_weight=0.0)
    try:
        settings = {
            "no date": measure(searcher, asked, halves, no_date, DEFAULT_FUSION),
            "`--until` alone": measure(searcher, asked, halves, until_alone, DEFAULT_FUSION),
            "as of, no preference (weight 0)": measure(searcher, asked, halves, as_of_shipped, flat),
            "as of, no relative dates": measure(
                searcher, asked, halves, as_of_without_relative_dates, DEFAULT_FUSION
            ),
            "shipped (as of)": measure(searcher, asked, halves, as_of_shipped, DEFAULT_FUSION),
        }
        sweep = {
            w: measure(searcher, asked, halves, as_of_shipped, replace(DEFAULT_FUSION, recency_weight=w))
            for w in WEIGHTS
        }
    finally:
        searcher.close()
    return settings, sweep, len(articles), len(questions)


def run_squad(
    eval_dir: Path, encoder: Encoder, root: Path, keep: bool, log: Callable[[str], None]
) -> tuple[dict[str, Measured], int]:
    squad = load_squad(eval_dir / SQUAD_PATH)
    rng = random.Random(SQUAD_SEED)
    start = datetime.combine(SQUAD_AS_OF, datetime.min.time())
    dated = tuple(replace(a, published=start - timedelta(days=rng.randrange(365))) for a in squad.articles)
    eval_set = EvalSet("squad-dated", dated, squad.questions)
    searcher, _ = build_and_open(eval_set, root / "squad-dated", encoder, log, update=keep)
    texts = [q.text for q in squad.questions]
    vectors = query_vectors(encoder, texts, root / "squad-dated" if keep else None)
    asked = [
        Asked(t, v, SQUAD_AS_OF, q.gold) for t, v, q in zip(texts, vectors, squad.questions, strict=True)
    ]
    halves = squad_halves(eval_set)
    try:
        figures = {
            "no date": measure(searcher, asked, halves, no_date, DEFAULT_FUSION),
            "shipped (as of 2024-12-31)": measure(searcher, asked, halves, as_of_shipped, DEFAULT_FUSION),
        }
    finally:
        searcher.close()
    return figures, len(asked)


# --- the report -----------------------------------------------------------------------------------


def _triple(s: Scores) -> str:
    return f"{s.hit1:.3f} / {s.hit5:.3f} / {s.mrr10:.3f}"


def _table(rows: dict[str, Measured], head: str) -> list[str]:
    lines = [
        f"| {head} | all | even half | odd half | p50 ms | hits after as-of |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in rows.items():
        cells = " | ".join(_triple(m.scores[p]) for p in PARTS)
        lines.append(f"| {name} | {cells} | {m.p50_ms:.1f} | {m.after_as_of} |")
    return lines


def held_out(sweep: dict[float, Measured]) -> list[str]:
    """Each half's best weight (by MRR@10) read on the other half."""
    lines = []
    for fit, read in (HALVES, tuple(reversed(HALVES))):
        best = max(sweep, key=lambda w: (sweep[w].scores[fit].mrr10, -w))
        s = sweep[best].scores[read]
        lines.append(
            f"- fitted on the {fit} half: weight {best:g}; on the {read} half MRR@10 {s.mrr10:.3f}, Hit@1 "
            f"{s.hit1:.3f} (weight 0 there: {sweep[0.0].scores[read].mrr10:.3f} / "
            f"{sweep[0.0].scores[read].hit1:.3f})."
        )
    return lines


def render(figures: Figures, command: str, seconds: float, code: str) -> str:
    shipped = figures.settings["shipped (as of)"].scores["all"]
    met = shipped.mrr10 >= TARGET_MRR10 and shipped.hit1 >= TARGET_HIT1
    squad_before = figures.squad["no date"].scores["all"]
    squad_after = figures.squad["shipped (as of 2024-12-31)"].scores["all"]
    lines = [
        "# Asking as of a day: recent articles first, nothing from after it",
        "",
        f"Run: `{command}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {code or 'no git'}, {machine()}; "
        f"load average {'/'.join(f'{v:.2f}' for v in os.getloadavg())} at the end; {seconds:.0f} s.",
        f"Model all-MiniLM-L6-v2. Shipped fusion: `{DEFAULT_FUSION}`. Hit@1 / Hit@5 / MRR@10 of the gold "
        "article among the first 30 hits; p50 is one search's median time (the query already encoded).",
        "",
        f"### rtqa-2020: {figures.questions} questions over {figures.articles} articles, each asked as of "
        "its own date",
        "",
        *_table(figures.settings, "setting"),
        "",
        f"Shipped MRR@10 {shipped.mrr10:.3f}, Hit@1 {shipped.hit1:.3f}: target MRR@10 ≥ {TARGET_MRR10} and "
        f"Hit@1 ≥ {TARGET_HIT1} {'met' if met else 'NOT met'}.",
        "",
        "### The recency weight, swept (relative dates read, as shipped)",
        "",
        *_table({f"weight {w:g}": m for w, m in figures.sweep.items()}, "weight"),
        "",
        *held_out(figures.sweep),
        f"- shipped: {DEFAULT_FUSION.recency_weight:g} (half-life {DEFAULT_FUSION.recency_half_life:g} days, "
        "chosen, not fitted): a round weight under both halves' best, since the SQuAD cost below grows "
        "with it.",
        "",
        f"### SQuAD 2.0 (half dev), {figures.squad_questions} questions, made-up dates: the cost",
        "",
        *_table(figures.squad, "setting"),
        "",
        f"MRR@10 {squad_before.mrr10:.3f} without a date, {squad_after.mrr10:.3f} as of 2024-12-31 "
        f"({squad_after.mrr10 - squad_before.mrr10:+.3f}): what preferring recent articles costs when the "
        "date says nothing about the answer.",
    ]
    return "\n".join(lines) + "\n"


@click.command()
@eval_dir_option("The shared evaluation folder (holds rtqa-2020/ and squad2-dev-half/).")
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the indexes and query vectors here: later runs update them instead of re-embedding.",
)
@click.option("--write", is_flag=True, help="Write benchmarks/results/recency.md.")
def main(eval_dir: Path = DEFAULT_EVAL_DIR, index_dir: Path | None = None, write: bool = False) -> None:
    """Questions asked as of their own date (RealTimeQA 2020), beside no date and `--until` alone."""
    from embeddings.encoder import SentenceTransformerEncoder

    if not (eval_dir / RTQA_DIR).is_dir() or not (eval_dir / SQUAD_PATH).is_file():
        raise click.ClickException(f"no rtqa-2020/ or SQuAD set under {eval_dir}; use --eval-dir")

    def log(message: str) -> None:
        click.echo(message, err=True)

    code = revision()
    encoder = SentenceTransformerEncoder()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsbot-recency-") as temp:
        root = index_dir or Path(temp)
        keep = index_dir is not None
        settings, sweep, articles, questions = run_rtqa(eval_dir, encoder, root, keep, log)
        squad, squad_questions = run_squad(eval_dir, encoder, root, keep, log)
    figures = Figures(settings, sweep, squad, articles, questions, squad_questions)
    text = render(figures, "python -m benchmarks recency", time.perf_counter() - started, code)
    click.echo(text)
    if write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        click.echo(f"written to {RESULTS}")
