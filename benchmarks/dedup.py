"""Dedup: the same page read twice is one article, and different pages are never merged.

Known duplicates: each wcxb-dev page read as its text dump and as its HTML; out of sample, each scrapinghub
page as HTML and as a text dump made from it by the eval folder's `textdump.py`. The two copies of a page
differ the way copies of one story from two outlets do: the same text, each with what its reader let
through (a caption, a sign-off, a related-stories tail). Every file is read by the shipped readers
(`corpus.read.read_articles`: the dumps of a corpus as one batch, as indexing reads them), then `dedup` runs
over all articles of the corpus at once: with the shipped rule, and with Jaccard similarity alone (>= 0.9,
the rule before containment) as the baseline in the same run.

Reported per corpus: pages whose two copies both gave an article, how many of those pairs end as one
article, merges that join different pages (listed: none is wanted, except pages that are the same article
twice), and the time `dedup` took.
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from benchmarks.extraction import (
    eval_dir_option,
    eval_textdump_module,
    extraction_dirs,
    limit_option,
    read_text,
)
from corpus.models import Article


def page_name(source: str) -> str:
    """ "0001" for ".../txt/0001.txt" or ".../html/0001.html.gz": the page a copy was read from."""
    return Path(source).name.split(".")[0]


@dataclass
class Outcome:
    rule: str
    pairs: int  # pages with two copies read
    merged: int  # of those, pages whose copies ended as one article
    cross: list[tuple[str, ...]]  # kept articles that hold several pages
    seconds: float


def score(rule: str, articles: Sequence[Article], with_containment: bool) -> Outcome:
    from corpus.dedup import dedup

    copies = Counter(page_name(article.source) for article in articles)
    files = {article.source for article in articles}
    start = time.perf_counter()
    unique, _ = dedup(articles, with_containment=with_containment)
    seconds = time.perf_counter() - start
    merged, cross = 0, []
    for article in unique:
        sources = [article.source, *(s for s in article.also_sources if s in files)]  # not the urls
        names = sorted({page_name(s) for s in sources})
        if len(names) > 1:
            cross.append(tuple(names))
        # both copies of a page among this article's sources
        merged += sum(copies.get(n) == 2 and sum(page_name(s) == n for s in sources) == 2 for n in names)
    pairs = sum(1 for n in copies.values() if n == 2)
    return Outcome(rule, pairs, merged, cross, seconds)


def wcxb_articles(folder: Path, limit: int | None) -> list[Article]:
    from corpus.read import read_articles

    names = sorted(page_name(str(p)) for p in (folder / "txt").glob("*.txt"))[:limit]
    paths = [folder / "txt" / f"{n}.txt" for n in names] + [folder / "html" / f"{n}.html.gz" for n in names]
    return read_articles([p for p in paths if p.exists()])[0]


def scrapinghub_articles(folder: Path, eval_dir: Path, limit: int | None, work: Path) -> list[Article]:
    from corpus.read import read_articles

    maker = eval_textdump_module(eval_dir)
    if maker is None:
        raise click.ClickException(f"{eval_dir / 'textdump.py'} is missing: it makes the scrapinghub dumps")
    pages = sorted((folder / "html").glob("*.html.gz"))[:limit]
    for page in pages:
        (work / f"{page_name(str(page))}.txt").write_text(maker.text_dump(read_text(page)), encoding="utf-8")
    return read_articles([*pages, work])[0]


def render(corpus: str, outcomes: Sequence[Outcome]) -> str:
    lines = [
        f"### {corpus}",
        "",
        "| rule | pages read twice | pairs made one article | merges of different pages | dedup s |",
        "|---|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        share = f"{o.merged} ({o.merged / o.pairs:.1%})" if o.pairs else "—"
        lines.append(f"| {o.rule} | {o.pairs} | {share} | {len(o.cross)} | {o.seconds:.2f} |")
    for o in outcomes:
        for names in o.cross:
            lines.append(f"\n{o.rule}: one article from pages {', '.join(names[:8])}")
    return "\n".join(lines)


@click.command()
@eval_dir_option
@limit_option
def main(eval_dir: Path, limit: int | None) -> None:
    """Dedup: pages read twice (text dump and HTML) made one article, and no different pages merged."""
    wcxb_dir, hub_dir = extraction_dirs(eval_dir, limit)
    corpora: list[tuple[str, list[Article]]] = []
    if wcxb_dir.is_dir():
        corpora.append(("wcxb-dev: text dump and HTML of each page", wcxb_articles(wcxb_dir, limit)))
    if hub_dir.is_dir():
        with tempfile.TemporaryDirectory(prefix="newsbot-dedup-") as work:
            articles = scrapinghub_articles(hub_dir, eval_dir, limit, Path(work))
        corpora.append(("scrapinghub (never tuned on): HTML and a dump made from it", articles))
    import datasketch  # noqa: F401  (imported once here, so that no row's time includes the import)

    for corpus, articles in corpora:
        outcomes = [
            score("Jaccard >= 0.9 alone (baseline)", articles, with_containment=False),
            score("shipped: Jaccard >= 0.9, or containment >= 0.9 with Jaccard >= 0.7", articles, True),
        ]
        click.echo(render(corpus, outcomes) + "\n")
    click.echo(
        f"{datetime.now().date().isoformat()}, Python {platform.python_version()} on {platform.machine()}, "
        f"command: python -m benchmarks dedup {' '.join(sys.argv[2:])}".rstrip()
    )
