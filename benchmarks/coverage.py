"""Covered or not: does newsbot abstain when the archive lacks the article a question needs, and answer
when it holds it? (issue 23)

From RealTimeQA 2020 (`../shared/eval/rtqa-2020`) only every other passage is indexed (the even lines of
corpus.jsonl), and all 398 questions are asked, each as of its own date: 199 are covered (their passage is
in the archive) and 199 are not (another article of the same weeks may still answer them). Each question is
answered with no threshold through the shipped steps (`bot.answering.retrieve.retrieve`, `compose`,
`name_the_kind`) and judged by the closest option (`benchmarks.news.closest_option`: the option the short
answer names); then every way of deciding to abstain is read on the same answers:

- right / wrong / abstained on the covered questions, abstained (and right / wrong) on the others, and
  truthfulness = (right − wrong) / all questions, CRAG's score, where always abstaining scores 0;
- baselines of the same run: the shipped confidence at ABSTAIN_BELOW, never abstaining, always abstaining,
  a threshold on the top passage's retrieval score alone, and the same answers with a name picked among
  several of the kind asked, as newsbot did before (benchmarks/shorts.py `every_name_short`);
- the logistic regression of "the answer is right" on `Signals.features()` (what the shipped confidence
  is), answering when it is over 0.5 (which maximises right − wrong, so no threshold is tuned), fitted on
  the questions of the even ISO weeks and read on the odd ones, and the reverse.

`--fit` prints weights fitted on all 398 questions, to paste into bot/answering/confidence.py. The hits are
cached in bench-out/ (keyed by the corpus file, k and the retrieval code), so a rerun costs the answering
only. Not measured here: SQuAD (`python -m benchmarks answers`), and news of other years (kept for a check by
someone who has not fitted on them).
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from benchmarks.answer_eval import REPO, CachedSearcher, Outcome, fit_logistic, revision, run_record
from bot.answering.confidence import ABSTAIN_BELOW, CONFIDENCE_BIAS, CONFIDENCE_WEIGHTS, Signals

if TYPE_CHECKING:
    from benchmarks.news import NewsQuestion
    from benchmarks.shorts import Encode
    from corpus.models import Article

DEFAULT_EVAL = REPO.parent / "shared" / "eval"
RESULTS = Path(__file__).resolve().parent / "results" / "coverage.md"
HITS_CACHE = REPO / "bench-out" / "coverage-hits.pkl"
HALVES = ("even", "odd")
TARGET_TRUTHFULNESS = 0.20
TARGET_UNCOVERED_ABSTAINED = 0.80
TARGET_COVERED_RIGHT = 0.50
# The confidence before issue 23, as the same-run baseline: fitted on SQuAD 2.0 and on news questions that
# were all covered, answering from 0.45 (its features, weights and bias as they stood at commit c713cde).
PREVIOUS_THRESHOLD = 0.45
PREVIOUS_WEIGHTS = (2.23, -4.62, 3.84, -2.84, -0.21, -1.43, -4.76, 0.22, -0.16)
PREVIOUS_BIAS = 1.01


@dataclass(frozen=True)
class CoverageOutcome:
    """One question answered with no threshold: whether its passage was indexed, how the answer was
    judged, and what the confidence reads."""

    covered: bool
    half: str
    right: bool  # answered, and the closest option is the right one
    # ... had a name been named among several of the kind asked, as before (benchmarks/shorts.py)
    right_every_name: bool
    confidence: float  # the shipped confidence
    signals: Signals | None  # None when nothing was found as of the question's date


@dataclass(frozen=True)
class Tally:
    """How one way of abstaining did: shares of the covered / not-covered questions, and truthfulness."""

    covered_right: float
    covered_wrong: float
    covered_abstained: float
    uncovered_right: float
    uncovered_wrong: float
    uncovered_abstained: float
    truthfulness: float  # (right - wrong) / all questions
    n: int


Decide = Callable[[CoverageOutcome], bool]  # whether to answer


def tally(outcomes: Sequence[CoverageOutcome], answers: Decide) -> Tally:
    def shares(part: Sequence[CoverageOutcome]) -> tuple[float, float, float]:
        n = max(1, len(part))
        given = [o for o in part if answers(o)]
        right = sum(o.right for o in given)
        return right / n, (len(given) - right) / n, 1 - len(given) / n

    covered = shares([o for o in outcomes if o.covered])
    uncovered = shares([o for o in outcomes if not o.covered])
    given = [o for o in outcomes if answers(o)]
    right = sum(o.right for o in given)
    wrong = len(given) - right
    return Tally(*covered, *uncovered, (right - wrong) / max(1, len(outcomes)), len(outcomes))


def split_archive(articles: Sequence[Article]) -> list[Article]:
    """The archive: every other passage, the even lines (0, 2, 4 …) of corpus.jsonl."""
    return list(articles[::2])


def _key(corpus: Path, k: int) -> str:
    """The hits cache key: the corpus file, k, and the retrieval code (a change to it refetches)."""
    code = hashlib.sha256()
    for name in ("embeddings/search.py", "bot/answering/timeframe.py", "embeddings/encoder.py"):
        code.update((REPO / name).read_bytes())
    stat = corpus.stat()
    return f"coverage:{stat.st_size}:{stat.st_mtime_ns}:{k}:{code.hexdigest()[:16]}"


def evaluate(
    questions: Sequence[NewsQuestion],
    archive: set[str],
    searcher: CachedSearcher,
    encode: Encode,
    k: int,
) -> list[CoverageOutcome]:
    """Each question as of its own date through the shipped steps, with no threshold; judged, and judged
    again with the short answer named among several names as before (`encode` chose among them)."""
    from benchmarks.news import judge
    from benchmarks.shorts import every_name_short
    from bot.answering.confidence import assess
    from bot.answering.naming import name_the_kind
    from bot.answering.pipeline import compose
    from bot.answering.retrieve import retrieve

    outcomes = []
    for question in questions:
        found = retrieve(question.text, searcher, k, as_of=question.date)
        assessment = assess(found.scored, found.hits, model=searcher.model)
        composed = compose(found.scored, found.hits, 0.0, model=searcher.model)
        composed = name_the_kind(composed, found.scored)
        verdict = judge(composed, question)
        every_name = replace(composed, short=every_name_short(composed, found.scored, encode))
        outcomes.append(
            CoverageOutcome(
                covered=question.gold in archive,
                half=question.half,
                right=verdict.closest_right,
                right_every_name=judge(every_name, question).closest_right,
                confidence=assessment.confidence,
                signals=assessment.signals,
            )
        )
    return outcomes


def run(eval_dir: Path, k: int, hits_cache: Path | None) -> list[CoverageOutcome]:
    """Index the archive half (unless every hit is cached) and answer all questions."""
    from benchmarks.answer_eval import index_articles
    from benchmarks.news import RTQA_DIR, load_rtqa
    from embeddings.encoder import DEFAULT_MODEL, SentenceTransformerEncoder

    articles, questions = load_rtqa(eval_dir)
    archive = split_archive(articles)
    corpus = eval_dir / RTQA_DIR / "corpus.jsonl"
    cache = CachedSearcher(None, hits_cache, _key(corpus, k), DEFAULT_MODEL)
    workdir = tempfile.TemporaryDirectory(prefix="newsbot-coverage-")
    try:
        if cache.loaded:
            encode = SentenceTransformerEncoder().encode_queries
            outcomes = evaluate(questions, {a.id for a in archive}, cache, encode, k)
        else:
            searcher = index_articles(archive, Path(workdir.name))
            cache.searcher = searcher
            try:
                outcomes = evaluate(
                    questions, {a.id for a in archive}, cache, searcher.encoder.encode_queries, k
                )
            finally:
                searcher.close()
            cache.save()
    finally:
        workdir.cleanup()
    return outcomes


def fit(outcomes: Sequence[CoverageOutcome], features: Callable[[Signals], tuple[float, ...]]) -> Decide:
    """Logistic regression of "right" on `features`, fitted on `outcomes`; answers when over 0.5."""
    scored = [o for o in outcomes if o.signals is not None]
    weights, bias = fit_logistic(
        [Outcome(o.right, 0.0, o.right, o.right, features(o.signals)) for o in scored if o.signals]
    )
    return lambda o: o.signals is not None and probability(features(o.signals), weights, bias) > 0.5


def probability(x: Sequence[float], weights: Sequence[float], bias: float) -> float:
    z = bias + sum(w * v for w, v in zip(weights, x, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def shipped_features(signals: Signals) -> tuple[float, ...]:
    return signals.features()


def previous_confidence(signals: Signals) -> float:
    """The confidence newsbot had before issue 23, from the same signals."""
    features = (
        signals.sentence_overlap,
        signals.passage_overlap,
        signals.dense,
        float(signals.negation_mismatch),
        float(signals.missing_name),
        float(signals.contradiction),
        signals.missing_term,
        float(signals.type_given),
        float(signals.type_missing),
    )
    return probability(features, PREVIOUS_WEIGHTS, PREVIOUS_BIAS)


def top_score_alone(signals: Signals) -> tuple[float, ...]:
    return (signals.top_score,)


def held_out(
    outcomes: Sequence[CoverageOutcome], features: Callable[[Signals], tuple[float, ...]]
) -> dict[str, Tally]:
    """Fitted on one half, read on the other: {half read: its tally}, and "both" pooling the two reads."""
    decisions: dict[int, bool] = {}
    read: dict[str, Tally] = {}
    for fit_half, read_half in (HALVES, HALVES[::-1]):
        decide = fit([o for o in outcomes if o.half == fit_half], features)
        part = [o for o in outcomes if o.half == read_half]
        read[read_half] = tally(part, decide)
        decisions.update({id(o): decide(o) for o in part})
    read["both"] = tally(outcomes, lambda o: decisions[id(o)])
    return read


def _row(name: str, t: Tally) -> str:
    return (
        f"| {name} | {t.covered_right:.3f} | {t.covered_wrong:.3f} | {t.covered_abstained:.3f} | "
        f"{t.uncovered_abstained:.3f} | {t.uncovered_right:.3f} | {t.uncovered_wrong:.3f} | "
        f"**{t.truthfulness:+.3f}** |"
    )


def report(outcomes: Sequence[CoverageOutcome], record: dict[str, str], cached: bool) -> str:
    shipped_model = held_out(outcomes, shipped_features)
    top_model = held_out(outcomes, top_score_alone)
    # The same answers, the short answer named among several names as before: right re-judged, refitted.
    before = [replace(o, right=o.right_every_name) for o in outcomes]
    before_model = held_out(before, shipped_features)
    covered = sum(o.covered for o in outcomes)
    header = [
        "| setting | covered: right | covered: wrong | covered: abstained | not covered: abstained | "
        "not covered: right | not covered: wrong | truthfulness |",
        "|---|---|---|---|---|---|---|---|",
    ]
    shipped = tally(outcomes, lambda o: o.confidence >= ABSTAIN_BELOW)
    oracle_covered = tally(outcomes, lambda o: o.covered and o.signals is not None)
    never = tally(outcomes, lambda o: o.signals is not None)
    before_all = tally(before, lambda o: o.signals is not None)
    lines = [
        "# Covered or not: abstaining when the archive lacks the article (RealTimeQA 2020)",
        "",
        f"The archive holds every other passage of rtqa-2020 ({covered} questions covered, "
        f"{len(outcomes) - covered} not, the same weeks); each question asked as of its own date, answered "
        "with no threshold through the shipped steps and judged by the closest option (the option the short "
        "answer names, `benchmarks.news.closest_option`). Truthfulness = (right − wrong) / all, CRAG's "
        "score: always abstaining scores 0. Answering where a model of P(right) is over 0.5, no threshold "
        "tuned.",
        "",
        f"Run: `{record['command']}`, {record['date']}, {record['revision'] or 'no git'}, "
        f"{record['machine']}; load average {record['load_before']} before, {record['load_after']} after; "
        f"{record['seconds']} s." + (" Hits read from the cache of an earlier run." if cached else ""),
        "",
        "## All 398 questions",
        "",
        *header,
        _row("never abstain (baseline)", never),
        _row("never abstain, a name named among several (baseline: before)", before_all),
        _row("always abstain (baseline)", tally(outcomes, lambda o: False)),
        _row(
            f"previous confidence, SQuAD-fitted (≥ {PREVIOUS_THRESHOLD}, baseline)",
            tally(
                outcomes,
                lambda o: o.signals is not None and previous_confidence(o.signals) >= PREVIOUS_THRESHOLD,
            ),
        ),
        _row(f"**shipped confidence** (≥ {ABSTAIN_BELOW}), fitted on all of them", shipped),
        _row(
            "answering exactly the covered questions (oracle)",
            tally(outcomes, lambda o: o.covered and o.signals is not None),
        ),
        _row("answering exactly the right answers (oracle)", tally(outcomes, lambda o: o.right)),
        "",
        "Even knowing which questions the archive covers, answering all of those scores "
        f"{oracle_covered.truthfulness:+.3f}: beyond that, the confidence must also "
        "tell a right answer from a wrong one on a covered question. Naming a name only when the "
        "sentence holds one of the kind asked (else the quoted sentence answers) took never-abstaining from "
        f"{before_all.covered_right:.1%} to {never.covered_right:.1%} right on the covered questions.",
        "",
        "## Fitted on one half (ISO weeks), read on the other",
        "",
        *header,
    ]
    for half in (*HALVES, "both"):
        label = "both halves, each read held out" if half == "both" else f"read on {half}"
        lines.append(_row(f"top passage's retrieval score alone (baseline), {label}", top_model[half]))
        lines.append(
            _row(
                f"shipped features, a name named among several (baseline: before), {label}",
                before_model[half],
            )
        )
        lines.append(_row(f"**shipped features**, {label}", shipped_model[half]))
    held = shipped_model
    met = all(
        held[h].truthfulness >= TARGET_TRUTHFULNESS
        and held[h].uncovered_abstained >= TARGET_UNCOVERED_ABSTAINED
        and held[h].covered_right >= TARGET_COVERED_RIGHT
        for h in HALVES
    )
    lines += [
        "",
        f"Targets on each held-out half: truthfulness ≥ +{TARGET_TRUTHFULNESS:.2f}, not-covered abstained "
        f"≥ {TARGET_UNCOVERED_ABSTAINED:.0%}, covered right ≥ {TARGET_COVERED_RIGHT:.0%}: "
        f"{'met' if met else 'not met'}.",
        "",
        f"Shipped weights (bot/answering/confidence.py CONFIDENCE_WEIGHTS, bias {CONFIDENCE_BIAS:+.2f}): "
        + ", ".join(f"{w:+.2f}" for w in CONFIDENCE_WEIGHTS)
        + " over `Signals.features()`: the first hit's retrieval score, its lead over other articles' hits, "
        "the best cosine, the best sentence's overlap with the question, the weightiest question word its "
        "passage lacks, the kind asked for given / not given, a negation the sentence lacks, a "
        "contradiction.",
        "",
        "Beside it, on sets where every question is covered (SQuAD 2.0 half-dev, and rtqa-2020 with every "
        "passage indexed): `python -m benchmarks answers`, results/answers.md. SQuAD is reported, not "
        "chased.",
    ]
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--eval-dir", type=click.Path(path_type=Path), default=DEFAULT_EVAL, show_default=True)
@click.option("--k", type=int, default=8, show_default=True)
@click.option(
    "--hits-cache",
    type=click.Path(path_type=Path),
    default=HITS_CACHE,
    show_default=True,
    help="Where the retrieved hits are kept between runs (refetched when the retrieval code changes).",
)
@click.option("--write/--no-write", default=True, help="Write benchmarks/results/coverage.md.")
@click.option("--fit", "print_fit", is_flag=True, help="Print weights fitted on all the questions.")
def main(eval_dir: Path, k: int, hits_cache: Path, write: bool, print_fit: bool) -> None:
    """Covered-or-not abstention on RealTimeQA 2020 with half the passages indexed."""
    started = time.perf_counter()
    load_before = os.getloadavg()
    cached = hits_cache.is_file()
    try:
        outcomes = run(eval_dir, k, hits_cache)
    except FileNotFoundError as exc:
        raise click.ClickException(f"no rtqa-2020 set under {eval_dir} ({exc}); use --eval-dir") from exc
    record = run_record("python -m benchmarks coverage", revision(), load_before, started)
    text = report(outcomes, record, cached)
    click.echo(text)
    if print_fit:
        weights, bias = fit_logistic(
            [Outcome(o.right, 0.0, o.right, o.right, o.signals.features()) for o in outcomes if o.signals]
        )
        click.echo("CONFIDENCE_WEIGHTS = (" + ", ".join(f"{w:.2f}" for w in weights) + ")")
        click.echo(f"CONFIDENCE_BIAS = {bias:.2f}")
    if write:
        RESULTS.write_text(text, encoding="utf-8")
