"""Compose the stages: load -> clean -> dedupe -> segment (articles, dates, entities).

The pipeline only calls the pure functions of the other modules and reports progress
through an optional callback ``progress(stage, done, total)``; it never prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from corpus_cli.clean import clean_page
from corpus_cli.dedupe import DedupeConfig, DedupeResult, dedupe, normalize
from corpus_cli.loader import DEFAULT_GLOB, Source, iter_sources, read_source
from corpus_cli.models import (
    Article,
    CleanPage,
    Cluster,
    Drop,
    Entity,
    Page,
    Paragraph,
    Problem,
)

Progress = Callable[[str, int, int], None]

# Below this many files a process pool costs more than it saves.
POOL_MIN_FILES = 64


@dataclass(slots=True)
class Corpus:
    """Everything one run produced, in path order."""

    pages: list[CleanPage]
    problems: list[Problem]
    dedupe: DedupeResult | None = None
    norms: dict[str, str] = field(default_factory=dict)

    @property
    def paragraphs(self):
        return [p for cp in self.pages for p in cp.paragraphs]


def _ingest_one(args: tuple[Source, str | None]) -> tuple[CleanPage | Problem, list[str]]:
    """Read, decode and clean one file; also the normalised text of each paragraph."""
    source, encoding = args
    page = read_source(source, encoding)
    if isinstance(page, Problem):
        return page, []
    cp = clean_page(page)
    return cp, [normalize(p.text) if p.kind == "text" else "" for p in cp.paragraphs]


def _default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def ingest(
    args: Iterable[str],
    pattern: str = DEFAULT_GLOB,
    encoding: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> tuple[list[CleanPage], list[Problem], dict[str, str]]:
    """Load and clean every page named by ``args`` (in a process pool when worth it).

    Returns the cleaned pages in path order, the problems, and the normalised text of every
    kept text paragraph by paragraph id. The result is the same whatever ``workers`` is.
    """
    sources: list[Source] = []
    problems: list[Problem] = []
    for s in iter_sources(list(args), pattern):
        (problems if isinstance(s, Problem) else sources).append(s)
    workers = _default_workers() if workers is None else max(1, workers)
    has_stdin = any(s.location is None for s in sources)
    jobs = [(s, encoding) for s in sources]
    if workers > 1 and len(jobs) >= POOL_MIN_FILES and not has_stdin:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            results = pool.map(_ingest_one, jobs, chunksize=max(1, len(jobs) // (workers * 16)))
            out = _collect(results, len(jobs), progress)
    else:
        out = _collect(map(_ingest_one, jobs), len(jobs), progress)
    pages, more_problems, norms = out
    return pages, problems + more_problems, norms


def _collect(results, total: int, progress: Progress | None):
    pages: list[CleanPage] = []
    problems: list[Problem] = []
    norms: dict[str, str] = {}
    for done, (item, page_norms) in enumerate(results, 1):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            pages.append(item)
            for p, n in zip(item.paragraphs, page_norms, strict=True):
                if n:
                    norms[p.id] = n
        if progress and (done % 200 == 0 or done == total):
            progress("load", done, total)
    return pages, problems, norms


def clean_only(pages: Sequence[Page]) -> list[CleanPage]:
    return [clean_page(p) for p in pages]


def build(
    args: Iterable[str],
    pattern: str = DEFAULT_GLOB,
    encoding: str | None = None,
    config: DedupeConfig | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Corpus:
    """Load, clean and deduplicate: the corpus of ``corpus dedupe``."""
    pages, problems, norms = ingest(args, pattern, encoding, workers, progress)
    paragraphs = [p for cp in pages for p in cp.paragraphs]
    result = dedupe(
        paragraphs, config, progress, norms=[norms.get(p.id, "") for p in paragraphs]
    )
    return Corpus(pages, problems, result, norms)


@dataclass(slots=True)
class DedupeReport:
    """What ``corpus dedupe`` did: counts, clusters, drops and problems."""

    pages: int
    paragraphs: int
    kept: int
    dropped: int
    removed_by_reason: dict[str, int]
    duplicates_by_rule: dict[str, int]
    clusters: list[Cluster]
    drops: dict[str, Drop]
    paragraph_index: dict[str, Paragraph]
    articles: int
    articles_by_kind: dict[str, int]
    entities: int
    problems: list[Problem]
    db: str | None  # None with --dry-run
    seconds: float


def analyse(
    pages: Sequence[CleanPage],
    result: DedupeResult,
    ner: str = "builtin",
) -> tuple[list[Article], list[Entity]]:
    """Segment pages into merged items, find dates (in segment) and entities."""
    from corpus_cli.segment import build_articles

    try:  # TEMP until entities.py lands
        from corpus_cli.entities import extract
    except ImportError:
        def extract(texts, backend):
            return [], [[] for _ in texts]

    articles = build_articles(pages, result.cluster_of)
    captions = _captions(pages)
    texts = [
        "\n\n".join(
            x for x in (a.title, a.text, *(c for pid in a.paragraph_ids
                                             for c in captions.get(pid, ()))) if x)
        for a in articles
    ]
    ents, docs = extract(texts, backend=ner)
    out = []
    for a, mentions in zip(articles, docs, strict=True):
        per: dict[str, dict] = {}
        for m in mentions:
            e = per.setdefault(m.canonical, {"name": m.canonical, "type": m.type,
                                             "aliases": set(), "mentions": 0})
            e["aliases"].add(m.text)
            e["mentions"] += 1
        ents_of_a = tuple(
            {**e, "aliases": sorted(e["aliases"])}
            for e in sorted(per.values(), key=lambda e: (-e["mentions"], e["name"]))
        )
        out.append(replace(a, entities=ents_of_a))
    return out, ents


def _captions(pages: Sequence[CleanPage]) -> dict[str, list[str]]:
    """Image names made of words ("Meeting of the ministers 9.06.2018.jpg") are not prose but
    they name entities: each is given to the kept paragraph before it, by paragraph id."""
    out: dict[str, list[str]] = {}
    for cp in pages:
        last: str | None = None
        for p in cp.paragraphs:
            if p.status == "kept":
                last = p.id
            for r in p.removals:
                if r.kind == "image" and last and len(r.text.split()) >= 3:
                    out.setdefault(last, []).append(r.text.rsplit(".", 1)[0])
    return out


def run_dedupe(
    args: Iterable[str],
    pattern: str = DEFAULT_GLOB,
    encoding: str | None = None,
    db: str | None = None,
    config: DedupeConfig | None = None,
    dry_run: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    ner: str = "builtin",
) -> DedupeReport:
    """Everything ``corpus dedupe`` does: build the corpus and (unless ``dry_run``) write it
    to the store in one transaction."""
    import time
    from collections import Counter

    t0 = time.perf_counter()
    store = None
    if not dry_run:  # fail early on a bad store, before the long work
        from corpus_cli.store import open_store

        store = open_store(db, create=True)
    try:
        corpus = build(args, pattern, encoding, config, workers, progress)
        result = corpus.dedupe
        assert result is not None
        articles, ents = analyse(corpus.pages, result, ner) if corpus.pages else ([], [])
        index = {p.id: p for cp in corpus.pages for p in cp.paragraphs}
        if store is not None and corpus.pages:
            store.write(corpus.pages, result.drops, result.clusters, articles, ents,
                        corpus.problems)
    finally:
        if store is not None:
            store.close()
    removed = Counter(p.reason for p in index.values() if p.status == "removed")
    rules = Counter(d.reason for d in result.drops.values())
    n = len(index)
    dropped = sum(removed.values()) + sum(rules.values())
    return DedupeReport(
        pages=len(corpus.pages), paragraphs=n, kept=n - dropped, dropped=dropped,
        removed_by_reason=dict(removed), duplicates_by_rule=dict(rules),
        clusters=result.clusters, drops=result.drops, paragraph_index=index,
        articles=len(articles), articles_by_kind=dict(Counter(a.kind for a in articles)),
        entities=len(ents), problems=corpus.problems,
        db=None if dry_run else (store.path if store else db),
        seconds=time.perf_counter() - t0,
    )
