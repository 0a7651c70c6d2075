"""Domain errors of the index. The edges (CLI, Telegram) turn them into one clear line or reply."""


class IndexError_(Exception):
    """Base class for index problems; the message is meant for the user, with what to run."""


class IndexNotFound(IndexError_):
    """No index at the given directory."""


class IndexCorrupt(IndexError_):
    """The index directory exists but cannot be read (missing file, bad manifest, torn write)."""


class IndexMismatch(IndexError_):
    """The index was built with another model, dimension or format version than the one asked for."""


class ModelNotFound(IndexError_):
    """The embedding model asked for is not a usable local sentence-transformers folder."""
