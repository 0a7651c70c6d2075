"""An optional generative reader: a language model behind any OpenAI-compatible endpoint
(`NEWSBOT_LLM_URL`) rewrites the answer from the numbered passages, and a checker keeps only what is
cited and grounded.

The model is shown the question and the best retrieved passages, numbered [1]..[N] (those the
extractive answer quotes first, each trimmed around its quoted sentence), and asked for one to three
sentences, each opening with the [n] of the passage it comes from (markers that close a sentence are read
too), or a fixed "not in the sources" line.
What it replies is never shown as it stands: `check_reply` splits it into sentences and keeps a sentence
only when it names a listed passage and that passage holds most of its content words and every number
it states; markers naming no passage are removed; the rest is dropped. The kept sentences become an
`Answer` whose citations run 1..N in order of first use, one number per article, each quoting the
passage sentence that supports the answer sentence best. When nothing survives, or the endpoint fails,
times out or replies with something that is not a chat completion, the extractive answer stands.

The reader runs only on answers newsbot gives: the abstention stays the extractive confidence's, so the
model never answers a question newsbot would abstain on. Not handled: a sentence that recombines words
of its passage into a false statement ("Pim Alder won the prize" from a passage naming both) passes the
word check; a sentence that needs two passages keeps only the one that supports it best (an answer
sentence has one source); streaming; non-English few-shot examples.

The API key (`NEWSBOT_LLM_API_KEY`) is read from the environment only and sent as a Bearer header; it
is not part of any repr, log line or error message, and neither is anything but the scheme, host and port
of the endpoint.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from bot.answering.readers.base import ReaderUnavailable
from bot.answering.sentences import content_terms, split_sentences, tokens
from bot.models import Answer, AnswerSentence, Citation

if TYPE_CHECKING:
    import httpx

    from embeddings.models import Hit

logger = logging.getLogger(__name__)

ENV_LLM_URL = "NEWSBOT_LLM_URL"
ENV_LLM_MODEL = "NEWSBOT_LLM_MODEL"
ENV_LLM_API_KEY = "NEWSBOT_LLM_API_KEY"
ENV_LLM_TIMEOUT = "NEWSBOT_LLM_TIMEOUT"
# Sent as `model`. llama-cpp-python's server answers with the one model it loaded whatever the name; a
# hosted service needs its own name in NEWSBOT_LLM_MODEL.
DEFAULT_LLM_MODEL = "local"
DEFAULT_TIMEOUT_S = 30.0
# One to three short sentences need ~100 tokens; the cap bounds the time and cost of a rambling model.
DEFAULT_MAX_TOKENS = 160
MAX_MAX_TOKENS = 1024
# What the model is shown: the passages the extractive answer quotes, then the next best, each trimmed to
# PASSAGE_CHARS around its quoted sentence (~150 tokens): a small model on a CPU pays for every prompt
# token (Gemma 3 270M prefilled 20-60 tokens/s on this shared machine, benchmarks/results/reader.md).
MAX_PASSAGES = 4
PASSAGE_CHARS = 600
MAX_ANSWER_SENTENCES = 3
NOT_IN_SOURCES = "The sources do not say."
# A sentence is kept when the passage it cites holds at least this share of its content words (stemmed,
# stopwords aside) and every number it gives. Half: "mostly absent" words mean the model wrote from
# elsewhere; a stricter share drops honest paraphrase ("will open" for "opens"), a looser one keeps
# sentences of which the passage holds only the subject.
GROUNDED_SHARE = 0.5

# [3], [1, 2], [1;2], [1-2] (a range, expanded), with spaces inside allowed.
_MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*)\s*\]")
# Markers one after another ("[1][2]", "[1] [2]"): one citation of what follows them.
_RUN = re.compile(rf"(?:{_MARKER.pattern}\s*)+")
# Anything else in brackets that holds a digit ([^1], [source 2], [12a]), or a stray bracket: a broken
# marker, removed.
_BRACKETED = re.compile(r"\[[^\[\]\n]{0,40}\]")
_STRAY = re.compile(r"[\[\]【】]")
# A sentence's markers written after its full stop ("... 64 turbines. [1]") are moved before it, so the
# sentence splitter keeps them with the sentence they close.
_AFTER_STOP = re.compile(r"([.!?。？！]+)((?:\s*\[[^\[\]\n]{0,40}\])+)")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_MARKDOWN = re.compile(r"(\*\*|__|`+|~~)")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)]|#{1,6})\s+", re.MULTILINE)
_LABEL = re.compile(r"^\s*(?:answer|response)\s*:\s*", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class LLMFailed(RuntimeError):
    """The endpoint could not give a chat completion (unreachable, timed out, an error status, or a body
    that is not one). The message names the endpoint by scheme, host and port only, never the key."""


# --- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LLMSettings:
    """Where the model is and how it is asked. `api_key` is kept out of the repr, and of `url` only the
    scheme, host and port are shown (a user, password or query there may be a secret too)."""

    url: str = field(repr=False)
    model: str = DEFAULT_LLM_MODEL
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_tokens: int = DEFAULT_MAX_TOKENS

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{ENV_LLM_URL} must be an http:// or https:// address such as http://127.0.0.1:8080, "
                f"not {_redact(self.url)!r}"
            )
        if not self.model.strip():
            raise ValueError(f"{ENV_LLM_MODEL} must not be empty")
        # Checked here, not left to httpx, whose encoding error would quote the character; the key itself
        # is never part of a message.
        if self.api_key is not None and not (self.api_key.isascii() and self.api_key.isprintable()):
            raise ValueError(f"{ENV_LLM_API_KEY} must be printable ASCII (the key is not shown)")
        if not 0 < self.timeout_s <= 600:
            raise ValueError(f"{ENV_LLM_TIMEOUT} must be between 0 and 600 seconds, not {self.timeout_s}")
        if not 1 <= self.max_tokens <= MAX_MAX_TOKENS:
            raise ValueError(f"max_tokens must be between 1 and {MAX_MAX_TOKENS}, not {self.max_tokens}")

    def __repr__(self) -> str:
        return (
            f"LLMSettings(where={self.where!r}, model={self.model!r}, timeout_s={self.timeout_s!r}, "
            f"max_tokens={self.max_tokens!r}, api_key={'set' if self.api_key else None!r})"
        )

    @classmethod
    def from_env(cls) -> LLMSettings:
        """NEWSBOT_LLM_URL (required), NEWSBOT_LLM_MODEL, NEWSBOT_LLM_API_KEY, NEWSBOT_LLM_TIMEOUT."""
        url = os.environ.get(ENV_LLM_URL, "").strip()
        if not url:
            raise ReaderUnavailable(
                f"the llm reader needs {ENV_LLM_URL}: the address of an OpenAI-compatible server, "
                "e.g. http://127.0.0.1:8080 (python -m llama_cpp.server)"
            )
        raw_timeout = os.environ.get(ENV_LLM_TIMEOUT, "").strip()
        try:
            timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT_S
        except ValueError:
            raise ValueError(f"{ENV_LLM_TIMEOUT} must be a number of seconds, not {raw_timeout!r}") from None
        return cls(
            url=url,
            model=os.environ.get(ENV_LLM_MODEL, "").strip() or DEFAULT_LLM_MODEL,
            api_key=os.environ.get(ENV_LLM_API_KEY, "").strip() or None,
            timeout_s=timeout,
        )

    @property
    def endpoint(self) -> str:
        """`{url}/v1/chat/completions`, whether or not `url` already ends in /v1; a query is kept."""
        parts = urlsplit(self.url)
        path = parts.path.rstrip("/")
        if not path.endswith("/v1"):
            path += "/v1"
        return urlunsplit(parts._replace(path=path + "/chat/completions"))

    @property
    def where(self) -> str:
        """The endpoint as logs and errors may show it: scheme, host and port."""
        return _redact(self.url)


def _redact(url: str) -> str:
    """scheme://host:port of `url`: no user, password, path or query (any of which may hold a secret)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an invalid address)"
    if not parts.scheme or not parts.hostname:
        return "(an invalid address)"
    return f"{parts.scheme}://{parts.hostname}{port}"


