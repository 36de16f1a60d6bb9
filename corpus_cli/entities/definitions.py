"""Acronym definitions written in a text: "Expansion (ACR)", "Expansion (ACR, Alias)",
"ACR (Expansion)" and "ACR1 (ACR2)" (two names of one thing).

Used by the mention finder (:mod:`corpus_cli.entities.mentions`) and by the spaCy backend.
Every regular expression is linear, and at most one candidate per 256 characters of text
is examined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from corpus_cli.entities.lexicon import (
    ACRONYM_SKIPPABLE,
    CYRILLIC_RE,
    DEMONYMS,
    UPPER,
    fold_confusables,
    is_acronym,
)

__all__ = ["DEF_WORD_RE", "Definitions", "find_definitions", "initials_match"]

_UP = UPPER
_PAREN_ACR_RE = re.compile(
    rf"\(\s?([{_UP}][{_UP}\d&]{{1,9}})(?:\s?[,;]\s?(?:the\s)?"
    rf"([{_UP}][\w'’-]{{0,40}}(?:\s[{_UP}][\w'’-]{{0,40}}){{0,3}}))?\s?\)"
)
_ACR_PAREN_RE = re.compile(
    rf"(?<![^\W\d_])([{_UP}][{_UP}\d&]{{1,9}})\s\((?:the\s)?([^()\n]{{3,150}})\)"
)
DEF_WORD_RE = re.compile(r"[^\W\d_][\w'’]{0,60}(?:-[\w'’]{1,40}){0,8}")
_DEF_STOP_RE = re.compile(r"[.,;:!?()\[\]\n\"“”«»]")
_ACR_BEFORE_RE = re.compile(rf"([{_UP}][{_UP}\d&]{{1,9}})$")


def initials_match(letters: str, words: Sequence[str]) -> bool:
    """Whether the words' initials spell ``letters`` (connectors may be skipped)."""
    states = {0}
    n = len(letters)
    for w in words:
        lw = w.lower()
        opts = {lw[0]}
        if lw in ACRONYM_SKIPPABLE:
            opts.add("")
        if "-" in lw:
            parts = [p for p in lw.split("-") if p]
            if len(parts) > 1:
                opts.add("".join(p[0] for p in parts))
                opts.add(parts[0][0] + parts[-1][0])
        new = set()
        for st in states:
            for o in opts:
                if st + len(o) <= n and letters.startswith(o, st):
                    new.add(st + len(o))
        if not new:
            return False
        states = new
    return n in states


class Definitions:
    """Acronym definitions of one text."""

    __slots__ = ("spans", "acr", "alias", "link")

    def __init__(self) -> None:
        self.spans: list[tuple[int, int, str]] = []  # expansion start, end, expansion text
        self.acr: dict[str, str] = {}  # acronym -> expansion
        self.alias: dict[str, str] = {}  # lower-case alias word(s) -> expansion
        self.link: dict[str, str] = {}  # acronym -> equivalent acronym ("ESPO (ЕОПБ)")


def _content_ok(word: str, cyrillic: bool) -> bool:
    lw = word.lower()
    return lw in ACRONYM_SKIPPABLE or cyrillic or word[0].isupper()


def find_definitions(text: str) -> Definitions:
    defs = Definitions()
    if "(" not in text:
        return defs
    budget = 64 + len(text) // 256
    taken: list[tuple[int, int]] = []
    for m in _PAREN_ACR_RE.finditer(text):
        acr = fold_confusables(m.group(1))
        if not is_acronym(acr):
            continue
        budget -= 1
        if budget < 0:
            break
        pos = m.start()
        exp = _expansion_before(text, pos, acr)
        if exp is None:
            # "ACR1 (ACR2)": two names of the same thing.
            before = text[max(0, pos - 12) : pos].rstrip()
            mm = _ACR_BEFORE_RE.search(before)
            if mm and is_acronym(mm.group(1)) and mm.group(1) != acr:
                a1, a2 = mm.group(1), acr
                if CYRILLIC_RE.search(a1) and not CYRILLIC_RE.search(a2):
                    a1, a2 = a2, a1
                defs.link.setdefault(a2, a1)
            continue
        s, e = exp
        exp_text = " ".join(text[s:e].split())
        defs.spans.append((s, e, exp_text))
        taken.append((s, e))
        defs.acr.setdefault(acr, exp_text)
        alias = m.group(2)
        if alias:
            if is_acronym(alias):
                defs.acr.setdefault(alias, exp_text)
            else:
                defs.alias.setdefault(alias.lower(), exp_text)
    paren = text.find("(")
    # a match starts at most 11 characters before its "(" (the pattern's look-behind still
    # sees the text before the start position)
    for m in _ACR_PAREN_RE.finditer(text, max(0, paren - 11)) if paren >= 0 else ():
        acr = fold_confusables(m.group(1))
        if not is_acronym(acr) or acr in defs.acr:
            continue
        budget -= 1
        if budget < 0:
            break
        inner = m.group(2).strip()
        words = DEF_WORD_RE.findall(inner)
        if len(words) < 2 or " ".join(words) != " ".join(inner.split()):
            continue
        cyr = bool(CYRILLIC_RE.search(acr))
        if not all(_content_ok(w, cyr) for w in words):
            continue
        letters = "".join(ch for ch in acr.lower() if ch.isalpha())
        if initials_match(letters, words):
            s = m.start(2)
            e = s + len(m.group(2).rstrip())
            exp_text = " ".join(inner.split())
            defs.spans.append((s, e, exp_text))
            defs.acr[acr] = exp_text
    defs.spans.sort()
    # Drop overlapping spans (keep the first).
    kept: list[tuple[int, int, str]] = []
    for sp in defs.spans:
        if not kept or sp[0] >= kept[-1][1]:
            kept.append(sp)
    defs.spans = kept
    return defs


def _expansion_before(text: str, pos: int, acr: str) -> tuple[int, int] | None:
    """Span of the words right before ``pos`` whose initials spell ``acr``, if any."""
    lo = max(0, pos - 220)
    window = text[lo:pos]
    cut = 0
    for mm in _DEF_STOP_RE.finditer(window):
        cut = mm.end()
    words = [w for w in DEF_WORD_RE.finditer(window, cut)][-16:]
    if len(words) < 2:
        return None
    letters = "".join(ch for ch in acr.lower() if ch.isalpha())
    if not letters:
        return None
    # Quick reject: the last word (or its last hyphen part) must give the last letter.
    last = words[-1].group().lower()
    if last[0] != letters[-1] and last.rsplit("-", 1)[-1][:1] != letters[-1]:
        return None
    cyr = bool(CYRILLIC_RE.search(acr))
    wtexts = [w.group() for w in words]
    limit = min(len(words), len(letters) + 6)
    for k in range(2, limit + 1):
        first = wtexts[-k]
        if not _content_ok(first, cyr):
            break
        if first.lower() in ACRONYM_SKIPPABLE or first[0].lower() != letters[0]:
            continue
        if not (first[0].isupper() or cyr):
            continue
        if initials_match(letters, wtexts[-k:]):
            # "Collective Rapid Response Force (RRF)": adjectives the acronym leaves out
            # still belong to the name
            j = len(words) - k
            while (j > 0 and wtexts[j - 1][0].isupper() and wtexts[j - 1].lower() in DEMONYMS
                   and window[words[j - 1].end() : words[j].start()] == " "):
                j -= 1
            return lo + words[j].start(), lo + words[-1].end()
    return None

