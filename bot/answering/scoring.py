"""Score the sentences: every sentence of the retrieved passages against the question, by IDF-weighted overlap
with the question (its own and its passage's), the proximity of the matched terms, the retrieval and
embedding scores of its passage, its position in the article and whether it holds what the question asks
for (bot/answering/spans.py: an amount for "how much ... cost", a date for "when", a name for "who" or
"which company"); that span becomes the answer's `short`. A sentence the previous answer of a conversation
quoted loses SAID_PENALTY. Not handled: whether the best sentence is right (bot/answering/confidence.py),
languages whose words are not separated by spaces (the term matching is word-based)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.answering.sentences import content_terms, split_sentences, tokens
from bot.answering.spans import answer_type, find_span, lower_case_words
from embeddings.models import Hit

# A sentence holding what the question asks for (bot/answering/spans.py: an amount for "how much ... cost", a
# date for "when", a name for "who" or "which company") gains this much: at 0.1 the demo's "How much will the
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

# A sentence the previous answer of a conversation quoted loses this much when a follow-up is answered
# (bot/answering/followup.py): the person has just read it, and the follow-up asks for something new. Not
# excluded: "By how many votes?" after "When did the council approve the tram?" is answered by the same
# sentence. Chosen on the 40 dev follow-ups of benchmarks/followups.jsonl, where 0.45 to 0.75 tie at 0.900
# (0.3 and 0.4: 0.875; 0, as before: 0.825; 1: 0.700; excluding them: 0.575), in the middle of that plateau;
# the held-out 45 read 0.844 at 0.5 (benchmarks/results/followups.md has the sweep). More than TYPE_WEIGHT,
# because the follow-up carries the previous topic's words, which the sentence already quoted holds.
SAID_PENALTY = 0.5


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


def score(
    question: str, hits: Sequence[Hit], *, said: frozenset[str] = frozenset()
) -> tuple[Scoring, list[Candidate]] | None:
    """Every sentence of `hits` scored against `question`, best first, with what they were scored against;
    None when the question has no content term or nothing was retrieved. A sentence in `said` loses
    SAID_PENALTY (read at each call, so a benchmark can sweep it)."""
    query = content_terms(question)
    if not query or not hits:
        return None
    idf = _idf(query, [hit.chunk.text for hit in hits])
    total = sum(idf[t] for t in query)
    wanted = answer_type(question)
    scoring = Scoring(
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
    return scoring, candidates


@dataclass(frozen=True)
class Scoring:
    """What every sentence of one question's passages is scored against."""

    question: str
    weights: dict[str, float]  # each question term's share of the question's IDF mass
    wanted: str | None  # what the question asks for (bot/answering/spans.py), if its wording says
    common: frozenset[str]  # words the passages write in lower case: no names when opening a sentence
    question_tokens: frozenset[str]


def _passage_candidates(scoring: Scoring, hit: Hit, passage_weight: float) -> list[Candidate]:
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
