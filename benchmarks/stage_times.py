"""Wall time of each stage of one ``corpus`` command, by wrapping the functions that make
the stages (what docs/scaling.md's stage tables of a re-run are measured with).

    python benchmarks/stage_times.py dedupe PAGES --db COPY.db

runs the command in this process (its pool's workers as usual) and prints, on stderr, the
whole run's wall time and, per wrapped function, the wall time spent in it in the main
thread (nested functions count in each: ``_analyse_and_write`` holds ``analyse_items``,
which holds ``merge_items``...) and how often it was called; the side index's build is
timed in its own thread. Measure a re-run on a copy of a store (and of its ``.index``
folder): the command writes it.
"""

from __future__ import annotations

import atexit
import functools
import sys
import threading
import time
from collections import defaultdict

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
START = time.perf_counter()

# module -> functions (a dotted name wraps a method)
WRAPPED = {
    "corpus_cli.pipeline": ["sources_of", "_ingest", "load_stored", "resolve_copies",
                            "assemble", "_analyse_and_write", "analyse_items",
                            "_write_paragraphs", "_merged_entities_meanwhile",
                            "_merged_entities"],
    "corpus_cli.dedupe": ["dedupe", "cluster_texts", "_windows_again", "_verify"],
    "corpus_cli.segment": ["merge_items", "trim_repeated_tails"],
    "corpus_cli.storage.store": ["Store.signatures", "Store.item_digests",
                                 "Store.annotations", "Store.stored_pages", "Writer.begin",
                                 "Writer.index", "Writer.paragraphs", "Writer.signatures",
                                 "Writer.items", "Writer.commit"],
    "corpus_cli.storage.delta": ["stored", "paragraph_digests", "plan_paragraphs",
                                 "cluster_changes", "page_items_changes", "plan_items",
                                 "entity_changes"],
}


def _wrap(module, dotted: str) -> None:
    owner = module
    *path, name = dotted.split(".")
    for part in path:
        owner = getattr(owner, part)
    fn = getattr(owner, name)
    label = f"{module.__name__.rsplit('.', 1)[-1]}.{dotted}"

    @functools.wraps(fn)
    def timed(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            return fn(*args, **kwargs)
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - t0
            CALLS[label] += 1

    setattr(owner, name, timed)


def _wrap_index_thread() -> None:
    from corpus_cli.storage import index

    run = index.BackgroundBuild._run

    def timed(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return run(self, *args, **kwargs)
        finally:
            TIMES["index build (its thread)"] += time.perf_counter() - t0
            CALLS["index build (its thread)"] += 1

    index.BackgroundBuild._run = timed


def _report() -> None:
    print(f"\n{'whole run':48s} {time.perf_counter() - START:8.2f} s", file=sys.stderr)
    for label, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        print(f"{label:48s} {seconds:8.2f} s  x{CALLS[label]}", file=sys.stderr)


def main() -> None:
    import importlib

    for name, functions in WRAPPED.items():
        module = importlib.import_module(name)
        for dotted in functions:
            _wrap(module, dotted)
    _wrap_index_thread()
    atexit.register(_report)
    from corpus_cli.cli import main as corpus

    sys.argv = ["corpus", *sys.argv[1:]]
    corpus()


if __name__ == "__main__":
    main()
