"""read_paths: files and folders as one batch; every bad file gets a reason and never stops the rest."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from corpus import decode
from corpus.decode import decode_bytes, read_text_file
from corpus.errors import UnreadableFile
from corpus.read import kind_of, read, read_paths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"

KOREAN_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr">
<title>예시일보 - 항구 도시에 조력 발전소 개통</title><meta property="og:site_name" content="예시일보"></head>
<body><nav><a href="/">홈</a> <a href="/news">뉴스</a></nav><article><h1>항구 도시에 조력 발전소 개통</h1>
<p>가상의 항구 도시 웨스털리가 목요일 첫 조력 발전 터빈을 가동했다. 십 년에 걸친 조사와
공청회, 소송 끝에 이뤄진 일이다.</p>
<p>만 입구 해저에 고정된 터빈 네 기는 약 삼천 가구에 전기를 공급할 예정이라고 시 에너지 공사가 밝혔다.</p>
<p>어민 단체는 공사가 산란장을 해칠 것이라며 수년간 반대해 왔다. 법원은 2021년 봄철 공사 중단을 명령했다.</p>
</article><footer>ⓒ 예시일보</footer></body></html>"""

LATIN1_PAGE = """<html><head><meta charset="iso-8859-1"><title>La Gazette d'Exempleville</title></head><body>
<article><h1>Le marché couvert rouvre après deux ans de travaux</h1>
<p>Le marché couvert d'Exempleville a rouvert ses portes samedi matin, après deux années de travaux
de rénovation qui ont coûté près de quatre millions d'euros à la commune.</p>
<p>Les commerçants, installés pendant le chantier sur la place de l'église, ont retrouvé des étals
rénovés et une charpente entièrement restaurée.
« Nous sommes soulagés », a déclaré le président de leur association.</p>
<p>La mairie prévoit une fête d'inauguration le mois prochain, avec des animations pour les enfants.</p>
</article></body></html>"""

ARTICLE_HTML = (FIXTURES / "harbour_news.html").read_text(encoding="utf-8")


def test_kinds_by_name():
    assert kind_of(Path("a.TXT")) == "txt"
    assert kind_of(Path("a.htm.gz")) == "html"
    assert kind_of(Path("x.tar.jsonl")) == "jsonl"
    assert kind_of(Path("a.gz")) is None and kind_of(Path("a.pdf")) is None


