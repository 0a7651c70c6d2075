"""`newsbot bench NAME` / `python -m benchmarks NAME`: each benchmark is a click command in its own module,
imported only when run."""

from __future__ import annotations

import importlib

import click

BENCHMARKS: dict[str, str] = {
    "extraction": "benchmarks.extraction:main",
    "dedup": "benchmarks.dedup:main",
    "retrieval": "benchmarks.retrieval:main",
    "answers": "benchmarks.answers:main",
    "encoders": "benchmarks.encoders:main",
    "news": "benchmarks.news:main",
    "indexing": "benchmarks.indexing:main",
    "distributed": "benchmarks.distributed:main",
    "query": "benchmarks.query:main",
    "coldstart": "benchmarks.coldstart:main",
    "scale": "benchmarks.scale:main",
    "reader": "benchmarks.reader:main",
    "shorts": "benchmarks.shorts:main",
    "recency": "benchmarks.recency:main",
    "followups": "benchmarks.followups:main",
    "coverage": "benchmarks.coverage:main",
    "llm": "benchmarks.llm:main",
    "warc": "benchmarks.warc:main",
    "live": "benchmarks.live:main",
}


class LazyBenchGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(BENCHMARKS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = BENCHMARKS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            return None
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyBenchGroup)
def bench() -> None:
    """Benchmarks: each prints its figures beside a baseline measured in the same run."""
