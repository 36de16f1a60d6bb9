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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from corpus_cli.entities.definitions import DEF_WORD_RE, initials_match
from corpus_cli.entities.lexicon import (
    CYRILLIC_RE,
    GAZETTEER,
    ORG_HEAD_SINGULAR,
    ORGANISATIONS,
    ORGANISATIONS_CYRILLIC,
    SPELLING,
    fold_confusables,
    is_acronym,
    translit,
)
from corpus_cli.entities.mentions import EVENT, ORG, PERSON, PLACE
from corpus_cli.entities.persons import cluster_persons, person_name_rank, sound_keys
from corpus_cli.models import Entity, EntityMention

__all__ = ["collect_definitions", "merge_entities", "org_key"]

_KEY_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_IS_SUFFIX_RE = re.compile(r"is(ation|ations|e|ed|es|ing)$")
_NON_DIGIT_RE = re.compile(r"\D")
_DEF_WORDS_RE = DEF_WORD_RE


@lru_cache(maxsize=1 << 16)
def org_key(name: str) -> str:
    """Comparison key of an ORG/EVENT/PLACE name: case, "the"s, spelling, hyphens, plural
    head-words ("Forces") and look-alike letters of another script folded."""
    s = fold_confusables(unicodedata.normalize("NFKC", name)).lower().replace("’", "'")
    s = s.replace("-", "").replace("‐", "").replace("–", " ")
    out = []
    for w in _KEY_WORD_RE.findall(s):
        if w == "the":
            continue
        if w.endswith("'s"):
            w = w[:-2]
        w = SPELLING.get(w, w)
        w = ORG_HEAD_SINGULAR.get(w, w)
        if len(w) > 5:
            w = _IS_SUFFIX_RE.sub(r"iz\1", w)
        out.append(w)
    return " ".join(out)


def _strip_the(s: str) -> str:
    return s[4:] if s[:4].lower() == "the " else s


def _org_name_rank(s: str, count: int) -> tuple:
    """Names before acronyms, Latin before Cyrillic, then the most frequent, the longest."""
    return (is_acronym(s), CYRILLIC_RE.search(s) is not None, -count, -len(s), s)


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
    """The type and canonical name of an ORG/PLACE/EVENT name, acronyms resolved."""

    def __init__(self, defs: CorpusDefinitions, known: Mapping[str, str]) -> None:
        self.defs = defs
        self.known = known
        self.latin_acronyms = defs.seen | set(defs.best) | set(known)

    def __call__(self, typ: str, text: str, canonical: str) -> tuple[str, str]:
        defs, known = self.defs, self.known
        c = _strip_the(canonical or text)
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
        if is_acronym(text) and c != text and typ != PERSON:
            typ = defs.type_of.get(c, typ)
            gz = GAZETTEER.get(c.lower())
            if gz is not None:
                typ, c = PLACE, gz
        return typ, c


# A key: (type, comparison key) for a name, (ORG, body's comparison key, parent's key) for
# an organisation named within its parent ("ESPO Joint Staff").
Key = tuple


@dataclass
class _Keyed:
    """Step 2's result: each mention's key (None for a person) and the counts per key."""

    mention_keys: list[list[Key | None]]
    display: dict[Key, Counter]  # key -> canonical names given to its mentions (bodies)
    surfaces: dict[Key, Counter]  # key -> the mentions' texts
    person_counts: Counter  # person surface form -> mentions


def _parent_index(doc: Sequence[EntityMention], i: int, by_text: dict[str, list[int]]
                  ) -> int | None:
    """The mention of a compound's parent: nested in it, else the next one, else any."""
    m = doc[i]
    cands = [j for j in by_text.get(m.parent or "", ()) if j != i]
    if not cands:
        return None
    for j in cands:
        if m.start <= doc[j].start and doc[j].end <= m.end:
            return j
    after = [j for j in cands if doc[j].start >= m.end]
    return after[0] if after else cands[-1]


