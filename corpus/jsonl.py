"""JSONL articles: one JSON object per line, `text` required; `id`, `url`, `title`, `published`,
`updated`, `publisher`, `byline`, `section` optional. Other keys are ignored. HTML in the text fields
(`<p>`, `<a href>`, `&#8217;`) is read as HTML and kept as the text it shows (`corpus.markup`).

The file is streamed a line at a time, so a JSONL file of any size is read in constant memory; only a
single line longer than `corpus.decode.MAX_DOCUMENT_BYTES` is refused (that line alone). A bad line
(not JSON, not an object, no usable `text`) is skipped with `path:LINE` and its reason, and the other
lines are read. Blank lines are ignored. A field that cannot be used (a date nobody can read, a title that
is not a string) leaves the article in and is reported as a warning.

The record's own `id` is not used as the article id: ids come from content (`corpus.ids.article_id`, from
the url or the text), so two files that both number their records from 1 cannot collide.

Not handled: JSON arrays spread over several lines (`.json` files), and JSONL in UTF-16 larger than the
size limit (UTF-16 cannot be split at newline bytes, so it is decoded whole).
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from corpus.dates import parse_datetime
from corpus.decode import (
    MAX_DOCUMENT_BYTES,
    bom_encoding,
    detect_encoding,
    looks_binary,
    open_binary,
    read_document_bytes,
)
from corpus.errors import UnreadableFile
from corpus.ids import article_id
from corpus.markup import plain_line, plain_text
from corpus.models import Article, SkippedFile

_OPTIONAL_FIELDS = ("url", "title", "publisher", "byline", "section")
_SNIFF = 64 * 1024


@dataclass
class JsonlResult:
    """What one JSONL file gave: its articles, its bad lines, and lines kept with a field ignored."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[SkippedFile] = field(default_factory=list)


class BadRecord(ValueError):
    """A JSONL line that gives no article; the message is the reason."""


def clean_body(text: str) -> str:
    """Newlines made uniform, trailing spaces gone, runs of blank lines cut to one (paragraph breaks)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def parse_when(value: str) -> datetime | None:
    """ISO 8601 first (what JSONL producers write), then the looser page-date reader."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return parse_datetime(value)


def parse_record(record: object, source: str) -> tuple[Article, list[str]]:
    """An article from one decoded JSON value, and warnings about fields that were ignored.
    Raises `BadRecord` when the value gives no article."""
    if not isinstance(record, dict):
        raise BadRecord(f"not a JSON object but {type(record).__name__ if record is not None else 'null'}")
    text = record.get("text")
    if text is None:
        raise BadRecord('no "text" field')
    if not isinstance(text, str):
        raise BadRecord(f'"text" is {type(text).__name__}, not a string')
    body = clean_body(plain_text(text))
    if not body:
        raise BadRecord('"text" is empty' if not text.strip() else '"text" holds no text once read as HTML')
    warnings: list[str] = []
    values: dict[str, str | None] = {}
    for name in _OPTIONAL_FIELDS:
        value = record.get(name)
        if value is None:
            values[name] = None
        elif isinstance(value, str):
            # A url is an address, not text shown to a reader: "&" in its query is not an entity.
            values[name] = (" ".join(value.split()) or None) if name == "url" else plain_line(value)
        else:
            values[name] = None
            warnings.append(f'"{name}" is {type(value).__name__}, not a string: ignored')
    dates: dict[str, datetime | None] = {}
    for name in ("published", "updated"):
        value = record.get(name)
        dates[name] = None
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            warnings.append(f'"{name}" is {type(value).__name__}, not a date string: ignored')
            continue
        when = parse_when(value)
        if when is None:
            warnings.append(f'"{name}" date {value[:60]!r} could not be read: article kept without it')
        dates[name] = when
    article = Article(
        id=article_id(values["url"], body),
        source=source,
        text=body,
        title=values["title"],
        byline=values["byline"],
        section=values["section"],
        publisher=values["publisher"],
        published=dates["published"],
        updated=dates["updated"],
        url=values["url"],
    )
    return article, warnings


