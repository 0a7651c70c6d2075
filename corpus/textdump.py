"""Scraped text dumps (every visible text block of a page on its own line: menus, footers and all) into
clean `Article`s, from any publisher.

    stats = learn_batch(all_dumps)            # lines that recur across the batch are its templates
    article = parse_textdump(dump, "page.txt", stats)

How: each line is described on its own (`corpus.boilerplate`); the article body is the stretch of lines
with the most running text in it, bridging short gaps (headings, list items, a stray caption) but not
runs of menu lines or a "MOST POPULAR"-style block (a "You may also like" box of a few teaser headlines
set into the article, after which its paragraphs resume, is skipped, not taken for the article's end);
inside it, boilerplate lines, repeated captions and menu runs are dropped. Metadata is read from the lines
around the body (`corpus.metadata`).

It does not handle: pages holding several articles (the longest one wins), comment threads as content
(they are cut as the tail), or a body split by a block of more running text that is not the article.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.boilerplate import BatchStats, Line, boilerplate_reason, describe, is_tail_marker, line_key
from corpus.dates import find_datetimes
from corpus.errors import NoArticleFound
from corpus.ids import article_id
from corpus.markup import plain_line
from corpus.metadata import byline_of, read_metadata
from corpus.models import Article

__all__ = ["BatchStats", "learn_batch", "parse_textdump"]

# The scraper's header line: " date 2021-10-31  Back To Top" (the rest of the line is page text).
_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b\s*(.*)$")
_URL_LINE = re.compile(r"^\s*(?:url|source|link)\s*[:=]\s*(https?://\S+)\s*$|^\s*(https?://\S+)\s*$", re.I)
# The page's own url is a line of the scraper's header: among the first lines of the dump. A url line
# further down is a link the page prints (a "follow us" group in the footer, a source it cites): taken as
# the page's url it cited the wrong page, and made every article of a site with that footer one article.
URL_HEAD_LINES = 3


def learn_batch(texts: Sequence[str]) -> BatchStats:
    """Cross-document statistics of the dumps read together: which lines recur across the batch."""
    return BatchStats.learn(texts)


@dataclass(frozen=True)
class _Dump:
    header_date: str | None
    url: str | None
    lines: list[Line]


# UTF-8 read as cp1252/Latin-1: a lead byte (Â..ô) then continuation bytes (\x80..\xbf, or their cp1252
# glyphs such as € ™ ’).
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]{1,3}")


def _unmangle(m: re.Match[str]) -> str:
    raw = bytearray()
    for ch in m.group(0):
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            raw += ch.encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return m.group(0)


def _repair(line: str) -> str:
    """Undo UTF-8 that was read as cp1252 or Latin-1 ("doesnâ€™t" -> "doesn’t"), sequence by sequence."""
    return _MOJIBAKE.sub(_unmangle, line) if _MOJIBAKE.search(line) else line


_LETTERS = re.compile(r"[^\W\d_]{2}")
_OPEN_END = re.compile(r"[^.!?;:。！？…\"'”’»)\]]$")


# "by", "By Jane Doe", "by: jdoe", "by whova | Apr 21": a byline line, never the end of the line above.
_BYLINE_START = re.compile(
    r"(?:by|written by)\b:?(?:\s*$|\s+(?-i:[A-Z])|\s*\S+(?:\s+\S+)?\s*[|·•,]|\s+\S+$)", re.I
)


def _headline_case(text: str) -> bool:
    """Title Case words ending on a capitalised word or a number ("34 Top Photography Trends in 2025"):
    a headline or a menu item, which a lower-case line under it does not continue."""
    words = [w for w in text.split() if w[:1].isalnum()]
    if len(words) < 2 or not (words[-1][:1].isupper() or words[-1][:1].isdigit()):
        return False
    long = [w for w in words if len(w) > 3]
    return bool(long) and sum(w[:1].isupper() or w[:1].isdigit() for w in long) >= 0.6 * len(long)


def _reflow(lines: list[tuple[int, str, bool]]) -> list[tuple[int, str]]:
    """Join a paragraph that the page's source had hard-wrapped (one physical line per ~70 characters)
    back into one line. (index, text, blank line before it) in; (index of the first part, text) out.

    A line that ends without sentence punctuation and is followed by one starting in lower case is always
    continued. When that happens often (8+ times, at a steady width of 55+ characters) the page is
    hard-wrapped, and a line as long as the wrap width is continued by the next unless a blank line
    separates them."""
    wraps = [
        len(a)
        for (_, a, _), (_, b, blank) in itertools.pairwise(lines)
        if not blank and len(a) >= 25 and _OPEN_END.search(a) and b[:1].islower()
    ]
    width = sorted(wraps)[len(wraps) // 2] if len(wraps) >= 8 else None
    if width is not None and (width < 55 or sum(abs(n - width) <= 15 for n in wraps) < 0.6 * len(wraps)):
        width = None  # breaks at inline elements, not a fixed wrap width
    out: list[tuple[int, str]] = []
    last = ""  # the previous physical line
    for index, text, blank in lines:
        if out and not blank and not _BYLINE_START.match(text):
            lower = (
                text[:1].islower()
                and _OPEN_END.search(last) is not None
                and (width is not None or not _headline_case(last))
            )
            if (
                (lower and (width is not None or len(last) >= 25))
                or (width is not None and len(last) >= 0.8 * width and text[:1].isalnum())
            ) and boilerplate_reason(text) is None:
                out[-1] = (out[-1][0], out[-1][1] + " " + text)
                last = text
                continue
        out.append((index, text))
        last = text
    return out


def _prepare(text: str, stats: BatchStats | None) -> _Dump:
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").split("\n")
    header_date = None
    physical: list[tuple[int, str, bool]] = []
    url = None
    blank = False
    for i, line in enumerate(raw):
        line = " ".join(_repair(line).split())
        if not line:
            blank = True
            continue
        if not physical and header_date is None and (m := _HEADER.match(line)):
            header_date = m.group(1)
            line = m.group(2).strip()
            if not line:
                continue
        if url is None and len(physical) < URL_HEAD_LINES and (m := _URL_LINE.match(line)):
            url = m.group(1) or m.group(2)
        physical.append((i, line, blank))
        blank = False
    return _Dump(header_date, url, describe(_reflow(physical), stats))


# ---------------------------------------------------------------- scoring lines


# Line scores and thresholds, tuned on the WCXB dev dumps (a coordinate search; see the benchmark).
_W: dict[str, float] = {
    "long": 200,
    "long_stops": 0.15,
    "mid": 70,
    "mid_stops": 0.3,
    "tail": -50.0,
    "bad": -8.0,
    "bad_word": -0.5,
    "sentence": -0.5,
    "textlike_word": 0.5,
    "tiny": -3.0,
    "short": -1.5,
    "cut": 0.5,
    "cut_strong": 0.1,
}


def _is_bad(line: Line) -> bool:
    # a line of 4+ words printed 3+ times on one page, one copy after the other, is a banner in many
    # versions (a whole article printed twice or thrice is not: its copies are far apart)
    return line.reason is not None or line.template or (line.repeats >= 3 and line.echoed and line.words >= 4)


def _is_good(line: Line) -> bool:
    """Running text: long enough, with sentence punctuation or the language's stop words."""
    if _is_bad(line):
        return False
    if line.length >= _W["long"] and (line.stop_density >= _W["long_stops"] or line.sentences >= 2):
        return True
    if line.cjk and line.words >= 8 and line.ends_sentence:
        # Chinese and Japanese have no stop words to count and their prose no spaces: a line of 16+ CJK
        # characters (a character is worth about half a word) ending on sentence punctuation is running
        # text, where menus and headlines end on none.
        return True
    return line.length >= _W["mid"] and line.ends_sentence and line.stop_density >= _W["mid_stops"]


