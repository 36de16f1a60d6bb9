"""The delta write (corpus_cli.storage.delta): a run over a stored corpus writes only the
rows that differ, and the store it leaves holds exactly the rows a fresh run writes; search
(FTS5 and tantivy), list, export and stats answer the same."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import growing_pages as _pages
from conftest import page_with_sidebar
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_cli.cli import cli
from corpus_cli.storage import delta as delta_mod
from corpus_cli.storage import index as index_mod
from corpus_cli.storage import store as store_mod
from corpus_cli.storage.store import _TABLES, open_store

QUERIES = ["secretary", "water OR council", "regional office", "delegation", "Tartu*"]


# a page with an item of its own
NEW_PAGE = page_with_sidebar(
    title="The harbour authority opened a new ferry terminal",
    body=["The terminal serves three ferry lines and a cargo quay near the old pier.",
          "Its opening was delayed by a storm that flooded the access road in May."])


def run(*args) -> str:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 0, (args, r.output, r.stderr)
    return r.stdout


def tables(db: str) -> dict[str, list]:
    """Every table's rows, sorted; items without their rowid (a surrogate key), meta
    without what differs between any two runs (time, index token)."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        # the FTS5 index holds exactly the title and text of every item
        con.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
        out = {}
        for t in _TABLES:
            cur = con.execute(f"SELECT * FROM {t}")  # noqa: S608
            cols = [d[0] for d in cur.description]
            keep = [i for i, c in enumerate(cols) if c != "rowid"]
            out[t] = sorted((tuple(r[i] for i in keep) for r in cur), key=repr)
        meta = dict(con.execute("SELECT key, value FROM meta"))
        for k in ("written_at", "index_token"):
            meta.pop(k, None)
        counts = json.loads(meta.pop("counts"))
        for k in ("written_at", "paragraph_rowid"):
            counts.pop(k, None)
        out["meta"] = sorted(meta.items())
        out["counts"] = counts
        return out
    finally:
        con.close()


def answers(db: str) -> dict[str, str]:
    """What a user sees: search with each engine, list, export, stats."""
    out = {"list": run("list", "--db", db, "--json"),
           "export": run("export", "--db", db, "--format", "jsonl"),
           "stats": run("stats", "--db", db, "--json"),
           "entities": run("entities", "--db", db, "--json"),
           # the report names the store and the time of its write
           "report": re.sub(r"written [0-9T:+-]+", "written T", run(
               "report", "--db", db).replace(db, "DB").replace(os.path.basename(db), "DB"))}
    for ident in [json.loads(line)["id"] for line in out["export"].splitlines()][:3]:
        out[f"show {ident}"] = run("show", ident, "--db", db, "--json")
    for q in QUERIES:
        for engine in ("fts5", "tantivy"):
            for limit in ("0", "2"):
                out[f"search {q} {engine} {limit}"] = run(
                    "search", q, "--db", db, "--json", "--engine", engine, "--limit", limit)
    return out


def assert_same_as_fresh(db: str, folder: Path, tmp_path: Path, name: str) -> None:
    """``db`` holds what a fresh run of its pages (in its corpus order) writes."""
    with open_store(db) as s:
        order = [sp.path for sp in s.stored_pages()]
    fresh = str(tmp_path / f"fresh-{name}.db")
    run("dedupe", *order, "--db", fresh, "--workers", "1")
    assert tables(db) == tables(fresh), name
    assert answers(db) == answers(fresh), name
    # the side index holds exactly the stored items, each under its rowid
    with open_store(db) as s:
        folder = index_mod.generation(db, s.index_token())
        rows = list(s.index_rows())
    assert folder is not None, name
    assert index_mod._read_docs(folder) == {r[0]: index_mod.doc_digest(r) for r in rows}, name


