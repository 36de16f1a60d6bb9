"""HTML extraction: corpus beside the library it builds on, on public evaluation pages.

    python benchmarks/bench_html.py TRAFILATURA_TESTS HTMLDATE_TESTS [--limit N]
                                    [--workers 2] [--candidates]

TRAFILATURA_TESTS is the ``tests/`` folder of trafilatura's repository (``evaldata.json``
and the pages in ``cache/`` and ``eval/``); HTMLDATE_TESTS the ``tests/`` folder of
htmldate's (``eval_default.json``, ``eval_mediacloud_2020.json`` and the pages in
``test_set/``, ``cache/``, ``eval/``). Neither is part of this repository: get them with

    git clone --depth 1 https://github.com/adbar/trafilatura /tmp/trafilatura
    git clone --depth 1 https://github.com/adbar/htmldate /tmp/htmldate
    python benchmarks/bench_html.py /tmp/trafilatura/tests /tmp/htmldate/tests

Three measures, each beside the library called directly in the same run:

1. **Main text** (trafilatura's evaluation: fragments that must and must not appear in the
   main text): precision, recall and F1 of the text corpus keeps for each page (extracted,
   then cleaned: the kept paragraphs; and, on a second row, also the bare URL lines the
   cleaner moved into the page's metadata), in ``--html main`` and ``--html full`` modes,
   beside ``trafilatura.extract`` with the settings of trafilatura's own evaluation. With
   ``--candidates``, also resiliparse and a selectolax reader (when installed): the
   comparison that chose the library (docs/inputs.md).
2. **Publication date** (htmldate's evaluation pages, one gold date each): the date of
   the page's own item in corpus (extracted, cleaned and segmented) beside
   ``htmldate.find_date(extensive_search=True, original_date=True)`` and the date of
   trafilatura's metadata.
3. **Throughput**: pages/s of corpus's HTML ingestion (read, extract, clean, segment) in
   one process and in the process pool, beside ``trafilatura.extract`` alone and
   trafilatura with its metadata (title, date...), which corpus also takes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus_cli import pipeline  # noqa: E402
from corpus_cli.clean import clean_page  # noqa: E402
from corpus_cli.inputs.pages import ReadOptions, pages_from_bytes  # noqa: E402
from corpus_cli.models import Page  # noqa: E402
from corpus_cli.segment import own_item, segment_page  # noqa: E402


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---- the pages ---------------------------------------------------------------------------
def _find(root: Path, name: str, subdirs: tuple[str, ...]) -> Path | None:
    for sub in subdirs:
        p = root / sub / name
        if p.is_file():
            return p
    return None


def extraction_pages(root: Path, limit: int | None) -> list[tuple[str, bytes, dict]]:
    data = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    out = []
    for url in sorted(data):
        item = data[url]
        p = _find(root, item["file"], ("cache", "eval"))
        if p is not None:
            out.append((url, p.read_bytes(), item))
    return out[:limit] if limit else out


def date_pages(root: Path, limit: int | None) -> list[tuple[str, bytes, str]]:
    gold: dict = {}
    for name in ("eval_mediacloud_2020.json", "eval_default.json"):
        f = root / name
        if f.exists():
            gold.update(json.loads(f.read_text(encoding="utf-8")))
    out = []
    for url in sorted(gold):
        p = _find(root, gold[url]["file"], ("test_set", "cache", "eval"))
        if p is not None:
            out.append((url, p.read_bytes(), gold[url]["date"]))
    return out[:limit] if limit else out


# ---- corpus, per page -------------------------------------------------------------------
def corpus_pages(data: bytes, mode: str) -> list[Page]:
    return [p for p in pages_from_bytes("page.html", data, ReadOptions(html=mode))
            if isinstance(p, Page)]


def corpus_text(mode: str, urls: bool = False) -> Callable[[bytes], str]:
    """The text corpus keeps of a page: its kept paragraphs after cleaning, and with
    ``urls`` the bare URL lines the cleaner moved into the page's metadata."""

    def run(data: bytes) -> str:
        out = []
        for page in corpus_pages(data, mode):
            cp = clean_page(page)
            out += [p.text for p in cp.paragraphs if p.status == "kept"]
            if urls:
                out += cp.urls
        return "\n".join(out)

    return run


