from __future__ import annotations

import os
import sqlite3

import pytest

from corpus_cli.errors import CorpusError, StoreError
from corpus_cli.pipeline import run_dedupe
from corpus_cli.storage.store import SCHEMA_VERSION, ArticleFilter, open_store


def test_missing_store_says_how_to_build(tmp_path):
    with pytest.raises(StoreError, match="corpus dedupe"):
        open_store(str(tmp_path / "none.db"))


def test_not_sqlite(tmp_path):
    p = tmp_path / "x.db"
    p.write_text("hello, I am a text file")
    with pytest.raises(StoreError, match="not a corpus store"):
        open_store(str(p))


def test_other_sqlite_database(tmp_path):
    p = tmp_path / "x.db"
    c = sqlite3.connect(p)
    c.execute("create table t (a)")
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="not a corpus store"):
        open_store(str(p), create=True)


def test_newer_schema(tmp_path, seeds):
    db = str(tmp_path / "c.db")
    run_dedupe([str(seeds)], db=db, workers=1)
    c = sqlite3.connect(db)
    c.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(db)


def test_corrupt_file(tmp_path):
    p = tmp_path / "x.db"
    p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(StoreError):
        open_store(str(p))


def test_write_read_and_idempotent(tmp_path, seeds):
    db = str(tmp_path / "c.db")
    r1 = run_dedupe([str(seeds)], db=db, workers=1)
    with open_store(db) as s:
        first = [a.id for a in s.articles()]
        summary = s.summary()
        n_par = sum(1 for _ in s.paragraphs())
    r2 = run_dedupe([str(seeds)], db=db, workers=1)
    with open_store(db) as s:
        assert [a.id for a in s.articles()] == first
        assert s.summary() == summary
    assert n_par == r1.counts.paragraphs == r2.counts.paragraphs
    assert summary.paragraphs == summary.kept + summary.dropped


def test_dry_run_writes_nothing(tmp_path, seeds):
    db = tmp_path / "c.db"
    report = run_dedupe([str(seeds)], db=str(db), dry_run=True, workers=1)
    assert not db.exists() and report.db is None and report.counts.pages == 5


def test_filters(tmp_path, seeds):
    db = str(tmp_path / "c.db")
    run_dedupe([str(seeds)], db=db, workers=1)
    with open_store(db) as s:
        y = list(s.articles(ArticleFilter(year=2024)))
        assert y and all(a.date.startswith("2024") for a in y)
        dates = [a.date for a in y]
        assert dates == sorted(dates, reverse=True)
        june = list(s.articles(ArticleFilter(date_from="2018-06", date_to="2018-06")))
        assert [a.date for a in june] == ["2018-06-09"]
        assert all(a.kind == "article" for a in s.articles(ArticleFilter(kind="article")))
        src = list(s.articles(ArticleFilter(source="004_")))
        assert src and all(any("004_" in x.path for x in a.sources) for a in src)
        assert len(list(s.articles(ArticleFilter(limit=2)))) == 2


def test_failed_write_keeps_previous_corpus(tmp_path, seeds, monkeypatch):
    db = str(tmp_path / "c.db")
    run_dedupe([str(seeds)], db=db, workers=1)
    with open_store(db) as s:
        before = s.summary()
    import corpus_cli.storage.store as store_mod

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store_mod, "_paragraph_rows", boom)
    with pytest.raises(RuntimeError):
        run_dedupe([str(seeds)], db=db, workers=1, incremental=False)
    with open_store(db) as s:
        assert s.summary() == before


def _snapshot(db):
    with open_store(db) as s:
        arts = [(a.id, a.kind, a.title, a.date, a.text, a.sources, a.dates, a.entities)
                for a in s.articles()]
        paras = sorted((repr(p), repr(d)) for p, d in s.paragraphs())
        clusters = sorted(map(repr, s.clusters()))
        ents = sorted(map(repr, s.entities()))
        return arts, paras, clusters, ents, s.summary()


