"""`newsbot corpus inspect`: human and JSON output, errors per file, duplicates, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
ARTICLE_KEYS = {
    "source",
    "title",
    "byline",
    "section",
    "publisher",
    "published",
    "updated",
    "url",
    "text",
    "dropped_lines",
}


def run(*args: str):
    return CliRunner().invoke(main, ["corpus", "inspect", *args])


def corpus_folder(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    shutil.copy(FIXTURES / "harbour_news.html", root / "page.html")
    shutil.copy(FIXTURES / "harbour_news.html", root / "sub" / "same-page.html")
    shutil.copy(FIXTURES / "wire_stories.jsonl", root / "sub" / "wire.jsonl")
    (root / "empty.txt").write_bytes(b"")
    return root


def test_json_lines_one_object_per_article_error_and_duplicate(tmp_path):
    root = corpus_folder(tmp_path)
    result = run(str(root), "--json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    articles = [r for r in records if "text" in r]
    errors = [r for r in records if "error" in r]
    duplicates = [r for r in records if "duplicate_of" in r]
    assert len(articles) == 4
    for record in articles:
        assert set(record) >= ARTICLE_KEYS
    page = next(r for r in articles if r["source"].endswith("page.html"))
    assert page["title"] == "Harbour town opens tidal energy plant after a decade of planning"
    assert page["published"] == "2024-03-14T09:30:00+09:00"
    assert page["also_sources"] == [str(root / "sub" / "same-page.html")]
    korean = next(r for r in articles if r["source"].endswith("wire.jsonl:2"))
    assert korean["title"] == "서울 도심에 새 자전거 도로 개통" and "🚲" in korean["text"]
    assert {(Path(e["source"]).name, e["error"]) for e in errors} >= {("empty.txt", "file is empty")}
    assert any(e["source"].endswith("wire.jsonl:3") for e in errors)
    assert duplicates == [
        {
            "source": str(root / "sub" / "same-page.html"),
            "duplicate_of": str(root / "page.html"),
            "kept_id": page["id"],
            "kind": "url",
            "similarity": 1.0,
        }
    ]


def test_human_output_shows_metadata_text_reasons_and_duplicates(tmp_path):
    root = corpus_folder(tmp_path)
    result = run(str(root))
    assert result.exit_code == 0
    out = result.output
    assert "title      Harbour town opens tidal energy plant after a decade of planning" in out
    assert "published  2024-03-14T09:30:00+09:00" in out
    assert "Not read (3):" in out and "empty.txt: file is empty" in out
    assert "same-page.html: same url as" in out
    assert "could not be read: article kept without it" in out
    assert "4 article(s) from 4 file(s); 3 not read; 1 duplicate(s)." in out


def test_nothing_readable_exits_1(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = run(str(tmp_path / "empty.txt"), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout.splitlines()[0]) == {
        "source": str(tmp_path / "empty.txt"),
        "error": "file is empty",
    }
    assert "nothing could be read" in result.stderr


def test_missing_path_exits_2_and_reads_nothing(tmp_path):
    shutil.copy(FIXTURES / "harbour_news.html", tmp_path / "page.html")
    result = run(str(tmp_path / "page.html"), str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"no such file or directory: {tmp_path / 'nope'}" in result.stderr
