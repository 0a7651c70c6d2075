"""Which vector store a generation's vectors go to, from one setting, NEWSBOT_VECTOR_STORE:

    faiss (or unset)              index.faiss in the generation folder (`embeddings.faiss_store`)
    milvus:///ABS/PATH/NAME.db    Milvus Lite, embedded in the process: a local folder whose name ends
    milvus://REL/PATH/NAME.db     in .db (a relative path is taken from the current folder)
    milvus://HOST[:PORT][/DB]     a Milvus server over gRPC (port 19530 unless given)
    milvus+https://HOST[:PORT][/DB]  the same over TLS (e.g. Zilliz Cloud)

(`embeddings.milvus_store` for the last four.) A server's token (user:password or an API key) comes from
NEWSBOT_MILVUS_TOKEN only: it is a secret, so it never reaches the manifest or a log.

Both stores read this module and nothing of each other; `embeddings.vector_store` is where the build and
the searcher choose between them. Not handled: checking that a server is reachable (the Milvus store
does that when it connects).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from embeddings.errors import IndexError_

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


def record_config(record: Mapping[str, str]) -> VectorStoreConfig:
    """The backend a manifest's `vector_store` record names (an empty record: FAISS, as before it was
    recorded)."""
    if record.get("backend", "faiss") == "faiss":
        return VectorStoreConfig("faiss")
    return VectorStoreConfig.parse(record.get("uri"))
