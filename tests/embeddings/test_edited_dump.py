"""`index update` reports an edited url-less text dump as one article changed, though its id (taken
from its text) changed with the edit; a file removed and another added are still removed and added."""

from __future__ import annotations

from pathlib import Path

from bot.cli.index import summary
from embeddings.build import build_index, update_index
from embeddings.encoder import HashingEncoder
from embeddings.search import Searcher

FERRY = """Ferry timetable changes in Exampleton

The fictional Exampleton harbour ferry will leave every forty minutes from next week, the port office said.
Crossings at night are cut to two, and the first boat leaves at six in the morning.
"""
BAKERY = """Bakery wins the regional prize

A bakery in the invented town of Exampleton won the regional bread prize for its rye loaf on Saturday.
The judges praised its crust, and the owners said they would bake twice as many loaves next month.
"""
MUSEUM = """Museum opens a new wing

The imaginary Exampleton museum opened a new wing for maritime history on Sunday, with forty model ships.
Entry to the wing is free until the end of the month, the curator told visitors at the opening.
"""


def test_an_edited_dump_is_changed_not_added_and_removed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text(FERRY, encoding="utf-8")
    (corpus / "bakery.txt").write_text(BAKERY, encoding="utf-8")
    index = tmp_path / "index"
    build_index([corpus], index, HashingEncoder())

    (corpus / "ferry.txt").write_text(FERRY.replace("forty minutes", "twenty minutes"), encoding="utf-8")
    report = update_index([corpus], index, HashingEncoder())

    counts = (
        report.articles_added,
        report.articles_changed,
        report.articles_removed,
        report.articles_unchanged,
    )
    assert counts == (0, 1, 0, 1)
    assert "added 0, changed 1, removed 0, unchanged 1" in summary(report)
    with Searcher.open(index, HashingEncoder()) as searcher:
        assert searcher.stats().articles == 2
        best = searcher.search("ferry every twenty minutes", k=1)[0]
        assert "twenty minutes" in best.chunk.text and best.article.source.endswith("ferry.txt")


def test_a_file_replaced_by_another_is_removed_and_added(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text(FERRY, encoding="utf-8")
    (corpus / "bakery.txt").write_text(BAKERY, encoding="utf-8")
    index = tmp_path / "index"
    build_index([corpus], index, HashingEncoder())

    (corpus / "bakery.txt").unlink()
    (corpus / "museum.txt").write_text(MUSEUM, encoding="utf-8")
    report = update_index([corpus], index, HashingEncoder())
    counts = (
        report.articles_added,
        report.articles_changed,
        report.articles_removed,
        report.articles_unchanged,
    )
    assert counts == (1, 0, 1, 1)
