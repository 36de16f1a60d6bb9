"""Item boundaries and publication dates on the hand-marked development set, with a peer.

    python benchmarks/bench_devset.py              # the scorer's table and a naive peer
    python benchmarks/bench_devset.py --misses     # ... and every miss of corpus
    python benchmarks/bench_devset.py --generated /tmp/corpus-bench/c10k   # generated pages

Runs the development set's own scorer (``../shared/devset/score.py``, standard library only)
on ``corpus dedupe`` of its pages, as the scorer's README says, and scores a naive peer on
the same pages with the same scoring code: every page is one item dated by the first full
date found on it -- the usual shortcut -- by ``dateparser.search.search_dates`` (``pip
install dateparser``; else by ``corpus_cli.dates.find_dates``). This is a quality figure,
not a timed test; the set is a development set (the tool is judged on unseen pages of the
same kinds), so its figures measure progress, not generality. The script says so and stops
when the set is not found.

With ``--generated DIR`` it scores the segmentation on a corpus made by
``../shared/bench/make_corpus.py`` instead, against the generator's truth (a check that the
rules written against the development set hold on other pages of the seeds' kind).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def devset() -> Path | None:
    """``shared/devset`` beside the project (or beside the folder holding its worktree)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        d = base / "shared" / "devset"
        if (d / "score.py").exists():
            return d
    return None


def load_scorer(d: Path):
    spec = importlib.util.spec_from_file_location("devset_score", d / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def score_items(scorer, d: Path, items: list[dict]) -> dict:
    """The scorer's figures for ``items`` (records as ``corpus list --json`` gives them)."""
    gold = json.load(open(d / "gold.json", encoding="utf-8"))["pages"]
    by_file = {p["file"]: p for p in gold.values()}
    sources = {f: [] for f in by_file}
    for it in items:
        for s in it["sources"]:
            f = os.path.basename(s["path"])
            if f in sources:
                sources[f].append((s, it))
    groups, misses = {"odkb": scorer.new_counts(), "other": scorer.new_counts()}, []
    for f, page in sorted(by_file.items()):
        text = open(d / "pages" / f, encoding="utf-8", newline="").read()
        scorer.score_page(page, text, sources[f], groups[page["group"]], misses)
    total = {k: groups["odkb"][k] + groups["other"][k] for k in groups["odkb"]}
    return {"overall": scorer.metrics(total), "misses": misses}


def corpus_items(d: Path) -> list[dict]:
    cmd = [sys.executable, "-m", "corpus_cli"]
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "devset.db")
        res = subprocess.run(cmd + ["dedupe", str(d / "pages"), "--db", db, "--json"],
                             capture_output=True, text=True, cwd=ROOT)
        if res.returncode != 0:
            sys.exit(f"corpus dedupe failed: {res.stderr.strip()}")
        res = subprocess.run(cmd + ["list", "--json", "--db", db], capture_output=True,
                             text=True, cwd=ROOT)
        return json.loads(res.stdout)


def first_date_finder():
    """``(name, text -> ISO date or None)``: dateparser's ``search_dates`` when installed,
    else :func:`corpus_cli.dates.find_dates`."""
    try:
        from dateparser.search import search_dates
    except ImportError:
        from corpus_cli.dates import find_dates

        def ours(text: str) -> str | None:
            m = next((m for m in find_dates(text) if m.value and m.precision == "day"
                      and m.kind in ("date", "datetime")), None)
            return m.value if m else None

        return "corpus_cli.dates", ours

    def dp(text: str) -> str | None:
        found = search_dates(text, settings={"STRICT_PARSING": True}) or []
        return found[0][1].date().isoformat() if found else None

    return "dateparser", dp


