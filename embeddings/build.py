"""Build and update an index directory, atomically (layout in `embeddings.manifest`).

`build_index` reads files and urls (via `corpus.sources.read_inputs`), chunks, embeds and writes a new
generation;
`update_index` does the same but copies the current generation, embeds only new and changed articles,
deletes removed ones and keeps every other vector as it is. Either way the new generation becomes current
only when complete, by replacing `manifest.json` atomically; a crash, Ctrl-C or `kill -9` at any point
leaves the previous index whole and answering, and the next build removes the half-written directory.
A superseded generation is removed only when no running process reads it (`embeddings.generations`), and
a full disk is one `DiskFull` error after which the half-written generation is removed.

An article counts as changed when what is embedded changes: its text, title or publication day, or the
chunking settings. Other metadata (source, url, publisher, byline) is updated in place without
re-embedding.

Not handled: two machines building into one shared network directory (the lock is a local `flock`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from corpus.chunk import (
    CHUNKER_VERSION,
    DEFAULT_MAX_TOKENS,
    DEFAULT_OVERLAP_TOKENS,
    CountTokens,
    chunk_article,
    embedding_text,
)
from corpus.models import Article, Chunk, CorpusBatch, DuplicateNote, SkippedFile
from embeddings.ann import IndexKind
from embeddings.durable import RowFile, fsync_dir, fsync_file, is_disk_full, write_file
from embeddings.edits import edited_in_place
from embeddings.encoder import Encoder
from embeddings.errors import IndexCorrupt, IndexError_, IndexMismatch, IndexNotFound
from embeddings.generations import build_lock, create_readers_lock, remove_if_unread
from embeddings.manifest import (
    DB_NAME,
    FAISS_NAME,
    FORMAT_VERSION,
    GENERATION_PREFIX,
    IDS_NAME,
    MANIFEST_NAME,
    TEMP_PREFIX,
    VECTORS_NAME,
    Manifest,
    build_hint,
    generation_dir,
    read_manifest,
)
from embeddings.store import Store, StoredArticle
from embeddings.vector_config import VectorStoreConfig
from embeddings.vector_store import current_record, drop_stale_vectors, release_superseded, write_vectors

if TYPE_CHECKING:
    from corpus.web.client import FetchSettings  # httpx: imported only when urls are read

logger = logging.getLogger(__name__)

EMBED_BLOCK = 512  # texts handed to the encoder per call: big enough to batch well, small for progress
COPY_BLOCK = 65_536  # kept rows copied from the old vectors per step in an update: 100 MB at 384-d


class NothingToIndex(IndexError_):
    """The given paths or articles hold no article to index; the existing index was left as it was."""


class DiskFull(IndexError_):
    """The new generation did not fit on the disk; it was removed and the previous index still answers."""


@dataclass(frozen=True)
class BuildProgress:
    """A snapshot for a progress bar. `stage` is "reading", "chunking", "embedding", "writing" or "done"."""

    stage: str
    articles_total: int = 0
    articles_done: int = 0
    chunks_total: int = 0
    chunks_embedded: int = 0
    elapsed_s: float = 0.0

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_embedded / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass(frozen=True)
class BuildReport:
    """What a build or update did. Counts are of articles unless named chunks."""

    index_dir: Path
    mode: str  # "build" or "update"
    articles_read: int  # articles given (after reading files), duplicates included
    articles_indexed: int  # articles in the index afterwards
    articles_added: int
    articles_changed: int
    articles_removed: int
    articles_unchanged: int
    skipped: tuple[SkippedFile, ...]
    duplicates: tuple[DuplicateNote, ...]
    chunks_embedded: int
    chunks_total: int  # chunks in the index afterwards
    chunks_per_second: float  # chunks embedded per second of the whole run (read to publish)
    elapsed_s: float
    embed_s: float  # of which spent in the encoder
    index_kind: str
    corpus_fingerprint: str
    generation: str
    full_rebuild_reason: str | None = None  # an update that had to rebuild everything, and why
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class SourceOptions:
    """How urls are fetched (`corpus.web.client.FetchSettings`; from the environment when None) and the day
    before which fetched and archived articles are retired."""

    fetch: FetchSettings | None = None
    retire_before: date | None = None


@dataclass
class _Settings:
    max_tokens: int
    overlap_tokens: int
    index_kind: IndexKind | None
    # NEWSBOT_VECTOR_STORE, read when a build starts: where the new generation's vectors are searched.
    vector_store: VectorStoreConfig = field(default_factory=VectorStoreConfig.from_env)
    # Called with the holder's pid when another build has the lock; may raise IndexBusy not to wait.
    if_locked: Callable[[int | None], None] | None = None

    def chunking(self) -> dict[str, Any]:
        return {
            "max_tokens": self.max_tokens,
            "overlap_tokens": self.overlap_tokens,
            "chunker_version": CHUNKER_VERSION,
        }


class _Clock:
    def __init__(self, progress: Callable[[BuildProgress], None] | None) -> None:
        self.started = time.perf_counter()
        self.progress = progress
        self.embed_s = 0.0

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def report(self, stage: str, **counts: int) -> None:
        if self.progress is not None:
            self.progress(BuildProgress(stage=stage, elapsed_s=self.elapsed, **counts))


# --- public API ---------------------------------------------------------------------------------------


def build_index(
    paths: Sequence[str | Path],
    index_dir: Path,
    encoder: Encoder,
    progress: Callable[[BuildProgress], None] | None = None,
    *,
    index_kind: IndexKind | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
    sources: SourceOptions | None = None,
    if_locked: Callable[[int | None], None] | None = None,
) -> BuildReport:
    """Read every file under `paths` and build a fresh index in `index_dir`, replacing any old one."""
    settings = _Settings(max_tokens, overlap_tokens, index_kind, if_locked=if_locked)
    return _read_and_run("build", paths, Path(index_dir), encoder, _Clock(progress), settings, sources)


def update_index(
    paths: Sequence[str | Path],
    index_dir: Path,
    encoder: Encoder,
    progress: Callable[[BuildProgress], None] | None = None,
    *,
    index_kind: IndexKind | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
    sources: SourceOptions | None = None,
    if_locked: Callable[[int | None], None] | None = None,
) -> BuildReport:
    """Bring `index_dir` in line with the files under `paths`: embed new and changed articles, delete
    the ones no longer there, keep the rest. Builds from scratch when there is no usable index.
    Articles fetched from urls or read from web archives accumulate instead (`corpus.sources`)."""
    settings = _Settings(max_tokens, overlap_tokens, index_kind, if_locked=if_locked)
    return _read_and_run("update", paths, Path(index_dir), encoder, _Clock(progress), settings, sources)


def build_index_from_articles(
    articles: Sequence[Article],
    index_dir: Path,
    encoder: Encoder,
    progress: Callable[[BuildProgress], None] | None = None,
    *,
    skipped: Sequence[SkippedFile] = (),
    duplicates: Sequence[DuplicateNote] = (),
    index_kind: IndexKind | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
    if_locked: Callable[[int | None], None] | None = None,
) -> BuildReport:
    """Build a fresh index from articles already read."""
    batch = CorpusBatch(tuple(articles), tuple(skipped), tuple(duplicates))
    return _run(
        "build",
        lambda: batch,
        Path(index_dir),
        encoder,
        _Clock(progress),
        _Settings(max_tokens, overlap_tokens, index_kind, if_locked=if_locked),
    )


def update_index_from_articles(
    articles: Sequence[Article],
    index_dir: Path,
    encoder: Encoder,
    progress: Callable[[BuildProgress], None] | None = None,
    *,
    skipped: Sequence[SkippedFile] = (),
    duplicates: Sequence[DuplicateNote] = (),
    index_kind: IndexKind | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
    if_locked: Callable[[int | None], None] | None = None,
) -> BuildReport:
    """Update `index_dir` to hold exactly `articles` (see `update_index`)."""
    batch = CorpusBatch(tuple(articles), tuple(skipped), tuple(duplicates))
    return _run(
        "update",
        lambda: batch,
        Path(index_dir),
        encoder,
        _Clock(progress),
        _Settings(max_tokens, overlap_tokens, index_kind, if_locked=if_locked),
    )


def embed_hash(article: Article, settings: dict[str, Any]) -> str:
    """A hash of everything that decides an article's chunks and vectors (exact text, not normalised:
    chunk offsets point into it)."""
    parts = [
        article.text,
        article.title or "",
        article.published.strftime("%Y-%m-%d") if article.published else "",
        repr(sorted(settings.items())),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


# --- the run ------------------------------------------------------------------------------------------


def _read(
    paths: Sequence[str | Path], index_dir: Path, clock: _Clock, sources: SourceOptions | None
) -> tuple[CorpusBatch, tuple[str, ...]]:
    # Files, web archives and feed/sitemap urls; what was fetched or archived before is kept in the
    # index folder and comes back in every batch (corpus.sources).
    from corpus.sources import read_inputs

    clock.report("reading")
    options = sources or SourceOptions()
    read = read_inputs(paths, index_dir, options.fetch, retire_before=options.retire_before)
    batch = read.batch
    if not batch.articles and batch.skipped:
        # say why here: a first run whose every url failed would otherwise end without its reasons
        shown = "; ".join(f"{s.source}: {s.reason}" for s in batch.skipped[:3])
        more = f"; and {len(batch.skipped) - 3} more" if len(batch.skipped) > 3 else ""
        raise NothingToIndex(
            f"no article to index was found (skipped {shown}{more}); "
            f"the index at {index_dir} was left as it was"
        )
    clock.report("reading", articles_total=len(batch.articles), articles_done=len(batch.articles))
    return batch, read.notes


@contextmanager
def _removed_if_failed(index_dir: Path) -> Iterator[None]:
    """A build that fails in a folder it created removes the folder (its lock file and nothing else by
    then), so a mistyped --index leaves nothing behind; a folder that existed keeps what it held."""
    created = not index_dir.exists()
    try:
        yield
    except BaseException:
        if created:
            shutil.rmtree(index_dir, ignore_errors=True)
        raise


def _read_and_run(
    mode: str,
    paths: Sequence[str | Path],
    index_dir: Path,
    encoder: Encoder,
    clock: _Clock,
    settings: _Settings,
    sources: SourceOptions | None,
) -> BuildReport:
    """`_run` with the sources read under its lock; the reading's notes (fetches, retired articles) lead
    the report's own."""
    notes: list[str] = []

    def read() -> CorpusBatch:
        batch, read_notes = _read(paths, index_dir, clock, sources)
        notes.extend(read_notes)
        return batch

    report = _run(mode, read, index_dir, encoder, clock, settings)
    return replace(report, notes=(*notes, *report.notes))


