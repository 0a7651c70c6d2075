"""`newsbot ask` / `chat` / `index` on bad input: one clear line, a non-zero exit, no traceback, nothing
overwritten. These need no model: they fail before one would load (or use the fake encoder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from corpus.models import Article


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_INDEX", raising=False)
    monkeypatch.delenv("NEWSBOT_K", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def one_clear_line(result, *words: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ")
    for word in words:
        assert word.lower() in lines[0].lower()


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01\x1b", "\t\n"])
def test_empty_question(question: str, tmp_path: Path) -> None:
    result = run("ask", question, "--index", str(tmp_path / "nothing"))
    one_clear_line(result, "empty")
    assert not (tmp_path / "nothing").exists()


def test_100kb_question(tmp_path: Path) -> None:
    result = run("ask", "x" * 100_000, "--index", str(tmp_path / "nothing"))
    one_clear_line(result, "limit")


def test_missing_index_is_not_created(tmp_path: Path) -> None:
    result = run("ask", "Who won the marathon?", "--index", str(tmp_path / "missing"))
    one_clear_line(result, "index")
    assert not (tmp_path / "missing").exists()


def test_corrupt_index_is_reported_and_left_alone(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (index / "manifest.json").write_text("{not json", encoding="utf-8")
    before = sorted((p.name, p.read_bytes()) for p in index.iterdir())
    for args in (["ask", "Who won?"], ["index", "stats"]):
        one_clear_line(run(*args, "--index", str(index)), "index")
    assert sorted((p.name, p.read_bytes()) for p in index.iterdir()) == before


def test_index_built_with_another_model(tmp_path: Path, fake_encoder) -> None:
    from embeddings.build import build_index_from_articles

    article = Article(id="a1", source="a.txt", text="The tram line opens in 2027.", title="Tram")
    build_index_from_articles([article], tmp_path / "index", fake_encoder)
    result = run("ask", "When does the tram open?", "--index", str(tmp_path / "index"))
    one_clear_line(result, fake_encoder.name)


def test_model_setting_that_is_not_a_model_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("index", "build", str(tmp_path), "--index", str(tmp_path / "i"), "--model", str(tmp_path))
    one_clear_line(result, "--model", "modules.json")
    assert not (tmp_path / "i").exists()
    monkeypatch.setenv("NEWSBOT_MODEL", str(tmp_path / "no-such-model"))
    one_clear_line(run("ask", "Who won?", "--index", str(tmp_path / "i")), "NEWSBOT_MODEL", "no-such-model")


def test_build_from_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = run("index", "build", str(tmp_path / "nope"), "--index", str(tmp_path / "index"))
    one_clear_line(result, "nope")
    assert not (tmp_path / "index").exists()


def test_bad_k_and_dates_are_usage_errors(tmp_path: Path) -> None:
    assert run("ask", "q?", "--k", "0").exit_code == 2
    assert run("ask", "q?", "--since", "yesterday").exit_code == 2
    result = run("ask", "q?", "--since", "2024-05-01", "--until", "2024-01-01", "--index", str(tmp_path))
    assert result.exit_code != 0 and "--since" in result.output + result.stderr


def test_nonnumeric_k_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_K", "many")
    one_clear_line(run("ask", "q?"), "NEWSBOT_K", "whole number")  # read once, by Settings, as the bot does
    monkeypatch.setenv("NEWSBOT_K", "0")
    one_clear_line(run("ask", "q?"), "between 1 and")


def test_stats_of_a_fake_built_index_as_json(tmp_path: Path, fake_encoder) -> None:
    import json

    from embeddings.build import build_index_from_articles

    articles = [
        Article(id="a1", source="a.txt", text="The tram line opens in 2027.", title="Tram", publisher="G"),
        Article(id="a2", source="b.txt", text="The ferry carries 300 people.", title="Ferry", publisher="R"),
    ]
    build_index_from_articles(articles, tmp_path / "index", fake_encoder)
    result = run("index", "stats", "--index", str(tmp_path / "index"), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["articles"] == 2 and data["model"] == fake_encoder.name
    assert sorted(data["publishers"]) == ["G", "R"]


def test_a_reader_that_is_not_installed_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "llama_cpp" else real(name, *a)
    )
    for args, env in ((["--reader", "gemma"], None), ([], "gemma")):
        if env:
            monkeypatch.setenv("NEWSBOT_READER", env)
        result = run("ask", "Who won the marathon?", "--index", str(tmp_path / "missing"), *args)
        one_clear_line(result, "newsbot[reader]")
    assert not (tmp_path / "missing").exists()


def test_an_unknown_reader_is_a_usage_error(tmp_path: Path) -> None:
    result = run("ask", "Who won?", "--reader", "gpt", "--index", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "gpt" in result.stderr and "Traceback" not in result.stderr


def test_the_asker_hands_its_reader_to_every_answer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_encoder
) -> None:
    import bot.answering.readers.base
    from bot.cli.ask import open_for_cli
    from bot.settings import Settings
    from embeddings.build import build_index_from_articles
    from embeddings.live import LiveSearcher
    from embeddings.search import Searcher

    text = "The Exampleton marathon was won by Ada Quill in 2 hours 31 minutes. About 4,000 runners finished."
    # Other articles beside it: with one article alone, nothing stands out in retrieval and the
    # confidence (bot/answering/confidence.py) abstains.
    others = [
        "The Exampleton library reopened on Monday after a year of repairs to its roof.",
        "A new ferry, the Northern Tern, entered service between the two harbours this spring.",
        "The city council approved a budget that raises the property tax by two percent.",
    ]
    build_index_from_articles(
        [
            Article(id="run", source="run.txt", text=text),
            *(Article(id=f"other{i}", source=f"other{i}.txt", text=t) for i, t in enumerate(others)),
        ],
        tmp_path / "index",
        fake_encoder,
    )
    scripted = bot.answering.readers.base.ScriptedReader(lambda question, evidence: "2 hours 31 minutes")
    monkeypatch.setattr(
        bot.answering.readers.base, "open_reader", lambda name: scripted if name == "gemma" else None
    )
    asker = open_for_cli(Settings(tmp_path / "index"), None, None, "gemma", None)
    asker.live = LiveSearcher.of(Searcher.open(tmp_path / "index", fake_encoder))
    try:
        result = asker.ask("Who won the Exampleton marathon?")
    finally:
        asker.close()
    assert len(scripted.calls) == 1
    # Not what the rules would give ("Ada Quill"): the reader's pick, from the sentence it stands in.
    assert not result.abstained and result.short == "2 hours 31 minutes"
    assert "2 hours 31 minutes" in result.sentences[0].text
