"""Hybrid retrieval over an index directory: dense (FAISS) and keyword (FTS5 BM25) candidates, fused, then
diversified so that one long article cannot fill every slot.

Fusion (measured in `benchmarks/retrieval.py`): every candidate from either list gets both scores — the
exact cosine from the stored vectors and its BM25 score (0 when it shares no query word) — each turned
into z-scores over the candidates, then combined convexly. The dense weight rises when the keyword
candidates hold little of the question's IDF mass (a question worded unlike its article, as real news
questions are), and a third term scores how much of the question each candidate holds: see
`FusionConfig.dense_weight_uncovered`. Plain reciprocal-rank fusion is kept for comparison.

User text never reaches FTS5 syntax: the query is cut into words, each word quoted, and the words joined
with OR (BM25 ranks chunks that match more and rarer words higher); stop words are dropped unless the
query has nothing else, and so are words found in more than a fifth of the chunks (they weigh little in
BM25, and FTS5 would score every chunk holding them: see `Searcher.keyword_match`).

Not handled: CJK word segmentation for keyword search (see `embeddings.store`); typo tolerance.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from corpus.models import Chunk
from corpus.stopwords import QUERY_STOP_WORDS
from embeddings.encoder import DEFAULT_MODEL, Encoder
from embeddings.errors import IndexCorrupt, IndexMismatch
from embeddings.generations import hold_generation, release_generation
from embeddings.keyword_text import keyword_text
from embeddings.manifest import (
    DB_NAME,
    IDS_NAME,
    VECTORS_NAME,
    Manifest,
    build_hint,
    generation_dir,
    read_manifest,
)
from embeddings.models import ArticleMeta, Hit
from embeddings.onnx_encoder import query_encoder
from embeddings.store import Store
from embeddings.vector_config import VectorStoreUnavailable
from embeddings.vector_store import VectorStore, open_vector_store

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000  # longer input is cut: a question, not a document
MAX_QUERY_TERMS = 48
MAX_CACHED_COUNTS = 100_000  # keyword parts whose match counts a searcher remembers
EXACT_FILTER_LIMIT = 200_000  # date-filtered dense search scans the allowed vectors exactly up to this many

_WORD = re.compile(r"(?:\w|[\u0300-\u036f\u0900-\u0dff])+", re.UNICODE)


@dataclass(frozen=True)
class FusionConfig:
    """How candidates are gathered, fused and diversified.

    `method`: "hybrid" (convex combination of standardised scores), "rrf" (reciprocal-rank fusion),
    "dense" or "keyword" (one list only; for comparison).
    """

    method: str = "hybrid"
    # The dense weight when the keyword candidates hold the question's weighted words. Swept 0.3-0.65 on
    # the retrieval benchmark (SQuAD): 0.5 gives the best MRR@10 (0.9025) with Hit@5 barely at target
    # (0.9701); 0.6 keeps MRR@10 at 0.902 and lifts Hit@5 to 0.9735, the widest margin on both.
    dense_weight: float = 0.6
    # Real news questions are written by people who did not see the article: they share few words with it
    # and BM25 ranks on chance words (RealTimeQA 2020, `python -m benchmarks news`: BM25 alone MRR@10
    # 0.718 against dense 0.837; a fixed dense weight of 0.8 is best there, 0.6 on SQuAD). So the dense
    # weight slides from `dense_weight_uncovered` to `dense_weight` as the best keyword candidate's share
    # of the question's IDF mass goes from `coverage_from` to 1, and a z-scored term for each candidate's
    # own share (how much of the question it holds, which BM25's saturation and length norm blur) comes
    # in along the same slide, up to `coverage_weight`. None: the fixed weight, as before issue 12.
    # Chosen on the even ISO weeks of RealTimeQA with the even SQuAD articles and read on the odd ones, and
    # the reverse (MRR@10 before -> after, held out): rtqa odd 0.839 -> 0.852, even 0.857 -> 0.878; SQuAD
    # odd 0.936 -> 0.944, even 0.861 -> 0.869. Shipped values, between the two fits: rtqa 0.849 -> 0.866,
    # SQuAD 0.902 -> 0.912, Hit@5 0.957 -> 0.960 and 0.974 -> 0.974.
    dense_weight_uncovered: float | None = 0.85
    coverage_from: float = 0.2
    coverage_weight: float = 0.5
    dense_candidates: int = 100
    keyword_candidates: int = 100
    rrf_k: int = 60
    max_per_article: int = 2
    # Words found in more than this share of the chunks are left out of the BM25 query (see
    # `Searcher.keyword_match`). Swept on the retrieval benchmark: 0.5 and 0.2 leave the figures as they
    # were (0.2: Hit@5 0.9742, MRR@10 0.9023); 0.1 costs MRR@10 0.003 (0.8990, under target).
    common_share: float = 0.2
    # Recency, when a question is asked as of a day (`Searcher.rank`'s `as_of`): each candidate gains
    # `recency_weight` x 0.5 ** (its age in days / `recency_half_life`), added to the fused z-score
    # combination (so 1.0 is about one standard deviation of relevance for an article of that day). News
    # questions are about the moment, but an article two weeks old that matches much better should still
    # win: the half-life is a news week, chosen, not fitted; the weight is fitted (see
    # benchmarks/results/recency.md), and its cost on questions whose article is old is measured beside it.
    # Hybrid fusion only: the other methods' scores (cosines, BM25, reciprocal ranks) are on other scales.
    recency_weight: float = 1.0
    recency_half_life: float = 7.0

    def __post_init__(self) -> None:
        if self.method not in ("hybrid", "rrf", "dense", "keyword"):
            raise ValueError(f"unknown fusion method {self.method!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError("dense_weight must be between 0 and 1")
        if self.dense_weight_uncovered is not None and not 0.0 <= self.dense_weight_uncovered <= 1.0:
            raise ValueError("dense_weight_uncovered must be between 0 and 1 (or None)")
        if not 0.0 <= self.coverage_from < 1.0:
            raise ValueError("coverage_from must be at least 0 and below 1")
        if self.coverage_weight < 0.0:
            raise ValueError("coverage_weight must not be negative")
        if self.dense_candidates < 1 or self.keyword_candidates < 1:
            raise ValueError("candidate counts must be positive")
        if self.max_per_article < 1:
            raise ValueError("max_per_article must be at least 1")
        if not 0.0 < self.common_share <= 1.0:
            raise ValueError("common_share must be above 0 and at most 1")
        if self.recency_weight < 0.0:
            raise ValueError("recency_weight must not be negative")
        if self.recency_half_life <= 0.0:
            raise ValueError("recency_half_life must be positive")


DEFAULT_FUSION = FusionConfig()


@dataclass(frozen=True)
class IndexStats:
    index_dir: Path
    articles: int
    chunks: int
    publishers: tuple[str, ...]
    first_published: datetime | None
    last_published: datetime | None
    model: str
    dim: int
    index_kind: str
    built_at: str
    format_version: int
    corpus_fingerprint: str
    generation: str
    chunking: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scored:
    """A fused candidate before it is turned into a Hit."""

    pk: int
    score: float
    dense: float | None
    keyword: float | None


# --- query processing -----------------------------------------------------------------------------


def clean_query(text: str) -> str:
    """Control characters out, white space collapsed, length capped."""
    text = "".join(ch if ch.isprintable() else " " for ch in text[: MAX_QUERY_CHARS * 2])
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUERY_CHARS]


def query_terms(text: str) -> list[str]:
    """The query's words for keyword search: lower-cased, de-duplicated, stop words dropped unless
    nothing else is left."""
    words = [w.lower() for w in _WORD.findall(text)]
    content = [w for w in words if w not in QUERY_STOP_WORDS]
    chosen = content or words
    seen: dict[str, None] = {}
    for word in chosen:
        seen.setdefault(word, None)
    return list(seen)[:MAX_QUERY_TERMS]


def keyword_parts(text: str) -> list[str]:
    """The query's words (see `query_terms`), then each pair of adjacent content words as a phrase."""
    terms = query_terms(text)
    words = [w.lower() for w in _WORD.findall(text)]
    phrases: dict[str, None] = {}
    for first, second in itertools.pairwise(words):
        if first not in QUERY_STOP_WORDS and second not in QUERY_STOP_WORDS and first != second:
            phrases.setdefault(f"{first} {second}", None)
    return terms + list(phrases)[:MAX_QUERY_TERMS]


