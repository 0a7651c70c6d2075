"""embeddings.ann: every kind builds, searches, maps ids back, survives a save/load, and finds the true
neighbours of small clustered data."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from embeddings import ann


def clustered(n: int, dim: int = 64, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around `clusters` centres that vary along a few directions, like text embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    directions = rng.standard_normal((8, dim)).astype(np.float32)
    x = (
        centres[rng.integers(0, clusters, n)]
        + rng.standard_normal((n, 8)).astype(np.float32) @ directions * 0.3
    )
    x += rng.standard_normal((n, dim)).astype(np.float32) * 0.05
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    vectors = clustered(12_000)
    ids = np.arange(len(vectors), dtype=np.int64) * 7919 + 1_000_003  # sparse, large row ids
    queries = clustered(50, seed=1)
    return vectors, ids, queries


def test_choose_kind_follows_the_thresholds():
    assert ann.choose_kind(0) == "flat"
    assert ann.choose_kind(ann.FLAT_MAX_VECTORS) == "flat"
    assert ann.choose_kind(ann.FLAT_MAX_VECTORS + 1) == "hnsw"
    assert ann.choose_kind(ann.HNSW_MAX_VECTORS) == "hnsw"
    assert ann.choose_kind(ann.HNSW_MAX_VECTORS + 1) == "ivfpq"
    with pytest.raises(ValueError):
        ann.choose_kind(-1)


def test_nlist_grows_with_the_square_root():
    assert ann.ivf_nlist(1_000_000) == 1024
    assert ann.ivf_nlist(10_000_000) == 4096
    assert ann.ivf_nlist(10) == 64
    assert ann.ivf_nlist(10**12) == 16384


@pytest.mark.parametrize("kind", ann.KINDS)
def test_each_kind_builds_searches_and_maps_ids(kind, data, tmp_path):
    vectors, ids, queries = data
    exact = ann.build_vector_index(vectors, ids, "flat")
    _, truth = exact.search(queries, 10)
    index = ann.build_vector_index(vectors, ids, kind)
    assert index.ntotal == len(vectors)
    assert ann.index_kind(index) == kind

    # A stored vector finds itself, under its own row id.
    _, self_hit = index.search(vectors[123:124], 1)
    assert self_hit[0, 0] == ids[123]

    scores, found = index.search(queries, 10)
    assert set(found.ravel().tolist()) <= set(ids.tolist())
    assert np.all(np.diff(scores, axis=1) <= 1e-5)  # best first
    top = found
    if kind == "ivfpq":  # its codes only shortlist: the candidates are re-scored from the vectors
        _, wide = index.search(queries, ann.candidate_count(index, 10))
        rows = [
            ann.rescore_top(vectors, np.searchsorted(ids, w[w >= 0]), q, 10)[0]
            for w, q in zip(wide, queries, strict=True)
        ]
        top = np.array([ids[r] for r in rows])
    # Exact is exact; the approximate kinds with their default knobs must still find most neighbours.
    assert recall(top, truth) >= {"flat": 1.0, "hnsw": 0.9, "ivfpq": 0.8}[kind]

    # Saved and loaded, the knobs are set again and the answers are the same.
    path = tmp_path / f"{kind}.faiss"
    faiss.write_index(index, str(path))
    loaded = faiss.read_index(str(path))
    ann.configure_for_search(loaded)
    assert ann.index_kind(loaded) == kind
    _, again = loaded.search(queries, 10)
    assert recall(again, found) >= 0.99


def test_kind_is_chosen_by_size_when_not_given(data):
    vectors, ids, _ = data
    assert ann.index_kind(ann.build_vector_index(vectors, ids)) == ann.choose_kind(len(vectors))


def test_configure_for_search_sets_knobs_through_the_id_map(data):
    vectors, ids, _ = data
    hnsw = ann.build_vector_index(vectors[:2000], ids[:2000], "hnsw")
    ann.configure_for_search(hnsw, ann.SearchKnobs(ef_search=99))
    assert faiss.downcast_index(faiss.downcast_index(hnsw).index).hnsw.efSearch == 99

    ivf = ann.build_vector_index(vectors, ids, "ivfpq")
    ann.configure_for_search(ivf, ann.SearchKnobs(nprobe=7))
    assert faiss.downcast_index(ivf).nprobe == 7

    # Indexes built before re-scoring wrap IVF-PQ in 8-bit refine copies and an id map.
    train = ann.training_sample(vectors, 64)
    refined = ann.new_vector_index("ivfpq", vectors.shape[1], len(vectors), train, refine=True)
    ann.configure_for_search(refined, ann.SearchKnobs(nprobe=7, k_factor=3))
    refine = faiss.downcast_index(faiss.downcast_index(refined).index)
    assert refine.k_factor == 3
    assert faiss.downcast_index(refine.base_index).nprobe == 7
    assert ann.index_kind(refined) == "ivfpq" and not ann.supports_remove(refined)


def test_removal_support_is_reported(data):
    vectors, ids, _ = data
    flat = ann.build_vector_index(vectors[:100], ids[:100], "flat")
    assert ann.supports_remove(flat)
    flat.remove_ids(ids[:10])
    assert flat.ntotal == 90
    assert not ann.supports_remove(ann.build_vector_index(vectors[:100], ids[:100], "hnsw"))


def test_empty_and_bad_input():
    empty = ann.build_vector_index(np.zeros((0, 16), np.float32), np.zeros(0, np.int64))
    assert empty.ntotal == 0
    with pytest.raises(ValueError, match="one id per row"):
        ann.build_vector_index(np.zeros((3, 16), np.float32), np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="training vectors"):
        ann.build_vector_index(clustered(500), np.arange(500, dtype=np.int64), "ivfpq")
    with pytest.raises(ValueError, match="unknown index kind"):
        ann.new_vector_index("lsh", 16, 10)  # type: ignore[arg-type]


def test_single_query_threads_are_set_and_restorable():
    before = faiss.omp_get_max_threads()
    try:
        ann.use_threads_for_single_queries()
        assert faiss.omp_get_max_threads() == 1
        ann.use_threads_for_single_queries(0)  # nonsense is clamped, never an error
        assert faiss.omp_get_max_threads() == 1
    finally:
        faiss.omp_set_num_threads(before)
