"""Start a private local Ray cluster for one build, and clean up after a start that failed.

Ray's start-up gives its raylet 30 seconds (a constant in `ray._private.node`) to register with the GCS; on
a loaded two-core machine the raylet sometimes dies or misses that, and `ray.init` raises a bare
`Exception` while the processes it did start (the GCS, the monitors, the raylet's agents) keep running:
Ray forgets them along with the half-made node. So each failed attempt's processes are stopped here, and
the start is tried again, up to `START_ATTEMPTS` times, before the build fails with the raylet's own last
words and the folder of its logs.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from embeddings.errors import IndexError_
from embeddings.processes import child_pids, pids_naming, stop

logger = logging.getLogger(__name__)

START_ATTEMPTS = 3
STOP_GRACE_S = 5.0


class RayStartFailed(IndexError_):
    """The private local Ray cluster did not start; nothing of it is left running."""


def start_local_cluster(ray: Any, **init_args: Any) -> None:
    """`ray.init(**init_args)` for a new local cluster, tried again after a failed start."""
    for attempt in range(1, START_ATTEMPTS + 1):
        children, sessions = child_pids(), _session_dirs()
        try:
            ray.init(**init_args)
            return
        except Exception as exc:  # Ray raises a bare Exception when its node times out at start-up
            session = max(_session_dirs() - sessions, default=None)  # the one this attempt made
            _forget_failed_start(ray)
            # The raylet's own children (its agents) are not ours: they are found by the session folder.
            left = pids_naming(str(session)) if session is not None else set()
            stop(child_pids() - children | left, STOP_GRACE_S)
            if attempt == START_ATTEMPTS:
                raise RayStartFailed(
                    f"Ray's local cluster did not start in {START_ATTEMPTS} attempts ({exc})"
                    + _raylet_last_words(session)
                ) from exc
            logger.warning("Ray's local cluster did not start (%s); starting it again", exc)


def _forget_failed_start(ray: Any) -> None:
    try:  # resets what ray.init set up before the node failed (nothing to stop: the node never came up)
        ray.shutdown()
    except Exception as exc:  # a half-started Ray may fail in any way here; the retry matters more
        logger.debug("ray.shutdown after a failed start: %s", exc)


def _session_dirs() -> set[Path]:
    """This process's Ray session folders (Ray names each after the process id)."""
    try:
        import ray._common.utils as ray_utils  # private: Ray's own default for its temp folder

        root = Path(ray_utils.get_default_ray_temp_dir())
    except (ImportError, AttributeError):
        return set()
    return {folder for folder in root.glob(f"session_*_{os.getpid()}") if folder.is_dir()}


def _raylet_last_words(session: Path | None) -> str:
    """The raylet's error lines from a failed start, and where its logs are, for the error message."""
    if session is None:
        return ""
    logs = session / "logs"
    lines: list[str] = []
    for name in ("raylet.err", "raylet.out", "gcs_server.err"):
        try:
            text = (logs / name).read_text(errors="replace")
        except OSError:
            continue
        wanted = [
            line for line in text.splitlines() if name.endswith(".err") or " E " in line or " C " in line
        ]
        lines += [f"{name}: {line.strip()}" for line in wanted[-3:] if line.strip()]
    said = "; ".join(lines[-4:])
    return f"; {said}; logs in {logs}" if said else f"; logs in {logs}"


def _is_error(line: str) -> bool:
    """Ray's log lines carry their level after the timestamp: E for error, C for fatal."""
    return " E " in line or " C " in line
