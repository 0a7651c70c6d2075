"""Scale: which FAISS index kind at which corpus size, beside exact search measured in the same run.

For each size (100k, 1M, 10M 384-d vectors by default) and each kind of `embeddings.ann` it reports
recall@10 against exact search, p50/p95 latency of one query at a time (as the bot searches), build time,
and bytes per vector on disk (`faiss.write_index`) and in RAM (growth of a fresh process's resident set
when it loads that file). The search knobs (HNSW efSearch, IVF nprobe, refine k_factor, re-scored
candidates) are swept, so the recall/latency curve behind `embeddings.ann`'s defaults is in the output.

IVF-PQ is measured two ways from one build, so both use the same trained codes: ``ivfpq+sq8``, the
baseline (IVF-PQ with 8-bit refine copies, as shipped before), and ``ivfpq``, as shipped now: the same
IVF-PQ without the copies, searched for a wide candidate set that `embeddings.ann.rescore_top` re-scores
exactly from the float vectors in a memory-mapped .npy file (as `Searcher.dense_search` does). Its RAM
is the index alone; the vector file is reported apart (RAM when the OS caches it, disk reads when not),
with latency warm (each query's rows read once before it is timed) and cold (the file dropped from the
page cache with `posix_fadvise(DONTNEED)` before every query; kB read from disk per query shown). Where
the exact index is skipped, exact search is timed on a few queries as a blocked scan of that file.

Data. Uniform random unit vectors are the worst case for approximate search (no structure to exploit)
and look nothing like text embeddings. The default (`--data minilm`) starts from real all-MiniLM-L6-v2
embeddings of real text (the WCXB articles' gold main content cut into ~150-word chunks, plus the SQuAD
paragraphs, from `--eval-dir`), and expands them into a Gaussian mixture: each synthetic vector is a real
embedding (an "anchor") plus Gaussian noise whose covariance is that of the real embeddings (so the noise
lies along the directions real text varies in), renormalised. The noise scale is calibrated so that,
at the anchors' own count, a synthetic set has the same mean cosine to its 10 nearest neighbours as the
real embeddings have among themselves. Queries are drawn from the same mixture with another seed: never
from the base set. `--data gmm` replaces the real anchors by a synthetic low-rank mixture (no model
needed: the tests use it).

Memory. Vectors are generated batch by batch from a seeded stream, added to every index under test and
appended to the vector file (ordinary writes, so they stay reclaimable page cache), and the exact top-10
of every query is kept as a running merge over batches: at 10M the raw vectors (15 GB as float32) are
never held at once. The exact-flat row is skipped above `--flat-max` (10M floats
do not fit beside everything else in 24 GiB); HNSW above `--hnsw-max` (the floats plus the graph).

Threads: builds use `--threads` (2); searches are timed with one OpenMP thread, since faiss gives one
query to one thread anyway and idle OpenMP workers only add spin time to a single query (the flat
baseline is timed with both, to show it).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click
import numpy as np
import numpy.typing as npt

from embeddings import ann

F32 = npt.NDArray[np.float32]
DIM = 384
K = 10
# The IVF-PQ configuration shipped before exact re-scoring: the same-run baseline.
BASELINE_NPROBE = 16
BASELINE_K_FACTOR = 16.0
REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"


# ----------------------------------------------------------------------------------------------- data


def _normalise(x: F32) -> F32:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


def anchor_texts(eval_dir: Path, words_per_chunk: int = 150) -> list[str]:
    """Real text to embed: WCXB gold article bodies in ~150-word chunks, and SQuAD paragraphs."""
    texts: list[str] = []
    gold = eval_dir / "wcxb-dev-articles" / "gold"
    for path in sorted(gold.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        truth = record.get("ground_truth") or {}
        if isinstance(truth, str):  # some records carry a Python repr; their text is then skipped
            continue
        words = str(truth.get("main_content") or "").split()
        for start in range(0, len(words), words_per_chunk):
            piece = words[start : start + words_per_chunk]
            if len(piece) >= 30:
                texts.append(" ".join(piece))
    squad = eval_dir / "squad2-dev-half" / "dev-v2.0.json"
    if squad.exists():
        for article in json.loads(squad.read_text(encoding="utf-8"))["data"]:
            texts.extend(p["context"] for p in article["paragraphs"])
    return texts


def minilm_anchors(eval_dir: Path, cache_dir: Path) -> F32:
    """all-MiniLM-L6-v2 embeddings of `anchor_texts`, cached (encoding takes a minute or two)."""
    texts = anchor_texts(eval_dir)
    if len(texts) < 1000:
        raise click.ClickException(f"too little text under {eval_dir} for --data minilm; use --data gmm")
    cache = cache_dir / f"anchors-minilm-{len(texts)}.npy"
    if cache.exists():
        return np.load(cache)
    from embeddings.encoder import SentenceTransformerEncoder

    vectors = SentenceTransformerEncoder().encode_passages(texts, batch_size=64)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def gmm_anchors(n: int = 4096, dim: int = DIM, rank: int = 64, seed: int = 7) -> F32:
    """Synthetic anchors with a decaying spectrum (text embeddings have a low effective rank)."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((rank, dim)).astype(np.float32)
    weights = (1.0 / np.sqrt(np.arange(1, rank + 1))).astype(np.float32)
    mean = rng.standard_normal(dim).astype(np.float32) * 0.5
    coords = rng.standard_normal((n, rank)).astype(np.float32) * weights
    noise = rng.standard_normal((n, dim)).astype(np.float32) * 0.05
    return _normalise(mean + coords @ basis / math.sqrt(rank) * 2.0 + noise)


