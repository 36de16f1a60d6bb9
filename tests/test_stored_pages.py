"""A page read back from the store (a re-run's unchanged page) is the page a fresh run made:
the same cleaned paragraphs, norms and items, whichever way it is read (this process, the
pool's workers, one page alone)."""

from __future__ import annotations

import json

import pytest
from conftest import HOSTILE, LISTING_PAGE, growing_pages
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import corpus_cli.pipeline as pl
from corpus_cli.models import Paragraph, make_paragraph, record_maker
from corpus_cli.pipeline import PageResult, ingest, load_stored, run_dedupe
from corpus_cli.storage.store import open_store

# lines of the shapes the cleaner and the splitter treat apart
LINES = [
    "Home | News | About us | Contact",
    "Meeting of the ministers 9.06.2018.jpg",
    "https://news.example.org/2024/05/minister-visit/",
    "09.06.2018On Monday the minister opened the new regional water office in the valley.",
    "Secretary General visited the regional office",
    "05.09.2024",
    "The delegates from Zürich and Genève discussed the café rules of the Organisation.",
    "Делегаты обсудили вопросы водной безопасности в регионе на этой неделе.",
    "ＦＵＬＬＷＩＤＴＨ letters and the ligature ﬁle and « quotes » — dashes…",
    "Read more",
    "Share this: Facebook Twitter",
    "report.pdf",
    "",
    HOSTILE,
]


def _results(folder, **kw) -> dict[str, PageResult]:
    got, _ = ingest([str(folder)], segment=True, workers=1, **kw)
    return {r.page.page.path: r for r in got}


def _same(stored: dict[str, PageResult], fresh: dict[str, PageResult]) -> None:
    assert stored.keys() == fresh.keys()
    for path, f in fresh.items():
        s = stored[path]
        assert s.reused and not f.reused
        assert s.page == f.page
        assert [type(p) for p in s.page.paragraphs] == [Paragraph] * len(f.page.paragraphs)
        assert s.norms == f.norms
        assert s.items == f.items
        # not compared by PageItem's ==
        assert [it.frozen for it in s.items] == [it.frozen for it in f.items]
        assert [it.opening for it in s.items] == [it.opening for it in f.items]
        assert all(it.opening is not None for it in s.items)
        assert s.items_json == f.items_json
        assert s.problems == f.problems == []


def _stored(folder, db: str, workers=1) -> dict[str, PageResult]:
    run_dedupe([str(folder)], db=db, workers=1)
    with open_store(db) as store:
        paths = [sp.path for sp in store.stored_pages()]
        return load_stored(store, paths, workers)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.one_of(st.sampled_from(LINES), st.text(max_size=60)),
                         min_size=1, max_size=12),
                min_size=1, max_size=4),
       st.booleans())
def test_stored_pages_equal_fresh_ones(tmp_path_factory, pages, blank_lines):
    folder = tmp_path_factory.mktemp("pages")
    for i, lines in enumerate(pages):
        text = ("\n\n" if blank_lines else "\n").join(lines)
        (folder / f"p{i}.txt").write_text(text, encoding="utf-8")
    db = str(folder) + ".db"
    fresh = _results(folder)
    assume(any(r.page.paragraphs for r in fresh.values()))  # else nothing is stored
    _same(_stored(folder, db), fresh)


def test_pages_read_by_the_pool_equal_fresh_ones(tmp_path, monkeypatch):
    folder = tmp_path / "p"
    folder.mkdir()
    for name, text in {**growing_pages(10), "l.txt": LISTING_PAGE,
                       "lines.txt": "\n".join(LINES), "empty.txt": "\n\n"}.items():
        (folder / name).write_text(text, encoding="utf-8")
    fresh = _results(folder)
    # every job of two pages to the pool
    monkeypatch.setattr(pl, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(pl, "STORED_PER_JOB", 2)
    sent: list[type] = []
    real = pl._FromRows.__call__
    monkeypatch.setattr(pl._FromRows, "__call__",
                        lambda self, got: sent.append(type(got)) or real(self, got))
    stored = _stored(folder, str(tmp_path / "c.db"), workers=2)
    assert set(sent) == {bytes} and len(sent) == (len(fresh) + 1) // 2  # from the workers
    _same(stored, fresh)
    with open_store(str(tmp_path / "c.db")) as store:
        # one page alone, and a path the store does not hold
        one = next(iter(fresh))
        assert load_stored(store, [one, "nowhere.txt"], 1).keys() == {one}
        _same({one: pl._stored_result(store, one)}, {one: fresh[one]})
        _same(pl._stored_results(store, list(fresh)), fresh)


def test_record_maker_makes_the_record():
    values = ("i", "p.txt", 3, 4, 5, "raw", "text", "text", "kept", None, "1.2.2024",
              "latin", ())
    p = make_paragraph(*values)
    assert type(p) is Paragraph and p == Paragraph(*values)
    assert hash(p) == hash(Paragraph(*values)) and repr(p) == repr(Paragraph(*values))
    with pytest.raises(AttributeError):
        p.text = "other"  # still frozen
    with pytest.raises(TypeError):
        make_paragraph(*values[:-1])  # every field, no defaults taken silently


def test_record_maker_refuses_a_class_whose_slots_are_not_its_fields():
    class NotADataclass:
        __slots__ = ("a",)

    with pytest.raises(TypeError):
        record_maker(NotADataclass)


def test_openings_from_rows_are_those_of_the_items(tmp_path):
    """An item's opening words worked out by a worker from the stored rows (whole lines by
    index, parts of a line with their text, lines that are not kept texts) are those
    process_page gives the items made of the page."""
    from corpus_cli.segment import ITEMS_FORMAT, items_from_json

    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Home | News | Contact\n\nThe minister opened the new office in the valley.\n\n"
        "Delegates from Zürich discussed the café rules at length.\n\n"
        "A third line of the report, with words enough to open an item.\n\n05.09.2024\n",
        encoding="utf-8")
    db = str(tmp_path / "c.db")
    run_dedupe([str(folder)], db=db, workers=1)
    with open_store(db) as store:
        (page_row, rows), = store.page_rows([next(iter(_results(folder)))])
    norms = pl._row_norms(rows)
    cp = pl._FromRows(False)([(page_row, rows, norms, None, None)])[0].page
    assert [p.kind for p in cp.paragraphs][1:] == ["text", "text", "text", "dateline"]
    bodies = [[1, 2], [[2, "Part of the café line"], 3], [0, [1, "x"], 3], [3], [], [4, 1]]
    data = json.dumps([ITEMS_FORMAT, [["brief", i, None, None, body, None, None, False,
                                       None, None, None, False, []]
                                      for i, body in enumerate(bodies)]])
    items = items_from_json(cp, data)
    pl._set_openings(cp, norms, items)
    assert pl._row_openings(rows, norms, data) == [it.opening for it in items]
    assert pl._row_openings(rows, norms, data)[1].startswith("part of the café line")
    # not of the stored form: made again by process_page
    for bad in ("not json", "[99, []]", json.dumps([ITEMS_FORMAT, [[0, 0, 0, 0, [7]]]])):
        assert pl._row_openings(rows, norms, bad) is None