def test_incremental_run_equals_fresh_run(tmp_path, pages, monkeypatch):
    from conftest import page_with_sidebar

    import corpus_cli.pipeline as pl

    folder = pages({
        "a.txt": page_with_sidebar(),
        "b.txt": page_with_sidebar(variant=True, glue=""),
        "c.txt": "05.09.2024\n\nA brief about the exercise of the rescue units.\n",
        "d.txt": "Some other page that will be deleted.\n",
    })
    db = str(tmp_path / "inc.db")
    first = run_dedupe([str(folder)], db=db, workers=1)
    assert first.reused == 0
    (folder / "c.txt").write_text("04.09.2024\n\nA changed brief about the exercise.\n")
    (folder / "d.txt").unlink()
    (folder / "e.txt").write_text("A new page with a new paragraph of text in it.\n")
    reads = []
    real = pl.read_bytes
    monkeypatch.setattr(pl, "read_bytes", lambda s: reads.append(s.path) or real(s))
    with pytest.raises(CorpusError, match="--replace"):  # d.txt is gone from the inputs
        run_dedupe([str(folder)], db=db, workers=1)
    second = run_dedupe([str(folder)], db=db, workers=1, replace=True)
    assert second.reused == 2
    assert second.changes.pages_added == 1 and second.changes.pages_changed == 1
    assert second.changes.pages_removed == 1 and second.changes.pages_unchanged == 2
    assert sorted(p.rsplit("/", 1)[-1] for p in reads) == ["c.txt", "e.txt"]
    fresh = str(tmp_path / "fresh.db")
    run_dedupe([str(folder)], db=fresh, workers=1, incremental=False)
    assert _snapshot(db) == _snapshot(fresh)
    with open_store(db) as s:
        assert not any(p.endswith("d.txt") for p in s.page_paths())


def test_touched_file_is_reused_by_hash(tmp_path, pages):
    import os

    folder = pages({"a.txt": "A page of text that stays the same.\n"})
    db = str(tmp_path / "t.db")
    run_dedupe([str(folder)], db=db, workers=1)
    os.utime(folder / "a.txt", ns=(1, 1))
    report = run_dedupe([str(folder)], db=db, workers=1)
    assert report.reused == 1
    report = run_dedupe([str(folder)], db=db, workers=1, encoding="latin-1")
    assert report.reused == 0  # other options: clean again


def test_stored_paragraphs_reads_one_by_one_then_all(tmp_path, seeds):
    from corpus_cli.pipeline import run_dedupe
    from corpus_cli.storage.store import StoredParagraphs

    db = str(tmp_path / "c.db")
    report = run_dedupe([seeds], db=db, workers=1)
    assert isinstance(report.paragraph_index, StoredParagraphs)
    with open_store(db) as s:
        every = {p.id: p for p, _d in s.paragraphs()}
    sp = StoredParagraphs(db, len(every))
    sp.BULK = 3
    ids = list(every)
    assert [sp[i] for i in ids[:3]] == [every[i] for i in ids[:3]]
    assert sp._all is None  # three lookups, one by one
    assert sp[ids[10]] == every[ids[10]] and sp._all is not None  # the fourth reads all
    assert list(sp) == ids and len(sp) == len(every)
    with pytest.raises(KeyError):
        StoredParagraphs(db, 1)["nope"]
    assert not os.path.exists(db + "-wal")  # no connection left open


def test_incremental_run_in_the_pool_equals_fresh_run(tmp_path, pages):
    # With a pool, the workers read unchanged pages back from the store themselves.
    import os

    from corpus_cli.pipeline import POOL_MIN_FILES

    files = {f"p{i:03d}.txt": f"Title number {i} of the page\n\n05.09.2024\n\n"
             f"The council met on day {i} to discuss the regional budget of the fund.\n"
             "Go back\n" for i in range(POOL_MIN_FILES + 8)}
    folder = pages(files)
    db = str(tmp_path / "inc.db")
    run_dedupe([str(folder)], db=db, workers=2)
    (folder / "p000.txt").write_text("A changed page with other words in it.\n")
    os.utime(folder / "p001.txt", ns=(1, 1))  # touched: reused by its content hash
    second = run_dedupe([str(folder)], db=db, workers=2)
    assert second.reused == len(files) - 1
    fresh = str(tmp_path / "fresh.db")
    run_dedupe([str(folder)], db=fresh, workers=1, incremental=False)
    assert _snapshot(db) == _snapshot(fresh)
    assert not os.path.exists(db + "-wal")  # the workers' read connections are closed


