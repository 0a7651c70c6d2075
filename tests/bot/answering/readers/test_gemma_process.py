"""The reader's worker process can never take the bot down: a worker that dies of a real signal, exits,
hangs or replies garbage costs that question its short answer (the extractive answer stands, one warning
is logged), the next question gets a fresh worker, a worker that keeps failing is turned off, and
nothing is left running. The worker here is bot/answering/readers/gemma_worker.py's own serve loop with a
scripted engine (tests/bot/answering/readers/reader_child.py) that crashes for real, so none of this needs
llama.cpp; the real model runs through the same worker in tests/bot/answering/readers/test_reader.py."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.answerer import Answerer, open_answerer
from bot.answering.pipeline import answer
from bot.answering.readers.base import Evidence, ReaderFailed, read
from bot.answering.readers.gemma import ChildReader
from bot.settings import Settings
from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import SentenceTransformerEncoder
from embeddings.processes import child_pids, is_running
from embeddings.search import Searcher

# Fictional: Exampleton and its paper do not exist.
ARTICLES = [
    Article(
        id="tram",
        source="fixtures/tram.txt",
        text="The Exampleton tram line opened on Saturday after three years of work. "
        "It was designed by the engineer Marta Ostrova and cost 412 million crowns, the council said.",
        title="Exampleton tram line opens",
        publisher="Exampleton Courier",
        published=datetime(2024, 6, 1, 8, 0),
    ),
    Article(
        id="ferry",
        source="fixtures/ferry.txt",
        text="The Exampleton ferry will run every twenty minutes from July. "
        "The harbour office said the new timetable needs two more crews.",
        title="New ferry timetable",
        publisher="Exampleton Courier",
        published=datetime(2024, 6, 3, 8, 0),
    ),
]
COST = "How much did the Exampleton tram line cost?"
FERRY = "How often will the Exampleton ferry run?"
SHOWN = [Evidence(ARTICLES[1].text, "Exampleton Courier, 2024-06-03")]


def scripted(replies: dict[str, str], **settings: float) -> ChildReader:
    """A reader whose worker answers from `replies` (see tests/bot/answering/readers/reader_child.py for the
    misfortunes)."""
    command = [sys.executable, "-m", "tests.bot.answering.readers.reader_child", json.dumps(replies)]
    return ChildReader(command, name="scripted", **settings)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def nothing_left_running() -> Iterator[None]:
    yield
    assert sorted(child_pids()) == [], "a worker process was left running"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, real_encoder: SentenceTransformerEncoder) -> Path:
    directory = tmp_path_factory.mktemp("reader-process") / "index"
    build_index_from_articles(ARTICLES, directory, real_encoder)
    return directory


@pytest.fixture
def searcher(index_dir: Path, real_encoder: SentenceTransformerEncoder) -> Iterator[Searcher]:
    with Searcher.open(index_dir, encoder=real_encoder) as opened:
        yield opened


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_worker_that_segfaults_costs_the_short_answer_not_the_bot(
    searcher: Searcher, caplog: pytest.LogCaptureFixture
) -> None:
    reader = scripted({COST: "!segfault", FERRY: "every twenty minutes from July"})
    try:
        with caplog.at_level(logging.WARNING):
            crashed = answer(COST, searcher, reader=reader)
            assert crashed == answer(COST, searcher), "exactly the answer without a reader"
            assert crashed.short and "412 million crowns" in crashed.text
            assert warnings_of(caplog) == [
                "reader scripted failed, keeping the extractive answer: the reader process died of SIGSEGV; "
                "a new reader process starts with the next question"
            ]
            assert reader.pid is None and not reader.off
            caplog.clear()
            served = answer(FERRY, searcher, reader=reader)
            assert served.short == "every twenty minutes from July", "the new worker's pick leads"
            assert answer(FERRY, searcher).short != served.short
            assert warnings_of(caplog) == []
            assert reader.pid in child_pids()
    finally:
        reader.close()
    assert reader.pid is None


@pytest.mark.parametrize(
    ("misfortune", "told"),
    [
        ("!sigill", "the reader process died of SIGILL"),
        ("!exit", "the reader process exited with status 3"),
        ("!garbage", "the reader process replied out of protocol: b'Segmentation fault? no: just noise'"),
    ],
)
def test_every_way_a_worker_dies_is_one_failure_and_the_next_question_gets_a_new_one(
    misfortune: str, told: str
) -> None:
    reader = scripted({"bad": misfortune, "good": "every twenty minutes"})
    try:
        reader.load()
        first = reader.pid
        assert first is not None and first in child_pids()
        with pytest.raises(ReaderFailed, match="^" + re.escape(told)):
            reader.propose("bad", SHOWN)
        assert not is_running(first) and reader.pid is None
        assert reader.propose("good", SHOWN) == "every twenty minutes"
        assert reader.pid not in (None, first)
    finally:
        reader.close()


def test_a_worker_that_hangs_is_stopped_at_the_timeout(caplog: pytest.LogCaptureFixture) -> None:
    reader = scripted({"slow": "!hang", "good": "every twenty minutes"}, timeout_s=1.0)
    try:
        reader.load()
        hung = reader.pid
        assert hung is not None
        started = time.monotonic()
        with caplog.at_level(logging.WARNING):
            assert read(reader, "slow", SHOWN) is None
        waited = time.monotonic() - started
        assert 1.0 <= waited < 10, waited
        assert warnings_of(caplog) == [
            "reader scripted failed, keeping the extractive answer: the reader process gave no reply within "
            "1 s; a new reader process starts with the next question"
        ]
        assert not is_running(hung)
        reading = read(reader, "good", SHOWN)
        assert reading is not None and reading.text == "every twenty minutes"
    finally:
        reader.close()


def test_a_worker_that_keeps_crashing_turns_the_reader_off_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reader = scripted({"q": "!segfault"}, failures_before_off=3)
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(5):
                assert read(reader, "q", SHOWN) is None
        said = warnings_of(caplog)
        assert len(said) == 3, said
        assert said[-1].endswith("3 failures in a row, so the reader is off until newsbot restarts")
        assert reader.off and reader.pid is None and child_pids() == set(), "no restart once off"
        assert reader.load() == 0.0 and reader.pid is None
    finally:
        reader.close()


def test_a_success_between_crashes_resets_the_count() -> None:
    reader = scripted({"bad": "!segfault", "good": "every twenty minutes"}, failures_before_off=2)
    try:
        for question in ("bad", "good", "bad", "good"):
            if question == "bad":
                with pytest.raises(ReaderFailed, match="SIGSEGV"):
                    reader.propose(question, SHOWN)
            else:
                assert reader.propose(question, SHOWN) == "every twenty minutes"
        assert not reader.off
    finally:
        reader.close()


def test_an_error_the_model_raises_keeps_the_worker() -> None:
    reader = scripted({"bad": "!error", "good": "every twenty minutes"})
    try:
        reader.load()
        worker = reader.pid
        with pytest.raises(ReaderFailed, match=r"^llama_decode returned -1$"):
            reader.propose("bad", SHOWN)
        assert reader.pid == worker and worker is not None and is_running(worker)
        assert reader.propose("good", SHOWN) == "every twenty minutes" and reader.pid == worker
    finally:
        reader.close()


def test_a_worker_that_crashes_while_loading_is_a_failure_too() -> None:
    reader = scripted({"!load-crash": ""})
    try:
        with pytest.raises(ReaderFailed, match=r"^the reader process died of SIGSEGV"):
            reader.load()
        assert reader.pid is None
    finally:
        reader.close()


def test_the_worker_loads_once_and_closing_the_answerer_stops_it(
    index_dir: Path, real_encoder: SentenceTransformerEncoder
) -> None:
    reader = scripted({FERRY: "every twenty minutes from July", COST: "412 million crowns"})
    settings = Settings(index_dir, k=4)
    answerer = Answerer(settings, reader, opener=lambda: Searcher.open(index_dir, real_encoder))
    try:
        assert answerer.ask(FERRY).short == "every twenty minutes from July"
        worker = reader.pid
        assert worker is not None and child_pids() == {worker}
        assert answerer.ask(COST).short == "412 million crowns"
        assert reader.pid == worker, "one worker serves question after question"
    finally:
        answerer.close()
    assert child_pids() == set() and not is_running(worker)


def test_reader_settings_are_checked_when_built() -> None:
    with pytest.raises(ValueError, match="timeouts must be positive"):
        scripted({}, timeout_s=0)
    with pytest.raises(ValueError, match="failures_before_off"):
        scripted({}, failures_before_off=0)


def test_a_service_whose_reader_cannot_start_starts_all_the_same(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.answering.readers.base

    reader = scripted({"!load-crash": ""})
    monkeypatch.setattr(bot.answering.readers.base, "open_reader", lambda name: reader)
    notes: list[str] = []
    settings = Settings(index_dir, k=4)
    answerer = open_answerer(settings, "gemma", eager=True, build_demo=False, note=notes.append)
    try:
        assert notes == [
            "reader scripted failed to start, answers stay extractive for now: the reader process died of "
            "SIGSEGV; a new reader process starts with the next question"
        ]
        assert "412 million crowns" in answerer.ask(COST).text
    finally:
        answerer.close()