@pytest.fixture
def modes(monkeypatch):
    """The mode of each write (bulk or delta) and the rows it touched. On pages this few,
    one page is a large share of the corpus: the delta write is used whatever changes."""
    monkeypatch.setattr(delta_mod, "DELTA_MAX", 1.0)
    seen: list[tuple[str, int]] = []
    real = store_mod.Writer.commit

    def commit(self):
        real(self)
        seen.append((self.mode, self.store.conn.total_changes))

    monkeypatch.setattr(store_mod.Writer, "commit", commit)
    return seen


def test_edit_add_remove_rerun_equal_a_fresh_run(tmp_path, monkeypatch, modes):
    monkeypatch.chdir(tmp_path)
    pages = _pages(9)
    folder = tmp_path / "pages"
    folder.mkdir()
    first = sorted(pages)[:-2]
    for k in first:
        (folder / k).write_text(pages[k], encoding="utf-8")
    db = "c.db"
    run("dedupe", *(f"pages/{k}" for k in first), "--db", db, "--workers", "1")
    # edit one page: a paragraph changed, one added
    p = folder / "p02.txt"
    p.write_text(p.read_text().replace("autumn", "spring") + "\nA new closing line.\n")
    run("add", "pages/p02.txt", "--db", db, "--workers", "1")
    assert_same_as_fresh(db, folder, tmp_path, "edit")
    # add a page (a near-copy of stored ones)
    new = sorted(pages)[-2]
    (folder / new).write_text(pages[new], encoding="utf-8")
    run("add", f"pages/{new}", "--db", db, "--workers", "1")
    assert_same_as_fresh(db, folder, tmp_path, "add")
    # remove a page
    run("remove", "pages/p01.txt", "--db", db, "--workers", "1")
    assert_same_as_fresh(db, folder, tmp_path, "remove")
    # dedupe again with a changed page
    (folder / "p01.txt").unlink()
    p = folder / "p04.txt"
    p.write_text(p.read_text().replace("Riga", "Vilnius"))
    with open_store(db) as s:
        order = [sp.path for sp in s.stored_pages()]
    run("dedupe", *order, "--db", db, "--workers", "1")
    assert_same_as_fresh(db, folder, tmp_path, "rerun")
    # every write over the store was a delta (the others are the fresh runs)
    assert [m for m, _ in modes][1::2] == ["delta"] * 4, modes


def test_a_delta_write_touches_only_what_changed(tmp_path, monkeypatch, modes):
    monkeypatch.chdir(tmp_path)
    pages = {f"q{i:02d}.txt": page_with_sidebar(
        title=f"The committee number {i} met in the capital city",
        body=[f"Paragraph {j} of page {i} says something of its own about item {i * j}."
              for j in range(6)]) for i in range(30)}
    folder = tmp_path / "pages"
    folder.mkdir()
    for k, v in pages.items():
        (folder / k).write_text(v, encoding="utf-8")
    db = "c.db"
    paths = [f"pages/{k}" for k in sorted(pages)]
    run("dedupe", *paths, "--db", db, "--workers", "1")
    con = sqlite3.connect(db)
    before_p = dict(con.execute("SELECT id, rowid FROM paragraphs"))
    before_i = dict(con.execute("SELECT id, rowid FROM items"))
    rows = sum(con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
               for t in _TABLES)
    con.close()
    # one page of thirty changed
    p = folder / "q07.txt"
    p.write_text(p.read_text().replace("Paragraph 3 of page 7", "Paragraph three of page 7"))
    run("dedupe", *paths, "--db", db, "--workers", "1")
    mode, touched = modes[-1]
    assert mode == "delta"
    assert touched < rows / 10, (touched, rows)
    con = sqlite3.connect(db)
    after_p = dict(con.execute("SELECT id, rowid FROM paragraphs"))
    after_i = dict(con.execute("SELECT id, rowid FROM items"))
    con.close()
    kept = [i for i in before_p if i in after_p]
    assert len(kept) > 0.9 * len(before_p)
    assert all(before_p[i] == after_p[i] for i in kept)
    assert all(before_i[i] == after_i[i] for i in before_i if i in after_i)
    assert_same_as_fresh(db, folder, tmp_path, "one-page")


