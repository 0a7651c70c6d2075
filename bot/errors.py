"""Domain errors of question answering; the CLI and the bot translate them for the user."""


class QuestionError(ValueError):
    """The question cannot be asked as given; the message says why."""


class EmptyQuestion(QuestionError):
    pass


class QuestionTooLong(QuestionError):
    pass
