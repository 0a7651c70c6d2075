"""`python -m benchmarks shorts`: is the short answer (`Answer.short`, the first line) the name, number or
date asked for?

Two sets, each indexed with the real encoder and asked through the shipped steps (retrieve, compose with no
abstention, so every question gets sentences; then the short answer): RealTimeQA 2020 (398 news quiz
questions, each asked as of its own date; gold = the right option's text, as the RealTimeQA leaderboard's
generation setting scores it) and answerable SQuAD 2.0 questions spread evenly over the half dev set (gold
= any of its answers). Scored as SQuAD scores: exact match and token F1 after SQuAD's normalisation,
over all questions (no short answer scores 0: the leaderboard's figures, GPT-3 with Google search EM 38.3
/ F1 50.3 on RealTimeQA), and over the questions given a short answer (its precision), with how often one
is given.

Same run, same hits, same sentences, four short answers each:
- tagger (shipped): bot/answering/naming.py's `name_the_kind`, the type from spaCy's tagger
  (bot/answering/entities.py), a name only when the sentence holds one of the kind asked;
- tagger, every name (baseline): the same, but a name also among several of the kind asked: the winner,
  else the one nearest a "which X"'s X by the embedding model, else the first (as shipped before);
- spans (baseline): the regex span of the first sentence (bot/answering/spans.py, `compose`'s own short),
  then the name nearest the kind asked by the embedding model, as shipped before the tagger;
- sentence (ceiling of sorts): the whole first sentence, whose token F1 bounds how much of the gold an
  extractive short answer could hold (its exact match is near 0 by construction).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np

from benchmarks.answer_eval import (
    CachedSearcher,
    index_articles,
    normalise,
    revision,
    run_record,
    sample_command,
)
from benchmarks.answers import build_searcher, load_squad
from benchmarks.news import RTQA_DIR, load_rtqa
from benchmarks.retrieval import SQUAD_PATH, eval_dir_option
from bot.answering.asked import asked_for
from bot.answering.naming import as_shown, candidates, name_the_kind, pick
from bot.answering.pipeline import compose
from bot.answering.retrieve import retrieve
from bot.answering.spans import answer_type, find_span, lower_case_words, named_kind, spans_of
from bot.models import Answer
from embeddings.encoder import Vectors

RESULTS = Path(__file__).resolve().parent / "results" / "shorts.md"
METHODS = ("tagger", "every name", "spans", "sentence")
Encode = Callable[[list[str]], Vectors]  # an Encoder.encode_queries


@dataclass
class Tally:
    """Per method: exact-match and F1 sums over the questions given a short answer, and their count."""

    name: str
    questions: int = 0
    typed: int = 0  # questions whose wording asks for a kind (bot/answering/asked.py)
    given: Counter[str] = field(default_factory=Counter)
    exact: Counter[str] = field(default_factory=Counter)
    f1: dict[str, float] = field(default_factory=lambda: dict.fromkeys(METHODS, 0.0))
    examples: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # the tagger's short answer alone, per question

    def add(self, method: str, short: str | None, gold: Sequence[str]) -> None:
        if not short:
            return
        self.given[method] += 1
        self.exact[method] += max(normalise(short) == normalise(g) for g in gold)
        self.f1[method] += max(token_f1(short, g) for g in gold)


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD's token F1 between two answers after its normalisation."""
    said, right = normalise(prediction).split(), normalise(gold).split()
    common = sum((Counter(said) & Counter(right)).values())
    if not common:
        return 0.0
    precision, recall = common / len(said), common / len(right)
    return 2 * precision * recall / (precision + recall)


def every_name_short(composed: Answer, question: str, encode: Encode) -> str | None:
    """The tagger's short answer as shipped before a name had to be the only one of its kind in the
    sentence: among several, the winner of a "who won" question, else the one nearest the kind a "which
    X" question names, else the first; a "which X" of no known kind took a name too."""
    asked = asked_for(question)
    if composed.abstained or not composed.sentences or asked is None:
        return None
    sentence = composed.sentences[0].text
    settled = pick(asked, sentence, question)  # the winner, or the one name of its kind: as before
    if settled is not None:
        return settled
    found = candidates(asked, sentence, question)
    if not found:
        return None
    if asked.noun and len(found) > 1:
        return nearest(asked.noun, [as_shown(e, asked, question) for e in found], encode)
    return as_shown(found[0], asked, question)


