"""Dedup: same url, same body, near-duplicates; which copy is kept never depends on input order."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from corpus.dedup import dedup, jaccard, shingles
from corpus.ids import article_id
from corpus.models import Article

BODY = (
    "The city council approved a plan on Monday to turn the old freight yard into a public park with "
    "playing fields, a community garden and a covered market hall. Construction is expected to start next "
    "spring and to take about three years, the council said in a statement. Residents had campaigned for "
    "the park since the yard closed in 2009, collecting more than twelve thousand signatures. The plan "
    "also includes a cycle path linking the park to the river promenade and two new bus stops on the "
    "eastern edge of the site. Opposition members questioned the cost, which the council put at about "
    "forty million euros, and asked for an independent review before the first contracts are signed."
)


def make(source: str, text: str = BODY, url: str | None = None, published: datetime | None = None) -> Article:
    return Article(id=article_id(url, text), source=source, text=text, url=url, published=published)


def test_same_url_is_one_article_whatever_the_spelling():
    a = make("a.html", url="https://news.example/story/1")
    b = make("b.html", text=BODY + " Updated.", url="http://WWW.news.example/story/1/#comments")
    unique, notes = dedup([a, b])
    assert len(unique) == 1
    # neither is dated, so the longer text (b) is kept and a is the duplicate
    assert [(n.source, n.kind) for n in notes] == [("a.html", "url")]
    assert unique[0].source == "b.html" and unique[0].also_sources == ("a.html",)


def test_same_body_after_normalisation_is_one_article():
    a = make("outlet-a.txt")
    b = make("outlet-b.txt", text="  " + BODY.upper().replace(" ", "\n", 3) + "\n")
    unique, notes = dedup([a, b])
    assert len(unique) == 1
    assert notes[0].kind == "exact" and notes[0].similarity == 1.0


def test_near_duplicate_is_reported_with_its_similarity_and_indexed_once():
    edited = BODY.replace("about three years", "roughly three years") + " (Example Wire)"
    a = make("a.txt", url="https://one.example/park")
    b = make("b.txt", text=edited, url="https://two.example/park")
    unique, notes = dedup([a, b])
    assert len(unique) == 1
    (note,) = notes
    assert note.kind == "near"
    assert 0.9 <= note.similarity < 1.0
    assert note.similarity == pytest.approx(jaccard(shingles(a.text), shingles(edited)), abs=1e-4)
    kept = unique[0]
    dropped_source = "b.txt" if kept.source == "a.txt" else "a.txt"
    assert dropped_source in kept.also_sources
    # the other copy's url is remembered too
    assert {"https://one.example/park", "https://two.example/park"} & set(kept.also_sources)


def test_different_articles_on_the_same_topic_are_both_kept():
    other = (
        "Plans for a park on the former freight yard moved a step closer after a council vote. Critics say "
        "the budget of forty million euros is too high, and shop owners near the site worry about parking "
        "during the three years of construction. Supporters point to the signatures gathered since 2009."
    )
    unique, notes = dedup([make("a.txt"), make("b.txt", text=other)])
    assert len(unique) == 2 and notes == []


def test_kept_copy_is_earliest_published_then_longest_then_smallest_source():
    early = make("z-late-name.txt", published=datetime(2024, 1, 1, 9, tzinfo=timezone(timedelta(hours=9))))
    late = make("a.txt", text=BODY + " More.", published=datetime(2024, 1, 1, 9, tzinfo=UTC))
    undated = make("0.txt", text=BODY + " Even more text here.")
    for order in itertools.permutations([early, late, undated]):
        unique, notes = dedup(list(order))
        assert [a.source for a in unique] == ["z-late-name.txt"]
        assert sorted(unique[0].also_sources) == ["0.txt", "a.txt"]
        assert [n.source for n in notes] == ["0.txt", "a.txt"]
    # no dates: the longest text, then the smallest source
    a, b, c = make("b.txt"), make("a.txt"), make("c.txt", text=BODY + " Longer.")
    for order in itertools.permutations([a, b, c]):
        assert [x.source for x in dedup(list(order))[0]] == ["c.txt"]
    for order in itertools.permutations([a, b]):
        assert [x.source for x in dedup(list(order))[0]] == ["a.txt"]


def test_kept_articles_come_back_in_input_order_and_korean_and_emoji_survive():
    korean = make("ko.txt", text="서울시는 3일 새 자전거 도로를 개통했다고 밝혔다. 시민들은 환영했다 🚲")
    unique, _ = dedup([make("x.txt"), korean])
    assert [a.source for a in unique] == ["x.txt", "ko.txt"]
    assert unique[1].text.endswith("🚲")


def test_threshold_is_checked():
    with pytest.raises(ValueError, match="near_threshold"):
        dedup([], near_threshold=0)


def test_a_copy_of_the_same_publication_lends_what_the_kept_one_lacks():
    # The same page saved as a text dump (longer, with a section, no url) and as HTML (a url and a byline):
    # the HTML is kept, for its link, and takes the section it lacks from the dump.
    dump = Article(
        id="d", source="page.txt", text=BODY + " More.", publisher="The Harbour Gazette", section="Local"
    )
    page = Article(
        id="h",
        source="page.html",
        text=BODY,
        publisher="the harbour  gazette",
        url="https://gazette.example/park",
        byline="Ada Quill",
    )
    (kept,), _ = dedup([dump, page])
    assert kept.source == "page.html" and kept.publisher == "the harbour  gazette"  # its own values stay
    assert (kept.url, kept.byline, kept.section) == ("https://gazette.example/park", "Ada Quill", "Local")
    assert kept.also_sources == ("page.txt",)
    # kept without a link (it came out a day earlier), it takes the link of the same publication's copy
    early = dataclasses.replace(dump, published=datetime(2024, 5, 1, tzinfo=UTC))
    late = dataclasses.replace(page, published=datetime(2024, 5, 2, tzinfo=UTC))
    (kept,), _ = dedup([late, early])
    assert kept.source == "page.txt" and kept.url == "https://gazette.example/park"
    assert kept.also_sources == ("page.html",)  # the url is its own now, not another source


def test_on_the_same_day_the_copy_with_a_link_is_kept():
    dump = make("page.txt", text=BODY + " More.", published=datetime(2024, 5, 1, 0, 0))
    page = make("page.html", url="https://gazette.example/park", published=datetime(2024, 5, 1, 18, 30))
    for order in ([dump, page], [page, dump]):
        (kept,), _ = dedup(order)
        assert kept.source == "page.html"


def test_a_wire_copy_from_another_outlet_lends_nothing():
    ours = Article(
        id="a", source="a.txt", text=BODY + " More.", publisher="The Harbour Gazette", section="Local"
    )
    theirs = Article(
        id="b", source="b.html", text=BODY, publisher="Inland Herald", url="https://herald.example/p"
    )
    unknown = Article(id="c", source="c.html", text=BODY, url="https://unknown.example/p")
    (kept,), _ = dedup([ours, theirs, unknown])
    # a copy with a link is kept; the Gazette's section would be wrongly the Herald's
    assert kept.source == "b.html" and kept.section is None
    assert {"a.txt", "c.html"} <= set(kept.also_sources)
    (kept,), _ = dedup([ours, unknown])
    # nothing says the unknown outlet is the Gazette: it does not take the Gazette's name or section
    assert kept.source == "c.html" and (kept.publisher, kept.section) == (None, None)


def test_articles_whose_url_is_their_site_home_page_stay_apart():
    # A site that gives every page its home page as canonical link: the url says nothing of the article.
    other = (
        "The harbour master said on Friday that the new tide gauge had recorded the highest water in forty "
        "years during the storm that closed the quay, and that the sea wall had held."
    )
    a = make("a.html", url="https://courier.example/")
    b = make("b.html", text=other, url="https://www.courier.example")
    unique, notes = dedup([a, b])
    assert len(unique) == 2 and notes == []
    assert a.id != b.id  # the ids come from the texts, not from the shared url


_MORE = [
    "The first phase covers the northern half of the yard, where the market hall will stand, and the "
    "council expects to open it to the public in the summer after next if the weather allows.",
    "A second phase will add the playing fields and the cycle path, once the old rail sidings have been "
    "lifted and the ground beneath them tested for oil and other traces of the freight trains.",
    "Local schools have asked for a share of the fields on weekday mornings, and the council said it would "
    "set out a booking scheme for clubs and schools before the end of the year.",
]


def test_a_copy_with_a_paragraph_more_is_the_same_article():
    # One outlet's page let a sign-off and a related-stories line through: Jaccard drops under 0.9, yet
    # the whole of the other copy is in it.
    story = " ".join([BODY, *_MORE])
    extra = story + (
        " Photo: the old freight yard seen from the river promenade, by our staff photographer. Reporting by "
        "the Example Wire desk in Exampleton. Related: Council budget vote delayed to March; Bus routes to "
        "change in the eastern districts."
    )
    a, b = make("outlet-a.txt", text=story), make("outlet-b.html", text=extra)
    assert jaccard(shingles(story), shingles(extra)) < 0.9
    unique, notes = dedup([a, b])
    assert len(unique) == 1
    (note,) = notes
    assert note.kind == "near" and 0.7 <= note.similarity < 0.9
    unique, notes = dedup([a, b], with_containment=False)  # Jaccard alone misses it
    assert len(unique) == 2


def test_a_brief_inside_a_round_up_and_a_much_longer_update_stay_apart():
    brief = make("brief.txt", text=BODY)
    round_up = make(
        "round-up.txt", text=" ".join([BODY, *_MORE, *[m.replace("council", "board") for m in _MORE]])
    )
    unique, _ = dedup([brief, round_up])
    assert len(unique) == 2  # the brief is all inside the round-up, but it is a third of it
    update = make("update.txt", text=" ".join([BODY, *_MORE]))
    unique, _ = dedup([brief, update])
    assert len(unique) == 2  # the update adds more than the merge may drop: both are kept