def fts_match(parts: Sequence[str]) -> str:
    """An FTS5 MATCH expression: each part a quoted string, joined by OR ("" for no parts). A CJK word
    becomes the phrase of its bigrams, as the index holds it (see `embeddings.keyword_text`)."""
    return " OR ".join('"' + " ".join(keyword_text(part).split()).replace('"', '""') + '"' for part in parts)


def fts_query(text: str) -> str:
    """A safe FTS5 MATCH expression for user text: each word a quoted string, plus each pair of adjacent
    content words as a quoted phrase, all joined by OR (a chunk holding "central bank" as written ranks
    above one holding both words apart; measured: +0.005 MRR@10 on the retrieval benchmark).

    Quoting makes every character literal to FTS5 (operators, `NEAR`, `*`, `^`, column filters), and
    doubled quotes escape quotes; the tokenizer then splits each quoted string into its own tokens.
    """
    return fts_match(keyword_parts(text))


# --- fusion (pure functions) -----------------------------------------------------------------------


def _standardise(values: dict[int, float]) -> dict[int, float]:
    """z-scores over the candidates (all equal -> all 0). Measured against min-max and max scaling on the
    retrieval benchmark: z-scores fuse best (the spread of each list, not its extremes, sets the scale)."""
    if not values:
        return {}
    array = np.fromiter(values.values(), dtype=np.float64, count=len(values))
    mean = float(array.mean())
    spread = float(array.std())
    if spread <= 1e-12:
        return {pk: 0.0 for pk in values}
    return {pk: (v - mean) / spread for pk, v in values.items()}