def mean_top_cosine(vectors: F32, k: int = K) -> float:
    """Mean cosine of each vector to its k nearest others (itself left out)."""
    import faiss

    sims, _ = faiss.knn(vectors, vectors, k + 1, faiss.METRIC_INNER_PRODUCT)
    return float(sims[:, 1:].mean())


@dataclass
class Mixture:
    """Anchors plus covariance-shaped noise: a seeded, batch-addressable stream of unit vectors."""

    anchors: F32
    noise_scale: float
    seed: int = 0
    _factor: F32 = field(init=False, repr=False)

    def __post_init__(self) -> None:
        cov = np.cov(self.anchors.astype(np.float64), rowvar=False)
        values, vectors = np.linalg.eigh(cov)
        # x = z @ factor has covariance `cov` when z is standard normal.
        self._factor = (vectors * np.sqrt(np.clip(values, 0, None))).T.astype(np.float32)

    @property
    def dim(self) -> int:
        return int(self.anchors.shape[1])

    def sample(self, n: int, stream: int, block: int = 0) -> F32:
        """`n` vectors of stream `stream` (0 base, 1 queries, 2 training), block `block`: reproducible."""
        rng = np.random.default_rng([self.seed, stream, block])
        which = rng.integers(0, len(self.anchors), size=n)
        noise = rng.standard_normal((n, self.dim), dtype=np.float32) @ self._factor
        return _normalise(self.anchors[which] + np.float32(self.noise_scale) * noise)


def calibrate(anchors: F32, seed: int = 0, steps: int = 12) -> tuple[float, float, float]:
    """The noise scale at which synthetic data has the real anchors' mean top-10 neighbour cosine.

    Returns (scale, real figure, synthetic figure at that scale)."""
    target = mean_top_cosine(anchors)
    low, high = 0.0, 4.0
    got = 1.0
    for _ in range(steps):
        middle = (low + high) / 2
        got = mean_top_cosine(Mixture(anchors, middle, seed).sample(len(anchors), stream=3))
        if got > target:
            low = middle  # too tight: more noise
        else:
            high = middle
    scale = (low + high) / 2
    return scale, target, got


# -------------------------------------------------------------------------------------------- measure


