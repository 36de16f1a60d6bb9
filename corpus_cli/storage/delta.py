"""The delta write: a run over a store that already holds a corpus writes only the rows
that differ from what is stored (see :class:`corpus_cli.storage.store.Writer`).

The store a delta write leaves holds exactly the rows a fresh run writes (every table,
every column), except for the surrogate rowids: rows that did not change keep theirs, new
rows take new ones. Nothing a user sees depends on rowid order (every query orders
explicitly). The comparison, by table:

* **pages** by path: a page row equal but for ``seq`` and ``mtime_ns`` gets those two
  updated; any other difference makes the page *changed*.
* **paragraphs**: those of changed, new and removed pages are deleted and inserted again;
  those of the other pages (same content, same cleaning) keep their rows, and only their
  dedupe columns (``cluster_id``, ``kept_id``, ``similarity``, ``rule``) are updated where
  they differ. Which pages to look at says **page_dedupe**, a digest per page of its
  paragraph ids and dedupe columns (:func:`paragraph_digests`): only the paragraphs of the
  pages whose digest differs from the stored one are read back and compared by id in page
  order. A page whose paragraph ids differ is changed.
* **clusters** by id, comparing the whole row (the members as stored JSON).
* **items** by id and ``digest`` (a hash of everything the item shows); ``annotation_key``
  and ``mentions`` compared too. A changed item keeps its rowid; a new one takes the next
  free one. Its ``sources`` and ``entity_mentions`` rows are written again.
* **items_fts** (external content): the old title and text of removed or re-titled/
  re-worded items are taken out with FTS5's ``'delete'`` command, the new ones inserted.
* **entities** by (name, type), with their ``entity_aliases``; **problems** rewritten.

Past :data:`DELTA_MAX` of the paragraphs to write again, the bulk write (every row again,
indexes built after) is cheaper and is used instead.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

# Past this share of the corpus's paragraphs inserted, deleted or updated, the bulk write
# is used (see benchmarks/README.md, "the store write of a re-run").
DELTA_MAX = 0.3

# the columns of a page row that a page can change without its paragraphs changing
_SEQ, _MTIME = 1, 9


def _page_key(row: Sequence) -> tuple:
    """A page row without ``seq`` and ``mtime_ns``."""
    return (*row[:_SEQ], *row[_SEQ + 1 : _MTIME], *row[_MTIME + 1 :])


@dataclass
class Stored:
    """What a delta write reads of the stored corpus before it writes."""

    pages: dict[str, tuple]  # path -> page row
    paragraphs: int
    index_token: str | None
    signatures: dict | None = None  # how the stored signatures were made (meta)


@dataclass
class ParagraphPlan:
    """The paragraph-side rows to write."""

    rewrite: list[str] = field(default_factory=list)  # paths whose paragraphs go
    remove_pages: list[str] = field(default_factory=list)
    page_rows: list[tuple] = field(default_factory=list)  # INSERT OR REPLACE
    page_moves: list[tuple] = field(default_factory=list)  # (seq, mtime_ns, path)
    insert_pages: list = field(default_factory=list)  # CleanPages whose paragraphs go in
    updates: list[tuple] = field(default_factory=list)  # (cluster, kept, sim, rule, rowid)
    digests: list[tuple] = field(default_factory=list)  # page_dedupe rows: INSERT OR REPLACE


def stored(conn: sqlite3.Connection, clean_key) -> Stored | None:
    """The stored corpus to compare with, when a delta write can be made over it: a store
    of the current schema that holds pages cleaned under ``clean_key``; else ``None``."""
    meta = {k: v for k, v in conn.execute("SELECT key, value FROM meta")}
    try:
        if json.loads(meta.get("clean_key", "null")) != clean_key or clean_key is None:
            return None
        token = json.loads(meta.get("index_token", "null"))
        sigs = json.loads(meta.get("signatures", "null"))
    except ValueError:
        return None
    pages = {r[0]: tuple(r) for r in conn.execute("SELECT * FROM pages")}
    if not pages:
        return None
    n = sum(r[11] for r in pages.values())
    return Stored(pages, n, token if isinstance(token, str) else None,
                  sigs if isinstance(sigs, dict) else None)


def paragraph_digests(pages: Sequence, drops: Mapping, cluster_of: Mapping
                      ) -> dict[str, str]:
    """``path -> digest`` of each page's paragraphs as the paragraphs table holds them: their
    ids, clusters and drops (kept copy, similarity, rule) in page order (the rows of
    ``page_dedupe``)."""
    import hashlib
    from operator import attrgetter

    get_drop = drops.get
    get_cluster = cluster_of.get
    ident = attrgetter("id")
    blake = hashlib.blake2b
    out: dict[str, str] = {}
    for cp in pages:
        ids = list(map(ident, cp.paragraphs))
        text = "\x1d".join((
            "\x1f".join(ids), "\x1f".join(map(str, map(get_cluster, ids))),
            "\x1f".join(["" if d is None else f"{d.kept_id}\x1e{d.score!r}\x1e{d.reason}"
                         for d in map(get_drop, ids)])))
        out[cp.page.path] = blake(text.encode("utf-8", "surrogatepass"),
                                  digest_size=12).hexdigest()
    return out


# Past this share of the stored pages whose paragraphs are to be compared, they are read in
# one scan of the table instead of page by page (by the paragraphs_path index): at 1M
# paragraphs (57,146 pages) reading 8,725 pages one by one took 0.24 s, 40,000 pages
# 1.18 s, the scan 1.07-1.15 s (2026-12-08).
SCAN_SHARE = 0.7


def _stored_digests(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return dict(conn.execute("SELECT path, digest FROM page_dedupe"))
    except sqlite3.OperationalError:  # a store written before the table was
        return {}


def _paragraph_rows_of(conn: sqlite3.Connection, paths: Sequence[str], stored: int
                       ) -> Iterable:
    """``(path, rows)`` of these pages' stored paragraphs (rowid, id and dedupe columns),
    in page order; a page without paragraphs is not given. ``stored``: how many pages the
    store holds."""
    query = "SELECT path, rowid, id, cluster_id, kept_id, similarity, rule FROM paragraphs"
    if len(paths) > SCAN_SHARE * stored:
        wanted = set(paths)
        for path, rows in groupby(conn.execute(query + " ORDER BY path, idx"),
                                  key=lambda r: r[0]):
            if path in wanted:
                yield path, list(rows)
        return
    for path in paths:
        rows = conn.execute(query + " WHERE path = ? ORDER BY idx", (path,)).fetchall()
        if rows:
            yield path, rows


def plan_paragraphs(conn: sqlite3.Connection, old: Stored, pages: Sequence,
                    page_rows: Sequence[tuple], drops: Mapping, cluster_of: Mapping,
                    n_rows: int, digests: Mapping[str, str]) -> ParagraphPlan | None:
    """What to write of the pages and paragraphs, or ``None`` when the bulk write is
    cheaper (more than :data:`DELTA_MAX` of the paragraphs to write). ``digests`` are the
    pages' :func:`paragraph_digests`."""
    plan = ParagraphPlan()
    budget = DELTA_MAX * max(n_rows, old.paragraphs, 1)
    cost = 0
    same: dict[str, object] = {}  # path -> CleanPage, content as stored
    row_of: dict[str, tuple] = {}
    for cp, row in zip(pages, page_rows, strict=True):
        path = row[0]
        row_of[path] = row
        was = old.pages.get(path)
        if was is not None and _page_key(was) == _page_key(row):
            same[path] = cp
            if was[_SEQ] != row[_SEQ] or was[_MTIME] != row[_MTIME]:
                plan.page_moves.append((row[_SEQ], row[_MTIME], path))
            continue
        if was is not None:
            plan.rewrite.append(path)
            cost += was[11]
        plan.page_rows.append(row)
        plan.insert_pages.append(cp)
        plan.digests.append((path, digests[path]))
        cost += len(cp.paragraphs)
    for path, was in old.pages.items():
        if path not in row_of:
            plan.remove_pages.append(path)
            plan.rewrite.append(path)
            cost += was[11]
    if cost > budget:
        return None
    # the paragraphs of the pages as stored: only their dedupe columns can differ, and
    # only where the page's digest differs from the stored one
    stored_digests = _stored_digests(conn)
    check = [path for path in same if stored_digests.get(path) != digests[path]]
    get_drop = drops.get
    get_cluster = cluster_of.get
    for path, rows in _paragraph_rows_of(conn, check, len(old.pages)):
        cp = same[path]
        paras = cp.paragraphs
        plan.digests.append((path, digests[path]))
        if len(rows) != len(paras) or any(r[2] != p.id for r, p in zip(rows, paras,
                                                                       strict=True)):
            # not the paragraphs stored after all: written again
            plan.rewrite.append(path)
            plan.page_rows.append(row_of[path])
            plan.insert_pages.append(cp)
            cost += len(rows) + len(paras)
            del same[path]
            continue
        for r, p in zip(rows, paras, strict=True):
            pid = p.id
            d = get_drop(pid)
            new = ((get_cluster(pid), None, None, None) if d is None else
                   (get_cluster(pid), d.kept_id, d.score, d.reason))
            if new != (r[3], r[4], r[5], r[6]):
                plan.updates.append((*new, r[1]))
        if cost + len(plan.updates) > budget:
            return None
        same[path] = None  # seen
    missing = [p for p in check if same.get(p) is not None]
    for path in missing:  # a stored page row without its paragraphs: written again
        cp = same[path]
        if cp.paragraphs:
            plan.rewrite.append(path)
            plan.page_rows.append(row_of[path])
            plan.insert_pages.append(cp)
            cost += len(cp.paragraphs)
        plan.digests.append((path, digests[path]))
    if cost + len(plan.updates) > budget:
        return None
    return plan


