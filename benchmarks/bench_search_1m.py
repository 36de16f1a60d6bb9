"""Search at a million items: the tantivy side index vs SQLite FTS5 (bm25) vs ``grep -ril``.

    python benchmarks/bench_search_1m.py                       # 1,000,000 items
    python benchmarks/bench_search_1m.py --items 200000 --work /tmp/b   # keep and reuse

The store is made as in ``bench_search.py`` (same items, same seed; written straight with
``Store.write``, not through the dedupe pipeline) from the text of
``../shared/data/bbc_news.jsonl.gz`` (benchmark input only; the script says so and stops when
it is absent; nothing of it is copied into the repository), together with the same items as
text pages for grep. Then the tantivy index is built (``corpus_cli.storage.index.build_index``) and
~55 queries (common words, rare words, phrases, prefixes, boolean, misspelled names) run
with a limit of 10, snippets included, each on a freshly opened store as ``corpus search``
does, through:

* ``tantivy``: ``run_search(engine="tantivy")``;
* ``fts5``: ``run_search(engine="fts5")``, the fallback (FTS5 ``MATCH`` + ``bm25()``);
* ``grep``: ``grep -ril WORD`` over the pages (a phrase as a string, a prefix as its stem).

Also timed: ``corpus list --year Y`` to its first row (in the process, and as a command), and
the peak memory of ``corpus list --jsonl`` for 1,000 rows vs all rows (it streams).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_search as base_bench  # noqa: E402

from corpus_cli.search import run_search  # noqa: E402
from corpus_cli.storage import index  # noqa: E402
from corpus_cli.storage.store import ArticleFilter, open_store  # noqa: E402

BASE = ROOT.parent / "shared" / "data" / "bbc_news.jsonl.gz"
CORPUS = str(Path(sys.executable).with_name("corpus"))

COMMON = ["the", "said", "year", "government", "people", "market", "game", "music", "film",
          "company", "minister", "players", "mobile", "election", "police"]
PREFIXES = ["gov*", "econ*", "terror*", "champion*", "digit*", "invest*", "elect*",
            "broadband*", "comput*", "parliam*"]


pct = base_bench.pct
best_of = base_bench.time_it


def ensure_index(db: str) -> float:
    """Give the store a generation token (Store.write got none) and build its index."""
    with open_store(db) as store:
        if index.open_index(store) is not None:
            print("reusing the tantivy index", file=sys.stderr)
            return 0.0
        token = index.new_token()
        store.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                           (index.TOKEN_KEY, json.dumps(token)))
        t0 = time.perf_counter()
        path = index.build_index(store, token)
        secs = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in Path(path).iterdir())
    print(f"tantivy index built in {secs:.1f}s ({size / 1e6:.0f} MB)", file=sys.stderr)
    return secs


def searcher(db: str, engine: str, limit: int):
    def run(q: str) -> int:
        with open_store(db) as store:
            return len(run_search(store, q, ArticleFilter(limit=limit), engine=engine).hits)
    return run


def list_first_row(db: str, year: int) -> tuple[float, float]:
    """ms to the first row of ``list --year``: in the process; and as a command (startup
    included)."""
    def inproc() -> None:
        with open_store(db) as store:
            next(store.articles(ArticleFilter(year=year)))
    ms = best_of(inproc, 3)

    def command() -> None:
        p = subprocess.Popen([CORPUS, "list", "--db", db, "--year", str(year), "--jsonl"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdout.readline()
        p.kill()
        p.wait()
    return ms, best_of(command, 3)


def peak_rss_mb(cmd: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of a command whose stdout goes to /dev/null."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
             "time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]) / 1024, float(out[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="best of N for the search engines")
    ap.add_argument("--grep-repeat", type=int, default=1)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--work", type=Path, default=None,
                    help="keep the store, pages and index here (default: a temp folder)")
    ap.add_argument("--no-stream", action="store_true",
                    help="skip the list --jsonl memory check (it writes every item)")
    args = ap.parse_args()

    if not BASE.exists():
        sys.exit(f"benchmark text not found at {BASE}; nothing to measure")
    base = base_bench.load_base()
    work = args.work or Path(tempfile.mkdtemp(prefix="corpus-bench-1m-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        db = base_bench.build(work, base, args.items, random.Random(7))
        print(f"store ready in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        index_secs = ensure_index(db)
        pages = work / f"pages-{args.items}"
        kinds = {"common": COMMON, "rare": base_bench.rare_words(base, 10, random.Random(3)),
                 "phrase": base_bench.PHRASES, "prefix": PREFIXES,
                 "boolean": base_bench.BOOLEAN, "fuzzy": base_bench.TYPOS}
        engines = {"tantivy": searcher(db, "tantivy", args.limit),
                   "fts5": searcher(db, "fts5", args.limit)}
        rows = []  # (kind, query, hits, {engine: ms})
        for kind, queries in kinds.items():
            for q in queries:
                ms = {}
                hits = {name: run(q) for name, run in engines.items()}  # warm up
                for name, run in engines.items():
                    ms[name] = best_of(lambda run=run, q=q: run(q), args.repeat)
                word = base_bench.grep_word(q)
                ms["grep"] = best_of(lambda w=word: subprocess.run(
                    ["grep", "-ril", "--", w, str(pages)], stdout=subprocess.DEVNULL,
                    check=False), args.grep_repeat)
                rows.append((kind, q, hits, ms))
                print(f"  {kind:<8}{q!r:<32} tantivy {ms['tantivy']:7.1f} ms  "
                      f"fts5 {ms['fts5']:7.1f} ms  grep {ms['grep']:7.1f} ms", file=sys.stderr)

        print(f"\n{args.items:,} items, limit {args.limit} with snippets, best of "
              f"{args.repeat} (grep: {args.grep_repeat}), fresh store per query; "
              f"{len(rows)} queries; index build {index_secs:.0f}s")
        names = ["tantivy", "fts5", "grep"]
        print(f"{'kind':<8} {'n':>3} " + " ".join(f"{n + ' p50':>12} {'p95':>9}" for n in names))
        for kind in [*kinds, "all"]:
            sel = [r for r in rows if kind in ("all", r[0])]
            cells = []
            for n in names:
                v = [r[3][n] for r in sel]
                cells.append(f"{statistics.median(v):>9.1f} ms {pct(v, .95):>6.1f} ms")
            print(f"{kind:<8} {len(sel):>3} " + " ".join(cells))
        print("\nslowest tantivy searches:")
        for kind, q, _hits, ms in sorted(rows, key=lambda r: -r[3]["tantivy"])[:5]:
            print(f"  {ms['tantivy']:7.1f} ms  {kind:<7} {q!r} (fts5 {ms['fts5']:.0f} ms)")
        differ = [(q, h) for _, q, h, _ in rows if h["tantivy"] != h["fts5"]]
        print(f"queries whose hit count differs between engines: {differ or 'none'}")

        with open_store(db) as store:
            year = int(next(store.articles(ArticleFilter(limit=1))).date[:4])
        inproc, command = list_first_row(db, year)
        print(f"\ncorpus list --year {year}: first row {inproc:.1f} ms in the process, "
              f"{command:.0f} ms as a command (startup included)")
        cli_ms = best_of(lambda: subprocess.run(
            [CORPUS, "search", "--db", db, "--limit", str(args.limit), "--jsonl", "the"],
            stdout=subprocess.DEVNULL, check=True), 3)
        print(f"corpus search the --limit {args.limit} --jsonl as a command: {cli_ms:.0f} ms "
              "(startup included)")
        if not args.no_stream:
            for n in (1000, None):
                cmd = [CORPUS, "list", "--db", db, "--jsonl"]
                if n:
                    cmd += ["--limit", str(n)]
                mb, secs = peak_rss_mb(cmd)
                print(f"corpus list --jsonl {'--limit ' + str(n) if n else '(all rows)':<14}"
                      f" peak RSS {mb:6.0f} MB, {secs:.1f}s")
        print(f"(peak RSS of this process: "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
