"""`newsbot ask` and `newsbot chat`: questions in, cited answers out, on the terminal.

Starting is kept cheap: no torch, FAISS or trafilatura at import; the model loads on the first question.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli_common import open_searcher, quiet_logs, user_errors
from bot.errors import QuestionError
from bot.reader import ENV_READER
from bot.settings import ENV_INDEX, ENV_K, MAX_K, Settings, history_file

if TYPE_CHECKING:
    from bot.models import Answer
    from bot.reader import Reader, Writer
    from embeddings.search import Searcher

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _note(message: str) -> None:
    click.echo(message, err=True)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _common(function: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option(
                "--index",
                "index_dir",
                type=click.Path(path_type=Path, file_okay=False),
                default=None,
                help=f"Index directory [env {ENV_INDEX}; default: a per-user data folder].",
            ),
            click.option(
                "--k",
                type=click.IntRange(1, MAX_K),
                default=None,
                envvar=ENV_K,
                help=f"Passages to retrieve [env {ENV_K}; default 8].",
            ),
            click.option(
                "--since", type=DATE, envvar="NEWSBOT_SINCE", help="Only articles from this day on."
            ),
            click.option("--until", type=DATE, envvar="NEWSBOT_UNTIL", help="Only articles up to this day."),
            click.option(
                "--reader",
                type=click.Choice(["none", "gemma", "llm"], case_sensitive=False),
                default=None,
                envvar=ENV_READER,
                help="A small model that picks the short answer from the retrieved sentences (gemma: needs "
                "the `reader` extra; ~4 CPU-seconds an answer), or a model behind NEWSBOT_LLM_URL that "
                f"rewrites the answer, checked (llm); off by default [env {ENV_READER}].",
            ),
        ]
    ):
        function = option(function)
    return function


class Asker:
    """The searcher, opened once, and the filters every question is asked with."""

    def __init__(
        self, settings: Settings, since: date | None, until: date | None, reader: str | None = None
    ) -> None:
        from bot.reader import open_reader

        if since and until and since > until:
            raise click.BadParameter("--since is after --until")
        self.settings = settings
        self.since = since
        self.until = until
        # Checked now (a missing extra is one error line before any question); the model loads on first use.
        self.reader: Reader | Writer | None = open_reader(reader or "none")
        self._searcher: Searcher | None = None

    def ask(self, question: str) -> Answer:
        from bot.answer import answer

        if self._searcher is None:
            self._searcher = open_searcher(self.settings, _note)
        return answer(
            question,
            self._searcher,
            k=self.settings.k,
            since=self.since,
            until=self.until,
            reader=self.reader,
        )

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()


@click.command()
@click.argument("question", required=False)
@_common
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per answer.")
def ask(
    question: str | None,
    index_dir: Path | None,
    k: int | None,
    since: datetime | None,
    until: datetime | None,
    reader: str | None,
    as_json: bool,
) -> None:
    """Answer QUESTION from the indexed articles, citing a source for every sentence.

    With no QUESTION, read one question per line from standard input and write one result per line.
    """
    from bot.answer import clean_question

    quiet_logs()
    with user_errors():
        settings = Settings.resolve(index_dir, k)
        asker = Asker(settings, _day(since), _day(until), reader)
        try:
            if question is not None:
                clean_question(question)  # fail on a bad question before loading anything
                click.echo(_render(asker.ask(question), as_json))
            else:
                failures = _batch(asker, sys.stdin, as_json)
                if failures:
                    raise SystemExit(1)
        finally:
            asker.close()


def _batch(asker: Asker, lines: Iterable[str], as_json: bool) -> int:
    """One result line per input line; a bad question gives an error line and the rest go on."""
    import json

    failures = 0
    for line in lines:
        question = line.rstrip("\n")
        try:
            result = asker.ask(question)
        except QuestionError as exc:
            failures += 1
            message = str(exc)
            click.echo(
                json.dumps({"question": question[:200], "error": message}) if as_json else f"Error: {message}"
            )
            continue
        click.echo(_render(result, as_json, one_line=True))
    return failures


def _render(result: Answer, as_json: bool, one_line: bool = False) -> str:
    from bot.render import render_json, render_text

    if as_json:
        return render_json(result)
    text = render_text(result)
    return " ".join(text.split()) if one_line else text


@click.command()
@_common
def chat(
    index_dir: Path | None, k: int | None, since: datetime | None, until: datetime | None, reader: str | None
) -> None:
    """Ask questions one after another, with line editing and history. Ctrl-D or `exit` ends."""
    quiet_logs()
    with user_errors():
        asker = Asker(Settings.resolve(index_dir, k), _day(since), _day(until), reader)
        save_history = _start_history()
        click.echo("Ask about the indexed news. Ctrl-D or `exit` to leave.", err=True)
        try:
            while True:
                try:
                    line = input("newsbot> ")
                except EOFError:
                    click.echo(err=True)
                    break
                except KeyboardInterrupt:
                    click.echo(err=True)
                    continue
                if line.strip().lower() in {"exit", "quit", ":q"}:
                    break
                if not line.strip():
                    continue
                try:
                    click.echo(_render(asker.ask(line), as_json=False))
                except QuestionError as exc:
                    click.echo(f"Error: {exc}", err=True)
                click.echo()
        finally:
            save_history()
            asker.close()


def _start_history() -> Callable[[], None]:
    """Load the readline history; return a function that saves it. Without readline, no history."""
    try:
        import readline
    except ImportError:
        return lambda: None
    path = history_file()
    try:
        if path.exists():
            readline.read_history_file(path)
    except OSError:
        pass
    readline.set_history_length(1000)

    def save() -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
        except OSError:
            pass

    return save
