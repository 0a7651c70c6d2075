"""The `newsbot` command line: a thin edge. Subcommands live in their own modules and are imported only
when run, so `newsbot ask` does not pay for Telegram, trafilatura or the benchmarks at start-up."""

from __future__ import annotations

import importlib
import sys

import click

# name -> "module:attribute" of a click command; imported on first use.
SUBCOMMANDS: dict[str, str] = {
    "corpus": "bot.cli_corpus:corpus",
    "index": "bot.cli_index:index",
    "ask": "bot.cli_ask:ask",
    "chat": "bot.cli_ask:chat",
    "telegram": "bot.cli_telegram:telegram",
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


if __name__ == "__main__":
    sys.exit(main())