def cluster_changes(conn: sqlite3.Connection, rows: Sequence[tuple]
                    ) -> tuple[list[str], list[tuple]]:
    """The ids of the stored clusters to delete and the rows to insert (a changed cluster
    is both) for the cluster rows ``rows``."""
    new = {r[0]: r for r in rows}
    delete: list[str] = []
    for r in conn.execute("SELECT id, kind, kept_id, size, pages, members FROM clusters"):
        want = new.get(r[0])
        if want is None:
            delete.append(r[0])
        elif tuple(r) == want:
            del new[r[0]]
        else:
            delete.append(r[0])
    return delete, list(new.values())


def page_items_changes(conn: sqlite3.Connection, page_rows: Sequence[tuple],
                       page_items: Mapping[str, str]) -> tuple[list[str], list[tuple]]:
    """The paths of the stored ``page_items`` rows to delete and the rows to insert (a
    changed one is both), for the pages of ``page_rows`` and their items ``page_items``."""
    new = {r[0]: page_items[r[0]] for r in page_rows if r[0] in page_items}
    delete: list[str] = []
    for path, items in conn.execute("SELECT path, items FROM page_items"):
        want = new.get(path)
        if want == items:
            del new[path]
        else:
            delete.append(path)
    return delete, list(new.items())


@dataclass
class ItemPlan:
    """The item-side rows to write (items by their position in the items written); the
    new and changed ones have their row in ``rows``."""

    rows: dict[int, tuple] = field(default_factory=dict)
    delete: list[tuple[int, str]] = field(default_factory=list)  # (rowid, id) removed
    replace: list[int] = field(default_factory=list)  # positions of new/changed items
    changed: list[int] = field(default_factory=list)  # positions of changed ones
    fts_delete: list[int] = field(default_factory=list)  # rowids, old title/text out
    fts_insert: list[int] = field(default_factory=list)  # positions, new title/text in
    annotations: list[tuple] = field(default_factory=list)  # (key, mentions, rowid)


