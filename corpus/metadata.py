"""Metadata of an article from the text lines around its body: title, byline, section, publisher, and
published / updated date-times with the time zone the page implies.

The dump has no markup, so each field is found by where it stands and what it looks like: the title is the
headline-shaped line just above the body (above the byline, date and captions), or a few lines into the body
when its byline or date is right under it (a promotion or a notice printed above the headline); the byline
is a "By ..." line near it, else a line that is only a name next to the headline or a date line (a name:
capitalised words, none of them a word the page writes in lower case, "Dynamic Pricing" being a heading
on a page about pricing); the section a short menu word next to the title; the publisher is the footer's
copyright holder (or "X" of "X by Y" when Y is that holder); dates from "Published : ..." / "Updated : ..."
lines or the date nearest the title, else the scraper's ` date YYYY-MM-DD` header line. A page's time zone
is inferred from what it says about where it is published: a country-code phone number, an address, a
country in the publisher's name, the url's country domain, the script it is written in (see `infer_zone`).

It does not handle: titles that are not on a line of their own (a page with no headline line gets the
best-shaped line near the body), a name in one word or in capitals, a byline line that also holds a role
("Mara Quill, Senior Editor"), countries spanning several time zones (no zone is inferred for the US,
Canada, Russia, Brazil, Australia...).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from corpus.boilerplate import Line, boilerplate_reason
from corpus.dates import find_datetimes, parse_datetime

_BYLINE = re.compile(
    r"^(?:(?:posted|written|words|reported|story|text|compiled|photos?)\s+)?(?:by|von|por|par|door|autor|author|authors|"
    r"byline|reporter|written by)(?:\s*[:\-]\s*|\s+|(?-i:(?=[A-Z])))(?P<name>[^\W\d_][\w.'’\-]*(?:[ ,&]+(?:and\s+)?"  # noqa: E501
    r"[^\W\d_][\w.'’\-]*){0,7})",
    re.IGNORECASE,
)
# "By" (or "Written by", "Author:") alone on its line, the name on the next one.
_BYLINE_LABEL = re.compile(
    r"(?i)^(?:(?:written|posted|reported|words)\s+)?(?:by|author|authors|byline)\s*:?$"
)
_NAME_LINK = {"and", "&", "de", "da", "del", "van", "von", "der", "den", "la", "le", "bin", "al"}
_PUBLISHED = re.compile(
    r"\b(?:published|posted|created|released|date published|first published|publié|publicado|veröffentlicht|"
    r"pubblicato|입력|등록|発行|公開|发布)\b\s*(?:on|at|:|：)?",
    re.IGNORECASE,
)
_UPDATED = re.compile(
    r"\b(?:updated|last updated|modified|last modified|edited|revised|mis à jour|actualizado|aktualisiert|"
    r"aggiornato|수정|更新)\b\s*(?:on|at|:|：)?",
    re.IGNORECASE,
)
_COPYRIGHT_HOLDER = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:©|\(c\))?\s*(?:(?:19|20)\d\d\s*(?:[-–]\s*(?:19|20)\d\d)?\s*)?[,.]?\s*"
    r"(?P<name>[^\W\d_][\w&'’.\- ]{1,60}?)\s*(?:[.,|]|all rights|$)",
    re.IGNORECASE,
)
_X_BY_Y = re.compile(r"^(?P<x>(?:the\s+)?[A-Z][\w&'’.\- ]{1,50}?)\s+by\s+(?P<y>[A-Z][\w&'’.\- ]{1,60})$")


@dataclass
class Metadata:
    title: str | None = None
    byline: str | None = None
    section: str | None = None
    publisher: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    used: set[int] = field(default_factory=set)  # positions (in the line list) taken as metadata


# ---------------------------------------------------------------- small tests on a line


def _is_date_line(line: Line) -> bool:
    """Mostly a date: what is left without the date is a label or a name, not text."""
    return _is_date_text(line.text)


@lru_cache(maxsize=4096)
def _is_date_text(text: str) -> bool:
    # the title features ask this of the same few lines around each candidate, again and again
    found = find_datetimes(text)
    if not found:
        return False
    rest = text
    for f in reversed(found):
        rest = rest[: f.start] + rest[f.end :]
    return len(re.findall(r"\w+", rest)) <= 8


def byline_of(text: str) -> str | None:
    """The name(s) in a "By ..." line, without a date or a trailing role."""
    m = _BYLINE.match(text.strip())
    if not m or len(text) > 120:
        return None
    name = m.group("name")
    found = [f.start for f in find_datetimes(text.strip()) if f.start < m.end("name")]
    if found:
        name = name[: max(0, found[0] - m.start("name"))]
    name = re.split(r"\s+(?:[|•·⋅,\-–—]|updated|published|posted|on)\s+|\s*[|•·⋅]\s*", name, maxsplit=1)[0]
    name = name.strip(" ,.-–—|:")
    words = name.replace(",", " ").split()
    if not words or len(words) > 6 or not all(w[:1].isupper() or w.lower() in _NAME_LINK for w in words):
        return None  # "By the way...", "Door hardware": not a name
    return name


# Words that make a short capitalised line a label, a menu item or a heading rather than a person's name.
_NOT_NAME = frozenset(
    """
    home news contact about us menu search subscribe share read more login log sign in up our your my the
    blog team staff editor editors editorial desk newsroom follow comments comment reply print email
    advertisement sponsored related latest popular trending top best guide how what why when where who
    tips review reviews policy privacy terms cookie cookies newsletter podcast video videos photos photo
    gallery image images all free new next previous back page pages table contents overview summary
    introduction conclusion key takeaways faq faqs step steps part chapter section category categories
    tags tag topics topic on facebook twitter linkedin instagram youtube pinterest whatsapp posted written
    """.split()  # noqa: SIM905
)
# How far the name may stand from the headline, or from a date line, in lines.
BARE_BYLINE_REACH = 2


def _name_line(line: Line, common: set[str]) -> bool:
    """A short line that is only a person's name (or a few joined by "and", "&", commas). `common`: the
    words the page writes in lower case; a heading's words are among them ("Dynamic Pricing": "pricing"),
    a name's rarely are."""
    text = line.text.strip()
    if line.reason is not None or line.template or len(text) > 60 or any(c.isdigit() for c in text):
        return False
    if text.isupper() or text.endswith((":", ",")) or byline_of("By " + text) != text.strip(" ,.-–—|"):
        return False
    words = [w.strip(".'’") for w in re.split(r"[\s,&]+", text) if w and w.lower() not in _NAME_LINK]
    # "McCarthy" has a capital inside, "OrganizationOfficePapers" (words glued by the dump) several; an
    # acronym ("M&A Updates", "AI Forum") is no part of a name; each person joined by "and" has two names
    people = re.split(r"\s*(?:,|&|\band\b)\s*", text)
    if not 2 <= len(words) <= 8 or any(sum(c.isupper() for c in w[1:]) > 1 for w in words):
        return False
    if any(len(w) > 1 and w.isupper() for w in words) or any(len(p.split()) < 2 for p in people if p):
        return False
    return not any(w.lower() in _NOT_NAME or (len(w) > 3 and w.lower() in common) for w in words)


