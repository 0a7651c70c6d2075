"""HTML pages to articles: trafilatura for the body, and our own reading of the page's metadata.

Body (`corpus/html_body.py`): trafilatura's `bare_extraction` blocks as paragraphs, then our clean-up of the
furniture it lets through; the headline dropped when it opens the body.
Measured on wcxb-dev-articles (710 pages): mean word-F1 0.951 (trafilatura alone 0.936); scrapinghub (181
pages, never tuned on) word-F1 0.962 (0.956). Title exact 0.880 (0.511), published day 0.901 of 587 dated
pages (0.848) on wcxb-dev.

Metadata, where trafilatura alone is weakest (see `benchmarks/extraction.py` for the figures): the title
in `corpus/html_title.py`, the dates in `corpus/html_dates.py`, and here:
- publisher: og:site_name, else the JSON-LD publisher, else application-name;
- byline: JSON-LD author names, else trafilatura's author, each without a label, an "Updated ..." date or
  a month after it (`tidy_byline`); section: `article:section` or JSON-LD
  `articleSection`; url: the url given, else the canonical link or og:url that names an article (not the
  site's home page, not a relative link with nothing to resolve it against).

Not handled: pages whose text is put in by JavaScript after loading (there is nothing to extract), paywall
teasers (the teaser is taken as the article, unless the page's JSON-LD states the whole text), and several
articles on one page (the main one is taken).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from corpus.errors import NoArticleFound
from corpus.html_body import body_text
from corpus.html_dates import choose_dates
from corpus.html_page import ARTICLE_TYPES, Page, dropped_lines, fold, ld_names, squash
from corpus.html_title import choose_title, site_names
from corpus.ids import article_id, identifies_article
from corpus.markup import plain_line
from corpus.models import Article

# A body shorter than this many word characters is not an article (a 404 page, a bare menu...).
MIN_BODY_CHARS = 100


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


_AUTHOR_LABEL = re.compile(
    r"(?i)^(?:this (?:post|article|story) was )?(?:(?:article|recipe|story|post|words|text|written|posted|"
    r"reported)\s+)?(?:by|author)\b\s*:?\s*"
)
_AFTER_NAME = re.compile(r"(?i)\s*(?:[|•·]|\b(?:last\s+)?(?:updated|published|posted|modified)\b).*$")
_NAME_EDGES = " ,;:-–—|•·"  # separators left at either end once a label or a date is cut off
_MONTH_TAIL = re.compile(
    r"(?i)[\s;,]*\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s*$"
)


def tidy_byline(name: str) -> str | None:
    """An author name as the page's metadata gives it, without what came with it: entities ("&amp;"), a
    label ("By", "Author", "Recipe by"), an "Updated ..." date or a month after it ("Luke Kim December",
    "Haley Hoekstra • March"); None when nothing of a name is left ("Dec", "Updated January")."""
    from html import unescape

    from corpus.dates import find_datetimes

    text = squash(unescape(name))
    text = _AUTHOR_LABEL.sub("", text)
    found = find_datetimes(text)
    if found:
        text = text[: found[0].start]
    text = _AFTER_NAME.sub("", text).strip(_NAME_EDGES)
    if _MONTH_TAIL.fullmatch(text):
        return None  # "Dec": a date's month alone
    # the month of a date cut short ("Luke Kim December"), but not a name's last word ("Ann April")
    shorter = _MONTH_TAIL.sub("", text).strip(_NAME_EDGES)
    if len(shorter.split()) >= 2:
        text = shorter
    return text if len(re.findall(r"[^\W\d_]", text)) >= 2 else None


def _declared_url(page: Page) -> str | None:
    """The page's canonical link, else its og:url, the first that identifies an article (a relative one
    resolved against the other); None when neither does: a home page, a relative link with nothing to
    resolve it against, or text that is no url would be a wrong link in a citation."""
    links = [u.strip() for u in (page.canonical, page.meta.get("og:url")) if u and u.strip()]
    base = next((u for u in links if urlsplit(u).scheme in ("http", "https")), None)
    resolved = [urljoin(base, u) if base and not urlsplit(u).scheme else u for u in links]
    return next((u for u in resolved if identifies_article(u)), None)


def parse_html(html: str, source: str, url: str | None = None) -> Article:
    """The article in an HTML page. Raises `NoArticleFound` when the page holds no article body."""
    try:
        page = Page(html)
    except etree.ParserError as error:
        raise NoArticleFound("no article text found in the page (an empty document)") from error
    text, data = body_text(html, url, page)
    if len(re.sub(r"\W", "", text)) < MIN_BODY_CHARS:
        raise NoArticleFound("no article text found in the page (a menu, index, error or script-only page?)")
    sites = site_names(page, url)
    title = choose_title(page, sites, data.get("title"))
    text = _drop_leading_title(text, title, page.h1)
    published, updated = choose_dates(page, data.get("date"))
    publisher = page.meta.get("og:site_name") or next(
        (n for v in page.ld_values("publisher") for n in ld_names(v)), None
    )
    publisher = publisher or page.meta.get("application-name") or data.get("sitename")
    authors = [n for v in page.ld_values("author", ARTICLE_TYPES) for n in ld_names(v)]
    names = authors or ([data["author"]] if data.get("author") else [])
    byline = ", ".join(dict.fromkeys(n for n in map(tidy_byline, names) if n)) or None
    section = page.meta.get("article:section") or next(
        (s for s in page.ld_values("articleSection") if isinstance(s, str)), None
    )
    page_url = url or _declared_url(page)
    return Article(
        id=article_id(page_url, text),
        source=source,
        text=text,
        title=plain_line(title, tags=False),
        byline=plain_line(squash(byline), tags=False),
        section=plain_line(squash(section), tags=False),
        publisher=plain_line(squash(publisher), tags=False),
        published=published,
        updated=updated,
        url=page_url,
        dropped_lines=dropped_lines(page.lines, text, title),
    )
