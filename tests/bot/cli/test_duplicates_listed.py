"""The build summary lists each duplicate dropped, with the file it repeats, up to a cap."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli.index import DUPLICATES_LISTED, summary
from embeddings.build import build_index
from embeddings.encoder import HashingEncoder

DUMP = """Exampleton library reopens after repairs

The fictional Exampleton town library reopened on Monday after six months of roof repairs.
The work cost 120,000 crowns, paid from a fund the readers' society raised over two years.
Opening hours are unchanged, the librarian said, and the reading room has twelve new desks.
"""


def test_every_dropped_duplicate_is_listed_with_what_it_repeats(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a-original.txt").write_text(DUMP, encoding="utf-8")
    copies = DUPLICATES_LISTED + 2
    for n in range(copies):
        (corpus / f"copy-{n:02d}.txt").write_text(DUMP, encoding="utf-8")

    report = build_index([corpus], tmp_path / "index", HashingEncoder())
    text = summary(report)

    assert f"Duplicates dropped: {copies}:" in text
    listed = re.findall(r"^  (\S+): same text as (\S+)$", text, re.MULTILINE)
    assert len(listed) == DUPLICATES_LISTED
    kept = {kept_file for _, kept_file in listed}
    assert len(kept) == 1  # every copy points at the one article indexed
    dropped = {Path(source).name for source, _ in listed}
    (kept_file,) = kept
    assert Path(kept_file).name not in dropped and Path(kept_file).parent == corpus
    assert "  and 2 more (newsbot corpus inspect PATH... lists them all)" in text
    assert report.articles_indexed == 1
