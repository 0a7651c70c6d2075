"""One article, once: the same url, the same body after normalisation, or nearly the same body.

- "url": the same `corpus.ids.normalise_url` (scheme, case, `www.`, trailing slash and fragment ignored),
  for urls that identify an article (`corpus.ids.identifies_article`: not a site's home page).
- "exact": the same `corpus.ids.normalise_text` (case, Unicode compatibility forms, whitespace ignored):
  a wire story printed unchanged by several outlets.
- "near": Jaccard similarity of word 5-shingle sets >= `NEAR_THRESHOLD` (0.9); or one copy's shingles lie
  inside the other's (>= `CONTAINED_THRESHOLD`, 0.9, of the smaller set) and the Jaccard similarity is still
  >= `CONTAINED_MIN_JACCARD` (0.7). Candidates come from MinHash LSH (datasketch) and are confirmed on the
  exact shingle sets, so the reported similarity (Jaccard) is the true one. At 0.9 a wire story with a
  different dateline, credit line or a corrected sentence is caught; the containment test catches the same
  story where one copy kept a paragraph more (a caption, a sign-off, a related-stories tail its page's
  extraction let through), which drops Jaccard under 0.9 although nothing of the shorter copy is missing.
  Measured on pages read both as a text dump and as HTML (`python -m benchmarks dedup`): of 709 wcxb-dev
  pages, Jaccard alone makes 438 one article, with containment 614; of 181 scrapinghub pages (never tuned
  on) 77 and 133; no two different pages are merged (but two that hold the same article). Two
  articles on the same event written separately share phrases, rarely 90% of either's 5-word runs, and a
  short brief inside a long round-up stays apart (Jaccard far under 0.7). The floor of 0.7 bounds what a
  merge can drop: the copy not kept adds under 30% of the two texts' shingles (a story updated with more
  than that is kept as a second article).

Which copy is kept does not depend on input order: the earliest day published (undated last); on the
same day, a copy with a url that names the article (a text dump of a page and the page's HTML: the HTML,
whose link the citation can give) before one without; then the earliest time, the longest text, the
smallest source. The kept article lists every other source (and url) of its
duplicates in `also_sources`. What the kept copy lacks (url, title, byline, section, publisher, updated)
is taken from a duplicate of the same publication: the same url, or the same publisher named on both; so
a page saved both as a text dump and as HTML keeps the HTML's link. Copies from other outlets lend
nothing: their link would cite the wrong publisher. The articles kept come back in their input order.

Not handled: translations. An article inside a much longer page (a brief inside a round-up) is kept
apart on purpose: merging it would drop either the brief's own record or the rest of the round-up.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from corpus.ids import identifies_article, normalise_text, normalise_url
from corpus.models import Article, DuplicateNote

NEAR_THRESHOLD = 0.9
CONTAINED_THRESHOLD = 0.9
CONTAINED_MIN_JACCARD = 0.7
SHINGLE_WORDS = 5
_NUM_PERM = 128
# LSH is asked for candidates below the lowest Jaccard that can match (MinHash estimates carry noise, and
# LSH finds a pair right at its threshold only about half the time); each candidate is checked exactly.
_LSH_THRESHOLD = 0.5
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[str]:
    """Word `size`-shingles of the normalised text; a text shorter than `size` words is one shingle."""
    words = _WORD.findall(normalise_text(text))
    if len(words) <= size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the smaller set that lies in the other."""
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 1.0


def is_near(
    a: frozenset[str],
    b: frozenset[str],
    near_threshold: float = NEAR_THRESHOLD,
    with_containment: bool = True,
) -> float | None:
    """The Jaccard similarity of two shingle sets that are near-duplicates (see the module); else None."""
    similarity = jaccard(a, b)
    if similarity >= near_threshold:
        return similarity
    if with_containment and similarity >= CONTAINED_MIN_JACCARD and containment(a, b) >= CONTAINED_THRESHOLD:
        return similarity
    return None


def _timestamp(when: datetime | None) -> float:
    if when is None:
        return float("inf")
    if when.tzinfo is None:  # naive: read as UTC, the only choice that keeps the order total
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def keep_order(article: Article) -> tuple[float, int, float, int, str, str]:
    """The earliest day published first (undated last, each copy's day as it states it); on the same day a
    copy whose url names the article, so that its citation links to it; then the earliest time, the
    longest text, the smallest source (then id, for ties)."""
    day = float(article.published.date().toordinal()) if article.published else float("inf")
    linked = 0 if identifies_article(article.url) else 1
    return (day, linked, _timestamp(article.published), -len(article.text), article.source, article.id)


