"""Fictional articles and questions at any scale for the speed benchmarks (`query`, `indexing`); never
for quality figures.

Text is made of pseudo-words drawn from a Zipf distribution (as word frequencies in news are), so that
keyword search meets common and rare terms as it would in a real archive; the vectors that go with it,
when a benchmark needs scale rather than meaning, come from `MixtureEncoder`. Nothing here is real news:
publishers, towns and people are invented.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import numpy as np

from benchmarks.scale import Mixture
from corpus.chunk import CountTokens
from corpus.ids import article_id
from corpus.models import Article
from embeddings.encoder import DEFAULT_MODEL, Vectors, word_piece_counter

_SYLLABLES = [
    c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ar", "en", "is", "on", "ul")
]


def vocabulary(size: int = 30_000, seed: int = 0) -> list[str]:
    """`size` distinct pronounceable pseudo-words of 1-4 syllables."""
    rng = np.random.default_rng(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        n = int(rng.integers(1, 5))
        words["".join(_SYLLABLES[i] for i in rng.integers(0, len(_SYLLABLES), n))] = None
    return list(words)


class TextMaker:
    """Sentences, articles and questions from a Zipf-weighted pseudo-word vocabulary."""

    def __init__(self, seed: int = 0, vocabulary_size: int = 30_000) -> None:
        self.words = vocabulary(vocabulary_size, seed)
        ranks = np.arange(1, len(self.words) + 1, dtype=np.float64)
        self.p = (1 / ranks) / (1 / ranks).sum()
        self.rng = np.random.default_rng(seed + 1)

    def sentence(self, length: int | None = None) -> str:
        length = length or int(self.rng.integers(8, 24))
        picked = [self.words[i] for i in self.rng.choice(len(self.words), size=length, p=self.p)]
        return picked[0].capitalize() + " " + " ".join(picked[1:]) + "."

    def article(self, number: int, words: int = 600) -> Article:
        paragraphs = []
        total = 0
        while total < words:
            sentences = [self.sentence() for _ in range(int(self.rng.integers(2, 6)))]
            total += sum(s.count(" ") + 1 for s in sentences)
            paragraphs.append(" ".join(sentences))
        text = "\n\n".join(paragraphs)
        url = f"https://gazette.example/exampleton/{number}"
        published = datetime(2020, 1, 1) + timedelta(hours=7 * number)
        return Article(
            id=article_id(url, text),
            source=f"synthetic:{number}",
            text=text,
            title=self.sentence(int(self.rng.integers(4, 9))).rstrip("."),
            publisher="The Gazette of Exampleton (fictional)",
            published=published,
            url=url,
        )

    def articles(self, count: int, words: int = 600) -> list[Article]:
        return [self.article(i, words) for i in range(count)]

    def question(self, article: Article, common: int = 200) -> str:
        """A question from content words of one of the article's sentences. The `common` most frequent
        pseudo-words play the part of English function words, which keyword search drops as stop words
        in a real question, so they are left out here too."""
        rank = self._ranks()
        words = [w.strip(".").lower() for w in article.text.split()]
        content = [w for w in words if rank.get(w, 0) >= common]
        start = int(self.rng.integers(0, max(1, len(content) - 12)))
        window = content[start : start + 12] or words[:5]
        picks = sorted(self.rng.choice(len(window), size=min(4, len(window)), replace=False))
        chosen = [window[i] for i in picks]
        return f"What did {chosen[0]} say about {' '.join(chosen[1:])}?"

    def _ranks(self) -> dict[str, int]:
        if not hasattr(self, "_rank"):
            self._rank = {w: i for i, w in enumerate(self.words)}
        return self._rank


class MixtureEncoder:
    """Named like the real model (so an index built with it opens for real queries), but its passage
    vectors are draws from a MiniLM-like mixture (`benchmarks.scale.Mixture`), not meanings: for
    building large indexes fast when a benchmark measures speed. Queries must use the real encoder."""

    def __init__(self, mixture: Mixture, name: str = DEFAULT_MODEL, dim: int = 384) -> None:
        self.mixture = mixture
        self.name = name
        self.dim = dim
        self.model_path: str | None = None  # the real model's name, but no folder of its own
        self._blocks = itertools.count()

    @property
    def count_tokens(self) -> CountTokens:
        return word_piece_counter(None)  # the default model's, as the real one counts

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> Vectors:
        return self.mixture.sample(len(texts), stream=5, block=next(self._blocks))

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self.encode_passages(texts)
