"""What the answer benchmarks (`benchmarks.answers` on SQuAD 2.0, `benchmarks.answers_news` on RealTimeQA,
`benchmarks.news`) share to evaluate answers: an outcome per question, hits cached between runs, the
logistic fit of the confidence and the threshold sweep, the index they answer from, and the run's
machine and code revision for the reports.

Each benchmark module imports this one and none imports another's evaluation pieces, so they form no
import circle. Not handled here: loading the sets and judging an answer (each benchmark's own).
"""

from __future__ import annotations

import os
import pickle
import platform
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from embeddings.encoder import DEFAULT_MODEL
from embeddings.models import Hit

if TYPE_CHECKING:
    from corpus.models import Article
    from embeddings.search import Searcher

REPO = Path(__file__).resolve().parents[1]
GRID = [round(0.20 + 0.01 * i, 2) for i in range(56)]


@dataclass(frozen=True)
class Outcome:
    """One question, answered with no threshold: the confidence and whether the answer held gold."""

    answerable: bool
    confidence: float
    in_answer: bool
    in_quotes: bool
    signals: tuple[float, ...] = ()
    group: str = ""  # the article the question was written on (cross-validation folds)
    cosine: float = float("nan")  # the best question–passage cosine, as the model gives it (not mapped)


def normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


class CachedSearcher:
    """A searcher that remembers its hits by (query, k), optionally in a pickle file across runs."""

    def __init__(
        self, searcher: Searcher | None, path: Path | None, key: str, model: str = DEFAULT_MODEL
    ) -> None:
        self.searcher = searcher
        self.model = model  # the name the index records: the confidence reads cosines on its scale
        self.path = path
        self.key = key
        self.hits: dict[tuple[object, ...], list[Hit]] = {}
        self.loaded = False
        if path is not None and path.is_file():
            with path.open("rb") as f:
                stored = pickle.load(f)  # our own file, in a git-ignored folder
            if stored.get("key") == key:
                self.hits = stored["hits"]
                self.loaded = True

    def search(
        self,
        query: str,
        k: int = 10,
        since: date | None = None,
        until: date | None = None,
        as_of: date | None = None,
    ) -> list[Hit]:
        key = (
            (query, k)
            if since is None and until is None and as_of is None
            else (query, k, since, until, as_of)
        )
        cached = self.hits.get(key)
        if cached is None:
            if self.searcher is None:
                raise RuntimeError("hits cache incomplete and no searcher to fill it")
            cached = self.hits[key] = self.searcher.search(query, k=k, since=since, until=until, as_of=as_of)
        return cached

    def save(self) -> None:
        if self.path is not None and not self.loaded:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("wb") as f:
                pickle.dump({"key": self.key, "hits": self.hits}, f)


def fit_logistic(
    outcomes: Sequence[Outcome], l2: float = 1e-3, weights: Sequence[float] | None = None
) -> tuple[list[float], float]:
    """Weights and bias of a logistic regression of "answerable" on the signals (Newton's method), each
    outcome counting `weights[i]` times (once without)."""
    import numpy as np

    x = np.array([[1.0, *o.signals] for o in outcomes])
    y = np.array([1.0 if o.answerable else 0.0 for o in outcomes])
    s = np.ones(len(outcomes)) if weights is None else np.asarray(weights, dtype=float)
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        gradient = x.T @ (s * (p - y)) + l2 * w
        hessian = (x * (s * p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [float(v) for v in w[1:]], float(w[0])


def rescore(outcomes: Sequence[Outcome], weights: Sequence[float], bias: float) -> list[Outcome]:
    """The outcomes with their confidence recomputed from the signals with other weights."""
    import math

    rescored = []
    for o in outcomes:
        z = bias + sum(w * x for w, x in zip(weights, o.signals, strict=True))
        rescored.append(replace(o, confidence=1.0 / (1.0 + math.exp(-z))))
    return rescored


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


def index_articles(articles: Sequence[Article], workdir: Path, model: str | None = None) -> Searcher:
    """Index `articles` in `workdir/index` with the real encoder, MiniLM or `model` (resolved and chunked
    as `newsbot index build --model` does); open the shipped Searcher."""
    from embeddings.build import build_index_from_articles
    from embeddings.encoder import SentenceTransformerEncoder
    from embeddings.search import Searcher

    if model is None:
        encoder = SentenceTransformerEncoder()
        build_index_from_articles(articles, workdir / "index", encoder)
        return Searcher.open(workdir / "index", encoder)
    from embeddings.model_choice import ModelChoice

    choice = ModelChoice.resolve(model)
    encoder = choice.encoder()
    build_index_from_articles(articles, workdir / "index", encoder, max_tokens=choice.max_tokens)
    return Searcher.open(workdir / "index", encoder)


def model_name(model: str | None) -> str:
    """The name an index built with `model` records (all-MiniLM-L6-v2 without)."""
    if model is None:
        return DEFAULT_MODEL
    from embeddings.model_choice import ModelChoice

    return ModelChoice.resolve(model).name


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def sample_command(name: str, squad_n: int, rtqa_limit: int | None, k: int) -> list[str]:
    """`python -m benchmarks NAME` with the sampling options that differ from their defaults (300 SQuAD
    questions, every rtqa question, k=8), as the reader and short-answer benchmarks take them."""
    args = [f"python -m benchmarks {name}"]
    if squad_n != 300:
        args.append(f"--squad {squad_n}")
    if rtqa_limit is not None:
        args.append(f"--rtqa-limit {rtqa_limit}")
    if k != 8:
        args.append(f"--k {k}")
    return args


def run_record(
    command: str, code: str, load_before: tuple[float, float, float], started: float
) -> dict[str, str]:
    """What a results file says of its run: the command, when, the code's revision, the machine, the load
    average before and now, and the seconds since `started` (a `time.perf_counter()` reading)."""
    import os
    import time
    from datetime import UTC, datetime

    return {
        "command": command,
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "revision": code,
        "machine": machine(),
        "load_before": "/".join(f"{v:.2f}" for v in load_before),
        "load_after": "/".join(f"{v:.2f}" for v in os.getloadavg()),
        "seconds": f"{time.perf_counter() - started:.0f}",
    }


def revision() -> str:
    """The checkout's commit, "+ local changes" when files differ from it (empty outside git)."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f"commit {head}" + (" + local changes" if dirty else "")
