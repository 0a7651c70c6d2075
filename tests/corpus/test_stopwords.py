"""The one stop-word list and what each use adds to it."""

from __future__ import annotations

from bot.answering.sentences import STOPWORDS
from corpus.stopwords import ANSWER_STOP_WORDS, QUERY_STOP_WORDS, STOP_WORDS
from embeddings.search import query_terms


def test_each_use_extends_the_one_list() -> None:
    assert STOP_WORDS < QUERY_STOP_WORDS and STOP_WORDS < ANSWER_STOP_WORDS
    assert all(word == word.lower() and " " not in word for word in QUERY_STOP_WORDS | ANSWER_STOP_WORDS)
    assert STOPWORDS is ANSWER_STOP_WORDS  # what bot.answering.spans and bot.answering.readers.base read


def test_keyword_queries_drop_the_query_words_only() -> None:
    assert query_terms("Whose ships sailed until themselves") == ["whose", "ships", "sailed"]
