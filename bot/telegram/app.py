"""The Telegram bot: a thin edge over the same `answer()` the command line uses (python-telegram-bot v22).

Private chats: any text is a question. Groups: only messages that mention the bot, reply to it, or use
/ask. Commands: /start, /help, /ask, /new, /sources, /stats. A question that leans on the previous one ("and
when?") is read in its context (bot/answering/followup.py): per chat in private chats, per person in groups,
for ten minutes; /new forgets it. A command, known or not, is never a question and never a follow-up's context
(an unknown one in a private chat gets a pointer to /help). Replies are Telegram HTML
(`bot.telegram.render_html`), split under the length limit, with a button that shows the sources and their
quotes.

The question-answering side is injected as a `Responder` (`ask(question) -> Answer`, `summary()`), kept in
`application.bot_data`; `bot.answerer.Answerer` is the real one over an opened index. Retrieval runs in worker
threads and updates are handled concurrently, so one slow question never stalls another chat.

Updates arrive by long polling (`run_polling`) or, when a webhook URL is configured, by webhook
(`run_webhook`, python-telegram-bot's tornado server, requests checked against a secret token).

Not handled: edited messages, captions of photos, inline mode, and conversation state across restarts (the
last answers kept for /sources live in memory).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import traceback
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.answering.followup import Conversations, is_command, resolve
from bot.errors import EmptyQuestion, QuestionError
from bot.models import Answer, IndexSummary
from bot.telegram.config import ENV_ALLOWED, TelegramSettings
from bot.telegram.render_html import (
    esc,
    render_answer_html,
    render_sources_html,
    render_stats_html,
    split_html,
)

logger = logging.getLogger(__name__)

REDACTED = "<TELEGRAM_BOT_TOKEN>"
SECRET_REDACTED = "<TELEGRAM_WEBHOOK_SECRET>"

ANSWERS_KEPT_PER_CHAT = 20  # answers whose sources button still works
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for about 5
SOURCES_PREFIX = "src:"

REFUSAL = (
    "Sorry, this is a private bot: it answers only the people and chats it was set up for. "
    "If you think you should have access, ask whoever runs it."
)
APOLOGY = "Sorry, something went wrong while I was answering. Please try again in a moment."
NO_LAST_ANSWER = "I haven't answered anything in this chat yet: ask me a question first."
FORGOTTEN = "Fresh start: I'll read your next question on its own."
UNKNOWN_COMMAND = "I don't know that command: /help lists mine. Ask a question in plain words."
ANSWER_GONE = "That answer is too old for me to remember its sources; ask again."


# --- the question-answering side ---------------------------------------------------------------------


class Responder(Protocol):
    """Answers questions; both methods block and are called from worker threads."""

    def ask(self, question: str, prefer: Sequence[str] = (), as_of: date | None = None) -> Answer:
        """Answer `question` as of `as_of`; `prefer`: article ids a follow-up leans on (the previous
        answer's)."""
        ...

    def summary(self) -> IndexSummary: ...


# --- rate limits ---------------------------------------------------------------------------------------


class SlidingWindowLimiter:
    """At most `limit` events per `window` seconds per key. Used from the event loop thread only."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 0 or window <= 0:
            raise ValueError("limit must be >= 0 and window > 0")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[int, deque[float]] = {}

    def try_acquire(self, key: int) -> float:
        """Record an event and return 0.0, or return how many seconds until one is allowed again."""
        if self.limit == 0:
            return 0.0
        now = self._clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return max(events[0] + self.window - now, 0.001)
        events.append(now)
        if len(self._events) > 10_000:  # forget idle users now and then, so memory stays bounded
            self._events = {k: v for k, v in self._events.items() if v and v[-1] > now - self.window}
        return 0.0


class FloodWait(BaseRateLimiter[int]):
    """Honours Telegram's flood control: on `RetryAfter`, requests to that chat wait out the time Telegram
    asked for, then the failed one is sent again (up to `max_retries` times), so no reply is lost.

    The pause is per chat, so one chat that floods (Telegram allows about one message a second per chat)
    does not hold up the others; when the bot-wide limit is hit, every chat gets its own 429 and pauses.
    python-telegram-bot's `AIORateLimiter` instead halts every request, needs the `aiolimiter` extra, and
    throttles each group to 20 messages a minute up front; replies here are already bounded by the
    per-user question limit, so reacting to Telegram is enough.
    """

    def __init__(self, max_retries: int = 3, max_wait: float = 120.0) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._resume_at: dict[str, float] = {}  # chat id ("" for requests without one) -> loop time

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        key = str(data.get("chat_id", ""))
        attempt = 0
        while True:
            delay = max(self._resume_at.get(key, 0.0), self._resume_at.get("", 0.0)) - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc) + 0.1
                if attempt >= retries or wait > self.max_wait:
                    raise
                attempt += 1
                logger.warning("Telegram flood control on %s: waiting %.1f s, then retrying", endpoint, wait)
                now = loop.time()
                if len(self._resume_at) > 1000:  # forget pauses that are over
                    self._resume_at = {k: t for k, t in self._resume_at.items() if t > now}
                self._resume_at[key] = max(self._resume_at.get(key, 0.0), now + wait)


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, read without python-telegram-bot v22's int-or-timedelta deprecation warning."""
    value = getattr(exc, "_retry_after", None)
    if value is None:  # a future version without the private field: accept the public one
        value = exc.retry_after
    return float(value.total_seconds() if hasattr(value, "total_seconds") else value)


# --- keeping the token out of logs -----------------------------------------------------------------------


def protect_logs(token: str, label: str = REDACTED) -> Callable[[], None]:
    """Keep the bot token (or another secret, shown as `label`) out of every log record from now on;
    returns a function that undoes it.

    httpx logs every request url, which holds the token, at INFO: it is quieted to WARNING. And because
    python-telegram-bot itself logs the API url at DEBUG and puts the token in some error messages, every
    record is redacted where it is made (the log record factory), whichever handler later writes it.
    """
    httpx_logger = logging.getLogger("httpx")
    old_level = httpx_logger.level
    if httpx_logger.getEffectiveLevel() < logging.WARNING:
        httpx_logger.setLevel(logging.WARNING)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record, token, label)
        return record

    logging.setLogRecordFactory(factory)

    def undo() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)
        httpx_logger.setLevel(old_level)

    return undo


