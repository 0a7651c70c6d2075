"""`newsbot ask` with no question, its standard input a terminal, says what to do instead of waiting
silently for a line."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path


def test_no_question_on_a_terminal_is_one_clear_error(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "ask", "--index", str(tmp_path / "index")],
            stdin=follower,
            capture_output=True,
            text=True,
            timeout=120,  # waiting for a line from the terminal would hang until this
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        )
    finally:
        os.close(follower)
        os.close(leader)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: no question") and "pipe questions" in lines[0]
    assert done.stdout == ""
    assert not (tmp_path / "index").exists()


def test_questions_piped_in_are_still_read(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--index", str(tmp_path / "index")],
        input="\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )
    # not the terminal error: the (missing) index is what stops it
    assert done.returncode == 1 and "no question" not in done.stderr and "index" in done.stderr
