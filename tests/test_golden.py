"""The records produced for the bundled seeds, compared with tests/golden/.

Any change in cleaning, dedupe, segmentation, dates, entities, search or the records' shape
shows up here as a diff. After an intended change:
`python -m pytest tests/test_golden.py --update-golden`, then review `git diff tests/golden/`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_cli.cli import cli

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _records(text: str, name: str) -> list:
    if name.endswith(".json"):
        doc = json.loads(text)
        if isinstance(doc, dict) and "db" in doc:
            doc["db"] = "<db>"  # where the store was written: not part of the result
        return [doc]
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[str, str]:
    db = str(tmp_path_factory.mktemp("golden") / "g.db")
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)  # paths in the records are relative to the working directory
    try:
        report = _run(["dedupe", "seeds", "--db", db, "--json"])
    finally:
        mp.undo()
    return db, report


CASES = [
    ("seeds_clean.jsonl", ["clean", "seeds", "--jsonl"]),
    ("seeds_list.jsonl", ["list", "--jsonl"]),
    ("seeds_entities.jsonl", ["entities", "--jsonl"]),
    ("seeds_search.jsonl", ["search", "Afghanistan OR Qingdao", "--limit", "0", "--jsonl"]),
    ("seeds_show.json", ["show", "FIRST", "--json"]),
    ("seeds_stats.json", ["stats", "--json"]),
    ("seeds_dedupe.json", None),  # the report of the run that built the store
]


@pytest.mark.parametrize("name, args", CASES, ids=[c[0] for c in CASES])
def test_golden(name, args, store, request, monkeypatch):
    db, report = store
    monkeypatch.chdir(ROOT)
    if args is None:
        out = report
    else:
        if "FIRST" in args:  # the newest item, by its (stable) id
            first = json.loads(_run(["list", "--db", db, "--jsonl", "--limit", "1"]))["id"]
            args = [first if a == "FIRST" else a for a in args]
        out = _run(args if args[0] == "clean" else [*args, "--db", db])
    golden = GOLDEN / name
    got = _records(out, name)
    if request.config.getoption("--update-golden"):
        golden.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in got)
                          if name.endswith(".jsonl") else
                          json.dumps(got[0], ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8")
    want = _records(golden.read_text(encoding="utf-8"), name)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == w
