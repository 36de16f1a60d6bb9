from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import HOSTILE

from corpus_cli import __version__
from corpus_cli.cli import cli

TTY = {"TTY_COMPATIBLE": "1", "COLUMNS": "120"}


@pytest.fixture
def run():
    def invoke(*args, env=None, input=None):
        runner = CliRunner()
        return runner.invoke(cli, [str(a) for a in args], env=env, input=input,
                             catch_exceptions=False)

    return invoke


@pytest.fixture
def db(tmp_path, seeds, run):
    path = tmp_path / "c.db"
    r = run("dedupe", seeds, "--db", path)
    assert r.exit_code == 0, r.output
    return path


def test_version_and_help(run):
    assert __version__ in run("--version").stdout
    r = run("--help")
    for cmd in ("clean", "dedupe", "list", "show", "entities"):
        assert cmd in r.stdout


def test_clean_seeds_human(run, seeds):
    r = run("clean", seeds, env=TTY)
    assert r.exit_code == 0
    assert "Go back" not in r.stdout and ".jpeg" not in r.stdout
    assert "source: https://www.mid.ru" in r.stdout
    assert "09.06.2018" in r.stdout
    assert "5 page(s)" in r.stderr


def test_clean_explain_accounts_for_every_removal(run, seeds):
    r = run("clean", seeds, "--explain", "--jsonl")
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    removed = [x for x in recs if x["status"] == "removed"]
    assert {x["reason"] for x in removed} == {"navigation", "url", "image"}
    summary = r.stderr
    n_in = len(recs)
    assert f"{n_in} paragraph(s): {n_in - len(removed)} kept, {len(removed)} removed" in summary
    glued = [x for x in recs if x["removals"] and x["status"] == "kept"]
    assert glued[0]["removals"][0]["kind"] == "image"
    r2 = run("clean", seeds, "--explain", env=TTY)
    assert r2.stdout.count("- navigation:") == 6


def test_clean_jsonl_record_fields(run, seeds):
    r = run("clean", seeds / "000_be7e70796b2dfccb.txt", "--jsonl")
    rec = json.loads(r.stdout.splitlines()[5])
    assert rec["dateline"] == "09.06.2018"
    assert rec["line_start"] == rec["line_end"] == 6
    assert set(rec) >= {"id", "path", "index", "line_start", "line_end", "kind", "status",
                        "reason", "text", "raw", "script", "removals"}


def test_clean_stdin(run):
    r = run("clean", "-", "--jsonl", input="Go back\nReal text of the page.\n")
    recs = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["path"] for x in recs] == ["<stdin>", "<stdin>"]
    assert recs[0]["reason"] == "navigation"


def test_clean_output_dir(run, pages, tmp_path):
    folder = pages({"a.txt": "09.06.2018On June 9 the text.\nGo back\n"})
    out = tmp_path / "out"
    r = run("clean", folder, "-o", out)
    assert r.exit_code == 0
    assert (out / "a.txt").read_text() == "09.06.2018\n\nOn June 9 the text.\n"
    r = run("clean", folder, "-o", out)
    assert r.exit_code == 1 and "not empty" in r.stderr
    assert run("clean", folder, "-o", out, "--force").exit_code == 0
    # never onto an input file
    r = run("clean", folder, "-o", folder, "--force")
    assert r.exit_code == 1 and "input file" in r.stderr
    assert (folder / "a.txt").read_text().startswith("09.06.2018On")


def test_bad_inputs(run, pages, tmp_path):
    folder = pages({"good.txt": "A fine page of text.\n", "empty.txt": "",
                    "bin.txt": b"\x00\x01\x02binary\x00"})
    r = run("clean", folder, tmp_path / "nope.txt", "--jsonl")
    assert r.exit_code == 1
    assert "A fine page" in r.stdout
    lines = r.stderr.splitlines()
    assert any("empty.txt: empty file" in x for x in lines)
    assert any("bin.txt: binary" in x for x in lines)
    assert any("nope.txt: no such file" in x for x in lines)
    assert "Traceback" not in r.output
    empty = tmp_path / "emptydir"
    empty.mkdir()
    r = run("clean", empty)
    assert r.exit_code == 1 and "no files matching" in r.stderr


