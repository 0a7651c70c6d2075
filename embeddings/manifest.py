"""The index manifest: what an index directory holds, and which generation of it is current.

Layout of an index directory:

    DIR/manifest.json        the current manifest (replaced atomically; it names the generation)
    DIR/gen-<stamp>/         one complete generation: chunks.sqlite, vectors.npy, ids.npy, index.faiss
                             (or a Milvus collection: embeddings/vector_store.py), and a copy of its
                             manifest.json
    DIR/.tmp-<stamp>/        a build in progress (or a crashed one: removed by the next build)
    DIR/.lock                held by a build, so two builds never race (holds the build's pid)
    DIR/gen-<stamp>/readers.lock   share-locked by each process reading that generation: a build removes
                             a superseded generation only when nobody holds it (`embeddings.generations`)

A reader reads `DIR/manifest.json`, then opens the generation it names. A build writes a new generation
beside the current one and only then replaces `manifest.json` (write a temporary file, fsync, rename:
`embeddings.durable`): at every moment the manifest names a complete generation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from embeddings.errors import IndexCorrupt, IndexMismatch, IndexNotFound

FORMAT_VERSION = 2  # 2: CJK text kept in the keyword index as bigrams (embeddings/keyword_text.py)
MANIFEST_NAME = "manifest.json"
DB_NAME = "chunks.sqlite"
VECTORS_NAME = "vectors.npy"
IDS_NAME = "ids.npy"
FAISS_NAME = "index.faiss"
GENERATION_PREFIX = "gen-"
TEMP_PREFIX = ".tmp-"
LOCK_NAME = ".lock"


def build_hint(index_dir: Path) -> str:
    return f"run: newsbot index build PATH --index {index_dir}"


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model: str
    dim: int
    articles: int
    chunks: int
    corpus_fingerprint: str
    built_at: str  # ISO 8601, UTC
    index_kind: str
    generation: str  # the gen-... directory name
    chunking: dict[str, Any] = field(default_factory=dict)
    model_path: str | None = None
    files: dict[str, int] = field(default_factory=dict)  # file name -> size in bytes
    # Where the approximate-nearest-neighbour index is (embeddings/vector_store.py): {} or
    # {"backend": "faiss", ...} for index.faiss in the generation; {"backend": "milvus", "uri": ...,
    # "collection": ...} for a Milvus collection.
    vector_store: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the manifest is not a JSON object")
        version = data.get("format_version")
        if not isinstance(version, int):
            raise ValueError("the manifest has no format version")
        if version != FORMAT_VERSION:
            # Decoded loosely so that the caller can say which version it found.
            return cls(
                format_version=version,
                model=str(data.get("model", "?")),
                dim=int(data.get("dim", 0) or 0),
                articles=0,
                chunks=0,
                corpus_fingerprint="",
                built_at=str(data.get("built_at", "")),
                index_kind=str(data.get("index_kind", "")),
                generation=str(data.get("generation", "")),
            )
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def read_manifest(index_dir: Path) -> Manifest:
    """The current manifest of `index_dir`, checked for format version and the presence of its files.

    Raises IndexNotFound, IndexCorrupt or IndexMismatch with a message that says what to run.
    """
    hint = build_hint(index_dir)
    path = index_dir / MANIFEST_NAME
    if not index_dir.is_dir() or not path.is_file():
        raise IndexNotFound(f"no index at {index_dir}; {hint}")
    try:
        manifest = Manifest.from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise IndexCorrupt(f"the index at {index_dir} has an unreadable manifest ({exc}); {hint}") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatch(
            f"the index at {index_dir} has format version {manifest.format_version}, this newsbot reads "
            f"version {FORMAT_VERSION}; {hint}"
        )
    generation = generation_dir(index_dir, manifest)
    for name in required_files(manifest):
        file = generation / name
        if not file.is_file():
            raise IndexCorrupt(f"the index at {index_dir} is missing {name}; {hint}")
        expected = manifest.files.get(name)
        if expected is not None and file.stat().st_size != expected:
            raise IndexCorrupt(f"the index at {index_dir} has a damaged {name}; {hint}")
    return manifest


def required_files(manifest: Manifest) -> tuple[str, ...]:
    """The files a generation folder must hold: index.faiss unless the vectors are searched elsewhere."""
    on_faiss = manifest.vector_store.get("backend", "faiss") == "faiss"
    return (DB_NAME, VECTORS_NAME, IDS_NAME) + ((FAISS_NAME,) if on_faiss else ())


def generation_dir(index_dir: Path, manifest: Manifest) -> Path:
    name = manifest.generation
    if not name.startswith(GENERATION_PREFIX) or "/" in name or "\\" in name or name in (".", ".."):
        raise IndexCorrupt(f"the index at {index_dir} names no valid generation; {build_hint(index_dir)}")
    return index_dir / name