@dataclass
class Row:
    n: int
    kind: str
    knobs: str
    recall10: float
    p50_ms: float
    p95_ms: float
    build_s: float | None = None
    disk_bytes_per_vector: float | None = None
    ram_bytes_per_vector: float | None = None
    file_bytes_per_vector: float | None = None  # the float vector file re-scoring reads (page cache)
    threads: int = 1
    default: bool = False
    note: str = ""


def recall_at_k(found: npt.NDArray[np.int64], truth: npt.NDArray[np.int64], k: int = K) -> float:
    hits = sum(len(set(f[:k].tolist()) & set(t[:k].tolist())) for f, t in zip(found, truth, strict=True))
    return hits / (k * len(truth))


def merge_topk(
    best: tuple[F32, npt.NDArray[np.int64]] | None, sims: F32, ids: npt.NDArray[np.int64], k: int = K
) -> tuple[F32, npt.NDArray[np.int64]]:
    """Running exact top-k over batches: the k largest of the previous best and this batch's."""
    if best is not None:
        sims = np.concatenate([best[0], sims], axis=1)
        ids = np.concatenate([best[1], ids], axis=1)
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(ids, order, axis=1)


def time_single_queries(index: Any, queries: F32, k: int = K) -> tuple[npt.NDArray[np.int64], float, float]:
    """Search one query at a time, as the bot does: (ids found, p50 ms, p95 ms)."""
    for q in queries[: min(20, len(queries))]:  # warm caches and lazily built tables
        index.search(q[None, :], k)
    found = np.empty((len(queries), k), dtype=np.int64)
    times = np.empty(len(queries))
    for i, q in enumerate(queries):
        start = time.perf_counter()
        _, labels = index.search(q[None, :], k)
        times[i] = time.perf_counter() - start
        found[i] = labels[0]
    return found, float(np.percentile(times, 50) * 1000), float(np.percentile(times, 95) * 1000)


def rescored_search(
    index: Any, vectors: F32, query: F32, candidates: int, k: int = K
) -> npt.NDArray[np.int64]:
    """What `Searcher.dense_search` does with an IVF-PQ index (row ids here are rows of the file)."""
    _, labels = index.search(query[None, :], max(k, candidates))
    rows, _ = ann.rescore_top(vectors, labels[0][labels[0] >= 0], query, k)
    return rows


