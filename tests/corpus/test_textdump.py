"""The text-dump reader: the seed article (read by path beside the repo), fictional dumps of our own."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from corpus.errors import NoArticleFound
from corpus.textdump import learn_batch, parse_textdump

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "textdump"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed-article.txt"


def test_seed_article_is_read_cleanly() -> None:
    if not SEED.exists():
        pytest.skip("the shared seed article is not beside the repo")
    text = SEED.read_text(encoding="utf-8")
    article = parse_textdump(text, str(SEED))
    assert article.title == (
        "S. Korea, US discussing Washington's nuke policy review on 'various occasions': Seoul official"
    )
    assert article.byline == "Yonhap"
    assert article.section == "National"
    assert article.publisher == "The Korea Herald"
    assert article.published is not None
    assert article.published.isoformat(timespec="minutes") == "2021-10-31T20:21+09:00"
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 7
    assert paragraphs[0].startswith("South Korea and the United States have been discussing")
    assert paragraphs[-1].endswith("on the Korean Peninsula. (Yonhap)")
    assert len(set(paragraphs)) == len(paragraphs)
    for junk in ("US President Joe Biden (Yonhap)", "MOST POPULAR", "Tel :", "Copyright", "Politics"):
        assert junk not in article.text
    assert "Tel : +82-2-727-0114" in article.dropped_lines


def test_fictional_dump_in_the_seed_format() -> None:
    article = parse_textdump((FIXTURES / "gazette.txt").read_text(encoding="utf-8"), "gazette.txt")
    assert article.title == "Exampleton council approves new riverside footbridge after decade of debate"
    assert article.byline == "Mara Quill"
    assert article.publisher == "The Gazette of Exampleton"
    assert article.published is not None and article.updated is not None
    assert article.published.replace(tzinfo=None) == datetime(2024, 3, 5, 9, 15)
    assert article.published.utcoffset() == timedelta(hours=9)  # the +82 phone number
    assert article.updated.hour == 11
    assert article.text.count("\n\n") == 3
    assert "(Gazette photo)" not in article.text
    assert "bakery" not in article.text


def test_lines_recurring_across_the_batch_are_dropped() -> None:
    body = (
        "The harbour master of Exampleton said on Friday that the new tide gauge, installed last spring, "
        "had recorded the highest water in forty years during the storm that closed the quay."
    )
    banner = "Support independent local journalism in Exampleton with a subscription of your own today."
    towns = ["Exampleton", "Sampleford", "Testbury", "Mockhaven"]
    dumps = [f"Home\n{banner}\nStory headline here\n{body.replace('Exampleton', t)}\n" for t in towns]
    stats = learn_batch(dumps)
    article = parse_textdump(dumps[0], "a.txt", stats)
    assert banner not in article.text
    assert banner in article.dropped_lines


def test_korean_and_emoji_are_kept_intact() -> None:
    korean = (
        "서울시는 31일 한강 공원에 새로운 보행자 다리를 짓는 계획을 발표했다. "
        "시민들은 대체로 환영하는 분위기다. "
        "시는 다리가 완공되면 양쪽 강변의 상권이 함께 살아날 것으로 기대한다고 밝혔다."
    )
    emoji = "Residents celebrated with fireworks 🎆 and a picnic by the river 🌊, the mayor said today."
    more = (
        "공사는 내년 봄에 시작되며 약 이년이 걸릴 것으로 예상된다고 시 관계자가 밝혔다. 예산은 이미 승인됐다."
    )
    dump = f"홈\n뉴스\n한강 다리 건설 계획 발표\n{korean}\n{more}\n{emoji}\n"
    article = parse_textdump(dump, "ko.txt")
    assert korean in article.text
    assert emoji in article.text


def test_a_dump_without_an_article_raises() -> None:
    menu = "\n".join(["Home", "News", "Sport", "Contact", "About us", "Privacy Policy"] * 3)
    with pytest.raises(NoArticleFound):
        parse_textdump(menu, "menu.txt")
    with pytest.raises(NoArticleFound):
        parse_textdump("", "empty.txt")


def test_a_date_it_cannot_read_leaves_published_empty() -> None:
    body = (
        "The Exampleton choir will sing at the harvest festival this year, its director said, after a "
        "long absence caused by the renovation of the old town hall and its famous organ."
    )
    article = parse_textdump(f"Choir returns to festival\nPosted sometime last spring\n{body}\n", "x.txt")
    assert article.published is None
    assert body in article.text


_PARAGRAPHS = [
    "The river trust of Exampleton planted four hundred willows along the east bank this winter, and the "
    "volunteers who did the digging say the saplings have already survived two floods.",
    "Planting began in November, when the ground was soft, and the trust hopes that the roots will hold the "
    "bank together long before the trees are tall enough to shade the water for the trout.",
    "A second planting is planned for next year on the west bank, where the council has agreed to move a "
    "footpath that has been slipping into the river since the great storm of the last decade.",
]


def test_a_headline_is_not_glued_to_the_byline_or_a_tag_under_it() -> None:
    dump = "\n".join(
        [
            "Home",
            "News",
            "Home > News > Willows Planted Along the East Bank of the River",
            "Willows Planted Along the East Bank of the River",
            "by",
            "Mara Quill",
            "March 5, 2024",
            *_PARAGRAPHS,
        ]
    )
    article = parse_textdump(dump, "willows.txt")
    assert article.title == "Willows Planted Along the East Bank of the River"
    assert article.byline == "Mara Quill"
    assert article.published is not None and article.published.date().isoformat() == "2024-03-05"


def test_a_comment_thread_after_the_article_is_cut() -> None:
    posts = []
    for n, name in enumerate(["Emma", "Chris S", "Max"]):
        posts += [
            name,
            f"March {5 + n}, 2024, 9:4{n} pm",
            "I walked along the east bank last weekend and the willows looked healthy, although the path "
            "was muddy and the trust should put up a sign about the floods so that people take care.",
            "Reply",
        ]
    dump = "\n".join(["Willows planted along the east bank", *_PARAGRAPHS, *posts])
    article = parse_textdump(dump, "willows.txt")
    assert article.text.count("\n\n") == 2
    assert "muddy" not in article.text


def test_a_code_listing_does_not_end_the_article() -> None:
    code = [
        "def plant(bank):",
        "    trees = []",
        "for n in range(400):",
        "trees.append(Willow(n));",
        "}",
        "return trees;",
        "if (bank.flooded) {",
        "console.log(trees);",
        "}",
    ]
    dump = "\n".join(
        ["Home", "News", "Willows planted along the east bank", _PARAGRAPHS[0], *code, *_PARAGRAPHS[1:]]
    )
    article = parse_textdump(dump, "willows.txt")
    assert _PARAGRAPHS[0] in article.text and _PARAGRAPHS[2] in article.text


def test_a_table_of_contents_is_dropped_but_its_headings_kept() -> None:
    sections = ["Why willows", "Where they grow", "What comes next"]
    body: list[str] = []
    for heading, paragraph in zip(sections, _PARAGRAPHS, strict=True):
        body += [heading, paragraph]
    dump = "\n".join(
        ["Willows planted along the east bank", _PARAGRAPHS[0], "Table of Contents", *sections, *body]
    )
    article = parse_textdump(dump, "willows.txt")
    assert "Table of Contents" not in article.text
    for heading in sections:
        assert article.text.count(heading) == 1


def test_a_flattened_table_does_not_split_the_article() -> None:
    table = []
    for n, town in enumerate(["Exampleton", "Sampleford", "Testbury", "Mockhaven", "Dummyport", "Fakeley"]):
        table += [town, "East bank", str(400 - 50 * n), "West bank", str(20 + n)]
    dump = "\n".join(["Home", "News", "Willows planted", _PARAGRAPHS[0], *table, *_PARAGRAPHS[1:]])
    article = parse_textdump(dump, "willows.txt")
    assert _PARAGRAPHS[0] in article.text and _PARAGRAPHS[2] in article.text
    assert "Sampleford" in article.text


def test_teasers_cut_off_with_an_ellipsis_are_not_the_article() -> None:
    teasers = [
        "Imagine walking along the river on a spring morning and finding the willows in full leaf, the...",
        "NOV 26, 2025",
        "The council has published its plans for the old mill, and the neighbours have a lot to say about…",
        "NOV 19, 2025",
        "Why the trout came back to the river after twenty years away, according to the anglers who [...]",
    ]
    dump = "\n".join(["Willows planted along the east bank", *_PARAGRAPHS, "Latest from the blog", *teasers])
    article = parse_textdump(dump, "willows.txt")
    assert article.text.count("\n\n") == 2
    assert "old mill" not in article.text


_MORE_PARAGRAPHS = [
    "The volunteers meet every second Saturday at the old boathouse, and the trust says that anyone who "
    "can hold a spade is welcome, although the work is muddy and the mornings are cold in winter.",
    "Anglers on the river have noticed the difference already, the club's secretary said, because the "
    "shade and the roots give the young trout somewhere to hide when the water runs high and fast.",
    "The council will review the planting in the spring, when it decides whether to pay for a third "
    "stretch of bank downstream of the mill, where the footpath has been closed since the storm.",
]


def test_a_box_of_teasers_set_into_the_article_is_skipped() -> None:
    box = [
        "You May Also Like",
        "NATURE",
        "Why the otters came back to the Exampleton river",
        "NATURE",
        "Ten walks along the water to try this spring",
    ]
    tail = ["Related Topics", "RIVERS", "TREES"]
    dump = "\n".join(["Willows planted along the east bank", *_PARAGRAPHS, *box, *_MORE_PARAGRAPHS, *tail])
    article = parse_textdump(dump, "willows.txt")
    assert article.text.count("\n\n") == 5
    assert _MORE_PARAGRAPHS[-1] in article.text
    assert "otters" not in article.text and "NATURE" not in article.text and "RIVERS" not in article.text


def test_teasers_with_their_excerpts_still_end_the_article() -> None:
    excerpts = [
        "Otters have returned to the Exampleton river for the first time in thirty years, say wardens.",
        "From the mill to the weir, these are the walks along the water that our readers love the most.",
        "The old mill could become flats, a museum or a brewery, and the neighbours are divided on it.",
    ]
    teasers = []
    for headline, excerpt in zip(["Otters return", "Spring walks", "Mill plans"], excerpts, strict=True):
        teasers += [headline, excerpt]
    article_lines = [*_PARAGRAPHS, *_MORE_PARAGRAPHS]
    dump = "\n".join(
        ["Willows planted along the east bank", *article_lines, "Related articles", *teasers, "Tags"]
    )
    article = parse_textdump(dump, "willows.txt")
    assert article.text.count("\n\n") == 5
    assert "Otters" not in article.text and "brewery" not in article.text


def test_a_headline_under_a_promotion_is_found_by_its_byline() -> None:
    promo = (
        "Readers can now choose their favourite sources for news in their search settings, so that the "
        "stories of the Exampleton Gazette come first whenever they look something up."
    )
    dump = "\n".join(
        [
            "Home",
            "News",
            "Make us a preferred source",
            promo,
            "Rivers",
            "Trees",
            "Nature",
            "Willows Planted Along the East Bank of the River",
            "By Mara Quill",
            "March 5, 2024",
            *_PARAGRAPHS,
        ]
    )
    article = parse_textdump(dump, "willows.txt")
    assert article.title == "Willows Planted Along the East Bank of the River"
    assert article.byline == "Mara Quill"


def test_a_card_heading_printed_twice_is_kept_once() -> None:
    card = ["The Willow Walk Trail Guide", "Twelve stops along the east bank", "The Willow Walk Trail Guide"]
    dump = "\n".join(["Willows planted along the east bank", _PARAGRAPHS[0], *card, *_PARAGRAPHS[1:]])
    article = parse_textdump(dump, "willows.txt")
    assert article.text.count("The Willow Walk Trail Guide") == 1
    assert "Twelve stops along the east bank" in article.text
    assert _PARAGRAPHS[2] in article.text


def test_a_ranking_table_whose_numbers_recur_across_the_batch_does_not_split_the_article() -> None:
    towns = ["Exampleton", "Sampleford", "Testbury", "Mockhaven", "Dummyport", "Fakeley", "Stubwick"]
    table = []
    for rank, town in enumerate(towns, start=1):
        table += [str(rank), town, f"{90 - 7 * rank}.5"]
    dump = "\n".join(["Greenest towns of the county", _PARAGRAPHS[0], *table, *_PARAGRAPHS[1:]])
    # every page of the batch has numbered lists, so the bare ranks are "template" lines of the batch
    others = ["\n".join(["Other page", *map(str, range(1, 8)), _MORE_PARAGRAPHS[n]]) for n in range(3)]
    article = parse_textdump(dump, "towns.txt", learn_batch([dump, *others]))
    assert _PARAGRAPHS[0] in article.text and _PARAGRAPHS[2] in article.text
    assert "Stubwick" in article.text


def test_the_next_story_after_a_teaser_box_is_not_taken_for_the_article() -> None:
    next_story = [
        "Related",
        "Otters return to the river",
        "Ten walks along the water",
        "Mill to become a museum, council says",
        "By Jane Roe",
        "March 6, 2024",
        "The old mill of Exampleton will become a museum of the river, the council said on Wednesday, after "
        "a decade in which the building stood empty and its roof slowly fell into the water below.",
        "The museum will tell the story of the mill and of the families who worked in it, and a room will "
        "be given to the floods that closed it, the council's head of culture told reporters on the quay.",
        "Work will begin in the autumn if the lottery grant is approved, and the museum could open its "
        "doors in two years, in time for the three hundredth anniversary of the mill's first stone.",
        "Related Topics",
    ]
    dump = "\n".join(["Willows planted along the east bank", *_PARAGRAPHS, *_MORE_PARAGRAPHS, *next_story])
    article = parse_textdump(dump, "willows.txt")
    assert article.text.count("\n\n") == 5
    assert "museum" not in article.text


def test_the_url_is_read_from_the_dump_head_only() -> None:
    story = "\n".join(["Willows Planted Along the East Bank of the River", *_PARAGRAPHS])
    head = parse_textdump(f" date 2024-03-05\nURL: https://river.example/willows\n{story}\n", "a.txt")
    assert head.url == "https://river.example/willows"
    bare = parse_textdump(f"https://river.example/willows\n{story}\n", "b.txt")
    assert bare.url == "https://river.example/willows"
    # a link the page prints further down (its footer's "join our group") is not the page's url
    footer = "Follow us\nhttps://social.example/groups/river-trust\nCopyright River Trust"
    printed = parse_textdump(f"Home\nNews\nNature\n{story}\n{footer}\n", "c.txt")
    assert printed.url is None


@pytest.mark.parametrize(
    ("line", "holder"),
    [
        ("© 2024 The Gazette of Exampleton. All rights reserved.", "The Gazette of Exampleton"),
        ("© Copyright 2011-2024 Riverbend Radio", "Riverbend Radio"),
        ("Copyright © 2015 - 2024 lanternMedia LLC. All rights reserved", "lanternMedia LLC"),
        ("Copyright agent © 2024 Exampleton Media Group and affiliated companies", "Exampleton Media Group"),
        ("Sampleford Post 2019-2024", None),  # no copyright mark at all
        ("© 2024 Copyright Policy", None),
        ("All pictures © Shutterstock", None),
        ("The ownership and copyright of logos belong to their respective owners", None),
        ("Content protected under the copyright laws of Exampleton and other countries", None),
    ],
)
def test_the_copyright_holder_is_a_name_not_a_label_or_a_notice(line: str, holder: str | None) -> None:
    from corpus.metadata import copyright_holder

    found = copyright_holder(line)
    assert found == holder or (holder is not None and found is not None and found.startswith(holder))


def test_a_powered_by_line_names_no_publisher() -> None:
    story = "\n".join(["Willows Planted Along the East Bank of the River", *_PARAGRAPHS])
    footer = "Written by Mara Quill\nPowered by ExamplePress"
    assert parse_textdump(f"Home\n{story}\n{footer}\n", "a.txt").publisher is None
    owned = f"Home\n{story}\n{footer}\n© 2024 River Trust News. All rights reserved.\n"
    assert parse_textdump(owned, "b.txt").publisher == "River Trust News"


def test_a_name_alone_under_the_headline_is_the_byline() -> None:
    head = "Home\nNews\nWillows Planted Along the East Bank of the River\n"
    named = parse_textdump(head + "Mara Quill\nMarch 5, 2024\n" + "\n".join(_PARAGRAPHS), "a.txt")
    assert named.byline == "Mara Quill"
    assert "Mara Quill" not in named.text
    pair = parse_textdump(head + "March 5, 2024\nMara Quill and Tom Reed\n" + "\n".join(_PARAGRAPHS), "b.txt")
    assert pair.byline == "Mara Quill and Tom Reed"


@pytest.mark.parametrize(
    "line",
    [
        "Footpath Planning",  # a heading: the page writes "footpath" in lower case
        "Rivers and Trees",  # one word a side: topics, not people
        "RIVER TRUST",
        "Read More",
        "Contact Us",
    ],
)
def test_a_short_capitalised_heading_is_not_a_byline(line: str) -> None:
    head = "Home\nNews\nWillows Planted Along the East Bank of the River\n"
    article = parse_textdump(head + f"{line}\nMarch 5, 2024\n" + "\n".join(_PARAGRAPHS), "a.txt")
    assert article.byline is None


_CAPTIONED = """ date 2024-09-02  Back To Top
City
Harbour
Sport
Science