def _current_generation(index_dir: Path) -> str | None:
    try:
        return Manifest.from_json((index_dir / MANIFEST_NAME).read_text(encoding="utf-8")).generation
    except (OSError, ValueError, TypeError, UnicodeDecodeError):
        return None


def clean_stale(index_dir: Path, vector_store: VectorStoreConfig | None = None) -> list[Path]:
    """Remove what crashed or superseded builds left behind, Milvus collections included (on the
    configured Milvus, NEWSBOT_VECTOR_STORE unless given, and the current manifest's), except superseded
    generations that a running process still reads (`embeddings.generations`): those wait for a later
    build, and so do their collections. Call with the build lock held."""
    current = _current_generation(index_dir)
    removed: list[Path] = []
    for entry in index_dir.iterdir():
        stale = entry.name.startswith(TEMP_PREFIX) or (
            entry.name.startswith(GENERATION_PREFIX) and entry.name != current
        )
        stale = stale or (entry.name.startswith(MANIFEST_NAME + ".") and entry.name.endswith(".tmp"))
        if not stale:
            continue
        if entry.name.startswith(GENERATION_PREFIX) and entry.is_dir() and not entry.is_symlink():
            if not remove_if_unread(entry):
                continue
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    if removed:
        logger.info("removed %d leftover(s) of earlier builds in %s", len(removed), index_dir)
    drop_stale_vectors(index_dir, vector_store or VectorStoreConfig.from_env())
    return removed


