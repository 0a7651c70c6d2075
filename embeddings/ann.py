"""Which FAISS index to use for how many vectors, how to build one, and how to search it once loaded.

Every index returned maps FAISS ids to chunk row ids (int64) and searches by inner product on unit
vectors (cosine). Three kinds, chosen by size (`choose_kind`); the thresholds and every parameter below
come from `benchmarks/scale.py` (figures in `benchmarks/results/speed.md`, 2 cores):

- ``flat``: `IndexIDMap2(IndexFlatIP)`, exact. Search time grows linearly with the corpus; it is the
  default while one query stays well inside the latency budget.
- ``hnsw``: `IndexIDMap2(IndexHNSWFlat)`, a graph over the full float vectors: recall@10 ≥ 0.95 in a few
  milliseconds at a million vectors, but it keeps every float vector plus the graph in RAM
  (~1.86 KB per 384-d vector), builds slowly and cannot remove: it stops at 2M vectors.
- ``ivfpq``: `IndexIVFPQ` (IVF lists, 48-byte product-quantised codes, ids in the lists): ~59 bytes a
  vector in RAM, for corpora that no longer fit as floats. Trained on a sample. Its codes only
  shortlist: it is searched for `candidate_count` candidates and `rescore_top` picks the best by exact
  cosine from the full float vectors, which the searcher keeps memory-mapped (on disk, cached in RAM by
  the OS when there is room). Indexes built before this carry 8-bit refine copies
  (`IndexIDMap(IndexRefine(IndexIVFPQ, SQ8))`, ~449 bytes a vector); they load and are re-scored alike.

Not handled here: removing vectors from an HNSW or a refined IVF-PQ index. Neither `IndexHNSWFlat` nor
`IndexRefine` can `remove_ids` (`supports_remove` says so), so an update that deletes or changes chunks
rebuilds those from the stored vectors (the chunk store keeps them); flat and plain IVF-PQ indexes
remove in place. Adding to any kind works in place. Nor whether the vector file is in the page cache:
a cold cache turns each candidate into a disk read (figures for both in `benchmarks/results/speed.md`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

IndexKind = Literal["flat", "hnsw", "ivfpq"]
KINDS: tuple[IndexKind, ...] = ("flat", "hnsw", "ivfpq")

# Measured by benchmarks/scale.py on 2 busy cores (benchmarks/results/speed.md), one query at a time:
# exact search took 8 ms at 100k vectors and 384 ms at 1M, HNSW 0.2-0.3 ms at both.
FLAT_MAX_VECTORS = 100_000  # exact, and updates remove in place; past this a query costs > 10 ms
# HNSW keeps ~1.86 KB a vector in RAM and cannot remove, so an update that deletes rebuilds it (500 s
# per million vectors here): 2M is ~3.7 GB and a rebuild of ~20 minutes, as far as it stays sensible.
HNSW_MAX_VECTORS = 2_000_000

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128  # recall@10 0.979 at 1M in 0.31 ms (64: 0.963); the margin is cheap

PQ_M = 48  # 384-d / 48 = 8 dimensions per sub-quantizer, one byte each
PQ_BITS = 8
# PQ codes rank poorly (recall@10 0.22 at 1M at any nprobe) and 8-bit copies re-ranking 16×k of their
# candidates stopped at 0.933 at 1M, 0.47 at 10M (their own error on near-ties). Exact cosines of a wide
# candidate set, read from the stored float vectors, are what reach 0.95. Measured at 1M (2026-12-03,
# benchmarks/results/speed.md): recall@10 1.000 at every nprobe 8-128 and 250-4,000 candidates, so 1M
# cannot tell the knobs apart (each synthetic topic's ~100 near-ties all make the shortlist); at 10M a
# topic has ~1,000 of them, hence a margin on both. Cost: warm p50 8.9 ms (nprobe 32, 1,000 candidates;
# 2,000: 16 ms, 4,000: 24 ms); cold cache 43 ms, 5.5 MB read a query (2,000: 115 ms; 4,000: 175 ms).
IVF_NPROBE = 32  # the lists are in RAM: 4 ms more than nprobe 8 at 1M
RESCORE_CANDIDATES = 1000  # ~1.5 MB of rows a query: the disk reads on a cold cache grow with this
# Only for indexes built with 8-bit refine copies: their candidates are re-scored exactly anyway, so the
# copies need not re-rank more than they return (16 was the shipped value before re-scoring).
REFINE_K_FACTOR = 1.0
IVF_MIN_TRAIN = 10_000  # below this, k-means and the PQ codebooks are noise: use another kind
IVF_TRAIN_PER_LIST = 64  # training points per inverted list (faiss warns under 39)
IVF_MAX_TRAIN = 262_144  # enough for nlist ≤ 4096; training cost grows with the sample


def choose_kind(n_vectors: int) -> IndexKind:
    """Exact search while it is fast enough; HNSW while the floats fit in RAM; IVF-PQ beyond."""
    if n_vectors < 0:
        raise ValueError("n_vectors must not be negative")
    if n_vectors <= FLAT_MAX_VECTORS:
        return "flat"
    if n_vectors <= HNSW_MAX_VECTORS:
        return "hnsw"
    return "ivfpq"


def ivf_nlist(n_vectors: int) -> int:
    """Inverted lists for `n_vectors`: the power of two nearest √n, between 64 and 16384.

    √n keeps lists and centroids balanced (a query scans nprobe·√n codes after √n centroid distances);
    fewer lists than faiss's usual 4·√n keep k-means training affordable on 2 cores.
    """
    if n_vectors <= 0:
        return 64
    return int(min(16384, max(64, 2 ** round(math.log2(math.sqrt(n_vectors))))))


@dataclass(frozen=True)
class SearchKnobs:
    """The search-time parameters that `configure_for_search` sets (None leaves the default)."""

    ef_search: int = HNSW_EF_SEARCH
    nprobe: int = IVF_NPROBE
    k_factor: float = REFINE_K_FACTOR


def _check(vectors: npt.NDArray[np.float32], ids: npt.NDArray[np.int64]) -> None:
    if vectors.ndim != 2 or len(vectors) != len(ids):
        raise ValueError("vectors must be a 2-d array with one id per row")
    if ids.ndim != 1:
        raise ValueError("ids must be a 1-d array")


def new_vector_index(
    kind: IndexKind,
    dim: int,
    n_vectors: int,
    train_vectors: npt.NDArray[np.float32] | None = None,
    *,
    hnsw_m: int = HNSW_M,
    ef_construction: int = HNSW_EF_CONSTRUCTION,
    pq_m: int = PQ_M,
    nlist: int | None = None,
    refine: bool = False,
) -> Any:
    """An empty index of `kind` ready for `add_with_ids`, sized for about `n_vectors`.

    IVF-PQ needs `train_vectors` (a sample of the data, ideally ≥ 64 per list, at least 10,000): it is
    what lets a caller add 10M vectors batch by batch without ever holding them all. `refine` adds the
    8-bit re-ranking copies indexes had before exact re-scoring (kept for the benchmark's baseline).
    """
    import faiss

    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}; choose one of {', '.join(KINDS)}")
    if dim <= 0:
        raise ValueError("dim must be positive")
    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = ef_construction
        hnsw.hnsw.efSearch = HNSW_EF_SEARCH
        return faiss.IndexIDMap2(hnsw)
    if dim % pq_m:
        # Another dimension than MiniLM's 384: about 8 dimensions (one byte) per sub-quantizer.
        pq_m = max(m for m in range(1, max(1, dim // 8) + 1) if dim % m == 0)
    if train_vectors is None or len(train_vectors) < IVF_MIN_TRAIN:
        got = 0 if train_vectors is None else len(train_vectors)
        raise ValueError(
            f"an ivfpq index needs at least {IVF_MIN_TRAIN} training vectors (got {got}); "
            "use a flat or hnsw index for a corpus this small"
        )
    nlist = nlist or ivf_nlist(n_vectors)
    nlist = min(nlist, max(1, len(train_vectors) // 39))
    # The factory builds an index that owns its parts (quantizer, refine copies): nothing dangles.
    # A plain IVF index keeps each vector's id in its list: no id map needed.
    spec = f"IVF{nlist},PQ{pq_m}x{PQ_BITS}" + (",Refine(SQ8)" if refine else "")
    index: Any = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
    ivf: Any = faiss.downcast_index(index.base_index if refine else index)
    # The factory turns on polysemous training (a Hamming-ordering of codes we never search by): it
    # costs minutes of training for nothing here.
    ivf.do_polysemous_training = False
    configure_for_search(index)
    index.train(np.ascontiguousarray(train_vectors, dtype=np.float32))
    if refine:
        # IndexRefine has no add_with_ids: IndexIDMap (an id array, 8 bytes a vector; IDMap2 would add a
        # hash map of every id on top) maps its sequence numbers to chunk ids.
        return faiss.IndexIDMap(index)
    return index


def training_sample(vectors: npt.NDArray[np.float32], nlist: int, seed: int = 0) -> npt.NDArray[np.float32]:
    """A random sample of rows big enough to train `nlist` lists (all rows when there are few)."""
    size = min(len(vectors), max(IVF_MIN_TRAIN, IVF_TRAIN_PER_LIST * nlist), IVF_MAX_TRAIN)
    if size >= len(vectors):
        return vectors
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), size=size, replace=False))
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def build_vector_index(
    vectors: npt.NDArray[np.float32], ids: npt.NDArray[np.int64], kind: IndexKind | None = None
) -> Any:
    """A FAISS index holding `vectors` under `ids`, of `kind` (chosen by size when None)."""
    _check(vectors, ids)
    kind = kind or choose_kind(len(vectors))
    dim = vectors.shape[1]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    train = training_sample(vectors, ivf_nlist(len(vectors))) if kind == "ivfpq" else None
    index = new_vector_index(kind, dim, len(vectors), train)
    if len(vectors):
        index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))
    configure_for_search(index)
    return index


def _unwrap(index: Any) -> Any:
    """The index inside any IDMap / IDMap2 / PreTransform wrappers, downcast to its real class."""
    import faiss

    index = faiss.downcast_index(index)
    while isinstance(index, faiss.IndexIDMap | faiss.IndexIDMap2 | faiss.IndexPreTransform):
        index = faiss.downcast_index(index.index)
    return index


def index_kind(index: Any) -> IndexKind:
    """Which of the three kinds a (loaded) index is."""
    import faiss

    inner = _unwrap(index)
    if isinstance(inner, faiss.IndexRefine):
        inner = faiss.downcast_index(inner.base_index)
    if isinstance(inner, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(inner, faiss.IndexIVF):
        return "ivfpq"
    return "flat"


def candidate_count(index: Any, n: int) -> int:
    """How many candidates to ask `index` for so that `rescore_top` can pick the best `n`: IVF-PQ codes
    only shortlist, the other kinds rank by the float vectors already."""
    return max(n, RESCORE_CANDIDATES) if index_kind(index) == "ivfpq" else n


def rescore_top(
    vectors: npt.NDArray[np.float32],
    rows: npt.NDArray[np.int64],
    query: npt.NDArray[np.float32],
    n: int,
    fd: int | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The `n` of `rows` whose vectors have the highest inner product with `query`, best first, and
    those exact scores. `vectors` may be a memory map, `fd` its file kept open (see `prefetch_rows`)."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))  # sorted, and a row listed twice is read once
    if len(rows) == 0:
        return rows, np.zeros(0, dtype=np.float32)
    prefetch_rows(vectors, rows, fd)
    scores = np.asarray(vectors[rows], dtype=np.float32) @ np.asarray(query, dtype=np.float32).reshape(-1)
    best = np.argsort(-scores, kind="stable")[:n]
    return rows[best], scores[best]


def prefetch_rows(
    vectors: npt.NDArray[np.float32], rows: npt.NDArray[np.int64], fd: int | None = None
) -> None:
    """Ask the OS to read these rows of a memory-mapped .npy file now, all together.

    Touching the rows of a cold map one by one costs a page fault each, and the kernel's read-around
    turns ascending faults into a sequential read of most of the file: measured on a 3 GB file, 1,000
    rows cost 2.7 GB read and 7 s; `MADV_RANDOM` 5.5 MB and 376 ms, one fault at a time; this
    (`POSIX_FADV_WILLNEED` per row, the reads queued at once) 5.5 MB and 69 ms. On cached pages it costs
    about 2 µs a row. Arrays that are not file-backed are left alone.

    `fd`: the mapped file, kept open by whoever mapped it (a searcher keeps it with the map: reopening it
    by name would fail once a build removed its generation). Without one the file is opened by name, and
    a file that is gone is no error: this is only a hint to the OS.
    """
    filename = getattr(vectors, "filename", None)
    if filename is None or not hasattr(os, "posix_fadvise") or vectors.ndim != 2:
        return
    start = int(getattr(vectors, "offset", 0))
    row_bytes = int(vectors.strides[0])
    own = fd is None
    if fd is None:
        try:
            fd = os.open(filename, os.O_RDONLY)
        except OSError:
            return
    try:
        for row in rows.tolist():
            os.posix_fadvise(fd, start + row * row_bytes, row_bytes, os.POSIX_FADV_WILLNEED)
    finally:
        if own:
            os.close(fd)


def filter_parameters(index: Any, allowed: npt.NDArray[np.int64]) -> Any:
    """Search parameters that keep only the `allowed` ids. A plain IVF index refuses generic parameters
    and takes its nprobe from IVF ones (1 unless set), so it gets those, with its own nprobe."""
    import faiss

    selector = faiss.IDSelectorBatch(allowed)
    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=selector, nprobe=inner.nprobe)  # type: ignore[call-arg]
    return faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]


def supports_remove(index: Any) -> bool:
    """Whether `index.remove_ids` works. False for HNSW (its graph cannot drop vectors) and for a
    refined IVF-PQ (`IndexRefine` cannot either): an update that deletes or changes chunks rebuilds
    those from the stored vectors."""
    import faiss

    inner = _unwrap(index)
    return not isinstance(inner, faiss.IndexRefine | faiss.IndexHNSW)


def configure_for_search(index: Any, knobs: SearchKnobs | None = None) -> None:
    """Set the search-time knobs (HNSW efSearch, IVF nprobe, refine k_factor) on an index, e.g. after
    `faiss.read_index`, which does not keep efSearch. Wrappers (`IndexIDMap2`) are seen through."""
    import faiss

    knobs = knobs or SearchKnobs()
    inner = _unwrap(index)
    if isinstance(inner, faiss.IndexRefine):
        inner.k_factor = float(knobs.k_factor)
        inner = faiss.downcast_index(inner.base_index)
    if isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efSearch = int(knobs.ef_search)
    elif isinstance(inner, faiss.IndexIVF):
        inner.nprobe = int(min(knobs.nprobe, inner.nlist))


def use_threads_for_single_queries(threads: int = 1) -> None:
    """Set FAISS's OpenMP threads for a process that searches one query at a time (the bot, the CLI).

    faiss hands one query to one thread anyway; with more OpenMP threads the idle ones spin, and on a
    busy 2-core machine that made one exact search at 100k vectors 46 ms instead of 8 ms
    (benchmarks/scale.py). Process-wide: call it where queries are served, not in a build.
    """
    import faiss

    faiss.omp_set_num_threads(max(1, threads))
