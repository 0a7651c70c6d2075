"""Bytes to text: gzip, a size limit, binary detection, and the declared or detected character encoding.

Every refusal is an `UnreadableFile` whose message is the reason shown to the user.

Limits: one HTML page or text dump may hold at most `MAX_DOCUMENT_BYTES` (10 MB) once decompressed.
A news article is a few hundred kilobytes at most, even with its inline scripts; past 10 MB a file is an
archive, a data dump or a mistake, and the extractors would spend minutes and gigabytes on it. Such a file
is refused whole with its size in the reason, never cut short silently. JSONL is not held to this limit:
`corpus.jsonl` streams it a line at a time, and only a single line longer than `MAX_DOCUMENT_BYTES` is
refused (that line alone).

Not handled: encodings charset-normalizer cannot tell apart on very short texts (a few bytes of Latin-1 may
be read as another single-byte code page), and a page whose bytes fit both its declared charset and a
wrong one is read with the declaration.
"""

from __future__ import annotations

import codecs
import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from corpus.errors import UnreadableFile

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

# How much of the start of a file is sniffed for binary content and for a declared charset.
_SNIFF_BYTES = 64 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">, <?xml encoding="x"?>
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)

# What browsers actually do with some labels (the WHATWG Encoding Standard): pages that say Latin-1 or
# EUC-KR are written in the Windows supersets, whose extra characters would otherwise fail to decode.
_SUPERSETS = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "tis-620": "cp874",
}

# Control bytes that never occur in text (everything below 0x20 but tab, newline, vertical tab, form feed,
# carriage return and escape).
_CONTROL = bytes(set(range(32)) - {9, 10, 11, 12, 13, 27})
_CONTROL_TABLE = bytes.maketrans(b"", b"")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec name used, e.g. "utf-8", "cp949"


def is_gzip_name(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed on the fly when it is gzip (by name, or by its magic number)."""
    handle: BinaryIO = path.open("rb")
    magic = handle.read(2)
    handle.seek(0)
    if magic == b"\x1f\x8b" or is_gzip_name(path):
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    return handle


def _size_words(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def read_document_bytes(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The whole file, decompressed, refused when empty or larger than `limit` (checked while reading,
    so a gzip bomb never fills memory)."""
    try:
        if not is_gzip_name(path):
            size = path.stat().st_size
            if size > limit:
                raise UnreadableFile(
                    f"file is {_size_words(size)}, larger than the {_size_words(limit)} limit for one page "
                    "or text dump: not read (split it, or give articles as .jsonl, which is read line "
                    "by line)"
                )
        with open_binary(path) as handle:
            data = handle.read(limit + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise UnreadableFile(f"not a valid gzip file ({exc})") from exc
    except PermissionError as exc:
        raise UnreadableFile("permission denied") from exc
    except IsADirectoryError as exc:
        raise UnreadableFile("is a directory") from exc
    except OSError as exc:
        raise UnreadableFile(f"could not be read ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise UnreadableFile(
            f"decompresses to more than the {_size_words(limit)} limit for one page or text dump: not read "
            "(split it, or give articles as .jsonl, which is read line by line)"
        )
    if not data.strip():
        raise UnreadableFile("file is empty" if not data else "file holds only whitespace")
    return data


def bom_encoding(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def looks_binary(sample: bytes) -> bool:
    """NUL bytes or many control bytes in text without a UTF-16/32 byte-order mark: an image, a PDF, a
    zip... (UTF-16 without a BOM is treated as binary too: it is rare in scraped files.)"""
    if not sample or bom_encoding(sample) in ("utf-16", "utf-32"):
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(_CONTROL_TABLE, _CONTROL))
    return controls > max(8, len(sample) // 100)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first 64 KB, if Python knows it."""
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii", "ignore").strip().lower()
    return normalise_codec(label)


def normalise_codec(label: str) -> str | None:
    """A Python codec name for an encoding label, with the browser supersets applied; None if unknown."""
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, _SUPERSETS.get(label.lower(), name))


def _decodes(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def detect_encoding(data: bytes) -> str | None:
    """charset-normalizer's best guess for bytes that are not UTF-8, or None when nothing fits."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data[: 2 * _SNIFF_BYTES] if len(data) > 4 * _SNIFF_BYTES else data)
    best = matches.best()
    if best is None:
        return None
    # On short texts several single-byte code pages fit equally well; Windows-1252 is by far the most
    # common of them, so it wins a tie.
    for match in matches:
        if (match.encoding, match.chaos, match.coherence) == ("cp1252", best.chaos, best.coherence):
            return "cp1252"
    return normalise_codec(best.encoding) or best.encoding


def decode_bytes(data: bytes, *, html: bool = False) -> Decoded:
    """Text from bytes: a byte-order mark first, then UTF-8, then (for HTML) the declared charset when
    the bytes fit it, then charset-normalizer's detection. Raises `UnreadableFile` for binary data or bytes
    that fit no encoding."""
    bom = bom_encoding(data)
    if bom is not None:
        text = _decodes(data, bom)
        if text is not None:
            return Decoded(_clean(text), bom)
    if looks_binary(data[:_SNIFF_BYTES]):
        raise UnreadableFile("binary file (not text: NUL or control bytes); expected text, HTML or JSONL")
    # Valid UTF-8 wins even over a declaration: text in another encoding that happens to be valid UTF-8
    # is vanishingly rare, while pages re-saved as UTF-8 that still declare their old charset are common.
    text = _decodes(data, "utf-8")
    if text is not None:
        return Decoded(_clean(text), "utf-8")
    if html:
        declared = declared_charset(data)
        if declared is not None:
            text = _decodes(data, declared)
            if text is not None:
                return Decoded(_clean(text), declared)
    detected = detect_encoding(data)
    if detected is not None:
        text = _decodes(data, detected)
        if text is not None:
            return Decoded(_clean(text), detected)
    raise UnreadableFile("not UTF-8, and no other character encoding fits its bytes")


def _clean(text: str) -> str:
    """Newlines made uniform; a BOM character left by a decoder dropped."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_text_file(path: Path, *, html: bool = False, limit: int = MAX_DOCUMENT_BYTES) -> Decoded:
    """A whole text dump or HTML page as text; `UnreadableFile` with the reason otherwise."""
    decoded = decode_bytes(read_document_bytes(path, limit), html=html)
    if not decoded.text.strip():
        raise UnreadableFile("file holds only whitespace")
    return decoded