def _run(
    mode: str,
    read: Callable[[], CorpusBatch],
    index_dir: Path,
    encoder: Encoder,
    clock: _Clock,
    settings: _Settings,
) -> BuildReport:
    counter = encoder.count_tokens
    with _removed_if_failed(index_dir), build_lock(index_dir, settings.if_locked):
        # Locked before the sources are read: a second run learns at once that another one is running.
        clock.started = time.perf_counter()  # the time waited for another build is not this one's
        batch = read()
        clean_stale(index_dir, settings.vector_store)
        previous: Manifest | None = None
        reason: str | None = None
        if mode == "update":
            previous, reason = _usable_previous(index_dir, encoder, settings)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}-{secrets.token_hex(3)}"
        temp = index_dir / f"{TEMP_PREFIX}{stamp}"
        try:
            temp.mkdir()
            create_readers_lock(temp)
            report = _write_generation(
                mode,
                batch,
                index_dir,
                temp,
                GENERATION_PREFIX + stamp,
                encoder,
                counter,
                clock,
                settings,
                previous,
            )
        except BaseException as exc:
            full = is_disk_full(exc)
            shutil.rmtree(temp, ignore_errors=True)
            if full:
                raise DiskFull(_disk_full_message(index_dir, exc)) from exc
            raise
    if reason is not None:
        report = _with_reason(report, reason)
    clock.report(
        "done",
        articles_total=report.articles_indexed,
        articles_done=report.articles_indexed,
        chunks_total=report.chunks_embedded,
        chunks_embedded=report.chunks_embedded,
    )
    return report


