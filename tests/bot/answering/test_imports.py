"""What stays out of the process: the cold `newsbot ask` path must not pay for torch or spaCy it does not
use (bot/answering/imports.py)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answering.imports import hidden

ROOT = Path(__file__).resolve().parents[3]


def test_a_hidden_module_fails_to_import_inside_the_block_and_imports_after() -> None:
    assert "tabnanny" not in sys.modules
    with hidden("tabnanny"), pytest.raises(ModuleNotFoundError):
        importlib.import_module("tabnanny")
    assert "tabnanny" not in sys.modules  # nothing left behind that would fool a later check
    assert importlib.import_module("tabnanny").__name__ == "tabnanny"


def _modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return set(done.stdout.split())


def test_scoring_words_does_not_import_spacy_or_torch() -> None:
    # lemminflect would import spaCy (and spaCy torch) to hook into it.
    loaded = _modules_after("from bot.answering.sentences import tokens\nassert tokens('paid') == ['pay']")
    assert "lemminflect" in loaded
    assert "spacy" not in loaded and "torch" not in loaded


def test_the_tagger_loads_without_torch() -> None:
    loaded = _modules_after("from bot.answering.entities import entities\nassert entities('Ada Quill won.')")
    assert "spacy" in loaded and "thinc" in loaded
    assert "torch" not in loaded
