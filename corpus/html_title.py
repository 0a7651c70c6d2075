"""The title of an HTML page, where trafilatura alone is weakest (0.511 exact on wcxb-dev; ours 0.880).

The page's `<h1>` when it agrees with the page's own title (JSON-LD headline, og:title, `<title>`, or
trafilatura's), else the first h1 (on a page with at most two) unless it is set in capitals, runs two elements
together, runs past 30 words, or one of those titles is shown on the page as well; else those titles with the
site name cut off (" | Site", " - Site", "Site: ...", "example.com Headline") by comparing them with
og:site_name, the JSON-LD publisher and the host name, or with the page's other titles ("Blog Name: Headline"
beside "Headline"). h1s that are the site's name ("Example's Blog" on blog.example.com), a segment cut off a
title, or menu words are never taken; labels (" | Opinion"), a short segment after a pipe (" | Top 19
Companies"), datelines ("Posted on ... by ..."), an aggregator's "(source.com) 87", HTML entities, UTF-8 read
as Latin-1 and Markdown emphasis are cut; an h1 with "?" for lost characters gives way to the title it copies.
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import urlsplit

from corpus.html_page import Page, fold, has_type, ld_names, name_key, squash

_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|•|·|::|:|/|»|«|~)\s+")
_WORD = re.compile(r"\w+")


def site_names(page: Page, url: str | None) -> list[str]:
    """Every name the site goes by on this page: og:site_name, JSON-LD publisher and WebSite names,
    application-name, and the host name (with and without its suffix)."""
    names: list[str] = []
    for key in (
        "og:site_name",
        "application-name",
        "apple-mobile-web-app-title",
        "twitter:site",
        "publisher",
    ):
        if page.meta.get(key):
            names.append(page.meta[key].lstrip("@"))
    for value in page.ld_values("publisher"):
        names.extend(ld_names(value))
    for obj in page.ld:
        if has_type(obj, ("website", "organization", "newsmediaorganization")) and isinstance(
            obj.get("name"), str
        ):
            names.append(obj["name"])
    host = urlsplit(url or page.canonical or page.meta.get("og:url") or "").hostname or ""
    host = host.removeprefix("www.")
    if host:
        labels = host.split(".")
        names.append(host)
        names.append(labels[0])
        if len(labels) >= 3:
            # "investor.vanguard.com": the site is "vanguard" (and "vanguard.com"), "bbc.co.uk": "bbc"
            names.extend([labels[-2], ".".join(labels[-2:]), labels[-3], ".".join(labels[-3:])])
    names = [n for n in names if n.casefold() not in _GENERIC_HOST_LABELS]
    return [n for n in dict.fromkeys(squash(n) for n in names) if n]


_GENERIC_HOST_LABELS = frozenset(["co", "com", "org", "net", "gov", "ac", "edu", "www", "m"])


def _is_site_segment(segment: str, sites: list[str]) -> bool:
    key = name_key(segment)
    if not key:
        return True
    for site in sites:
        site_key = name_key(site)
        if not site_key:
            continue
        if key == site_key or (len(site_key) >= 4 and (key.startswith(site_key) or key.endswith(site_key))):
            return True
        if len(key) >= 4 and (site_key.startswith(key) or site_key.endswith(key)):
            return True
    return False


def strip_site_name(title: str, sites: list[str]) -> str:
    """ "Headline | Site" → "Headline"; "Site - Headline" → "Headline". Only segments that match a known
    site name are cut; a headline that is all segments is returned whole."""
    for site in sites:  # "Site: Headline" (a colon has no space before it)
        if len(site) >= 3 and title.casefold().startswith(site.casefold() + ":"):
            rest = title[len(site) + 1 :].strip()
            if rest:
                return rest
    parts = _SEPARATORS.split(title)
    seps = _SEPARATORS.findall(title)
    if len(parts) < 2:
        return title
    start, end = 0, len(parts)
    while end - start > 1 and _is_site_segment(parts[end - 1], sites):
        end -= 1
    while end - start > 1 and _is_site_segment(parts[start], sites):
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    out = parts[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + parts[i]
    return out.strip()


# A segment naming the kind of piece rather than the piece: "Headline | Opinion", "Analysis: Headline".
_LABELS = frozenset(
    [
        *("opinion", "analysis", "editorial", "commentary", "column", "review", "interview", "explainer"),
        *("video", "videos", "photos", "gallery", "podcast", "live", "blog", "news", "infographic"),
    ]
)
# An h1 made of interface words is a control, not a headline ("Open Menu Close Menu").
_UI_WORDS = frozenset(
    ["open", "close", "menu", "search", "toggle", "navigation", "skip", "to", "content", "main", "sign", "in"]
)
_MARKDOWN_EMPHASIS = re.compile(r"(?<!\w)(\*{1,2})(?=\S)(.+?)(?<=\S)\1(?!\w)")
# A dateline or byline glued to a headline: "Headline Posted on July 1, 2024 by X".
_BYLINE_TAIL = re.compile(
    r"\s+(?:posted|published|updated|written)\b(?:\s+on)?.*$|\s+by\s+\S+$", re.IGNORECASE
)


def clean_title(title: str) -> str:
    """Entities left escaped ("&#x26;"), UTF-8 read as Latin-1 ("Investorâ\x80\x99s"), Markdown emphasis
    ("*Title*") undone; whitespace squashed."""
    import html as htmllib

    text = squash(htmllib.unescape(title))
    if re.search("[\u00c2-\u00f4][\u0080-\u00bf]", text):
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            text = text.encode("latin-1").decode("utf-8")
    if not _CJK.search(text):  # full-width "？" in a Latin-script title: typed with a CJK input method
        text = text.translate(_FULL_WIDTH)
    return squash(_MARKDOWN_EMPHASIS.sub(r"\2", text))


_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def _strip_label(title: str) -> str:
    parts = _SEPARATORS.split(title)
    if len(parts) >= 2 and name_key(parts[-1]) in _LABELS:
        return title[: title.rfind(parts[-1])].rstrip(" |-–—•·:/»«~").strip() or title
    if len(parts) >= 2 and name_key(parts[0]) in _LABELS:
        return title[len(parts[0]) :].lstrip(" |-–—•·:/»«~").strip() or title
    head, sep, rest = title.partition(": ")
    if sep and name_key(head) in _LABELS and len(rest.split()) >= 3:
        return rest
    return title


def _strip_dateline(title: str) -> str:
    """A date (and "Posted on ... by ...") at either end of a headline, cut off."""
    from corpus.dates import find_datetimes

    found = find_datetimes(title)
    if not found:
        return title
    first, last = found[0], found[-1]
    if first.start == 0 and len(title[first.end :].split()) >= 3:
        return title[first.end :].lstrip(" |-–—•·:,").strip()
    tail = _BYLINE_TAIL.search(title)
    if tail is not None and tail.start() <= last.start and len(title[: tail.start()].split()) >= 3:
        return title[: tail.start()].strip()
    if last.end == len(title) and len(title[: last.start].split()) >= 3:
        return title[: last.start].rstrip(" |-–—•·:,").strip()
    return title


# Two elements run together in a heading: "Programs of 2025 (US)Your Guide", "AlternativesTop Tools".
_GLUED = re.compile(r"\S*[a-z)\]][A-Z][a-z]\S*")


def _styled(h1: str, titles: list[str]) -> bool:
    """A heading that is a worse copy of the headline than the page's titles: set in capitals, two
    elements run together (a word like "AlternativesTop" that no title has: "YouTube" would be in
    them), or a lead-in ending with a colon."""
    letters = [c for c in h1 if c.isalpha()]
    caps = len(letters) >= 8 and all(c.isupper() for c in letters if c.isascii())
    glued = any(word not in " ".join(titles) for word in _GLUED.findall(h1))
    return caps or glued or h1.rstrip().endswith(":")


def _is_ui(text: str) -> bool:
    words = _WORD.findall(text.casefold())
    return bool(words) and sum(w in _UI_WORDS for w in words) >= 0.75 * len(words)


def _host_prefix(title: str, sites: list[str]) -> str:
    """ "example.com Headline" (a host name and a space before the headline) → "Headline"."""
    for site in sites:
        if "." in site and title.casefold().startswith(site.casefold() + " ") and len(title.split()) >= 3:
            return title[len(site) :].strip()
    return title


# "Example Blog", "Example's Blog", "Example News": the name of the site at example.com.
_NAME_SUFFIXES = ("blog", "sblog", "news")


def _site_colon(title: str, sites: list[str]) -> str:
    """ "Example Blog: Headline" → "Headline" when the part before ": " is the site's name."""
    head, sep, rest = title.partition(": ")
    if not sep or len(rest.split()) < 2:
        return title
    keys = {name_key(site) for site in sites}
    key = name_key(head)
    if key in keys or any(key == k + suffix for k in keys for suffix in _NAME_SUFFIXES):
        return rest
    return title


