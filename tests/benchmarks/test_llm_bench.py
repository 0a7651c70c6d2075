"""The llm benchmark on a small fictional quiz, with the real encoder, against a fake OpenAI-compatible
server on the loopback (it copies the first shown passage's first sentence and cites it, then adds an
uncited sentence and one citing a passage never shown). Not a quality gate: the full run is
`python -m benchmarks llm` against the packaged Gemma."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.llm import broken_after_check, main
from bot.models import Answer, AnswerSentence, Citation
from tests.benchmarks.test_news_bench import write_quiz


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        shown = body["messages"][-1]["content"].splitlines()[0]
        passage = shown.split(": ", 1)[1]
        first = re.split(r"(?<=[.!?])\s", passage)[0]
        reply = f"[1] {first} The moon is made of cheese. [9] Everyone agreed on it."
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def fake_llm() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_run_counts_writes_fallbacks_and_no_broken_citation(tmp_path: Path, fake_llm: str) -> None:
    write_quiz(tmp_path)
    result = CliRunner().invoke(main, ["--eval-dir", str(tmp_path), "--questions", "6", "--url", fake_llm])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "**0 broken `[n]`**" in out
    written = re.search(r"Written answer shown: [\d.]+ \((\d+)\)", out)
    assert written is not None and int(written.group(1)) >= 1, out
    raw = re.search(
        r"Raw replies: (\d+) sentences, (\d+) without a marker, \d+ not held .*?, (\d+) markers", out
    )
    assert raw is not None, out
    sentences, uncited, unknown = (int(g) for g in raw.groups())
    assert sentences >= 3 * int(written.group(1)), out
    assert uncited >= int(written.group(1)) and unknown >= int(written.group(1)), out
    assert "| extractive (no reader), same run |" in out


def test_broken_citations_are_counted_not_assumed() -> None:
    source = Citation(1, "a", "a:0", None, None, None, None, "a.txt", "A fact.")

    def answer(*sentences: AnswerSentence) -> Answer:
        return Answer("q?", sentences, (source,), (), abstained=False)

    assert broken_after_check(answer(AnswerSentence("A fact.", 1))) == 0
    assert broken_after_check(answer(AnswerSentence("A fact.", 1), AnswerSentence("Another.", 2))) == 2
    assert broken_after_check(answer(AnswerSentence("A fact [3].", 1))) == 2, "a marker inside the text"
