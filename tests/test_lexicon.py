"""The word lists of corpus_cli/data: well-formed, sorted, without repeats, and loaded."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files

import pytest

from corpus_cli.entities import lexicon

DATA = files("corpus_cli") / "data"
NAMES = sorted(p.name for p in DATA.iterdir() if p.name.endswith((".txt", ".tsv")))


def entries(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text, name
    lines = text.split("\n")[:-1]
    # comments only at the top, then entries; no blank lines, no stray spaces
    body = lines[next((i for i, ln in enumerate(lines) if not ln.startswith("#")), len(lines)):]
    for ln in body:
        assert ln and not ln.startswith("#"), (name, ln)
        assert ln == ln.strip(" ") and "  " not in ln, (name, ln)
    return body


def test_there_are_word_lists():
    assert {"stop_words.txt", "given_names.txt", "months.tsv", "org_heads.txt",
            "organisations.tsv", "countries.txt"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_list_is_sorted_without_repeats(name):
    body = entries(name)
    assert body, name
    keys = [ln.split("\t", 1)[0] for ln in body] if name.endswith(".tsv") else body
    assert keys == sorted(keys), f"{name} is not sorted"
    repeats = sorted({k for k in keys if keys.count(k) > 1})
    assert not repeats, f"{name} repeats {repeats}"
    if name.endswith(".tsv"):
        assert all(ln.count("\t") == 1 for ln in body), name
    else:
        assert all("\t" not in ln for ln in body), name


def test_lexicon_reads_the_lists():
    assert "the" in lexicon.STOP_WORDS and "september" in lexicon.STOP_WORDS
    assert "monday" in lexicon.STOP_WORDS
    assert lexicon.MONTHS["sept"] == 9 and lexicon.MONTHS["мая"] == 5
    assert lexicon.GAZETTEER["kyrgyz republic"] == "Kyrgyzstan"
    assert lexicon.GAZETTEER["astana"] == "Astana"
    assert lexicon.ORGANISATIONS["UN"] == "United Nations"
    assert lexicon.TRANSLIT["ъ"] == "" and lexicon.translit("Минск") == "Minsk"
    assert "committee" in lexicon.ORG_HEADS and "и" in lexicon.CYRILLIC_CONNECTORS


def test_loading_the_lexicon_is_light():
    code = ("import sys, corpus_cli.entities.lexicon\n"
            "print([m for m in ('rapidfuzz', 'numpy', 'click', 'rich') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