def find_bare_byline(lines: Sequence[Line], title: int | None, body_start: int) -> int | None:
    """A line that is only a name, between the headline and the body, next to the headline or to a date
    line: the byline of pages that print no "By" ("Mara Quill" under the headline, the date under it)."""
    top = title if title is not None else body_start
    common = {w for line in lines for w in re.findall(r"\b[a-z]{4,}\b", line.text)}
    for j in range(top + 1 if title is not None else max(0, top - 3), min(len(lines), body_start + 2)):
        if not _name_line(lines[j], common):
            continue
        near = range(max(0, j - BARE_BYLINE_REACH), min(len(lines), j + BARE_BYLINE_REACH + 1))
        by_title = title is not None and j - title <= BARE_BYLINE_REACH
        if by_title or any(_is_date_line(lines[k]) for k in near):
            return j
    return None


def _looks_like_title(line: Line) -> bool:
    text = line.text
    if line.words < 2 or line.words > 40 or len(text) > 300:
        return False
    if line.reason is not None or line.template:
        return False
    return not (byline_of(text) or _is_date_line(line))


# ---------------------------------------------------------------- title


_CONTENT_WORD = re.compile(r"[^\W\d_]{3,}")


def _vocabulary(lines: Sequence[Line], body: Sequence[int]) -> set[str]:
    return {w.casefold() for i in body[:40] for w in _CONTENT_WORD.findall(lines[i].text)}


