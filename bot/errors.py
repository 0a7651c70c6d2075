"""Domain errors of question answering; the CLI and the bot translate them for the user."""


class QuestionError(ValueError):
    """The question cannot be asked as given; the message says why."""


class EmptyQuestion(QuestionError):
    pass


class QuestionTooLong(QuestionError):
    pass


class BadQuestionLine(QuestionError):
    """A line of batch input that says it is JSON but is not a question record."""
