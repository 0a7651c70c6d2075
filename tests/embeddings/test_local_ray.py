"""A private Ray cluster whose start fails is cleaned up and started again (`embeddings.local_ray`).

Ray itself is stood in for: the failure seen in CI (the raylet missing Ray's 30-second start-up wait on a
loaded machine) cannot be caused on purpose. The stand-in fails the way Ray does: it leaves a child
process, a process that is no longer its child but names the session folder, and the session's logs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import embeddings.local_ray
from embeddings.local_ray import RayStartFailed, start_local_cluster
from embeddings.processes import child_pids, is_running

RAYLET_ERROR = "[2026-12-04 19:50:04,978 E 24805 24805] (raylet) main.cc:1: Failed to register with the GCS"


class _FailingRay:
    """Fails `fails` starts, each leaving processes and a session folder behind as Ray does."""

    def __init__(self, temp_root: Path, fails: int) -> None:
        self.temp_root = temp_root
        self.fails = fails
        self.inits: list[dict[str, Any]] = []
        self.shutdowns = 0
        self.left: list[int] = []

    def init(self, **args: Any) -> None:
        self.inits.append(args)
        if len(self.inits) > self.fails:
            return
        session = self.temp_root / f"session_2026-12-04_19-50-0{len(self.inits)}_{os.getpid()}"
        (session / "logs").mkdir(parents=True)
        (session / "logs" / "raylet.out").write_text(f"[…] I (raylet) starting\n{RAYLET_ERROR}\n")
        sleeper = [sys.executable, "-c", "import time; time.sleep(300)", f"--log_dir={session}/logs"]
        child = subprocess.Popen(sleeper)
        # An orphan naming the session, as the raylet's agents are once the raylet has died.
        orphan = subprocess.run(
            ["sh", "-c", " ".join(f"'{part}'" for part in sleeper) + " >/dev/null 2>&1 & echo $!"],
            capture_output=True,
            text=True,
            check=True,
        )
        self.left += [child.pid, int(orphan.stdout)]
        raise Exception("The current node timed out during startup.")  # what Ray raises

    def shutdown(self) -> None:
        self.shutdowns += 1


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import ray._common.utils

    monkeypatch.setattr(ray._common.utils, "get_default_ray_temp_dir", lambda: str(tmp_path))
    return tmp_path


def test_a_failed_start_is_cleaned_up_and_tried_again(temp_root: Path) -> None:
    ray = _FailingRay(temp_root, fails=2)
    start_local_cluster(ray, num_cpus=2, include_dashboard=False)
    assert [args["num_cpus"] for args in ray.inits] == [2, 2, 2]
    assert ray.shutdowns == 2 and len(ray.left) == 4
    assert not [pid for pid in ray.left if is_running(pid)], "a failed start's process was left running"


def test_a_start_that_keeps_failing_says_what_the_raylet_said(temp_root: Path) -> None:
    ray = _FailingRay(temp_root, fails=embeddings.local_ray.START_ATTEMPTS)
    began = time.monotonic()
    with pytest.raises(RayStartFailed) as failed:
        start_local_cluster(ray, num_cpus=2)
    message = str(failed.value)
    assert message.startswith("Ray's local cluster did not start in 3 attempts (The current node timed out")
    assert "Failed to register with the GCS" in message and "I (raylet) starting" not in message
    assert message.endswith(f"logs in {temp_root / f'session_2026-12-04_19-50-03_{os.getpid()}' / 'logs'}")
    assert not [pid for pid in ray.left if is_running(pid)]
    assert time.monotonic() - began < 3 * embeddings.local_ray.STOP_GRACE_S  # SIGTERM sufficed


def test_a_first_start_that_works_is_tried_once(temp_root: Path) -> None:
    ray = _FailingRay(temp_root, fails=0)
    start_local_cluster(ray, num_cpus=4)
    assert len(ray.inits) == 1 and ray.shutdowns == 0 and not list(temp_root.iterdir())


@pytest.mark.distributed
def test_a_real_ray_start_that_times_out_is_cleaned_up_and_the_next_one_works(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With real Ray (about 40 s): the first start's raylet never registers, as in the CI run that failed;
    Ray gives up after its 30 seconds, its processes are stopped, and the second start serves tasks."""
    import logging

    import ray
    import ray._private.services as services

    registered = services.get_node
    stopped: list[int] = []

    def never_the_first_time(*args: Any, **kwargs: Any) -> Any:
        if not stopped:
            raise RuntimeError("the node has not registered")  # what Ray's own wait loop catches
        return registered(*args, **kwargs)

    stop = embeddings.local_ray.stop

    def counting_stop(pids: set[int], grace_s: float) -> None:
        stopped.append(len(pids))
        stop(pids, grace_s)

    monkeypatch.setattr(services, "get_node", never_the_first_time)
    monkeypatch.setattr(embeddings.local_ray, "stop", counting_stop)
    before = child_pids()
    with caplog.at_level(logging.WARNING, logger="embeddings.local_ray"):
        start_local_cluster(
            ray,
            num_cpus=1,
            object_store_memory=80 * 1024 * 1024,
            include_dashboard=False,
            logging_level=logging.ERROR,
            log_to_driver=False,
        )
    try:
        assert stopped and stopped[0] >= 3  # the GCS, the raylet and the monitors of the failed start
        assert "did not start" in caplog.text and "starting it again" in caplog.text

        @ray.remote
        def double(x: int) -> int:
            return 2 * x

        assert ray.get(double.remote(21)) == 42
    finally:
        ray.shutdown()
    deadline = time.monotonic() + 10
    while child_pids() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert child_pids() - before == set()
