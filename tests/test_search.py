"""corpus search / stats / show: the query language, fuzzy names, filters, snippets, output."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import LISTING_PAGE, build_store

from corpus_cli.cli import cli
from corpus_cli.errors import QueryError
from corpus_cli.models import Article, Source
from corpus_cli.output.views import bar
from corpus_cli.query import fold, parse_query, positive_terms, to_fts
from corpus_cli.search import _hit, run_search, search, similar_words
from corpus_cli.stats import corpus_stats
from corpus_cli.storage.store import ArticleFilter, open_store

ROOT = Path(__file__).resolve().parents[1]
ESC = "\x1b"
TTY = {"TTY_COMPATIBLE": "1", "COLUMNS": "120"}

HOSTILE_TITLE = (f"Hostile [bold]title[/bold] [/link] with {ESC}[31mred{ESC}[0m and "
                 f"{ESC}]0;x\x07 bell")
HOSTILE_BODY = (f"On February 1, 2020, the hostile [bold]marker[/bold] text [/link] arrived "
                f"{ESC}[31mcoloured{ESC}[0m and {ESC}]0;x\x07 titled in the archive.")
SIDEBAR = "On 14 March, the Council of Regional Ministers met in Tallinn to discuss water supply."

PAGES = {
    "listing.txt": LISTING_PAGE,
    "article.txt": f"""{SIDEBAR}
