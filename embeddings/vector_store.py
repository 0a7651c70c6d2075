"""Where a generation's vectors are searched: a FAISS file in the generation folder (the default) or a
Milvus collection (`embeddings.milvus_store`), chosen by one setting, NEWSBOT_VECTOR_STORE:

    faiss (or unset)              index.faiss in the generation folder
    milvus:///ABS/PATH/NAME.db    Milvus Lite, embedded in the process: a local folder whose name ends
    milvus://REL/PATH/NAME.db     in .db (a relative path is taken from the current folder)
    milvus://HOST[:PORT][/DB]     a Milvus server over gRPC (port 19530 unless given)
    milvus+https://HOST[:PORT][/DB]  the same over TLS (e.g. Zilliz Cloud)

A server's token (user:password or an API key) comes from NEWSBOT_MILVUS_TOKEN only: it is a secret, so
it never reaches the manifest or a log.

Whatever the backend, the chunks, the keyword index and the float vectors (`vectors.npy`, which exact
re-scoring, date-filtered search and `index update` read) stay in the generation folder: Milvus only
replaces the approximate-nearest-neighbour index. A build writes a new collection named from the index
folder and the generation, the manifest records it (`Manifest.vector_store`), and publication stays the
atomic manifest switch. A superseded collection is kept until the next build starts (searchers opened on
it keep answering meanwhile, as FAISS's open files do), unless the new generation's vectors live on
another backend or server, then it is dropped at once; the next build's cleanup drops every collection of
this index but the current one, crashed builds' included.

Not handled: sharing one Milvus Lite folder between processes (Milvus Lite locks it: a bot and a build
cannot use it at once; use a server for that); collections kept by an index folder that was deleted or
moved before its next build (they are named `newsbot_<hash of the folder>_…`: drop them by hand).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from embeddings.errors import IndexError_
from embeddings.manifest import FAISS_NAME, MANIFEST_NAME, Manifest

logger = logging.getLogger(__name__)

SETTING = "NEWSBOT_VECTOR_STORE"
TOKEN_SETTING = "NEWSBOT_MILVUS_TOKEN"
MILVUS_DEFAULT_PORT = 19530


class VectorStoreUnavailable(IndexError_):
    """The configured vector store cannot be reached or opened (a Milvus server down, a Milvus Lite folder
    held by another process, pymilvus not installed)."""


@dataclass(frozen=True)
class VectorStoreConfig:
    """A parsed NEWSBOT_VECTOR_STORE. `setting` is the canonical form recorded in the manifest (a Milvus
    Lite path made absolute); `client_uri` is what pymilvus is given."""

    backend: str  # "faiss" or "milvus"
    setting: str = "faiss"
    client_uri: str = ""

    @property
    def is_lite(self) -> bool:
        return self.backend == "milvus" and not self.client_uri.startswith(("http://", "https://"))

    @classmethod
    def parse(cls, text: str | None) -> VectorStoreConfig:
        """Parse a setting (None or blank: FAISS). Raises ValueError saying which forms are accepted."""
        value = (text or "").strip()
        if value in ("", "faiss"):
            return cls("faiss")
        forms = "faiss, milvus:///ABS/PATH.db, milvus://REL/PATH.db or milvus://HOST[:PORT]"
        for scheme, http in (("milvus://", "http"), ("milvus+https://", "https")):
            if not value.startswith(scheme):
                continue
            rest = value[len(scheme) :]
            if not rest:
                break
            if rest.endswith(".db"):
                if http == "https":
                    raise ValueError(f"{SETTING}: Milvus Lite is a local folder, not https ({value!r})")
                path = Path(rest).expanduser()
                path = path if path.is_absolute() else Path.cwd() / path
                path = Path(os.path.normpath(path))
                return cls("milvus", f"milvus://{path}", str(path))
            parts = urlsplit(f"{http}://{rest}")
            try:
                port = parts.port
            except ValueError as exc:
                raise ValueError(f"{SETTING}: bad port in {value!r}") from exc
            if not parts.hostname or parts.query or parts.fragment or parts.username:
                raise ValueError(f"{SETTING}: expected {scheme}HOST[:PORT][/DB], got {value!r}")
            port = port or (MILVUS_DEFAULT_PORT if http == "http" else 443)
            db = parts.path.strip("/")
            if "/" in db:
                raise ValueError(f"{SETTING}: expected {scheme}HOST[:PORT][/DB], got {value!r}")
            tail = f"/{db}" if db else ""
            host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            return cls("milvus", f"{scheme}{host}:{port}{tail}", f"{http}://{host}:{port}{tail}")
        raise ValueError(f"{SETTING} must be one of {forms}; got {value!r}")

    @classmethod
    def from_env(cls) -> VectorStoreConfig:
        return cls.parse(os.environ.get(SETTING))


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
        """Ids and inner products of the `n` nearest vectors (among `allowed` ids only), best first."""
        ...

    def drop(self) -> None:
        """Delete what this store wrote (a failed build's collection)."""
        ...

    def close(self) -> None: ...


# --- FAISS ----------------------------------------------------------------------------------------


class FaissVectorStore:
    """`index.faiss` in a generation folder. The first `add` builds the index (FAISS kinds are chosen
    and IVF-PQ is trained on what it is given, so the build adds every vector at once).

    `Searcher.dense_search` searches the FAISS index itself (`open_vector_index` hands it over), with
    the knobs and the exact re-scoring of IVF-PQ candidates that live there; this `search` is the plain
    one, for callers that only need the protocol."""

    backend = "faiss"

    def __init__(self, directory: Path, index: Any = None, kind: str | None = None) -> None:
        self.directory = directory
        self.index = index
        self.kind = kind
        self._lock = threading.Lock()  # search-time knobs live on the index object: keep calls serial

    @classmethod
    def open(cls, directory: Path) -> FaissVectorStore:
        import faiss

        from embeddings.ann import configure_for_search

        index = faiss.read_index(str(directory / FAISS_NAME))
        configure_for_search(index)
        return cls(directory, index)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal) if self.index is not None else 0

    @property
    def d(self) -> int:
        return int(self.index.d) if self.index is not None else 0

    def add(self, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> None:
        from embeddings.ann import build_vector_index

        if self.index is None:
            self.index = build_vector_index(vectors, ids, self.kind)  # type: ignore[arg-type]
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
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
        return {"backend": "faiss", "file": FAISS_NAME}

    def search(
        self, vector: npt.NDArray[np.float32], n: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        import faiss

        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        n = min(n, self.ntotal)
        if n <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        with self._lock:
            if allowed is not None:
                selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
                params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
                distances, labels = self.index.search(query, n, params=params)
            else:
                distances, labels = self.index.search(query, n)
        found = labels[0] >= 0
        return labels[0][found].astype(np.int64), distances[0][found].astype(np.float32)

    def drop(self) -> None:
        (self.directory / FAISS_NAME).unlink(missing_ok=True)

    def close(self) -> None:
        pass


# --- what the build and the searcher call ---------------------------------------------------------


def record_config(record: Mapping[str, str]) -> VectorStoreConfig:
    """The backend a manifest's `vector_store` record names (an empty record: FAISS, as before it was
    recorded)."""
    if record.get("backend", "faiss") == "faiss":
        return VectorStoreConfig("faiss")
    return VectorStoreConfig.parse(record.get("uri"))


def write_vectors(
    config: VectorStoreConfig,
    index_dir: Path,
    directory: Path,
    generation: str,
    vectors: npt.NDArray[np.float32],
    ids: npt.NDArray[np.int64],
    kind: str,
) -> dict[str, str]:
    """Write a new generation's vectors to the configured backend; the manifest record. On failure
    nothing of it is left (a kill leaves a collection that the next build's cleanup drops)."""
    store: VectorStore
    if config.backend == "faiss":
        store = FaissVectorStore(directory, kind=kind)
    else:
        from embeddings.milvus_store import MilvusVectorStore, collection_name

        store = MilvusVectorStore.create(
            config, collection_name(index_dir, generation), int(vectors.shape[1]), kind, len(ids)
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


def open_vector_index(index_dir: Path, manifest: Manifest, directory: Path) -> Any:
    """What `Searcher.dense_search` searches: the FAISS index itself (the searcher's own code searches and
    re-scores it) or, for Milvus, a `MilvusVectorStore`. When the index was built on a Milvus server and
    NEWSBOT_VECTOR_STORE names a server too, the setting's address is used (the same server seen under
    another name, e.g. from a container); the collection is always the manifest's."""
    config = record_config(manifest.vector_store)
    if config.backend == "faiss":
        return FaissVectorStore.open(directory).index
    from embeddings.milvus_store import MilvusVectorStore

    override = VectorStoreConfig.from_env()
    if override.backend == "milvus" and not override.is_lite and not config.is_lite:
        config = override
    return MilvusVectorStore.open(config, manifest.vector_store["collection"])


def close_vector_index(index: Any) -> None:
    if isinstance(index, VectorStore):
        index.close()


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
    from embeddings.milvus_store import drop_collections

    try:
        drop_collections(record_config(old), [old["collection"]], missing_ok=True)
    except (VectorStoreUnavailable, ValueError, OSError) as exc:
        # The new generation is published already; an old server that is gone keeps its collection.
        logger.warning("could not drop the superseded collection %s: %s", old["collection"], exc)


def drop_stale_vectors(index_dir: Path, config: VectorStoreConfig) -> list[str]:
    """Drop every collection of this index but the current one, on the configured Milvus and on the one
    the current manifest names. Raises VectorStoreUnavailable when the configured one cannot be reached
    (better now than after hours of embedding)."""
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
    from embeddings.milvus_store import drop_index_collections

    dropped: list[str] = []
    for endpoint in endpoints:
        keep = current.get("collection") if recorded == endpoint else None
        try:
            dropped += drop_index_collections(endpoint, index_dir, keep)
        except VectorStoreUnavailable:
            if endpoint == config:
                raise
    return dropped