# --- the client -----------------------------------------------------------------------------------


class ChatClient:
    """POST /v1/chat/completions, greedy (temperature 0), one reply. Thread-safe (one httpx.Client)."""

    def __init__(self, settings: LLMSettings, transport: httpx.BaseTransport | None = None) -> None:
        import httpx

        self.settings = settings
        headers = {"Content-Type": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        self._client = httpx.Client(
            headers=headers, timeout=settings.timeout_s, transport=transport, follow_redirects=False
        )

    def __repr__(self) -> str:
        return f"ChatClient({self.settings!r})"

    def complete(self, messages: Sequence[dict[str, str]]) -> str:
        """The assistant's reply to `messages`; raises LLMFailed."""
        import httpx

        body = {
            "model": self.settings.model,
            "messages": list(messages),
            "temperature": 0.0,
            "max_tokens": self.settings.max_tokens,
            "stop": list(STOP),
            "stream": False,
        }
        where = self.settings.where
        try:
            response = self._client.post(self.settings.endpoint, json=body)
        except httpx.TimeoutException:
            raise LLMFailed(f"{where} did not answer within {self.settings.timeout_s:g} s") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # The exception's text may repeat the URL; its class says enough.
            raise LLMFailed(f"could not reach {where} ({type(exc).__name__})") from None
        if response.status_code in (401, 403):
            raise LLMFailed(
                f"{where} refused the request (HTTP {response.status_code}: check {ENV_LLM_API_KEY})"
            )
        if response.status_code != 200:
            raise LLMFailed(f"{where} answered HTTP {response.status_code}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, IndexError, TypeError):
            raise LLMFailed(f"{where} sent something that is not a chat completion") from None
        if not isinstance(content, str):
            raise LLMFailed(f"{where} sent a chat completion without text")
        return content

    def close(self) -> None:
        self._client.close()


# --- the prompt -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """A retrieved passage as the model is shown it: number `n` (1-based), its source line, the text."""

    n: int
    hit: Hit
    text: str

    @property
    def source(self) -> str:
        meta = self.hit.article
        parts = [
            meta.title or "",
            meta.publisher or "",
            meta.published.date().isoformat() if meta.published else "",
        ]
        return ", ".join(" ".join(p.split()) for p in parts if p.strip())


_INSTRUCTIONS = (
    "Answer the question using only the numbered passages. Write one to three short sentences. Start every "
    "sentence with the number of the passage it comes from, like [1]. If the passages do not answer the "
    f'question, reply exactly: "{NOT_IN_SOURCES}"'
)

# Fictional (Exampleton and Portlow do not exist), short, and first in every prompt so that a llama.cpp
# server reuses their evaluated tokens from one question to the next. The refusal comes first and an
# answer last: a small base model (Gemma 3 270M) copies the reply nearest the question, and with the
# refusal last it refused every question (tried on fictional passages it could answer). The number
# leads each sentence, as it leads each passage line: asked to end sentences with it, Gemma 270M wrote
# the right sentence without any number (4 of 4 fictional questions); asked to start with it, it cited.
# The checker reads markers at either end.
_EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "[1] Library opens, Exampleton Courier, 2024-03-02: Mayor Ingrid Solberg opened the new library "
        "on Saturday.\n"
        "Question: Who won the Exampleton marathon?",
        NOT_IN_SOURCES,
    ),
    (
        "[1] Wind farm approved, Riverbend Radio, 2024-09-15: The government approved the Gull Bank wind "
        "farm. It will have 64 turbines and a capacity of 960 megawatts.\n"
        "[2] Port news, Harbour Daily, 2024-09-16: Construction is expected to start next spring.\n"
        "Question: How many turbines will the Gull Bank wind farm have?",
        "[1] The Gull Bank wind farm will have 64 turbines. [2] Construction is expected to start next "
        "spring.",
    ),
    (
        "[1] Ferry fares, Harbour Daily, 2024-06-02: Ferry fares in Portlow will rise by 5 percent in July, "
        "the operator said.\n"
        "[2] School news, Harbour Daily, 2024-06-03: The new school in Portlow will open in September with "
        "300 pupils.\n"
        "Question: When will the new school in Portlow open?",
        "[2] The new school in Portlow will open in September.",
    ),
)
# Where a reply ends: the answer is one paragraph, and a base model that goes on writes the next passage
# or question of an imagined example (seconds of generation nobody reads). OpenAI's API takes up to four.
STOP = ("\nQuestion:", "\n[", "\n\n", "<end_of_turn>")


