"""The short-answer benchmark on the small fictional quiz of test_news_bench, with the real model and the
real tagger: its scoring and a whole run. Not a quality gate (the full run is `python -m benchmarks
shorts`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.shorts import Tally, main, token_f1
from embeddings.encoder import SentenceTransformerEncoder
from tests.benchmarks.test_news_bench import QUIZ, write_quiz


def test_token_f1_is_squads() -> None:
    assert token_f1("The Glimmer River", "Glimmer River") == 1.0  # articles and case do not count
    assert token_f1("Glimmer", "Glimmer River") == pytest.approx(2 / 3)
    assert token_f1("Quill", "Glimmer River") == 0.0


def test_a_tally_scores_only_the_short_answers_shown() -> None:
    tally = Tally("quiz")
    tally.add("tagger", "the Glimmer River", ["Glimmer River"])
    tally.add("tagger", None, ["Fennick Holloway"])
    tally.add("tagger", "Fennick", ["Fennick Holloway"])
    assert tally.given["tagger"] == 2 and tally.exact["tagger"] == 1
    assert tally.f1["tagger"] == pytest.approx(1 + 2 / 3)


def test_a_whole_run_on_the_fictional_quiz(tmp_path: Path, real_encoder: SentenceTransformerEncoder) -> None:
    write_quiz(tmp_path / "eval")
    result = CliRunner().invoke(main, ["--eval-dir", str(tmp_path / "eval"), "--squad", "0"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("| rtqa-2020 |")]
    assert len(rows) == 4  # the tagger, the tagger naming among several, the regex spans, the sentence
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1].startswith(f"{len(QUIZ)} (")
        em_all, f1_all, em_shown, f1_shown, shown = (float(c) for c in cells[3:8])
        assert 0 <= em_all <= f1_all <= 100 and 0 <= em_shown <= 100 and 0 <= f1_shown <= 100
        assert 0 <= shown <= 1
    assert re.search(r"the tagger's short answer takes [\d.]+ ms p50", result.stdout)