def test_a_delta_adding_pages_extends_the_side_index(tmp_path, monkeypatch, modes):
    monkeypatch.chdir(tmp_path)
    pages = _pages(6)
    pages["zz.txt"] = NEW_PAGE
    folder = tmp_path / "pages"
    folder.mkdir()
    names = sorted(pages)
    for k in names:
        (folder / k).write_text(pages[k], encoding="utf-8")
    db = "c.db"
    run("dedupe", *(f"pages/{k}" for k in names[:-2]), "--db", db, "--workers", "1")
    with open_store(db) as s:
        token = s.index_token()
    old = index_mod.generation(db, token)
    assert old is not None
    made = []
    real = index_mod._extend_tmp
    monkeypatch.setattr(index_mod, "_extend_tmp",
                        lambda *a, **k: made.append(a[2]) or real(*a, **k))
    # a page whose items are all copies of stored ones: no document of the index changes
    run("add", f"pages/{names[-2]}", "--db", db, "--workers", "1")
    with open_store(db) as s:
        assert s.index_token() == token
    assert made == [] and index_mod.generation(db, token) == old
    assert_same_as_fresh(db, folder, tmp_path, "copies")
    # a page with an item of its own: the index is made from the current one
    run("add", f"pages/{names[-1]}", "--db", db, "--workers", "1")
    assert made == [old]
    with open_store(db) as s:
        new = index_mod.generation(db, s.index_token())
    assert new is not None and new != old and not os.path.exists(old)
    assert_same_as_fresh(db, folder, tmp_path, "extended")
    assert [m for m, _ in modes][1::2] == ["delta"] * 2, modes


def test_a_failed_delta_write_leaves_the_store_and_index(tmp_path, monkeypatch, modes):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "pages"
    folder.mkdir()
    pages = _pages(6)
    for k, v in pages.items():
        (folder / k).write_text(v, encoding="utf-8")
    db = "c.db"
    run("dedupe", "pages", "--db", db, "--workers", "1")
    before = tables(db)
    seen = answers(db)
    with open_store(db) as s:
        gen = index_mod.generation(db, s.index_token())
    files = sorted(os.listdir(gen))
    (folder / "new.txt").write_text(NEW_PAGE)

    def boom(*a, **k):
        raise OSError("disk is full")

    monkeypatch.setattr(delta_mod, "entity_changes", boom)
    r = CliRunner().invoke(cli, ["add", "pages/new.txt", "--db", db, "--workers", "1"])
    assert r.exit_code == 1
    assert tables(db) == before
    assert answers(db) == seen
    assert sorted(os.listdir(gen)) == files
    assert [n for n in os.listdir(index_mod.index_dir(db)) if n.startswith("tmp-")] == []


_KILLER = """
import os, signal, sys
from corpus_cli.storage import delta, index, store
delta.DELTA_MAX = 1.0
def die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)
real_link, real_commit = index._link_tree, store.Writer.commit
def link_then_die(base, tmp):
    real_link(base, tmp)
    die()
def commit(self):
    if sys.argv[1] == "link":  # the kill in the index thread comes before the commit
        self._side._thread.join()
    else:
        die()
    real_commit(self)
index._link_tree = link_then_die
store.Writer.commit = commit
from corpus_cli.cli import cli
cli(sys.argv[2:])
"""


