"""One answering service for both edges: the command line and the Telegram bot read NEWSBOT_K, the
index and the reader the same way, and answer through the same steps."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bot.answerer import Answerer, AskSettings, open_answerer
from bot.cli.telegram import open_responder
from bot.settings import Settings
from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import Encoder
from embeddings.errors import IndexNotFound

FERRY = [
    Article(
        id=f"ferry-{day}",
        source=f"fixtures/ferry-{day}.txt",
        text=f"The Exampleton ferry fare rose to {fare} crowns on Monday, the harbour board said.",
        title=f"Ferry fare {fare} crowns",
        publisher="The Gazette of Exampleton",
        published=datetime(2031, 3, day),
    )
    for day, fare in ((3, "four"), (10, "five"), (17, "six"))
]


@pytest.fixture(scope="module")
def ferry_index(tmp_path_factory: pytest.TempPathFactory, real_encoder: Encoder) -> Path:
    index = tmp_path_factory.mktemp("answerer") / "index"
    build_index_from_articles(FERRY, index, real_encoder)
    return index


def test_the_telegram_bot_reads_newsbot_k_as_the_command_line_does(
    ferry_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_K", "2")
    responder = open_responder(ferry_index)
    assert isinstance(responder, Answerer)
    try:
        assert responder.settings.k == 2
        result = responder.ask("How much is the ferry fare?", as_of=date(2031, 3, 12))
        assert len(result.passages) <= 2
        assert result.as_of == date(2031, 3, 12)
        assert all(
            h.article.published and h.article.published.date() <= date(2031, 3, 12) for h in result.passages
        )
        assert result.short == "five"
        assert responder.summary().articles == 3
    finally:
        responder.close()


def test_the_bot_never_builds_a_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound):
        open_responder(tmp_path / "missing")
    assert not (tmp_path / "missing").exists()


def test_the_command_lines_answerer_opens_on_the_first_question(ferry_index: Path) -> None:
    answerer = open_answerer(Settings(ferry_index, k=3), "none", AskSettings(as_of=date(2031, 3, 4)))
    try:
        assert not answerer.live.is_open  # nothing loaded before a question
        result = answerer.ask("How much is the ferry fare?")
        assert result.as_of == date(2031, 3, 4) and result.short == "four"
    finally:
        answerer.close()


def test_since_after_until_is_refused() -> None:
    with pytest.raises(ValueError, match="after"):
        AskSettings(since=date(2031, 3, 10), until=date(2031, 3, 1))
