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

from bot.answering.readers.base import ENV_READER
from bot.cli.common import quiet_logs, user_errors
from bot.errors import BadQuestionLine, QuestionError
from bot.settings import ENV_INDEX, ENV_K, MAX_K, Settings, history_file

if TYPE_CHECKING:
    from bot.answerer import Answerer
    from bot.answering.followup import Conversations
    from bot.models import Answer

DATE = click.DateTime(formats=["%Y-%m-%d"])
NEW_CONVERSATION = "/new"
CHAT_KEY = "chat"  # the terminal holds one conversation


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
                # No envvar here: `Settings.resolve` reads NEWSBOT_K, for the Telegram bot too.
                help=f"Passages to retrieve [env {ENV_K}; default 8].",
            ),
            click.option(
                "--since", type=DATE, envvar="NEWSBOT_SINCE", help="Only articles from this day on."
            ),
            click.option("--until", type=DATE, envvar="NEWSBOT_UNTIL", help="Only articles up to this day."),
            click.option(
                "--as-of",
                "as_of",
                type=DATE,
                envvar="NEWSBOT_AS_OF",
                help="Ask as of this day: nothing published after it, recent articles first, and "
                '"last week" or "in March" read from it [env NEWSBOT_AS_OF; default: today].',
            ),
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


def open_for_cli(
    settings: Settings, since: date | None, until: date | None, reader: str | None, as_of: date | None
) -> Answerer:
    """The answering service for `ask` and `chat`: checked now (a bad date range or a missing reader extra
    is one error line before any question), the index opened and the model loaded on the first question,
    a missing default index built from the demo corpus."""
    from bot.answerer import AskSettings, open_answerer

    if since and until and since > until:
        raise click.BadParameter("--since is after --until")
    return open_answerer(settings, reader or "none", AskSettings(since, until, as_of), note=_note)


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
    as_of: datetime | None,
    reader: str | None,
    as_json: bool,
) -> None:
    """Answer QUESTION from the indexed articles, citing a source for every sentence.

    With no QUESTION, read one question per line from standard input and write one result per line. A
    line may be a JSON object, {"question": "...", "as_of": "2020-06-05"}, to ask it as of its own day.
    """
    from bot.answering.retrieve import clean_question

    quiet_logs()
    if question is None and sys.stdin.isatty():
        # Reading questions from a terminal would wait silently for a line nobody knows to type.
        raise click.ClickException(
            'no question: pass one (newsbot ask "Who won the race?") or pipe questions, one a line '
            "(newsbot ask < questions.txt)"
        )
    with user_errors():
        settings = Settings.resolve(index_dir, k)
        asker = open_for_cli(settings, _day(since), _day(until), reader, _day(as_of))
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


def _batch(asker: Answerer, lines: Iterable[str], as_json: bool) -> int:
    """One result line per input line; a bad question gives an error line and the rest go on."""
    import json

    failures = 0
    for line in lines:
        question = line.rstrip("\n")
        try:
            question, as_of = _question_line(question)
            result = asker.ask(question, as_of=as_of)
        except QuestionError as exc:
            failures += 1
            message = str(exc)
            click.echo(
                json.dumps({"question": question[:200], "error": message}) if as_json else f"Error: {message}"
            )
            continue
        click.echo(_render(result, as_json, one_line=True))
    return failures


def _question_line(line: str) -> tuple[str, date | None]:
    """A batch line's question and as-of day: a plain line is the question; a line starting with `{` is a
    JSON object with `question` and, optionally, `as_of` (YYYY-MM-DD)."""
    import json

    if not line.lstrip().startswith("{"):
        return line, None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadQuestionLine(f"not a JSON object: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict) or not isinstance(record.get("question"), str):
        raise BadQuestionLine('a JSON line needs a "question" string')
    as_of = record.get("as_of")
    if as_of is None:
        return record["question"], None
    try:
        return record["question"], date.fromisoformat(str(as_of))
    except ValueError:
        raise BadQuestionLine(f"as_of is not a YYYY-MM-DD day: {str(as_of)[:40]!r}") from None


def _render(result: Answer, as_json: bool, one_line: bool = False) -> str:
    from bot.render import render_json, render_text

    if as_json:
        return render_json(result)
    text = render_text(result)
    return " ".join(text.split()) if one_line else text


@click.command()
@_common
def chat(
    index_dir: Path | None,
    k: int | None,
    since: datetime | None,
    until: datetime | None,
    as_of: datetime | None,
    reader: str | None,
) -> None:
    """Ask questions one after another, with line editing and history. A question that leans on the last
    one ("and when?", "who else?") is answered in its context for ten minutes; `/new` forgets it. Ctrl-D,
    `/quit` or `exit` ends; `/help` says so. A line starting with "/word" is a command, never a question."""
    from bot.answering.followup import Conversations, is_command

    quiet_logs()
    with user_errors():
        asker = open_for_cli(Settings.resolve(index_dir, k), _day(since), _day(until), reader, _day(as_of))
        save_history = _start_history()
        click.echo(
            f"Ask about the indexed news; follow-ups are read in context, {NEW_CONVERSATION} starts afresh. "
            "Ctrl-D or `exit` to leave.",
            err=True,
        )
        conversations = Conversations()
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
                if is_command(line):  # never a question, never a follow-up's context
                    reply = chat_command(line, conversations)
                    if reply is None:
                        break
                    click.echo(reply, err=True)
                    continue
                click.echo(_chat_turn(asker, conversations, line))
                click.echo()
        finally:
            save_history()
            asker.close()


CHAT_HELP = (
    'Ask a question in plain words; a follow-up ("and when?", "who else?") is read in the context '
    f"of the last question for ten minutes. {NEW_CONVERSATION} starts afresh, /quit (or Ctrl-D) leaves."
)


def chat_command(line: str, conversations: Conversations) -> str | None:
    """What a chat command does: the line to show, or None to leave. It is not asked and not remembered:
    the conversation's context stays the last question."""
    word = line.split()[0].lower()
    if word == NEW_CONVERSATION:
        conversations.forget(CHAT_KEY)
        return "(new conversation: the next question is read on its own)"
    if word in {"/quit", "/exit", "/q"}:
        return None
    if word == "/help":
        return CHAT_HELP
    return f"(unknown command {word}: /help, {NEW_CONVERSATION} or /quit; anything else is a question)"


def _chat_turn(asker: Answerer, conversations: Conversations, line: str) -> str:
    """One chat question in the conversation's context; the rewritten question is shown so the answer
    can be checked against what was really asked."""
    resolved = conversations.resolve(CHAT_KEY, line)
    try:
        result = asker.ask_resolved(resolved)
    except QuestionError as exc:
        return f"Error: {exc}"
    conversations.remember(CHAT_KEY, resolved, result)
    text = _render(result, as_json=False)
    return f"(taken as: {resolved.question})\n{text}" if resolved.rewritten else text


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