_SITE_SUFFIX = re.compile(r"\s[|–—-]\s\S")


def title_features(
    lines: Sequence[Line], j: int, body_start: int, vocabulary: set[str], title_like: Sequence[bool]
) -> dict[str, float]:
    """What makes line `j` look like the headline of the article starting at `body_start`: its shape,
    a byline or date just under it, its words found in the body (a headline sums up its article), how
    near above the body it stands, whether it is quoted elsewhere (a breadcrumb) or sits in a list."""
    line = lines[j]
    text = line.text
    words = [w.casefold() for w in _CONTENT_WORD.findall(text)]
    below = lines[j + 1] if j + 1 < len(lines) else None
    folded = text.casefold()
    return {
        "words": min(line.words, 12) / 12,
        "long": float(line.words > 25),
        "full_stop": float(text.endswith(".") and not re.search(r"\b\w\.$", text)),
        "lower_start": float(text[:1].islower()),
        "colon_end": float(text.endswith(":")),
        "meta_below": float(_meta_below(lines, j)),
        "meta_above": float(any(_is_date_line(lines[k]) for k in range(max(0, j - 2), j))),
        # a two-word menu item shares its words with the body by chance; a headline does by design
        "in_body_words": (
            min(1.0, len(words) / 4) * sum(w in vocabulary for w in words) / len(words) if words else 0.0
        ),
        "standfirst_below": float(
            below is not None and below.words >= 6 and below.capitalised < 0.5 and below.reason is None
        ),
        "distance": sum(1 for k in range(min(j, body_start), max(j, body_start)) if lines[k].reason is None)
        / 10,
        "after_start": float(j >= body_start),
        "repeated": float(line.repeats > 1),
        "quoted_above": float(
            line.words >= 4
            and any(folded in lines[k].text.casefold() and len(lines[k].text) > len(text) for k in range(j))
        ),
        "in_list": float(
            j >= 2 and title_like[j - 1] and title_like[j - 2] and j + 1 < len(lines) and title_like[j + 1]
        ),
        "title_case": line.capitalised,
        "site_suffix": float(bool(_SITE_SUFFIX.search(text))),
        "tiny_above": float(j > 0 and lines[j - 1].words <= 3),
        # a headline printed twice close together (the page's heading and its share or print title)
        "twice_near": float(
            line.words >= 2
            and any(
                lines[k].text.casefold() == folded
                for k in range(max(0, j - 6), min(len(lines), j + 7))
                if k != j
            )
        ),
        "question": float(text.endswith("?")),
        # a headline heads its block: a dek or a sub-heading follows it, a kicker or menu item precedes it
        "candidate_above": float(j > 0 and title_like[j - 1]),
        "candidate_below": float(j + 1 < len(lines) and title_like[j + 1]),
    }


# Fitted on the WCXB dev pages (softmax over each page's candidates; scripts/fit_title_weights.py).
TITLE_WEIGHTS: dict[str, float] = {
    "words": 2.15,
    "long": -0.48,
    "full_stop": -1.69,
    "lower_start": -0.27,
    "colon_end": -0.35,
    "meta_below": 2.01,
    "meta_above": 0.77,
    "in_body_words": 3.95,
    "standfirst_below": 0.18,
    "distance": -0.35,
    "after_start": -1.92,
    "repeated": -0.49,
    "quoted_above": 1.44,
    "in_list": -0.45,
    "title_case": 0.89,
    "site_suffix": -0.30,
    "tiny_above": 0.94,
    "twice_near": 1.05,
    "question": 0.31,
    "candidate_above": -0.27,
    "candidate_below": 0.14,
}


def title_candidates(lines: Sequence[Line], body_start: int, window: int = 60) -> list[int]:
    """Lines that could be the headline: headline-shaped, in the `window` lines above `body_start` or
    the first few after it (for pages whose headline the body selection took in)."""
    lo, hi = max(0, body_start - window), min(body_start + 4, len(lines))
    out = [
        j
        for j in range(lo, hi)
        if _looks_like_title(lines[j])
        and not (j >= body_start and lines[j].length >= 150)
        and not _printed_as_a_caption(lines, j)
    ]
    # further into the body, a line with its byline or date just under it (the body's first paragraph
    # was a promotion or a notice printed above the headline)
    out += [
        j
        for j in range(hi, min(body_start + 12, len(lines)))
        if _looks_like_title(lines[j]) and lines[j].length < 150 and _meta_below(lines, j)
    ]
    return out