def test_writer_commits_or_leaves_the_previous_corpus(tmp_path, seeds):
    from corpus_cli.pipeline import build

    db = str(tmp_path / "c.db")
    run_dedupe([seeds], db=db, workers=1)
    before = _snapshot(db)
    corpus = build([seeds], workers=1)
    with open_store(db, create=True) as s:
        with pytest.raises(RuntimeError), s.writer() as w:
            w.paragraphs(corpus.pages, corpus.dedupe.drops, corpus.dedupe.clusters)
            raise RuntimeError("stop")  # the previous corpus is intact
        with pytest.raises(StoreError), s.writer() as w:
            w.items([], [])  # the items need the paragraphs first
        articles = list(s.articles())
        with pytest.raises(StoreError), s.writer() as w:  # two items of one id
            w.index([articles[0], articles[0]])
        with pytest.raises(StoreError), s.writer() as w:  # items other than those indexed
            w.index(articles[1:])
            w.paragraphs(corpus.pages, corpus.dedupe.drops, corpus.dedupe.clusters)
            w.items(articles, [])
    assert _snapshot(db) == before


def _counted_in_tables(store, f=None):
    """What the store's queries give when it keeps no counts of its write."""
    kept = store._kept
    store._kept = lambda f=None: None
    try:
        return (store.summary(), store.item_stats(f), store.date_histogram("month", f),
                store.date_histogram("year", f), store.top_entities(f, 10))
    finally:
        store._kept = kept


def test_counts_kept_at_write_time_are_those_of_the_tables(tmp_path, seeds):
    db = str(tmp_path / "c.db")
    run_dedupe([str(seeds)], db=db, workers=1)
    with open_store(db) as s:
        assert s._kept() is not None  # stats read them, not the tables
        f = ArticleFilter()
        assert (s.summary(), s.item_stats(f), s.date_histogram("month", f),
                s.date_histogram("year", f), s.top_entities(f, 10)) == _counted_in_tables(s, f)
        assert s.summary().paragraphs > 0 and s.top_entities(f, 10)
        # a filter is counted in the tables
        assert s._kept(ArticleFilter(kind="brief")) is None


def test_counts_of_another_write_are_not_used(tmp_path, seeds):
    # a later write by a version that does not keep the counts changes written_at
    db = str(tmp_path / "c.db")
    run_dedupe([str(seeds)], db=db, workers=1)
    with open_store(db, write=True) as s:
        s.conn.execute("UPDATE meta SET value = '\"2000-01-01T00:00:00+00:00\"'"
                       " WHERE key = 'written_at'")
        s.conn.execute("DELETE FROM paragraphs WHERE rowid = (SELECT MAX(rowid) FROM paragraphs)")
        assert s._kept() is None
        n = s.conn.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
        assert s.summary().paragraphs == n


@pytest.mark.parametrize("name", ["a b%20c.db", "q?x=1.db", "h#1.db", "é 100%.db", "%3F.db"])
def test_store_path_with_uri_characters(tmp_path, pages, name):
    # the store is first read through a read-only file: URI; its path is escaped there
    folder = pages({"a.txt": "Some words of a page here.\n"})
    db = str(tmp_path / name)
    from corpus_cli.pipeline import run_dedupe

    run_dedupe([str(folder)], db=db, workers=1)
    with open_store(db) as s:
        assert s.summary().paragraphs == 1
    # nothing opened (or made) a file of another name: the name read as a query or fragment
    assert not [f for f in os.listdir(tmp_path) if not f.startswith(name)
                and f not in os.listdir(tmp_path / "pages") and f != "pages"]
