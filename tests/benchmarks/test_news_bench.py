"""The news benchmark on a small fictional quiz (the articles of `tests.embeddings.articles`), with the real
model: the loader, the judge, the halves, and a whole run through retrieval and answers. Not a quality
gate (the full run is `python -m benchmarks news`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.news import (
    HALVES,
    METHODS,
    NewsQuestion,
    judge,
    load_rtqa,
    main,
    render,
    run_rtqa,
    squad_halves,
)
from benchmarks.retrieval import EvalSet, Question
from bot.models import Answer, AnswerSentence
from corpus.models import Article
from embeddings.encoder import SentenceTransformerEncoder
from tests.embeddings.articles import fictional_articles

# (question, article index, choices with the right one first, date); 2031-04-03 is in ISO week 14 (even),
# 2031-06-04 in week 23 (odd).
QUIZ = [
    (
        "Which river will the new Exampleton footbridge cross?",
        0,
        ["Glimmer River", "Quill River", "Mill River", "Tallow River"],
        "2031/04/03",
    ),
    (
        "Who won the bitter orange category at the marmalade festival?",
        1,
        ["Fennick Holloway", "Jory Pennant", "Marisol Venn", "Pim Alder"],
        "2031/04/03",
    ),
    (
        "How many years in a row has the bitter orange winner taken the prize?",
        1,
        ["Three", "Two", "Five", "Ten"],
        "2031/04/03",
    ),
    (
        "What had torn down the tram wires in Sampleford?",
        2,
        ["storm", "fire", "lorry", "flood"],
        "2031/06/04",
    ),
    (
        "What can Sampleford library members borrow for two weeks?",
        3,
        ["Telescopes", "Bicycles", "Kayaks", "Tents"],
        "2031/06/04",
    ),
    (
        "Which dairy made the prize-winning smoked goat cheese?",
        4,
        ["Tallow Hill", "Clover Farm", "Quill Street", "Old Mill"],
        "2031/06/04",
    ),
]


def write_quiz(eval_dir: Path) -> list[Article]:
    """The fictional articles and quiz in the layout of `../shared/eval/rtqa-2020`."""
    articles = fictional_articles()
    folder = eval_dir / "rtqa-2020"
    folder.mkdir(parents=True)
    corpus = [
        {
            "id": f"quiz-{i}",
            "url": a.url,
            "title": a.title,
            "published": a.published.date().isoformat() if a.published else None,
            "publisher": a.publisher,
            "text": a.text,
        }
        for i, a in enumerate(articles)
    ]
    quiz = [
        {"question": q, "gold_url": articles[i].url, "choices": sorted(c), "answer": [c[0]], "date": d}
        for q, i, c, d in QUIZ
    ]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in corpus) + "\n", encoding="utf-8")
    (folder / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in quiz) + "\n", encoding="utf-8")
    return articles


def _answer(*sentences: str, short: str | None = None) -> Answer:
    return Answer(
        question="q",
        sentences=tuple(AnswerSentence(s, 1) for s in sentences),
        citations=(),
        passages=(),
        abstained=False,
        short=short,
    )


def _question(right: str, *wrong: str) -> NewsQuestion:
    from datetime import date

    return NewsQuestion("q", "https://x.invalid/1", (right, *wrong), (right,), date(2031, 4, 3))


def test_load_reads_gold_quotability_and_halves(tmp_path: Path) -> None:
    write_quiz(tmp_path)
    articles, questions = load_rtqa(tmp_path)
    assert [a.id for a in articles] == [f"quiz-{i}" for i in range(5)]
    assert [q.gold for q in questions] == [f"quiz-{i}" for _, i, _, _ in QUIZ]
    assert [q.right for q in questions] == [c[0] for _, _, c, _ in QUIZ]
    assert all(len(q.choices) == 4 and q.right in q.choices and q.right not in q.wrong for q in questions)
    # "Three": the passage says "third year running", so no extractive answer can quote the option.
    assert [q.quotable for q in questions] == [True, True, False, True, True, True]
    assert [q.half for q in questions] == ["even"] * 3 + ["odd"] * 3


def test_load_refuses_a_question_whose_passage_is_missing(tmp_path: Path) -> None:
    write_quiz(tmp_path)
    questions = tmp_path / "rtqa-2020" / "questions.jsonl"
    record = {"question": "?", "gold_url": "https://nowhere.invalid/", "choices": ["a"], "answer": ["a"]}
    questions.write_text(questions.read_text() + json.dumps({**record, "date": "2031/01/01"}) + "\n")
    with pytest.raises(ValueError, match="passage"):
        load_rtqa(tmp_path)


def test_judge_by_words() -> None:
    question = _question("Hasidic Judaism", "Reform Judaism", "Shiite Islam", "Roman Catholicism")
    right = judge(_answer("The victims were members of a Hasidic Judaism congregation."), question)
    assert right == right.__class__(abstained=False, right=True, named_wrong=False, closest_right=True)
    # "Judaism" is shared with the right option: only "reform" names the wrong one.
    both = judge(_answer("A Hasidic Judaism group, not a Reform one."), question)
    assert both.named_wrong and not both.right
    partial = judge(_answer("Members of the Hasidic community."), question)
    assert not partial.right and not partial.named_wrong
    abstained = judge(Answer("q", (), (), (), abstained=True), question)
    assert abstained.abstained and not abstained.right and not abstained.named_wrong


def test_judge_reads_the_short_answer_but_not_the_source_numbers() -> None:
    question = _question("1", "2", "7", "9")
    assert _answer("The council met.").text == "The council met. [1]"
    assert not judge(_answer("The council met."), question).right  # the marker [1] is not the answer
    assert judge(_answer("The council met.", short="1"), question).right
    assert judge(_answer("The council met.", short="2"), question).named_wrong


def test_squad_halves_split_by_wikipedia_article() -> None:
    articles = tuple(
        Article(id=f"p{i}", source=f"s#{i}", text=f"Paragraph {i}.", title=title)
        for i, title in enumerate(["Alpha", "Alpha", "Beta", "Gamma", "Gamma"])
    )
    questions = tuple(Question(f"q{i}", f"p{i}") for i in range(5))
    assert squad_halves(EvalSet("s", articles, questions)) == ["even", "even", "odd", "even", "even"]


def test_a_whole_run_on_the_fictional_quiz(tmp_path: Path, real_encoder: SentenceTransformerEncoder) -> None:
    write_quiz(tmp_path / "eval")
    articles, questions = load_rtqa(tmp_path / "eval")
    figures = run_rtqa(articles, questions, real_encoder, tmp_path / "index")
    assert set(figures.retrieval) == set(METHODS)
    for name, parts in figures.retrieval.items():
        assert parts["all"].questions == 6 and parts["even"].questions == parts["odd"].questions == 3
        assert 0.0 <= parts["all"].hit1 <= parts["all"].mrr10 <= parts["all"].hit5 <= 1.0, name
    assert figures.retrieval["shipped"]["all"].hit1 == 1.0  # five distinct stories: each found first
    assert figures.answers is not None
    never = figures.answers["never abstain"]
    assert never["all"].abstained == 0.0 and never["all"].quotable == 5
    assert never["all"].right >= 0.5  # the names and things asked for are in the passages, quoted
    assert never["all"].right_quotable >= never["all"].right  # the unquotable "Three" is never right
    for setting in figures.answers.values():
        assert {setting[h].questions for h in HALVES} == {3}
    text = render([figures], "python -m benchmarks news", 1.0, "")
    assert "| shipped |" in text and "| never abstain |" in text and "hybrid (before)" in text


def test_cli_keeps_the_index_and_query_vectors(tmp_path: Path) -> None:
    write_quiz(tmp_path / "eval")
    args = ["--eval-dir", str(tmp_path / "eval"), "--no-squad", "--index-dir", str(tmp_path / "kept")]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "### Retrieval: rtqa-2020" in first.stdout and "### Answers: rtqa-2020" in first.stdout
    assert len(list((tmp_path / "kept" / "rtqa").glob("queries-*.npy"))) == 1
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    table = [line for line in first.stdout.splitlines() if line.startswith("| ")]
    assert table == [line for line in second.stdout.splitlines() if line.startswith("| ")]


def test_cli_says_where_the_set_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--eval-dir", str(tmp_path), "--no-squad"])
    assert result.exit_code != 0 and "rtqa-2020" in result.output


def test_closest_option_is_the_one_whose_content_words_the_short_answer_holds_most_of() -> None:
    from benchmarks.news import closest_option

    choices = ("Hasidic Judaism", "Reform Judaism", "Shiite Islam", "Roman Catholicism")
    assert closest_option(_answer("A long sentence.", short="Hasidic"), choices) == "Hasidic Judaism"
    assert closest_option(_answer("A long sentence.", short="Judaism"), choices) is None  # a tie names none
    assert closest_option(_answer("A long sentence.", short="the mayor"), choices) is None
    # Without a short answer the first sentence is read, not the later ones.
    first = _answer("Roman bishops met.", "Shiite Islam was there too.")
    assert closest_option(first, choices) == "Roman Catholicism"  # half its words, the others none
    assert closest_option(_answer("They met in Shiite Islam's holy city.", "Hasidic Judaism"), choices) == (
        "Shiite Islam"
    )
    assert closest_option(Answer("q", (), (), (), abstained=True), choices) is None