def fuse_convex(
    dense: dict[int, float],
    keyword: dict[int, float],
    dense_weight: float,
    coverage: dict[int, float] | None = None,
    coverage_weight: float = 0.0,
) -> list[Scored]:
    """Convex combination of standardised dense and keyword scores over the union of candidates, plus
    `coverage_weight` times the standardised `coverage` (each candidate's share of the question's IDF
    mass, see `idf_coverage`; missing candidates hold none).

    `dense` should score every candidate; `keyword` holds the candidates matching the query words (the
    others count as BM25 0, which is what they are)."""
    candidates = set(dense) | set(keyword)
    scaled_dense = _standardise({pk: dense.get(pk, 0.0) for pk in candidates})
    scaled_keyword = _standardise({pk: keyword.get(pk, 0.0) for pk in candidates})
    scaled_coverage = (
        _standardise({pk: coverage.get(pk, 0.0) for pk in candidates})
        if coverage is not None and coverage_weight > 0.0
        else dict.fromkeys(candidates, 0.0)
    )
    fused = [
        Scored(
            pk,
            dense_weight * scaled_dense[pk]
            + (1.0 - dense_weight) * scaled_keyword[pk]
            + coverage_weight * scaled_coverage[pk],
            dense.get(pk),
            keyword.get(pk),
        )
        for pk in candidates
    ]
    fused.sort(key=lambda s: (-s.score, s.pk))
    return fused


def bm25_idf(matching: int, total: int) -> float:
    """FTS5's BM25 weight of a word found in `matching` of `total` chunks (a floor of 1e-6 from half on,
    as FTS5 does)."""
    return max(math.log((total - matching + 0.5) / (matching + 0.5)), 1e-6)


def idf_coverage(weights: dict[str, float], holders: dict[str, set[int]]) -> dict[int, float]:
    """Each chunk's share of the question's IDF mass: the summed `weights` of the words it holds (the
    chunks holding a word: `holders`) over the summed weights of all the words. A word no chunk holds
    still counts in the mass: a question the index lacks words of is not well covered."""
    mass = sum(weights.values())
    shares: dict[int, float] = {}
    if mass <= 0.0:
        return shares
    for word, pks in holders.items():
        for pk in pks:
            shares[pk] = shares.get(pk, 0.0) + weights.get(word, 0.0) / mass
    return shares


def adapted_weights(config: FusionConfig, covered: float) -> tuple[float, float]:
    """(dense weight, coverage weight) for a question whose best keyword candidate holds `covered` of
    its IDF mass (see `FusionConfig.dense_weight_uncovered`)."""
    if config.dense_weight_uncovered is None:
        return config.dense_weight, 0.0
    slide = min(1.0, max(0.0, (covered - config.coverage_from) / (1.0 - config.coverage_from)))
    weight = config.dense_weight_uncovered + (config.dense_weight - config.dense_weight_uncovered) * slide
    return weight, config.coverage_weight * slide