@pytest.mark.parametrize("moment", ["link", "commit"])
def test_a_delta_write_killed_midway_leaves_the_store_and_index(tmp_path, modes, moment):
    folder = tmp_path / "pages"
    folder.mkdir()
    pages = _pages(6)
    for k, v in pages.items():
        (folder / k).write_text(v, encoding="utf-8")
    db = str(tmp_path / "c.db")
    run("dedupe", str(folder), "--db", db, "--workers", "1")
    before = tables(db)
    seen = answers(db)
    with open_store(db) as s:
        gen = index_mod.generation(db, s.index_token())
    files = sorted(os.listdir(gen))
    new = folder / "new.txt"
    new.write_text(NEW_PAGE)
    p = subprocess.run([sys.executable, "-c", _KILLER, moment, "add", str(new), "--db", db,
                        "--workers", "1"], capture_output=True, timeout=120)
    assert p.returncode == -9, p.stderr
    assert tables(db) == before
    assert answers(db) == seen
    assert sorted(os.listdir(gen)) == files
    # the next run removes the folder the killed one left (a lock file killed before its
    # folder was made goes once it is a minute old, see storage.index) and writes the delta
    run("add", str(new), "--db", db, "--workers", "1")
    root = index_mod.index_dir(db)
    assert [n for n in os.listdir(root)
            if n.startswith("tmp-") and os.path.isdir(os.path.join(root, n))] == []
    assert_same_as_fresh(db, folder, tmp_path, "after-kill")


@settings(max_examples=6, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "edit", "remove", "rerun"]),
                          st.integers(0, 50)), min_size=1, max_size=4))
def test_random_edit_sequences_equal_fresh_runs(tmp_path_factory, steps):
    tmp = tmp_path_factory.mktemp("seq")
    pages = _pages(8)
    names = sorted(pages)
    folder = tmp / "pages"
    folder.mkdir()
    stored = names[:5]
    for k in names:
        (folder / k).write_text(pages[k], encoding="utf-8")
    db = str(tmp / "c.db")
    run("dedupe", *(folder / k for k in stored), "--db", db, "--workers", "1")
    for n, (op, x) in enumerate(steps):
        rest = [k for k in names if k not in stored]
        if op == "add" and rest:
            k = rest[x % len(rest)]
            run("add", folder / k, "--db", db, "--workers", "1")
            stored.append(k)
        elif op == "remove" and len(stored) > 1:
            k = stored[x % len(stored)]
            run("remove", folder / k, "--db", db, "--workers", "1")
            stored.remove(k)
        else:
            k = stored[x % len(stored)]
            p = folder / k
            p.write_text(p.read_text() + f"\nThe line {x} was added at step {n}.\n")
            if op == "edit":
                run("add", p, "--db", db, "--workers", "1")
            else:
                run("dedupe", *(folder / k for k in stored), "--db", db, "--workers", "1")
        assert_same_as_fresh(db, folder, tmp, f"step{n}")


