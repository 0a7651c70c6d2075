"""A small fake of the Telegram Bot API for end-to-end tests, and a checker of Telegram HTML.

`FakeTelegram` is a stdlib `ThreadingHTTPServer` on 127.0.0.1 (port 0) serving `/bot<TOKEN>/<method>`:
getMe, deleteWebhook, long-polling getUpdates (offset, limit, timeout), sendMessage, editMessageText,
answerCallbackQuery, sendChatAction, setMyCommands, getMyCommands, close. It accepts form-encoded and JSON
bodies (python-telegram-bot posts form fields, with `reply_markup` as a JSON string and `chat_id` as a
string), records every call, checks sent HTML the way Telegram does (400 "can't parse entities", 400
"message is too long"), and can answer the next N calls of a method with HTTP 429 and `retry_after`.
Tests inject updates: messages in private and group chats, replies, and callback queries. They wait in
the queue getUpdates reads, or, once the bot has called setWebhook and the test has said where its
webhook server listens (`deliver_webhooks_to`), are POSTed there as JSON with the secret token header, as
Telegram (through a reverse proxy) would.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT_ID = 7000001
BOT_USERNAME = "exampleton_news_bot"

# Telegram's HTML parse mode: these tags (and attributes), nothing else.
ALLOWED_TAGS: dict[str, set[str]] = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "span": {"class"},
    "tg-spoiler": set(),
    "a": {"href"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
_NAMED_ENTITIES = {"lt", "gt", "amp", "quot"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"<>]*\")?)*)\s*>")
_ATTR = re.compile(r"([a-zA-Z-]+)(?:=\"([^\"<>]*)\")?")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
MESSAGE_LIMIT = 4096


class TelegramHTMLError(ValueError):
    pass


def check_telegram_html(text: str) -> str:
    """Validate Telegram HTML strictly; return the plain text it shows. Raises TelegramHTMLError."""
    stack: list[str] = []
    plain: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if match is None:
                raise TelegramHTMLError(f"unescaped '<' or malformed tag at {pos}: {text[pos : pos + 30]!r}")
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in ALLOWED_TAGS:
                raise TelegramHTMLError(f"unsupported tag <{name}> at {pos}")
            if closing:
                if attrs.strip():
                    raise TelegramHTMLError(f"attributes on closing tag </{name}>")
                if not stack or stack[-1] != name:
                    raise TelegramHTMLError(f"unexpected </{name}> at {pos}; open: {stack}")
                stack.pop()
            else:
                for attr in _ATTR.finditer(attrs):
                    if attr.group(1).lower() not in ALLOWED_TAGS[name]:
                        raise TelegramHTMLError(f"unsupported attribute {attr.group(1)} on <{name}>")
                if name == "a":
                    href = re.search(r'href="([^"]*)"', attrs)
                    if href is None or not re.match(r"(https?|tg)://", html.unescape(href.group(1))):
                        raise TelegramHTMLError(f"<a> without a valid href at {pos}")
                if name in stack and name in ("a", "pre", "code"):
                    raise TelegramHTMLError(f"<{name}> nested in itself")
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(text, pos)
            if match is None:
                raise TelegramHTMLError(f"unescaped '&' at {pos}: {text[pos : pos + 20]!r}")
            body = match.group(1)
            if not body.startswith("#") and body not in _NAMED_ENTITIES:
                raise TelegramHTMLError(f"unsupported entity &{body}; at {pos}")
            plain.append(html.unescape(match.group()))
            pos = match.end()
        elif char == ">":
            raise TelegramHTMLError(f"unescaped '>' at {pos}")
        else:
            plain.append(char)
            pos += 1
    if stack:
        raise TelegramHTMLError(f"unclosed tags at the end: {stack}")
    return "".join(plain)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    status: int
    at: float


@dataclass
class Sent:
    """A message the bot sent (sendMessage) or an edit (editMessageText), as Telegram would show it."""

    method: str
    chat_id: int
    message_id: int
    html: str
    text: str  # what the user sees: tags removed, entities decoded
    reply_markup: dict[str, Any] | None
    reply_to: int | None
    at: float = field(default_factory=time.monotonic)


class FakeTelegram:
    """The fake server. Use as a context manager; `base_url` is what TELEGRAM_API_BASE_URL should be."""

    def __init__(self, token: str, bot_username: str = BOT_USERNAME, bot_id: int = BOT_ID) -> None:
        self.token = token
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Exampleton News",
            "username": bot_username,
        }
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._allowed_updates: set[str] = set()  # empty: every kind (Telegram's default, nearly)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._chats: dict[int, dict[str, Any]] = {}
        self._failures: dict[str, list[int]] = {}  # method -> [remaining, retry_after]
        self._closing = False
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.webhook: dict[str, Any] | None = None  # what setWebhook was given
        self.webhook_target: str | None = None  # where webhook updates are POSTed (the bot's server)
        self.webhook_statuses: list[int] = []  # HTTP status of each delivery
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-telegram", daemon=True)

    # --- lifecycle ---
    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/bot"

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    # --- what tests do ---
    def fail_next(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 Too Many Requests."""
        with self._cond:
            self._failures[method] = [times, retry_after]

    def private_chat(self, user_id: int, first_name: str = "Reader") -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": first_name}

    def group_chat(self, chat_id: int, title: str = "Exampleton Readers") -> dict[str, Any]:
        return {"id": chat_id, "type": "supergroup", "title": title}

    def user(self, user_id: int, first_name: str = "Reader") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name}

    def send_text(
        self,
        text: str,
        user_id: int,
        chat: dict[str, Any] | None = None,
        reply_to: Sent | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Inject a message from a user (private chat unless `chat` is given); returns the message."""
        chat = chat or self.private_chat(user_id)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id),
            "text": text,
        }
        entities = _entities(text)
        if entities:
            message["entities"] = entities
        if isinstance(reply_to, Sent):
            message["reply_to_message"] = self._message_dict(reply_to)
        elif reply_to is not None:
            message["reply_to_message"] = reply_to
        with self._cond:
            self._chats[chat["id"]] = chat
        self._push({"message": message})
        return message

    def edit_text(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """The user edits a message they sent (one `send_text` returned): an `edited_message` update."""
        edited = {**message, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        entities = _entities(text)
        if entities:
            edited["entities"] = entities
        self._push({"edited_message": edited})
        return edited

    def press_button(self, user_id: int, sent: Sent, data: str) -> str:
        """Inject a callback query: the user pressed the inline button with `data` under `sent`."""
        query_id = f"cq{next(self._update_ids)}"
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "chat_instance": "ci1",
                    "message": self._message_dict(sent),
                    "data": data,
                }
            }
        )
        return query_id

    def deliver_webhooks_to(self, local_url: str) -> None:
        """From now on, updates are POSTed to `local_url` instead of waiting for getUpdates."""
        self.webhook_target = local_url

    def post_update(self, update: dict[str, Any], secret: str | None) -> int:
        """POST one update to the webhook target with `secret` in the header; the HTTP status. Retries
        while the bot's server is still starting (connection refused), for up to 10 s."""
        assert self.webhook_target is not None, "call deliver_webhooks_to first"
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = json.dumps(update).encode("utf-8")
        deadline = time.monotonic() + 10
        while True:
            request = urllib.request.Request(self.webhook_target, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return int(response.status)
            except urllib.error.HTTPError as error:
                return int(error.code)
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def calls_of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def messages(self, chat_id: int | None = None) -> list[Sent]:
        with self._cond:
            return [
                s
                for s in self.sent
                if s.method == "sendMessage" and (chat_id is None or s.chat_id == chat_id)
            ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until `predicate()` holds (checked whenever the bot calls), or `timeout` ends."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.1))
            return True

    def wait_for_messages(self, count: int, chat_id: int | None = None, timeout: float = 10.0) -> list[Sent]:
        """Wait until at least `count` messages were sent (to `chat_id`); fail the test if they do not."""
        if not self.wait_for(lambda: len(self.messages(chat_id)) >= count, timeout):
            got = [m.text[:80] for m in self.messages(chat_id)]
            raise AssertionError(f"expected {count} messages to {chat_id} within {timeout}s, got {got}")
        return self.messages(chat_id)

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    # --- internals ---
    def _push(self, update: dict[str, Any]) -> None:
        with self._cond:
            update["update_id"] = next(self._update_ids)
            if self.webhook is None or self.webhook_target is None:
                self._updates.append(update)
                self._cond.notify_all()
                return
            secret = self.webhook.get("secret_token")
        self.webhook_statuses.append(self.post_update(update, secret))

    def _message_dict(self, sent: Sent) -> dict[str, Any]:
        chat = self._chats.get(sent.chat_id) or {
            "id": sent.chat_id,
            "type": "private",
            "first_name": "Reader",
        }
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            "text": sent.text,
        }
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return message

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real API

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = fake._dispatch(self.path, self.headers.get("Content-Type", ""), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # the bot may give up on a long poll while stopping; nothing is lost
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        return Handler

    def _dispatch(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        url = urlsplit(path)
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", url.path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.groups()
        params = _parse_params(url.query, content_type, body)
        if token != self.token:
            self._record(method, params, 401)
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with self._cond:
            failure = self._failures.get(method)
            if failure and failure[0] > 0:
                failure[0] -= 1
                self._record(method, params, 429)
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {failure[1]}",
                    "parameters": {"retry_after": failure[1]},
                }
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            self._record(method, params, 404)
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            result = handler(params)
        except _BadRequest as exc:
            self._record(method, params, 400)
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        self._record(method, params, 200)
        return 200, {"ok": True, "result": result}

    def _record(self, method: str, params: dict[str, Any], status: int) -> None:
        with self._cond:
            self.calls.append(Call(method, params, status, time.monotonic()))
            self._cond.notify_all()

    # --- the API ---
    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return dict(self.bot_user, can_join_groups=True, can_read_all_group_messages=True)

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        with self._cond:
            self.webhook = None
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        _require(params, "url")
        if not str(params["url"]).startswith("https://"):
            raise _BadRequest("bad webhook: An HTTPS URL must be provided for webhook")
        with self._cond:
            self.webhook = dict(params)
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> Any:
        return []

    def _api_close(self, params: dict[str, Any]) -> Any:
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        _require(params, "chat_id", "action")
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        _require(params, "callback_query_id")
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if params.get("allowed_updates") is not None:
                self._allowed_updates = set(_json(params["allowed_updates"]))
            if offset:  # confirming: everything below offset is forgotten, as Telegram does
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                # As Telegram does, kinds of update the bot did not ask for are never delivered.
                kinds = self._allowed_updates
                self._updates = [u for u in self._updates if not kinds or set(u) - {"update_id"} <= kinds]
                remaining = deadline - time.monotonic()
                if self._updates or self._closing or remaining <= 0:
                    return [dict(u) for u in self._updates[:limit]]
                self._cond.wait(remaining)

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        _require(params, "chat_id", "text")
        sent = self._store("sendMessage", params, next(self._message_ids))
        return self._message_dict(sent)

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        _require(params, "chat_id", "message_id", "text")
        sent = self._store("editMessageText", params, int(params["message_id"]))
        return self._message_dict(sent)

    def _store(self, method: str, params: dict[str, Any], message_id: int) -> Sent:
        text = str(params["text"])
        if str(params.get("parse_mode", "")).upper() == "HTML":
            try:
                plain = check_telegram_html(text)
            except TelegramHTMLError as exc:
                raise _BadRequest(f"can't parse entities: {exc}") from None
        else:
            plain = text
        if not plain.strip():
            raise _BadRequest("message text is empty")
        if utf16_len(plain) > MESSAGE_LIMIT:
            raise _BadRequest("message is too long")
        reply_to = None
        if params.get("reply_parameters"):
            reply_to = int(_json(params["reply_parameters"])["message_id"])
        elif params.get("reply_to_message_id"):
            reply_to = int(params["reply_to_message_id"])
        markup = _json(params["reply_markup"]) if params.get("reply_markup") else None
        sent = Sent(method, int(params["chat_id"]), message_id, text, plain, markup, reply_to)
        with self._cond:
            self.sent.append(sent)
        return sent


class _BadRequest(Exception):
    pass


def _require(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise _BadRequest(f"{name} is required")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _parse_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    if body:
        if "json" in content_type:
            params.update(json.loads(body))
        else:
            params.update({k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
    return params


def _entities(text: str) -> list[dict[str, Any]]:
    """bot_command and mention entities, as Telegram adds them (offsets in UTF-16 code units)."""
    out = []
    for match in re.finditer(r"(?<![\w/@])(/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?|@[A-Za-z0-9_]{5,})", text):
        kind = "bot_command" if match.group().startswith("/") else "mention"
        if kind == "bot_command" and match.start() != 0:
            continue  # a command counts at the start of a message only
        out.append(
            {"type": kind, "offset": utf16_len(text[: match.start()]), "length": utf16_len(match.group())}
        )
    return out


class BotThread:
    """Runs a python-telegram-bot Application against the fake server in a thread with its own event loop,
    going through the same steps as `Application.run_polling` (initialize, post_init, polling, start), so
    tests stay synchronous: inject updates, wait for replies, assert."""

    def __init__(self, application: Any, poll_timeout: int = 1) -> None:
        self.application = application
        self.poll_timeout = poll_timeout
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._loop: Any = None
        self._stop: Any = None
        self._thread = threading.Thread(target=self._run, name="bot-under-test", daemon=True)

    def __enter__(self) -> BotThread:
        self._thread.start()
        if not self._started.wait(20):
            raise AssertionError("the bot did not start within 20 s")
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=20)
        if self._thread.is_alive():
            raise AssertionError("the bot did not stop within 20 s")
        if self._error is not None and exc[0] is None:
            raise self._error

    def _run(self) -> None:
        import asyncio

        asyncio.run(self._main())

    async def _main(self) -> None:
        import asyncio

        from bot.telegram.app import ALLOWED_UPDATES  # what `newsbot telegram` asks Telegram for

        app = self.application
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await app.initialize()
            if app.post_init:
                await app.post_init(app)
            await app.updater.start_polling(
                poll_interval=0.0, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
            await app.start()
        except BaseException as exc:
            self._error = exc
            self._started.set()
            return
        self._started.set()
        try:
            await self._stop.wait()
        finally:
            try:
                await app.updater.stop()
                await app.stop()
                await app.shutdown()
            except BaseException as exc:
                self._error = exc
