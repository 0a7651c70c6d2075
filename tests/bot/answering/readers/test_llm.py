"""The generative reader (`--reader llm`) against a fake OpenAI-compatible endpoint (httpx.MockTransport):
what the model is shown, what the checker keeps, and that every failure leaves the extractive answer with
one notice and the key nowhere. The real model behind a real server:
tests/bot/answering/readers/test_llm_real.py."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import httpx
import pytest

from bot.answering.pipeline import compose
from bot.answering.readers.base import ReaderUnavailable, open_reader
from bot.answering.readers.llm import (
    ENV_LLM_API_KEY,
    ENV_LLM_URL,
    NOT_IN_SOURCES,
    ChatClient,
    LLMFailed,
    LLMReader,
    LLMSettings,
    broken_markers,
    check_reply,
    choose_passages,
)
from bot.models import Answer
from bot.telegram.render_html import render_answer_html
from embeddings.models import Hit
from tests.bot.answering.test_pipeline import hit

# Fictional: Exampleton and its papers do not exist.
TRAM = (
    "The council approved the Harbour Line tram on Monday by nine votes to four. "
    "The line will run 7.4 kilometres and is expected to cost 412 million crowns. "
    "Construction begins in January."
)
BUDGET = (
    "Most of the budget increase will go to schools and to the Harbour Line tram. "
    "Property tax rises by two percent."
)
FERRY = (
    "The electric ferry Northern Tern made its first crossing on Monday. "
    "The ferry carries up to 300 passengers and 40 cars."
)
QUESTION = "How much will the Harbour Line tram cost?"
KEY = "sk-test-7Qx9-never-shown"
URL = "http://127.0.0.1:8089"


def hits() -> list[Hit]:
    return [
        hit("tram", TRAM, 1, 1.0, 0.7),
        hit("budget", BUDGET, 2, 0.8, 0.5),
        hit("ferry", FERRY, 3, 0.3, 0.2),
    ]


def extractive(question: str = QUESTION) -> Answer:
    return compose(question, hits(), threshold=0.0)


def completion(text: str) -> httpx.Response:
    return httpx.Response(
        200, json={"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}
    )


class FakeEndpoint:
    """Records each request and answers with `respond(request)`."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response]) -> None:
        self.respond = respond
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)

    def reader(self, **settings: object) -> LLMReader:
        client = ChatClient(LLMSettings(url=URL, **settings), transport=httpx.MockTransport(self))  # type: ignore[arg-type]
        return LLMReader(client)

    def body(self, index: int = -1) -> dict:
        return json.loads(self.requests[index].content)


def numbers_of(answer: Answer) -> dict[str, int]:
    """Passage article id -> its number in the prompt, as choose_passages numbers them."""
    return {p.hit.article.id: p.n for p in choose_passages(answer)}


