"""What kind of answer a question asks for, in the tagger's types (bot/answering/entities.py).

"Who" wants a person; "where" and "which country/city/state …" a place; "which company/team/party …" an
organisation; "how much … cost" an amount of money; "how many" a number (with the question's noun: "64
turbines"); "how long is" a length, "how long did/will" a duration; "how far/tall/…" a quantity; "what
percentage" a percentage; "when" and "what year/day/month" a date or time. A "which/what/this X" question
whose X names none of those ("which film", "this storm") wants some name. Other wordings want no short
answer: None.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

NAMES = frozenset(
    "PERSON ORG GPE LOC FAC NORP PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split()  # noqa: SIM905
)
PLACES = frozenset({"GPE", "LOC", "FAC"})
PEOPLE = frozenset({"PERSON"})
# Proper nouns the recogniser left untyped (bot/answering/entities.py): a name, when no name of the kind is
# tagged.
UNTYPED = frozenset({"PROPER"})
# What a name question takes when the sentence holds no name of the type asked: the small model misses
# and mistypes names ("Botswana is home to …" an organisation, "condemning Disney" a person), so any
# name, typed or not, before none.
ANY_NAME = NAMES | UNTYPED


@dataclass(frozen=True)
class Asked:
    """`kind`: "person", "place", "organisation", "name", "money", "number", "length", "duration",
    "quantity", "percent", "age", "date", "year" or "time"; `labels`: the entity types that give it;
    `noun`: the kind a "which/what X" question names ("European country"), else None; `fallback`: types
    that give it when nothing of `labels` is there."""

    kind: str
    labels: frozenset[str]
    noun: str | None = None
    fallback: frozenset[str] = frozenset()  # types taken only when the sentence holds none of `labels`


_PLACE_NOUNS = (
    r"country|countries|nation|state|city|cities|town|village|capital|province|region|island|continent|"
    r"desert|river|county|port|area|neighbou?rhood|border|sea|ocean|mountain|lake|district|territory|"
    r"airport|stadium|venue|building|bridge|location|destination"
)
_ORG_NOUNS = (
    r"company|companies|firm|brand|chain|retailer|airline|bank|carrier|network|platform|website|app|"
    r"team|club|party|organi[sz]ation|agency|group|university|college|school|newspaper|union|league|"
    r"automaker|carmaker|manufacturer|maker|startup|giant|broadcaster|publisher|studio|label|charity|"
    r"court|institution|department|ministry|service|outlet|store|restaurant|business|corporation"
)
_PERSON_NOUNS = (
    # "head of state" first: else "Which head of state visited?" would ask for a state.
    r"head of (?:state|government)|"
    r"person|man|woman|men|women|people|artist|singer|musician|rapper|actor|actress|star|athlete|player|"
    r"politician|leader|senator|governor|candidate|ceo|author|host|celebrity|director|official|"
    r"president|minister|judge|journalist|executive|founder|billionaire|comedian|coach|footballer|"
    r"golfer|boxer|cyclist|swimmer|runner|driver|writer|poet|scientist|doctor|lawmaker|mayor|pope|king|"
    r"queen|prince|princess|rapper|model|designer|chef|activist|winner|victim|suspect|dj|youtuber"
)
_OTHER_NOUNS = (
    r"band|orchestra|choir|duo|storm|hurricane|typhoon|cyclone|film|movie|show|series|book|novel|album|song|game|drug|vaccine|"
    r"language|religion|planet|product|phone|car|award|prize|event|festival|tournament|law|bill|"
    r"treaty|virus|disease|satellite|spacecraft|rocket|ship|device|character|name|word"
)
# "What did the president say?" asks for no president: a verb between "what" and the noun ends the kind.
_AUX = r"(?:be|been|did|does|do|has|have|had|will|would|can|could|should|may|might|must)"
_KIND_NOUN = re.compile(
    rf"\b(?:which|what|this|these)\s+((?:(?!{_AUX}\b)[\w-]+\s+){{0,3}}?({_PLACE_NOUNS}|{_ORG_NOUNS}|{_PERSON_NOUNS}|"
    rf"{_OTHER_NOUNS})s?)\b"
)
_MONEY = re.compile(
    r"\bhow much\b.*\b(cost|costs|pay|paid|spend|spent|worth|price|priced|raise|raised|charge|charged|"
    r"fine|fined|budget|fund|funding|invest|invested|earn|earned|sell|sold|buy|bought|owe|lose|lost|"
    r"money|cash|dollars?|revenue|profit|salary|bid|offer|offered|award|awarded|compensation|damages)\b"
    r"|\bwhat (price|sum|amount|fee|salary)\b|\bhow much money\b"
)
_PERCENT = re.compile(r"\b(what|which) (percentage|percent|share|proportion|fraction)\b|\bby what percent")
# "How long is the ban?" asks for a time, "How long is the tram line?" for a length: the noun tells.
_TIME_NOUNS = re.compile(
    r"\b(ban|sentence|delay|wait|term|lockdown|suspension|strike|closure|contract|deal|break|trip|"
    r"flight|shutdown|curfew|quarantine|tenure|season|extension|holiday|leave|journey|career|reign|"
    r"mission|war|siege|stay|visit|programme|program|period|time|hearing|trial|game|match|marriage)\b"
)
# "How long did the strike last?" asks for a time, "How long will the tram be?" for a length: a verb of
# lasting, a time noun or "did/has" (something done over time) tells.
_LASTING = re.compile(
    r"\b(last|lasted|lasts|take|took|takes|taken|stay|stayed|remain|remained|serve|served|wait|waited|"
    r"continue|continued|spend|spent|keep|kept|close|closed|shut|been|ago)\b"
    r"|\bhow long\s+(did|does|do|has|have|had)\b|\bfor how long\b"
)
_DURATION = re.compile(r"\bhow many (years|months|weeks|days|hours|minutes)\b")
_LENGTH = re.compile(r"\bhow (long|far|tall|high|deep|wide)\b")
# A question about what is to come: its date is not a bare weekday, which news prose mostly uses for the
# day something was said or decided ("the council said on Monday").
WEEKDAY_ONLY = re.compile(
    r"(?:(?:on|last|this|next) )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:'s)?"
    r"(?: (?:morning|afternoon|evening|night))?"
)
_FUTURE = re.compile(r"\b(will|shall|going to|expected|due|set to|scheduled|planned|plan to)\b")
_QUANTITY = re.compile(r"\bhow (big|large|heavy|fast|strong|much)\b")
_NUMBER = re.compile(r"\bhow many\b|\bwhat (number|total|score)\b")
_DATE = re.compile(r"\bwhen\b")
_DAY = re.compile(r"\b(what|which) (date|day|month|century|decade|season)\b")
_YEAR = re.compile(r"\b(what|which|in what|in which) year\b")
_TIME = re.compile(r"\bwhat time\b|\bat what time\b")


def is_future(question: str) -> bool:
    """Whether `question` asks about something still to come ("When will the tram open?")."""
    return _FUTURE.search(question.lower()) is not None


@functools.lru_cache(maxsize=256)
def asked_for(question: str) -> Asked | None:
    """The kind of answer `question` asks for, or None when its wording does not say."""
    q = _asking_part(question).lower()
    if _MONEY.search(q):
        return Asked("money", frozenset({"MONEY"}))
    if _PERCENT.search(q):
        return Asked("percent", frozenset({"PERCENT"}))
    if _DURATION.search(q) or (
        re.search(r"\bhow long\b", q) and (_TIME_NOUNS.search(q) or _LASTING.search(q))
    ):
        return Asked("duration", frozenset({"DATE", "TIME"}))
    if _LENGTH.search(q):
        return Asked("length", frozenset({"QUANTITY"}))
    if re.search(r"\bhow old\b", q):
        return Asked("age", frozenset({"CARDINAL", "DATE"}))
    if _NUMBER.search(q):
        return Asked("number", frozenset({"CARDINAL", "QUANTITY"}))
    if _QUANTITY.search(q):
        return Asked("quantity", frozenset({"QUANTITY", "CARDINAL", "PERCENT", "MONEY"}))
    named = _KIND_NOUN.search(q)
    if named:
        noun = named.group(2)
        # The kind as the embedding model reads it: "private company", not "is the private company".
        kind = re.sub(r"^(?:(?:is|was|are|were|of)\s+)?(?:(?:the|these|those|a|an)\s+)?", "", named.group(1))
        if re.fullmatch(_PLACE_NOUNS, noun):
            return Asked("place", PLACES, kind, ANY_NAME)
        if re.fullmatch(_ORG_NOUNS, noun):
            # Teams go by their city as often as by their name ("Tampa Bay beat Dallas"); parties by
            # their members ("the Democrats").
            extra = {"GPE"} if noun in ("team", "club") else {"NORP"} if noun == "party" else set()
            return Asked("organisation", frozenset({"ORG", "PRODUCT", *extra}), kind, ANY_NAME)
        if re.fullmatch(_PERSON_NOUNS, noun):
            return Asked("person", PEOPLE, kind, UNTYPED)
        return Asked("name", NAMES, kind, UNTYPED)
    if _TIME.search(q):
        return Asked("time", frozenset({"TIME", "DATE"}))
    if _YEAR.search(q):
        return Asked("year", frozenset({"DATE"}))
    if _DAY.search(q):
        return Asked("date", frozenset({"DATE"}))
    if _DATE.search(q):
        return Asked("date", frozenset({"DATE", "TIME"}))
    if re.search(r"\bwho(m|se)?\b", q):
        return Asked("person", PEOPLE, fallback=UNTYPED)
    if re.search(r"\bwhere\b", q):
        # "Where are the maps kept?" "In the Pusey Library", which the recogniser calls an organisation.
        return Asked("place", PLACES, fallback=frozenset({"ORG"}))
    return None


def _asking_part(question: str) -> str:
    """The sentence that asks, when a question has several: "Joe Biden gained ground when six states
    voted. Which state had the most delegates?" asks for a state, not a date. The last sentence ending in
    a question mark; the whole text when none does ("This country has …")."""
    parts = [p for p in re.split(r"(?<=[.!?])\s+", question.strip()) if p]
    asking = [p for p in parts if p.endswith("?")]
    return asking[-1] if asking else question
