"""A damaged ids.npy or vectors.npy of the same size as the good one (so the manifest's size check passes)
is one clear error that names the file and says to rebuild, without the file's bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from embeddings.build import build_index_from_articles
from embeddings.encoder import HashingEncoder
from embeddings.errors import IndexCorrupt
from embeddings.manifest import read_manifest
from embeddings.search import Searcher
from tests.embeddings.articles import fictional_articles

GARBAGE = b"\xde\xad\xbe\xef\x00\xff"


def _damage(index: Path, name: str, at: int) -> None:
    """Overwrite bytes of the header in place: same size, so only reading the array can tell."""
    path = index / read_manifest(index).generation / name
    data = bytearray(path.read_bytes())
    data[at : at + len(GARBAGE)] = GARBAGE
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("name", "at"),
    [
        ("ids.npy", 0),  # the magic string: numpy then takes it for a pickle
        ("ids.npy", 20),  # inside the header's dict: numpy quotes the header back
        ("vectors.npy", 20),
    ],
)
def test_a_damaged_array_is_one_clear_error(tmp_path: Path, name: str, at: int) -> None:
    index = tmp_path / "index"
    build_index_from_articles(fictional_articles(), index, HashingEncoder())
    _damage(index, name, at)
    with pytest.raises(IndexCorrupt) as raised:
        Searcher.open(index, HashingEncoder())
    assert str(raised.value).startswith(
        f"the index at {index} has a damaged {name}; run: newsbot index build"
    )

    # `index stats` opens the index as `ask` does, without needing the (fake) model to load
    result = CliRunner().invoke(main, ["index", "stats", "--index", str(index)])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and name in lines[0] and "newsbot index build" in lines[0]
    assert "\\x" not in lines[0] and "pickle" not in lines[0] and "header" not in lines[0].lower()
    assert all(char.isprintable() for char in lines[0])
