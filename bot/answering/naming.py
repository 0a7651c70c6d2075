"""The short answer: the name, number or date the question asks for, as the answer's first sentence gives
it, or none.

The type comes from the tagger (bot/answering/entities.py, spaCy's small English pipeline): "who" gets a
person, "which company" an organisation, "when" a date, "how long is" a length (bot/answering/asked.py). A
sentence-initial common noun ("Executives", "Turnout") is never a name (the tagger must call a word of it a
proper noun), and a span the question already holds is no answer ("Who won the Stanley Cup?" is not answered
by "Stanley Cup"). When the sentence holds nothing of the kind asked, there is no short answer; the quoted
sentences and their citations stand either way.

A name is shown only when the sentence settles which one: it holds a single name of the kind asked, or,
asked who won, the winner ("X beat Y", "Y lost to X"). A town and the larger place after it, comma between
("Louisville, Kentucky"), count as one; asked which country, a nationality gives its country ("the German
government": Germany; bot/answering/countries.py), and a country named twice counts once. With several
("US President Trump announced the peace deal between Israel and the United Arab Emirates", asked which
other country) the quoted sentence answers and a short answer would guess: on RealTimeQA 2020 a guessed
name was the wrong option half the time, and the answers with none were right more often
(benchmarks/results/coverage.md). A "which X" question whose X is no kind the tagger knows ("which show",
"what planet") gets no short answer but a winner: the tagger cannot tell an X from another name. Among
several dates, numbers or amounts, the kind settles it: a "when" question takes the most specific date
("spring 2027" before "Monday", which news prose mostly uses for the day something was said); a "how many"
question the number read with its noun ("64 turbines"). Otherwise the first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.answering.asked import ANY_NAME, NAMES, UNTYPED, WEEKDAY_ONLY, Asked, asked_for, is_future
from bot.answering.countries import asks_for_a_country, country_named, country_of_people
from bot.answering.entities import Entity, entities
from bot.answering.spans import money_spans
from bot.models import Answer

# The kinds a name answers. A sentence holding several names of one of them gets no short answer, and the
# generic "name" (a "which X" of no kind the tagger knows) none unless the sentence says who won (see the
# module's docstring).
NAME_KINDS = frozenset({"person", "place", "organisation", "name"})

_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
)
_SEASONS = r"spring|summer|autumn|fall|winter"
_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_TIME_UNIT = r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centuries|century)"
_AMOUNT = (
    r"(?:\d[\d.,]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|several|a few|few|many|a couple of)"
)
# "two years", "about 18 months", "12 days": a length of time, which answers "how long" but not "when".
_SPAN_OF_TIME = re.compile(
    rf"\b(?:(?:about|around|nearly|almost|more than|over|up to|some|at least|less than)\s)?"
    rf"{_AMOUNT}(?:[\s-]{_AMOUNT})*[\s-]{_TIME_UNIT}\b"
)
_LENGTH_UNIT = re.compile(
    r"\b(?:millimet(?:re|er)s?|centimet(?:re|er)s?|met(?:re|er)s?|kilomet(?:re|er)s?|km|mm|cm|m|miles?|"
    r"feet|foot|ft|inch(?:es)?|yards?|nautical)\b"
)
_APPROXIMATELY = re.compile(
    r"^(?:about|around|approximately|roughly|nearly|almost|some|over|more than|less than|fewer than|"
    r"at least|at most|up to|just over|just under|an estimated|estimated|(?:no )?later than|"
    r"(?:no )?earlier than|as early as|as late as)\s+",
    re.IGNORECASE,
)
_WIN_QUESTION = re.compile(r"\b(won|win|wins|winner|winning|beat|defeated|victory|victorious|champions?)\b")
_LOST_TO = re.compile(
    r"\b(?:(?:was|were|been|being)\s+(?:beaten|defeated|edged|routed|eliminated|swept|knocked out|upset)"
    r"\s+by|lost\s+to|fell\s+to|lose\s+to|loses\s+to|falling\s+to|losing\s+to)\b",
    re.IGNORECASE,
)
_BEAT = re.compile(
    r"\b(?:beat|beats|beating|defeated|defeats|defeating|downed|edged|overcame|routed|thrashed|topped|"
    r"outlasted|swept|eliminated|won|wins|clinched|claimed|lifted|captured|upset)\b",
    re.IGNORECASE,
)


def name_the_kind(answer: Answer, question: str) -> Answer:
    """`answer` with the short answer the tagger finds in its first sentence for what `question` asks for
    (None when the sentence holds nothing of that kind or several names of it, or the question asks for no
    kind)."""
    if answer.abstained or not answer.sentences:
        return answer
    asked = asked_for(question)
    short = pick(asked, answer.sentences[0].text, question) if asked is not None else None
    return replace(answer, short=short, short_n=answer.sentences[0].n if short else None)


def pick(asked: Asked, sentence: str, question: str) -> str | None:
    """The span of `sentence` that gives what `asked` describes, or None (see the module's docstring)."""
    found = candidates(asked, sentence, question)
    if not found:
        return None
    won = winner(asked, found, sentence, question)
    if won is not None:
        return as_shown(won, asked, question)
    if asked.kind == "name" or (
        asked.kind in NAME_KINDS and _names_to_choose_from(asked, found, sentence, question) > 1
    ):
        return None
    return as_shown(found[0], asked, question)


def _names_to_choose_from(asked: Asked, found: Sequence[Entity], sentence: str, question: str) -> int:
    """How many names of `sentence` could be the one asked for. For a person or a place, those of its type;
    for an organisation, every name: the small model calls an unknown company a person ("Moderna applied
    for US Food and Drug Administration authorization", "Harbour Yards built the ferry for Vandermark
    Ferries"), so an organisation beside another name is not told from it."""
    if asked.kind != "organisation":
        return len(found)
    return len(candidates(replace(asked, labels=ANY_NAME, fallback=frozenset()), sentence, question))


def names_the_kind(asked: Asked, sentence: str, question: str) -> bool:
    """Whether `sentence` holds something of the kind `asked` describes that the question does not (one
    name or several): the confidence reads it (bot/answering/confidence.py)."""
    return bool(candidates(asked, sentence, question))


def candidates(asked: Asked, sentence: str, question: str) -> list[Entity]:
    """The entities of `sentence` of the kind asked that the question does not already hold, best first."""
    asked_words = _words(question)
    future = is_future(question)
    tagged = entities(sentence)
    if asked.kind == "money":
        tagged = _with_amounts(tagged, sentence)
    elif asked.kind == "place":
        tagged = _places_joined(tagged, sentence)
        if asks_for_a_country(asked.noun):
            tagged = _countries(tagged, asked_words)
    found = []
    for entity in tagged:
        if entity.label not in asked.labels | asked.fallback or not _fits(entity, asked):
            continue
        if future and asked.kind in ("date", "time") and WEEKDAY_ONLY.fullmatch(entity.text.lower()):
            continue
        if _words(as_shown(entity, asked, question)) <= asked_words:
            continue
        found.append(entity)
    if any(e.label in asked.labels for e in found):
        found = [e for e in found if e.label in asked.labels]
    return sorted(found, key=lambda e: _rank(e, asked, asked_words))


def _with_amounts(tagged: list[Entity], sentence: str) -> list[Entity]:
    """`tagged` and the amounts the recogniser missed: it knows dollars and euros but not every currency
    ("412 million crowns" is a plain number to it); bot/answering/spans.py reads currency words and signs."""
    money = [e for e in tagged if e.label == "MONEY"]
    missed = [
        Entity(text, "MONEY", start, end, False, "")
        for start, end, text in money_spans(sentence)
        if not any(e.start < end and start < e.end for e in money)
    ]
    return sorted([*tagged, *missed], key=lambda e: e.start)


def _places_joined(tagged: list[Entity], sentence: str) -> list[Entity]:
    """`tagged` with a place and the larger place after it, comma between, as one ("Louisville, Kentucky",
    "Bergen, Norway"): news names a town so, and it is one answer to "which city", not two to choose from."""
    joined: list[Entity] = []
    for entity in tagged:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.label == entity.label == "GPE"
            and sentence[last.end : entity.start] == ", "
        ):
            joined[-1] = replace(
                last, text=sentence[last.start : entity.end], end=entity.end, following=entity.following
            )
            continue
        joined.append(entity)
    return joined


