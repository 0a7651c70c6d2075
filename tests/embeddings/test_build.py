"""Building and updating an index: what is stored, what is re-embedded, and atomicity when a build fails."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from embeddings.build import (
    BuildProgress,
    NothingToIndex,
    build_index_from_articles,
    update_index_from_articles,
)
from embeddings.encoder import HashingEncoder, Vectors
from embeddings.errors import IndexCorrupt, IndexMismatch, IndexNotFound
from embeddings.faiss_store import FaissVectorStore
from embeddings.manifest import FORMAT_VERSION, MANIFEST_NAME
from embeddings.milvus_store import MilvusVectorStore, collection_name, index_collections
from embeddings.search import Searcher
from embeddings.vector_config import VectorStoreConfig
from tests.embeddings.articles import fictional_articles, long_article


class CountingEncoder(HashingEncoder):
    """Counts every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> Vectors:
        self.embedded.extend(texts)
        return super().encode_passages(texts, batch_size)


class FailingEncoder(HashingEncoder):
    """Raises after `after` texts, like a build interrupted half way."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after
        self.seen = 0

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> Vectors:
        if self.seen + len(texts) > self.after:
            raise KeyboardInterrupt("interrupted mid-build")
        self.seen += len(texts)
        return super().encode_passages(texts, batch_size)


def test_build_writes_a_manifest_and_reports(tmp_path: Path, vector_store: str) -> None:
    articles = fictional_articles()
    seen: list[BuildProgress] = []
    report = build_index_from_articles(
        [*articles, articles[0]], tmp_path / "idx", HashingEncoder(), seen.append
    )
    assert report.articles_indexed == len(articles)
    assert report.articles_read == len(articles) + 1
    assert len(report.duplicates) == 1
    assert report.chunks_embedded == report.chunks_total >= len(articles)
    assert report.chunks_per_second > 0
    assert {p.stage for p in seen} >= {"embedding", "writing", "done"}
    manifest = json.loads((tmp_path / "idx" / MANIFEST_NAME).read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == "hashing-test-encoder" and manifest["dim"] == 384
    assert manifest["articles"] == len(articles) and manifest["chunks"] == report.chunks_total
    assert manifest["index_kind"] == "flat"
    assert manifest["corpus_fingerprint"] == report.corpus_fingerprint
    generation = tmp_path / "idx" / report.generation
    if vector_store == "faiss":
        assert manifest["vector_store"] == {"backend": "faiss", "file": "index.faiss"}
        assert (generation / "index.faiss").is_file()
    else:
        assert manifest["vector_store"]["backend"] == "milvus"
        assert manifest["vector_store"]["uri"] == os.environ["NEWSBOT_VECTOR_STORE"]
        assert manifest["vector_store"]["collection"].startswith("newsbot_")
        assert not (generation / "index.faiss").exists()
    # the float vectors stay beside the chunks whatever the backend: re-scoring and updates read them
    assert {"chunks.sqlite", "vectors.npy", "ids.npy"} <= set(manifest["files"])


def test_stats_describe_the_index(tmp_path: Path) -> None:
    build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    with Searcher.open(tmp_path, HashingEncoder()) as searcher:
        stats = searcher.stats()
    assert stats.articles == 5
    assert stats.publishers == ("The Borough Courier of Sampleford", "The Gazette of Exampleton")
    assert stats.first_published is not None and stats.first_published.day == 2
    assert stats.last_published is not None and stats.last_published.month == 6
    assert stats.model == "hashing-test-encoder" and stats.index_kind == "flat"


def test_update_embeds_only_new_and_changed_and_deletes_removed(tmp_path: Path, vector_store: str) -> None:
    articles = fictional_articles()
    first = CountingEncoder()
    build_index_from_articles(articles[:4], tmp_path, first)
    assert len(first.embedded) >= 4

    changed = dataclasses.replace(
        articles[1], text=articles[1].text + " A late marmalade entry was disqualified."
    )
    moved = dataclasses.replace(articles[2], source="elsewhere/tram.txt")  # metadata only
    encoder = CountingEncoder()
    report = update_index_from_articles([articles[0], changed, moved, articles[4]], tmp_path, encoder)

    assert (
        report.articles_added,
        report.articles_changed,
        report.articles_removed,
        report.articles_unchanged,
    ) == (
        1,
        1,
        1,
        2,
    )
    # only the new and the changed article went through the encoder
    assert all(("disqualified" in t) or ("cheese" in t.lower()) for t in encoder.embedded)
    assert report.chunks_embedded == len(encoder.embedded)

    with Searcher.open(tmp_path, HashingEncoder()) as searcher:
        assert searcher.stats().articles == 4
        ids = {h.article.id for h in searcher.search("telescopes library lending", k=10)}
        assert articles[3].id not in ids
        top = searcher.search("disqualified marmalade entry", k=1)[0]
        assert top.article.id == articles[1].id and "disqualified" in top.chunk.text
        tram = searcher.search("tram overhead wires Quill Street", k=1)[0]
        assert tram.article.source == "elsewhere/tram.txt"

    # a second identical update embeds nothing at all
    again = CountingEncoder()
    report = update_index_from_articles([articles[0], changed, moved, articles[4]], tmp_path, again)
    assert again.embedded == [] and report.articles_unchanged == 4


def test_update_without_an_index_builds_one(tmp_path: Path, vector_store: str) -> None:
    report = update_index_from_articles(fictional_articles(), tmp_path / "new", HashingEncoder())
    assert report.full_rebuild_reason is not None
    assert report.articles_indexed == 5


def test_update_of_an_index_in_an_older_format_rebuilds_it_and_says_why(tmp_path: Path) -> None:
    build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    manifest["format_version"] = FORMAT_VERSION - 1
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    report = update_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    reason = report.full_rebuild_reason or ""
    assert f"format version {FORMAT_VERSION - 1}" in reason
    assert "run:" not in reason  # not told to run the rebuild it is doing
    assert report.chunks_embedded == report.chunks_total
    Searcher.open(tmp_path, HashingEncoder()).close()  # readable again


def test_update_with_another_model_rebuilds_everything(tmp_path: Path) -> None:
    build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    other = CountingEncoder()
    other.name = "another-model"
    report = update_index_from_articles(fictional_articles(), tmp_path, other)
    assert report.full_rebuild_reason and "hashing-test-encoder" in report.full_rebuild_reason
    assert report.chunks_embedded == report.chunks_total


def test_a_build_that_fails_half_way_leaves_the_old_index_answering(
    tmp_path: Path, vector_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = fictional_articles()
    build_index_from_articles(articles[:3], tmp_path, HashingEncoder())
    before = (tmp_path / MANIFEST_NAME).read_text()

    many = [long_article(300), *articles]
    with pytest.raises(KeyboardInterrupt):
        build_index_from_articles(many, tmp_path, FailingEncoder(after=10))
    with pytest.raises(KeyboardInterrupt):
        update_index_from_articles(many, tmp_path, FailingEncoder(after=10))
    # and while the vectors are being written to the vector store (a FAISS file, a Milvus collection)
    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        for store_class in (FaissVectorStore, MilvusVectorStore):
            patch.setattr(store_class, "add", _interrupted_after_half(store_class.add))
        build_index_from_articles(many, tmp_path, HashingEncoder())

    assert (tmp_path / MANIFEST_NAME).read_text() == before
    with Searcher.open(tmp_path, HashingEncoder()) as searcher:
        assert searcher.stats().articles == 3
        assert searcher.search("Glimmer River footbridge", k=1)[0].article.id == articles[0].id
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    if vector_store == "milvus-lite":  # the half-filled collection was dropped, the old one left alone
        current = json.loads(before)["vector_store"]["collection"]
        assert index_collections(VectorStoreConfig.from_env(), tmp_path) == [current]


def _interrupted_after_half(add: Callable[..., None]) -> Callable[..., None]:
    def half_then_interrupt(self: object, ids: np.ndarray, vectors: np.ndarray) -> None:
        add(self, ids[: len(ids) // 2], vectors[: len(ids) // 2])
        raise KeyboardInterrupt("interrupted while writing vectors")

    return half_then_interrupt


def test_nothing_to_index_leaves_the_index_alone(tmp_path: Path) -> None:
    build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    before = (tmp_path / MANIFEST_NAME).read_text()
    with pytest.raises(NothingToIndex):
        build_index_from_articles([], tmp_path, HashingEncoder())
    blank = dataclasses.replace(fictional_articles()[0], text="   ")
    with pytest.raises(NothingToIndex):
        build_index_from_articles([blank], tmp_path, HashingEncoder())
    assert (tmp_path / MANIFEST_NAME).read_text() == before


def test_a_blank_article_is_skipped_with_its_reason(tmp_path: Path) -> None:
    blank = dataclasses.replace(fictional_articles()[0], id="blank", source="blank.txt", text="\n\n")
    report = build_index_from_articles([blank, *fictional_articles()[1:]], tmp_path, HashingEncoder())
    assert [(s.source, s.reason) for s in report.skipped] == [("blank.txt", "no text to index")]
    assert report.articles_indexed == 4


def test_stale_temporary_directories_are_cleaned_by_the_next_build(tmp_path: Path, vector_store: str) -> None:
    build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    stale = tmp_path / ".tmp-20310101T000000-1-abcdef"
    stale.mkdir()
    (stale / "chunks.sqlite").write_bytes(b"half written")
    config = VectorStoreConfig.from_env()
    if vector_store == "milvus-lite":  # a collection a killed build left half filled
        MilvusVectorStore.create(
            config, collection_name(tmp_path, "gen-20310101T000000-1-abcdef"), 384, "flat", 10
        ).close()
    report = build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    assert not stale.exists()
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("gen-")]) == 1
    if vector_store == "milvus-lite":
        # the build before this one stays until the next build (searchers opened on it still answer)
        assert collection_name(tmp_path, report.generation) in index_collections(config, tmp_path)
        assert collection_name(tmp_path, "gen-20310101T000000-1-abcdef") not in index_collections(
            config, tmp_path
        )


def test_opening_reports_missing_corrupt_and_mismatched_indexes(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="newsbot index build"):
        Searcher.open(tmp_path / "nowhere", HashingEncoder())
    build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    with pytest.raises(IndexMismatch, match=r"hashing-test-encoder.*newsbot index build"):
        Searcher.open(tmp_path, HashingEncoder(dim=128, name="hashing-test-encoder"))
    with pytest.raises(IndexMismatch, match="other-model"):
        Searcher.open(tmp_path, HashingEncoder(name="other-model"))

    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    vectors = tmp_path / manifest["generation"] / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:100])
    with pytest.raises(IndexCorrupt, match="newsbot index build"):
        Searcher.open(tmp_path, HashingEncoder())

    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(IndexCorrupt):
        Searcher.open(tmp_path, HashingEncoder())
    manifest["format_version"] = FORMAT_VERSION + 1
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="format version"):
        Searcher.open(tmp_path, HashingEncoder())


def test_vectors_are_kept_beside_the_faiss_index(tmp_path: Path) -> None:
    report = build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder())
    generation = tmp_path / report.generation
    vectors = np.load(generation / "vectors.npy")
    ids = np.load(generation / "ids.npy")
    assert vectors.shape == (report.chunks_total, 384) and vectors.dtype == np.float32
    assert np.all(np.diff(ids) > 0)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
