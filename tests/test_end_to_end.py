"""End to end with the real model on the project's own fictional demo corpus: build → ask → the citations
point at the right article and quote it; the JSON shape; abstention; batch, chat and first-use build."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.answering.pipeline import answer
from bot.cli import main
from bot.settings import demo_corpus_dir
from embeddings.encoder import SentenceTransformerEncoder


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_INDEX", raising=False)
    monkeypatch.delenv("NEWSBOT_K", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("e2e") / "index"
    result = CliRunner().invoke(main, ["index", "build", str(demo_corpus_dir()), "--index", str(index)])
    assert result.exit_code == 0, result.stderr
    assert "17 articles" in result.stderr
    assert "README.md: not a kind of file newsbot reads" in result.stderr
    return index


def ask_json(index: Path, question: str) -> dict:
    result = CliRunner().invoke(main, ["ask", question, "--index", str(index), "--json"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def check_quotes(data: dict) -> None:
    passages = {p["chunk_id"]: p["text"] for p in data["passages"]}
    for citation in data["citations"]:
        for part in citation["quote"].split(" … "):
            assert part in data["answer"]
            assert any(part in text for text in passages.values())


@pytest.mark.parametrize(
    ("question", "source_end", "fact"),
    [
        ("Who won the Exampleton Marathon?", "2024-04-21-marathon.txt", "Tomasz Reyes"),
        (
            "How many turbines will the Gull Bank wind farm have?",
            "riverbend-radio-news.jsonl:3",
            "64 turbines",
        ),
        ("How many beds does the new children's wing have?", "2024-10-07-childrens-wing.html", "48 beds"),
        ("What pay rise did the dockworkers accept?", "2024-02-27-port-strike.txt", "6.5 percent"),
    ],
)
def test_ask_cites_the_right_article_and_quotes_it(
    demo_index: Path, question: str, source_end: str, fact: str
) -> None:
    data = ask_json(demo_index, question)
    assert data["question"] == question and data["abstained"] is False
    assert fact in data["answer"]
    first = data["citations"][0]
    assert first["n"] == 1 and first["source"].endswith(source_end)
    assert fact in " ".join(c["quote"] for c in data["citations"] if c["source"].endswith(source_end))
    check_quotes(data)
    assert [p["rank"] for p in data["passages"]] == list(range(1, len(data["passages"]) + 1))
    assert len(data["passages"]) <= 8


@pytest.mark.parametrize(
    ("question", "short"),
    [
        ("How much will the Harbour Line tram cost?", "412 million crowns"),
        ("Who won the Exampleton Marathon?", "Tomasz Reyes"),
    ],
)
def test_the_answer_leads_with_the_sentence_that_answers_and_its_short_answer(
    demo_index: Path, question: str, short: str
) -> None:
    data = ask_json(demo_index, question)
    assert data["short_answer"] == {"text": short, "n": 1}
    assert short in data["answer"].split(" [1]")[0], "the first sentence gives it"
    assert len(data["citations"]) == 1  # no sentence of another article that merely names the tram


@pytest.mark.parametrize(
    ("question", "short"),
    [
        # The council-vote sentence says "on Monday night"; the mayor's says "the spring of 2027".
        ("When will the Harbour Line tram open?", "spring of 2027"),
        # The council-vote sentence also says "two years": no length.
        ("How long is the tram line?", "7.4 kilometres"),
    ],
)
def test_the_short_answer_is_the_kind_asked_for(
    demo_index: Path, real_encoder: SentenceTransformerEncoder, question: str, short: str
) -> None:
    from embeddings.search import Searcher

    # Threshold 0: which sentence leads and what its short answer is are the subject here; whether to
    # abstain is the confidence's (these two sentences share few of the question's words).
    with Searcher.open(demo_index, real_encoder) as searcher:
        result = answer(question, searcher, threshold=0.0)
    assert result.short == short and result.short_n == 1
    assert short in result.sentences[0].text


def test_off_topic_question_abstains_with_closest_sources(demo_index: Path) -> None:
    data = ask_json(demo_index, "What is the boiling point of mercury in kelvin?")
    assert data["abstained"] is True
    assert data["citations"] == [] and "do not cover" in data["answer"]
    assert 1 <= len(data["closest"]) <= 3


def test_a_question_the_archive_does_not_cover_abstains_though_a_near_article_has_the_kind_asked_for(
    demo_index: Path,
) -> None:
    # The tram article gives a cost (412 million crowns); nothing in the demo is about a zebra crossing.
    data = ask_json(demo_index, "How much did the purple zebra crossing cost?")
    assert data["abstained"] is True and data["short_answer"] is None
    assert "412" not in data["answer"] and "do not cover" in data["answer"]
    assert 0.0 <= data["confidence"] < 0.5
    assert 1 <= len(data["closest"]) <= 3


@pytest.mark.parametrize(
    "question",
    ["How much will the Harbour Line tram cost?", "When did the council approve the Harbour Line tram?"],
)
def test_a_covered_question_answers_with_its_confidence(demo_index: Path, question: str) -> None:
    data = ask_json(demo_index, question)
    assert data["abstained"] is False
    assert 0.5 <= data["confidence"] <= 1.0
    assert data["citations"][0]["source"].endswith("2024-03-12-tram-line.txt")


def test_text_output_lists_sources(demo_index: Path) -> None:
    result = CliRunner().invoke(main, ["ask", "Who won the Exampleton Marathon?", "--index", str(demo_index)])
    assert result.exit_code == 0
    assert "[1] Reyes breaks course record at Exampleton Marathon — The Exampleton Gazette, 2024-04-21" in (
        result.stdout
    )


def test_batch_from_stdin_one_result_per_line(demo_index: Path) -> None:
    stdin = "Who won the Exampleton Marathon?\n\nHow many turbines will Gull Bank have?\n"
    result = CliRunner().invoke(main, ["ask", "--index", str(demo_index), "--json"], input=stdin)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert "Tomasz Reyes" in records[0]["answer"]
    assert "error" in records[1]
    assert "64 turbines" in records[2]["answer"]
    assert result.exit_code == 1  # one question was bad


def test_batch_lines_may_carry_their_own_as_of_day(demo_index: Path) -> None:
    lines = [
        json.dumps({"question": "Who won the Exampleton Marathon?", "as_of": "2024-04-22"}),
        json.dumps({"question": "Who won the Exampleton Marathon?", "as_of": "2024-04-20"}),  # the day before
        json.dumps({"question": "Who won the Exampleton Marathon?", "as_of": "22 April"}),
        '{"question": ',
        "Who won the Exampleton Marathon?",
    ]
    result = CliRunner().invoke(
        main, ["ask", "--index", str(demo_index), "--json"], input="\n".join(lines) + "\n"
    )
    after, before, bad_day, bad_json, plain = [json.loads(line) for line in result.stdout.splitlines()]
    assert after["as_of"] == "2024-04-22" and "Tomasz Reyes" in after["answer"]
    assert before["as_of"] == "2024-04-20"
    assert all(p["published"] is None or p["published"] < "2024-04-21" for p in before["passages"])
    assert "Tomasz Reyes" not in before["answer"]  # not yet reported as of the day before
    assert "as_of" in bad_day["error"] and "JSON" in bad_json["error"]
    assert plain["as_of"] == date.today().isoformat() and "Tomasz Reyes" in plain["answer"]
    assert result.exit_code == 1  # two lines were bad; the others were answered


def test_as_of_reads_a_relative_date_and_says_how(demo_index: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["ask", "Who won the marathon last week?", "--index", str(demo_index), "--as-of", "2024-04-25"],
    )
    assert result.exit_code == 0, result.stderr
    assert "Tomasz Reyes" in result.stdout
    assert 'Read "last week" as articles from 2024-04-12 to 2024-04-25.' in result.stdout


def test_since_filter_excludes_older_articles(demo_index: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "ask",
            "Who won the Exampleton Marathon?",
            "--index",
            str(demo_index),
            "--since",
            "2024-06-01",
            "--json",
        ],
    )
    data = json.loads(result.stdout)
    assert all(p["published"] >= "2024-06-01" for p in data["passages"])
    assert "Tomasz Reyes" not in data["answer"]


def test_chat_answers_and_keeps_history(demo_index: Path, tmp_path: Path) -> None:
    stdin = "Who won the Exampleton Marathon?\n\nexit\n"
    result = CliRunner().invoke(main, ["chat", "--index", str(demo_index)], input=stdin)
    assert result.exit_code == 0, result.stderr
    assert "Tomasz Reyes" in result.stdout
    assert (tmp_path / "data" / "newsbot" / "chat_history").is_file()


def test_update_skips_unchanged_articles(demo_index: Path) -> None:
    result = CliRunner().invoke(main, ["index", "update", str(demo_corpus_dir()), "--index", str(demo_index)])
    assert result.exit_code == 0, result.stderr
    assert "unchanged 17" in result.stderr and "0 embedded" in result.stderr


def test_first_ask_builds_the_demo_index_at_the_default_location(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ask", "Who won the Exampleton Marathon?"])
    assert result.exit_code == 0, result.stderr
    assert "building one from the demo corpus" in result.stderr
    assert "Tomasz Reyes" in result.stdout
    assert (tmp_path / "data" / "newsbot" / "index").is_dir()


def test_answer_api_with_the_real_encoder(tmp_path: Path, real_encoder) -> None:
    from corpus.read import read_paths
    from embeddings.build import build_index_from_articles
    from embeddings.search import Searcher

    batch = read_paths([demo_corpus_dir()])
    build_index_from_articles(batch.articles, tmp_path / "index", real_encoder)
    with Searcher.open(tmp_path / "index", real_encoder) as searcher:
        result = answer("What were the red panda cubs named?", searcher)
        assert not result.abstained
        assert "Maple and Ember" in result.text
        assert result.citations[0].title == "Exampleton Zoo welcomes twin red panda cubs"
        assert answer("Who won the 2022 World Cup?", searcher).abstained


def test_kill_9_during_build_leaves_the_old_index_answering(demo_index: Path, tmp_path: Path) -> None:
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import threading
    import time

    index = tmp_path / "index"
    shutil.copytree(demo_index, index)
    # A bigger corpus, so that the kill lands while chunks are being embedded.
    corpus = tmp_path / "corpus"
    shutil.copytree(demo_corpus_dir(), corpus)
    notice = "Notice {}: the Exampleton ferry timetable changes on day {}."
    records = [json.dumps({"title": f"Notice {i}", "text": notice.format(i, i)}) for i in range(400)]
    (corpus / "notices.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "bot.cli", "index", "build", str(corpus), "--index", str(index)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    seen: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for chunk in iter(lambda: process.stderr.read1(256), b""):  # type: ignore[union-attr]
            seen.append(chunk.decode("utf-8", "replace"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while "embedding" not in "".join(seen) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before it could be killed: " + "".join(seen)[-300:]
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    reader.join(timeout=5)
    result = CliRunner().invoke(main, ["ask", "Who won the Exampleton Marathon?", "--index", str(index)])
    assert result.exit_code == 0, result.stderr
    assert "Tomasz Reyes" in result.stdout
    stats = CliRunner().invoke(main, ["index", "stats", "--index", str(index), "--json"])
    assert json.loads(stats.stdout)["articles"] == 17


def test_build_exports_the_light_query_encoder_and_ask_uses_it(demo_index: Path) -> None:
    # `index build` leaves an ONNX export in the cache; a fresh searcher then encodes without torch, and
    # its answers are the ones sentence-transformers gives (vectors agree at cosine >= 0.999).
    from embeddings.onnx_encoder import OnnxQueryEncoder, onnx_path_for
    from embeddings.search import Searcher

    assert onnx_path_for().is_file()
    with Searcher.open(demo_index) as searcher:
        assert isinstance(searcher.encoder, OnnxQueryEncoder)
        light = [h.chunk.id for h in searcher.search("Who won the Exampleton Marathon?", k=5)]
    from embeddings.encoder import SentenceTransformerEncoder

    with Searcher.open(demo_index, encoder=SentenceTransformerEncoder()) as searcher:
        full = [h.chunk.id for h in searcher.search("Who won the Exampleton Marathon?", k=5)]
    assert light == full


def test_the_model_is_a_setting_the_index_records_and_enforces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another local model folder (here the same weights under another name, linked not copied): the
    # index is built with it, records it, answers with it; asking with another model is refused.
    import os
    import shutil

    from embeddings.encoder import default_model_path

    other = tmp_path / "minilm-copy"
    shutil.copytree(default_model_path(), other, copy_function=os.symlink)
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(demo_corpus_dir() / "2024-04-21-marathon.txt", articles)
    shutil.copy(demo_corpus_dir() / "2024-03-12-tram-line.txt", articles)
    index = tmp_path / "index"
    build = ["index", "build", str(articles), "--index", str(index), "--model", str(other)]
    result = CliRunner().invoke(main, build)
    assert result.exit_code == 0, result.stderr
    stats = json.loads(CliRunner().invoke(main, ["index", "stats", "--index", str(index), "--json"]).stdout)
    assert stats["model"] == "minilm-copy"

    data = ask_json(index, "Who won the Exampleton Marathon?")
    assert "Tomasz Reyes" in data["answer"]

    monkeypatch.setenv("NEWSBOT_MODEL", default_model_path())
    refused = CliRunner().invoke(main, ["ask", "Who won the Exampleton Marathon?", "--index", str(index)])
    assert refused.exit_code == 1
    assert "minilm-copy" in refused.stderr and "all-MiniLM-L6-v2" in refused.stderr
    assert "Traceback" not in refused.stderr
