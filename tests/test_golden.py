"""The JSON Lines produced for the bundled seeds, compared with tests/golden/.

Any change in cleaning, dedupe, segmentation, dates or entities shows up here as a diff.
After an intended change: `python -m pytest tests/test_golden.py --update-golden`, then
review `git diff tests/golden/`.
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


@pytest.mark.parametrize("name, args", [
    ("seeds_clean.jsonl", ["clean", "seeds", "--jsonl"]),
    ("seeds_list.jsonl", ["list", "--jsonl"]),
    ("seeds_entities.jsonl", ["entities", "--jsonl"]),
])
def test_golden(name, args, request, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # paths in the records are relative to the working directory
    monkeypatch.setenv("CORPUS_DB", str(tmp_path / "g.db"))
    _run(["dedupe", "seeds"])
    out = _run(args)
    golden = GOLDEN / name
    if request.config.getoption("--update-golden"):
        golden.write_text(out, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    got_recs = [json.loads(line) for line in out.splitlines()]
    want_recs = [json.loads(line) for line in expected.splitlines()]
    assert len(got_recs) == len(want_recs)
    for got, want in zip(got_recs, want_recs, strict=True):
        assert got == want
