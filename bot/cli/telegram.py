"""`newsbot telegram`: run the Telegram bot over an index (long polling), configured from the environment.

The index is opened before anything touches the network, so a missing or broken index is one clear line
and exit status 1, never a bot that starts and then fails on every question (or a crash loop under a
supervisor). A token Telegram rejects, or an API server that cannot be reached, ends the same way; the
token itself is never printed or logged.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from bot.telegram.app import Responder
    from bot.telegram.config import TelegramSettings

logger = logging.getLogger(__name__)


def open_responder(index_dir: Path) -> Responder:
    """The answering service over the index at `index_dir` (k from NEWSBOT_K, the reader from
    NEWSBOT_READER, as the command line reads them), its model loaded, so the first question is not slow
    and a model that cannot load stops the start-up; raises the index's domain errors. The bot never
    builds an index itself."""
    from bot.answerer import open_answerer
    from bot.settings import Settings

    return open_answerer(Settings.resolve(index_dir), None, eager=True, build_demo=False, note=logger.info)


def _configure_logging(verbose: int) -> None:
    # The model's libraries print progress bars and advice while loading: not for a service's log.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(
        level=logging.DEBUG if verbose >= 2 else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # python-telegram-bot reports every poll at DEBUG and its start/stop at INFO: keep the latter.
    logging.getLogger("telegram").setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    logging.getLogger("telegram.ext.Application").setLevel(logging.INFO)
    logging.getLogger("bot").setLevel(logging.DEBUG if verbose >= 1 else logging.INFO)
    # httpx logs every request's full URL at INFO: the Telegram API's holds the bot token, and
    # NEWSBOT_LLM_URL may hold a user and password.
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    # FAISS's loader logs each CPU-feature build it tries (a hundred lines) at INFO; sentence-transformers
    # logs the model folder it loads.
    for noisy in ("faiss", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    ptb = logging.getLogger("telegram.ext")
    if _drop_start_up_network_failure not in ptb.filters:
        ptb.addFilter(_drop_start_up_network_failure)


def _drop_start_up_network_failure(record: logging.LogRecord) -> bool:
    """python-telegram-bot logs a start-up it gives up on for want of the network with three chained
    tracebacks; `_serve` reports that failure as one line, so the log record is dropped. Network errors
    once the bot runs are kept: those are worth a traceback in a service's log."""
    from telegram.error import NetworkError

    error = record.exc_info[1] if record.exc_info else None
    return not (isinstance(error, NetworkError) and "(Bootstrap" in record.getMessage())


@click.command()
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="NEWSBOT_INDEX",
    default=None,
    help="Index directory to answer from (env NEWSBOT_INDEX; default: the one `newsbot index build` "
    "makes in your data directory). It must exist: the bot never builds one itself.",
)
@click.option("-v", "--verbose", count=True, help="More log lines (-vv: the HTTP library's too).")
def telegram(index_dir: Path | None, verbose: int) -> None:
    """Run the Telegram bot until interrupted.

    Needs TELEGRAM_BOT_TOKEN (from @BotFather). Optional: NEWSBOT_ALLOWED_CHATS (user and chat ids that
    may use the bot), NEWSBOT_RATE_LIMIT and NEWSBOT_RATE_WINDOW (questions per seconds per person,
    default 5 per 60), TELEGRAM_API_BASE_URL (a self-hosted Bot API server, e.g.
    http://127.0.0.1:8081/bot). Webhook mode instead of long polling: TELEGRAM_WEBHOOK_URL (the https
    address Telegram posts to), TELEGRAM_WEBHOOK_LISTEN and TELEGRAM_WEBHOOK_PORT (the local server behind
    your proxy, default 127.0.0.1:8443), TELEGRAM_WEBHOOK_SECRET (default: random at each start).
    """
    # Opt in to python-telegram-bot's coming timedelta behaviour, which also silences its v22 warning.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    from bot.telegram.app import SECRET_REDACTED, protect_logs
    from bot.telegram.config import ConfigError, TelegramSettings

    try:
        settings = TelegramSettings.from_env(os.environ)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if index_dir is None:
        from bot.settings import default_index_dir

        index_dir = default_index_dir()
    _configure_logging(verbose)
    undo = protect_logs(settings.token)
    secret = settings.webhook_secret
    undo_secret = protect_logs(secret, SECRET_REDACTED) if secret else None
    try:
        _serve(settings, index_dir.expanduser())
    finally:
        if undo_secret:
            undo_secret()
        undo()


def _serve(settings: TelegramSettings, index_dir: Path) -> None:
    import httpx
    from telegram.error import InvalidToken, TelegramError

    from bot.telegram.app import redact, run_polling, run_webhook
    from embeddings.errors import IndexError_

    try:
        responder = open_responder(index_dir)
    except IndexError_ as exc:
        raise click.ClickException(f"cannot start the bot: {exc}") from None
    try:
        (run_webhook if settings.webhook_url else run_polling)(settings, responder)
    except InvalidToken:
        raise click.ClickException(
            "Telegram rejected TELEGRAM_BOT_TOKEN: copy the token again from @BotFather "
            "(/mybots → your bot → API Token)."
        ) from None
    except (TelegramError, httpx.HTTPError) as exc:
        where = redact(settings.api_base_url or "https://api.telegram.org", settings.token)
        reason = redact(str(exc), settings.token)
        raise click.ClickException(f"cannot reach the Telegram Bot API at {where}: {reason}") from None
    finally:
        close = getattr(responder, "close", None)  # the Answerer: its index, and the reader's worker
        if callable(close):
            close()