def _disk_read_bytes() -> int:
    """Bytes this process has caused to be read from storage (page faults on a memory map included)."""
    with open("/proc/self/io", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("read_bytes:"):
                return int(line.split()[1])
    return 0


def time_rescored(
    index: Any, vectors_path: Path, queries: F32, candidates: int, cold: bool, k: int = K
) -> tuple[npt.NDArray[np.int64], float, float, float]:
    """Re-scored search one query at a time: (ids found, p50 ms, p95 ms, kB read from disk a query).

    Warm: every query runs once untimed first, so its rows are cached. Cold: before each query the
    file leaves the page cache and is mapped afresh (pages a live mapping holds are not dropped)."""
    found = np.empty((len(queries), k), dtype=np.int64)
    times = np.empty(len(queries))
    read = 0
    fd = os.open(vectors_path, os.O_RDONLY)
    try:
        vectors = np.load(vectors_path, mmap_mode="r")
        if not cold:
            for q in queries:
                rescored_search(index, vectors, q, candidates, k)
        for i, q in enumerate(queries):
            if cold:
                del vectors
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                vectors = np.load(vectors_path, mmap_mode="r")
            before = _disk_read_bytes()
            start = time.perf_counter()
            rows = rescored_search(index, vectors, q, candidates, k)
            times[i] = time.perf_counter() - start
            read += _disk_read_bytes() - before
            found[i, :] = -1
            found[i, : len(rows)] = rows
        del vectors
    finally:
        os.close(fd)
    p50, p95 = np.percentile(times, [50, 95]) * 1000
    return found, float(p50), float(p95), read / len(queries) / 1024


def time_exact_scan(
    vectors_path: Path, queries: F32, block: int = 500_000, k: int = K
) -> tuple[npt.NDArray[np.int64], float, float]:
    """Exact search as a blocked scan of the vector file, one query at a time: (ids, p50 ms, p95 ms)."""
    import faiss

    vectors = np.load(vectors_path, mmap_mode="r")
    times = np.empty(len(queries))
    found = np.empty((len(queries), k), dtype=np.int64)
    for i, q in enumerate(queries):
        start = time.perf_counter()
        best: tuple[F32, npt.NDArray[np.int64]] | None = None
        for first in range(0, len(vectors), block):
            sims, local = faiss.knn(
                q[None, :], np.asarray(vectors[first : first + block]), k, faiss.METRIC_INNER_PRODUCT
            )
            best = merge_topk(best, sims, local.astype(np.int64) + first, k)
        times[i] = time.perf_counter() - start
        assert best is not None
        found[i] = best[1][0]
    p50, p95 = np.percentile(times, [50, 95]) * 1000
    return found, float(p50), float(p95)


def write_npy_header(handle: Any, n: int, dim: int) -> None:
    """The header of an (n, dim) float32 .npy file, whose rows the caller then appends."""
    header = {
        "descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
        "fortran_order": False,
        "shape": (n, dim),
    }
    np.lib.format.write_array_header_1_0(handle, header)


_RSS_PROBE = (
    "import os, sys, faiss\n"
    "def rss():\n"
    "    return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE')\n"
    "before = rss()\n"
    "index = faiss.read_index(sys.argv[1])\n"
    "print(rss() - before)\n"
)


def disk_and_ram(index: Any, path: Path) -> tuple[int, int]:
    """Bytes of the index on disk, and the resident memory a fresh process gains by loading it."""
    import faiss

    faiss.write_index(index, str(path))
    disk = path.stat().st_size
    out = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, str(path)], check=True, capture_output=True, text=True
    )
    return disk, int(out.stdout.strip().splitlines()[-1])


