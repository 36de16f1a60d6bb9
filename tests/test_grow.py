"""A corpus that grows: corpus add / remove and re-runs give what a fresh run on the same
pages (in corpus order) gives: the same clusters, items, dates and entities."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import LISTING_PAGE, SIDEBAR, page_with_sidebar
from conftest import growing_pages as _pages

from corpus_cli.cli import cli
from corpus_cli.errors import CorpusError
from corpus_cli.pipeline import run_add, run_dedupe, run_remove
from corpus_cli.storage.store import open_store


def snapshot(db: str):
    """Everything a fresh run decides: clusters, drops, items with dates and entities,
    entities, pages in corpus order."""
    with open_store(db) as s:
        items = sorted((a.id, a.kind, a.title, a.date, a.date_precision, a.date_inferred,
                        a.text, a.sources, a.paragraph_ids, a.dates, a.entities)
                       for a in s.articles())
        paragraphs = sorted((repr(p), repr(d)) for p, d in s.paragraphs())
        clusters = sorted(map(repr, s.clusters()))
        entities = sorted(map(repr, s.entities()))
        pages = [sp.path for sp in s.stored_pages()]
        return {"items": items, "paragraphs": paragraphs, "clusters": clusters,
                "entities": entities, "pages": pages, "summary": s.summary()}


def _write(folder: Path, pages: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder

def _spy(monkeypatch, module, name: str, what) -> list:
    """Patch ``module.name`` to record ``what(*args)`` of every call; the list of records."""
    seen: list = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **kw: seen.extend(what(*a)) or real(*a, **kw))
    return seen


def _fresh_snapshot(folder: Path, tmp_path: Path):
    """The snapshot of a fresh run of every page of ``folder``."""
    fresh = str(tmp_path / "fresh.db")
    run_dedupe([str(folder)], db=fresh, workers=1)
    return snapshot(fresh)



def test_add_equals_a_fresh_run_of_both_batches(tmp_path):
    pages = _pages(8)
    names = sorted(pages)
    b1 = _write(tmp_path / "b1", {k: pages[k] for k in names[:5]})
    b2 = _write(tmp_path / "b2", {k: pages[k] for k in names[5:]})
    db = str(tmp_path / "grow.db")
    run_dedupe([str(b1)], db=db, workers=1)
    report = run_add([str(b2)], db=db, workers=1)
    assert report.changes.pages_added == len(names) - 5
    assert report.changes.pages_unchanged == 5
    assert report.changes.items_added + report.changes.items_changed > 0
    fresh = str(tmp_path / "fresh.db")
    run_dedupe([str(b1), str(b2)], db=fresh, workers=1)
    assert snapshot(db) == snapshot(fresh)


def test_random_add_change_remove_sequences_equal_fresh_runs(tmp_path):
    pages = _pages(10)
    names = sorted(pages)
    rnd = random.Random(7)
    folder = tmp_path / "pages"
    db = str(tmp_path / "grow.db")
    stored: list[str] = []  # corpus order
    first = names[:4]
    _write(folder, {k: pages[k] for k in first})
    run_dedupe([str(folder / k) for k in first], db=db, workers=1)
    stored += first
    for step in range(6):
        op = rnd.choice(["add", "change", "remove"])
        if op == "add" and len(stored) < len(names):
            new = [k for k in names if k not in stored][: rnd.randint(1, 2)]
            _write(folder, {k: pages[k] for k in new})
            run_add([str(folder / k) for k in new], db=db, workers=1)
            stored += new
        elif op == "change" and stored:
            k = rnd.choice(stored)
            text = (folder / k).read_text() + f"\nA line added at step {step} to the page.\n"
            (folder / k).write_text(text)
            r = run_add([str(folder / k)], db=db, workers=1)
            assert r.changes.pages_changed == 1 and r.changes.pages_added == 0
        elif stored:
            k = rnd.choice(stored)
            r = run_remove([str(folder / k)], db=db, workers=1)
            assert r.changes.pages_removed == 1
            stored.remove(k)
        fresh = str(tmp_path / f"fresh{step}.db")
        run_dedupe([str(folder / k) for k in stored], db=fresh, workers=1)
        assert snapshot(db) == snapshot(fresh), (step, op)


def test_unchanged_rerun_does_nothing(tmp_path):
    folder = _write(tmp_path / "p", _pages(4))
    db = str(tmp_path / "c.db")
    run_dedupe([str(folder)], db=db, workers=1)
    with open_store(db) as s:
        written = s.meta()["written_at"]
    before = snapshot(db)
    again = run_dedupe([str(folder)], db=db, workers=1)
    assert not again.changes.written and again.changes.pages_unchanged == 6
    assert again.counts.items == len(before["items"]) and again.clusters
    with open_store(db) as s:
        assert s.meta()["written_at"] == written
    assert snapshot(db) == before
    # add of pages already stored, unchanged: nothing either
    assert not run_add([str(folder)], db=db, workers=1).changes.written


def test_a_new_page_with_a_stored_url_replaces_it(tmp_path):
    url = "https://news.example.org/item/1/\n"
    b1 = _write(tmp_path / "day1", {"a.txt": "05.09.2024\n\n" + SIDEBAR[0] + "\n" + url,
                                    "b.txt": LISTING_PAGE})
    db = str(tmp_path / "c.db")
    run_dedupe([str(b1)], db=db, workers=1)
    b2 = _write(tmp_path / "day2", {"a2.txt": "05.09.2024\n\n" + SIDEBAR[1] + "\n" + url})
    r = run_add([str(b2)], db=db, workers=1)
    assert r.changes.pages_changed == 1 and r.changes.pages_added == 0
    assert r.changes.pages_removed == 0
    with open_store(db) as s:
        paths = [sp.path for sp in s.stored_pages()]
    assert not any(p.endswith("a.txt") for p in paths) and len(paths) == 2


def test_dedupe_on_a_store_of_other_pages_needs_replace(tmp_path):
    b1 = _write(tmp_path / "batch1", {"a.txt": LISTING_PAGE})
    b2 = _write(tmp_path / "batch2", {"b.txt": page_with_sidebar()})
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["dedupe", str(b1), "--db", db]).exit_code == 0
    before = snapshot(db)
    r = runner.invoke(cli, ["dedupe", str(b2), "--db", db])
    assert r.exit_code == 1 and "--replace" in r.stderr and "corpus add" in r.stderr
    assert "1 page(s)" in r.stderr and "5 stored item(s)" in r.stderr
    assert snapshot(db) == before  # nothing lost
    r = runner.invoke(cli, ["dedupe", str(b2), "--db", db, "--replace", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["changes"]["pages"] == {"added": 1, "changed": 0, "removed": 1, "unchanged": 0}
    assert doc["changes"]["items"]["removed"] == 5 and doc["command"] == "dedupe"


def test_add_and_remove_commands(tmp_path):
    b1 = _write(tmp_path / "batch1", {"a.txt": LISTING_PAGE})
    b2 = _write(tmp_path / "batch2", {"b.txt": page_with_sidebar(),
                                      "c.txt": "A page about something else entirely here.\n"})
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    r = runner.invoke(cli, ["add", str(b1), "--db", db])
    assert r.exit_code == 1 and "corpus dedupe" in r.stderr  # nothing to add to yet
    assert runner.invoke(cli, ["dedupe", str(b1), "--db", db]).exit_code == 0
    r = runner.invoke(cli, ["add", str(b2), "--db", db, "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["command"] == "add" and doc["changes"]["pages"]["added"] == 2
    assert doc["pages"] == 3
    r = runner.invoke(cli, ["add", str(b2), "--db", db])
    assert r.exit_code == 0 and "up to date" in r.stdout
    r = runner.invoke(cli, ["remove", str(b2 / "c.txt"), "nowhere.txt", "--db", db, "--json"])
    assert r.exit_code == 1 and "nowhere.txt" in r.stderr  # the other one is removed
    assert json.loads(r.stdout)["changes"]["pages"]["removed"] == 1
    r = runner.invoke(cli, ["remove", str(b2), "--db", db])  # a folder of stored pages
    assert r.exit_code == 0, r.output
    with open_store(db) as s:
        assert [sp.path for sp in s.stored_pages()] == [str(b1 / "a.txt")]
    (b1 / "a.txt").unlink()  # removal does not need the files
    r = runner.invoke(cli, ["remove", str(b1 / "a.txt"), "--db", db])
    assert r.exit_code == 0, r.output
    with open_store(db) as s:
        assert s.stored_pages() == [] and list(s.articles()) == []


def test_add_uses_the_store_settings(tmp_path):
    b1 = _write(tmp_path / "b1", {"a.txt": page_with_sidebar()})
    b2 = _write(tmp_path / "b2", {"b.txt": page_with_sidebar(variant=True, glue="")})
    db = str(tmp_path / "c.db")
    from corpus_cli.dedupe import DedupeConfig

    run_dedupe([str(b1)], db=db, workers=1, config=DedupeConfig(threshold=0.95), ner="none")
    run_add([str(b2)], db=db, workers=1)
    fresh = str(tmp_path / "f.db")
    run_dedupe([str(b1), str(b2)], db=fresh, workers=1, config=DedupeConfig(threshold=0.95),
               ner="none")
    assert snapshot(db) == snapshot(fresh)
    assert snapshot(db)["entities"] == []


def test_old_store_is_refused_for_reading_and_rebuilt_by_dedupe(tmp_path, seeds):
    db = tmp_path / "old.db"
    c = sqlite3.connect(db)
    c.execute("PRAGMA application_id=1131377264")
    c.execute("PRAGMA user_version=1")
    c.execute("CREATE TABLE pages (path TEXT PRIMARY KEY)")
    c.execute("CREATE TABLE articles (id TEXT)")
    c.execute("INSERT INTO pages VALUES ('somewhere/else.txt')")
    c.commit()
    c.close()
    runner = CliRunner()
    r = runner.invoke(cli, ["list", "--db", str(db)])
    assert r.exit_code == 1 and "older corpus (schema 1" in r.stderr
    r = runner.invoke(cli, ["dedupe", str(seeds), "--db", str(db)])
    assert r.exit_code == 1 and "--replace" in r.stderr
    r = runner.invoke(cli, ["dedupe", str(seeds), "--db", str(db), "--replace"])
    assert r.exit_code == 0, r.output
    assert runner.invoke(cli, ["list", "--db", str(db)]).exit_code == 0
    with sqlite3.connect(db) as c:
        names = {r[0] for r in c.execute("SELECT name FROM sqlite_master")}
    assert "articles" not in names and "items" in names


def test_remove_of_everything_not_stored_is_an_error(tmp_path):
    with pytest.raises(CorpusError):
        run_remove(["x.txt"], db=str(tmp_path / "none.db"))


def test_unchanged_items_are_not_annotated_again(tmp_path, monkeypatch):
    import corpus_cli.pipeline as pl

    folder = _write(tmp_path / "p", _pages(8))
    db = str(tmp_path / "c.db")
    first = run_dedupe([str(folder)], db=db, workers=1)
    seen: list[str] = []
    real = pl._annotate
    monkeypatch.setattr(pl, "_annotate", lambda job: seen.extend(t[0] for t in job[0])
                        or real(job))
    page = folder / "brief.txt"
    page.write_text(page.read_text() + "\n04.06.2023\n\nA new brief about the water board.\n")
    run_dedupe([str(folder)], db=db, workers=1)
    assert seen == ["A new brief about the water board."]  # only the new item
    assert first.counts.items > 5
    assert snapshot(db) == _fresh_snapshot(folder, tmp_path)


def test_a_url_shared_by_several_stored_pages_replaces_nothing(tmp_path):
    url = "https://news.example.org/all-news/\n"
    b1 = _write(tmp_path / "day1", {"a.txt": "05.09.2024\n\n" + SIDEBAR[0] + "\n" + url,
                                    "b.txt": "06.09.2024\n\n" + SIDEBAR[2] + "\n" + url})
    db = str(tmp_path / "c.db")
    run_dedupe([str(b1)], db=db, workers=1)
    b2 = _write(tmp_path / "day2", {"c.txt": "05.09.2024\n\n" + SIDEBAR[1] + "\n" + url})
    r = run_add([str(b2)], db=db, workers=1)
    assert r.changes.pages_added == 1 and r.changes.pages_changed == 0
    with open_store(db) as s:
        assert len(s.stored_pages()) == 3


def test_replace_with_only_unreadable_inputs_keeps_the_store(tmp_path):
    b1 = _write(tmp_path / "b1", {"a.txt": LISTING_PAGE})
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.txt").write_bytes(b"")  # empty: a problem, not a page
    db = str(tmp_path / "c.db")
    run_dedupe([str(b1)], db=db, workers=1)
    before = snapshot(db)
    r = CliRunner().invoke(cli, ["dedupe", str(bad), "--db", db, "--replace"])
    assert r.exit_code == 1 and "empty file" in r.stderr
    assert snapshot(db) == before


def test_a_store_written_by_another_build_lends_it_nothing(tmp_path, monkeypatch):
    # Same version number, other code (rules changed between two builds): the re-run cleans
    # and annotates every page again instead of reusing what the other build stored.
    import corpus_cli.pipeline as pl

    folder = _write(tmp_path / "p", _pages(4))
    db = str(tmp_path / "c.db")
    run_dedupe([str(folder)], db=db, workers=1)
    monkeypatch.setattr(pl, "_FINGERPRINT", "another-build")
    seen: list[str] = []
    real = pl._annotate
    monkeypatch.setattr(pl, "_annotate", lambda job: seen.extend(t[0] for t in job[0])
                        or real(job))
    again = run_dedupe([str(folder)], db=db, workers=1)
    assert again.changes.written and again.reused == 0
    assert len(seen) == again.counts.items



def test_unchanged_pages_are_not_split_again(tmp_path, monkeypatch):
    import corpus_cli.segment as seg

    folder = _write(tmp_path / "p", _pages(8))
    db = str(tmp_path / "c.db")
    run_dedupe([str(folder)], db=db, workers=1)
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from page_items").fetchone()[0] == len(_pages(8))
    split = _spy(monkeypatch, seg, "segment_page", lambda cp: [cp.page.path])
    page = folder / "brief.txt"
    page.write_text(page.read_text() + "\n04.06.2023\n\nA new brief about the water board.\n")
    run_dedupe([str(folder)], db=db, workers=1)
    assert [Path(p).name for p in split] == ["brief.txt"]  # only the changed page
    assert snapshot(db) == _fresh_snapshot(folder, tmp_path)


def test_stored_items_that_do_not_fit_the_page_are_split_again(tmp_path, monkeypatch):
    import corpus_cli.segment as seg

    folder = _write(tmp_path / "p", _pages(4))
    db = str(tmp_path / "c.db")
    run_dedupe([str(folder)], db=db, workers=1)
    with sqlite3.connect(db) as con:  # damaged or from another layout: not trusted
        con.execute("update page_items set items = '[1, [[\"article\", 0, 999]]]'"
                    " where path like '%p00.txt'")
        con.execute("update page_items set items = 'not json' where path like '%p01.txt'")
        con.execute("delete from page_items where path like '%p02.txt'")
    split = _spy(monkeypatch, seg, "segment_page", lambda cp: [cp.page.path])
    page = folder / "brief.txt"
    page.write_text(page.read_text() + "\nOne more line about the water board here.\n")
    run_dedupe([str(folder)], db=db, workers=1)
    assert sorted(Path(p).name for p in split) == ["brief.txt", "p00.txt", "p01.txt",
                                                    "p02.txt"]
    assert snapshot(db) == _fresh_snapshot(folder, tmp_path)


def test_a_rerun_computes_the_signatures_of_new_texts_only(tmp_path, monkeypatch):
    import corpus_cli.dedupe as dd

    folder = _write(tmp_path / "p", _pages(8))
    db = str(tmp_path / "c.db")
    run_dedupe([str(folder)], db=db, workers=1)
    computed = _spy(monkeypatch, dd, "_signatures", lambda texts, *a: texts)
    page = folder / "brief.txt"
    page.write_text(page.read_text() + "\nA new paragraph about the water board of the town.\n")
    run_dedupe([str(folder)], db=db, workers=1)
    assert computed == ["a new paragraph about the water board of the town"]
    assert snapshot(db) == _fresh_snapshot(folder, tmp_path)
    computed.clear()
    run_dedupe([str(folder)], db=db, workers=1, incremental=False)  # --rebuild: all again
    assert len(computed) > 10


def test_a_rerun_verifies_the_pairs_of_new_texts_only(tmp_path, monkeypatch):
    import corpus_cli.dedupe as dd

    folder = _write(tmp_path / "p", _pages(8))
    db = str(tmp_path / "c.db")
    first = _spy(monkeypatch, dd, "_scores", lambda texts, qa, qb, *a: [
        (texts[x], texts[y]) for x, y in zip(qa, qb, strict=True)])
    run_dedupe([str(folder)], db=db, workers=1)
    assert first  # the pages hold near-copies
    some = first[0][0]
    later = _spy(monkeypatch, dd, "_scores", lambda texts, qa, qb, *a: [
        (texts[x], texts[y]) for x, y in zip(qa, qb, strict=True)])
    page = folder / "brief.txt"
    copy = some.replace(some.split()[3], "harbour", 1)  # a new near-copy of a stored text
    page.write_text(page.read_text() + f"\n{copy}\n")
    run_dedupe([str(folder)], db=db, workers=1)
    new = dd.normalize(copy)
    assert later and all(new in pair for pair in later), later
    assert snapshot(db) == _fresh_snapshot(folder, tmp_path)
    with sqlite3.connect(db) as con:
        names = {r[0] for r in con.execute("select name from dedupe_state")}
    assert names == {"pairs", "scores", "ranks", "candidates", "counts"}


def test_a_damaged_dedupe_state_is_not_used(tmp_path, monkeypatch):
    import corpus_cli.dedupe as dd

    folder = _write(tmp_path / "p", _pages(8))
    db = str(tmp_path / "c.db")
    run_dedupe([str(folder)], db=db, workers=1)
    with sqlite3.connect(db) as con:  # cut short: the blobs no longer fit their texts
        con.execute("update dedupe_state set data = substr(data, 1, length(data) - 3)"
                    " where name in ('ranks', 'pairs')")
    got: list = []
    real = dd._windows_again
    monkeypatch.setattr(dd, "_windows_again", lambda *a: got.append(real(*a)) or got[-1])
    page = folder / "brief.txt"
    page.write_text(page.read_text() + "\nA new paragraph about the water board of the town.\n")
    run_dedupe([str(folder)], db=db, workers=1)
    assert got == [None]  # not lent: every bucket windowed
    assert snapshot(db) == _fresh_snapshot(folder, tmp_path)
    with sqlite3.connect(db) as con:  # and written whole again
        lengths = dict(con.execute("select name, sum(length(data)) from dedupe_state"
                                   " group by name"))
    assert lengths["ranks"] % 8 == 0 and lengths["pairs"] == lengths["scores"]
