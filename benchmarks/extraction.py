"""`python -m benchmarks extraction`: how cleanly articles are extracted, beside baselines from the same run.

Scores, per page then averaged:
- word F1 of the clean text against the gold main content (WCXB's formula: bag of lower-cased `\\w+` tokens,
  precision and recall over token multisets);
- title exact match after whitespace and case folding (pages with a gold title);
- published date right to the day (pages with a gold date).

Rows: the text dump kept whole, jusText on the dump and `corpus.textdump.parse_textdump` on the dump of
`wcxb-dev-articles`; trafilatura `bare_extraction` and `corpus.html.parse_html` on the HTML of
`wcxb-dev-articles` and `scrapinghub`; and, as an out-of-sample check of the dump reader (it was tuned on
the wcxb dev pages), `parse_textdump` on dumps made from the scrapinghub HTML with the eval folder's own
`textdump.py`. A reader that is not importable yet is reported as "not available".

It does not handle: other eval layouts, or pages whose gold has no main content (they are left out).
"""

from __future__ import annotations

import ast
import gzip
import html as htmllib
import importlib
import importlib.util
import json
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = REPO.parent / "shared" / "eval"
_TOKEN = re.compile(r"\w+")


# ---------------------------------------------------------------- scoring


def word_f1(predicted: str, gold: str) -> float:
    """WCXB's word-level F1: bag of lower-cased `\\w+` tokens, overlap counted over multisets."""
    pred = Counter(_TOKEN.findall(predicted.lower()))
    ref = Counter(_TOKEN.findall(gold.lower()))
    if not pred and not ref:
        return 1.0
    common = sum((pred & ref).values())
    if common == 0:
        return 0.0
    precision = common / sum(pred.values())
    recall = common / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def fold_title(title: str | None) -> str:
    return " ".join((title or "").split()).casefold()


def same_day(found: datetime | date | None, gold: str) -> bool:
    """`gold` is `YYYY-MM-DD` (or a coarser prefix such as `YYYY-MM`); the page's own local day counts."""
    if found is None:
        return False
    day = found.date() if isinstance(found, datetime) else found
    return day.isoformat().startswith(gold)


# ---------------------------------------------------------------- eval data


@dataclass(frozen=True)
class Page:
    name: str
    gold_text: str
    gold_title: str | None = None
    gold_date: str | None = None
    gold_author: str | None = None
    txt: Path | None = None
    html: Path | None = None
    url: str | None = None


def _ground_truth(raw: Any) -> dict[str, Any]:
    """The gold record is a JSON object or, in some files, its Python repr as a string."""
    if isinstance(raw, str):
        raw = ast.literal_eval(raw)
    return raw if isinstance(raw, dict) else {}


def load_wcxb(folder: Path, limit: int | None) -> list[Page]:
    pages: list[Page] = []
    for gold_file in sorted((folder / "gold").glob("*.json")):
        record = json.loads(gold_file.read_text(encoding="utf-8"))
        truth = _ground_truth(record.get("ground_truth"))
        text = truth.get("main_content")
        if not isinstance(text, str):
            continue
        name = gold_file.stem
        pages.append(
            Page(
                name=name,
                gold_text=text,
                gold_title=truth.get("title") or None,
                gold_date=(str(truth["publish_date"])[:10] if truth.get("publish_date") else None),
                gold_author=truth.get("author") or None,
                txt=folder / "txt" / f"{name}.txt",
                html=folder / "html" / f"{name}.html.gz",
                url=record.get("url"),
            )
        )
        if limit is not None and len(pages) >= limit:
            break
    return pages


def load_scrapinghub(folder: Path, limit: int | None) -> list[Page]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages: list[Page] = []
    for key in sorted(truth):
        html_path = folder / "html" / f"{key}.html.gz"
        if not html_path.exists():
            continue
        pages.append(
            Page(
                name=key,
                gold_text=truth[key].get("articleBody") or "",
                html=html_path,
                url=truth[key].get("url"),
            )
        )
        if limit is not None and len(pages) >= limit:
            break
    return pages


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


# ---------------------------------------------------------------- extractors


@dataclass(frozen=True)
class Result:
    text: str
    title: str | None = None
    published: datetime | date | None = None
    publisher: str | None = None
    byline: str | None = None


