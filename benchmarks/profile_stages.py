"""Where the CPU time of ``corpus dedupe`` goes: a py-spy profile summed by stage.

    python benchmarks/profile_stages.py PAGES_DIR            # profiles corpus dedupe
    python benchmarks/profile_stages.py --raw PROFILE.txt    # sums a profile taken before

It runs ``py-spy record --subprocesses --format raw`` (``pip install py-spy``) on
``corpus dedupe PAGES_DIR --db NEW.db`` and sums the samples of the pool's workers and of
the main process (its threads included: the SQLite writer, the tantivy build, the pool's
result reader) into the stages of a run, in seconds of CPU (samples / rate). A sample
counts for the first stage of the list below whose function is on its stack. A runnable
thread waiting for a core is sampled too: on a loaded machine the figures grow, their
proportions much less.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

# (process, stage, functions: the first stage with one of them on the stack takes a sample)
STAGES = [
    ("pool", "dates (find_dates)", ["find_dates"]),
    ("pool", "entities (find_mentions)", ["find_mentions"]),
    ("pool", "clean (clean_page)", ["clean_page"]),
    ("pool", "segment (segment_page)", ["segment_page"]),
    ("pool", "normalise for dedupe", ["process_page.<locals>.<listcomp>"]),
    ("pool", "read + decode", ["read_bytes", "page_from_bytes", "pages_from_bytes", "read_pages"]),
    ("pool", "send results (pickle)", ["_sendback_result", "SimpleQueue.put"]),
    ("main", "SQLite (store thread)", ["_Background._run"]),
    ("main", "tantivy index (thread)", ["BackgroundBuild._run"]),
    ("main", "receive results (pool's thread)", ["_ExecutorManagerThread.run"]),
    ("main", "dedupe", ["dedupe (corpus_cli/dedupe.py)"]),
    ("main", "merge items", ["merge_items", "resolve_item_ids", "trim_repeated_tails"]),
    ("main", "paragraph rows", ["Writer.paragraphs"]),
    ("main", "entity merge, items' entities", ["merge_entities", "analyse_items"]),
    ("main", "item rows", ["Writer.items"]),
    ("main", "report", ["dedupe_view", "write_document"]),
    ("main", "load: collect pages", ["_ingest", "_map"]),
    ("main", "start-up, imports", ["_find_and_load"]),
]


def summarise(path: str, rate: float) -> list[tuple[str, str, float]]:
    total: Counter = Counter()
    for line in open(path, encoding="utf-8", errors="replace"):
        stack, _, n = line.rstrip().rpartition(" ")
        if not n.isdigit():
            continue
        frames = stack.split(";")
        where = "pool" if any("_process_worker" in f for f in frames) else "main"
        joined = ";".join(re.sub(r":\d+\)$", ")", f) for f in frames)
        for w, stage, names in STAGES:
            if w == where and any(k in joined for k in names):
                total[(where, stage)] += int(n)
                break
        else:
            total[(where, "other")] += int(n)
    rows = []
    for where in ("pool", "main"):
        rows.append((where, "all", sum(v for (w, _), v in total.items() if w == where) / rate))
        rows += [(w, stage, v / rate) for (w, stage), v in total.most_common() if w == where]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pages", nargs="?")
    ap.add_argument("--raw", help="a py-spy raw profile to sum instead of taking one")
    ap.add_argument("--rate", type=float, default=50, help="samples per second")
    args = ap.parse_args()
    path = args.raw
    tmp = None
    if path is None:
        if not args.pages:
            ap.error("give PAGES_DIR or --raw PROFILE")
        spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
        if not os.path.exists(spy):
            sys.exit("py-spy is not installed (pip install py-spy)")
        tmp = tempfile.mkdtemp(prefix="corpus-profile-")
        path = os.path.join(tmp, "profile.txt")
        subprocess.run([spy, "record", "--subprocesses", "-r", str(args.rate), "-f", "raw",
                        "-o", path, "--", sys.executable, "-m", "corpus_cli", "dedupe",
                        args.pages, "--db", os.path.join(tmp, "c.db")],
                       check=True, stdout=subprocess.DEVNULL)
    try:
        print("| process | stage | CPU s |\n| --- | --- | ---: |")
        for where, stage, seconds in summarise(path, args.rate):
            label = f"**{stage}**" if stage == "all" else stage
            print(f"| {where} | {label} | {seconds:.1f} |")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
