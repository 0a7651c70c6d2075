"""Feeds and sitemaps to the article urls they list.

- RSS 0.9x/1.0/2.0 and Atom through feedparser (it reads the broken feeds real sites publish and their
  dates in every format); an item's date is kept as a fallback for a page without one.
- Sitemaps through lxml: `<urlset>` (the `<loc>` of each `<url>`; a Google news sitemap's
  `<news:publication_date>` kept as a fallback date) and `<sitemapindex>` (the sitemaps it names, to be
  fetched in turn). A gzipped sitemap (`sitemap.xml.gz`) is unpacked, up to the same size limit.

Not handled: image and video sitemap extensions (their pages are listed as any other), plain-text
sitemaps (one url a line), and feeds that only link to a page listing the articles.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from lxml import etree

from corpus.dates import parse_datetime


class NotAListing(Exception):
    """The document is neither a feed nor a sitemap."""


@dataclass(frozen=True)
class Item:
    url: str
    published: datetime | None = None


@dataclass(frozen=True)
class Listing:
    kind: str  # "feed", "sitemap" or "sitemap index"
    items: tuple[Item, ...] = ()
    sitemaps: tuple[str, ...] = field(default=())  # a sitemap index's sitemaps


def parse_listing(body: bytes, base_url: str, max_bytes: int) -> Listing:
    """The urls a feed or sitemap lists (made absolute against `base_url`). Raises `NotAListing`."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip(body, max_bytes)
        except (OSError, EOFError, zlib.error) as exc:
            raise NotAListing("a gzip file that could not be unpacked") from exc
    root = _xml_root(body)
    if root is not None and etree.QName(root).localname in ("urlset", "sitemapindex"):
        return _sitemap(root, base_url)
    return _feed(body, base_url)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as packed:
        data = packed.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise NotAListing(f"larger than the size limit once unpacked ({max_bytes:,} bytes)")
    return data


def _xml_root(body: bytes) -> etree._Element | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        return etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None


def _sitemap(root: etree._Element, base_url: str) -> Listing:
    def children(element: etree._Element, name: str) -> list[etree._Element]:
        return [c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == name]

    def text_of(element: etree._Element, name: str) -> str | None:
        for child in element.iter():
            if isinstance(child.tag, str) and etree.QName(child).localname == name and child.text:
                return child.text.strip()
        return None

    if etree.QName(root).localname == "sitemapindex":
        locs = [text_of(s, "loc") for s in children(root, "sitemap")]
        return Listing("sitemap index", sitemaps=tuple(urljoin(base_url, u) for u in locs if u))
    items = []
    for entry in children(root, "url"):
        loc = text_of(entry, "loc")
        if not loc:
            continue
        day = text_of(entry, "publication_date")  # Google news sitemaps; <lastmod> is not a publication
        items.append(Item(urljoin(base_url, loc), parse_datetime(day) if day else None))
    return Listing("sitemap", items=tuple(items))


def _feed(body: bytes, base_url: str) -> Listing:
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    if not parsed.get("version") and not parsed.entries:
        raise NotAListing("neither a feed (RSS, Atom) nor a sitemap")
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime(*stamp[:6]).replace(tzinfo=UTC) if stamp else None
        items.append(Item(urljoin(base_url, link), published))
    return Listing("feed", items=tuple(items))
