"""Person names: spelling-insensitive folding and the clustering of a corpus's name forms.

Names are compared after folding case, accents, Cyrillic transliteration and common
transliteration variants; full names, initial forms ("S. Varga") and lone surnames are
clustered with complete linkage inside blocks of similar surnames (see
:func:`cluster_persons` and ``docs/entities.md``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache

from corpus_cli.entities.lexicon import CYRILLIC_RE, NAME_PARTICLES, lines, translit

__all__ = ["PersonName", "cluster_persons", "fold_name", "person_name_rank", "sound_keys"]

# Person forms compared pairwise at most per surname block (see cluster_persons).
_MAX_PERSON_BLOCK = 400


def strip_accents(s: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch)
    )


_FOLD_RULES = (
    (re.compile(r"^ye"), "e"),
    (re.compile(r"^yo"), "e"),
    (re.compile(r"iy$|yy$|ii$"), "i"),
    (re.compile(r"(?<=[aeiou])y(?=[aeiou])"), ""),  # Baloyev/Baloev
    (re.compile(r"y"), "i"),
    (re.compile(r"ks"), "x"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"w"), "v"),
    (re.compile(r"ou"), "u"),
    (re.compile(r"ie"), "i"),
    (re.compile(r"j"), "i"),
    (re.compile(r"(.)\1"), r"\1"),
)


@lru_cache(maxsize=1 << 16)
def fold_name(s: str) -> str:
    """Spelling-insensitive form of a name word (case, accents, common transliterations)."""
    s = strip_accents(translit(s)).lower()
    s = "".join(ch for ch in s if ch.isalpha())
    for rx, rep in _FOLD_RULES:
        s = rx.sub(rep, s)
    return s


_SOUND_RULES = (
    (re.compile(r"t[sz]|ch|q"), "c"),  # Урумчи/Urumqi, Цзилинь/Jilin
    (re.compile(r"ng"), "n"),  # Шанхай/Shanghai
    (re.compile(r"zh"), "z"),
    (re.compile(r"(.)\1"), r"\1"),
)
# Russian case endings a place name takes after a preposition ("в Харбине").
_CASE_ENDING_RE = re.compile(r"(?:ом|ем|ой|е|у|а|и|ы)$")


def sound_keys(name: str) -> set[str]:
    """Keys under which a name sounds the same across scripts and transliterations
    ("Урумчи" and "Urumqi" -> "urumci"); a Cyrillic name also without its case ending."""
    forms = [name]
    if CYRILLIC_RE.search(name) and len(name) >= 5:
        cut = _CASE_ENDING_RE.sub("", name)
        if cut != name:
            forms.append(cut)
            if name[-1] in "еи":
                forms.append(cut + "й")  # "в Шанхае" -> "Шанхай"
    keys = set()
    for form in forms:
        k = " ".join(fold_name(w) for w in form.split())
        for rx, rep in _SOUND_RULES:
            k = rx.sub(rep, k)
        if k:
            keys.add(k)
    return keys


_PATRONYMIC_RE = re.compile(
    "(?:" + "|".join(sorted(lines("patronymic_endings.txt"), key=len, reverse=True)) + ")$"
)
_VOWELS = frozenset("aeiou")


class PersonName:
    """A person's name form: first name, initials, middle names and surname, folded.

    "Surname Given Patronymic" ("Petrov Ivan Sergeevich") is read in that order."""

    __slots__ = ("surface", "first", "initials", "middles", "surname", "fsur", "ffirst",
                 "allcaps", "ntok", "reordered")

    def __init__(self, surface: str) -> None:
        self.surface = surface
        toks = surface.replace(".", ". ").split()
        toks = [t for t in toks if t]
        initials: list[str] = []
        words: list[str] = []
        for t in toks:
            if len(t) == 2 and t[1] == "." and t[0].isalpha():
                initials.append(t[0].lower())
                if words:  # an initial after a first name is a middle initial
                    pass
            elif t.lower() in NAME_PARTICLES:
                continue
            else:
                words.append(t)
        self.ntok = len(toks)
        self.reordered = (
            len(words) == 3 and not initials
            and _PATRONYMIC_RE.search(words[2].lower()) is not None
            and _PATRONYMIC_RE.search(words[1].lower()) is None
        )
        if self.reordered:
            words = [words[1], words[2], words[0]]
        self.surname = words[-1] if words else (toks[-1] if toks else surface)
        self.fsur = fold_name(self.surname)
        self.allcaps = self.surname.isupper() and len(self.surname) > 1
        first_is_initial = bool(toks) and len(toks[0]) == 2 and toks[0][1] == "."
        if first_is_initial or len(words) < 2:
            self.first = None
            self.ffirst = None
            self.initials = initials
            self.middles = []
        else:
            self.first = words[0]
            self.ffirst = fold_name(words[0])
            self.initials = [_fold_initial(words[0])] + initials
            self.middles = [w for w in words[1:-1]]

    @property
    def kind(self) -> str:
        if self.first is not None:
            return "full"
        if self.initials:
            return "initials"
        return "surname"


def _fold_initial(word: str) -> str:
    return strip_accents(translit(word[:1])).lower()[:1]


def _surnames_match(a: PersonName, b: PersonName) -> bool:
    if a.fsur == b.fsur:
        return True
    if not a.fsur or not b.fsur or a.fsur[0] != b.fsur[0] or a.fsur[-1] != b.fsur[-1]:
        return False
    if len(a.fsur) == len(b.fsur) >= 6:
        # one vowel written otherwise (a transliteration variant): Tamarikov/Tamerikov
        diff = [(x, y) for x, y in zip(a.fsur, b.fsur, strict=True) if x != y]
        if len(diff) == 1 and diff[0][0] in _VOWELS and diff[0][1] in _VOWELS:
            return True
    if min(len(a.fsur), len(b.fsur)) < 7:
        return False
    from rapidfuzz.fuzz import ratio

    return ratio(a.fsur, b.fsur) >= 90


def _first_names_match(a: str, b: str) -> bool:
    fa, fb = fold_name(a), fold_name(b)
    if fa == fb:
        return True
    la, lb = a.lower(), b.lower()
    if la.endswith("a") != lb.endswith("a"):  # Alexander / Alexandra
        return False
    if min(len(fa), len(fb)) < 5 or fa[0] != fb[0]:
        return False
    from rapidfuzz.fuzz import ratio

    return ratio(fa, fb) >= 75


def _middles_match(a: PersonName, b: PersonName) -> bool:
    if not a.middles or not b.middles:
        # Compare middle initials when written ("A.N. X" vs "Andrei Nikolaevich X").
        ia, ib = a.initials[1:], b.initials[1:]
        ma = ia or [_fold_initial(m) for m in a.middles]
        mb = ib or [_fold_initial(m) for m in b.middles]
        return not ma or not mb or ma[0] == mb[0]
    return _first_names_match(a.middles[0], b.middles[0])


def _full_match(a: PersonName, b: PersonName) -> bool:
    return (
        _surnames_match(a, b)
        and a.first is not None
        and b.first is not None
        and _first_names_match(a.first, b.first)
        and _middles_match(a, b)
    )


def _initials_compatible(short: PersonName, full: PersonName) -> bool:
    if not _surnames_match(short, full):
        return False
    if not short.initials:
        return True
    if not full.initials or short.initials[0] != full.initials[0]:
        return False
    if len(short.initials) > 1:
        mids = full.initials[1:] or [_fold_initial(m) for m in full.middles]
        if mids and mids[0] != short.initials[1]:
            return False
    return True


def cluster_persons(counts: Counter) -> dict[str, int]:
    """Cluster person surface forms; returns surface -> cluster id.

    Two names can only match when their folded surnames are equal or share the first three
    and the last letter, so the work is done per such block (blocks of more than
    ``_MAX_PERSON_BLOCK`` forms only merge names whose folded first name and surname are
    equal, keeping the cost bounded).
    """
    names = {s: PersonName(s) for s in counts}
    # Base groups: identical folded full strings ("Ivan PETROV" / "Ivan Petrov").
    base: dict[tuple, list[str]] = defaultdict(list)
    for s, pn in names.items():
        key = (pn.kind, tuple(fold_name(t) for t in s.replace(".", ". ").split()))
        base[key].append(s)
    groups = sorted(sorted(v) for v in base.values())
    reps = [names[g[0]] for g in groups]
    cluster_of = list(range(len(groups)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(groups))}

    def join(ci: int, cj: int) -> None:
        keep, drop = min(ci, cj), max(ci, cj)
        for x in members[drop]:
            cluster_of[x] = keep
        members[keep].extend(members.pop(drop))

    blocks: dict[tuple, list[int]] = defaultdict(list)
    for i, pn in enumerate(reps):
        blocks[(pn.fsur[:3], pn.fsur[-1:])].append(i)
    for block in blocks.values():
        if len(block) > _MAX_PERSON_BLOCK:
            exact: dict[tuple, int] = {}
            for i in block:
                pn = reps[i]
                if pn.kind == "full":
                    k = (pn.ffirst, pn.fsur)
                    if k in exact and cluster_of[exact[k]] != cluster_of[i]:
                        join(cluster_of[exact[k]], cluster_of[i])
                    exact.setdefault(k, i)
            continue
        full = [i for i in block if reps[i].kind == "full"]
        # Full names: complete linkage, in sorted order.
        for x, i in enumerate(full):
            for j in full[:x]:
                ci, cj = cluster_of[i], cluster_of[j]
                if ci != cj and all(
                    _full_match(reps[a], reps[b]) for a in members[ci] for b in members[cj]
                ):
                    join(ci, cj)
        # Initial forms: attached to the one full-name cluster they fit, else kept together
        # with the other initial forms of the same surname and initials. A join renumbers
        # clusters (the smaller id is kept), so the full-name clusters are read afresh.
        inits = [i for i in block if reps[i].kind == "initials"]
        for i in inits:
            fits = [
                c for c in sorted({cluster_of[j] for j in full})
                if all(_initials_compatible(reps[i], reps[x]) for x in members[c])
            ]
            if len(fits) == 1 and cluster_of[i] != fits[0]:
                join(cluster_of[i], fits[0])
        fullset = {cluster_of[i] for i in full}
        for x, i in enumerate(inits):
            for j in inits[:x]:
                ci, cj = cluster_of[i], cluster_of[j]
                if ci == cj or ci in fullset or cj in fullset:
                    continue
                a, b = reps[i], reps[j]
                if (
                    _surnames_match(a, b)
                    and a.initials[:1] == b.initials[:1]
                    and (a.initials[1:2] == b.initials[1:2] or not a.initials[1:]
                         or not b.initials[1:])
                ):
                    join(ci, cj)
        # Surname-only forms: attached to the one cluster with that surname.
        for i in block:
            if reps[i].kind != "surname":
                continue
            fits = sorted(
                {cluster_of[j] for j in block
                 if reps[j].kind != "surname" and _surnames_match(reps[i], reps[j])}
            )
            if len(fits) == 1 and cluster_of[i] != fits[0]:
                join(cluster_of[i], fits[0])
    out: dict[str, int] = {}
    for gi, g in enumerate(groups):
        for s in g:
            out[s] = cluster_of[gi]
    return out



def person_name_rank(s: str, count: int) -> tuple:
    pn = PersonName(s)
    return (
        pn.first is None,  # full first name first
        pn.allcaps,  # "Petrov" before "PETROV"
        pn.reordered,  # "Ivan Petrov" before "Petrov Ivan Sergeevich"
        -count,  # then the most frequent
        -pn.ntok,  # then the most complete
        s,
    )


