"""The answers benchmark's news half: real news quiz questions (RealTimeQA 2020, `../shared/eval/rtqa-2020`)
answered beside SQuAD 2.0, and the confidence fitted on both.

SQuAD's questions copy the paragraph's words; the news questions were written by people who never saw the
article, so a confidence fitted on SQuAD alone abstains on a quarter of them although every one is
answerable. Here the logistic confidence is fitted on SQuAD (answerable or not) and the news questions
(all answerable) together, and the threshold is chosen by `choose_joint`. Nothing is read on the questions
it was fitted on: each half (SQuAD by Wikipedia article, news by the ISO week of the question's date, even
or odd) is scored with weights and threshold fitted and chosen on the other half.

Judging (`benchmarks.news.judge`): the answer names every word of the right option and not all the words of
a wrong one. Only 274 of the 398 gold passages hold the right option's words at all, so the rate is also
given over those ("quotable").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.answer_eval import (
    GRID,
    CachedSearcher,
    Outcome,
    Point,
    fit_logistic,
    rescore,
    sweep,
)
from bot.answering.confidence import ABSTAIN_BELOW, assess
from bot.answering.pipeline import compose

if TYPE_CHECKING:
    from benchmarks.news import NewsQuestion

TARGET_RIGHT = 0.65
# Each news question counts this many times in the joint fit. TUNED
NEWS_WEIGHT = 2.0
TARGET_FALSE_ABSTAIN = 0.10
HALVES = ("even", "odd")
# The share of never-abstaining's gold-holding answers a threshold must keep: 0.70 / 0.885 on all of SQuAD.
KEEP_GOLD = 0.79


@dataclass(frozen=True)
class NewsOutcome:
    """One news question answered with no threshold: its confidence and how the answer was judged."""

    confidence: float
    right: bool
    named_wrong: bool
    quotable: bool
    half: str
    signals: tuple[float, ...]
    closest_right: bool = False  # the option closest to the short answer is the right one (`closest_option`)


@dataclass(frozen=True)
class NewsPoint:
    threshold: float
    right: float  # over all questions; an abstention is not right
    right_quotable: float  # over the questions whose gold passage holds the right option's words
    named_wrong: float
    abstained: float  # every question is answerable: each abstention is a false one
    closest: float = 0.0  # over all questions: answered, and the closest option is the right one


def evaluate_news(
    questions: Sequence[NewsQuestion], searcher: CachedSearcher, k: int, dated: bool = True
) -> list[NewsOutcome]:
    """Each question through the shipped `bot.answering.pipeline.answer` steps (retrieve, compose
    with no threshold, name the kind), judged; its confidence. `dated`: asked as of the question's own date,
    as a user asking that day would."""
    from benchmarks.news import judge
    from bot.answering.naming import name_the_kind
    from bot.answering.retrieve import retrieve

    outcomes = []
    for question in questions:
        found = retrieve(question.text, searcher, k, as_of=question.date if dated else None)
        text, hits = found.scored, found.hits
        assessment = assess(text, hits, model=searcher.model)
        composed = name_the_kind(compose(text, hits, 0.0, model=searcher.model), text)
        verdict = judge(composed, question)
        signals = assessment.signals.features() if assessment.signals else ()
        outcomes.append(
            NewsOutcome(
                assessment.confidence,
                verdict.right,
                verdict.named_wrong,
                question.quotable,
                question.half,
                signals,
                verdict.closest_right,
            )
        )
    return outcomes


def news_point(outcomes: Sequence[NewsOutcome], threshold: float) -> NewsPoint:
    n = max(1, len(outcomes))
    answered = [o for o in outcomes if o.confidence >= threshold]
    quotable = [o for o in outcomes if o.quotable]
    return NewsPoint(
        threshold,
        sum(o.right for o in answered) / n,
        sum(o.right for o in answered if o.quotable) / max(1, len(quotable)),
        sum(o.named_wrong for o in answered) / n,
        1 - len(answered) / n,
        sum(o.closest_right for o in answered) / n,
    )


def choose_joint(squad: Sequence[Outcome], news: Sequence[NewsOutcome]) -> float:
    """The highest threshold that keeps SQuAD gold in as many answers as the SQuAD target asks (70% of
    answerable questions where never abstaining gives 88.5%: 79% of what never abstaining keeps, so that a
    half of SQuAD, easier or harder than the whole, is held to the same standard) and abstains on at most
    10% of the news questions; the highest is the best abstention F1 short of 0.6. Failing both, the one
    abstaining least on news among those keeping SQuAD's gold."""
    never = sweep(squad, [float("-inf")])[0].contains
    keeps = [p for p in sweep(squad, GRID) if p.contains >= KEEP_GOLD * never]
    if not keeps:
        return GRID[0]
    abstains = {p.threshold: news_point(news, p.threshold).abstained for p in keeps}
    within = [p.threshold for p in keeps if abstains[p.threshold] <= TARGET_FALSE_ABSTAIN]
    if within:
        return max(within)
    return min(keeps, key=lambda p: (abstains[p.threshold], -p.threshold)).threshold