def build_messages(question: str, passages: Sequence[Passage]) -> list[dict[str, str]]:
    """Chat messages: the instructions with the first example, the examples' replies, then the passages
    and the question. User and assistant turns only (Gemma's chat template has no system role)."""
    messages: list[dict[str, str]] = []
    for index, (shown, reply) in enumerate(_EXAMPLES):
        prefix = _INSTRUCTIONS + "\n\n" if index == 0 else ""
        messages += [
            {"role": "user", "content": prefix + shown},
            {"role": "assistant", "content": reply},
        ]
    lines = [f"[{p.n}] {p.source}: {p.text}" if p.source else f"[{p.n}] {p.text}" for p in passages]
    lines.append(f"Question: {' '.join(question.split())}")
    messages.append({"role": "user", "content": "\n".join(lines)})
    return messages


def choose_passages(
    answer: Answer, limit: int = MAX_PASSAGES, chars: int = PASSAGE_CHARS
) -> tuple[Passage, ...]:
    """The passages to show for an (extractive, not abstained) `answer`: first those holding its
    sentences, in the answer's order, then the rest by retrieval rank; at most `limit`, each trimmed to
    about `chars` around the sentence it is shown for."""
    order: list[tuple[Hit, str | None]] = []
    seen: set[str] = set()
    for sentence in answer.sentences:
        hit = next((h for h in answer.passages if sentence.text in h.chunk.text), None)
        if hit is not None and hit.chunk.id not in seen:
            seen.add(hit.chunk.id)
            order.append((hit, sentence.text))
    for hit in answer.passages:
        if hit.chunk.id not in seen:
            seen.add(hit.chunk.id)
            order.append((hit, None))
    return tuple(
        Passage(n, hit, excerpt(hit.chunk.text, focus, chars))
        for n, (hit, focus) in enumerate(order[:limit], 1)
    )


