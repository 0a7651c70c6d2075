"""End to end: `--reader llm` against a real OpenAI-compatible server, llama-cpp-python's, serving the
packaged Gemma 3 270M (the llm-test extra, in dev), over a small fictional corpus indexed with the real
embedding model. Every answer must cite a listed source in every sentence, whatever the model wrote.

Not checked here: whether the model's sentences are good (benchmarks/llm.py measures that on real news).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from benchmarks.llm import local_server
from bot.answering.pipeline import answer
from bot.answering.readers.llm import ChatClient, LLMReader, LLMSettings
from bot.cli import main
from bot.models import Answer
from corpus.ids import article_id
from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import SentenceTransformerEncoder
from embeddings.search import Searcher

SERVER_START_S = 180


def _article(url: str, title: str, published: datetime, text: str) -> Article:
    return Article(
        id=article_id(url=url, text=text),
        source=f"/fixtures/{url.rsplit('/', 1)[-1]}.txt",
        text=text,
        title=title,
        publisher="Marlow Post",
        published=published,
        url=url,
    )


# Fictional: Marlow and its paper do not exist (and none of this is in the prompt's examples).
ARTICLES = [
    _article(
        "https://marlowpost.example/2024/05/kestrel-bridge",
        "Kestrel Bridge reopens",
        datetime(2024, 5, 7, 8, 0),
        "The Kestrel Bridge in Marlow reopened on Tuesday after eight months of repairs. "
        "The work cost 3.2 million euros, the city said. Cyclists now have a lane of their own.",
    ),
    _article(
        "https://marlowpost.example/2024/05/ferry-timetable",
        "New ferry timetable",
        datetime(2024, 5, 9, 8, 0),
        "The Marlow ferry will run every twenty minutes from June. "
        "The harbour office said the new timetable needs two more crews.",
    ),
    _article(
        "https://marlowpost.example/2024/04/choir",
        "Choir wins in Vienna",
        datetime(2024, 4, 2, 8, 0),
        "The Marlow youth choir won first prize at a competition in Vienna on Sunday. "
        "Its conductor, Elise Varga, has led the choir for twelve years.",
    ),
]
QUESTIONS = [
    "How often will the Marlow ferry run?",
    "When did the Kestrel Bridge reopen?",
    "How much did the Kestrel Bridge repairs cost?",
    "Who conducts the Marlow youth choir?",
]


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free loopback port with the packaged model, stopped afterwards."""
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    try:
        with local_server(log, threads=2, start_timeout=SERVER_START_S) as url:
            yield url
    except click.ClickException as exc:
        pytest.fail(f"{exc.message}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, real_encoder: SentenceTransformerEncoder) -> Path:
    directory = tmp_path_factory.mktemp("llm-real") / "index"
    build_index_from_articles(ARTICLES, directory, real_encoder)
    return directory


def cited_everywhere(result: Answer) -> None:
    """Every sentence ends with a [n] naming a listed source; every source is cited; 1..N."""
    numbers = [c.n for c in result.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert result.sentences, "an answer, not an abstention"
    for sentence in result.sentences:
        assert sentence.n in numbers
        assert "[" not in sentence.text and "]" not in sentence.text, sentence.text
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", result.text)]
    assert len(markers) == len(result.sentences)
    assert set(markers) == set(numbers)


def test_written_answers_cite_a_listed_source_in_every_sentence(
    llm_url: str, index_dir: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    reader = LLMReader(ChatClient(LLMSettings(url=llm_url, timeout_s=120)))
    outcomes = {}
    with Searcher.open(index_dir, encoder=real_encoder) as searcher:
        for question in QUESTIONS:
            extractive = answer(question, searcher, k=4, threshold=0.0)
            outcome = reader.run(extractive)
            assert outcome.reply is not None, f"the server gave no completion for {question!r}"
            assert outcome.checked is not None and outcome.checked.broken_markers >= 0
            cited_everywhere(outcome.answer)
            for citation in outcome.answer.citations:
                assert any(citation.article_id == a.id for a in ARTICLES)
            outcomes[question] = outcome
    reader.close()
    # The model really wrote something that passed: an answer that differs from the extractive one and
    # holds the fact, cited to the right article (greedy decoding: the same reply every run).
    ferry = outcomes["How often will the Marlow ferry run?"]
    assert ferry.fallback is None, ferry.reply
    assert "twenty minutes" in ferry.answer.text
    assert ferry.answer.citations[ferry.answer.sentences[0].n - 1].article_id == ARTICLES[1].id


def ask_llm(index_dir: Path, question: str, url: str) -> tuple[dict, list[logging.LogRecord]]:
    """`newsbot ask --reader llm --json` with NEWSBOT_LLM_URL=`url`: the JSON, and the warnings logged."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("bot").addHandler(handler)
    try:
        result = CliRunner().invoke(
            main,
            ["ask", question, "--index", str(index_dir), "--reader", "llm", "--json"],
            env={"NEWSBOT_LLM_URL": url, "NEWSBOT_LLM_TIMEOUT": "120"},
        )
    finally:
        logging.getLogger("bot").removeHandler(handler)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), records


def test_newsbot_ask_uses_the_endpoint_named_by_the_environment(llm_url: str, index_dir: Path) -> None:
    question = QUESTIONS[0]
    data, warnings = ask_llm(index_dir, question, llm_url)
    assert warnings == []
    numbers = {c["n"] for c in data["citations"]}
    sentences = [s for s in re.split(r"(?<=\])\s+", data["answer"]) if s]
    assert sentences and all(re.search(r"\[(\d+)\]$", s) for s in sentences), data["answer"]
    assert {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])} == numbers
    assert "twenty minutes" in data["answer"]
    # Nothing listens on port 1: the same question gets the extractive answer and one warning.
    fallback, warnings = ask_llm(index_dir, question, "http://127.0.0.1:1")
    assert [w.getMessage() for w in warnings] == [
        "llm reader: could not reach http://127.0.0.1:1 (ConnectError); keeping the extractive answer"
    ]
    assert "twenty minutes" in fallback["answer"] and fallback["citations"]