def nearest(kind: str, names: Sequence[str], encode: Encode) -> str:
    """The name whose embedding has the highest cosine with `kind`'s (the first on a tie)."""
    vectors = np.asarray(encode([kind, *names]), dtype=np.float32)
    cosines = vectors[1:] @ vectors[0]
    return names[int(np.argmax(cosines))]


def spans_short(composed: Answer, question: str, encode: Encode) -> str | None:
    """The short answer as shipped before the tagger: the regex span of the first sentence (the one its
    scoring found, bot/answering/spans.py), then, for a question naming a kind of name, the name of that
    sentence nearest the kind by the embedding model."""
    wanted = answer_type(question)
    if composed.abstained or not composed.sentences or wanted is None:
        return None
    sentence = composed.sentences[0].text
    common = lower_case_words(" ".join(hit.chunk.text for hit in composed.passages))
    span = find_span(wanted, sentence, question, common)
    kind = named_kind(question)
    if span is None or kind is None or wanted not in ("name", "place"):
        return span
    names = spans_of("name", sentence, question, common)
    return nearest(kind, names, encode) if len(names) > 1 else span


def run_set(
    tally: Tally,
    searcher: CachedSearcher,
    items: Sequence[tuple[str, Sequence[str], object]],
    k: int,
    log: Callable[[str], None],
) -> None:
    """Each (question, gold answers, as-of day or None) through retrieve and compose, its three short
    answers scored."""
    assert searcher.searcher is not None
    encode = searcher.searcher.encoder.encode_queries
    for number, (question, gold, as_of) in enumerate(items, 1):
        found = retrieve(question, searcher, k, as_of=as_of)  # type: ignore[arg-type]
        composed = compose(found.scored, found.hits, 0.0, model=searcher.model)
        started = time.perf_counter()
        tagged = name_the_kind(composed, found.scored).short
        tally.seconds.append(time.perf_counter() - started)
        every = every_name_short(composed, found.scored, encode)
        before = spans_short(composed, found.scored, encode)
        sentence = composed.sentences[0].text if composed.sentences else None
        tally.questions += 1
        tally.typed += asked_for(found.scored) is not None
        for method, short in zip(METHODS, (tagged, every, before, sentence), strict=True):
            tally.add(method, short, gold)
        if len(tally.examples) < 12 and tagged != every and number % 2 == 0:
            tally.examples.append(f"{question!r}: tagger {tagged!r}, every name {every!r}, gold {gold[0]!r}")
        if number % 100 == 0:
            log(f"{tally.name}: {number}/{len(items)}")


def render(tallies: Sequence[Tally], run: dict[str, str]) -> str:
    lines = [
        "# Short answers: the kind asked for, or none",
        "",
        "<!-- figures: written by `python -m benchmarks shorts --write` -->",
        "",
        f"Run: `{run['command']}`, {run['date']}, {run['revision']}, {run['machine']}; load average "
        f"{run['load_before']} before, {run['load_after']} after (a shared machine); "
        f"{run['seconds']} s in all.",
        "",
        "Exact match (EM) and token F1 against the gold answer, SQuAD-normalised. *All*: over every "
        "question, no short answer scoring 0 (the RealTimeQA leaderboard's generation setting: GPT-3 with "
        "Google search EM 38.3 / F1 50.3). *Shown*: over the questions given one (precision). Same run, "
        "same hits and sentences for every row.",
        "",
        "| set | questions (typed) | short answer | EM all | F1 all | EM shown | F1 shown | shown |",
        "|---|---|---|---|---|---|---|---|",
    ]
    labels = {
        "tagger": "**tagger** (shipped)",
        "every name": "tagger, a name also among several (baseline: as shipped before)",
        "spans": "regex spans + embedding naming (baseline)",
        "sentence": "the whole first sentence",
    }
    for t in tallies:
        n = max(1, t.questions)
        for method in METHODS:
            given = t.given[method]
            lines.append(
                f"| {t.name} | {t.questions} ({t.typed}) | {labels[method]} | "
                f"{100 * t.exact[method] / n:.1f} | {100 * t.f1[method] / n:.1f} | "
                f"{100 * t.exact[method] / max(1, given):.1f} | "
                f"{100 * t.f1[method] / max(1, given):.1f} | {given / n:.3f} |"
            )
    for t in tallies:
        ordered = sorted(t.seconds)
        if ordered:
            p50, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95)]
            lines.append("")
            lines.append(
                f"{t.name}: the tagger's short answer takes {1000 * p50:.1f} ms p50, {1000 * p95:.1f} ms p95 "
                "per answer (the first one also loads spaCy)."
            )
    lines += ["", "Examples where the shipped tagger and the tagger naming among several differ:", ""]
    for t in tallies:
        lines += [f"- {t.name}: {e}" for e in t.examples]
    return "\n".join(lines) + "\n"