def _countries(tagged: list[Entity], asked_words: set[str]) -> list[Entity]:
    """For a "which country" question: a nationality becomes its country ("the German government" gives
    Germany), unless the question holds it ("Russian actors … in which country?" is not asked for Russia),
    and a country named twice, or by its people and by its name, counts once."""
    out: list[Entity] = []
    seen: set[str] = set()
    for entity in tagged:
        if entity.label == "NORP":
            country = country_of_people(entity.text)
            if country is None or entity.text.lower() in asked_words:
                out.append(entity)
                continue
            entity = replace(entity, text=country, label="GPE", proper=True)
        if entity.label == "GPE":
            key = country_named(entity.text) or entity.text
            if key in seen:
                continue
            seen.add(key)
        out.append(entity)
    return out


def _fits(entity: Entity, asked: Asked) -> bool:
    text = entity.text.lower()
    if entity.label in NAMES | UNTYPED:
        # The recogniser calls a capitalised common noun opening a sentence a name now and then
        # ("Turnout was 67 percent" gives the person "Turnout"); the tagger does not.
        return entity.proper
    if asked.kind in ("date", "time"):
        return not _SPAN_OF_TIME.fullmatch(text) or text.endswith("ago")
    if asked.kind == "year":
        return re.search(r"\b(1[0-9]{3}|20[0-9]{2})\b", text) is not None
    if asked.kind == "duration":
        return bool(_SPAN_OF_TIME.search(text)) and not re.search(r"\bago\b", text)
    if asked.kind == "length":
        return bool(_LENGTH_UNIT.search(text))
    if asked.kind == "age":
        # "112", "112 years old", "aged 112": not a date that holds a number ("February 12 this year").
        return bool(re.fullmatch(r"[\d,.]+", text)) or bool(re.search(r"\b\d+[\s-]years?\b", text))
    return True


