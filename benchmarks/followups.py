"""Follow-up questions over the demo corpus: is the second question of a pair answered right in the
context of the first (bot/answering/followup.py), and how often is a self-contained second question wrongly
rewritten?

The pairs are `benchmarks/followups.jsonl`, written by hand from facts in `corpus/demo/` (fictional): each
line has `first`, `second`, `expect` (words a right answer must hold), `article` (the demo file the fact
is in; for reading, not scored), `kind` (`followup`; `standalone` for a second question that needs no
context; `command` for a command in `second` between a question and its follow-up `third`) and `set`
(`dev`, the 50 pairs an earlier draft's rules were written against, or `heldout`, 53 pairs written from
the corpus before any run of the present rules; they were seen after the first run, and the rules were
revised twice since: benchmarks/results/followups.md gives each figure). Issue 23 added 40 standalone
questions each asked right after an unrelated one (n01-n40, odd dev, even held-out) and four commands
(c01-c04), split before any run of the rule they test.

A command is handled as the edges handle it (`bot.answering.followup.is_command`): not asked, not remembered;
its "rewritten" figure is the share of commands taken as a question.

The rule for "right": the answer did not abstain, and every `expect` string occurs, ignoring case, in
the answer's text (its quoted sentences and its short answer, joined by spaces).

For every pair, in one run on one index built with the real model:
- context: the first question is asked and remembered, the second resolved against it and answered as
  the product answers it (`bot.answering.followup.answer_resolved`: the rewritten question, the previous
  answer's articles preferred);
- context, no preference: the rewritten question alone, retrieval unchanged;
- alone (the baseline): the second question as typed, no context;
- alone, never abstaining: the same with the threshold at 0, because a follow-up that would abstain is
  answered from the previous article without it: this shows how much of the gain is the context.
For the `standalone` pairs, the share rewritten (a false follow-up) is reported too.
"""

from __future__ import annotations

import json
import platform
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.answering.followup import Conversations, Resolved, answer_resolved, is_command
from bot.answering.pipeline import answer
from bot.models import Answer
from embeddings.search import Searcher

DATA = Path(__file__).resolve().parent / "followups.jsonl"
TARGET = 0.85
STANDALONE_TARGET = 0.05  # standalone questions taken as follow-ups, at most
KINDS = ("followup", "standalone", "command")


@dataclass(frozen=True)
class Pair:
    id: str
    set: str
    kind: str
    first: str
    second: str
    expect: tuple[str, ...]
    article: str = ""
    third: str = ""  # a `command` pair's follow-up, asked after the command in `second`


@dataclass(frozen=True)
class Outcome:
    pair: Pair
    taken_as: str  # the second question as resolved
    rewritten: bool  # taken as a follow-up; for a `command` pair, the command taken as a question
    right: dict[str, bool]  # condition -> right
    answers: dict[str, str]  # condition -> the answer's text, for reading failures


def load_pairs(path: Path = DATA) -> list[Pair]:
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("kind") not in KINDS or not row.get("expect"):
            raise ValueError(f"{path}:{number}: needs kind {'|'.join(KINDS)} and a non-empty expect")
        if (row["kind"] == "command") != bool(row.get("third")):
            raise ValueError(f"{path}:{number}: a command pair, and only one, has a third question")
        pairs.append(
            Pair(
                id=row["id"],
                set=row.get("set", "dev"),
                kind=row["kind"],
                first=row["first"],
                second=row["second"],
                expect=tuple(row["expect"]),
                article=row.get("article", ""),
                third=row.get("third", ""),
            )
        )
    return pairs


def answer_words(answer: Answer) -> str:
    """What "right" is read from: the quoted sentences and the short answer."""
    return " ".join([*(s.text for s in answer.sentences), answer.short or ""])


def is_right(answer: Answer, expect: Sequence[str]) -> bool:
    if answer.abstained:
        return False
    text = answer_words(answer).casefold()
    return all(word.casefold() in text for word in expect)


# (resolved, prefer previous articles, never abstain) -> answer
AskResolved = Callable[[Resolved, bool, bool], Answer]