def _is_sentence(line: Line) -> bool:
    # CJK lines have no stop words to count (see `_is_good`): their sentence punctuation has to do
    return (
        not _is_bad(line)
        and line.words >= 4
        and line.ends_sentence
        and (line.stop_density >= 0.25 or line.cjk)
    )


def _is_textlike(line: Line) -> bool:
    """Words in sentence case without a full stop: a list item or a caption, not a headline or a menu."""
    return (
        not _is_bad(line)
        and line.words >= 6
        and line.length >= 40
        and line.capitalised < 0.5
        and line.stop_density >= 0.15
    )


# Source code quoted in an article: a line opening with a keyword of a common language, ending in a
# brace or a semicolon, or dense with the brackets and operators of code.
_CODE_START = re.compile(
    r"^(?:import \w|from [\w.]+ import|def \w+\(|class \w+[:(\s{]|(?:const|let|var) \w+\s*[=:]|return\b|"
    r"(?:if|for|while|switch)\s*\(|func |fn \w|#include|package \w|//|/\*|\*/|console\.|print\(|"
    r"(?:public|private|protected|static|async|export) \w|\$ \w|>>> )"
)
_CODE_END = re.compile(r"(?:[{};]|\)\s*[{;]?|=>|\[|\]|,)$")
_CODE_CHARS = re.compile(r"[{}\[\]();=<>]")


