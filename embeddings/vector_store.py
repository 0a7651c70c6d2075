"""Where a generation's vectors are searched: one protocol, `VectorStore`, and the calls the build and the
searcher make through it. Two stores implement it: a FAISS file in the generation folder (the default,
`embeddings.faiss_store`) or a Milvus collection (`embeddings.milvus_store`), chosen by one setting,
NEWSBOT_VECTOR_STORE (its forms in `embeddings.vector_config`).

Whatever the backend, the chunks, the keyword index and the float vectors (`vectors.npy`, which exact
re-scoring, date-filtered search and `index update` read) stay in the generation folder: Milvus only
replaces the approximate-nearest-neighbour index. A build writes a new collection named from the index
folder and the generation, the manifest records it (`Manifest.vector_store`), and publication stays the
atomic manifest switch. A superseded collection is kept at least until the next build starts (searchers
opened on it keep answering meanwhile, as FAISS's open files do), unless the new generation's vectors live
on another backend or server, then it is dropped at once; a build's cleanup drops every collection of
this index but the current one and those of generations a running process still reads (their folders are
kept too: `embeddings.generations`), crashed builds' included.

Not handled: sharing one Milvus Lite folder between processes (Milvus Lite locks it: a bot and a build
cannot use it at once; use a server for that); collections kept by an index folder that was deleted or
moved before its next build (they are named `newsbot_<hash of the folder>_…`: drop them by hand).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from embeddings import milvus_store
from embeddings.ann import IndexKind
from embeddings.faiss_store import FaissVectorStore
from embeddings.manifest import GENERATION_PREFIX, MANIFEST_NAME, Manifest
from embeddings.vector_config import VectorStoreConfig, VectorStoreUnavailable, record_config

logger = logging.getLogger(__name__)


@runtime_checkable
class VectorStore(Protocol):
    """One generation's vectors in a backend. Built: `add` (any number of times), then `finish`;
    searched: `search`; always `close`d. `ntotal` and `d` as FAISS names them (the searcher checks them
    against the manifest)."""

    backend: str

    @property
    def ntotal(self) -> int: ...

    @property
    def d(self) -> int: ...

    def add(self, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> None: ...

    def finish(self) -> dict[str, str]:
        """Make what was added durable and searchable; the manifest's record of where it is."""
        ...

    def search(
        self, vector: npt.NDArray[np.float32], n: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Ids and cosines (the vectors are unit length) of the `n` nearest vectors, best first: at most
        `n`, fewer when the store holds fewer; among the `allowed` ids only when given (none: nothing)."""
        ...

    def drop(self) -> None:
        """Delete what this store wrote (a failed build's collection)."""
        ...

    def close(self) -> None: ...


# --- what the build and the searcher call ---------------------------------------------------------


def write_vectors(
    config: VectorStoreConfig,
    index_dir: Path,
    directory: Path,
    generation: str,
    vectors: npt.NDArray[np.float32],
    ids: npt.NDArray[np.int64],
    kind: IndexKind,
) -> dict[str, str]:
    """Write a new generation's vectors to the configured backend; the manifest record. On failure
    nothing of it is left (a kill leaves a collection that the next build's cleanup drops)."""
    store: VectorStore
    if config.backend == "faiss":
        store = FaissVectorStore(directory, kind=kind)
    else:
        store = milvus_store.MilvusVectorStore.create(
            config, milvus_store.collection_name(index_dir, generation), int(vectors.shape[1]), kind, len(ids)
        )
    try:
        store.add(ids, vectors)
        return store.finish()
    except BaseException:
        with contextlib.suppress(Exception):  # the original error matters more; the next build cleans up
            store.drop()
        raise
    finally:
        store.close()


def open_vector_store(
    index_dir: Path,
    manifest: Manifest,
    directory: Path,
    vectors: npt.NDArray[np.float32],
    ids: npt.NDArray[np.int64],
    vectors_fd: int | None = None,
) -> VectorStore:
    """The published generation's store, for searching. `vectors` (memory-mapped, `vectors_fd` its open
    file) and `ids` are the generation's own, which FAISS re-scores compressed candidates from. When the
    index was built on a Milvus server and NEWSBOT_VECTOR_STORE names a server too, the setting's address
    is used (the same server seen under another name, e.g. from a container); the collection is always
    the manifest's."""
    config = record_config(manifest.vector_store)
    if config.backend == "faiss":
        return FaissVectorStore.open(directory, vectors, ids, vectors_fd)
    override = VectorStoreConfig.from_env()
    if override.backend == "milvus" and not override.is_lite and not config.is_lite:
        config = override
    return milvus_store.MilvusVectorStore.open(config, manifest.vector_store["collection"])


def current_record(index_dir: Path) -> dict[str, str]:
    """The current manifest's `vector_store` record ({} when there is no readable manifest)."""
    try:
        return dict(Manifest.from_json((index_dir / MANIFEST_NAME).read_text(encoding="utf-8")).vector_store)
    except (OSError, ValueError, TypeError, UnicodeDecodeError):
        return {}


def release_superseded(old: Mapping[str, str], new: Mapping[str, str]) -> None:
    """After a publish: drop the old generation's collection now if the new one lives elsewhere; on the
    same server it is left to the next build's cleanup (searchers opened on it keep answering)."""
    if old.get("backend") != "milvus" or not old.get("collection"):
        return
    if new.get("backend") == "milvus" and new.get("uri") == old.get("uri"):
        return
    try:
        milvus_store.drop_collections(record_config(old), [old["collection"]], missing_ok=True)
    except (VectorStoreUnavailable, ValueError, OSError) as exc:
        # The new generation is published already; an old server that is gone keeps its collection.
        logger.warning("could not drop the superseded collection %s: %s", old["collection"], exc)


def drop_stale_vectors(index_dir: Path, config: VectorStoreConfig) -> list[str]:
    """Drop every collection of this index but the current one and those of superseded generations
    still read (their folders are still there: see `embeddings.build.clean_stale`), on the configured
    Milvus and on the one the current manifest names. Raises VectorStoreUnavailable when the configured
    one cannot be reached (better now than after hours of embedding)."""
    current = current_record(index_dir)
    endpoints = [config] if config.backend == "milvus" else []
    recorded: VectorStoreConfig | None = None
    if current.get("backend") == "milvus":
        try:
            recorded = record_config(current)
        except ValueError:  # a damaged manifest: nothing of it to keep or to reach
            recorded = None
        if recorded is not None and recorded not in endpoints:
            endpoints.append(recorded)
    if not endpoints:
        return []
    dropped: list[str] = []
    read = {
        milvus_store.collection_name(index_dir, entry.name)
        for entry in index_dir.iterdir()
        if entry.name.startswith(GENERATION_PREFIX) and entry.is_dir()
    }
    for endpoint in endpoints:
        keep = set(read)
        if recorded == endpoint and current.get("collection"):
            keep.add(current["collection"])
        try:
            dropped += milvus_store.drop_index_collections(endpoint, index_dir, keep)
        except VectorStoreUnavailable:
            if endpoint == config:
                raise
    return dropped
