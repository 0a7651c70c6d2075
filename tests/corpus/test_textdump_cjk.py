"""Chinese, Japanese and Korean text dumps (fictional fixtures: Exampleport and its papers do not exist):
the body and the headline are kept, menus, the byline/date line, teasers and the footer are dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.read import read_paths
from corpus.textdump import parse_textdump

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "textdump"

# (fixture, headline, first body paragraph's start, short closing line, menu items, footer, teaser)
CASES = {
    "korean": (
        "예시항시, 해상 풍력 단지 건설 계획 확정",
        "예시항시는 15일 해안에서",
        "착공은 내년 3월이다.",
        ["홈", "뉴스", "로그인"],
        "Copyright © 예시항 신문. All rights reserved.",
        "가상 야구단 연승 행진",
    ),
    "chinese": (
        "示例港市批准海上风电场建设计划",
        "示例港市政府15日宣布",
        "工程将于明年三月开工。",
        ["首页", "新闻", "登录"],
        "版权所有 © 示例港日报",
        "虚构球队取得连胜",
    ),
    "japanese": (
        "例示港市、洋上風力発電所の建設計画を承認",
        "例示港市は15日",
        "着工は来年3月の予定だ。",
        ["ホーム", "ニュース", "ログイン"],
        "Copyright © 例示港新聞",
        "架空球団が連勝",
    ),
}


def _body_lines(text: str) -> list[str]:
    return text.split("\n\n")


@pytest.mark.parametrize("script", sorted(CASES))
def test_cjk_dump_keeps_body_and_headline_and_drops_menus(script: str) -> None:
    headline, lead, closing, menus, footer, teaser = CASES[script]
    dump = (FIXTURES / f"{script}_dump.txt").read_text(encoding="utf-8")
    article = parse_textdump(dump, f"{script}.txt")

    assert article.title == headline
    paragraphs = _body_lines(article.text)
    assert len(paragraphs) == 5, paragraphs  # four paragraphs and the one-line closing sentence
    assert paragraphs[0].startswith(lead)
    assert paragraphs[-1] == closing
    assert article.published is not None and article.published.date().isoformat() == "2024-09-15"
    for line in [*menus, footer, teaser, headline]:
        assert line not in paragraphs
    assert "2024" not in paragraphs[0][:12]  # the date/byline line is not the lead
    assert all("記者" not in p and "记者" not in p and "기자" not in p for p in paragraphs)
    for menu in menus:
        assert menu in article.dropped_lines


@pytest.mark.parametrize("script", sorted(CASES))
def test_cjk_dump_reads_as_its_jsonl_twin_does(script: str, tmp_path: Path) -> None:
    """The same text as a dump and as a JSONL record: the dump reader finds the body the record states."""
    import json

    dump = (FIXTURES / f"{script}_dump.txt").read_text(encoding="utf-8")
    from_dump = parse_textdump(dump, f"{script}.txt")
    record = {"title": CASES[script][0], "text": from_dump.text}
    (tmp_path / "a.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(dump, encoding="utf-8")
    batch = read_paths([tmp_path])
    # the dump and the record are one article (same text): deduplicated, nothing skipped
    assert batch.skipped == ()
    assert len(batch.articles) == 1
    assert len(batch.duplicates) == 1


def test_a_cjk_menu_alone_is_still_no_article() -> None:
    from corpus.errors import NoArticleFound

    menu = "\n".join(["首页", "新闻", "财经", "体育", "示例港市长选举日程公布", "关于我们"] * 2)
    with pytest.raises(NoArticleFound):
        parse_textdump(menu, "menu.txt")