# A picture credit closing a caption: one to five capitalised words in brackets ("(Yonhap)", "(AP Photo/Jae
# C. Hong)"); "(With Confidence!)" and "(+ How to Choose the Right One)" close headlines.
_CREDIT_END = re.compile(r"\s\([A-Z][\w.&'’/-]*(?:\s+[A-Z][\w.&'’/-]*){0,4}\)$")


def _printed_as_a_caption(lines: Sequence[Line], j: int) -> bool:
    """A picture's caption: a line ending in its credit ("… (Yonhap)"), printed twice in a row (the
    picture's alt text, then its caption). A headline printed twice in a row is common; with a credit it
    is not."""
    folded = lines[j].text.casefold()
    return _CREDIT_END.search(lines[j].text) is not None and any(
        0 <= k < len(lines) and lines[k].text.casefold() == folded for k in (j - 1, j + 1)
    )


def _meta_below(lines: Sequence[Line], j: int) -> bool:
    return any(
        byline_of(lines[k].text) or _BYLINE_LABEL.match(lines[k].text) or _is_date_line(lines[k])
        for k in range(j + 1, min(j + 5, len(lines)))
    )


_CRUMB = re.compile(r"\s+[>»›]\s+")
_SLASH_CRUMB = re.compile(r"\s+/\s+")


def clean_title(text: str) -> str:
    """The headline without what the dump glued to it: a breadcrumb trail before it ("Home > Blog > X"),
    stray separators at its ends ("| X"), a "Title:" label."""
    parts = _CRUMB.split(text)
    if len(parts) < 2:
        slashed = _SLASH_CRUMB.split(text)
        parts = slashed if len(slashed) >= 3 else parts
    if len(parts) >= 2 and parts[-1].strip():
        text = parts[-1]
    text = re.sub(r"(?i)^title\s*:\s*", "", text)
    return text.strip(" |•·-–—").strip() or text


def find_title(lines: Sequence[Line], body: Sequence[int], body_start: int) -> int | None:
    """Position of the headline: the candidate with the highest weighted features."""
    vocabulary = _vocabulary(lines, body)
    candidates = title_candidates(lines, body_start)
    title_like = [False] * len(lines)
    for j in candidates:
        title_like[j] = True
    best, best_score = None, float("-inf")
    for j in candidates:
        features = title_features(lines, j, body_start, vocabulary, title_like)
        score = sum(TITLE_WEIGHTS[name] * value for name, value in features.items())
        if score > best_score:
            best, best_score = j, score
    return best


# ---------------------------------------------------------------- dates


@dataclass(frozen=True)
class _Dated:
    line: int
    value: datetime
    label: str  # "published", "updated" or ""
    alone: bool  # the line is little more than the date


def _dates_in(lines: Sequence[Line], j: int, tz: tzinfo | None) -> list[_Dated]:
    """The dates of line `j`, each labelled by the words just before it ("Published :", "Updated on")
    or, for a date alone on its line, by a label alone on the line above."""
    line = lines[j]
    if line.reason == "copyright" or line.length >= 250:
        return []  # a copyright year, or a date mentioned in running text
    found = find_datetimes(line.text, tz)
    out = []
    for n, f in enumerate(found):
        before = line.text[found[n - 1].end if n else 0 : f.start]
        if not before.strip() and j > 0 and lines[j - 1].words <= 3:
            before = lines[j - 1].text
        label = ""
        if _UPDATED.search(before):
            label = "updated"
        elif _PUBLISHED.search(before):
            label = "published"
        out.append(_Dated(j, f.value, label, _is_date_line(line)))
    return out


