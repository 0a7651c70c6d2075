"""`newsbot corpus inspect PATH... [--json]`: how files are read, so a user can see why.

The paths are read as one batch, exactly as indexing reads them (`corpus.read`). For each article:
its metadata, its clean text, and the lines dropped as boilerplate; then the files that gave no article
and why, the duplicates and which copy was kept, and warnings about articles kept with a field ignored.

With `--json`, one JSON object per line:
- an article: `source`, `title`, `byline`, `section`, `publisher`, `published`, `updated` (ISO 8601 or
  null), `url`, `text`, `dropped_lines`, plus `id`, `also_sources` and `warnings`;
- a file (or JSONL line) that gave no article: `source` and `error`;
- a duplicate that was not kept: `source`, `duplicate_of` (the kept article's source), `kept_id`,
  `kind` ("url", "exact" or "near") and `similarity`.

Exit status 0 when at least one article was read; 1 when nothing could be read; 2 for a path that does not
exist (nothing is read then).
"""

from __future__ import annotations

import json
import logging
import shutil
import textwrap
from datetime import datetime
from typing import Any

import click

from bot.cli.common import describe_duplicate
from corpus.models import Article, CorpusBatch, DuplicateNote, SkippedFile

_QUIET = ("trafilatura", "htmldate", "justext", "charset_normalizer", "courlan")


@click.group()
def corpus() -> None:
    """Look at how newsbot reads your files."""


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def article_record(article: Article, warnings: list[str]) -> dict[str, Any]:
    return {
        "source": article.source,
        "title": article.title,
        "byline": article.byline,
        "section": article.section,
        "publisher": article.publisher,
        "published": _iso(article.published),
        "updated": _iso(article.updated),
        "url": article.url,
        "text": article.text,
        "dropped_lines": list(article.dropped_lines),
        "id": article.id,
        "also_sources": list(article.also_sources),
        "warnings": warnings,
    }


def _kept_sources(batch: CorpusBatch) -> dict[str, str]:
    return {article.id: article.source for article in batch.articles}


def duplicate_record(note: DuplicateNote, kept: dict[str, str]) -> dict[str, Any]:
    return {
        "source": note.source,
        "duplicate_of": kept.get(note.kept_id),
        "kept_id": note.kept_id,
        "kind": note.kind,
        "similarity": note.similarity,
    }


def _warnings_by_source(warnings: tuple[SkippedFile, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for warning in warnings:
        found.setdefault(warning.source, []).append(warning.reason)
    return found


def _emit_json(batch: CorpusBatch, warnings: tuple[SkippedFile, ...]) -> None:
    by_source = _warnings_by_source(warnings)
    for article in batch.articles:
        record = article_record(article, by_source.get(article.source, []))
        click.echo(json.dumps(record, ensure_ascii=False))
    for skipped in batch.skipped:
        click.echo(json.dumps({"source": skipped.source, "error": skipped.reason}, ensure_ascii=False))
    kept = _kept_sources(batch)
    for note in batch.duplicates:
        click.echo(json.dumps(duplicate_record(note, kept), ensure_ascii=False))


def _wrap(text: str, width: int, indent: str = "  ") -> str:
    paragraphs = [
        textwrap.fill(
            p,
            width=width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for p in text.split("\n\n")
    ]
    return "\n\n".join(paragraphs)


def _emit_human(batch: CorpusBatch, warnings: tuple[SkippedFile, ...], files: int) -> None:
    width = max(40, min(100, shutil.get_terminal_size((100, 24)).columns) - 2)
    by_source = _warnings_by_source(warnings)
    for article in batch.articles:
        click.secho(f"== {article.source} ".ljust(width, "="), bold=True)
        fields = [
            ("title", article.title),
            ("byline", article.byline),
            ("section", article.section),
            ("publisher", article.publisher),
            ("published", _iso(article.published)),
            ("updated", _iso(article.updated)),
            ("url", article.url),
            ("id", article.id),
        ]
        for name, value in fields:
            click.echo(f"{name:<10} {value if value is not None else '-'}")
        for other in article.also_sources:
            click.echo(f"{'also in':<10} {other}")
        for warning in by_source.get(article.source, []):
            click.secho(f"{'warning':<10} {warning}", fg="yellow")
        paragraphs = article.text.count("\n\n") + 1
        click.secho(f"\ntext ({len(article.text):,} characters, {paragraphs} paragraphs):", bold=True)
        click.echo(_wrap(article.text, width))
        if article.dropped_lines:
            click.secho(f"\ndropped as boilerplate ({len(article.dropped_lines)} lines):", bold=True)
            for line in article.dropped_lines:
                click.secho(f"  - {line}", dim=True)
        click.echo()
    if batch.skipped:
        click.secho(f"Not read ({len(batch.skipped)}):", bold=True, fg="red")
        for skipped in batch.skipped:
            click.echo(f"  {skipped.source}: {skipped.reason}")
        click.echo()
    if batch.duplicates:
        kept = _kept_sources(batch)
        click.secho(f"Duplicates, indexed once ({len(batch.duplicates)}):", bold=True)
        for note in batch.duplicates:
            click.echo(f"  {describe_duplicate(note, kept.get(note.kept_id, note.kept_id))}")
        click.echo()
    click.secho(
        f"{len(batch.articles)} article(s) from {files} file(s); {len(batch.skipped)} not read; "
        f"{len(batch.duplicates)} duplicate(s).",
        bold=True,
    )


@corpus.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article (or error) per line.")
def inspect(paths: tuple[str, ...], as_json: bool) -> None:
    """Show how PATHS (files or folders, read as one batch) are parsed: metadata, clean text, and the
    lines dropped as boilerplate."""
    from corpus.read import collect_files, read

    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        files = collect_files(paths)
        result = read(paths)
    except FileNotFoundError as exc:
        click.echo(f"Error: no such file or directory: {exc.filename}", err=True)
        raise SystemExit(2) from exc
    batch = result.batch
    if as_json:
        _emit_json(batch, result.warnings)
    else:
        _emit_human(batch, result.warnings, len(files))
    if not batch.articles:
        click.echo(
            f"Error: nothing could be read from {len(files)} file(s)"
            + (" (see the reasons above)" if batch.skipped else ""),
            err=True,
        )
        raise SystemExit(1)
