"""Naming the kind asked for: among the names of the answer's first sentence, the one nearest the kind
the question names leads ("Which country ...?" gets the country, not the person)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from bot.answer import answer, compose
from bot.naming import name_the_kind
from bot.spans import named_kind, spans_of
from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import Encoder
from embeddings.models import ArticleMeta, Chunk, Hit
from embeddings.search import Searcher

SENTENCE = "Odile Brackenridge, a former ferry captain, was named Vandermark’s new harbour minister."


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which country named a new harbour minister?", "country"),
        ("Which small coastal nation named a minister?", "small coastal nation"),
        ("What major shipping company went bankrupt?", "major shipping company"),
        ("Where did the minister flee to?", "place"),
        ("Who was named harbour minister?", "person"),
        ("Whom did Vandermark name?", "person"),
        ("How much did the ferry cost?", None),
    ],
)
def test_named_kind_reads_the_wording(question: str, kind: str | None) -> None:
    assert named_kind(question) == kind


def test_names_lose_their_possessive_and_come_in_order() -> None:
    assert spans_of("name", SENTENCE, "Which country named a new harbour minister?") == [
        "Odile Brackenridge",
        "Vandermark",
    ]


def hit(text: str) -> Hit:
    meta = ArticleMeta(
        id="a1",
        source="/news/a1.txt",
        title="Minister named",
        publisher="The Gazette of Exampleton",
        published=datetime(2031, 5, 1),
        url=None,
    )
    return Hit(Chunk("a1:0", "a1", 0, 0, len(text), text), meta, 1, 1.0, dense_score=0.6, keyword_score=None)


def by_letter(texts: list[str]) -> npt.NDArray[np.float32]:
    """A made-up encoder: texts starting with V point one way, the rest another (so "country" ~ V)."""
    vectors = [[1.0, 0.0] if t.startswith(("V", "country")) else [0.0, 1.0] for t in texts]
    return np.asarray(vectors, dtype=np.float32)


def test_the_name_nearest_the_kind_leads() -> None:
    question = "Which country named a new harbour minister?"
    composed = compose(question, [hit(SENTENCE)], 0.0)
    assert composed.short == "Odile Brackenridge"  # the first name, as the capitals alone give it
    named = name_the_kind(composed, question, by_letter)
    assert named.short == "Vandermark"
    assert named.sentences == composed.sentences and named.citations == composed.citations


def test_questions_naming_no_kind_keep_their_short_answer() -> None:
    question = "How much did the ferry cost?"
    composed = compose(question, [hit(SENTENCE)], 0.0)
    assert name_the_kind(composed, question, by_letter) == composed


def _indexed(tmp_path: Path, encoder: Encoder, text: str, title: str) -> Searcher:
    """A searcher over one fictional article holding `text`, built with `encoder`."""
    article = Article(
        id="a1",
        source="fixtures/a1.txt",
        text=text,
        title=title,
        publisher="The Gazette of Exampleton",
        published=datetime(2031, 5, 1),
        url="https://gazette.exampleton.invalid/a1",
    )
    build_index_from_articles([article], tmp_path, encoder)
    return Searcher.open(tmp_path, encoder)


def test_the_real_model_tells_a_country_from_a_person(tmp_path: Path, real_encoder: Encoder) -> None:
    text = (
        "Odile Brackenridge, a former ferry captain, was named Portugal’s new harbour minister on Monday. "
        "She promised cheaper crossings to the islands."
    )
    with _indexed(tmp_path, real_encoder, text, "A ferry captain becomes harbour minister") as searcher:
        country = answer("Which country named a ferry captain as harbour minister?", searcher, threshold=0.0)
        person = answer("Who was named harbour minister?", searcher, threshold=0.0)
    assert country.short == "Portugal"
    assert person.short == "Odile Brackenridge"


def test_the_real_model_answers_who_with_the_person(tmp_path: Path, real_encoder: Encoder) -> None:
    text = (
        "Vandermark Ferries named Odile Brackenridge, a former ferry captain, as its new chief on Monday. "
        "She promised cheaper crossings to the islands."
    )
    with _indexed(tmp_path, real_encoder, text, "A ferry captain takes the helm") as searcher:
        person = answer("Who was named the new chief of the ferry company?", searcher, threshold=0.0)
    # The capitals alone would give the first name, the company's.
    assert spans_of("name", text.split(". ")[0], "Who was named the new chief?")[0] == "Vandermark Ferries"
    assert person.short == "Odile Brackenridge"
