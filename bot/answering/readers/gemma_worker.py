"""The reader's child process: `python -m bot.answering.readers.gemma_worker --model PATH` loads Gemma 3 270M
through llama.cpp once, then answers one JSON line on standard input with one JSON line on standard output
until its input closes. bot/answering/readers/gemma.py starts it, so a crash of the native library (a
segfault, an illegal instruction on a CPU it was not built for) ends this process and never the bot.

The protocol, one JSON object a line, UTF-8:

- child, once loaded: `{"ready": true, "load_s": 3.2}`; or `{"error": "..."}` and exit status 1;
- parent: `{"question": "...", "evidence": [{"text": "...", "source": "..."}, ...]}`;
- child: `{"proposal": "..."}`, or `{"error": "..."}` when the model raised (the child stays up).

Not handled here: timeouts, restarts and what a crash means for the answer (the parent's job), several
questions at once (one at a time, in order).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from bot.answering.readers.base import Evidence, build_prompt

logger = logging.getLogger(__name__)


class Engine(Protocol):
    """What the worker runs: loaded once, then asked question after question."""

    def load(self) -> None: ...

    def propose(self, question: str, evidence: Sequence[Evidence]) -> str: ...


class GemmaEngine:
    """Gemma 3 270M through llama-cpp-python, greedy, CPU only. llama.cpp keeps the evaluated prompt, so
    the few-shot examples that open every prompt are evaluated once, not per question. Also run
    in-process by benchmarks/reader.py, to time the model itself."""

    def __init__(self, model_path: Path, threads: int = 1, max_tokens: int = 16, context: int = 2048) -> None:
        self.model_path = model_path
        self.threads = threads
        self.max_tokens = max_tokens
        self.context = context
        self.llm: Any = None

    def load(self) -> None:
        from llama_cpp import Llama

        _route_llama_logs()
        self.llm = Llama(
            model_path=str(self.model_path),
            n_ctx=self.context,
            n_threads=self.threads,
            n_gpu_layers=0,
            seed=0,
            verbose=False,
        )

    def propose(self, question: str, evidence: Sequence[Evidence]) -> str:
        shown = list(evidence)
        prompt = build_prompt(question, shown)
        # Keep room for the reply: drop the lowest-ranked sentences rather than overflow the window.
        while len(shown) > 1 and self._tokens(prompt) > self.context - self.max_tokens:
            shown.pop()
            prompt = build_prompt(question, shown)
        result = self.llm.create_completion(prompt, max_tokens=self.max_tokens, temperature=0.0, stop=["\n"])
        return str(result["choices"][0]["text"])

    def _tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8")))


_llama_log_callback: Any = None


def _route_llama_logs() -> None:
    """Send llama.cpp's messages to this module's logger (debug; errors as warnings) instead of stderr.
    llama-cpp-python 0.3.36 maps ggml's log levels by an older numbering, so a warning (ggml level 3)
    passes its verbose=False filter as an error and a notice about the SWA cache lands on every
    `newsbot ask`. Failures that matter still raise from Llama()."""
    global _llama_log_callback
    if _llama_log_callback is not None:
        return
    import ctypes

    import llama_cpp

    def forward(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        message = text.decode("utf-8", "replace").rstrip()
        if message:
            logger.log(logging.WARNING if level == 4 else logging.DEBUG, "llama.cpp: %s", message)

    # Kept referenced: llama.cpp holds only the C function pointer.
    _llama_log_callback = llama_cpp.llama_log_callback(forward)
    llama_cpp.llama_log_set(_llama_log_callback, ctypes.c_void_p(0))


def protocol_channel() -> IO[str]:
    """The stream replies go to: the real standard output, moved to a descriptor of its own; descriptor 1
    then points at standard error, so whatever a library prints (C code included) cannot corrupt a
    reply line."""
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    return channel


def serve(engine: Engine, requests: IO[str], replies: IO[str]) -> int:
    """Load `engine`, say so, then answer each request line until `requests` closes. The exit status:
    0 after the last request, 1 when the model could not load."""
    started = time.perf_counter()
    try:
        engine.load()
    except Exception as exc:  # any load failure is one line to the parent, whose warning names it
        _send(replies, {"error": f"{type(exc).__name__}: {exc}"})
        return 1
    _send(replies, {"ready": True, "load_s": round(time.perf_counter() - started, 3)})
    for line in requests:
        try:
            request = json.loads(line)
            question = str(request["question"])
            shown = [Evidence(str(e["text"]), str(e.get("source", ""))) for e in request["evidence"]]
        except (ValueError, KeyError, TypeError) as exc:
            _send(replies, {"error": f"bad request: {exc}"})
            continue
        try:
            _send(replies, {"proposal": engine.propose(question, shown)})
        except (RuntimeError, ValueError) as exc:  # what llama-cpp-python raises on a failed decode
            _send(replies, {"error": str(exc)})
    return 0


def _send(replies: IO[str], message: dict[str, Any]) -> None:
    replies.write(json.dumps(message, ensure_ascii=False) + "\n")
    replies.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.answering.readers.gemma_worker", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model", type=Path, required=True, help="the GGUF file")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--context", type=int, default=2048)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="newsbot reader worker: %(levelname)s %(message)s")
    replies = protocol_channel()
    engine = GemmaEngine(args.model, args.threads, args.max_tokens, args.context)
    return serve(engine, sys.stdin, replies)


if __name__ == "__main__":
    sys.exit(main())
