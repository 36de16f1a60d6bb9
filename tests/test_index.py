"""The tantivy side index: built by dedupe, same answers as FTS5, stale or missing index
falls back to FTS5, an interrupted build leaves the previous index."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import LISTING_PAGE, build_store

pytest.importorskip("tantivy")

from corpus_cli.cli import cli  # noqa: E402
from corpus_cli.errors import CorpusError, QueryError  # noqa: E402
from corpus_cli.search import run_search  # noqa: E402
from corpus_cli.storage import index  # noqa: E402
from corpus_cli.storage.store import ArticleFilter, open_store  # noqa: E402

PAGES = {
    "asia.txt": LISTING_PAGE,
    "europe.txt": """12.03.2022

Secretary General Yury Volkonsky inspected the cranes of Narva with the CSTO delegation.

13.03.2022

The CSTO Working Group on Afghanistan met in Dushanbe to discuss terrorist threats and water supply.

01.02.2020

The ZURICH office of the bank reported higher interest rates and a working capital shortfall.

02.02.2020

Government officials said the governor would review the economy and the economic forecast.

03.02.2020

The Al-Qaeda network was discussed by the committee on terrorism, said the government spokesman.
""",
    "briefs.txt": """2018

Water levels in the Narva river rose after the storm, officials said.

2017-05

