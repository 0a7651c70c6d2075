"""Follow-up questions: whether a question leans on the previous one, the standalone question it is
taken as, and the per-conversation memory of the previous turn. Pure logic: no I/O, no index, no clock
of its own (`Conversations` takes one, so that tests can move time on).

A follow-up keeps its own wording, so that its question word still says what kind of answer is wanted,
and carries the previous turn's *topic* (its content words: "Harbour Line tram", "Exampleton mayoral
election") in brackets: "And when will it open?" after "How much will the Harbour Line tram cost?" is
taken as "When will it open? (Harbour Line tram)". A "he"/"she" is replaced by the name the previous
answer gave, when it gave one, and "what about X?" asks the previous question of X. Retrieval then
prefers the articles the previous answer cited (`prefer_articles`).

A question that names its own topic is read on its own: one with a name, or one whose words are not in
the story the previous answer quoted from ("Who won the marathon?" after the tram), unless it opens with
"and"/"what about" or points back ("it", "she", "else"). The topic a follow-up passes on is the one it
carried (or the new subject of "what about X?"), so a conversation's context is always the last topic,
never a growing list. Commands ("/help", any "/word") are never questions: `is_command` lets the edges
keep them out of the conversation.

Not handled: follow-ups on anything older than the previous turn, pronouns whose referent is not the
previous topic or answer ("did the mayor attend it?" about an event two turns back), other languages,
and a short question with no names whose words happen to be in the previous story though it means
another one (it is read as a follow-up then); `/new` is the way out of that.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.answering.sentences import STOPWORDS

if TYPE_CHECKING:
    from datetime import date

    from bot.answering.readers.base import Reader, Writer
    from bot.answering.retrieve import ArticleSearch
    from bot.models import Answer
    from embeddings.models import Hit

FOLLOWUP_TTL = 600.0  # seconds: a turn older than ten minutes is forgotten
MAX_CONVERSATIONS = 10_000  # keys remembered at once; the least recently used goes first
# A question with no name and at most this many content words of its own cannot say what it is about.
MAX_BARE_WORDS = 2
# A question of common words leans on the previous turn when this share of its words is in that turn's
# story (chosen on the dev pairs: benchmarks/results/followups.md).
RELATED_SHARE = 0.5

_WORD = re.compile(r"[\w'’&-]+", re.UNICODE)
_WH = frozenset("who whom whose what which when where why how".split())  # noqa: SIM905
_HOW_WORDS = frozenset("much many long old far big large tall high often soon".split())  # noqa: SIM905
_OPENER = re.compile(r"^(?:and|but|also|so|then|ok(?:ay)?)\b[\s,]*", re.I)
_ABOUT = re.compile(r"^(?:and\s+|but\s+|so\s+)?(?:what|how)\s+about\s+(?P<rest>.+?)[?!. ]*$", re.I)
# Words that point back at something said before.
_ANAPHORA = frozenset(
    """it its it's itself they them their theirs themselves there that those this these he him his she
    her hers else same""".split()  # noqa: SIM905
)
_PERSON = re.compile(r"\b(?:he|him|she|her|his|hers)\b", re.I)
# Words that always point back, and those that do only in some places (`points_back`).
_POINTERS = frozenset(
    "it its itself they them their theirs themselves he him his she her hers else same".split()  # noqa: SIM905
)
_DEMONSTRATIVES = frozenset("that this these those".split())  # noqa: SIM905
_BE = frozenset("is are was were be been being will".split())  # noqa: SIM905
_TIME_WORDS = frozenset(
    """year year's years week weekend month season summer spring autumn winter morning evening time
    day""".split()  # noqa: SIM905
)
# Words that say nothing about a topic: function words, question words and the common verbs of questions.
_LIGHT = (
    STOPWORDS
    | _WH
    | frozenset(
        """is are was were be been will would shall should can could may might must do does did has have
        had happen happened say said says get got make made go went take took give gave come came know
        tell told cost costs start started begin began end ended open opened close closed win won lose
        lost pay paid exactly else really then too also more much many long old far big""".split()  # noqa: SIM905
    )
)


@dataclass(frozen=True)
class Turn:
    """A remembered turn: the question as it was taken, its topic, and what its answer gave."""

    question: str
    topic: str  # content words of the question, in its own case ("Harbour Line tram"); may be ""
    article_ids: tuple[str, ...] = ()  # the articles the answer cited, first cited first
    short: str | None = None  # the name, number or date the answer gave
    at: float = 0.0  # when it was answered, on the store's clock
    quoted: tuple[str, ...] = ()  # the sentences the answer quoted
    story: frozenset[str] = frozenset()  # word keys (`word_key`) of the passages of the articles it cited


@dataclass(frozen=True)
class Resolved:
    """A question as it will be answered: `question` is what is retrieved and answered; `rewritten` says
    whether it differs from what was `asked`; `prefer` are the previous answer's articles."""

    asked: str
    question: str
    rewritten: bool = False
    topic: str = ""
    prefer: tuple[str, ...] = ()
    said: tuple[str, ...] = ()  # sentences the previous answer quoted: a follow-up asks for something new


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_name(word: str, position: int) -> bool:
    return position > 0 and word[:1].isupper() and word.lower() not in _LIGHT | _ANAPHORA


