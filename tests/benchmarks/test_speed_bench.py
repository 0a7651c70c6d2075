"""Small versions of the speed benchmarks, so none can rot: each runs end to end on tiny sizes and its
figures are computed and sane. Never timing assertions: speed is the benchmarks' job, not the tests'."""

from __future__ import annotations

import math

import numpy as np
from click.testing import CliRunner

from benchmarks import coldstart, indexing, query, scale
from benchmarks.synthetic import MixtureEncoder, TextMaker
from embeddings.encoder import DEFAULT_MODEL, HashingEncoder


def test_mixture_is_calibrated_reproducible_and_unit_length():
    anchors = scale.gmm_anchors(n=600, dim=32, rank=8)
    noise, real, synthetic = scale.calibrate(anchors, steps=8)
    assert noise > 0
    assert abs(real - synthetic) < 0.05  # the calibration hits its target
    mixture = scale.Mixture(anchors, noise)
    a = mixture.sample(50, stream=0, block=3)
    np.testing.assert_array_equal(a, mixture.sample(50, stream=0, block=3))
    assert not np.array_equal(a, mixture.sample(50, stream=1, block=3))  # queries are not base vectors
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_running_topk_merge_equals_exact_search():
    rng = np.random.default_rng(0)
    sims = rng.random((4, 30)).astype(np.float32)
    ids = np.tile(np.arange(30, dtype=np.int64), (4, 1))
    best = None
    for start in range(0, 30, 7):
        best = scale.merge_topk(best, sims[:, start : start + 7], ids[:, start : start + 7], k=5)
    assert best is not None
    np.testing.assert_array_equal(best[1], np.argsort(-sims, axis=1)[:, :5])
    assert scale.recall_at_k(best[1], best[1], k=5) == 1.0
    assert scale.parse_count("1M") == 1_000_000 and scale.parse_count("100k") == 100_000


def test_scale_small_run_reports_every_kind(tmp_path):
    settings = scale.Settings(
        kinds=["flat", "hnsw", "ivfpq"],
        queries=40,
        batch=5_000,
        threads=1,
        flat_max=10**9,
        hnsw_max=10**9,
        ef_search=[16, 64],
        nprobe=[8],
        k_factor=[1.0, 4.0],
        flat_queries=20,
        out_dir=tmp_path,
        candidates=[50, 400],
        cold_queries=5,
    )
    anchors = scale.gmm_anchors(n=1000)
    rows = scale.run_size(12_000, scale.Mixture(anchors, 0.3), settings, log=lambda _: None)
    kinds = {r.kind for r in rows}
    assert kinds == {"flat", "hnsw", "ivfpq", "ivfpq+sq8"}  # IVF-PQ re-scored, and the baseline
    for row in rows:
        assert 0.0 <= row.recall10 <= 1.0 and row.p50_ms > 0 and row.p95_ms >= row.p50_ms
    flat = next(r for r in rows if r.kind == "flat")
    assert flat.recall10 == 1.0  # the exact baseline agrees with the ground truth
    assert flat.disk_bytes_per_vector is not None and flat.disk_bytes_per_vector >= 384 * 4
    ivfpq = next(r for r in rows if r.kind == "ivfpq" and r.build_s is not None)
    assert (
        ivfpq.disk_bytes_per_vector is not None and ivfpq.disk_bytes_per_vector < flat.disk_bytes_per_vector
    )
    # Re-scoring from the vector file: exact scores, so at least as good as the 8-bit copies' best, in
    # less RAM, the file reported apart; and timed with a cold cache too.
    baseline = next(r for r in rows if r.kind == "ivfpq+sq8" and r.build_s is not None)
    rescored = [r for r in rows if r.kind == "ivfpq"]
    assert rescored[0].ram_bytes_per_vector is not None and baseline.ram_bytes_per_vector is not None
    assert rescored[0].ram_bytes_per_vector < baseline.ram_bytes_per_vector
    assert rescored[0].file_bytes_per_vector is not None and rescored[0].file_bytes_per_vector >= 384 * 4
    best = max(r.recall10 for r in rows if r.kind == "ivfpq+sq8")
    assert max(r.recall10 for r in rescored) >= best
    assert any("cold cache" in r.note for r in rescored)
    assert "| 12,000 | flat |" in scale.render_markdown(rows)
    assert not list(tmp_path.glob("*.faiss"))  # index files are removed unless kept
    assert not list(tmp_path.glob("*.npy"))  # and so is the vector file


def test_scale_command_skips_what_does_not_fit(tmp_path):
    result = CliRunner().invoke(
        scale.main,
        [
            "--sizes",
            "11k",
            "--data",
            "gmm",
            "--queries",
            "20",
            "--flat-queries",
            "10",
            "--flat-max",
            "10k",
            "--kinds",
            "flat,hnsw",
            "--ef-search",
            "32",
            "--out",
            str(tmp_path),
            "--threads",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "| 11,000 | hnsw |" in result.output
    assert list(tmp_path.glob("scale-11000.json"))


def test_query_bench_small(tmp_path, fake_encoder):
    anchors = scale.gmm_anchors(n=500)
    mixture = scale.Mixture(anchors, 0.3)
    report, articles = query.build_synthetic_index(tmp_path / "index", 300, mixture)
    assert report.chunks_total > 0 and len(articles) == 30
    questions = query.make_questions(articles, 12)
    assert all(q.startswith("What did ") for q in questions)

    named = HashingEncoder(name=DEFAULT_MODEL)  # opens the index (same name) without loading a model
    figures = query.measure("encode", lambda q: named.encode_queries([q]), questions, warmup=2)
    assert figures.runs == 12 and 0 < figures.p50_ms <= figures.p95_ms
    again, _ = query.build_synthetic_index(tmp_path / "index", 300, mixture)
    assert again is None  # an existing index is reused


def test_mixture_encoder_gives_unit_vectors_under_the_model_name():
    encoder = MixtureEncoder(scale.Mixture(scale.gmm_anchors(n=300), 0.3))
    vectors = encoder.encode_passages(["a", "b", "c"])
    assert encoder.name == DEFAULT_MODEL and vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_indexing_bench_small(tmp_path, fake_encoder):
    articles = TextMaker(5).articles(6, words=200)
    figures = indexing.run(fake_encoder, tmp_path / "index", None, articles, baseline_batch=32)
    assert figures["articles"] == 6
    assert figures["chunks"] > 0
    assert figures["chunks_per_s"] > 0 and figures["raw_chunks_per_s"] > 0
    assert figures["peak_rss_after_mb"] >= figures["peak_rss_before_mb"] > 0
    assert not math.isnan(figures["articles_per_s"])


def test_coldstart_helpers(tmp_path):
    timing = coldstart.time_command("pass", [__import__("sys").executable, "-c", "pass"], 2, {})
    assert timing.runs == 2 and 0 < timing.min_s <= timing.median_s
    imports = coldstart.heavy_imports([__import__("sys").executable, "-c", "import json"], {})
    assert "json" in dict(imports)
