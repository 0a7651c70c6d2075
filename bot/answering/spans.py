"""What a question asks for, and the short span of a sentence that gives it: a name, a number or an
amount of money, a date.

`answer_type` reads the question's wording ("how much ... cost" wants money, "when" a date, "who" or
"which company" a name); `find_span` finds the first span of that kind in a sentence that the question
does not already contain ("Who broke the record at the Exampleton Marathon?" is not answered by
"Exampleton Marathon"). A number is read with the question's word or a unit after it ("64 turbines",
"9 millimetres"). Rules for English news prose only. Not handled: names written in lower case, spans
that need parsing (a noun phrase answering "what"), amounts in words alone ("a few million").
"""

from __future__ import annotations

import re

from bot.answering.asked import WEEKDAY_ONLY, asked_for, is_future
from bot.answering.sentences import STOPWORDS

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUM = r"\d[\d,]*(?:\.\d+)?"
_SCALE = r"(?:\s?(?:million|billion|trillion|thousand|bn|m|k)\b)?"
_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|thousand|million|billion|dozen)"
)
_CURRENCY_WORD = (
    r"(?:crowns?|dollars?|euros?|pounds?|yen|yuan|won|francs?|rupees?|pesos?|roubles?|rubles?|kronor|"
    r"kroner|krona|krone|cents?|pence|lira|rand|dirhams?|riyals?|shekels?|zloty|forints?|real|reais)"
)
_MONEY = re.compile(
    rf"(?:US|A|C|NZ|HK)?[$€£¥₩₹]\s?{_NUM}{_SCALE}"
    rf"|\b{_NUM}{_SCALE}(?:\s(?:{_NUMBER_WORD}))?\s{_CURRENCY_WORD}\b"
    rf"|\b{_NUMBER_WORD}(?:[\s-]{_NUMBER_WORD})*\s{_CURRENCY_WORD}\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    rf"\b{_NUM}{_SCALE}(?:\s?(?:%|percent\b|per cent\b))?|\b{_NUMBER_WORD}(?:[\s-]{_NUMBER_WORD})*\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    rf"\b(?:(?:{_WEEKDAYS}),?\s)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s(?:of\s)?)?(?:{_MONTHS})\.?"
    rf"(?:\s\d{{1,2}}(?:st|nd|rd|th)?\b)?(?:,?\s(?:1[0-9]{{3}}|20[0-9]{{2}}))?\b"
    rf"|\b(?:spring|summer|autumn|fall|winter)\s(?:of\s)?(?:1[0-9]{{3}}|20[0-9]{{2}})\b"
    rf"|\b(?:1[0-9]{{3}}|20[0-9]{{2}})s?\b"
    rf"|\b(?:{_WEEKDAYS})\b",
    re.IGNORECASE,
)
# A run of capitalised words, with the small words that join names ("Bank of England", "van Gogh",
# "Procter & Gamble").
_NAME = re.compile(r"[A-Z][\w'’.&-]*(?:\s+(?:(?:of|de|la|van|von|der|du|al|bin|and|&)\s+)?[A-Z][\w'’.&-]*)*")
# Capitalised words that start sentences or name times, not people, places or organisations.
_NOT_NAMES = frozenset(
    f"{_MONTHS}|{_WEEKDAYS}".split("|")
    + """mr mrs ms dr sir mayor president minister officials police according however after before
    while when last next this that these those there their its it he she they we i you our his her
    in on at by for from with and but or so as if yet also meanwhile despite since until unlike""".split()  # noqa: SIM905
)
_TITLES = frozenset(
    "ceo cfo chief chairman chairwoman president minister mayor coach senator governor".split()  # noqa: SIM905
)
# "which company", "what country", "this artist": the quiz wants a name.
_NAMED_THINGS = (
    r"country|countries|nation|state|city|town|capital|province|region|island|continent|desert|river|"
    r"company|companies|firm|brand|chain|retailer|airline|bank|carrier|network|app|platform|website|"
    r"team|club|party|organi[sz]ation|agency|group|university|school|"
    r"person|man|woman|artist|singer|musician|rapper|band|actor|actress|star|athlete|player|politician|"
    r"leader|senator|governor|candidate|ceo|author|host|celebrity|director|official|"
    r"storm|hurricane|film|movie|show|series|book|album|song|game|drug|vaccine|language|religion|planet"
)
_KIND = re.compile(rf"\b(?:which|what)\s+((?:[\w-]+\s+){{0,3}}?(?:{_NAMED_THINGS}))\b", re.IGNORECASE)
_TYPES = (
    (
        "money",
        r"\bhow much\b.*\b(cost|costs|pay|paid|spend|spent|worth|price|priced|raise|raised|charge|fine|"
        r"fined|budget|fund|funding|invest|earn|earned|sell|sold|buy|bought|owe|lose|lost)\b"
        r"|\bwhat (price|sum|amount)\b|\bhow much money\b",
    ),
    ("number", r"\bhow (many|much|long|old|far|big|large|tall|high)\b|\bwhat (percentage|number|share)\b"),
    ("date", r"\bwhen\b|\b(what|which) (year|date|day|month|century|decade)\b|\bwhat time\b"),
    ("name", r"\bwho(m|se)?\b"),
    ("place", r"\bwhere\b"),
    ("name", rf"\b(which|what|this|these)\s+(\w+\s+){{0,3}}?({_NAMED_THINGS})\b"),
)


