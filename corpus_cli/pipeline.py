"""Compose the stages: load -> clean -> dedupe -> segment (articles, dates, entities).

The pipeline only calls the pure functions of the other modules and reports progress
through an optional callback ``progress(stage, done, total)``; it never prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from corpus_cli.clean import clean_page
from corpus_cli.dedupe import DedupeConfig, DedupeResult, dedupe, normalize
from corpus_cli.loader import DEFAULT_GLOB, Source, iter_sources, read_source
from corpus_cli.models import CleanPage, Page, Problem

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
