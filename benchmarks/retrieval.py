"""Retrieval quality: Hit@1, Hit@5 and MRR@10 of keyword-only, dense-only, plain RRF and the shipped hybrid,
all measured in one run on one index built with the real model.

Default set: SQuAD 2.0 (half of dev) from `--eval-dir`: every paragraph is one article (titled with its
Wikipedia article's title), every answerable question is asked, and the gold is the question's paragraph.
Any other set: `--corpus articles.jsonl` (one article per line: `text`, and optionally `id`, `url`,
`title`, `published`, `publisher`) with `--questions questions.jsonl` (`question` plus the gold `url` or
`article_id`). A hit is counted per article: the rank of the gold article's first chunk among the
distinct articles retrieved.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
import numpy as np
from click.decorators import FC

from corpus.ids import article_id, normalise_url
from corpus.models import Article
from embeddings.encoder import Encoder
from embeddings.search import DEFAULT_FUSION, FusionConfig, Searcher

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
SQUAD_PATH = Path("squad2-dev-half") / "dev-v2.0.json"

# Measured earlier on squad2-dev-half (see /work/shared/eval/README.md); printed for reference only.
REFERENCE = {
    "keyword": (0.818, 0.946, 0.875),
    "dense": (0.666, 0.895, 0.764),
    "rrf": (0.783, 0.955, 0.857),
}
TARGET_MRR10 = 0.90
TARGET_HIT5 = 0.97

METHODS: dict[str, FusionConfig] = {
    "keyword": FusionConfig(method="keyword"),
    "dense": FusionConfig(method="dense"),
    "rrf": FusionConfig(method="rrf"),
    "hybrid": DEFAULT_FUSION,
}


def eval_dir_option(help_text: str) -> Callable[[FC], FC]:
    """`--eval-dir`, defaulting to ../shared/eval, as the retrieval, news, encoders and reader benchmarks
    take it."""
    return click.option(
        "--eval-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_EVAL_DIR,
        show_default=True,
        help=help_text,
    )


@dataclass(frozen=True)
class Question:
    text: str
    gold: str  # article id


@dataclass(frozen=True)
class Scores:
    hit1: float
    hit5: float
    mrr10: float
    questions: int


@dataclass(frozen=True)
class EvalSet:
    name: str
    articles: tuple[Article, ...]
    questions: tuple[Question, ...]


# --- loading --------------------------------------------------------------------------------------


def load_squad(path: Path, limit: int | None = None, max_titles: int | None = None) -> EvalSet:
    """Paragraphs as articles, answerable questions with their paragraph as gold (`max_titles`: only the
    paragraphs of the first so many Wikipedia articles, for a small run)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    articles: list[Article] = []
    questions: list[Question] = []
    for entry in data["data"][:max_titles]:
        title = str(entry["title"]).replace("_", " ")
        for number, paragraph in enumerate(entry["paragraphs"]):
            text = str(paragraph["context"])
            aid = article_id(None, text)
            articles.append(
                Article(id=aid, source=f"{path.name}#{entry['title']}/{number}", text=text, title=title)
            )
            for qa in paragraph["qas"]:
                if not qa.get("is_impossible") and qa.get("answers"):
                    questions.append(Question(str(qa["question"]), aid))
    return EvalSet(path.parent.name, tuple(articles), tuple(_limited(questions, limit)))


def load_jsonl(corpus: Path, questions_path: Path, limit: int | None = None) -> EvalSet:
    """A generic set: articles and questions, one JSON object per line."""
    articles, by_url = load_articles_jsonl(corpus)
    questions: list[Question] = []
    for line in questions_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        gold = record.get("article_id") or by_url.get(normalise_url(str(record.get("url") or "")))
        if not gold:
            raise click.ClickException(f"question without a known gold article: {record.get('question')!r}")
        questions.append(Question(str(record["question"]), str(gold)))
    return EvalSet(corpus.stem, tuple(articles), tuple(_limited(questions, limit)))


