"""`newsbot telegram` start-up: configuration errors, a missing or unusable index, a rejected token and an
unreachable API each end in one clear line and exit status 1, and the token is never shown."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.cli.telegram
from bot.cli import main
from bot.models import Answer
from bot.telegram.app import REDACTED, IndexSummary
from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import HashingEncoder
from tests.bot.telegram.fake_telegram import FakeTelegram

TOKEN = "987654:TEST-cli-token_secret-part"
SECRET = TOKEN.split(":")[1]


class IdleResponder:
    def ask(self, question: str, prefer: Sequence[str] = (), as_of: date | None = None) -> Answer:
        return Answer(question, (), (), (), True)

    def summary(self) -> IndexSummary:
        return IndexSummary(articles=0)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "NEWSBOT_ALLOWED_CHATS", "NEWSBOT_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # the command sets it; monkeypatch restores it afterwards
    yield monkeypatch


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["telegram", *args])
    return result.exit_code, result.output


def test_missing_token_is_one_clear_error(env: pytest.MonkeyPatch) -> None:
    code, output = run()
    assert code == 1
    assert "TELEGRAM_BOT_TOKEN is not set" in output and "@BotFather" in output
    assert "Traceback" not in output


def test_malformed_token_and_allow_list_are_refused_without_echoing_the_token(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", "not a token but a secret")
    code, output = run()
    assert code == 1 and "does not look like a bot token" in output and "secret" not in output

    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("NEWSBOT_ALLOWED_CHATS", "42, alice")
    code, output = run()
    assert code == 1 and "NEWSBOT_ALLOWED_CHATS holds 'alice'" in output and SECRET not in output


def test_missing_index_stops_before_touching_the_network(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with FakeTelegram(TOKEN) as fake:
        env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        env.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        code, output = run("--index", str(tmp_path / "no-index-here"))
        assert fake.calls == []
    lines = output.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("Error: cannot start the bot:")
    assert "no-index-here" in output and "newsbot index build" in output


def test_index_built_with_another_model_is_a_clear_mismatch(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = "The Exampleton ferry resumed its crossings on Tuesday after the storm."
    article = Article(
        id="ferry1", source="ferry.txt", text=text, title="Ferry resumes", published=datetime(2024, 2, 1)
    )
    build_index_from_articles([article], tmp_path / "index", HashingEncoder())
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("NEWSBOT_INDEX", str(tmp_path / "index"))
    code, output = run()
    assert (
        code == 1 and output.startswith("Error: cannot start the bot:") and "hashing-test-encoder" in output
    )
    assert "Traceback" not in output


@pytest.fixture
def idle_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """The index side is not what these tests are about: answer from a responder that knows nothing."""
    monkeypatch.setattr(bot.cli.telegram, "open_responder", lambda index_dir: IdleResponder())


def test_token_rejected_by_telegram_is_one_clear_line(
    env: pytest.MonkeyPatch, idle_index: None, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeTelegram("111:the-token-telegram-knows") as fake:
        env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        env.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        code, output = run()
        assert [(c.method, c.status) for c in fake.calls] == [("getMe", 401)]
    assert code == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in output
    assert SECRET not in output and SECRET not in caplog.text
    assert f"The token `{REDACTED}` was rejected" in caplog.text  # python-telegram-bot logged it: redacted


def test_unreachable_api_is_one_clear_line(env: pytest.MonkeyPatch, idle_index: None) -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("TELEGRAM_API_BASE_URL", f"http://127.0.0.1:{port}/bot")
    code, output = run()
    assert code == 1
    assert f"cannot reach the Telegram Bot API at http://127.0.0.1:{port}/bot" in output
    assert SECRET not in output


def test_default_index_missing_is_an_error_not_a_demo_build(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # where platformdirs puts the default index on Linux
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    code, output = run()
    assert code == 1 and output.startswith("Error: cannot start the bot:")
    assert str(tmp_path / "data" / "newsbot" / "index") in output and "newsbot index build" in output
    assert not (tmp_path / "data" / "newsbot" / "index").exists()
