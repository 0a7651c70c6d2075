"""The ONNX query encoder reproduces sentence-transformers' vectors, is exported once, and loads
without torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoder import Encoder, default_model_path
from embeddings.onnx_encoder import (
    MIN_COSINE,
    OnnxExportError,
    OnnxQueryEncoder,
    ensure_onnx_model,
    onnx_path_for,
)

# Varied: news questions, long passages, Korean, Japanese, emoji, numbers, punctuation, odd spacing.
TEXTS = [
    "Who won the mayoral election in Exampleton?",
    "What did the Gazette of Exampleton report about the harbour bridge?",
    "when will the new tram line open",
    "Interest rates were left unchanged at 3.5% on Thursday, the central bank of Exampleton said.",
    "The council voted 7-2 to fund the library; opponents called it 'a waste'.",
    "Fictional storms flooded the lower town 🌊🌧️ and the fire brigade 🚒 rescued 14 people.",
    "😀😀😀 great news 🎉",
    "서울 지하철 요금이 내년부터 인상된다.",
    "한국은행은 기준금리를 연 3.5%로 동결했다고 밝혔다.",
    "부산에서 열린 국제 영화제에 관객 20만 명이 몰렸다 🎬",
    "東京の株価は三日連続で上昇した。",
    "北京宣布新的城市规划。",
    "Die Stadt Exampleton baut einen neuen Bahnhof.",
    "La mairie d'Exampleton a annoncé un nouveau budget.",
    "El puerto de Exampleton cerrará por obras en marzo.",
    "COVID-19 vaccine uptake rose to 81.2% (up from 77.9%) — officials",
    "   leading and trailing spaces   ",
    "a",
    "?",
    "UPPER CASE HEADLINE ABOUT THE EXAMPLETON DERBY",
    "e-mail: desk@gazette.example, tel. +1 555 0100",
    "Q3 revenue: $4.2bn vs. $3.9bn expected; EPS $1.07.",
    "The quick brown fox jumps over the lazy dog. " * 60,  # far past the 256-token truncation
    "\n".join(["Line one of a list.", "Line two.", "", "Line four after a blank."]),
    "Tab\tseparated\tvalues\tin\ta\tsentence",
    "Ελληνικά: η κυβέρνηση ανακοίνωσε νέα μέτρα.",
    "Русский текст о выборах в Экзамплтоне.",
    "مرحبا بالعالم، هذه أخبار اليوم",
    "naïve café résumé coöperate",
    "🇰🇷 🇯🇵 🇺🇸 flags and ⚽ scores 2–1",
]


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory, real_encoder) -> Path:
    return ensure_onnx_model(cache_dir=tmp_path_factory.mktemp("onnx-cache"), reference=real_encoder)


def test_vectors_match_sentence_transformers(onnx_model, real_encoder):
    encoder = OnnxQueryEncoder(default_model_path(), onnx_model)
    assert isinstance(encoder, Encoder)
    reference = real_encoder.encode_passages(TEXTS)
    one_by_one = np.vstack([encoder.encode_queries([t]) for t in TEXTS])
    batched = encoder.encode_passages(TEXTS, batch_size=7)  # padded batches, restored order
    for vectors in (one_by_one, batched):
        assert vectors.shape == (len(TEXTS), 384)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        cosines = (vectors * reference).sum(axis=1)
        assert cosines.min() >= MIN_COSINE, TEXTS[int(cosines.argmin())]
    assert encoder.encode_queries([]).shape == (0, 384)


def test_export_is_cached_and_found_without_exporting(onnx_model, real_encoder):
    cache_dir = onnx_model.parent
    assert onnx_path_for(cache_dir=cache_dir) == onnx_model
    stamp = onnx_model.stat().st_mtime_ns
    assert ensure_onnx_model(cache_dir=cache_dir, reference=real_encoder) == onnx_model
    assert onnx_model.stat().st_mtime_ns == stamp  # not exported again
    # no temporary left behind; the lock file that serialises exports stays (it is empty)
    assert sorted(p.name for p in cache_dir.iterdir()) == [".export.lock", onnx_model.name]
    found = OnnxQueryEncoder.from_cache(cache_dir=cache_dir)
    assert found is not None and found.onnx_path == onnx_model


def test_nothing_cached_gives_none(tmp_path):
    assert OnnxQueryEncoder.from_cache(cache_dir=tmp_path) is None


def test_query_path_does_not_import_torch(onnx_model):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from embeddings.onnx_encoder import OnnxQueryEncoder\n"
        f"e = OnnxQueryEncoder.from_cache(cache_dir=Path({str(onnx_model.parent)!r}))\n"
        "v = e.encode_queries(['Who won the derby?'])\n"
        "print(v.shape, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "(1, 384) False False"


def test_other_pooling_is_refused(tmp_path):
    model = tmp_path / "model"
    (model / "1_Pooling").mkdir(parents=True)
    modules = [
        {"type": "sentence_transformers.models.Transformer"},
        {"type": "sentence_transformers.models.Pooling"},
    ]
    (model / "modules.json").write_text(
        json.dumps([*modules, {"type": "sentence_transformers.models.Normalize"}])
    )
    (model / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    with pytest.raises(OnnxExportError, match="mean pooling"):
        ensure_onnx_model(model, cache_dir=tmp_path / "cache")
    (model / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(OnnxExportError, match="modules"):
        ensure_onnx_model(model, cache_dir=tmp_path / "cache")
