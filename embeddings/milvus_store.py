"""A generation's vectors in a Milvus collection, through pymilvus (imported only when Milvus is
configured): a Milvus server, or Milvus Lite embedded in this process for a local folder (see
`embeddings.vector_config` for the setting, `embeddings.vector_store` for the life of collections).

One collection per generation, named `newsbot_<12 hex of the index folder's path>_<generation stamp>`, so
that several index folders can share one server and each build's cleanup finds only its own. Fields: `pk`
(the chunk's row id in the generation's chunk store, the primary key) and `vector` (float, searched by
inner product: the vectors are unit length, so it is the cosine). Date filters come as the allowed chunk
ids and are sent as a filter on `pk`: the chunk store stays the one place that knows publication days,
and the searcher scores small allowed sets exactly from `vectors.npy` without asking Milvus (see
`Searcher.dense_search`), so Milvus only sees filters of many ids. Search follows the contract of
`embeddings.vector_store.VectorStore`: ids and cosines, best first.

Not handled: a filter of millions of ids is a long expression that Milvus parses on every query (a few
bytes an id, collapsed into ranges where ids run consecutively, as an article's chunks and a build's
articles do); a published-day field would keep it short. Updating a collection in place: an update
writes a new collection with every vector (the unchanged ones read back from `vectors.npy`, not
re-embedded).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from embeddings.ann import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, IVF_NPROBE, ivf_nlist
from embeddings.vector_config import TOKEN_SETTING, VectorStoreConfig, VectorStoreUnavailable

logger = logging.getLogger(__name__)

PK = "pk"
VECTOR = "vector"
PREFIX = "newsbot_"
INSERT_BATCH = 2_000  # rows per insert: ~3 MB of 384-d floats, far under gRPC's 64 MB message limit
MAX_TOP_K = 16_384  # Milvus refuses a larger limit
CONNECT_TIMEOUT_S = 10.0
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")

# The index kinds of `embeddings.ann` as Milvus index types, with the same parameters. IVF-PQ has no
# Milvus Lite counterpart; IVF_SQ8 (one byte a dimension) is in both Lite and the server.
_INDEX_TYPES = {"flat": "FLAT", "hnsw": "HNSW", "ivfpq": "IVF_SQ8"}

_lock = threading.Lock()
_lite_users: dict[str, int] = {}  # Milvus Lite folder -> open clients in this process


def index_key(index_dir: Path) -> str:
    return hashlib.sha256(str(Path(index_dir).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:12]


def collection_name(index_dir: Path, generation: str) -> str:
    """The collection of `generation` (a `gen-<stamp>` folder name) of the index in `index_dir`."""
    stamp = generation.removeprefix("gen-").replace("-", "_")
    name = f"{PREFIX}{index_key(index_dir)}_{stamp}"
    if not _NAME.match(name):
        raise ValueError(f"cannot name a Milvus collection after generation {generation!r}")
    return name


def pk_filter(allowed: npt.NDArray[np.int64]) -> str:
    """A Milvus filter expression allowing exactly these primary keys, runs of consecutive ids written
    as ranges (an article's chunks are consecutive rows, and so are the articles a build added)."""
    ids = np.unique(np.asarray(allowed, dtype=np.int64))
    if len(ids) == 0:
        return f"{PK} in []"
    breaks = np.flatnonzero(np.diff(ids) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(ids)]]) - 1
    singles: list[str] = []
    ranges: list[str] = []
    for start, end in zip(ids[starts].tolist(), ids[ends].tolist(), strict=True):
        if end - start >= 2:
            ranges.append(f"({PK} >= {start} and {PK} <= {end})")
        else:
            singles.extend(str(i) for i in range(start, end + 1))
    parts = ranges + ([f"{PK} in [{', '.join(singles)}]"] if singles else [])
    return " or ".join(parts)


# --- connections ------------------------------------------------------------------------------------