def whole_dump(text: str) -> Result:
    return Result(text)


def justext_dump(text: str) -> Result:
    """jusText on the dump: each line becomes a paragraph; English stop words."""
    import justext

    markup = (
        "<html><body>"
        + "".join(f"<p>{htmllib.escape(line)}</p>" for line in text.splitlines())
        + "</body></html>"
    )
    paragraphs = justext.justext(markup, justext.get_stoplist("English"))
    return Result("\n\n".join(p.text for p in paragraphs if not p.is_boilerplate))


def trafilatura_html(html: str, url: str | None) -> Result:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return Result("")
    as_dict = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    published = None
    if as_dict.get("date"):
        try:
            published = date.fromisoformat(str(as_dict["date"])[:10])
        except ValueError:
            published = None
    return Result(as_dict.get("text") or "", as_dict.get("title"), published)


def _article_result(article: Any) -> Result:
    return Result(article.text, article.title, article.published, article.publisher, article.byline)


def ours_dump(text: str, source: str, stats: Any) -> Result:
    from corpus.errors import NoArticleFound
    from corpus.textdump import parse_textdump

    try:
        return _article_result(parse_textdump(text, source, stats))
    except NoArticleFound:
        return Result("")


def ours_html(html: str, source: str, url: str | None) -> Result:
    from corpus.errors import NoArticleFound
    from corpus.html import parse_html

    try:
        return _article_result(parse_html(html, source, url))
    except NoArticleFound:
        return Result("")


def available(module: str, attribute: str) -> bool:
    try:
        return hasattr(importlib.import_module(module), attribute)
    except ImportError:
        return False


def eval_textdump_module(eval_dir: Path) -> Any | None:
    """The eval folder's own HTML-to-dump script, to make dumps of pages that come as HTML only."""
    path = eval_dir / "textdump.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("_eval_textdump", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- running


@dataclass
class Row:
    corpus: str
    extractor: str
    pages: int = 0
    f1: float | None = None
    title: float | None = None
    title_pages: int = 0
    day: float | None = None
    day_pages: int = 0
    ms_per_page: float | None = None
    note: str = ""


def score(
    corpus: str,
    extractor: str,
    pages: Sequence[Page],
    results: Sequence[Result],
    seconds: float,
    with_metadata: bool,
) -> Row:
    row = Row(corpus, extractor, pages=len(pages), ms_per_page=1000 * seconds / max(1, len(pages)))
    row.f1 = sum(word_f1(r.text, p.gold_text) for p, r in zip(pages, results, strict=True)) / max(
        1, len(pages)
    )
    if with_metadata:
        titled = [(p, r) for p, r in zip(pages, results, strict=True) if p.gold_title]
        dated = [(p, r) for p, r in zip(pages, results, strict=True) if p.gold_date]
        row.title_pages, row.day_pages = len(titled), len(dated)
        if titled:
            row.title = sum(fold_title(r.title) == fold_title(p.gold_title) for p, r in titled) / len(titled)
        if dated:
            row.day = sum(same_day(r.published, p.gold_date or "") for p, r in dated) / len(dated)
    return row


def _html_job(args: tuple[str, str, str | None, str]) -> tuple[Result, float]:
    kind, path, url, name = args
    html = read_text(Path(path))
    start = time.perf_counter()
    result = trafilatura_html(html, url) if kind == "trafilatura" else ours_html(html, name, url)
    return result, time.perf_counter() - start


def run_html(kind: str, pages: Sequence[Page], workers: int) -> tuple[list[Result], float]:
    """HTML extractors are slow (tens of ms a page): spread pages over processes; time is summed CPU-side."""
    jobs = [(kind, str(p.html), p.url, str(p.html)) for p in pages]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            done = list(pool.map(_html_job, jobs, chunksize=8))
    else:
        done = [_html_job(job) for job in jobs]
    return [r for r, _ in done], sum(t for _, t in done)


def timed(fn: Callable[[str], Result], texts: Sequence[str]) -> tuple[list[Result], float]:
    start = time.perf_counter()
    results = [fn(t) for t in texts]
    return results, time.perf_counter() - start


