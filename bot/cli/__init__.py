"""The `newsbot` command line: a thin edge. Subcommands live in their own modules and are imported only
when run, so `newsbot ask` does not pay for Telegram, trafilatura or the benchmarks at start-up:
ask.py (`ask`, `chat`), corpus.py, index.py with watch.py (`index watch`), telegram.py (starts
bot/telegram/), common.py (what they share: quiet logs, one-line errors).

May import: bot.answerer, bot.render, bot.settings, bot.errors, bot.models, embeddings and corpus (the
index and corpus commands drive them), bot.telegram (for `newsbot telegram`), and of the pipeline only
what the edge needs (clean_question, Conversations and is_command, the reader's name setting). Nothing in
bot/ outside cli/ imports it.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command; imported on first use.
SUBCOMMANDS: dict[str, str] = {
    "corpus": "bot.cli.corpus:corpus",
    "index": "bot.cli.index:index",
    "ask": "bot.cli.ask:ask",
    "chat": "bot.cli.ask:chat",
    "telegram": "bot.cli.telegram:telegram",
    "bench": "benchmarks.cli:bench",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported when invoked (click's documented lazy-loading recipe)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsbot")
def main() -> None:
    """Ask questions of a news archive you chose; every answer sentence cites its article."""