def naive_items(d: Path, first_date) -> list[dict]:
    """The peer: each page one item, dated by the first full date found on the page."""
    out = []
    for f in sorted((d / "pages").glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        lines = text.split("\n")
        value = first_date(text)
        start = next((i for i, x in enumerate(lines, 1) if x.strip()), 1)
        out.append({"id": f.name, "sources": [{"path": str(f), "line_start": start,
                                               "line_end": len(lines)}],
                    "date": value, "date_precision": "day" if value else None,
                    "date_inferred": False})
    return out


def _ddmmyyyy(s: str) -> str | None:
    import re

    m = re.match(r"(\d\d)\.(\d\d)\.(\d{4})", s)
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


def generated(folder: Path, limit: int | None) -> None:
    """Boundaries and dates of corpus's segmentation on a corpus made by make_corpus.py,
    against its truth: each sidebar snippet, each dated listing entry (its date line above
    it may start it) and each article (its title) is an item; listing entries and articles
    are dated by their date line (or the date glued to their lead)."""
    from corpus_cli.clean import clean_page
    from corpus_cli.models import Page
    from corpus_cli.segment import segment_page

    truth = json.loads((folder / "truth.json").read_text())
    files = truth["files"]
    pages: dict[int, list] = {}
    for r in truth["rows"]:
        pages.setdefault(r[0], []).append(r)
    tp = produced = n_gold = dated = right = 0
    for f, rows in list(pages.items())[:limit]:
        raw = (folder / files[f]).read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        nb = [i + 1 for i, x in enumerate(lines) if x.strip()]
        gold = []
        for k, r in enumerate(rows):
            kind, ln = r[3], nb[r[1]]
            if kind == "sidebar":
                gold.append(({ln}, None))
            elif kind == "listing":
                prev = rows[k - 1]
                above = prev[3] == "date"
                gold.append(({ln, nb[prev[1]]} if above else {ln},
                             _ddmmyyyy(lines[nb[prev[1]] - 1].strip()) if above else None))
            elif kind == "title":
                when = None
                for r2 in rows[k + 1:k + 3]:
                    if r2[3] == "date" or r2[3] == "lead" and "glued-date" in (r2[4] or ""):
                        when = _ddmmyyyy(lines[nb[r2[1]] - 1].strip())
                        break
                gold.append(({ln}, when))
        items = segment_page(clean_page(Page(files[f], text, "utf-8", "x", len(text))))
        starts = [(it.paragraphs[0].line_start, it.date) for it in items]
        produced += len(starts)
        n_gold += len(gold)
        used: set[int] = set()
        for accept, when in gold:
            hit = next((j for j, (s, _) in enumerate(starts) if s in accept and j not in used),
                       None)
            if hit is not None:
                used.add(hit)
                tp += 1
            if when:
                dated += 1
                right += hit is not None and starts[hit][1] == when
    p, r = tp / produced, tp / n_gold
    print(f"generated corpus {folder.name}: {len(pages) if limit is None else limit} pages, "
          f"{n_gold} items ({dated} dated): boundary P {p:.3f} R {r:.3f} "
          f"F1 {2 * p * r / (p + r):.3f}, date accuracy {right / dated:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--misses", action="store_true", help="print every miss of corpus")
    ap.add_argument("--generated", type=Path, metavar="DIR",
                    help="instead: score the segmentation on a corpus made by make_corpus.py")
    ap.add_argument("--pages", type=int, help="with --generated: the first N pages only")
    args = ap.parse_args()
    if args.generated:
        generated(args.generated, args.pages)
        return
    d = devset()
    if d is None:
        sys.exit("the development set (../shared/devset/score.py) is not here; nothing to score")
    scorer = load_scorer(d)
    finder, first_date = first_date_finder()
    rows = [("corpus", score_items(scorer, d, corpus_items(d))),
            (f"peer: 1 item/page, {finder}", score_items(scorer, d, naive_items(d, first_date)))]
    m0 = rows[0][1]["overall"]
    print(f"dev set: {m0['gold_items']} gold items ({m0['dated_gold']} with a date)")
    cols = [("boundary_precision", "bound.P"), ("boundary_recall", "bound.R"),
            ("boundary_f1", "bound.F1"), ("date_accuracy", "date acc"),
            ("precision_accuracy", "prec acc"), ("undated_given_date", "undated->dated")]
    print(f"{'tool':34}" + "".join(f"{h:>15}" for _, h in cols))
    for name, r in rows:
        m = r["overall"]
        print(f"{name:34}" + "".join(f"{m[c]!s:>15}" for c, _ in cols))
    if args.misses:
        for m in rows[0][1]["misses"]:
            print("  " + json.dumps(m, ensure_ascii=False))


if __name__ == "__main__":
    main()