def _disk_full_message(index_dir: Path, exc: BaseException) -> str:
    try:
        free = f"{shutil.disk_usage(index_dir).free / 1e6:.1f} MB free after removing it"
    except OSError:
        free = "free space unknown"
    return (
        f"the disk holding {index_dir} is full ({type(exc).__name__}: {exc}); the partial new index was "
        f"removed ({free}) and the previous index was left as it was"
    )


def _with_reason(report: BuildReport, reason: str) -> BuildReport:
    from dataclasses import replace

    return replace(report, full_rebuild_reason=reason)


def _usable_previous(
    index_dir: Path, encoder: Encoder, settings: _Settings
) -> tuple[Manifest | None, str | None]:
    """The current manifest if an update can build on it, else None and why a full build is needed."""
    try:
        manifest = read_manifest(index_dir)
    except IndexNotFound:
        return None, "there was no index yet"
    except (IndexCorrupt, IndexMismatch) as exc:
        # The error's advice ("run: newsbot index build ...") is what this update is doing already.
        problem = str(exc).removesuffix(f"; {build_hint(index_dir)}")
        return None, f"the old index could not be used ({problem})"
    if manifest.model != encoder.name or manifest.dim != encoder.dim:
        return None, f"the old index was built with {manifest.model} ({manifest.dim}-d)"
    if manifest.chunking != settings.chunking():
        return None, "the chunking settings changed"
    return manifest, None


def _unique(
    articles: Sequence[Article], source_notes: Sequence[DuplicateNote]
) -> tuple[list[Article], list[DuplicateNote]]:
    seen: dict[str, Article] = {}
    duplicates = list(source_notes)
    for article in articles:
        if article.id in seen:
            duplicates.append(
                DuplicateNote(article.source, article.id, "id", kept_source=seen[article.id].source)
            )
            continue
        seen[article.id] = article
    return list(seen.values()), duplicates


@dataclass
class _Planned:
    article: Article
    hash: str
    chunks: list[Chunk]


def _plan(
    articles: Sequence[Article], counter: CountTokens, settings: _Settings, clock: _Clock
) -> tuple[list[_Planned], list[SkippedFile]]:
    planned: list[_Planned] = []
    skipped: list[SkippedFile] = []
    chunking = settings.chunking()
    for done, article in enumerate(articles, 1):
        try:
            chunks = chunk_article(article, settings.max_tokens, settings.overlap_tokens, counter)
        except ValueError as exc:
            skipped.append(SkippedFile(article.source, f"could not be chunked: {exc}"))
            continue
        if not chunks:
            skipped.append(SkippedFile(article.source, "no text to index"))
            continue
        planned.append(_Planned(article, embed_hash(article, chunking), chunks))
        if done % 200 == 0:
            clock.report("chunking", articles_total=len(articles), articles_done=done)
    return planned, skipped


@dataclass
class _Tally:
    """Articles added, changed, removed and left unchanged by a build or update."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class _Previous:
    """What an update keeps of the current generation: its vectors (mapped, not loaded: at 10M chunks
    they are 15 GB, and only the kept rows are copied) and their chunk row ids."""

    vectors: npt.NDArray[np.float32]
    ids: npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Written:
    """What the chunk store holds once the new generation's articles and vectors are written."""

    ids: npt.NDArray[np.int64]
    embedded: int
    articles: int
    chunks: int
    fingerprint: str


