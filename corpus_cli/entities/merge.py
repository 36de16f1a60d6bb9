"""Alias merging across documents: acronyms and their expansions, spelling variants,
transliterations and name forms become canonical :class:`~corpus_cli.models.Entity` records.

:func:`merge_entities` runs four steps, each a function here:

1. :func:`collect_definitions` - the acronym definitions seen in any document;
2. :class:`_Resolver` and :func:`_keys` - each ORG/PLACE/EVENT mention's comparison key
   (acronyms resolved to their expansion, then spelling, case and hyphens folded), keys that
   differ by a typo joined;
3. :func:`~corpus_cli.entities.persons.cluster_persons` - person name forms clustered;
4. :func:`_entities` - one canonical name per group, the mentions rewritten to it.

The result does not depend on the order of the documents: every choice is made on counts,
and ties are broken by the names themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from corpus_cli.entities.lexicon import (
    CYRILLIC_RE,
    GAZETTEER,
    ORGANISATIONS,
    ORGANISATIONS_CYRILLIC,
    SPELLING,
    is_acronym,
    translit,
)
from corpus_cli.entities.mentions import EVENT, ORG, PERSON, PLACE
from corpus_cli.entities.persons import cluster_persons, person_name_rank
from corpus_cli.models import Entity, EntityMention

__all__ = ["collect_definitions", "merge_entities", "org_key"]

_KEY_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_IS_SUFFIX_RE = re.compile(r"is(ation|ations|e|ed|es|ing)$")
_NON_DIGIT_RE = re.compile(r"\D")


def org_key(name: str) -> str:
    """Comparison key of an ORG/EVENT/PLACE name: case, "the", spelling and hyphens folded."""
    s = unicodedata.normalize("NFKC", name).lower().replace("’", "'")
    s = s.replace("-", "").replace("‐", "").replace("–", " ")
    words = _KEY_WORD_RE.findall(s)
    if words and words[0] == "the":
        words = words[1:]
    out = []
    for w in words:
        if w.endswith("'s"):
            w = w[:-2]
        w = SPELLING.get(w, w)
        if len(w) > 5:
            w = _IS_SUFFIX_RE.sub(r"iz\1", w)
        out.append(w)
    return " ".join(out)


def _strip_the(s: str) -> str:
    return s[4:] if s[:4].lower() == "the " else s


def _org_name_rank(s: str, count: int) -> tuple:
    return (is_acronym(s), -count, -len(s), s)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _fuzzy_union(keys: Iterable[tuple[str, str]], uf: _UnionFind) -> None:
    """Union ORG/EVENT keys that differ by a typo (ratio >= 95, long names, same digits)."""
    from rapidfuzz.fuzz import ratio

    blocks: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
    for typ, key in keys:
        if typ not in (ORG, EVENT) or len(key) < 20 or " " not in key:
            continue
        words = key.split()
        blocks[(typ, words[0][:3], words[-1])].append((typ, key))
    for members in blocks.values():
        if len(members) < 2 or len(members) > 300:
            continue
        members.sort()
        for i in range(len(members)):
            a = members[i][1]
            da = _NON_DIGIT_RE.sub("", a)
            for j in range(i):
                b = members[j][1]
                if _NON_DIGIT_RE.sub("", b) != da:
                    continue
                if ratio(a, b) >= 95:
                    uf.union(members[i], members[j])


# --------------------------------------------------------------------------- 1. definitions


@dataclass
class CorpusDefinitions:
    """The acronym definitions of a corpus (counted once per document)."""

    best: dict[str, str] = field(default_factory=dict)  # acronym -> its most used expansion
    type_of: dict[str, str] = field(default_factory=dict)  # expansion -> its most used type
    seen: set[str] = field(default_factory=set)  # every acronym mentioned


def collect_definitions(docs: Sequence[Sequence[EntityMention]]) -> CorpusDefinitions:
    """The expansions given to acronyms in any document (a mention whose canonical differs
    from its text), the most frequent first."""
    defs: dict[str, Counter] = defaultdict(Counter)
    def_types: dict[str, Counter] = defaultdict(Counter)
    acronyms_seen: set[str] = set()
    for doc in docs:
        seen: set[tuple[str, str]] = set()
        for m in doc:
            if m.type == PERSON or not is_acronym(m.text):
                continue
            acronyms_seen.add(m.text)
            c = _strip_the(m.canonical) if m.canonical else m.text
            if c != m.text and (m.text, c) not in seen:
                seen.add((m.text, c))
                defs[m.text][c] += 1
                if not is_acronym(c):
                    def_types[c][m.type] += 1
    best = {
        a: min(cnt.items(), key=lambda kv: (-kv[1], is_acronym(kv[0]), kv[0]))[0]
        for a, cnt in defs.items()
    }
    type_of = {
        c: min(cnt.items(), key=lambda kv: (-kv[1], kv[0]))[0] for c, cnt in def_types.items()
    }
    return CorpusDefinitions(best, type_of, acronyms_seen)


# --------------------------------------------------------------------------- 2. keys


class _Resolver:
    """The type and canonical name of an ORG/PLACE/EVENT mention, acronyms resolved."""

    def __init__(self, defs: CorpusDefinitions, known: Mapping[str, str]) -> None:
        self.defs = defs
        self.known = known
        self.latin_acronyms = defs.seen | set(defs.best) | set(known)

    def __call__(self, m: EntityMention) -> tuple[str, str]:
        defs, known = self.defs, self.known
        c = _strip_the(m.canonical or m.text)
        typ = m.type
        for _ in range(5):
            if not is_acronym(c):
                break
            nxt = known.get(c) or defs.best.get(c)
            if nxt is None and c in defs.seen:
                nxt = ORGANISATIONS.get(c)
            if nxt is None and CYRILLIC_RE.search(c):
                t = translit(c).upper()
                if t in self.latin_acronyms and t != c:
                    nxt = t
            if not nxt or nxt == c:
                break
            c = nxt
        if is_acronym(m.text) and c != m.text and typ != PERSON:
            typ = defs.type_of.get(c, typ)
            gz = GAZETTEER.get(c.lower())
            if gz is not None:
                typ, c = PLACE, gz
        return typ, c


Key = tuple[str, str]  # (type, comparison key)


@dataclass
class _Keyed:
    """Step 2's result: each mention's key (None for a person) and the counts per key."""

    mention_keys: list[list[Key | None]]
    display: dict[Key, Counter]  # key -> canonical names given to its mentions
    surfaces: dict[Key, Counter]  # key -> the mentions' texts
    person_counts: Counter  # person surface form -> mentions


def _keys(docs: Sequence[Sequence[EntityMention]], resolve: _Resolver) -> _Keyed:
    mention_keys: list[list[Key | None]] = []
    display: dict[Key, Counter] = defaultdict(Counter)
    surfaces: dict[Key, Counter] = defaultdict(Counter)
    person_counts: Counter = Counter()
    memo: dict[tuple[str, str, str], tuple[Key, str]] = {}
    for doc in docs:
        keys: list[Key | None] = []
        for m in doc:
            if m.type == PERSON:
                person_counts[m.text] += 1
                keys.append(None)
                continue
            mk = (m.type, m.text, m.canonical)
            hit = memo.get(mk)
            if hit is None:
                typ, c = resolve(m)
                hit = memo[mk] = ((typ, org_key(c) or c.lower()), c)
            k, c = hit
            display[k][c] += 1
            surfaces[k][m.text] += 1
            keys.append(k)
        mention_keys.append(keys)
    return _Keyed(mention_keys, display, surfaces, person_counts)


# --------------------------------------------------------------------------- 4. entities


def _entities(
    docs: Sequence[Sequence[EntityMention]],
    keyed: _Keyed,
    uf: _UnionFind,
    person_cluster: Mapping[str, int],
) -> tuple[list[Entity], list[list[EntityMention]]]:
    """One entity per group of keys (or person cluster); the mentions renamed to it."""
    groups_disp: dict[tuple, Counter] = defaultdict(Counter)
    groups_surf: dict[tuple, Counter] = defaultdict(Counter)
    for k, cnt in keyed.display.items():
        root = uf.find(k)
        groups_disp[root].update(cnt)
        groups_surf[root].update(keyed.surfaces[k])
    person_counts = keyed.person_counts
    for s, cid in person_cluster.items():
        root = (PERSON, cid)
        groups_disp[root][s] += person_counts[s]
        groups_surf[root][s] += person_counts[s]
    names: dict[tuple, str] = {}
    for root, cnt in groups_disp.items():
        rank = person_name_rank if root[0] == PERSON else _org_name_rank
        names[root] = min(cnt.items(), key=lambda kv, rank=rank: rank(*kv))[0]

    articles: Counter = Counter()
    mentions_out: list[list[EntityMention]] = []
    for doc, keys in zip(docs, keyed.mention_keys, strict=True):
        roots_here = set()
        new_doc = []
        for m, k in zip(doc, keys, strict=True):
            root = (PERSON, person_cluster[m.text]) if k is None else uf.find(k)
            roots_here.add(root)
            name = names[root]
            new_doc.append(
                m if m.canonical == name
                else EntityMention(m.text, m.start, m.end, m.type, name, m.role)
            )
        for r in roots_here:
            articles[r] += 1
        mentions_out.append(new_doc)

    entities = []
    for root, cnt in groups_disp.items():
        name = names[root]
        aliases = set(groups_surf[root]) | set(cnt)
        aliases.add(name)
        entities.append(
            Entity(
                name=name,
                type=root[0],
                aliases=tuple(sorted(aliases)),
                mentions=sum(groups_surf[root].values()),
                articles=articles[root],
            )
        )
    entities.sort(key=lambda e: (-e.mentions, e.name, e.type))
    return entities, mentions_out


def merge_entities(
    docs: Sequence[Sequence[EntityMention]],
    known_acronyms: Mapping[str, str] | None = None,
) -> tuple[list[Entity], list[list[EntityMention]]]:
    """Merge aliases across documents into canonical entities.

    ``docs`` holds the mentions of each document (article). Returns the entities, sorted by
    number of mentions (descending) then name, and the documents' mentions with
    ``canonical`` set to their entity's name. The result does not depend on the order of
    ``docs``. ``known_acronyms`` (acronym -> expansion) resolves acronyms not defined in
    their own document, before the definitions found in other documents.
    """
    docs = [list(d) for d in docs]
    known = {**ORGANISATIONS_CYRILLIC, **(known_acronyms or {})}
    defs = collect_definitions(docs)
    keyed = _keys(docs, _Resolver(defs, known))
    uf = _UnionFind()
    for k in keyed.display:
        uf.find(k)
    _fuzzy_union(sorted(keyed.display), uf)
    person_cluster = cluster_persons(keyed.person_counts) if keyed.person_counts else {}
    return _entities(docs, keyed, uf, person_cluster)