@dataclass(frozen=True)
class Reach:
    """What a dump can give at all: its gold title as a whole line, a date on the gold day anywhere."""

    title: bool | None  # None: the page has no gold title
    day: bool | None  # None: the page has no gold date


def dump_reachability(pages: Sequence[Page], dumps: Sequence[str]) -> list[Reach]:
    """Per page: whether the gold title appears as a whole line of the dump, and whether a date on the gold
    day is visible in it at all (any date expression `corpus.dates` can read that falls on that day)."""
    from corpus.dates import find_datetimes

    out = []
    for page, dump in zip(pages, dumps, strict=True):
        title = day = None
        if page.gold_title:
            title = fold_title(page.gold_title) in {fold_title(line) for line in dump.splitlines()}
        if page.gold_date:
            day = any(same_day(found.value, page.gold_date) for found in find_datetimes(dump))
        out.append(Reach(title, day))
    return out


def reach_note(pages: Sequence[Page], results: Sequence[Result], reach: Sequence[Reach]) -> str:
    """The dump reader's title and date rates against what the dumps hold."""
    rows = list(zip(pages, results, reach, strict=True))
    titled = [(p, r) for p, r, x in rows if x.title is not None]
    title_seen = [(p, r) for p, r, x in rows if x.title]
    dated = [(p, r) for p, r, x in rows if x.day is not None]
    day_seen = [(p, r) for p, r, x in rows if x.day]
    title_ok = sum(fold_title(r.title) == fold_title(p.gold_title) for p, r in title_seen)
    day_ok = sum(same_day(r.published, p.gold_date or "") for p, r in day_seen)
    return (
        f"wcxb-dev dumps, what they hold: the gold title is a whole line of the dump on {len(title_seen)} of "
        f"{len(titled)} pages ({_pct(len(title_seen), len(titled))}), and parse_textdump gives it exactly on "
        f"{title_ok} of those {len(title_seen)} ({_pct(title_ok, len(title_seen))}); a date on the gold day "
        f"is readable somewhere in the dump on {len(day_seen)} of {len(dated)} dated pages "
        f"({_pct(len(day_seen), len(dated))}), and parse_textdump dates {day_ok} of those {len(day_seen)} "
        f"to the day ({_pct(day_ok, len(day_seen))})."
    )


def _name_key(name: str | None) -> str:
    return re.sub(r"\W", "", (name or "").casefold())


def publisher_note(from_dumps: Sequence[Result], from_html: Sequence[Result]) -> str:
    """How the dump reader's publisher compares with the one our HTML reader finds in the same page's
    metadata (og:site_name, JSON-LD): there is no gold publisher, so the page's own statement stands in."""
    pairs = [(d.publisher, h.publisher) for d, h in zip(from_dumps, from_html, strict=True) if h.publisher]
    named = [(d, h) for d, h in pairs if d]
    agree = sum(_name_key(d) in _name_key(h) or _name_key(h) in _name_key(d) for d, h in named)
    return (
        f"wcxb-dev dumps, publisher against the page's own (HTML metadata, on {len(pairs)} pages that state "
        f"one): the same name or one inside the other on {agree}, another name on {len(named) - agree} "
        f"(mostly the owning company: 'Hearst Magazines' for 'Prevention'), "
        f"none on {len(pairs) - len(named)}."
    )


def fold_name(name: str | None) -> str:
    return " ".join(_TOKEN.findall((name or "").casefold()))


def byline_note(kind: str, pages: Sequence[Page], results: Sequence[Result]) -> str:
    """Bylines against the gold author: exact after folding case and punctuation, another name, none; and
    a byline given where the gold has no author."""
    authored = [(p, r) for p, r in zip(pages, results, strict=True) if p.gold_author]
    exact = sum(fold_name(r.byline) == fold_name(p.gold_author) for p, r in authored)
    missing = sum(not r.byline for _, r in authored)
    extra = sum(bool(r.byline) for p, r in zip(pages, results, strict=True) if not p.gold_author)
    return (
        f"wcxb-dev {kind}, byline against the gold author ({len(authored)} pages have one): exact "
        f"{exact} ({exact / max(1, len(authored)):.1%}), another name {len(authored) - exact - missing}, "
        f"none {missing}; a byline where the gold has no author: {extra}."
    )


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "—"


