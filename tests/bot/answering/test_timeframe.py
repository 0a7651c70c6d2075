"""Relative dates in questions, read against the as-of day, and the search that falls back when a
timeframe holds nothing."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.timeframe import narrow, resolve_timeframe, search_as_of, without_timeframe
from bot.models import Timeframe

FRIDAY = date(2020, 6, 5)  # a Friday


@pytest.mark.parametrize(
    ("question", "since", "phrase"),
    [
        ("What happened today in Exampleton?", date(2020, 6, 5), "today"),
        ("Who resigned yesterday?", date(2020, 6, 4), "yesterday"),
        ("What did the council vote the day before yesterday?", date(2020, 6, 3), "the day before yesterday"),
        ("Which company announced a merger this week?", date(2020, 5, 30), "this week"),
        ("Which team won last week?", date(2020, 5, 23), "last week"),
        ("What closed this month?", date(2020, 6, 1), "this month"),
        ("What opened last month?", date(2020, 5, 1), "last month"),
        ("Who was elected last year?", date(2019, 1, 1), "last year"),
        ("Which bridge was closed two days ago?", date(2020, 6, 2), "two days ago"),
        ("What was announced 3 weeks ago?", date(2020, 5, 12), "3 weeks ago"),
        ("What rose over the past 10 days?", date(2020, 5, 26), "past 10 days"),
        ("Who spoke on Monday?", date(2020, 6, 1), "on Monday"),
        ("Who spoke last Friday?", date(2020, 5, 29), "last Friday"),
        ("Which festival was held last weekend?", date(2020, 5, 30), "last weekend"),
        ("What did the mayor promise in March?", date(2020, 3, 1), "in March"),
        ("What did the mayor promise in December?", date(2019, 12, 1), "in December"),
        ("What was decided in March 2018?", date(2018, 3, 1), "in March 2018"),
        ("What has changed since April?", date(2020, 4, 1), "since April"),
    ],
)
def test_relative_dates_resolve_against_the_as_of_day(question: str, since: date, phrase: str) -> None:
    frame = resolve_timeframe(question, FRIDAY)
    assert frame == Timeframe(since, FRIDAY, phrase)


@pytest.mark.parametrize(
    "question",
    [
        "Who may lead the party?",  # "may" is a verb
        "Why did the protesters march on the capital?",  # "march" is a verb
        "What did the 2018 report say?",  # a bare year is not a timeframe
        "What will happen next week?",  # no future articles
        "How many ships were sunk?",
    ],
)
def test_questions_without_a_relative_date_name_no_timeframe(question: str) -> None:
    assert resolve_timeframe(question, FRIDAY) is None


def test_a_month_after_the_as_of_day_names_last_years_month() -> None:
    frame = resolve_timeframe("What happened in July?", FRIDAY)
    assert frame is not None and frame.since == date(2019, 7, 1)
    assert resolve_timeframe("What happened in July 2020?", FRIDAY) is None  # not yet, as of June


def test_the_first_relative_date_in_the_question_wins() -> None:
    frame = resolve_timeframe("What did the minister say yesterday about last year's floods?", FRIDAY)
    assert frame is not None and frame.phrase == "yesterday"


def test_narrow_keeps_the_users_own_filters() -> None:
    frame = Timeframe(date(2020, 5, 30), FRIDAY, "this week")
    assert narrow(None, None, frame) == (date(2020, 5, 30), FRIDAY)
    assert narrow(date(2020, 6, 1), None, frame) == (date(2020, 6, 1), FRIDAY)
    assert narrow(None, date(2020, 5, 1), frame) is None  # no overlap: the timeframe gives way
    assert narrow(None, date(2020, 5, 1), None) == (None, date(2020, 5, 1))


class RecordedSearch:
    """A search that records the windows it is asked for and finds `found` in windows starting
    on or before `finds_after` (None: in every window)."""

    def __init__(self, found: list[str], finds_after: date | None = None) -> None:
        self.found = found
        self.finds_after = finds_after
        self.windows: list[tuple[date | None, date | None]] = []

    def __call__(self, since: date | None, until: date | None) -> list[str]:
        self.windows.append((since, until))
        if self.finds_after is not None and since is not None and since > self.finds_after:
            return []
        return self.found


def test_search_as_of_narrows_to_the_timeframe() -> None:
    search = RecordedSearch(["new article"])
    hits, frame = search_as_of(search, "Who won yesterday?", as_of=FRIDAY)  # type: ignore[arg-type]
    assert hits == ["new article"] and frame is not None and frame.phrase == "yesterday"
    assert search.windows == [(date(2020, 6, 4), FRIDAY)]


def test_search_as_of_falls_back_when_the_timeframe_holds_nothing() -> None:
    search = RecordedSearch(["old article"], finds_after=date(2020, 1, 1))
    hits, frame = search_as_of(search, "Who won yesterday?", as_of=FRIDAY)  # type: ignore[arg-type]
    assert hits == ["old article"] and frame is None  # the answer does not claim a window it left
    assert search.windows == [(date(2020, 6, 4), FRIDAY), (None, None)]


def test_without_an_as_of_day_nothing_is_read_as_a_date() -> None:
    search = RecordedSearch(["x"])
    _, frame = search_as_of(search, "Who won yesterday?")  # type: ignore[arg-type]
    assert frame is None and search.windows == [(None, None)]


def test_the_relative_date_is_taken_out_of_the_question_the_sentences_are_scored_against() -> None:
    assert without_timeframe("How much will the fare be this week?", FRIDAY) == "How much will the fare be?"
    assert without_timeframe("Who resigned yesterday, and why?", FRIDAY) == "Who resigned, and why?"
    assert without_timeframe("Who resigned?", FRIDAY) == "Who resigned?"
