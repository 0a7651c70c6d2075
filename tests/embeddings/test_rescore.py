"""The compressed (IVF-PQ) path: the index shortlists, exact cosines from the memory-mapped vectors pick
the top k, in `embeddings.ann`, in `FaissVectorStore.search` and through `Searcher.dense_search`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from embeddings import ann, search
from embeddings.encoder import HashingEncoder
from embeddings.faiss_store import FaissVectorStore
from embeddings.search import Searcher


def topics(n: int, dim: int = 384, count: int = 500, noise: float = 0.8, seed: int = 0) -> np.ndarray:
    """Unit vectors around `count` random topics, siblings at cosine ~0.6 like MiniLM's neighbours: the
    near-ties among a topic's siblings are what compressed codes cannot order."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((count, dim)).astype(np.float32) / np.sqrt(dim)
    x = centres[rng.integers(0, count, n)] + rng.standard_normal((n, dim)).astype(np.float32) * (
        noise / np.sqrt(dim)
    )
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, np.ndarray, np.ndarray, Path]:
    """20k vectors under sparse row ids, saved as a .npy file the way a build stores them, and 40
    queries from the same topics (never from the stored vectors)."""
    everything = topics(20_040)
    vectors, queries = everything[:20_000], everything[20_000:]
    ids = np.arange(len(vectors), dtype=np.int64) * 13 + 5
    path = tmp_path_factory.mktemp("rescore") / "vectors.npy"
    np.save(path, vectors)
    return vectors, ids, queries, path


def exact_top(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return ids[np.argsort(-(vectors @ query), kind="stable")[:k]].tolist()


def compressed_store(index: Any, path: Path, ids: np.ndarray) -> FaissVectorStore:
    """The store a searcher opens: the index with the memory-mapped vectors it re-scores from."""
    return FaissVectorStore(path.parent, index, vectors=np.load(path, mmap_mode="r"), ids=ids)


def compressed_searcher(index: Any, path: Path, ids: np.ndarray) -> Searcher:
    # Only the dense parts of a Searcher are under test: no chunk store, manifest or encoder is used.
    store = compressed_store(index, path, ids)
    return Searcher(
        path.parent, cast(Any, None), cast(Any, None), store, store.vectors, ids, HashingEncoder()
    )


def test_compressed_index_is_asked_for_a_wide_candidate_set(corpus) -> None:
    vectors, ids, _, _ = corpus
    ivf = ann.build_vector_index(vectors, ids, "ivfpq")
    flat = ann.build_vector_index(vectors[:1000], ids[:1000], "flat")
    assert ann.candidate_count(ivf, 10) == ann.RESCORE_CANDIDATES
    assert ann.candidate_count(ivf, 5000) == 5000
    assert ann.candidate_count(flat, 10) == 10
    # No 8-bit copies any more (the float vectors re-score), so the index removes in place.
    assert ann.supports_remove(ivf)
    ivf.remove_ids(ids[:10])
    assert ivf.ntotal == len(ids) - 10


def test_rescore_top_is_exact_best_first_and_reads_each_row_once(corpus) -> None:
    vectors, _, queries, path = corpus
    mapped = np.load(path, mmap_mode="r")
    rows = np.array([7, 19_999, 3, 7, 512, 3], dtype=np.int64)
    found, scores = ann.rescore_top(mapped, rows, queries[0], 3)
    expected = sorted({7, 19_999, 3, 512}, key=lambda r: -float(vectors[r] @ queries[0]))[:3]
    assert found.tolist() == expected
    np.testing.assert_allclose(scores, vectors[found] @ queries[0], rtol=0, atol=1e-6)
    everything, _ = ann.rescore_top(vectors, rows, queries[0], 10)  # in memory too; fewer rows than n
    assert sorted(everything.tolist()) == [3, 7, 512, 19_999]
    empty, none = ann.rescore_top(mapped, np.zeros(0, dtype=np.int64), queries[0], 10)
    assert len(empty) == 0 and len(none) == 0


@pytest.mark.parametrize("refine", [False, True])
def test_dense_search_of_a_compressed_index_gives_exact_neighbours(corpus, refine: bool) -> None:
    """New indexes (plain IVF-PQ) and old ones (with 8-bit refine copies) alike: the true neighbours,
    scored with their exact cosines."""
    vectors, ids, queries, path = corpus
    nlist = ann.ivf_nlist(len(vectors))
    index = ann.new_vector_index(
        "ivfpq", vectors.shape[1], len(vectors), ann.training_sample(vectors, nlist), refine=refine
    )
    index.add_with_ids(vectors, ids)
    ann.configure_for_search(index)
    searcher = compressed_searcher(index, path, ids)

    # The index's own ranking, from compressed codes, misses many true neighbours...
    _, shortlist_top = index.search(queries, 10)
    truth = [exact_top(vectors, ids, q, 10) for q in queries]
    raw_recall = np.mean(
        [len(set(f.tolist()) & set(t)) / 10 for f, t in zip(shortlist_top, truth, strict=True)]
    )
    # ...the re-scored search finds them.
    hits = 0
    for query, expected in zip(queries, truth, strict=True):
        found = searcher.dense_search(query, 10)
        assert len(found) == 10
        hits += len({pk for pk, _ in found} & set(expected))
        rows = np.searchsorted(ids, [pk for pk, _ in found])
        np.testing.assert_allclose([s for _, s in found], vectors[rows] @ query, rtol=0, atol=1e-6)
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    recall = hits / (10 * len(queries))
    assert recall >= 0.95
    assert recall > raw_recall


def test_dense_search_with_an_id_filter_rescores_within_it(corpus, monkeypatch) -> None:
    monkeypatch.setattr(search, "EXACT_FILTER_LIMIT", 0)  # the filter goes through the index
    vectors, ids, queries, path = corpus
    searcher = compressed_searcher(ann.build_vector_index(vectors, ids, "ivfpq"), path, ids)
    allowed = ids[::2]
    found = searcher.dense_search(queries[0], 10, allowed)
    assert len(found) == 10 and {pk for pk, _ in found} <= set(allowed.tolist())
    rows = np.searchsorted(ids, [pk for pk, _ in found])
    np.testing.assert_allclose([s for _, s in found], vectors[rows] @ queries[0], rtol=0, atol=1e-6)