def fuse_rrf(
    dense_ranked: Sequence[tuple[int, float]], keyword_ranked: Sequence[tuple[int, float]], k: int = 60
) -> list[Scored]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the lists a candidate appears in."""
    scores: dict[int, float] = {}
    dense = dict(dense_ranked)
    keyword = dict(keyword_ranked)
    for ranked in (dense_ranked, keyword_ranked):
        for rank, (pk, _) in enumerate(ranked, 1):
            scores[pk] = scores.get(pk, 0.0) + 1.0 / (k + rank)
    fused = [Scored(pk, s, dense.get(pk), keyword.get(pk)) for pk, s in scores.items()]
    fused.sort(key=lambda s: (-s.score, s.pk))
    return fused


def recency(age_days: float, half_life: float) -> float:
    """1 for an article of the as-of day, halving every `half_life` days (0 for an undated one: pass inf)."""
    if math.isinf(age_days):
        return 0.0
    return float(0.5 ** (max(0.0, age_days) / half_life))


def prefer_recent(
    fused: Sequence[Scored], days: dict[int, date | None], as_of: date, config: FusionConfig
) -> list[Scored]:
    """`fused` with each candidate's score raised by `config.recency_weight` x its `recency` as of
    `as_of`, re-sorted. Candidates whose article has no date gain nothing."""
    boosted = []
    for item in fused:
        day = days.get(item.pk)
        age = (as_of - day).days if day is not None else math.inf
        bonus = config.recency_weight * recency(age, config.recency_half_life)
        boosted.append(Scored(item.pk, item.score + bonus, item.dense, item.keyword))
    boosted.sort(key=lambda s: (-s.score, s.pk))
    return boosted


def _not_after(
    ranked: Sequence[tuple[int, float]], days: dict[int, date | None], cutoff: date
) -> list[tuple[int, float]]:
    """`ranked` without the chunks published after `cutoff` (undated ones kept, as `Store._date_clause`)."""
    return [(pk, score) for pk, score in ranked if (day := days.get(pk)) is None or day <= cutoff]


def diversify(
    ranked: Sequence[Scored], article_of: dict[int, int], k: int, max_per_article: int
) -> list[Scored]:
    """The first `k` of `ranked` with at most `max_per_article` chunks from any one article; if that
    leaves fewer than `k`, the skipped ones fill the rest in order."""
    chosen: list[Scored] = []
    spare: list[Scored] = []
    per_article: dict[int, int] = {}
    for item in ranked:
        article = article_of.get(item.pk, -item.pk)
        if per_article.get(article, 0) >= max_per_article:
            spare.append(item)
            continue
        per_article[article] = per_article.get(article, 0) + 1
        chosen.append(item)
        if len(chosen) == k:
            return chosen
    return chosen + spare[: k - len(chosen)]


# --- the searcher -----------------------------------------------------------------------------------


class Searcher:
    """An open index generation. Thread-safe: SQLite behind a lock, the vector store serialises its own
    calls, the vectors are read-only.

    A searcher keeps answering from the generation it opened even after a rebuild replaces it: its files
    stay open (the vectors mapped once, their file descriptor kept for prefetching), and it holds the
    generation's readers' lock, so no build removes the folder while it is open (`embeddings.generations`).
    Open a new one to see the new generation (`bot.answerer` does, between questions); close this one.
    """

    def __init__(
        self,
        index_dir: Path,
        manifest: Manifest,
        store: Store,
        vector_store: VectorStore,
        vectors: npt.NDArray[np.float32],
        ids: npt.NDArray[np.int64],
        encoder: Encoder,
        fusion: FusionConfig = DEFAULT_FUSION,
        held: _Held | None = None,
    ) -> None:
        self.index_dir = index_dir
        self._held = held or _Held()
        self.manifest = manifest
        self.store = store
        self.vector_store = vector_store
        self.vectors = vectors
        self.ids = ids
        self.encoder = encoder
        self.fusion = fusion
        self._counts: dict[tuple[str, int], int] = {}
        self._newest: tuple[date | None] | None = None
        self._share_by: dict[date, float] = {}  # as-of day -> share of chunks published by then, or undated

    @property
    def model(self) -> str:
        """The name of the model the index was built with (its cosines are that model's)."""
        return self.manifest.model

    # --- opening ------------------------------------------------------------------------------------

    @classmethod
    def open(cls, index_dir: Path, encoder: Encoder | None = None) -> Searcher:
        """Open the current generation of `index_dir`.

        Raises IndexNotFound, IndexCorrupt or IndexMismatch (another model, dimension or format version),
        each with what to run. With no encoder, the model named by the manifest is loaded on first query.
        """
        index_dir = Path(index_dir)
        for attempt in range(3):
            manifest = read_manifest(index_dir)
            try:
                return cls._open_generation(index_dir, manifest, encoder)
            except IndexCorrupt:
                # A build may have replaced the generation between reading the manifest and opening its
                # files: try again with the new manifest; otherwise the index really is damaged.
                if attempt == 2 or read_manifest(index_dir).generation == manifest.generation:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _open_generation(cls, index_dir: Path, manifest: Manifest, encoder: Encoder | None) -> Searcher:
        hint = build_hint(index_dir)
        encoder = _encoder_for(index_dir, manifest, encoder)
        directory = generation_dir(index_dir, manifest)
        store: Store | None = None
        vector_store: VectorStore | None = None
        held = _Held()
        try:
            held.generation_lock = hold_generation(directory)  # before any file: no build removes it now
            store = Store.open_readonly(directory / DB_NAME)
            store.check()
            ids = _load_array(directory, IDS_NAME, hint).astype(np.int64, copy=False)
            held.vectors_fd = os.open(directory / VECTORS_NAME, os.O_RDONLY)
            vectors = _load_array(directory, VECTORS_NAME, hint, mmap_mode="r")
            vector_store = open_vector_store(index_dir, manifest, directory, vectors, ids, held.vectors_fd)
            consistent = (
                ids.ndim == 1
                and vectors.ndim == 2
                and len(ids) == len(vectors) == vector_store.ntotal == manifest.chunks
                and vectors.shape[1] == manifest.dim == vector_store.d
            )
            if not consistent:
                raise IndexCorrupt(f"the index at {index_dir} is inconsistent (counts differ); {hint}")
        except (IndexCorrupt, VectorStoreUnavailable):
            _close(store, vector_store)
            held.release()
            raise
        except (OSError, ValueError, RuntimeError, Exception) as exc:
            _close(store, vector_store)
            held.release()
            raise IndexCorrupt(f"the index at {index_dir} cannot be read ({exc}); {hint}") from exc
        return cls(index_dir, manifest, store, vector_store, vectors, ids, encoder, held=held)

    def close(self) -> None:
        _close(self.store, self.vector_store)
        self._held.release()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- searching ----------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 10,
        since: date | None = None,
        until: date | None = None,
        as_of: date | None = None,
    ) -> list[Hit]:
        """The `k` best chunks for `query`, fused and diversified, optionally only from articles
        published on days in [since, until]. With `as_of`, nothing published after that day is returned
        and recent articles are preferred (see `FusionConfig.recency_weight`). Empty or unsearchable input
        gives no hits."""
        text = clean_query(query)
        if not text or k <= 0:
            return []
        vector = self.encode_query(text)
        return self.search_with_vector(text, vector, k, since, until, as_of=as_of)

    def encode_query(self, text: str) -> npt.NDArray[np.float32]:
        vectors = self.encoder.encode_queries([text])
        return np.asarray(vectors, dtype=np.float32).reshape(-1)

    def search_with_vector(
        self,
        query: str,
        vector: npt.NDArray[np.float32],
        k: int = 10,
        since: date | None = None,
        until: date | None = None,
        fusion: FusionConfig | None = None,
        as_of: date | None = None,
    ) -> list[Hit]:
        """`search` with the query already encoded (batch evaluation; a lighter query encoder)."""
        ranked = self.rank(query, vector, k, since, until, fusion, as_of=as_of)
        return self.hits(ranked)

    def rank(
        self,
        query: str,
        vector: npt.NDArray[np.float32],
        k: int = 10,
        since: date | None = None,
        until: date | None = None,
        fusion: FusionConfig | None = None,
        as_of: date | None = None,
    ) -> list[Scored]:
        config = fusion or self.fusion
        if k <= 0 or len(self.ids) == 0:
            return []
        query = clean_query(query)
        # An as-of day at or after the newest article cuts nothing: skip the filter (the usual case, asking
        # as of today), so the recency preference costs one small query, not a filtered search.
        cutoff = as_of if as_of is not None and not self._holds_nothing_after(as_of) else None
        # A cut that leaves most of the index is applied after the search, not before it: search a few
        # times as many candidates unfiltered and drop the later ones. Filtering first meant listing and
        # scanning every allowed chunk (255 ms p50 an answer at 100k chunks, against 19 ms unfiltered).
        widen = 1
        if cutoff is not None and since is None and until is None:
            widen = self._post_filter_widening(cutoff)
        post_cut = cutoff if widen > 1 else None
        pre_cut = None if post_cut is not None else cutoff
        allowed = None
        if since is not None or until is not None or pre_cut is not None:
            allowed = np.asarray(self.store.chunk_pks_between(since, until, pre_cut), dtype=np.int64)
            if len(allowed) == 0:
                return []
        dense_ranked: list[tuple[int, float]] = []
        keyword_ranked: list[tuple[int, float]] = []
        if config.method != "keyword":
            dense_ranked = self.dense_search(vector, max(config.dense_candidates, k) * widen, allowed)
        if config.method != "dense":
            match = self.keyword_match(query, config)
            keyword_ranked = self.store.keyword_search(
                match, max(config.keyword_candidates, k) * widen, since, until, as_of=pre_cut
            )
        days: dict[int, date | None] = {}  # read once: the cut and the recency preference both need it
        if post_cut is not None:
            days = self.store.published_days(
                {pk for pk, _ in dense_ranked} | {pk for pk, _ in keyword_ranked}
            )
            dense_ranked = _not_after(dense_ranked, days, post_cut)[: max(config.dense_candidates, k)]
            keyword_ranked = _not_after(keyword_ranked, days, post_cut)[: max(config.keyword_candidates, k)]

        if config.method == "dense":
            fused = [Scored(pk, s, s, None) for pk, s in dense_ranked]
        elif config.method == "keyword":
            fused = [Scored(pk, s, None, s) for pk, s in keyword_ranked]
        elif config.method == "rrf":
            fused = fuse_rrf(dense_ranked, keyword_ranked, config.rrf_k)
        else:
            dense = dict(dense_ranked)
            keyword = dict(keyword_ranked)
            only_keyword = [pk for pk in keyword if pk not in dense]
            dense.update(self.dense_scores(vector, only_keyword))
            # Dense-only candidates count as BM25 0 rather than being scored exactly: they rank below the
            # keyword list's last, and scoring them with a rowid-restricted MATCH cost ~80 ms a query on
            # 50k chunks for no measured gain (same MRR@10 on the retrieval benchmark).
            coverage: dict[int, float] | None = None
            dense_weight, coverage_weight = config.dense_weight, 0.0
            if config.dense_weight_uncovered is not None:
                coverage = self.coverage(query, list(dense), config)
                covered = max((coverage.get(pk, 0.0) for pk in keyword), default=0.0)
                dense_weight, coverage_weight = adapted_weights(config, covered)
            fused = fuse_convex(dense, keyword, dense_weight, coverage, coverage_weight)
            if as_of is not None and config.recency_weight > 0.0:
                days.update(self.store.published_days(s.pk for s in fused if s.pk not in days))
                fused = prefer_recent(fused, days, as_of, config)
        article_of = self.store.article_pks(s.pk for s in fused[: max(4 * k, 50)])
        return diversify(fused, article_of, k, config.max_per_article)

    def _post_filter_widening(self, day: date) -> int:
        """How many times as many candidates to search unfiltered so that enough published by `day` remain
        (3 / the share of chunks that were); 1 when the cut leaves under a third of the index, whose
        allowed list is then small enough to search directly. Counted once a day per searcher."""
        share = self._share_by.get(day)
        if share is None:
            total = self.store.count_chunks()
            share = self.store.count_chunks_by(day) / total if total else 1.0
            self._share_by[day] = share
        if share < 1 / 3:
            return 1
        return max(2, math.ceil(3 / share))

    def _holds_nothing_after(self, day: date) -> bool:
        """True when no article was published after `day` (the newest day is read once per searcher: a
        published generation never changes)."""
        if self._newest is None:
            self._newest = (self.store.newest_day(),)
        newest = self._newest[0]
        return newest is None or newest <= day

    def keyword_match(self, query: str, fusion: FusionConfig | None = None) -> str:
        """The FTS5 expression for `query` (see `fts_query`) without the parts too common to help.

        FTS5 scores every chunk that matches any part of an OR query, so one common word makes a query
        score most of the index (measured on 100k fictional chunks: the keyword query took 100 ms of a
        105 ms search, p50). Such a word weighs little in BM25 anyway (idf about log(4) for a word in 20%
        of the chunks against about 7 for one in 0.1%; FTS5 gives 0 from half on). A phrase is kept when
        one of its words is. When every part is common, the rarest that BM25 still weighs is kept (none:
        no keyword search). A word found in one chunk only is never common, however small the index.
        """
        config = fusion or self.fusion
        parts = keyword_parts(query)
        total = len(self.ids)
        limit = max(1, int(config.common_share * total))
        if not parts or limit >= total:
            return fts_match(parts)
        kept: list[str] = []
        for part in parts:  # words first, then phrases
            if " " in part:
                if any(word in kept for word in part.split(" ")):
                    kept.append(part)
            elif self._match_count(part, limit) <= limit:
                kept.append(part)
        if kept:
            return fts_match(kept)
        # FTS5's BM25 weighs a part by log((total - n + 0.5) / (n + 0.5)): nothing from n = total / 2 on.
        counts = {part: self._match_count(part, total // 2) for part in parts}
        weighed = [part for part in parts if counts[part] > 0 and 2 * counts[part] < total]
        return fts_match([min(weighed, key=lambda part: counts[part])]) if weighed else ""

    def coverage(
        self, query: str, pks: Sequence[int], fusion: FusionConfig | None = None
    ) -> dict[int, float]:
        """Each of these chunks' share of the query's IDF mass (see `idf_coverage`), from one keyword
        lookup a word. Words in more than `common_share` of the chunks are left out, as from the keyword
        query: they weigh little, and looking them up is what that cut saves.

        Each lookup lists all the word's chunks, unscored, and keeps the candidates: a MATCH restricted to
        the candidates' row ids was 50 times slower (7 ms against 0.12 ms a word on SQuAD)."""
        config = fusion or self.fusion
        total = len(self.ids)
        limit = max(1, int(config.common_share * total))
        wanted = set(pks)
        weights: dict[str, float] = {}
        holders: dict[str, set[int]] = {}
        for word in query_terms(query):
            matching = self._match_count(word, limit)
            if matching > limit:
                continue
            weights[word] = bm25_idf(matching, total)
            if matching and wanted:
                holders[word] = self.store.matching_pks(fts_match([word])) & wanted
        return idf_coverage(weights, holders)

    def _match_count(self, part: str, limit: int) -> int:
        """Chunks matching one keyword part, counted up to `limit` + 1; cached (generations never change)."""
        key = (part, limit)
        count = self._counts.get(key)
        if count is None:
            if len(self._counts) >= MAX_CACHED_COUNTS:
                self._counts.clear()
            count = self.store.count_matches(fts_match([part]), limit + 1)
            self._counts[key] = count
        return count

    def hits(self, ranked: Sequence[Scored]) -> list[Hit]:
        rows = self.store.chunks(s.pk for s in ranked)
        hits: list[Hit] = []
        for item in ranked:
            row = rows.get(item.pk)
            if row is None:
                continue
            chunk, article = row
            hits.append(Hit(chunk, article, len(hits) + 1, item.score, item.dense, item.keyword))
        return hits

    def dense_search(
        self, vector: npt.NDArray[np.float32], n: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> list[tuple[int, float]]:
        """(chunk row id, cosine) of the `n` nearest chunks, optionally among `allowed` row ids only."""
        if allowed is not None and len(allowed) <= EXACT_FILTER_LIMIT:
            scores = self.dense_scores(vector, allowed.tolist())  # exact, whatever the store
            return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:n]
        pks, cosines = self.vector_store.search(vector, n, allowed)
        return list(zip(pks.tolist(), cosines.tolist(), strict=True))

    def dense_scores(self, vector: npt.NDArray[np.float32], pks: Sequence[int]) -> dict[int, float]:
        """Exact cosine of the query with the stored vectors of these chunks."""
        if len(pks) == 0:
            return {}
        wanted = np.asarray(pks, dtype=np.int64)
        positions = np.searchsorted(self.ids, wanted)
        positions = np.clip(positions, 0, len(self.ids) - 1)
        found = self.ids[positions] == wanted
        order = np.argsort(positions[found])  # ascending positions read the memory map sequentially
        rows = positions[found][order]
        from embeddings.ann import prefetch_rows

        # One batch of reads on a cold cache, not a fault per row.
        prefetch_rows(self.vectors, rows, self._held.vectors_fd)
        scores = np.asarray(self.vectors[rows], dtype=np.float32) @ np.asarray(
            vector, dtype=np.float32
        ).reshape(-1)
        return {int(pk): float(s) for pk, s in zip(wanted[found][order], scores, strict=True)}

    # --- the rest -----------------------------------------------------------------------------------

    def chunks_of(self, article_id: str) -> list[Chunk]:
        """All chunks of an article, in order (for showing context around a hit)."""
        return self.store.article_chunks(article_id)

    def stats(self) -> IndexStats:
        first, last = self.store.published_range()
        m = self.manifest
        return IndexStats(
            index_dir=self.index_dir,
            articles=m.articles,
            chunks=m.chunks,
            publishers=tuple(self.store.publishers()),
            first_published=first,
            last_published=last,
            model=m.model,
            dim=m.dim,
            index_kind=m.index_kind,
            built_at=m.built_at,
            format_version=m.format_version,
            corpus_fingerprint=m.corpus_fingerprint,
            generation=m.generation,
            chunking=dict(m.chunking),
        )


@dataclass
class _Held:
    """What an open searcher holds besides its store: the generation's readers' lock and the vectors'
    file descriptor (the map itself needs no descriptor; prefetching does)."""

    generation_lock: int | None = None
    vectors_fd: int | None = None

    def release(self) -> None:
        release_generation(self.generation_lock)
        self.generation_lock = None
        if self.vectors_fd is not None:
            os.close(self.vectors_fd)
            self.vectors_fd = None


def _close(store: Store | None, vector_store: VectorStore | None) -> None:
    if store is not None:
        store.close()
    if vector_store is not None:
        vector_store.close()


def _load_array(directory: Path, name: str, hint: str, mmap_mode: Literal["r"] | None = None) -> Any:
    """An index array; a damaged one is IndexCorrupt naming the file, never numpy's message (which may
    quote the file's bytes)."""
    try:
        return np.load(directory / name, mmap_mode=mmap_mode)
    except Exception as exc:  # numpy raises ValueError, OSError, even SyntaxError on a damaged header
        raise IndexCorrupt(f"the index at {directory.parent} has a damaged {name}; {hint}") from exc


def _encoder_for(index_dir: Path, manifest: Manifest, encoder: Encoder | None) -> Encoder:
    hint = build_hint(index_dir)
    if encoder is None:
        from embeddings.e5_encoder import E5_MODEL  # packaged like the default: no folder is recorded

        if manifest.model not in (DEFAULT_MODEL, E5_MODEL) and not manifest.model_path:
            raise IndexMismatch(
                f"the index at {index_dir} was built with model {manifest.model}, which this newsbot cannot "
                f"load; rebuild it with the default model — {hint}"
            )
        return query_encoder(manifest.model_path, manifest.model, manifest.dim)
    if encoder.name != manifest.model or encoder.dim != manifest.dim:
        raise IndexMismatch(
            f"the index at {index_dir} was built with model {manifest.model} ({manifest.dim}-d), not "
            f"{encoder.name} ({encoder.dim}-d); rebuild it with this model — {hint}"
        )
    return encoder


__all__ = [
    "DEFAULT_FUSION",
    "ArticleMeta",
    "FusionConfig",
    "Hit",
    "IndexStats",
    "Scored",
    "Searcher",
    "adapted_weights",
    "bm25_idf",
    "clean_query",
    "fts_match",
    "fts_query",
    "fuse_convex",
    "fuse_rrf",
    "idf_coverage",
    "keyword_parts",
    "query_terms",
]