def load_articles_jsonl(corpus: Path) -> tuple[list[Article], dict[str, str]]:
    """The articles of a newsbot JSONL file, and their ids by normalised url."""
    articles: list[Article] = []
    by_url: dict[str, str] = {}
    for number, line in enumerate(corpus.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        text = str(record["text"])
        url = record.get("url")
        aid = str(record.get("id") or article_id(url, text))
        published = record.get("published")
        articles.append(
            Article(
                id=aid,
                source=f"{corpus}:{number}",
                text=text,
                title=record.get("title"),
                publisher=record.get("publisher"),
                published=datetime.fromisoformat(published) if published else None,
                url=url,
            )
        )
        if url:
            by_url[normalise_url(url)] = aid
    return articles, by_url


def _limited(questions: list[Question], limit: int | None) -> list[Question]:
    if limit is None or limit >= len(questions):
        return questions
    # An even spread over the set rather than its first articles only.
    step = len(questions) / limit
    return [questions[int(i * step)] for i in range(limit)]


# --- measuring ------------------------------------------------------------------------------------


def gold_ranks(
    searcher: Searcher,
    questions: Sequence[Question],
    vectors: np.ndarray,
    fusion: FusionConfig,
    depth: int = 10,
) -> list[int | None]:
    """For each question, the 1-based rank of its gold article among the distinct articles retrieved
    (None when not in the first `depth`)."""
    ranks: list[int | None] = []
    for question, vector in zip(questions, vectors, strict=True):
        ranked = searcher.rank(question.text, vector, k=depth * 3, fusion=fusion)
        hits = searcher.hits(ranked)
        seen: list[str] = []
        for hit in hits:
            if hit.article.id not in seen:
                seen.append(hit.article.id)
        position = seen.index(question.gold) + 1 if question.gold in seen[:depth] else None
        ranks.append(position)
    return ranks


def score(ranks: Sequence[int | None]) -> Scores:
    n = len(ranks)
    if n == 0:
        return Scores(0.0, 0.0, 0.0, 0)
    hit1 = sum(1 for r in ranks if r is not None and r <= 1) / n
    hit5 = sum(1 for r in ranks if r is not None and r <= 5) / n
    mrr = sum(1.0 / r for r in ranks if r is not None and r <= 10) / n
    return Scores(hit1, hit5, mrr, n)


def build_and_open(
    eval_set: EvalSet, index_dir: Path, encoder: Encoder, log: Callable[[str], None], update: bool = False
) -> tuple[Searcher, float]:
    """Index the set's articles and open the index; `update` keeps what an index already in `index_dir`
    holds of them (a kept index re-embeds nothing on a second run)."""
    from embeddings.build import build_index_from_articles, update_index_from_articles

    index = update_index_from_articles if update else build_index_from_articles
    report = index(eval_set.articles, index_dir, encoder)
    log(
        f"index: {report.articles_indexed} articles, {report.chunks_total} chunks, "
        f"embedded in {report.elapsed_s:.1f} s ({report.chunks_per_second:.0f} chunks/s)"
    )
    return Searcher.open(index_dir, encoder), report.elapsed_s


def evaluate(
    eval_set: EvalSet,
    encoder: Encoder,
    index_dir: Path,
    methods: dict[str, FusionConfig] | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, Scores]:
    """Build the index for `eval_set`, then score every method on every question."""
    searcher, _ = build_and_open(eval_set, index_dir, encoder, log)
    try:
        started = time.perf_counter()
        vectors = encoder.encode_queries([q.text for q in eval_set.questions])
        log(f"queries: {len(eval_set.questions)} encoded in {time.perf_counter() - started:.1f} s")
        results: dict[str, Scores] = {}
        for name, fusion in (methods or METHODS).items():
            results[name] = score(gold_ranks(searcher, eval_set.questions, vectors, fusion))
    finally:
        searcher.close()
    return results


def render(results: dict[str, Scores], eval_set: EvalSet, reference: bool) -> str:
    lines = [
        f"set: {eval_set.name} — {len(eval_set.articles)} articles, {len(eval_set.questions)} questions",
        "",
        f"{'method':<10} {'Hit@1':>7} {'Hit@5':>7} {'MRR@10':>7}   reference (measured earlier)",
    ]
    for name, s in results.items():
        ref = REFERENCE.get(name) if reference else None
        ref_text = f"{ref[0]:.3f} / {ref[1]:.3f} / {ref[2]:.3f}" if ref else ""
        lines.append(f"{name:<10} {s.hit1:>7.3f} {s.hit5:>7.3f} {s.mrr10:>7.3f}   {ref_text}")
    if "hybrid" in results:
        shipped = results["hybrid"]
        singles = [results[m] for m in ("keyword", "dense") if m in results]
        beats = all(
            shipped.hit1 > s.hit1 and shipped.hit5 > s.hit5 and shipped.mrr10 > s.mrr10 for s in singles
        )
        lines += [
            "",
            f"shipped beats the best single method on every metric: {'yes' if beats else 'NO'}",
            f"MRR@10 {shipped.mrr10:.3f} (target ≥ {TARGET_MRR10}): "
            f"{'met' if shipped.mrr10 >= TARGET_MRR10 else 'NOT met'}",
            f"Hit@5  {shipped.hit5:.3f} (target ≥ {TARGET_HIT5}): "
            f"{'met' if shipped.hit5 >= TARGET_HIT5 else 'NOT met'}",
        ]
    return "\n".join(lines)


@click.command()
@eval_dir_option("The shared evaluation folder (holds squad2-dev-half/).")
@click.option("--corpus", type=click.Path(dir_okay=False, path_type=Path), help="A JSONL corpus instead.")
@click.option("--questions", type=click.Path(dir_okay=False, path_type=Path), help="JSONL questions.")
@click.option("--limit", type=click.IntRange(min=1), help="Ask only this many questions (spread evenly).")
@click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path), help="Keep the index here.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def main(
    eval_dir: Path,
    corpus: Path | None,
    questions: Path | None,
    limit: int | None,
    index_dir: Path | None,
    as_json: bool,
) -> None:
    """Retrieval quality: keyword, dense, RRF and the shipped hybrid, measured in the same run."""
    from embeddings.encoder import SentenceTransformerEncoder

    if corpus is not None or questions is not None:
        if corpus is None or questions is None:
            raise click.UsageError("--corpus and --questions go together")
        eval_set = load_jsonl(corpus, questions, limit)
        reference = False
    else:
        path = eval_dir / SQUAD_PATH
        if not path.is_file():
            raise click.ClickException(
                f"no evaluation set at {path} (use --eval-dir, or --corpus/--questions)"
            )
        eval_set = load_squad(path, limit)
        reference = limit is None

    def log(message: str) -> None:
        if not as_json:
            click.echo(message, err=True)

    encoder = SentenceTransformerEncoder()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsbot-retrieval-") as temp:
        results = evaluate(eval_set, encoder, index_dir or Path(temp) / "index", log=log)
    elapsed = time.perf_counter() - started
    if as_json:
        click.echo(
            json.dumps(
                {
                    "set": eval_set.name,
                    "articles": len(eval_set.articles),
                    "questions": len(eval_set.questions),
                    "results": {name: s.__dict__ for name, s in results.items()},
                    "fusion": DEFAULT_FUSION.__dict__,
                    "elapsed_s": round(elapsed, 1),
                }
            )
        )
        return
    click.echo(render(results, eval_set, reference))
    click.echo(
        f"\nmachine: {platform.machine()}, {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d}; whole run {elapsed:.0f} s"
    )
