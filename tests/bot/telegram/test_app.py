"""The Telegram bot end to end: the real python-telegram-bot Application, polling a fake Bot API server on
127.0.0.1 through TELEGRAM_API_BASE_URL, with answers constructed here (the real pipeline is exercised in
test_telegram_real.py)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime

import pytest

from bot.answering.followup import Conversations
from bot.errors import QuestionTooLong
from bot.models import Answer, AnswerSentence, Citation
from bot.telegram.app import (
    ANSWER_GONE,
    APOLOGY,
    FORGOTTEN,
    NO_LAST_ANSWER,
    REDACTED,
    REFUSAL,
    UNKNOWN_COMMAND,
    IndexSummary,
    build_application,
    protect_logs,
)
from bot.telegram.config import TelegramSettings
from tests.bot.telegram.fake_telegram import (
    BOT_USERNAME,
    BotThread,
    FakeTelegram,
    Sent,
    check_telegram_html,
    utf16_len,
)

TOKEN = "123456789:TEST-fake-token_for-the-fake-server"
SUMMARY = IndexSummary(
    articles=3,
    chunks=11,
    publishers=("The Gazette of Exampleton", "Exampleton Evening Post"),
    first_published=datetime(2024, 3, 1),
    last_published=datetime(2024, 5, 20),
    model="all-MiniLM-L6-v2",
)
# What a stranger must never see: anything about the corpus.
CORPUS_TELLS = ("Gazette", "Exampleton", "Harbour", "2024", "articles", "Sources")


def cite(n: int, title: str, quote: str, publisher: str = "The Gazette of Exampleton") -> Citation:
    return Citation(
        n=n,
        article_id=f"art{n}",
        chunk_id=f"art{n}:0",
        title=title,
        publisher=publisher,
        published=datetime(2024, 5, (n - 1) % 28 + 1),
        url=f"https://gazette.example/news/{n}",
        source=f"/archive/{n}.html",
        quote=quote,
    )


def echo_answer(question: str) -> Answer:
    """An answer that repeats the question, so each reply can be traced to its question."""
    return Answer(
        question=question,
        sentences=(
            AnswerSentence(f"You asked about {question}.", 1),
            AnswerSentence("The Harbour Bridge reopened on Monday.", 2),
        ),
        citations=(
            cite(1, "Council meets <in> public", "The council met in public."),
            cite(
                2,
                "Harbour Bridge reopens",
                "The Harbour Bridge reopened on Monday.",
                "Exampleton Evening Post",
            ),
        ),
        passages=(),
        abstained=False,
    )


class ScriptedResponder:
    """A real Responder whose answers are made by a function; it records what it was asked."""

    def __init__(self, make: Callable[[str], Answer] = echo_answer) -> None:
        self.make = make
        self.asked: list[str] = []
        self.preferred: list[tuple[str, ...]] = []
        self.as_of: list[date | None] = []
        self._lock = threading.Lock()

    def ask(self, question: str, prefer: Sequence[str] = (), as_of: date | None = None) -> Answer:
        with self._lock:
            self.asked.append(question)
            self.preferred.append(tuple(prefer))
            self.as_of.append(as_of)
        return self.make(question)

    def summary(self) -> IndexSummary:
        return SUMMARY


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as server:
        yield server


def bot(fake: FakeTelegram, responder: ScriptedResponder, **env: str) -> BotThread:
    settings = TelegramSettings.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, **env}, poll_timeout=1
    )
    return BotThread(build_application(settings, responder))


def settle(fake: FakeTelegram, seconds: float = 0.4) -> None:
    """Let the bot drain what it was sent, so a test can assert that nothing more arrives."""
    fake.wait_for(lambda: fake.pending_updates() == 0, timeout=5)
    time.sleep(seconds)


def assert_all_valid(messages: list[Sent]) -> None:
    for message in messages:
        check_telegram_html(message.html)
        assert utf16_len(message.text) <= 4096


def test_private_question_gets_a_cited_answer_and_its_sources(fake: FakeTelegram) -> None:
    responder = ScriptedResponder()
    with bot(fake, responder):
        fake.send_text("When did the bridge reopen?", user_id=42)
        (reply,) = fake.wait_for_messages(1, chat_id=42)
        assert responder.asked == ["When did the bridge reopen?"]
        assert responder.as_of == [datetime.now(UTC).date()]  # asked as of the day the message was sent
        assert reply.text.startswith("You asked about When did the bridge reopen?. [1]")
        assert "[2] Harbour Bridge reopens — Exampleton Evening Post, 2024-05-02" in reply.text
        assert '<a href="https://gazette.example/news/2">Harbour Bridge reopens</a>' in reply.html
        assert any(c.params.get("action") == "typing" for c in fake.calls_of("sendChatAction"))

        button = reply.reply_markup["inline_keyboard"][0][0]  # type: ignore[index]
        assert button["text"] == "Sources and quotes"
        fake.press_button(42, reply, button["callback_data"])
        fake.send_text("/sources", user_id=42)
        replies = fake.wait_for_messages(3, chat_id=42)
        for shown in replies[1:]:
            assert "The Harbour Bridge reopened on Monday." in shown.text  # the quote
            assert "Council meets <in> public" in shown.text
        assert fake.wait_for(lambda: len(fake.calls_of("answerCallbackQuery")) == 1)
        assert_all_valid(replies)
    assert len(responder.asked) == 1  # the sources came from memory, not a new search


def test_an_edited_question_is_answered_again_quoting_the_edit(fake: FakeTelegram) -> None:
    responder = ScriptedResponder()
    with bot(fake, responder):
        question = fake.send_text("When did the brigde reopen?", user_id=42)
        fake.wait_for_messages(1, chat_id=42)
        fake.edit_text(question, "When did the bridge reopen?")
        first, second = fake.wait_for_messages(2, chat_id=42)
        assert responder.asked == ["When did the brigde reopen?", "When did the bridge reopen?"]
        assert first.reply_to is None  # a private chat's answer follows its question
        assert second.reply_to == question["message_id"]  # the answer to an edit says which message
        assert second.text.startswith("You asked about When did the bridge reopen?.")


def test_start_help_and_stats_say_what_the_bot_knows(fake: FakeTelegram) -> None:
    with bot(fake, ScriptedResponder()):
        fake.send_text("/start", user_id=7)
        fake.wait_for_messages(1, chat_id=7)
        fake.send_text("/help", user_id=7)
        fake.wait_for_messages(2, chat_id=7)
        fake.send_text("/stats", user_id=7)
        fake.wait_for_messages(3, chat_id=7)
        fake.send_text("/sources", user_id=7)
        start, help_, stats, no_sources = fake.wait_for_messages(4, chat_id=7)
        fake.press_button(7, stats, "src:123456")  # a button from before a restart: its answer is gone
        assert fake.wait_for(lambda: len(fake.calls_of("answerCallbackQuery")) == 1)
        assert_all_valid([start, help_, stats, no_sources])
    assert no_sources.text == NO_LAST_ANSWER
    assert fake.calls_of("answerCallbackQuery")[0].params["text"] == ANSWER_GONE
    assert "I know 3 articles from 2 publishers, published 2024-03-01 to 2024-05-20." in start.text
    assert "/ask" in help_.text and "/sources" in help_.text and f"@{BOT_USERNAME}" in help_.text
    assert "Up to 5 questions per minute per person." in help_.text
    assert "Articles: 3" in stats.text and "Exampleton Evening Post" in stats.text
    assert "2024-03-01 to 2024-05-20" in stats.text
    assert [c.status for c in fake.calls_of("setMyCommands")] == [200]


def test_group_answers_only_when_addressed(fake: FakeTelegram) -> None:
    responder = ScriptedResponder()
    group = fake.group_chat(-100777)
    with bot(fake, responder):
        fake.send_text("what happened to the bridge", user_id=5, chat=group)
        fake.send_text("@someone_else what about the trams?", user_id=5, chat=group)
        fake.send_text("/start@some_other_bot", user_id=5, chat=group)
        mention = fake.send_text(f"@{BOT_USERNAME} when did the bridge reopen?", user_id=5, chat=group)
        first = fake.wait_for_messages(1, chat_id=-100777)[0]
        assert first.reply_to == mention["message_id"]  # in a group, the answer quotes its question
        fake.send_text("and the tunnel?", user_id=6, chat=group, reply_to=first)
        fake.send_text(f"/ask@{BOT_USERNAME} what about the ferry", user_id=6, chat=group)
        fake.send_text("/ask what about buses", user_id=6, chat=group)
        fake.wait_for_messages(4, chat_id=-100777)
        settle(fake)
        replies = fake.messages(-100777)
    # Sent without waiting, user 6's three are answered concurrently: whether the later ones lean on the
    # first depends on which answer is remembered first. What must hold: user 5's question never leaks in.
    assert len(responder.asked) == 4 and "when did the bridge reopen?" in responder.asked
    assert "and the tunnel?" in responder.asked
    assert sum("bridge" in q for q in responder.asked) == 1
    assert len(replies) == 4
    assert_all_valid(replies)


def test_script_in_a_question_comes_back_escaped_as_valid_html(fake: FakeTelegram) -> None:
    question = "<script>alert('x')</script> & <b>bold</b> question?"
    with bot(fake, ScriptedResponder()):
        fake.send_text(question, user_id=8)
        (reply,) = fake.wait_for_messages(1, chat_id=8)
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in reply.html
    assert "<script>" not in reply.html and "<b>bold" not in reply.html
    assert f"You asked about {question}." in check_telegram_html(reply.html)  # shown as the user typed it
    assert "Council meets <in> public" in reply.text
    assert all(c.status == 200 for c in fake.calls_of("sendMessage"))


def test_answer_over_4096_characters_arrives_as_several_valid_messages_in_order(fake: FakeTelegram) -> None:
    def long_answer(question: str) -> Answer:
        sentences = tuple(
            AnswerSentence(
                f"Sentence {i:03d} says <more> & more about the harbour works " + "x" * 120 + ".", i % 40 + 1
            )
            for i in range(80)
        )
        citations = tuple(
            cite(n, f"Harbour report number {n} " + "y" * 150, f"Quote {n}.") for n in range(1, 41)
        )
        return Answer(question, sentences, citations, (), False)

    with bot(fake, ScriptedResponder(long_answer)):
        fake.send_text("Tell me everything about the harbour", user_id=9)
        fake.wait_for_messages(2, chat_id=9)
        settle(fake)
        replies = fake.messages(9)
    assert len(replies) >= 4
    assert_all_valid(replies)
    text = "\n".join(r.text for r in replies)
    positions = [text.index(f"Sentence {i:03d} says") for i in range(80)]
    assert positions == sorted(positions)
    source_positions = [text.index(f"[{n}] Harbour report number {n} ") for n in range(1, 41)]
    assert source_positions == sorted(source_positions) and source_positions[0] > positions[-1]
    assert [r.reply_markup is not None for r in replies] == [False] * (len(replies) - 1) + [True]
    assert APOLOGY not in text


def test_abstention_reads_naturally_with_the_closest_articles(fake: FakeTelegram) -> None:
    closest = (cite(1, "Cup final delayed by rain", "The final was delayed."),)
    responder = ScriptedResponder(lambda q: Answer(q, (), (), (), True, closest=closest))
    with bot(fake, responder):
        fake.send_text("Who won the cup?", user_id=10)
        (reply,) = fake.wait_for_messages(1, chat_id=10)
        fake.press_button(10, reply, reply.reply_markup["inline_keyboard"][0][0]["callback_data"])  # type: ignore[index]
        sources = fake.wait_for_messages(2, chat_id=10)[1]
    assert reply.text.startswith("I couldn't find this in the indexed articles.")
    assert "Cup final delayed by rain" in reply.text
    assert (
        "Closest articles for Who won the cup?" in sources.text and "The final was delayed." in sources.text
    )


def test_question_errors_get_their_message_and_empty_ask_gets_usage(fake: FakeTelegram) -> None:
    def refuse(question: str) -> Answer:
        raise QuestionTooLong("The question is 2,500 characters long; the limit is 2,000.")

    with bot(fake, ScriptedResponder(refuse)):
        fake.send_text("/ask", user_id=11)
        fake.wait_for_messages(1, chat_id=11)
        fake.send_text("x" * 2500, user_id=11)
        usage, too_long = fake.wait_for_messages(2, chat_id=11)
    assert "Ask me a question in words" in usage.text
    assert too_long.text == "The question is 2,500 characters long; the limit is 2,000."


def test_allow_list_stranger_is_refused_and_learns_nothing(fake: FakeTelegram) -> None:
    responder = ScriptedResponder()
    stranger, group_stranger, button_stranger, friend = 666, 667, 668, 42
    allowed_group, other_group = fake.group_chat(-100500), fake.group_chat(-100600)
    with bot(fake, responder, NEWSBOT_ALLOWED_CHATS=f"{friend}, -100500"):
        for text in (
            "/start",
            "/stats",
            "/help",
            "When did the bridge reopen?",
            "/sources",
            "again?",
            "again!",
        ):
            fake.send_text(text, user_id=stranger)
        fake.send_text(f"@{BOT_USERNAME} what about the bridge?", user_id=group_stranger, chat=other_group)
        fake.send_text("chatting among ourselves", user_id=group_stranger, chat=other_group)
        fake.send_text("/start@some_other_bot", user_id=group_stranger, chat=other_group)
        fake.wait_for_messages(5, chat_id=stranger)
        fake.wait_for_messages(1, chat_id=-100600)

        fake.send_text("When did the bridge reopen?", user_id=friend)
        answer = fake.wait_for_messages(1, chat_id=friend)[0]
        # a button under an answer the bot gave before the allow-list was set
        before = Sent(
            "sendMessage", button_stranger, 999, "An old answer [1]", "An old answer [1]", None, None
        )
        fake.press_button(
            button_stranger, before, answer.reply_markup["inline_keyboard"][0][0]["callback_data"]
        )  # type: ignore[index]
        assert fake.wait_for(lambda: len(fake.calls_of("answerCallbackQuery")) == 1)
        fake.send_text(f"@{BOT_USERNAME} and the tunnel?", user_id=group_stranger, chat=allowed_group)
        fake.wait_for_messages(1, chat_id=-100500)
        settle(fake)
        stranger_sees = fake.messages(stranger) + fake.messages(-100600)
        (callback,) = fake.calls_of("answerCallbackQuery")
    # five refusals, then silence: a stranger's flood does not get a flood of replies
    assert len(fake.messages(stranger)) == 5 and len(stranger_sees) == 6
    for message in stranger_sees:
        assert message.text == REFUSAL
        assert not any(tell in message.text for tell in CORPUS_TELLS)
    assert callback.params["text"] == REFUSAL and callback.params["show_alert"] in ("true", True)
    assert fake.messages(button_stranger) == [] and len(fake.messages(friend)) == 1
    assert sorted(responder.asked) == [
        "When did the bridge reopen?",
        "and the tunnel?",
    ]  # friend, allowed group


def test_burst_of_200_questions_from_20_users_each_answered_or_slowed_once(fake: FakeTelegram) -> None:
    responder = ScriptedResponder()
    users = range(1001, 1021)
    with bot(fake, responder):
        for i in range(10):
            for user in users:
                fake.send_text(f"question q{user}-{i} please", user_id=user)
        fake.wait_for_messages(200, timeout=45)
        settle(fake)
        replies = fake.messages()
    assert len(replies) == 200
    answered: Counter[str] = Counter()
    for user in users:
        mine = [r.text for r in replies if r.chat_id == user]
        assert len(mine) == 10, mine
        slowed = [
            t
            for t in mine
            if t.startswith("Slow down a little, please: I answer up to 5 questions per minute")
        ]
        asked = [m.group(1) for t in mine for m in [re.search(r"You asked about question (q\d+-\d)", t)] if m]
        assert len(slowed) == 5 and len(asked) == 5
        assert all(q.startswith(f"q{user}-") for q in asked)
        answered.update(asked)
    assert len(answered) == 100 and set(answered.values()) == {1}  # none answered twice
    assert len(responder.asked) == 100


def test_flood_control_429_is_waited_out_and_the_reply_still_arrives(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as `newsbot telegram` runs it (no v22 deprecation warning)
    fake.fail_next("sendMessage", times=1, retry_after=1)
    with bot(fake, ScriptedResponder()):
        fake.send_text("When did the bridge reopen?", user_id=12)
        (reply,) = fake.wait_for_messages(1, chat_id=12, timeout=10)
        calls = fake.calls_of("sendMessage")
    assert "Harbour Bridge" in reply.text
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0


def test_a_slow_question_does_not_stall_other_chats(fake: FakeTelegram) -> None:
    release = threading.Event()

    def maybe_slow(question: str) -> Answer:
        if "slow" in question:
            release.wait(10)
        return echo_answer(question)

    with bot(fake, ScriptedResponder(maybe_slow)):
        fake.send_text("a slow question", user_id=21)
        time.sleep(0.2)
        fake.send_text("a quick question", user_id=22)
        fake.wait_for_messages(1, chat_id=22, timeout=5)
        assert fake.messages(21) == []  # still thinking, and showing it
        assert any(c.params.get("chat_id") in ("21", 21) for c in fake.calls_of("sendChatAction"))
        release.set()
        fake.wait_for_messages(1, chat_id=21, timeout=5)


def test_unexpected_error_is_logged_with_traceback_and_apologised_for_without_the_token(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(question: str) -> Answer:
        raise RuntimeError(f"index exploded while calling {fake.base_url}{TOKEN}/getMe")

    for name in ("", "telegram", "bot"):  # `newsbot telegram` sets some of these; here, everything is seen
        caplog.set_level(logging.DEBUG, logger=name or None)
    undo = protect_logs(TOKEN)
    try:
        with bot(fake, ScriptedResponder(explode)):
            fake.send_text("What happened?", user_id=13)
            (reply,) = fake.wait_for_messages(1, chat_id=13)
    finally:
        undo()
    assert reply.text == APOLOGY
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "Error while handling update" in errors[0].getMessage()
    assert "RuntimeError: index exploded" in caplog.text  # the traceback is there...
    assert TOKEN not in caplog.text  # ...but never the token, at any level
    assert f"bot{REDACTED}" in caplog.text  # it was there to leak (PTB logs the API url at DEBUG)
    assert "HTTP Request:" not in caplog.text  # httpx's per-request lines (url with token) are quieted


def test_a_follow_up_is_asked_in_context_shown_escaped_and_forgotten_on_new(fake: FakeTelegram) -> None:
    responder = ScriptedResponder()
    with bot(fake, responder):
        fake.send_text("How much did the Vellmar Dam cost?", user_id=51)
        fake.wait_for_messages(1, chat_id=51)
        fake.send_text("and <b>when</b> did it open?", user_id=51)
        follow_up = fake.wait_for_messages(2, chat_id=51)[1]
        fake.send_text("/new", user_id=51)
        forgotten = fake.wait_for_messages(3, chat_id=51)[2]
        fake.send_text("and when did it open?", user_id=51)
        alone = fake.wait_for_messages(4, chat_id=51)[3]
    assert responder.asked[1] == "<b>when</b> did it open? (Vellmar Dam)"
    assert responder.preferred[1] == ("art1", "art2")  # the articles the first answer cited
    assert "<i>(taken as: &lt;b&gt;when&lt;/b&gt; did it open? (Vellmar Dam))</i>" in follow_up.html
    assert "<b>when" not in follow_up.html
    assert_all_valid([follow_up, alone])
    assert forgotten.text == FORGOTTEN
    assert responder.asked[2] == "and when did it open?" and "taken as" not in alone.text


def test_a_command_is_never_asked_and_never_context(fake: FakeTelegram) -> None:
    responder = ScriptedResponder()
    with bot(fake, responder):
        fake.send_text("How much did the Vellmar Dam cost?", user_id=52)
        fake.wait_for_messages(1, chat_id=52)
        for n, text in enumerate(["/ask /new", "/weather", "/help", "and when did it open?"], start=2):
            fake.send_text(text, user_id=52)
            fake.wait_for_messages(n, chat_id=52)
        _first, asked_command, unknown, _help, follow_up = fake.wait_for_messages(5, chat_id=52)
    assert asked_command.text == UNKNOWN_COMMAND and unknown.text == UNKNOWN_COMMAND
    # only the two questions reached the responder, and the follow-up leans on the first one
    assert responder.asked == ["How much did the Vellmar Dam cost?", "When did it open? (Vellmar Dam)"]
    assert "taken as: When did it open? (Vellmar Dam)" in follow_up.text


def test_in_a_group_each_person_has_their_own_follow_ups(fake: FakeTelegram) -> None:
    responder = ScriptedResponder()
    group = fake.group_chat(-100888)
    with bot(fake, responder):
        fake.send_text(f"@{BOT_USERNAME} How much did the Vellmar Dam cost?", user_id=5, chat=group)
        fake.wait_for_messages(1, chat_id=-100888)
        fake.send_text(f"@{BOT_USERNAME} and when?", user_id=6, chat=group)
        fake.wait_for_messages(2, chat_id=-100888)
        fake.send_text(f"@{BOT_USERNAME} and when?", user_id=5, chat=group)
        fake.wait_for_messages(3, chat_id=-100888)
        fake.send_text(f"/new@{BOT_USERNAME}", user_id=6, chat=group)  # user 6's /new leaves user 5's alone
        fake.wait_for_messages(4, chat_id=-100888)
        fake.send_text(f"@{BOT_USERNAME} and where?", user_id=5, chat=group)
        fake.wait_for_messages(5, chat_id=-100888)
    assert responder.asked == [
        "How much did the Vellmar Dam cost?",
        "and when?",
        "When? (Vellmar Dam)",
        "Where? (Vellmar Dam)",
    ]


def test_a_follow_up_after_ten_minutes_is_read_on_its_own(fake: FakeTelegram) -> None:
    responder = ScriptedResponder()
    settings = TelegramSettings.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}, poll_timeout=1
    )
    application = build_application(settings, responder)
    now = [0.0]
    application.bot_data["newsbot"].conversations = Conversations(clock=lambda: now[0])
    with BotThread(application):
        fake.send_text("How much did the Vellmar Dam cost?", user_id=52)
        fake.wait_for_messages(1, chat_id=52)
        now[0] = 599.0
        fake.send_text("and when?", user_id=52)
        fake.wait_for_messages(2, chat_id=52)
        now[0] = 599.0 + 601.0
        fake.send_text("and where?", user_id=52)
        fake.wait_for_messages(3, chat_id=52)
    assert responder.asked[1:] == ["When? (Vellmar Dam)", "and where?"]
