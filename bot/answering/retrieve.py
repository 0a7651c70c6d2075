"""Retrieve: the question cleaned (control characters, escape sequences, its length checked), then the hits
it is answered from, as of a day when one is given (bot/answering/timeframe.py narrows the search by a
relative date such as "last week" and prefers recent articles). Not handled: the scoring of what was found
(bot/answering/scoring.py)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.errors import EmptyQuestion, QuestionTooLong
from bot.escapes import strip_escape_sequences
from bot.models import Timeframe
from embeddings.models import Hit

MAX_QUESTION_CHARS = 2000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


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


class ArticleSearch(Protocol):
    """What answering needs of a searcher (`embeddings.search.Searcher` is one): the model its index was
    built with, for the confidence's scale, and a search."""

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
    from bot.answering.timeframe import search_as_of, without_timeframe

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