def connect(config: VectorStoreConfig) -> Any:
    """A MilvusClient for `config`. Milvus Lite runs its server in this process (threads, no child
    process) and holds a lock on its folder while any client of this process has it open."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise VectorStoreUnavailable(
            "this index keeps its vectors on Milvus, but pymilvus is not installed: "
            "pip install 'newsbot[milvus]'"
        ) from exc
    if config.is_lite:
        # Milvus Lite's in-process gRPC server logs each call it does not implement as an ERROR with a
        # traceback (AllocTimestamp, which pymilvus tries when creating an index and then does without);
        # the client receives every real failure as an exception anyway.
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        Path(config.client_uri).parent.mkdir(parents=True, exist_ok=True)
        with _lock:
            _lite_users[config.client_uri] = _lite_users.get(config.client_uri, 0) + 1
    try:
        return MilvusClient(
            uri=config.client_uri, token=os.environ.get(TOKEN_SETTING, ""), timeout=CONNECT_TIMEOUT_S
        )
    except Exception as exc:
        _release(config)
        if config.is_lite:
            raise VectorStoreUnavailable(
                f"cannot open Milvus Lite at {config.client_uri} ({exc}); is another process using it? "
                "Milvus Lite serves one process at a time: use a Milvus server to build while a bot answers"
            ) from exc
        raise VectorStoreUnavailable(f"cannot reach Milvus at {config.setting} ({exc})") from exc


def disconnect(config: VectorStoreConfig, client: Any) -> None:
    try:
        client.close()
    finally:
        _release(config)


def _release(config: VectorStoreConfig) -> None:
    """Stop this process's Milvus Lite server for the folder once its last client is closed: it frees
    the folder's lock for other processes and the server's threads and port."""
    if not config.is_lite:
        return
    with _lock:
        users = _lite_users.get(config.client_uri, 0) - 1
        if users > 0:
            _lite_users[config.client_uri] = users
            return
        _lite_users.pop(config.client_uri, None)
        from milvus_lite.server_manager import server_manager_instance

        # Under the lock: a client connecting meanwhile would be handed the server being stopped.
        server_manager_instance.release_server(config.client_uri)


def open_lite_folders() -> dict[str, int]:
    """Milvus Lite folders with clients open in this process, and how many (for tests)."""
    with _lock:
        return dict(_lite_users)


def _exists(config: VectorStoreConfig) -> bool:
    """False for a Milvus Lite folder never created: nothing to clean there, and no reason to create it."""
    return not config.is_lite or Path(config.client_uri).exists()


def drop_collections(config: VectorStoreConfig, names: Iterable[str], missing_ok: bool = True) -> None:
    names = list(names)
    if not names or not _exists(config):
        return
    client = connect(config)
    try:
        for name in names:
            if missing_ok and not client.has_collection(name):
                continue
            client.drop_collection(name)
            logger.info("dropped Milvus collection %s", name)
    finally:
        disconnect(config, client)


def index_collections(config: VectorStoreConfig, index_dir: Path) -> list[str]:
    """The collections of the index in `index_dir` on this Milvus, sorted (oldest first)."""
    if not _exists(config):
        return []
    prefix = f"{PREFIX}{index_key(index_dir)}_"
    client = connect(config)
    try:
        return sorted(n for n in client.list_collections() if n.startswith(prefix))
    finally:
        disconnect(config, client)


def drop_index_collections(
    config: VectorStoreConfig, index_dir: Path, keep: Collection[str] = ()
) -> list[str]:
    """Drop the collections of the index in `index_dir` except those in `keep`; their names."""
    if not _exists(config):
        return []
    prefix = f"{PREFIX}{index_key(index_dir)}_"
    client = connect(config)
    try:
        stale = [n for n in client.list_collections() if n.startswith(prefix) and n not in keep]
        for name in stale:
            client.drop_collection(name)
        if stale:
            logger.info("dropped %d stale Milvus collection(s) of %s", len(stale), index_dir)
        return stale
    finally:
        disconnect(config, client)


# --- the store --------------------------------------------------------------------------------------


class MilvusVectorStore:
    """One generation's collection, opened for building (`create`) or searching (`open`)."""

    backend = "milvus"

    def __init__(
        self, config: VectorStoreConfig, client: Any, name: str, dim: int, index_type: str, count: int = 0
    ) -> None:
        self.config = config
        self.client = client
        self.name = name
        self.dim = dim
        self.index_type = index_type
        self.count = count
        self._closed = False

    @classmethod
    def create(
        cls, config: VectorStoreConfig, name: str, dim: int, kind: str, n_vectors: int
    ) -> MilvusVectorStore:
        from pymilvus import DataType, MilvusClient

        index_type = _INDEX_TYPES.get(kind, "FLAT")
        params: dict[str, int] = {}
        if index_type == "HNSW":
            params = {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION}
        elif index_type.startswith("IVF"):
            params = {"nlist": ivf_nlist(n_vectors)}
        client = connect(config)
        try:
            if client.has_collection(name):  # a same-named leftover can only be a failed build's
                client.drop_collection(name)
            schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field(PK, DataType.INT64, is_primary=True)
            schema.add_field(VECTOR, DataType.FLOAT_VECTOR, dim=dim)
            index_params = client.prepare_index_params()
            index_params.add_index(field_name=VECTOR, index_type=index_type, metric_type="IP", params=params)
            # Strong: a searcher opened right after publication must see every row (the default,
            # Bounded, may miss the last seconds of inserts); the collection never changes afterwards.
            client.create_collection(
                name, schema=schema, index_params=index_params, consistency_level="Strong"
            )
        except Exception as exc:
            disconnect(config, client)
            raise VectorStoreUnavailable(
                f"cannot create Milvus collection {name} at {config.setting} ({exc})"
            ) from exc
        return cls(config, client, name, dim, index_type)

    @classmethod
    def open(cls, config: VectorStoreConfig, name: str) -> MilvusVectorStore:
        """Open a published generation's collection. Raises LookupError when it is gone (dropped by a
        later build), VectorStoreUnavailable when Milvus cannot be reached."""
        client = connect(config)
        try:
            if not client.has_collection(name):
                raise LookupError(f"Milvus collection {name} not found at {config.setting}")
            client.load_collection(name)  # a server that restarted has it released
            described = client.describe_collection(name)
            dim = next(int(f["params"]["dim"]) for f in described["fields"] if f["name"] == VECTOR)
            count = int(client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"])
            index_type = str(client.describe_index(name, VECTOR).get("index_type", "FLAT"))
        except BaseException:
            disconnect(config, client)
            raise
        return cls(config, client, name, dim, index_type, count)

    @property
    def ntotal(self) -> int:
        return self.count

    @property
    def d(self) -> int:
        return self.dim

    def add(self, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        for start in range(0, len(ids), INSERT_BATCH):
            rows = [
                {PK: int(pk), VECTOR: vector}
                for pk, vector in zip(
                    ids[start : start + INSERT_BATCH], vectors[start : start + INSERT_BATCH], strict=True
                )
            ]
            self.client.insert(self.name, rows)
            self.count += len(rows)

    def finish(self) -> dict[str, str]:
        self.client.flush(self.name)
        return {
            "backend": "milvus",
            "uri": self.config.setting,
            "collection": self.name,
            "index_type": self.index_type,
            "metric": "IP",
        }

    def search(
        self, vector: npt.NDArray[np.float32], n: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        n = min(n, self.count, MAX_TOP_K)
        if n <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        params: dict[str, int] = {}
        if self.index_type == "HNSW":
            params = {"ef": max(HNSW_EF_SEARCH, n)}  # Milvus wants ef >= limit
        elif self.index_type.startswith("IVF"):
            params = {"nprobe": IVF_NPROBE}
        result = self.client.search(
            self.name,
            data=[np.asarray(vector, dtype=np.float32).reshape(-1).tolist()],
            limit=n,
            filter=pk_filter(allowed) if allowed is not None else "",
            output_fields=[PK],
            anns_field=VECTOR,
            search_params={"metric_type": "IP", "params": params},
        )
        hits = result[0] if result else []
        ids = np.fromiter((int(hit[PK]) for hit in hits), dtype=np.int64, count=len(hits))
        scores = np.fromiter((float(hit["distance"]) for hit in hits), dtype=np.float32, count=len(hits))
        return ids, scores

    def drop(self) -> None:
        self.client.drop_collection(self.name)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            disconnect(self.config, self.client)
