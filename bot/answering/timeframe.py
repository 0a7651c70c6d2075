"""Relative dates in a question ("yesterday", "last week", "on Monday", "in March", "two days ago"),
resolved against the day the question is asked (its as-of date) into a window of publication days.

The window is what the articles reporting on that time were published in: an event of "yesterday" is
reported yesterday or today, and March's news is still written about in April, so every window runs from
the start of the named time to the as-of date (never past it). On the news questions a closed window ("in
March" ending a week after March) cost three questions whose article came later, and MRR@10 0.969 against
0.961 with windows closing a week after (benchmarks/results/recency.md). Where people mean two things
("last week": the previous calendar week, or the past seven days) the window covers both: newsbot uses it
as a filter, and a filter can only cut, so it is the wider reading that keeps the right article.

Not handled: bare years ("a 2018 op-ed" is not a question about 2018), explicit dates ("on 3 March
2020", which `--since`/`--until` express), ranges ("between May and July"), times of day, other
languages, and future references ("next week": news archives hold no future articles).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.models import Timeframe

if TYPE_CHECKING:
    from collections.abc import Callable

    from embeddings.models import Hit

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a couple of": 2,
    "a few": 3,
    "few": 3,
    "several": 4,
}
# A month named after "in", "during", "since", "early", "late" or "mid": "may" alone is a verb and "march"
# a noun, so a bare month name is never read as a date.
_MONTH = re.compile(
    r"\b(?:in|during|early|late|mid|mid-|since|throughout|last|this)\s+(?:early\s+|late\s+|mid-?)?("
    + "|".join(MONTHS)
    + r")\b(?!\s+\d{1,2}\b)(?:\s+(\d{4})\b)?",
    re.I,
)
_AGO = re.compile(
    r"\b(\d{1,2}|" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + r")\s+"
    r"(day|days|week|weeks|month|months)\s+ago\b",
    re.I,
)
_PAST = re.compile(
    r"\b(?:past|last)\s+(\d{1,2}|"
    + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
    + r")\s+(days|weeks|months)\b",
    re.I,
)
_WEEKDAY = re.compile(r"\b(?:on|last|this|since)\s+(" + "|".join(WEEKDAYS) + r")\b", re.I)
_FIXED = re.compile(
    r"\b(today|tonight|this morning|this afternoon|this evening|yesterday|the day before yesterday|"
    r"(?:this|last|past)\s+(?:week|weekend|month|year)|"
    r"(?:earlier|later)\s+this\s+(?:week|month|year)|"
    r"the\s+(?:past|last)\s+(?:week|month|year))\b",
    re.I,
)


def resolve_timeframe(question: str, as_of: date) -> Timeframe | None:
    """The window of publication days the question's relative date names, seen from `as_of`; None when
    it names none. The first match in the question wins."""
    found: list[tuple[int, Timeframe]] = []
    for pattern, reader in (
        (_FIXED, _fixed),
        (_AGO, _ago),
        (_PAST, _past),
        (_WEEKDAY, _weekday),
        (_MONTH, _month),
    ):
        for match in pattern.finditer(question):
            since = reader(match, as_of)
            if since is not None and since <= as_of:
                found.append((match.start(), Timeframe(since, as_of, match.group(0))))
    if not found:
        return None
    return min(found, key=lambda item: item[0])[1]


def _fixed(match: re.Match[str], as_of: date) -> date | None:
    words = " ".join(match.group(1).lower().split())
    day = timedelta(days=1)
    if words in {"today", "tonight", "this morning", "this afternoon", "this evening"}:
        return as_of
    if words == "yesterday":
        return as_of - day
    if words == "the day before yesterday":
        return as_of - 2 * day
    unit = words.rsplit(" ", 1)[-1]
    last = words.startswith(("last", "past", "the"))
    if unit == "weekend":
        # The last Saturday on or before as-of; "last weekend" seen on a Saturday or Sunday is the one before.
        saturday = as_of - timedelta(days=(as_of.weekday() - 5) % 7)
        if words.startswith("last") and as_of.weekday() >= 5:
            saturday -= timedelta(days=7)
        return saturday
    if unit == "week":
        # "this week" read as the past seven days too: a quiz asked on Monday about "this week" means the
        # days before it.
        return as_of - timedelta(days=13 if last else 6)
    if unit == "month":
        if last and not words.startswith(("past", "the")):
            return (as_of.replace(day=1) - day).replace(day=1)
        if last:
            return as_of - timedelta(days=31)
        return as_of.replace(day=1)
    if unit == "year":
        if words.startswith("last"):
            return date(as_of.year - 1, 1, 1)
        if last:
            return as_of - timedelta(days=366)
        return date(as_of.year, 1, 1)
    return None


def _count(text: str) -> int:
    text = " ".join(text.lower().split())
    return int(text) if text.isdigit() else _NUMBER_WORDS.get(text, 0)


def _ago(match: re.Match[str], as_of: date) -> date | None:
    count = _count(match.group(1))
    unit = match.group(2).lower().rstrip("s")
    if count <= 0:
        return None
    days = {"day": 1, "week": 7, "month": 30}[unit] * count
    # From a little before the day named, wider for longer spans (a "month ago" is rarely meant to the day).
    slack = {"day": 1, "week": 3, "month": 10}[unit]
    return as_of - timedelta(days=days + slack)


def _past(match: re.Match[str], as_of: date) -> date | None:
    count = _count(match.group(1))
    if count <= 0:
        return None
    days = {"days": 1, "weeks": 7, "months": 30}[match.group(2).lower()] * count
    return as_of - timedelta(days=days)


def _weekday(match: re.Match[str], as_of: date) -> date | None:
    wanted = WEEKDAYS.index(match.group(1).lower())
    back = (as_of.weekday() - wanted) % 7
    if match.group(0).lower().startswith("last") and back == 0:
        back = 7
    # Reported that day or after it (a Monday night's event is Tuesday's news).
    return as_of - timedelta(days=back)


def _month(match: re.Match[str], as_of: date) -> date | None:
    month = MONTHS.index(match.group(1).lower()) + 1
    lead = match.group(0).lower().split()[0]
    if match.group(2):
        year = int(match.group(2))
    else:
        # The latest such month not after as-of ("in March" asked in January is last year's March);
        # "last March" asked in March is last year's too.
        year = as_of.year if month <= as_of.month else as_of.year - 1
        if lead == "last" and month == as_of.month:
            year -= 1
    first = date(year, month, 1)
    if first > as_of:
        return None
    return first


def without_timeframe(question: str, as_of: date) -> str:
    """`question` with the relative date it names taken out ("How much is the fare this week?" -> "How
    much is the fare?"): the words of a date are not what the answer's sentences are to share with it."""
    frame = resolve_timeframe(question, as_of)
    if frame is None:
        return question
    start = question.find(frame.phrase)
    rest = question[:start] + question[start + len(frame.phrase) :]
    return re.sub(r"\s+([?!.,;:])", r"\1", " ".join(rest.split()))


def narrow(
    since: date | None, until: date | None, timeframe: Timeframe | None
) -> tuple[date | None, date | None] | None:
    """[since, until] cut to the question's timeframe; None when they do not overlap (the timeframe is
    then ignored: the user's own filters win)."""
    if timeframe is None:
        return since, until
    low = max(since, timeframe.since) if since is not None else timeframe.since
    high = min(until, timeframe.until) if until is not None else timeframe.until
    return (low, high) if low <= high else None


def search_as_of(
    search: Callable[[date | None, date | None], list[Hit]],
    question: str,
    since: date | None = None,
    until: date | None = None,
    as_of: date | None = None,
) -> tuple[list[Hit], Timeframe | None]:
    """The hits `search(since, until)` gives for `question` asked as of `as_of`, and the timeframe its
    relative date named, when the articles of that timeframe gave any hits.

    A relative date narrows the search to its window; when nothing in the window matches (the archive has
    no article from then), the search runs again without it, so a misread phrase cannot empty an answer.
    """
    timeframe = resolve_timeframe(question, as_of) if as_of is not None else None
    window = narrow(since, until, timeframe)
    if timeframe is not None and window is not None and window != (since, until):
        hits = search(*window)
        if hits:
            return hits, timeframe
    return search(since, until), None