def _fmt(value: float | None, pct: bool = False) -> str:
    if value is None:
        return "—"
    return f"{100 * value:.1f}%" if pct else f"{value:.3f}"


def render(rows: Sequence[Row]) -> str:
    out = [
        "| corpus | extractor | pages | mean word F1 | title exact | published same day | ms/page |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.note:
            out.append(f"| {r.corpus} | {r.extractor} | {r.pages} | {r.note} | | | |")
            continue
        title = f"{_fmt(r.title, True)} of {r.title_pages}" if r.title is not None else "—"
        day = f"{_fmt(r.day, True)} of {r.day_pages}" if r.day is not None else "—"
        ms = f"{r.ms_per_page:.1f}" if r.ms_per_page is not None else "—"
        out.append(f"| {r.corpus} | {r.extractor} | {r.pages} | {_fmt(r.f1)} | {title} | {day} | {ms} |")
    return "\n".join(out)


def iter_details(pages: Sequence[Page], results: Sequence[Result]) -> Iterator[dict[str, Any]]:
    for p, r in zip(pages, results, strict=True):
        yield {
            "page": p.name,
            "f1": round(word_f1(r.text, p.gold_text), 4),
            "title_ok": fold_title(r.title) == fold_title(p.gold_title) if p.gold_title else None,
            "title": r.title,
            "gold_title": p.gold_title,
            "day_ok": same_day(r.published, p.gold_date) if p.gold_date else None,
            "published": r.published.isoformat() if r.published else None,
            "gold_date": p.gold_date,
        }


def html_detail_records(
    corpus: str, pages: Sequence[Page], ours: Sequence[Result], baseline: Sequence[Result]
) -> Iterator[dict[str, Any]]:
    """Per-page records of our HTML reader, trafilatura's F1, title and date beside each."""
    for record, gold, base in zip(iter_details(pages, ours), pages, baseline, strict=True):
        record.update(
            corpus=corpus,
            trafilatura_f1=round(word_f1(base.text, gold.gold_text), 4),
            trafilatura_title=base.title,
            trafilatura_published=base.published.isoformat() if base.published else None,
        )
        yield record


def html_rows(
    name: str,
    pages: Sequence[Page],
    workers: int,
    with_metadata: bool,
    have_reader: bool,
    rows: list[Row],
    records: list[dict[str, Any]],
) -> list[Result]:
    """trafilatura's row and ours for one corpus of HTML pages, appended to `rows`; the per-page records
    of ours, trafilatura's beside them, appended to `records`. Returns our results ([] without a reader)."""
    baseline, seconds = run_html("trafilatura", pages, workers)
    rows.append(score(name, "trafilatura bare_extraction", pages, baseline, seconds, with_metadata))
    if not have_reader:
        rows.append(Row(name, "ours: parse_html", len(pages), note="not available"))
        return []
    ours, seconds = run_html("ours", pages, workers)
    rows.append(score(name, "ours: parse_html", pages, ours, seconds, with_metadata))
    records.extend(html_detail_records(name, pages, ours, baseline))
    return ours


# The options and the check that the extraction and dedup benchmarks share.
eval_dir_option = click.option(
    "--eval-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_EVAL,
    show_default=True,
    help="The shared evaluation folder.",
)
limit_option = click.option(
    "--limit", type=int, default=None, help="Only the first N pages of each corpus (a quick run)."
)


def extraction_dirs(eval_dir: Path, limit: int | None) -> tuple[Path, Path]:
    """The wcxb and scrapinghub folders under `eval_dir`; a usage error when neither is there or `limit`
    is under 1."""
    if limit is not None and limit < 1:
        raise click.BadParameter("must be at least 1", param_hint="--limit")
    wcxb_dir, hub_dir = eval_dir / "wcxb-dev-articles", eval_dir / "scrapinghub"
    if not wcxb_dir.is_dir() and not hub_dir.is_dir():
        raise click.ClickException(
            f"no evaluation data under {eval_dir} (expected wcxb-dev-articles/, scrapinghub/)"
        )
    return wcxb_dir, hub_dir


@click.command()
@eval_dir_option
@limit_option
@click.option("--workers", type=int, default=2, show_default=True, help="Processes for the HTML extractors.")
@click.option("--skip-html", is_flag=True, help="Only the text-dump rows (a quick loop on the dump reader).")
@click.option(
    "--details",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write per-page scores of our dump reader as JSON lines here.",
)
@click.option(
    "--html-details",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write per-page scores of our HTML reader, with trafilatura's beside them, as JSON lines here.",
)
@click.option("--skip-dumps", is_flag=True, help="Only the HTML rows (a quick loop on the HTML reader).")
def main(
    eval_dir: Path,
    limit: int | None,
    workers: int,
    skip_html: bool,
    details: Path | None,
    html_details: Path | None,
    skip_dumps: bool,
) -> None:
    """Extraction quality: word F1, title and date, ours beside jusText and trafilatura."""
    wcxb_dir, hub_dir = extraction_dirs(eval_dir, limit)
    rows: list[Row] = []
    have_dump_reader = available("corpus.textdump", "parse_textdump")
    have_html_reader = available("corpus.html", "parse_html")
    notes: list[str] = []
    html_records: list[dict[str, Any]] = []
    wcxb_dump_results: list[Result] = []

    if wcxb_dir.is_dir():
        pages = load_wcxb(wcxb_dir, limit)
        dumps = [read_text(p.txt) for p in pages if p.txt]
        name = "wcxb-dev text dumps"
    if wcxb_dir.is_dir() and not skip_dumps:
        rows.append(score(name, "dump kept whole", pages, *timed(whole_dump, dumps), with_metadata=False))
        rows.append(
            score(name, "jusText on the dump", pages, *timed(justext_dump, dumps), with_metadata=False)
        )
        if have_dump_reader:
            from corpus.textdump import learn_batch

            start = time.perf_counter()
            stats = learn_batch(dumps)
            results = [ours_dump(d, str(p.txt), stats) for p, d in zip(pages, dumps, strict=True)]
            wcxb_dump_results = results
            rows.append(
                score(name, "ours: parse_textdump", pages, results, time.perf_counter() - start, True)
            )
            reach = dump_reachability(pages, dumps)
            notes.append(reach_note(pages, results, reach))
            notes.append(byline_note("dumps", pages, results))
            if details is not None:
                with details.open("w", encoding="utf-8") as fh:
                    for record, seen in zip(iter_details(pages, results), reach, strict=True):
                        record.update(title_in_dump=seen.title, day_in_dump=seen.day)
                        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            rows.append(Row(name, "ours: parse_textdump", len(pages), note="not available"))
    if wcxb_dir.is_dir() and not skip_html:
        ours_html_results = html_rows(
            "wcxb-dev HTML", pages, workers, True, have_html_reader, rows, html_records
        )
        if wcxb_dump_results and ours_html_results:
            notes.append(publisher_note(wcxb_dump_results, ours_html_results))
        if ours_html_results:
            notes.append(byline_note("HTML", pages, ours_html_results))

    if hub_dir.is_dir():
        pages = load_scrapinghub(hub_dir, limit)
        if not skip_html:
            html_rows("scrapinghub HTML", pages, workers, False, have_html_reader, rows, html_records)
        maker = eval_textdump_module(eval_dir) if not skip_dumps else None
        if maker is not None:
            name = "scrapinghub dumps (made by eval/textdump.py)"
            dumps = [maker.text_dump(read_text(p.html)) for p in pages if p.html]
            rows.append(score(name, "dump kept whole", pages, *timed(whole_dump, dumps), with_metadata=False))
            rows.append(
                score(name, "jusText on the dump", pages, *timed(justext_dump, dumps), with_metadata=False)
            )
            if have_dump_reader:
                from corpus.textdump import learn_batch

                start = time.perf_counter()
                stats = learn_batch(dumps)
                results = [ours_dump(d, p.name, stats) for p, d in zip(pages, dumps, strict=True)]
                rows.append(
                    score(name, "ours: parse_textdump", pages, results, time.perf_counter() - start, False)
                )

    if html_details is not None:
        with html_details.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in html_records)
    click.echo(render(rows))
    for note in notes:
        click.echo("\n" + note)
    click.echo(
        f"\n{datetime.now().date().isoformat()}, Python {platform.python_version()} on {platform.machine()}, "
        f"command: python -m benchmarks extraction {' '.join(sys.argv[2:])}".rstrip()
    )
