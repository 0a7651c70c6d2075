"""HTML inside a text field, read as HTML and turned into the text it shows.

News JSONL often carries the article's HTML in `text` (`<p>`, `<a href="…">`, `&#8217;`), and titles or
bylines sometimes hold a `<b>` or an `&amp;`. Every reader passes its fields through `plain_text` (a body)
or `plain_line` (a title, byline, publisher, section) before the article's id is taken from them, so no
markup a producer meant as markup reaches the index, an answer or a source line.

A field is read as HTML only when it holds markup: a tag of a known HTML element, a comment, or a
character reference that names a real entity. "a < b", "x<y", "AT&T" and "Q&A" are plain text and stay as
they are. The parser is the standard library's `html.parser` (it keeps a stray "<" of plain text as text,
where lxml's HTML parser wraps a fragment in a document and can move text around); links keep their words,
not their href; `<br>` is a line break, `<p>`, `<div>`, headings and list items end a paragraph; script,
style and template contents are dropped; entities are decoded.

Whitespace: when the field holds block tags (`<p>`, `<br>`, `<div>`…), its own newlines are HTML
whitespace and the tags alone make the breaks. When it holds only inline tags (a plain-text body with a
few `<a>` or `<em>` in it), its newlines are the paragraphs and are kept.

A page's or a dump's title and byline were rendered already: only their leftover entities are decoded, and
a tag in them is kept as text (`plain_line(tags=False)`). On the 710 wcxb pages and their 710 dumps,
reading tags too changed 5 fields: three double-escaped "&amp;" put right, and the two titles of an
article about the `<br>` tag ("30 Years of <br> Tags", its gold title) broken; now only the three change.

Not handled: markup escaped twice (`&amp;lt;p&amp;gt;` becomes the text "<p>"), tables laid out as text
(cells are joined by spaces), and the bodies of HTML pages and text dumps, which their readers already
extract as text (a page about HTML that shows "<p>" keeps it).
"""

from __future__ import annotations

import html
import re
from html.entities import html5
from html.parser import HTMLParser

# Elements whose end (or start) is a paragraph break.
_BLOCK = frozenset(
    """p div h1 h2 h3 h4 h5 h6 ul ol li blockquote section article header footer aside nav main figure
    figcaption table thead tbody tfoot tr pre hr dl dt dd address details summary form fieldset""".split()  # noqa: SIM905
)
# Elements whose content is not text a reader sees.
_HIDDEN = frozenset("script style template noscript iframe object svg math head title".split())  # noqa: SIM905
_INLINE = frozenset(
    """a abbr b bdi bdo cite code data del dfn em font i img ins kbd mark q s samp small span strong
    sub sup time u var wbr br button label input select option textarea video audio source picture
    caption col colgroup td th body html meta link""".split()  # noqa: SIM905
)
_ELEMENTS = _BLOCK | _HIDDEN | _INLINE
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>|<!--")
_REFERENCE = re.compile(r"&(#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
_BLOCK_TAG = re.compile(r"</?(?:br|" + "|".join(sorted(_BLOCK)) + r")\b", re.I)


def _has_tags(value: str) -> bool:
    return any(m.group(0) == "<!--" or m.group(1).lower() in _ELEMENTS for m in _TAG.finditer(value))


def _has_references(value: str) -> bool:
    return any(m.group(1).startswith("#") or m.group(1) in html5 for m in _REFERENCE.finditer(value))


def has_markup(value: str) -> bool:
    """Whether `value` holds HTML: a known element's tag, a comment or a character reference."""
    return ("<" in value and _has_tags(value)) or ("&" in value and _has_references(value))


class _Text(HTMLParser):
    """The text an HTML fragment shows, with "\\n" for line breaks and "\\n\\n" for paragraph ends."""

    def __init__(self, keep_newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_newlines = keep_newlines
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ELEMENTS:  # "x<y and z>": not HTML, the characters as they were
            self.handle_data(self.get_starttag_text() or "")
        elif tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:  # <script/> opens nothing
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if not self.keep_newlines:
            data = re.sub(r"\s+", " ", data)
        self.parts.append(data)

    def text(self) -> str:
        self.close()
        return "".join(self.parts)


def _tidy(text: str) -> str:
    """Spaces (a no-break space included) collapsed within lines, lines stripped, at most one blank line."""
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plain_text(value: str) -> str:
    """A body field as the text it shows: unchanged when it holds no markup (see the module docstring)."""
    if "<" in value and _has_tags(value):
        parser = _Text(keep_newlines=not _BLOCK_TAG.search(value))
        parser.feed(value)
        return _tidy(parser.text())
    if "&" in value and _has_references(value):
        return _tidy(html.unescape(value))
    return value


def plain_line(value: str | None, *, tags: bool = True) -> str | None:
    """A one-line field (title, byline, publisher, section) as its text, or None when nothing is left.

    `tags=False` is for text that was already rendered (a page's fields, which lxml has parsed; a dump,
    which is what a browser showed): a tag in it is what the page showed ("30 Years of <br> Tags" is a
    real article's title), so only a leftover entity is decoded (`&amp;` escaped twice by the site)."""
    if value is None:
        return None
    if not tags:
        text = html.unescape(value) if "&" in value and _has_references(value) else value
        return " ".join(text.split()) or None
    return " ".join(plain_text(value).split()) or None
