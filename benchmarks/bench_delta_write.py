"""Where the delta write stops paying: a re-run over a stored corpus after a share of its
pages changed, written as a delta and written in bulk (every row again, the peer), in the
same session.

    python benchmarks/bench_delta_write.py --size 100k --shares 1,10,20,30,50 --repeat 2

For each share and repeat: a copy of a generated corpus (see bench_dedupe.py), a fresh run,
that share of the pages changed in place (a sentence appended, and one of their sentences
reworded, so their items change), then ``corpus dedupe PAGES`` again on two copies of the
store: one with the delta write forced (``DELTA_MAX`` = 1), one with the bulk write forced
(``DELTA_MAX`` = 0). Everything but the write is the same work in both, so the ratio of
their wall times says which write is cheaper at that share (the writer picks the bulk one
past ``corpus_cli.storage.delta.DELTA_MAX`` of the paragraphs).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_dedupe import ensure_corpus  # noqa: E402
from bench_incremental import timed  # noqa: E402

DRIVER = """
import sys
from corpus_cli.storage import delta
delta.DELTA_MAX = float(sys.argv[1])
from corpus_cli.cli import cli
cli(sys.argv[2:])
"""


def change(pages: list[Path], share: float, tag: str) -> int:
    every = max(1, round(1 / share))
    n = 0
    for p in pages[::every]:
        text = p.read_text(encoding="utf-8", errors="replace").replace(" the ", " a ", 1)
        p.write_text(text + f"\nThis sentence was added by the benchmark ({tag}).\n",
                     encoding="utf-8")
        n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100k")
    ap.add_argument("--shares", default="1,10,20,30,50", help="percent of pages changed")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/corpus-bench"))
    args = ap.parse_args()
    source = ensure_corpus(args.work, args.size) / "pages"
    rows = []
    for share in [float(s) / 100 for s in args.shares.split(",")]:
        for rep in range(1, args.repeat + 1):
            tmp = Path(tempfile.mkdtemp(prefix="corpus-delta-"))
            try:
                pages_dir = tmp / "pages"
                shutil.copytree(source, pages_dir)
                db = tmp / "corpus.db"
                subprocess.run([sys.executable, "-m", "corpus_cli", "dedupe", str(pages_dir),
                                "--db", str(db), "--top", "0"], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                n = change(sorted(pages_dir.iterdir()), share, f"{share} {rep}")
                got = {}
                for mode, limit in (("bulk", "0"), ("delta", "1")):
                    copy = tmp / f"{mode}.db"
                    shutil.copy(db, copy)
                    shutil.copytree(str(db) + ".index", str(copy) + ".index")
                    got[mode] = timed([sys.executable, "-c", DRIVER, limit, "dedupe",
                                       str(pages_dir), "--db", str(copy), "--top", "0"])
                rows.append((share, rep, n, got["bulk"], got["delta"]))
                print(f"[{share:.0%} #{rep}] {n} pages changed: bulk {got['bulk']:.1f} s, "
                      f"delta {got['delta']:.1f} s", file=sys.stderr, flush=True)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'changed':>8} {'#':>2} {'pages':>6} {'bulk s':>8} {'delta s':>8} "
          f"{'delta/bulk':>10}")
    for share, rep, n, bulk, delta in rows:
        print(f"{share:>8.0%} {rep:>2} {n:>6} {bulk:>8.1f} {delta:>8.1f} {delta / bulk:>10.3f}")


if __name__ == "__main__":
    main()
