"""The covered-or-not benchmark's scoring on made-up outcomes whose figures are known (the run itself needs
the evaluation set and the real model: `python -m benchmarks coverage`)."""

from __future__ import annotations

import pytest

from benchmarks.coverage import (
    CoverageOutcome,
    held_out,
    previous_confidence,
    split_archive,
    tally,
    top_score_alone,
)
from bot.answering.confidence import Signals
from corpus.models import Article


def outcome(covered: bool, right: bool, top: float, half: str = "even") -> CoverageOutcome:
    signals = Signals(
        sentence_overlap=0.5, passage_overlap=0.5, dense=0.5, negation_mismatch=False, top_score=top
    )
    return CoverageOutcome(covered, half, right, right, confidence=top / 10, signals=signals)


def test_tally_counts_right_wrong_and_abstained_per_side_and_truthfulness_over_all() -> None:
    outcomes = [
        outcome(True, True, 6.0),  # answered right
        outcome(True, False, 5.0),  # answered wrong
        outcome(True, True, 1.0),  # refused
        outcome(False, False, 4.0),  # answered wrong
        outcome(False, False, 1.0),  # refused
        CoverageOutcome(False, "even", False, False, 0.0, None),  # nothing found: refused
    ]
    t = tally(outcomes, lambda o: o.signals is not None and o.signals.top_score >= 4.0)
    assert (t.covered_right, t.covered_wrong, t.covered_abstained) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert (t.uncovered_right, t.uncovered_wrong, t.uncovered_abstained) == pytest.approx((0.0, 1 / 3, 2 / 3))
    assert t.truthfulness == pytest.approx((1 - 2) / 6)
    assert tally(outcomes, lambda o: False).truthfulness == 0.0


def test_held_out_fits_on_one_half_and_answers_only_where_right_is_likelier() -> None:
    # In both halves a high top score goes with a right answer, a low one with a wrong one or none.
    outcomes = [
        outcome(covered, right, top, half)
        for half in ("even", "odd")
        for covered, right, top in [
            (True, True, 6.0), (True, True, 5.5), (True, False, 3.0), (False, False, 2.0),
            (False, False, 2.5), (True, True, 5.0), (False, False, 3.5), (True, False, 4.5),
        ]
    ]  # fmt: skip
    read = held_out(outcomes, top_score_alone)
    assert set(read) == {"even", "odd", "both"}
    for half in ("even", "odd"):
        assert read[half].uncovered_abstained == 1.0
        assert read[half].covered_right == pytest.approx(3 / 5)
        assert read[half].truthfulness > 0.0
    assert read["both"].truthfulness == pytest.approx(
        (read["even"].truthfulness + read["odd"].truthfulness) / 2
    )


def test_the_archive_is_every_other_passage_from_the_first() -> None:
    articles = [Article(id=f"a{i}", source=f"fictional-{i}", text=f"Text {i}.") for i in range(5)]
    assert [a.id for a in split_archive(articles)] == ["a0", "a2", "a4"]


def test_previous_confidence_is_the_squad_fitted_one() -> None:
    covered = Signals(sentence_overlap=1.0, passage_overlap=1.0, dense=0.7, negation_mismatch=False)
    negated = Signals(sentence_overlap=1.0, passage_overlap=1.0, dense=0.7, negation_mismatch=True)
    assert 0.5 < previous_confidence(covered) < 1.0
    assert previous_confidence(negated) < previous_confidence(covered)
