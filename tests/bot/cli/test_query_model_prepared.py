"""A missing ONNX query model (another user's index, a cleaned cache) is made again by the first `ask`,
which says so once on standard error; the answer does not change, and later asks find the model."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import embeddings.onnx_encoder as onnx_encoder
from bot.cli import main
from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import SentenceTransformerEncoder
from embeddings.onnx_encoder import ensure_onnx_model, onnx_path_for

NOTE = "Preparing the fast query model"
QUESTION = "How many trams will the fictional Harbour Line run?"


@pytest.fixture
def index_dir(tmp_path: Path, real_encoder: SentenceTransformerEncoder) -> Path:
    articles = [
        Article(
            id="tram",
            source="tram.txt",
            title="Harbour Line trams arrive",
            published=datetime(2024, 3, 1),
            text="The fictional Harbour Line in Exampleton will run 14 trams from May. The first two trams "
            "arrived at the depot on Friday, the Exampleton transport office said.",
        ),
        Article(
            id="bakery",
            source="bakery.txt",
            title="Bakery wins prize",
            published=datetime(2024, 3, 2),
            text="A bakery in the invented town of Exampleton won the regional bread prize for its rye loaf.",
        ),
    ]
    build_index_from_articles(articles, tmp_path / "index", real_encoder)
    return tmp_path / "index"


def ask(index_dir: Path) -> tuple[dict[str, object], str]:
    result = CliRunner().invoke(
        main, ["ask", QUESTION, "--index", str(index_dir), "--json", "--as-of", "2024-06-01"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_a_missing_model_is_made_again_once_and_answers_the_same(
    index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_encoder: SentenceTransformerEncoder
) -> None:
    monkeypatch.setenv("NEWSBOT_CACHE_DIR", str(tmp_path / "cache"))
    model = onnx_path_for()
    ensure_onnx_model(reference=real_encoder)
    before, note = ask(index_dir)
    assert NOTE not in note

    model.unlink()
    again, note = ask(index_dir)
    assert model.is_file()
    assert note.count(NOTE) == 1 and "once" in note
    assert again == before  # the JSON on standard output holds the answer and nothing of the note
    assert "fictional Harbour Line" in str(again["answer"]) and again["abstained"] is False

    later, note = ask(index_dir)
    assert NOTE not in note and later == before
    assert [p.name for p in model.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_two_processes_exporting_at_once_export_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_encoder: SentenceTransformerEncoder
) -> None:
    cache = tmp_path / "cache"
    exports: list[Path] = []
    real_export = onnx_encoder.export_onnx

    def counted(model_dir: Path, target: Path) -> None:
        exports.append(target)
        real_export(model_dir, target)

    monkeypatch.setattr(onnx_encoder, "export_onnx", counted)
    results: list[Path] = []
    # flock locks an open file description, so two threads opening the lock file contend as two
    # processes would.
    threads = [
        threading.Thread(
            target=lambda: results.append(ensure_onnx_model(cache_dir=cache, reference=real_encoder))
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(exports) == 1
    assert len(results) == 2 and results[0] == results[1] and results[0].is_file()
    assert sorted(p.name for p in cache.iterdir()) == [".export.lock", results[0].name]


def test_a_failed_export_is_noted_and_not_tried_again(
    index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_CACHE_DIR", str(tmp_path / "cache"))
    attempts: list[Path] = []

    def failing(model_dir: Path, target: Path) -> None:
        attempts.append(target)
        raise RuntimeError("the exporter is missing here")

    monkeypatch.setattr(onnx_encoder, "export_onnx", failing)
    answer, note = ask(index_dir)
    assert note.count(NOTE) == 1 and "slower start" in note and "exporter is missing" in note
    assert "fictional Harbour Line" in str(answer["answer"])
    answer_again, note = ask(index_dir)
    assert NOTE not in note and len(attempts) == 1 and answer_again == answer
