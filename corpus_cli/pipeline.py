"""Compose the stages: load -> clean -> segment -> dedupe -> merge -> dates/entities, and
hand the result to the store's writer (:meth:`corpus_cli.storage.store.Store.writer`, which
owns the SQLite and tantivy formats: this module computes, it does not write).

The work that needs one page only (decode, clean, normalise, split into items, find dates
and entity mentions) runs in a process pool; what needs the whole corpus (near-duplicate
clusters, merging items and entity aliases across pages) runs after it. The result does not
depend on the number of processes. :func:`run_dedupe`, :func:`run_add` and
:func:`run_remove` build, grow and shrink a stored corpus; each gives the corpus that a
fresh run on the resulting pages, in corpus order, gives. The pipeline never prints: it
reports progress through an optional callback ``progress(stage, done, total)``.
"""

from __future__ import annotations

import gc
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_cli.clean import clean_page
from corpus_cli.dedupe import (
    DedupeConfig,
    DedupeResult,
    SignatureCache,
    dedupe,
    normalize,
    signature_key,
)
from corpus_cli.inputs.loader import (
    DEFAULT_PATTERNS,
    Source,
    content_hash,
    iter_sources,
    read_bytes,
    stat_key,
)
from corpus_cli.inputs.pages import ReadOptions, is_warc_source, pages_from_bytes, read_pages
from corpus_cli.memo import Memo
from corpus_cli.models import (
    SCHEMA_VERSION,
    Article,
    CleanPage,
    Cluster,
    Counts,
    Drop,
    Entity,
    Page,
    Paragraph,
    Problem,
    Progress,
)

if TYPE_CHECKING:
    from corpus_cli.storage.store import Store

# An engine runs the stages that do not need the whole corpus at once somewhere else (a Dask
# cluster, see corpus_cli.distributed): ``map(fn, jobs, progress, stage)`` returns
# ``[fn(job) for job in jobs]`` in order, and ``candidates`` replaces the local MinHash-LSH
# candidate generation. ``None`` = this machine's process pool.

# Below this many files a process pool costs more than it saves.
POOL_MIN_FILES = 64
NER_BACKENDS = ("builtin", "spacy", "none")


@dataclass(slots=True)
class PageResult:
    """One page after the per-page stages."""

    page: CleanPage
    norms: list[str]  # normalised text of each paragraph ("" when not a kept text)
    items: list  # segment.PageItem, when segmentation was asked for
    reused: bool = False  # cleaned by an earlier run (read from the store)
    problems: list[Problem] = field(default_factory=list)  # extractors that failed
    # the items as the store keeps them (segment.items_json), None when not to be kept
    items_json: str | None = None


@dataclass(slots=True)
class Corpus:
    """Everything one run produced, in corpus order."""

    pages: list[CleanPage]
    problems: list[Problem]
    dedupe: DedupeResult
    items: list  # segment.PageItem of every page
    order: dict[str, int] = field(default_factory=dict)  # page path -> place in corpus order
    # page path -> its items as the store keeps them (segment.items_json), for a later run
    page_items: dict[str, str] = field(default_factory=dict)
    # the MinHash signatures of this run's texts, for a later run (see dedupe.SignatureCache)
    signatures: SignatureCache | None = None

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for cp in self.pages for p in cp.paragraphs]


def captions(cp: CleanPage) -> dict[str, list[str]]:
    """Image names made of words ("Meeting of the ministers 9.06.2018.jpg") are not prose but
    they name entities: each is given to the kept paragraph before it, by paragraph id."""
    out: dict[str, list[str]] = {}
    last: str | None = None
    for p in cp.paragraphs:
        if p.status == "kept":
            last = p.id
        for r in p.removals:
            if r.kind == "image" and last and len(r.text.split()) >= 3:
                out.setdefault(last, []).append(r.text.rsplit(".", 1)[0])
    return out


def extraction_problem(path: str, line: int, what: str, exc: BaseException) -> Problem:
    """A failed extractor as a :class:`Problem` of the page, at the line of the item."""
    kept = {"items": "the page is kept as one undated item",
            "dates": "the item is kept without its date",
            "date mentions": "the item is kept without its date mentions",
            "entities": "the item is kept without its entities"}[what]
    return Problem(path, f"line {line}: finding {what} failed ({type(exc).__name__}: {exc}); "
                   f"{kept}", line=line)


# normalize() of each distinct text once per process (see corpus_cli.memo)
_NORMS = Memo(normalize)


def process_page(cp: CleanPage, segment: bool = True, stored_items: str | None = None,
                 norms: list[str] | None = None, openings: list[str] | None = None
                 ) -> PageResult:
    """The per-page stages after cleaning: normalise, split into items. An error while
    splitting or dating does not stop the run: it becomes a problem of the page.
    ``stored_items`` are the page's items as an earlier run stored them (see
    :func:`corpus_cli.segment.items_json`): they are taken instead of splitting the page
    again, the same items. ``norms`` are those of the page's paragraphs when already
    made (see :func:`_row_norms`), ``openings`` those of the stored items (see
    :func:`_row_openings`)."""
    if norms is None:
        norm = _NORMS
        # the same rule as _row_norms
        norms = [norm[p.text] if p.kind == "text" and p.status == "kept" else ""
                 for p in cp.paragraphs]
    items: list | None = None
    problems: list[Problem] = []
    kept: str | None = None
    if segment:
        from corpus_cli.segment import items_from_json, items_json, segment_page

        if stored_items is not None:
            items = items_from_json(cp, stored_items)
            kept = stored_items if items is not None else None
            if items is not None and openings is not None and len(openings) == len(items):
                for it, o in zip(items, openings, strict=True):
                    it.opening = o
                return PageResult(cp, norms, items, problems=problems, items_json=kept)
        if items is None:
            def failed(line: int, what: str, exc: BaseException) -> None:
                problems.append(extraction_problem(cp.page.path, line, what, exc))

            items = segment_page(cp, on_error=failed)
            # a page whose splitting failed is split again next time (and reported again)
            kept = None if problems else items_json(cp, items)
        _set_openings(cp, norms, items)
    return PageResult(cp, norms, items or [], problems=problems, items_json=kept)


def _set_openings(cp: CleanPage, norms: Sequence[str], items) -> None:
    """Each item's opening words (for its content id), from the normalised texts of its
    body: the page's paragraphs were just normalised, the item's text need not be."""
    from corpus_cli.ids import opening

    paras = cp.paragraphs
    n = len(paras)
    norm = _NORMS
    for it in items or ():
        it.opening = opening(
            norms[p.index] if 0 <= p.index < n and paras[p.index] is p
            and p.kind == "text" and p.status == "kept" else norm[p.text]
            for p in it.body)


@dataclass(frozen=True, slots=True)
class Unchanged:
    """A page whose bytes hash as the stored page: its cleaned form is reused."""

    path: str
    mtime_ns: int


# (source, how to read it, segment, known content hash or None, store to reuse cleaned
# pages from or None, whether size and mtime say the page is unchanged)
Job = tuple[Source, ReadOptions, bool, "str | None", "str | None", bool]
Result = PageResult | Problem | Unchanged


def _work(args: Job) -> list[Result]:
    """The pages of one input, cleaned and split (a WARC file gives many)."""
    source, opts, segment, known_hash, reuse, fresh = args
    if fresh and reuse is not None:
        got = _stored_result(_reader(reuse), source.path, segment)
        if got is not None:
            return [got]
    if is_warc_source(source, opts):
        return [_processed(p, segment) for p in read_pages(source, opts)]
    got = read_bytes(source)
    if isinstance(got, Problem):
        return [got]
    data, mtime = got
    if known_hash is not None and content_hash(data) == known_hash:
        if reuse is not None:
            got = _stored_result(_reader(reuse), source.path, segment, mtime)
            if got is not None:
                return [got]
        return [Unchanged(source.path, mtime)]
    return [_processed(replace(p, mtime_ns=mtime or p.mtime_ns) if isinstance(p, Page) else p,
                       segment)
            for p in pages_from_bytes(source.path, data, opts)]


