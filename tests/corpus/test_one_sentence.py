"""A text dump that is a single sentence is an article: its one line was taken as the title and left
no body, so it used to be skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.errors import NoArticleFound
from corpus.textdump import parse_textdump
from embeddings.build import build_index
from embeddings.encoder import HashingEncoder
from embeddings.search import Searcher

SENTENCE = (
    "The fictional Exampleton harbour ferry will stop running on Sundays from next month, "
    "the port authority said on Tuesday."
)


@pytest.mark.parametrize("dump", [SENTENCE, SENTENCE + "\n", "\n\n" + SENTENCE + "\n\n"])
def test_a_one_sentence_dump_is_read_as_an_article(dump: str) -> None:
    article = parse_textdump(dump, "ferry.txt")
    assert article.text == SENTENCE
    assert article.title  # a citation still has something to show


def test_a_headline_alone_is_still_not_an_article() -> None:
    with pytest.raises(NoArticleFound):
        parse_textdump("Ferry to stop on Sundays\n", "headline.txt")


def test_a_one_sentence_dump_is_indexed_and_found(tmp_path: Path) -> None:
    (tmp_path / "ferry.txt").write_text(SENTENCE + "\n", encoding="utf-8")
    report = build_index([tmp_path / "ferry.txt"], tmp_path / "index", HashingEncoder())
    assert report.articles_indexed == 1 and report.skipped == ()
    with Searcher.open(tmp_path / "index", HashingEncoder()) as searcher:
        (hit,) = searcher.search("harbour ferry Sundays", k=1)
        assert hit.chunk.text.endswith("said on Tuesday.") and hit.article.source.endswith("ferry.txt")
