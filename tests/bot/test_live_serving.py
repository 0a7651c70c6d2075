"""Serving across updates with the real model (issue 26): a long-running `newsbot ask --json` stream and
the Telegram bot answer about articles that `index update` added while they ran, within seconds, with no
failed question, through two updates (the first generation removed on the way)."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.live import AskStream
from bot.answerer import Answerer
from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.config import TelegramSettings
from corpus.models import Article
from embeddings.build import update_index
from embeddings.encoder import SentenceTransformerEncoder
from embeddings.manifest import GENERATION_PREFIX, read_manifest
from embeddings.search import Searcher
from tests.bot.telegram.fake_telegram import BotThread, FakeTelegram
from tests.embeddings.articles import make_article

REPO = Path(__file__).resolve().parents[2]
TOKEN = "424242:TEST-live-serving-token_abc"

# Fictional: Exampleton, Sampleford and their papers do not exist.
OLD = make_article(
    "https://gazette.exampleton.invalid/2024/03/01/ferry",
    "Exampleton ferry fares rise",
    "The Gazette of Exampleton",
    datetime(2024, 3, 1, 8, 0),
    "The Exampleton harbour ferry will cost four crowns a crossing from April, the harbour office said. "
    "The fare has not changed in six years.",
)
FIRST_NEW = make_article(
    "https://courier.sampleford.invalid/2024/03/05/zoo",
    "Sampleford zoo welcomes a baby tapir",
    "The Borough Courier of Sampleford",
    datetime(2024, 3, 5, 9, 0),
    "A baby tapir was born at Sampleford zoo on Sunday. Keepers named her Quillon after the street "
    "where the zoo opened in 1911. Visitors can see her from next month.",
)
SECOND_NEW = make_article(
    "https://gazette.exampleton.invalid/2024/03/08/observatory",
    "Exampleton observatory gets a new telescope",
    "The Gazette of Exampleton",
    datetime(2024, 3, 8, 10, 0),
    "The Exampleton hill observatory installed a telescope with a mirror of 1.8 metres on Thursday. "
    "Astronomer Helka Marsh said the first public viewing night is planned for May.",
)
SWITCH_WITHIN_S = 10.0  # the answerer looks every second; the rest is room for a loaded machine


def write_source(folder: Path, article: Article) -> None:
    record = {
        "text": article.text,
        "title": article.title,
        "publisher": article.publisher,
        "published": article.published.isoformat() if article.published else None,
        "url": article.url,
    }
    (folder / f"{abs(hash(article.url)) % 10**8}.jsonl").write_text(json.dumps(record) + "\n")


def generations(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.name.startswith(GENERATION_PREFIX)}


def cites(result: dict[str, Any], article: Article) -> bool:
    return any(c["url"] == article.url for c in result.get("citations", []))


def ask_until_cited(stream: AskStream, question: str, article: Article) -> tuple[float, dict[str, Any]]:
    """Ask again until an answer cites `article`: the seconds that took, and that answer."""
    began = time.monotonic()
    while True:
        result = stream.ask(question)
        assert "error" not in result, result
        if cites(result, article) or time.monotonic() - began > SWITCH_WITHIN_S:
            return time.monotonic() - began, result
        time.sleep(0.2)


def test_an_ask_stream_answers_from_each_update_without_a_restart(
    tmp_path: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    sources = tmp_path / "news"
    sources.mkdir()
    write_source(sources, OLD)
    index_dir = tmp_path / "index"
    update_index([sources], index_dir, real_encoder)
    first = read_manifest(index_dir).generation
    stream = AskStream(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "--index", str(index_dir)],
        {**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        timeout=120.0,
    )
    try:
        assert cites(stream.ask("How much will the Exampleton ferry cost?"), OLD)
        before = stream.ask("What was the baby tapir at Sampleford zoo named?")
        assert not cites(before, FIRST_NEW)

        write_source(sources, FIRST_NEW)
        update_index([sources], index_dir, real_encoder)
        took, after = ask_until_cited(stream, "What was the baby tapir at Sampleford zoo named?", FIRST_NEW)
        assert cites(after, FIRST_NEW) and "Quillon" in after["answer"], after
        assert took < SWITCH_WITHIN_S

        write_source(sources, SECOND_NEW)
        update_index([sources], index_dir, real_encoder)
        assert first not in generations(index_dir)  # nobody read it any more: the update removed it
        mirror = "How big is the mirror of the Exampleton telescope?"
        took, latest = ask_until_cited(stream, mirror, SECOND_NEW)
        assert cites(latest, SECOND_NEW) and "1.8" in latest["answer"], latest
        assert cites(stream.ask("How much will the Exampleton ferry cost?"), OLD)
    finally:
        code, errors = stream.close()
    assert code == 0, errors
    assert "Error" not in errors and "Traceback" not in errors, errors


def test_the_telegram_bot_answers_about_an_article_added_while_it_runs(
    tmp_path: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    sources = tmp_path / "news"
    sources.mkdir()
    write_source(sources, OLD)
    index_dir = tmp_path / "index"
    update_index([sources], index_dir, real_encoder)
    with FakeTelegram(TOKEN) as fake:
        settings = TelegramSettings.from_env(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}, poll_timeout=1
        )
        answerer = Answerer(Settings(index_dir), searcher=Searcher.open(index_dir, encoder=real_encoder))
        try:
            with BotThread(build_application(settings, answerer)):
                fake.send_text("How much will the Exampleton ferry cost?", user_id=41)
                fare = fake.wait_for_messages(1, chat_id=41, timeout=60)[0]
                write_source(sources, FIRST_NEW)
                update_index([sources], index_dir, real_encoder)
                time.sleep(1.5)  # the answerer looks for a new generation at most once a second
                fake.send_text("What was the baby tapir at Sampleford zoo named?", user_id=41)
                tapir = fake.wait_for_messages(2, chat_id=41, timeout=60)[1]
        finally:
            answerer.close()
    assert "four crowns" in fare.text
    assert "Quillon" in tapir.text and "Sampleford zoo welcomes a baby tapir" in tapir.text, tapir.text