def _is_code(line: Line) -> bool:
    """A line of source code: neither the article's prose nor the page's menus."""
    text = line.text
    if line.template or line.words > 25 or _is_good(line):
        return False
    if line.reason is not None and not re.fullmatch(r"[{}\[\]();,\s]+", text):
        return False
    if re.fullmatch(r"[{}\[\]();,\s]+", text) or _CODE_START.match(text):
        return True
    symbols = len(_CODE_CHARS.findall(text))
    return symbols >= 2 and bool(_CODE_END.search(text)) and line.stop_density < 0.3


_TEASER = re.compile(r"(?:\w\.\.\.|\w…|\[(?:…|\.\.\.)\])$")


def _score(line: Line) -> float:
    """Positive for running text (by its words), negative for boilerplate and short menu-like lines."""
    if is_tail_marker(line.text):
        return _W["tail"]
    if _is_code(line):
        return 0.0  # a code listing inside an article does not end it
    if _is_bad(line):
        return _W["bad"] + _W["bad_word"] * line.words
    if _TEASER.search(line.text):
        return _W["short"]  # a cut-off excerpt of another page ("... a gentle wave...")
    if _is_good(line):
        return float(line.words)
    if _is_sentence(line):
        return _W["sentence"]
    if _is_textlike(line):
        return _W["textlike_word"] * line.words
    if not _LETTERS.search(line.text) and any(c.isdigit() for c in line.text):
        return 0.0  # a number, a price, a date in a table: data, neither text nor menu
    if line.words <= 3:
        return _W["tiny"]
    return _W["short"]


def _is_figure(line: Line) -> bool:
    return not _LETTERS.search(line.text) and any(c.isdigit() for c in line.text)


def _is_cell(line: Line) -> bool:
    """A bare number in a table ("46", "31.5"): recurring across the batch says nothing about it."""
    return line.reason is None and _is_figure(line)


def _tables(scores: list[float], lines: Sequence[Line]) -> list[float]:
    """A data table flattened into lines (a label cell, a figure, a label, a figure...) is neither text
    nor menu: in a run of 8+ short lines of which a third or more are figures, the labels score 0 too.
    A bare number counts as a cell even when the batch marks it as a template line (ranks 1, 2, 3 recur
    on every page of a batch)."""
    out = list(scores)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].words <= 10 and (_W["bad"] < scores[j] <= 0 or _is_cell(lines[j])):
            j += 1
        figures = sum(1 for k in range(i, j) if _is_figure(lines[k]))
        if j - i >= 8 and figures >= (j - i) / 3:
            for k in range(i, j):
                out[k] = 0.0
        i = max(j, i + 1)
    return out


def _best_span(scores: Sequence[float]) -> tuple[int, int]:
    """The contiguous stretch with the highest total score (Kadane), as [start, end)."""
    best, best_span = 0.0, (0, 0)
    total, start = 0.0, 0
    for i, s in enumerate(scores):
        if total <= 0:
            total, start = 0.0, i
        total += s
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


# Markers after which nothing is the article, however much text follows (comment threads can outgrow it).
_STRONG_TAIL = re.compile(
    r"(?i)^(?:\d+ )?(?:comments?|responses?|replies)\b|leave a|about the author|join the"
)


def _inset(lines: Sequence[Line], scores: Sequence[float], i: int, end: int, before: float) -> range | None:
    """The lines of a "You may also like" box set into the article at marker `i`: a few short teaser
    lines (headlines, section names; no byline, no date), after which the article's own paragraphs
    resume (3+ lines of running text before the next marker). None when the marker opens what follows
    the article, such as the next story of an endless page."""
    j = i + 1
    while j < end and j - i <= _INSET_LINES and not _is_good(lines[j]):
        if is_tail_marker(lines[j].text) or lines[j].words > 20:
            return None
        if byline_of(lines[j].text) or find_datetimes(lines[j].text):
            return None  # a byline or a date: the next story's head, not a box of teasers
        j += 1
    if j >= end or j - i > _INSET_LINES or j == i + 1:
        return None
    if sum(_is_good(line) for line in lines[j : min(end, j + 4)]) < 3:
        return None  # teasers with excerpts, not the article's paragraphs resuming
    after = 0.0
    for k in range(j, min(end + 1, len(lines))):
        if is_tail_marker(lines[k].text):
            # the article's paragraphs go on, and another marker ends them
            return range(i, j) if after >= _INSET_SHARE * before else None
        after += max(scores[k], 0.0)
    return None