Gull colony returns to the Exampleton breakwater

By Tove Arnesen
Published : Sep 02, 2024 - 10:00       Updated : Sep 02, 2024 - 10:00

Kittiwakes nesting on the north breakwater (Exampleton Gazette)
Kittiwakes nesting on the north breakwater (Exampleton Gazette)
A colony of kittiwakes has returned to the north breakwater, eleven years after the last pair left.

Volunteers counted 212 nests in August, most of them on the old concrete blocks at the end of the pier.

The harbour authority has closed the last stretch of the pier to walkers until the chicks have fledged.

The count will be repeated in October.

MOST POPULAR
LATEST NEWS
City
Harbour
ABOUT US  CONTACT  PRIVACY  TERMS
This is a fictional newspaper page written for newsbot's tests.
"""


def test_a_captioned_page_keeps_its_headline_and_its_short_last_paragraph() -> None:
    article = parse_textdump(_CAPTIONED, "gulls.txt")
    # The caption, printed twice with its credit, is not the headline.
    assert article.title == "Gull colony returns to the Exampleton breakwater"
    paragraphs = article.text.split("\n\n")
    # The byline and date lines under the headline are metadata, not the article's first paragraphs.
    assert article.byline == "Tove Arnesen"
    assert paragraphs[0].startswith("A colony of kittiwakes has returned")
    # A one-line closing paragraph, shorter than running text usually is, is still the article's.
    assert paragraphs[-1] == "The count will be repeated in October."
    assert len(paragraphs) == 4


def test_a_headline_that_ends_in_brackets_is_still_the_headline() -> None:
    headline = "Gull colony returns to the breakwater (With Chicks!)"
    dump = _CAPTIONED.replace(
        "Gull colony returns to the Exampleton breakwater\n", f"{headline}\n{headline}\n"
    )
    assert parse_textdump(dump, "gulls.txt").title == headline