class _DocKeys:
    """The keys of one document's mentions (a compound's key holds its parent's)."""

    def __init__(self, doc: Sequence[EntityMention], plain, resolve: _Resolver) -> None:
        self.doc, self.plain, self.resolve = doc, plain, resolve
        self.keys: list[Key | None] = [None] * len(doc)
        self.names: list[str] = [""] * len(doc)
        self.parents: set[int] = set()
        self.by_text: dict[str, list[int]] = defaultdict(list)
        for i, m in enumerate(doc):
            if m.type == ORG:
                self.by_text[m.text].append(i)

    def key_of(self, i: int, depth: int = 0) -> Key:
        k = self.keys[i]
        if k is not None:
            return k
        m = self.doc[i]
        if m.parent is None or m.type != ORG or depth > 8:
            k, self.names[i] = self.plain(m.type, m.text, m.canonical)
        else:
            j = _parent_index(self.doc, i, self.by_text)
            if j is None:
                pk = self.plain(ORG, m.parent, m.parent)[0]
            else:
                self.parents.add(j)
                pk = self.key_of(j, depth + 1)
            body, self.names[i] = self.plain(ORG, m.canonical, m.canonical)
            k = (ORG, body[1], pk)
        self.keys[i] = k
        return k

    def attach_bodies(self) -> None:
        """In one document, a body written alone is the compound written with it ("the
        ESPO Joint Staff ... the Joint Staff")."""
        keys = self.keys
        bodies: dict[str, set[Key]] = defaultdict(set)
        for k in keys:
            if k is not None and len(k) == 3:
                bodies[k[1]].add(k)
        if not bodies:
            return
        for i, k in enumerate(keys):
            if (k is not None and len(k) == 2 and k[0] == ORG and i not in self.parents
                    and len(bodies.get(k[1], ())) == 1):
                keys[i] = next(iter(bodies[k[1]]))


def _keys(docs: Sequence[Sequence[EntityMention]], resolve: _Resolver) -> _Keyed:
    mention_keys: list[list[Key | None]] = []
    display: dict[Key, Counter] = defaultdict(Counter)
    surfaces: dict[Key, Counter] = defaultdict(Counter)
    person_counts: Counter = Counter()
    memo: dict[tuple, tuple[Key, str]] = {}

    def plain(typ: str, text: str, canonical: str) -> tuple[Key, str]:
        mk = (typ, text, canonical)
        hit = memo.get(mk)
        if hit is None:
            typ, c = resolve(typ, text, canonical)
            hit = memo[mk] = ((typ, org_key(c) or c.lower()), c)
        return hit

    for doc in docs:
        dk = _DocKeys(doc, plain, resolve)
        for i, m in enumerate(doc):
            if m.type == PERSON:
                person_counts[m.text] += 1
            else:
                dk.key_of(i)
        if dk.parents or any(m.parent is not None for m in doc):
            dk.attach_bodies()
        for i, m in enumerate(doc):
            k = dk.keys[i]
            if k is not None:
                display[k][dk.names[i]] += 1
                surfaces[k][m.text] += 1
        mention_keys.append(dk.keys)
    return _Keyed(mention_keys, display, surfaces, person_counts)


# --------------------------------------------------------------------------- 3. unions


def _depth(k: Key) -> int:
    d = 0
    while len(k) == 3:
        k = k[2]
        d += 1
    return d


