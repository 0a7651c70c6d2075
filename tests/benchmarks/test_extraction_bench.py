"""The extraction benchmark's scoring (the benchmark itself needs the shared eval data and is not a test)."""

from __future__ import annotations

from datetime import date, datetime

from benchmarks.extraction import (
    Page,
    Result,
    dump_reachability,
    fold_title,
    html_detail_records,
    reach_note,
    same_day,
    word_f1,
)


def test_word_f1_is_wcxb_bag_of_words() -> None:
    assert word_f1("The cat sat", "the cat sat") == 1.0
    assert word_f1("", "") == 1.0
    assert word_f1("dog", "cat") == 0.0
    # precision 2/4, recall 2/2
    assert abs(word_f1("the cat the cat", "the cat") - 2 * 0.5 * 1 / 1.5) < 1e-9


def test_title_folding_and_same_day() -> None:
    assert fold_title("  Big   News\n") == fold_title("big news")
    assert same_day(datetime(2021, 10, 31, 23, 59), "2021-10-31")
    assert same_day(date(2021, 10, 31), "2021-10")
    assert not same_day(None, "2021-10-31")


def test_reachability_counts_what_a_dump_holds() -> None:
    pages = [
        Page("a", "text", gold_title="Willows Planted", gold_date="2024-03-05"),
        Page("b", "text", gold_title="Not In The Dump", gold_date="2024-03-05"),
        Page("c", "text"),
    ]
    dumps = ["Home\n willows  planted\nMarch 5, 2024\ntext", "Home\nSomething else\ntext", "text"]
    reach = dump_reachability(pages, dumps)
    assert [(r.title, r.day) for r in reach] == [(True, True), (False, False), (None, None)]
    results = [Result("text", "Willows planted", date(2024, 3, 5)), Result("text"), Result("text")]
    note = reach_note(pages, results, reach)
    assert "on 1 of 2 pages (50.0%)" in note
    assert "exactly on 1 of those 1 (100.0%)" in note
    assert "dates 1 of those 1" in note


def test_html_details_put_trafilatura_beside_ours() -> None:
    pages = [Page("a", "the cat sat", gold_title="Cats", gold_date="2024-03-05")]
    ours = [Result("the cat sat", "Cats", date(2024, 3, 5))]
    baseline = [Result("the cat sat on a mat", "Cats | Site", None)]
    (record,) = html_detail_records("wcxb-dev HTML", pages, ours, baseline)
    assert record["corpus"] == "wcxb-dev HTML"
    assert (record["f1"], record["title_ok"], record["day_ok"]) == (1.0, True, True)
    assert record["trafilatura_f1"] < 1.0
    assert record["trafilatura_title"] == "Cats | Site"
    assert record["trafilatura_published"] is None


def test_publisher_note_compares_the_dump_with_the_page_own_name() -> None:
    from benchmarks.extraction import publisher_note

    dumps = [Result("t", publisher="Gazette"), Result("t", publisher="Hearst"), Result("t"), Result("t")]
    html = [
        Result("t", publisher="The Gazette"),
        Result("t", publisher="Prevention"),
        Result("t", publisher="X"),
    ]
    html.append(Result("t"))  # states none: not counted
    note = publisher_note(dumps, html)
    assert "on 3 pages that state one" in note
    assert "inside the other on 1, another name on 1" in note
    assert "none on 1." in note


def test_byline_note_scores_against_the_gold_author() -> None:
    from benchmarks.extraction import byline_note

    pages = [
        Page("a", "t", gold_author="Mara Quill"),
        Page("b", "t", gold_author="Ada Lane"),
        Page("c", "t", gold_author="Tom Reed"),
        Page("d", "t"),
    ]
    results = [
        Result("t", byline="mara  quill."),
        Result("t", byline="Ben Ode"),
        Result("t"),
        Result("t", byline="X Y"),
    ]
    note = byline_note("dumps", pages, results)
    assert "(3 pages have one): exact 1 (33.3%), another name 1, none 1" in note
    assert "no author: 1." in note
