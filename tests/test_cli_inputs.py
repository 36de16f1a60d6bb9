"""The CLI over HTML and WARC inputs: one corpus from text, HTML and WARC files."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import HOSTILE
from test_inputs import ARTICLE_ONE, ARTICLE_TWO, page_html, write_warc

from corpus_cli.cli import cli

TTY = {"TTY_COMPATIBLE": "1", "COLUMNS": "120"}


@pytest.fixture
def run():
    def invoke(*args, env=None, input=None):
        return CliRunner().invoke(cli, [str(a) for a in args], env=env, input=input,
                                  catch_exceptions=False)

    return invoke


ONE_TITLE = "Flood barrier opens after four years"
TWO_TITLE = "Library opens at night for exams"
THIRD = (
    "The regional airport will add three new routes to southern cities next summer.",
    "Airline officials said the routes were chosen after a survey of business travellers "
    "and that tickets will go on sale in the autumn.",
    "The terminal building will also get a second security lane before the first flights, "
    "paid for by the regional government and the airport's own reserves.",
    "Local hotels expect more guests on weekdays once the new connections are running.",
)


@pytest.fixture
def mixed(tmp_path):
    """A folder of one text page, one HTML page and one WARC file. The flood article is
    saved twice: as text (as a scraper's text dump has it) and as HTML."""
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "flood.txt").write_text(
        f"{ONE_TITLE}\n\n05.03.2024\n\n" + "\n\n".join(ARTICLE_ONE) + "\n", encoding="utf-8")
    (folder / "flood.html").write_text(page_html(
        ONE_TITLE, ARTICLE_ONE, date_meta="2024-03-05T09:00:00Z",
        url="https://news.example.org/flood"), encoding="utf-8")
    two = page_html(TWO_TITLE, ARTICLE_TWO, jsonld_date="2024-04-10").encode()
    three = page_html("Airport adds three new routes", THIRD, time_date="2024-04-12").encode()
    write_warc(folder / "site.warc.gz", [
        ("https://news.example.org/library", "text/html", two, "200 OK", "response"),
        ("https://news.example.org/logo.png", "image/png", b"\x89PNGxx", "200 OK", "response"),
        ("https://news.example.org/airport", "text/html", three, "200 OK", "response"),
    ])
    (folder / "notes.md").write_text("not taken by default\n")
    return folder


def test_mixed_folder_is_one_corpus(run, mixed, tmp_path):
    db = tmp_path / "c.db"
    r = run("dedupe", mixed, "--db", db, "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["pages"] == 4  # flood.txt, flood.html and two WARC records
    assert [p["level"] for p in report["problems"]] == ["warning"]  # the PNG record
    items = [json.loads(x) for x in run("list", "--db", db, "--jsonl").stdout.splitlines()]
    by_title = {i["title"]: i for i in items}
    # the article saved as text and as HTML is one item, with both sources
    flood = [i for i in items if i["text"].startswith(ARTICLE_ONE[0])]
    assert len(flood) == 1
    flood = flood[0]
    assert flood["copies"] == 2
    assert sorted(s["path"].rsplit("/", 1)[-1] for s in flood["sources"]) == [
        "flood.html", "flood.txt"]
    assert flood["date"] == "2024-03-05" and flood["date_source"] == "metadata"
    assert flood["url"] == "https://news.example.org/flood"
    lib = by_title[TWO_TITLE] if TWO_TITLE in by_title else next(
        i for i in items if i["text"].startswith(ARTICLE_TWO[0]))
    assert lib["date"] == "2024-04-10" and lib["date_source"] == "metadata"
    assert lib["url"] == "https://news.example.org/library"
    assert lib["sources"][0]["path"].split("#")[0].endswith("site.warc.gz")
    air = next(i for i in items if i["text"].startswith(THIRD[0]))
    assert air["date"] == "2024-04-12" and air["url"] == "https://news.example.org/airport"
    # nothing of the markup, scripts or styles reached the store
    assert run("search", "--db", db, "dataLayer").stdout == ""
    # show and every export give the URL
    shown = run("show", "--db", db, flood["id"], env=TTY).stdout
    assert "https://news.example.org/flood" in shown and "metadata" in shown
    js = json.loads(run("show", "--db", db, flood["id"], "--json").stdout)
    assert js["url"] == "https://news.example.org/flood"
    rows = list(csv.DictReader(io.StringIO(run("export", "--db", db, "--format", "csv").stdout)))
    assert "https://news.example.org/library" in {row["url"] for row in rows}
    md = run("export", "--db", db, "--format", "md").stdout
    assert "<https://news.example.org/airport>" in md
    txt = run("export", "--db", db, "--format", "txt").stdout
    assert "https://news.example.org/flood" in txt


def test_rerun_reuses_html_pages_with_their_metadata(run, mixed, tmp_path):
    db = tmp_path / "c.db"
    assert run("dedupe", mixed, "--db", db).exit_code == 0
    r = run("dedupe", mixed, "--db", db, "--json")
    assert json.loads(r.stdout)["reused_pages"] == 2  # the text and the HTML file
    items = [json.loads(x) for x in run("list", "--db", db, "--jsonl").stdout.splitlines()]
    flood = next(i for i in items if i["text"].startswith(ARTICLE_ONE[0]))
    assert flood["url"] == "https://news.example.org/flood" and flood["copies"] == 2
    # another HTML mode is another reading: nothing is reused
    r = run("dedupe", mixed, "--db", db, "--json", "--html", "full")
    assert json.loads(r.stdout)["reused_pages"] == 0


def test_clean_prints_the_extracted_text(run, mixed):
    r = run("clean", mixed / "flood.html", env=TTY)
    assert r.exit_code == 0
    assert "url: https://news.example.org/flood" in r.stdout
    assert "date: 2024-03-05 (metadata)" in r.stdout
    assert ARTICLE_ONE[1][:40] in r.stdout  # (wrapped on a terminal)
    assert "dataLayer" not in r.stdout and "Contact" not in r.stdout
    recs = [json.loads(x) for x in run("clean", mixed / "flood.html", "--jsonl")
            .stdout.splitlines()]
    assert {x["url"] for x in recs} == {"https://news.example.org/flood"}
    assert [x["text"] for x in recs if x["status"] == "kept"] == [ONE_TITLE, *ARTICLE_ONE]
    full = run("clean", mixed / "flood.html", "--html", "full", "--jsonl", "--explain").stdout
    assert "Copyright 2024 Example Gazette" in full and "Most read" in full


def test_format_option_and_stdin_sniffing(run, mixed, tmp_path):
    html = (mixed / "flood.html").read_text()
    saved = tmp_path / "page.txt"  # a scraper that saved HTML as .txt
    saved.write_text(html)
    as_text = run("clean", saved, "--jsonl").stdout
    assert "<h1>" in as_text  # .txt is text unless told otherwise
    as_html = run("clean", saved, "--format", "html", "--jsonl").stdout
    assert "<h1>" not in as_html and ARTICLE_ONE[0] in as_html
    piped = run("clean", "-", "--jsonl", input=html).stdout
    assert ARTICLE_ONE[0] in piped and "<h1>" not in piped
    warc = (mixed / "site.warc.gz").read_bytes()
    r = CliRunner().invoke(cli, ["clean", "-", "--jsonl"], input=warc)
    assert ARTICLE_TWO[0] in r.stdout and THIRD[0] in r.stdout
    assert "<stdin>#" in r.stdout


def test_empty_folder_names_the_extensions(run, tmp_path):
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "x.pdf").write_bytes(b"%PDF")
    r = run("clean", tmp_path / "e")
    assert r.exit_code == 1
    for ext in ("*.txt", "*.html", "*.htm", "*.warc", "*.warc.gz"):
        assert ext in r.stderr


