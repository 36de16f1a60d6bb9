"""corpus export: every format, files and folders written atomically, no overwriting."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import build_store

from corpus_cli import output
from corpus_cli.cli import cli
from corpus_cli.errors import CorpusError
from corpus_cli.storage.store import open_store

ESC = "\x1b"
HOSTILE = f"the [bold]odd[/bold] [/link] {ESC}[31mred{ESC}[0m {ESC}]0;x\x07 text \u202eevil"

PAGES = {
    "listing.txt": """05.09.2024

Minister Anna Kovalenko opened the new water treatment plant in Kaunas on Thursday.

04.09.2024

Rescue units from three regions trained together near the river, said the organisers.
""",
    "notes.txt": f"""Undated notes: the archive received {HOSTILE} from the regional office.
""",
    "article.txt": """Regional ministers met in Vilnius to discuss the grid
12.03.2022On March 12, 2022, in Vilnius, ministers discussed the grid, "links", commas, quotes.
A second paragraph follows, with a line that mentions Kaunas again.
Go back
""",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return build_store(tmp_path_factory.mktemp("export") / "pages", PAGES)


@pytest.fixture(scope="module")
def records(db) -> list[dict]:
    r = CliRunner().invoke(cli, ["list", "--db", db, "--jsonl"])
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(recs) == 4 and any(HOSTILE in x["text"] for x in recs)
    assert any(x["date"] is None for x in recs)  # written as undated_<id>.md
    return recs


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".corpus-")]


def test_jsonl_to_stdout_is_the_default(db, records):
    r = run("export", "--db", db)
    assert r.exit_code == 0
    assert [json.loads(line) for line in r.stdout.splitlines()] == records


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_files_read_back_equal(db, records, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    r = run("export", "--db", db, "--format", fmt, "-o", str(target))
    assert r.exit_code == 0, r.output
    assert f"exported 4 item(s) to {target}" in r.stderr
    text = target.read_text(encoding="utf-8")
    got = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
    assert got == records
    assert leftovers(tmp_path) == []


def test_csv_round_trips(db, records, tmp_path):
    target = tmp_path / "out.csv"
    assert run("export", "--db", db, "--format", "csv", "-o", str(target)).exit_code == 0
    with open(target, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(records[0])  # one CSV shape: the record's keys, as list --csv
    got = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(got) == len(records)
    for row, rec in zip(got, records, strict=True):
        assert row["id"] == rec["id"] and row["text"] == rec["text"]
        assert row["title"] == (rec["title"] or "") and row["date"] == (rec["date"] or "")
        assert row["date_inferred"] == ("true" if rec["date_inferred"] else "false")
        assert int(row["copies"]) == rec["copies"]
        assert json.loads(row["sources"]) == rec["sources"]
        assert json.loads(row["entities"]) == rec["entities"]
        assert json.loads(row["dates"]) == rec["dates"]


def test_csv_to_stdout(db, records):
    r = run("export", "--db", db, "--format", "csv")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert len(rows) == 1 + len(records) and rows[1][0] == records[0]["id"]
    assert any(HOSTILE in row[6] for row in rows)  # exact when piped


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_folder_one_file_per_item(db, records, tmp_path, fmt):
    target = tmp_path / "items"
    r = run("export", "--db", db, "--format", fmt, "-o", str(target) + "/")
    assert r.exit_code == 0, r.output
    names = sorted(os.listdir(target))
    assert names == sorted(f"{x['date'] or 'undated'}_{x['id']}.{fmt}" for x in records)
    titled = next(x for x in records if x["title"])
    body = (target / f"{titled['date']}_{titled['id']}.{fmt}").read_text(encoding="utf-8")
    assert titled["title"] in body and titled["text"] in body
    if fmt == "md":
        assert body.startswith(f"# {titled['title']}\n")
    assert leftovers(tmp_path) == []
    # an existing empty folder is fine too
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("export", "--db", db, "--format", fmt, "-o", str(empty)).exit_code == 0
    assert len(os.listdir(empty)) == len(records)


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_single_md_txt_file(db, records, tmp_path, fmt):
    target = tmp_path / f"all.{fmt}"
    assert run("export", "--db", db, "--format", fmt, "-o", str(target)).exit_code == 0
    body = target.read_text(encoding="utf-8")
    for x in records:
        assert x["text"] in body and x["id"] in body


def test_refuses_to_overwrite_without_force(db, tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("precious\n")
    r = run("export", "--db", db, "-o", str(target))
    assert r.exit_code == 1 and "--force" in r.stderr
    assert target.read_text() == "precious\n"
    r = run("export", "--db", db, "-o", str(target), "--force")
    assert r.exit_code == 0 and target.read_text() != "precious\n"
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "keep.md").write_text("mine")
    r = run("export", "--db", db, "--format", "md", "-o", str(folder))
    assert r.exit_code == 1 and "not empty" in r.stderr
    assert os.listdir(folder) == ["keep.md"]
    r = run("export", "--db", db, "--format", "md", "-o", str(folder), "--force")
    assert r.exit_code == 0 and len(os.listdir(folder)) == 5  # 4 items and keep.md
    assert (folder / "keep.md").read_text() == "mine"


def test_refuses_the_store_and_folder_for_jsonl(db, tmp_path):
    r = run("export", "--db", db, "-o", db, "--force")
    assert r.exit_code == 1 and "corpus store" in r.stderr
    r = run("export", "--db", db, "-o", str(tmp_path))
    assert r.exit_code == 1 and "md or txt" in r.stderr
    r = run("export", "--db", db, "-o", str(tmp_path / "no" / "such" / "dir.jsonl"))
    assert r.exit_code == 1 and "cannot write" in r.stderr


def _failing(db):
    with open_store(db) as s:
        items = list(s.articles())

    def gen():
        yield from items[:2]
        raise RuntimeError("disk on fire")

    return gen()


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "md", "txt"])
def test_interrupted_export_leaves_no_file(db, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    with pytest.raises(RuntimeError):
        output.export_items(_failing(db), fmt, str(target))
    assert os.listdir(tmp_path) == []
    target.write_text("old")
    with pytest.raises(RuntimeError):
        output.export_items(_failing(db), fmt, str(target), force=True)
    assert target.read_text() == "old" and os.listdir(tmp_path) == [target.name]


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_interrupted_folder_export_leaves_nothing(db, tmp_path, fmt):
    with pytest.raises(RuntimeError):
        output.export_items(_failing(db), fmt, str(tmp_path / "items") + "/")
    assert os.listdir(tmp_path) == []


def test_unknown_format_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError):
        output.export_items([], "xml", str(tmp_path / "x"))


def test_filters_and_empty_export(db, records, tmp_path):
    r = run("export", "--db", db, "--year", "2022")
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == \
        [x["id"] for x in records if (x["date"] or "").startswith("2022")]
    r = run("export", "--db", db, "--year", "1999", "--format", "csv")
    assert r.exit_code == 0 and r.stdout.splitlines() == [",".join(records[0])]
    assert "no items match" in r.stderr


@pytest.mark.parametrize("name, fmt", [("items.csv", "csv"), ("items.json", "json"),
                                       ("items.jsonl", "jsonl"), ("items.tsv", "tsv"),
                                       ("items.md", "md"), ("items.txt", "txt")])
def test_format_from_the_file_name(db, records, tmp_path, name, fmt):
    target = tmp_path / name
    r = run("export", "--db", db, "-o", str(target))
    assert r.exit_code == 0, r.stderr
    same = tmp_path / f"same.{name.split('.')[1]}"
    assert run("export", "--db", db, "--format", fmt, "-o", str(same)).exit_code == 0
    assert target.read_bytes() == same.read_bytes()
    if fmt == "csv":  # the bug this fixes: JSON Lines written into a .csv file
        rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
        assert rows[0] == list(records[0]) and len(rows) == len(records) + 1


def test_format_and_file_name_must_agree(db, tmp_path):
    for args in (["--format", "jsonl", "-o", "items.csv"], ["--json", "-o", "items.csv"],
                 ["--format", "csv", "--json"]):
        r = run("export", "--db", db, *args[:-1], str(tmp_path / args[-1])
                if args[-1].endswith(".csv") else args[-1])
        assert r.exit_code == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []
    # a flag says the same as --format
    target = tmp_path / "x.out"
    assert run("export", "--db", db, "--csv", "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("id,kind,title")


def test_hostile_text_exact_in_files_inert_on_a_terminal(db, records, tmp_path):
    target = tmp_path / "all.txt"
    assert run("export", "--db", db, "--format", "txt", "-o", str(target)).exit_code == 0
    assert HOSTILE in target.read_text(encoding="utf-8")
    r = run("export", "--db", db, "--format", "md", env={"TTY_COMPATIBLE": "1"})
    assert ESC not in r.stdout and "\x07" not in r.stdout and "\u202e" not in r.stdout
    assert "[bold]odd[/bold] [/link] \\x1b[31mred" in r.stdout
    r = run("export", "--db", db, "--format", "jsonl")
    assert any(json.loads(x)["text"].count(HOSTILE) for x in r.stdout.splitlines())