_INSET_LINES = 8
_INSET_SHARE = 0.25


def _cut_tail(
    lines: Sequence[Line], scores: Sequence[float], start: int, end: int
) -> tuple[int, int, set[int]]:
    """End the body at the first tail marker ("Related articles", "109 Comments") that comes after half
    of its text (a quarter for markers nothing of the article follows, such as comments): what follows is
    another page's teaser, a reader's comment, the author's bio. A box of teasers set into the article
    (`_inset`) is left out and the body goes on after it; its lines are returned as the third item."""
    total = sum(s for s in scores[start:end] if s > 0)
    before = 0.0
    insets: set[int] = set()
    skip_to = start
    for i in range(start, end):
        if i < skip_to:
            continue
        marker = is_tail_marker(lines[i].text)
        strong = marker and bool(_STRONG_TAIL.match(lines[i].text))
        if (
            marker
            and not strong
            and before > 0
            and (box := _inset(lines, scores, i, end, before)) is not None
        ):
            insets.update(box)
            skip_to = box.stop
            continue
        if marker and before > 0 and before >= (_W["cut_strong"] if strong else _W["cut"]) * total:
            # the body ends at the last line with text before the marker
            while i > start and scores[i - 1] <= 0:
                i -= 1
            return start, i, insets
        before += max(scores[i], 0.0)
    return start, end, insets


# A comment's time stamp: a short line with a date and a time of day ("December 18, 2025, 9:46 pm",
# "on Friday December 19, 2025 @12:57PM (#65869021)").
_STAMP_TIME = re.compile(r"(?i)\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?\b)?")
_STAMP_DATE = re.compile(
    r"(?i)\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?\s+\d{1,2}|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)"
)


def _is_stamp(line: Line) -> bool:
    return line.words <= 14 and bool(_STAMP_TIME.search(line.text)) and bool(_STAMP_DATE.search(line.text))


def _cut_thread(lines: Sequence[Line], scores: Sequence[float], start: int, end: int) -> tuple[int, int]:
    """End the body where a comment thread starts: from the third time-stamped short line on, each a
    reader's post ("Emma / December 18, 2025, 9:59 pm / <comment>"), provided the article's own text
    came first (a quarter of the stretch's text, and a paragraph of it, before the first stamp)."""
    stamps = [i for i in range(start, end) if _is_stamp(lines[i])]
    if len(stamps) < 3:
        return start, end
    total = sum(s for s in scores[start:end] if s > 0)
    for first in stamps:
        before = sum(s for s in scores[start:first] if s > 0)
        if before <= 0:
            continue  # the article's own date line, above its text
        later = [i for i in stamps if i > first]
        if len(later) < 2 or before < 0.05 * total:
            return start, end
        # the text between stamps is short: posts, not the article's sections
        gaps = [sum(max(s, 0) for s in scores[a:b]) for a, b in itertools.pairwise([first, *later[:4]])]
        if max(gaps) > before:
            return start, end
        i = first
        while i > start and lines[i - 1].words <= 4 and scores[i - 1] <= 0:
            i -= 1  # the commenter's name above the stamp
        while i > start and scores[i - 1] <= 0:
            i -= 1
        return start, i
    return start, end


def _closing_sentences(lines: Sequence[Line], end: int) -> int:
    """The body's end moved past the short full sentences right after it. A one-line closing paragraph
    ("The repairs are expected to cost 6.8 million crowns.") scores a little below zero, as a short line
    does, so the best stretch stopped before it and the article lost its last fact."""
    while (
        end < len(lines)
        and _is_sentence(lines[end])
        and not lines[end].text.endswith(("?", "!"))  # "How can we help?": the page asking, not the article
        and not is_tail_marker(lines[end].text)
    ):
        end += 1
    return end


# ---------------------------------------------------------------- inside the body


_CONTENTS = re.compile(
    r"(?i)^(?:(?:table of )?contents|in this (?:article|post|guide|story|page)|on this page|jump to|"
    r"what(?:'|’)?s inside|quick links|article (?:contents|outline)|skip to)\b"
)


