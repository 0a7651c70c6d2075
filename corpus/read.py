"""Read files and folders into one batch of unique articles: the entry point of `corpus`.

`read_paths` takes files and folders (walked recursively, in sorted order, hidden files and folders
skipped) of these kinds, each optionally gzip-compressed (`.gz`):

- `.txt`: text dumps of pages. All dumps of the batch are decoded first and `corpus.textdump.learn_batch`
  learns from them together which lines recur across files (menus, footers); then each is parsed.
- `.html`, `.htm`: pages, through `corpus.html.parse_html`.
- `.jsonl`: one article per line, streamed (`corpus.jsonl`).
- `.warc`: web archives, each HTML response record an article (`corpus.warc`). Read here they mirror as
  files do; `corpus.sources` (what the index commands call) keeps their articles instead.

A file that gives no article is recorded with its reason (`SkippedFile`), never raised: empty, binary,
an encoding nothing fits, over the size limit (`corpus.decode.MAX_DOCUMENT_BYTES`), no article in it, a
kind we do not read. A JSONL line that gives no article is recorded as `path:LINE`. Articles are then
deduplicated (`corpus.dedup`). A path that does not exist raises `FileNotFoundError` before anything is
read: that is the caller's mistake, not a bad file.

`read` gives the same batch plus warnings: articles kept with something in them not understood (a JSONL
date nobody can read). `read_articles` gives every article read, before dedup (the dedup benchmark).
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.decode import read_text_file
from corpus.dedup import dedup
from corpus.errors import CorpusError
from corpus.models import Article, CorpusBatch, SkippedFile

log = logging.getLogger(__name__)

KINDS = {".txt": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".warc": "warc"}
_KNOWN = ", ".join([*KINDS, *(k + ".gz" for k in KINDS)])


@dataclass(frozen=True)
class ReadResult:
    """A batch and the warnings about articles that were kept with something ignored."""

    batch: CorpusBatch
    warnings: tuple[SkippedFile, ...] = ()


def kind_of(path: Path) -> str | None:
    """ "txt", "html" or "jsonl" from the name (a `.gz` after it allowed), None for anything else."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return KINDS.get(suffixes[-1]) if suffixes else None


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / name for name in sorted(files) if not name.startswith("."))
    return found


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    """Every file named or under a folder named, each once, in order. Raises `FileNotFoundError` for a
    path that does not exist (checked for all paths before any is read)."""
    given = [Path(p) for p in paths]
    for path in given:
        if not path.exists():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
    files: list[Path] = []
    seen: set[Path] = set()
    for path in given:
        for file in _walk(path) if path.is_dir() else [path]:
            real = file.resolve()
            if real not in seen:
                seen.add(real)
                files.append(file)
    return files


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def read(paths: Sequence[str | Path]) -> ReadResult:
    """Read every path as one batch; see the module docstring."""
    articles, skipped, warnings = read_articles(paths)
    unique, duplicates = dedup(articles)
    batch = CorpusBatch(articles=tuple(unique), skipped=tuple(skipped), duplicates=tuple(duplicates))
    return ReadResult(batch=batch, warnings=tuple(warnings))


def read_articles(
    paths: Sequence[str | Path],
) -> tuple[list[Article], list[SkippedFile], list[SkippedFile]]:
    """Every article of every path, in file order, before dedup; the files skipped; the warnings."""
    from corpus.html import parse_html
    from corpus.jsonl import read_jsonl
    from corpus.textdump import learn_batch, parse_textdump

    files = collect_files(paths)
    articles: list[tuple[int, Article]] = []  # (file position, article): kept in file order
    skipped: list[SkippedFile] = []
    warnings: list[SkippedFile] = []
    dumps: list[tuple[int, str, str]] = []  # (position, source, text) of the text dumps, parsed together

    for position, file in enumerate(files):
        source = str(file)
        kind = kind_of(file)
        if kind is None:
            skipped.append(SkippedFile(source, f"not a kind of file newsbot reads (it reads {_KNOWN})"))
            continue
        try:
            if kind == "jsonl":
                result = read_jsonl(file, source)
                articles.extend((position, a) for a in result.articles)
                skipped.extend(result.skipped)
                warnings.extend(result.warnings)
            elif kind == "warc":
                from corpus.warc import read_warc

                warc = read_warc(file)
                articles.extend((position, a) for a in warc.articles)
                skipped.extend(warc.skipped)
            elif kind == "html":
                html = read_text_file(file, html=True).text
                articles.append((position, parse_html(html, source)))
            else:
                dumps.append((position, source, read_text_file(file).text))
        except CorpusError as exc:
            skipped.append(SkippedFile(source, _reason(exc)))
        except Exception as exc:  # one file's surprise never stops the batch
            log.exception("unexpected error reading %s", source)
            skipped.append(
                SkippedFile(source, f"unexpected error while reading: {type(exc).__name__}: {exc}")
            )

    if dumps:
        stats = learn_batch([text for _, _, text in dumps])
        for position, source, text in dumps:
            try:
                articles.append((position, parse_textdump(text, source, stats)))
            except CorpusError as exc:
                skipped.append(SkippedFile(source, _reason(exc)))
            except Exception as exc:
                log.exception("unexpected error parsing %s", source)
                skipped.append(
                    SkippedFile(source, f"unexpected error while parsing: {type(exc).__name__}: {exc}")
                )

    articles.sort(key=lambda item: item[0])  # stable: JSONL lines stay in line order
    return [article for _, article in articles], skipped, warnings


def read_paths(paths: Sequence[str | Path]) -> CorpusBatch:
    """Files and folders (recursively) read as one batch: unique articles, files skipped with reasons,
    duplicates noted. Never raises for a bad file; raises `FileNotFoundError` for a missing path."""
    return read(paths).batch
