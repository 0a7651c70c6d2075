"""The real encoder's passage batches: made by word-piece count, the same vectors as `model.encode`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from embeddings.encoder import SentenceTransformerEncoder, _can_sort_by_tokens

# Characters and word pieces disagree on purpose: figures and Korean split into many pieces per
# character, plain English words into about one piece per word.
TEXTS = [
    "The council approved the budget on Tuesday after a long debate about the harbour.",
    "Figures: 1,234,567.89; 9,876,543.21; 0.000123; 4.5e-6; 31/12/2024; +44 20 7946 0958.",
    "서울시는 화요일 새 예산안을 승인했다고 밝혔다. 항만 재개발이 포함됐다.",
    "Short.",
    "Fans cheered 🎉🎉 as the team won the final, their first title since 1987. " * 3,
    "A very long passage that goes on and on about the weather and the tides. " * 60,  # over the window
    "Officials said the bridge would reopen in spring, pending an inspection of its cables.",
    "",
]


@pytest.fixture(scope="module")
def encoder() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder()


def test_same_vectors_as_the_library_in_the_callers_order(encoder: SentenceTransformerEncoder) -> None:
    model = encoder._load()
    assert _can_sort_by_tokens(model)
    expected = model.encode(TEXTS, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    for batch_size in (32, 3, 1):
        got = encoder.encode_passages(TEXTS, batch_size=batch_size)
        assert got.dtype == np.float32
        assert got.shape == (len(TEXTS), encoder.dim)
        np.testing.assert_allclose(got, expected, atol=2e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_batches_are_cut_by_word_pieces(encoder: SentenceTransformerEncoder, monkeypatch: Any) -> None:
    model = encoder._load()
    shapes: list[tuple[int, int]] = []
    forward = model.forward

    def recording(features: dict[str, Any], **kwargs: Any) -> Any:
        shapes.append(tuple(features["input_ids"].shape))
        return forward(features, **kwargs)

    monkeypatch.setattr(model, "forward", recording)
    encoder.encode_passages(TEXTS, batch_size=2)

    window = model.max_seq_length
    tokenized = model.tokenizer(TEXTS, truncation=True, max_length=window)["input_ids"]
    pieces = sorted((len(ids) for ids in tokenized), reverse=True)
    best = [(len(pieces[i : i + 2]), pieces[i]) for i in range(0, len(pieces), 2)]
    assert shapes == best  # each batch as wide as its longest text, no wider: padding kept to the minimum
    assert shapes[0][1] == window  # the over-long passage is truncated to the window, as encode() does


def test_windows_keep_the_order(encoder: SentenceTransformerEncoder, monkeypatch: Any) -> None:
    monkeypatch.setattr("embeddings.encoder.SORT_WINDOW", 3)
    np.testing.assert_allclose(
        encoder.encode_passages(TEXTS, batch_size=2),
        encoder._load().encode(TEXTS, normalize_embeddings=True, show_progress_bar=False),
        atol=2e-5,
    )


def test_nothing_to_encode(encoder: SentenceTransformerEncoder) -> None:
    assert encoder.encode_passages([]).shape == (0, encoder.dim)


def test_other_models_fall_back_to_encode() -> None:
    assert not _can_sort_by_tokens(object())
    assert not _can_sort_by_tokens([object()])