def redact(text: str, token: str, label: str = REDACTED) -> str:
    return text.replace(token, label) if token else text


def _redact_record(record: logging.LogRecord, token: str, label: str) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: the handler reports it, with nothing of ours in it
        return
    if token in message:
        record.msg, record.args = redact(message, token, label), None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if token in text:
            record.exc_text = redact(text, token, label)  # formatters use exc_text when it is set


# --- handlers ------------------------------------------------------------------------------------------


@dataclass
class BotState:
    """Long-lived objects of a running bot, kept in `application.bot_data["newsbot"]`."""

    settings: TelegramSettings
    responder: Responder
    limiter: SlidingWindowLimiter
    conversations: Conversations = field(default_factory=Conversations)
    summary: IndexSummary | None = None


def _state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    state = context.application.bot_data["newsbot"]
    assert isinstance(state, BotState)  # set in build_application; not user input
    return state


def _is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != ChatType.PRIVATE


def conversation_key(update: Update) -> tuple[int, ...]:
    """Whose conversation a message continues: the chat's in a private chat, the person's in a group
    (two people asking the bot in one group each get their own follow-ups)."""
    chat, user = update.effective_chat, update.effective_user
    chat_id = chat.id if chat is not None else 0
    if _is_group(update) and user is not None:
        return (chat_id, user.id)
    return (chat_id,)


def _per(window: float) -> str:
    if window == 60:
        return "minute"
    if window == 3600:
        return "hour"
    return f"{window:g} seconds"


def addressed_question(message: Message, bot_username: str, bot_id: int) -> str | None:
    """In a group, the question a message asks the bot (mentions of the bot removed), or None when the
    message is not addressed to the bot: it neither mentions the bot nor replies to one of its messages."""
    text = message.text or ""
    mentioned = False
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        by_name = entity.type == MessageEntity.MENTION and value[1:].lower() == bot_username.lower()
        by_id = (
            entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot_id
        )
        mentioned = mentioned or by_name or by_id
    if mentioned:
        text = re.sub(rf"@{re.escape(bot_username)}\b", " ", text, flags=re.IGNORECASE)
    reply_to = message.reply_to_message
    replied = reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == bot_id
    if not (mentioned or replied):
        return None
    return " ".join(text.split())


