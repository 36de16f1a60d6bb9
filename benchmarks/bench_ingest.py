"""Ingest throughput (load + clean + normalise + segment): one process vs the pool.

    python benchmarks/bench_ingest.py [--pages DIR] [--workers 2]

Default pages: the 100k-paragraph corpus of bench_dedupe.py (/tmp/corpus-bench/c100k), made
with ../shared/bench/make_corpus.py when missing. Prints MB/s and pages/s for each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_dedupe import ensure_corpus  # noqa: E402

from corpus_cli import pipeline  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=Path)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    pages = args.pages or ensure_corpus(Path("/tmp/corpus-bench"), "100k") / "pages"
    size = sum(f.stat().st_size for f in pages.rglob("*.txt"))
    print(f"{'mode':<18} {'pages':>7} {'paragraphs':>10} {'seconds':>8} {'MB/s':>7} "
          f"{'pages/s':>8}")
    for label, workers in (("one process", 1), (f"pool of {args.workers}", args.workers)):
        t = time.perf_counter()
        results, _ = pipeline.ingest([str(pages)], workers=workers, segment=True)
        dt = time.perf_counter() - t
        n_par = sum(len(r.page.paragraphs) for r in results)
        print(f"{label:<18} {len(results):>7,} {n_par:>10,} {dt:>8.2f} "
              f"{size / dt / 1e6:>7.1f} {len(results) / dt:>8,.0f}")


if __name__ == "__main__":
    main()
