"""What the Telegram bot is configured with, all from the environment: the token (never logged, never in a
`repr`), an optional self-hosted Bot API server, the allow-list, the rate limit, and webhook mode.

Long polling is the default: it needs no public address. With TELEGRAM_WEBHOOK_URL set (an https address
Telegram can reach, usually a reverse proxy), the bot serves that URL's path on
TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT and accepts only requests carrying the secret token it gave
Telegram (TELEGRAM_WEBHOOK_SECRET, else a random one per start).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_API_BASE_URL = "TELEGRAM_API_BASE_URL"
ENV_ALLOWED = "NEWSBOT_ALLOWED_CHATS"
ENV_RATE_LIMIT = "NEWSBOT_RATE_LIMIT"
ENV_RATE_WINDOW = "NEWSBOT_RATE_WINDOW"
ENV_WEBHOOK_URL = "TELEGRAM_WEBHOOK_URL"
ENV_WEBHOOK_LISTEN = "TELEGRAM_WEBHOOK_LISTEN"
ENV_WEBHOOK_PORT = "TELEGRAM_WEBHOOK_PORT"
ENV_WEBHOOK_SECRET = "TELEGRAM_WEBHOOK_SECRET"
# Telegram's rule for the secret it echoes in X-Telegram-Bot-Api-Secret-Token.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(ValueError):
    """The environment does not configure the bot; the message says what to set (and never the token)."""


@dataclass(frozen=True)
class TelegramSettings:
    """What the bot needs from the environment. The token is kept out of `repr`."""

    token: str = field(repr=False)
    api_base_url: str | None = None
    allowed_ids: frozenset[int] | None = None  # None: everyone may ask
    rate_limit: int = 5  # questions per user per window; 0 turns the limit off
    rate_window: float = 60.0
    poll_timeout: float = 10.0  # long-polling timeout of getUpdates, seconds
    max_concurrent: int = 32  # updates handled at once
    webhook_url: str | None = None  # set: webhook mode, Telegram POSTs updates here (https)
    webhook_listen: str = "127.0.0.1"  # where the local webhook server listens (behind a proxy)
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)  # from_env: random per start if unset

    def __post_init__(self) -> None:
        if not self.token.strip():
            raise ConfigError(f"{ENV_TOKEN} is empty: set it to the token @BotFather gave you.")
        if self.rate_limit < 0 or self.rate_window <= 0:
            raise ConfigError(
                "the rate limit must be zero or more questions per a positive number of seconds"
            )
        if self.max_concurrent < 1:
            raise ConfigError("max_concurrent must be at least 1")
        if self.poll_timeout < 0:
            raise ConfigError("poll_timeout must not be negative")
        if self.webhook_url is not None and not re.match(r"https://[^/\s]+", self.webhook_url):
            raise ConfigError(
                f"{ENV_WEBHOOK_URL} must be an https:// address Telegram can reach (it sends updates "
                f"only over HTTPS), not {self.webhook_url!r}"
            )
        if not 0 < self.webhook_port < 65536:
            raise ConfigError(f"{ENV_WEBHOOK_PORT} must be a port number, 1 to 65535")
        if self.webhook_secret is not None and not _SECRET.fullmatch(self.webhook_secret):
            raise ConfigError(
                f"{ENV_WEBHOOK_SECRET} must be 1 to 256 characters of letters, digits, '_' and '-'"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: Any) -> TelegramSettings:
        """Read TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, NEWSBOT_ALLOWED_CHATS, NEWSBOT_RATE_LIMIT,
        NEWSBOT_RATE_WINDOW and the TELEGRAM_WEBHOOK_* settings; `overrides` (e.g. from command-line
        flags) win over the environment."""
        token = env.get(ENV_TOKEN, "").strip()
        if not token:
            raise ConfigError(
                f"{ENV_TOKEN} is not set. Create a bot with @BotFather in Telegram, then "
                f"export {ENV_TOKEN}=<the token it gives you> and run `newsbot telegram` again."
            )
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
            raise ConfigError(
                f"{ENV_TOKEN} does not look like a bot token (digits, a colon, then letters, digits, "
                "'-' and '_'): copy it again from @BotFather."
            )
        values: dict[str, Any] = {
            "token": token,
            "api_base_url": env.get(ENV_API_BASE_URL, "").strip() or None,
            "allowed_ids": parse_allowed_ids(env.get(ENV_ALLOWED, "")),
        }
        if env.get(ENV_RATE_LIMIT, "").strip():
            values["rate_limit"] = _parse_number(env[ENV_RATE_LIMIT], ENV_RATE_LIMIT, int)
        if env.get(ENV_RATE_WINDOW, "").strip():
            values["rate_window"] = _parse_number(env[ENV_RATE_WINDOW], ENV_RATE_WINDOW, float)
        for name, key in ((ENV_WEBHOOK_URL, "webhook_url"), (ENV_WEBHOOK_LISTEN, "webhook_listen")):
            if env.get(name, "").strip():
                values[key] = env[name].strip()
        if env.get(ENV_WEBHOOK_PORT, "").strip():
            values["webhook_port"] = _parse_number(env[ENV_WEBHOOK_PORT], ENV_WEBHOOK_PORT, int)
        if env.get(ENV_WEBHOOK_SECRET, "").strip():
            values["webhook_secret"] = env[ENV_WEBHOOK_SECRET].strip()
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values.get("webhook_url") and not values.get("webhook_secret"):
            # Drawn here, not where the server starts, so that the caller can keep it out of the logs.
            values["webhook_secret"] = secrets.token_urlsafe(32)
        return cls(**values)


def _parse_number(raw: str, name: str, kind: Callable[[str], Any]) -> Any:
    try:
        return kind(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw.strip()!r}") from None


def parse_allowed_ids(raw: str) -> frozenset[int] | None:
    """`"123, -100456 789"` -> the ids; an empty string -> None (no allow-list)."""
    items = [item for item in re.split(r"[\s,;]+", raw.strip()) if item]
    if not items:
        return None
    ids = set()
    for item in items:
        if not re.fullmatch(r"-?\d+", item):
            raise ConfigError(
                f"{ENV_ALLOWED} holds {item!r}, which is not a numeric user or chat id "
                "(numbers separated by commas or spaces; group ids are negative)."
            )
        ids.add(int(item))
    return frozenset(ids)
