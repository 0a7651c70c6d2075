"""The warc benchmark on a two-page fictional eval folder: it writes the archive, reads it back and
counts the pages read identically, a WARC-Date fallback counted as a difference."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner

from benchmarks.warc import main
from tests.corpus.web_site import article_page


def test_the_benchmark_compares_warc_records_with_their_files(tmp_path: Path) -> None:
    folder = tmp_path / "wcxb-dev-articles"
    (folder / "html").mkdir(parents=True)
    (folder / "gold").mkdir()
    for n, (slug, dated) in enumerate([("ferry", True), ("library", False)], 1):
        (folder / "html" / f"000{n}.html.gz").write_bytes(gzip.compress(article_page(slug, dated=dated)))
        (folder / "gold" / f"000{n}.json").write_text(json.dumps({"url": f"https://courier.example/{slug}"}))
    result = CliRunner().invoke(main, ["--eval-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "| text | 2 of 2 | 100.0% |" in result.output
    assert "| title | 2 of 2 | 100.0% |" in result.output
    assert "| published | 1 of 2 | 50.0% |" in result.output  # the undated page took the WARC-Date
    assert "dated by WARC-Date: 1" in result.output
