"""`newsbot telegram` that cannot reach the Bot API, run as a process of its own over a real index: one
`Error:` line on standard error (no FAISS loader chatter, no tracebacks), and never the token."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import SentenceTransformerEncoder
from embeddings.onnx_encoder import ensure_onnx_model

REPO = Path(__file__).resolve().parents[3]
TOKEN = "424242:TEST-unreachable_secret-part"


def test_an_unreachable_api_is_one_line(tmp_path: Path, real_encoder: SentenceTransformerEncoder) -> None:
    article = Article(
        id="ferry",
        source="ferry.txt",
        title="Ferry resumes",
        published=datetime(2024, 2, 1),
        text="The fictional Exampleton ferry resumed its crossings on Tuesday after the storm.",
    )
    build_index_from_articles([article], tmp_path / "index", real_encoder)
    ensure_onnx_model(reference=real_encoder)  # as a build leaves it: no fallback note in the log either
    with socket.socket() as probe:  # a port nothing listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "NEWSBOT_INDEX": str(tmp_path / "index"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "telegram"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"Error: cannot reach the Telegram Bot API at http://127.0.0.1:{port}/bot")
    assert done.stdout == ""
    assert TOKEN not in done.stderr and TOKEN.split(":")[1] not in done.stderr