def excerpt(text: str, focus: str | None, chars: int) -> str:
    """Whole sentences of `text`, about `chars` long: from `focus` (or the first sentence), adding the
    sentences after it, then those before, while they fit. One sentence longer than `chars` is cut."""
    flat = " ".join(text.split())
    sentences = [s.text for s in split_sentences(flat)]
    if not sentences:
        return flat[:chars]
    start = next((i for i, s in enumerate(sentences) if focus and " ".join(focus.split()) in s), 0)
    begin, end = start, start + 1
    length = len(sentences[start])
    while True:
        if end < len(sentences) and length + 1 + len(sentences[end]) <= chars:
            length += 1 + len(sentences[end])
            end += 1
        elif begin > 0 and length + 1 + len(sentences[begin - 1]) <= chars:
            begin -= 1
            length += 1 + len(sentences[begin])
        else:
            break
    shown = " ".join(sentences[begin:end])
    return shown if len(shown) <= chars else shown[: chars - 1].rstrip() + "…"


# --- the checker ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept:
    """An answer sentence that passed: its text (markers and markup removed), the passage it is
    attributed to (1-based, of those shown) and the passage sentence that supports it best."""

    text: str
    n: int
    support: str


@dataclass(frozen=True)
class Dropped:
    text: str
    # "uncited", "no such passage", "restates the question", "not grounded", "fragment", "repeated",
    # "over the limit"
    reason: str