# condition -> (the second question as resolved in context, prefer previous articles, never abstain)
_HOW = {
    "context": (True, True, False),
    "context_no_prefer": (True, False, False),
    "alone": (False, False, False),
    "alone_no_abstain": (False, False, True),
}
CONDITIONS = tuple(_HOW)


def evaluate(
    pairs: Sequence[Pair], ask: AskResolved, conditions: Sequence[str] = CONDITIONS
) -> list[Outcome]:
    """Each pair in a fresh conversation: the first question, then the second in each of `conditions`."""
    outcomes = []
    for pair in pairs:
        conversations = Conversations(clock=lambda: 0.0)
        first = conversations.resolve("bench", pair.first)
        conversations.remember("bench", first, ask(first, True, False))
        second = pair.second
        command_taken = False
        if pair.kind == "command":  # the edges' rule: a command is never a question, never context
            command_taken = not is_command(pair.second)
            if command_taken:
                taken = conversations.resolve("bench", pair.second)
                conversations.remember("bench", taken, ask(taken, True, False))
            second = pair.third
        resolved = conversations.resolve("bench", second)
        alone = Resolved(asked=second, question=second)
        answers = {}
        for condition in conditions:
            in_context, prefer, never_abstain = _HOW[condition]
            answers[condition] = ask(resolved if in_context else alone, prefer, never_abstain)
        outcomes.append(
            Outcome(
                pair=pair,
                taken_as=resolved.question,
                rewritten=command_taken if pair.kind == "command" else resolved.rewritten,
                right={c: is_right(a, pair.expect) for c, a in answers.items()},
                answers={
                    c: answer_words(a) if not a.abstained else "(abstained)" for c, a in answers.items()
                },
            )
        )
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> dict[str, dict[str, float | int]]:
    """Per group (`dev followup`, `heldout standalone`, …): n, right per condition, share rewritten."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(f"{outcome.pair.set} {outcome.pair.kind}", []).append(outcome)
    table: dict[str, dict[str, float | int]] = {}
    for name, group in sorted(groups.items()):
        row: dict[str, float | int] = {"n": len(group)}
        for condition in CONDITIONS:
            row[condition] = sum(o.right[condition] for o in group) / len(group)
        row["rewritten"] = sum(o.rewritten for o in group) / len(group)
        table[name] = row
    return table


def render(outcomes: Sequence[Outcome], verbose: bool = False) -> str:
    lines = [
        f"{'set':<22}{'n':>4}{'context':>10}{'no prefer':>11}{'alone':>8}{'alone, any':>14}{'rewritten':>11}",
    ]
    for name, row in summary(outcomes).items():
        lines.append(
            f"{name:<22}{row['n']:>4}{row['context']:>10.3f}{row['context_no_prefer']:>11.3f}"
            f"{row['alone']:>8.3f}{row['alone_no_abstain']:>14.3f}{row['rewritten']:>11.3f}"
        )
    wrong = [
        o
        for o in outcomes
        if (o.pair.kind in ("followup", "command") and not o.right["context"])
        or (o.pair.kind in ("standalone", "command") and o.rewritten)
        or (o.pair.kind == "standalone" and not o.right["context"])
    ]
    if wrong:
        lines += ["", "misses:"]
        for o in wrong:
            lines.append(f"  {o.pair.id} {o.pair.second!r} -> {o.taken_as!r}; expect {list(o.pair.expect)}")
            lines.append(f"      got: {o.answers['context'][:160]}")
    if verbose:
        lines += ["", "all:"]
        for o in outcomes:
            marks = " ".join(f"{c}={'Y' if o.right[c] else '-'}" for c in CONDITIONS)
            lines.append(f"  {o.pair.id} {marks} {o.taken_as!r}")
    return "\n".join(lines)


# SAID_PENALTY values the sweep tries (bot/answering/scoring.py); a large one stands for excluding the
# sentences.
SAID_SWEEP = (0.0, 0.3, 0.4, 0.45, 0.5, 0.6, 0.75, 1.0, 10.0)


def said_sweep(pairs: Sequence[Pair], ask: AskResolved, penalties: Sequence[float] = SAID_SWEEP) -> str:
    """Follow-ups right in context, by set, at each SAID_PENALTY: how the shipped value was chosen."""
    import bot.answering.scoring

    shipped = bot.answering.scoring.SAID_PENALTY
    followups = [p for p in pairs if p.kind == "followup"]
    sets = sorted({p.set for p in followups})
    sizes = {name: sum(p.set == name for p in followups) for name in sets}
    lines = [
        "| said penalty | " + " | ".join(f"{name} ({sizes[name]})" for name in sets) + " |",
        "|---:|" + "---:|" * len(sets),
    ]
    try:
        for penalty in penalties:
            bot.answering.scoring.SAID_PENALTY = penalty  # read at each call of bot.answering.scoring.score
            right = {o.pair.id: o.right["context"] for o in evaluate(followups, ask, ("context",))}
            shares = [sum(right[p.id] for p in followups if p.set == name) / sizes[name] for name in sets]
            mark = " (shipped)" if penalty == shipped else ""
            lines.append(f"| {penalty:g}{mark} | " + " | ".join(f"{share:.3f}" for share in shares) + " |")
    finally:
        bot.answering.scoring.SAID_PENALTY = shipped
    return "\n".join(lines)


def searcher_asker(searcher: Searcher, k: int) -> AskResolved:
    def ask(resolved: Resolved, prefer: bool, never_abstain: bool) -> Answer:
        if never_abstain:  # the baseline with the abstention a follow-up escapes taken away too
            return answer(resolved.question, searcher, k=k, threshold=0.0)
        return answer_resolved(resolved if prefer else replace(resolved, prefer=()), searcher, k=k)

    return ask


@click.command()
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="An index of the demo corpus (default: built with the real model in a temporary folder).",
)
@click.option("--data", type=click.Path(path_type=Path, dir_okay=False), default=DATA, show_default=True)
@click.option("--k", default=8, show_default=True, help="Passages retrieved, as `newsbot ask`.")
@click.option("--verbose", is_flag=True, help="One line per pair.")
@click.option("--sweep/--no-sweep", default=True, show_default=True, help="Also sweep SAID_PENALTY.")
def main(index_dir: Path | None, data: Path, k: int, verbose: bool, sweep: bool) -> None:
    """Follow-up pairs over the demo corpus: right in context, right alone (baseline), false rewrites."""
    from bot.settings import demo_corpus_dir
    from embeddings.build import build_index
    from embeddings.encoder import SentenceTransformerEncoder

    pairs = load_pairs(data)
    with tempfile.TemporaryDirectory(prefix="newsbot-followups-") as scratch:
        if index_dir is None:
            index_dir = Path(scratch) / "index"
            click.echo(f"building the demo index in {index_dir} …", err=True)
            build_index([demo_corpus_dir()], index_dir, SentenceTransformerEncoder())
        with Searcher.open(index_dir) as searcher:
            outcomes = evaluate(pairs, searcher_asker(searcher, k))
            swept = said_sweep(pairs, searcher_asker(searcher, k)) if sweep else ""
    click.echo(
        f"followups: {len(pairs)} pairs from {data.name}, k={k}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"Python {platform.python_version()}"
    )
    click.echo(render(outcomes, verbose))
    followups = [o for o in outcomes if o.pair.kind == "followup"]
    if followups:
        right = sum(o.right["context"] for o in followups) / len(followups)
        click.echo(f"\nall follow-ups, right in context: {right:.3f} (target {TARGET:.2f})")
    for name, group in (
        ("all standalone", [o for o in outcomes if o.pair.kind == "standalone"]),
        ("the 40 asked after an unrelated one (n01-n40)", [o for o in outcomes if o.pair.id[0] == "n"]),
    ):
        if group:
            taken = sum(o.rewritten for o in group)
            click.echo(
                f"{name}: taken as follow-ups {taken} of {len(group)} = {taken / len(group):.3f} "
                f"(target <= {STANDALONE_TARGET:.2f})"
            )
    commands = [o for o in outcomes if o.pair.kind == "command"]
    if commands:
        taken = sum(o.rewritten for o in commands)
        click.echo(f"commands taken as a question or context: {taken} of {len(commands)}")
    if swept:
        click.echo(f"\nfollow-ups right in context by SAID_PENALTY (bot/answering/scoring.py):\n{swept}")