_PIPE = re.compile(r"\s+\|\s+")
# A segment after " | " this short is a section, a label or a list of keywords, not part of the headline.
MAX_PIPE_TAIL_WORDS = 4


def _strip_pipe_tail(title: str) -> str:
    """ "Headline | Top 19 Companies" → "Headline": a pipe separates, it is not punctuation in a headline,
    and a short segment after it ("| Patient Education", "| Python, SQL & AI") qualifies the page."""
    parts = _PIPE.split(title)
    while len(parts) >= 2 and len(parts[-1].split()) <= MAX_PIPE_TAIL_WORDS and len(parts[-2].split()) >= 3:
        parts.pop()
    return " | ".join(parts) if len(parts) < len(_PIPE.split(title)) else title


def _tidy(title: str, sites: list[str], shown: bool = False) -> str:
    """A title with the site's name, a label, a short tail after a pipe and a dateline cut off. `shown`: an
    h1, which a reader sees and which does not start with the site's name the way a `<title>` written for
    search engines does."""
    title = strip_site_name(title, sites)
    if not shown:
        title = _site_colon(_host_prefix(title, sites), sites)
    return _strip_dateline(_strip_pipe_tail(_strip_label(title)))


_SEGMENT_SEPARATORS = re.compile(_SEPARATORS.pattern + r"|:\s+")