def test_cp1251_and_utf16_pages(run, pages):
    ru = "Заседание Совета министров иностранных дел прошло в Минске."
    folder = pages({"a.txt": ru.encode("cp1251"), "b.txt": ru.encode("utf-16")})
    r = run("clean", folder, "--jsonl")
    recs = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["text"] for x in recs] == [ru, ru]
    assert recs[0]["script"] == "cyrillic"


def test_usage_error_exit_2(run):
    assert run("clean").exit_code == 2
    assert run("list", "--year", "abc").exit_code == 2
    assert run("list", "--from", "June").exit_code == 2


def test_dedupe_report_and_json(run, seeds, tmp_path):
    db = tmp_path / "c.db"
    r = run("dedupe", seeds, "--db", db, "--json")
    doc = json.loads(r.stdout)
    assert doc["pages"] == 5
    assert doc["paragraphs"] == doc["kept"] + doc["dropped"]
    kinds = sorted(c["kind"] for c in doc["clusters"])
    assert kinds.count("boilerplate") == 4 and kinds.count("duplicate") == 9
    c = doc["clusters"][0]
    assert set(c) == {"id", "kind", "size", "pages", "kept", "members"}
    assert set(c["members"][0]) >= {"path", "line_start", "line_end", "similarity", "rule"}
    r = run("dedupe", seeds, "--db", db, env=TTY)
    assert "boilerplate" in r.stdout and "largest clusters" in r.stdout


def test_dedupe_explain_and_env_db(run, seeds, tmp_path):
    db = tmp_path / "env.db"
    r = run("dedupe", seeds, "--explain", env={**TTY, "CORPUS_DB": str(db)})
    assert db.exists()
    assert r.stdout.count("exact copy (1.00) of") == 17
    assert "navigation: Go back" in r.stdout


def test_dedupe_dry_run(run, seeds, tmp_path):
    db = tmp_path / "c.db"
    r = run("dedupe", seeds, "--db", db, "--dry-run")
    assert r.exit_code == 0 and not db.exists() and "dry run" in r.stdout


