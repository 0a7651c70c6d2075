"""Sentence splitting and query-term handling for extractive answers.

A rule-based splitter for English news prose: it knows common abbreviations and initials, and treats a
blank line as a hard break. It does not handle languages without spaces or sentence-final punctuation
(Chinese, Japanese, Thai); Korean and other space-separated scripts split on their punctuation as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# The answers' stop words (`corpus.stopwords`); bot.answering.spans imports them from here.
from corpus.stopwords import ANSWER_STOP_WORDS as STOPWORDS

# Words that end with a full stop without ending a sentence.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft no nos vs etc inc ltd co corp gov sen rep gen col lt sgt capt
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun u.s u.k e.g i.e a.m
    p.m approx dept est fig vol ave blvd rd
    """.split()  # noqa: SIM905
)

_BOUNDARY = re.compile(r"""[.!?。？！]+["'”’)\]]*(?=\s+|$)""")
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a text: `text == source[start:end]`."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of `text` with their character spans; blank lines always end a sentence."""
    sentences: list[Sentence] = []
    for block in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text):
        _split_block(text, block.start(), block.end(), sentences)
    return sentences


def _split_block(text: str, start: int, end: int, out: list[Sentence]) -> None:
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if _is_abbreviation(text, cursor, match.start()):
            continue
        after = text[match.end() : end].lstrip()
        # A lower-case continuation ("3.5 p.m. on Monday", "... said the mayor.") is not a new sentence.
        if after and after[0].islower():
            continue
        _emit(text, cursor, match.end(), out)
        cursor = match.end()
    _emit(text, cursor, end, out)


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lower().strip("(\"'“‘")
    if word in _ABBREVIATIONS:
        return True
    # Initials ("J. Smith", "U.S.") and decimal-like tokens.
    return (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(?:\w\.)+\w", word))


def _emit(text: str, start: int, end: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


@lru_cache(maxsize=1 << 16)  # called for every word of every retrieved passage: 60% of compose time
def stem(word: str) -> str:
    """A crude suffix stripper: enough that 'elected' meets 'election' less often than 'elect' meets
    'elected'. Consistency matters more than linguistics here. A verb form is first taken back to its
    verb (`_verb_of`): no suffix rule makes "drew" meet "draw" or "led" meet "leads"."""
    if not word.isalpha():
        return word
    word = _verb_of(word)
    if len(word) <= 3:
        return word
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            word = word[: len(word) - len(suffix)] + replacement
            break
    # "name", "named" and "naming" all become "nam".
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _verb_of(word: str) -> str:
    """The verb `word` is a form of, when it is one of exactly one verb ("drew" -> "draw", "paid" ->
    "pay", "stopped" -> "stop"); else `word`. lemminflect's English tables, packaged with it (a
    dictionary lookup: nothing guessed for words it does not list, "found" left alone as find's past and
    a verb of its own)."""
    from bot.answering.imports import hidden

    # Its tables load on the first call (~0.15 s), not at import; the spaCy hook it would install at import
    # (spaCy is installed for bot/answering/entities.py) is not used here and costs seconds
    # (bot/answering/imports.py).
    with hidden("spacy"):
        from lemminflect import getLemma

    verbs = getLemma(word, upos="VERB", lemmatize_oov=False)
    return verbs[0] if len(verbs) == 1 else word


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, stemmed."""
    return [stem(t) for t in _TOKEN.findall(text.lower())]


def content_terms(text: str) -> list[str]:
    """Stemmed tokens without stopwords, in order, without repeats."""
    seen: dict[str, None] = {}
    for raw in _TOKEN.findall(text.lower()):
        if raw in STOPWORDS:
            continue
        seen.setdefault(stem(raw), None)
    return list(seen)


# Pairs of opposites, as plain English words: a question asking for the "last" of something answered by a
# sentence about the "first" (and not the last) is likely not answered by it.
_OPPOSITE_PAIRS = """
first last | begin end | beginning end | start end | start finish | minimum maximum | min max |
largest smallest | biggest smallest | highest lowest | high low | higher lower | increase decrease |
rise fall | rise decline | gain loss | win lose | won lost | win defeat | victory defeat | earliest latest |
early late | earlier later | least most | less more | fewer more | major minor | majority minority |
positive negative | north south | east west | inside outside | inner outer | upper lower | open close |
accept reject | allow ban | allow forbid | import export | buy sell | bought sold | top bottom |
internal external | ancient modern | old new | older newer | older younger | oldest youngest |
longest shortest | long short | strong weak | rich poor | private public | success failure | agree disagree |
legal illegal | direct indirect | same different | common rare | enter leave | wide narrow | light heavy |
hot cold | large small | big small | best worst | better worse | true false | above below | before after |
over under | dead alive | male female | men women | support oppose | add remove | include exclude |
greatest least | heaviest lightest | fastest slowest | easy difficult | easy hard | simple complex
"""


def _opposites() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for pair in _OPPOSITE_PAIRS.split("|"):
        a, b = (stem(w) for w in pair.split())
        table.setdefault(a, set()).add(b)
        table.setdefault(b, set()).add(a)
    return {word: frozenset(others) for word, others in table.items()}


OPPOSITES = _opposites()  # stemmed word -> its stemmed opposites
