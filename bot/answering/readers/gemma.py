"""The reader's model runs in a child process (bot/answering/readers/gemma_worker.py), never in the bot's:
llama.cpp is
native code, and a build that meets a CPU it does not suit dies of a signal (a general protection fault
in libggml-cpu.so on an AVX-512/AMX machine, issue 25) that would take the whole bot with it.

`ChildReader` keeps one worker alive across questions (the model loads once) and gives each question
`timeout_s`. When the worker dies (any signal or exit), hangs past the timeout or replies with something
that is not the protocol, it is stopped, `propose` raises ReaderFailed (so `read` logs one warning and
the answer stays extractive) and the next question starts a fresh worker. After `failures_before_off`
such failures in a row the reader stays off for the life of the process, says so in that one warning,
and proposes nothing from then on. An error the model raised (the worker replies `{"error": ...}`) is a
ReaderFailed too but leaves the worker running: the process is sound.

Not handled: more than one question at a time (a lock serialises them, as llama.cpp needs); a worker that
floods standard error (it shares the bot's).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.answering.readers.base import Evidence, ReaderFailed, gemma_model_path

ANSWER_TIMEOUT_S = 30.0  # per question; p95 was 16.6 s wall at load average 15 (benchmarks/results/reader.md)
LOAD_TIMEOUT_S = 120.0  # the model loads in ~3 s; a cold disk and a busy machine get room
FAILURES_BEFORE_OFF = 3
CLOSE_GRACE_S = 2.0
MAX_REPLY_BYTES = 1 << 20
# The folder that holds the `bot` package: the worker imports the same code as the parent.
_CODE_ROOT = str(Path(__file__).resolve().parents[3])


class _WorkerLost(Exception):
    """The worker cannot go on (died, hung, spoke garbage); the message says how."""


class ChildReader:
    """A Reader whose `propose` is answered by a worker process started with `command` (which must speak
    bot/answering/readers/gemma_worker.py's protocol). One question at a time; `close` stops the worker."""

    def __init__(
        self,
        command: Sequence[str],
        name: str = "child",
        timeout_s: float = ANSWER_TIMEOUT_S,
        load_timeout_s: float = LOAD_TIMEOUT_S,
        failures_before_off: int = FAILURES_BEFORE_OFF,
    ) -> None:
        if timeout_s <= 0 or load_timeout_s <= 0:
            raise ValueError("the reader's timeouts must be positive")
        if failures_before_off < 1:
            raise ValueError("failures_before_off must be at least 1")
        self.name = name
        self.timeout_s = timeout_s
        self.load_timeout_s = load_timeout_s
        self.failures_before_off = failures_before_off
        self.off = False
        self._command = list(command)
        self._failures = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._lock = threading.Lock()
        _open_readers.add(self)

    def command(self) -> list[str]:
        """The worker's argv (a subclass may find its model here: ReaderUnavailable when it cannot)."""
        return list(self._command)

    @property
    def pid(self) -> int | None:
        """The running worker's process id, None when none runs."""
        return self._process.pid if self._process is not None else None

    def load(self) -> float:
        """Start the worker now (otherwise the first question does); the seconds its model took to load.
        ReaderFailed when it could not start."""
        with self._lock:
            if self.off:
                return 0.0
            try:
                return self._start()
            except _WorkerLost as exc:
                self._stop(0.0)
                raise ReaderFailed(self._count_failure(str(exc))) from None

    def propose(self, question: str, evidence: Sequence[Evidence]) -> str:
        with self._lock:
            if self.off:
                return ""  # said once, when it went off: nothing to propose, the answer stays extractive
            shown = [{"text": e.text, "source": e.source} for e in evidence]
            request = {"question": question, "evidence": shown}
            try:
                self._start()
                reply = self._exchange(request)
            except _WorkerLost as exc:
                self._stop(0.0)
                raise ReaderFailed(self._count_failure(str(exc))) from None
            self._failures = 0
            if "error" in reply:
                raise ReaderFailed(str(reply["error"]))
            return str(reply["proposal"])

    def close(self) -> None:
        """Stop the worker: its input closes, so it exits after the question it is on; killed after a
        grace period."""
        with self._lock:
            self._stop(CLOSE_GRACE_S)

    def _count_failure(self, reason: str) -> str:
        self._failures += 1
        if self._failures >= self.failures_before_off:
            self.off = True
            failures = self._failures
            return f"{reason}; {failures} failures in a row, so the reader is off until newsbot restarts"
        return f"{reason}; a new reader process starts with the next question"

    def _start(self) -> float:
        """Make sure a worker runs; the seconds a new one took to load its model (0 when one ran)."""
        if self._process is not None:
            if self._process.poll() is None:
                return 0.0
            raise _WorkerLost(self._how_it_ended())  # it died between questions
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_CODE_ROOT, env.get("PYTHONPATH", "")) if p)
        self._buffer = b""
        command = self.command()
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
                env=env,
                # Its own session: a Ctrl-C at the terminal is the parent's to handle, and the parent stops
                # it.
                start_new_session=True,
            )
        except OSError as exc:
            raise _WorkerLost(f"could not start the reader process: {exc}") from None
        started = time.perf_counter()
        reply = self._reply(self.load_timeout_s)
        if reply.get("ready") is not True:
            raise _WorkerLost(f"the reader process could not load its model: {reply.get('error', reply)}")
        return time.perf_counter() - started

    def _exchange(self, request: dict[str, Any]) -> dict[str, Any]:
        process = self._process
        assert process is not None and process.stdin is not None  # _start made one
        try:
            process.stdin.write((json.dumps(request, ensure_ascii=False) + "\n").encode("utf-8"))
            process.stdin.flush()
        except OSError:  # a broken pipe: it died
            raise _WorkerLost(self._how_it_ended()) from None
        reply = self._reply(self.timeout_s)
        if not isinstance(reply.get("proposal", reply.get("error")), str):
            raise _WorkerLost(f"the reader process replied out of protocol: {str(reply)[:80]!r}")
        return reply

    def _reply(self, timeout_s: float) -> dict[str, Any]:
        """The worker's next line as a JSON object, within `timeout_s`."""
        process = self._process
        assert process is not None and process.stdout is not None
        fd = process.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _WorkerLost(f"the reader process gave no reply within {timeout_s:g} s")
            if not select.select([fd], [], [], remaining)[0]:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise _WorkerLost(self._how_it_ended())
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                raise _WorkerLost("the reader process replied out of protocol: a line over 1 MB")
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            reply = json.loads(line.decode("utf-8"))
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise _WorkerLost(f"the reader process replied out of protocol: {line[:80]!r}")
        return reply

    def _how_it_ended(self) -> str:
        process = self._process
        assert process is not None
        try:
            code = process.wait(timeout=CLOSE_GRACE_S)
        except subprocess.TimeoutExpired:
            return "the reader process closed its output"
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"the reader process died of {signal.Signals(-code).name}"
            return f"the reader process died of signal {-code}"
        return f"the reader process exited with status {code}"

    def _stop(self, grace_s: float) -> None:
        """End the worker (closing its input first, then killing it after `grace_s`) and reap it."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(timeout=grace_s) if grace_s > 0 else process.kill()
        except subprocess.TimeoutExpired:
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=CLOSE_GRACE_S)
        if process.stdout is not None:
            process.stdout.close()


class GemmaReader(ChildReader):
    """Gemma 3 270M through llama.cpp (bot/answering/readers/gemma_worker.py's GemmaEngine) in a worker
    process, greedy,
    CPU only. The model file is found (assembled once, ReaderUnavailable without its package) when the
    worker starts: at `load`, else at the first question."""

    def __init__(
        self,
        model_path: Path | None = None,
        threads: int | None = None,
        max_tokens: int = 16,
        context: int = 2048,
        timeout_s: float = ANSWER_TIMEOUT_S,
    ) -> None:
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        if context < 512:
            raise ValueError("context must be at least 512 tokens: the few-shot examples need about 300")
        super().__init__([], name="gemma", timeout_s=timeout_s)
        self._model_path = model_path
        # One thread by default: llama.cpp's OpenMP threads spin at every barrier, and on a busy machine
        # (the bot shares it with the encoder and other jobs) two threads generated at 0.5 tokens/s where
        # one gave 12 (benchmarks/results/reader.md).
        self.threads = threads or 1
        self.max_tokens = max_tokens
        self.context = context

    def command(self) -> list[str]:
        path = self._model_path or gemma_model_path()
        return [
            sys.executable,
            "-m",
            "bot.answering.readers.gemma_worker",
            "--model",
            str(path),
            "--threads",
            str(self.threads),
            "--max-tokens",
            str(self.max_tokens),
            "--context",
            str(self.context),
        ]


# Readers not closed by their owner still stop their worker when the interpreter exits.
_open_readers: weakref.WeakSet[ChildReader] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for reader in list(_open_readers):
        reader.close()