def check_invariants(result: Answer) -> None:
    numbers = [c.n for c in result.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    used = [s.n for s in result.sentences]
    assert sorted(set(used)) == numbers, "every citation is used, every [n] resolves"
    firsts = list(dict.fromkeys(used))
    assert firsts == numbers, "numbers run in order of first use"
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", result.text)]
    assert len(markers) == len(result.sentences) and set(markers) <= set(numbers)


# --- what the model is shown ------------------------------------------------------------------------


def test_the_prompt_shows_only_the_numbered_passages_and_the_question() -> None:
    endpoint = FakeEndpoint(lambda _: completion(NOT_IN_SOURCES))
    base = extractive()
    endpoint.reader().write(base)
    body = endpoint.body()
    assert body["temperature"] == 0 and body["stream"] is False and body["stop"]
    last = body["messages"][-1]
    assert last["role"] == "user"
    lines = last["content"].splitlines()
    assert lines[-1] == f"Question: {QUESTION}"
    shown = lines[:-1]
    assert [int(re.match(r"\[(\d+)\] ", line).group(1)) for line in shown] == list(range(1, len(shown) + 1))  # type: ignore[union-attr]
    texts = {h.chunk.text for h in base.passages}
    for line in shown:
        passage = line.split(": ", 1)[1]
        assert any(passage in t for t in texts), f"shown text not from a retrieved passage: {passage}"
    # The extractive answer's own source comes first.
    assert TRAM.split(". ")[1] in shown[0]
    # Only user and assistant turns (Gemma's template has no system role), the examples before.
    assert {m["role"] for m in body["messages"]} == {"user", "assistant"}


def test_an_abstained_answer_is_never_sent_to_the_model() -> None:
    endpoint = FakeEndpoint(lambda _: completion("Anything [1]."))
    abstained = compose("Who won the 2022 World Cup final?", hits())
    assert abstained.abstained
    assert endpoint.reader().write(abstained) == abstained
    assert endpoint.requests == []


# --- the checker ----------------------------------------------------------------------------------


def test_uncited_ungrounded_and_unknown_citations_are_dropped_and_the_rest_renumbered() -> None:
    base = extractive()
    n = numbers_of(base)
    reply = (
        f"The Harbour Line tram is expected to cost 412 million crowns [{n['tram']}]. "
        "The tram is a great success. "  # uncited
        f"The tram will carry ten thousand riders every single day [{n['tram']}]. "  # not in the passage
        "The ferry carries up to 300 passengers [9]. "  # no passage 9 was shown
        f"Property tax rises by two percent [{n['budget']}]."
    )
    endpoint = FakeEndpoint(lambda _: completion(reply))
    outcome = endpoint.reader().run(base)
    assert outcome.fallback is None
    result = outcome.answer
    assert [s.text for s in result.sentences] == [
        "The Harbour Line tram is expected to cost 412 million crowns.",
        "Property tax rises by two percent.",
    ]
    assert [c.article_id for c in result.citations] == ["tram", "budget"]
    assert result.text.endswith("crowns. [1] Property tax rises by two percent. [2]")
    check_invariants(result)
    assert outcome.checked is not None
    reasons = sorted(d.reason for d in outcome.checked.dropped)
    assert reasons == ["no such passage", "not grounded", "uncited"]
    assert outcome.checked.broken_markers == 1
    # Each citation quotes the passage sentence that supports its answer sentence.
    assert result.citations[1].quote == "Property tax rises by two percent."


def test_a_restated_question_is_not_an_answer() -> None:
    passages = ["The Chinese government expelled three reporters of the Harbour Courier this week."]
    question = "The Chinese government expelled three reporters from which news outlet this week?"
    reply = (
        "[1] The Chinese government expelled three reporters from which news outlet this week. "
        "[1] Which reporters were expelled this week? "
        "[1] Three reporters of the Harbour Courier were expelled."
    )
    checked = check_reply(reply, passages, question=question)
    assert [k.text for k in checked.kept] == ["Three reporters of the Harbour Courier were expelled."]
    assert [d.reason for d in checked.dropped] == ["restates the question", "restates the question"]
    assert len(check_reply(reply, passages).kept) == 2, "without the question only the '?' one is dropped"


def test_a_number_the_passage_does_not_give_is_not_kept() -> None:
    base = extractive()
    n = numbers_of(base)["tram"]
    checked = check_reply(
        f"The Harbour Line tram is expected to cost 512 million crowns [{n}].",
        [p.text for p in choose_passages(base)],
    )
    assert checked.kept == () and [d.reason for d in checked.dropped] == ["not grounded"]


def test_words_after_the_last_marker_are_not_kept_with_the_cited_sentence() -> None:
    passages = ["The Marlow ferry will run every twenty minutes from June."]
    checked = check_reply(
        "The Marlow ferry will run every twenty minutes from June [1]. mendatang\nに通える", passages
    )
    assert [k.text for k in checked.kept] == ["The Marlow ferry will run every twenty minutes from June."]
    assert [d.text for d in checked.dropped] == ["mendatang に通える"]


def test_markers_that_open_sentences_cite_the_one_sentence_after_them() -> None:
    passages = [
        "The Kestrel Bridge reopened on Tuesday. The work cost 3.2 million euros.",
        "Ferries run hourly.",
    ]
    checked = check_reply(
        "[1] The Kestrel Bridge reopened on Tuesday. It was a sunny day. "
        "[1][2] The work cost 3.2 million euros. [2] Ferries run hourly. [1] The bridge reopened on May 28.",
        passages,
    )
    assert [(k.text, k.n) for k in checked.kept] == [
        ("The Kestrel Bridge reopened on Tuesday.", 1),
        ("The work cost 3.2 million euros.", 1),
        ("Ferries run hourly.", 2),
    ]
    assert [(d.text, d.reason) for d in checked.dropped] == [
        ("It was a sunny day.", "uncited"),
        ("The bridge reopened on May 28.", "not grounded"),
    ]


def test_marker_forms_are_read_and_broken_ones_counted() -> None:
    passages = ["Alpha beta gamma delta.", "Epsilon zeta eta theta."]
    checked = check_reply("Alpha beta gamma delta. [1] Epsilon zeta eta theta [1-2].", passages)
    assert [(k.text, k.n) for k in checked.kept] == [
        ("Alpha beta gamma delta.", 1),
        ("Epsilon zeta eta theta.", 2),
    ]
    assert broken_markers("x [1] [3] [2, 4] [source 2] ]", valid=2) == 4
    assert broken_markers("x [1] [2] [1-2] [1; 2]", valid=2) == 0


def test_all_bad_sentences_leave_the_extractive_answer() -> None:
    base = extractive()
    endpoint = FakeEndpoint(lambda _: completion("The tram is wonderful. Everyone loves it [7]. Trams [1]."))
    outcome = endpoint.reader().run(base)
    assert outcome.answer == base
    assert outcome.fallback == "no sentence passed the checker"
    assert len(endpoint.requests) == 1


def test_a_declining_model_leaves_the_extractive_answer() -> None:
    base = extractive()
    outcome = FakeEndpoint(lambda _: completion(NOT_IN_SOURCES)).reader().run(base)
    assert outcome.answer == base and outcome.fallback == "declined"


def test_html_in_a_reply_stays_escaped_for_telegram() -> None:
    base = extractive()
    n = numbers_of(base)["tram"]
    reply = f"The <b>Harbour Line</b> tram is expected to cost 412 million crowns &lt;script&gt; [{n}]."
    result = FakeEndpoint(lambda _: completion(reply)).reader().write(base)
    assert result != base
    rendered = render_answer_html(result)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "<b>Harbour" not in rendered


# --- failures: the extractive answer, one notice, no key ------------------------------------------


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"[Errno 111] Connection refused to {request.url} with {KEY}", request=request)


