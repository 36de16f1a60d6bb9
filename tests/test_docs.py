"""The docs describe every command, option and JSON field; the README's commands are true."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_every_json_field_documented():
    from corpus_cli import output
    from corpus_cli.models import Article, DateMention, Entity, Paragraph, Source

    doc = (ROOT / "docs" / "json.md").read_text()
    p = Paragraph("i", "p", 0, 1, 1, "r", "t")
    a = Article("a", "brief", None, None, None, False, "t", (Source("p", 1, 1),),
                dates=(DateMention("x", 0, 1, None),),
                entities=({"name": "n", "type": "ORG", "aliases": [], "mentions": 1},))
    e = Entity("n", "ORG", (), 1)
    keys = set(output.paragraph_record(p)) | set(output.article_record(a)) | set(
        output.entity_record(e)) | set(output.article_record(a)["dates"][0])
    for k in keys:
        assert f"`{k}`" in doc, k


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