def fit_joint(
    squad: Sequence[Outcome], news: Sequence[NewsOutcome], news_weight: float
) -> tuple[list[float], float]:
    """Logistic weights for "answerable" on SQuAD's questions and the news questions (all answerable), each
    news question counting `news_weight` times so that the 398 weigh against SQuAD's 6,078."""
    # A question that found nothing as of its date has no signals to fit on: it abstains whatever they are.
    scored = [o for o in news if o.signals]
    as_outcomes = [Outcome(True, o.confidence, o.right, o.right, o.signals, "news") for o in scored]
    return fit_logistic([*squad, *as_outcomes], weights=[1.0] * len(squad) + [news_weight] * len(scored))


def rescore_news(outcomes: Sequence[NewsOutcome], weights: Sequence[float], bias: float) -> list[NewsOutcome]:
    out = []
    for o in outcomes:
        if not o.signals:
            out.append(replace(o, confidence=0.0))
            continue
        z = bias + sum(w * x for w, x in zip(weights, o.signals, strict=True))
        out.append(replace(o, confidence=1.0 / (1.0 + math.exp(-z))))
    return out


@dataclass(frozen=True)
class HalfResult:
    """Weights fitted and a threshold chosen on `fitted_on`, read on the other half."""

    fitted_on: str
    threshold: float
    squad: Point
    news: NewsPoint


def cross_halves(
    squad: Sequence[Outcome], squad_halves: Sequence[str], news: Sequence[NewsOutcome], news_weight: float
) -> list[HalfResult]:
    """Fit and choose on one half, read the other; both ways."""
    results = []
    for fit_half, read_half in (HALVES, HALVES[::-1]):
        sq_fit = [o for o, h in zip(squad, squad_halves, strict=True) if h == fit_half]
        sq_read = [o for o, h in zip(squad, squad_halves, strict=True) if h == read_half]
        nw_fit = [o for o in news if o.half == fit_half]
        nw_read = [o for o in news if o.half == read_half]
        weights, bias = fit_joint(sq_fit, nw_fit, news_weight)
        threshold = choose_joint(rescore(sq_fit, weights, bias), rescore_news(nw_fit, weights, bias))
        squad_point = sweep(rescore(sq_read, weights, bias), [threshold])[0]
        news_read = news_point(rescore_news(nw_read, weights, bias), threshold)
        results.append(HalfResult(fit_half, threshold, squad_point, news_read))
    return results


def squad_halves(questions: Sequence[object]) -> list[str]:
    """Each SQuAD question's half by the index of its Wikipedia article (as `benchmarks.news` splits)."""
    order: dict[str, int] = {}
    halves = []
    for question in questions:
        article = str(getattr(question, "article", ""))
        order.setdefault(article, len(order))
        halves.append(HALVES[order[article] % 2])
    return halves


@dataclass(frozen=True)
class NewsRun:
    """The news questions answered as of their own date (what the shipped bot does, and what the
    confidence is fitted on) and, as the same-run baseline, with no date."""

    dated: list[NewsOutcome]
    undated: list[NewsOutcome]


