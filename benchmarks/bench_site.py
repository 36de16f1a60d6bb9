"""``--html main`` against ``--html full`` on a small site crawl made here.

    python benchmarks/bench_site.py [--pages 40] [--seed 1] [--keep DIR]

Writes a crawl of a made-up news site: every page has the same menu, the same footer and a
"most read" box of three teasers (plain paragraphs, no links) placed *inside* the article
element, where a per-page extractor cannot tell it from the article; and its own article
(generated sentences).
Then builds a corpus of it with each mode (load, clean, segment, dedupe, merge; no store)
and counts, over the items of the corpus:

* items, those holding article text, and those made only of boilerplate (a teaser kept
  as a brief of its own, merged across its copies);
* article paragraphs found in some item (recall of the real content);
* article items whose text holds boilerplate (menu, footer or a teaser), and the
  boilerplate paragraphs in them;
* the teaser, menu and footer paragraphs dropped by dedupe as cross-page repeats.

The peer, in the same run, is trafilatura alone on each page (what ``--html main`` builds
on): pages whose extracted text holds a teaser, the menu or the footer. The "no tail
trim" rows are corpus without :func:`corpus_cli.segment.trim_repeated_tails` (what
dedupe found repeating is dropped, but not taken off the items it ends).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus_cli import pipeline  # noqa: E402
from corpus_cli.inputs.pages import ReadOptions  # noqa: E402

MENU = ["Home", "World", "Business", "Science", "Sport", "Contact us"]
TEASERS = [
    "Harbour festival draws record crowds to the waterfront this weekend",
    "New tram line to the university opens two months ahead of schedule",
    "Local bakery wins the regional prize for the third year running",
]
FOOTER = [
    "Copyright 2024 The Valley Courier. All rights reserved.",
    "The Valley Courier is an independent newspaper published by the Courier Trust "
    "since 1921. Letters to the editor can be sent through our contact page.",
]
SUBJECTS = ["The council", "A local charity", "The school board", "Hospital managers",
            "The water company", "Farmers in the valley", "The museum", "Bus drivers",
            "The fire service", "Shop owners on the high street", "The university",
            "A group of residents"]
VERBS = ["announced", "criticised", "approved", "delayed", "welcomed", "questioned",
         "rejected", "funded", "presented", "reviewed"]
OBJECTS = ["a plan to rebuild the old bridge", "the budget for next year",
           "new opening hours for the library", "a survey of road repairs",
           "the proposal for a second car park", "a scheme to plant two thousand trees",
           "higher fees for parking permits", "the report on flooding in the lower town",
           "an agreement with the neighbouring district", "a study of air quality"]
TAILS = ["after a long debate on Monday evening", "despite objections from several members",
         "following months of consultation", "in a statement published this morning",
         "at a crowded public meeting", "citing rising costs and a shortage of staff",
         "with support from both sides of the chamber", "after an inspection last week"]


def sentence(rng: random.Random) -> str:
    return (f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"{rng.choice(TAILS)}.")


def article(rng: random.Random, n: int) -> tuple[str, list[str]]:
    title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} (report {n})"
    paras = [" ".join(sentence(rng) for _ in range(rng.randint(2, 4)))
             for _ in range(rng.randint(3, 6))]
    return title, paras


def page(title: str, paras: list[str], date: str) -> str:
    nav = "".join(f'<li><a href="/{m.lower()}">{escape(m)}</a></li>' for m in MENU)
    teasers = "".join(f"<p>{escape(t)}</p>" for t in TEASERS)
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    foot = "".join(f"<p>{escape(f)}</p>" for f in FOOTER)
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escape(title)}"
            f" - The Valley Courier</title><meta property=article:published_time "
            f"content={date}></head><body><header><nav><ul>{nav}</ul></nav></header><main>"
            f"<article><h1>{escape(title)}</h1>{body}<div class=most-read><h2>Most read</h2>"
            f"{teasers}</div></article></main><footer>{foot}</footer></body></html>")


def make_site(folder: Path, n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        title, paras = article(rng, i)
        date = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        (folder / f"page{i:03d}.html").write_text(page(title, paras, date), encoding="utf-8")
        articles.append(paras)
    return articles


BOILERPLATE = [*MENU, *TEASERS, *FOOTER, "Most read"]


def is_boilerplate(text: str) -> bool:
    return text in BOILERPLATE


def measure(folder: Path, articles: list[list[str]], mode: str, trim: bool = True) -> dict:
    from corpus_cli import segment

    t = time.perf_counter()
    corpus = pipeline.build([str(folder)], encoding=ReadOptions(html=mode), workers=1)
    keep = segment.trim_repeated_tails
    if not trim:  # what corpus did before it took repeated tails off HTML items
        segment.trim_repeated_tails = lambda items, boilerplate: items
    try:
        arts, _ = pipeline.analyse(corpus, ner="none", workers=1)
    finally:
        segment.trim_repeated_tails = keep
    dt = time.perf_counter() - t
    texts = [a.text for a in arts]
    joined = "\n\n".join(texts)
    wanted = [p for paras in articles for p in paras]
    wanted_set = set(wanted)
    found = sum(1 for p in wanted if p in joined)
    # items that hold article text, and the boilerplate in them
    own = [x for x in texts if any(p in wanted_set for p in x.split("\n\n"))]
    bp_items = sum(1 for x in own if any(is_boilerplate(p) for p in x.split("\n\n")))
    bp_paras = sum(1 for x in own for p in x.split("\n\n") if is_boilerplate(p))
    only_bp = sum(1 for x in texts if all(is_boilerplate(p) for p in x.split("\n\n")))
    drops = corpus.dedupe.drops
    dropped_bp = sum(1 for cp in corpus.pages for p in cp.paragraphs
                     if p.id in drops and is_boilerplate(p.text))
    all_bp = sum(1 for cp in corpus.pages for p in cp.paragraphs if is_boilerplate(p.text))
    return {"items": len(arts), "articles": len(own), "only_bp": only_bp,
            "recall": found / len(wanted), "bp_items": bp_items,
            "bp_paras": bp_paras, "dropped_bp": dropped_bp, "all_bp": all_bp,
            "seconds": dt}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="Write the crawl here (kept) instead of a "
                    "temporary folder.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        articles = make_site(folder, args.pages, args.seed)
        import trafilatura

        with_teaser = with_menu = with_footer = 0
        for f in sorted(folder.glob("*.html")):
            text = trafilatura.extract(f.read_bytes(), include_comments=False) or ""
            with_teaser += any(t in text for t in TEASERS)
            with_menu += any(m in text.splitlines() for m in MENU)
            with_footer += any(x in text for x in FOOTER)
        n = args.pages
        print(f"A crawl of {n} pages: {sum(map(len, articles))} article paragraphs; on each "
              f"page {len(MENU)} menu entries, {len(TEASERS)} teasers inside the article "
              f"element, {len(FOOTER)} footer paragraphs.\n")
        print(f"peer: trafilatura.extract alone: teasers on {with_teaser}/{n} pages, menu on "
              f"{with_menu}/{n}, footer on {with_footer}/{n}\n")
        print(f"{'mode':<22} {'items':>6} {'articles':>9} {'boilerplate briefs':>19} "
              f"{'recall':>7} {'articles w/ boilerplate':>24} {'its paragraphs':>15} "
              f"{'repeats dropped':>16} {'s':>6}")
        for mode, trim in (("main", True), ("full", True), ("main", False),
                           ("full", False)):
            m = measure(folder, articles, mode, trim)
            label = mode + ("" if trim else " (no tail trim)")
            print(f"--html {label:<15} {m['items']:>6} {m['articles']:>9} {m['only_bp']:>19} "
                  f"{m['recall']:>7.3f} {m['bp_items']:>24} {m['bp_paras']:>15} "
                  f"{m['dropped_bp']:>7}/{m['all_bp']:<8} {m['seconds']:>6.2f}")


if __name__ == "__main__":
    main()
