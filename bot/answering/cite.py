"""Cite: the sentences the answer quotes (the best one, then those from its article that add a question term,
then those about the question that score close to it; no near-duplicates, at most MAX_SENTENCES), each
cited, sources numbered 1..N in order of first use; and, for an abstention, the closest articles.
Not handled: combining sentences (the answer quotes, it does not combine)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.answering.scoring import Candidate
from bot.answering.sentences import split_sentences
from bot.models import AnswerSentence, Citation
from embeddings.models import Hit

MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 700
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
NEAR_DUPLICATE = 0.6
CLOSEST_SOURCES = 3


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
        if any(near_duplicate(candidate, c) for c in chosen):
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


def cite(chosen: Sequence[Candidate]) -> tuple[tuple[AnswerSentence, ...], tuple[Citation, ...]]:
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


def closest(candidates: Sequence[Candidate], hits: Sequence[Hit]) -> tuple[Citation, ...]:
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


def near_duplicate(a: Candidate, b: Candidate) -> bool:
    if not a.terms or not b.terms:
        return False
    shared = len(a.terms & b.terms)
    return shared / min(len(a.terms), len(b.terms)) >= 0.85 or shared / len(a.terms | b.terms) >= (
        NEAR_DUPLICATE
    )
