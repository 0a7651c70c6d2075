"""The Telegram bot over the real pipeline: an index built with the real model from fictional articles,
the real `answer()`, the real Application polling the fake Bot API server; and `newsbot telegram` itself,
run as a process, answering and stopping cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.answerer import Answerer
from bot.settings import Settings
from bot.telegram.app import UNKNOWN_COMMAND, build_application
from bot.telegram.config import TelegramSettings
from corpus.ids import article_id
from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import SentenceTransformerEncoder
from embeddings.search import Searcher
from tests.bot.telegram.fake_telegram import BotThread, FakeTelegram, check_telegram_html

TOKEN = "424242:TEST-real-pipeline-token_abc"
REPO = Path(__file__).resolve().parents[3]


def _article(url: str, title: str, publisher: str, published: datetime, text: str) -> Article:
    return Article(
        id=article_id(url=url, text=text),
        source=f"/fixtures/{url.rsplit('/', 1)[-1]}.html",
        text=text,
        title=title,
        publisher=publisher,
        published=published,
        url=url,
    )


# Fictional: Exampleton and its papers do not exist.
ARTICLES = [
    _article(
        "https://gazette.example/2024/05/harbour-bridge-reopens",
        "Harbour Bridge reopens after <b>two years</b> of repairs",
        "The Gazette of Exampleton",
        datetime(2024, 5, 6, 9, 30),
        "The Harbour Bridge in Exampleton reopened to traffic on Monday, 6 May, after two years of "
        "repairs.\n\nMayor Olivia Brandt cut the ribbon at nine o'clock in front of a crowd of about four "
        "hundred people. "
        "The repairs cost 48 million crowns, the council said, eight million more than planned.\n\n"
        "Buses will use the bridge again from next week; cyclists get a separate lane on the east side.",
    ),
    _article(
        "https://eveningpost.example/news/library-fundraiser",
        "Library fundraiser beats its target",
        "Exampleton Evening Post",
        datetime(2024, 3, 14, 18, 0),
        "Exampleton's public library raised 120,000 crowns at its spring fundraiser on Saturday.\n\n"
        "The money will pay for a new children's reading room, librarian Tomas Okafor said. "
        "Building work on the reading room is expected to start in the autumn.",
    ),
    _article(
        "https://gazette.example/2024/04/cheese-festival",
        "Cheese festival draws record crowds",
        "The Gazette of Exampleton",
        datetime(2024, 4, 21, 12, 0),
        "The annual Exampleton cheese festival drew a record 15,000 visitors over the weekend.\n\n"
        "A goat cheese from the Vellmar valley farm won the festival's gold medal for the third year "
        "running. "
        "Organisers plan to move the festival to the larger market square next year.",
    ),
]
BRIDGE = ARTICLES[0]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, real_encoder: SentenceTransformerEncoder) -> Path:
    directory = tmp_path_factory.mktemp("telegram-real") / "index"
    build_index_from_articles(ARTICLES, directory, real_encoder)
    return directory


def start_newsbot_telegram(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`newsbot telegram` as a process of its own, as a user or a supervisor starts it."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "telegram", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as server:
        yield server


def test_private_question_is_answered_from_the_right_article(
    fake: FakeTelegram, index_dir: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    with Searcher.open(index_dir, encoder=real_encoder) as searcher:
        settings = TelegramSettings.from_env(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}, poll_timeout=1
        )
        with BotThread(build_application(settings, Answerer(Settings(index_dir), searcher=searcher))):
            fake.send_text("/start", user_id=31)
            fake.wait_for_messages(1, chat_id=31, timeout=20)
            fake.send_text("When did the Harbour Bridge reopen?", user_id=31)
            start, reply = fake.wait_for_messages(2, chat_id=31, timeout=30)
            fake.press_button(31, reply, reply.reply_markup["inline_keyboard"][0][0]["callback_data"])  # type: ignore[index]
            sources = fake.wait_for_messages(3, chat_id=31, timeout=20)[2]
            fake.send_text("What is the capital of Mongolia?", user_id=31)
            unknown = fake.wait_for_messages(4, chat_id=31, timeout=20)[3]

    assert "I know 3 articles from 2 publishers, published 2024-03-14 to 2024-05-06." in start.text
    check_telegram_html(reply.html)
    assert "Monday" in reply.text and "[1]" in reply.text
    # source [1] is the bridge article: linked to its url, its title escaped, publisher and date shown
    first_source = re.search(r'\[1\] <a href="([^"]+)">([^<]*)</a> — ([^\n]+)', reply.html)
    assert first_source is not None, reply.html
    assert first_source.group(1) == BRIDGE.url
    assert first_source.group(2) == "Harbour Bridge reopens after &lt;b&gt;two years&lt;/b&gt; of repairs"
    assert first_source.group(3) == "The Gazette of Exampleton, 2024-05-06"
    # the quoted passages come from that article's text
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", sources.html, flags=re.S)
    assert quotes and all(q.replace("&#x27;", "'") in BRIDGE.text.replace("\n\n", " ") for q in quotes[:1])
    check_telegram_html(sources.html)
    # nothing in the archive answers it: said plainly, with the nearest articles offered
    assert unknown.text.startswith("I couldn't find this in the indexed articles.")
    assert "Harbour Bridge reopens" in unknown.text and "[1]" not in unknown.text


def test_newsbot_telegram_runs_as_a_process_answers_and_stops_on_ctrl_c(
    fake: FakeTelegram, index_dir: Path
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "NEWSBOT_INDEX": str(index_dir),
        "NEWSBOT_ALLOWED_CHATS": "31",
    }
    process = start_newsbot_telegram(env)
    try:
        assert fake.wait_for(lambda: bool(fake.calls_of("getUpdates")), timeout=60), "the bot never polled"
        fake.send_text("How much money did the library raise?", user_id=31)
        fake.send_text("How much money did the library raise?", user_id=32)  # not on the allow-list
        (reply,) = fake.wait_for_messages(1, chat_id=31, timeout=30)
        fake.wait_for_messages(1, chat_id=32, timeout=10)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "120,000 crowns" in reply.text and "Library fundraiser beats its target" in reply.text
    assert "Sorry, this is a private bot" in fake.messages(32)[0].text
    assert "is up" in err and "Refused an update from user 32" in err
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err


def test_newsbot_telegram_in_webhook_mode_answers_only_what_carries_the_secret(
    fake: FakeTelegram, index_dir: Path
) -> None:
    with socket.socket() as probe:  # a free local port for the bot's webhook server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    public_url = "https://news.example/hooks/exampleton"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "NEWSBOT_INDEX": str(index_dir),
        "TELEGRAM_WEBHOOK_URL": public_url,
        "TELEGRAM_WEBHOOK_PORT": str(port),
    }
    # At -vv python-telegram-bot logs every Bot API call with its parameters, setWebhook's secret among them.
    process = start_newsbot_telegram(env, "-vv")
    forged = {
        "update_id": 999,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 66, "type": "private", "first_name": "Mallory"},
            "from": {"id": 66, "is_bot": False, "first_name": "Mallory"},
            "text": "How much money did the library raise?",
        },
    }
    try:
        assert fake.wait_for(lambda: fake.webhook is not None, timeout=60), "the bot never set a webhook"
        assert fake.webhook is not None
        secret = str(fake.webhook.get("secret_token") or "")
        fake.deliver_webhooks_to(f"http://127.0.0.1:{port}/hooks/exampleton")
        # Whoever finds the address but not the secret is refused, and nothing is answered.
        assert fake.post_update(forged, secret=None) == 403
        assert fake.post_update(forged, secret="not-the-secret") == 403
        fake.send_text("How much money did the library raise?", user_id=31)
        (reply,) = fake.wait_for_messages(1, chat_id=31, timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert fake.webhook is not None and fake.webhook["url"] == public_url
    assert len(secret) >= 32  # random per start when none is configured
    assert fake.webhook_statuses == [200]
    assert "120,000 crowns" in reply.text
    assert not fake.messages(66) and not fake.calls_of("getUpdates")
    assert secret not in out + err and TOKEN not in out + err
    assert "setWebhook" in err and "<TELEGRAM_WEBHOOK_SECRET>" in err  # logged, and redacted under its name


def test_a_command_is_not_context_and_a_new_question_after_another_stands_alone(
    fake: FakeTelegram, index_dir: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    with Searcher.open(index_dir, encoder=real_encoder) as searcher:
        settings = TelegramSettings.from_env(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}, poll_timeout=1
        )
        with BotThread(build_application(settings, Answerer(Settings(index_dir), searcher=searcher))):
            said = [
                "How much did the Harbour Bridge repairs cost?",
                "/help",
                "Who cut the ribbon?",  # leans on the bridge: /help in between changed nothing
                "/weather",
                "Which cheese won?",  # a new story in two words, asked right after another
            ]
            for n, text in enumerate(said, start=1):
                fake.send_text(text, user_id=32)
                fake.wait_for_messages(n, chat_id=32, timeout=30)
            _cost, help_reply, ribbon, unknown, cheese = fake.wait_for_messages(5, chat_id=32)

    assert "/new" in help_reply.text
    assert ribbon.text.startswith("(taken as: Who cut the ribbon? (Harbour Bridge repairs))")
    assert "Olivia Brandt" in ribbon.text
    assert unknown.text == UNKNOWN_COMMAND
    assert "taken as" not in cheese.text and "goat cheese" in cheese.text
