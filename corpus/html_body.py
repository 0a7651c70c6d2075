"""The article text of an HTML page: trafilatura's blocks, then our own clean-up of what it lets through.

trafilatura's `bare_extraction` runs with its default settings and with `favor_recall`, the recall pass
taken when it holds clearly more words; its blocks are kept as paragraphs ("\\n\\n"), the comments left out.
Then, rules meant for any site:
- short furniture paragraphs are dropped (share and comment prompts, newsletter pitches, reading times,
  tag lists, copyright lines), and cookie notices;
- the text is cut at a heading that opens what follows an article ("Related stories", "You may also like",
  "About the author", "Was this article helpful?", "Follow us") once at least half the words have gone by;
- the text is cut where a closing run of teaser links starts (paragraphs that are each the whole text of a
  link to another page, on to the end);
- a run of paragraphs repeated verbatim (a page that holds its article twice) is kept once;
- when the page's JSON-LD states an `articleBody` and our text holds less than 60% of its words, trafilatura
  took the wrong block and the publisher's own statement of the text is taken instead.

Not handled: a related-stories list with no heading, or under a heading in words we do not list (other
languages than English mostly); references and footnotes are kept (part of a scholarly article); a repeat
shorter than two paragraphs or 100 words is kept (lists and recipes repeat lines on purpose).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import accumulate
from typing import Any

from corpus.html_page import Page, squash

_WORD = re.compile(r"\w+")
# The recall-favouring pass replaces the default one when the default holds fewer than this share of its
# words (0.8 -> 0.9435, 0.9 -> 0.9443, 0.95 -> 0.9446, 1.0 -> 0.9445 on wcxb-dev-articles).
RECALL_RATIO = 0.95

# Short paragraphs that are the page's furniture, not the article's text, whatever the site: share and
# comment prompts, newsletter pitches, reading times, tag and "filed under" lists, copyright lines.
_BOILERPLATE = re.compile(
    r"(?:share(?: this)?(?: article| story| post)?|tweet|email|print|comments?|\d+ comments?|post comment.*"
    r"|leave a (?:comment|reply).*|no thanks|learn more|read more|see more|back to (?:blog|top|home)"
    r"|related(?: articles| posts| stories)?|tags?:.*|post tags|filed under:.*|advertisement|sponsored"
    r"|(?:click here to )?(?:subscribe|sign up)(?: now| today)?"
    r"|(?:sign up|subscribe|join)\b.*\bnewsletters?|(?:get )?(?:our|the) newsletter"
    r"|thanks? (?:you )?for (?:signing up|subscribing).*|enjoyed (?:the|this) (?:article|post)\?.*"
    r"|tell us what you think.*|also read:.*"
    r"|\d+\s*(?:-\s*)?min(?:ute)?s?\.? read(?: time)?|reading time:?.*|tempo de leitura:?.*"
    r"|(?:copyright|©|ⓒ)\s*(?:\d{4}|ⓒ|©).*|all rights reserved.*|image used under license.*)",
    re.IGNORECASE,
)
MAX_BOILERPLATE_WORDS = 15
# A cookie-consent banner, at any length: no article opens a paragraph this way.
_COOKIE_NOTICE = re.compile(r"(?:we|this (?:web)?site) uses? cookies\b", re.IGNORECASE)

# Headings that open what comes after an article: related-story lists, author bios, feedback, donation and
# republishing prompts, cookie settings.
# Only whole short paragraphs count, and only once half the text's words have gone by, so a heading of
# the article itself ("More on the budget") near the top is never taken for one.
_TAIL_HEADING = re.compile(
    r"(?:related(?: content| articles?| posts?| stories| reading| links)?"
    r"|you (?:may|might|will|'ll) also (?:like|love|enjoy)|(?:read|see|watch) (?:this )?next|up next"
    r"|what to read next|more from .{1,40}|more (?:stories|articles|news|posts|reading)(?: from .{1,40})?"
    r"|recommended(?: for you| reading| stories| articles| posts)?|explore more"
    r"|(?:most )?popular (?:posts|stories|articles)|trending(?: now| stories)?|keep reading"
    r"|about the authors?|(?:written|reviewed|edited) by:?.{0,40}|author bio|meet the author"
    r"|(?:did you find|was) this (?:content|article|page|post|information) (?:helpful|useful)\??.*"
    r"|rate this (?:article|post|page|issue).*|how was this (?:issue|article)\??"
    r"|(?:enjoyed|liked) this (?:piece|article|story|post)\?.*|follow us(?: on .{1,30})?"
    r"|republish this (?:article|story|post)|manage (?:cookie )?consent|cookie (?:settings|preferences))",
    re.IGNORECASE,
)
MAX_HEADING_WORDS = 12
TAIL_AFTER_SHARE = 0.5
# A closing run of teaser links (related-story cards without a heading we know): see `cut_link_tail`.
MIN_TAIL_LINKS = 3
LINK_TAIL_SHARE = 0.7
_LIST_ITEM = re.compile(r"[-–•*] ")

# A run of paragraphs repeated verbatim is dropped when it is at least this long (shorter repeats are
# usually meant: a recipe's or a training plan's lines).
MIN_REPEAT_BLOCKS = 2
MIN_REPEAT_WORDS = 100

# The JSON-LD articleBody is taken when it holds at least this many words and our text holds less than
# COVER_SHARE of them (shorter ones are teasers).
MIN_LD_WORDS = 150
COVER_SHARE = 0.6


def body_text(html: str, url: str | None, page: Page) -> tuple[str, dict[str, Any]]:
    """The article's paragraphs joined by blank lines, and trafilatura's metadata for the page."""
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    data = (document.as_dict() if hasattr(document, "as_dict") else dict(document)) if document else {}
    body = data.get("text") or ""
    # trafilatura's default settings often drop paragraphs it was unsure of; its recall-favouring pass
    # keeps them, and adds boilerplate less often than it recovers text. Taking the recall pass when it
    # holds clearly more words: mean word-F1 0.9365 -> 0.9446 on wcxb-dev-articles (either pass alone:
    # 0.9365 and 0.9356).
    recall = trafilatura.bare_extraction(html, url=url, favor_recall=True, include_comments=False)
    recall_text = (getattr(recall, "text", None) or "") if recall is not None else ""
    if _words(body) < RECALL_RATIO * _words(recall_text):
        body = recall_text
    blocks = drop_repeated_runs(
        cut_link_tail(cut_tail(_clean_lines(body)), {_key(t) for t in page.link_texts})
    )
    stated = _stated_body(page)
    if stated and _covered(blocks, stated) < COVER_SHARE:
        blocks = _clean_lines(stated)
    return "\n\n".join(blocks), data


def _clean_lines(text: str) -> list[str]:
    lines = (squash(line) for line in text.split("\n"))
    return [line for line in lines if line and not is_boilerplate(line)]


def is_boilerplate(line: str) -> bool:
    if _COOKIE_NOTICE.match(line):
        return True
    return (
        len(line.split()) <= MAX_BOILERPLATE_WORDS
        and _BOILERPLATE.fullmatch(line.strip(" .!:|»›>")) is not None
    )


def cut_tail(blocks: list[str]) -> list[str]:
    """The blocks before the first heading that opens an after-the-article section (see `_TAIL_HEADING`)."""
    total = sum(_words(b) for b in blocks)
    seen = 0
    for i, block in enumerate(blocks):
        words = _words(block)
        if (
            i
            and words <= MAX_HEADING_WORDS
            and seen >= TAIL_AFTER_SHARE * total
            and _TAIL_HEADING.fullmatch(block.strip(" .!:|»›>-–—")) is not None
        ):
            return blocks[:i]
        seen += words
    return blocks


def cut_link_tail(blocks: list[str], link_texts: set[str]) -> list[str]:
    """The blocks before a closing run of teaser links: from a block, past half the words, that is the
    whole text of a link on the page, on to the end, at least MIN_TAIL_LINKS such blocks and they (with
    short labels: dates, section names) make up LINK_TAIL_SHARE of the blocks; a short heading just before
    goes too. The article's own bulleted link lists ("- ...") do not count."""
    words = [_words(b) for b in blocks]
    is_link = [
        n >= 3 and not _LIST_ITEM.match(b) and _key(b) in link_texts
        for n, b in zip(words, blocks, strict=True)
    ]
    fits = [link or n <= 3 for link, n in zip(is_link, words, strict=True)]
    # counts from block i to the end
    links_after = list(accumulate(reversed(is_link)))[::-1]
    fits_after = list(accumulate(reversed(fits)))[::-1]
    total = sum(words)
    seen = 0
    for i in range(len(blocks)):
        if (
            is_link[i]
            and seen >= TAIL_AFTER_SHARE * total
            and links_after[i] >= MIN_TAIL_LINKS
            and fits_after[i] >= LINK_TAIL_SHARE * (len(blocks) - i)
        ):
            start = i - 1 if i and words[i - 1] <= MAX_HEADING_WORDS else i
            return blocks[:start]
        seen += words[i]
    return blocks


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def drop_repeated_runs(blocks: list[str]) -> list[str]:
    """The blocks without any run of them that repeats, in order, a run seen earlier (a page that holds
    its article twice, for two layouts), when the run is long enough to be no accident."""
    keys = [_key(b) for b in blocks]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    kept: list[str] = []
    i = 0
    while i < len(blocks):
        j = first[keys[i]]
        n = 0
        while j < i and i + n < len(blocks) and j + n < i and keys[j + n] == keys[i + n]:
            n += 1
        if n >= MIN_REPEAT_BLOCKS and sum(len(k.split()) for k in keys[i : i + n]) >= MIN_REPEAT_WORDS:
            i += n
            continue
        kept.append(blocks[i])
        i += 1
    return kept


def _stated_body(page: Page) -> str | None:
    """The longest JSON-LD `articleBody` of the page, when it is long enough not to be a teaser."""
    bodies = [b for b in page.ld_values("articleBody") if isinstance(b, str)]
    best = max(bodies, key=len, default="")
    return best if _words(best) >= MIN_LD_WORDS else None


def _covered(blocks: list[str], stated: str) -> float:
    """The share of the stated body's words (as a multiset) that our blocks hold."""
    ours = Counter(w.lower() for b in blocks for w in _WORD.findall(b))
    theirs = Counter(w.lower() for w in _WORD.findall(stated))
    return sum((ours & theirs).values()) / max(1, sum(theirs.values()))


def _words(text: str) -> int:
    return len(_WORD.findall(text))
