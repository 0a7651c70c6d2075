"""The vector stores behind the index: the NEWSBOT_VECTOR_STORE setting, FAISS and Milvus Lite answering
alike under one search contract, and the life of Milvus collections across builds (the build, update and
crash tests of test_build.py and test_kill.py and every search test of test_search.py run on both)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from embeddings import milvus_store
from embeddings.build import build_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.faiss_store import FaissVectorStore
from embeddings.manifest import MANIFEST_NAME
from embeddings.milvus_store import MilvusVectorStore, collection_name, index_collections, pk_filter
from embeddings.search import Searcher
from embeddings.vector_config import VectorStoreConfig, VectorStoreUnavailable
from embeddings.vector_store import VectorStore
from tests.embeddings.articles import fictional_articles

# --- the setting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "backend", "canonical", "client_uri"),
    [
        (None, "faiss", "faiss", ""),
        ("  ", "faiss", "faiss", ""),
        ("faiss", "faiss", "faiss", ""),
        ("milvus:///srv/nb/vectors.db", "milvus", "milvus:///srv/nb/vectors.db", "/srv/nb/vectors.db"),
        ("milvus://localhost", "milvus", "milvus://localhost:19530", "http://localhost:19530"),
        ("milvus://milvus.internal:29530/news", "milvus", "milvus://milvus.internal:29530/news",
         "http://milvus.internal:29530/news"),
        ("milvus+https://in01.example.cloud", "milvus", "milvus+https://in01.example.cloud:443",
         "https://in01.example.cloud:443"),
    ],
)  # fmt: skip
def test_settings_parse(setting: str | None, backend: str, canonical: str, client_uri: str) -> None:
    config = VectorStoreConfig.parse(setting)
    assert (config.backend, config.setting, config.client_uri) == (backend, canonical, client_uri)
    assert VectorStoreConfig.parse(config.setting) == config  # the manifest's form reads back the same


def test_a_relative_lite_path_is_taken_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = VectorStoreConfig.parse("milvus://data/vectors.db")
    assert config.is_lite and config.client_uri == str(tmp_path / "data" / "vectors.db")
    assert config.setting == f"milvus://{tmp_path}/data/vectors.db"


@pytest.mark.parametrize(
    "setting", ["milvus://", "milvus", "qdrant://localhost", "milvus://host:notaport", "milvus://a/b/c"]
)
def test_bad_settings_say_what_is_accepted(setting: str) -> None:
    with pytest.raises(ValueError, match="NEWSBOT_VECTOR_STORE"):
        VectorStoreConfig.parse(setting)


def test_pk_filters_collapse_runs() -> None:
    assert (
        pk_filter(np.array([7, 1, 2, 3, 4, 9, 10], dtype=np.int64))
        == "(pk >= 1 and pk <= 4) or pk in [7, 9, 10]"
    )
    assert pk_filter(np.array([5], dtype=np.int64)) == "pk in [5]"
    assert pk_filter(np.array([], dtype=np.int64)) == "pk in []"


def test_collection_names_are_per_index_folder_and_generation(tmp_path: Path) -> None:
    name = collection_name(tmp_path / "a", "gen-20310101T000000-12-abcdef")
    assert name.startswith("newsbot_") and name.endswith("_20310101T000000_12_abcdef")
    assert name != collection_name(tmp_path / "b", "gen-20310101T000000-12-abcdef")


# --- both stores answer alike ------------------------------------------------------------------------


@pytest.fixture
def store(vector_store: str, tmp_path: Path) -> Iterator[VectorStore]:
    made: VectorStore
    if vector_store == "faiss":
        made = FaissVectorStore(tmp_path, kind="flat")
    else:
        config = VectorStoreConfig.from_env()
        made = MilvusVectorStore.create(config, collection_name(tmp_path, "gen-1"), 32, "flat", 500)
    yield made
    made.close()


def test_stores_find_the_exact_neighbours_with_and_without_a_filter(store: VectorStore) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(1000, 1500, dtype=np.int64)
    store.add(ids[:300], vectors[:300])
    store.add(ids[300:], vectors[300:])
    assert store.finish()["backend"] == store.backend
    assert (store.ntotal, store.d) == (500, 32)

    query = vectors[42]
    expected = np.argsort(-(vectors @ query), kind="stable")
    found, scores = store.search(query, 10)
    assert found.tolist() == ids[expected[:10]].tolist()
    assert np.allclose(scores, (vectors @ query)[expected[:10]], atol=1e-5)

    allowed = np.concatenate([ids[100:180], ids[400:403], ids[[7, 250]]])
    found, _ = store.search(query, 5, allowed)
    mask = np.isin(ids, allowed)
    expected = ids[mask][np.argsort(-(vectors[mask] @ query), kind="stable")[:5]]
    assert found.tolist() == expected.tolist()
    assert store.search(query, 5, np.zeros(0, dtype=np.int64))[0].tolist() == []


def test_stores_keep_one_contract_for_counts_order_and_filters(store: VectorStore) -> None:
    """`search(vector, n, allowed) -> (ids, cosines)`: int64 ids and float32 cosines, best first, at most
    `n` and no more than the store or the filter holds; ids in `allowed` that the store lacks are no
    matter."""
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((40, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(0, 400, 10, dtype=np.int64)
    store.add(ids, vectors)
    store.finish()
    query = vectors[3]

    found, cosines = store.search(query, 100)
    assert (found.dtype, cosines.dtype) == (np.int64, np.float32)
    assert len(found) == len(cosines) == 40 and found[0] == ids[3]
    assert np.all(np.diff(cosines) <= 1e-6)
    assert np.allclose(cosines, vectors[np.searchsorted(ids, found)] @ query, atol=1e-5)

    allowed = np.array([10, 20, 30, 5, 7, 999], dtype=np.int64)  # three of these are not in the store
    found, cosines = store.search(query, 10, allowed)
    assert sorted(found.tolist()) == [10, 20, 30]
    assert np.all(np.diff(cosines) <= 1e-6)
    assert store.search(query, 0)[0].tolist() == []


# --- collections across builds ----------------------------------------------------------------------


def _collection(index_dir: Path) -> str:
    return str(json.loads((index_dir / MANIFEST_NAME).read_text())["vector_store"]["collection"])


@pytest.mark.parametrize("vector_store", ["milvus-lite"], indirect=True)
def test_a_superseded_collection_answers_until_the_next_build(tmp_path: Path, vector_store: str) -> None:
    config = VectorStoreConfig.from_env()
    articles = fictional_articles()
    build_index_from_articles(articles[:2], tmp_path, HashingEncoder())
    first = _collection(tmp_path)
    with Searcher.open(tmp_path, HashingEncoder()) as early:
        build_index_from_articles(articles, tmp_path, HashingEncoder())
        second = _collection(tmp_path)
        # a searcher opened before the rebuild still answers from the generation it opened
        assert early.search("marmalade festival", k=1)[0].article.id == articles[1].id
        assert early.stats().articles == 2
    assert index_collections(config, tmp_path) == sorted([first, second])
    build_index_from_articles(articles[:3], tmp_path, HashingEncoder())
    assert index_collections(config, tmp_path) == sorted([second, _collection(tmp_path)])


@pytest.mark.parametrize("vector_store", ["milvus-lite"], indirect=True)
def test_moving_to_faiss_drops_the_collection_and_back(
    tmp_path: Path, vector_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = VectorStoreConfig.from_env()
    build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    assert len(index_collections(config, tmp_path)) == 1
    with monkeypatch.context() as patch:
        patch.delenv("NEWSBOT_VECTOR_STORE")
        report = build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
        assert (tmp_path / report.generation / "index.faiss").is_file()
        with Searcher.open(tmp_path, HashingEncoder()) as searcher:
            assert searcher.search("telescopes", k=1)[0].article.title.startswith("Sampleford library")
    assert index_collections(config, tmp_path) == []  # the vectors live elsewhere now: dropped at once
    build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    with Searcher.open(tmp_path, HashingEncoder()) as searcher:
        assert searcher.search("telescopes", k=1)[0].article.title.startswith("Sampleford library")


def test_an_unreachable_server_fails_the_build_before_anything_is_embedded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index_from_articles(fictional_articles()[:2], tmp_path, HashingEncoder())
    before = (tmp_path / MANIFEST_NAME).read_text()
    monkeypatch.setattr(milvus_store, "CONNECT_TIMEOUT_S", 0.5)
    monkeypatch.setenv("NEWSBOT_VECTOR_STORE", "milvus://127.0.0.1:9")  # the discard port: nothing listens

    class NeverEncoder(HashingEncoder):
        def encode_passages(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
            raise AssertionError("embedded although the vector store was unreachable")

    with pytest.raises(VectorStoreUnavailable, match=r"cannot reach Milvus at milvus://127\.0\.0\.1:9"):
        build_index_from_articles(fictional_articles(), tmp_path, NeverEncoder())
    assert (tmp_path / MANIFEST_NAME).read_text() == before


LOCKER = """
import sys, time
from pathlib import Path
from pymilvus import MilvusClient
client = MilvusClient(uri=sys.argv[1])
Path(sys.argv[2]).write_text("open")
time.sleep(60)
"""


@pytest.mark.parametrize("vector_store", ["milvus-lite"], indirect=True)
def test_a_lite_folder_another_process_holds_is_refused_with_advice(
    tmp_path: Path, vector_store: str
) -> None:
    config = VectorStoreConfig.from_env()
    marker = tmp_path / "open"
    holder = subprocess.Popen([sys.executable, "-c", LOCKER, config.client_uri, str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert holder.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        with pytest.raises(VectorStoreUnavailable, match="one process at a time"):
            build_index_from_articles(fictional_articles(), tmp_path / "index", HashingEncoder())
    finally:
        holder.kill()
        holder.wait()
    assert os.environ["NEWSBOT_VECTOR_STORE"].endswith(".db")
    build_index_from_articles(fictional_articles(), tmp_path / "index", HashingEncoder())  # free again