def answer_type(question: str) -> str | None:
    """ "money", "number", "date", "name" or "place" (a name too), or None when the wording does not say."""
    q = question.lower()
    for kind, pattern in _TYPES:
        if re.search(pattern, q):
            return kind
    return None


def find_span(kind: str, sentence: str, question: str, common: frozenset[str] = frozenset()) -> str | None:
    """The first span of `kind` in `sentence` that `question` does not contain, or None. `common`: words
    seen in lower case nearby, so not names when they open a sentence ("Researchers found ...")."""
    return next(iter(spans_of(kind, sentence, question, common)), None)


def spans_of(kind: str, sentence: str, question: str, common: frozenset[str] = frozenset()) -> list[str]:
    """Every span of `kind` in `sentence` that `question` does not contain, in `find_span`'s order."""
    asked = _words(question)
    found: list[str] = []
    for span in _candidates(kind, sentence, question, asked, common):
        span = span.strip(" ,.;:'\"“”‘’()")
        if span and not _words(span) <= asked and span not in found:
            found.append(span)
    return found


def money_spans(sentence: str) -> list[tuple[int, int, str]]:
    """The amounts of money `sentence` writes with a currency sign or word ("412 million crowns", "$3bn"),
    as (start, end, text)."""
    return [(m.start(), m.end(), m.group(0)) for m in _MONEY.finditer(sentence)]


def named_kind(question: str) -> str | None:
    """The kind of thing a "which/what ..." question names, with its qualifiers: "European country" for
    "Which European country has ...?", "major entertainment company"; "person" for a "who" question,
    "place" for a "where" question; None for other questions."""
    match = _KIND.search(question)
    if match:
        return match.group(1)
    if re.search(r"\bwhom?\b", question, re.IGNORECASE):
        return "person"
    return "place" if answer_type(question) == "place" else None


def _candidates(
    kind: str, sentence: str, question: str, asked: set[str], common: frozenset[str]
) -> list[str]:
    wanted = asked_for(question)
    future = is_future(question)
    if kind == "money":
        return [m.group(0) for m in _MONEY.finditer(sentence)]
    if kind == "number":
        # "64 turbines" (the question's word) before "30 kilometres" (a unit) before a bare "30"
        read = [_with_unit(m, sentence, asked) for m in _NUMBER.finditer(sentence)]
        measure = _MEASURES.get(wanted.kind) if wanted is not None else None
        if measure is not None:
            # "How long is the line?" wants a length: "two years" in the same sentence is no answer.
            read = [(span, rank) for span, rank in read if span.split()[-1].lower() in measure]
        return [span for span, _ in sorted(read, key=lambda spanned: spanned[1])]
    if kind == "date":
        dates = [m.group(0) for m in _DATE.finditer(sentence)]
        if future:
            dates = [d for d in dates if not WEEKDAY_ONLY.fullmatch(d.lower())]
        return sorted(dates, key=_date_rank)
    names = (
        _trim_name(m.group(0), common if m.start() == 0 else frozenset()) for m in _NAME.finditer(sentence)
    )
    return [name for name in names if name]


