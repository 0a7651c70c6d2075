"""Keyword search in Chinese, Japanese and Korean: CJK runs indexed and queried as overlapping bigrams,
so a word is found inside a longer run (no spaces in Chinese and Japanese, particles in Korean)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from corpus.models import Article
from embeddings.build import build_index_from_articles, update_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.keyword_text import keyword_text
from embeddings.manifest import DB_NAME, generation_dir, read_manifest
from embeddings.search import Searcher, fts_query
from tests.embeddings.articles import make_article

SITE = "https://cjk.sampleford.invalid"


def test_cjk_runs_become_overlapping_bigrams() -> None:
    assert keyword_text("한국은행이 금리를").split() == ["한국", "국은", "은행", "행이", "금리", "리를"]
    assert keyword_text("横浜港湾局は").split() == ["横浜", "浜港", "港湾", "湾局", "局は"]
    assert keyword_text("央行宣布降息。").split() == ["央行", "行宣", "宣布", "布降", "降息", "。"]
    assert keyword_text("K팝 스타 BTS").split() == ["K", "팝", "스타", "BTS"]  # one character stays whole


def test_other_text_is_left_alone() -> None:
    text = "The council's plan: café prices, naïve résumés, 4.2 million crowns 🚋."
    assert keyword_text(text) == text


def test_a_query_word_becomes_the_phrase_of_its_bigrams() -> None:
    assert fts_query("한국은행") == '"한국 국은 은행"'
    assert fts_query("tram 降息") == '"tram" OR "降息" OR "tram 降息"'


def _articles() -> list[Article]:
    when = datetime(2031, 7, 1, 9, 0)
    raw = [
        ("ko", "한국은행, 기준금리 동결", "가상의 샘플포드 신문: 한국은행이 기준금리를 연 3.5%로 동결했다."),
        ("ja", "横浜港湾局が新桟橋", "架空のサンプル新聞：横浜港湾局は新しい桟橋の建設を発表した。"),
        ("zh", "央行宣布降息", "虚构的样本日报：中央银行今天宣布降息，市场反应平稳。"),
        ("en", "Tram line reopens", "Trams run again between Sampleford station and the harbour."),
    ]
    paper = "Sampleford Daily (fictional)"
    return [make_article(f"{SITE}/{key}", title, paper, when, text) for key, title, text in raw]


def _found(searcher: Searcher, query: str) -> list[str]:
    hits = searcher.store.keyword_search(fts_query(query), 10)
    return sorted({searcher.store.chunks([pk])[pk][1].url or "" for pk, _ in hits})


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    build_index_from_articles(_articles(), tmp_path, HashingEncoder())
    return tmp_path


def test_words_are_found_inside_cjk_runs(index_dir: Path) -> None:
    with Searcher.open(index_dir, HashingEncoder()) as searcher:
        # The text has "한국은행이" (the bank + a particle) and "기준금리를".
        assert _found(searcher, "한국은행") == [f"{SITE}/ko"]
        assert _found(searcher, "기준금리") == [f"{SITE}/ko"]
        assert _found(searcher, "港湾局") == [f"{SITE}/ja"]
        assert _found(searcher, "降息") == [f"{SITE}/zh"]
        assert _found(searcher, "harbour") == [f"{SITE}/en"]
        assert _found(searcher, "港湾降息") == []  # a phrase: both bigram runs in order, not any bigram
        assert searcher.search("降息", k=1)[0].article.url == f"{SITE}/zh"


def test_removing_an_article_removes_its_bigrams(index_dir: Path) -> None:
    update_index_from_articles(_articles()[1:], index_dir, HashingEncoder())
    with Searcher.open(index_dir, HashingEncoder()) as searcher:
        assert _found(searcher, "한국은행") == []
        assert _found(searcher, "港湾局") == [f"{SITE}/ja"]
    db = generation_dir(index_dir, read_manifest(index_dir)) / DB_NAME
    conn = sqlite3.connect(db)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, chunks_fts, 'row')")
        left = {term for (term,) in conn.execute("SELECT term FROM temp.terms")}
    finally:
        conn.close()
    # The delete took out exactly what was indexed: no bigram of the removed article lingers.
    assert "한국" not in left and "금리" not in left and "港湾" in left