def _rank(entity: Entity, asked: Asked, asked_words: set[str]) -> tuple[float, int]:
    """Lower first; ties keep the sentence's order."""
    text = entity.text.lower()
    if asked.kind in ("date", "time"):
        year = bool(re.search(r"\b(1[0-9]{3}|20[0-9]{2})\b", text))
        month = bool(re.search(rf"\b({_MONTHS}|{_SEASONS})\b", text))
        day = bool(re.search(r"\b\d{1,2}(st|nd|rd|th)?\b", text))
        weekday_only = bool(WEEKDAY_ONLY.fullmatch(text))
        specific = 2 * month + year + day - 2 * weekday_only
        return (-specific, entity.start)
    if asked.kind == "number":
        with_noun = _stem(entity.following) in {_stem(w) for w in asked_words}
        return (0 if with_noun else 1 if entity.label == "QUANTITY" else 2, entity.start)
    return (0, entity.start)


def as_shown(entity: Entity, asked: Asked, question: str) -> str:
    """The entity as the short answer gives it: a name without a leading "the" or trailing "'s"; a
    number with the question's noun after it ("64 turbines"); a year alone for "what year"."""
    text = entity.text.strip(" ,.;:'\"“”‘’()")
    text = re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)
    if entity.label not in NAMES | UNTYPED:
        text = _APPROXIMATELY.sub("", text)  # "nearly 29 million subscribers": the number is the answer
    if entity.label in NAMES | UNTYPED:
        text = re.sub(r"(?<=\w)['’]s$", "", text)
    if asked.kind == "duration":
        # The recogniser's span can run on ("twelve days ended on Tuesday"): the length of time alone.
        length = _SPAN_OF_TIME.search(text)
        text = length.group(0) if length else text
    if asked.kind == "year":
        year = re.search(r"\b(1[0-9]{3}|20[0-9]{2})s?\b", text)
        text = year.group(0) if year else text
    question_stems = {_stem(w) for w in _words(question)}
    if asked.kind == "number" and entity.label == "CARDINAL" and _stem(entity.following) in question_stems:
        text = f"{text} {entity.following}"
    return text


def winner(asked: Asked, found: Sequence[Entity], sentence: str, question: str) -> Entity | None:
    """Asked for a name about winning, the winner among `found`: in "X beat Y" the last candidate before the
    verb, in "Y lost to X" / "Y was beaten by X" the first after it; None when the question asks no such
    thing or the sentence says neither."""
    if not asked.labels & NAMES or not _WIN_QUESTION.search(question.lower()):
        return None
    lost = _LOST_TO.search(sentence)
    if lost:
        after = [e for e in found if e.start >= lost.end()]
        if after:
            return min(after, key=lambda e: e.start)
    beat = _BEAT.search(sentence)
    if beat:
        before = [e for e in found if e.end <= beat.start()]
        if before:
            return max(before, key=lambda e: e.start)
    return None


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word
