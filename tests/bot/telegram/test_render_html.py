"""Telegram HTML rendering: everything escaped, links only where safe, splitting that never breaks HTML."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime

import pytest

from bot.models import Answer, AnswerSentence, Citation
from bot.telegram.render_html import (
    ABSTAIN_TEXT,
    render_answer_html,
    render_sources_html,
    render_stats_html,
    split_html,
    utf16_len,
)
from tests.bot.telegram.fake_telegram import TelegramHTMLError, check_telegram_html


def cite(n: int, title: str | None = "Bridge reopens", **kw: object) -> Citation:
    values: dict[str, object] = {
        "n": n,
        "article_id": f"art{n}",
        "chunk_id": f"art{n}:0",
        "title": title,
        "publisher": "The Gazette of Exampleton",
        "published": datetime(2024, 5, n),
        "url": f"https://gazette.example/news/{n}",
        "source": f"/archive/gazette/{n}.html",
        "quote": "The Harbour Bridge reopened on Monday after repairs.",
    }
    values.update(kw)
    return Citation(**values)  # type: ignore[arg-type]


def answer_of(sentences: list[tuple[str, int]], citations: list[Citation], question: str = "q?") -> Answer:
    return Answer(
        question=question,
        sentences=tuple(AnswerSentence(t, n) for t, n in sentences),
        citations=tuple(citations),
        passages=(),
        abstained=False,
    )


def squash(text: str) -> str:
    return "".join(text.split())


def test_answer_lists_sentences_with_markers_then_linked_numbered_sources() -> None:
    html = render_answer_html(
        answer_of(
            [("The bridge reopened on Monday.", 1), ("Trams return in June.", 2)],
            [cite(1), cite(2, title="Trams return", url=None, publisher=None)],
        )
    )
    plain = check_telegram_html(html)
    assert plain.startswith("The bridge reopened on Monday. [1] Trams return in June. [2]")
    link = '<a href="https://gazette.example/news/1">Bridge reopens</a>'
    assert f"[1] {link} — The Gazette of Exampleton, 2024-05-01" in html
    assert "[2] Trams return — 2024-05-02" in html  # no url: no link; no publisher: just the date
    assert plain.index("Sources") > plain.index("[2]")


def test_article_and_user_text_is_escaped_everywhere() -> None:
    evil = cite(
        1,
        title="<b>Bold</b> & <script>alert(1)</script>",
        publisher="Smith & <i>Sons</i>",
        url='https://gazette.example/a?x=1&y="2"',
        quote="He said <tag> & left.",
    )
    answer = answer_of([("A <script>x</script> & y.", 1)], [evil], question="<b>why</b> & how?")
    for html in (render_answer_html(answer), render_sources_html(answer)):
        plain = check_telegram_html(html)  # raises on any unescaped < > &
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert "<b>Bold</b>" not in html
        assert "Smith & <i>Sons</i>" in plain  # shown to the reader as text
    sources = render_sources_html(answer)
    assert 'href="https://gazette.example/a?x=1&amp;y=&quot;2&quot;"' in sources
    assert "<i>&lt;b&gt;why&lt;/b&gt; &amp; how?</i>" in sources
    assert "<blockquote>He said &lt;tag&gt; &amp; left.</blockquote>" in sources


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "gazette.example/x", "", None])
def test_only_http_urls_become_links(url: str | None) -> None:
    html = render_answer_html(answer_of([("S.", 1)], [cite(1, url=url)]))
    check_telegram_html(html)
    assert "<a " not in html


def test_missing_title_falls_back_to_the_source_file_name() -> None:
    html = render_answer_html(answer_of([("S.", 1)], [cite(1, title=None, url=None)]))
    assert "[1] 1.html — The Gazette of Exampleton" in html


def test_abstention_reads_naturally_and_offers_closest_sources() -> None:
    nothing = Answer("Who won the cup?", (), (), (), True)
    assert render_answer_html(nothing) == ABSTAIN_TEXT
    near = Answer("Who won the cup?", (), (), (), True, closest=(cite(1), cite(2, title="Cup final delayed")))
    html = render_answer_html(near)
    plain = check_telegram_html(html)
    assert plain.startswith("I couldn't find this in the indexed articles.")
    assert "closest" in plain and "Cup final delayed" in plain and "[1]" not in plain
    assert "Closest articles" in check_telegram_html(render_sources_html(near))


def test_sources_quote_each_passage_whitespace_collapsed_and_long_quotes_trimmed() -> None:
    long_quote = "word " * 600
    html = render_sources_html(
        answer_of(
            [("S.", 1), ("T.", 2)], [cite(1, quote="Line one.\n\nLine two."), cite(2, quote=long_quote)]
        )
    )
    check_telegram_html(html)
    assert "<blockquote>Line one. Line two.</blockquote>" in html
    assert html.count("<blockquote>") == 2 and "…</blockquote>" in html
    assert len(html) < 3000


def test_stats_show_counts_publishers_and_date_range() -> None:
    html = render_stats_html(
        articles=1234,
        chunks=5678,
        publishers=["The Gazette of Exampleton", "Exampleton <Evening> Post"],
        first_published=datetime(2023, 1, 2),
        last_published=datetime(2024, 6, 30),
        model="all-MiniLM-L6-v2",
    )
    plain = check_telegram_html(html)
    assert "Articles: 1,234" in plain and "Passages: 5,678" in plain
    assert "Exampleton <Evening> Post" in plain and "2023-01-02 to 2024-06-30" in plain


# --- splitting ---


def test_short_text_is_one_message_and_empty_text_none() -> None:
    assert split_html("<b>hi</b> there") == ["<b>hi</b> there"]
    assert split_html("  \n\n ") == []
    with pytest.raises(ValueError, match="limit"):
        split_html("x", limit=50)


def test_long_answer_splits_at_paragraph_boundaries_in_order() -> None:
    paragraphs = [f"<b>Part {i}</b> " + " ".join(f"w{i}x{j}" for j in range(60)) for i in range(40)]
    html = "\n\n".join(paragraphs)
    parts = split_html(html, limit=1000)
    assert len(parts) > 1
    for part in parts:
        assert utf16_len(part) <= 1000
        check_telegram_html(part)
        assert not part.startswith("\n") and not part.endswith("\n")
    # every paragraph lands whole in one part, and the order is kept
    assert "\n\n".join(parts) == html


def test_single_paragraph_longer_than_the_limit_is_cut_between_words_with_tags_reopened() -> None:
    words = " ".join(f"caf&eacute;{i} &amp; &lt;{i}&gt;" for i in range(400)).replace("&eacute;", "é")
    html = f'<b>Heading</b> <a href="https://gazette.example/x?a=1&amp;b=2">{words}</a> tail'
    assert "\n" not in html
    parts = split_html(html, limit=700)
    assert len(parts) > 3
    for part in parts:
        assert utf16_len(part) <= 700
        check_telegram_html(part)
    middle = parts[len(parts) // 2]
    assert middle.startswith('<a href="https://gazette.example/x?a=1&amp;b=2">') and middle.endswith("</a>")
    assert squash("".join(check_telegram_html(p) for p in parts)) == squash(check_telegram_html(html))


def test_a_word_longer_than_the_limit_is_cut_between_characters_never_inside_an_entity() -> None:
    blob = "<i>" + "x&amp;y" * 900 + "</i>"
    parts = split_html(blob, limit=400)
    for part in parts:
        assert utf16_len(part) <= 400
        check_telegram_html(part)
        assert part.startswith("<i>") and part.endswith("</i>")
    assert "".join(check_telegram_html(p) for p in parts) == "x&y" * 900


def test_emoji_and_korean_count_in_utf16_units() -> None:
    text = ("📰 뉴스 " * 1500).strip()  # each 📰 is two UTF-16 units
    assert len(text) < 8192 < utf16_len(text) + 4096
    parts = split_html(text)
    assert len(parts) >= 3
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert squash("".join(parts)) == squash(text)


@pytest.mark.parametrize("seed", range(30))
def test_random_markup_always_splits_into_valid_parts_that_keep_the_text(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = ["news", "&amp;", "&lt;x&gt;", "Exampleton", "📰", "뉴스", "a" * 90, "&quot;", "-", "é"]

    def run_of_words() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 40)))

    def element(depth: int) -> str:
        # <a> and <blockquote> only at the top: Telegram does not nest them
        kinds = (
            ["text", "b", "i", "a", "blockquote"]
            if depth == 0
            else ["text", "b", "i"]
            if depth < 2
            else ["text"]
        )
        kind = rng.choice(kinds)
        if kind == "text":
            return run_of_words()
        inner = " ".join(element(depth + 1) for _ in range(rng.randint(1, 3)))
        if kind == "a":
            return f'<a href="https://gazette.example/{seed}">{inner}</a>'
        return f"<{kind}>{inner}</{kind}>"

    paragraphs = [
        rng.choice([" ", "\n"]).join(element(0) for _ in range(rng.randint(1, 6)))
        for _ in range(rng.randint(1, 25))
    ]
    html = "\n\n".join(paragraphs)
    limit = rng.choice([200, 300, 512, 1000, 4096])
    parts = split_html(html, limit=limit)
    for part in parts:
        assert utf16_len(part) <= limit, part
        check_telegram_html(part)
    assert squash("".join(check_telegram_html(p) for p in parts)) == squash(check_telegram_html(html))


def test_the_checker_itself_rejects_what_telegram_rejects() -> None:
    for bad in [
        "<script>x</script>",
        "a < b",
        "a & b",
        "<b>x",
        "<b><i>x</b></i>",
        "&nbsp;",
        "x > y",
        '<a href="javascript:1">x</a>',
    ]:
        with pytest.raises(TelegramHTMLError):
            check_telegram_html(bad)
    assert check_telegram_html('<a href="https://x.example">x&amp;y&#33;</a>') == "x&y!"


def test_the_short_answer_leads_in_bold_and_escaped() -> None:
    result = answer_of([("Shares of <Acme & Sons> rose 4% on Monday.", 1)], [cite(1)], "Who rose?")
    html = render_answer_html(replace(result, short="<Acme & Sons>\n\n</b>", short_n=1))
    assert html.startswith("<b>&lt;Acme &amp; Sons&gt; &lt;/b&gt;</b> [1]\n\n")
    plain = check_telegram_html(html)
    assert plain.startswith("<Acme & Sons> </b> [1]")
    assert "Shares of <Acme & Sons> rose 4% on Monday. [1]" in plain
    assert render_answer_html(result).startswith("Shares of &lt;Acme")