def _signature_log(db: str) -> None:
    """Log the shards of the signatures table a write inserts or deletes (in ``sig_log``)."""
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE sig_log (what TEXT, shard INTEGER);
        CREATE TRIGGER sig_ins AFTER INSERT ON signatures
            BEGIN INSERT INTO sig_log VALUES ('insert', new.shard); END;
        CREATE TRIGGER sig_del AFTER DELETE ON signatures
            BEGIN INSERT INTO sig_log VALUES ('delete', old.shard); END;
    """)
    con.close()


def _signature_unlog(db: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT what, shard FROM sig_log").fetchall()
    finally:
        con.executescript("DROP TRIGGER sig_ins; DROP TRIGGER sig_del; DROP TABLE sig_log;")
        con.close()


def _thirty_pages(folder: Path) -> list[str]:
    folder.mkdir()
    for i in range(30):
        (folder / f"q{i:02d}.txt").write_text(page_with_sidebar(
            title=f"The committee number {i} met in the capital city",
            body=[f"Paragraph {j} of page {i} says something of its own about item {i * j}."
                  for j in range(6)]), encoding="utf-8")
    return [f"pages/q{i:02d}.txt" for i in range(30)]


def _thirty_page_store(tmp_path, monkeypatch) -> tuple[list[str], str]:
    """A store of :func:`_thirty_pages` in ``tmp_path`` (the working directory now)."""
    monkeypatch.chdir(tmp_path)
    paths = _thirty_pages(tmp_path / "pages")
    db = "c.db"
    run("dedupe", *paths, "--db", db, "--workers", "1")
    return paths, db


def test_a_delta_write_rewrites_only_the_signature_shards_that_changed(tmp_path, monkeypatch,
                                                                       modes):
    paths, db = _thirty_page_store(tmp_path, monkeypatch)
    con = sqlite3.connect(db)
    shards = con.execute("SELECT COUNT(*) FROM signatures").fetchone()[0]
    made = json.loads(con.execute("SELECT value FROM meta WHERE key = 'signatures'"
                                  ).fetchone()[0])
    con.close()
    assert shards >= 8 and made["bits"] >= 3, (shards, made)
    # one paragraph of one page reworded: one text gone, one new
    p = tmp_path / "pages" / "q07.txt"
    p.write_text(p.read_text().replace("Paragraph 3 of page 7", "Paragraph three of page 7"))
    _signature_log(db)
    run("dedupe", *paths, "--db", db, "--workers", "1")
    log = _signature_unlog(db)
    assert modes[-1][0] == "delta"
    assert 1 <= len({s for _w, s in log}) <= 2, log  # the new text's shard, the old one's
    assert_same_as_fresh(db, tmp_path / "pages", tmp_path, "signatures")
    # nothing changed: no shard written
    _signature_log(db)
    p.write_text(p.read_text() + "\n")  # the same text: the page is cleaned again
    run("dedupe", *paths, "--db", db, "--workers", "1")
    assert _signature_unlog(db) == []


def test_signatures_kept_in_one_row_are_replaced_by_shards(tmp_path, monkeypatch, modes):
    """A store written when the signatures were one row: the next write makes the shards
    (its signatures are not reused: computed again)."""
    import corpus_cli.dedupe as dd

    paths, db = _thirty_page_store(tmp_path, monkeypatch)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT digests, signatures FROM signatures").fetchall()
    con.executescript("""
        DROP TABLE signatures;
        CREATE TABLE signatures (key TEXT NOT NULL, digests BLOB NOT NULL,
                                 signatures BLOB NOT NULL);
        DELETE FROM meta WHERE key = 'signatures';
    """)
    con.execute("INSERT INTO signatures VALUES ('old', ?, ?)",
                (b"".join(r[0] for r in rows), b"".join(r[1] for r in rows)))
    con.commit()
    con.close()
    computed = []
    real = dd._signatures
    monkeypatch.setattr(dd, "_signatures",
                        lambda texts, *a: computed.extend(texts) or real(texts, *a))
    p = tmp_path / "pages" / "q07.txt"
    p.write_text(p.read_text().replace("Paragraph 3 of page 7", "Paragraph three of page 7"))
    run("dedupe", *paths, "--db", db, "--workers", "1")
    assert modes[-1][0] == "delta"
    assert len(computed) > 100  # not reused: all computed again
    assert_same_as_fresh(db, tmp_path / "pages", tmp_path, "old-signatures")
    computed.clear()
    p.write_text(p.read_text() + "\nA new line about the harbour of the town.\n")
    run("dedupe", *paths, "--db", db, "--workers", "1")
    assert computed == ["a new line about the harbour of the town"]


def test_reused_items_keep_their_stored_mentions_json(tmp_path, monkeypatch, modes):
    """An item whose annotations come from the store writes its raw entity mentions as
    stored: they are not encoded again (and the store equals a fresh run's)."""
    import corpus_cli.pipeline as pl

    paths, db = _thirty_page_store(tmp_path, monkeypatch)
    with open_store(db) as s:
        n_items = s.count_items()
    assert n_items >= 30
    encoded = []
    real = pl.mentions_json
    monkeypatch.setattr(pl, "mentions_json", lambda m: encoded.append(m) or real(m))
    p = tmp_path / "pages" / "q07.txt"
    p.write_text(p.read_text().replace("Paragraph 3 of page 7", "Paragraph three of page 7"))
    run("dedupe", *paths, "--db", db, "--workers", "1")
    assert modes[-1][0] == "delta"
    assert 1 <= len(encoded) <= 2, len(encoded)  # the changed item(s) only
    assert_same_as_fresh(db, tmp_path / "pages", tmp_path, "mentions")


@given(st.lists(st.one_of(st.none(), st.integers(), st.text()), max_size=20))
def test_the_item_digest_hashes_each_field_then_a_nul(fields):
    """Stored digests stay comparable with those a later version makes (else every item of
    a stored corpus would look changed): each field's text, then NUL, BLAKE2b of 10 bytes."""
    import hashlib

    h = hashlib.blake2b(digest_size=10)
    for f in fields:
        h.update(str(f).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    assert store_mod._digest(fields) == h.hexdigest()


def test_a_delta_write_reads_back_only_the_pages_whose_paragraphs_changed(tmp_path, monkeypatch,
                                                                          modes):
    paths, db = _thirty_page_store(tmp_path, monkeypatch)
    read: list[str] = []
    real = delta_mod._paragraph_rows_of
    monkeypatch.setattr(delta_mod, "_paragraph_rows_of",
                        lambda conn, ps, n: read.extend(ps) or real(conn, ps, n))
    p = tmp_path / "pages" / "q07.txt"
    p.write_text(p.read_text().replace("Paragraph 3 of page 7", "Paragraph three of page 7"))
    run("dedupe", *paths, "--db", db, "--workers", "1")
    assert modes[-1][0] == "delta"
    # q07 is written again; of the others, only pages with a copy of a paragraph whose
    # cluster changed (the sidebar's) are compared, not all 29
    assert "pages/q07.txt" not in read and len(read) < 10, read
    assert_same_as_fresh(db, tmp_path / "pages", tmp_path, "digests")
    read.clear()
    run("dedupe", *paths, "--db", db, "--workers", "1")  # nothing changed
    assert read == []


def test_stored_paragraphs_read_page_by_page_or_in_one_scan_are_the_same(tmp_path,
                                                                          monkeypatch):
    paths, db = _thirty_page_store(tmp_path, monkeypatch)
    con = sqlite3.connect(db)
    try:
        wanted = ["pages/q07.txt", "pages/q02.txt", "pages/missing.txt", "pages/q29.txt"]
        by_page = list(delta_mod._paragraph_rows_of(con, wanted, 1000))  # a small share
        scanned = list(delta_mod._paragraph_rows_of(con, wanted, 4))  # all of them: a scan
        in_order = {p: [r[0] for r in con.execute(
            "SELECT id FROM paragraphs WHERE path = ? ORDER BY line_start, idx", (p,))]
            for p in wanted}
    finally:
        con.close()
    assert [p for p, _ in by_page] == ["pages/q07.txt", "pages/q02.txt", "pages/q29.txt"]
    assert sorted(by_page) == sorted(scanned)
    for path, rows in by_page:  # each page's paragraphs, in page order
        assert len(rows) > 3 and [r[2] for r in rows] == in_order[path]


def test_a_store_without_page_digests_gets_them_in_a_delta_write(tmp_path, monkeypatch, modes):
    paths, db = _thirty_page_store(tmp_path, monkeypatch)
    con = sqlite3.connect(db)
    con.execute("DROP TABLE page_dedupe")
    con.commit()
    con.close()
    p = tmp_path / "pages" / "q07.txt"
    p.write_text(p.read_text().replace("Paragraph 3 of page 7", "Paragraph three of page 7"))
    run("dedupe", *paths, "--db", db, "--workers", "1")
    assert modes[-1][0] == "delta"
    assert_same_as_fresh(db, tmp_path / "pages", tmp_path, "no-digests")
