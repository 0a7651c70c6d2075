"""Answer quality and abstention on SQuAD 2.0 (half dev set): the benchmark the abstention threshold of
`bot.answer` is calibrated on.

The 646 paragraphs become 646 one-paragraph articles, indexed with the real encoder into a temporary
directory; every question is retrieved once (k=8) and its sentences scored once, then the threshold is
swept. Metrics: the gold answer string appears (SQuAD-normalised) in the answer text / in the cited
quotes, over all answerable questions (an abstention counts as a miss); abstention precision, recall and
F1 with the unanswerable questions as positives. Trivial baselines are measured in the same run.
Does not measure answer length or readability: an answer of three sentences contains gold more often.
"""

from __future__ import annotations

import json
import re
import string
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from bot.answer import ABSTAIN_BELOW, assess, select
from embeddings.models import Hit

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = REPO.parent / "shared" / "eval"
RESULTS = Path(__file__).resolve().parent / "results" / "answers.md"
TARGET_CONTAINS = 0.70
TARGET_F1 = 0.60
GRID = [round(0.20 + 0.01 * i, 2) for i in range(56)]


@dataclass(frozen=True)
class Question:
    text: str
    answers: tuple[str, ...]  # empty when unanswerable
    paragraph: int

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class Outcome:
    """One question, answered with no threshold: the confidence and whether the answer held gold."""

    answerable: bool
    confidence: float
    in_answer: bool
    in_quotes: bool
    signals: tuple[float, ...] = ()


def normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def load_squad(path: Path, limit: int | None = None) -> tuple[list[tuple[str, str]], list[Question]]:
    """(title, paragraph) pairs and the questions on them; `limit` keeps the first N paragraphs."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs: list[tuple[str, str]] = []
    questions: list[Question] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            if limit is not None and len(paragraphs) >= limit:
                return paragraphs, questions
            index = len(paragraphs)
            paragraphs.append((article["title"].replace("_", " "), paragraph["context"]))
            for qa in paragraph["qas"]:
                answers = () if qa["is_impossible"] else tuple(a["text"] for a in qa["answers"])
                questions.append(Question(qa["question"], answers, index))
    return paragraphs, questions


def evaluate(questions: Sequence[Question], search: Callable[[str], list[Hit]]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for question in questions:
        hits = search(question.text)
        assessment = assess(question.text, hits)
        chosen = select(assessment.candidates)
        answer_text = normalise(" ".join(c.text for c in chosen))
        gold = [normalise(a) for a in question.answers]
        in_answer = any(g and g in answer_text for g in gold)
        signals = assessment.signals
        features = (
            (
                signals.sentence_overlap,
                signals.passage_overlap,
                signals.dense,
                float(signals.negation_mismatch),
                float(signals.missing_name),
            )
            if signals
            else (0.0, 0.0, 0.0, 0.0, 0.0)
        )
        quotes = normalise(" ".join(c.text for c in chosen))
        in_quotes = any(g and g in quotes for g in gold)
        outcomes.append(Outcome(question.answerable, assessment.confidence, in_answer, in_quotes, features))
    return outcomes


def fit_logistic(outcomes: Sequence[Outcome], l2: float = 1e-3) -> tuple[list[float], float]:
    """Weights and bias of a logistic regression of "answerable" on the signals (Newton's method)."""
    import numpy as np

    x = np.array([[1.0, *o.signals] for o in outcomes])
    y = np.array([1.0 if o.answerable else 0.0 for o in outcomes])
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        gradient = x.T @ (p - y) + l2 * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [float(v) for v in w[1:]], float(w[0])


def auc(outcomes: Sequence[Outcome]) -> float:
    """ROC AUC of the confidence for telling answerable from unanswerable questions."""
    pos = sorted(o.confidence for o in outcomes if o.answerable)
    neg = sorted(o.confidence for o in outcomes if not o.answerable)
    if not pos or not neg:
        return float("nan")
    import bisect

    wins = sum(
        bisect.bisect_left(neg, p) + 0.5 * (bisect.bisect_right(neg, p) - bisect.bisect_left(neg, p))
        for p in pos
    )
    return wins / (len(pos) * len(neg))


@dataclass(frozen=True)
class Point:
    threshold: float
    contains: float  # answerable questions whose (non-abstained) answer holds gold
    in_quotes: float
    precision: float
    recall: float
    f1: float
    abstain_answerable: float  # share of answerable questions wrongly abstained on


def sweep(outcomes: Sequence[Outcome], thresholds: Sequence[float]) -> list[Point]:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    points = []
    for t in thresholds:
        contains = sum(o.in_answer and o.confidence >= t for o in answerable) / max(1, len(answerable))
        quotes = sum(o.in_quotes and o.confidence >= t for o in answerable) / max(1, len(answerable))
        tp = sum(o.confidence < t for o in unanswerable)
        fp = sum(o.confidence < t for o in answerable)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / max(1, len(unanswerable))
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        points.append(Point(t, contains, quotes, precision, recall, f1, fp / max(1, len(answerable))))
    return points


def choose(points: Sequence[Point]) -> Point:
    """The threshold with the best abstention F1 among those that keep answers containing gold on at least
    TARGET_CONTAINS of answerable questions (else the one with the highest containment)."""
    useful = [p for p in points if p.contains >= TARGET_CONTAINS]
    if useful:
        return max(useful, key=lambda p: (p.f1, -p.threshold))
    return max(points, key=lambda p: p.contains)


def real_search(paragraphs: Sequence[tuple[str, str]], workdir: Path, k: int) -> Callable[[str], list[Hit]]:
    """Index the paragraphs as one-paragraph articles with the real encoder; return its search."""
    from corpus.ids import article_id
    from corpus.models import Article
    from embeddings.build import build_index_from_articles
    from embeddings.encoder import SentenceTransformerEncoder
    from embeddings.search import Searcher

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
    encoder = SentenceTransformerEncoder()
    build_index_from_articles(articles, workdir / "index", encoder)
    searcher = Searcher.open(workdir / "index", encoder)
    return lambda q: searcher.search(q, k=k)


def report(points: Sequence[Point], chosen: Point, outcomes: Sequence[Outcome], seconds: float) -> str:
    n_ans = sum(o.answerable for o in outcomes)
    n_un = len(outcomes) - n_ans
    always = sweep(outcomes, [float("inf")])[0]
    never = sweep(outcomes, [float("-inf")])[0]
    lines = [
        "# Answers: gold in the answer, and abstention (SQuAD 2.0, half dev set)",
        "",
        f"{len(outcomes):,} questions ({n_ans:,} answerable, {n_un:,} unanswerable), k=8, "
        f"all-MiniLM-L6-v2, {seconds:.0f} s. Reproduce: `python -m benchmarks answers`. "
        f"ROC AUC of the confidence (answerable vs not): {auc(outcomes):.3f}.",
        "",
        "| setting | threshold | answer has gold | quotes have gold | abstain P | abstain R | abstain F1 |",
        "|---|---|---|---|---|---|---|",
        _row("never abstain (baseline)", never),
        _row("always abstain (baseline)", always),
        _row("**shipped**", chosen),
        "",
        f"Targets: answer has gold ≥ {TARGET_CONTAINS:.0%} of answerable questions; abstention F1 ≥ "
        f"{TARGET_F1}. Shipped threshold `ABSTAIN_BELOW = {ABSTAIN_BELOW}`; chosen here: "
        f"{chosen.threshold} (the best abstention F1 among thresholds that keep gold in ≥ "
        f"{TARGET_CONTAINS:.0%} of answers).",
        "",
        "## The curve the threshold was chosen from",
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
def main(eval_dir: Path, limit: int | None, k: int, write: bool, fit: bool) -> None:
    """Answer quality and abstention on SQuAD 2.0, with the threshold curve."""
    path = eval_dir / "squad2-dev-half" / "dev-v2.0.json"
    if not path.is_file():
        raise click.ClickException(f"{path} not found: pass --eval-dir pointing at shared/eval")
    paragraphs, questions = load_squad(path, limit)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsbot-answers-") as tmp:
        search = real_search(paragraphs, Path(tmp), k)
        outcomes = evaluate(questions, search)
    seconds = time.perf_counter() - started
    points = sweep(outcomes, GRID)
    chosen = choose(points)
    text = report(points, chosen, outcomes, seconds)
    click.echo(text)
    if fit:
        weights, bias = fit_logistic(outcomes)
        click.echo(f"refitted CONFIDENCE_WEIGHTS = {tuple(round(w, 2) for w in weights)}, BIAS = {bias:.2f}")
    if write and limit is None:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        click.echo(f"written to {RESULTS}")