def test_bad_inputs_one_line_each_and_the_rest_processed(run, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    good = page_html(ONE_TITLE, ARTICLE_ONE)
    (folder / "good.html").write_text(good)
    (folder / "cut.html").write_text(good[: len(good) // 2])
    (folder / "empty.html").write_text("")
    (folder / "broken.warc.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"junk" * 50)
    r = run("clean", folder, "--jsonl")
    assert r.exit_code == 1  # the broken WARC; the cut page is read with a warning
    lines = [x for x in r.stderr.splitlines() if x.startswith("corpus: ")]
    assert any("cut.html: warning: truncated HTML" in x for x in lines)
    assert any("empty.html: empty file" in x for x in lines)
    assert any("broken.warc.gz:" in x for x in lines)
    assert "Traceback" not in r.stderr
    paths = {json.loads(x)["path"].rsplit("/", 1)[-1] for x in r.stdout.splitlines()}
    assert paths == {"good.html", "cut.html"}


def test_warnings_alone_exit_0(run, tmp_path):
    f = tmp_path / "cut.html"
    good = page_html(ONE_TITLE, ARTICLE_ONE)
    f.write_text(good[: len(good) - 40])
    r = run("clean", f)
    assert r.exit_code == 0 and "warning: truncated HTML" in r.stderr


def test_hostile_text_in_html_stays_inert(run, tmp_path):
    from html import escape

    f = tmp_path / "h.html"
    f.write_text(page_html("A hostile page title here", (escape(HOSTILE) + " and more words.",
                                                          *ARTICLE_TWO)))
    r = run("clean", f, env=TTY)
    assert r.exit_code == 0
    assert "\x1b[31m" not in r.stdout and "\x07" not in r.stdout
    recs = [json.loads(x) for x in run("clean", f, "--jsonl").stdout.splitlines()]
    assert any("[bold]Bold[/bold] [/link] :warning:" in x["text"] for x in recs)


def test_clean_output_folder_names_extracted_text_as_text(run, mixed, tmp_path):
    out = tmp_path / "out"
    r = run("clean", mixed / "flood.html", mixed / "site.warc.gz", "-o", out)
    assert r.exit_code == 0
    names = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert names[0] == "flood.html.txt"
    assert all(n.startswith("site.warc.gz#") and n.endswith(".txt") for n in names[1:])
    assert len(names) == 3
    assert ARTICLE_ONE[0] in (out / "flood.html.txt").read_text()
