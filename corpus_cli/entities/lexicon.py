"""The word lists of the entity rules, loaded from the package data (``corpus_cli/data``,
see :mod:`corpus_cli.wordlists`).

The files are read once, at import, through :mod:`importlib.resources` (so they are found
in any installation, a wheel or a zip included); this takes a few milliseconds, and happens
once in each worker process.

This module also holds the few functions about the *shape* of words that both the mention
finder and the merger use (:func:`is_acronym`, :func:`translit`, :func:`fold_confusables`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from corpus_cli.wordlists import lines, table

__all__ = [
    "ABBREVIATIONS", "ACRONYM_SKIPPABLE", "CONFUSABLES", "CONNECTORS", "CYRILLIC_CONNECTORS",
    "CYRILLIC_RE", "DEMONYMS", "DOCUMENT_HEADS", "DOMAINS", "EVENT_HEADS", "GAZETTEER",
    "GAZETTEER_FIRST_WORDS", "GIVEN_NAMES", "HONORIFICS", "MONTHS", "NAME_PARTICLES",
    "NOT_PLACE", "ORGANISATIONS", "ORGANISATIONS_CYRILLIC", "ORG_HEADS", "ORG_HEAD_SINGULAR",
    "PLACE_ACRONYMS", "PLACE_HEADS", "POSSESSIVE_KEEP", "QUOTE_CUES", "ROLE_HEADS",
    "ROLE_MODIFIERS", "ROLE_WORDS", "SPELLING", "STOP_WORDS", "TRANSLIT", "UPPER",
    "fold_confusables", "is_acronym", "is_roman", "lines", "table", "translit",
]


def _set(name: str) -> frozenset[str]:
    return frozenset(lines(name))


# --------------------------------------------------------------------------- word lists

MONTHS: dict[str, int] = {k: int(v) for k, v in table("months.tsv").items()}
#: Capitalised words that are never (part of) an entity: function words, months, weekdays.
STOP_WORDS = _set("stop_words.txt") | frozenset(MONTHS) | _set("weekdays.txt")
#: Words a possessive "'s" does not end a name at ("People's").
POSSESSIVE_KEEP = _set("possessive_keep.txt")
#: Abbreviations followed by a period that do not end the chunk ("Mr. Smith").
ABBREVIATIONS = _set("abbreviations.txt")
#: Lower-case words allowed between the capitalised tokens of one chunk.
CONNECTORS = _set("connectors.txt")
NAME_PARTICLES = _set("name_particles.txt")
CYRILLIC_CONNECTORS = frozenset(c for c in CONNECTORS if re.search(r"[\u0400-\u052f]", c))
ROLE_HEADS = _set("role_heads.txt")
ROLE_MODIFIERS = _set("role_modifiers.txt")
ROLE_WORDS = ROLE_HEADS | ROLE_MODIFIERS
#: Honorifics count as evidence for a person but are not kept as the role.
HONORIFICS = _set("honorifics.txt")
ORG_HEADS = _set("org_heads.txt")
#: Plural organisation head-words and their singular ("forces" -> "force").
ORG_HEAD_SINGULAR = {
    w: sg for w in ORG_HEADS
    for sg in (w[:-3] + "y" if w.endswith("ies") else "", w[:-2] if w.endswith("es") else "",
               w[:-1] if w.endswith("s") else "")
    if sg in ORG_HEADS and sg != w
}
EVENT_HEADS = _set("event_heads.txt")
#: Head-words of documents ("Treaty", "Strategy"): their names are not entities.
DOCUMENT_HEADS = _set("document_heads.txt")
DEMONYMS = _set("demonyms.txt")
#: Geographic and facility head-words: "Lake X", "X Valley", "X Region", "Red Square".
PLACE_HEADS = _set("place_heads.txt")
#: Capitalised nouns that follow "in" without being places.
NOT_PLACE = _set("not_place.txt")
GIVEN_NAMES = _set("given_names.txt")
ACRONYM_SKIPPABLE = _set("acronym_skippable.txt")
SPELLING = table("spelling.tsv")
TRANSLIT = table("translit.tsv")
#: Words next to a name in quotes that tell its type ("exercise" -> EVENT).
QUOTE_CUES = table("quote_cues.tsv")
#: Top-level domains of news sites ("Name.Asia", "Name.uz" name organisations).
DOMAINS = _set("domains.txt")
#: Cyrillic letters that look like Latin ones ("С" and "C").
CONFUSABLES = table("confusables.tsv")


def _gazetteer() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in ("countries.txt", "capitals.txt", "regions.txt"):
        for place in lines(name):
            out[place.lower()] = place
    out.update(table("place_aliases.tsv"))
    return out


#: Places: lower-case name or alias -> the gazetteer name.
GAZETTEER = _gazetteer()
#: First words of multi-word gazetteer entries, and "Republic(s) of X".
GAZETTEER_FIRST_WORDS = frozenset(
    [k.split(" ", 1)[0] for k in GAZETTEER if " " in k] + ["republic", "republics"]
)
#: Acronyms read as places unless a text defines them otherwise ("US", "UAE").
PLACE_ACRONYMS = table("place_acronyms.tsv")
#: Major international organisations: acronym -> expansion, used when no page defines it.
ORGANISATIONS = table("organisations.tsv")
#: Their Russian acronyms: Cyrillic acronym -> Latin acronym ("ООН" -> "UN").
ORGANISATIONS_CYRILLIC = table("organisations_cyrillic.tsv")

# --------------------------------------------------------------------------- word shapes


def _char_class(pred) -> str:
    """A regex character-class body with every Latin/Greek/Cyrillic char satisfying pred."""
    blocks = ((0x41, 0x24F), (0x370, 0x3FF), (0x400, 0x52F), (0x1E00, 0x1EFF))
    parts: list[str] = []
    for lo, hi in blocks:
        run = None
        for cp in range(lo, hi + 2):
            ok = cp <= hi and pred(chr(cp))
            if ok and run is None:
                run = cp
            elif not ok and run is not None:
                last = cp - 1
                # literal letters, not \u escapes: the regex parser reads them much faster
                parts.append(chr(run) if run == last else f"{chr(run)}-{chr(last)}")
                run = None
    return "".join(parts)


#: Body of a regex character class with every upper-case Latin, Greek and Cyrillic letter.
UPPER = _char_class(str.isupper)
CYRILLIC_RE = re.compile(r"[\u0400-\u052f]")
_ACRONYM_RE = re.compile(rf"[{UPPER}][{UPPER}\d&]{{1,9}}")
_ROMAN_RE = re.compile(r"[IVX]{1,8}")


def is_roman(s: str) -> bool:
    return _ROMAN_RE.fullmatch(s) is not None


@lru_cache(maxsize=1 << 16)
def is_acronym(s: str) -> bool:
    """True for acronym-shaped strings: 2-10 chars, upper-case letters (Latin or Cyrillic)."""
    if not _ACRONYM_RE.fullmatch(s):
        return False
    if not s.isalpha() and sum(1 for ch in s if ch.isalpha()) < 2:
        return False
    return not _ROMAN_RE.fullmatch(s)


_TO_LATIN = str.maketrans(CONFUSABLES)
_TO_CYRILLIC = str.maketrans({v: k for k, v in CONFUSABLES.items()})
_LATIN_RE = re.compile(r"[A-Za-z]")


def fold_confusables(s: str) -> str:
    """Each word that mixes Latin and Cyrillic letters written in the script of most of its
    letters, with the look-alike letters of the other script ("СRRF" with a Cyrillic С ->
    "CRRF"). Other words are kept as they are."""
    if s.isascii() or not _LATIN_RE.search(s) or not CYRILLIC_RE.search(s):
        return s
    words = s.split(" ")
    for i, w in enumerate(words):
        latin = len(_LATIN_RE.findall(w))
        cyrillic = len(CYRILLIC_RE.findall(w))
        if latin and cyrillic:
            words[i] = w.translate(_TO_LATIN if latin >= cyrillic else _TO_CYRILLIC)
    return " ".join(words)


def translit(s: str) -> str:
    """Cyrillic letters transliterated to Latin (others kept), case kept."""
    out = []
    for ch in s:
        t = TRANSLIT.get(ch.lower())
        if t is None:
            out.append(ch)
        else:
            out.append(t.upper() if ch.isupper() else t)
    return "".join(out)
