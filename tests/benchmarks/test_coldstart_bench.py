"""The cold-start benchmark runs whole (one repeat, on a tiny index), so that it cannot rot: every row is
measured and the shipped `newsbot ask` answers from the index it was given. No timing is asserted."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from benchmarks import coldstart
from corpus.models import Article
from embeddings.build import build_index_from_articles


def test_coldstart_bench_small(tmp_path: Path, real_encoder, monkeypatch) -> None:
    monkeypatch.setenv("NEWSBOT_CACHE_DIR", str(tmp_path / "elsewhere"))  # the benchmark sets its own
    article = Article(
        id="tram",
        source="tram.txt",
        title="Exampleton tram line to open in March",
        text="The new tram line in Exampleton will open on 3 March 2025, the city council said.",
    )
    build_index_from_articles([article], tmp_path / "index", real_encoder)
    args = ["--index", str(tmp_path / "index"), "--repeat", "1", "--onnx-cache", str(tmp_path / "cache")]
    result = CliRunner().invoke(coldstart.main, args)
    assert result.exit_code == 0, result.output
    rows = re.findall(r"^\| (.+?) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", result.output, re.MULTILINE)
    labels = [label for label, _, _, _ in rows]
    assert len(rows) == 7, result.output
    assert any("no ONNX export cached" in label for label in labels)
    assert any("exports the model once" in label for label in labels)
    assert any("as shipped" in label for label in labels)
    assert any("tagger alone" in label for label in labels)
    assert any("asks for no kind" in label for label in labels)
    assert all(float(median) > 0 and float(cpu) > 0 for _, median, _, cpu in rows)
    assert any((tmp_path / "cache").rglob("*.onnx"))
    # The shipped path found the export: it never imports sentence-transformers; the fallback does.
    shipped = re.search(r"heaviest imports of newsbot ask \(.*\n(.*)", result.output)
    fallback = re.search(r"heaviest imports of newsbot ask without the export.*\n(.*)", result.output)
    assert shipped and fallback, result.output
    assert "sentence_transformers" not in shipped.group(1) and "torch" not in shipped.group(1)
    assert "sentence_transformers" in fallback.group(1)
