"""The real pipeline: chunk, embed with all-MiniLM-L6-v2, store, and retrieve the right article."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from corpus.chunk import SPECIAL_TOKENS, default_counter, embedding_text
from embeddings.build import build_index_from_articles
from embeddings.encoder import SentenceTransformerEncoder
from embeddings.search import Searcher
from tests.embeddings.articles import fictional_articles, long_article


def test_build_then_search_with_the_real_model(
    tmp_path: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    articles = [*fictional_articles(), long_article(30)]
    report = build_index_from_articles(articles, tmp_path, real_encoder)
    assert report.articles_indexed == len(articles)

    with Searcher.open(tmp_path, real_encoder) as searcher:
        # worded unlike the articles, so the dense side has to carry part of it
        top = searcher.search("Which town is getting a new pedestrian crossing over its river?", k=3)[0]
        assert top.article.title == "Council approves Glimmer River footbridge"
        top = searcher.search("Where can I borrow a telescope to look at the stars?", k=3)[0]
        assert top.article.title == "Sampleford library lends out telescopes"
        assert top.dense_score is not None and top.dense_score > 0.3
        hits = searcher.search("jam", k=3, since=date(2031, 5, 1))
        assert all(h.article.title != "Marmalade festival draws record crowds" for h in hits)

        # every stored chunk fits the model window as embedded
        counter = default_counter()
        for article in articles:
            for chunk in searcher.chunks_of(article.id):
                assert counter(embedding_text(article, chunk)) + SPECIAL_TOKENS <= 256


def test_opening_without_an_encoder_uses_the_model_the_index_names(
    tmp_path: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    build_index_from_articles(fictional_articles(), tmp_path, real_encoder)
    with Searcher.open(tmp_path) as searcher:
        assert searcher.encoder.name == real_encoder.name
        top = searcher.search("prize for regional food", k=1)[0]
        assert top.article.title == "Sampleford cheese wins borough prize"