def parse_count(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise click.BadParameter(f"not a count: {text!r} (e.g. 100k, 1M, 2500)")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


def parse_list(text: str, kind: type = int) -> list[Any]:
    return [kind(part) for part in text.split(",") if part.strip()]


@dataclass
class Settings:
    kinds: list[str]
    queries: int
    batch: int
    threads: int
    flat_max: int
    hnsw_max: int
    ef_search: list[int]
    nprobe: list[int]
    k_factor: list[float]
    flat_queries: int
    out_dir: Path
    keep: bool = False
    candidates: list[int] = field(default_factory=lambda: [ann.RESCORE_CANDIDATES])
    exact_queries: int = 5  # exact search timed as a scan of the vector file where flat is skipped
    cold_queries: int = 50  # a cold query reads from disk: fewer of them
    cold: bool = True  # also time the shipped IVF-PQ knobs with the vector file out of the page cache


def _batches(n: int, batch: int) -> Iterator[tuple[int, int]]:
    for block, start in enumerate(range(0, n, batch)):
        yield block, min(batch, n - start)


def run_size(n: int, data: Mixture, settings: Settings, log: Any = print) -> list[Row]:
    """Build every kind that fits at size `n` from one stream of batches, then time and score them."""
    import faiss

    faiss.omp_set_num_threads(settings.threads)
    queries = data.sample(settings.queries, stream=1)
    kinds = [k for k in settings.kinds if k in ann.KINDS]
    skipped: list[Row] = []
    flat_skipped = "flat" in kinds and n > settings.flat_max
    if flat_skipped:
        kinds.remove("flat")
        gb = n * data.dim * 4 / 1e9
        skipped.append(
            Row(n, "flat", "-", math.nan, math.nan, math.nan, note=f"skipped: {gb:.0f} GB of floats")
        )
    if "hnsw" in kinds and n > settings.hnsw_max:
        kinds.remove("hnsw")
        skipped.append(
            Row(n, "hnsw", "-", math.nan, math.nan, math.nan, note="skipped: floats + graph exceed RAM")
        )

    indexes: dict[str, Any] = {}
    build_s: dict[str, float] = {}
    for kind in kinds:
        start = time.perf_counter()
        train = None
        if kind == "ivfpq":
            nlist = ann.ivf_nlist(n)
            size = min(max(ann.IVF_MIN_TRAIN, ann.IVF_TRAIN_PER_LIST * nlist), ann.IVF_MAX_TRAIN, n)
            train = data.sample(max(size, ann.IVF_MIN_TRAIN), stream=2)
        # IVF-PQ is built once with the baseline's 8-bit copies; the shipped index is the same IVF-PQ
        # without them (`ivfpq_rows`), so baseline and shipped rank with the same trained codes.
        indexes[kind] = ann.new_vector_index(kind, data.dim, n, train, refine=kind == "ivfpq")
        build_s[kind] = time.perf_counter() - start
        if train is not None:
            log(f"  {n:>10,} {kind}: trained in {build_s[kind]:.1f}s on {len(train):,} vectors")

    settings.out_dir.mkdir(parents=True, exist_ok=True)
    vectors_path = settings.out_dir / f"vectors-{n}.npy"
    vector_file = None
    if "ivfpq" in kinds or (flat_skipped and settings.exact_queries > 0):
        vector_file = open(vectors_path, "wb")  # noqa: SIM115 (closed after the loop, or on error below)
        write_npy_header(vector_file, n, data.dim)
    truth: tuple[F32, npt.NDArray[np.int64]] | None = None
    offset = 0
    gen_s = 0.0
    for block, size in _batches(n, settings.batch):
        start = time.perf_counter()
        vectors = data.sample(size, stream=0, block=block)
        ids = np.arange(offset, offset + size, dtype=np.int64)
        if vector_file is not None:
            vector_file.write(vectors.tobytes())
        gen_s += time.perf_counter() - start
        sims, local = faiss.knn(queries, vectors, min(K, size), faiss.METRIC_INNER_PRODUCT)
        truth = merge_topk(truth, sims, local.astype(np.int64) + offset)
        for name, index in indexes.items():
            start = time.perf_counter()
            index.add_with_ids(vectors, ids)
            build_s[name] += time.perf_counter() - start
        offset += size
        if block % 10 == 9:
            log(f"  {n:>10,}: added {offset:,} vectors")
    if vector_file is not None:
        vector_file.close()
    assert truth is not None
    exact = truth[1]
    if settings.keep:  # with the kept index and vector file, enough to measure again without a rebuild
        np.save(settings.out_dir / f"truth-{n}.npy", exact)
    log(
        f"  {n:>10,}: generated in {gen_s:.1f}s; building {', '.join(kinds)}: "
        + ", ".join(f"{k} {s:.1f}s" for k, s in build_s.items())
    )

    rows: list[Row] = []
    if flat_skipped and vector_file is not None:
        faiss.omp_set_num_threads(1)
        qs = queries[: settings.exact_queries]
        found, p50, p95 = time_exact_scan(vectors_path, qs)
        rows.append(
            Row(
                n,
                "exact",
                "blocked scan of the vector file",
                recall_at_k(found, exact[: len(qs)]),
                p50,
                p95,
                file_bytes_per_vector=vectors_path.stat().st_size / n,
                note=f"baseline, {len(qs)} queries",
            )
        )
        log(f"  {n:>10,} exact scan of the vector file: p50 {p50:,.0f} ms ({len(qs)} queries)")
        faiss.omp_set_num_threads(settings.threads)
    for label_kind, index in indexes.items():
        if label_kind == "ivfpq":
            rows.extend(
                ivfpq_rows(n, index, vectors_path, queries, exact, build_s[label_kind], settings, log)
            )
            continue
        path = settings.out_dir / f"{label_kind}-{n}.faiss"
        disk, ram = disk_and_ram(index, path)
        if not settings.keep:
            path.unlink()
        faiss.omp_set_num_threads(1)
        sweep: list[tuple[str, ann.SearchKnobs, bool]]
        if label_kind == "flat":
            sweep = [("exact", ann.SearchKnobs(), True)]
        else:
            sweep = [
                (f"efSearch={ef}", ann.SearchKnobs(ef_search=ef), ef == ann.HNSW_EF_SEARCH)
                for ef in settings.ef_search
            ]
        first = True
        for label, knobs, default in sweep:
            ann.configure_for_search(index, knobs)
            qs = queries[: settings.flat_queries] if label_kind == "flat" else queries
            found, p50, p95 = time_single_queries(index, qs)
            row = Row(
                n,
                label_kind,
                label,
                recall_at_k(found, exact[: len(qs)]),
                p50,
                p95,
                threads=1,
                default=default,
            )
            if first:
                row.build_s = build_s[label_kind]
                row.disk_bytes_per_vector = disk / n
                row.ram_bytes_per_vector = ram / n
                first = False
            rows.append(row)
            log(
                f"  {n:>10,} {label_kind:>5} {label:<24} recall@10 {row.recall10:.3f}  p50 {p50:7.2f} ms  "
                f"p95 {p95:7.2f} ms"
            )
        if label_kind == "flat" and settings.threads > 1:
            faiss.omp_set_num_threads(settings.threads)
            found, p50, p95 = time_single_queries(index, queries[: settings.flat_queries])
            rows.append(
                Row(
                    n,
                    label_kind,
                    "exact",
                    recall_at_k(found, exact[: len(found)]),
                    p50,
                    p95,
                    threads=settings.threads,
                )
            )
            log(f"  {n:>10,} {label_kind:>5} exact, {settings.threads} threads       p50 {p50:7.2f} ms")
        faiss.omp_set_num_threads(settings.threads)
    del indexes
    if vector_file is not None and not settings.keep:
        vectors_path.unlink()
    return rows + skipped


def ivfpq_rows(
    n: int,
    refined: Any,
    vectors_path: Path,
    queries: F32,
    exact: npt.NDArray[np.int64],
    build_s: float,
    settings: Settings,
    log: Any,
) -> list[Row]:
    """The baseline (`refined`: IVF-PQ with 8-bit copies) and the shipped path (its IVF-PQ alone, wide
    candidates re-scored from the vector file), each swept over its knobs."""
    import faiss

    wrapper: Any = faiss.downcast_index(refined)
    refine: Any = faiss.downcast_index(wrapper.index)
    base = faiss.downcast_index(refine.base_index)
    sizes: dict[str, tuple[float, float]] = {}
    for label, index in (("ivfpq+sq8", refined), ("ivfpq", base)):
        path = settings.out_dir / f"{label}-{n}.faiss"
        disk, ram = disk_and_ram(index, path)
        if not settings.keep:
            path.unlink()
        sizes[label] = (disk / n, ram / n)
    file_bytes = vectors_path.stat().st_size / n
    faiss.omp_set_num_threads(1)
    rows: list[Row] = []

    def add(row: Row, label: str, sized: bool) -> None:
        if sized:
            row.build_s = build_s
            row.disk_bytes_per_vector, row.ram_bytes_per_vector = sizes[label]
            if label == "ivfpq":
                row.file_bytes_per_vector = file_bytes
        rows.append(row)
        log(
            f"  {n:>10,} {label:>9} {row.knobs:<26} recall@10 {row.recall10:.3f}  p50 {row.p50_ms:7.2f} ms  "
            f"p95 {row.p95_ms:7.2f} ms  {row.note}"
        )

    baseline = sorted(
        {(BASELINE_NPROBE, BASELINE_K_FACTOR)}
        | {(p, kf) for p in settings.nprobe for kf in settings.k_factor}
    )
    for i, (nprobe, k_factor) in enumerate(baseline):
        ann.configure_for_search(refined, ann.SearchKnobs(nprobe=nprobe, k_factor=k_factor))
        found, p50, p95 = time_single_queries(refined, queries)
        shipped_before = nprobe == BASELINE_NPROBE and k_factor == BASELINE_K_FACTOR
        row = Row(
            n,
            "ivfpq+sq8",
            f"nprobe={nprobe} k_factor={k_factor:g}",
            recall_at_k(found, exact),
            p50,
            p95,
            default=shipped_before,
            note="baseline (shipped before)" if shipped_before else "",
        )
        add(row, "ivfpq+sq8", i == 0)

    shipped = (ann.IVF_NPROBE, ann.RESCORE_CANDIDATES)
    sweep = sorted({shipped} | {(p, c) for p in settings.nprobe for c in settings.candidates})
    for i, (nprobe, candidates) in enumerate(sweep):
        ann.configure_for_search(base, ann.SearchKnobs(nprobe=nprobe))
        found, p50, p95, _ = time_rescored(base, vectors_path, queries, candidates, cold=False)
        row = Row(
            n,
            "ivfpq",
            f"nprobe={nprobe} candidates={candidates}",
            recall_at_k(found, exact),
            p50,
            p95,
            default=(nprobe, candidates) == shipped,
            note="re-scored, warm cache",
        )
        add(row, "ivfpq", i == 0)
    if settings.cold:
        # Disk reads grow with the candidates, not with nprobe (the lists are in RAM): the shipped nprobe
        # with each candidate count.
        ann.configure_for_search(base, ann.SearchKnobs(nprobe=shipped[0]))
        cold = queries[: settings.cold_queries]
        for candidates in sorted({shipped[1], *settings.candidates}):
            found, p50, p95, read_kb = time_rescored(base, vectors_path, cold, candidates, cold=True)
            row = Row(
                n,
                "ivfpq",
                f"nprobe={shipped[0]} candidates={candidates}",
                recall_at_k(found, exact[: len(cold)]),
                p50,
                p95,
                default=candidates == shipped[1],
                note=f"re-scored, cold cache: {read_kb:,.0f} kB read a query, {len(cold)} queries",
            )
            add(row, "ivfpq", False)
    faiss.omp_set_num_threads(settings.threads)
    return rows


def render_markdown(rows: list[Row]) -> str:
    head = (
        "| vectors | kind | search knobs | recall@10 | p50 ms | p95 ms | threads | build s | "
        "disk B/vec | RAM B/vec | vector file B/vec | note |\n"
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    )
    lines = [head]

    def num(value: float | None, fmt: str) -> str:
        return "" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, fmt)

    for r in rows:
        knobs = f"**{r.knobs}**" if r.default else r.knobs
        lines.append(
            f"| {r.n:,} | {r.kind} | {knobs} | {num(r.recall10, '.3f')} | {num(r.p50_ms, '.2f')} | "
            f"{num(r.p95_ms, '.2f')} | {r.threads} | {num(r.build_s, '.1f')} | "
            f"{num(r.disk_bytes_per_vector, ',.0f')} | {num(r.ram_bytes_per_vector, ',.0f')} | "
            f"{num(r.file_bytes_per_vector, ',.0f')} | {r.note} |"
        )
    return "\n".join(lines)