def _choose_encoding(sample: bytes) -> str:
    """UTF-8 (the JSON standard) unless the start of the file says otherwise."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the sample's end is not an error
        return "utf-8"
    except UnicodeDecodeError:
        pass
    detected = detect_encoding(sample)
    if detected is None:
        raise UnreadableFile("not UTF-8, and no other character encoding fits its bytes")
    return detected


def _sample(path: Path) -> bytes:
    """The file's first bytes (decompressed), as many as can be had when compressed data breaks early."""
    chunks: list[bytes] = []
    size = 0
    with open_binary(path) as handle:
        try:
            while size < _SNIFF:
                chunk = handle.read(4096)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except (EOFError, zlib.error, gzip.BadGzipFile):
            if not chunks:
                raise
    return b"".join(chunks)


def _lines(path: Path, sample: bytes) -> Iterator[tuple[int, bytes | str | None]]:
    """(line number, raw line) pairs; a line over the size limit comes as None. Raises UnreadableFile
    for an empty or binary file before the first line."""
    if not sample.strip():
        raise UnreadableFile("file is empty" if not sample else "file holds only whitespace")
    bom = bom_encoding(sample)
    if bom in ("utf-16", "utf-32"):
        # Newline bytes cannot be split on: decode the file whole, within the size limit.
        text = read_document_bytes(path).decode(bom)
        for number, line in enumerate(text.splitlines(), 1):
            yield number, line
        return
    if looks_binary(sample):
        raise UnreadableFile("binary file (not text: NUL or control bytes); expected JSON lines")
    with open_binary(path) as handle:
        number = 0
        while True:
            raw: bytes = handle.readline(MAX_DOCUMENT_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_DOCUMENT_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the over-long line
                    raw = handle.readline(MAX_DOCUMENT_BYTES)
                yield number, None
                continue
            yield number, raw


def read_jsonl(path: Path, source: str | None = None) -> JsonlResult:
    """Every article in a JSONL file (gzip-compressed too). Raises `UnreadableFile` only when the file as
    a whole cannot be read (missing, empty, binary, not text); bad lines are recorded in the result."""
    source = source if source is not None else str(path)
    result = JsonlResult()
    encoding = "utf-8"
    number = 0
    try:
        sample = _sample(path)
        bom = bom_encoding(sample)
        if bom is not None:
            encoding = bom
        elif sample.strip() and not looks_binary(sample):
            encoding = _choose_encoding(sample)
        for number, raw in _lines(path, sample):
            where = f"{source}:{number}"
            if raw is None:
                result.skipped.append(
                    SkippedFile(where, f"line longer than {MAX_DOCUMENT_BYTES // 2**20} MB")
                )
                continue
            if isinstance(raw, bytes):
                try:
                    line = raw.decode(encoding)
                except UnicodeDecodeError:
                    result.skipped.append(SkippedFile(where, f"line is not valid {encoding} text"))
                    continue
            else:
                line = raw
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                result.skipped.append(SkippedFile(where, f"not valid JSON ({exc.msg} at column {exc.colno})"))
                continue
            try:
                article, warnings = parse_record(record, where)
            except BadRecord as exc:
                result.skipped.append(SkippedFile(where, str(exc)))
                continue
            result.articles.append(article)
            result.warnings.extend(SkippedFile(where, warning) for warning in warnings)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        if number == 0:
            raise UnreadableFile(f"not a valid gzip file ({exc})") from exc
        result.skipped.append(
            SkippedFile(
                f"{source}:{number + 1}", f"compressed data broken after line {number}: rest not read"
            )
        )
    except PermissionError as exc:
        raise UnreadableFile("permission denied") from exc
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not valid {exc.encoding} text") from exc
    except OSError as exc:
        raise UnreadableFile(f"could not be read ({exc.strerror or exc})") from exc
    if not result.articles and not result.skipped:
        raise UnreadableFile("no JSON lines in file (only blank lines)")
    return result
