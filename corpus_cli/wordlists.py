"""The word lists of ``corpus_cli/data`` (package data), read through
:mod:`importlib.resources` so that they are found in any installation.

Each list is a UTF-8 text file: ``#`` comment lines at the top, then one entry a line,
sorted, without repeats (``tests/test_lexicon.py`` checks this). ``.txt`` files hold one
word or name a line; ``.tsv`` files a key, a tab and a value. Used by the entity rules
(:mod:`corpus_cli.entities.lexicon`) and the date rules (month names).
"""

from __future__ import annotations

from importlib.resources import files

__all__ = ["lines", "table"]

_DATA = files("corpus_cli") / "data"


def lines(name: str) -> list[str]:
    """The entries of a data file: its lines without comments, blank lines and new-lines."""
    text = (_DATA / name).read_text(encoding="utf-8")
    return [ln for ln in text.split("\n") if ln and not ln.startswith("#")]


def table(name: str) -> dict[str, str]:
    """A ``.tsv`` data file as a dict: first column -> second column."""
    out: dict[str, str] = {}
    for ln in lines(name):
        key, _, value = ln.partition("\t")
        out[key] = value
    return out