@dataclass(frozen=True)
class Checked:
    """What the checker made of a reply."""

    kept: tuple[Kept, ...]
    dropped: tuple[Dropped, ...]
    broken_markers: int  # in the reply: markers naming no shown passage, and malformed ones
    declined: bool = False  # the reply was the "not in the sources" line


def broken_markers(text: str, valid: int) -> int:
    """How many bracketed markers in `text` do not name one of the numbers 1..`valid`: a well-formed
    marker counts once per number outside the range, anything else in brackets holding a digit once,
    and a stray bracket once."""
    count = 0
    for match in _BRACKETED.finditer(text):
        marker = _MARKER.fullmatch(match.group(0))
        if marker is not None:
            count += sum(1 for n in _numbers_in(marker.group(1)) if not 1 <= n <= valid)
        elif any(c.isdigit() for c in match.group(0)):
            count += 1
    count += len(_STRAY.findall(_BRACKETED.sub(" ", text)))
    return count


def check_reply(
    reply: str,
    passages: Sequence[str],
    *,
    grounded_share: float = GROUNDED_SHARE,
    limit: int = MAX_ANSWER_SENTENCES,
    question: str = "",
) -> Checked:
    """Split `reply` into sentences and keep those that cite one of `passages` (numbered from 1) which
    holds most of their content words and all their numbers, and that say something the `question` does
    not (a question, or the question restated, is dropped). Pure: no model, no I/O."""
    asked = set(content_terms(question))
    text = _clean(reply)
    broken = broken_markers(text, len(passages))
    if _declines(text):
        return Checked((), (), broken, declined=True)
    leading = _MARKER.match(text) is not None
    if not leading:
        text = _AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), text)
    kept: list[Kept] = []
    dropped: list[Dropped] = []
    seen: set[str] = set()
    for piece in _leading_pieces(text) if leading else _pieces(text):
        cited: list[int] = []
        for marker in _MARKER.finditer(piece):
            cited += [n for n in _numbers_in(marker.group(1)) if n not in cited]
        plain = _tidy(_STRAY.sub(" ", _BRACKETED.sub(" ", piece)))
        valid = [n for n in cited if 1 <= n <= len(passages)]
        reason = None
        support = ""
        best = 0
        if len(tokens(plain)) < 3:
            reason = "fragment"
        elif not cited:
            reason = "uncited"
        elif not valid:
            reason = "no such passage"
        elif plain.rstrip(" \"'”’)").endswith(("?", "？")) or (asked and set(content_terms(plain)) <= asked):
            # Gemma 3 270M restated the question as its answer ("The Chinese government expelled three
            # reporters from which news outlet this week. [1]"): its words are all in the passage too.
            reason = "restates the question"
        else:
            best, support = _best_support(plain, [(n, passages[n - 1]) for n in valid], grounded_share)
            if not best:
                reason = "not grounded"
            elif plain.casefold() in seen:
                reason = "repeated"
            elif len(kept) == limit:
                reason = "over the limit"
        if reason is not None or not plain:
            dropped.append(Dropped(plain or piece, reason or "fragment"))
            continue
        seen.add(plain.casefold())
        kept.append(Kept(plain, best, support))
    return Checked(tuple(kept), tuple(dropped), broken)


def _leading_pieces(text: str) -> list[str]:
    """A reply whose sentences start with their markers ("[1] The bridge reopened. [2] It cost…"): each
    run of markers cites the one sentence after it; further sentences before the next run are pieces of
    their own, which no marker cites."""
    runs = list(_RUN.finditer(text))
    out: list[str] = []
    for run, after in zip(runs, [*runs[1:], None], strict=True):
        body = text[run.end() : after.start() if after is not None else len(text)]
        sentences = [s.text for s in split_sentences(body)] or [""]
        out += [f"{sentences[0]} {run.group(0).strip()}", *sentences[1:]]
    return out


