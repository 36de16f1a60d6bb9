"""Fuzzing: every stage takes arbitrary input without raising, and keeps its invariants.

Loader (arbitrary bytes), cleaner, segmenter, dates, entities and every output format
(arbitrary Unicode: controls, bidi overrides, line separators, combining marks, 100k-character
lines). The number of examples comes from the Hypothesis profile set up in conftest.py:
"ci" by default; ``python scripts/fuzz_long.py`` runs the "long" profile (over 100,000
examples) and reports how many ran.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from datetime import date
from unittest import mock

import pytest
from conftest import FUZZ_SCALE
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_cli import clean, dates, entities, output, segment
from corpus_cli.dedupe import dedupe
from corpus_cli.inputs import loader
from corpus_cli.models import (
    Article,
    DateMention,
    Entity,
    EntityMention,
    Page,
    Problem,
    Source,
)
from corpus_cli.output import views
from corpus_cli.output.views import ITEM_COLUMNS
from corpus_cli.search import Hit

# ---- strategies ---------------------------------------------------------------------------
# Characters that have broken terminals, line-based tools and parsers.
SPECIAL_CHARS = [
    "\x00", "\x07", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x1b", "\x1c", "\x7f", "\x85",
    "\x9b", "\xa0", "\u0301", "\u0308", "\u061c", "\u200b", "\u200e", "\u200f", "\u2028",
    "\u2029", "\u202a", "\u202e", "\u202c", "\u2066", "\u2069", "\ufeff", "\ufffd", "\u3000",
    "\U0001f600", "\u0627", "\u4e2d", "\u0416", "\"", ",", ";", "'", "\\",
]
TOKENS = [
    "[bold]", "[/bold]", "[/link]", "[link=http://x]", ":warning:", "\x1b[31m", "\x1b[0m",
    "\x1b]0;x\x07", "\x1b]8;;http://evil\x1b\\", "\r\n", "a\u0301\u0301\u0301",
]
# Unicode scalar values (no lone surrogates: no decoder of the loader produces them).
any_char = st.characters(codec="utf-8")
wild_text = st.lists(
    st.one_of(any_char, st.sampled_from(SPECIAL_CHARS), st.sampled_from(TOKENS)), max_size=60
).map("".join)

# Pieces of scraped pages: what the cleaner, segmenter, date and entity rules look for.
PIECES = [
    "Go back", "All news", "Home > News > World", "IMG_2024.jpg", "photo 09.06.2018.jpeg",
    "https://example.org/a/1", "www.example.org", "Download report.pdf (1 MB)", "09.06.2018",
    "2024-06-09", "15.05.2024", "12:30", "On 12 March 2024", "March 12, 2023", "1-2 May",
    "September this year", "yesterday", "Secretary General Ivan Petrov", "Yuri Volkonsky",
    "the Regional Cooperation Organization (RCO)", "RCO", "Riga", "Republic of Estonia",
    "ESPO summit", "Назад", "Министр иностранных дел", "Минск", "The council met.",
    "the budget of the fund", ".", ",", " ", " ", "\n", "\n\n", "2024", "June", "Mr.",
]
page_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.sampled_from(SPECIAL_CHARS), any_char),
    max_size=80,
).map("".join)
# find_dates documents a ValueError for a reference outside the years 1000-9000.
# Prefixes the cleaner strips, glued together and to what follows ("IMG_1.jpg09.06.2018On").
GLUED = ["IMG_1.jpg", "photo 1.png", "09.06.2018", "2024-06-09", "Go back", "All news",
         "https://example.org/x", "report.pdf", "On June 9", "The council met", " ", "A > B > C"]
glued_text = st.lists(st.sampled_from(GLUED), min_size=1, max_size=4).map("".join)
iso_date = st.dates(date(1000, 1, 1), date(9000, 12, 31)).map(lambda d: d.isoformat())
reference = st.one_of(st.none(), iso_date, iso_date.map(lambda s: s[:7]),
                      iso_date.map(lambda s: s[:4]))

ISO = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
# What must never reach a terminal raw: C0 (but tab and newline), DEL, C1, bidi controls,
# line and paragraph separators.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def _page(text: str, path: str = "p.txt") -> Page:
    return Page(path=path, text=loader.normalize_text(text), encoding="utf-8",
                content_hash="0" * 32, size=len(text))


# ---- loader -------------------------------------------------------------------------------
@given(st.binary(max_size=4000),
       st.sampled_from([None, None, None, "utf-8", "cp1251", "koi8-r", "utf-16", "latin-1",
                        "no-such-codec"]))
def test_loader_takes_any_bytes(data, encoding):
    r = loader.page_from_bytes("f.txt", data, encoding)
    assert isinstance(r, (Page, Problem))
    if isinstance(r, Problem):
        assert r.path == "f.txt" and r.message
        return
    assert r.size == len(data) and r.text.strip()
    assert not set(r.text) & {"\r", "\x85", "\u2028", "\u2029"}
    r.text.encode("utf-8")  # no lone surrogates
    assert loader.normalize_text(r.text) == r.text


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc"]), max_size=400),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_loader_decodes_unicode_exactly(text, codec):
    data = text.encode(codec)  # utf-16/32 write a BOM
    r = loader.page_from_bytes("f.txt", data)
    if not loader.normalize_text(text).strip():
        assert isinstance(r, Problem)
    else:
        assert isinstance(r, Page), r
        assert r.text == loader.normalize_text(text)


# ---- cleaner ------------------------------------------------------------------------------
_GLUED_DATE_START = re.compile(r"\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d|(?:19|20)\d\d-\d\d-\d\d")


@given(st.one_of(glued_text, page_text, wild_text))
def test_clean_text_is_idempotent(s):
    first = clean.clean_text(s)
    text, _removals, _dateline, reason = first
    if reason is not None:
        assert text == ""
        return
    second = clean.clean_text(text)
    again, removals2, dateline2, reason2 = second
    assert (again, removals2, dateline2, reason2) == (text, (), None, None)


@given(st.lists(st.one_of(page_text, wild_text), max_size=15).map("\n".join))
def test_clean_page_never_raises_and_keeps_provenance(text):
    page = _page(text)
    cp = clean.clean_page(page)
    n_lines = len(page.text.split("\n"))
    last = 0
    for i, p in enumerate(cp.paragraphs):
        assert p.index == i and p.path == page.path
        assert last < p.line_start <= p.line_end <= n_lines
        last = p.line_end
        if p.status == "removed":
            assert p.reason and p.text == "" and p.removals
        else:
            assert p.status == "kept" and p.reason is None and p.text
    assert len({p.id for p in cp.paragraphs}) == len(cp.paragraphs)


# ---- segmenter ----------------------------------------------------------------------------
@settings(max_examples=150 * FUZZ_SCALE)
@given(st.lists(st.lists(st.one_of(page_text, st.sampled_from(PIECES)), max_size=10),
                min_size=1, max_size=3))
def test_segmenter_never_raises_and_spans_are_valid(pages_lines):
    pages = [clean.clean_page(_page("\n".join(lines), f"p{i}.txt"))
             for i, lines in enumerate(pages_lines)]
    kept = {p.id for cp in pages for p in cp.paragraphs if p.status == "kept"}
    lines_of = {cp.page.path: len(cp.page.text.split("\n")) for cp in pages}
    cluster_of = dedupe([p for cp in pages for p in cp.paragraphs]).cluster_of
    for arts in (segment.build_articles(pages), segment.build_articles(pages, cluster_of)):
        for a in arts:
            assert a.kind in ("article", "brief") and a.sources
            for s in a.sources:
                assert 1 <= s.line_start <= s.line_end <= lines_of[s.path]
            assert set(a.paragraph_ids) <= kept
            assert a.date is None or ISO.fullmatch(a.date)
            _check_date_mentions(a.text, a.dates)


@settings(max_examples=100 * FUZZ_SCALE)
@given(st.lists(st.one_of(page_text, glued_text, st.sampled_from(PIECES)), max_size=12))
def test_stored_items_give_back_the_items_of_the_page(lines):
    cp = clean.clean_page(_page("\n".join(lines)))
    items = segment.segment_page(cp)
    data = segment.items_json(cp, items)
    assert data is not None  # every item's paragraphs are the page's (or parts of them)
    back = segment.items_from_json(cp, data)
    assert back == items
    assert [it.frozen for it in back] == [it.frozen for it in items]


# ---- dates and entities -------------------------------------------------------------------
def _check_date_mentions(text: str, mentions) -> None:
    end = 0
    for m in mentions:
        assert isinstance(m, DateMention)
        assert end <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert m.value is None or ISO.fullmatch(m.value)
        assert m.end_value is None or ISO.fullmatch(m.end_value)
        assert m.precision in ("day", "month", "year")
        end = m.end


@given(st.one_of(page_text, wild_text), reference)
def test_find_dates_spans_are_valid(text, ref):
    _check_date_mentions(text, dates.find_dates(text, ref))


@given(st.one_of(page_text, wild_text))
def test_find_mentions_spans_are_valid(text):
    found = entities.find_mentions(text)
    starts = [m.start for m in found]
    assert starts == sorted(starts)
    for m in found:
        assert isinstance(m, EntityMention)
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert m.type in ("PERSON", "ORG", "PLACE", "EVENT") and m.canonical


# ---- output formats -----------------------------------------------------------------------
def _article(title, text, path="p.txt", name="Ivan Petrov", date_text="12 March"):
    return Article(
        id="a0123456789ab", kind="article" if title else "brief", title=title,
        date="2024-03", date_precision="month", date_inferred=True, text=text,
        sources=(Source(path, 1, 3), Source(path + "2", 4, 4)), paragraph_ids=("p1", "p2"),
        dates=(DateMention(date_text, 0, len(date_text), "2024-03-12"),),
        entities=({"name": name, "type": "PERSON", "aliases": [name, text[:5]],
                   "mentions": 2},),
    )


articles = st.builds(_article, st.one_of(st.none(), wild_text), wild_text, wild_text,
                     wild_text, wild_text)


def _render(fmt, records, columns=ITEM_COLUMNS) -> str:
    buf = io.StringIO()
    env = {"NO_COLOR": "1", "COLUMNS": "120", "TTY_COMPATIBLE": "1"}
    with mock.patch.dict(os.environ, env):
        n = output.write_records(iter(records), fmt, columns, stream=buf)
    assert n == len(records)
    return buf.getvalue()


def _csv_text(v) -> str:
    if isinstance(v, (list, dict)):
        return output.to_json(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


@given(st.lists(articles, max_size=4))
def test_json_and_jsonl_round_trip_one_record_a_line(arts):
    recs = [a.to_dict() for a in arts]
    out = _render("jsonl", recs)
    lines = out.splitlines()  # splits on every Unicode line break, as line tools may
    assert len(lines) == len(recs)
    assert [json.loads(x) for x in lines] == recs
    out = _render("json", recs)
    assert json.loads(out) == recs
    assert len(out.splitlines()) == len(recs) + 2 if recs else out == "[]\n"


@given(st.lists(articles, min_size=1, max_size=4))
def test_csv_round_trips(arts):
    recs = [a.to_dict() for a in arts]
    recs[0]["sources"] = [{"path": "a\rb.txt", "line_start": 1, "line_end": 1}]
    recs[0]["title"] = "lone\rcarriage return"
    rows = list(csv.reader(io.StringIO(_render("csv", recs), newline="")))
    assert rows[0] == list(recs[0])
    assert rows[1:] == [[_csv_text(v) for v in r.values()] for r in recs]


@given(st.lists(articles, min_size=1, max_size=4),
       st.lists(st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", "1", "-1", " "]),
                max_size=3).map("".join))
def test_neutral_csv_starts_no_cell_with_a_formula_and_loses_nothing(arts, head):
    """In a file a spreadsheet may open, no cell starts a formula; removing the one
    leading quote that was added gives the exact record back."""
    recs = [a.to_dict() for a in arts]
    recs[0]["title"] = head + (recs[0]["title"] or "")
    buf = io.StringIO()
    stream = output.export.OutputStream(buf, neutral_formulas=True)
    output.write_records(iter(recs), "csv", stream=stream)
    rows = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    for row, rec in zip(rows[1:], recs, strict=True):
        for cell, value in zip(row, rec.values(), strict=True):
            exact = _csv_text(value)
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                assert re.fullmatch(r"[+-]?[\d.,eE+-]*", cell), cell  # a number at most
            assert cell == exact or (cell == "'" + exact and exact[:1] in "=+-@\t\r")


@settings(max_examples=150 * FUZZ_SCALE)
@given(st.lists(articles, min_size=1, max_size=4))
def test_tsv_and_table_show_no_raw_controls(arts):
    recs = [a.to_dict() for a in arts]
    cols = ITEM_COLUMNS
    tsv = _render("tsv", recs, cols)
    assert not UNSAFE.search(tsv)
    lines = tsv.split("\n")
    assert lines[0] == "\t".join(c.header for c in cols)  # the header row
    assert lines[-1] == "" and len(lines) == len(recs) + 2
    assert all(line.count("\t") == len(cols) - 1 for line in lines[:-1])
    table = _render("table", recs)
    assert "\t" not in table and not UNSAFE.search(table)


@settings(max_examples=100 * FUZZ_SCALE)
@given(articles, wild_text)
def test_show_article_and_hits_are_inert(a, snippet):
    buf = io.StringIO()
    hit = Hit(a, 1.5, snippet, ("x",), ((0, min(3, len(snippet))),))
    with mock.patch.dict(os.environ, {"NO_COLOR": "1", "COLUMNS": "120",
                                      "TTY_COMPATIBLE": "1"}):
        views.item_view(a, [], [], "table", buf)
        views.hits_view([hit], "table", buf)
        views.entities_view([Entity(a.text or "x", "PERSON", (snippet,), 1, 1)], "table", buf)
    assert not UNSAFE.search(buf.getvalue().replace("\t", " "))
    if "\t" not in a.text:  # rich expands tabs to the next tab stop
        # all of the text is shown, folded at the terminal's width (120 columns here)
        shown = "".join(buf.getvalue().split())
        assert "".join(output.inert(a.text, keep_newlines=True).split()) in shown


# ---- 100k-character lines -----------------------------------------------------------------
LONG_UNITS = ["a", "A", "9", ".", " ", "é", "\u0301", "\x1b", "\u202e", "Go back ", "March ",
              "IMG_1.jpg", "A > ", "Ivan Petrov ", "12.03.2024 ", "(RCO) ", "\u2028", "\t"]


@pytest.mark.parametrize("unit", LONG_UNITS, ids=[repr(u) for u in LONG_UNITS])
def test_100k_character_line_goes_through_every_stage(unit):
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    t = time.process_time()
    clean.clean_text(text)
    cp = clean.clean_page(_page(text))
    segment.build_articles([cp])
    _check_date_mentions(text, dates.find_dates(text, "2024-03-12"))
    entities.find_mentions(text)
    recs = [_article(text[:300], text).to_dict()]
    assert [json.loads(x) for x in _render("jsonl", recs).splitlines()] == recs
    assert not UNSAFE.search(_render("tsv", recs, [output.Column("text", "text")]))
    assert not UNSAFE.search(_render("table", recs))
    assert time.process_time() - t < 5.0


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.dictionaries(st.integers(), inner, min_size=1, max_size=2),
    max_leaves=20)


@given(_JSON_VALUES, st.sampled_from(["", "  ", "    "]))
@settings(max_examples=300 * FUZZ_SCALE)
def test_fast_indented_json_is_json_dumps(value, pad):
    # the streamed dedupe report encodes its records with to_json_indented
    from corpus_cli.output.safe import to_json, to_json_indented

    assert to_json_indented(value, pad) == to_json(value, indent=2).replace("\n", "\n" + pad)


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()


@given(st.text(), st.text(), st.integers(0, 99),
       st.tuples(st.text(), st.text(), st.integers(), st.integers(), st.text() | _SCALARS),
       st.lists(st.tuples(st.text() | _SCALARS, st.text(), st.integers() | _SCALARS,
                          st.integers(), st.floats() | _SCALARS, st.text() | _SCALARS),
                max_size=4))
@settings(max_examples=300 * FUZZ_SCALE)
def test_dedupe_report_cluster_json_is_the_generic_encoding(cid, kind, pages, kept, members):
    # `corpus dedupe --json` writes its clusters from tuples with templates: the same text
    # as the generic encoder of the cluster's dict (hostile text, NaN, None and all)
    from corpus_cli.models import Cluster
    from corpus_cli.output.safe import to_json_indented
    from corpus_cli.output.views import cluster_json
    from corpus_cli.pipeline import _cluster_dict

    cl = Cluster(cid, kind, kept[0], (kept[0], *(str(m[0]) for m in members)), pages)
    assert cluster_json((cl, kept, members)) == to_json_indented(
        _cluster_dict(cl, kept, members), "    ")