def corpus_date(data: bytes) -> str | None:
    """The publication date of the page's own item (see segment.own_item)."""
    for page in corpus_pages(data, "main"):
        own = own_item(segment_page(clean_page(page)), page.meta)
        if own is not None and own.date:
            return own.date
    return None


# ---- the libraries, called directly -----------------------------------------------------
def trafilatura_text(data: bytes) -> str | None:
    import trafilatura

    # the settings of trafilatura's own evaluation (tests/eval_common.py)
    return trafilatura.extract(data, include_comments=False, include_tables=True,
                               include_formatting=False)


def htmldate_date(data: bytes) -> str | None:
    from htmldate import find_date

    return find_date(data, extensive_search=True, original_date=True)


def trafilatura_date(data: bytes) -> str | None:
    from trafilatura import bare_extraction

    doc = bare_extraction(data, with_metadata=True)
    return doc.date if doc is not None else None


def candidates() -> dict[str, Callable[[bytes], str | None]]:
    out: dict[str, Callable[[bytes], str | None]] = {}
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        out["resiliparse main_content"] = lambda b: extract_plain_text(
            HTMLTree.parse_from_bytes(b), main_content=True, alt_texts=False)
    except ImportError:
        print("(resiliparse not installed: skipped)")
    try:
        from selectolax.lexbor import LexborHTMLParser

        def selectolax_text(b: bytes) -> str:
            tree = LexborHTMLParser(b)
            for sel in ("script", "style", "noscript", "nav", "header", "footer", "aside",
                        "form", "iframe", "svg"):
                for n in tree.css(sel):
                    n.decompose()
            body = tree.css_first("article") or tree.css_first("main") or tree.body
            return body.text(separator="\n") if body is not None else ""

        out["selectolax (article|main|body minus nav)"] = selectolax_text
    except ImportError:
        print("(selectolax not installed: skipped)")
    return out


# ---- scoring -----------------------------------------------------------------------------
def score_text(fn: Callable[[bytes], str | None], pages) -> tuple[float, ...]:
    tp = fp = fn_ = tn = 0
    t = time.perf_counter()
    for _url, data, item in pages:
        try:
            result = fn(data)
        except Exception:  # noqa: BLE001 - a crash is a miss, as in trafilatura's evaluation
            result = None
        text = norm(result) if result else ""
        a = sum(1 for w in item["with"] if text and norm(w) in text)
        b = sum(1 for w in item["without"] if text and norm(w) in text)
        tp, fp = tp + a, fp + b
        fn_, tn = fn_ + len(item["with"]) - a, tn + len(item["without"]) - b
    dt = time.perf_counter() - t
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn_) if tp + fn_ else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn_) if tp else 0.0
    return p, r, f1, len(pages) / dt, f"{tp}/{fp}/{fn_}"


def score_dates(fn: Callable[[bytes], str | None], pages) -> tuple[float, ...]:
    right = found = 0
    t = time.perf_counter()
    for _url, data, gold in pages:
        try:
            got = fn(data)
        except Exception:  # noqa: BLE001
            got = None
        if got:
            found += 1
            right += got[:10] == gold
    dt = time.perf_counter() - t
    n = len(pages)
    return right / n, (right / found if found else 0.0), found / n, n / dt, f"{right}/{n}"


def peer_with_metadata(data: bytes) -> str | None:
    from trafilatura import bare_extraction

    doc = bare_extraction(data, with_metadata=True, include_comments=False,
                          include_tables=True)
    return doc.text if doc is not None else None


