"""The channel-free answer: sentences with their source numbers, the numbered sources, the passages.

Rendering for a channel (plain text, JSON, Telegram HTML) lives in the render modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from embeddings.models import Hit


@dataclass(frozen=True)
class IndexSummary:
    """What an index holds, as /start and /stats tell it."""

    articles: int
    chunks: int | None = None
    publishers: tuple[str, ...] = ()
    first_published: datetime | None = None
    last_published: datetime | None = None
    model: str | None = None


@dataclass(frozen=True)
class Timeframe:
    """The window of publication days [since, until] a question's relative date named ("last week" asked
    on 2020-06-05), and the words that named it (see bot/answering/timeframe.py)."""

    since: date
    until: date
    phrase: str


@dataclass(frozen=True)
class Citation:
    """Source number `n` of an answer: the article, and the chunk and sentence(s) quoted from it."""

    n: int
    article_id: str
    chunk_id: str
    title: str | None
    publisher: str | None
    published: datetime | None
    url: str | None
    source: str
    quote: str

    @classmethod
    def of(cls, n: int, hit: Hit, quote: str) -> Citation:
        """Source `n`: the article and chunk of `hit`, quoting `quote` from it."""
        meta = hit.article
        return cls(
            n=n,
            article_id=meta.id,
            chunk_id=hit.chunk.id,
            title=meta.title,
            publisher=meta.publisher,
            published=meta.published,
            url=meta.url,
            source=meta.source,
            quote=quote,
        )


@dataclass(frozen=True)
class AnswerSentence:
    """A sentence of the answer, taken from source `n`."""

    text: str
    n: int


@dataclass(frozen=True)
class Answer:
    """An answer. Invariants: every sentence's `n` is a citation's `n`; every citation is used; citation
    numbers run 1..N in order of first use. When `abstained`, `sentences` and `citations` are empty and
    `closest` lists the nearest sources found, if any. `short` is the name, number or date the question
    asks for, as the first sentence gives it (source `short_n`), when the question asks for one.
    `confidence` is the estimated probability, 0..1, that the best sentence found answers the question
    right (bot/answering/confidence.py); newsbot abstains under 0.5. None where no confidence was computed."""

    question: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    passages: tuple[Hit, ...]
    abstained: bool
    closest: tuple[Citation, ...] = ()
    short: str | None = None
    short_n: int | None = None
    as_of: date | None = None  # the day the question was asked as of: nothing published after it is used
    timeframe: Timeframe | None = None  # the window a relative date in the question narrowed the search to
    confidence: float | None = None

    @property
    def text(self) -> str:
        """The answer as one string, each sentence followed by its `[n]`."""
        return " ".join(f"{s.text} [{s.n}]" for s in self.sentences)