@click.command()
@eval_dir_option("The evaluation folder (rtqa-2020/, squad2-dev-half/).")
@click.option(
    "--squad", "squad_n", default=300, show_default=True, help="SQuAD answerable questions (0: none)."
)
@click.option("--rtqa-limit", type=int, default=None, help="Only the first N news questions.")
@click.option("--k", default=8, show_default=True)
@click.option(
    "--hits-cache", type=click.Path(path_type=Path), default=None, help="Pickle of hits across runs."
)
@click.option("--write", is_flag=True, help=f"Write {RESULTS.name}.")
def main(
    eval_dir: Path, squad_n: int, rtqa_limit: int | None, k: int, hits_cache: Path | None, write: bool
) -> None:
    """Short answers: the tagger's against the regex spans', on news quiz and SQuAD questions."""

    def log(message: str) -> None:
        click.echo(message, err=True)

    try:
        articles, questions = load_rtqa(eval_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(f"no news set under {eval_dir / RTQA_DIR}: use --eval-dir") from exc
    code = revision()
    load_before = os.getloadavg()
    started = time.perf_counter()
    tallies = []
    with tempfile.TemporaryDirectory(prefix="newsbot-shorts-") as temp:
        chosen = questions[:rtqa_limit]
        cache = CachedSearcher(None, _cache_file(hits_cache, "rtqa"), f"shorts-rtqa:{k}")
        cache.searcher = index_articles(articles, Path(temp) / "rtqa")
        try:
            tally = Tally("rtqa-2020")
            run_set(tally, cache, [(q.text, q.answer, q.date) for q in chosen], k, log)
            tallies.append(tally)
        finally:
            cache.searcher.close()
            cache.save()
        if squad_n:
            paragraphs, squad = load_squad(eval_dir / SQUAD_PATH)
            answerable = [q for q in squad if q.answerable]
            picked = answerable[:: max(1, len(answerable) // squad_n)][:squad_n]
            squad_cache = CachedSearcher(None, _cache_file(hits_cache, "squad"), f"shorts-squad:{k}")
            squad_cache.searcher = build_searcher(paragraphs, Path(temp) / "squad")
            try:
                tally = Tally("SQuAD 2.0 (answerable)")
                run_set(tally, squad_cache, [(q.text, q.answers, None) for q in picked], k, log)
                tallies.append(tally)
            finally:
                squad_cache.searcher.close()
                squad_cache.save()
    args = sample_command("shorts", squad_n, rtqa_limit, k)
    text = render(tallies, run_record(" ".join(args), code, load_before, started))
    click.echo(text)
    if write:
        RESULTS.write_text(text, encoding="utf-8")
        log(f"wrote {RESULTS}")


def _cache_file(path: Path | None, name: str) -> Path | None:
    """One hits file a set (a CachedSearcher keeps one key a file)."""
    return None if path is None else path.with_name(f"{path.stem}-{name}{path.suffix}")