The café in Genève reopened after the renovation of its terrace and the working kitchen.
""",
}

QUERIES = [
    "water", "water supply", "WATER", '"Working Group"', '"working group" CSTO',
    "Almaty OR Bishkek", "CSTO NOT Afghanistan", "terror*", "work*", "gov*", "econ*",
    '"Working Gr"*', "zurich", "ZÜRICH", "Zurich", "cafe", "CAFÉ", "geneve", "Al-Qaeda",
    "(Almaty OR Narva) AND water", "said NOT government", "the", "nothingatall",
    "2024", "1267/1989", "water OR (café NOT terrace)",
]


@pytest.fixture()
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "c.db")
    build_store(tmp_path / "pages", PAGES, path)
    return path


def ids(store, query: str, engine: str, f: ArticleFilter | None = None) -> set[str]:
    result = run_search(store, query, f or ArticleFilter(), engine=engine)
    assert result.engine == engine
    return {h.article.id for h in result.hits}


def test_dedupe_builds_the_index_of_the_current_generation(db):
    with open_store(db) as store:
        token = store.index_token()
        n = store.count_items()
    assert token
    path = Path(index.index_dir(db)) / token
    info = json.loads((path / index.INFO).read_text())
    assert info["token"] == token and info["items"] == n >= 10
    assert [p.name for p in path.parent.iterdir()] == [token]


@pytest.mark.parametrize("query", QUERIES)
def test_same_items_as_fts5(db, query):
    with open_store(db) as store:
        assert ids(store, query, "tantivy") == ids(store, query, "fts5")


def test_top_hits_contain_the_query_terms(db):
    with open_store(db) as store:
        for query in ["water", "working", "terror*", '"Working Group"', "cafe"]:
            hits = run_search(store, query, ArticleFilter(limit=3), engine="tantivy").hits
            assert hits and all(h.matched for h in hits), query
            assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_auto_uses_the_index(db):
    with open_store(db) as store:
        assert run_search(store, "water").engine == "tantivy"


@pytest.mark.parametrize("f", [
    ArticleFilter(year=2022), ArticleFilter(year=2018), ArticleFilter(date_from="2020-02-02"),
    ArticleFilter(date_to="2020"), ArticleFilter(date_from="2017-05", date_to="2022-03"),
    ArticleFilter(date_to="2017-05-31"), ArticleFilter(kind="brief"),
    ArticleFilter(kind="article", year=2024), ArticleFilter(source="europe"),
    ArticleFilter(source="europe", year=2020), ArticleFilter(source="nowhere"),
    ArticleFilter(entity="CSTO"), ArticleFilter(limit=2),
])
def test_filters_as_fts5(db, f):
    with open_store(db) as store:
        for query in ["water", "the", "work* OR said", "Narva"]:
            got = ids(store, query, "tantivy", f)
            if f.limit:  # the two BM25s may rank differently: the best of the same items
                everything = ids(store, query, "fts5", replace(f, limit=None))
                assert got <= everything and len(got) == min(f.limit, len(everything))
            else:
                assert got == ids(store, query, "fts5", f), (query, f)


def test_limit_keeps_the_best(db):
    with open_store(db) as store:
        all_hits = run_search(store, "the", ArticleFilter(), engine="tantivy").hits
        top = run_search(store, "the", ArticleFilter(limit=3), engine="tantivy").hits
    assert [h.article.id for h in top] == [h.article.id for h in all_hits[:3]]


def test_fuzzy_variants_through_the_index(db):
    with open_store(db) as store:
        t = run_search(store, "Masadikov", engine="tantivy")
        s = run_search(store, "Masadikov", engine="fts5")
    assert {h.article.id for h in t.hits} == {h.article.id for h in s.hits} != set()
    assert t.variants == s.variants == {"Masadikov": ("Masadykov",)}


def test_stale_token_falls_back_to_fts5(db, tmp_path, monkeypatch):
    # a second run without tantivy: the store changes, the old index stays on disk
    monkeypatch.setattr(index, "available", lambda: False)
    more = dict(PAGES, **{"new.txt": "07.07.2024\n\nA flamingo colony settled on the lake.\n"})
    build_store(tmp_path / "pages", more, db)
    monkeypatch.undo()
    assert os.listdir(index.index_dir(db))  # the old generation is still there
    with open_store(db) as store:
        assert index.open_index(store) is None
        result = run_search(store, "flamingo")
        assert result.engine == "fts5" and len(result.hits) == 1
        with pytest.raises(CorpusError, match="no up-to-date tantivy index"):
            run_search(store, "flamingo", engine="tantivy")


def test_token_mismatch_is_never_used(db):
    with open_store(db, create=True) as store:
        store.conn.execute("UPDATE meta SET value = ? WHERE key = ?",
                           (json.dumps("0123456789abcdef"), index.TOKEN_KEY))
        assert index.open_index(store) is None
        assert run_search(store, "water").engine == "fts5"


def test_write_without_token_makes_the_index_stale(db):
    with open_store(db, create=True) as store:
        assert index.open_index(store) is not None
        articles = list(store.articles())[:1]
        store.write([], {}, [], articles, [], index=False)
        assert store.index_token() is None and index.open_index(store) is None
        assert run_search(store, "the").engine == "fts5"


def test_deleted_index_falls_back(db):
    shutil.rmtree(index.index_dir(db))
    with open_store(db) as store:
        assert run_search(store, "water").engine == "fts5"
        assert ids(store, "water", "fts5")


def test_interrupted_build_leaves_the_old_index(db, monkeypatch):
    with open_store(db) as store:
        old = store.index_token()
        rows = list(store.index_rows())

        def broken():
            yield from rows[:3]
            raise KeyboardInterrupt  # a kill midway

        monkeypatch.setattr(store, "index_rows", broken)
        with pytest.raises(KeyboardInterrupt):
            index.build_index(store, index.new_token())
        assert os.listdir(index.index_dir(db)) == [old]  # no tmp-* left, old one intact
        result = run_search(store, "water", engine="tantivy")
        assert result.hits


def test_rebuild_replaces_the_old_generation(db):
    with open_store(db, create=True) as store:
        old = store.index_token()
        token = index.new_token()
        store.conn.execute("UPDATE meta SET value = ? WHERE key = ?",
                           (json.dumps(token), index.TOKEN_KEY))
        index.build_index(store, token)
        assert os.listdir(index.index_dir(db)) == [token] != [old]
        assert run_search(store, "water").engine == "tantivy"


def test_no_tantivy_no_index(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "available", lambda: False)
    db = str(tmp_path / "c.db")
    build_store(tmp_path / "pages", PAGES, db)
    assert not os.path.exists(index.index_dir(db))
    with open_store(db) as store:
        assert run_search(store, "water").engine == "fts5"


HOSTILE = ['"', "(", ")", "a OR", "*", "**", "NOT x", "\x1b[31m", "[bold] [/link]", 'a" OR "b',
           "title:x", "a -b:c", "\\", ".*", "c++*", "(?i)x*", "ab[c*", "water*)", "x{1,99}*",
           "\u202eevil", "a\u2028b", "water " * 500, "w" * 100_000, "é*", "\x00", "ünï*",
           '"water supply"*', "(((water)))", "water AND AND", "OR OR", "🙂 water"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_do_not_crash(db, query):
    with open_store(db) as store:
        try:
            got = ids(store, query, "tantivy")
        except QueryError:
            with pytest.raises(QueryError):
                run_search(store, query, engine="fts5")
        else:
            assert got == ids(store, query, "fts5")


def test_cli_engine_option(db):
    r = CliRunner().invoke(cli, ["search", "water", "--db", db, "--engine", "tantivy",
                                 "--jsonl"])
    assert r.exit_code == 0, r.output
    t = [json.loads(line)["id"] for line in r.stdout.splitlines()]
    r = CliRunner().invoke(cli, ["search", "water", "--db", db, "--engine", "fts5", "--jsonl"])
    assert r.exit_code == 0, r.output
    assert set(t) == {json.loads(line)["id"] for line in r.stdout.splitlines()} != set()
    shutil.rmtree(index.index_dir(db))
    r = CliRunner().invoke(cli, ["search", "water", "--db", db, "--engine", "tantivy"])
    assert r.exit_code == 1 and "tantivy" in r.stderr and r.stdout == ""


def test_day_number_keeps_the_order_of_iso_dates():
    dates = ["2019", "2019-12", "2019-12-31", "2020", "2020-01", "2020-01-01", "2020-02"]
    assert [index.day_number(d) for d in dates] == sorted(index.day_number(d) for d in dates)
    assert index.day_number("2024-06") == 20240600
    assert index.day_number("June 2024") is None and index.day_number(None) is None


@pytest.mark.parametrize("slow_build", [False, True])
def test_failed_write_leaves_no_new_index(db, tmp_path, monkeypatch, slow_build):
    # The index is built while the store writes the items; if the write fails, the new
    # index never appears, and the previous store and index stay as they were.
    import time

    from corpus_cli.pipeline import run_dedupe
    from corpus_cli.storage.store import Writer

    with open_store(db) as store:
        old = store.index_token()
    if slow_build:  # the build is still running when the write fails: it is stopped
        original = index._nfc
        monkeypatch.setattr(index, "_nfc", lambda t: time.sleep(0.05) or original(t))

    real = Writer.items

    def broken(self, *a, **k):
        real(self, *a, **k)  # the index build has started
        raise RuntimeError("disk full")

    monkeypatch.setattr(Writer, "items", broken)
    folder = tmp_path / "pages"
    with pytest.raises(RuntimeError):
        run_dedupe([str(folder)], db=db, workers=1, incremental=False)
    assert os.listdir(index.index_dir(db)) == [old]
    with open_store(db) as store:
        assert store.index_token() == old
        assert run_search(store, "water", engine="tantivy").hits


def test_index_and_search_do_not_import_each_other():
    import subprocess
    import sys

    def loads(module: str, other: str) -> bool:
        code = f"import sys, {module}; print({other!r} in sys.modules)"
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True).stdout.strip() == "True"

    assert not loads("corpus_cli.storage.index", "corpus_cli.search")
    assert not loads("corpus_cli.search", "corpus_cli.storage.index")  # only when it searches
    assert loads("corpus_cli.storage.index", "corpus_cli.query")


# ---- what a new generation is made from ---------------------------------------------------
ROWS = [(1, "Water supply", "The council met about the water supply of the old town.", 2024,
         "2024-05-02", "article"),
        (2, None, "A ferry terminal opened near the pier after the storm.", 2023, "2023",
         "brief"),
        (3, "Rates", "The bank raised its interest rates for the second time.", None, None,
         "article")]
NEW_ROW = (7, "Harbour", "The harbour authority opened a new ferry terminal for water taxis.",
           2025, "2025-01-09", "article")


def _scores(folder: str, words: str) -> list[tuple[int, float]]:
    """(rowid, score) of every document matching ``words`` in title or text, by rowid."""
    import tantivy

    idx = tantivy.Index.open(folder)
    idx.register_tokenizer(index.TOKENIZER, index._analyzer())
    searcher = idx.searcher()
    query = idx.parse_query(words, ["title", "text"])
    out = []
    for score, addr in searcher.search(query, 100).hits:
        out.append((searcher.doc(addr)["rowid"][0], round(score, 5)))
    return sorted(out)


def _generation(db: str, rows, base: str | None = None) -> tuple[index.BackgroundBuild, str]:
    token = index.new_token()
    side = index.start_build(db, token, rows, len(rows), base=base)
    side.wait()
    assert side.error is None
    if side.kept:
        return side, base
    assert side.publish()
    return side, index.generation(db, token)


@pytest.mark.parametrize("change", ["same", "added", "text", "date", "kind", "removed",
                                    "no documents file"])
def test_a_new_generation_is_kept_extended_or_built_and_scores_as_a_fresh_build(
        tmp_path, monkeypatch, change):
    db = str(tmp_path / "c.db")
    _side, base = _generation(db, ROWS)
    assert index._read_docs(base) == {r[0]: index.doc_digest(r) for r in ROWS}
    rows = {"same": ROWS, "added": [*ROWS, NEW_ROW],
            "text": [ROWS[0], ROWS[1][:2] + ("A ferry terminal opened.",) + ROWS[1][3:],
                     ROWS[2]],
            "date": [ROWS[0], ROWS[1][:4] + ("2023-02",) + ROWS[1][5:], ROWS[2]],
            "kind": [ROWS[0], ROWS[1][:5] + ("article",), ROWS[2]],
            "removed": ROWS[:2], "no documents file": ROWS}[change]
    if change == "no documents file":
        os.remove(os.path.join(base, index.DOCS))
    extended, built = [], []
    real_extend, real_build = index._extend_tmp, index._build_tmp
    monkeypatch.setattr(index, "_extend_tmp",
                        lambda *a, **k: extended.append(1) or real_extend(*a, **k))
    monkeypatch.setattr(index, "_build_tmp",
                        lambda *a, **k: built.append(1) or real_build(*a, **k))
    side, folder = _generation(db, rows, base)
    assert (side.kept, bool(extended), bool(built)) == {
        "same": (True, False, False), "added": (False, True, False)}.get(
            change, (False, False, True))
    # what it holds, and how it scores, are those of a fresh build of the same rows
    monkeypatch.setattr(index, "_build_tmp", real_build)
    _, fresh = _generation(str(tmp_path / "fresh.db"), rows)
    assert index._read_docs(folder) == index._read_docs(fresh)
    for words in ("water", "ferry terminal", "rates OR storm"):
        assert _scores(folder, words) == _scores(fresh, words) != []


def test_a_rerun_starts_the_index_before_the_paragraphs_a_new_store_after(tmp_path,
                                                                          monkeypatch):
    """A re-run builds the index while it writes the paragraphs and finds entities; a new
    store's index (built whole) waits for the items' write, after the run's peak of
    memory."""
    from corpus_cli.storage import store as store_mod

    seen = []
    real = store_mod.Writer.paragraphs

    def paragraphs(self, *a, **k):
        seen.append(self._side is not None)
        return real(self, *a, **k)

    monkeypatch.setattr(store_mod.Writer, "paragraphs", paragraphs)
    db = str(tmp_path / "c.db")
    build_store(tmp_path / "pages", PAGES, db)
    page = tmp_path / "pages" / "europe.txt"
    page.write_text(page.read_text() + "\n14.03.2022\n\nThe ferry to Tallinn was late.\n")
    r = CliRunner().invoke(cli, ["dedupe", str(tmp_path / "pages"), "--db", db,
                                 "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert seen == [False, True]
    with open_store(db) as store:
        assert index.generation(db, store.index_token()) is not None


def test_the_index_documents_are_the_stored_items(db):
    """The documents' file of the current generation names exactly the stored items (by
    rowid) as the index holds them."""
    with open_store(db) as store:
        folder = index.generation(db, store.index_token())
        rows = list(store.index_rows())
    assert folder is not None and rows
    assert index._read_docs(folder) == {r[0]: index.doc_digest(r) for r in rows}
