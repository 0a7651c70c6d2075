"""Domain errors of question answering; the CLI and the bot translate them for the user."""


class QuestionError(ValueError):
    """The question cannot be asked as given; the message says why."""


class EmptyQuestion(QuestionError):
    pass


class QuestionTooLong(QuestionError):
    pass


class BadQuestionLine(QuestionError):
    """A line of batch input that says it is JSON but is not a question record."""


def one_line(exc: BaseException) -> str:
    """An error as one line for the user: a missing file named, whitespace collapsed."""
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"no such file or folder: {exc.filename}"
    return " ".join(str(exc).split()) or type(exc).__name__