def _pieces(text: str) -> list[str]:
    """The reply's sentences, each ending at its last marker: words after it ("… June [2]. mendatang",
    a sentence the splitter did not see end) are a piece of their own, which no marker cites."""
    out: list[str] = []
    for sentence in split_sentences(text):
        piece = sentence.text
        last = max(_MARKER.finditer(piece), key=lambda m: m.end(), default=None)
        if last is not None:
            rest = piece[last.end() :]
            lead = len(rest) - len(rest.lstrip(" .!?。？！"))
            if tokens(rest[lead:]):
                out += [piece[: last.end()] + rest[:lead].strip(), rest[lead:]]
                continue
        out.append(piece)
    return out


def _numbers_in(group: str) -> list[int]:
    """The numbers a marker's inside names: "1, 2" -> [1, 2]; "2-4" -> [2, 3, 4] (ranges up to 10)."""
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group.strip()):
        bounds = [int(b) for b in re.split(r"\s*[–-]\s*", part) if b]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] < 10:
            out += range(bounds[0], bounds[1] + 1)
        else:
            out += bounds
    return out


def _clean(reply: str) -> str:
    """The reply without HTML tags, entities, Markdown emphasis, bullets, an "Answer:" label, or the
    chat template's end-of-turn tokens."""
    text = html.unescape(_TAG.sub(" ", reply))
    text = re.sub(r"<(?:end_of_turn|start_of_turn|eos|bos|\|[a-z_]+\|)>", " ", text)
    text = _MARKDOWN.sub("", text)
    text = _BULLET.sub("", text)
    text = _LABEL.sub("", text.strip())
    # One answer paragraph: line breaks inside it carry no meaning the splitter needs.
    return " ".join(text.split())


def _tidy(text: str) -> str:
    """Spacing left by removed markers: "64 turbines ." -> "64 turbines."; "…" and quotes kept."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([.,;:!?。？！])", r"\1", text)
    return text.strip(" ,;:")


def _declines(text: str) -> bool:
    folded = " ".join(_BRACKETED.sub(" ", text).casefold().split()).strip(" .\"'")
    return folded.startswith(NOT_IN_SOURCES.casefold().rstrip(".")) or folded.startswith(
        "the passages do not"
    )


def _best_support(sentence: str, cited: Sequence[tuple[int, str]], share: float) -> tuple[int, str]:
    """The cited passage (its number, and its sentence closest to `sentence`) that holds at least `share`
    of the sentence's content words and all its numbers, the one holding most; (0, "") when none does."""
    terms = content_terms(sentence)
    numbers = {_plain_number(n) for n in _NUMBER.findall(sentence)}
    best_n, best_share, best_support = 0, -1.0, ""
    for n, passage in cited:
        held = set(tokens(passage))
        if numbers - {_plain_number(x) for x in _NUMBER.findall(passage)}:
            continue  # a number the passage does not give: the worst thing a reader can invent
        have = sum(1 for t in terms if t in held) / len(terms) if terms else 0.0
        if have >= share and have > best_share:
            best_n, best_share, best_support = n, have, _closest_sentence(terms, passage)
    return best_n, best_support


def _plain_number(text: str) -> str:
    return text.replace(",", "")


def _closest_sentence(terms: Sequence[str], passage: str) -> str:
    """The passage sentence holding most of `terms` (the first such); the passage when it has none."""
    sentences = [s.text for s in split_sentences(passage)] or [passage]
    wanted = set(terms)
    return max(sentences, key=lambda s: len(wanted & set(tokens(s))))