def topic_of(question: str) -> str:
    """The question's content words in order, without repeats: what a follow-up on it is about."""
    seen: dict[str, str] = {}
    for word in _words(question):
        if word.lower() not in _LIGHT and word.lower() not in _ANAPHORA:
            seen.setdefault(word.lower(), word)
    return " ".join(seen.values())


_COMMAND = re.compile(r"/[A-Za-z]\w*(?:@\w+)?(?:\s.*)?", re.S)


def is_command(text: str) -> bool:
    """Whether `text` is a command ("/help", "/new", "/weather@newsbot …"): never a question, never a
    follow-up's context."""
    return bool(_COMMAND.fullmatch(text.strip()))


def points_back(question: str) -> bool:
    """Whether a word of `question` stands for something said before: a pronoun ("it", "they", "she"),
    "else", "same", a "there" that is a place ("Who was there?", not "Were there any arrests?"), a "that" or
    "this" that stands alone ("before that?", "Where was that measured?"), not one that joins a clause
    ("the team that found…") or dates ("this year")."""
    words = [w.lower() for w in _words(question)]
    for i, word in enumerate(words):
        before = words[i - 1] if i > 0 else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if word in _POINTERS:
            return True
        existential = after in _BE or (before in _BE and after != "")  # "there was", "were there any"
        if word == "there" and not existential:
            return True
        stands_alone = not after or not before or before in _LIGHT
        if word in _DEMONSTRATIVES and after not in _TIME_WORDS and stands_alone:
            return True
    return False


def word_key(word: str) -> str:
    """What two forms of a word share ("repairs", "repair"; "compensated", "compensation"): lower case,
    no possessive, no plural "s", the first five letters."""
    key = word.lower().replace("’", "'").removesuffix("'s").strip("'")
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        key = key[:-1]
    return key[:5]


def is_followup(question: str, previous: Turn | None = None) -> bool:
    """Whether `question`, asked right after `previous`, leans on it.

    It does when it opens with a connective ("and", "but", "what about"), points back ("it", "they",
    "there", "else") with at most three words of its own, or has no word of its own ("Who won?",
    "Where?"). It does not when it is a command or names something (a capitalised word past the first).
    Otherwise, a question of common words ("What was the turnout?", "Who won the marathon?") leans on the
    previous turn when at least half of its words are in the story that turn's answer quoted from
    ("turnout" is in the election article, "marathon" is not in the tram's); without a story to compare,
    when it has at most two words of its own."""
    text = question.strip()
    words = _words(text)
    if not words or is_command(text):
        return False
    if _OPENER.match(text) or _ABOUT.match(text):
        return True
    if any(_is_name(w, i) for i, w in enumerate(words)):
        return False
    own = topic_of(text).split()
    if not own or (points_back(text) and len(own) <= MAX_BARE_WORDS + 1):
        return True
    if previous is None or not previous.story:
        return len(own) <= MAX_BARE_WORDS
    known = previous.story | {word_key(w) for w in previous.topic.split()}
    return sum(word_key(w) in known for w in own) >= RELATED_SHARE * len(own)


