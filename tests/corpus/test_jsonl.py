"""JSONL: one article per line, bad lines skipped with path:LINE and a reason, the rest read."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from corpus import jsonl
from corpus.errors import UnreadableFile
from corpus.jsonl import read_jsonl

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "wire_stories.jsonl"


def write_lines(path: Path, records: list[object], encoding: str = "utf-8") -> Path:
    text = "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def test_fixture_reads_good_lines_and_names_bad_ones():
    result = read_jsonl(FIXTURE, "wire.jsonl")
    assert [a.source for a in result.articles] == ["wire.jsonl:1", "wire.jsonl:2", "wire.jsonl:5"]
    first = result.articles[0]
    assert first.title == "Rail workers call off strike after overnight talks"
    assert first.published == datetime(2024, 5, 2, 6, 15, tzinfo=timezone(timedelta(hours=1)))
    assert (first.byline, first.section, first.publisher) == ("Staff reporter", "Business", "Example Wire")
    assert first.url == "https://wire.example/2024/05/02/rail-strike"
    assert "\n\nUnion leaders" in first.text
    assert result.articles[1].text.endswith("🚲") and result.articles[1].title.startswith("서울")
    reasons = {s.source: s.reason for s in result.skipped}
    assert reasons["wire.jsonl:3"].startswith("not valid JSON")
    assert reasons["wire.jsonl:4"] == 'no "text" field'
    # an unreadable date keeps the article and says so
    assert result.articles[2].published is None
    assert [w.source for w in result.warnings] == ["wire.jsonl:5"]
    assert "sometime last spring" in result.warnings[0].reason


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ([1, 2], "not a JSON object but list"),
        ({"text": 5}, '"text" is int, not a string'),
        ({"text": "   \n "}, '"text" is empty'),
        (None, "not a JSON object but null"),
    ],
)
def test_bad_records_have_reasons(tmp_path, record, reason):
    path = write_lines(tmp_path / "a.jsonl", [{"text": "A fine article body."}, record])
    result = read_jsonl(path)
    assert len(result.articles) == 1
    assert [(s.source, s.reason) for s in result.skipped] == [(f"{path}:2", reason)]


def test_non_string_fields_are_ignored_with_a_warning(tmp_path):
    path = write_lines(tmp_path / "a.jsonl", [{"text": "Body text.", "title": 7, "published": 1700000000}])
    result = read_jsonl(path)
    assert result.articles[0].title is None and result.articles[0].published is None
    assert len(result.warnings) == 2


def test_gzip_bom_and_blank_lines(tmp_path):
    body = (
        "\ufeff" + json.dumps({"text": "Body one."}) + "\n\n\n" + json.dumps({"text": "Body two 😀"}) + "\n"
    )
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(body.encode("utf-8")))
    result = read_jsonl(path)
    assert [a.text for a in result.articles] == ["Body one.", "Body two 😀"]
    assert [a.source.rsplit(":", 1)[1] for a in result.articles] == ["1", "4"]
    assert result.skipped == []


@pytest.mark.parametrize("encoding", ["cp949", "euc-kr"])
def test_korean_legacy_encoding_is_detected(tmp_path, encoding):
    records = [
        {
            "title": "한국어 기사",
            "text": "서울시는 새 자전거 도로를 개통했다고 밝혔다. 시민들은 출퇴근이 편해질 것으로 기대했다.",
        }
    ] * 3
    result = read_jsonl(write_lines(tmp_path / "ko.jsonl", records, encoding))
    assert len(result.articles) == 3
    assert result.articles[0].title == "한국어 기사"


def test_latin1_is_detected(tmp_path):
    text = "Le ministère a annoncé que la réforme serait examinée à l'Assemblée dès la rentrée. " * 3
    result = read_jsonl(write_lines(tmp_path / "fr.jsonl", [{"text": text}] * 2, "latin-1"))
    assert result.articles[0].text.startswith("Le ministère a annoncé")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file is empty"),
        (b"\n\n  \n", "file holds only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20, "binary file"),
    ],
)
def test_whole_file_problems_raise_unreadable(tmp_path, content, reason):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=reason):
        read_jsonl(path)


def test_truncated_gzip_keeps_the_lines_before_the_break(tmp_path):
    lines = "".join(json.dumps({"text": f"Article number {i} " + "word " * 50}) + "\n" for i in range(200))
    data = gzip.compress(lines.encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    result = read_jsonl(path)
    assert 0 < len(result.articles) < 200
    assert result.skipped[-1].reason.startswith("compressed data broken after line")


def test_large_file_is_streamed_and_an_over_long_line_is_skipped_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "MAX_DOCUMENT_BYTES", 2000)
    path = write_lines(
        tmp_path / "big.jsonl",
        [{"text": "short one"}, {"text": "x " * 5000}, {"text": "short two"}],
    )
    result = read_jsonl(path)
    assert [a.text for a in result.articles] == ["short one", "short two"]
    assert [s.source for s in result.skipped] == [f"{path}:2"]
    assert "longer than" in result.skipped[0].reason