def _contents_list(lines: Sequence[Line], start: int, end: int) -> set[int]:
    """A table of contents: under a "Contents" / "In this article" heading, 3+ short lines in a row, each
    repeated further down the body (as the heading of its section)."""
    last: dict[str, int] = {}
    for i in range(start, end):
        last[line_key(lines[i].text)] = i
    out: set[int] = set()
    run: list[int] = []
    for i in range(start, end + 1):
        line = lines[i] if i < end else None
        if line is not None and not _is_good(line) and line.words <= 15 and last[line_key(line.text)] > i:
            run.append(i)
            continue
        heading = (
            [k for k in range(max(start, run[0] - 2), run[0] + 1) if _CONTENTS.match(lines[k].text)]
            if run
            else []
        )
        if len(run) >= 3 and heading:
            out.update(run)
            out.update(heading)
        run = []
    return out


def _keep(lines: Sequence[Line], start: int, end: int) -> list[int]:
    """Which lines of the body stretch are article text: not boilerplate, not a menu run, not a caption."""
    kept: list[int] = []
    seen: set[str] = set()
    toc = _contents_list(lines, start, end)
    for i in range(start, end):
        line = lines[i]
        if _is_bad(line) or is_tail_marker(line.text) or i in toc:
            continue
        key = line_key(line.text)
        if key in seen and _is_good(line):
            continue
        prev_same = i > 0 and line_key(lines[i - 1].text) == key
        next_same = i + 1 < len(lines) and line_key(lines[i + 1].text) == key
        if (prev_same or next_same) and not _is_good(line):
            # a caption printed twice (image alt text and figcaption)
            continue
        folded = line.text.casefold()
        if (
            line.words >= 3
            and not _is_good(line)
            and any(lines[k].text.casefold() == folded for k in kept[-4:] if i - 4 <= k < i - 1)
        ):
            continue  # a card printed twice a line or two apart (its heading over the picture and the text)
        seen.add(key)
        kept.append(i)
    return kept


# ---------------------------------------------------------------- the article


@dataclass(frozen=True)
class Layout:
    """Where the article is in a dump: its lines, the body lines kept (positions, in order) and the lead
    (the body's first paragraph of running text)."""

    header_date: str | None
    url: str | None
    lines: list[Line]
    body: list[int]
    lead: int


def find_layout(text: str, stats: BatchStats | None = None) -> Layout:
    """Describe the dump's lines and find its body. Raises `NoArticleFound` when there is none."""
    dump = _prepare(text, stats)
    lines = dump.lines
    if not lines:
        raise NoArticleFound("the dump is empty: no text lines")
    scores = _tables([_score(line) for line in lines], lines)
    start, end, insets = _cut_tail(lines, scores, *_best_span(scores))
    start, end = _cut_thread(lines, scores, start, end)
    end = _closing_sentences(lines, end)
    kept = [i for i in _keep(lines, start, end) if i not in insets] if end > start else []
    if not kept or not any(_is_good(lines[i]) or _is_sentence(lines[i]) for i in kept):
        raise NoArticleFound("no running text: every line looks like a menu, a heading or page furniture")
    lead = next((i for i in kept if _is_good(lines[i])), kept[0])
    return Layout(dump.header_date, dump.url, lines, kept, lead)


def parse_textdump(text: str, source: str, stats: BatchStats | None = None) -> Article:
    """The article in a text dump. Raises `NoArticleFound` when no stretch of running text is found."""
    layout = find_layout(text, stats)
    lines = layout.lines
    meta = read_metadata(lines, layout.body, layout.lead, header_date=layout.header_date, url=layout.url)
    body_idx = [i for i in layout.body if i not in meta.used]
    if not body_idx:
        # A one-sentence article: its only line was also the best title. It stays the text as well,
        # or the article would have no body to index.
        body_idx = [i for i in layout.body if i in meta.used and _is_sentence(lines[i])]
    body = "\n\n".join(lines[i].text for i in body_idx)
    if not body:
        raise NoArticleFound("no running text left once the title and byline were taken out")
    keep_set = set(body_idx) | meta.used
    dropped = tuple(line.text for i, line in enumerate(lines) if i not in keep_set)
    return Article(
        id=article_id(layout.url, body),
        source=source,
        text=body,
        title=plain_line(meta.title, tags=False),
        byline=plain_line(meta.byline, tags=False),
        section=plain_line(meta.section, tags=False),
        publisher=plain_line(meta.publisher, tags=False),
        published=meta.published,
        updated=meta.updated,
        url=layout.url,
        dropped_lines=dropped,
    )