@click.command()
@click.option("--sizes", default="100k,1M,10M", show_default=True, help="Corpus sizes, e.g. 100k,1M,10M.")
@click.option("--kinds", default="flat,hnsw,ivfpq", show_default=True)
@click.option(
    "--data",
    "data_kind",
    type=click.Choice(["minilm", "gmm"]),
    default="minilm",
    show_default=True,
    help="Anchors: real MiniLM embeddings of --eval-dir text, or a synthetic mixture.",
)
@click.option("--eval-dir", type=click.Path(path_type=Path), default=DEFAULT_EVAL_DIR, show_default=True)
@click.option(
    "--queries", default=1000, show_default=True, help="Queries per size (ground truth by exact search)."
)
@click.option("--flat-queries", default=300, show_default=True, help="Queries timed on the exact baseline.")
@click.option("--batch", default=200_000, show_default=True, help="Vectors generated and added at a time.")
@click.option("--threads", default=2, show_default=True, help="OpenMP threads for building.")
@click.option("--flat-max", default="2M", show_default=True, help="Skip the exact index above this size.")
@click.option("--hnsw-max", default="4M", show_default=True, help="Skip HNSW above this size.")
@click.option("--ef-search", default="16,32,64,128", show_default=True)
@click.option("--nprobe", default="8,16,32,64", show_default=True)
@click.option("--k-factor", default="1,4,8", show_default=True, help="IVF-PQ baseline's 8-bit re-ranking.")
@click.option(
    "--candidates",
    default="250,500,1000,2000",
    show_default=True,
    help="IVF-PQ candidates re-scored exactly from the vector file (the shipped path).",
)
@click.option(
    "--exact-queries", default=5, show_default=True, help="Queries for the exact scan above --flat-max."
)
@click.option(
    "--cold/--no-cold", default=True, show_default=True, help="Time re-scoring with a cold cache too."
)
@click.option("--cold-queries", default=50, show_default=True, help="Queries timed with a cold cache.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=REPO / "bench-out" / "scale",
    show_default=True,
    help="Scratch for index files and the anchor cache; results JSON goes here.",
)
@click.option("--keep", is_flag=True, help="Keep the index files.")
@click.option("--seed", default=0, show_default=True)
def main(
    sizes: str,
    kinds: str,
    data_kind: str,
    eval_dir: Path,
    queries: int,
    flat_queries: int,
    batch: int,
    threads: int,
    flat_max: str,
    hnsw_max: str,
    ef_search: str,
    nprobe: str,
    k_factor: str,
    candidates: str,
    exact_queries: int,
    cold: bool,
    cold_queries: int,
    out_dir: Path,
    keep: bool,
    seed: int,
) -> None:
    """FAISS index kinds by corpus size: recall@10 vs exact, p50 latency, build time, bytes per vector."""
    import faiss

    counts = [parse_count(s) for s in sizes.split(",") if s.strip()]
    settings = Settings(
        kinds=[k.strip() for k in kinds.split(",") if k.strip()],
        queries=queries,
        batch=batch,
        threads=threads,
        flat_max=parse_count(flat_max),
        hnsw_max=parse_count(hnsw_max),
        ef_search=parse_list(ef_search),
        nprobe=parse_list(nprobe),
        k_factor=parse_list(k_factor, float),
        flat_queries=min(flat_queries, queries),
        out_dir=out_dir,
        keep=keep,
        candidates=parse_list(candidates),
        exact_queries=exact_queries,
        cold=cold,
        cold_queries=cold_queries,
    )
    faiss.omp_set_num_threads(threads)
    anchors = minilm_anchors(eval_dir, out_dir) if data_kind == "minilm" else gmm_anchors()
    scale, real, synthetic = calibrate(anchors, seed)
    click.echo(
        f"data: {data_kind}, {len(anchors):,} anchors; noise scale {scale:.3f}: mean top-10 neighbour "
        f"cosine {synthetic:.3f} synthetic vs {real:.3f} real at {len(anchors):,} vectors"
    )
    mixture = Mixture(anchors, scale, seed)
    rows: list[Row] = []
    for n in counts:
        started = time.perf_counter()
        rows.extend(run_size(n, mixture, settings, log=click.echo))
        click.echo(f"  {n:>10,}: done in {time.perf_counter() - started:.0f}s")
    click.echo("")
    click.echo(render_markdown(rows))
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "data": data_kind,
        "anchors": len(anchors),
        "noise_scale": scale,
        "real_top10_cos": real,
        "synthetic_top10_cos": synthetic,
        "command": " ".join(sys.argv),
        "load_average_at_end": os.getloadavg(),
        "rows": [asdict(r) for r in rows],
    }
    path = out_dir / f"scale-{'-'.join(str(c) for c in counts)}.json"
    path.write_text(json.dumps(record, indent=1))
    click.echo(f"\nresults: {path}")
