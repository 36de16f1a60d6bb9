"""Search speed: ``corpus_cli.search.search`` (SQLite FTS5) vs a plain ``grep -ril``.

    python benchmarks/bench_search.py                 # 100,000 items
    python benchmarks/bench_search.py --items 20000 --repeat 3

Items are made from the text of ``../shared/data/bbc_news.jsonl.gz`` (benchmark input only:
see its README; the script says so and stops when it is absent, and nothing of it is
copied into the repository): each item takes the title of one base article and one to three
of its body paragraphs, with dates spread over 2004-2005, and is written straight into a
store with ``Store.write``. The same items are also written as text pages (50 items a page)
into the work folder, for grep.

Then 50+ queries (common words, rare words, phrases, prefixes, boolean, misspelled names
that trigger the fuzzy expansion) go through ``search()`` with the CLI's default limit of 20,
and the same words (a phrase as a string, a prefix as its stem, the first word of a boolean
query) through ``grep -ril`` over the pages. Each query is timed ``--repeat`` times and its
best time kept; the report gives the median and p95 per kind of query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus_cli.models import Article, Source  # noqa: E402
from corpus_cli.search import run_search  # noqa: E402
from corpus_cli.storage.store import ArticleFilter, open_store  # noqa: E402

BASE = ROOT.parent / "shared" / "data" / "bbc_news.jsonl.gz"
PER_PAGE = 50

COMMON = ["the", "said", "year", "government", "people", "market", "game", "music", "film",
          "company", "minister", "players", "mobile", "election", "police"]
PHRASES = ['"prime minister"', '"world cup"', '"interest rates"', '"chief executive"',
           '"mobile phone"', '"house of commons"', '"box office"', '"oil prices"',
           '"general election"', '"high court"']
PREFIXES = ["terror*", "econom*", "champion*", "digit*", "invest*", "elect*", "broadband*",
            "comput*", "footbal*", "parliam*"]
BOOLEAN = ["film OR music", "gold NOT medal", "(labour OR tory) AND election",
           "bank AND (rates OR inflation)", "chelsea NOT arsenal"]
TYPOS = ["Blaire", "Schwarzeneger", "Chelsae", "Mourinio", "Microsfot"]


def load_base() -> list[dict]:
    if not BASE.exists():
        sys.exit(f"benchmark text not found at {BASE}; nothing to measure")
    with gzip.open(BASE, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def rare_words(base: list[dict], n: int, rng: random.Random) -> list[str]:
    """Words of 6+ letters used exactly twice in the base text."""
    import re
    from collections import Counter

    counts = Counter(w.lower() for r in base for p in r["paragraphs"]
                     for w in re.findall(r"[A-Za-z]{6,}", p))
    pool = sorted(w for w, c in counts.items() if c == 2)
    return rng.sample(pool, n)


def build(work: Path, base: list[dict], n_items: int, rng: random.Random) -> str:
    """The store and the pages of ``n_items`` items (reused when already built)."""
    db = work / f"bench-{n_items}.db"
    pages = work / f"pages-{n_items}"
    if db.exists() and pages.exists():
        print(f"reusing {db} and {pages}", file=sys.stderr)
        return str(db)
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir(parents=True)
    t0 = time.perf_counter()
    articles = []
    lines: list[str] = []
    for i in range(n_items):
        src = base[i % len(base)] if i < len(base) else rng.choice(base)
        paras = src["paragraphs"]
        k = rng.randint(1, min(3, len(paras)))
        start = rng.randrange(0, len(paras) - k + 1)
        text = "\n\n".join(paras[start : start + k])
        date = (dt.date(2004, 1, 1) + dt.timedelta(days=rng.randrange(731))).isoformat()
        page = pages / f"{i // PER_PAGE:06d}.txt"
        if i % PER_PAGE == 0:
            lines = []
        line = len(lines) + 1
        lines += [date, src["title"], *text.split("\n\n"), ""]
        articles.append(Article(
            id=f"b{i:012d}", kind="article", title=src["title"], date=date,
            date_precision="day", date_inferred=False, text=text,
            sources=(Source(str(page), line, len(lines) - 1),)))
        if i % PER_PAGE == PER_PAGE - 1 or i == n_items - 1:
            page.write_text("\n".join(lines), encoding="utf-8")
    tmp = db.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with open_store(str(tmp), create=True) as store:
        store.write([], {}, [], articles, [])
    tmp.rename(db)
    print(f"built {n_items:,} items in {time.perf_counter() - t0:.1f}s "
          f"({db.stat().st_size / 1e6:.0f} MB store, {n_items // PER_PAGE + 1} pages)",
          file=sys.stderr)
    return str(db)


def grep_word(query: str) -> str:
    q = query.strip('"').rstrip("*").strip("()")
    return q.split()[0].strip("()") if " OR " in q or " NOT " in q or " AND " in q else q


def time_it(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--limit", type=int, default=20, help="search() limit (0: no limit)")
    ap.add_argument("--work", type=Path, default=None,
                    help="keep the store and pages here (default: a temp folder, removed)")
    args = ap.parse_args()

    base = load_base()
    rng = random.Random(7)
    work = args.work or Path(tempfile.mkdtemp(prefix="corpus-bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        db = build(work, base, args.items, rng)
        pages = work / f"pages-{args.items}"
        kinds = {"common": COMMON, "rare": rare_words(base, 15, random.Random(3)),
                 "phrase": PHRASES, "prefix": PREFIXES, "boolean": BOOLEAN, "fuzzy": TYPOS}
        limit = ArticleFilter(limit=args.limit or None)
        rows = []
        with open_store(db) as store:
            t0 = time.perf_counter()
            store.vocabulary()
            vocab_ms = (time.perf_counter() - t0) * 1000
            print(f"vocabulary: {len(store.vocabulary()):,} terms read in {vocab_ms:.0f} ms "
                  "(once per process, only when a rare word is expanded)", file=sys.stderr)
            for kind, queries in kinds.items():
                for q in queries:
                    n = len(run_search(store, q, limit).hits)
                    ms = time_it(lambda q=q: run_search(store, q, limit), args.repeat)
                    word = grep_word(q)
                    g = time_it(lambda w=word: subprocess.run(
                        ["grep", "-ril", "--", w, str(pages)], stdout=subprocess.DEVNULL,
                        check=False), args.repeat)
                    rows.append((kind, q, n, ms, g))
        print(f"\n{args.items:,} items, limit {args.limit or 'none'}, best of {args.repeat}; "
              f"{len(rows)} queries")
        print(f"{'kind':<8} {'n':>3} {'search med':>11} {'p95':>8} {'grep med':>10} {'p95':>8}")
        for kind in [*kinds, "all"]:
            sel = [r for r in rows if kind in ("all", r[0])]
            s = [r[3] for r in sel]
            g = [r[4] for r in sel]
            print(f"{kind:<8} {len(sel):>3} {statistics.median(s):>8.1f} ms {pct(s, .95):>5.1f} ms"
                  f" {statistics.median(g):>7.1f} ms {pct(g, .95):>5.1f} ms")
        print("\nslowest searches:")
        for kind, q, n, ms, g in sorted(rows, key=lambda r: -r[3])[:5]:
            print(f"  {ms:7.1f} ms  {kind:<7} {q!r} ({n} hits; grep {g:.0f} ms)")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
