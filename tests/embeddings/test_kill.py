"""`kill -9` in the middle of a build leaves the previous index whole and answering (issue 3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from embeddings.build import build_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.manifest import MANIFEST_NAME
from embeddings.milvus_store import collection_name, index_collections
from embeddings.search import Searcher
from embeddings.vector_config import VectorStoreConfig
from tests.embeddings.articles import fictional_articles

REPO = Path(__file__).resolve().parents[2]

# The child builds a large index and announces, then crawls, at one stage: while embedding (with an
# encoder that sleeps), or while writing the vectors to the vector store (NEWSBOT_VECTOR_STORE: a FAISS
# file, or a Milvus collection half filled), so the kill lands while the new generation is half written.
CHILD = """
import sys, time
from pathlib import Path
from embeddings.build import build_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.milvus_store import MilvusVectorStore
from embeddings.faiss_store import FaissVectorStore
from tests.embeddings.articles import fictional_articles, long_article

def crawl():
    Path(sys.argv[2]).write_text("started")
    time.sleep(60)

class SlowEncoder(HashingEncoder):
    def encode_passages(self, texts, batch_size=64):
        crawl()
        return super().encode_passages(texts, batch_size)

def slow_add(add):
    def half_then_crawl(self, ids, vectors):
        add(self, ids[: len(ids) // 2], vectors[: len(ids) // 2])
        crawl()
    return half_then_crawl

encoder = HashingEncoder()
if sys.argv[3] == "embedding":
    encoder = SlowEncoder()
else:
    for store in (FaissVectorStore, MilvusVectorStore):
        store.add = slow_add(store.add)
build_index_from_articles([long_article(200), *fictional_articles()], Path(sys.argv[1]), encoder)
"""


@pytest.mark.parametrize("stage", ["embedding", "writing vectors"])
def test_sigkill_mid_build_leaves_the_old_index_answering(
    tmp_path: Path, vector_store: str, stage: str
) -> None:
    index_dir = tmp_path / "index"
    articles = fictional_articles()
    build_index_from_articles(articles[:2], index_dir, HashingEncoder())
    manifest_before = (index_dir / MANIFEST_NAME).read_text()

    marker = tmp_path / "started"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(index_dir), str(marker), stage.split()[0]],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "the child build ended before it was killed"
            assert time.monotonic() < deadline, "the child build never started embedding"
            time.sleep(0.05)
        assert any(p.name.startswith(".tmp-") for p in index_dir.iterdir()), "a build was in progress"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL

    assert (index_dir / MANIFEST_NAME).read_text() == manifest_before
    with Searcher.open(index_dir, HashingEncoder()) as searcher:
        assert searcher.stats().articles == 2
        assert searcher.search("marmalade festival", k=1)[0].article.id == articles[1].id

    # the next build removes what the killed one left and publishes normally
    report = build_index_from_articles(articles, index_dir, HashingEncoder())
    assert not any(p.name.startswith(".tmp-") for p in index_dir.iterdir())
    with Searcher.open(index_dir, HashingEncoder()) as searcher:
        assert searcher.stats().articles == len(articles)
    if vector_store == "milvus-lite":  # the killed build's collection is gone; the one before stays
        before = json.loads(manifest_before)["vector_store"]["collection"]
        assert index_collections(VectorStoreConfig.from_env(), index_dir) == sorted(
            [before, collection_name(index_dir, report.generation)]
        )