def _unions(keyed: _Keyed) -> _UnionFind:
    """Join the keys of one organisation, event or place:

    * keys that differ by a typo (:func:`_fuzzy_union`);
    * compounds, layer by layer from the outermost parents: the same body under parents
      that were joined, a body with a typo, an acronym body ("ESPO RASS") and a body whose
      initials spell it under the same parent ("Regional Anti-Smuggling Structure of the
      ESPO"), a compound written as one plain name ("ESPO Regional Anti-Smuggling
      Structure");
    * a body written alone anywhere ("Joint Staff") with the one compound that has it, when
      no other organisation has such a body (under another parent, or written as one name:
      "Latvian Security Council", "Security Council of Latvia").
    """
    uf = _UnionFind()
    keys = sorted(keyed.display)
    for k in keys:
        uf.find(k)
    plain = [k for k in keys if len(k) == 2]
    _fuzzy_union([(k, k[0], k[1], None) for k in plain], uf)
    compounds = [k for k in keys if len(k) == 3]
    if not compounds:
        _cross_script(keyed, uf)
        return uf
    plain_index = {k[1]: k for k in plain if k[0] == ORG}
    for depth in sorted({_depth(k) for k in compounds}):
        layer = [k for k in compounds if _depth(k) == depth]
        members: dict[Key, list[Key]] = defaultdict(list)
        for k in keys:
            members[uf.find(k)].append(k)
        same: dict[tuple, Key] = {}
        for k in layer:
            pr = uf.find(k[2])
            first = same.setdefault((k[1], pr), k)
            uf.union(first, k)
            for q in members.get(pr, ()):
                if len(q) == 2:
                    for spelled in (f"{q[1]} {k[1]}", f"{k[1]} of {q[1]}"):
                        if spelled in plain_index:
                            uf.union(plain_index[spelled], k)
        _fuzzy_union([(k, ORG, k[1], uf.find(k[2])) for k in layer], uf)
        by_parent: dict[Key, list[Key]] = defaultdict(list)
        for k in layer:
            by_parent[uf.find(k[2])].append(k)
        for group in by_parent.values():
            for k in group:
                if not is_acronym(k[1].upper()):
                    continue
                letters = k[1].lower()
                fits = sorted({
                    uf.find(q) for q in group
                    if q[1] != k[1] and any(
                        len(w := _DEF_WORDS_RE.findall(name)) > 1
                        and initials_match(letters, w)
                        for name in keyed.display[q]
                    )
                })
                if len(fits) == 1:
                    uf.union(fits[0], k)
    _cross_script(keyed, uf)
    bodies: dict[str, set[Key]] = defaultdict(set)
    for k in compounds:
        bodies[k[1]].add(k)
    # Other organisations with such a body, written otherwise ("Latvian Security Council",
    # "Security Council of Latvia"), make a body written alone ambiguous.
    owners: dict[str, set[Key]] = defaultdict(set)
    for q in plain:
        if q[0] != ORG:
            continue
        words = q[1].split(" ")
        for i in range(1, len(words)):
            if words[i] == "of" and " ".join(words[:i]) in bodies:
                owners[" ".join(words[:i])].add(uf.find(q))
            if " ".join(words[i:]) in bodies:
                owners[" ".join(words[i:])].add(uf.find(q))
    for q in plain:
        if q[0] == ORG and q[1] in bodies:
            roots = {uf.find(k) for k in bodies[q[1]]}
            if len(roots) == 1 and not owners.get(q[1], set()) - roots:
                uf.union(q, roots.pop())
    return uf


def _cross_script(keyed: _Keyed, uf: _UnionFind) -> None:
    """A place written in Cyrillic joins the one place written in Latin letters that sounds
    the same ("Урумчи"/"Urumqi", "в Харбине"/"Harbin")."""
    cyrillic = [k for k in keyed.display if k[0] == PLACE and len(k) == 2
                and CYRILLIC_RE.search(k[1])]
    if not cyrillic:
        return
    latin: dict[str, set[Key]] = defaultdict(set)
    for k in keyed.display:
        if k[0] == PLACE and len(k) == 2 and not CYRILLIC_RE.search(k[1]):
            for name in keyed.display[k]:
                for sk in sound_keys(name):
                    latin[sk].add(k)
    for k in sorted(cyrillic):
        roots = {uf.find(q) for name in keyed.display[k] for sk in sound_keys(name)
                 for q in latin.get(sk, ())}
        if len(roots) == 1:
            uf.union(roots.pop(), k)


def _fuzzy_union(items: Iterable[tuple[Key, str, str, object]], uf: _UnionFind) -> None:
    """Union ORG/EVENT keys that differ by a typo (ratio >= 95, long names, same digits).
    ``items``: (key, type, comparison string, group): only keys of one group are compared."""
    from rapidfuzz.fuzz import ratio

    blocks: dict[tuple, list[tuple[str, Key]]] = defaultdict(list)
    for key, typ, s, group in items:
        if typ not in (ORG, EVENT) or len(s) < 20 or " " not in s:
            continue
        words = s.split()
        blocks[(typ, group, words[0][:3], words[-1])].append((s, key))
    for members in blocks.values():
        if len(members) < 2 or len(members) > 300:
            continue
        members.sort()
        for i in range(len(members)):
            a = members[i][0]
            da = _NON_DIGIT_RE.sub("", a)
            for j in range(i):
                b = members[j][0]
                if _NON_DIGIT_RE.sub("", b) != da:
                    continue
                if ratio(a, b) >= 95:
                    uf.union(members[i][1], members[j][1])