def _pick_dates(
    lines: Sequence[Line], lo: int, hi: int, anchor: int, header_date: str | None, tz: tzinfo | None
) -> tuple[datetime | None, datetime | None, set[int]]:
    """Published and updated date-times, and the lines that held only them.

    Near the headline and the start of the body (`lo`..`hi`): a date labelled "Published"/"Posted", else
    the first unlabelled one, else one labelled "Updated" (a page showing only its update date is dated
    by it). Failing that, the scraper's header date; failing that, the date alone on a short line nearest
    the body's start anywhere on the page."""
    near = [d for j in range(lo, hi) for d in _dates_in(lines, j, tz)]
    published = next((d for d in near if d.label == "published"), None)
    if published is None:
        # a "Published on" / "Posted on" date line a little further from the body (above a long
        # standfirst, below a table of contents) says more than an unlabelled date near it
        wide = [
            d
            for j in range(max(0, lo - 30), min(len(lines), hi + 30))
            if lines[j].words <= 15
            for d in _dates_in(lines, j, tz)
            if d.label == "published" and d.alone
        ]
        published = min(wide, key=lambda d: abs(d.line - anchor)) if wide else None
    published = published or next((d for d in near if not d.label), None)
    updated = next((d for d in near if d.label == "updated"), None)
    if published is None:
        published = updated
    header = parse_datetime(header_date, tz) if header_date else None
    if published is None and header is None:
        anywhere = [
            d for j in range(len(lines)) if lines[j].words <= 15 for d in _dates_in(lines, j, tz) if d.alone
        ]
        if anywhere:
            published = min(anywhere, key=lambda d: abs(d.line - anchor))
    used = {d.line for d in (published, updated) if d is not None and d.alone}
    if published is None:
        return header, updated.value if updated else None, used
    value = published.value
    if header is not None and header.date() != value.date() and published.label != "published":
        value = header  # the scraper knew the day; a nearby unlabelled date may be another story's
    return value, updated.value if updated else None, used


# ---------------------------------------------------------------- publisher, section, zone


# What follows "Copyright" on a footer line without being anyone's name: link labels ("Copyright Policy"),
# the copyright agent, notices about other people's copyright; and photo agencies, whose mark is a
# picture's credit, not the page's owner.
_NOT_A_HOLDER = re.compile(
    r"(?i)(?:all rights|reserved|policy|notice|agent|information|infringement|statement|terms|year|privacy|"
    r"trademark|guidelines|license|menu|onwards|cookie|of |and |by |for |to |in |on |is |are |it is |i agree|"
    r"belong|owned|holders?\b|getty|shutterstock|istock|thinkstock|depositphotos|alamy|adobe stock|"
    r"unsplash|pexels)"
)
_LEADING_MARKS = re.compile(r"(?i)^(?:(?:copyrights?|©|\(c\)|(?:19|20)\d\d|by)\b[\s,.:–-]*)+")
_TRAILING_YEARS = re.compile(r"[\s,.]*(?:(?:19|20)\d\d\s*[-–]?\s*)+$")


def copyright_holder(text: str) -> str | None:
    """The name after a copyright mark on a footer line ("© 2024 The Gazette of Exampleton. All rights
    reserved." -> "The Gazette of Exampleton"; marks and years around it left out), or None when what
    follows is a link label or a notice ("Copyright Policy", "copyright of logos belongs to ...")."""
    for m in _COPYRIGHT_HOLDER.finditer(text):
        name = _TRAILING_YEARS.sub("", m.group("name").strip(" .,-")).strip(" .,-")
        name = _LEADING_MARKS.sub("", name)
        # in lower case a name is short ("pv magazine", "moveBuddha LLC"); longer, it is the prose of a
        # sentence about copyright ("... copyright defenses of the software")
        prose = name[:1].islower() and len(name.split()) > 2
        if len(name) >= 2 and not prose and not _NOT_A_HOLDER.match(name):
            return name
    return None


def find_publisher(lines: Sequence[Line]) -> str | None:
    """The publication named in the footer: the copyright holder, or "X by Y" when Y is that holder (a
    title by its company: "The Korea Herald by Herald Corporation"). An "X by Y" line alone names no
    publisher: "Powered by ...", "Written by ...", "Photo by ..." are far more common."""
    holder = next(
        (
            name
            for line in reversed(lines)
            if line.reason == "copyright" and (name := copyright_holder(line.text))
        ),
        None,
    )
    if holder is None:
        return None
    for line in reversed(lines):
        m = _X_BY_Y.match(line.text)
        # a title has two words at least: one word before "by" is a verb ("Written", "Powered", "Send")
        if (
            m
            and " " in m.group("x").strip()
            and m.group("y").strip(" .").casefold().startswith(holder.casefold()[:10])
        ):
            return m.group("x").strip()
    return holder