# Units a number is read with: "How long is it?" is answered "9 millimetres", not "9".
_UNITS = frozenset(
    """second seconds minute minutes hour hours day days week weeks month months year years decade decades
    century centuries millimetre millimetres millimeter millimeters centimetre centimetres centimeter
    centimeters metre metres meter meters kilometre kilometres kilometer kilometers km mm cm mile miles
    foot feet inch inches yard yards gram grams kilogram kilograms kg kilo kilos tonne tonnes ton tons
    pound pounds ounce ounces litre litres liter liters gallon gallons hectare hectares acre acres
    degree degrees percent megawatt megawatts gigawatt gigawatts mw gw""".split()  # noqa: SIM905
)


_LENGTHS = frozenset(
    """millimetre millimetres millimeter millimeters centimetre centimetres centimeter centimeters metre
    metres meter meters kilometre kilometres kilometer kilometers km mm cm mile miles foot feet inch inches
    yard yards""".split()  # noqa: SIM905
)
_DURATIONS = frozenset(
    """second seconds minute minutes hour hours day days week weeks month months year years decade decades
    century centuries""".split()  # noqa: SIM905
)
_MEASURES = {"length": _LENGTHS, "duration": _DURATIONS}


def _with_unit(match: re.Match[str], sentence: str, asked: set[str]) -> tuple[str, int]:
    """ "64" becomes "64 turbines" when the next word is the question's ("How many turbines ..."), rank 0,
    and "9" "9 millimetres" when the next word is a unit, rank 1; a bare number ranks 2 (or 1 when it
    holds a space already: "two thousand")."""
    number = match.group(0)
    following = re.match(r"\s+([a-zA-Z][\w-]*)", sentence[match.end() :])
    word = following.group(1).lower() if following else ""
    if following and _stem(word) in {_stem(w) for w in asked}:
        return number + following.group(0), 0
    if following and word in _UNITS:
        return number + following.group(0), 1
    return number, 1 if " " in number.strip() else 2


def _date_rank(span: str) -> float:
    """The most specific date first: a day and month beat a year, a year beats a weekday."""
    has_month = bool(re.search(_MONTHS, span, re.IGNORECASE))
    has_year = bool(re.search(r"\d{4}", span))
    return -(2 * has_month + has_year + len(span) / 100)


def _trim_name(run: str, common: frozenset[str]) -> str:
    """A run of capitalised words without the leading words that are no names ("The", "In", "Mayor"),
    cut before a title that follows a name ("Pfizer CEO Albert Bourla" gives "Pfizer")."""
    words = run.split()
    cut = next((i for i, w in enumerate(words) if i and w.lower().strip(".,") in _TITLES), None)
    if cut is not None:
        words = words[:cut]
    while words and _plain_word(words[0], common):
        words = words[1:]
    while words and words[-1].lower() in ("of", "de", "la", "van", "von", "der", "du", "al", "bin", "and"):
        words = words[:-1]
    if words:
        # "Lebanon’s new prime minister" names Lebanon.
        words[-1] = re.sub(r"(?<=\w)['’]s$", "", words[-1])
    return " ".join(words)


def _plain_word(word: str, common: frozenset[str]) -> bool:
    """A capitalised word that is no name: a stopword, a title, a month, or (opening a sentence) a word
    also written in lower case nearby. "It’s" counts as "it"."""
    bare = re.split(r"['’]", word.lower().strip(".,"))[0]
    return bare in _NOT_NAMES or bare in STOPWORDS or bare in common


def lower_case_words(text: str) -> frozenset[str]:
    """The words `text` writes in lower case: with `find_span`, a capitalised word opening a sentence
    that is one of them is taken for an ordinary word."""
    return frozenset(re.findall(r"(?<![\w'’])[a-z][a-z-]*\b", text))


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word
