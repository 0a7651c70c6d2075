"""A small run of the serving-across-updates benchmark's memory part, so that it cannot rot."""

from __future__ import annotations

from pathlib import Path

from benchmarks.live import measure_memory


def test_memory_figures_with_two_generations_open(tmp_path: Path) -> None:
    figures = measure_memory(tmp_path, articles=60)
    assert figures["chunks"] >= 60
    assert figures["before_mb"] > 0
    assert figures["two_generations_mb"] >= figures["one_generation_mb"] > 0
