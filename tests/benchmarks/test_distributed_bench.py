"""The distributed-embedding benchmark: its arithmetic, and end to end (it starts a local Ray cluster,
with the `distributed` mark)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from benchmarks import distributed
from benchmarks.distributed import RunFigures, estimate_hours, parse_configs, summary_lines


def test_configurations_are_parsed_and_the_baseline_comes_first() -> None:
    assert [c.label for c in parse_configs("1x2, 2x1,2x2")] == ["1x2", "2x1", "2x2"]
    assert not parse_configs("1x2")[0].ray and parse_configs("1x2,2x1")[1].ray
    for bad in ("2x1,1x2", "1x0", "two", "1x2,2"):
        with pytest.raises(click.BadParameter):
            parse_configs(bad)


def test_the_estimate_scales_with_workers_and_adds_the_start_up() -> None:
    assert estimate_hours(36_000, 10.0, 1) == pytest.approx(1.0)
    assert estimate_hours(36_000, 10.0, 4, overhead_s=1800) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        estimate_hours(10, 0.0, 2)


def test_summary_compares_configurations_by_wall_and_cpu_time() -> None:
    runs = [
        RunFigures("1x2", 1, 1000, 50.0, 55.0, 1.0, 90.0),  # 90 ms a chunk over 2 threads
        RunFigures("2x1", 1, 1000, 60.0, 65.0, 1.0, 80.0, 5.0, 20.0, 25.0, 20.0, 0.99999),
    ]
    text = "\n".join(summary_lines(runs, "1x2"))
    assert "| 1x2 | 1 | 20.0 | 1.00 |" in text
    assert "| 2x1 | 1 | 16.7 | 0.83 | 25.0 | 80.0 |" in text  # wall rate, ratio, steady, CPU ms
    assert "0.99999" in text
    # 10M chunks at 12.5 chunks/s a worker (1000 / 80 ms) on 20 workers, plus the 20 s start-up.
    hours = f"{estimate_hours(10_000_000, 12.5, 20, 20.0):.1f}"
    assert f"| 10 machines × 2 cores, Ray 2x1, a worker a core | 20 | 250.0 | {hours} |" in text


@pytest.mark.distributed
def test_the_benchmark_runs_end_to_end() -> None:
    result = CliRunner().invoke(
        distributed.main, ["--synthetic", "6", "--block", "16", "--rounds", "1", "--object-store-mb", "100"]
    )
    assert result.exit_code == 0, result.output
    assert "| 2x1 | 1 |" in result.output and "10M chunks" in result.output