def _cut_to_other(title: str, others: list[str]) -> str:
    """ "Engora Blog: Small models" → "Small models" when another of the page's titles is "Small models":
    what one title has around another is the site's name or a tagline."""
    folded = {fold(o) for o in others}
    for sep in _SEGMENT_SEPARATORS.finditer(title):
        head, tail = title[: sep.start()], title[sep.end() :]
        if fold(tail) in folded and len(tail.split()) >= 2 and len(head.split()) <= MAX_NAME_WORDS:
            return tail
        if fold(head) in folded and len(head.split()) >= 2 and len(tail.split()) <= MAX_NAME_WORDS:
            return head
    return title


MAX_NAME_WORDS = 4
# An h1 longer than this is a summary or an introduction set in large type, not a headline.
MAX_HEADLINE_WORDS = 30


# What an aggregator's h1 has after the headline: the source's host in brackets, a count of comments.
_COUNTS_TAIL = re.compile(r"\s*\([\w-]+(?:\.[\w-]+)+\)\s*\d*\s*")


def _whole_copy(h1: str, titles: list[str]) -> str | None:
    """The title an h1 is a copy of with "?" (or U+FFFD) in place of characters ("Beginner?s Guide": text
    saved in the wrong encoding): the title that still has them is the better copy."""
    if "?" not in h1.rstrip("?") and "\ufffd" not in h1:
        return None
    lost = re.compile(re.sub(r"\\\?|\ufffd", ".{1,3}?", re.escape(h1)), re.IGNORECASE)
    return next((t for t in titles if "?" not in t and lost.fullmatch(t)), None)