def _merge_sources(kept: Article, dropped: Article) -> tuple[str, ...]:
    seen = [kept.source, *kept.also_sources]
    extra = [dropped.source, *dropped.also_sources]
    if dropped.url and (not kept.url or normalise_url(dropped.url) != normalise_url(kept.url)):
        extra.append(dropped.url)
    merged = list(kept.also_sources)
    for item in extra:
        if item not in seen:
            seen.append(item)
            merged.append(item)
    return tuple(merged)


_LENT_FIELDS = ("url", "title", "byline", "section", "publisher", "updated")


def _same_publication(kept: Article, other: Article, kind: str) -> bool:
    if kind == "url":
        return True
    return bool(kept.publisher and other.publisher) and normalise_text(kept.publisher or "") == (
        normalise_text(other.publisher or "")
    )


def _fill_missing(kept: Article, other: Article, kind: str) -> Article:
    """`kept` with the fields it lacks taken from `other`, when both are copies of the same publication."""
    if not _same_publication(kept, other, kind):
        return kept
    lent = {name: getattr(other, name) for name in _LENT_FIELDS if getattr(kept, name) is None}
    lent = {name: value for name, value in lent.items() if value is not None}
    if "url" in lent:  # now the kept copy's own url, no longer one of its other sources
        lent["also_sources"] = tuple(source for source in kept.also_sources if source != lent["url"])
    return dataclasses.replace(kept, **lent) if lent else kept


def dedup(
    articles: Sequence[Article], near_threshold: float = NEAR_THRESHOLD, *, with_containment: bool = True
) -> tuple[list[Article], list[DuplicateNote]]:
    """The unique articles (every duplicate's source remembered in the kept one) and a note per duplicate.
    `with_containment=False` finds near-duplicates by Jaccard alone (the benchmark's baseline)."""
    if not 0.0 < near_threshold <= 1.0:
        raise ValueError("near_threshold must be in (0, 1]")
    from datasketch import MinHash, MinHashLSH

    ranked = sorted(range(len(articles)), key=lambda i: keep_order(articles[i]))
    rank = {position: r for r, position in enumerate(ranked)}
    kept: dict[int, Article] = {}  # input position -> kept article (with merged sources)
    by_url: dict[str, int] = {}
    by_text: dict[str, int] = {}
    shingle_sets: dict[int, frozenset[str]] = {}
    lsh = MinHashLSH(threshold=min(_LSH_THRESHOLD, near_threshold), num_perm=_NUM_PERM)
    notes: list[DuplicateNote] = []

    for position in ranked:
        article = articles[position]
        match: tuple[int, str, float] | None = None
        url_key = normalise_url(article.url) if identifies_article(article.url) else None
        text_key = normalise_text(article.text)
        if url_key is not None and url_key in by_url:
            match = (by_url[url_key], "url", 1.0)
        elif text_key in by_text:
            match = (by_text[text_key], "exact", 1.0)
        else:
            grams = shingles(article.text) or frozenset([text_key])
            minhash = MinHash(num_perm=_NUM_PERM)
            minhash.update_batch([gram.encode("utf-8") for gram in sorted(grams)])
            best: tuple[float, float, int] | None = None
            for candidate in lsh.query(minhash):
                similarity = is_near(grams, shingle_sets[candidate], near_threshold, with_containment)
                order = -rank[candidate]
                if similarity is not None and (best is None or (similarity, order) > best[:2]):
                    best = (similarity, order, candidate)
            if best is not None:
                match = (best[2], "near", round(best[0], 4))
            else:
                shingle_sets[position] = grams
                lsh.insert(position, minhash)
        if match is None:
            kept[position] = article
            if url_key is not None:
                by_url.setdefault(url_key, position)
            by_text.setdefault(text_key, position)
            continue
        target, kind, similarity = match
        keeper = kept[target]
        merged = dataclasses.replace(keeper, also_sources=_merge_sources(keeper, article))
        kept[target] = _fill_missing(merged, article, kind)
        # A duplicate found by body may carry a url not seen yet: later copies at that url are duplicates.
        if url_key is not None:
            by_url.setdefault(url_key, target)
        notes.append(
            DuplicateNote(
                source=article.source,
                kept_id=keeper.id,
                kind=kind,
                similarity=similarity,
                kept_source=keeper.source,
            )
        )
    unique = [kept[position] for position in sorted(kept)]
    notes.sort(key=lambda note: note.source)
    return unique, notes
