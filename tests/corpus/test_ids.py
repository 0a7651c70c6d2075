"""Article ids and the urls that may stand for an article."""

from __future__ import annotations

import pytest

from corpus.ids import article_id, identifies_article, normalise_url


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/2024/03/tides",
        "http://WWW.news.example/story?id=12",
        "http://192.168.1.5:8080/news/1",
        "https://한국.kr/뉴스/1",
    ],
)
def test_links_to_an_article_identify_it(url):
    assert identifies_article(url)


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "https://news.example",
        "https://news.example/",
        "https://news.example/#top",
        "/2024/03/tides",
        "ftp://news.example/2024/03/tides",
        "https://news.example%2F2024%2F03%2Ftides",
        "https://news-example-without-a-dot/story",
        "What the tide brought in",
    ],
)
def test_home_pages_and_broken_links_do_not(url):
    assert not identifies_article(url)


def test_the_id_follows_the_url_when_it_names_the_article_else_the_text():
    url = "https://news.example/2024/03/tides"
    assert article_id(url, "first version") == article_id("http://www.news.example/2024/03/tides/", "edited")
    home = "https://news.example/"
    assert article_id(home, "one story") != article_id(home, "another story")
    assert article_id(home, "one story") == article_id(None, "one story")


def test_normalised_urls_ignore_scheme_case_www_slash_and_fragment():
    assert normalise_url("HTTP://WWW.News.example/a/b/#c") == normalise_url("https://news.example/a/b")