Secretary General Yury Volkonsky visited the harbour of Narva
12.03.2022On March 12, 2022, in Narva, Secretary General Yury Volkonsky inspected the cranes.
The visit ended with a discussion of terrorist threats to maritime transport in the region.
Go back
""",
    "hostile.txt": f"""{SIDEBAR}
{HOSTILE_TITLE}
01.02.2020{HOSTILE_BODY}
Nothing else happened in the archive on that day, the staff said.
""",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return build_store(tmp_path_factory.mktemp("search") / "pages", PAGES)


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("seeds") / "seeds.db")
    r = CliRunner().invoke(cli, ["dedupe", str(ROOT / "seeds"), "--db", db])
    assert r.exit_code == 0, r.output
    return db


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def texts(db: str, query: str, **kw) -> list[str]:
    fuzzy = kw.pop("fuzzy", True)
    with open_store(db) as s:
        return [h.article.text for h in search(s, query, ArticleFilter(**kw), fuzzy=fuzzy)]


def first_words(db: str, query: str, **kw) -> list[str]:
    return [" ".join(t.split()[:2]) for t in texts(db, query, **kw)]


# ---- the query language --------------------------------------------------------------------
def test_query_translation_quotes_every_term():
    assert to_fts(parse_query("water")) == '"water"'
    assert to_fts(parse_query('Al-Qaeda OR "Working Group" terror*')) == \
        '("al qaeda" OR ("working group" AND "terror"*))'
    assert to_fts(parse_query("a b NOT (c OR d:e)")) == '("a" AND ("b" NOT ("c" OR "d e")))'
    assert to_fts(parse_query("title:x AND NEAR(y)")) == '("title x" AND "near" AND "y")'
    assert to_fts(parse_query("a - b")) == '("a" AND "b")'  # no word: dropped
    assert [t.label for t in positive_terms(parse_query("a OR b NOT c"))] == ["a", "b"]


@pytest.mark.parametrize("query", ['"unbalanced', "(a OR", "AND", "a OR", "a )", "NOT a",
                                   "()", "(a", '""', "-", "   ", "a AND OR b"])
def test_malformed_queries_raise_query_error(query):
    with pytest.raises(QueryError) as e:
        parse_query(query)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("query", ["a -b:c", "x.y", "(water) AND units.", "café*", "*",
                                   "NEAR(a b)", "col:water", "^water", "w'ater", "a**",
                                   "'single", "{a}", "[bold]", "water\x00"])
def test_odd_queries_never_crash(db, query):
    with open_store(db) as s:
        try:
            search(s, query, ArticleFilter())
        except QueryError:
            pass  # a one-line error is fine; an sqlite traceback is not


def test_words_are_anded(db):
    assert sorted(first_words(db, "water")) == ["Minister Taalatbek", "On 14"]
    assert first_words(db, "water Bishkek") == ["Minister Taalatbek"]


def test_phrase(db):
    assert first_words(db, '"Working Group"') == ["Minister Taalatbek"]
    assert sorted(first_words(db, "working group")) == ["A shipment", "Minister Taalatbek"]


def test_or_not_and_parentheses(db):
    assert sorted(first_words(db, "Almaty OR Bishkek")) == [
        "Minister Taalatbek", "The counter-terrorism"]
    assert first_words(db, "water NOT Tallinn") == ["Minister Taalatbek"]
    assert first_words(db, "(Almaty OR Bishkek) AND equipment") == ["The counter-terrorism"]


def test_prefix(db):
    assert sorted(first_words(db, "terror*")) == ["On March", "The counter-terrorism"]
    assert first_words(db, "terror") == []  # no fuzzy match to "terrorist" either


def test_case_and_accent_insensitive(db):
    for q in ("zurich geneve cafe", "ZÜRICH", "Genève", "CAFÉ", "zürich"):
        assert first_words(db, q) == ["Delegates from"], q
    assert first_words(db, "bishkek") == first_words(db, "BISHKEK") == ["Minister Taalatbek"]


def test_fuzzy_name_expansion(db):
    with open_store(db) as s:
        r = run_search(s, "Masadikov", ArticleFilter())
        assert [h.matched for h in r.hits] == [("Masadykov",)]
        assert r.variants == {"Masadikov": ("Masadykov",)}
        assert run_search(s, "Masadikov", ArticleFilter(), fuzzy=False).hits == []
        r = run_search(s, "Yuri Volkonsky", ArticleFilter())
        assert [h.article.title for h in r.hits] == [
            "Secretary General Yury Volkonsky visited the harbour of Narva"]
        assert r.variants == {"Yuri": ("Yury",)}
        assert r.hits[0].matched == ("Yury", "Volkonsky")
        assert [(s.snippet[a:b]) for s, (a, b) in
                ((r.hits[0], sp) for sp in r.hits[0].spans)][:2] == ["Yury", "Volkonsky"]


def test_exact_hits_rank_before_variants(db):
    with open_store(db) as s:
        hits = search(s, "Yuri", ArticleFilter())
    # "Yury" is in the title of the article, so bm25 alone would put it first
    assert [h.matched for h in hits] == [("Yuri",), ("Yury",)]
    assert "Gagarin" in hits[0].article.text


def test_similar_words_guards():
    vocab = {"yury": 3, "your": 50, "masadykov": 2, "form": 9, "from": 99, "masadykovs": 1}
    assert similar_words("yuri", vocab) == ["yury"]
    assert similar_words("form", vocab) == []
    assert similar_words("masadikov", vocab) == ["masadykov", "masadykovs"]
    assert similar_words("un", {"us": 4}) == []


def test_filters_apply(db):
    assert first_words(db, "water", year=2024) == ["Minister Taalatbek"]
    assert first_words(db, "water", date_from="2022-01", date_to="2022-12") == ["On 14"]
    assert first_words(db, "Narva", kind="brief") == []
    assert first_words(db, "Narva", kind="article") == ["On March"]
    assert first_words(db, "water", source="listing") == ["Minister Taalatbek"]
    assert len(texts(db, "the OR on", limit=2)) == 2
    assert texts(db, "water", entity="Nobody Atall") == []


def test_each_item_once_and_scores_descending(db):
    with open_store(db) as s:
        hits = search(s, "Tallinn OR water OR the", ArticleFilter())
    ids = [h.article.id for h in hits]
    assert len(ids) == len(set(ids))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    sidebar = [h for h in hits if h.article.text == SIDEBAR]
    assert len(sidebar) == 1 and len(sidebar[0].article.sources) == 2


def test_snippet_spans_and_window():
    words = [f"w{i}" for i in range(200)]
    words[120] = "Needle,"
    words[125] = "(néedle"
    a = Article("x", "brief", None, None, None, False, " ".join(words), (Source("p", 1, 1),))
    hit, _ = _hit(a, 1.0, positive_terms(parse_query("needle")))
    assert hit.snippet.startswith("\u2026 ") and hit.snippet.endswith(" \u2026")
    assert len(hit.snippet.split()) <= 34
    assert [hit.snippet[x:y] for x, y in hit.spans] == ["Needle", "néedle"]
    assert "[" not in hit.snippet


def test_snippet_of_a_huge_line_is_fast():
    text = "x" * 50_000 + " needle " + "word " * 20_000
    a = Article("x", "brief", None, None, None, False, text, (Source("p", 1, 1),))
    t0 = time.process_time()
    hit, _ = _hit(a, 1.0, positive_terms(parse_query("needle OR wor*")))
    assert time.process_time() - t0 < 2
    assert "needle" in hit.snippet
    assert fold("Ǆürich") == "dzurich"


# ---- the command ---------------------------------------------------------------------------
def test_cli_search_tsv_and_exit_codes(db):
    r = run("search", "water", "--db", db)
    assert r.exit_code == 0
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert rows[0] == ["date", "title", "score", "snippet", "id"]  # the header row
    assert len(rows) == 3 and all(len(row) == 5 for row in rows)
    r = run("search", "nothingatall", "--db", db)
    assert r.exit_code == 0 and r.stdout == ""
    assert r.stderr.strip() == "corpus: no items match"


@pytest.mark.parametrize("query", ['"unbalanced', "(a OR", "AND", "NOT x"])
def test_cli_malformed_query_is_one_line_exit_1(db, query):
    r = run("search", query, "--db", db)
    assert r.exit_code == 1
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("Error: ")
    assert "Traceback" not in r.stderr and "sqlite" not in r.stderr.lower()


def test_cli_odd_query_does_not_crash(db):
    r = run("search", "a -b:c", "--db", db)
    assert r.exit_code == 0 and "internal error" not in r.stderr


def test_cli_fuzzy_message_and_no_fuzzy(db):
    r = run("search", "Masadikov", "--db", db, "--jsonl")
    assert r.exit_code == 0
    assert 'corpus: "Masadikov" also matched "Masadykov"' in r.stderr
    assert json.loads(r.stdout)["matched"] == ["Masadykov"]
    r = run("search", "Masadikov", "--db", db, "--no-fuzzy")
    assert r.exit_code == 0 and r.stdout == "" and "no items match" in r.stderr


def test_cli_json_records_are_exact(db):
    r = run("search", "hostile", "--db", db, "--json")
    assert r.exit_code == 0
    [rec] = json.loads(r.stdout)
    listed = [json.loads(line) for line in run("list", "--db", db, "--jsonl").stdout.splitlines()]
    [item] = [x for x in listed if x["id"] == rec["id"]]
    assert {k: rec[k] for k in item} == item
    assert list(rec) == [*item, "score", "snippet", "matched"]
    assert rec["title"] == HOSTILE_TITLE
    assert rec["matched"] == ["hostile"]
    assert ESC in rec["snippet"] and "[bold]marker[/bold]" in rec["snippet"]
    assert isinstance(rec["score"], float) and rec["score"] > 0


def test_cli_limit(db):
    r = run("search", "the", "--db", db, "--jsonl", "--limit", "1")
    assert len(r.stdout.splitlines()) == 1
    r = run("search", "the", "--db", db, "--jsonl", "--limit", "0")
    assert len(r.stdout.splitlines()) > 2


@pytest.mark.parametrize("extra", [{"NO_COLOR": "1"}, {}])
def test_cli_table_keeps_hostile_text_inert(db, extra):
    r = run("search", "hostile OR archive", "--db", db, "--table", env={**TTY, **extra})
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "[bold]title[/bold]" in out and "[bold]marker[/bold]" in out and "[/link]" in out
    assert "\\x1b[31m" in out and "\\x07" in out
    assert "\x07" not in out and f"{ESC}]" not in out and f"{ESC}[31m" not in out
    if extra:
        assert ESC not in out
    else:
        assert f"{ESC}[1;33m" in out  # the highlight of the matched words


def test_cli_tsv_keeps_hostile_text_inert(db):
    r = run("search", "hostile", "--db", db)
    assert ESC not in r.stdout and "\x07" not in r.stdout
    assert "[bold]title[/bold]" in r.stdout


def test_seeds_afghanistan_each_item_once(seeds_db):
    r = run("search", "Afghanistan", "--db", seeds_db, "--jsonl")
    assert r.exit_code == 0
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert all("title" in x for x in got)
    listed = [json.loads(line) for line in
              run("list", "--db", seeds_db, "--jsonl").stdout.splitlines()]
    want = {x["id"] for x in listed
            if "afghanistan" in ((x["title"] or "") + " " + x["text"]).lower()}
    assert [x["id"] for x in got] and len(got) == len({x["id"] for x in got})
    assert {x["id"] for x in got} == want
    r = run("search", "Afghanistan", "--db", seeds_db)
    assert len(r.stdout.splitlines()) == len(want) + 1  # and the header row


def test_seeds_yuri_khachaturov(seeds_db):
    r = run("search", "Yuri Khachaturov", "--db", seeds_db, "--jsonl")
    titles = [json.loads(line)["title"] or "" for line in r.stdout.splitlines()]
    assert any("Qingdao" in t for t in titles)
    r = run("search", "Masadikov", "--db", seeds_db, "--jsonl")
    assert r.stdout and all("Masadykov" in json.loads(x)["text"] for x in r.stdout.splitlines())


# ---- stats ---------------------------------------------------------------------------------
def test_stats_library(db):
    with open_store(db) as s:
        st = corpus_stats(s, ArticleFilter())
        c = st.counts
        assert c.items == 8 and c.items_by_kind == {"article": 2, "brief": 6}
        assert (st.date_min, st.date_max, st.undated) == ("2019-10-10", "2024-09-05", 0)
        assert st.by == "year"  # more than three years
        assert st.histogram[0] == ("2019", 1) and st.histogram[-1] == ("2024", 2)
        assert sum(c for _, c in st.histogram) == 8
        assert [p for p, _ in st.histogram] == [str(y) for y in range(2019, 2025)]
        assert c.pages == 3 and c.duplicates_removed >= 1
        assert c.kept + c.dropped == c.paragraphs
        month = corpus_stats(s, ArticleFilter(year=2024), by="month")
        assert month.counts.items == 2 and month.histogram == [("2024-09", 2)]
        months = corpus_stats(s, ArticleFilter(date_from="2022", date_to="2023"))
        assert months.by == "month" and len(months.histogram) == 16  # 2022-03 .. 2023-06


def test_stats_cli(db):
    r = run("stats", "--db", db, "--json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["items"] == 8 and doc["by"] == "year"
    assert doc["histogram"][0] == {"period": "2019", "items": 1}
    assert set(doc) >= {"pages", "paragraphs", "kept", "dropped", "removed_by_reason",
                        "duplicates_removed", "clusters_by_kind", "items_by_kind",
                        "date_min", "date_max", "top_entities"}
    r = run("stats", "--db", db, "--by", "month", "--year", "2024")
    assert r.exit_code == 0
    assert "items per month" in r.stdout and "2024-09" in r.stdout and "\u2588" in r.stdout
    assert "items       2" in r.stdout


def test_bar():
    assert bar(10, 10, 5) == "\u2588" * 5
    assert bar(1, 16, 1) == "\u258f"
    assert bar(0, 10, 5) == ""


# ---- show ----------------------------------------------------------------------------------
def test_show_json_and_human(seeds_db):
    rec = json.loads(run("search", "Qingdao", "--db", seeds_db, "--jsonl").stdout.splitlines()[0])
    r = run("show", rec["id"], "--db", seeds_db, "--json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["sources"] == rec["sources"] and len(doc["sources"]) == 2
    assert doc["duplicates"] and all(d["duplicate_of"] in {p["id"] for p in doc["paragraphs"]}
                                     for d in doc["duplicates"])
    r = run("show", rec["id"][:6], "--db", seeds_db)
    assert r.exit_code == 0
    for s in rec["sources"]:
        assert f"{s['path']}:{s['line_start']}-{s['line_end']}" in r.stdout
    assert "sources (2):" in r.stdout and "merged copies (" in r.stdout and "dates:" in r.stdout
