"""A build that fails leaves nothing in a folder it created (not even its lock file), and an existing
index folder keeps its previous index."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from embeddings.build import NothingToIndex, build_index_from_articles
from embeddings.encoder import HashingEncoder, Vectors
from embeddings.manifest import MANIFEST_NAME
from embeddings.search import Searcher
from tests.embeddings.articles import fictional_articles


class BrokenEncoder(HashingEncoder):
    """Fails on the first passage, like a model that cannot load."""

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> Vectors:
        raise RuntimeError("the model could not be loaded")


def test_a_failed_build_removes_the_folder_it_created(tmp_path: Path) -> None:
    with pytest.raises(NothingToIndex):
        build_index_from_articles([], tmp_path / "new-index", HashingEncoder())
    with pytest.raises(RuntimeError):
        build_index_from_articles(fictional_articles(), tmp_path / "nested" / "index", BrokenEncoder())
    assert not (tmp_path / "new-index").exists()
    assert not (tmp_path / "nested" / "index").exists()


def test_a_failed_build_keeps_an_existing_folder_and_its_index(tmp_path: Path) -> None:
    articles = fictional_articles()
    build_index_from_articles(articles[:2], tmp_path, HashingEncoder())
    before = (tmp_path / MANIFEST_NAME).read_text()
    with pytest.raises(RuntimeError):
        build_index_from_articles(articles, tmp_path, BrokenEncoder())
    assert (tmp_path / MANIFEST_NAME).read_text() == before
    with Searcher.open(tmp_path, HashingEncoder()) as searcher:
        assert searcher.stats().articles == 2


def test_index_build_of_nothing_leaves_no_folder_behind(tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_text("\n\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["index", "build", str(tmp_path / "blank.txt"), "--index", str(tmp_path / "idx")]
    )
    assert result.exit_code == 1 and "Error: no article to index" in result.stderr
    assert not (tmp_path / "idx").exists()
