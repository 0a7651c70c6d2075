"""The model is a setting: which folder, what it is called, its dimension and window, read from its
config files without loading it; and an index refuses a query that asks for another model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import DEFAULT_MODEL, HashingEncoder, default_model_path
from embeddings.errors import IndexMismatch, IndexNotFound, ModelNotFound
from embeddings.model_choice import ModelChoice, check_index_model


def write_model(folder: Path, dim: int = 384, window: int | None = 128, dense: int | None = None) -> Path:
    """The config files of a sentence-transformers folder (no weights: nothing here loads them)."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": dim}))
    if dense is not None:
        modules.append(
            {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}
        )
        (folder / "2_Dense").mkdir()
        (folder / "2_Dense" / "config.json").write_text(
            json.dumps({"in_features": dim, "out_features": dense})
        )
    (folder / "modules.json").write_text(json.dumps(modules))
    if window is not None:
        (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": window}))
    (folder / "tokenizer.json").write_text("{}")
    return folder


def test_default_is_the_packaged_minilm(monkeypatch: pytest.MonkeyPatch) -> None:
    choice = ModelChoice.resolve()
    assert (choice.name, choice.dim, choice.max_tokens, choice.path) == (DEFAULT_MODEL, 384, 256, None)
    assert not choice.explicit
    # Naming the packaged folder explicitly is still the default model, by its usual name.
    monkeypatch.setenv("NEWSBOT_MODEL", default_model_path())
    named = ModelChoice.resolve()
    assert (named.name, named.path, named.explicit) == (DEFAULT_MODEL, None, True)


def test_flag_wins_over_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_model = write_model(tmp_path / "env-model", dim=768, window=512)
    flag_model = write_model(tmp_path / "multilingual-mini" / "model", dim=384, window=128, dense=256)
    monkeypatch.setenv("NEWSBOT_MODEL", str(env_model))
    assert ModelChoice.resolve().name == "env-model"
    choice = ModelChoice.resolve(flag_model)
    # A folder called just "model" is named after its parent; a Dense layer sets the output size.
    assert (choice.name, choice.dim, choice.max_tokens) == ("multilingual-mini", 256, 128)
    assert choice.path == str(flag_model.resolve())
    encoder = choice.encoder()
    assert (encoder.name, encoder.dim, encoder.model_path) == ("multilingual-mini", 256, choice.path)


@pytest.mark.parametrize(
    ("breakage", "words"),
    [
        ("missing", "not a folder"),
        ("no-modules", "modules.json"),
        ("no-pooling-dim", "dimension"),
        ("no-tokenizer", "tokenizer.json"),
        ("bad-json", "cannot read"),
    ],
)
def test_a_folder_that_is_not_a_usable_model_is_one_clear_error(tmp_path: Path, breakage: str, words: str):
    folder = tmp_path / "broken"
    if breakage != "missing":
        write_model(folder)
    if breakage == "no-modules":
        (folder / "modules.json").unlink()
    elif breakage == "no-pooling-dim":
        (folder / "1_Pooling" / "config.json").write_text("{}")
    elif breakage == "no-tokenizer":
        (folder / "tokenizer.json").unlink()
    elif breakage == "bad-json":
        (folder / "sentence_bert_config.json").write_text("{nope")
    with pytest.raises(ModelNotFound, match=words):
        ModelChoice.resolve(folder)


def built_index(tmp_path: Path, encoder: HashingEncoder) -> Path:
    article = Article(id="a1", source="a.txt", text="The tram line opens in 2027.", title="Tram")
    build_index_from_articles([article], tmp_path / "index", encoder)
    return tmp_path / "index"


def test_an_explicit_other_model_is_refused_saying_what_to_run(tmp_path: Path) -> None:
    index = built_index(tmp_path, HashingEncoder(name=DEFAULT_MODEL))
    check_index_model(index, ModelChoice.resolve())  # the default, not asked for: the index decides
    other = ModelChoice.resolve(write_model(tmp_path / "bigger-model", dim=768))
    with pytest.raises(IndexMismatch, match=r"all-MiniLM-L6-v2 \(384-d\).*bigger-model \(768-d\)") as info:
        check_index_model(index, other)
    assert "NEWSBOT_MODEL" in str(info.value) and "newsbot index build" in str(info.value)
    with pytest.raises(IndexNotFound):
        check_index_model(tmp_path / "nowhere", other)


def test_an_index_whose_model_folder_is_gone_is_refused(tmp_path: Path) -> None:
    folder = write_model(tmp_path / "gone-model")
    # Chunking counts word pieces with the recorded model's tokenizer: give it a real one.
    shutil.copy(Path(default_model_path()) / "tokenizer.json", folder / "tokenizer.json")
    encoder = HashingEncoder(name="gone-model")
    encoder.model_path = str(folder)  # recorded in the manifest as the real one is
    index = built_index(tmp_path, encoder)
    check_index_model(index, ModelChoice.resolve())
    for file in sorted(folder.rglob("*"), reverse=True):
        file.unlink() if file.is_file() else file.rmdir()
    folder.rmdir()
    with pytest.raises(IndexMismatch, match="no longer there"):
        check_index_model(index, ModelChoice.resolve())
