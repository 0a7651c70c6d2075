"""HTML pages to articles: trafilatura for the body, and our own reading of the page's metadata.

Body: trafilatura's `bare_extraction` (the best-measured extractor on our evaluation pages), run with its
default settings and with `favor_recall`, the recall pass taken when it holds clearly more words; its
blocks kept as paragraphs ("\\n\\n"), the headline dropped when it opens the body, the comments left out,
short furniture paragraphs (share and comment prompts, newsletter pitches, reading times, tag lists,
copyright lines) dropped.
Measured on wcxb-dev-articles (710 pages): mean word-F1 0.946 (trafilatura alone 0.936), title exact 0.859
(0.511), published day 0.881 of 587 dated pages (0.848); scrapinghub (181 pages) word-F1 0.960 (0.956).

Metadata, where trafilatura alone is weakest (see `benchmarks/extraction.py` for the figures): the title
in `corpus/html_title.py`, the dates in `corpus/html_dates.py`, and here:
- publisher: og:site_name, else the JSON-LD publisher, else application-name;
- byline: JSON-LD author names, else trafilatura's author; section: `article:section` or JSON-LD
  `articleSection`; url: the url given, else the canonical link or og:url.

Not handled: pages whose text is put in by JavaScript after loading (there is nothing to extract), paywall
teasers (the teaser is taken as the article), and several articles on one page (the main one is taken).
"""

from __future__ import annotations

import re
from typing import Any

from corpus.errors import NoArticleFound
from corpus.html_dates import choose_dates
from corpus.html_page import ARTICLE_TYPES, Page, dropped_lines, fold, ld_names, squash
from corpus.html_title import choose_title, site_names
from corpus.ids import article_id
from corpus.models import Article

# A body shorter than this many word characters is not an article (a 404 page, a bare menu...).
MIN_BODY_CHARS = 100

_WORD = re.compile(r"\w+")
# The recall-favouring pass replaces the default one when the default holds fewer than this share of its
# words (0.8 -> 0.9435, 0.9 -> 0.9443, 0.95 -> 0.9446, 1.0 -> 0.9445 on wcxb-dev-articles).
RECALL_RATIO = 0.95


# ---------------------------------------------------------------- body


def _body_text(html: str, url: str | None) -> tuple[str, dict[str, Any]]:
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
    lines = [squash(line) for line in body.split("\n")]
    return "\n\n".join(line for line in lines if line and not _is_boilerplate(line)), data


# Short paragraphs that are the page's furniture, not the article's text, whatever the site: share and
# comment prompts, newsletter pitches, reading times, tag and "filed under" lists, copyright lines.
_BOILERPLATE = re.compile(
    r"(?:share(?: this)?(?: article| story| post)?|tweet|email|print|comments?|\d+ comments?|post comment.*"
    r"|leave a (?:comment|reply).*|no thanks|learn more|read more|see more|back to (?:blog|top|home)"
    r"|related(?: articles| posts| stories)?|tags?:.*|post tags|filed under:.*|advertisement|sponsored"
    r"|(?:click here to )?(?:subscribe|sign up)(?: now| today)?"
    r"|(?:sign up|subscribe|join)\b.*\bnewsletters?|(?:get )?(?:our|the) newsletter"
    r"|thanks? (?:you )?for (?:signing up|subscribing).*|enjoyed (?:the|this) (?:article|post)\?.*"
    r"|tell us what you think.*"
    r"|\d+\s*(?:-\s*)?min(?:ute)?s?\.? read(?: time)?|reading time:?.*|tempo de leitura:?.*"
    r"|(?:copyright|©|ⓒ)\s*(?:\d{4}|ⓒ|©).*|all rights reserved.*|image used under license.*)",
    re.IGNORECASE,
)
MAX_BOILERPLATE_WORDS = 15


def _is_boilerplate(line: str) -> bool:
    return (
        len(line.split()) <= MAX_BOILERPLATE_WORDS
        and _BOILERPLATE.fullmatch(line.strip(" .!:|»›>")) is not None
    )


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _drop_leading_title(text: str, title: str | None, headlines: list[str]) -> str:
    """The body without its first paragraph when that is the title, or an h1 the title was read from
    ("Headline | Opinion" shown, "Headline" kept as the title)."""
    if not title:
        return text
    first, _, rest = text.partition("\n\n")
    forms = {fold(title)} | {fold(h) for h in headlines if fold(title) in fold(h)}
    if fold(first) in forms and rest:
        return rest
    return text


def parse_html(html: str, source: str, url: str | None = None) -> Article:
    """The article in an HTML page. Raises `NoArticleFound` when the page holds no article body."""
    text, data = _body_text(html, url)
    if len(re.sub(r"\W", "", text)) < MIN_BODY_CHARS:
        raise NoArticleFound("no article text found in the page (a menu, index, error or script-only page?)")
    page = Page(html)
    sites = site_names(page, url)
    title = choose_title(page, sites, data.get("title"))
    text = _drop_leading_title(text, title, page.h1)
    published, updated = choose_dates(page, data.get("date"))
    publisher = page.meta.get("og:site_name") or next(
        (n for v in page.ld_values("publisher") for n in ld_names(v)), None
    )
    publisher = publisher or page.meta.get("application-name") or data.get("sitename")
    authors = [n for v in page.ld_values("author", ARTICLE_TYPES) for n in ld_names(v)]
    byline = ", ".join(dict.fromkeys(authors)) if authors else (data.get("author") or None)
    section = page.meta.get("article:section") or next(
        (s for s in page.ld_values("articleSection") if isinstance(s, str)), None
    )
    page_url = url or page.canonical or page.meta.get("og:url")
    return Article(
        id=article_id(page_url, text),
        source=source,
        text=text,
        title=title,
        byline=squash(byline) or None,
        section=squash(section) or None,
        publisher=squash(publisher) or None,
        published=published,
        updated=updated,
        url=page_url,
        dropped_lines=dropped_lines(page.lines, text, title),
    )
