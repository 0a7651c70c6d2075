"""The dedup benchmark's scoring (the benchmark itself needs the shared eval data and is not a test)."""

from __future__ import annotations

from benchmarks.dedup import page_name, score
from corpus.ids import article_id
from corpus.models import Article

STORY = (
    "The harbour master of Exampleton said on Friday that the new tide gauge, installed last spring, had "
    "recorded the highest water in forty years during the storm that closed the quay and flooded the fish "
    "market, and that the sea wall built after the last great flood had held along its whole length."
)
OTHER = (
    "The Exampleton choir will sing at the harvest festival this year, its director said, after a long "
    "absence caused by the renovation of the old town hall and its famous organ, which is now finished."
)


def _article(source: str, text: str) -> Article:
    return Article(id=article_id(None, text + source), source=source, text=text)


def test_page_names_pair_a_dump_with_its_html() -> None:
    assert page_name("eval/wcxb/txt/0001.txt") == page_name("eval/wcxb/html/0001.html.gz") == "0001"


def test_pairs_made_one_and_merges_of_different_pages_are_counted() -> None:
    articles = [
        _article("txt/0001.txt", STORY),
        _article("html/0001.html.gz", STORY + " Photo: Exampleton Gazette."),
        _article("txt/0002.txt", OTHER),
        _article(
            "html/0002.html.gz", "A different text altogether about the ferry timetable for the winter."
        ),
        _article("txt/0003.txt", STORY + " (Example Wire)"),  # another page, the same story
    ]
    outcome = score("shipped", articles, with_containment=True)
    assert outcome.pairs == 2
    assert outcome.merged == 1
    assert outcome.cross == [("0001", "0003")]