def _wh_phrase(question: str) -> str:
    """The leading question word(s): "How much", "Who", "" when the question opens otherwise."""
    words = _words(question)
    if not words or words[0].lower() not in _WH:
        return ""
    if words[0].lower() == "how" and len(words) > 1 and words[1].lower() in _HOW_WORDS:
        return f"{words[0]} {words[1]}"
    return words[0]


def _without_brackets(question: str) -> str:
    return re.sub(r"\s*\([^)]*\)\s*$", "", question).strip()


def rewrite(question: str, previous: Turn) -> Resolved:
    """The standalone question a follow-up is taken as, given the previous turn.

    Its topic, remembered for the next turn, is the previous topic (the conversation is still on it), or
    for "what about X?" the new subject X: a topic never grows from turn to turn."""
    text = " ".join(question.split())
    about = _ABOUT.match(text)
    if about:  # "what about the bridge?": the previous question, asked of a new subject
        subject = about.group("rest")
        asked = _asked_of(subject, previous)
        resolved = f"{asked} ({previous.topic})" if previous.topic else asked
        return Resolved(text, resolved, True, topic_of(subject), previous.article_ids, previous.quoted)
    body = _OPENER.sub("", text).strip().rstrip("?!. ").strip(" ,") or text.rstrip("?!. ")
    body = body[:1].upper() + body[1:]
    # Only a "who" question's answer is a person a "he" or "she" can stand for.
    asked_who = _wh_phrase(_without_brackets(previous.question)).lower() in {"who", "whom"}
    person = previous.short if asked_who and previous.short and _looks_like_a_name(previous.short) else None
    if person:
        body = _PERSON.sub(lambda m: f"{person}'s" if m.group(0).lower() in {"his", "hers"} else person, body)
    own = {w.lower() for w in _words(body)}
    carried = " ".join(w for w in previous.topic.split() if w.lower() not in own)
    resolved = f"{body}? ({carried})" if carried else f"{body}?"
    topic = previous.topic or topic_of(body)
    return Resolved(text, resolved, resolved != text, topic, previous.article_ids, previous.quoted)


def _asked_of(subject: str, previous: Turn) -> str:
    """The previous question with its topic, or else its "it", replaced by `subject` ("How much will the
    Harbour Line tram cost?" of "the bridge": "How much will the bridge cost?"); its question word and the
    subject when it has neither ("Who the bakery?")."""
    asked = _without_brackets(previous.question).rstrip("?!. ")
    words = _words(asked)
    topic = {w.lower() for w in previous.topic.split()}
    at = [i for i, w in enumerate(words) if w.lower() in topic]
    if at and at[0] > 0:
        spans = list(_WORD.finditer(asked))
        first = at[0]
        while first > 1 and words[first - 1][:1].isupper():  # "Old" of "the Old Stone Bridge"
            first -= 1
        begin, end = spans[first].start(), spans[at[-1]].end()
        if words[first - 1].lower() in {"the", "a", "an"}:
            begin = spans[first - 1].start()
        return f"{asked[:begin]}{subject}{asked[end:]}?"
    pronoun = next((m for m in _WORD.finditer(asked) if m.group(0).lower() in {"it", "they", "them"}), None)
    if pronoun is not None:  # "When will it open?": "it" was the old subject
        return f"{asked[: pronoun.start()]}{subject}{asked[pronoun.end() :]}?"
    wh = _wh_phrase(asked) or "What"
    return f"{wh} {subject}?"


