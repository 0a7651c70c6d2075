"""Chunking: exact spans, the model window never exceeded (counted with the real tokenizer), sentence
boundaries kept, overlap, and scripts without spaces or with emoji neither crash nor get mangled."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from corpus.chunk import (
    SPECIAL_TOKENS,
    chunk_article,
    default_counter,
    embedding_text,
    split_sentences,
)
from corpus.models import Article

SENTENCES = [
    "The Exampleton Town Council met on Tuesday to discuss the new footbridge over the Glimmer River.",
    "Mayor Odile Brackenridge said the bridge would open in the spring.",
    "Dr. Pim Alder, the town engineer, warned that the budget was tight.",
    "Residents of the U.S. sister city sent a letter of support!",
    "Was the ferry service still needed?",
    "Nobody on the council could say for certain.",
]


def _article(
    text: str, title: str | None = "The Gazette of Exampleton: Bridge news", **kw: object
) -> Article:
    return Article(id="gazette-1", source="fixture.txt", text=text, title=title, **kw)  # type: ignore[arg-type]


def _assert_spans(article: Article, max_tokens: int = 256) -> None:
    chunks = chunk_article(article, max_tokens=max_tokens, overlap_tokens=8)
    counter = default_counter()
    assert chunks, "a non-empty article gives chunks"
    for ordinal, chunk in enumerate(chunks):
        assert chunk.ordinal == ordinal
        assert chunk.id == f"{article.id}:{ordinal}"
        assert chunk.article_id == article.id
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text and chunk.text
        assert counter(embedding_text(article, chunk)) + SPECIAL_TOKENS <= max_tokens
    # every non-space character is in some chunk
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    missing = [i for i, ch in enumerate(article.text) if not ch.isspace() and i not in covered]
    assert not missing


def test_sentences_split_at_ends_not_at_abbreviations() -> None:
    text = " ".join(SENTENCES)
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == SENTENCES


def test_cjk_sentences_need_no_space() -> None:
    text = "今日は晴れです。明日は雨でしょう！本当ですか？"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "今日は晴れです。",
        "明日は雨でしょう！",
        "本当ですか？",
    ]


def test_short_article_is_one_chunk_with_exact_span() -> None:
    article = _article("\n\n".join(SENTENCES))
    chunks = chunk_article(article)
    assert len(chunks) == 1
    assert chunks[0].text == article.text.strip()
    _assert_spans(article)


def test_long_article_fits_the_window_and_ends_chunks_at_sentence_ends() -> None:
    text = " ".join(SENTENCES * 30)
    article = _article(text, published=datetime(2031, 4, 2, 9, 30))
    chunks = chunk_article(article, max_tokens=128, overlap_tokens=16)
    assert len(chunks) > 5
    _assert_spans(article, 128)
    for chunk in chunks:
        assert chunk.text[-1] in ".!?", chunk.text[-20:]


def test_consecutive_chunks_overlap_by_whole_sentences() -> None:
    article = _article(" ".join(SENTENCES * 10))
    chunks = chunk_article(article, max_tokens=100, overlap_tokens=30)
    overlapping = sum(1 for a, b in itertools.pairwise(chunks) if b.start < a.end)
    assert overlapping >= len(chunks) // 2
    for a, b in itertools.pairwise(chunks):
        assert b.start > a.start, "chunks always move forward"


def test_no_overlap_when_asked() -> None:
    article = _article(" ".join(SENTENCES * 10))
    chunks = chunk_article(article, max_tokens=100, overlap_tokens=0)
    for a, b in itertools.pairwise(chunks):
        assert b.start >= a.end


def test_sentence_longer_than_the_window_is_split_at_words() -> None:
    words = " ".join(f"word{i}" for i in range(900))  # one sentence, no full stop
    article = _article(words + ".")
    chunks = chunk_article(article, max_tokens=64, overlap_tokens=0)
    assert len(chunks) > 10
    _assert_spans(article, 64)
    for chunk in chunks:
        # cut between words, never inside one
        assert chunk.start == 0 or article.text[chunk.start - 1] == " "
        assert chunk.end == len(article.text) or article.text[chunk.end] == " "


def test_cjk_without_spaces_and_emoji_are_not_mangled() -> None:
    cjk = "エグザンプルトン町議会は火曜日に新しい歩道橋について話し合った" * 20 + "。"
    emoji = " ".join(["👨‍👩‍👧‍👦", "🇰🇷", "👍🏽", "e\u0301te\u0301"] * 100)
    korean = "엑샘플턴 시의회는 화요일에 새 인도교를 논의했다. " * 40
    for text in (cjk, emoji, korean, cjk + "\n\n" + emoji + "\n\n" + korean):
        article = _article(text, title="가제트 🎉 ガゼット")
        _assert_spans(article, 64)
        for chunk in chunk_article(article, max_tokens=64, overlap_tokens=8):
            first, last = chunk.text[0], chunk.text[-1]
            assert first not in ("\u200d", "\u0301", "\ufe0f") and not (0x1F3FB <= ord(first) <= 0x1F3FF)
            assert last != "\u200d"


def test_a_huge_unbroken_token_is_split_into_fitting_pieces() -> None:
    url = "https://example.invalid/" + "/".join(f"seg{i}x" for i in range(600))
    article = _article("See " + url + " for details.")
    _assert_spans(article, 64)


def test_empty_and_blank_articles_give_no_chunks() -> None:
    assert chunk_article(_article("")) == []
    assert chunk_article(_article("  \n\n \t ")) == []


def test_embedding_text_puts_title_and_day_before_the_chunk() -> None:
    article = _article("Body text here.", published=datetime(2031, 4, 2, 23, 59))
    chunk = chunk_article(article)[0]
    assert (
        embedding_text(article, chunk)
        == "The Gazette of Exampleton: Bridge news (2031-04-02)\nBody text here."
    )
    untitled = _article("Body text here.", title=None)
    assert embedding_text(untitled, chunk_article(untitled)[0]) == "Body text here."


def test_a_very_long_title_is_shortened_in_the_prefix_and_still_fits() -> None:
    article = _article(" ".join(SENTENCES * 5), title="Exampleton " * 200)
    _assert_spans(article, 128)


def test_custom_counter_is_used() -> None:
    article = _article(" ".join(SENTENCES * 4), title=None)
    chunks = chunk_article(article, max_tokens=60, overlap_tokens=0, count_tokens=lambda s: len(s.split()))
    assert all(len(c.text.split()) <= 58 for c in chunks)
    assert len(chunks) >= 3


@pytest.mark.parametrize(("max_tokens", "overlap"), [(10, 0), (256, -1), (256, 200)])
def test_bad_settings_are_refused(max_tokens: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="must"):
        chunk_article(_article("Text."), max_tokens=max_tokens, overlap_tokens=overlap)
