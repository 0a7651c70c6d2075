"""This machine's processes, read from /proc (Linux): a process's children, the processes whose command
line names something, whether one is still running, its CPU time, and stopping a set of them.
`embeddings.local_ray` cleans up after a failed Ray start with it; the tests check with it that nothing
was left running; benchmarks/reader.py reads the reader worker's CPU time with it."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def _state_and_parent(pid: int | str) -> tuple[str, int] | None:
    """A process's state letter ("R", "S", "Z" …) and parent pid; None once it has ended."""
    try:
        state, parent = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[:2]
        return state, int(parent)
    except (OSError, IndexError, ValueError):  # a process that ended meanwhile
        return None


def child_pids() -> set[int]:
    """This process's live children (zombies left out)."""
    me = os.getpid()
    found = set()
    for folder in Path("/proc").glob("[0-9]*"):
        read = _state_and_parent(folder.name)
        if read is not None and read[1] == me and read[0] != "Z":
            found.add(int(folder.name))
    return found


def pids_naming(fragment: str) -> set[int]:
    """Other processes whose command line holds `fragment` (a session folder, say)."""
    wanted = fragment.encode()
    found = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if wanted in cmdline.read_bytes():
                found.add(int(cmdline.parent.name))
        except (OSError, ValueError):
            continue
    found.discard(os.getpid())
    return found


def is_running(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie has)."""
    read = _state_and_parent(pid)
    return read is not None and read[0] != "Z"


def stop(pids: set[int], grace_s: float) -> None:
    """SIGTERM, then SIGKILL what is still there after `grace_s`; this process's children are reaped."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ChildProcessError):  # not our child, or reaped already
                    os.waitpid(pid, os.WNOHANG)
            pids = {pid for pid in pids if is_running(pid)}
            if not pids:
                return
            time.sleep(0.1)


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system, all threads) process `pid` has used so far; None once it has ended.
    Counted by the kernel in clock ticks (10 ms on most Linux systems)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None
