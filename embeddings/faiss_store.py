"""A generation's vectors in `index.faiss` in its folder: the default vector store (the kinds and their
knobs are in `embeddings.ann`).

Searching it is all here: how many candidates to ask for (IVF-PQ's compressed codes only shortlist, so a
wide set is re-scored exactly from the memory-mapped `vectors.npy`), the id filter as FAISS search
parameters, and the lock that keeps calls serial. A searcher sees only the `VectorStore` contract.

Not handled: updating an index file in place (an update writes a new generation, see `embeddings.build`);
searching a compressed index opened without its float vectors any wider than `n` (it is then ranked by
its codes alone, which only tests do).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from embeddings.ann import IndexKind
from embeddings.durable import fsync_file
from embeddings.manifest import FAISS_NAME


class FaissVectorStore:
    """`index.faiss` in a generation folder. The first `add` builds the index (FAISS kinds are chosen
    and IVF-PQ is trained on what it is given, so the build adds every vector at once).

    Opened for searching (`open`), it keeps the generation's float vectors (a memory map) and their ids
    (sorted, one per row) to re-score a compressed index's candidates exactly."""

    backend = "faiss"

    def __init__(
        self,
        directory: Path,
        index: Any = None,
        kind: IndexKind | None = None,
        vectors: npt.NDArray[np.float32] | None = None,
        ids: npt.NDArray[np.int64] | None = None,
        vectors_fd: int | None = None,
    ) -> None:
        self.directory = directory
        self.vectors_fd = vectors_fd  # the searcher's open vectors.npy, for prefetching rows
        self.index = index
        self.kind = kind
        self.vectors = vectors
        self.ids = ids
        self._lock = threading.Lock()  # search-time knobs live on the index object: keep calls serial

    @classmethod
    def open(
        cls,
        directory: Path,
        vectors: npt.NDArray[np.float32],
        ids: npt.NDArray[np.int64],
        vectors_fd: int | None = None,
    ) -> FaissVectorStore:
        """Open the generation in `directory` for searching, one query at a time."""
        import faiss

        from embeddings.ann import configure_for_search, use_threads_for_single_queries

        index = faiss.read_index(str(directory / FAISS_NAME))
        configure_for_search(index)  # read_index does not keep efSearch
        # A searcher serves one query at a time: spare OpenMP threads only spin (measured 100 ms -> 21 ms
        # for one exact search over 52k vectors on this busy 2-core machine).
        use_threads_for_single_queries()
        return cls(directory, index, vectors=vectors, ids=ids, vectors_fd=vectors_fd)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal) if self.index is not None else 0

    @property
    def d(self) -> int:
        return int(self.index.d) if self.index is not None else 0

    def add(self, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> None:
        from embeddings.ann import build_vector_index

        if self.index is None:
            self.index = build_vector_index(vectors, ids, self.kind)
        elif len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, dtype=np.int64)
            )

    def finish(self) -> dict[str, str]:
        import faiss

        if self.index is None:
            raise ValueError("no vectors were added")
        path = self.directory / FAISS_NAME
        faiss.write_index(self.index, str(path))
        fsync_file(path)
        return {"backend": "faiss", "file": FAISS_NAME}

    def search(
        self, vector: npt.NDArray[np.float32], n: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Ids and cosines of the `n` nearest vectors (among `allowed` ids only), best first."""
        from embeddings.ann import candidate_count, filter_parameters, rescore_top

        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        n = min(n, self.ntotal)
        if n <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        rescorable = self.vectors is not None and self.ids is not None
        wide = min(candidate_count(self.index, n), self.ntotal) if rescorable else n
        params = None
        if allowed is not None:
            params = filter_parameters(self.index, np.ascontiguousarray(allowed, dtype=np.int64))
        with self._lock:
            if params is not None:
                distances, labels = self.index.search(query, wide, params=params)
            else:
                distances, labels = self.index.search(query, wide)
        found = labels[0] >= 0
        if wide > n and self.vectors is not None and self.ids is not None:
            # Compressed codes only shortlist (IVF-PQ): exact cosines from the stored vectors pick the n.
            rows = np.searchsorted(self.ids, labels[0][found])
            rows, exact = rescore_top(self.vectors, rows, query[0], n, self.vectors_fd)
            return self.ids[rows].astype(np.int64, copy=False), exact
        return labels[0][found].astype(np.int64), distances[0][found].astype(np.float32)

    def drop(self) -> None:
        (self.directory / FAISS_NAME).unlink(missing_ok=True)

    def close(self) -> None:
        # Let go of the index now (it is in RAM: the size of the vectors for a flat index), even if a
        # reference to the closed searcher lingers: a long-running bot closes one per update.
        self.index = None
        self.vectors = None
