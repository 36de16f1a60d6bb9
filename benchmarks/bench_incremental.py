"""Incremental runs against a fresh run of the same corpus, in the same session.

    python benchmarks/bench_incremental.py --sizes 100k,1M --repeat 3

For each size and repeat, on a fresh copy of a generated corpus (see bench_dedupe.py):

1. ``corpus dedupe PAGES --db NEW.db``: the fresh run (the peer);
2. the same command again, no page changed (the unchanged re-run);
3. 1% of the pages changed in place (a sentence appended), ``corpus dedupe PAGES`` again;
4. 1% more pages (copies of other pages with a sentence changed) in a new folder,
   ``corpus add NEW``.

It prints each run's wall time and its ratio to the fresh run of the same repeat, then the
range of each ratio over the repeats, against the issue's targets (unchanged re-run <= 10%,
1% changed or added <= 15% of a fresh run at a million paragraphs).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_dedupe import ensure_corpus  # noqa: E402

TARGETS = {"unchanged re-run": 0.10, "1% changed, re-run": 0.15, "1% added, corpus add": 0.15}


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode(errors='replace')[-2000:]}")
    return seconds


def change(pages: list[Path], every: int, tag: str) -> int:
    n = 0
    for p in pages[::every]:
        with open(p, "a", encoding="utf-8") as fh:
            fh.write(f"\nThis sentence was added to the page by the benchmark ({tag}).\n")
        n += 1
    return n


def add_copies(pages: list[Path], every: int, folder: Path) -> int:
    folder.mkdir()
    n = 0
    for p in pages[1::every]:
        text = p.read_text(encoding="utf-8", errors="replace")
        # another URL: a new page, not the same page read again
        (folder / f"new-{p.name}").write_text(
            text.replace(" the ", " this ", 3).replace("https://", "https://copy.")
            + "\nA new page made by the benchmark.\n", encoding="utf-8")
        n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/corpus-bench"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = [sys.executable, "-m", "corpus_cli"]
    rows = []
    for label in [s.strip() for s in args.sizes.split(",")]:
        source = ensure_corpus(args.work, label) / "pages"
        for rep in range(1, args.repeat + 1):
            tmp = Path(tempfile.mkdtemp(prefix="corpus-inc-"))
            try:
                pages_dir = tmp / "pages"
                shutil.copytree(source, pages_dir)
                pages = sorted(pages_dir.iterdir())
                every = 100  # 1%
                db = str(tmp / "corpus.db")
                base = [*corpus, "dedupe", str(pages_dir), "--db", db, "--top", "0"]
                print(f"[{label} #{rep}] fresh ...", file=sys.stderr)
                fresh = timed(base)
                print(f"[{label} #{rep}] unchanged re-run ...", file=sys.stderr)
                same = timed(base)
                n = change(pages, every, f"repeat {rep}")
                print(f"[{label} #{rep}] {n} pages changed, re-run ...", file=sys.stderr)
                changed = timed(base)
                m = add_copies(pages, every, tmp / "new")
                print(f"[{label} #{rep}] {m} pages added ...", file=sys.stderr)
                added = timed([*corpus, "add", str(tmp / "new"), "--db", db, "--top", "0"])
                for name, seconds in (("fresh run (peer)", fresh), ("unchanged re-run", same),
                                      ("1% changed, re-run", changed),
                                      ("1% added, corpus add", added)):
                    rows.append((label, rep, name, seconds, seconds / fresh))
                    print(f"[{label} #{rep}] {name}: {seconds:.1f} s, {seconds / fresh:.3f} x "
                          "fresh", file=sys.stderr, flush=True)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.rmtree(str(tmp / "corpus.db") + ".index", ignore_errors=True)
    print(f"{'size':>5} {'#':>2} {'run':<22} {'seconds':>8} {'x fresh':>8}")
    for label, rep, name, seconds, ratio in rows:
        print(f"{label:>5} {rep:>2} {name:<22} {seconds:>8.1f} {ratio:>8.3f}")
    print()
    print(f"{'size':>5} {'run':<22} {'x fresh (range)':>16} {'target':>7}")
    for label in dict.fromkeys(r[0] for r in rows):
        for name in TARGETS:
            ratios = [r[4] for r in rows if r[0] == label and r[2] == name]
            target = TARGETS[name]
            ok = "met" if max(ratios) <= target else "MISSED"
            print(f"{label:>5} {name:<22} {min(ratios):>7.3f}-{max(ratios):<8.3f} "
                  f"{target:>6.0%} {ok if label == '1M' else ''}")


if __name__ == "__main__":
    main()
