"""Records that come out of the index: article metadata as stored, and search hits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from corpus.models import Chunk


@dataclass(frozen=True)
class ArticleMeta:
    """What the index keeps about an article besides its chunks (enough to cite it)."""

    id: str
    source: str
    title: str | None
    publisher: str | None
    published: datetime | None
    url: str | None
    byline: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk after fusion. `rank` is 1-based; `score` is the fused score (higher is better).

    `dense_score` is the cosine similarity of query and chunk (None when the chunk came from keyword
    search only and was not scored densely); `keyword_score` the BM25 score (None when absent).
    """

    chunk: Chunk
    article: ArticleMeta
    rank: int
    score: float
    dense_score: float | None = None
    keyword_score: float | None = None
