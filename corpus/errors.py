"""Why a file gave no article. Readers raise these; `corpus.read` records them as `SkippedFile` reasons."""


class CorpusError(Exception):
    """Base class; the message is the per-file reason shown to the user."""


class UnreadableFile(CorpusError):
    """Empty, binary, undecodable, too large, or not a format we read."""


class NoArticleFound(CorpusError):
    """The file was read but holds no article body (a menu page, an index page, a 404 page...)."""