# --------------------------------------------------------------------------- 4. entities


def _is_junk(group: list[Key], keyed: _Keyed) -> bool:
    """An organisation known only as a short acronym that nothing explains: written in
    two or three capitals, defined nowhere in the corpus, not in the gazetteer, not part of
    a compound name ("RUS", "TV", "PM")."""
    for k in group:
        if k[0] != ORG or len(k) != 2:
            return False
        for s in keyed.surfaces[k]:
            if not is_acronym(s) or sum(ch.isalpha() for ch in s) > 3:
                return False
        for c in keyed.display[k]:
            if c not in keyed.surfaces[k]:
                return False  # resolved: a definition or the gazetteer explains it
    return True


class _Namer:
    """The canonical name of each group of keys."""

    def __init__(self, keyed: _Keyed, uf: _UnionFind, groups: dict[Key, list[Key]]) -> None:
        self.keyed, self.uf, self.groups = keyed, uf, groups
        self.names: dict[Key, str] = {}
        self.shorts: dict[Key, str | None] = {}
        self.parents: dict[Key, Key | None] = {}

    def parent_root(self, root: Key) -> Key | None:
        """The parent of a group of compounds (of its most mentioned compound key)."""
        if root in self.parents:
            return self.parents[root]
        comps = [k for k in self.groups[root] if len(k) == 3]
        best = min(comps, key=lambda k: (-sum(self.keyed.surfaces[k].values()), k),
                   default=None)
        pr = self.parents[root] = self.uf.find(best[2]) if best is not None else None
        return pr

    def short(self, root: Key, depth: int = 0) -> str | None:
        """A short name: the organisation's Latin acronym ("ESPO"), or for a compound its
        parent's and its own ("ESPO RASS"); None without one."""
        if root in self.shorts:
            return self.shorts[root]
        cnt: Counter = Counter()
        for k in self.groups[root]:
            for s, n in (*self.keyed.surfaces[k].items(), *self.keyed.display[k].items()):
                if is_acronym(s) and not CYRILLIC_RE.search(s):
                    cnt[s] += n
        own = min(cnt.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0] if cnt else None
        parent = self.parent_root(root)
        if parent is not None and depth < 8:
            up = self.short(parent, depth + 1)
            own = f"{up} {own}" if up and own else None
        self.shorts[root] = own
        return own

    def name(self, root: Key, depth: int = 0) -> str:
        if root in self.names:
            return self.names[root]
        keyed = self.keyed
        group = self.groups[root]
        cnt: Counter = Counter()
        parent = self.parent_root(root) if root[0] != PERSON else None
        bodies = {k[1] for k in group if len(k) == 3}
        for k in group:
            # a compound's name is made of its parent's and its body's: the names of a
            # compound written as one plain name ("United Nations Security Council") are
            # not bodies
            if parent is None or len(k) == 3 or k[1] in bodies:
                cnt.update(keyed.display[k])
        if root[0] == PERSON:
            name = min(cnt.items(), key=lambda kv: person_name_rank(*kv))[0]
        else:
            body = min(cnt.items(), key=lambda kv: _org_name_rank(*kv))[0]
            name = body
            if parent is not None:
                up = self.short(parent) if depth < 8 else None
                if up:
                    name = f"{up} {body}"
                else:
                    written: Counter = Counter()
                    for k in group:
                        if len(k) == 3:
                            written.update(keyed.surfaces[k])
                    name = min(written.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0]
        self.names[root] = name
        return name


