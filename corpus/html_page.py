"""What an HTML page says about itself, read once with lxml: meta tags, JSON-LD objects, h1 headings, the
`<title>`, the canonical link, `<time datetime>` values and the visible lines. Shared by the title, date
and body readers (`corpus/html_title.py`, `corpus/html_dates.py`, `corpus/html.py`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_WS = re.compile(r"\s+")


def squash(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def fold(text: str | None) -> str:
    return squash(text).casefold()


def name_key(text: str | None) -> str:
    """Letters and digits only, case-folded: for comparing a site name with a title segment."""
    return re.sub(r"[\W_]+", "", (text or "").casefold())


# ---------------------------------------------------------------- page metadata


class Page:
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
        # The texts of the links to other pages (same-page anchors, a table of contents, left out).
        self.link_texts: list[str] = []
        try:
            tree = lxml_html.fromstring(html)
        except (ValueError, TypeError, SyntaxError):
            return
        for node in tree.iter("meta"):
            key = node.get("property") or node.get("name") or node.get("itemprop")
            content = node.get("content")
            if key and content and content.strip():
                self.meta.setdefault(key.strip().lower(), squash(content))
        for script in tree.xpath('//script[contains(@type, "ld+json")]'):
            self.ld.extend(ld_objects(script.text_content()))
        for node in tree.iter("h1"):
            text = squash(node.text_content())
            if text:
                self.h1.append(text)
        titles = tree.xpath("//title")
        if titles:
            self.title_tag = squash(titles[0].text_content()) or None
        for link in tree.xpath('//link[@rel="canonical"][@href]'):
            self.canonical = link.get("href")
            break
        self.times = [t.get("datetime") for t in tree.xpath("//time[@datetime]")][:20]
        self.link_texts = [
            a.text_content() for a in tree.iter("a") if a.get("href") and "#" not in (a.get("href") or "#")
        ]
        self.lines = visible_lines(tree)  # last: it changes the tree

    def ld_values(self, key: str, types: tuple[str, ...] | None = None) -> Iterator[Any]:
        for obj in self.ld:
            if types is not None and not has_type(obj, types):
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


def visible_lines(tree: Any) -> list[str]:
    """The page's text cut at block elements, scripts and styles left out: what a reader could see.
    Changes `tree` (it is the last use of it)."""
    from lxml import etree

    etree.strip_elements(tree, "script", "style", "noscript", "template", "svg", with_tail=False)
    for node in tree.iter():
        if isinstance(node.tag, str) and node.tag.lower() in _BLOCKS:
            node.text = "\n" + (node.text or "")
            node.tail = "\n" + (node.tail or "")
    lines = (squash(line) for line in tree.text_content().split("\n"))
    return [line for line in dict.fromkeys(lines) if line]


def dropped_lines(page_lines: list[str], text: str, title: str | None) -> tuple[str, ...]:
    """The page's visible lines that are neither in the article's text nor its title, in page order."""
    body = fold(text)
    paragraphs = {fold(p) for p in text.split("\n\n")} | {fold(title)}
    # A short line ("Home") is in the text only as a paragraph of its own, not as any substring of it.
    dropped = [
        line
        for line in page_lines
        if fold(line) not in paragraphs and (len(line) < 20 or fold(line) not in body)
    ]
    return tuple(dropped[:MAX_DROPPED_LINES])


ARTICLE_TYPES = (
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


def has_type(obj: dict[str, Any], types: tuple[str, ...]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.lower() in types for k in kinds)


def ld_objects(script: str) -> list[dict[str, Any]]:
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


def ld_names(value: Any) -> list[str]:
    """Names from a JSON-LD person/organisation value (a string, an object, or a list of them)."""
    values = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in values:
        if isinstance(item, str):
            names.append(squash(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(squash(item["name"]))
    return [n for n in names if n]


# ---------------------------------------------------------------- site name and title
