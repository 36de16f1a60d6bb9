"""The docs describe every command, option and JSON field; the README's commands are true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus_cli.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_documented_with_its_options():
    docs = (ROOT / "docs" / "cli.md").read_text() + (ROOT / "docs" / "search.md").read_text() \
        if (ROOT / "docs" / "search.md").exists() else (ROOT / "docs" / "cli.md").read_text()
    for name, cmd in cli.commands.items():
        assert f"corpus {name}" in docs, name
        assert cmd.help, name
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in docs, f"{name} {opt}"


def _sections(doc: str) -> dict[str, str]:
    parts = re.split(r"^## ", doc, flags=re.M)[1:]
    return {p.split("\n", 1)[0].strip(): p for p in parts}


def _table_fields(section: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))


def _mentioned(key: str, section: str) -> bool:
    return re.search(rf"[`{{ ,]{key}[`}},]", section) is not None


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """One record of every JSON type, from the commands that print them (on the seeds)."""
    import json

    from click.testing import CliRunner

    def run(*args):
        r = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert r.exit_code == 0, r.stderr
        return r.stdout

    db = tmp_path_factory.mktemp("docs") / "c.db"
    seeds = ROOT / "seeds"
    dedupe = json.loads(run("dedupe", seeds, "--db", db, "--json"))
    paragraphs = [json.loads(x) for x in run("clean", seeds, "--jsonl").splitlines()]
    items = [json.loads(x) for x in run("list", "--db", db, "--jsonl").splitlines()]
    item = next(i for i in items if i["dates"] and i["entities"])
    show = json.loads(run("show", item["id"], "--db", db, "--json"))
    hit = json.loads(run("search", "CSTO", "--db", db, "--jsonl", "--limit", "1"))
    entity = json.loads(run("entities", "--db", db, "--jsonl", "--limit", "1"))
    stats = json.loads(run("stats", "--db", db, "--json"))
    return {"paragraph": paragraphs, "dedupe": dedupe, "item": item, "show": show,
            "hit": hit, "entity": entity, "stats": stats}


def test_every_documented_field_of_every_json_record(records):
    """Each record type's table in docs/json.md lists exactly its fields, and the fields of
    the objects inside it are named in its section."""
    doc = _sections((ROOT / "docs" / "json.md").read_text())
    item = records["item"]
    glued = next(p for p in records["paragraph"] if p["removals"])
    tops = {
        "paragraph": (records["paragraph"][0], {"removals": glued["removals"][0]}),
        "dedupe report": (records["dedupe"], {
            "clusters": records["dedupe"]["clusters"][0],
            "kept": records["dedupe"]["clusters"][0]["kept"],
            "members": records["dedupe"]["clusters"][0]["members"][0]}),
        "item": (item, {"sources": item["sources"][0], "dates": item["dates"][0],
                        "entities": item["entities"][0]}),
        "show": ({k: v for k, v in records["show"].items() if k not in item}, {
            "paragraphs": records["show"]["paragraphs"][0]}),
        "entity": (records["entity"], {}),
        "search hit": ({k: v for k, v in records["hit"].items() if k not in item}, {}),
        "stats": (records["stats"], {"histogram": records["stats"]["histogram"][0],
                                     "top_entities": records["stats"]["top_entities"][0]}),
    }
    assert set(records["show"]) - set(item) == {"paragraphs", "duplicates"}
    for name, (rec, inner) in tops.items():
        section = doc[name]
        assert _table_fields(section) == set(rec), name
        for field, sub in inner.items():
            for key in sub:
                assert _mentioned(key, section), f"{name}: {field}.{key}"
    dup_fields = "id, path, line_start, line_end, duplicate_of, similarity, rule"
    assert dup_fields in doc["show"]
    problems = "{path, message, level}"
    assert problems in doc["dedupe report"]


def test_hit_and_show_records_extend_the_item(records):
    item_keys = list(records["item"])
    assert list(records["hit"])[: len(item_keys)] == item_keys
    assert list(records["show"])[: len(item_keys)] == item_keys


def test_readme_commands_and_ci_agree():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    install, tests = blocks[0].strip(), blocks[1].strip()
    assert "corpus dedupe seeds/" in install and "pip install" in install
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci
    assert "ruff check" in ci


def test_readme_links_exist():
    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\(([^)#]+)\)", readme):
        assert (ROOT / link).exists(), link


def test_every_command_has_an_example_in_its_help():
    from click.testing import CliRunner

    for name in cli.commands:
        r = CliRunner().invoke(cli, [name, "--help"])
        assert r.exit_code == 0, name
        examples = r.stdout.split("Examples:", 1)
        assert len(examples) == 2 and f"corpus {name}" in examples[1], name
        # help never points to a file of the repository, which a pip user does not have
        assert "docs/" not in r.stdout and ".md" not in r.stdout, name


def test_docs_ship_with_the_package():
    from click.testing import CliRunner

    r = CliRunner().invoke(cli, ["docs"])
    names = {line.split()[0] for line in r.stdout.splitlines()}
    assert names == {p.stem for p in (ROOT / "docs").glob("*.md")}
    r = CliRunner().invoke(cli, ["docs", "search"])
    assert r.exit_code == 0 and r.stdout == (ROOT / "docs" / "search.md").read_text()
    r = CliRunner().invoke(cli, ["docs", "nope"])
    assert r.exit_code == 1 and "topics:" in r.stderr


def test_one_output_vocabulary():
    """Every command that prints records has the same format flags, -o and --force."""
    flags = {"--table", "--tsv", "--csv", "--json", "--jsonl", "--output", "--force"}
    for name, cmd in cli.commands.items():
        if name in ("report", "docs"):
            continue
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        assert flags <= opts, (name, flags - opts)
        if name not in ("show",):
            assert "--limit" in opts, name