def _processed(page: Page | Problem, segment: bool) -> PageResult | Problem:
    if isinstance(page, Problem):
        return page
    cp = clean_page(page)
    # The page's text lives on in its paragraphs: not sending it back halves the transfer.
    cp = replace(cp, page=replace(page, text=""))
    return process_page(cp, segment)


class _Interner(dict):
    """One string object for each distinct normalised text, as results come in: the same
    sidebar snippet on 50,000 pages is then held once, not 50,000 times, until dedupe
    (and the opening words of its items, until they are merged)."""

    def __call__(self, results: list[Result]) -> list[Result]:
        get = self.setdefault
        for r in results:
            if isinstance(r, PageResult):
                r.norms = [get(n, n) for n in r.norms]
                for it in r.items:
                    if it.opening:
                        it.opening = get(it.opening, it.opening)
        return results


def _reused(r: PageResult) -> PageResult:
    r.reused = True
    return r


# Read connections to stores whose cleaned pages are reused, one per process (the pool's
# workers read unchanged pages themselves, so that the parent does not do it alone).
_READERS: dict[str, Store] = {}


def _reader(db: str) -> Store:
    """This process's read connection to the store at ``db``."""
    from corpus_cli.storage.store import open_store

    store = _READERS.get(db)
    if store is None:
        # a worker reads each page once: a small page cache, not the writer's
        store = _READERS[db] = open_store(db, cache_kib=4096)
    return store


def _stored_result(store: Store, path: str, segment: bool = True,
                  mtime_ns: int | None = None) -> PageResult | None:
    """A stored page as it was cleaned, split into items as it was (the items the store
    kept, see :func:`process_page`), marked reused; None when the store lacks it."""
    cp = store.clean_page(path, mtime_ns)
    if cp is None:
        return None
    return _reused(process_page(cp, segment, store.page_items(path) if segment else None))


def _row_norms(rows: list[tuple]) -> list[str]:
    """:func:`process_page`'s norms of a stored page's paragraphs, from their rows (see
    :meth:`Store.page_rows`)."""
    from corpus_cli.storage.store import ROW_KIND, ROW_STATUS, ROW_TEXT

    norm = _NORMS
    return [norm[r[ROW_TEXT]] if r[ROW_KIND] == "text" and r[ROW_STATUS] == "kept" else ""
            for r in rows]


def _row_openings(rows: list[tuple], norms: list[str], items: str | None
                  ) -> list[str] | None:
    """:func:`_set_openings` of the items a stored page's ``items`` JSON holds (see
    :func:`corpus_cli.segment.items_json`), from its paragraphs' rows and norms; None when
    the JSON is not of that form (the page's items are then made and opened again)."""
    import json

    from corpus_cli.ids import opening
    from corpus_cli.segment import ITEMS_FORMAT
    from corpus_cli.storage.store import ROW_TEXT

    if items is None:
        return None
    n = len(rows)
    norm = _NORMS

    def text_norm(r) -> str:
        # a whole line: the paragraph itself (its norm, or its text's when not a kept
        # text); a part of a line ([index, text]): another paragraph, its text's norm
        if type(r) is int:
            return norms[r] or norm[rows[r][ROW_TEXT]]
        return norm[r[1]]

    try:
        fmt, data = json.loads(items)
        if fmt != ITEMS_FORMAT:
            return None
        out = []
        for item in data:
            body = item[4]
            if any(type(r) is int and not 0 <= r < n for r in body):
                return None
            out.append(opening(text_norm(r) for r in body))
        return out
    except (ValueError, TypeError, IndexError, KeyError):
        return None


# a stored page as its rows (see Store.page_rows), its norms, its stored items and their
# openings
StoredRows = tuple[tuple, list[tuple], list[str], "str | None", "list[str] | None"]


def _stored_rows(store: Store, paths: Iterable[str], segment: bool) -> list[StoredRows]:
    """What :class:`_FromRows` makes the stored pages of ``paths`` of (those stored)."""
    out = []
    for page_row, rows in store.page_rows(paths):
        norms = _row_norms(rows)
        items = store.page_items(page_row[0]) if segment else None
        out.append((page_row, rows, norms, items, _row_openings(rows, norms, items)))
    return out


def _read_stored(job: tuple[str, list[str], bool]) -> list[StoredRows] | bytes:
    """:func:`_stored_rows` in a worker of the pool, which reads the store itself. Sent
    back as plain tuples in :mod:`marshal` form (between two processes of the same
    Python): made in a third of the time pickling takes."""
    import marshal
    from multiprocessing import parent_process

    db, paths, segment = job
    got = _stored_rows(_reader(db), paths, segment)
    return marshal.dumps(got) if parent_process() is not None else got


class _FromRows:
    """Stored pages from what :func:`_stored_rows` read: page results, marked reused, the
    norms and the items' opening words interned (see :class:`_Interner`)."""

    def __init__(self, segment: bool):
        from corpus_cli.storage.store import RemovalsReader

        self.segment = segment
        self.removals = RemovalsReader()
        self.norms: dict[str, str] = {}

    def __call__(self, got: list[StoredRows] | bytes) -> list[PageResult]:
        from corpus_cli.storage.store import clean_page_of

        if isinstance(got, bytes):  # from a worker (see _read_stored)
            import marshal

            got = marshal.loads(got)  # noqa: S302 - made by this run's own worker
        out = []
        intern = self.norms.setdefault
        for page_row, rows, norms, items, openings in got:
            cp = clean_page_of((page_row, rows), self.removals)
            if openings is not None:
                openings = [intern(o, o) if o else o for o in openings]
            out.append(_reused(process_page(cp, self.segment, items,
                                            [intern(n, n) for n in norms], openings)))
        return out


def _stored_results(store: Store, paths: Iterable[str], segment: bool = True
                    ) -> dict[str, PageResult]:
    """:func:`_stored_result` of many pages, read by this process, by path."""
    return {r.page.page.path: r for r in _FromRows(segment)(_stored_rows(store, paths, segment))}


def _close_readers() -> None:
    while _READERS:
        _READERS.popitem()[1].close()


class PageCache:
    """Pages cleaned by an earlier run, from the store: a page whose size and mtime, or
    failing that whose content hash, are those stored is not cleaned again."""

    def __init__(self, store, key: str):
        self.store = store
        self.known = store.page_cache(key)
        self.reused = 0

    def fresh(self, source: Source) -> bool:
        known = self.known.get(source.path)
        return known is not None and stat_key(source) == (known[1], known[2])

    def hash_of(self, source: Source) -> str | None:
        known = self.known.get(source.path)
        return known[0] if known else None

    def load_many(self, paths: list[str], segment: bool = True) -> dict[str, PageResult]:
        out = _stored_results(self.store, paths, segment)
        self.reused += len(out)
        return out

    def load(self, path: str, mtime_ns: int | None = None, segment: bool = True
             ) -> PageResult | None:
        got = _stored_result(self.store, path, segment, mtime_ns)
        if got is not None:
            self.reused += 1
        return got


def code_fingerprint() -> str:
    """A digest of the code and word lists that make the stored results (every module and
    data file of the package). The version number alone does not change between builds, so
    a store written by another build of the same version must not lend it its cleaned pages,
    dates or entities. Read once per process (about 60 small files)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import hashlib
        from pathlib import Path

        root = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for f in sorted(root.rglob("*")):
            if f.suffix in (".py", ".txt", ".tsv") and f.is_file() and "docs" not in f.parts:
                h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
        _FINGERPRINT = h.hexdigest()[:16]
    return _FINGERPRINT


_FINGERPRINT: str | None = None


def cache_key(opts: ReadOptions | str | None) -> str:
    """What the cleaned pages of a store depend on: the version and build of the code, how
    inputs were read and the store's schema (paragraph ids)."""
    from corpus_cli import __version__
    from corpus_cli.storage.store import SCHEMA_VERSION

    return (f"{__version__}+{code_fingerprint()}|{_options(opts).key()}"
            f"|schema {SCHEMA_VERSION}")


