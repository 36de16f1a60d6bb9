"""Compose the stages: load -> clean -> segment -> dates/entities -> dedupe -> merge -> store.

The work that needs one page only (decode, clean, normalise, split into items, find dates
and entity mentions) runs in a process pool over files; what needs the whole corpus
(near-duplicate clusters, merging items and entity aliases across pages) runs after it.
The result does not depend on the number of processes. The pipeline never prints: it
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
from typing import TYPE_CHECKING

from corpus_cli.clean import clean_page
from corpus_cli.dedupe import DedupeConfig, DedupeResult, dedupe, normalize
from corpus_cli.inputs.loader import (
    DEFAULT_PATTERNS,
    Source,
    content_hash,
    iter_sources,
    read_bytes,
    stat_key,
)
from corpus_cli.inputs.pages import ReadOptions, is_warc_source, pages_from_bytes, read_pages
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


@dataclass(slots=True)
class Corpus:
    """Everything one run produced, in path order."""

    pages: list[CleanPage]
    problems: list[Problem]
    dedupe: DedupeResult
    items: list  # segment.PageItem of every page

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


def process_page(cp: CleanPage, segment: bool = True) -> PageResult:
    """The per-page stages after cleaning: normalise, split into items. An error while
    splitting or dating does not stop the run: it becomes a problem of the page."""
    norms = [normalize(p.text) if p.kind == "text" and p.status == "kept" else ""
             for p in cp.paragraphs]
    items: list = []
    problems: list[Problem] = []
    if segment:
        from corpus_cli.segment import segment_page

        def failed(line: int, what: str, exc: BaseException) -> None:
            problems.append(extraction_problem(cp.page.path, line, what, exc))

        items = segment_page(cp, on_error=failed)
    return PageResult(cp, norms, items, problems=problems)


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
        cp = _stored_page(reuse, source.path)
        if cp is not None:
            return [_reused(process_page(cp, segment))]
    if is_warc_source(source, opts):
        return [_processed(p, segment) for p in read_pages(source, opts)]
    got = read_bytes(source)
    if isinstance(got, Problem):
        return [got]
    data, mtime = got
    if known_hash is not None and content_hash(data) == known_hash:
        if reuse is not None:
            cp = _stored_page(reuse, source.path, mtime)
            if cp is not None:
                return [_reused(process_page(cp, segment))]
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
    sidebar snippet on 50,000 pages is then held once, not 50,000 times, until dedupe."""

    def __call__(self, results: list[Result]) -> list[Result]:
        get = self.setdefault
        for r in results:
            if isinstance(r, PageResult):
                r.norms = [get(n, n) for n in r.norms]
        return results


def _reused(r: PageResult) -> PageResult:
    r.reused = True
    return r


# Read connections to stores whose cleaned pages are reused, one per process (the pool's
# workers read unchanged pages themselves, so that the parent does not do it alone).
_READERS: dict[str, Store] = {}


def _stored_page(db: str, path: str, mtime_ns: int | None = None) -> CleanPage | None:
    from corpus_cli.storage.store import open_store

    store = _READERS.get(db)
    if store is None:
        store = _READERS[db] = open_store(db)
        # a worker reads each page once: a small page cache, not the writer's
        store.conn.execute("PRAGMA cache_size=-4096")
    return store.clean_page(path, mtime_ns)


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

    def load_many(self, paths: list[str]) -> dict[str, CleanPage]:
        out = self.store.clean_pages(paths)
        self.reused += len(out)
        return out

    def load(self, path: str, mtime_ns: int | None = None) -> CleanPage | None:
        cp = self.store.clean_page(path, mtime_ns)
        if cp is not None:
            self.reused += 1
        return cp