def _looks_like_a_name(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 4 and all(w[:1].isupper() for w in words)


def resolve(question: str, previous: Turn | None) -> Resolved:
    """`question` as it will be answered: rewritten from `previous` when it is a follow-up on it."""
    if previous is not None and is_followup(question, previous):
        return rewrite(question, previous)
    return Resolved(asked=question, question=question, topic=topic_of(question))


def story_of(answer: Answer) -> frozenset[str]:
    """The word keys of what the answer drew on: the passages and titles of the articles it cited, or of
    its closest article when it abstained."""
    cited = {c.article_id for c in answer.citations}
    if not cited and answer.passages:
        cited = {answer.passages[0].article.id}
    texts = [f"{h.article.title or ''} {h.chunk.text}" for h in answer.passages if h.article.id in cited]
    return frozenset(word_key(w) for text in texts for w in _words(text))


def prefer_articles(hits: Sequence[Hit], article_ids: Sequence[str]) -> list[Hit]:
    """`hits` with those of `article_ids` (the previous answer's articles) moved to the top, each
    raised to the best score, keeping their order among themselves; ranks renumbered."""
    if not article_ids or not hits:
        return list(hits)
    wanted = set(article_ids)
    top = max(h.score for h in hits)
    preferred = [replace(h, score=max(h.score, top)) for h in hits if h.article.id in wanted]
    others = [h for h in hits if h.article.id not in wanted]
    return [replace(h, rank=i) for i, h in enumerate([*preferred, *others], start=1)]


class Conversations:
    """The previous turn of each conversation, under a key the edge chooses (a chat, a chat and user).

    A turn older than `ttl` seconds is forgotten; at most `max_size` keys are kept, the least recently
    used dropped first. Not thread-safe: use it from one thread (the Telegram event loop, the chat loop).
    """

    def __init__(
        self,
        ttl: float = FOLLOWUP_TTL,
        max_size: int = MAX_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.ttl = ttl
        self.max_size = max_size
        self._clock = clock
        self._turns: OrderedDict[object, Turn] = OrderedDict()

    def __len__(self) -> int:
        return len(self._turns)

    def previous(self, key: object) -> Turn | None:
        """The key's last turn, or None when there is none or it has expired (it is then forgotten)."""
        turn = self._turns.get(key)
        if turn is None:
            return None
        if self._clock() - turn.at > self.ttl:
            del self._turns[key]
            return None
        self._turns.move_to_end(key)
        return turn

    def resolve(self, key: object, question: str) -> Resolved:
        return resolve(question, self.previous(key))

    def remember(self, key: object, resolved: Resolved, answer: Answer) -> Turn:
        """Keep `resolved` and its answer as the key's previous turn. An abstention keeps the topic (a
        follow-up may still rephrase it) but no articles to prefer."""
        turn = Turn(
            question=resolved.question,
            topic=resolved.topic,
            article_ids=tuple(dict.fromkeys(c.article_id for c in answer.citations)),
            short=answer.short,
            at=self._clock(),
            quoted=tuple(sentence.text for sentence in answer.sentences),
            story=story_of(answer),
        )
        self._turns[key] = turn
        self._turns.move_to_end(key)
        while len(self._turns) > self.max_size:
            self._turns.popitem(last=False)
        return turn

    def forget(self, key: object) -> bool:
        """Forget the key's conversation; whether there was one."""
        return self._turns.pop(key, None) is not None


def answer_resolved(
    resolved: Resolved,
    searcher: ArticleSearch,
    k: int = 8,
    since: date | None = None,
    until: date | None = None,
    reader: Reader | Writer | None = None,
    as_of: date | None = None,
) -> Answer:
    """`bot.answering.pipeline.answer` for a resolved question: its standalone text is retrieved and answered
    (as of `as_of`), the previous answer's articles (`resolved.prefer`) raised to the top before the answer is
    composed.

    A sentence the previous answer quoted ranks below the others (`bot.answering.scoring.SAID_PENALTY`): the
    person has just read it, and a follow-up asks for something it did not say ("And when did it start?" after
    "… ended on Tuesday").
    A follow-up that would be abstained from is answered from those articles alone, without the
    confidence threshold: the threshold guards against quoting an article that is not about the question,
    and the previous answer has just settled which article the conversation is about. The answer shows
    what the question was taken as, so a wrong pick can be seen."""
    from bot.answering.pipeline import compose, finish
    from bot.answering.retrieve import retrieve

    found = retrieve(resolved.question, searcher, k, since, until, as_of)
    model = searcher.model
    hits = prefer_articles(found.hits, resolved.prefer)
    said = frozenset(resolved.said)
    result = compose(found.scored, hits, reader=reader, model=model, said=said)
    wanted = set(resolved.prefer)
    same_article = [h for h in hits if h.article.id in wanted]
    if result.abstained and same_article:
        within = compose(found.scored, same_article, threshold=0.0, reader=reader, model=model, said=said)
        if not within.abstained:
            result = replace(within, passages=tuple(hits))
    return finish(result, replace(found, hits=hits), reader, as_of)
