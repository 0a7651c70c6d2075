"""A fictional news site served from 127.0.0.1 in a thread, for the fetching tests: a feed in RSS and in
Atom, a sitemap index → sitemap, a Google news sitemap, article pages, and the failures real servers
give (404, 500, slow, huge, a PDF, a page with no article, a robots.txt forbidding /private/).

Everything here is invented: the Brackwater Courier and its town do not exist.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_S = 4.0  # the slow page's delay: well past the tests' timeout (1.5 s), even on a loaded machine
HUGE_BYTES = 300_000  # the huge page's size: past the tests' limit (200 kB)

# (slug, title, date, paragraphs): invented stories, each on its own subject so none is a near-duplicate
STORIES = [
    (
        "ferry",
        "Brackwater ferry gets a second electric boat",
        "2025-03-04",
        [
            "The Brackwater Courier can report that the town's harbour ferry will run a second electric "
            "boat from June, halving the wait between crossings to fifteen minutes.",
            "The new boat, named Heron, carries 120 passengers and charges at the north quay in eleven "
            "minutes, the harbour authority said on Tuesday.",
            "Commuters had complained for years about queues on the slipway at rush hour, when the single "
            "boat could not keep up with the trains arriving from the city.",
            "The boat cost 3.2 million crowns, most of it paid from the regional climate fund.",
        ],
    ),
    (
        "library",
        "Old tannery becomes Brackwater's new library",
        "2025-03-05",
        [
            "Brackwater's new public library will open in the restored tannery on Mill Lane in September, "
            "the council confirmed after a vote on Wednesday evening.",
            "Architects kept the brick drying lofts and turned them into reading rooms lit by the old "
            "roof windows, with space for forty thousand books.",
            "The children's section gets its own entrance from the riverside path, and the basement will "
            "hold a workshop with sewing machines and a laser cutter.",
            "Librarian Agnes Vollmer said the move triples the floor space of the cramped branch on "
            "Station Road, which closes in August.",
        ],
    ),
    (
        "orchard",
        "Frost spares Brackwater orchards",
        "2025-04-11",
        [
            "Apple growers around Brackwater escaped the worst of last week's late frost, the growers' "
            "cooperative said, after running wind machines through two nights.",
            "Blossom on the higher slopes was damaged, but the valley orchards lost less than a tenth of "
            "their flowers, according to a count by the cooperative's field staff.",
            "Growers expect an ordinary harvest of about 9,000 tonnes if May stays mild, and the cider "
            "press in Lower Brackwater plans to open on schedule in September.",
        ],
    ),
    (
        "bridge",
        "Swing bridge closes for six weeks of repairs",
        "2025-05-02",
        [
            "The swing bridge over the Brack canal closes on Monday for six weeks while engineers replace "
            "its worn turning gear, the county roads office said.",
            "Drivers will be sent round by the ring road, adding about ten minutes, while a temporary "
            "footbridge keeps the canal path open for walkers and cyclists.",
            "The repairs cost 1.4 million crowns; the bridge last had its gear replaced in 1987.",
        ],
    ),
    (
        "choir",
        "Brackwater youth choir wins national prize",
        "2025-05-20",
        [
            "The Brackwater youth choir won first prize at the national choir festival on Sunday, the "
            "first win for the town since the festival began in 1962.",
            "Forty singers aged twelve to eighteen performed a programme of sea shanties and a new piece "
            "written for them by local composer Ilse Marten.",
            "The prize of 20,000 crowns will pay for a tour of the coast towns next summer, conductor Pavel "
            "Ruud told the Courier.",
        ],
    ),
    (
        "market",
        "Saturday market moves to the harbour front",
        "2025-06-01",
        [
            "Brackwater's Saturday market moves from the church square to the harbour front next month, "
            "where there is room for sixty stalls instead of thirty-five.",
            "Traders voted for the move after a trial in April drew twice the usual crowds, the market "
            "association said, though some worry about wind from the sea.",
            "The council will put up canvas windbreaks and extend the harbour car park by eighty places.",
        ],
    ),
    (
        "sluice",
        "New sluice gate protects the lower town from spring tides",
        "2025-06-12",
        [
            "A new steel sluice gate at the mouth of the Brack now shuts automatically when spring tides "
            "rise above two metres, the water board said at its opening on Thursday.",
            "The lower town flooded three times in the last ten winters; the gate and a raised quay wall "
            "are meant to keep out a tide half a metre higher than the worst on record.",
            "The works took two years and cost 18 million crowns, shared by the state and the water board.",
        ],
    ),
]


def article_page(slug: str, dated: bool = True) -> bytes:
    title, day, paragraphs = next((t, d, p) for s, t, d, p in STORIES if s == slug)
    meta = f'<meta property="article:published_time" content="{day}T08:00:00+01:00">' if dated else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title} | Brackwater Courier</title>{meta}"
        f'<meta property="og:site_name" content="Brackwater Courier"></head><body>'
        f'<nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/sport/">Sport</a></nav>'
        f"<article><h1>{title}</h1>{body}</article>"
        f"<footer>© Brackwater Courier (a fictional paper)</footer></body></html>"
    ).encode()


def rss(base: str, slugs: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{slug}</title><link>{base}{path}</link>"
        f"<pubDate>Tue, 04 Mar 2025 08:00:00 GMT</pubDate></item>"
        for slug, path in ((s, p) for s, p in slugs_to_paths(slugs))
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Brackwater Courier</title>'
        f"<link>{base}/</link><description>fictional</description>{items}</channel></rss>"
    ).encode()


def atom(base: str, slugs: list[str]) -> bytes:
    entries = "".join(
        f'<entry><title>{slug}</title><link href="{base}{path}"/><id>{base}{path}</id>'
        f"<updated>2025-04-11T08:00:00Z</updated></entry>"
        for slug, path in slugs_to_paths(slugs)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Brackwater Courier</title><id>{base}/</id><updated>2025-04-11T08:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def slugs_to_paths(names: list[str]) -> Iterator[tuple[str, str]]:
    for name in names:
        yield name, name if name.startswith("/") else f"/news/{name}.html"


def urlset(base: str, paths: list[str], news: bool = False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""

    def entry(path: str) -> str:
        extra = (
            "<news:news><news:publication><news:name>Brackwater Courier</news:name>"
            "<news:language>en</news:language></news:publication>"
            "<news:publication_date>2025-06-01T07:30:00+01:00</news:publication_date>"
            "<news:title>x</news:title></news:news>"
            if news
            else ""
        )
        return f"<url><loc>{base}{path}</loc>{extra}</url>"

    return (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        f"{ns}>{''.join(entry(p) for p in paths)}</urlset>"
    ).encode()


def sitemap_index(base: str, paths: list[str]) -> bytes:
    maps = "".join(f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in paths)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    ).encode()


@dataclass
class Site:
    """What the server serves (path → (status, content type, body)), and the log of requests it got."""

    base: str = ""
    pages: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    slow: set[str] = field(default_factory=set)
    redirects: dict[str, str] = field(default_factory=dict)  # path -> where a 301 sends it
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, "200"/"304"/...)
    user_agents: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def serve(
        self, path: str, body: bytes, kind: str = "text/html; charset=utf-8", status: int = 200
    ) -> None:
        self.pages[path] = (status, kind, body)


@contextmanager
def running_site() -> Iterator[Site]:
    site = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            with site.lock:
                site.user_agents.add(self.headers.get("User-Agent", ""))
            if path in site.slow:
                time.sleep(SLOW_S)
            if path in site.redirects:
                with site.lock:
                    site.requests.append((path, "301"))
                self.send_response(301)
                self.send_header("Location", site.redirects[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status, kind, body = site.pages.get(path, (404, "text/html", b"<html>not found</html>"))
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if status == 200 and kind.endswith("xml") and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            with site.lock:
                site.requests.append((path, str(status)))
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                if kind.endswith("xml"):
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the slow and the huge page): what the tests want

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def mend_broken_page(site: Site) -> None:
    """The page that gave a 500 gives its article now."""
    site.serve("/news/broken.html", article_page(STORIES[-1][0]))


def serve_newsroom(site: Site) -> None:
    """The whole fictional site: every listing, page and failure the tests expect."""
    base = site.base
    site.serve("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    feed_items = ["ferry", "library", "missing", "broken", "slow", "huge", "/files/report.pdf"]
    feed_items += ["/private/secret.html", "empty"]
    site.serve("/feed.rss", rss(base, feed_items), "application/rss+xml")
    site.serve("/atom.xml", atom(base, ["orchard", "ferry"]), "application/atom+xml")
    site.serve("/sitemap_index.xml", sitemap_index(base, ["/sitemap-pages.xml"]), "application/xml")
    site.serve(
        "/sitemap-pages.xml", urlset(base, ["/news/bridge.html", "/news/choir.html"]), "application/xml"
    )
    site.serve("/news-sitemap.xml", urlset(base, ["/news/market.html"], news=True), "application/xml")
    for slug, *_ in STORIES[:-1]:  # the last is served at /news/broken.html once it is mended
        # the market page states no date: the news sitemap's publication date stands in
        site.serve(f"/news/{slug}.html", article_page(slug, dated=slug != "market"))
    site.serve("/news/broken.html", b"<html>Internal Server Error</html>", status=500)
    site.serve("/news/slow.html", article_page("ferry"))
    site.slow.add("/news/slow.html")
    site.serve("/news/huge.html", b"<html><body>" + b"<p>word </p>" * (HUGE_BYTES // 11) + b"</body></html>")
    site.serve("/files/report.pdf", b"%PDF-1.4 fictional", "application/pdf")
    site.serve("/private/secret.html", article_page("library"))
    site.serve(
        "/news/empty.html", b"<html><head><title>Index</title></head><body><nav>Home</nav></body></html>"
    )