async def _send_html(message: Message, html_text: str, *, quote: bool, markup: Any = None) -> None:
    """Send HTML in as many messages as it takes; the markup goes under the last one."""
    parts = split_html(html_text)
    for i, part in enumerate(parts):
        await message.reply_text(
            part,
            do_quote=quote and i == 0,
            reply_markup=markup if i == len(parts) - 1 else None,
        )


async def _keep_typing(message: Message, done: asyncio.Event) -> None:
    while not done.is_set():
        try:
            await message.reply_chat_action(ChatAction.TYPING)
        except TelegramError as exc:  # cosmetic: never let it cost the answer
            logger.debug("typing action failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), TYPING_EVERY)


async def _gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: strangers (not on the allow-list) get a refusal and nothing else."""
    state = _state(context)
    allowed = state.settings.allowed_ids
    if allowed is None:
        return
    user, chat = update.effective_user, update.effective_chat
    if (user is not None and user.id in allowed) or (chat is not None and chat.id in allowed):
        return
    logger.info(
        "Refused an update from user %s in chat %s: not in %s",
        user.id if user else None,
        chat.id if chat else None,
        ENV_ALLOWED,
    )
    key = user.id if user else (chat.id if chat else 0)
    if state.limiter.try_acquire(key) == 0.0:  # a stranger's flood gets silence, not a flood of refusals
        if update.callback_query is not None:
            await update.callback_query.answer(REFUSAL, show_alert=True)
        elif update.effective_message is not None and _addressed_to_bot(update, context):
            await update.effective_message.reply_text(esc(REFUSAL), do_quote=_is_group(update))
    raise ApplicationHandlerStop


def _addressed_to_bot(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    message = update.effective_message
    if message is None:
        return False
    if not _is_group(update):
        return True
    text = message.text or ""
    if text.startswith("/"):  # "/cmd" or "/cmd@thisbot", not another bot's command
        target = text.split(maxsplit=1)[0].partition("@")[2]
        return not target or target.lower() == context.bot.username.lower()
    return addressed_question(message, context.bot.username, context.bot.id) is not None


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    summary = _state(context).summary
    knows = "I know the articles in my index."
    if summary is not None:
        knows = f"I know <b>{summary.articles:,}</b> articles"
        if summary.publishers:
            count = len(summary.publishers)
            knows += f" from {count} publisher{'s' if count != 1 else ''}"
        if summary.first_published and summary.last_published:
            first, last = summary.first_published.date(), summary.last_published.date()
            knows += f", published {first.isoformat()} to {last.isoformat()}"
        knows += "."
    text = (
        "<b>Hello!</b> I answer questions from a news archive. Every sentence of my answers is quoted "
        "from an article and numbered [n]; the numbered sources follow, linked to the articles.\n\n"
        f"{knows}\n\n"
        "Ask me anything in plain words, for example <i>What did the council decide?</i>\n"
        "/help lists what else I can do."
    )
    if update.effective_message:
        await update.effective_message.reply_text(text)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    settings = _state(context).settings
    limit = (
        f"\n\nUp to {settings.rate_limit} questions per {_per(settings.rate_window)} per person."
        if settings.rate_limit
        else ""
    )
    text = (
        "<b>How to ask</b>\n"
        "In a private chat, just write your question. In a group, mention me "
        f"(@{esc(context.bot.username)} …), reply to one of my messages, or use /ask.\n\n"
        "/ask <i>question</i> — ask a question\n"
        "/new — forget our conversation (a follow-up like <i>and when?</i> is read in the context of "
        "your last question for ten minutes)\n"
        "/sources — the sources of my last answer here, with the passages I quoted\n"
        "/stats — what my index holds\n"
        "/help — this message\n\n"
        "I answer only from the indexed articles. When they don't answer your question I say so and "
        f"show the closest articles instead.{limit}"
    )
    if update.effective_message:
        await update.effective_message.reply_text(text)


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    summary = _state(context).summary
    if update.effective_message is None:
        return
    if summary is None:
        await update.effective_message.reply_text("I can't read my index statistics right now.")
        return
    await update.effective_message.reply_text(
        render_stats_html(
            articles=summary.articles,
            chunks=summary.chunks,
            publishers=summary.publishers,
            first_published=summary.first_published,
            last_published=summary.last_published,
            model=summary.model,
        )
    )


async def on_ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or [])
    if not question and message.reply_to_message is not None:  # "/ask" in reply to someone's message
        question = " ".join((message.reply_to_message.text or "").split())
    await ask(update, context, question)


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None:
        await ask(update, context, update.effective_message.text or "")


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    question = addressed_question(message, context.bot.username, context.bot.id)
    if question is not None:  # anything else said in the group is not for us
        await ask(update, context, question)


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer `question`: rate limit, typing action, `answer()` in a worker thread, render, reply."""
    message, state = update.effective_message, _state(context)
    if message is None:
        return
    # In a group, and for an edited question, the reply quotes the message it answers.
    quote = _is_group(update) or update.edited_message is not None
    if not question.strip():
        await message.reply_text(
            "Ask me a question in words, e.g. <i>/ask What did the council decide?</i>", do_quote=quote
        )
        return
    if is_command(question):  # "/ask /help", "@bot /new", an edit into "/stats": never a question or context
        await message.reply_text(UNKNOWN_COMMAND, do_quote=quote)
        return
    user = update.effective_user
    logger.debug("Question from user %s in chat %s", user.id if user else None, message.chat_id)
    wait = state.limiter.try_acquire(user.id if user else message.chat_id)
    if wait > 0:
        await message.reply_text(
            f"Slow down a little, please: I answer up to {state.settings.rate_limit} questions per "
            f"{_per(state.settings.rate_window)} per person. Try again in {max(1, round(wait))} s.",
            do_quote=quote,
        )
        return
    # Resolved and remembered here on the event loop, the store's one thread; answered in a worker. An
    # edit corrects the question it replaces, so it is not read as a follow-up of that question.
    key = conversation_key(update)
    if update.edited_message is not None:
        resolved = resolve(question, None)
    else:
        resolved = state.conversations.resolve(key, question)
    done = asyncio.Event()
    typing = asyncio.create_task(_keep_typing(message, done))
    try:
        # Asked as of the day the message was sent (UTC): "yesterday" means the day before it, and a
        # question sent before an article came out is not answered from it when it is re-run.
        as_of = message.date.date()
        answer = await asyncio.to_thread(state.responder.ask, resolved.question, resolved.prefer, as_of)
    except EmptyQuestion:
        await message.reply_text("That question is empty once cleaned up: ask it in words.", do_quote=quote)
        return
    except QuestionError as exc:
        await message.reply_text(esc(str(exc)), do_quote=quote)
        return
    finally:
        done.set()
        await typing  # the first "typing…" goes out even when the answer is instant
    state.conversations.remember(key, resolved, answer)
    answer_key = _remember(context, message.message_id, answer)
    has_sources = bool(answer.citations or answer.closest)
    markup = (
        InlineKeyboardMarkup(
            [[InlineKeyboardButton("Sources and quotes", callback_data=f"{SOURCES_PREFIX}{answer_key}")]]
        )
        if has_sources
        else None
    )
    # The question as it was taken, so that an answer to a follow-up can be checked; user text, escaped.
    taken_as = f"<i>(taken as: {esc(resolved.question)})</i>\n\n" if resolved.rewritten else ""
    await _send_html(message, taken_as + render_answer_html(answer), quote=quote, markup=markup)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have, in a private chat: a short pointer to /help, nothing asked."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(UNKNOWN_COMMAND)


async def on_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget the conversation, so that the next question is read on its own."""
    message = update.effective_message
    if message is None:
        return
    _state(context).conversations.forget(conversation_key(update))
    await message.reply_text(FORGOTTEN, do_quote=_is_group(update))


def _remember(context: ContextTypes.DEFAULT_TYPE, message_id: int, answer: Answer) -> str:
    """Keep the chat's last answers (the newest is /sources'), evicting the oldest past the limit."""
    chat_data = context.chat_data
    if chat_data is None:
        return ""
    answers: OrderedDict[str, Answer] = chat_data.setdefault("answers", OrderedDict())
    key = str(message_id)
    answers[key] = answer
    answers.move_to_end(key)
    while len(answers) > ANSWERS_KEPT_PER_CHAT:
        answers.popitem(last=False)
    chat_data["last_answer"] = key
    return key


def _recall(context: ContextTypes.DEFAULT_TYPE, key: str | None) -> Answer | None:
    chat_data = context.chat_data or {}
    answers = chat_data.get("answers") or {}
    if key is None:
        key = chat_data.get("last_answer")
    return answers.get(key) if key is not None else None


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    answer = _recall(context, None)
    if answer is None:
        await message.reply_text(NO_LAST_ANSWER, do_quote=_is_group(update))
        return
    await _send_html(message, render_sources_html(answer), quote=_is_group(update))


async def on_sources_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    answer = _recall(context, query.data.removeprefix(SOURCES_PREFIX))
    if answer is None or query.message is None:
        await query.answer(ANSWER_GONE, show_alert=True)
        return
    await query.answer()
    for part in split_html(render_sources_html(answer)):
        await context.bot.send_message(chat_id=query.message.chat.id, text=part)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: the traceback to the log, a short apology to the chat."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("Error while handling update %s", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(chat_id=update.effective_chat.id, text=APOLOGY)
        except TelegramError as exc:
            logger.warning("Could not send the apology either: %s", exc)


# --- the application -----------------------------------------------------------------------------------

COMMANDS = (
    BotCommand("ask", "Ask a question about the news archive"),
    BotCommand("new", "Forget our conversation: the next question stands alone"),
    BotCommand("sources", "Sources and quotes of my last answer"),
    BotCommand("stats", "What the index holds"),
    BotCommand("help", "How to use this bot"),
)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    state: BotState = application.bot_data["newsbot"]
    try:
        state.summary = await asyncio.to_thread(state.responder.summary)
    except Exception:
        logger.exception("Could not read the index statistics; /start and /stats will say so")
    try:
        await application.bot.set_my_commands(list(COMMANDS))
    except TelegramError as exc:  # the menu is a convenience; the bot works without it
        logger.warning("Could not set the command menu: %s", exc)
    logger.info("Bot @%s is up", application.bot.username)


def build_application(
    settings: TelegramSettings, responder: Responder
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The python-telegram-bot Application with every handler wired; run it with `run_polling`."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .concurrent_updates(settings.max_concurrent)
        .rate_limiter(FloodWait())
        .post_init(_post_init)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    application = builder.build()
    application.bot_data["newsbot"] = BotState(
        settings=settings,
        responder=responder,
        limiter=SlidingWindowLimiter(settings.rate_limit, settings.rate_window),
    )
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    application.add_handler(TypeHandler(Update, _gate), group=-1)
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("help", on_help))
    application.add_handler(CommandHandler("stats", on_stats))
    application.add_handler(CommandHandler("sources", on_sources))
    application.add_handler(CommandHandler("ask", on_ask_command))
    application.add_handler(CommandHandler("new", on_new))
    application.add_handler(CallbackQueryHandler(on_sources_button, pattern=f"^{SOURCES_PREFIX}"))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, on_private_text))
    # After the commands above: only a command none of them took gets here.
    application.add_handler(MessageHandler(filters.COMMAND & private, on_unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & groups, on_group_text))
    application.add_error_handler(on_error)
    return application


# Edited messages too: a question corrected after sending is answered again (the new answer quotes it).
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]


def run_polling(settings: TelegramSettings, responder: Responder) -> None:
    """Run the bot with long polling until interrupted (Ctrl-C, SIGTERM)."""
    application = build_application(settings, responder)
    # A loop of our own: python-telegram-bot takes the current one, which an earlier run may have closed.
    asyncio.set_event_loop(asyncio.new_event_loop())
    application.run_polling(
        poll_interval=0.0,
        timeout=int(settings.poll_timeout),
        allowed_updates=ALLOWED_UPDATES,
    )


def run_webhook(settings: TelegramSettings, responder: Responder) -> None:
    """Receive updates by webhook until interrupted: Telegram POSTs them to `settings.webhook_url`, whose
    proxy forwards to `webhook_listen:webhook_port`; the local server answers on that URL's path and
    refuses (403) any request without the secret token given to Telegram in setWebhook."""
    if not settings.webhook_url:
        raise ValueError("run_webhook needs settings.webhook_url")
    if not settings.webhook_secret:
        # TelegramSettings.from_env draws a random one, so that the caller can keep it out of the logs
        raise ValueError("run_webhook needs settings.webhook_secret")
    application = build_application(settings, responder)
    asyncio.set_event_loop(asyncio.new_event_loop())
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=ALLOWED_UPDATES,
    )