_ZONES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # zone: (phone code, country-code domains, place names)
    "Asia/Seoul": ("82", ("kr",), ("korea", "korean", "seoul")),
    "Asia/Tokyo": ("81", ("jp",), ("japan", "japanese", "tokyo")),
    "Asia/Shanghai": ("86", ("cn",), ("china", "chinese", "beijing", "shanghai")),
    "Asia/Hong_Kong": ("852", ("hk",), ("hong kong",)),
    "Asia/Taipei": ("886", ("tw",), ("taiwan", "taipei")),
    "Asia/Singapore": ("65", ("sg",), ("singapore",)),
    "Asia/Kolkata": ("91", ("in",), ("india", "indian", "new delhi", "mumbai")),
    "Asia/Manila": ("63", ("ph",), ("philippines", "manila")),
    "Asia/Bangkok": ("66", ("th",), ("thailand", "bangkok")),
    "Asia/Ho_Chi_Minh": ("84", ("vn",), ("vietnam", "hanoi")),
    "Asia/Kuala_Lumpur": ("60", ("my",), ("malaysia", "kuala lumpur")),
    "Asia/Dubai": ("971", ("ae",), ("dubai", "abu dhabi", "united arab emirates")),
    "Asia/Jerusalem": ("972", ("il",), ("israel", "jerusalem", "tel aviv")),
    "Europe/London": ("44", ("uk",), ("united kingdom", "london", "britain", "british")),
    "Europe/Dublin": ("353", ("ie",), ("ireland", "dublin")),
    "Europe/Paris": ("33", ("fr",), ("france", "paris")),
    "Europe/Berlin": ("49", ("de",), ("germany", "berlin", "deutschland")),
    "Europe/Rome": ("39", ("it",), ("italy", "italia", "rome", "roma")),
    "Europe/Madrid": ("34", ("es",), ("spain", "españa", "madrid")),
    "Europe/Amsterdam": ("31", ("nl",), ("netherlands", "amsterdam")),
    "Europe/Zurich": ("41", ("ch",), ("switzerland", "zurich", "zürich")),
    "Europe/Stockholm": ("46", ("se",), ("sweden", "stockholm")),
    "Europe/Warsaw": ("48", ("pl",), ("poland", "warsaw")),
    "Europe/Istanbul": ("90", ("tr",), ("turkey", "türkiye", "istanbul")),
    "Africa/Johannesburg": ("27", ("za",), ("south africa", "johannesburg")),
    "Africa/Lagos": ("234", ("ng",), ("nigeria", "lagos")),
    "Africa/Nairobi": ("254", ("ke",), ("kenya", "nairobi")),
    "Pacific/Auckland": ("64", ("nz",), ("new zealand", "auckland")),
}
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_PLACE_ZONE = {place: zone for zone, (_, _, places) in _ZONES.items() for place in places}
_PLACES = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _PLACE_ZONE), key=len, reverse=True)) + r")\b", re.I
)
_PHONE_ZONE = {phone: zone for zone, (phone, _, _) in _ZONES.items()}
_PHONE = re.compile(r"\+\s?(\d{1,3})(?=[\s\-(.])")
_DATELINE = re.compile(r"^([A-Z][A-Z .]{2,20}),\s")


def _places(text: str) -> set[str]:
    return {zone for m in _PLACES.findall(text) if (zone := _PLACE_ZONE.get(m.lower()))}


