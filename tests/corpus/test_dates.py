"""Dates and times as pages write them, with their zones."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from corpus.dates import find_datetimes, parse_datetime

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Published : Oct 31, 2021 - 20:21", datetime(2021, 10, 31, 20, 21)),
        ("09:31 August 20, 2019", datetime(2019, 8, 20, 9, 31)),
        ("31. Oktober 2021", datetime(2021, 10, 31)),
        ("2021년 10월 31일 오후 8:21", datetime(2021, 10, 31, 20, 21)),
        ("31 de octubre de 2021 a las 10:30", datetime(2021, 10, 31, 10, 30)),
        ("Updated on 19-Dec-2025", datetime(2025, 12, 19)),
        ("October 17, 20236:01 PM", datetime(2023, 10, 17, 18, 1)),
        ("31.10.2021", datetime(2021, 10, 31)),
        ("10/31/21", datetime(2021, 10, 31)),
    ],
)
def test_reads_naive_dates(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_explicit_zones_win_over_the_default() -> None:
    iso = parse_datetime("2021-10-31T20:21:00+09:00", ZoneInfo("UTC"))
    assert iso is not None and iso.utcoffset() == timedelta(hours=9)
    edt = parse_datetime("Sept. 4, 2025 5:50 am EDT", SEOUL)
    assert edt is not None and edt.utcoffset() == timedelta(hours=-4)


def test_default_zone_is_attached_when_the_text_names_none() -> None:
    found = parse_datetime("Oct 31, 2021 - 20:21", SEOUL)
    assert found is not None and found.isoformat() == "2021-10-31T20:21:00+09:00"


@pytest.mark.parametrize("text", ["3 hours ago", "version 1.2.3", "Omar 3, 2021", "sometime in spring", ""])
def test_unreadable_text_gives_none(text: str) -> None:
    assert parse_datetime(text) is None


def test_finds_every_date_with_its_position() -> None:
    text = "Published : Oct 31, 2021 - 20:21   Updated : Nov 1, 2021"
    found = find_datetimes(text)
    assert [f.value for f in found] == [datetime(2021, 10, 31, 20, 21), datetime(2021, 11, 1)]
    assert text[found[1].start : found[1].end] == "Nov 1, 2021"
    assert found[0].has_time and not found[1].has_time