def _write_generation(
    mode: str,
    batch: CorpusBatch,
    index_dir: Path,
    temp: Path,
    generation: str,
    encoder: Encoder,
    counter: CountTokens,
    clock: _Clock,
    settings: _Settings,
    previous: Manifest | None,
) -> BuildReport:
    """Write the generation `temp` (chunk store, vectors, vector store, manifest), then publish it."""
    articles, duplicates = _unique(batch.articles, batch.duplicates)
    if not articles:
        raise NothingToIndex(f"no article to index was found; the index at {index_dir} was left as it was")
    db_path = temp / DB_NAME
    store, stored, old = _open_store(index_dir, db_path, previous)
    tally = _Tally()
    opened: RowFile | None = None  # the vectors file, closed unwritten if anything below fails
    try:
        to_embed, kept = _sort_out(articles, stored, settings.chunking(), tally)
        planned, skipped = _plan(to_embed, counter, settings, clock)
        _drop_unchunked(to_embed, planned, stored, tally)
        removed_pks, pks, texts = _store_articles(store, articles, kept, to_embed, planned, stored, tally)
        _count_edits_in_place(edited_in_place(articles, stored), planned, tally)
        vectors, ids = _vectors_file(temp, old, removed_pks, pks, texts, encoder, clock)
        opened = vectors
        clock.report("writing", chunks_total=len(texts), chunks_embedded=len(texts))
        written = _check_written(store, index_dir, ids, len(texts))
        store.optimize()
    except BaseException:
        if opened is not None:
            opened.abandon()
        raise
    finally:
        store.close()

    kind = _kind_name(settings.index_kind, len(ids))
    _save_arrays(temp, vectors, ids)
    saved: npt.NDArray[np.float32] = np.load(temp / VECTORS_NAME, mmap_mode="r")
    vector_store = write_vectors(settings.vector_store, index_dir, temp, generation, saved, ids, kind)
    fsync_file(db_path)
    manifest = _manifest(temp, generation, encoder, settings, written, kind, vector_store)
    _publish(index_dir, temp, generation, manifest)
    return _report(mode, batch, index_dir, clock, tally, skipped, duplicates, written, kind, generation)


def _open_store(
    index_dir: Path, db_path: Path, previous: Manifest | None
) -> tuple[Store, dict[str, StoredArticle], _Previous | None]:
    """The new generation's chunk store: a copy of the previous one for an update (with its stored
    articles and what is kept of its vectors), else an empty one."""
    if previous is None:
        return Store.create(db_path), {}, None
    old_dir = generation_dir(index_dir, previous)
    shutil.copyfile(old_dir / DB_NAME, db_path)
    store = Store.open_for_update(db_path)
    old = _Previous(np.load(old_dir / VECTORS_NAME, mmap_mode="r"), np.load(old_dir / IDS_NAME))
    return store, store.stored_articles(), old


def _sort_out(
    articles: Sequence[Article], stored: dict[str, StoredArticle], chunking: dict[str, Any], tally: _Tally
) -> tuple[list[Article], list[Article]]:
    """What to embed (everything for a build; new and changed articles for an update) and what to keep."""
    to_embed: list[Article] = []
    kept: list[Article] = []
    for article in articles:
        old = stored.get(article.id)
        if old is None:
            to_embed.append(article)
            tally.added += 1
        elif old.content_hash == embed_hash(article, chunking):
            kept.append(article)
            tally.unchanged += 1
        else:
            to_embed.append(article)
            tally.changed += 1
    return to_embed, kept


def _drop_unchunked(
    to_embed: Sequence[Article], planned: Sequence[_Planned], stored: dict[str, StoredArticle], tally: _Tally
) -> None:
    """An article that gave no chunks is not indexed; a changed one that no longer chunks is removed
    rather than kept stale."""
    planned_ids = {item.article.id for item in planned}
    for article in to_embed:
        if article.id not in planned_ids:
            if article.id in stored:
                tally.changed -= 1
                tally.removed += 1
            else:
                tally.added -= 1


def _count_edits_in_place(edits: dict[str, str], planned: Sequence[_Planned], tally: _Tally) -> None:
    """An indexed article that replaces a stored one read from the same file (its text-derived id
    changed with the edit) was counted added, and the old one removed: it is one article changed."""
    indexed = {item.article.id for item in planned}
    for new_id in edits:
        if new_id in indexed:
            tally.added -= 1
            tally.removed -= 1
            tally.changed += 1


