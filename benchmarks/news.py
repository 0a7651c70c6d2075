"""Real news questions: retrieval and answers on RealTimeQA 2020 (`../shared/eval/rtqa-2020`), with
retrieval on SQuAD 2.0 (half dev) beside it so that a change for news cannot quietly cost SQuAD.

rtqa: 398 quiz questions, each with the one passage (of 398) that answers it, four choices and the right
one. Retrieval: Hit@1, Hit@5, MRR@10 of the gold passage for BM25 alone, dense alone, the hybrid as it
shipped before the news work (`HYBRID_BEFORE`) and the shipped pipeline, in one run on one index per set.
Answers: every question through the shipped `bot.answering.pipeline.compose` at the shipped threshold and at
0 (never abstain), judged by words (see `judge`). Every figure is given for both halves of a split too: rtqa
by the ISO week of the question's date (even/odd), SQuAD by the index of the Wikipedia article (even/odd), so
that anything fitted on one half can be read on the other.

Not measured: whether an answer is readable or short; the answer rate counts a right option named
anywhere in the answer's sentences, which a three-sentence answer does more often than a one-line one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np
import numpy.typing as npt

from benchmarks.answer_eval import machine, revision
from benchmarks.retrieval import (
    DEFAULT_EVAL_DIR,
    SQUAD_PATH,
    EvalSet,
    Question,
    Scores,
    build_and_open,
    eval_dir_option,
    gold_ranks,
    load_articles_jsonl,
    load_squad,
    score,
)
from corpus.ids import normalise_url
from corpus.models import Article
from embeddings.search import DEFAULT_FUSION, FusionConfig

if TYPE_CHECKING:
    from bot.models import Answer
    from embeddings.encoder import Encoder
    from embeddings.search import Searcher

RTQA_DIR = Path("rtqa-2020")
RESULTS = Path(__file__).resolve().parent / "results" / "news.md"
HALVES = ("even", "odd")
PARTS = ("all", *HALVES)
TARGET_MRR10_RTQA = 0.85  # issue 12's targets
TARGET_MRR10_SQUAD = 0.90
TARGET_HIT5 = 0.95

# The hybrid as it shipped before the news work (issue 12): a fixed 0.6 dense weight, no coverage term.
# Kept as the same-run baseline whatever the shipped defaults become.
HYBRID_BEFORE = FusionConfig(
    method="hybrid", dense_weight=0.6, dense_weight_uncovered=None, coverage_weight=0.0
)

METHODS: dict[str, FusionConfig] = {
    "BM25 alone": FusionConfig(method="keyword"),
    "dense alone": FusionConfig(method="dense"),
    "hybrid (before)": HYBRID_BEFORE,
    "shipped": DEFAULT_FUSION,
}

_WORD = re.compile(r"\w+")


def words(text: str) -> set[str]:
    """The `\\w+` words of `text`, lower-cased: what the judge compares."""
    return set(_WORD.findall(text.lower()))


@dataclass(frozen=True)
class NewsQuestion:
    """A quiz question, its gold passage's url (and article id), the four choices and the right one.

    `quotable`: the gold passage itself holds every word of the right option (274 of the 398): only then
    can an extractive answer quote it."""

    text: str
    gold_url: str
    choices: tuple[str, ...]
    answer: tuple[str, ...]  # the right option's text (one in this set)
    date: date
    gold: str = ""  # the gold passage's article id
    quotable: bool = False

    @property
    def half(self) -> str:
        """ "even" or "odd" by the ISO week of the question's date: the split to fit on one and read on the
        other (a week's questions share its news, so splitting inside a week would leak)."""
        return HALVES[self.date.isocalendar().week % 2]

    @property
    def right(self) -> str:
        return self.answer[0]

    @property
    def wrong(self) -> tuple[str, ...]:
        return tuple(c for c in self.choices if c not in self.answer)


def load_rtqa(eval_dir: Path = DEFAULT_EVAL_DIR) -> tuple[list[Article], list[NewsQuestion]]:
    """The passages as articles and the questions (with gold article id and `quotable`) of
    `eval_dir/rtqa-2020`. Raises FileNotFoundError when the set is not there."""
    folder = eval_dir / RTQA_DIR
    articles, by_url = load_articles_jsonl(folder / "corpus.jsonl")
    text_of = {a.id: a.text for a in articles}
    questions: list[NewsQuestion] = []
    for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        gold = by_url.get(normalise_url(str(record["gold_url"])), "")
        if not gold:
            raise ValueError(f"question without its passage in the corpus: {record['question']!r}")
        answer = tuple(str(a) for a in record["answer"])
        year, month, day = (int(part) for part in str(record["date"]).split("/"))
        questions.append(
            NewsQuestion(
                text=str(record["question"]),
                gold_url=str(record["gold_url"]),
                choices=tuple(str(c) for c in record["choices"]),
                answer=answer,
                date=date(year, month, day),
                gold=gold,
                quotable=bool(answer) and words(answer[0]) <= words(text_of[gold]),
            )
        )
    return articles, questions


@dataclass(frozen=True)
class Verdict:
    """How an answer did on a quiz question: abstained, named the right option (and no wrong one), or
    named a wrong option; and whether the closest option to its short answer is the right one
    (`closest_option`)."""

    abstained: bool
    right: bool
    named_wrong: bool
    closest_right: bool = False


def content_words(text: str) -> set[str]:
    """`words` without stop words; all of them when nothing else is left ("The Who")."""
    from bot.answering.sentences import STOPWORDS

    every = words(text)
    return (every - STOPWORDS) or every


def closest_option(answer: Answer, choices: Sequence[str]) -> str | None:
    """The option whose content words the answer's short answer holds the largest share of, when that
    share is above 0 and strictly ahead of every other option's; None otherwise (a tie names nothing).

    The short answer is the name, number or date the answer leads with; an answer without one is read by
    its first sentence, which is what a reader sees first. This is how a person would map a short reply
    onto a quiz's choices ("Hasidic" for "Hasidic Judaism"), which the all-words judge cannot."""
    if answer.abstained:
        return None
    said_text = answer.short if isinstance(answer.short, str) and answer.short else None
    if said_text is None:
        said_text = answer.sentences[0].text if answer.sentences else ""
    said = words(said_text)
    shares = []
    for option in choices:
        own = content_words(option)
        shares.append((len(own & said) / len(own) if own else 0.0, option))
    shares.sort(key=lambda pair: -pair[0])
    if not shares or shares[0][0] <= 0.0 or (len(shares) > 1 and shares[1][0] >= shares[0][0]):
        return None
    return shares[0][1]


def judge(answer: Answer, question: NewsQuestion) -> Verdict:
    """Judge by words: the answer's sentences (and its short answer, if it has one) hold every word of
    the right option and not all the words of any wrong option.

    A wrong option's words that the right option also has do not count ("Reform Judaism" is named by
    "reform", not by "judaism", when the right option is "Hasidic Judaism"); a wrong option made only of
    the right option's words can never be named. The `[n]` markers are not read (a "3" would match)."""
    if answer.abstained:
        return Verdict(abstained=True, right=False, named_wrong=False)
    parts = [s.text for s in answer.sentences]
    short = getattr(answer, "short", None)
    if isinstance(short, str):
        parts.append(short)
    said = words(" ".join(parts))
    right = words(question.right)
    named_wrong = False
    for option in question.wrong:
        own = words(option) - right
        if own and own <= said:
            named_wrong = True
    return Verdict(
        abstained=False,
        right=bool(right) and right <= said and not named_wrong,
        named_wrong=named_wrong,
        closest_right=closest_option(answer, question.choices) == question.right,
    )


# --- retrieval ------------------------------------------------------------------------------------


def squad_halves(eval_set: EvalSet) -> list[str]:
    """Each SQuAD question's half: "even" or "odd" by the index of its Wikipedia article in the file
    (questions on one article never sit in both halves)."""
    title_of = {a.id: a.title or "" for a in eval_set.articles}
    order: dict[str, int] = {}
    for article in eval_set.articles:
        order.setdefault(article.title or "", len(order))
    return [HALVES[order[title_of[q.gold]] % 2] for q in eval_set.questions]


def by_half(ranks: Sequence[int | None], halves: Sequence[str]) -> dict[str, Scores]:
    """Scores over all questions and over each half."""
    figures = {"all": score(ranks)}
    for half in HALVES:
        figures[half] = score([r for r, h in zip(ranks, halves, strict=True) if h == half])
    return figures


def retrieval_figures(
    searcher: Searcher,
    questions: Sequence[Question],
    vectors: npt.NDArray[np.float32],
    halves: Sequence[str],
    methods: dict[str, FusionConfig] | None = None,
) -> dict[str, dict[str, Scores]]:
    """Hit@1, Hit@5, MRR@10 of every method, over all questions and by half."""
    return {
        name: by_half(gold_ranks(searcher, questions, vectors, fusion), halves)
        for name, fusion in (methods or METHODS).items()
    }


# --- answers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerScores:
    questions: int
    quotable: int
    right: float  # share of all questions whose answer names the right option and no wrong one
    right_quotable: float  # the same over the questions whose gold passage holds the right option
    named_wrong: float
    abstained: float  # every question is answerable: each abstention is a false one


def answer_scores(verdicts: Sequence[Verdict], questions: Sequence[NewsQuestion]) -> AnswerScores:
    n = len(verdicts)
    quotable = [v for v, q in zip(verdicts, questions, strict=True) if q.quotable]
    if n == 0:
        return AnswerScores(0, 0, 0.0, 0.0, 0.0, 0.0)
    return AnswerScores(
        questions=n,
        quotable=len(quotable),
        right=sum(v.right for v in verdicts) / n,
        right_quotable=sum(v.right for v in quotable) / max(1, len(quotable)),
        named_wrong=sum(v.named_wrong for v in verdicts) / n,
        abstained=sum(v.abstained for v in verdicts) / n,
    )


def answer_figures(
    searcher: Searcher,
    questions: Sequence[NewsQuestion],
    vectors: npt.NDArray[np.float32],
    thresholds: dict[str, float],
    fusion: FusionConfig | None = None,
    k: int = 8,
) -> dict[str, dict[str, AnswerScores]]:
    """Every question answered from the same `k` hits at each threshold through the shipped
    `bot.answering.pipeline.compose`, judged, over all questions and by half."""
    from bot.answering.pipeline import compose
    from bot.answering.retrieve import clean_question

    verdicts: dict[str, list[Verdict]] = {name: [] for name in thresholds}
    for question, vector in zip(questions, vectors, strict=True):
        text = clean_question(question.text)
        hits = searcher.search_with_vector(text, vector, k=k, fusion=fusion)
        for name, threshold in thresholds.items():
            verdicts[name].append(judge(compose(text, hits, threshold), question))
    figures: dict[str, dict[str, AnswerScores]] = {}
    for name, judged in verdicts.items():
        figures[name] = {"all": answer_scores(judged, questions)}
        for half in HALVES:
            chosen = [(v, q) for v, q in zip(judged, questions, strict=True) if q.half == half]
            figures[name][half] = answer_scores([v for v, _ in chosen], [q for _, q in chosen])
    return figures


# --- running --------------------------------------------------------------------------------------


def query_vectors(encoder: Encoder, texts: Sequence[str], cache: Path | None) -> npt.NDArray[np.float32]:
    """The encoded questions, read from `cache` (a folder) when an earlier run encoded the same texts
    with the same model."""
    path = None
    if cache is not None:
        digest = hashlib.sha256("\n".join([encoder.name, *texts]).encode("utf-8")).hexdigest()[:16]
        path = cache / f"queries-{digest}.npy"
        if path.is_file():
            return np.load(path)
    vectors = np.asarray(encoder.encode_queries(list(texts)), dtype=np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


@dataclass(frozen=True)
class SetFigures:
    name: str
    articles: int
    chunks: int
    target_mrr10: float
    retrieval: dict[str, dict[str, Scores]]
    answers: dict[str, dict[str, AnswerScores]] | None = None


def run_rtqa(
    articles: Sequence[Article],
    questions: Sequence[NewsQuestion],
    encoder: Encoder,
    index_dir: Path,
    keep: bool = False,
    k: int = 8,
    log: Callable[[str], None] = lambda _: None,
) -> SetFigures:
    """Retrieval and answers on the news questions, on one index."""
    from bot.answering.confidence import ABSTAIN_BELOW
    from bot.answering.retrieve import clean_question

    eval_set = EvalSet("rtqa-2020", tuple(articles), tuple(Question(q.text, q.gold) for q in questions))
    searcher, _ = build_and_open(eval_set, index_dir, encoder, log, update=keep)
    try:
        texts = [clean_question(q.text) for q in questions]
        vectors = query_vectors(encoder, texts, index_dir if keep else None)
        retrieval = retrieval_figures(searcher, eval_set.questions, vectors, [q.half for q in questions])
        answers = answer_figures(
            searcher, questions, vectors, {"shipped": ABSTAIN_BELOW, "never abstain": 0.0}, k=k
        )
        before = answer_figures(
            searcher, questions, vectors, {"shipped": ABSTAIN_BELOW}, fusion=HYBRID_BEFORE, k=k
        )
        answers["shipped, hybrid (before) retrieval"] = before["shipped"]
        chunks = searcher.manifest.chunks
    finally:
        searcher.close()
    return SetFigures("rtqa-2020", len(articles), chunks, TARGET_MRR10_RTQA, retrieval, answers)


def run_squad(
    eval_set: EvalSet,
    encoder: Encoder,
    index_dir: Path,
    keep: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> SetFigures:
    """Retrieval on SQuAD 2.0's answerable questions, on one index."""
    searcher, _ = build_and_open(eval_set, index_dir, encoder, log, update=keep)
    try:
        vectors = query_vectors(encoder, [q.text for q in eval_set.questions], index_dir if keep else None)
        retrieval = retrieval_figures(searcher, eval_set.questions, vectors, squad_halves(eval_set))
        chunks = searcher.manifest.chunks
    finally:
        searcher.close()
    return SetFigures(eval_set.name, len(eval_set.articles), chunks, TARGET_MRR10_SQUAD, retrieval)


# --- the report -----------------------------------------------------------------------------------


def _triple(s: Scores) -> str:
    return f"{s.hit1:.3f} / {s.hit5:.3f} / {s.mrr10:.3f}"


def render_retrieval(figures: SetFigures) -> list[str]:
    parts = figures.retrieval[next(iter(figures.retrieval))]
    counts = ", ".join(f"{part} {parts[part].questions}" for part in PARTS)
    lines = [
        f"### Retrieval: {figures.name} ({figures.articles} articles, {figures.chunks} chunks; questions: "
        f"{counts})",
        "",
        "Hit@1 / Hit@5 / MRR@10 of the gold article.",
        "",
        "| method | all | even half | odd half |",
        "|---|---|---|---|",
    ]
    for name, scores in figures.retrieval.items():
        cells = [_triple(scores[part]) for part in PARTS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    shipped = figures.retrieval.get("shipped")
    singles = [figures.retrieval[m]["all"] for m in ("BM25 alone", "dense alone") if m in figures.retrieval]
    if shipped is not None and singles:
        best = max(s.mrr10 for s in singles)
        target = figures.target_mrr10
        s = shipped["all"]
        lines += [
            "",
            f"Shipped MRR@10 {s.mrr10:.3f} vs best single method {best:.3f}: "
            f"{'beats it' if s.mrr10 > best else 'does NOT beat it'}; target MRR@10 ≥ {target:.2f} "
            f"{'met' if s.mrr10 >= target else 'not met'}, Hit@5 ≥ {TARGET_HIT5:.2f} "
            f"{'met' if s.hit5 >= TARGET_HIT5 else 'not met'}.",
        ]
    return lines


def render_answers(figures: SetFigures) -> list[str]:
    if not figures.answers:
        return []
    first = figures.answers[next(iter(figures.answers))]["all"]
    lines = [
        f"### Answers: {figures.name} ({first.questions} questions, all answerable; the gold passage holds "
        f"the right option's words for {first.quotable})",
        "",
        "Right: the answer's sentences name every word of the right option and not all of a wrong one's. "
        "Rates over all questions (right also over the quotable ones); every abstention is a false one.",
        "",
        "| setting | right | right (quotable) | named wrong | abstained | even: right / wrong / abst. "
        "| odd: right / wrong / abst. |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, parts in figures.answers.items():
        a = parts["all"]
        halves = [
            f"{parts[h].right:.3f} / {parts[h].named_wrong:.3f} / {parts[h].abstained:.3f}" for h in HALVES
        ]
        lines.append(
            f"| {name} | {a.right:.3f} | {a.right_quotable:.3f} | {a.named_wrong:.3f} | {a.abstained:.3f} | "
            + " | ".join(halves)
            + " |"
        )
    return lines


def render(sets: Sequence[SetFigures], command: str, seconds: float, code: str) -> str:
    from bot.answering.confidence import ABSTAIN_BELOW

    lines = [
        "# News questions: retrieval and answers (RealTimeQA 2020), with SQuAD 2.0 retrieval beside it",
        "",
        f"Run: `{command}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {code or 'no git'}, {machine()}; "
        f"load average {'/'.join(f'{v:.2f}' for v in os.getloadavg())} at the end; {seconds:.0f} s.",
        f"Model all-MiniLM-L6-v2. Shipped fusion: `{DEFAULT_FUSION}`; hybrid (before): `{HYBRID_BEFORE}`. "
        "Answers through the shipped `bot.answering.pipeline.compose`, k=8, "
        f"shipped threshold {ABSTAIN_BELOW}.",
        "Halves: rtqa by the ISO week of the question's date (even/odd), SQuAD by the index of the "
        "Wikipedia article (even/odd).",
    ]
    for figures in sets:
        lines += ["", *render_retrieval(figures)]
        answers = render_answers(figures)
        if answers:
            lines += ["", *answers]
    return "\n".join(lines) + "\n"


@click.command()
@eval_dir_option("The shared evaluation folder (holds rtqa-2020/ and squad2-dev-half/).")
@click.option("--squad/--no-squad", default=True, show_default=True, help="Measure SQuAD retrieval too.")
@click.option(
    "--k", type=click.IntRange(min=1), default=8, show_default=True, help="Passages an answer reads."
)
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the indexes and query vectors here: later runs update them instead of re-embedding.",
)
@click.option("--write", is_flag=True, help="Write benchmarks/results/news.md (full run only).")
def main(eval_dir: Path, squad: bool, k: int, index_dir: Path | None, write: bool) -> None:
    """Real news questions (RealTimeQA 2020): retrieval and answers, beside same-run baselines."""
    from embeddings.encoder import SentenceTransformerEncoder

    try:
        articles, questions = load_rtqa(eval_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(
            f"no news set under {eval_dir / RTQA_DIR} ({exc}); use --eval-dir"
        ) from exc
    squad_path = eval_dir / SQUAD_PATH
    if squad and not squad_path.is_file():
        raise click.ClickException(f"no SQuAD set at {squad_path} (use --eval-dir, or --no-squad)")

    def log(message: str) -> None:
        click.echo(message, err=True)

    code = revision()  # before the run: the code imported is the code at start
    encoder = SentenceTransformerEncoder()
    started = time.perf_counter()
    sets: list[SetFigures] = []
    with tempfile.TemporaryDirectory(prefix="newsbot-news-") as temp:
        root = index_dir or Path(temp)
        sets.append(run_rtqa(articles, questions, encoder, root / "rtqa", index_dir is not None, k, log))
        if squad:
            sets.append(
                run_squad(load_squad(squad_path), encoder, root / "squad", index_dir is not None, log)
            )
    args = ["python -m benchmarks news"]
    if not squad:
        args.append("--no-squad")
    if k != 8:
        args.append(f"--k {k}")
    text = render(sets, " ".join(args), time.perf_counter() - started, code)
    click.echo(text)
    if write:
        if not squad:
            raise click.ClickException("--write needs the full run (without --no-squad)")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        click.echo(f"written to {RESULTS}")