def test_folder_is_read_recursively_as_one_batch_and_bad_files_never_stop_it(tmp_path):
    root = tmp_path / "corpus"
    (root / "deep" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    shutil.copy(FIXTURES / "wire_stories.jsonl", root / "wire.jsonl")
    (root / "deep" / "page.html.gz").write_bytes(gzip.compress(ARTICLE_HTML.encode()))
    (root / "deep" / "deeper" / "ko.html").write_bytes(KOREAN_PAGE.encode("cp949"))
    (root / "deep" / "fr.htm").write_bytes(LATIN1_PAGE.encode("latin-1"))
    (root / "empty.txt").write_bytes(b"")
    (root / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    (root / "notes.pdf").write_bytes(b"%PDF-1.4")
    (root / "menu.html").write_text(
        "<html><body><nav><a href='/'>Home</a> <a href='/x'>News</a></nav></body></html>"
    )
    (root / ".hidden" / "secret.txt").write_text("never read")

    batch = read_paths([root])

    sources = [a.source for a in batch.articles]
    assert str(root / "deep" / "page.html.gz") in sources
    korean = next(a for a in batch.articles if a.source.endswith("ko.html"))
    assert korean.title == "항구 도시에 조력 발전소 개통"
    assert "삼천 가구" in korean.text
    french = next(a for a in batch.articles if a.source.endswith("fr.htm"))
    assert "coûté près de quatre millions d'euros" in french.text
    assert "« Nous sommes soulagés »" in french.text
    reasons = {Path(s.source).name: s.reason for s in batch.skipped}
    assert reasons["empty.txt"] == "file is empty"
    assert reasons["image.html"].startswith("binary file")
    assert reasons["notes.pdf"].startswith("not a kind of file newsbot reads")
    assert reasons["menu.html"].startswith("no article text found")
    assert reasons["wire.jsonl:3"].startswith("not valid JSON")
    assert not any("secret" in s for s in sources + list(reasons))
    # the JSONL lines that were good are all there
    assert sum(1 for s in sources if "wire.jsonl:" in s) == 3


def test_several_paths_and_duplicates_across_them(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "story.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (b / "copy.html").write_text(ARTICLE_HTML.replace("<nav>", "<nav><a href='/weather'>Weather</a>"))
    record = {
        "text": "A different article entirely, about the library's opening hours, which change on Monday."
    }
    (b / "x.jsonl").write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n")
    batch = read_paths([a, str(b / "copy.html"), b / "x.jsonl", a / "story.html"])  # a/story.html twice
    assert len(batch.articles) == 2
    kinds = sorted(d.kind for d in batch.duplicates)
    assert kinds == ["exact", "url"]
    story = next(x for x in batch.articles if x.source.endswith(".html"))
    assert story.also_sources == (str(b / "copy.html"),)


def test_missing_path_is_a_clear_error_before_anything_is_read(tmp_path):
    (tmp_path / "ok.jsonl").write_text('{"text": "fine"}\n')
    with pytest.raises(FileNotFoundError, match="No such file or directory") as caught:
        read_paths([tmp_path / "ok.jsonl", tmp_path / "missing"])
    assert caught.value.filename == str(tmp_path / "missing")


def test_too_large_page_is_refused_with_its_size_not_truncated(tmp_path, monkeypatch):
    page = tmp_path / "huge.html"
    page.write_bytes(ARTICLE_HTML.encode() + b"<!--" + b"x" * (11 * 1024 * 1024) + b"-->")
    batch = read_paths([page])
    (skipped,) = batch.skipped
    assert "11.0 MB, larger than the 10.0 MB limit" in skipped.reason
    # the same past the limit once decompressed (a gzip bomb never fills memory)
    monkeypatch.setattr(decode, "MAX_DOCUMENT_BYTES", 1000)
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"word " * 100_000))
    with pytest.raises(UnreadableFile, match="decompresses to more than"):
        read_text_file(bomb, limit=1000)


def test_large_jsonl_is_streamed_not_refused(tmp_path):
    path = tmp_path / "big.jsonl"
    with path.open("w") as out:
        for i in range(12):
            filler = f"w{i}a w{i}b w{i}c " * 80_000  # ~1 MB a line, 12 MB in all
            out.write(json.dumps({"text": f"Article {i}. {filler}"}) + "\n")
    assert path.stat().st_size > 10 * 1024 * 1024
    result = read([path])
    assert len(result.batch.articles) == 12 and result.batch.skipped == ()


def test_broken_gzip_is_a_reason(tmp_path):
    path = tmp_path / "page.html.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert read_paths([path]).skipped[0].reason.startswith("not a valid gzip file")


@pytest.mark.parametrize(
    ("data", "html", "expected"),
    [
        (
            "한국어 기사 본문입니다. 서울시는 밝혔다.".encode("cp949"),
            False,
            "한국어 기사 본문입니다. 서울시는 밝혔다.",
        ),
        (
            '<meta charset="euc-kr"><p>한국어</p>'.encode("cp949"),
            True,
            '<meta charset="euc-kr"><p>한국어</p>',
        ),
        ("Café crème — déjà vu 😀\r\nnext".encode(), False, "Café crème — déjà vu 😀\nnext"),
        ("\ufeffUTF-8 with a BOM".encode(), False, "UTF-8 with a BOM"),
        ("UTF-16 text, Korean 한국어".encode("utf-16"), False, "UTF-16 text, Korean 한국어"),
        (
            '<meta charset="windows-1252"><p>Smart “quotes” café</p>'.encode("cp1252"),
            True,
            '<meta charset="windows-1252"><p>Smart “quotes” café</p>',
        ),
    ],
)
def test_decoding(data, html, expected):
    assert decode_bytes(data, html=html).text == expected


def test_text_dumps_are_learned_as_a_batch_then_parsed(tmp_path):
    menu = ["Home", "News", "Sport", "Weather", "Subscribe", "Sign in"]
    footer = ["© 2024 The Exampleton Gazette", "Contact us", "Privacy policy"]
    bodies = [
        "The Exampleton council approved a new bus route on Monday linking the hospital with the railway "
        "station. The route will run every fifteen minutes from June, the council said in a statement.",
        "A storm brought down trees across Exampleton overnight and cut power to about two thousand homes. "
        "Crews expected to restore electricity to most of them by the evening, the utility company said.",
        "Exampleton's public library will stay open until nine in the evening from next month. Librarians "
        "said the longer hours respond to requests from students preparing for their exams this summer.",
    ]
    for i, body in enumerate(bodies):
        paragraphs = [body, *(f"{s}." for s in body.split(". "))]  # running text, several paragraphs
        lines = [*menu, f"Exampleton news story number {i}", "", *paragraphs, "", *footer]
        (tmp_path / f"d{i}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = read_paths([tmp_path])
    assert len(batch.articles) == 3, batch.skipped
    for article, body in zip(batch.articles, bodies, strict=True):
        assert body.split(". ")[0] in article.text
        assert "Privacy policy" not in article.text


def test_articles_of_one_site_with_a_link_in_their_footer_stay_apart(tmp_path):
    # The footer prints a link as a line of its own; read as each page's url, it made them all one article.
    footer = "Follow us\nhttps://social.example/groups/exampleton-gazette\n© The Exampleton Gazette"
    stories = {
        "bridge.txt": "The council of Exampleton voted on Tuesday to repair the old stone bridge over the "
        "river before winter, after engineers found cracks in two of its five arches last month.",
        "choir.txt": "The Exampleton choir will sing at the harvest festival again this year, its director "
        "said, after a long absence caused by the renovation of the town hall and its famous organ.",
    }
    for name, body in stories.items():
        (tmp_path / name).write_text(
            f"Home\nNews\nA headline for {name}\n{body}\n{footer}\n", encoding="utf-8"
        )
    batch = read_paths([tmp_path])
    assert sorted(Path(a.source).name for a in batch.articles) == ["bridge.txt", "choir.txt"]
    assert batch.duplicates == ()
    assert all(a.url is None for a in batch.articles)
