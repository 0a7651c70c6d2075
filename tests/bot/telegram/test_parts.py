"""The bot's parts on their own: settings from the environment, the per-user limiter, flood-wait retries,
group addressing and log redaction."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from telegram import Chat, Message, MessageEntity, User
from telegram.error import RetryAfter

from bot.telegram.app import (
    REDACTED,
    SECRET_REDACTED,
    FloodWait,
    SlidingWindowLimiter,
    addressed_question,
    protect_logs,
    retry_after_seconds,
)
from bot.telegram.config import ConfigError, TelegramSettings, parse_allowed_ids

TOKEN = "555:TEST-parts-token_zz"
BOT = User(id=99, first_name="News", is_bot=True, username="exampleton_news_bot")


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as `newsbot telegram` runs: no v22 deprecation warnings


def test_settings_from_env_with_defaults_and_overrides() -> None:
    settings = TelegramSettings.from_env({"TELEGRAM_BOT_TOKEN": f" {TOKEN} "})
    assert (settings.token, settings.allowed_ids, settings.rate_limit, settings.rate_window) == (
        TOKEN,
        None,
        5,
        60.0,
    )
    assert TOKEN not in repr(settings)
    custom = TelegramSettings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "NEWSBOT_ALLOWED_CHATS": "42, -100123;7",
            "NEWSBOT_RATE_LIMIT": "0",
            "NEWSBOT_RATE_WINDOW": "30",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        },
        poll_timeout=2,
    )
    assert custom.allowed_ids == frozenset({42, -100123, 7}) and custom.rate_limit == 0
    assert custom.rate_window == 30.0 and custom.poll_timeout == 2
    assert custom.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.webhook_url is None  # long polling unless a webhook is configured
    hooked = TelegramSettings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_URL": "https://news.example/hook",
            "TELEGRAM_WEBHOOK_LISTEN": "0.0.0.0",
            "TELEGRAM_WEBHOOK_PORT": "8088",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret_-value",
        }
    )
    assert (hooked.webhook_url, hooked.webhook_listen, hooked.webhook_port) == (
        "https://news.example/hook",
        "0.0.0.0",
        8088,
    )
    assert hooked.webhook_secret == "s3cret_-value" and "s3cret_-value" not in repr(hooked)
    # Without a configured secret, each start draws its own (before the server starts, so it can be redacted).
    hook_env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://news.example/hook"}
    first, second = TelegramSettings.from_env(hook_env), TelegramSettings.from_env(hook_env)
    assert first.webhook_secret and second.webhook_secret and len(first.webhook_secret) >= 32
    assert first.webhook_secret != second.webhook_secret
    assert settings.webhook_secret is None  # polling needs none


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "   "}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "abc:def"}, "does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_RATE_LIMIT": "five"}, "NEWSBOT_RATE_LIMIT must be a number"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_RATE_WINDOW": "0"}, "positive number of seconds"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ALLOWED_CHATS": "12 @bob"}, "'@bob'"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "http://news.example/hook"}, "https://"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_PORT": "99999"}, "TELEGRAM_WEBHOOK_PORT"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_PORT": "http"}, "must be a number"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "has spaces"}, "TELEGRAM_WEBHOOK_SECRET"),
    ],
)
def test_bad_settings_are_clear_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        TelegramSettings.from_env(env)
    assert TOKEN not in str(caught.value)


def test_empty_allow_list_means_everyone() -> None:
    assert parse_allowed_ids("") is None and parse_allowed_ids(" , ") is None


def test_sliding_window_limiter_allows_a_few_per_window_per_key() -> None:
    now = [1000.0]
    limiter = SlidingWindowLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.try_acquire(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.try_acquire(1) == pytest.approx(60.0)
    assert limiter.try_acquire(2) == 0.0  # another user is not affected
    now[0] += 30
    assert limiter.try_acquire(1) == pytest.approx(30.0)
    now[0] += 30.5
    assert limiter.try_acquire(1) == 0.0
    assert SlidingWindowLimiter(0, 60).try_acquire(1) == 0.0  # 0: no limit
    with pytest.raises(ValueError):
        SlidingWindowLimiter(1, 0)


def test_retry_after_is_read_as_seconds_in_either_form() -> None:
    assert retry_after_seconds(RetryAfter(3)) == 3.0
    assert retry_after_seconds(RetryAfter(timedelta(seconds=1.5))) == 1.5


def test_flood_wait_retries_after_the_time_asked_then_gives_up() -> None:
    calls: list[float] = []

    async def scenario(failures: int, retries: int) -> Any:
        limiter = FloodWait(max_retries=retries)
        loop = asyncio.get_running_loop()

        async def send() -> dict[str, Any]:
            calls.append(loop.time())
            if len(calls) <= failures:
                raise RetryAfter(timedelta(seconds=0.2))
            return {"ok": True}

        return await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None)

    assert asyncio.run(scenario(failures=2, retries=3)) == {"ok": True}
    assert len(calls) == 3 and calls[1] - calls[0] >= 0.29 and calls[2] - calls[1] >= 0.29
    calls.clear()
    with pytest.raises(RetryAfter):
        asyncio.run(scenario(failures=5, retries=1))
    assert len(calls) == 2


def _group_message(
    text: str, entities: tuple[MessageEntity, ...] = (), reply_to: Message | None = None
) -> Message:
    message = Message(
        message_id=1,
        date=None,  # type: ignore[arg-type]
        chat=Chat(id=-100, type=Chat.SUPERGROUP),
        from_user=User(id=5, first_name="Reader", is_bot=False),
        text=text,
        entities=entities,
        reply_to_message=reply_to,
    )
    return message


def test_group_messages_are_for_the_bot_only_when_they_mention_or_reply_to_it() -> None:
    name = "@exampleton_news_bot"
    mention = MessageEntity(MessageEntity.MENTION, offset=4, length=len(name))
    assert addressed_question(
        _group_message(f"hey {name}  when?", (mention,)), "exampleton_news_bot", 99
    ) == ("hey when?")
    other = MessageEntity(MessageEntity.MENTION, offset=0, length=9)
    assert addressed_question(_group_message("@someone when?", (other,)), "exampleton_news_bot", 99) is None
    assert addressed_question(_group_message("plain talk"), "exampleton_news_bot", 99) is None
    by_bot = Message(message_id=0, date=None, chat=Chat(id=-100, type=Chat.SUPERGROUP), from_user=BOT)  # type: ignore[arg-type]
    assert (
        addressed_question(_group_message("and then?", reply_to=by_bot), "exampleton_news_bot", 99)
        == "and then?"
    )
    text_mention = MessageEntity(MessageEntity.TEXT_MENTION, offset=0, length=4, user=BOT)
    assert addressed_question(_group_message("News, why?", (text_mention,)), "exampleton_news_bot", 99) == (
        "News, why?"
    )


def test_protect_logs_redacts_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("tests.telegram.redaction")
    httpx_level = logging.getLogger("httpx").level
    undo = protect_logs(TOKEN)
    try:
        log.info("calling https://api.example/bot%s/getMe", TOKEN)
        log.debug(f"inline {TOKEN}")
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            log.exception("start-up failed")
        logging.getLogger("httpx").info("HTTP Request: POST https://api.example/bot%s/getUpdates", TOKEN)
    finally:
        undo()
    log.info("after undo %s", "plain")
    assert TOKEN not in caplog.text
    assert f"bot{REDACTED}/getMe" in caplog.text and f"inline {REDACTED}" in caplog.text
    assert f"RuntimeError: The token `{REDACTED}` was rejected" in caplog.text
    assert "HTTP Request" not in caplog.text and "after undo plain" in caplog.text
    assert logging.getLogger("httpx").level == httpx_level  # undone


def test_protect_logs_names_what_it_hid(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "webhook_secret_value_0123456789abcdef"
    undo = protect_logs(secret, SECRET_REDACTED)
    try:
        logging.getLogger("tests.telegram.redaction").debug("setWebhook {'secret_token': '%s'}", secret)
    finally:
        undo()
    assert secret not in caplog.text and f"'secret_token': '{SECRET_REDACTED}'" in caplog.text


def test_flood_wait_pauses_only_the_chat_that_was_told_to_wait() -> None:
    async def scenario() -> tuple[float, float]:
        limiter = FloodWait()
        loop = asyncio.get_running_loop()
        told = False

        async def to_chat_1() -> bool:
            nonlocal told
            if not told:
                told = True
                raise RetryAfter(timedelta(seconds=0.5))
            return True

        async def to_chat_2() -> bool:
            return True

        start = loop.time()
        first = asyncio.create_task(
            limiter.process_request(to_chat_1, (), {}, "sendMessage", {"chat_id": 1}, None)
        )
        await asyncio.sleep(0.05)  # chat 1 is now paused
        await limiter.process_request(to_chat_2, (), {}, "sendMessage", {"chat_id": 2}, None)
        other_done = loop.time() - start
        await first
        return other_done, loop.time() - start

    other_done, first_done = asyncio.run(scenario())
    assert other_done < 0.3 and first_done >= 0.55