def _options(encoding: str | ReadOptions | None) -> ReadOptions:
    return encoding if isinstance(encoding, ReadOptions) else ReadOptions(encoding)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a run.

    A run keeps millions of small acyclic objects alive (paragraphs, items, rows), and the
    collector would scan all of them again and again while finding nothing to free: at a
    million paragraphs that was a quarter of the run time. Reference counting still frees
    everything as usual; the collector is restored afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


PARENT_CHECK = 0.5  # seconds between a worker's looks at its parent


def _watch_parent(parent: int, forked: bool) -> None:
    """In a pool worker: exit as soon as the run that started it (``parent``) is gone. A
    run killed with SIGKILL cannot stop its pool, and its workers would wait for work
    forever. A forked worker's parent is the run: it is gone when the worker's parent
    changes (to init or a subreaper), even before the worker got this far; a worker
    started by a fork server checks that the run's process still exists."""
    import threading

    start = os.getppid()
    if forked and start != parent:  # the run died while this worker was starting
        os._exit(1)

    def gone() -> bool:
        if os.getppid() != start:
            return True
        if forked:
            return False
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK)
            if gone():
                os._exit(1)

    threading.Thread(target=watch, name="corpus-parent-watch", daemon=True).start()


class WorkerPool:
    """A process pool shared by the stages of one run (pass it as ``workers``).

    It starts at its first use and stays until the run ends. Started early, while this
    process is still small, its workers (forked on Linux) do not each map a copy of the
    corpus built since, and they start once for the run instead of once per stage.
    """

    def __init__(self, size: int | None = None):
        self.size = _default_workers() if size is None else max(1, size)
        self._executor = None

    def executor(self):
        if self._executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            forked = multiprocessing.get_start_method() == "fork"
            self._executor = ProcessPoolExecutor(self.size, initializer=_watch_parent,
                                                 initargs=(os.getpid(), forked))
        return self._executor

    @property
    def started(self) -> bool:
        """Whether its workers run (a stage has used it)."""
        return self._executor is not None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _map(fn: Callable, jobs: list, workers: int | WorkerPool | None,
         progress: Progress | None, stage: str, min_jobs: int = POOL_MIN_FILES, engine=None,
         during: Callable[[], None] | None = None, each: Callable | None = None) -> list:
    """``[fn(job) for job in jobs]``, in a process pool when worth it. ``during`` is called
    once in this process while the pool works (before the work without a pool); ``each``,
    when given, is applied to each result as it comes."""
    if engine is not None:
        if during is not None:
            during()
        out = engine.map(fn, jobs, progress, stage)
        return [each(r) for r in out] if each is not None else out
    shared = workers if isinstance(workers, WorkerPool) else None
    if shared is not None:
        size = shared.size
    else:
        size = _default_workers() if workers is None else max(1, workers)
    total = len(jobs)
    pool = None
    if size > 1 and total >= min_jobs:
        pool = shared or WorkerPool(size)
        chunk = max(1, min(64, total // (size * 8)))
        results = pool.executor().map(fn, jobs, chunksize=chunk)  # all queued now
    else:
        results = map(fn, jobs)  # lazily: ``during`` comes first
    out = []
    step = max(1, min(100, total // 50))  # about 50 updates of the bar, at most every 100
    try:
        if during is not None:
            during()
        for done, r in enumerate(results, 1):
            out.append(r if each is None else each(r))
            if progress and (done % step == 0 or done == total):
                progress(stage, done, total)
    finally:
        if pool is not None and shared is None:
            pool.close()
    return out


def sources_of(args: Iterable[str], pattern: str | Sequence[str] = DEFAULT_PATTERNS
               ) -> tuple[list[Source], list[Problem]]:
    """The files named by ``args`` (see :func:`loader.iter_sources`), and the arguments that
    name none."""
    sources: list[Source] = []
    problems: list[Problem] = []
    for s in iter_sources(list(args), pattern):
        (problems if isinstance(s, Problem) else sources).append(s)
    return sources, problems


def ingest(
    args: Iterable[str],
    pattern: str | Sequence[str] = DEFAULT_PATTERNS,
    encoding: str | ReadOptions | None = None,
    workers: int | WorkerPool | None = None,
    progress: Progress | None = None,
    segment: bool = False,
    cache: PageCache | None = None,
    engine=None,
) -> tuple[list[PageResult], list[Problem]]:
    """Load and process every page named by ``args`` (in a process pool when worth it).

    Returns the page results in the order of the arguments (each folder's files in path
    order) and the problems. The result is the same whatever ``workers`` is, and with or
    without a ``cache`` of pages cleaned before. Stdin is read in this process.
    """
    sources, problems = sources_of(args, pattern)
    results, more = _ingest(sources, encoding, workers, progress, segment, cache, engine)
    return resolve_copies(results, segment), problems + more


def _ingest(sources: list[Source], encoding, workers, progress, segment, cache, engine
            ) -> tuple[list[PageResult], list[Problem]]:
    opts = _options(encoding)
    problems: list[Problem] = []
    if any(s.streamed for s in sources):  # stdin and named pipes are read here
        workers = 1
    slots: list = [None] * len(sources)
    jobs: list[Job] = []
    where: list[int] = []
    if engine is not None and any(s.streamed for s in sources):
        engine = None  # stdin is read here
    # Unchanged pages are read back from the store by whoever processes them (this
    # process's pool); a remote engine's workers cannot see the store, so this process
    # reads them for it.
    here = engine is not None and cache is not None
    fresh = cache.load_many([s.path for s in sources if cache.fresh(s)], segment) \
        if here else {}
    reuse = cache.store.path if cache is not None and not here else None
    for i, s in enumerate(sources):
        got = fresh.get(s.path)
        if got is not None:
            slots[i] = [got]
            continue
        jobs.append((s, opts, segment, cache.hash_of(s) if cache else None, reuse,
                     bool(reuse) and cache.fresh(s)))
        where.append(i)
    try:
        mapped = _map(_work, jobs, workers, progress, "load", engine=engine,
                      each=_Interner())
    finally:
        _close_readers()
    for i, results in zip(where, mapped, strict=True):
        out: list[Result] = []
        for r in results:
            if isinstance(r, Unchanged):
                got = cache.load(r.path, r.mtime_ns, segment) if cache else None
                if got is not None:
                    out.append(got)
                else:
                    out += _work((sources[i], opts, segment, None, None, False))
                continue
            if isinstance(r, PageResult) and r.reused and cache is not None:
                cache.reused += 1
            out.append(r)
        slots[i] = out
    flat = [r for results in slots for r in results]
    pages = [r for r in flat if isinstance(r, PageResult)]
    problems += [r for r in flat if isinstance(r, Problem)]
    return pages, problems


# stored pages read by one job of the pool
STORED_PER_JOB = 16


def load_stored(store: Store, paths: list[str], workers: int | WorkerPool | None = None,
                progress: Progress | None = None, segment: bool = True, engine=None
                ) -> dict[str, PageResult]:
    """Pages of the store as they were cleaned, by path (those it holds). The pool's
    workers read the rows and normalise the texts, and send plain tuples; this process
    makes the pages of them, once (not made in a worker, pickled, and made again here).
    With a remote engine, whose workers cannot see the store, this process reads them."""
    if engine is not None:
        return _stored_results(store, paths, segment)
    jobs = [(store.path, paths[i:i + STORED_PER_JOB], segment)
            for i in range(0, len(paths), STORED_PER_JOB)]
    try:
        mapped = _map(_read_stored, jobs, workers, progress, "load",
                      min_jobs=max(1, POOL_MIN_FILES // STORED_PER_JOB),
                      each=_FromRows(segment))
    finally:
        _close_readers()
    return {r.page.page.path: r for got in mapped for r in got}


def resolve_copies(results: list[PageResult], segment: bool = True) -> list[PageResult]:
    """Pages with the same fingerprint (the same text saved twice) in corpus order: the
    n-th copy's paragraphs get the ids of the n-th copy (see :mod:`corpus_cli.ids`)."""
    from corpus_cli.ids import recopy, resolve_page_copies

    def rebuild(r: PageResult, copy: int) -> PageResult:
        out = process_page(recopy(r.page, copy), segment)
        out.reused = False  # its paragraphs are new: written again
        return out

    return resolve_page_copies(results, lambda r: r.page, rebuild)


@dataclass(slots=True)
class CleanReport:
    """What ``corpus clean`` did: the cleaned pages, the inputs it could not use, and the
    counts (pages, paragraphs, noise removed by reason)."""

    pages: list[CleanPage]
    problems: list[Problem]
    counts: Counts


def clean_paths(
    args: Iterable[str],
    pattern: str | Sequence[str] = DEFAULT_PATTERNS,
    encoding: str | ReadOptions | None = None,
    workers: int | WorkerPool | None = None,
    progress: Progress | None = None,
) -> CleanReport:
    """Load and clean: what ``corpus clean`` shows."""
    with paused_gc():
        results, problems = ingest(args, pattern, encoding, workers, progress)
    pages = [r.page for r in results]
    return CleanReport(pages, problems, clean_counts(pages))


def clean_counts(pages: Iterable[CleanPage]) -> Counts:
    """Pages, paragraphs and noise removed by reason (no dedupe yet)."""
    n_pages = n = 0
    removed: Counter[str] = Counter()
    for cp in pages:
        n_pages += 1
        n += len(cp.paragraphs)
        removed.update(p.reason for p in cp.paragraphs if p.status == "removed")
    return Counts(pages=n_pages, paragraphs=n, removed_by_reason=dict(removed))


def build(
    args: Iterable[str],
    pattern: str | Sequence[str] = DEFAULT_PATTERNS,
    encoding: str | ReadOptions | None = None,
    config: DedupeConfig | None = None,
    workers: int | WorkerPool | None = None,
    progress: Progress | None = None,
    segment: bool = True,
    cache: PageCache | None = None,
    engine=None,
) -> Corpus:
    """Load, clean, segment and deduplicate: the corpus of ``corpus dedupe``."""
    with paused_gc():
        results, problems = ingest(args, pattern, encoding, workers, progress, segment, cache,
                                   engine)
        return assemble(results, problems, config, progress, engine)


def assemble(results: list[PageResult], problems: list[Problem],
             config: DedupeConfig | None = None, progress: Progress | None = None,
             engine=None, signatures: SignatureCache | None = None) -> Corpus:
    """The corpus of these pages, in this order (the corpus order): duplicates found, the
    pages' items gathered. ``signatures`` lends the MinHash signatures an earlier run
    computed, with the candidate and verified pairs of its texts, and keeps this run's (not
    with a remote ``engine``, which computes them)."""
    order = {r.page.page.path: n for n, r in enumerate(results)}
    paragraphs = [p for r in results for p in r.page.paragraphs]
    norms = [n for r in results for n in r.norms]
    for r in results:
        r.norms = []  # free them as soon as dedupe has grouped the texts
    candidates = None
    if engine is not None:
        signatures = None
        candidates = engine.candidates
    result = dedupe(paragraphs, config, progress, norms=norms, candidates=candidates,
                    order=order, cache=signatures)
    del norms
    items = [it for r in results for it in r.items]
    problems = problems + [p for r in results for p in r.problems]
    page_items = {r.page.page.path: r.items_json for r in results if r.items_json is not None}
    return Corpus([r.page for r in results], problems, result, items, order, page_items,
                  signatures if signatures is not None and signatures.digests is not None
                  else None)


ANNOTATE_CHUNK = 256
ANNOTATE_MIN_JOBS = 4  # chunks of items to annotate worth the pool


AnnotateJob = tuple[str, "str | None", "str | None", tuple[str, ...]]


def _annotate(job: tuple[list[AnnotateJob], bool]) -> list[tuple]:
    """Date mentions of each text (relative to its date) and, if asked, entity mentions of
    its entity text (title, text and captions: see :func:`segment.entity_text`). Runs in
    the pool."""
    from corpus_cli.dates import find_dates
    from corpus_cli.segment import join_entity_text

    texts, with_entities = job
    find_mentions = None
    if with_entities:
        from corpus_cli.entities import find_mentions
    out = []
    for text, ref, title, caps in texts:
        # An extractor that fails on one item leaves that item without its field: the
        # failure is returned (what, exception) and reported, the run goes on.
        failed = []
        try:
            dates = tuple(find_dates(text, ref))
        except Exception as e:  # noqa: BLE001
            dates, failed = (), [("date mentions", e)]
        mentions = None
        if find_mentions is not None:
            try:
                mentions = find_mentions(join_entity_text(title, text, caps))
            except Exception as e:  # noqa: BLE001
                mentions = []
                failed.append(("entities", e))
        out.append((dates, mentions, tuple(failed)))
    return out


def mentions_json(mentions) -> str | None:
    """Raw entity mentions as the store keeps them (see :meth:`Store.annotations`)."""
    import json

    if mentions is None:
        return None
    return json.dumps([[m.text, m.start, m.end, m.type, m.canonical, m.role, m.parent]
                       for m in mentions], ensure_ascii=False)


def annotation_key(job: AnnotateJob) -> str:
    """What an item's dates and entity mentions depend on (its text, date, title and
    captions), hashed: equal keys, equal annotations."""
    import hashlib

    text, ref, title, caps = job
    h = hashlib.blake2b(digest_size=12)
    for part in (text, ref or "", title or "", *caps):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


@dataclass(slots=True)
class Analysis:
    """The items of a corpus with their dates and entities, the entities, and what the store
    keeps to annotate them again cheaply: each item's annotation key and raw entity
    mentions (before aliases were merged across items)."""

    articles: list[Article]
    entities: list[Entity]
    keys: list[str | None]  # None: not to be reused (an extractor failed on the item)
    mentions: list  # per item: its raw mentions as JSON (builtin extractor), else None
    cached: int = 0  # items whose annotations came from the store


def analyse(
    corpus: Corpus,
    ner: str = "builtin",
    workers: int | WorkerPool | None = None,
    progress: Progress | None = None,
    engine=None,
    during: Callable[[], None] | None = None,
    release: bool = False,
) -> tuple[list[Article], list[Entity]]:
    """Merge the items of every page into articles; find their dates and entities (in the
    pool), and merge entity aliases across articles. ``during`` is called once, while the
    pool works (``corpus dedupe`` writes the paragraphs then); with ``release``, a
    :class:`WorkerPool` given as ``workers`` is closed as soon as its work is done."""
    got = analyse_items(corpus, ner, workers, progress, engine, during, release)
    return got.articles, got.entities


def analyse_items(
    corpus: Corpus,
    ner: str = "builtin",
    workers: int | WorkerPool | None = None,
    progress: Progress | None = None,
    engine=None,
    during: Callable[[], None] | None = None,
    release: bool = False,
    cache: Mapping[str, tuple] | None = None,
    drop_pages: bool = False,
    merged_items: Callable[[list[Article]], None] | None = None,
) -> Analysis:
    """:func:`analyse`, with the annotations of items whose :func:`annotation_key` is in
    ``cache`` (key -> (date mentions, raw entity mentions or None, failures, and
    optionally those mentions as :func:`mentions_json` gives them, which then stand for
    the second: :meth:`~corpus_cli.storage.store.Store.annotations` gives the JSON only),
    made under the same ``ner``) taken from it instead of found again. With
    ``drop_pages``, the corpus's pages and items are let go (emptied) as soon as they are
    no longer needed, ``during`` done: the entity merge then runs without them in memory.
    ``merged_items`` is given the items as soon as the copies are merged (before their
    dates and entities are found: the items returned are these, in this order, with those
    added)."""
    from corpus_cli.entities import extract
    from corpus_cli.segment import (
        entity_extras,
        join_entity_text,
        merge_items,
        trim_repeated_tails,
    )

    if any(it.trim_repeats for it in corpus.items):
        trim_repeated_tails(corpus.items, frozenset(
            m for cl in corpus.dedupe.clusters if cl.kind == "boilerplate"
            for m in cl.member_ids))
    urls = {cp.page.path: cp.url for cp in corpus.pages}
    try:
        merged = merge_items(corpus.items, corpus.dedupe.cluster_of, corpus.order or None,
                             urls)
    except Exception as exc:  # a bug must not cost the run its items: keep them unmerged
        corpus.problems.append(Problem(
            "(corpus)", f"merging the copies of items across pages failed "
            f"({type(exc).__name__}: {exc}); each page's items are kept apart", line=0))
        merged = merge_items(corpus.items, {}, corpus.order or None, urls)
    del urls
    for it in corpus.items:
        it.opening = None  # (in the merged items' ids now): not kept through the analysis
    if merged_items is not None:
        merged_items([a for a, _, _ in merged])
    if not merged:
        if during is not None:
            during()
        return Analysis([], [], [], [])
    caps: dict[str, list[str]] = {}
    for cp in corpus.pages:
        caps.update(captions(cp))
    jobs: list[AnnotateJob] = [(a.text, a.date, *entity_extras(best, caps, copies))
                               for a, best, copies in merged]
    del caps
    keys: list[str | None] = [annotation_key(j) for j in jobs]
    found: list = [None] * len(jobs)
    # the raw mentions of a hit as stored (JSON): they stand for its raw mentions, decoded
    # only if the entity merge is done here (a worker is sent the JSON as it is)
    stored_json: dict[int, str | None] = {}
    todo: list[int] = []
    for i, k in enumerate(keys):
        hit = cache.get(k) if cache else None
        if hit is not None:
            found[i] = hit[:3]
            if len(hit) > 3:
                stored_json[i] = hit[3]
        else:
            todo.append(i)
    chunks = [([jobs[i] for i in todo[c : c + ANNOTATE_CHUNK]], ner == "builtin")
              for c in range(0, len(todo), ANNOTATE_CHUNK)]
    # Few items to annotate (a re-run) are annotated here, and the pool is free: the entity
    # merge goes there, and this process writes the paragraphs (``during``) meanwhile.
    late = during if (ner == "builtin" and engine is None and len(chunks) < ANNOTATE_MIN_JOBS
                      and isinstance(workers, WorkerPool) and workers.started
                      and workers.size > 1) else None
    done = [x for part in _map(_annotate, chunks, workers, progress, "dates",
                               min_jobs=ANNOTATE_MIN_JOBS, engine=engine,
                               during=during if late is None else None) for x in part]
    for i, x in zip(todo, done, strict=True):
        found[i] = x
    if release and late is None and isinstance(workers, WorkerPool):
        workers.close()  # the rest is this process's: the workers' memory goes now
    del chunks, done
    articles = [replace(a, dates=d) for (a, _, _), (d, _m, _f) in zip(merged, found,
                                                                         strict=True)]
    for n, (a, (_d, _m, failed)) in enumerate(zip(articles, found, strict=True)):
        for what, exc in failed:
            src = a.sources[0]
            corpus.problems.append(extraction_problem(src.path, src.line_start, what, exc))
        if failed:
            keys[n] = None  # not kept for a later run: its failure is reported again
    del merged
    if drop_pages and late is None:  # (``during`` ran: the paragraphs are written)
        corpus.items = []
        corpus.pages = []
    mentions_of = [m if ner == "builtin" else None for _d, m, _f in found]
    cached = len(jobs) - len(todo)
    if ner == "none":
        return Analysis(articles, [], keys, mentions_of, cached)
    if progress:
        progress("entities", 0, len(articles))
    if ner == "builtin":
        del found  # free as early as possible: this is the run's peak of memory

        def as_json(mentions: list) -> list[str | None]:
            # kept for the store as compact JSON, not as objects, until the write (the
            # JSON read from the store as it is: encoding its mentions again gives the same)
            return [stored_json[i] if i in stored_json else mentions_json(m)
                    for i, m in enumerate(mentions)]

        if late is not None:
            # the worker is sent that JSON, much cheaper to send than the objects
            mentions_of = as_json(mentions_of)
            ents, item_ents = _merged_entities_meanwhile(mentions_of, corpus.problems,
                                                         workers, late)
            if release:
                workers.close()
        else:
            decoded = dict(zip(stored_json, _mentions_of_json(list(stored_json.values())),
                               strict=True))
            docs = [decoded[i] if i in decoded else m or [] for i, m in enumerate(mentions_of)]
            del decoded
            ents, docs = _merged_entities(docs, corpus.problems)
            mentions_of = as_json(mentions_of)  # (after the merge: not both in memory)
            item_ents = [_item_entities(d) for d in docs]
            del docs
    else:
        ents, docs = extract([join_entity_text(j[2], j[0], j[3]) for j in jobs], backend=ner)
        item_ents = [_item_entities(d) for d in docs]
        del docs
    del jobs
    out = [replace(a, entities=e) if e or a.entities else a
           for a, e in zip(articles, item_ents, strict=True)]
    if progress:
        progress("entities", len(out), len(out))
    return Analysis(out, ents, keys, mentions_of, cached)


def _item_entities(mentions) -> tuple[dict, ...]:
    """An item's entities from its merged mentions: name, type, the ways it is written and
    its number of mentions, most mentioned first (then by name, then first mentioned)."""
    count: dict[tuple[str, str], int] = {}
    aliases: dict[tuple[str, str], set[str]] = {}
    for m in mentions:
        k = (m.canonical, m.type)
        if k in count:
            count[k] += 1
            aliases[k].add(m.text)
        else:
            count[k] = 1
            aliases[k] = {m.text}
    return tuple({"name": k[0], "type": k[1], "aliases": sorted(aliases[k]), "mentions": n}
                 for k, n in sorted(count.items(), key=lambda kn: (-kn[1], kn[0][0])))


def _mentions_of_json(mentions: Sequence[str | None]) -> list[list]:
    """Each item's raw entity mentions from their :func:`mentions_json` (None: none)."""
    import json

    from corpus_cli.models import EntityMention, record_maker

    make = record_maker(EntityMention)
    return [[make(*m) for m in json.loads(js)] if js else [] for js in mentions]


def _merge_job(mentions: list[str | None]) -> tuple[list, list, list[Problem]]:
    """:func:`_merged_entities` in a worker, of the items' mentions as JSON: the entities,
    each item's entities (:func:`_item_entities`) and the problems met."""
    problems: list[Problem] = []
    ents, docs = _merged_entities(_mentions_of_json(mentions), problems)
    return ents, [_item_entities(d) for d in docs], problems


def _merged_entities_meanwhile(mentions: list[str | None], problems: list[Problem],
                               pool: WorkerPool, during: Callable[[], None]
                               ) -> tuple[list, list]:
    """The entities of the items whose raw mentions are ``mentions`` (:func:`mentions_json`
    of each) and each item's entities: :func:`_merged_entities` in a worker of ``pool``
    while this process calls ``during`` (in this process if the pool fails)."""
    from concurrent.futures import Future

    fut: Future | None = None
    try:
        fut = pool.executor().submit(_merge_job, mentions)
    except Exception:  # noqa: BLE001 - a pool that cannot take the job: merge here
        fut = None
    during()
    if fut is not None:
        try:
            ents, item_ents, more = fut.result()
        except Exception:  # noqa: BLE001 - a worker that died: merge here
            pass
        else:
            problems += more
            return ents, item_ents
    ents, docs = _merged_entities(_mentions_of_json(mentions), problems)
    return ents, [_item_entities(d) for d in docs]


def _merged_entities(docs: list, problems: list[Problem]) -> tuple[list, list]:
    """:func:`merge_entities`, with a failure reported as a problem of the corpus instead
    of ending the run: a failed step is left out (person names stay as written), and if
    merging fails as a whole each mention keeps the name its finder gave it."""
    from corpus_cli.entities.merge import merge_entities, unmerged_entities

    def failed(what: str, exc: BaseException) -> None:
        problems.append(Problem(
            "(corpus)", f"merging {what} across items failed ({type(exc).__name__}: {exc}); "
            f"{_UNMERGED[what]}", line=0))

    try:
        return merge_entities(docs, on_error=failed)
    except Exception as exc:
        failed("entities", exc)
        return unmerged_entities(docs)


_UNMERGED = {"person names": "each way of writing a person's name is its own entity",
             "entities": "each entity keeps the name found in its item, unmerged"}


@dataclass(frozen=True, slots=True)
class Changes:
    """What a run changed in the stored corpus: pages added, changed (read again with other
    text, or replaced by a new page with the same URL), removed and left as they were; and
    the items added, changed (same id, other content) and removed."""

    pages_added: int = 0
    pages_changed: int = 0
    pages_removed: int = 0
    pages_unchanged: int = 0
    items_added: int = 0
    items_changed: int = 0
    items_removed: int = 0
    written: bool = True  # False: nothing changed, so nothing was computed or written


@dataclass(slots=True)
class DedupeReport:
    """What ``corpus dedupe`` (or ``add``, ``remove``) did: counts, clusters, drops,
    problems and changes."""

    counts: Counts
    clusters: list[Cluster]
    drops: Mapping[str, Drop]
    paragraph_index: Mapping[str, Paragraph]  # every paragraph by id (read from the store)
    problems: list[Problem]
    db: str | None  # None with --dry-run (or when nothing could be read)
    seconds: float
    reused: int = 0  # pages whose cleaning was taken from the store
    changes: Changes | None = None  # None for --dry-run
    command: str = "dedupe"
    unwritten: str | None = None  # the store not written because no page could be read
    item_digests: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def pages(self) -> int:
        return self.counts.pages

    def cluster_dict(self, cl: Cluster) -> dict:
        """A cluster of the report: its kept copy (with its text) and the dropped copies."""
        return _cluster_dict(*next(self.cluster_rows([cl])))

    # members of the clusters whose paragraphs are read from the store at once
    CLUSTER_BATCH = 5000

    def cluster_rows(self, clusters: Iterable[Cluster]) -> Iterator[ClusterRow]:
        """``(cluster, kept, members)`` of each cluster, as they come: ``kept`` is
        ``(id, path, line_start, line_end, text)`` of the kept copy and ``members`` one
        ``(id, path, line_start, line_end, similarity, rule)`` for each dropped copy (what
        :meth:`cluster_dict` shows, without a dict for each paragraph). A stored report
        reads the paragraphs of a batch of clusters at once, never the whole store."""
        rows_many = getattr(self.paragraph_index, "rows_many", None)
        if rows_many is None:
            idx, drops = self.paragraph_index, self.drops
            for cl in clusters:
                k = idx[cl.kept_id]
                members = []
                for m in cl.member_ids[1:]:
                    p, dr = idx[m], drops[m]
                    members.append((m, p.path, p.line_start, p.line_end, dr.score, dr.reason))
                yield cl, (k.id, k.path, k.line_start, k.line_end, k.text), members
            return
        batch: list[Cluster] = []
        size = 0
        for cl in clusters:
            batch.append(cl)
            size += len(cl.member_ids)
            if size >= self.CLUSTER_BATCH:
                yield from _batch_rows(batch, rows_many)
                batch, size = [], 0
        if batch:
            yield from _batch_rows(batch, rows_many)

    def cluster_dicts(self, clusters: Iterable[Cluster]) -> Iterator[dict]:
        """:meth:`cluster_dict` of each cluster, as they come (see :meth:`cluster_rows`)."""
        for row in self.cluster_rows(clusters):
            yield _cluster_dict(*row)

    def changes_dict(self) -> dict | None:
        """What the run changed in the store (docs/json.md), or None (``--dry-run``)."""
        ch = self.changes
        if ch is None:
            return None
        return {"written": ch.written,
                "pages": {"added": ch.pages_added, "changed": ch.pages_changed,
                          "removed": ch.pages_removed, "unchanged": ch.pages_unchanged},
                "items": {"added": ch.items_added, "changed": ch.items_changed,
                          "removed": ch.items_removed}}

    def to_dict(self, limit: int | None = None) -> dict:
        """The report of ``corpus dedupe --json`` (and ``add``, ``remove``; docs/json.md):
        the counts, what changed, the problems and the clusters (the ``limit`` largest, or
        all)."""
        return {**self.head_dict(),
                "clusters": list(self.cluster_dicts(self.clusters[:limit]))}

    def head_dict(self) -> dict:
        """:meth:`to_dict` without its last key, ``clusters`` (written as they come by
        ``corpus dedupe --json``)."""
        counts = self.counts.to_dict()
        head = {"schema_version": SCHEMA_VERSION, "command": self.command, "db": self.db,
                "changes": self.changes_dict(), "pages": counts.pop("pages"),
                "reused_pages": self.reused}
        return {**head, **counts, "problems": [p.to_dict() for p in self.problems]}


# A cluster as the report shows it (see DedupeReport.cluster_rows).
ClusterRow = tuple[Cluster, tuple, list[tuple]]


def _batch_rows(batch: list[Cluster], rows_many) -> Iterator[ClusterRow]:
    found = rows_many([m for cl in batch for m in (cl.kept_id, *cl.member_ids[1:])])
    for cl in batch:
        yield cl, found[cl.kept_id], [found[m] for m in cl.member_ids[1:]]


def _cluster_dict(cl: Cluster, kept: tuple, members: list[tuple]) -> dict:
    kid, path, start, end, text = kept
    return {"id": cl.id, "kind": cl.kind, "size": len(cl.member_ids), "pages": cl.pages,
            "kept": {"id": kid, "path": path, "line_start": start, "line_end": end,
                     "text": text},
            "members": [{"id": m, "path": p, "line_start": a, "line_end": b,
                         "similarity": sim, "rule": rule}
                        for m, p, a, b, sim, rule in members]}


MODES = ("dedupe", "add", "remove")


def run_dedupe(
    args: Iterable[str],
    pattern: str | Sequence[str] = DEFAULT_PATTERNS,
    encoding: str | ReadOptions | None = None,
    db: str | None = None,
    config: DedupeConfig | None = None,
    dry_run: bool = False,
    workers: int | WorkerPool | None = None,
    progress: Progress | None = None,
    ner: str = "builtin",
    incremental: bool = True,
    engine=None,
    replace: bool = False,
) -> DedupeReport:
    """Everything ``corpus dedupe`` does: build the corpus of these inputs and (unless
    ``dry_run``) write it to the store in one transaction.

    On an existing store, pages not changed since the last run are not cleaned again
    (``incremental``), and when no page changed, nothing is computed or written. A store
    holding pages that are not among the inputs is refused (:class:`CorpusError`) unless
    ``replace``: the corpus is then rebuilt from these inputs and those pages go."""
    return update(MODES[0], args, pattern, encoding, db, config, dry_run, workers, progress,
                  ner, incremental, engine, replace)


def run_add(args: Iterable[str], pattern: str | Sequence[str] = DEFAULT_PATTERNS,
            encoding: str | ReadOptions | None = None, db: str | None = None,
            workers: int | WorkerPool | None = None,
            progress: Progress | None = None, dry_run: bool = False, engine=None
            ) -> DedupeReport:
    """``corpus add``: grow the stored corpus with these pages. New pages are added after
    the stored ones; a stored page read again (same path, or a new path with the same URL)
    with other text replaces its earlier contribution; the other stored pages stay. The
    store's options (threshold, entity extractor, encoding) are used. The result is that of
    a fresh run on the resulting pages in corpus order."""
    return update(MODES[1], args, pattern, encoding, db, None, dry_run, workers, progress,
                  None, True, engine, False)


def run_remove(args: Iterable[str], db: str | None = None,
               workers: int | WorkerPool | None = None, progress: Progress | None = None,
               dry_run: bool = False, engine=None) -> DedupeReport:
    """``corpus remove``: take pages out of the stored corpus (by stored path, a folder of
    stored paths, a glob or a page URL); clusters and items are formed again without them.
    Arguments that match no stored page are problems."""
    return update(MODES[2], args, DEFAULT_PATTERNS, None, db, None, dry_run, workers, progress,
                  None, True, engine, False)


def update(mode: str, args: Iterable[str], pattern: str, encoding: str | None,
           db: str | None, config: DedupeConfig | None, dry_run: bool,
           workers: int | WorkerPool | None, progress: Progress | None, ner: str | None,
           incremental: bool, engine, replace: bool) -> DedupeReport:
    """The common work of :func:`run_dedupe`, :func:`run_add` and :func:`run_remove`."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    own_pool = not isinstance(workers, WorkerPool)
    pool = WorkerPool(workers) if own_pool else workers
    with paused_gc():
        try:
            return _update(mode, list(args), pattern, encoding, db, config, dry_run, pool,
                           progress, ner, incremental, engine, replace, own_pool)
        finally:
            if own_pool:
                pool.close()


def _check_ner(ner: str) -> None:
    if ner == "spacy":  # fail early, before the long work
        import importlib.util

        from corpus_cli.entities import SPACY_INSTALL_HINT
        from corpus_cli.errors import CorpusError

        if importlib.util.find_spec("spacy") is None:
            raise CorpusError(f"the spacy backend needs spaCy: {SPACY_INSTALL_HINT}")


def _settings(config: DedupeConfig, ner: str, encoding: str | ReadOptions | None) -> dict:
    from dataclasses import asdict

    return {"dedupe": asdict(config), "ner": ner, "read": _options(encoding).key(),
            "code": code_fingerprint()}


def _read_options(key: str) -> ReadOptions:
    """The :class:`ReadOptions` of :meth:`ReadOptions.key`."""
    enc, fmt, html = (key.split("|") + ["", "auto", "main"])[:3]
    return ReadOptions(enc or None, fmt or "auto", html or "main")


def _covered(path: str, inputs: set[str]) -> bool:
    """Whether a stored page came from one of the inputs (a WARC record's page is the WARC
    file's path, ``#`` and the record's offset)."""
    return path in inputs or ("#" in path and path.rsplit("#", 1)[0] in inputs)


def match_stored(args: Iterable[str], stored: Sequence[str], urls: Mapping[str, str | None]
                 ) -> tuple[list[str], list[Problem]]:
    """The stored page paths named by ``args``: a stored path, a folder holding stored
    pages, a glob over stored paths, or a page URL. An argument naming none is a problem."""
    import fnmatch
    from pathlib import Path

    from corpus_cli.inputs.loader import display_path

    by_url: dict[str, list[str]] = {}
    for path, url in urls.items():
        if url:
            by_url.setdefault(url, []).append(path)
    chosen: dict[str, None] = {}
    problems: list[Problem] = []
    for arg in args:
        found: list[str] = []
        if "://" in arg:
            found = by_url.get(arg, [])
        else:
            key = display_path(Path(arg)) if arg != "-" else "<stdin>"
            if key in urls:
                found = [key]
            else:
                prefix = key.rstrip("/") + "/" if key != "." else ""
                found = [p for p in stored if p.startswith(prefix)]
                if not found and any(c in arg for c in "*?["):
                    found = [p for p in stored if fnmatch.fnmatchcase(p, key)
                             or fnmatch.fnmatchcase(p, arg)]
        if not found:
            problems.append(Problem(arg, "no page of the store matches"))
        for p in found:
            chosen[p] = None
    return list(chosen), problems


def _replaced_by_url(new: Sequence[CleanPage], stored: Sequence, candidates: set[str]
                     ) -> set[str]:
    """Stored pages that new pages replace by URL: a URL that exactly one new page and
    exactly one stored page (not among the inputs) have. A URL shared by several pages (a
    listing's address printed on every page, say) replaces nothing."""
    from collections import Counter as _Counter

    new_count = _Counter(cp.url for cp in new if cp.url)
    stored_count = _Counter(sp.url for sp in stored if sp.url)
    return {sp.path for sp in stored
            if sp.url and sp.path in candidates and new_count[sp.url] == 1
            and stored_count[sp.url] == 1}


def _items_that_go(store: Store, paths: Sequence[str]) -> int:
    """How many stored items are seen only on these pages."""
    ids = store.items_of_pages(paths)
    if not ids:
        return 0
    gone = set(paths)
    keep = set()
    for a in store.articles():
        if a.id in ids and any(s.path not in gone for s in a.sources):
            keep.add(a.id)
    return len(ids - keep)


def _update(mode, args, pattern, encoding, db, config, dry_run, workers, progress, ner,
            incremental, engine, replace, own_pool) -> DedupeReport:
    from corpus_cli.errors import CorpusError, InputError
    from corpus_cli.storage.store import SCHEMA_VERSION as CURRENT
    from corpus_cli.storage.store import check_store, default_path, open_store

    t0 = time.perf_counter()
    store = None
    # fail early on a bad store, before the long work
    if mode != "dedupe":
        store = open_store(db, write=not dry_run)
    elif not dry_run:
        # nothing is written (not even a new store made) before there is a page to write:
        # a run that reads no page leaves the store as it was
        db = db or default_path()
        if check_store(db):
            store = open_store(db, create=True)
    if store is not None and not dry_run:
        from corpus_cli.storage import index as side_index

        side_index.sweep(store.path)  # what index builds killed before left behind
    try:
        meta = store.meta() if store is not None and store.version >= CURRENT else {}
        stored = store.stored_pages() if store is not None else []
        if mode != "dedupe":
            if store is None or store.version < CURRENT or "settings" not in meta:
                raise CorpusError(
                    f"{store.path if store else db}: no corpus to {mode} to: build one with "
                    "'corpus dedupe PATH...'" if mode == "add" else
                    f"{store.path if store else db}: no corpus to remove pages from")
            settings = meta["settings"]
            config = DedupeConfig(**settings["dedupe"])
            ner = settings["ner"]
            if mode == "add" and _options(encoding) == ReadOptions() and "read" in settings:
                encoding = _read_options(settings["read"])
        config = config or DedupeConfig()
        ner = ner or "builtin"
        _check_ner(ner)
        settings = _settings(config, ner, encoding)
        same_settings = meta.get("settings") == settings
        by_path = {sp.path: sp for sp in stored}
        problems: list[Problem] = []
        cache = None
        if store is not None and incremental:
            cache = PageCache(store, cache_key(encoding))
        reuse_ok = cache is not None and bool(cache.known)

        # 1. What the corpus is made of: stored pages kept as they are, files to read.
        if mode == "remove":
            names, problems = match_stored(args, [sp.path for sp in stored],
                                           {sp.path: sp.url for sp in stored})
            removed = set(names)
            sources: list[Source] = []
            keep_stored = [sp.path for sp in stored if sp.path not in removed]
        else:
            if not args:
                raise InputError("no input given: name files, folders, globs, or - for stdin")
            sources, problems = sources_of(args, pattern)
            inputs = {s.path for s in sources}
            if mode == "add":
                keep_stored = [sp.path for sp in stored if not _covered(sp.path, inputs)]
                removed = set()
            else:
                old = [sp.path for sp in stored] if store is not None and stored \
                    else (store.old_page_paths() if store is not None else [])
                gone = [p for p in old if not _covered(p, inputs)]
                if gone and not replace and not dry_run:
                    n_items = _items_that_go(store, gone)
                    raise CorpusError(
                        f"the store {store.path} holds {len(gone)} page(s) that are not "
                        f"among these inputs ({n_items} stored item(s) seen only there): "
                        "use 'corpus add' to grow the corpus, or --replace to rebuild it "
                        "from these inputs")
                keep_stored = []
                removed = set(gone)
        if not sources and not keep_stored and mode != "remove" and not problems:
            raise InputError("no pages found")

        # 2. Read the inputs that may have changed (new, touched, changed files).
        fresh_src = [s for s in sources if cache is not None and cache.fresh(s)] \
            if reuse_ok else []
        fresh_paths = {s.path for s in fresh_src}
        suspects = [s for s in sources if s.path not in fresh_paths]
        read, more = _ingest(suspects, encoding, workers, progress, True,
                             cache if reuse_ok else None, engine)
        problems += more
        read_by_path = {r.page.page.path: r for r in read}
        unreadable = {p.path for p in more}
        # a stored page whose file cannot be read now keeps its stored contribution
        keep_stored += [s.path for s in suspects
                        if s.path in unreadable and s.path in by_path and store.version >= CURRENT]
        # a page read again whose bytes are those stored (a WARC record, read every time)
        # is not a change
        changed = {p for p, r in read_by_path.items() if p in by_path and not r.reused
                   and r.page.page.content_hash != by_path[p].content_hash}
        added = [p for p in read_by_path if p not in by_path]
        replaced: set[str] = set()
        if mode == "add":
            replaced = _replaced_by_url([read_by_path[p].page for p in added], stored,
                                        set(keep_stored))
            keep_stored = [p for p in keep_stored if p not in replaced]

        # 3. The corpus order: stored pages by their place, then new pages in input order.
        if mode == "dedupe":
            from_source: dict[str, list[str]] = {}
            for p in read_by_path:
                from_source.setdefault(p if p in inputs else p.rsplit("#", 1)[0], []).append(p)
            kept_here = set(keep_stored)
            order = []
            for s in sources:
                if s.path in fresh_paths or s.path in kept_here:
                    order.append(s.path)
                else:
                    order += from_source.get(s.path, [])
        else:
            stay = set(keep_stored) | {s.path for s in sources}
            order = [sp.path for sp in stored if sp.path in stay]
            order += [p for p in added if p not in by_path]
        order = list(dict.fromkeys(order))
        in_order = set(order)
        n_added = sum(1 for p in added if p in in_order)
        n_replaced = min(len(replaced), n_added)
        unchanged_n = len([p for p in order if p in by_path and p not in changed])
        nothing = (incremental and not changed and not added and not removed and not replaced
                   and same_settings and store is not None and store.version >= CURRENT
                   and [sp.path for sp in stored] == order)
        if nothing and not dry_run:
            # pages read again (a WARC file's records) were cleaned again: not reused
            n_reused = sum(1 for p in order if p not in read_by_path or read_by_path[p].reused)
            return _unchanged_report(store, mode, problems, t0, len(order), n_reused)

        # 4. Everything else comes from the store, read by the pool's workers.
        from_store = [p for p in order if p not in read_by_path]
        loaded = load_stored(store, from_store, workers, progress, True, engine) \
            if from_store else {}
        missing = [p for p in from_store if p not in loaded]
        if missing:  # stored pages the cache could not give back: read them again
            again, more = _ingest([Source(p, Path(p)) for p in missing], encoding, workers,
                                  progress, True, None, engine)
            problems += more
            loaded.update((r.page.page.path, r) for r in again)
        results = [read_by_path.get(p) or loaded.get(p) for p in order]
        results = resolve_copies([r for r in results if r is not None])
        reused = sum(1 for r in results if r.reused)
        signatures = None
        if not dry_run:
            key = f"{signature_key(config)}:{code_fingerprint()}"
            known = store.signatures(key, config) if store is not None and incremental \
                else None
            signatures = SignatureCache(key, known)
        corpus = assemble(results, problems, config, progress, engine, signatures)
        del results, read, read_by_path, loaded
        if store is None and mode == "dedupe" and not dry_run and corpus.pages:
            store = open_store(db, create=True)  # a new store, now that there is a corpus
        old_items = store.item_digests() if store is not None and not dry_run else {}
        # items whose text, date, title and captions are those stored are not annotated
        # again: their dates and raw entity mentions come from the store
        cache = store.annotations() if store is not None and same_settings else None
        report = _analyse_and_write(corpus, store, dry_run, ner, workers, progress, engine,
                                    own_pool, settings, encoding, t0, reused, mode, cache)
        if report.db is None and not dry_run:
            report.unwritten = db or default_path()
        if report.db is not None:
            new_items = report.item_digests
            report.changes = Changes(
                pages_added=n_added - n_replaced, pages_changed=len(changed) + n_replaced,
                pages_removed=len(removed) + len(replaced) - n_replaced,
                pages_unchanged=unchanged_n,
                items_added=sum(1 for i in new_items if i not in old_items),
                items_changed=sum(1 for i, d in new_items.items()
                                  if i in old_items and old_items[i] != d),
                items_removed=sum(1 for i in old_items if i not in new_items))
        report.item_digests = {}
        return report
    finally:
        if store is not None:
            store.close()


def _unchanged_report(store: Store, mode: str, problems: list[Problem], t0: float,
                      n_pages: int, n_reused: int) -> DedupeReport:
    """The report of a run that found nothing to do: read from the store."""
    from corpus_cli.storage.store import StoredDrops, StoredParagraphs

    counts = store.summary()
    return DedupeReport(
        counts=counts, clusters=list(store.clusters()), drops=StoredDrops(store.path),
        paragraph_index=StoredParagraphs(store.path, counts.paragraphs), problems=problems,
        db=store.path, seconds=time.perf_counter() - t0, reused=n_reused,
        changes=Changes(pages_unchanged=n_pages, written=False), command=mode)


def _write_paragraphs(w, corpus: Corpus) -> None:
    """The first half of the write: pages, paragraphs, clusters, and what a later run reuses
    (the pages' items, the texts' signatures)."""
    result = corpus.dedupe
    w.paragraphs(corpus.pages, result.drops, result.clusters, result.cluster_of,
                 corpus.page_items)
    corpus.page_items = {}
    if corpus.signatures is not None:
        cache = corpus.signatures
        w.signatures(cache.key, cache.blobs(), cache.pair_blobs(), cache.candidate_blobs())
        corpus.signatures = None


def _analyse_and_write(corpus: Corpus, store, dry_run, ner, workers, progress, engine,
                       own_pool, settings, encoding, t0, reused, mode, cache=None
                       ) -> DedupeReport:
    from corpus_cli.storage.store import StoredParagraphs

    result = corpus.dedupe
    writing = store is not None and not dry_run and bool(corpus.pages)
    counts = clean_counts(corpus.pages)
    digests: dict[str, str] = {}
    wrote = writing or (store is not None and not dry_run and mode == "remove")
    if writing:
        info = {"clean_key": cache_key(encoding), "settings": settings}
        with store.writer(progress, info) as w:
            # a re-run's search index is built (in a thread) from the items as soon as
            # they are merged, while their dates and entities are found and the rest is
            # written (a new store's once the items are written: see Writer.index)
            got = analyse_items(
                corpus, ner, workers, progress, engine, release=own_pool, cache=cache,
                during=lambda: _write_paragraphs(w, corpus), drop_pages=True,
                merged_items=w.index)
            articles, ents = got.articles, got.entities
            corpus.items = []  # merged into the articles: free them before the write
            # The paragraphs are in the store now: the report reads back those it shows,
            # and the run's peak of memory (the items being written) is lower without them.
            corpus.pages = []
            w.info["entities"] = len(ents)
            w.items(articles, ents, corpus.problems, got.keys, got.mentions)
            digests = w.digests
        paragraph_index: Mapping[str, Paragraph] = StoredParagraphs(store.path,
                                                                    counts.paragraphs)
    elif store is not None and not dry_run and mode == "remove":  # every page removed
        with store.writer(progress, {"clean_key": cache_key(encoding),
                                     "settings": settings, "entities": 0}) as w:
            w.paragraphs([], {}, [])
            w.items([], [], corpus.problems)
        articles, ents, paragraph_index = [], [], {}
    else:
        articles, ents = analyse(corpus, ner, workers, progress, engine, release=own_pool)
        paragraph_index = {p.id: p for cp in corpus.pages for p in cp.paragraphs}
    counts = replace(counts, duplicates_by_rule=dict(Counter(
        d.reason for d in result.drops.values())), clusters_by_kind=dict(Counter(
            cl.kind for cl in result.clusters)), items_by_kind=dict(Counter(
                a.kind for a in articles)), entities=len(ents))
    report = DedupeReport(
        counts=counts, clusters=result.clusters, drops=result.drops,
        paragraph_index=paragraph_index, problems=corpus.problems,
        db=store.path if wrote else None,
        seconds=time.perf_counter() - t0, reused=reused, command=mode,
    )
    report.item_digests = digests
    return report