def throughput(pages, workers: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (_url, data, _item) in enumerate(pages):
            f = Path(tmp) / f"{i:05d}.html"
            f.write_bytes(data)
            paths.append(str(f))
        size = sum(len(d) for _u, d, _i in pages) / 1e6
        print(f"\n{len(pages)} pages, {size:.1f} MB of HTML\n")
        print(f"{'run':<44} {'seconds':>8} {'pages/s':>8} {'MB/s':>6}")
        for label, peer in (("peer: trafilatura.extract, one process", trafilatura_text),
                            ("peer: trafilatura with metadata, one process",
                             peer_with_metadata)):
            t = time.perf_counter()
            for _u, data, _i in pages:
                peer(data)
            dt = time.perf_counter() - t
            print(f"{label:<44} {dt:>8.2f} {len(pages) / dt:>8.1f} {size / dt:>6.2f}")
        for label, w in (("corpus ingest (main), one process", 1),
                         (f"corpus ingest (main), pool of {workers}", workers),
                         ("corpus ingest (full), one process", 1)):
            mode = "full" if "full" in label else "main"
            t = time.perf_counter()
            results, _ = pipeline.ingest(paths, encoding=ReadOptions(html=mode),
                                         workers=w, segment=True)
            dt = time.perf_counter() - t
            print(f"{label:<44} {dt:>8.2f} {len(results) / dt:>8.1f} {size / dt:>6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trafilatura_tests", type=Path)
    ap.add_argument("htmldate_tests", type=Path)
    ap.add_argument("--limit", type=int, help="Only the first N pages of each set.")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--candidates", action="store_true",
                    help="Also score resiliparse and selectolax (if installed).")
    ap.add_argument("--skip", default="", help="Comma-separated: text,dates,speed.")
    args = ap.parse_args()
    for d, f in ((args.trafilatura_tests, "evaldata.json"),
                 (args.htmldate_tests, "eval_default.json")):
        if not (d / f).exists():
            sys.exit(f"{d / f} not found: see the top of this script for how to get it")
    skip = set(filter(None, args.skip.split(",")))
    import trafilatura

    text_pages = extraction_pages(args.trafilatura_tests, args.limit)
    if "text" not in skip:
        print(f"Main text: trafilatura's evaluation, {len(text_pages)} pages "
              f"(trafilatura {trafilatura.__version__})\n")
        print(f"{'extractor':<44} {'P':>6} {'R':>6} {'F1':>6} {'pages/s':>8}  tp/fp/fn")
        runs: dict[str, Callable] = {
            "peer: trafilatura.extract": trafilatura_text,
            "corpus --html main: kept paragraphs": corpus_text("main"),
            "corpus --html main: + URLs kept as metadata": corpus_text("main", urls=True),
            "corpus --html full: kept paragraphs": corpus_text("full"),
        }
        if args.candidates:
            runs.update(candidates())
        for name, fn in runs.items():
            p, r, f1, speed, counts = score_text(fn, text_pages)
            print(f"{name:<44} {p:>6.3f} {r:>6.3f} {f1:>6.3f} {speed:>8.1f}  {counts}")
    if "dates" not in skip:
        import htmldate

        dpages = date_pages(args.htmldate_tests, args.limit)
        print(f"\nPublication date: htmldate's evaluation, {len(dpages)} pages "
              f"(htmldate {htmldate.__version__})\n")
        print(f"{'dater':<44} {'acc':>6} {'P':>6} {'found':>6} {'pages/s':>8}  right/pages")
        for name, fn in (("peer: htmldate.find_date (extensive)", htmldate_date),
                         ("peer: trafilatura metadata date", trafilatura_date),
                         ("corpus (the page's own item)", corpus_date)):
            acc, prec, found, speed, counts = score_dates(fn, dpages)
            print(f"{name:<44} {acc:>6.3f} {prec:>6.3f} {found:>6.3f} {speed:>8.1f}  {counts}")
    if "speed" not in skip:
        throughput(text_pages, args.workers)


if __name__ == "__main__":
    main()