# --- the answer -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One question through the reader, for benchmarks: the answer it gives, the raw reply (None when the
    endpoint failed) and what the checker made of it."""

    answer: Answer
    reply: str | None
    checked: Checked | None
    fallback: str | None  # why the extractive answer stands, or None when the written one is used


def written_answer(extractive: Answer, checked: Checked, passages: Sequence[Passage]) -> Answer | None:
    """`extractive` with the checked sentences in place of its own, citations renumbered 1..N in order of
    first use (one number per article); None when no sentence was kept. The short answer is the
    extractive one when its article is still cited (renumbered), else none."""
    if extractive.abstained or not checked.kept:
        return None
    numbers: dict[str, int] = {}
    first: dict[str, Hit] = {}
    quotes: dict[str, list[str]] = {}
    sentences: list[AnswerSentence] = []
    for item in checked.kept:
        hit = passages[item.n - 1].hit
        article = hit.article.id
        if article not in numbers:
            numbers[article] = len(numbers) + 1
            first[article] = hit
            quotes[article] = []
        if item.support and item.support not in quotes[article]:
            quotes[article].append(item.support)
        sentences.append(AnswerSentence(item.text, numbers[article]))
    citations = tuple(
        Citation.of(numbers[a], first[a], " … ".join(quotes[a]) or first[a].chunk.text) for a in numbers
    )
    short, short_n = None, None
    if extractive.short and extractive.short_n is not None:
        source = next((c for c in extractive.citations if c.n == extractive.short_n), None)
        if source is not None and source.article_id in numbers:
            short, short_n = extractive.short, numbers[source.article_id]
    return replace(extractive, sentences=tuple(sentences), citations=citations, short=short, short_n=short_n)


class LLMReader:
    """Rewrites newsbot's answers through a chat model (`ChatClient`), keeping only checked sentences."""

    name = "llm"

    def __init__(
        self,
        client: Any,
        max_passages: int = MAX_PASSAGES,
        passage_chars: int = PASSAGE_CHARS,
        grounded_share: float = GROUNDED_SHARE,
    ) -> None:
        if max_passages < 1:
            raise ValueError("max_passages must be at least 1")
        if passage_chars < 80:
            raise ValueError("passage_chars must be at least 80")
        if not 0.0 <= grounded_share <= 1.0:
            raise ValueError("grounded_share must be between 0 and 1")
        self.client = client  # anything with complete(messages) -> str that raises LLMFailed
        self.max_passages = max_passages
        self.passage_chars = passage_chars
        self.grounded_share = grounded_share

    @classmethod
    def from_env(cls) -> LLMReader:
        return cls(ChatClient(LLMSettings.from_env()))

    def __repr__(self) -> str:
        return f"LLMReader({self.client!r})"

    def write(self, extractive: Answer) -> Answer:
        """The checked written answer, or `extractive` as it is (abstained, or nothing survived)."""
        return self.run(extractive).answer

    def run(self, extractive: Answer) -> Outcome:
        """`write`, with what happened on the way."""
        if extractive.abstained:
            return Outcome(extractive, None, None, "abstained")
        passages = choose_passages(extractive, self.max_passages, self.passage_chars)
        if not passages:
            return Outcome(extractive, None, None, "no passages")
        try:
            reply = self.client.complete(build_messages(extractive.question, passages))
        except LLMFailed as exc:
            logger.warning("llm reader: %s; keeping the extractive answer", exc)
            return Outcome(extractive, None, None, "endpoint failed")
        checked = check_reply(
            reply,
            [p.text for p in passages],
            grounded_share=self.grounded_share,
            question=extractive.question,
        )
        written = written_answer(extractive, checked, passages)
        if written is None:
            why = "declined" if checked.declined else "no sentence passed the checker"
            # Routine with a small model, and the answer shown is a good one: not a warning.
            logger.info("llm reader: %s; keeping the extractive answer", why)
            return Outcome(extractive, reply, checked, why)
        return Outcome(written, reply, checked, None)

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if close is not None:
            close()
