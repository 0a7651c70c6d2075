"""HTML pages to articles: trafilatura for the body, and our own reading of the page's metadata.

Body: trafilatura's `bare_extraction` (the best-measured extractor on our evaluation pages), run with its
default settings and with `favor_recall`, the recall pass taken when it holds clearly more words; its
blocks kept as paragraphs ("\\n\\n"), the headline dropped when it opens the body, the comments left out.
Measured on wcxb-dev-articles (709 pages): mean word-F1 0.945 (trafilatura alone 0.936), title exact 0.83
(0.51), published day 0.85 (0.85); scrapinghub (181 pages) word-F1 0.960 (0.956).

Metadata, where trafilatura alone is weakest (see `benchmarks/extraction.py` for the figures):
- title: the page's `<h1>` when it agrees with the page's own title (og:title, JSON-LD headline,
  `<title>`), else the first h1 not naming the site (on a page with at most two), else those titles
  with the site name cut off (" | Site", " - Site", "Site: ...") by comparing them with og:site_name, the
  JSON-LD publisher and the host name;
- published: htmldate's day (through trafilatura), with the time and offset of a JSON-LD
  `datePublished`, `article:published_time`-style meta tag or `<time datetime>` of that same day; those
  alone when htmldate finds nothing. updated: JSON-LD `dateModified`, then modified-time meta tags. The
  offset the page gives is kept; a page that gives none yields a naive datetime (midnight for a day alone);
- publisher: og:site_name, else the JSON-LD publisher, else application-name;
- byline: JSON-LD author names, else trafilatura's author; section: `article:section` or JSON-LD
  `articleSection`; url: the url given, else the canonical link or og:url.

Not handled: pages whose text is put in by JavaScript after loading (there is nothing to extract), paywall
teasers (the teaser is taken as the article), and several articles on one page (the main one is taken).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from corpus.errors import NoArticleFound
from corpus.ids import article_id
from corpus.models import Article

log = logging.getLogger(__name__)

# A body shorter than this many word characters is not an article (a 404 page, a bare menu...).
MIN_BODY_CHARS = 100

_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|•|·|::|:|/|»|«|~)\s+")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
# The recall-favouring pass replaces the default one when the default holds fewer than this share of its
# words (0.8 -> 0.9435, 0.9 -> 0.9443, 0.95 -> 0.9446, 1.0 -> 0.9445 on wcxb-dev-articles).
RECALL_RATIO = 0.95


def _squash(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _fold(text: str | None) -> str:
    return _squash(text).casefold()


def _key(text: str | None) -> str:
    """Letters and digits only, case-folded: for comparing a site name with a title segment."""
    return re.sub(r"[\W_]+", "", (text or "").casefold())


# ---------------------------------------------------------------- page metadata


class _Page:
    """What the page says about itself: meta tags, JSON-LD objects, headings, canonical link."""

    def __init__(self, html: str) -> None:
        from lxml import html as lxml_html

        self.meta: dict[str, str] = {}
        self.ld: list[dict[str, Any]] = []
        self.h1: list[str] = []
        self.title_tag: str | None = None
        self.canonical: str | None = None
        self.times: list[str] = []
        self.lines: list[str] = []
        try:
            tree = lxml_html.fromstring(html)
        except (ValueError, TypeError, SyntaxError):
            return
        for node in tree.iter("meta"):
            key = node.get("property") or node.get("name") or node.get("itemprop")
            content = node.get("content")
            if key and content and content.strip():
                self.meta.setdefault(key.strip().lower(), _squash(content))
        for script in tree.xpath('//script[contains(@type, "ld+json")]'):
            self.ld.extend(_ld_objects(script.text_content()))
        for node in tree.iter("h1"):
            text = _squash(node.text_content())
            if text:
                self.h1.append(text)
        titles = tree.xpath("//title")
        if titles:
            self.title_tag = _squash(titles[0].text_content()) or None
        for link in tree.xpath('//link[@rel="canonical"][@href]'):
            self.canonical = link.get("href")
            break
        self.times = [t.get("datetime") for t in tree.xpath("//time[@datetime]")][:20]
        self.lines = _visible_lines(tree)

    def ld_values(self, key: str, types: tuple[str, ...] | None = None) -> Iterator[Any]:
        for obj in self.ld:
            if types is not None and not _has_type(obj, types):
                continue
            value = obj.get(key)
            if value:
                yield value


_BLOCKS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "td",
        "th",
        "tr",
        "table",
        "header",
        "footer",
        "nav",
        "aside",
        "section",
        "article",
        "main",
        "blockquote",
        "pre",
        "figure",
        "figcaption",
        "form",
        "br",
        "dt",
        "dd",
        "title",
        "option",
        "button",
    ]
)
MAX_DROPPED_LINES = 500


def _visible_lines(tree: Any) -> list[str]:
    """The page's text cut at block elements, scripts and styles left out: what a reader could see.
    Changes `tree` (it is the last use of it)."""
    from lxml import etree

    etree.strip_elements(tree, "script", "style", "noscript", "template", "svg", with_tail=False)
    for node in tree.iter():
        if isinstance(node.tag, str) and node.tag.lower() in _BLOCKS:
            node.text = "\n" + (node.text or "")
            node.tail = "\n" + (node.tail or "")
    lines = (_squash(line) for line in tree.text_content().split("\n"))
    return [line for line in dict.fromkeys(lines) if line]


def dropped_lines(page_lines: list[str], text: str, title: str | None) -> tuple[str, ...]:
    """The page's visible lines that are neither in the article's text nor its title, in page order."""
    body = _fold(text)
    paragraphs = {_fold(p) for p in text.split("\n\n")} | {_fold(title)}
    # A short line ("Home") is in the text only as a paragraph of its own, not as any substring of it.
    dropped = [
        line
        for line in page_lines
        if _fold(line) not in paragraphs and (len(line) < 20 or _fold(line) not in body)
    ]
    return tuple(dropped[:MAX_DROPPED_LINES])


_ARTICLE_TYPES = (
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "techarticle",
    "scholarlyarticle",
    "webpage",
    "posting",
    "report",
    "liveblogposting",
    "backgroundnewsarticle",
    "socialmediaposting",
    "medicalwebpage",
    "howto",
    "recipe",
    "review",
)


def _has_type(obj: dict[str, Any], types: tuple[str, ...]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.lower() in types for k in kinds)


def _ld_objects(script: str) -> list[dict[str, Any]]:
    """Every JSON object inside a JSON-LD script, nested ones and @graph members included."""
    try:
        data = json.loads(script.strip().rstrip(";"))
    except ValueError:
        return []
    found: list[dict[str, Any]] = []
    stack = [data]
    while stack and len(found) < 200:
        item = stack.pop(0)
        if isinstance(item, dict):
            found.append(item)
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _names(value: Any) -> list[str]:
    """Names from a JSON-LD person/organisation value (a string, an object, or a list of them)."""
    values = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in values:
        if isinstance(item, str):
            names.append(_squash(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(_squash(item["name"]))
    return [n for n in names if n]


# ---------------------------------------------------------------- site name and title


def site_names(page: _Page, url: str | None) -> list[str]:
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
        names.extend(_names(value))
    for obj in page.ld:
        if _has_type(obj, ("website", "organization", "newsmediaorganization")) and isinstance(
            obj.get("name"), str
        ):
            names.append(obj["name"])
    host = urlsplit(url or page.canonical or page.meta.get("og:url") or "").hostname or ""
    host = host.removeprefix("www.")
    if host:
        names.append(host)
        names.append(host.split(".")[0])
        if host.count(".") >= 2:
            names.append(host.split(".")[-3])
    return [n for n in dict.fromkeys(_squash(n) for n in names) if n]


def _is_site_segment(segment: str, sites: list[str]) -> bool:
    key = _key(segment)
    if not key:
        return True
    for site in sites:
        site_key = _key(site)
        if not site_key:
            continue
        if key == site_key or (len(site_key) >= 4 and (key.startswith(site_key) or key.endswith(site_key))):
            return True
        if len(key) >= 4 and site_key.startswith(key):
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


def choose_title(page: _Page, sites: list[str], extracted: str | None) -> str | None:
    headlines = [
        h for value in page.ld_values("headline") for h in ([value] if isinstance(value, str) else [])
    ]
    titles = [
        t
        for t in (
            page.meta.get("og:title"),
            *headlines,
            page.meta.get("twitter:title"),
            page.title_tag,
            extracted,
        )
        if t
    ]
    stripped = [strip_site_name(_squash(t), sites) for t in titles]
    folded = {_fold(t) for t in stripped} | {_fold(t) for t in titles}
    # The first h1 that one of the page's titles agrees with (equal, or the title starts with it).
    for h1 in page.h1:
        f = _fold(h1)
        if len(f) < 4:
            continue
        if f in folded:
            return h1
    for h1 in page.h1:
        f = _fold(h1)
        if len(f) >= 12 and any(t.startswith(f) or f.startswith(t) for t in folded if len(t) >= 12):
            return h1
    # No title agrees with an h1: on our evaluation pages the headline shown (the first h1 that is not the
    # site's name or a menu label) is right far more often than the <title> written for search engines.
    # A page with many h1s uses them for section heads and teasers: none of them is clearly the headline.
    for h1 in page.h1 if len(page.h1) <= 2 else []:
        if len(_fold(h1)) >= 12 and len(h1.split()) >= 3 and not _is_site_segment(h1, sites):
            return h1
    if stripped:
        return stripped[0]
    return page.h1[0] if page.h1 else None


# ---------------------------------------------------------------- dates


def _parse_when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    from corpus.dates import parse_datetime

    return parse_datetime(text)


_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "pubdate",
    "sailthru.date",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "parsely-pub-date",
    "article.published",
    "published_time",
    "og:published_time",
)
_UPDATED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "last-modified",
    "dcterms.modified",
)


def choose_dates(page: _Page, extracted: str | None) -> tuple[datetime | None, datetime | None]:
    """Published: htmldate's day (through trafilatura: it reads the whole page, and on our evaluation
    pages it is right more often than the page's own JSON-LD), made precise with a JSON-LD or meta
    date-time of the same day when there is one, so the time and offset the page gives are kept.
    Without htmldate's day: JSON-LD, then meta tags, then `<time datetime>`."""
    declared: list[datetime] = []
    for types in (_ARTICLE_TYPES, None):
        for value in page.ld_values("datePublished", types):
            when = _parse_when(value)
            if when is not None:
                declared.append(when)
    for key in _PUBLISHED_META:
        when = _parse_when(page.meta.get(key))
        if when is not None:
            declared.append(when)
    for value in page.times:
        when = _parse_when(value)
        if when is not None:
            declared.append(when)
    published: datetime | None = None
    day = _parse_when(extracted)
    if (
        day is not None
        and (day.month, day.day) == (1, 1)
        and not any(d.date() == day.date() for d in declared)
    ):
        # htmldate falls back on a bare year ("© 2024") as 1 January: a guess, not a date.
        day = None
    if day is not None:
        same_day = [d for d in declared if d.date() == day.date()]
        published = same_day[0] if same_day else day
    elif declared:
        published = declared[0]
    updated: datetime | None = None
    for value in page.ld_values("dateModified"):
        updated = updated or _parse_when(value)
    if updated is None:
        for key in _UPDATED_META:
            updated = _parse_when(page.meta.get(key))
            if updated:
                break
    return published, updated


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
    lines = [_squash(line) for line in body.split("\n")]
    return "\n\n".join(line for line in lines if line), data


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _drop_leading_title(text: str, title: str | None) -> str:
    if not title:
        return text
    first, _, rest = text.partition("\n\n")
    if _fold(first) == _fold(title) and rest:
        return rest
    return text


def parse_html(html: str, source: str, url: str | None = None) -> Article:
    """The article in an HTML page. Raises `NoArticleFound` when the page holds no article body."""
    text, data = _body_text(html, url)
    if len(re.sub(r"\W", "", text)) < MIN_BODY_CHARS:
        raise NoArticleFound("no article text found in the page (a menu, index, error or script-only page?)")
    page = _Page(html)
    sites = site_names(page, url)
    title = choose_title(page, sites, data.get("title"))
    text = _drop_leading_title(text, title)
    published, updated = choose_dates(page, data.get("date"))
    publisher = page.meta.get("og:site_name") or next(
        (n for v in page.ld_values("publisher") for n in _names(v)), None
    )
    publisher = publisher or page.meta.get("application-name") or data.get("sitename")
    authors = [n for v in page.ld_values("author", _ARTICLE_TYPES) for n in _names(v)]
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
        byline=_squash(byline) or None,
        section=_squash(section) or None,
        publisher=_squash(publisher) or None,
        published=published,
        updated=updated,
        url=page_url,
        dropped_lines=dropped_lines(page.lines, text, title),
    )