def cache_key(opts: ReadOptions | str | None) -> str:
    """What the cleaned pages of a store depend on: the version and how inputs were read."""
    from corpus_cli import __version__

    if not isinstance(opts, ReadOptions):
        opts = ReadOptions(opts)
    return f"{__version__}|{opts.key()}"


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
            from concurrent.futures import ProcessPoolExecutor

            self._executor = ProcessPoolExecutor(self.size)
        return self._executor

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

    ``encoding`` is a forced encoding or the full :class:`ReadOptions` (format, HTML mode).
    Returns the page results in path order and the problems (warnings included). The
    result is the same whatever ``workers`` is, and with or without a ``cache`` of pages
    cleaned before. Stdin is read in this process.
    """
    opts = _options(encoding)
    sources: list[Source] = []
    problems: list[Problem] = []
    for s in iter_sources(list(args), pattern):
        (problems if isinstance(s, Problem) else sources).append(s)
    if any(s.location is None for s in sources):
        workers = 1
    slots: list = [None] * len(sources)
    jobs: list[Job] = []
    where: list[int] = []
    if engine is not None and any(s.location is None for s in sources):
        engine = None  # stdin is read here
    # Unchanged pages are read back from the store by whoever processes them (this
    # process's pool); a remote engine's workers cannot see the store, so this process
    # reads them for it.
    here = engine is not None and cache is not None
    fresh = cache.load_many([s.path for s in sources if cache.fresh(s)]) if here else {}
    reuse = cache.store.path if cache is not None and not here else None
    for i, s in enumerate(sources):
        cp = fresh.get(s.path)
        if cp is not None:
            slots[i] = [process_page(cp, segment)]
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
                cp = cache.load(r.path, r.mtime_ns) if cache else None
                if cp is not None:
                    out.append(process_page(cp, segment))
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


def _options(encoding: str | ReadOptions | None) -> ReadOptions:
    return encoding if isinstance(encoding, ReadOptions) else ReadOptions(encoding)


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
        return _build(args, pattern, encoding, config, workers, progress, segment, cache,
                      engine)


def _build(args, pattern, encoding, config, workers, progress, segment, cache, engine
           ) -> Corpus:
    results, problems = ingest(args, pattern, encoding, workers, progress, segment, cache,
                               engine)
    paragraphs = [p for r in results for p in r.page.paragraphs]
    norms = [n for r in results for n in r.norms]
    for r in results:
        r.norms = []  # free them as soon as dedupe has grouped the texts
    result = dedupe(paragraphs, config, progress, norms=norms,
                    candidates=engine.candidates if engine is not None else None)
    del norms
    items = [it for r in results for it in r.items]
    problems = problems + [p for r in results for p in r.problems]
    return Corpus([r.page for r in results], problems, result, items)


ANNOTATE_CHUNK = 256


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
    from corpus_cli.entities import extract, merge_entities
    from corpus_cli.segment import entity_extras, join_entity_text, merge_items, trim_repeated_tails

    if any(it.trim_repeats for it in corpus.items):
        trim_repeated_tails(corpus.items, frozenset(
            m for cl in corpus.dedupe.clusters if cl.kind == "boilerplate"
            for m in cl.member_ids))
    merged = merge_items(corpus.items, corpus.dedupe.cluster_of)
    if not merged:
        if during is not None:
            during()
        return [], []
    caps: dict[str, list[str]] = {}
    for cp in corpus.pages:
        caps.update(captions(cp))
    jobs: list[AnnotateJob] = [(a.text, a.date, *entity_extras(best, caps, copies))
                               for a, best, copies in merged]
    del caps
    chunks = [(jobs[i : i + ANNOTATE_CHUNK], ner == "builtin")
              for i in range(0, len(jobs), ANNOTATE_CHUNK)]
    found = [x for part in _map(_annotate, chunks, workers, progress, "dates", min_jobs=4,
                                engine=engine, during=during) for x in part]
    if release and isinstance(workers, WorkerPool):
        workers.close()  # the rest is this process's: the workers' memory goes now
    del chunks
    articles = [replace(a, dates=d) for (a, _, _), (d, _m, _f) in zip(merged, found,
                                                                         strict=True)]
    for a, (_d, _m, failed) in zip(articles, found, strict=True):
        for what, exc in failed:
            src = a.sources[0]
            corpus.problems.append(extraction_problem(src.path, src.line_start, what, exc))
    del merged
    if ner == "none":
        return articles, []
    if progress:
        progress("entities", 0, len(articles))
    if ner == "builtin":
        mentions_of = [m or [] for _d, m, _f in found]
        del found, jobs  # free as early as possible: this is the run's peak of memory
        ents, docs = merge_entities(mentions_of)
        del mentions_of
    else:
        ents, docs = extract([join_entity_text(j[2], j[0], j[3]) for j in jobs], backend=ner)
    out = []
    for a, mentions in zip(articles, docs, strict=True):
        per: dict[tuple[str, str], dict] = {}
        for m in mentions:
            e = per.setdefault((m.canonical, m.type), {"name": m.canonical, "type": m.type,
                                                       "aliases": set(), "mentions": 0})
            e["aliases"].add(m.text)
            e["mentions"] += 1
        ents_of_a = tuple(
            {**e, "aliases": sorted(e["aliases"])}
            for e in sorted(per.values(), key=lambda e: (-e["mentions"], e["name"]))
        )
        out.append(replace(a, entities=ents_of_a))
    if progress:
        progress("entities", len(out), len(out))
    return out, ents


@dataclass(slots=True)
class DedupeReport:
    """What ``corpus dedupe`` did: counts, clusters, drops and problems."""

    counts: Counts
    clusters: list[Cluster]
    drops: dict[str, Drop]
    paragraph_index: Mapping[str, Paragraph]  # every paragraph by id (read from the store)
    problems: list[Problem]
    db: str | None  # None with --dry-run
    seconds: float
    reused: int = 0  # pages whose cleaning was taken from the store

    def cluster_dict(self, cl: Cluster) -> dict:
        """A cluster of the report: its kept copy (with its text) and the dropped copies."""
        idx = self.paragraph_index
        kept = idx[cl.kept_id]
        members = []
        for m in cl.member_ids[1:]:
            dr = self.drops[m]
            members.append({**idx[m].where(), "similarity": dr.score, "rule": dr.reason})
        return {"id": cl.id, "kind": cl.kind, "size": len(cl.member_ids), "pages": cl.pages,
                "kept": {**kept.where(), "text": kept.text}, "members": members}

    def to_dict(self, limit: int | None = None) -> dict:
        """The report of ``corpus dedupe --json`` (docs/json.md): the counts, the problems
        and the clusters (the ``limit`` largest, or all)."""
        counts = self.counts.to_dict()
        head = {"schema_version": SCHEMA_VERSION, "db": self.db, "pages": counts.pop("pages"),
                "reused_pages": self.reused}
        return {**head, **counts, "problems": [p.to_dict() for p in self.problems],
                "clusters": [self.cluster_dict(cl) for cl in self.clusters[:limit]]}


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
) -> DedupeReport:
    """Everything ``corpus dedupe`` does: build the corpus and (unless ``dry_run``) write it
    to the store in one transaction."""
    own_pool = not isinstance(workers, WorkerPool)
    pool = WorkerPool(workers) if own_pool else workers
    with paused_gc():
        try:
            return _run_dedupe(args, pattern, encoding, db, config, dry_run, pool, progress,
                               ner, incremental, engine, own_pool)
        finally:
            if own_pool:
                pool.close()


def _run_dedupe(args, pattern, encoding, db, config, dry_run, workers, progress, ner,
                incremental, engine, own_pool) -> DedupeReport:
    t0 = time.perf_counter()
    if ner == "spacy":  # fail early, before the long work
        import importlib.util

        from corpus_cli.entities import SPACY_INSTALL_HINT
        from corpus_cli.errors import CorpusError

        if importlib.util.find_spec("spacy") is None:
            raise CorpusError(f"the spacy backend needs spaCy: {SPACY_INSTALL_HINT}")
    store = None
    cache = None
    if not dry_run:  # fail early on a bad store, before the long work
        from corpus_cli.storage.store import open_store

        store = open_store(db, create=True)
        if incremental:
            cache = PageCache(store, cache_key(_options(encoding)))
    try:
        corpus = _build(args, pattern, encoding, config, workers, progress, True, cache,
                        engine)
        result = corpus.dedupe
        writing = store is not None and bool(corpus.pages)

        def write_paragraphs() -> None:  # while the pool finds dates and entities
            store.write_begin(corpus.pages, result.drops, result.clusters,
                              result.cluster_of, progress)

        articles, ents = analyse(corpus, ner, workers, progress, engine,
                                 during=write_paragraphs if writing else None,
                                 release=own_pool)
        corpus.items = []  # merged into the articles: free them before the write
        counts = clean_counts(corpus.pages)
        if writing:
            from corpus_cli.storage import index
            from corpus_cli.storage.store import StoredParagraphs, index_rows

            # The paragraphs are in the store now: the report reads back those it shows,
            # and the run's peak of memory (the items being written) is lower without them.
            corpus.pages = []
            paragraph_index: Mapping[str, Paragraph] = StoredParagraphs(store.path,
                                                                        counts.paragraphs)
            token = index.new_token()  # names the side index of this generation
            # The side index is built from memory while SQLite writes the items; it is put
            # into place only once the store has committed.
            side = index.start_build(store.path, token, index_rows(articles), len(articles),
                                     progress)
            try:
                store.write_end(articles, ents, corpus.problems,
                                info={"clean_key": cache_key(_options(encoding)),
                                      index.TOKEN_KEY: token},
                                progress=progress)
            except BaseException:
                if side is not None:
                    side.discard()
                raise
            if side is not None:
                side.publish()
        else:
            paragraph_index = {p.id: p for cp in corpus.pages for p in cp.paragraphs}
    finally:
        if store is not None:
            store.write_abort()
            store.close()
    counts = replace(counts, duplicates_by_rule=dict(Counter(
        d.reason for d in result.drops.values())), clusters_by_kind=dict(Counter(
            cl.kind for cl in result.clusters)), items_by_kind=dict(Counter(
                a.kind for a in articles)), entities=len(ents))
    return DedupeReport(
        counts=counts, clusters=result.clusters, drops=result.drops,
        paragraph_index=paragraph_index, problems=corpus.problems,
        db=None if dry_run else (store.path if store else db),
        seconds=time.perf_counter() - t0,
        reused=cache.reused if cache else 0,
    )
