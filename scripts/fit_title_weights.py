"""Fit `corpus.metadata.TITLE_WEIGHTS` on the WCXB dev pages: for each page whose gold title is one of its
headline candidates, a softmax over the candidates' weighted features should put the gold one first.
Prints the fitted weights (paste them into corpus/metadata.py) and the pick rate, in-sample and 2-fold.

    .venv/bin/python scripts/fit_title_weights.py [../shared/eval/wcxb-dev-articles]

Needs the shared evaluation folder; nothing in the package imports this script.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import numpy as np

from corpus.errors import NoArticleFound
from corpus.metadata import TITLE_WEIGHTS, _vocabulary, title_candidates, title_features
from corpus.textdump import find_layout, learn_batch


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def load(folder: Path) -> list[tuple[np.ndarray, int]]:
    records = []
    dumps, titles = [], []
    for gold in sorted((folder / "gold").glob("*.json")):
        truth = json.loads(gold.read_text(encoding="utf-8"))["ground_truth"]
        truth = ast.literal_eval(truth) if isinstance(truth, str) else truth
        if truth.get("title"):
            dumps.append((folder / "txt" / f"{gold.stem}.txt").read_text(encoding="utf-8", errors="replace"))
            titles.append(truth["title"])
    stats = learn_batch(dumps)
    names = list(TITLE_WEIGHTS)
    for dump, title in zip(dumps, titles, strict=True):
        try:
            layout = find_layout(dump, stats)
        except NoArticleFound:
            continue
        lines = layout.lines
        candidates = title_candidates(lines, layout.lead)
        gold = [n for n, j in enumerate(candidates) if fold(lines[j].text) == fold(title)]
        if not gold:
            continue
        like = [False] * len(lines)
        for j in candidates:
            like[j] = True
        vocabulary = _vocabulary(lines, layout.body)
        x = np.array(
            [[title_features(lines, j, layout.lead, vocabulary, like)[k] for k in names] for j in candidates]
        )
        records.append((x, gold[0]))
    return records


def fit(records: list[tuple[np.ndarray, int]], steps: int = 3000, l2: float = 0.01) -> np.ndarray:
    w = np.array(list(TITLE_WEIGHTS.values()), dtype=float)
    rate = 0.5
    for _ in range(steps):
        grad = l2 * w
        for x, gold in records:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            grad += (p @ x - x[gold]) / len(records)
        w -= rate * grad
    return w


def accuracy(records: list[tuple[np.ndarray, int]], w: np.ndarray) -> float:
    return sum(int(np.argmax(x @ w)) == gold for x, gold in records) / max(1, len(records))


def main() -> None:
    folder = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "shared/eval/wcxb-dev-articles"
    )
    records = load(folder)
    current = np.array(list(TITLE_WEIGHTS.values()), dtype=float)
    print(
        f"{len(records)} pages with the gold title among the candidates; current weights pick {accuracy(records, current):.3f}"  # noqa: E501
    )
    half = len(records) // 2
    a, b = records[::2], records[1::2]
    cross = (accuracy(b, fit(a)) * len(b) + accuracy(a, fit(b)) * len(a)) / len(records)
    w = fit(records)
    print(f"fitted: in-sample {accuracy(records, w):.3f}, 2-fold {cross:.3f} ({half} pages a fold)")
    print("TITLE_WEIGHTS = {")
    print("    " + ", ".join(f'"{k}": {v:.2f}' for k, v in zip(TITLE_WEIGHTS, w, strict=True)) + ",")
    print("}")


if __name__ == "__main__":
    main()
