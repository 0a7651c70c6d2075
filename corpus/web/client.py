"""A polite HTTP client for feeds, sitemaps and article pages: httpx, one request at a time, per host.

Politeness, as crawlers are expected to behave:
- robots.txt is read once per host and run (`urllib.robotparser`) and obeyed for our User-Agent; its
  Crawl-delay, when longer than ours, is used. A robots.txt that is missing (4xx) allows everything; one
  that cannot be read (5xx, timeout) forbids the host for this run (RFC 9309, 2.3.1.4).
- `delay_s` between two requests to one host (env NEWSBOT_FETCH_DELAY; default 2 s, trafilatura's own).
- conditional requests: `get` sends If-None-Match / If-Modified-Since when given validators.
- a timeout for the whole response, not only between bytes (a server trickling a byte a second does not
  hold the run), and a size limit (`max_bytes`) checked while streaming.
- an honest User-Agent: `newsbot/0.1`, with `(+CONTACT)` from env NEWSBOT_CONTACT when set.

trafilatura's `feeds` and `sitemaps` helpers (2.3) fetch through their own urllib3 pool: their config
sets the User-Agent, a timeout and a size limit, but there is no injectable client, no conditional
request, and robots.txt is read only for its `Sitemap:` lines, never its `Disallow:` rules; they also
filter the links by their own heuristics (domain, language). Hence httpx here (already a dependency) and
`corpus.web.listings` (feedparser, lxml) for the parsing.

Not handled: cookies, logins, JavaScript-rendered pages, HTTP/2 server push; robots.txt is not cached
between runs.
"""

from __future__ import annotations

import logging
import os
import time
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

log = logging.getLogger(__name__)

ENV_CONTACT = "NEWSBOT_CONTACT"
ENV_DELAY = "NEWSBOT_FETCH_DELAY"
ENV_TIMEOUT = "NEWSBOT_FETCH_TIMEOUT"
AGENT = "newsbot/0.1"
AGENT_TOKEN = "newsbot"  # what robots.txt groups are matched against
MAX_REDIRECTS = 5


class FetchFailed(Exception):
    """A url that could not be fetched; the message is the reason, in words a user can act on."""


@dataclass(frozen=True)
class FetchSettings:
    delay_s: float = 2.0
    timeout_s: float = 20.0
    max_bytes: int = 10 * 1024 * 1024  # as much as a file on disk may hold (corpus.decode)
    max_attempts: int = 5  # a failing page is tried on this many runs, then given up
    contact: str | None = None

    def __post_init__(self) -> None:
        if self.delay_s < 0:
            raise ValueError("the delay between requests must not be negative")
        if self.timeout_s <= 0:
            raise ValueError("the fetch timeout must be positive")
        if self.max_bytes < 1 or self.max_attempts < 1:
            raise ValueError("the size limit and the attempts must be at least 1")

    @classmethod
    def from_env(cls, delay_s: float | None = None) -> FetchSettings:
        """Settings from NEWSBOT_FETCH_DELAY, NEWSBOT_FETCH_TIMEOUT and NEWSBOT_CONTACT; `delay_s` wins."""
        env_delay = os.environ.get(ENV_DELAY)
        env_timeout = os.environ.get(ENV_TIMEOUT)
        try:
            delay = delay_s if delay_s is not None else float(env_delay) if env_delay else cls.delay_s
            timeout = float(env_timeout) if env_timeout else cls.timeout_s
        except ValueError as exc:
            raise ValueError(f"{ENV_DELAY} and {ENV_TIMEOUT} must be numbers of seconds") from exc
        return cls(delay_s=delay, timeout_s=timeout, contact=os.environ.get(ENV_CONTACT) or None)

    @property
    def user_agent(self) -> str:
        return f"{AGENT} (+{self.contact})" if self.contact else AGENT


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    content_type: str  # lower case, without parameters
    body: bytes
    etag: str | None
    last_modified: str | None
    location: str | None = None  # where a redirect points


class Fetcher:
    """One client for a run: sequential requests, a per-host clock, robots.txt per host."""

    def __init__(self, settings: FetchSettings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.timeout_s),
            follow_redirects=False,
            transport=transport,
        )
        self._last: dict[str, float] = {}  # host -> monotonic time of its last request
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}  # or why it is unreadable
        self.requests = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_allowed(self, url: str) -> None:
        """Raise `FetchFailed` when robots.txt forbids `url` (or could not be read)."""
        rules = self._rules(url)
        if isinstance(rules, str):
            raise FetchFailed(rules)
        if not rules.can_fetch(AGENT_TOKEN, url):
            raise FetchFailed("forbidden by the site's robots.txt")

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET `url`, politely; a 304 is returned, any other status but 200 raises `FetchFailed`."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        # Redirects followed here, not by httpx: each hop is asked of its own site's robots.txt.
        for _ in range(MAX_REDIRECTS + 1):
            self.check_allowed(url)
            response = self._request(url, headers)
            if response.status in (301, 302, 303, 307, 308) and response.location:
                url = urljoin(url, response.location)
                continue
            if response.status not in (200, 304):
                raise FetchFailed(f"HTTP {response.status}")
            return response
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    # --- internals

    def _rules(self, url: str) -> urllib.robotparser.RobotFileParser | str:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        return self._robots[origin]

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | str:
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            response = self._request(origin + "/robots.txt", {})
        except FetchFailed as exc:
            return f"robots.txt could not be read ({exc}): the site is not fetched this run"
        if response.status >= 500:
            return f"robots.txt could not be read (HTTP {response.status}): the site is not fetched this run"
        # a missing robots.txt (4xx) allows everything: an empty one says so
        lines = [] if response.status >= 400 else response.body.decode("utf-8", "replace").splitlines()
        parser.parse(lines)
        return parser

    def _wait_turn(self, host: str) -> None:
        delay = self.settings.delay_s
        rules = self._robots.get(host)
        if isinstance(rules, urllib.robotparser.RobotFileParser):
            crawl_delay = rules.crawl_delay(AGENT_TOKEN)
            if crawl_delay is not None:
                delay = max(delay, float(crawl_delay))
        last = self._last.get(host)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    def _request(self, url: str, headers: dict[str, str]) -> Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FetchFailed("not an http(s) url")
        origin = f"{parts.scheme}://{parts.netloc}"
        self._wait_turn(origin)
        deadline = time.monotonic() + self.settings.timeout_s
        limit = self.settings.max_bytes
        self.requests += 1
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise FetchFailed(f"larger than the size limit ({int(declared):,} > {limit:,} bytes)")
                body = bytearray()
                for piece in response.iter_bytes():
                    body += piece
                    if len(body) > limit:
                        raise FetchFailed(f"larger than the size limit ({limit:,} bytes)")
                    if time.monotonic() > deadline:
                        raise FetchFailed(f"timed out after {self.settings.timeout_s:g} s")
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                return Response(
                    url=str(response.url),
                    status=response.status_code,
                    content_type=kind,
                    body=bytes(body),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    location=response.headers.get("location"),
                )
        except httpx.TimeoutException as exc:
            raise FetchFailed(f"timed out after {self.settings.timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            raise FetchFailed(f"network error: {type(exc).__name__}: {exc}") from exc
        finally:
            self._last[origin] = time.monotonic()
