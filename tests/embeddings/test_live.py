"""A long-running searcher follows builds and updates (issue 26): `LiveSearcher` switches to the newest
generation between questions, a question in flight keeps its own, and a generation is removed only once
nobody reads it. On FAISS, Milvus Lite and a real Milvus server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from embeddings.build import build_index_from_articles, update_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.generations import remove_if_unread
from embeddings.live import LiveSearcher
from embeddings.manifest import GENERATION_PREFIX, VECTORS_NAME, read_manifest
from embeddings.milvus_store import collection_name, index_collections
from embeddings.search import Searcher
from embeddings.vector_config import VectorStoreConfig
from tests.embeddings.articles import fictional_articles


@pytest.fixture(params=["faiss", "milvus-lite", "milvus-server"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Each vector backend, set through NEWSBOT_VECTOR_STORE as a user would."""
    if request.param == "milvus-lite":
        from embeddings.milvus_store import open_lite_folders

        monkeypatch.setenv("NEWSBOT_VECTOR_STORE", f"milvus://{tmp_path_factory.mktemp('milvus')}/v.db")
        yield request.param
        assert open_lite_folders() == {}, "a Milvus client was left open"
        return
    if request.param == "milvus-server":
        monkeypatch.setenv("NEWSBOT_VECTOR_STORE", request.getfixturevalue("milvus_server"))
    yield request.param


def generations(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.name.startswith(GENERATION_PREFIX)}


def found(searcher: Searcher, query: str) -> set[str]:
    return {hit.article.id for hit in searcher.search(query, k=3)}


def test_a_live_searcher_follows_updates_and_finishes_questions_where_they_began(
    tmp_path: Path, backend: str
) -> None:
    encoder = HashingEncoder()
    articles = fictional_articles()
    index_dir = tmp_path / "index"
    build_index_from_articles(articles[:2], index_dir, encoder)
    first = read_manifest(index_dir).generation
    live = LiveSearcher(lambda: Searcher.open(index_dir, encoder=encoder), check_every=0.0)
    try:
        with live.use() as in_flight:  # a question that began before the update
            assert in_flight.manifest.generation == first
            update_index_from_articles(articles[:3], index_dir, encoder)
            second = read_manifest(index_dir).generation
            assert first in generations(index_dir)  # still read: kept
            with live.use() as searcher:  # the next question
                assert searcher.manifest.generation == second
                assert articles[2].id in found(searcher, articles[2].title or "")
            # The question in flight finishes on its own generation, even after a second update.
            update_index_from_articles(articles[:4], index_dir, encoder)
            assert first in generations(index_dir)
            assert articles[2].id not in found(in_flight, articles[2].title or "")
            assert articles[0].id in found(in_flight, articles[0].title or "")
        with live.use() as searcher:
            assert searcher.manifest.generation == read_manifest(index_dir).generation
            assert articles[3].id in found(searcher, articles[3].title or "")
        assert live.swaps == 2
        # Nobody reads the first and second generations now: the next update collects them.
        update_index_from_articles(articles, index_dir, encoder)
        left = generations(index_dir)
        assert first not in left and second not in left
        if backend != "faiss":
            names = index_collections(VectorStoreConfig.from_env(), index_dir)
            assert collection_name(index_dir, first) not in names
            assert collection_name(index_dir, second) not in names
        with live.use() as searcher:
            assert articles[4].id in found(searcher, articles[4].title or "")
    finally:
        live.close()


# Not on Milvus Lite: it serves one process at a time, so no build runs beside another process's reader.
@pytest.mark.parametrize("backend", ["faiss", "milvus-server"], indirect=True)
def test_a_generation_still_read_is_kept_with_its_collection(tmp_path: Path, backend: str) -> None:
    encoder = HashingEncoder()
    articles = fictional_articles()
    index_dir = tmp_path / "index"
    build_index_from_articles(articles[:2], index_dir, encoder)
    first = read_manifest(index_dir).generation
    with Searcher.open(index_dir, encoder=encoder) as reader:
        for count in (3, 4):  # two updates: the second one's cleanup finds the first still read
            update_index_from_articles(articles[:count], index_dir, encoder)
        assert first in generations(index_dir)
        if backend != "faiss":
            names = index_collections(VectorStoreConfig.from_env(), index_dir)
            assert collection_name(index_dir, first) in names
        assert articles[0].id in found(reader, articles[0].title or "")


def test_a_reader_holds_its_generation_and_keeps_its_vectors_open(tmp_path: Path) -> None:
    encoder = HashingEncoder()
    index_dir = tmp_path / "index"
    build_index_from_articles(fictional_articles(), index_dir, encoder)
    folder = index_dir / read_manifest(index_dir).generation
    searcher = Searcher.open(index_dir, encoder=encoder)
    try:
        assert not remove_if_unread(folder)
        # The vectors file gone by name (as after an old-style removal): the open map and descriptor
        # still serve the exact re-scoring and its prefetch, where reopening by name failed.
        os.unlink(folder / VECTORS_NAME)
        assert fictional_articles()[1].id in found(searcher, fictional_articles()[1].title or "")
    finally:
        searcher.close()
    assert remove_if_unread(folder)
    assert not folder.exists()