def run_news(
    eval_dir: Path, workdir: Path, k: int, hits_cache: Path | None, model: str | None = None
) -> NewsRun | None:
    """The news questions answered from an index of their passages (built with `model`, MiniLM without),
    or None when the set is not there (the benchmark then measures SQuAD alone). `hits_cache` as for
    SQuAD."""
    from benchmarks.answer_eval import index_articles, model_name
    from benchmarks.news import RTQA_DIR, load_rtqa

    try:
        articles, questions = load_rtqa(eval_dir)
    except FileNotFoundError:
        return None
    corpus = eval_dir / RTQA_DIR / "corpus.jsonl"
    key = f"rtqa:{corpus.stat().st_size}:{corpus.stat().st_mtime_ns}:{k}" + (f":{model}" if model else "")
    cache = CachedSearcher(None, hits_cache, key, model_name(model))
    # Built even when the hits are cached: the answers name the kind asked for with its encoder.
    cache.searcher = index_articles(articles, workdir, model)
    try:
        return NewsRun(evaluate_news(questions, cache, k), evaluate_news(questions, cache, k, dated=False))
    finally:
        if cache.searcher is not None:
            cache.searcher.close()
        cache.save()


def report_news(run: NewsRun, halves: Sequence[HalfResult], squad_at_shipped: Point | None) -> list[str]:
    """The news section of the answers report."""
    outcomes = run.dated
    shipped = news_point(outcomes, ABSTAIN_BELOW)
    never = news_point(outcomes, float("-inf"))
    quotable = sum(o.quotable for o in outcomes)

    def row(name: str, parts: Sequence[NewsOutcome], threshold: float) -> str:
        p = news_point(parts, threshold)
        by_half = " | ".join(
            f"{news_point([o for o in parts if o.half == h], threshold).closest:.3f} / "
            f"{news_point([o for o in parts if o.half == h], threshold).abstained:.3f}"
            for h in HALVES
        )
        return (
            f"| {name} | {p.closest:.3f} | {p.right:.3f} | {p.right_quotable:.3f} | {p.named_wrong:.3f} | "
            f"{p.abstained:.3f} | {by_half} |"
        )

    met = shipped.closest >= TARGET_RIGHT and shipped.abstained <= TARGET_FALSE_ABSTAIN
    lines = [
        "## News questions (RealTimeQA 2020)",
        "",
        f"{len(outcomes)} quiz questions, all answerable, over their passages as articles (same searcher "
        f"settings, k as above), each asked as of its own date as `--as-of` does; the gold passage holds the "
        f"right option's words for {quotable}. Closest option: the option whose content words the short "
        "answer (else the first sentence) holds the largest share of, strictly ahead of the others, is the "
        "right one (`benchmarks.news.closest_option`). All words: the answer names every word of the right "
        "option and not all of a wrong one's (`benchmarks.news.judge`).",
        "",
        "| setting | closest option | all words | all words (quotable) | named wrong | abstained (all false) "
        "| even: closest / abst. | odd: closest / abst. |",
        "|---|---|---|---|---|---|---|---|",
        row("never abstain (baseline)", outcomes, float("-inf")),
        row("shipped, asked with no date (baseline)", run.undated, ABSTAIN_BELOW),
        row(f"**shipped** ({ABSTAIN_BELOW})", outcomes, ABSTAIN_BELOW),
        "",
        f"Targets on news: closest option right ≥ {TARGET_RIGHT:.0%} and false abstention ≤ "
        f"{TARGET_FALSE_ABSTAIN:.0%}: {'met' if met else 'not met'} (closest {shipped.closest:.3f}, "
        f"abstained {shipped.abstained:.3f}; all words {shipped.right:.3f}, never abstaining "
        f"{never.right:.3f}).",
        "",
        "### Fitted on one half, read on the other",
        "",
        "Confidence weights fitted on one half of both sets and the threshold chosen there (`choose_joint`), "
        "then read on the other half:",
        "",
        "| fitted on | threshold | read on | SQuAD gold in answer | SQuAD abstain F1 | news closest option | "
        "news all words | news all words (quotable) | news abstained |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for h in halves:
        other = HALVES[1 - HALVES.index(h.fitted_on)]
        lines.append(
            f"| {h.fitted_on} | {h.threshold:.2f} | {other} | {h.squad.contains:.3f} | {h.squad.f1:.3f} | "
            f"{h.news.closest:.3f} | {h.news.right:.3f} | {h.news.right_quotable:.3f} | "
            f"{h.news.abstained:.3f} |"
        )
    if squad_at_shipped is not None:
        lines += [
            "",
            f"At the shipped threshold on all of SQuAD: gold in answer {squad_at_shipped.contains:.3f}, "
            f"abstention F1 {squad_at_shipped.f1:.3f}.",
        ]
    return lines