def _store_articles(
    store: Store,
    articles: Sequence[Article],
    kept: Sequence[Article],
    to_embed: Sequence[Article],
    planned: Sequence[_Planned],
    stored: dict[str, StoredArticle],
    tally: _Tally,
) -> tuple[list[int], list[int], list[str]]:
    """In one transaction: kept articles' metadata updated, removed and changed ones deleted, planned
    ones added. The deleted chunks' row ids, the added chunks' row ids and their texts to embed."""
    new_ids = {article.id for article in articles}
    removed_pks: list[int] = []
    pks: list[int] = []
    texts: list[str] = []
    with store.transaction():
        for article in kept:
            store.update_article_meta(article)
        for article_id in stored:
            if article_id not in new_ids:
                removed_pks.extend(store.delete_article(article_id))
                tally.removed += 1
        for article in to_embed:
            if article.id in stored:
                removed_pks.extend(store.delete_article(article.id))
        for item in planned:
            article_pk = store.add_article(item.article, item.hash)
            pks.extend(store.add_chunks(article_pk, item.article.title, item.chunks))
            texts.extend(embedding_text(item.article, c) for c in item.chunks)
    return removed_pks, pks, texts


def _vectors_file(
    temp: Path,
    old: _Previous | None,
    removed_pks: Sequence[int],
    pks: Sequence[int],
    texts: list[str],
    encoder: Encoder,
    clock: _Clock,
) -> tuple[RowFile, npt.NDArray[np.int64]]:
    """The new generation's vectors, straight into its file, kept rows first, then the new ones as they
    are embedded (a build never holds a second copy of the archive's vectors in memory); their ids.
    Written with ordinary writes, not through a map: a full disk is then an error, not a SIGBUS."""
    keep_rows = np.zeros(0, dtype=np.int64)
    if old is not None:
        keep_rows = np.flatnonzero(~np.isin(old.ids, np.asarray(removed_pks, dtype=np.int64)))
    vectors = RowFile(temp / VECTORS_NAME, len(keep_rows) + len(texts), encoder.dim)
    try:
        if old is not None:
            _copy_rows(old.vectors, keep_rows, vectors)
            ids = np.concatenate([old.ids[keep_rows], np.asarray(pks, dtype=np.int64)])
        else:
            ids = np.asarray(pks, dtype=np.int64)
        first = len(keep_rows)
        _embed(texts, encoder, clock, lambda rows, block: vectors.write_at([first + r for r in rows], block))
    except BaseException:
        vectors.abandon()
        raise
    return vectors, ids.astype(np.int64)


def _check_written(store: Store, index_dir: Path, ids: npt.NDArray[np.int64], embedded: int) -> _Written:
    """The store's counts, checked against the vectors (raises NothingToIndex when no article is left)."""
    n_articles = store.count_articles()
    n_chunks = store.count_chunks()
    if n_articles == 0:
        raise NothingToIndex(
            f"none of the articles could be indexed; the index at {index_dir} was left as it was"
        )
    if n_chunks != len(ids):
        raise RuntimeError(f"index inconsistent: {n_chunks} chunks stored but {len(ids)} vectors")
    return _Written(ids, embedded, n_articles, n_chunks, _fingerprint(store))


def _manifest(
    temp: Path,
    generation: str,
    encoder: Encoder,
    settings: _Settings,
    written: _Written,
    kind: IndexKind,
    vector_store: dict[str, str],
) -> Manifest:
    on_faiss = vector_store["backend"] == "faiss"
    names = (DB_NAME, VECTORS_NAME, IDS_NAME) + ((FAISS_NAME,) if on_faiss else ())
    return Manifest(
        format_version=FORMAT_VERSION,
        model=encoder.name,
        dim=encoder.dim,
        articles=written.articles,
        chunks=written.chunks,
        corpus_fingerprint=written.fingerprint,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        index_kind=kind,
        generation=generation,
        chunking=settings.chunking(),
        model_path=encoder.model_path or None,
        files={name: (temp / name).stat().st_size for name in names},
        vector_store=vector_store,
    )


def _report(
    mode: str,
    batch: CorpusBatch,
    index_dir: Path,
    clock: _Clock,
    tally: _Tally,
    skipped: Sequence[SkippedFile],
    duplicates: Sequence[DuplicateNote],
    written: _Written,
    kind: str,
    generation: str,
) -> BuildReport:
    elapsed = clock.elapsed
    return BuildReport(
        index_dir=index_dir,
        mode=mode,
        articles_read=len(batch.articles),
        articles_indexed=written.articles,
        articles_added=tally.added,
        articles_changed=tally.changed,
        articles_removed=tally.removed,
        articles_unchanged=tally.unchanged,
        skipped=tuple(batch.skipped) + tuple(skipped),
        duplicates=tuple(duplicates),
        chunks_embedded=written.embedded,
        chunks_total=written.chunks,
        chunks_per_second=written.embedded / elapsed if elapsed > 0 else 0.0,
        elapsed_s=elapsed,
        embed_s=clock.embed_s,
        index_kind=kind,
        corpus_fingerprint=written.fingerprint,
        generation=generation,
    )