def _entities(
    docs: Sequence[Sequence[EntityMention]],
    keyed: _Keyed,
    uf: _UnionFind,
    person_cluster: Mapping[str, int],
) -> tuple[list[Entity], list[list[EntityMention]]]:
    """One entity per group of keys (or person cluster); the mentions renamed to it."""
    groups: dict[Key, list[Key]] = defaultdict(list)
    for k in sorted(keyed.display):
        groups[uf.find(k)].append(k)
    person_counts = keyed.person_counts
    for s, cid in person_cluster.items():
        root = (PERSON, cid)
        keyed.display[root][s] += person_counts[s]
        keyed.surfaces[root][s] += person_counts[s]
        groups[root] = [root]
    junk = {root for root, group in groups.items() if _is_junk(group, keyed)}
    namer = _Namer(keyed, uf, groups)

    articles: Counter = Counter()
    mentions_out: list[list[EntityMention]] = []
    named: dict[Key, tuple[str, str | None]] = {}  # root -> its name, its parent's name
    for doc, keys in zip(docs, keyed.mention_keys, strict=True):
        roots_here = set()
        new_doc = []
        for m, k in zip(doc, keys, strict=True):
            root = (PERSON, person_cluster[m.text]) if k is None else uf.find(k)
            if root in junk:
                continue
            roots_here.add(root)
            hit = named.get(root)
            if hit is None:
                pr = namer.parent_root(root) if root[0] == ORG else None
                hit = named[root] = (namer.name(root),
                                     namer.name(pr) if pr is not None else None)
            name, parent = hit
            new_doc.append(
                m if m.canonical == name and m.parent == parent
                else EntityMention(m.text, m.start, m.end, m.type, name, m.role, parent)
            )
        for r in roots_here:
            articles[r] += 1
        mentions_out.append(new_doc)

    entities = []
    for root, group in groups.items():
        if root in junk:
            continue
        name = namer.name(root)
        surf: Counter = Counter()
        aliases = {name}
        for k in group:
            surf.update(keyed.surfaces[k])
            if len(k) == 2:  # a compound's display is its body, not a name of it
                aliases.update(keyed.display[k])
        aliases.update(surf)
        entities.append(
            Entity(
                name=name,
                type=root[0],
                aliases=tuple(sorted(aliases)),
                mentions=sum(surf.values()),
                articles=articles[root],
            )
        )
    entities.sort(key=lambda e: (-e.mentions, e.name, e.type))
    return entities, mentions_out


def merge_entities(
    docs: Sequence[Sequence[EntityMention]],
    known_acronyms: Mapping[str, str] | None = None,
    on_error: Callable[[str, BaseException], None] | None = None,
) -> tuple[list[Entity], list[list[EntityMention]]]:
    """Merge aliases across documents into canonical entities.

    ``docs`` holds the mentions of each document (article). Returns the entities, sorted by
    number of mentions (descending) then name, and the documents' mentions with
    ``canonical`` set to their entity's name (and ``parent`` to their parent
    organisation's). Mentions of junk acronyms (see :func:`_is_junk`) are left out of both.
    The result does not depend on the order of ``docs``. ``known_acronyms`` (acronym ->
    expansion) resolves acronyms not defined in their own document, before the definitions
    found in other documents.
    """
    docs = [list(d) for d in docs]
    known = {**ORGANISATIONS_CYRILLIC, **(known_acronyms or {})}
    defs = collect_definitions(docs)
    keyed = _keys(docs, _Resolver(defs, known))
    uf = _unions(keyed)
    person_cluster: Mapping[str, int] = {}
    if keyed.person_counts:
        try:
            person_cluster = cluster_persons(keyed.person_counts)
        except Exception as exc:  # a bug must not cost the run its entities
            if on_error is None:
                raise
            on_error("person names", exc)
            # each way of writing a name its own person
            person_cluster = {s: i for i, s in enumerate(sorted(keyed.person_counts))}
    return _entities(docs, keyed, uf, person_cluster)


def unmerged_entities(
    docs: Sequence[Sequence[EntityMention]],
) -> tuple[list[Entity], list[list[EntityMention]]]:
    """The entities of ``docs`` without merging across documents: each mention keeps the
    name its finder gave it (what a run keeps when :func:`merge_entities` fails); sorted
    like :func:`merge_entities`'s."""
    mentions: Counter = Counter()
    articles: Counter = Counter()
    aliases: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc in docs:
        here = set()
        for m in doc:
            key = (m.canonical, m.type)
            mentions[key] += 1
            aliases[key].update((m.canonical, m.text))
            here.add(key)
        articles.update(here)
    entities = [Entity(name=name, type=type_, aliases=tuple(sorted(aliases[(name, type_)])),
                       mentions=n, articles=articles[(name, type_)])
                for (name, type_), n in mentions.items()]
    entities.sort(key=lambda e: (-e.mentions, e.name, e.type))
    return entities, [list(d) for d in docs]
