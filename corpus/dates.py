"""Dates and times written out in page text: "Oct 31, 2021 - 20:21", "2021-10-31T20:21:00+09:00",
"31. Oktober 2021", "2021년 10월 31일 오후 8:21", "09:31 August 20, 2019", "Sept. 4, 2025 5:50 am EDT"...

`parse_datetime` reads the first date in a string; `find_datetimes` finds every date in a longer text,
with where it was and how much it said (a time? a zone?), for metadata extraction to choose from.

Zones: an explicit offset or abbreviation in the text wins; otherwise `default_tz` (the zone the page
implies) is attached; otherwise the result is naive. A date without a time is midnight of that day.

It does not handle: relative dates ("3 hours ago", "yesterday": no reference time in a dump), dates
without a year ("Oct 31"), months without a day ("October 2021"), non-Gregorian calendars, or month names
outside English, French, Spanish, German, Italian, Portuguese and Dutch. Ambiguous all-numeric dates are
read month-first with slashes (10/31/2021, the US habit) and day-first with dots or dashes (31.10.2021),
unless one of the numbers can only be a day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: (
        "january",
        "jan",
        "janvier",
        "janv",
        "enero",
        "ene",
        "januar",
        "jänner",
        "gennaio",
        "janeiro",
        "januari",
    ),
    2: (
        "february",
        "feb",
        "février",
        "fevrier",
        "févr",
        "fevr",
        "febrero",
        "februar",
        "febbraio",
        "fevereiro",
        "fev",
        "februari",
    ),
    3: ("march", "mar", "mars", "marzo", "märz", "maerz", "março", "marco", "maart"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile"),
    5: ("may", "mai", "mayo", "maggio", "maio", "mei"),
    6: ("june", "jun", "juin", "junio", "juni", "giugno", "junho"),
    7: ("july", "jul", "juillet", "juil", "julio", "juli", "luglio", "julho"),
    8: ("august", "aug", "août", "aout", "agosto", "ago", "augustus"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "setembro"),
    10: ("october", "oct", "octobre", "octubre", "oktober", "okt", "ottobre", "outubro", "out"),
    11: ("november", "nov", "novembre", "noviembre", "novembro"),
    12: (
        "december",
        "dec",
        "décembre",
        "decembre",
        "déc",
        "diciembre",
        "dic",
        "dezember",
        "dez",
        "dicembre",
        "dezembro",
    ),
}
_MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names}
# "out" (Portuguese outubro) is an English word: only accepted as a month when a day and year surround it,
# which the patterns below require anyway.
_MONTH_RE = "|".join(sorted((re.escape(n) for n in _MONTHS), key=len, reverse=True))

# Abbreviations read as fixed offsets (a summer-time abbreviation already says which half of the year);
# generic ones (ET, PT) follow the zone's own calendar. CST and IST are read the way English-language news
# pages mostly mean them: US Central and India.
_FIXED_ZONES: dict[str, float] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "BST": 1,
    "WEST": 1,
    "CET": 1,
    "CEST": 2,
    "MEZ": 1,
    "MESZ": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "IST": 5.5,
    "PKT": 5,
    "ICT": 7,
    "WIB": 7,
    "HKT": 8,
    "SGT": 8,
    "PHT": 8,
    "AWST": 8,
    "KST": 9,
    "JST": 9,
    "ACST": 9.5,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "AST": -4,
    "ADT": -3,
    "NST": -3.5,
    "BRT": -3,
    "ART": -3,
}
_NAMED_ZONES = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
}
_ZONE_NAMES = sorted([*_FIXED_ZONES, *_NAMED_ZONES], key=len, reverse=True)

_SEP = r"[\s,]*(?:[-–—|•·@/]|\bat\b|\bà\b|\bum\b|\ba\s+las\b|\bkl\.?)?[\s,]*"
_TIME = (
    r"(?P<ampm1>오전|오후|午前|午後)?\s*"
    r"(?P<hour>[012]?\d)(?:[:：](?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?|[h時시]\s?(?P<minute2>[0-5]\d)?(?:[分분])?)"
    r"(?:\s*(?P<ampm>[ap]\.?\s?m\.?)(?![a-z]))?"
    r"|(?P<hour3>[01]?\d)\s*(?P<ampm3>[ap]\.?\s?m\.?)(?![a-z])"
)
_ZONE = (
    r"\(?\s*(?:(?P<offset>[+-]\d{2}:?\d{2})"
    r"|(?:UTC|GMT)\s*(?P<offset2>[+-]\d{1,2}(?::?\d{2})?)"
    r"|(?-i:(?P<abbr>" + "|".join(_ZONE_NAMES) + r")))(?![A-Za-z])\)?"
)
_DAY_SUFFIX = r"(?:st|nd|rd|th|er|º|°)?"
# A year ends at a non-digit, or is glued to what followed it in the page ("October 17, 20236:01 PM ET",
# "Mar 27, 20255 mins": inline elements joined without a space).
_YEAR_END = r"(?:(?!\d)|(?=\d{1,2}[:：][0-5]\d)|(?=\d{1,3}\s?min))"

_DATE_PATTERNS = [
    # ISO 8601 and the like: 2021-10-31, 2021-10-31T20:21:00+09:00, 2021/10/31, 2021.10.31 (Korean sites)
    r"(?<![\d.])(?P<y>(?:19|20)\d\d)(?P<s>[-/.•])(?P<m>[01]?\d)(?P=s)(?P<d>[0-3]?\d)(?![\d])\.?"
    r"(?:(?:T|\s*)(?P<isotime>(?P<ih>[012]\d):(?P<imin>[0-5]\d)(?::(?P<isec>[0-5]\d)(?:[.,]\d+)?)?)"
    r"(?P<isozone>Z|[+-]\d{2}:?\d{2})?)?",
    # CJK: 2021년 10월 31일, 2021年10月31日
    r"(?P<y>(?:19|20)\d\d)\s*[년年]\s*(?P<m>[01]?\d)\s*[월月]\s*(?P<d>[0-3]?\d)\s*[일日]",
    # Month-name first: Oct 31, 2021 / October 31st 2021 / Sept. 4, 2025
    r"(?P<mon>"
    + _MONTH_RE
    + r")\.?\s+(?P<d>[0-3]?\d)"
    + _DAY_SUFFIX
    + r"\.?,?\s+(?P<y>(?:19|20)\d\d)"
    + _YEAR_END
    + r"",
    # Day first: 31 October 2021 / 31. Oktober 2021 / 31 de octubre de 2021 / 4th Sept 2025
    r"(?<![\d.])(?P<d>[0-3]?\d)"
    + _DAY_SUFFIX
    + r"\.?[\s/-]*(?:de\s+)?(?P<mon>"
    + _MONTH_RE
    + r")(?![^\W\d_])\.?,?[\s/-]*(?:de\s+|del\s+)?(?P<y>(?:19|20)\d\d)"
    + _YEAR_END
    + r"",
    # All numeric with the year last: 10/31/2021, 31.10.2021, 31-10-2021, 10/31/21
    r"(?<![\d./-])(?P<a>[0-3]?\d)(?P<s>[./-])(?P<b>[0-3]?\d)(?P=s)(?P<y>(?:19|20)\d\d|\d\d)(?![\d./-]*\d)",
]
_DATE_RES = [re.compile(p, re.IGNORECASE) for p in _DATE_PATTERNS]
_TIME_AFTER = re.compile(_SEP + r"(?:" + _TIME + r")(?:\s*" + _ZONE + r")?", re.IGNORECASE)
_TIME_BEFORE = re.compile(r"(?:" + _TIME + r")(?:\s*" + _ZONE + r")?" + _SEP + r"$", re.IGNORECASE)
_ZONE_AFTER = re.compile(r"\s*" + _ZONE, re.IGNORECASE)


@dataclass(frozen=True)
class FoundDate:
    """A date found in text: its value, where it was (`text[start:end]`), and how much the text said."""

    value: datetime
    start: int
    end: int
    has_time: bool
    has_zone: bool


def _year(raw: str) -> int:
    year = int(raw)
    if year < 100:
        year += 2000 if year < 70 else 1900
    return year


def _zone(match: re.Match[str], when: datetime) -> tzinfo | None:
    groups = match.groupdict()
    offset = groups.get("offset") or groups.get("offset2") or groups.get("isozone")
    if offset:
        if offset.upper() == "Z":
            return UTC
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        hours, minutes = (int(digits[:-2] or 0), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
        if hours > 14 or minutes >= 60:
            return None
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    abbr = (groups.get("abbr") or "").upper()
    if abbr in _FIXED_ZONES:
        return timezone(timedelta(hours=_FIXED_ZONES[abbr]), abbr) if abbr not in ("UTC", "Z") else UTC
    if abbr in _NAMED_ZONES:
        return ZoneInfo(_NAMED_ZONES[abbr])
    return None


def _clock(match: re.Match[str]) -> tuple[int, int, int] | None:
    """(hour, minute, second) of a `_TIME` match, or None when it is no valid time of day."""
    g = match.groupdict()
    if g.get("hour3") is not None:
        hour, minute, second, ampm = int(g["hour3"]), 0, 0, g.get("ampm3")
    else:
        hour = int(g["hour"])
        minute = int(g.get("minute") or g.get("minute2") or 0)
        second = int(g.get("second") or 0)
        ampm = g.get("ampm") or g.get("ampm1")
        # "20h" alone or "8 시" are too often not times (a count, a chapter): a clock needs minutes here
        if g.get("minute") is None and g.get("minute2") is None:
            return None
    if ampm:
        marker = ampm.lower().replace(".", "").replace(" ", "")
        if hour < 1 or hour > 12:
            return None
        pm = marker in ("pm", "오후", "午後")
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23:
        return None
    return hour, minute, second


def _day(match: re.Match[str]) -> tuple[int, int, int] | None:
    g = match.groupdict()
    year = _year(g["y"])
    if g.get("mon"):
        month, day = _MONTHS[g["mon"].lower().rstrip(".")], int(g["d"])
    elif g.get("a"):
        first, second = int(g["a"]), int(g["b"])
        slash = g["s"] == "/"
        if first > 12 or (not slash and second <= 12):
            day, month = first, second
        else:
            month, day = first, second
        if month > 12 and day <= 12:
            month, day = day, month
    else:
        month, day = int(g["m"]), int(g["d"])
    try:
        datetime(year, month, day)
    except ValueError:
        return None
    if not 1900 <= year <= 2100:
        return None
    return year, month, day


def _inside_word(text: str, m: re.Match[str]) -> bool:
    """A month name glued to a lower-case letter is part of a word ("Omar 3, 2021"); glued to text before
    it with a capital ("GiuffridaMar 5, 2025", "HealthDECEMBER 22") it is a byline run into a date."""
    if not m.groupdict().get("mon"):
        return False
    at = m.start("mon")
    return at > 0 and text[at - 1].isalpha() and not m["mon"][0].isupper()


def _candidates(text: str) -> Iterator[tuple[int, int, re.Match[str]]]:
    """Date matches of every pattern, earliest first, overlapping ones dropped (first pattern wins)."""
    taken: list[tuple[int, int]] = []
    found = []
    for pattern in _DATE_RES:
        for m in pattern.finditer(text):
            if _inside_word(text, m):
                continue
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), m))
    yield from sorted(found, key=lambda item: item[0])


def find_datetimes(text: str, default_tz: tzinfo | None = None) -> list[FoundDate]:
    """Every date in `text`, in order, each with the time and zone written next to it when there is one."""
    results: list[FoundDate] = []
    for start, end, m in _candidates(text):
        ymd = _day(m)
        if ymd is None:
            continue
        clock: tuple[int, int, int] | None = None
        zone: tzinfo | None = None
        zone_match: re.Match[str] | None = None
        if m.groupdict().get("isotime"):
            clock = (int(m["ih"]), int(m["imin"]), int(m["isec"] or 0))
            if clock[0] > 23:
                clock = None
            elif m["isozone"]:
                zone_match = m
        if clock is None:
            after = _TIME_AFTER.match(text, end)
            if after is not None and (clock := _clock(after)) is not None:
                end = after.end()
                if after["offset"] or after["offset2"] or after["abbr"]:
                    zone_match = after
            else:
                before = _TIME_BEFORE.search(text[max(0, start - 40) : start])
                if before is not None and (clock := _clock(before)) is not None:
                    start -= len(before.group(0))
                    if before["offset"] or before["offset2"] or before["abbr"]:
                        zone_match = before
        if clock is not None and zone_match is None:
            after_zone = _ZONE_AFTER.match(text, end)
            if after_zone is not None:
                zone_match, end = after_zone, after_zone.end()
        value = datetime(*ymd, *(clock or (0, 0, 0)))
        if zone_match is not None:
            zone = _zone(zone_match, value)
        if zone is not None:
            value = value.replace(tzinfo=zone)
        elif default_tz is not None:
            value = value.replace(tzinfo=default_tz)
        results.append(FoundDate(value, start, end, clock is not None, zone is not None))
    return results


def parse_datetime(text: str, default_tz: tzinfo | None = None) -> datetime | None:
    """The first date (with its time and zone, when written) in `text`, or None when it holds no date this
    module can read. `default_tz` is attached when the text names no zone."""
    found = find_datetimes(text, default_tz)
    return found[0].value if found else None