def _embed(
    texts: list[str],
    encoder: Encoder,
    clock: _Clock,
    write: Callable[[list[int], npt.NDArray[np.float32]], None],
) -> None:
    """Encode the texts and `write(rows, vectors)` them (row i is text i) in blocks of similar length,
    reporting progress per block. The blocks are cut from the texts sorted by characters (cheap); the
    encoder then batches each block by word pieces."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    blocks = [order[start : start + EMBED_BLOCK] for start in range(0, len(order), EMBED_BLOCK)]
    done = 0
    clock.report("embedding", chunks_total=len(texts), chunks_embedded=0)
    for block, raw in _encoded_blocks(texts, blocks, encoder, clock):
        encoded = np.asarray(raw, dtype=np.float32)
        if encoded.shape != (len(block), encoder.dim):
            raise ValueError(
                f"encoder {encoder.name} returned vectors of shape {encoded.shape}, "
                f"expected {(len(block), encoder.dim)}"
            )
        write(block, encoded)
        done += len(block)
        clock.report("embedding", chunks_total=len(texts), chunks_embedded=done)


def _copy_rows(source: npt.NDArray[np.float32], rows: npt.NDArray[np.int64], target: RowFile) -> None:
    """`target[:len(rows)] = source[rows]`, a block of rows at a time (a fancy index copies whole)."""
    for start in range(0, len(rows), COPY_BLOCK):
        target.write(start, source[rows[start : start + COPY_BLOCK]])


def _encoded_blocks(
    texts: list[str], blocks: list[list[int]], encoder: Encoder, clock: _Clock
) -> Iterator[tuple[list[int], npt.NDArray[np.float32]]]:
    """Each block with its vectors: one block after another here, or, for an encoder with a pool of
    workers (`embeddings.distributed`), all handed over at once and back as they finish, in any order."""
    from embeddings.distributed import WorkerPoolEncoder  # imports no Ray until a pool is used

    if isinstance(encoder, WorkerPoolEncoder):
        began = time.perf_counter()
        yield from encoder.encode_blocks(texts, blocks)
        clock.embed_s += time.perf_counter() - began
        return
    for block in blocks:
        began = time.perf_counter()
        encoded = encoder.encode_passages([texts[i] for i in block])
        clock.embed_s += time.perf_counter() - began
        yield block, encoded


def _fingerprint(store: Store) -> str:
    digest = hashlib.sha256()
    for article_id, stored in sorted(store.stored_articles().items()):
        digest.update(f"{article_id}:{stored.content_hash}\n".encode())
    return digest.hexdigest()[:16]


def _kind_name(asked: IndexKind | None, n: int) -> IndexKind:
    if asked is not None:
        return asked
    from embeddings.ann import choose_kind

    return choose_kind(n)


def _save_arrays(directory: Path, vectors: RowFile, ids: npt.NDArray[np.int64]) -> None:
    """Flush the vectors (already in their file) and write the ids, both to disk before the switch."""
    vectors.close()
    write_file(directory / IDS_NAME, lambda handle: np.save(handle, np.ascontiguousarray(ids)))


def _publish(index_dir: Path, temp: Path, generation: str, manifest: Manifest) -> None:
    """Make the finished `temp` directory the current generation: rename it, then swap the manifest."""
    write_file(temp / MANIFEST_NAME, manifest.to_json())
    fsync_dir(temp)
    old = _current_generation(index_dir)
    superseded = current_record(index_dir)
    os.rename(temp, index_dir / generation)
    fsync_dir(index_dir)
    write_file(index_dir / MANIFEST_NAME, manifest.to_json(), atomic=True)
    # New readers see the new generation; the old one is removed now unless a running process still
    # reads it (a bot between two questions, or in one): then the next build collects it.
    if old and old != generation:
        remove_if_unread(index_dir / old)
    release_superseded(superseded, manifest.vector_store)
