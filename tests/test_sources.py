"""Source URLs in every output, --site, and a store that other tools can open."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner
from conftest import LISTING_PAGE, page_with_sidebar

from corpus_cli.cli import cli

URL = "https://www.news.example.org/2024/item-7/"


@pytest.fixture
def db(tmp_path):
    site = tmp_path / "pages" / "site1"
    other = tmp_path / "pages" / "scrapes"
    site.mkdir(parents=True)
    other.mkdir(parents=True)
    (site / "a.txt").write_text(page_with_sidebar() + URL + "\n")
    (other / "b.txt").write_text(LISTING_PAGE)  # no URL: its site is its folder's name
    db = str(tmp_path / "c.db")
    r = CliRunner().invoke(cli, ["dedupe", str(tmp_path / "pages"), "--db", db])
    assert r.exit_code == 0, r.output
    return db


def _run(*args):
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.stdout


def test_urls_in_json_show_csv_and_markdown(db, tmp_path):
    items = [json.loads(x) for x in _run("list", "--db", db, "--jsonl").splitlines()]
    with_url = [i for i in items if i["urls"]]
    assert with_url and all(i["urls"] == [URL] for i in with_url)
    assert all(s["url"] == URL for s in with_url[0]["sources"])
    assert all(i["urls"] == [] and i["sources"][0]["url"] is None
               for i in items if i not in with_url)
    one = with_url[0]["id"]
    assert URL in _run("show", one, "--db", db)
    assert json.loads(_run("show", one, "--db", db, "--json"))["urls"] == [URL]
    rows = list(csv.DictReader(io.StringIO(_run("export", "--db", db, "--format", "csv"))))
    assert {r["urls"] for r in rows} == {json.dumps([URL]), "[]"}  # lists as JSON text
    assert f"- urls: <{URL}>" in _run("export", "--db", db, "--format", "md")


def test_site_filter(db):
    def ids(*args):
        return {json.loads(x)["id"] for x in _run(*args, "--db", db, "--jsonl").splitlines()}

    every = ids("list")
    by_host = ids("list", "--site", "news.example.org")
    assert by_host and by_host == ids("list", "--site", "WWW.News.Example.org")
    assert by_host == ids("list", "--site", "example.org")  # subdomains count
    assert ids("list", "--site", "ample.org") == set()  # not a suffix of a label
    by_folder = ids("list", "--site", "scrapes")
    assert by_folder and not by_folder & by_host and by_host | by_folder == every
    water = ids("search", "water")  # in the sidebar of site1 and in the listing
    assert water & by_host and water & by_folder
    assert ids("search", "water", "--site", "scrapes") == water & by_folder
    assert ids("search", "water", "--site", "news.example.org") == water & by_host
    assert ids("search", "shipment", "--site", "news.example.org") == set()
    out = _run("export", "--db", db, "--site", "scrapes")
    assert {json.loads(x)["id"] for x in out.splitlines()} == by_folder


def test_sqlite_utils_finds_and_searches_the_full_text_index(db):
    sqlite_utils = pytest.importorskip("sqlite_utils")
    d = sqlite_utils.Database(db)
    assert d["items"].detect_fts() == "items_fts"
    hits = list(d["items"].search("water"))
    assert hits and all("water" in (h["text"] + (h["title"] or "")).lower() for h in hits)
    # what datasette's ?_search= runs
    rows = d.execute("select id from items where rowid in (select rowid from items_fts"
                     " where items_fts match ?)", ["water"]).fetchall()
    assert {r[0] for r in rows} == {h["id"] for h in hits}


def test_foreign_keys_are_declared_and_hold(db):
    c = sqlite3.connect(db)
    fks = {(t, r[2]) for t in ("paragraphs", "clusters", "items", "sources", "entity_mentions",
                                "entity_aliases")
           for r in c.execute(f"PRAGMA foreign_key_list({t})")}
    assert {("paragraphs", "pages"), ("paragraphs", "clusters"), ("clusters", "paragraphs"),
            ("sources", "items"), ("sources", "pages"), ("entity_mentions", "items"),
            ("entity_mentions", "entities")} <= fks
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"items", "sources", "pages", "paragraphs", "clusters", "entities"} <= tables
    assert not {"articles", "article_sources"} & tables