def choose_title(page: Page, sites: list[str], extracted: str | None) -> str | None:
    headlines = [
        h for value in page.ld_values("headline") for h in ([value] if isinstance(value, str) else [])
    ]
    # The page's own titles, the JSON-LD headline first (it is the article's headline; og:title is written
    # for sharing). trafilatura's title is left out of this agreement vote: it is often the page's first
    # h1 itself, so it would make any h1 (the site's name, a menu label) agree with itself.
    titles = [
        clean_title(t)
        for t in (
            *headlines,
            page.meta.get("og:title"),
            page.meta.get("twitter:title"),
            page.title_tag,
        )
        if t
    ]
    titles = [t for t in titles if t]
    stripped = [_tidy(t, sites) for t in titles]
    stripped = [_cut_to_other(t, [o for o in stripped if o != t]) for t in stripped]
    folded = {fold(t) for t in stripped} | {fold(t) for t in titles}
    # An h1 that is the site's name, or a segment cut off a title ("Headline | Blog Name"), names the site.
    names = {name_key(n) for n in sites} | {
        name_key(part)
        for t, kept in zip(titles, stripped, strict=True)
        for part in [*_SEPARATORS.split(t), t.partition(": ")[0]]
        if part != t and name_key(part) not in name_key(kept)
    }
    h1s = [clean_title(h) for h in page.h1]
    names |= {name_key(n) + suffix for n in sites for suffix in _NAME_SUFFIXES}
    h1s = [h for h in h1s if len(fold(h)) >= 4 and not _is_ui(h) and name_key(h) not in names]
    if extracted:
        folded.add(fold(clean_title(extracted)))
    # The first h1 that one of the page's titles agrees with (equal, or the title starts with it).
    for h1 in h1s:
        tidy = _tidy(h1, sites, shown=True)
        if fold(h1) in folded or fold(tidy) in folded:
            return tidy
    for h1 in h1s:
        tidy = _tidy(h1, sites, shown=True)
        f = fold(tidy)
        if len(f) >= 12 and any(t.startswith(f) or f.startswith(t) for t in folded if len(t) >= 12):
            # "Headline (example.com) 87": the source and a count of comments after the headline
            tails = ((t, f[len(fold(t)) :]) for t in stripped if f.startswith(fold(t)))
            return next((t for t, tail in tails if _COUNTS_TAIL.fullmatch(tail)), tidy)
    for h1 in h1s:
        whole = _whole_copy(h1, stripped)
        if whole:
            return whole
    # No title agrees with an h1: on our evaluation pages the headline shown (the first h1 that is not the
    # site's name or a menu label) is right far more often than the <title> written for search engines.
    # A page with many h1s uses them for section heads and teasers: none of them is clearly the headline.
    # ... unless one of those titles is shown on the page too, as a heading or a line of its own: then the
    # page says it twice, and the h1 is a banner or a pull quote ("Form your LLC today").
    lines = {fold(line) for line in page.lines} - {fold(page.title_tag)}  # the <title> itself is a line
    shown = next(
        (t for t in stripped if len(t.split()) >= 2 and fold(t) in lines and name_key(t) not in names), None
    )
    for h1 in h1s if len(page.h1) <= 2 else []:
        headline_sized = 3 <= len(h1.split()) <= MAX_HEADLINE_WORDS
        if len(fold(h1)) >= 12 and headline_sized and not (stripped and _styled(h1, titles)):
            return shown or _tidy(h1, sites, shown=True)
    if stripped:
        return shown or stripped[0]
    if extracted and clean_title(extracted):
        return _tidy(clean_title(extracted), sites)
    return h1s[0] if h1s else (page.h1[0] if page.h1 else None)


# ---------------------------------------------------------------- dates