@pytest.mark.parametrize(
    ("respond", "notice"),
    [
        (_timeout, f"{URL} did not answer within 7 s"),
        (_refused, f"could not reach {URL} (ConnectError)"),
        (lambda _: httpx.Response(500, text="boom"), f"{URL} answered HTTP 500"),
        (lambda _: httpx.Response(401, text="bad key"), f"{URL} refused the request (HTTP 401: check"),
        (lambda _: httpx.Response(200, text="<html>not json"), "not a chat completion"),
        (lambda _: httpx.Response(200, json={"choices": []}), "not a chat completion"),
        (lambda _: httpx.Response(200, json={"choices": [{"message": {"content": None}}]}), "without text"),
    ],
)
def test_endpoint_failures_fall_back_with_one_notice_and_never_show_the_key(
    respond: Callable[[httpx.Request], httpx.Response], notice: str, caplog: pytest.LogCaptureFixture
) -> None:
    base = extractive()
    endpoint = FakeEndpoint(respond)
    reader = endpoint.reader(api_key=KEY, timeout_s=7)
    with caplog.at_level(logging.DEBUG):
        outcome = reader.run(base)
    assert outcome.answer == base and outcome.fallback == "endpoint failed"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and notice in warnings[0].getMessage()
    assert "keeping the extractive answer" in warnings[0].getMessage()
    assert KEY not in caplog.text
    assert endpoint.requests[0].headers["Authorization"] == f"Bearer {KEY}", "the key is sent, as a header"


def test_the_key_is_in_no_repr_and_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_LLM_URL, "http://me:hunter2@127.0.0.1:1/v1?token=abc123")
    monkeypatch.setenv(ENV_LLM_API_KEY, KEY)
    reader = open_reader("llm")
    assert isinstance(reader, LLMReader)
    for text in (repr(reader), repr(reader.client), repr(reader.client.settings)):
        assert KEY not in text and "hunter2" not in text and "abc123" not in text
    assert "http://127.0.0.1:1" in repr(reader.client.settings)
    assert reader.client.settings.endpoint == "http://me:hunter2@127.0.0.1:1/v1/chat/completions?token=abc123"
    # Port 1 on the loopback: nothing listens, the connection is refused at once.
    with pytest.raises(LLMFailed) as failed:
        reader.client.complete([{"role": "user", "content": "hello"}])
    assert str(failed.value) == "could not reach http://127.0.0.1:1 (ConnectError)"
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
    reader.close()


def test_settings_are_checked_when_built_without_echoing_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_LLM_URL, raising=False)
    with pytest.raises(ReaderUnavailable, match=ENV_LLM_URL):
        open_reader("llm")
    with pytest.raises(ValueError, match="http:// or https://") as bad:
        LLMSettings(url="ftp://me:hunter2@host.example/x")
    assert "hunter2" not in str(bad.value)
    with pytest.raises(ValueError, match="printable ASCII") as key:
        LLMSettings(url=URL, api_key="sk-clé-secrète")
    assert "secr" not in str(key.value)
    monkeypatch.setenv(ENV_LLM_URL, URL)
    monkeypatch.setenv("NEWSBOT_LLM_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="NEWSBOT_LLM_TIMEOUT"):
        open_reader("llm")
    assert LLMSettings(url="http://h:1/v1/").endpoint == "http://h:1/v1/chat/completions"
    assert LLMSettings(url="http://h:1").endpoint == "http://h:1/v1/chat/completions"
