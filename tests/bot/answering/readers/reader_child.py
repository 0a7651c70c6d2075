"""A reader worker for tests: `python -m tests.bot.answering.readers.reader_child REPLIES_JSON` runs
bot/answering/readers/gemma_worker.py's
own `serve` loop and protocol channel, with an engine that answers from a table keyed by question instead
of llama.cpp. A reply that names a misfortune acts it out, for real, in this process:

- "!segfault": dereferences a null pointer (SIGSEGV, as a native library's crash);
- "!sigill": raises SIGILL (an instruction the CPU lacks);
- "!exit": exits with status 3 mid-question;
- "!hang": sleeps for an hour;
- "!garbage": writes a line that is not JSON where the reply belongs;
- "!error": raises RuntimeError, as llama-cpp-python does on a failed decode.

A question missing from the table gets "". With a "!load-crash" key, the engine segfaults while loading.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from typing import IO

from bot.answering.readers.base import Evidence
from bot.answering.readers.gemma_worker import protocol_channel, serve


class ScriptedEngine:
    def __init__(self, replies: dict[str, str], channel: IO[str]) -> None:
        self.replies = replies
        self.channel = channel

    def load(self) -> None:
        if "!load-crash" in self.replies:
            ctypes.string_at(0)

    def propose(self, question: str, evidence: Sequence[Evidence]) -> str:
        reply = self.replies.get(question, "")
        if reply == "!segfault":
            ctypes.string_at(0)
        elif reply == "!sigill":
            os.kill(os.getpid(), signal.SIGILL)
        elif reply == "!exit":
            os._exit(3)
        elif reply == "!hang":
            time.sleep(3600)
        elif reply == "!garbage":
            self.channel.write("Segmentation fault? no: just noise\n")
            self.channel.flush()
            time.sleep(3600)  # the parent must not wait for a proper line after it
        elif reply == "!error":
            raise RuntimeError("llama_decode returned -1")
        return reply


def main() -> int:
    channel = protocol_channel()
    return serve(ScriptedEngine(json.loads(sys.argv[1]), channel), sys.stdin, channel)


if __name__ == "__main__":
    sys.exit(main())