def plan_items(conn: sqlite3.Connection, rows: Iterable[tuple], rowids: Sequence[int],
               keys, mentions) -> ItemPlan:
    """Compare the item rows to write (``_item_row`` rows, digest last, streamed: only
    those to write are kept; ``rowids`` their rowids, a stored item's its stored one) with
    the stored items."""
    old = {r[0]: (r[1], r[2], r[3], r[4]) for r in conn.execute(
        "SELECT id, rowid, digest, annotation_key, mentions FROM items")}
    plan = ItemPlan()
    for n, row in enumerate(rows):
        ident = row[1]
        key = keys[n] if keys is not None else None
        ment = mentions[n] if mentions is not None else None
        was = old.pop(ident, None)
        if was is None:
            plan.rows[n] = row
            plan.replace.append(n)
            plan.fts_insert.append(n)
            continue
        rowid, digest, okey, oment = was
        if rowid != rowids[n]:
            raise ValueError(f"item {ident}: rowid {rowids[n]} given, {rowid} stored")
        if digest != row[-1]:
            plan.rows[n] = row
            plan.replace.append(n)
            plan.changed.append(n)
        elif (okey, oment) != (key, ment):
            plan.annotations.append((key, ment, rowid))
    plan.delete = [(v[0], k) for k, v in old.items()]
    plan.fts_delete += [r for r, _ in plan.delete]
    if plan.changed:
        # what FTS5 holds of an item: its title and text
        olds = {}
        ids = [rowids[n] for n in plan.changed]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = ",".join("?" * len(chunk))
            for r in conn.execute(
                    f"SELECT rowid, title, text FROM items"  # noqa: S608
                    f" WHERE rowid IN ({q})", chunk):
                olds[r[0]] = tuple(r[1:])
        for n in plan.changed:
            row = plan.rows[n]
            rowid = rowids[n]
            if olds[rowid] != (row[3], row[8]):
                plan.fts_delete.append(rowid)
                plan.fts_insert.append(n)
    return plan


def entity_changes(conn: sqlite3.Connection, rows: Sequence[tuple]
                   ) -> tuple[list[tuple], list[tuple]]:
    """The stored entities to delete, as (name, type, aliases JSON), and the entity rows to
    insert (a changed entity is both)."""
    new = {(r[0], r[1]): r for r in rows}
    delete: list[tuple] = []
    for r in conn.execute("SELECT name, type, aliases, mentions, items FROM entities"):
        r = tuple(r)
        want = new.get(r[:2])
        if want == r:
            del new[r[:2]]
        else:
            delete.append(r[:3])
    return delete, list(new.values())
