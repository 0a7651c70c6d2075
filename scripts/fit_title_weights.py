"""Fit `corpus.metadata.TITLE_WEIGHTS` on the WCXB dev pages: for each page whose gold title is one of its
headline candidates, a softmax over the candidates' weighted features should put the gold one first.
Prints the fitted weights (paste them into corpus/metadata.py) and the pick rate: in-sample, and across the
halves (fitted on the even-numbered pages and scored on the odd ones, and the reverse), so that a new
feature is seen to generalise rather than memorise.

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


Record = tuple[int, np.ndarray, int]  # page number's parity, candidates' features, the gold candidate


def load(folder: Path) -> list[Record]:
    records: list[Record] = []
    dumps, titles, parity = [], [], []
    for gold in sorted((folder / "gold").glob("*.json")):
        truth = json.loads(gold.read_text(encoding="utf-8"))["ground_truth"]
        truth = ast.literal_eval(truth) if isinstance(truth, str) else truth
        if truth.get("title"):
            dumps.append((folder / "txt" / f"{gold.stem}.txt").read_text(encoding="utf-8", errors="replace"))
            titles.append(truth["title"])
            parity.append(int(gold.stem) % 2 if gold.stem.isdigit() else len(parity) % 2)
    stats = learn_batch(dumps)
    names = list(TITLE_WEIGHTS)
    for dump, title, half in zip(dumps, titles, parity, strict=True):
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
        records.append((half, x, gold[0]))
    return records


def fit(records: list[Record], steps: int = 3000, l2: float = 0.01) -> np.ndarray:
    """Gradient descent on the softmax loss, all pages at once (candidates stacked, one segment a page)."""
    w = np.array(list(TITLE_WEIGHTS.values()), dtype=float)
    x = np.vstack([r[1] for r in records])
    sizes = [len(r[1]) for r in records]
    starts = np.cumsum([0, *sizes[:-1]])
    page = np.repeat(np.arange(len(records)), sizes)
    gold_x = x[starts + np.array([r[2] for r in records])].sum(axis=0)
    for _ in range(steps):
        z = x @ w
        e = np.exp(z - np.maximum.reduceat(z, starts)[page])
        p = e / np.add.reduceat(e, starts)[page]
        w -= 0.5 * (l2 * w + (p @ x - gold_x) / len(records))
    return w


def picks(records: list[Record], w: np.ndarray) -> int:
    return sum(int(np.argmax(x @ w)) == gold for _, x, gold in records)


def main() -> None:
    folder = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "shared/eval/wcxb-dev-articles"
    )
    records = load(folder)
    even = [r for r in records if r[0] == 0]
    odd = [r for r in records if r[0] == 1]
    current = np.array(list(TITLE_WEIGHTS.values()), dtype=float)
    print(
        f"{len(records)} pages with the gold title among the candidates ({len(even)} even, {len(odd)} odd); "
        f"current weights pick {picks(records, current)}"
    )
    w = fit(records)
    on_odd, on_even = picks(odd, fit(even)), picks(even, fit(odd))
    print(
        f"fitted: in-sample {picks(records, w)} (even {picks(even, w)}, odd {picks(odd, w)}); "
        f"fitted on even, scored on odd {on_odd}/{len(odd)}; "
        f"fitted on odd, scored on even {on_even}/{len(even)}"
    )
    print("TITLE_WEIGHTS = {")
    print("    " + ", ".join(f'"{k}": {v:.2f}' for k, v in zip(TITLE_WEIGHTS, w, strict=True)) + ",")
    print("}")


if __name__ == "__main__":
    main()
