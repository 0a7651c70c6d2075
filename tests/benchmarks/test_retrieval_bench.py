"""A small run of the retrieval benchmark with the real model, so it cannot rot: figures are computed for
every method and are sane. Not a quality gate (the full run is `python -m benchmarks retrieval`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.retrieval import DEFAULT_EVAL_DIR, SQUAD_PATH, evaluate, load_jsonl, load_squad, main, render
from embeddings.encoder import SentenceTransformerEncoder
from tests.embeddings.articles import fictional_articles

QUESTIONS = [
    ("Who won the bitter orange category at the marmalade festival?", 1),
    ("How much will the footbridge over the Glimmer River cost?", 0),
    ("Why were replacement buses running in Sampleford?", 2),
    ("What can library members borrow for two weeks?", 3),
    ("Which dairy made the prize-winning cheese?", 4),
]


def _write_jsonl(tmp_path: Path) -> tuple[Path, Path]:
    articles = fictional_articles()
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(
                {
                    "url": a.url,
                    "title": a.title,
                    "text": a.text,
                    "publisher": a.publisher,
                    "published": a.published.isoformat() if a.published else None,
                }
            )
            for a in articles
        )
    )
    questions = tmp_path / "questions.jsonl"
    lines = [json.dumps({"question": q, "url": articles[i].url}) for q, i in QUESTIONS[:4]]
    lines.append(json.dumps({"question": QUESTIONS[4][0], "article_id": articles[4].id}))
    questions.write_text("\n".join(lines))
    return corpus, questions


def test_jsonl_set_scores_every_method(tmp_path: Path, real_encoder: SentenceTransformerEncoder) -> None:
    corpus, questions = _write_jsonl(tmp_path)
    eval_set = load_jsonl(corpus, questions)
    assert len(eval_set.articles) == 5 and len(eval_set.questions) == 5
    results = evaluate(eval_set, real_encoder, tmp_path / "index")
    assert set(results) == {"keyword", "dense", "rrf", "hybrid"}
    for scores in results.values():
        assert scores.questions == 5
        assert 0.0 <= scores.hit1 <= scores.hit5 <= 1.0
        assert scores.hit1 <= scores.mrr10 <= scores.hit5
    assert results["hybrid"].hit1 == 1.0  # five distinct fictional stories: each question finds its own
    assert "hybrid" in render(results, eval_set, reference=False)


def test_cli_runs_on_a_jsonl_set(tmp_path: Path) -> None:
    corpus, questions = _write_jsonl(tmp_path)
    result = CliRunner().invoke(main, ["--corpus", str(corpus), "--questions", str(questions), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["questions"] == 5 and set(figures["results"]) == {"keyword", "dense", "rrf", "hybrid"}


def test_small_squad_run_is_sane(tmp_path: Path, real_encoder: SentenceTransformerEncoder) -> None:
    path = DEFAULT_EVAL_DIR / SQUAD_PATH
    if not path.is_file():
        pytest.skip(f"evaluation set not present at {path}")
    eval_set = load_squad(path, limit=100, max_titles=2)
    assert len(eval_set.questions) == 100
    results = evaluate(eval_set, real_encoder, tmp_path / "index")
    for name, scores in results.items():
        assert scores.questions == 100
        # far above chance (1 in ~80 paragraphs) for every method
        assert scores.hit5 > 0.6, name
        assert scores.hit1 <= scores.mrr10 <= scores.hit5
    assert results["hybrid"].mrr10 >= results["dense"].mrr10 - 0.05
