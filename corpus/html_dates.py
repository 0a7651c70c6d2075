"""The published and updated date-times of an HTML page (trafilatura alone: right to the day on 0.848
of dated wcxb-dev pages; ours 0.901).

published: the date the page labels as published, else the first date shown below, else above, the
headline (not labelled as an update), that the metadata also gives: JSON-LD `datePublished`/
`dateModified`, `article:published_time`-style meta tags, `<time datetime>`, htmldate's day; else
htmldate's day (through trafilatura), made precise with a JSON-LD or meta date-time of the same day, so the
time and offset the page gives are kept; else those alone. A page with no date in its metadata is dated by
its dateline, unless htmldate's day is shown too (or is a day off it). htmldate's day is not taken when
it is only the modification date and the page does not show it. An all-numeric date that reads both ways
("09.10.2024") is read the way the page's other dates give it. updated: JSON-LD `dateModified`, then
modified-time meta tags. The offset the page gives is kept; a page that gives none yields a naive datetime
(midnight for a day alone).

It does not handle: relative dates ("3 days ago": no crawl date to count from), dates `corpus.dates`
cannot read, an "Updated" label on the line before a date (it then counts as shown), or a shown date that
only the page's modification metadata gives while htmldate has the stated publication date (the shown
one wins; reversing that: 2 pages right, 5 wrong on wcxb-dev).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from corpus.html_page import ARTICLE_TYPES, Page


def _parsed_all(values: list[Any]) -> list[datetime]:
    """The values that read as date-times, in order."""
    return [when for when in map(_parse_when, values) if when is not None]


def _parse_when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    from corpus.dates import parse_datetime

    return parse_datetime(text)


_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "pubdate",
    "sailthru.date",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "parsely-pub-date",
    "article.published",
    "published_time",
    "og:published_time",
)
_UPDATED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "last-modified",
    "dcterms.modified",
)


_UPDATED_LABEL = re.compile(r"\b(?:updated|modified|revised|edited|reviewed)\b", re.IGNORECASE)
# Lines longer than this are prose, not a dateline.
MAX_DATELINE_CHARS = 120
# The dateline is looked for in the visible lines from this many before the headline (the first h1) to
# this many after it; further away are comment dates, teasers, footers. A page without an h1: every line.
# (10/25 -> 87.7% of dated wcxb-dev pages right to the day, 5/25 -> 87.2%, 5/10 -> 87.0%.)
DATELINE_BEFORE, DATELINE_AFTER = 10, 25


# An all-numeric date with the year last; when both other numbers are 12 or less it reads both ways.
_NUMERIC_DATE = re.compile(r"\s*(?P<a>\d{1,2})(?P<s>[./-])(?P<b>\d{1,2})(?P=s)(?:\d{4}|\d{2})(?!\d)")


def _readings(text: str, when: date) -> tuple[date, ...]:
    """`when` (how `corpus.dates` read `text`), and the other reading when `text` is an all-numeric date
    whose day and month could be swapped ("09.10.2024": 9 October, or 10 September the US way)."""
    m = _NUMERIC_DATE.match(text)
    if m is None or int(m["a"]) > 12 or int(m["b"]) > 12 or m["a"] == m["b"] or when.day > 12:
        return (when,)
    return (when, when.replace(month=when.day, day=when.month))


_PUBLISHED_LABEL = re.compile(
    r"\b(?:published|posted|publié|publicado|pubblicato|veröffentlicht)(?:\s+(?:on|am|le|el|em|il))?[\s:]*$",
    re.IGNORECASE,
)


_PUBLISHED_WORD = re.compile(r"publi|posted|veröffentlicht", re.IGNORECASE)


def _labelled_published(page: Page) -> tuple[date, ...] | None:
    """The readings of the first date anywhere on the page that it labels as its publication date, on the
    same line or the line before ("Published on March 3, 2024"; "Posted:" then "03/03/2024")."""
    from corpus.dates import find_datetimes

    previous = ""
    for line in page.lines:
        if (
            len(line) <= MAX_DATELINE_CHARS
            and any(c.isdigit() for c in line)
            and (_PUBLISHED_WORD.search(line) or _PUBLISHED_WORD.search(previous))
        ):
            found = find_datetimes(line)
            if found:
                label = line[: found[0].start][-40:].strip() or previous
                if _PUBLISHED_LABEL.search(label):
                    return _readings(line[found[0].start : found[0].end], found[0].value.date())
        previous = line
    return None


def _shown(page: Page, updates: bool = False) -> list[tuple[date, ...]]:
    """The readings of each date shown near the headline (see `shown_days`), updates too if `updates`."""
    from corpus.dates import find_datetimes

    at = next((i for i, line in enumerate(page.lines) if line in page.h1), None)
    # Below the headline first, then above it, nearest first: a dateline mostly sits under the headline,
    # while above it are the site's "today" line and teasers as often as a dateline.
    lines = (
        page.lines
        if at is None
        else page.lines[at : at + DATELINE_AFTER] + page.lines[max(0, at - DATELINE_BEFORE) : at][::-1]
    )
    labelled = _labelled_published(page)
    shown: list[tuple[date, ...]] = [labelled] if labelled else []
    for line in lines:
        if len(line) > MAX_DATELINE_CHARS or not any(c.isdigit() for c in line):
            continue
        previous_end = 0
        for found in find_datetimes(line):
            label = line[previous_end : found.start][-30:]
            previous_end = found.end
            if updates or not _UPDATED_LABEL.search(label):
                shown.append(_readings(line[found.start : found.end], found.value.date()))
    return shown


def shown_days(page: Page) -> list[date]:
    """The days the page shows its reader: first the one it labels as published ("Published on ...")
    wherever it is, then those near the headline on short lines, below it first (in page order), then
    above it (nearest first), those the page calls an update ("Updated Sep 4, 2025", "Last modified: ...")
    left out. An all-numeric date is read as `corpus.dates` reads it."""
    return [readings[0] for readings in _shown(page)]


def _read_as(readings: tuple[date, ...], *preferred: dict[date, datetime]) -> date:
    """The first reading found in the first of `preferred` that holds one; else the first reading."""
    return next((r for days in preferred for r in readings if r in days), readings[0])


def choose_dates(page: Page, extracted: str | None) -> tuple[datetime | None, datetime | None]:
    """Published: the first day the page shows its reader (`shown_days`: labelled "Published", else near
    the headline, not as an update) that its metadata (JSON-LD, meta tags, `<time>`, htmldate) also gives:
    the date shown with an article is the one its text is of, where the metadata often holds an older
    original or a later re-save (+19 and -3 pages right to the day on wcxb-dev). Unless htmldate's day is
    shown as well. A page with no date in its metadata: its dateline (+3, -0).
    Without such a day: htmldate's day (through trafilatura: it reads the whole page, and on our evaluation
    pages it is right more often than the page's own JSON-LD), made precise with a JSON-LD or meta
    date-time of the same day when there is one, so the time and offset the page gives are kept; but when
    that day is only the page's modification date, not shown, the publication date the metadata states
    (+4, -0). Without htmldate's day: JSON-LD, then meta tags, then `<time datetime>`."""
    declared_raw = [
        *page.ld_values("datePublished", ARTICLE_TYPES),
        *page.ld_values("datePublished", None),
        *(page.meta.get(key) for key in _PUBLISHED_META),
        *page.times,
    ]
    modified_raw = [*page.ld_values("dateModified"), *(page.meta.get(key) for key in _UPDATED_META)]
    declared = _parsed_all(declared_raw)
    modified = _parsed_all(modified_raw)
    published: datetime | None = None
    day = _parse_when(extracted)
    if (
        day is not None
        and (day.month, day.day) == (1, 1)
        and not any(d.date() == day.date() for d in declared)
    ):
        # htmldate falls back on a bare year ("© 2024") as 1 January: a guess, not a date.
        day = None
    stated = _parsed_all([*page.ld_values("datePublished"), *(page.meta.get(key) for key in _PUBLISHED_META)])
    if (
        day is not None
        and stated
        and day.date() in {d.date() for d in modified} - {d.date() for d in stated}
        and all(day.date() not in readings for readings in _shown(page, updates=True))
    ):
        # htmldate took the modification date, which the page does not show, while it states the
        # publication date: a reader of an archive wants when the article first came out.
        day = stated[0]
    in_metadata = {d.date(): d for d in [*declared, *modified]}
    for raw in [*declared_raw, *modified_raw]:
        # "03-09-2026" in a meta tag, read day-first, may be the "March 9, 2026" the page shows
        when = _parse_when(raw)
        if when is not None:
            for other in _readings(raw, when.date())[1:]:
                in_metadata.setdefault(other, datetime.combine(other, when.timetz()))
    known = {**in_metadata, **({day.date(): day} if day and day.date() not in in_metadata else {})}
    # An all-numeric date shown that reads both ways is read the way the metadata, else htmldate, gives it.
    shown = [_read_as(readings, in_metadata, known) for readings in _shown(page)]
    pick = next((d for d in shown if d in known), None)
    if pick is None and shown and not declared:
        # No date in the metadata: the dateline, over htmldate's day when that is not shown (htmldate then
        # guesses from the URL or the text, where the dateline is what the page says).
        pick = shown[0]
        known[pick] = datetime(pick.year, pick.month, pick.day)
    if day is not None and pick is not None and (day.date() in shown or abs((pick - day.date()).days) <= 1):
        pick = None  # htmldate's day is shown too, or is the shown one read in another zone
    if pick is None and shown and day is not None and day.date() not in shown:
        # htmldate's day is only a modification date in the metadata, and not the one shown
        resaved = day.date() in {d.date() for d in modified} - {d.date() for d in declared}
        if resaved and abs((shown[0] - day.date()).days) > 1:
            pick = shown[0]
            known.setdefault(pick, datetime(pick.year, pick.month, pick.day))
    if pick is not None:
        same = [d for d in [*declared, *modified] if d.date() == pick]
        published = same[0] if same else known[pick]
    elif day is not None:
        same_day = [d for d in declared if d.date() == day.date()]
        published = same_day[0] if same_day else day
    elif declared:
        published = declared[0]
    updated = modified[0] if modified else None
    return published, updated