def test_dedupe_not_a_store(run, seeds, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("my precious notes")
    r = run("dedupe", seeds, "--db", bad)
    assert r.exit_code == 1 and "not a corpus store" in r.stderr
    assert bad.read_text() == "my precious notes"


def test_read_commands_without_store(run, tmp_path):
    r = run("list", "--db", tmp_path / "none.db")
    assert r.exit_code == 1 and "corpus dedupe" in r.stderr and "Traceback" not in r.output


def test_list_formats(run, db):
    r = run("list", "--db", db, "--year", "2024", "--json")
    items = json.loads(r.stdout)
    assert items and all(i["date"].startswith("2024") for i in items)
    for key in ("id", "kind", "title", "date", "date_precision", "date_inferred", "text",
                "sources", "dates", "copies", "entities"):
        assert key in items[0]
    jl = run("list", "--db", db, "--jsonl").stdout.splitlines()
    assert len(jl) == len(json.loads(run("list", "--db", db, "--json").stdout))
    rows = list(csv.reader(io.StringIO(run("list", "--db", db, "--csv").stdout)))
    assert rows[0][:3] == ["id", "kind", "title"] and len(rows) == len(jl) + 1
    tsv = run("list", "--db", db).stdout.splitlines()  # piped: tab-separated, no colour
    assert tsv[0] == "date\tkind\ttitle\tsource\tcopies\tid"  # a header row
    assert len(tsv) == len(jl) + 1 and "\x1b" not in "".join(tsv)
    table = run("list", "--db", db, env=TTY).stdout
    assert "date" in table and "title" in table


def test_list_qingdao_once_with_both_sources(run, db):
    items = json.loads(run("list", "--db", db, "--json").stdout)
    q = [i for i in items if i["title"] and "Qingdao" in i["title"]]
    assert len(q) == 1
    assert q[0]["date"] == "2018-06-09" and len(q[0]["sources"]) == 2


def test_show(run, db):
    items = json.loads(run("list", "--db", db, "--json").stdout)
    art = next(i for i in items if i["kind"] == "article")
    r = run("show", art["id"], "--db", db, env=TTY)
    assert art["title"] in r.stdout and "sources" in r.stdout
    doc = json.loads(run("show", art["id"], "--db", db, "--json").stdout)
    assert doc["id"] == art["id"]
    r = run("show", "nope", "--db", db)
    assert r.exit_code == 1 and "no item" in r.stderr


def test_no_match_exits_0(run, db):
    r = run("list", "--db", db, "--year", "1999")
    assert r.exit_code == 0 and r.stdout == "" and "no items" in r.stderr


# \r and U+2028 are line breaks to the loader; the rest must survive to the store intact.
INLINE_HOSTILE = HOSTILE.replace("\r", "").replace("\u2028", "")


def _hostile_store(run, pages, tmp_path):
    folder = pages({"h.txt": f"Title {INLINE_HOSTILE}\n\n12.03.2023\n\n"
                             f"Body {INLINE_HOSTILE} end.\n"})
    db = tmp_path / "h.db"
    assert run("dedupe", folder, "--db", db).exit_code == 0
    return folder, db


def test_hostile_text_inert_in_human_formats(run, pages, tmp_path):
    folder, db = _hostile_store(run, pages, tmp_path)
    for args in (["list", "--db", db], ["clean", folder]):
        for env in (TTY, {}):
            out = run(*args, env=env).stdout
            assert "\x1b[31m" not in out and "\x1b]0;" not in out and "\x07" not in out
            assert "\u202e" not in out and "\r" not in out and "\u2028" not in out
            assert "[bold]" in out or "[/link]" in out or "Title" in out
            if not env:
                assert "\x1b" not in out
    out = run("clean", folder, env=TTY).stdout
    assert "[bold]Bold[/bold]" in out and "[/link]" in out and ":warning:" in out
    assert "\\x1b[31m" in out


def test_hostile_text_exact_in_json(run, pages, tmp_path):
    folder, db = _hostile_store(run, pages, tmp_path)
    out = run("clean", folder, "--jsonl").stdout
    assert len(out.splitlines()) == 3
    texts = [json.loads(line)["text"] for line in out.splitlines()]
    assert any(INLINE_HOSTILE in t for t in texts)
    items = json.loads(run("list", "--db", db, "--json").stdout)
    assert all(INLINE_HOSTILE in i["text"] or INLINE_HOSTILE in (i["title"] or "")
               for i in items)


def test_no_color(run, db):
    out = run("list", "--db", db, env={**TTY, "NO_COLOR": "1"}).stdout
    assert "\x1b" not in out


def test_help_does_not_import_heavy_modules():
    code = ("import sys; from corpus_cli.cli import cli\n"
            "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
            "bad = [m for m in ('rich.progress', 'rich', 'rapidfuzz', 'numpy', 'sqlite3',"
            " 'corpus_cli.storage.store', 'dateutil') if m in sys.modules]\n"
            "print('LOADED:' + ','.join(bad))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip().splitlines()[-1] == "LOADED:"


_LOADED = (
    "import sys; from corpus_cli.cli import cli\n"
    "try:\n    cli(sys.argv[2:])\nexcept SystemExit:\n    pass\n"
    "bad = [m for m in sys.argv[1].split(',') if m in sys.modules]\n"
    "print('LOADED:' + ','.join(bad), file=sys.stderr)")
# What reading the stored counts never needs: the record classes (models: each frozen
# dataclass costs about a millisecond to build), rich (the output is not a terminal), the
# search engines and the pipeline.
_NOT_FOR_STATS = ("rich", "rich.console", "corpus_cli.models", "corpus_cli.search",
                  "corpus_cli.query", "corpus_cli.storage.index", "tantivy", "rapidfuzz",
                  "numpy", "dateutil", "corpus_cli.pipeline", "csv", "secrets", "shutil")


@pytest.mark.parametrize("args, heavy", [
    (["stats", "--json"], _NOT_FOR_STATS),
    (["stats"], _NOT_FOR_STATS),  # the plain view, piped
    (["stats", "--year", "2024", "--jsonl"], _NOT_FOR_STATS),
    (["list", "--json", "--limit", "10"],
     ("rich", "corpus_cli.search", "corpus_cli.storage.index", "tantivy", "rapidfuzz",
      "corpus_cli.pipeline", "csv")),
    (["search", "water", "--json"],  # a rare word: its spellings are looked up (rapidfuzz)
     ("rich", "corpus_cli.pipeline", "csv", "secrets", "shutil")),
])
def test_read_commands_import_only_what_they_use(db, args, heavy):
    # stdout is a pipe here: the views write plain text or JSON without rich
    r = subprocess.run([sys.executable, "-c", _LOADED, ",".join(heavy), *args, "--db",
                        str(db)], capture_output=True, text=True)
    assert r.stdout.strip(), r.stderr
    assert r.stderr.strip().splitlines()[-1] == "LOADED:"


def test_real_pipe(tmp_path, seeds):
    env = {**os.environ, "CORPUS_DB": str(tmp_path / "c.db")}
    exe = [sys.executable, "-m", "corpus_cli"]
    subprocess.run([*exe, "dedupe", str(seeds)], env=env, check=True, capture_output=True)
    lst = subprocess.Popen([*exe, "list", "--jsonl"], env=env, stdout=subprocess.PIPE)
    reader = subprocess.run(
        [sys.executable, "-c",
         "import sys, json; print(sum(1 for l in sys.stdin if json.loads(l)['id']))"],
        stdin=lst.stdout, capture_output=True, text=True)
    lst.wait()
    assert int(reader.stdout) > 10 and lst.returncode == 0


def test_broken_pipe_is_quiet(tmp_path, seeds):
    env = {**os.environ, "CORPUS_DB": str(tmp_path / "c.db")}
    exe = [sys.executable, "-m", "corpus_cli"]
    subprocess.run([*exe, "dedupe", str(seeds)], env=env, check=True, capture_output=True)
    p = subprocess.run(f"{' '.join(exe)} clean {seeds} --jsonl | head -1", shell=True,
                       env=env, capture_output=True, text=True)
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr


def test_dedupe_report_read_back_from_the_store_equals_the_dry_run(run, seeds, tmp_path):
    # A run that writes the store frees its paragraphs and reads back those the report
    # shows; a dry run keeps them in memory. Both reports must be the same.
    db = tmp_path / "c.db"
    stored = json.loads(run("dedupe", seeds, "--db", db, "--json").stdout)
    dry = json.loads(run("dedupe", seeds, "--dry-run", "--json").stdout)
    for doc in (stored, dry):
        doc.pop("db"), doc.pop("seconds", None), doc.pop("changes")
    assert stored == dry and stored["clusters"]
    explain = run("dedupe", seeds, "--db", db, "--explain", "--top", "3").stdout
    dry_explain = run("dedupe", seeds, "--dry-run", "--explain", "--top", "3").stdout
    lines = [x for x in explain.splitlines() if "copy (" in x or ": " in x]
    assert len(lines) > 20
    assert [x for x in lines if "time" not in x and "store" not in x] == [
        x for x in dry_explain.splitlines() if ("copy (" in x or ": " in x)
        and "time" not in x and "store" not in x]


# ---- terminals: widths, wrapping, ids, pipes ------------------------------------------------
def test_tables_keep_ids_and_use_the_width(run, db):
    ids = {json.loads(x)["id"] for x in run("list", "--db", db, "--jsonl").stdout.splitlines()}
    for width in (60, 80, 200):
        env = {"TTY_COMPATIBLE": "1", "NO_COLOR": "1", "COLUMNS": str(width)}
        for args in (["list"], ["search", "CSTO", "--limit", "0"]):
            out = run(*args, "--db", db, env=env).stdout
            lines = out.splitlines()
            assert max(len(x) for x in lines) <= width, (args, width)
            shown = {i for i in ids if i in out}
            if args == ["list"]:
                assert shown == ids, width  # every id, whole, however narrow
            else:
                assert shown and all(len(i) == 13 for i in shown)
    wide = run("list", "--db", db, env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1",
                                         "COLUMNS": "200"}).stdout
    # at 200 columns the table is wider than at 80 (the long titles use the room)
    assert max(len(x) for x in wide.splitlines()) > 150
    assert "source" in wide.splitlines()[0]


def test_show_wraps_at_word_boundaries(run, db):
    items = json.loads(run("list", "--db", db, "--json").stdout)
    art = max(items, key=lambda i: len(i["text"]))
    out = run("show", art["id"], "--db", db,
              env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1", "COLUMNS": "80"}).stdout
    words = set(art["text"].split())
    body = out.split("\n\n", 2)[1]
    for line in body.splitlines():
        assert len(line) <= 80
        for w in line.split():
            assert w in words, w  # no word cut in two ("Masadyk/ov")
    piped = run("show", art["id"], "--db", db).stdout
    assert art["text"] in piped  # piped: the text as stored, not wrapped


def test_piped_dedupe_report_is_not_cut(run, seeds, tmp_path):
    out = run("dedupe", seeds, "--db", tmp_path / "c.db").stdout
    assert "\u2026" not in out and "\x1b" not in out
    doc = json.loads(run("dedupe", seeds, "--db", tmp_path / "c.db", "--json").stdout)
    for cl in doc["clusters"][:10]:
        assert cl["kept"]["text"] in out and cl["id"] in out
    assert all(line == line.rstrip() for line in out.splitlines())
    rows = list(csv.reader(io.StringIO(run("dedupe", seeds, "--db", tmp_path / "c.db",
                                           "--csv").stdout)))
    assert rows[0] == ["id", "kind", "size", "pages", "kept", "members"]
    assert len(rows) == len(doc["clusters"]) + 1


def test_piped_report_keeps_long_paths_whole(run, seeds, tmp_path):
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 3)
    shutil.copytree(seeds, folder)
    out = run("dedupe", folder, "--db", tmp_path / "c.db").stdout
    assert "\u2026" not in out
    kept = [line for line in out.splitlines() if str(folder) in line]
    assert kept and all(f"{folder}/0" in line for line in kept)


def test_clean_explain_tsv_shows_the_removed_text(run, seeds):
    out = run("clean", seeds, "--explain", "--tsv").stdout.splitlines()
    assert out[0] == "path\tline\tstatus\treason\tdateline\ttext"
    removed = [x.split("\t") for x in out[1:] if "\tremoved\t" in x]
    assert removed and all(r[-1] for r in removed)
    assert any(r[3] == "navigation" and r[-1] == "Go back" for r in removed)


def test_every_record_command_writes_a_file(run, db, seeds, tmp_path):
    ident = json.loads(run("list", "--db", db, "--jsonl", "--limit", "1").stdout)["id"]
    for args in (["list"], ["search", "CSTO"], ["entities"], ["show", ident], ["stats"],
                 ["export"]):
        for ext, check in ((".csv", lambda t: t.splitlines()[0].count(",") >= 1),
                           (".json", json.loads),
                           (".tsv", lambda t: "\t" in t.splitlines()[0])):
            target = tmp_path / f"{args[0]}{ext}"
            r = run(*args, "--db", db, "-o", target)
            assert r.exit_code == 0, (args, ext, r.stderr)
            assert r.stdout == "" and check(target.read_text(encoding="utf-8")), (args, ext)
            r = run(*args, "--db", db, "-o", target)  # no silent overwrite
            assert r.exit_code == 1 and "--force" in r.stderr
        r = run(*args, "--db", db, "--jsonl", "-o", tmp_path / f"{args[0]}.csv")
        assert r.exit_code == 2 and "does not match" in r.stderr, args
    r = run("list", "--db", db, "-o", db, "--force")
    assert r.exit_code == 1 and "corpus store" in r.stderr
    target = tmp_path / "paras.jsonl"
    assert run("clean", seeds, "-o", target).exit_code == 0
    assert len(target.read_text().splitlines()) == 77
    assert run("dedupe", seeds, "--db", tmp_path / "d.db", "-o", tmp_path / "r.json"
               ).exit_code == 0
    assert json.loads((tmp_path / "r.json").read_text())["pages"] == 5


def test_limit_everywhere_a_list_is_printed(run, db, seeds):
    assert len(run("entities", "--db", db, "--jsonl", "--limit", "3").stdout.splitlines()) == 3
    assert len(run("entities", "--db", db, "--jsonl", "--top", "2").stdout.splitlines()) == 2
    assert len(json.loads(run("stats", "--db", db, "--json", "--limit", "4").stdout)[
        "top_entities"]) == 4
    assert len(run("clean", seeds, "--jsonl", "--limit", "5").stdout.splitlines()) == 5
    assert len(json.loads(run("dedupe", seeds, "--dry-run", "--json", "--limit", "2").stdout)[
        "clusters"]) == 2
    assert len(run("export", "--db", db, "--limit", "3").stdout.splitlines()) == 3


def test_stats_collapses_empty_stretches_and_shows_outliers(run, pages, tmp_path):
    listing = "".join(f"{d:02d}.{m:02d}.2024\n\nBrief {d} {m} on the training of rescue units "
                      f"near the river.\n\n" for m in range(1, 13) for d in (5, 20))
    folder = pages({"new.txt": listing,
                    "old.txt": "15.01.1910\n\nAn item from long ago, far from the others.\n"})
    db = tmp_path / "s.db"
    assert run("dedupe", folder, "--db", db).exit_code == 0
    doc = json.loads(run("stats", "--db", db, "--json").stdout)
    assert doc["by"] == "month"  # the bulk of the dates is one year: the outlier aside
    assert doc["histogram"][0] == {"period": "1910-01", "items": 1}
    out = run("stats", "--db", db).stdout
    chart = out.split("items per month\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(chart) < 20, chart  # not 1,380 rows
    assert "1910-01" in chart[0] and "(outlier)" in chart[0]
    assert "empty months" in chart[1]


def test_progress_bar_columns():
    from unittest import mock

    from corpus_cli.output import progress_bar

    buf = io.StringIO()
    with mock.patch("corpus_cli.output.formats.stderr_console") as con:
        from rich.console import Console

        con.return_value = Console(file=buf, force_terminal=True, width=120,
                                   color_system=None)
        with progress_bar(enabled=True) as progress:
            progress("load", 50, 200)
            progress("load", 100, 200)
            progress("store", 10, 40)
    out = buf.getvalue()
    assert "load" in out and "100/200" in out and "10/40" in out
    assert "0:00:0" in out and "eta" in out  # elapsed and remaining time

ENTITY_PAGES = {
    "a.txt": (
        "ESPO Joint Staff Holds Drills In Astana\n"
        "12.03.2025 10:30 PM GMT\n"
        "ASTANA, March 12 (Steppe News) - The ESPO Joint Staff held the joint exercise "
        "“Northern Shield” with the Collective Rapid Response Forces (CRRF) of the Eurasian "
        "Security Partnership Organization (ESPO). Colonel-General Oleg Tamarikov, Chief of "
        "the Joint Staff of the ESPO, said the CRRF units were ready.\n"
        "The Chairman of the Parliament of Moldova Igor Vartanov and the Secretary of the "
        "Security Council of Latvia Aleksandr Ozolin watched. TV crews of RUS and WS filmed "
        "the EW units.\n"
    ),
    "b.txt": (
        "Secretary General meets experts\n"
        "14.03.2025\n"
        "MINSK, March 14 - Colonel-General Oleg Tamerikov of the ESPO Joint Staff met "
        "experts. Tamarikov Oleg Petrovich reported to the ESPO Secretariat. The Secretariat "
        "of the Eurasian Security Partnership Organization thanked the NIP group.\n"
        "In a comment to Steppe.Asia, the ESPO Secretary General Ruslan Baloyev said the "
        "Collective Rapid Response Force is ready.\n"
    ),
    "c.txt": (
        "Talks in Minsk\n"
        "15.03.2025\n"
        "Ruslan Baloev, the ESPO Secretary General, met the Joint Staff and the "
        "Secretariat. The \u0421RRF units returned to Minsk at 9 AM.\n"
    ),
}


def test_entities_top_has_no_junk_glue_or_split_names(run, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, text in ENTITY_PAGES.items():
        (pages / name).write_text(text, encoding="utf-8")
    assert run("dedupe", pages, "--db", tmp_path / "e.db").exit_code == 0
    r = run("entities", "--top", "40", "--jsonl", "--db", tmp_path / "e.db")
    ents = [json.loads(line) for line in r.stdout.splitlines()]
    names = {e["name"] for e in ents}
    # no junk tokens
    assert not {"TV", "RUS", "WS", "EW", "NIP", "PM", "AM", "GMT", "ASTANA", "MINSK"} & names
    # no organisation glued to a person
    people = {e["name"] for e in ents if e["type"] == "PERSON"}
    assert {"Igor Vartanov", "Aleksandr Ozolin"} <= people
    for e in ents:
        if e["type"] != "PERSON":
            assert not any(p in a for p in people for a in e["aliases"]), e
    # no split variants of one name
    by_alias = {a: e["name"] for e in ents for a in e["aliases"]}
    assert by_alias["Oleg Tamerikov"] == by_alias["Oleg Tamarikov"] == by_alias[
        "Tamarikov Oleg Petrovich"]
    assert by_alias["Ruslan Baloev"] == by_alias["Ruslan Baloyev"]
    assert by_alias["Joint Staff"] == by_alias["Joint Staff of the ESPO"] == "ESPO Joint Staff"
    assert by_alias["Secretariat of the Eurasian Security Partnership Organization"] == (
        by_alias["ESPO Secretariat"])
    assert by_alias["\u0421RRF"] == by_alias["CRRF"] == by_alias[
        "Collective Rapid Response Force"]
    assert by_alias["Steppe.Asia"] and by_alias["Northern Shield"]


def test_dedupe_json_streams_the_report_without_reading_every_paragraph(tmp_path, seeds,
                                                                       monkeypatch):
    import json

    from corpus_cli.pipeline import run_dedupe
    from corpus_cli.storage.store import StoredParagraphs

    db = str(tmp_path / "c.db")
    report = run_dedupe([str(seeds)], db=str(tmp_path / "ref.db"), workers=1)
    want = report.to_dict()

    def everything(self):
        raise AssertionError("the report read every paragraph")

    monkeypatch.setattr(StoredParagraphs, "_everything", everything)
    monkeypatch.setattr(StoredParagraphs, "BULK", 0)
    for flag in ("--json", "--jsonl"):
        r = CliRunner().invoke(cli, ["dedupe", str(seeds), "--db", db, "--rebuild", flag])
        assert r.exit_code == 0, r.output
        got = json.loads(r.stdout)
        assert got["clusters"] and got["clusters"] == want["clusters"]
        assert {k: v for k, v in got.items() if k not in ("db", "changes")} == {
            k: v for k, v in want.items() if k not in ("db", "changes")}


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("records", [[], [{"a": [1, {"b": "x\ny\u2028"}]}, {"c": []}]])
def test_a_document_written_as_it_comes_is_the_whole_document(fmt, records):
    from corpus_cli.output.safe import to_json
    from corpus_cli.output.views import write_document

    doc = {"n": 1, "text": "[bold]\u2029", "nested": {"k": [1, 2]}}
    whole, streamed = io.StringIO(), io.StringIO()
    write_document({**doc, "clusters": records}, fmt, whole)
    write_document(doc, fmt, streamed, "clusters", iter(records))
    assert streamed.getvalue() == whole.getvalue()
    assert whole.getvalue() == to_json({**doc, "clusters": records},
                                       indent=2 if fmt == "json" else None) + "\n"