def infer_zone(
    lines: Sequence[Line], body: set[int], url: str | None = None, publisher: str | None = None
) -> tzinfo | None:
    """The time zone a page implies about itself, or None when it says nothing clear.

    Strong signals (3 points): a phone number with a country code, an address line naming the country
    or a city, the url's country domain, a country in the publisher's name, the body's script (Hangul,
    Kana). Weaker ones: a wire dateline opening the body ("SEOUL, Aug. 20 (Yonhap) --", 2 points); the
    country or city named in the page's own furniture (menus, footer: 1 point a line, 2 at most). A zone
    needs 3 points and twice the runner-up's, so furniture alone never decides."""
    votes: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    host = (urlsplit(url).hostname or "") if url else ""
    for zone, (_, domains, _) in _ZONES.items():
        if host and host.rsplit(".", 1)[-1] in domains:
            votes[zone] += 3
    for zone in _places(publisher or ""):
        votes[zone] += 3
    for i, line in enumerate(lines):
        text = line.text
        phones = {_PHONE_ZONE[m] for m in _PHONE.findall(text) if m in _PHONE_ZONE}
        if phones:
            for zone in phones:
                votes[zone] += 3
            continue
        places = _places(text) if i not in body or line.reason else set()
        if line.reason == "contact" or text.lower().startswith("address"):
            for zone in places:
                votes[zone] += 3
        else:
            for zone in places:
                weak[zone] += 1
    for zone, n in weak.items():
        votes[zone] += min(n, 2)
    ordered = sorted(body)
    if ordered and (m := _DATELINE.match(lines[ordered[0]].text)):
        for zone in _places(m.group(1)):
            votes[zone] += 2
    body_text = "".join(lines[i].text for i in body)
    if len(_HANGUL.findall(body_text)) > 0.3 * max(1, len(body_text)):
        votes["Asia/Seoul"] += 3
    elif len(_KANA.findall(body_text)) > 0.1 * max(1, len(body_text)):
        votes["Asia/Tokyo"] += 3
    ranked = votes.most_common(2)
    if not ranked or ranked[0][1] < 3:
        return None
    if len(ranked) > 1 and ranked[0][1] < 2 * ranked[1][1]:
        return None
    return ZoneInfo(ranked[0][0])


def find_section(lines: Sequence[Line], title: int) -> int | None:
    """A short menu word right above (or below) the headline, also found in the page's menus."""
    for j in (title - 1, title + 1):
        if 0 <= j < len(lines):
            line = lines[j]
            if (
                1 <= line.words <= 4
                and line.repeats > 1
                and not line.ends_sentence
                and boilerplate_reason(line.text) is None
                and not _is_date_line(line)
                and not byline_of(line.text)
            ):
                return j
    return None


# ---------------------------------------------------------------- all of it


def read_metadata(
    lines: Sequence[Line],
    body: Sequence[int],
    lead: int | None = None,
    header_date: str | None = None,
    url: str | None = None,
) -> Metadata:
    """Metadata from the lines around the body (`body`: positions of the kept body lines, in order;
    `lead`: the body's first paragraph of running text, where a headline is looked for above)."""
    meta = Metadata()
    body_start = body[0]
    title = find_title(lines, body, body_start if lead is None else lead)
    if title is not None:
        meta.title = clean_title(lines[title].text)
        meta.used.add(title)
        section = find_section(lines, title)
        if section is not None:
            meta.section = lines[section].text
    top = title if title is not None else body_start
    for j in range(max(0, top - 3), min(len(lines), max(top, body_start) + 4)):
        name = byline_of(lines[j].text)
        if not name and _BYLINE_LABEL.match(lines[j].text) and j + 1 < len(lines):
            name = byline_of("By " + lines[j + 1].text)
            if name:
                meta.used.add(j)
                j += 1
        if name:
            meta.byline = name
            if _above_the_text(j, body, body_start, lead):
                meta.used.add(j)
            break
    bare = find_bare_byline(lines, title, body_start) if meta.byline is None else None
    if bare is not None:
        meta.byline = lines[bare].text.strip()
        if _above_the_text(bare, body, body_start, lead):
            meta.used.add(bare)
    meta.publisher = find_publisher(lines)
    tz = infer_zone(lines, set(body), url, meta.publisher)
    anchor = body_start if lead is None else lead
    lo = max(0, min(top, anchor) - 8)
    hi = min(len(lines), anchor + 10)
    meta.published, meta.updated, used = _pick_dates(lines, lo, hi, anchor, header_date, tz)
    meta.used |= {j for j in used if _above_the_text(j, body, body_start, lead)}
    return meta


def _above_the_text(j: int, body: Sequence[int], body_start: int, lead: int | None) -> bool:
    """Whether a byline or date line at `j` is page furniture to take out of the body: outside it, its
    first line, or above its first paragraph of running text. A body that starts at the headline (a
    caption under it scored as text) had kept "By Kit Morrow" and "Published : Aug 28, 2024" as its
    first paragraphs."""
    return j not in body or j == body_start or (lead is not None and j < lead)
