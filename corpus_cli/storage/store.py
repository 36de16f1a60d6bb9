"""The corpus store: one SQLite file. The only module that knows the on-disk format.

* Identified by ``PRAGMA application_id`` and versioned by ``PRAGMA user_version``; a file
  that is not SQLite, not a corpus store, or from a newer version gives a :class:`StoreError`.
* Written in one transaction per run (WAL journal): a run killed at any moment leaves the
  previous corpus intact, and readers keep working while a run writes.
* Pages, paragraphs with provenance and drop reasons, clusters, items (articles and briefs)
  with their dates and entities, entities with aliases, and a full-text index (FTS5).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from sys import intern
from typing import TYPE_CHECKING

from corpus_cli.counts import Counts
from corpus_cli.errors import StoreError
from corpus_cli.memo import Memo

if TYPE_CHECKING:  # the records are imported where they are built: reading the counts
    # (``corpus stats``) does not build every record class
    from corpus_cli.models import (
        Article,
        CleanPage,
        Cluster,
        Drop,
        Entity,
        PageMeta,
        Paragraph,
        Problem,
        Removal,
    )

APPLICATION_ID = 0x436F7270  # "Corp"
SCHEMA_VERSION = 3  # 1: positional ids; 2: 1 with page metadata; 3: content ids, items
DEFAULT_DB = "corpus.db"
ENV_DB = "CORPUS_DB"

# One statement each (executescript would commit the write transaction they run in).
# Foreign keys are declared for the tools that read them (datasette, sqlite-utils); the
# store's own connections do not enforce them (the writer writes whole, consistent corpora,
# and tests run PRAGMA foreign_key_check).
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE IF NOT EXISTS pages (
    path TEXT PRIMARY KEY, seq INTEGER NOT NULL, url TEXT, site TEXT NOT NULL,
    content_hash TEXT NOT NULL, fingerprint TEXT NOT NULL, copy INTEGER NOT NULL,
    encoding TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL DEFAULT 0,
    urls TEXT NOT NULL, paragraphs INTEGER NOT NULL, meta TEXT
)""",
    "CREATE INDEX IF NOT EXISTS pages_site ON pages(site)",
    # each page's items before copies are merged (segment.items_json): a later run takes
    # them instead of splitting an unchanged page again
    """CREATE TABLE IF NOT EXISTS page_items (
    path TEXT PRIMARY KEY REFERENCES pages(path), items TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS pages_url ON pages(url)",
    # a digest of each page's paragraph ids and their dedupe columns (see
    # delta.paragraph_digests): a delta write reads back only the paragraphs of the pages
    # whose digest changed to update their dedupe columns
    """CREATE TABLE IF NOT EXISTS page_dedupe (
    path TEXT PRIMARY KEY REFERENCES pages(path), digest TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS paragraphs (
    id TEXT NOT NULL, path TEXT NOT NULL REFERENCES pages(path), idx INTEGER NOT NULL,
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL, raw TEXT,
    text TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
    dateline TEXT, script TEXT NOT NULL, removals TEXT NOT NULL,
    cluster_id TEXT REFERENCES clusters(id), kept_id TEXT REFERENCES paragraphs(id),
    similarity REAL, rule TEXT
)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS paragraphs_id ON paragraphs(id)",
    "CREATE INDEX IF NOT EXISTS paragraphs_path ON paragraphs(path, idx)",
    """CREATE TABLE IF NOT EXISTS clusters (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, kept_id TEXT NOT NULL REFERENCES paragraphs(id),
    size INTEGER NOT NULL, pages INTEGER NOT NULL, members TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS items (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, title TEXT,
    date TEXT, date_precision TEXT, date_inferred INTEGER NOT NULL, year INTEGER,
    text TEXT NOT NULL, urls TEXT NOT NULL, sources TEXT NOT NULL,
    paragraph_ids TEXT NOT NULL, dates TEXT NOT NULL, entities TEXT NOT NULL,
    copies INTEGER NOT NULL, first_path TEXT NOT NULL REFERENCES pages(path),
    first_line INTEGER NOT NULL, date_source TEXT, digest TEXT NOT NULL,
    annotation_key TEXT, mentions TEXT
)""",
    "CREATE INDEX IF NOT EXISTS items_date ON items(date DESC, id)",
    "CREATE INDEX IF NOT EXISTS items_year ON items(year, date DESC)",
    """CREATE TABLE IF NOT EXISTS sources (
    item_id TEXT NOT NULL REFERENCES items(id), path TEXT NOT NULL REFERENCES pages(path),
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS sources_item ON sources(item_id)",
    "CREATE INDEX IF NOT EXISTS sources_path ON sources(path)",
    """CREATE TABLE IF NOT EXISTS entities (
    name TEXT NOT NULL, type TEXT NOT NULL, aliases TEXT NOT NULL,
    mentions INTEGER NOT NULL, items INTEGER NOT NULL, PRIMARY KEY (name, type)
)""",
    """CREATE TABLE IF NOT EXISTS entity_aliases (
    alias TEXT NOT NULL COLLATE NOCASE, name TEXT NOT NULL, type TEXT NOT NULL,
    FOREIGN KEY (name, type) REFERENCES entities(name, type)
)""",
    "CREATE INDEX IF NOT EXISTS entity_aliases_alias ON entity_aliases(alias)",
    """CREATE TABLE IF NOT EXISTS entity_mentions (
    item_id TEXT NOT NULL REFERENCES items(id), name TEXT NOT NULL, type TEXT NOT NULL,
    mentions INTEGER NOT NULL, FOREIGN KEY (name, type) REFERENCES entities(name, type)
)""",
    "CREATE INDEX IF NOT EXISTS entity_mentions_name ON entity_mentions(name)",
    "CREATE INDEX IF NOT EXISTS entity_mentions_item ON entity_mentions(item_id)",
    "CREATE TABLE IF NOT EXISTS problems (path TEXT NOT NULL, message TEXT NOT NULL)",
    # the MinHash signatures of the corpus's texts (16-byte digests of the normalised texts
    # and their signatures, see dedupe.SignatureCache), for a later run: in shards by the
    # first bits of the digest (meta's "signatures" says how many bits, and the hash
    # functions), a few texts each, so that a delta write rewrites only the shards of texts
    # added or gone, and a read reads a few large rows (see Writer.signatures)
    """CREATE TABLE IF NOT EXISTS signatures (
    shard INTEGER PRIMARY KEY, digests BLOB NOT NULL, signatures BLOB NOT NULL
)""",
    # what dedupe keeps for a later run besides the signatures (see Writer.signatures):
    # arrays by name, each in parts of STATE_PART bytes
    """CREATE TABLE IF NOT EXISTS dedupe_state (
    name TEXT NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (name, part)
)""",
    # content="items" in double quotes: the form sqlite-utils and datasette recognise
    """CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(
    title, text, content="items", content_rowid="rowid",
    tokenize='unicode61 remove_diacritics 2'
)""",
)

# Indexes of the large tables, dropped before a write and made again once their rows are in:
# name -> (table, CREATE statement).
_BULK_TABLES = ("paragraphs", "items", "sources", "entity_mentions", "entity_aliases")
_BULK_INDEXES = {
    m[1]: (m[2], stmt.replace(" IF NOT EXISTS", ""))
    for stmt in _SCHEMA
    if (m := re.match(r"CREATE (?:UNIQUE )?INDEX IF NOT EXISTS (\w+) ON (\w+)\(", stmt))
    and m[2] in _BULK_TABLES
}

# name -> CREATE statement, of the tables
_SCHEMA_OF = {m[1]: stmt for stmt in _SCHEMA
              if (m := re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", stmt))}

# Written by schemas 1 and 2 (positional ids, "articles"): dropped when such a store is
# rebuilt.
_OLD_TABLES = ("articles_fts", "articles", "article_sources", "article_entities")
_TABLES = ("paragraphs", "pages", "page_items", "page_dedupe", "clusters", "items", "sources",
           "entities", "entity_aliases", "entity_mentions", "problems", "signatures",
           "dedupe_state")


def default_path() -> str:
    return os.environ.get(ENV_DB) or DEFAULT_DB


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """Filters shared by list, search and export."""

    year: int | None = None
    date_from: str | None = None  # ISO, possibly partial: 2024, 2024-06, 2024-06-01
    date_to: str | None = None
    kind: str | None = None
    source: str | None = None  # a substring of a source path
    entity: str | None = None  # a canonical entity name or any alias
    limit: int | None = None
    site: str | None = None  # a URL host (its subdomains too), or a folder name


@dataclass(frozen=True, slots=True)
class StoredPage:
    """What the store knows of a page without reading its paragraphs."""

    path: str
    seq: int
    url: str | None
    content_hash: str
    size: int
    mtime_ns: int


def site_of(url: str | None, path: str) -> str:
    """The site of a page: its URL's host (lower case, without ``www.``), else the name of
    the folder the page is in (``.`` for none)."""
    if url:
        from urllib.parse import urlsplit

        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        if host:
            return host[4:] if host.startswith("www.") else host
    folder = os.path.basename(os.path.dirname(path.rstrip("/")))
    return folder or "."


def _digest(fields: Sequence) -> str:
    """A hash of an item row's fields (see :meth:`Writer.items`)."""
    import hashlib

    # each field then NUL, hashed in one piece (the same bytes as field by field)
    joined = "\x00".join(map(str, fields)) + "\x00" if fields else ""
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"),
                           digest_size=10).hexdigest()


def _item_row(n: int, a: Article) -> tuple:
    """The row of ``items`` for the ``n``-th item, its digest last: a hash of everything
    the item shows (two runs wrote the same item when its id and digest are equal)."""
    row = (n, a.id, a.kind, a.title, a.date, a.date_precision, int(a.date_inferred),
           int(a.date[:4]) if a.date else None, a.text, json.dumps(item_urls(a)),
           json.dumps([s.to_dict() for s in a.sources], ensure_ascii=False),
           json.dumps(a.paragraph_ids),
           json.dumps([d.to_dict() for d in a.dates], ensure_ascii=False),
           json.dumps(list(a.entities), ensure_ascii=False), len(a.sources),
           a.sources[0].path, a.sources[0].line_start, a.date_source)
    return (*row, _digest(row[1:]))


def item_digest(a: Article) -> str:
    """The digest :meth:`Writer.items` writes for ``a``."""
    return _item_row(0, a)[-1]


class Store:
    """A corpus store. Use :func:`open_store` to open one."""

    def __init__(self, conn: sqlite3.Connection, path: str, version: int = SCHEMA_VERSION):
        self.conn = conn
        self.path = path
        self.version = version  # the schema of the stored corpus (1: rebuilt by a write)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- writing --------------------------------------------------------------------
    @contextmanager
    def writer(self, progress=None, info: dict | None = None,
               index: bool = True, delta: bool = True) -> Iterator[Writer]:
        """Replace the stored corpus, in one transaction, with what is written through the
        :class:`Writer` this yields: ``w.paragraphs(...)`` then ``w.items(...)``. On a normal
        exit the transaction commits and the search index built along (``index``) is put
        into place; on an exception both are discarded and the previous corpus stays.
        ``delta``: over a stored corpus, write only the rows that differ (see
        :class:`Writer`); without it, every row is written again."""
        w = Writer(self, progress, info, index, delta)
        try:
            w.begin()
            yield w
            w.commit()
        except BaseException:
            w.abort()
            raise

    def write(
        self,
        pages: Sequence[CleanPage],
        drops: Mapping[str, Drop],
        clusters: Sequence[Cluster],
        articles: Sequence[Article],
        entities: Sequence[Entity],
        problems: Sequence[Problem] = (),
        info: dict | None = None,
        progress=None,
        index: bool = True,
    ) -> None:
        """Replace the stored corpus with this one, in a single transaction (the pages in
        corpus order)."""
        with self.writer(progress, info, index) as w:
            w.paragraphs(pages, drops, clusters)
            w.items(articles, entities, problems)

    # ---- reading --------------------------------------------------------------------
    def meta(self) -> dict:
        return {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM meta")}

    def articles(self, f: ArticleFilter | None = None) -> Iterator[Article]:
        """Items matching the filter, newest first (undated last), streamed."""
        where, args = _where(f or ArticleFilter())
        # NULLs sort last in DESC order, so this is "undated last" and it walks the
        # items_date (or items_year) index: the first row comes at once at a million
        # items, where "ORDER BY a.date IS NULL, ..." sorted every matching item first
        sql = f"SELECT * FROM items a {where} ORDER BY a.date DESC, a.id"
        if f and f.limit is not None:
            sql += " LIMIT ?"
            args.append(f.limit)
        cur = self.conn.execute(sql, args)
        for row in cur:
            yield _article(row)

    def article(self, ident: str) -> Article | None:
        """An item by id (or by a unique id prefix of at least 4 characters; see
        :meth:`ids_starting` for an ambiguous one). The id is text, never a pattern."""
        row = self.conn.execute("SELECT * FROM items WHERE id = ?", (ident,)).fetchone()
        if row is None and len(ident) >= 4:
            ids = self.ids_starting(ident, 2)
            if len(ids) == 1:
                row = self.conn.execute("SELECT * FROM items WHERE id = ?",
                                        ids).fetchone()
        return _article(row) if row else None

    def ids_starting(self, prefix: str, limit: int = 5) -> list[str]:
        """The ids of the items that start with ``prefix`` (as text: ``%`` and ``_`` are
        characters, not wildcards), in order, at most ``limit``."""
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM items WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (prefix, prefix + "\U0010ffff", limit))]

    def paragraphs(self, path: str | None = None, ids: Iterable[str] | None = None
                   ) -> Iterator[tuple[Paragraph, Drop | None]]:
        """Stored paragraphs (all, those of a page, or by id) with their drop, in page order."""
        if ids is not None:
            ids = list(ids)
            rows = []
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                q = ",".join("?" * len(chunk))
                rows += self.conn.execute(
                    f"SELECT * FROM paragraphs WHERE id IN ({q})", chunk  # noqa: S608
                ).fetchall()
            order = {pid: n for n, pid in enumerate(ids)}
            rows.sort(key=lambda r: order[r["id"]])
        elif path is not None:
            rows = self.conn.execute(
                "SELECT * FROM paragraphs WHERE path = ? ORDER BY idx", (path,))
        else:
            rows = self.conn.execute("SELECT * FROM paragraphs ORDER BY path, idx")
        for r in rows:
            yield _paragraph(r)

    def clusters(self) -> Iterator[Cluster]:
        from corpus_cli.models import Cluster

        for r in self.conn.execute("SELECT * FROM clusters ORDER BY size DESC, id"):
            yield Cluster(r["id"], r["kind"], r["kept_id"], tuple(json.loads(r["members"])),
                          r["pages"])

    def entities(self, type_: str | None = None, limit: int | None = None) -> Iterator[Entity]:
        from corpus_cli.models import Entity

        sql = "SELECT * FROM entities"
        args: list = []
        if type_:
            sql += " WHERE type = ?"
            args.append(type_.upper())
        sql += " ORDER BY mentions DESC, name, type"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        for r in self.conn.execute(sql, args):
            yield Entity(r["name"], r["type"], tuple(json.loads(r["aliases"])), r["mentions"],
                         r["items"])

    def resolve_entity(self, name: str) -> list[str]:
        """Canonical names whose name or alias is ``name`` (case-insensitive)."""
        rows = self.conn.execute(
            "SELECT DISTINCT name FROM entity_aliases WHERE alias = ? ORDER BY name", (name,)
        ).fetchall()
        return [r[0] for r in rows]

    def page_cache(self, key: str) -> dict[str, tuple[str, int, int]]:
        """``path -> (content_hash, size, mtime_ns)`` of the stored pages, when they were
        cleaned under the same ``key`` (version and options); else empty."""
        if self.version < SCHEMA_VERSION or self.meta().get("clean_key") != key:
            return {}
        return {r[0]: (r[1], r[2], r[3]) for r in self.conn.execute(
            "SELECT path, content_hash, size, mtime_ns FROM pages")}

    def clean_page(self, path: str, mtime_ns: int | None = None) -> CleanPage | None:
        """A stored page as it was cleaned (its text is not kept: ``page.text`` is empty)."""
        for rows in self.page_rows([path]):
            return clean_page_of(rows, mtime_ns=mtime_ns)
        return None

    def page_rows(self, paths: Iterable[str]) -> Iterator[PageRows]:
        """The rows each stored page of ``paths`` is made of, as plain tuples (see
        :func:`clean_page_of`), in the order of ``paths``; a path not stored is left out.
        A re-run reads every unchanged page this way (in the pool's workers, which send
        the rows back to be made into pages, see :func:`corpus_cli.pipeline.load_stored`)."""
        cur = self.conn.cursor()
        cur.row_factory = None
        page_sql = f"SELECT {_PAGE_COLUMNS} FROM pages WHERE path = ?"  # noqa: S608
        para_sql = f"SELECT {_CLEAN_COLUMNS} FROM paragraphs WHERE path = ? ORDER BY idx"  # noqa: S608
        for path in paths:
            row = cur.execute(page_sql, (path,)).fetchone()
            if row is not None:
                yield row, cur.execute(para_sql, (path,)).fetchall()

    def page_items(self, path: str) -> str | None:
        """The items of a stored page as the run that wrote it split them (JSON, see
        :func:`corpus_cli.segment.items_json`), or None (a store written before they were
        kept, or a page whose splitting failed)."""
        try:
            row = self.conn.execute("SELECT items FROM page_items WHERE path = ?",
                                    (path,)).fetchone()
        except sqlite3.OperationalError:  # a store written before the table was
            return None
        return row[0] if row else None

    def signatures(self, key: str, config) -> tuple | None:
        """The MinHash signatures the last write kept, when made under ``key`` (see
        :class:`corpus_cli.dedupe.SignatureCache`), else None."""
        from corpus_cli.dedupe import SignatureCache, candidate_key, verify_key

        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'signatures'"
                                    ).fetchone()
            made = json.loads(row[0]) if row is not None else None
            if not isinstance(made, dict) or made.get("key") != key:
                return None
            cur = self.conn.cursor()
            cur.row_factory = None
            rows = cur.execute("SELECT digests, signatures FROM signatures").fetchall()
        except (sqlite3.OperationalError, ValueError):  # a store written before the table
            return None
        return SignatureCache.from_bytes(
            b"".join([r[0] for r in rows]), b"".join([r[1] for r in rows]), config,
            self._dedupe_state(made, "pairs", verify_key(config), ("pairs", "scores")),
            self._dedupe_state(made, "candidates", candidate_key(config),
                               ("ranks", "candidates", "counts")))

    def _dedupe_state(self, made: dict, what: str, key: str, names: tuple[str, ...]
                      ) -> tuple[bytes, ...] | None:
        """The arrays ``names`` of the ``dedupe_state`` table, kept with the signatures
        ``made`` (see :meth:`signatures`) when ``what`` was made under ``key``."""
        if made.get(what) != key:
            return None
        try:
            cur = self.conn.cursor()
            cur.row_factory = None
            got: dict[str, list[bytes]] = {n: [] for n in names}
            for name, data in cur.execute(
                    "SELECT name, data FROM dedupe_state WHERE name IN"
                    f" ({','.join('?' * len(names))}) ORDER BY name, part", names):
                got[name].append(data)
        except sqlite3.OperationalError:  # a store written before the table was
            return None
        return tuple(b"".join(got[n]) for n in names)

    def holds_page(self, path: str) -> bool:
        """Whether the file at ``path`` is one of the stored pages (an input of the corpus):
        by its path as stored (shown relative to the working folder, or absolute; a WARC
        file by the path before its records' ``#offset``), or, for a file that exists, by
        its size and content. Used to refuse writing an output onto an input page."""
        from corpus_cli.inputs.loader import content_hash, display_path

        forms = {path, display_path(path), os.path.abspath(path), os.path.realpath(path)}
        for form in forms:
            if self.conn.execute(
                    "SELECT 1 FROM pages WHERE path = ? OR substr(path, 1, ?) = ? LIMIT 1",
                    (form, len(form) + 1, form + "#")).fetchone():
                return True
        try:
            if not os.path.isfile(path):
                return False
            size = os.path.getsize(path)
            hashes = {r[0] for r in self.conn.execute(
                "SELECT content_hash FROM pages WHERE size = ?", (size,))}
            if not hashes:
                return False
            with open(path, "rb") as fh:
                return content_hash(fh.read()) in hashes
        except OSError:
            return False

    def page_paths(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT path FROM pages ORDER BY path")]

    def stored_pages(self) -> list[StoredPage]:
        """Every stored page, in corpus order (empty for a store of an older schema, whose
        pages are read again)."""
        if self.version < SCHEMA_VERSION:
            return []
        return [StoredPage(r[0], r[1], r[2], r[3], r[4], r[5]) for r in self.conn.execute(
            "SELECT path, seq, url, content_hash, size, mtime_ns FROM pages ORDER BY seq")]

    def old_page_paths(self) -> list[str]:
        """The pages of the stored corpus, whatever its schema (for the --replace check)."""
        try:
            return [r[0] for r in self.conn.execute("SELECT path FROM pages ORDER BY path")]
        except sqlite3.OperationalError:
            return []

    def annotations(self) -> dict[str, tuple]:
        """``annotation key -> (date mentions, None, no failures, the raw entity mentions as
        stored)`` of the stored items (see :func:`corpus_cli.pipeline.annotation_key`): the
        raw entity mentions are given as the JSON :func:`corpus_cli.pipeline.mentions_json`
        wrote (None: not kept), not decoded: a re-run sends that JSON to the entity merge
        as it is (see :func:`corpus_cli.pipeline.analyse_items`)."""
        from corpus_cli.models import DateMention, record_maker

        if self.version < SCHEMA_VERSION:
            return {}
        make_date_mention = record_maker(DateMention)
        out: dict[str, tuple] = {}
        loads = json.loads
        for key, dates, mentions in self.conn.execute(
                "SELECT annotation_key, dates, mentions FROM items"
                " WHERE annotation_key IS NOT NULL"):
            # the records made from all their fields (see models.record_maker), as
            # DateMention.to_dict writes them
            ds = tuple([make_date_mention(d["text"], d["start"], d["end"], d["value"],
                                          d["end_value"], d["precision"], d["inferred"],
                                          d["kind"]) for d in loads(dates)])
            # as the annotation gives it (nothing failed), the mentions as stored
            out[key] = (ds, None, (), mentions)
        return out

    def item_digests(self) -> dict[str, str]:
        """``item id -> digest`` of every stored item (see :func:`item_digest`)."""
        if self.version < SCHEMA_VERSION:
            return {}
        return dict(self.conn.execute("SELECT id, digest FROM items"))

    def items_of_pages(self, paths: Iterable[str]) -> set[str]:
        """The ids of the stored items with a source on one of these pages."""
        paths = list(paths)
        table, col = ("sources", "item_id") if self.version >= SCHEMA_VERSION else (
            "article_sources", "article_id")
        out: set[str] = set()
        try:
            for i in range(0, len(paths), 500):
                chunk = paths[i : i + 500]
                q = ",".join("?" * len(chunk))
                out.update(r[0] for r in self.conn.execute(
                    f"SELECT DISTINCT {col} FROM {table} WHERE path IN ({q})",  # noqa: S608
                    chunk))
        except sqlite3.OperationalError:
            pass
        return out

    def summary(self) -> Counts:
        """The counts of the whole store (pages, paragraphs, noise, copies, clusters,
        items, entities): those its last write kept (see :meth:`Writer.commit`), or else
        counted in its tables."""
        kept = self._kept_counts()
        if kept is not None:
            return kept
        c = self.conn
        return Counts(
            pages=c.execute("SELECT COUNT(*) FROM pages").fetchone()[0],
            paragraphs=c.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0],
            removed_by_reason=dict(c.execute(
                "SELECT reason, COUNT(*) FROM paragraphs WHERE status='removed'"
                " GROUP BY reason")),
            duplicates_by_rule=dict(c.execute(
                "SELECT rule, COUNT(*) FROM paragraphs WHERE kept_id IS NOT NULL"
                " GROUP BY rule")),
            clusters_by_kind=dict(c.execute("SELECT kind, COUNT(*) FROM clusters GROUP BY kind")),
            items_by_kind=dict(c.execute("SELECT kind, COUNT(*) FROM items GROUP BY kind")),
            entities=c.execute("SELECT COUNT(*) FROM entities").fetchone()[0],
        )

    def _kept_counts(self) -> Counts | None:
        got = self._kept()
        if got is None:
            return None
        try:
            return Counts(
                pages=got["pages"], paragraphs=got["paragraphs"],
                removed_by_reason=dict(got["removed_by_reason"]),
                duplicates_by_rule=dict(got["duplicates_by_rule"]),
                clusters_by_kind=dict(got["clusters_by_kind"]),
                items_by_kind=dict(got["items_by_kind"]), entities=got["entities"])
        except (KeyError, TypeError, ValueError):
            return None

    def _kept(self, f: ArticleFilter | None = None) -> dict | None:
        """The counts the last write kept in the meta table (see :meth:`Writer.commit`),
        when they are that write's (a store written since by a version that does not keep
        them has another ``written_at`` and, unless its corpus has the same number of
        paragraphs, another last rowid) and ``f`` filters nothing."""
        if f is not None and _where(f)[0]:
            return None
        c = self.conn
        try:
            rows = dict(c.execute(
                "SELECT key, value FROM meta WHERE key IN ('counts', 'written_at')"))
            if "counts" not in rows:
                return None
            got = json.loads(rows["counts"])
            last = c.execute("SELECT MAX(rowid) FROM paragraphs").fetchone()[0] or 0
        except (sqlite3.Error, ValueError):
            return None
        if (not isinstance(got, dict) or got.get("written_at") != json.loads(
                rows.get("written_at") or "null")
                or got.get("paragraph_rowid", got.get("paragraphs")) != last):
            return None
        return got

    def problems(self) -> list[Problem]:
        """The inputs the last run could not use."""
        from corpus_cli.models import Problem

        return [Problem(r[0], r[1]) for r in self.conn.execute(
            "SELECT path, message FROM problems ORDER BY path")]

    def page_urls(self) -> dict[str, tuple[str, ...]]:
        """The source URLs found in each stored page, by path."""
        return {r[0]: tuple(json.loads(r[1])) for r in self.conn.execute(
            "SELECT path, urls FROM pages ORDER BY path")}

    def item_paths(self) -> Iterator[tuple[str, str]]:
        """``(item id, page path)`` for every page each item was seen on."""
        yield from self.conn.execute(
            "SELECT item_id, path FROM sources ORDER BY item_id, path")

    def drop_examples(self) -> tuple[dict[str, Paragraph], dict[str, tuple[Paragraph, Drop]]]:
        """One dropped paragraph per reason, the first in corpus order (page ``seq``, then
        ``idx``): noise by reason, and copies by rule (with their drop)."""
        # min() picks the row of the bare columns (SQLite); seq and idx as one number
        first = ("SELECT p.*, MIN((g.seq << 32) + p.idx) FROM paragraphs p"
                 " JOIN pages g ON g.path = p.path WHERE {} GROUP BY p.{} ORDER BY p.{}")
        noise = {}
        for r in self.conn.execute(first.format("p.status = 'removed'", "reason", "reason")):
            noise[r["reason"]] = _paragraph(r)[0]
        copies = {}
        for r in self.conn.execute(first.format("p.kept_id IS NOT NULL", "rule", "rule")):
            p, d = _paragraph(r)
            copies[r["rule"]] = (p, d)
        return noise, copies

    def date_histogram(self, by: str = "month", f: ArticleFilter | None = None
                       ) -> list[tuple[str, int]]:
        width = 7 if by == "month" else 4
        kept = self._kept(f or ArticleFilter())
        if kept is not None and f"histogram_{width}" in kept:
            return [(k, n) for k, n in kept[f"histogram_{width}"]]
        where, args = _where(f or ArticleFilter())
        extra = "a.date IS NOT NULL AND length(a.date) >= ?"
        where = f"{where} AND {extra}" if where else f"WHERE {extra}"
        sql = (f"SELECT substr(a.date, 1, {width}) AS k, COUNT(*) FROM items a {where} "
               "GROUP BY k ORDER BY k")
        return [(r[0], r[1]) for r in self.conn.execute(sql, [*args, width])]

    # ---- search and stats (used by corpus_cli.search) -------------------------------
    def match(self, fts_query: str, f: ArticleFilter | None = None, limit: int | None = None
              ) -> list[tuple[Article, float]]:
        """Items whose title/text match an FTS5 query (already safe FTS5 syntax), best first,
        with their ``bm25`` (title weighted 2:1; lower is better). Raises
        ``sqlite3.OperationalError`` on a query FTS5 rejects."""
        where, args = _where(f or ArticleFilter())
        cond = "items_fts MATCH ?" + (f" AND {where[6:]}" if where else "")
        sql = ("SELECT a.*, bm25(items_fts, 2.0, 1.0) AS _bm25 FROM items_fts"
               f" JOIN items a ON a.rowid = items_fts.rowid WHERE {cond}"
               " ORDER BY _bm25, a.date IS NULL, a.date DESC, a.id")
        args = [fts_query, *args]
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [(_article(r), r["_bm25"]) for r in self.conn.execute(sql, args)]

    # ---- the side index (used by corpus_cli.storage.index) ------------------------------------
    def index_token(self) -> str | None:
        """The generation token written with the items (``None``: no side index wanted)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'index_token'").fetchone()
        value = json.loads(row[0]) if row else None
        return value if isinstance(value, str) else None

    def count_items(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def index_rows(self) -> Iterator[tuple[int, str | None, str, int | None, str | None, str]]:
        """(rowid, title, text, year, date, kind) of every item, streamed (what
        :func:`index_rows` gives for the items being written)."""
        yield from self.conn.execute(
            "SELECT rowid, title, text, year, date, kind FROM items ORDER BY rowid")

    def rowids(self, f: ArticleFilter) -> list[int]:
        """The rowids of the items matching the filter (its limit ignored)."""
        where, args = _where(f)
        return [r[0] for r in self.conn.execute(f"SELECT a.rowid FROM items a {where}",
                                                args)]

    def articles_by_rowid(self, rowids: Sequence[int]) -> dict[int, Article]:
        out: dict[int, Article] = {}
        rowids = list(rowids)
        for i in range(0, len(rowids), 500):
            chunk = rowids[i : i + 500]
            q = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                    f"SELECT rowid AS _rowid, * FROM items WHERE rowid IN ({q})",  # noqa: S608
                    chunk):
                out[r["_rowid"]] = _article(r)
        return out

    def _vocab_table(self) -> str:
        self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab"
                          " USING fts5vocab(main, 'items_fts', 'row')")
        return "temp.fts_vocab"

    def term_docs(self, term: str) -> int:
        """In how many items an indexed (lower-cased, accent-free) term occurs."""
        row = self.conn.execute(
            f"SELECT doc FROM {self._vocab_table()} WHERE term = ?", (term,)).fetchone()
        return row[0] if row else 0

    def vocabulary(self) -> dict[str, int]:
        """Every indexed term with its number of items (read once per Store)."""
        vocab = getattr(self, "_vocabulary", None)
        if vocab is None:
            vocab = dict(self.conn.execute(f"SELECT term, doc FROM {self._vocab_table()}"))
            self._vocabulary = vocab
        return vocab

    def item_stats(self, f: ArticleFilter | None = None) -> dict:
        """Items matching the filter: count by kind, first and last date, undated count."""
        kept = self._kept(f or ArticleFilter())
        if kept is not None and "undated" in kept:
            return {"by_kind": dict(kept["items_by_kind"]), "date_min": kept["date_min"],
                    "date_max": kept["date_max"], "undated": kept["undated"]}
        where, args = _where(f or ArticleFilter())
        kinds = dict(self.conn.execute(
            f"SELECT a.kind, COUNT(*) FROM items a {where} GROUP BY a.kind ORDER BY a.kind",
            args))
        lo, hi, undated = self.conn.execute(
            f"SELECT MIN(a.date), MAX(a.date), SUM(a.date IS NULL) FROM items a {where}",
            args).fetchone()
        return {"by_kind": kinds, "date_min": lo, "date_max": hi, "undated": undated or 0}

    def top_entities(self, f: ArticleFilter | None = None, n: int = 10
                     ) -> list[tuple[str, str, int]]:
        """The ``n`` entities in most matching items: (name, type, items)."""
        kept = self._kept(f or ArticleFilter())
        if kept is not None and len(kept.get("top_entities", ())) >= min(
                n, kept.get("entity_count", 0)):
            return [(name, typ, k) for name, typ, k in kept["top_entities"][:n]]
        where, args = _where(f or ArticleFilter())
        sql = ("SELECT ae.name, ae.type, COUNT(DISTINCT a.id) AS n"
               " FROM items a JOIN entity_mentions ae ON ae.item_id = a.id"
               f" {where} GROUP BY ae.name, ae.type ORDER BY n DESC, ae.name, ae.type LIMIT ?")
        return [(r[0], r[1], r[2]) for r in self.conn.execute(sql, [*args, n])]

    def copies(self, ids: Iterable[str]) -> list[tuple[Paragraph, Drop]]:
        """Dropped copies of the given (kept) paragraphs, merged into them by dedupe."""
        ids = list(ids)
        out = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = ",".join("?" * len(chunk))
            out += [_paragraph(r) for r in self.conn.execute(
                f"SELECT * FROM paragraphs WHERE kept_id IN ({q})"  # noqa: S608
                " ORDER BY path, idx", chunk)]
        return [(p, d) for p, d in out if d is not None]


class _Background:
    """The SQL of one write, run in order by a thread on the store's connection.

    The caller makes the rows (Python) while the thread has SQLite store them, build the
    indexes and commit (SQLite works outside Python's lock), so that both cores work. Rows
    go in batches through a short queue: a caller faster than SQLite waits. The first error
    stops the work; it is raised in the caller at its next call."""

    BATCH = 20_000  # rows per batch
    QUEUE = 4  # batches waiting at most

    def __init__(self, conn: sqlite3.Connection):
        import queue
        import threading

        self.conn = conn
        self.error: BaseException | None = None
        self._cancelled = False
        self._jobs: queue.Queue = queue.Queue(maxsize=self.QUEUE)
        self._thread = threading.Thread(target=self._run, name="corpus-store", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, done = job
            if fn is not None and self.error is None and not self._cancelled:
                try:
                    fn(self.conn)
                except BaseException as exc:  # noqa: BLE001 - raised in the caller
                    self.error = exc
            if done is not None:
                done.set()

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def run(self, fn) -> None:
        """Have the thread call ``fn(connection)`` after what was given before."""
        self.check()
        self._jobs.put((fn, None))

    def execute(self, *statements: str) -> None:
        def job(c: sqlite3.Connection) -> None:
            for stmt in statements:
                c.execute(stmt)
        self.run(job)

    def executemany(self, sql: str, rows: Iterable[tuple]) -> None:
        """``executemany(sql, rows)``, the rows made here and stored by the thread."""
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= self.BATCH:
                self.run(lambda c, b=batch: c.executemany(sql, b))
                batch = []
        if batch:
            self.run(lambda c, b=batch: c.executemany(sql, b))

    def wait(self) -> None:
        """Wait until everything given has run; raise its error, if any."""
        import threading

        done = threading.Event()
        self._jobs.put((None, done))
        done.wait()
        self.check()

    def stop(self, interrupt: bool = False) -> None:
        """End the thread; what has not run yet is skipped. ``interrupt`` also stops the
        statement running now (SQLite then rolls back the transaction)."""
        import queue

        self._cancelled = True
        if interrupt:
            self.conn.interrupt()
        while True:  # skipped anyway: make room for the end mark
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        self._jobs.put(None)
        self._thread.join()


class Writer:
    """One write of the whole corpus: the SQLite transaction and the tantivy index of the
    same generation (see :mod:`corpus_cli.storage.index`), which it builds, publishes or
    discards. Made by :meth:`Store.writer`.

    Over a store that already holds a corpus (of this schema, cleaned the same way), the
    write is a *delta* (see :mod:`corpus_cli.storage.delta`): only the rows that differ are
    deleted, inserted or updated, FTS5 is updated row by row and the side index made from
    the current one, unless more than :data:`~corpus_cli.storage.delta.DELTA_MAX` of the
    paragraphs change (then every row is written again, as in a new store). Either way the
    store holds the same rows afterwards (only rowids differ).

    The SQL runs in a thread (:class:`_Background`) while the caller goes on: each method
    returns once its rows are made; :meth:`commit` waits for everything to be stored."""

    def __init__(self, store: Store, progress=None, info: dict | None = None,
                 index: bool = True, delta: bool = True):
        self.store = store
        self.progress = progress
        self.info = dict(info or {})
        self.want_index = index
        self.want_delta = delta
        self.token: str | None = None
        self.digests: dict[str, str] = {}  # item id -> digest, of the items written
        self.mode: str | None = None  # "bulk" or "delta", once the paragraphs are given
        self._items = 0
        self._side = None
        self._base_token: str | None = None  # the side index the new one may be made from
        self._rowid_of: dict[str, int] = {}  # item id -> rowid, of the items to write
        self._index_later = False  # the index is started by items() (see index)
        self._stored_rowids: dict[str, int] = {}  # item id -> rowid, of the stored items
        self._done: set[str] = set()
        self._bg: _Background | None = None
        self._old = None  # what a delta write compares with (delta.Stored)
        # what Store.summary gives, counted as the rows are made (kept in the meta table)
        self._counts: dict = {}

    def begin(self) -> None:
        c = self.store.conn
        c.execute("BEGIN IMMEDIATE")  # here: a store locked by another writer fails now
        # (the schema changes here, before the thread starts: SQLite does not change a
        # table while another statement of the connection reads)
        columns = {r[1] for r in c.execute("PRAGMA table_info(signatures)")}
        if columns and "shard" not in columns:
            # the signatures as one row (written before they were kept in shards)
            c.execute("DROP TABLE signatures")
            c.execute(_SCHEMA_OF["signatures"])
        self._bg = _Background(c)
        if self.store.version >= SCHEMA_VERSION and self.want_delta:
            from corpus_cli.storage import delta

            # read before anything is written (the thread has nothing to do yet)
            self._old = delta.stored(c, self.info.get("clean_key"))
            if self._old is not None:  # stored items keep their rowids (see index)
                self._stored_rowids = dict(c.execute("SELECT id, rowid FROM items"))
        if self._old is None:
            self._clear()
        else:  # a store written before the tables were (the thread has nothing to do yet)
            c.execute(_SCHEMA_OF["page_dedupe"])
            c.execute(_SCHEMA_OF["dedupe_state"])

    def _clear(self) -> None:
        """Empty the tables (the bulk write)."""
        old = self.store.version < SCHEMA_VERSION
        self.mode = "bulk"
        self._old = None

        def clear(c: sqlite3.Connection) -> None:
            if old:
                for t in _OLD_TABLES:
                    c.execute(f"DROP TABLE IF EXISTS {t}")  # noqa: S608 - fixed table names
                for t in _TABLES:
                    c.execute(f"DROP TABLE IF EXISTS {t}")  # noqa: S608 - fixed table names
                c.execute("DROP TABLE IF EXISTS items_fts")
            for stmt in _SCHEMA:
                c.execute(stmt)
            for t in _TABLES:
                c.execute(f"DELETE FROM {t}")  # noqa: S608 - fixed table names
            c.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
            # Bulk load: the indexes of the large tables are dropped and built again
            # after their rows are in (one sort instead of a million random B-tree
            # inserts), inside the transaction.
            for name in _BULK_INDEXES:
                c.execute(f"DROP INDEX IF EXISTS {name}")  # noqa: S608 - fixed names

        self._bg.run(clear)

    def _index(self, *tables: str) -> None:
        """Build again the bulk-load indexes of ``tables`` (in the thread)."""
        if self.mode == "bulk":
            self._bg.execute(*(sql for table, sql in _BULK_INDEXES.values()
                               if table in tables))

    def paragraphs(
        self,
        pages: Sequence[CleanPage],
        drops: Mapping[str, Drop],
        clusters: Sequence[Cluster],
        cluster_of: Mapping[str, str] | None = None,
        page_items: Mapping[str, str] | None = None,
    ) -> None:
        """The pages (in corpus order: their ``seq`` is their position), paragraphs and
        clusters. ``cluster_of`` (paragraph id -> cluster id, as
        :class:`~corpus_cli.dedupe.DedupeResult` has it) saves working it out again.
        ``page_items`` (path -> the page's items as JSON, see :meth:`Store.page_items`)
        are kept for a later run."""
        bg = self._bg
        n_rows = sum(len(cp.paragraphs) for cp in pages)
        if self.progress:
            self.progress("store", 0, n_rows)
        if cluster_of is None:
            cluster_of = {m: cl.id for cl in clusters for m in cl.member_ids}
        page_rows = [_page_row(seq, cp) for seq, cp in enumerate(pages)]
        cluster_rows = [(cl.id, cl.kind, cl.kept_id, len(cl.member_ids), cl.pages,
                         json.dumps(list(cl.member_ids))) for cl in clusters]
        from corpus_cli.storage import delta

        digests = delta.paragraph_digests(pages, drops, cluster_of)
        plan = None
        if self._old is not None:
            c = self.store.conn
            plan = delta.plan_paragraphs(c, self._old, pages, page_rows, drops, cluster_of,
                                         n_rows, digests)
            if plan is None:
                self._clear()
            else:
                self.mode = "delta"
                cl_delete, cluster_rows = delta.cluster_changes(c, cluster_rows)
                pi_delete, pi_rows = delta.page_items_changes(c, page_rows, page_items or {})
        removed: Counter = Counter()
        copies: Counter = Counter()
        if plan is None:
            bg.executemany("INSERT INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", page_rows)
            if page_items:
                bg.executemany("INSERT INTO page_items VALUES (?,?)",
                               ((cp.page.path, page_items[cp.page.path]) for cp in pages
                                if cp.page.path in page_items))
            bg.executemany(
                "INSERT INTO paragraphs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                _counted(_paragraph_rows(pages, drops, cluster_of, removed, copies),
                         self.progress, "store", n_rows),
            )
            bg.executemany("INSERT INTO page_dedupe VALUES (?,?)", digests.items())
        else:
            bg.executemany("DELETE FROM paragraphs WHERE path = ?",
                           ((p,) for p in plan.rewrite))
            bg.executemany("DELETE FROM pages WHERE path = ?",
                           ((p,) for p in plan.remove_pages))
            bg.executemany("DELETE FROM page_dedupe WHERE path = ?",
                           ((p,) for p in plan.remove_pages))
            bg.executemany("INSERT OR REPLACE INTO page_dedupe VALUES (?,?)", plan.digests)
            bg.executemany("INSERT OR REPLACE INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           plan.page_rows)
            bg.executemany("UPDATE pages SET seq = ?, mtime_ns = ? WHERE path = ?",
                           plan.page_moves)
            bg.executemany("UPDATE paragraphs SET cluster_id = ?, kept_id = ?,"
                           " similarity = ?, rule = ? WHERE rowid = ?", plan.updates)
            bg.executemany(
                "INSERT INTO paragraphs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                _paragraph_rows(plan.insert_pages, drops, cluster_of, Counter(), Counter()))
            _paragraph_counts(pages, drops, removed, copies)
            bg.executemany("DELETE FROM clusters WHERE id = ?", ((i,) for i in cl_delete))
            bg.executemany("DELETE FROM page_items WHERE path = ?", ((p,) for p in pi_delete))
            bg.executemany("INSERT INTO page_items VALUES (?,?)", pi_rows)
        self._counts.update(pages=len(pages), paragraphs=n_rows,
                            removed_by_reason=_grouped(removed),
                            duplicates_by_rule=_grouped(copies),
                            clusters_by_kind=_grouped(Counter(cl.kind for cl in clusters)))
        self._index("paragraphs")
        bg.executemany("INSERT INTO clusters VALUES (?,?,?,?,?,?)", cluster_rows)
        self._done.add("paragraphs")
        if self.progress:
            self.progress("store", n_rows, n_rows)

    def signatures(self, key: str, blobs: tuple[memoryview, memoryview] | None,
                   *state: tuple | None) -> None:
        """Keep the MinHash signatures of the corpus's texts (see :meth:`Store.signatures`):
        ``blobs`` are the texts' 16-byte digests and their signatures, in the same order
        (see :meth:`corpus_cli.dedupe.SignatureCache.blobs`). They are kept in shards by
        digest (see :func:`signature_shards`); a delta write writes only the shards whose
        texts differ from those stored. ``state`` is what dedupe keeps of the same texts
        besides (:meth:`~corpus_cli.dedupe.SignatureCache.pair_blobs`,
        :meth:`~corpus_cli.dedupe.SignatureCache.candidate_blobs`: each ``(what, key,
        {name: blob})`` or None), kept in the ``dedupe_state`` table (see :meth:`_state`)."""
        self._done.add("signatures")
        if blobs is None:
            self.info.pop("signatures", None)
            if self.mode == "delta":
                self._bg.execute("DELETE FROM signatures")
                self._bg.execute("DELETE FROM dedupe_state")
            return
        bits, rows = signature_shards(*blobs)
        self.info["signatures"] = made = {"key": key, "bits": bits}
        kept = {}
        parts = []
        for one in state:
            if one is not None:
                what, made_by, arrays = one
                kept[what] = made_by
                parts += [(name, n, data[at : at + STATE_PART])
                          for name, data in arrays.items()
                          for n, at in enumerate(range(0, len(data), STATE_PART))]
        self._state(parts)
        insert = "INSERT INTO signatures VALUES (?,?,?)"
        if self.mode != "delta":
            self._bg.executemany(insert, rows)
            made.update(kept)
            return
        # (the same hash functions and shards, whatever else was kept with them)
        same_shards = {k: v for k, v in (self._old.signatures or {}).items()
                       if k in made} == made
        made.update(kept)

        def delta_write(c: sqlite3.Connection) -> None:  # in the thread: it reads
            if not same_shards:  # other hash functions or shards: every row again
                c.execute("DELETE FROM signatures")
                c.executemany(insert, rows)
                return
            new = {r[0]: r for r in rows}
            gone: list[tuple[int]] = []
            for shard, digests in c.execute("SELECT shard, digests FROM signatures"):
                want = new.get(shard)
                if want is None:
                    gone.append((shard,))
                elif want[1] == digests:  # the same texts: the same signatures
                    del new[shard]
            c.executemany("DELETE FROM signatures WHERE shard = ?", gone)
            c.executemany("INSERT OR REPLACE INTO signatures VALUES (?,?,?)", new.values())

        self._bg.run(delta_write)

    def _state(self, parts: list[tuple[str, int, memoryview]]) -> None:
        """Write the rows of the ``dedupe_state`` table; a delta write only those that
        differ from the stored ones."""
        insert = "INSERT OR REPLACE INTO dedupe_state VALUES (?,?,?)"
        if self.mode != "delta":
            self._bg.executemany(insert, parts)
            return

        def delta_write(c: sqlite3.Connection) -> None:  # in the thread: it reads
            new = {(name, n): data for name, n, data in parts}
            gone = []
            for name, n, data in c.execute("SELECT name, part, data FROM dedupe_state"):
                want = new.get((name, n))
                if want is None:
                    gone.append((name, n))
                elif want == data:
                    del new[name, n]
            c.executemany("DELETE FROM dedupe_state WHERE name = ? AND part = ?", gone)
            c.executemany(insert, ((*k, v) for k, v in new.items()))

        self._bg.run(delta_write)

    def index(self, articles: Sequence[Article]) -> None:
        """Start the search index of the items to write (built from memory in a thread,
        see :class:`corpus_cli.storage.index.BackgroundBuild`) and give them their rowids:
        as soon as the items are known (their id, title, text, date and kind; what
        :meth:`items` adds, dates and entities, is not indexed), so that the index is
        built while the rest is made and written. :meth:`items` must then be given the
        same items (by id); it calls this itself when it was not called.

        Over a stored corpus, a stored item keeps its rowid and a new one takes the next
        free one (so the current index can be kept or extended, see
        :class:`~corpus_cli.storage.index.BackgroundBuild`); in a new store they are 1, 2,
        ... in the order given (see :func:`index_rows`), and the index, built whole, is
        started by :meth:`items` (once the pages are let go: a fresh run's peak of memory
        is while the items are annotated, and the build would add to it)."""
        if "index" in self._done:
            raise StoreError("Writer.index called twice")
        self._done.add("index")
        stored = self._stored_rowids
        top = max(stored.values(), default=0)
        rowid_of: dict[str, int] = {}
        for a in articles:
            r = stored.get(a.id)
            if r is None:
                top += 1
                r = top
            rowid_of[a.id] = r
        if len(rowid_of) != len(articles):
            raise StoreError("two items to write have the same id")
        self._rowid_of = rowid_of
        if not self.want_index:
            return
        if self._old is None:
            self._index_later = True
            return
        self._start_index(articles)

    def _start_index(self, articles: Sequence[Article]) -> None:
        """Start the side index's build of ``articles`` (with the rowids :meth:`index`
        gave them), made from the current generation when it can be."""
        from corpus_cli.storage import index

        rowid_of = self._rowid_of
        db = self.store.path
        self._base_token = self._old.index_token if self._old is not None else None
        base = index.generation(db, self._base_token)
        self.token = index.new_token()
        self._side = index.start_build(
            db, self.token, index_rows(articles, [rowid_of[a.id] for a in articles]),
            len(articles), self.progress, base=base)

    def items(
        self,
        articles: Sequence[Article],
        entities: Sequence[Entity],
        problems: Sequence[Problem] = (),
        keys: Sequence[str] | None = None,
        mentions: Sequence | None = None,
    ) -> None:
        """The items (with the rowids :meth:`index` gave them), their sources and entity
        mentions, the entities and the problems. The search index of these items is
        built from memory meanwhile, in a thread (started by :meth:`index`). ``keys`` and
        ``mentions`` (per item: its annotation key and its raw entity mentions as JSON,
        see :meth:`Store.annotations` and :func:`corpus_cli.pipeline.mentions_json`) let
        a later run reuse the annotations."""
        if "paragraphs" not in self._done:
            raise StoreError("Writer.items before Writer.paragraphs")
        if "index" not in self._done:
            self.index(articles)
        elif len(articles) != len(self._rowid_of) or any(
                a.id not in self._rowid_of for a in articles):
            raise StoreError("Writer.items given other items than Writer.index")
        if self._index_later:
            self._index_later = False
            self._start_index(articles)
        if self.mode == "delta":
            if "signatures" not in self._done:  # none this time: none kept
                self._bg.execute("DELETE FROM signatures")
                self._bg.execute("DELETE FROM dedupe_state")
            self._items_delta(articles, entities, problems, keys, mentions)
        else:
            self._items_bulk(articles, entities, problems, keys, mentions)
        self._items = len(articles)
        self._counts.update(_item_counts(articles), entities=len(entities))
        self._done.add("items")

    def _items_bulk(self, articles, entities, problems, keys, mentions) -> None:
        bg = self._bg
        rowid_of = self._rowid_of
        bg.executemany(
            "INSERT INTO items (rowid, id, kind, title, date, date_precision,"
            " date_inferred, year, text, urls, sources, paragraph_ids, dates, entities, copies,"
            " first_path, first_line, date_source, digest, annotation_key, mentions)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ((*self._keep_digest(_item_row(rowid_of[a.id], a)),
              keys[n] if keys is not None else None,
              mentions[n] if mentions is not None else None)
             for n, a in _counted(enumerate(articles), self.progress, "items",
                                  len(articles) * 2)),
        )
        bg.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
        self._index("items")
        bg.executemany("INSERT INTO sources VALUES (?,?,?,?)",
                       ((a.id, s.path, s.line_start, s.line_end)
                        for a in _counted(articles, self.progress, "items", len(articles) * 2,
                                          len(articles))
                        for s in a.sources))
        bg.executemany("INSERT INTO entity_mentions VALUES (?,?,?,?)", _mention_rows(articles))
        bg.executemany("INSERT INTO entities VALUES (?,?,?,?,?)", _entity_rows(entities))
        bg.executemany("INSERT INTO entity_aliases VALUES (?,?,?)", _alias_rows(entities))
        self._index("sources", "entity_mentions", "entity_aliases")
        bg.executemany("INSERT INTO problems VALUES (?,?)",
                       ((p.path, p.message) for p in problems if p.level == "error"))

    def _items_delta(self, articles, entities, problems, keys, mentions) -> None:
        from corpus_cli.storage import delta

        bg = self._bg
        bg.wait()  # the paragraphs are stored: the connection is free to read
        c = self.store.conn
        rowid_of = self._rowid_of
        rowids = [rowid_of[a.id] for a in articles]
        plan = delta.plan_items(c, (self._keep_digest(_item_row(0, a)) for a in _counted(
            articles, self.progress, "items", len(articles) * 2)), rowids, keys, mentions)
        rows = plan.rows
        ent_delete, ent_rows = delta.entity_changes(c, list(_entity_rows(entities)))
        # FTS5 'delete' needs the values it indexed: before the rows change
        bg.executemany("INSERT INTO items_fts(items_fts, rowid, title, text)"
                       " SELECT 'delete', rowid, title, text FROM items WHERE rowid = ?",
                       ((r,) for r in plan.fts_delete))
        gone = [i for _r, i in plan.delete] + [rows[n][1] for n in plan.changed]
        bg.executemany("DELETE FROM items WHERE rowid = ?", ((r,) for r, _i in plan.delete))
        bg.executemany("DELETE FROM sources WHERE item_id = ?", ((i,) for i in gone))
        bg.executemany("DELETE FROM entity_mentions WHERE item_id = ?", ((i,) for i in gone))
        bg.executemany(
            "INSERT OR REPLACE INTO items (rowid, id, kind, title, date, date_precision,"
            " date_inferred, year, text, urls, sources, paragraph_ids, dates, entities, copies,"
            " first_path, first_line, date_source, digest, annotation_key, mentions)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ((rowids[n], *rows[n][1:], keys[n] if keys is not None else None,
              mentions[n] if mentions is not None else None) for n in plan.replace))
        bg.executemany("UPDATE items SET annotation_key = ?, mentions = ? WHERE rowid = ?",
                       plan.annotations)
        bg.executemany("INSERT INTO items_fts(rowid, title, text) VALUES (?,?,?)",
                       ((rowids[n], rows[n][3], rows[n][8]) for n in plan.fts_insert))
        changed = [articles[n] for n in plan.replace]
        bg.executemany("INSERT INTO sources VALUES (?,?,?,?)",
                       ((a.id, s.path, s.line_start, s.line_end)
                        for a in changed for s in a.sources))
        bg.executemany("INSERT INTO entity_mentions VALUES (?,?,?,?)", _mention_rows(changed))
        bg.executemany("DELETE FROM entities WHERE name = ? AND type = ?",
                       ((n, t) for n, t, _a in ent_delete))
        bg.executemany("DELETE FROM entity_aliases WHERE alias = ? AND name = ? AND type = ?",
                       ((alias, n, t) for n, t, a in ent_delete
                        for alias in {n, *json.loads(a)}))
        bg.executemany("INSERT INTO entities VALUES (?,?,?,?,?)", ent_rows)
        news = {(r[0], r[1]) for r in ent_rows}
        bg.executemany("INSERT INTO entity_aliases VALUES (?,?,?)", _alias_rows(
            e for e in entities if (e.name, e.type) in news))
        bg.execute("DELETE FROM problems")
        bg.executemany("INSERT INTO problems VALUES (?,?)",
                       ((p.path, p.message) for p in problems if p.level == "error"))

    def _keep_digest(self, row: tuple) -> tuple:
        self.digests[row[1]] = row[-1]
        return row

    def commit(self) -> None:
        """Write the meta data, commit, then put the search index into place."""
        if "items" not in self._done:
            raise StoreError("Writer.commit before Writer.items")
        meta = {"written_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        meta.update(self.info)
        if self._side is not None:
            self._side.wait()
            if self._side.kept:  # the current index holds these items: it stays
                meta["index_token"] = self._base_token
                self._side = None
            else:
                meta["index_token"] = self.token
        meta["counts"] = {**self._counts, "written_at": meta["written_at"]}
        n_rows = self._counts.get("paragraphs")

        def finish(c: sqlite3.Connection) -> None:
            # Store._kept tells the counts of this write by the last paragraph rowid: the
            # number of paragraphs after a bulk write, another after a delta
            last = c.execute("SELECT MAX(rowid) FROM paragraphs").fetchone()[0] or 0
            if last != n_rows:
                meta["counts"]["paragraph_rowid"] = last
            # a write without a new index token makes any side index stale (storage.index)
            c.execute("DELETE FROM meta WHERE key = 'index_token'")
            if "signatures" not in meta:  # none kept by this write
                c.execute("DELETE FROM meta WHERE key = 'signatures'")
            c.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)",
                          ((k, json.dumps(v)) for k, v in meta.items()))
            c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            c.execute("COMMIT")

        self._bg.run(finish)
        self._bg.wait()
        self._bg.stop()
        self._bg = None
        self.store.version = SCHEMA_VERSION
        if self.progress:
            n = 2 * self._items
            self.progress("items", n, n)
        if self._side is not None:
            self._side.publish()
            self._side = None

    def abort(self) -> None:
        """Roll back and discard the index being built (nothing happens after a commit)."""
        if self._bg is not None:
            self._bg.stop(interrupt=True)
            self._bg = None
        if self._side is not None:
            self._side.discard()
            self._side = None
        if self.store.conn.in_transaction:
            self.store.conn.execute("ROLLBACK")


def _page_row(seq: int, cp: CleanPage) -> tuple:
    """The row of ``pages`` of the ``seq``-th page."""
    return (cp.page.path, seq, cp.url, site_of(cp.url, cp.page.path), cp.page.content_hash,
            cp.fingerprint, cp.copy, cp.page.encoding, cp.page.size, cp.page.mtime_ns,
            json.dumps(list(cp.urls)), len(cp.paragraphs), _meta_json(cp.page.meta))


STATE_PART = 8 << 20  # bytes per row of the dedupe_state table

# Texts per shard of the signatures table, about: few, so that a delta write adding or
# removing a few texts rewrites few of their rows; many, so that a read reads few rows.
SIGNATURE_SHARD = 8


def signature_shards(digests, signatures) -> tuple[int, list[tuple[int, bytes, bytes]]]:
    """The rows of the ``signatures`` table for the texts with these 16-byte digests and
    signatures (buffers, in the same order): the number of leading bits of a digest that
    name its shard (from the number of texts: about :data:`SIGNATURE_SHARD` texts a shard),
    and per shard that holds texts, ``(shard, digests, signatures)``, the texts in digest
    order (a text given twice, once)."""
    import numpy as np

    d = np.frombuffer(digests, dtype="S16")
    n = len(d)
    if n == 0:
        return 0, []
    sigs = np.frombuffer(signatures, dtype="u1")
    if len(sigs) % n:
        raise StoreError(f"signatures that do not fit their digests ({n} digests, "
                         f"{len(sigs)} bytes)")
    sigs = sigs.reshape(n, -1)
    d, first = np.unique(d, return_index=True)  # sorted
    sigs = sigs[first]
    bits = min(24, max(0, (len(d) // SIGNATURE_SHARD).bit_length() - 1))
    # the first 4 bytes of each digest, big-endian: its leading bits
    heads = np.frombuffer(d.tobytes(), dtype=">u4")[::4].astype(np.int64) >> (32 - bits)
    cuts = [0, *(np.flatnonzero(np.diff(heads)) + 1).tolist(), len(d)]
    db, sb = d.tobytes(), sigs.tobytes()
    w = sigs.shape[1]
    return bits, [(int(heads[a]), db[16 * a : 16 * b], sb[w * a : w * b])
                  for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def _mention_rows(articles: Iterable[Article]) -> Iterator[tuple]:
    return ((a.id, e["name"], e["type"], e["mentions"]) for a in articles
            for e in sorted(a.entities, key=lambda e: (e["name"], e["type"])))


def _entity_rows(entities: Iterable[Entity]) -> Iterator[tuple]:
    return ((e.name, e.type, json.dumps(list(e.aliases), ensure_ascii=False), e.mentions,
             e.articles) for e in entities)


def _alias_rows(entities: Iterable[Entity]) -> Iterator[tuple]:
    return ((alias, e.name, e.type) for e in entities for alias in {e.name, *e.aliases})


def _paragraph_counts(pages: Sequence[CleanPage], drops: Mapping[str, Drop],
                      removed: Counter, copies: Counter) -> None:
    """What :func:`_paragraph_rows` counts, without making the rows."""
    get_drop = drops.get
    for cp in pages:
        for p in cp.paragraphs:
            if p.status == "removed":
                removed[p.reason] += 1
            d = get_drop(p.id)
            if d is not None:
                copies[d.reason] += 1


def item_urls(a: Article) -> list[str]:
    """The distinct URLs of an item's sources, in source order."""
    out: list[str] = []
    for s in a.sources:
        if s.url and s.url not in out:
            out.append(s.url)
    return out


def _where(f: ArticleFilter) -> tuple[str, list]:
    clauses: list[str] = []
    args: list = []
    if f.year is not None:
        clauses.append("a.year = ?")
        args.append(f.year)
    if f.date_from:
        clauses.append("a.date >= ?")
        args.append(f.date_from)
    if f.date_to:
        clauses.append("a.date <= ?")
        args.append(f.date_to + "\uffff")
    if f.kind:
        clauses.append("a.kind = ?")
        args.append(f.kind)
    if f.source:
        clauses.append(
            "a.id IN (SELECT item_id FROM sources WHERE instr(path, ?) > 0)")
        args.append(f.source)
    if f.site:
        site = f.site.strip().lower().removeprefix("www.")
        like = site.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(
            "a.id IN (SELECT s.item_id FROM sources s JOIN pages p ON p.path = s.path"
            " WHERE p.site = ? OR p.site LIKE ? ESCAPE '\\')")
        args += [site, "%." + like]
    if f.entity:
        clauses.append(
            "a.id IN (SELECT ae.item_id FROM entity_mentions ae JOIN entity_aliases al"
            " ON al.name = ae.name AND al.type = ae.type WHERE al.alias = ?)")
        args.append(f.entity)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", args


def _counted(rows: Iterable, progress, stage: str, total: int, start: int = 0,
             every: int = 5000) -> Iterator:
    """``rows`` as they are, reporting ``progress(stage, start + done, total)`` every
    ``every`` rows: a bar that moves while SQLite takes them."""
    if not progress:
        yield from rows
        return
    for n, row in enumerate(rows, 1):
        yield row
        if n % every == 0:
            progress(stage, start + n, total)


def _removals_json(removals: tuple[Removal, ...]) -> str:
    return json.dumps([r.to_dict() for r in removals], ensure_ascii=False)


# Entities in most items kept with the counts of a write (``corpus stats --top`` up to this
# many is read from them).
TOP_ENTITIES = 100


def _item_counts(articles: Sequence[Article]) -> dict:
    """What :meth:`Store.item_stats`, :meth:`Store.date_histogram` and
    :meth:`Store.top_entities` give for all the items, counted from the items written."""
    dates = [a.date for a in articles if a.date is not None]
    per_entity: Counter = Counter()
    for a in articles:
        per_entity.update({(e["name"], e["type"]) for e in a.entities})
    top = sorted(per_entity.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_ENTITIES]
    return {
        "items_by_kind": _grouped(Counter(a.kind for a in articles)),
        "undated": len(articles) - len(dates),
        "date_min": min(dates) if dates else None,
        "date_max": max(dates) if dates else None,
        "histogram_7": _grouped(Counter(d[:7] for d in dates if len(d) >= 7)),
        "histogram_4": _grouped(Counter(d[:4] for d in dates if len(d) >= 4)),
        "top_entities": [[name, typ, n] for (name, typ), n in top],
        "entity_count": len(per_entity),
    }


def _grouped(counts: Counter) -> list[list]:
    """``[key, count]`` pairs in the order of SQL's ``GROUP BY key`` (NULL first)."""
    return sorted(([k, n] for k, n in counts.items()),
                  key=lambda kv: (kv[0] is not None, kv[0] or ""))


def _paragraph_rows(pages, drops, cluster_of, removed: Counter, copies: Counter):
    """The rows of the paragraphs table; ``removed`` counts the noise by reason and
    ``copies`` the dropped copies by rule."""
    # the same line on many pages has the same removals (one tuple, see clean._CLEANED)
    removals_json = Memo(_removals_json)
    get_drop = drops.get
    get_cluster = cluster_of.get
    for cp in pages:
        for p in cp.paragraphs:
            pid = p.id
            d = get_drop(pid)
            if p.status == "removed":
                removed[p.reason] += 1
            if d is not None:
                copies[d.reason] += 1
            text = p.text
            # raw is stored only where it differs from the cleaned text
            row = (pid, p.path, p.index, p.line_start, p.line_end,
                   None if p.raw == text else p.raw, text, p.kind, p.status, p.reason,
                   p.dateline, p.script, removals_json[p.removals] if p.removals else "[]",
                   get_cluster(pid))
            yield (*row, None, None, None) if d is None else (*row, d.kept_id, d.score,
                                                               d.reason)


def _meta_json(meta: PageMeta | None) -> str | None:
    if meta is None:
        return None
    return json.dumps(meta.to_dict(), ensure_ascii=False)


def _meta(value: str | None) -> PageMeta | None:
    if not value:
        return None
    from corpus_cli.models import PageMeta

    known = set(PageMeta.__slots__)
    return PageMeta(**{k: v for k, v in json.loads(value).items() if k in known})


# the columns of a paragraph as cleaned (no dedupe columns), in Paragraph's field order
_CLEAN_COLUMNS = ("id, idx, line_start, line_end, raw, text, kind, status, reason, dateline,"
                  " script, removals")
# the columns of a page row that make its CleanPage (see clean_page_of)
_PAGE_COLUMNS = "path, encoding, content_hash, size, mtime_ns, meta, urls, fingerprint, copy"
# where a paragraph's text, kind and status are in a row of _CLEAN_COLUMNS
ROW_TEXT, ROW_KIND, ROW_STATUS = 5, 6, 7

# a stored page as rows: its row of _PAGE_COLUMNS, its paragraphs' rows of _CLEAN_COLUMNS
PageRows = tuple[tuple, list[tuple]]


class RemovalsReader(dict):
    """The removals JSON of a paragraphs row as a tuple of Removal, once per distinct
    value (the same furniture line is on many pages)."""

    def __missing__(self, value: str) -> tuple[Removal, ...]:
        from corpus_cli.models import Removal

        got = tuple(Removal(**x) for x in json.loads(value))
        self[value] = got
        return got


def clean_page_of(rows: PageRows, removals: dict | None = None, mtime_ns: int | None = None
                  ) -> CleanPage:
    """A stored page from its rows (see :meth:`Store.page_rows`), as it was cleaned (its
    text is not kept: ``page.text`` is empty); ``mtime_ns`` replaces the stored one.
    ``removals`` (a :class:`RemovalsReader`) shares the removals of many pages. A re-run
    makes every unchanged page this way: one comprehension, no call per paragraph but the
    record's."""
    from corpus_cli.models import CleanPage, Page, make_paragraph

    if removals is None:
        removals = RemovalsReader()
    (path, encoding, content_hash, size, mtime, meta, urls, fingerprint, copy), paras = rows
    page = Page(path=path, text="", encoding=encoding, content_hash=content_hash, size=size,
                mtime_ns=mtime if mtime_ns is None else mtime_ns, meta=_meta(meta))
    # SQLite gives a new string for every value: the few values repeated on every row are
    # interned and the page's path shared (see _paragraph)
    paragraphs = tuple([
        make_paragraph(pid, path, idx, start, end, text if raw is None else raw, text,
                       intern(kind), intern(status),
                       intern(reason) if reason is not None else None, dateline,
                       intern(script), () if rem == "[]" else removals[rem])
        for pid, idx, start, end, raw, text, kind, status, reason, dateline, script, rem
        in paras])
    return CleanPage(page, paragraphs, () if urls == "[]" else tuple(json.loads(urls)),
                     fingerprint, copy)


def _paragraph(r: sqlite3.Row, path: str | None = None) -> tuple[Paragraph, Drop | None]:
    from corpus_cli.models import Drop, Paragraph, Removal

    raw = r["raw"] if r["raw"] is not None else r["text"]
    # SQLite gives a new string for every value: the few values repeated on every row are
    # interned (and the page's path shared) so that a million paragraphs read back take
    # no more memory than when they were made.
    reason = r["reason"]
    p = Paragraph(
        r["id"], path if path is not None else r["path"], r["idx"], r["line_start"],
        r["line_end"], raw, r["text"], intern(r["kind"]), intern(r["status"]),
        intern(reason) if reason is not None else None, r["dateline"], intern(r["script"]),
        tuple(Removal(**x) for x in json.loads(r["removals"])) if r["removals"] != "[]"
        else (),
    )
    d = None
    if r["kept_id"]:
        d = Drop(r["id"], r["kept_id"], r["rule"], r["similarity"], r["cluster_id"])
    return p, d


def _article(r: sqlite3.Row) -> Article:
    from corpus_cli.models import Article, DateMention, Source

    return Article(
        id=r["id"], kind=r["kind"], title=r["title"], date=r["date"],
        date_precision=r["date_precision"], date_inferred=bool(r["date_inferred"]),
        text=r["text"],
        sources=tuple(Source(**s) for s in json.loads(r["sources"])),
        paragraph_ids=tuple(json.loads(r["paragraph_ids"])),
        dates=tuple(DateMention(**d) for d in json.loads(r["dates"])),
        entities=tuple(json.loads(r["entities"])),
        date_source=r["date_source"],
    )


BUSY_SECONDS = 30.0  # how long a run waits for another writer before the store is "busy"


def _uri_path(path: str) -> str:
    """``path`` in an SQLite ``file:`` URI: the characters that URI syntax reads (``%``,
    ``?``, ``#``) and back-slashes escaped, the others as they are (SQLite reads UTF-8; what
    ``urllib.parse.quote`` would give, without importing it on every start)."""
    return (path.replace("%", "%25").replace("?", "%3F").replace("#", "%23")
            .replace("\\", "%5C"))


def _connect(path: str, mode: str = "rw") -> sqlite3.Connection:
    """A connection to the store: ``rw`` reads and writes (and creates the file), ``ro``
    only reads (it never writes the file: no checkpoint, no recovery), ``immutable`` reads
    a file that nothing writes (a store in a read-only folder: SQLite cannot make the
    shared-memory file a WAL reader needs there)."""
    # a write's SQL runs in a thread of its own (see Writer), one thread at a time
    if mode == "rw":
        conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None,
                               check_same_thread=False)
    else:
        uri = f"file:{_uri_path(os.path.abspath(path))}?mode=ro"
        if mode == "immutable":
            uri += "&immutable=1"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


_HEADER = 100  # bytes of an SQLite file's header


def _header(path: str) -> bytes:
    """The first 100 bytes of the file at ``path`` (fewer for a short file)."""
    with open(path, "rb") as fh:
        return fh.read(_HEADER)


def _read_connection(path: str) -> sqlite3.Connection:
    """A read-only connection to an existing SQLite file that cannot change its bytes.

    In WAL mode without a ``-wal`` file there is nothing pending: the file is read as
    immutable (no ``-shm`` file made next to another application's database, and it works
    in a read-only folder). With a ``-wal`` file the WAL is read too, read-only (never
    checkpointed into the file). In a read-only folder whose ``-shm`` cannot be made, a
    WAL that holds nothing yet is read as immutable as well."""
    head = _header(path)
    wal_mode = len(head) >= 20 and head[18] == 2
    pending = os.path.exists(path + "-wal") and os.path.getsize(path + "-wal") > 0
    if wal_mode and not pending and not os.path.exists(path + "-shm"):
        conn = _connect(path, "immutable")
    else:
        conn = _connect(path, "ro")
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            if pending or os.access(os.path.dirname(os.path.abspath(path)), os.W_OK):
                raise
            conn = _connect(path, "immutable")  # an empty -wal in a read-only folder
    return conn


def _inspect(path: str, create: bool) -> tuple[sqlite3.Connection | None, int, int]:
    """What the file at ``path`` is, read without writing it: a read-only connection to it
    (``None`` for a new or empty file), its application id and schema version. Raises
    :class:`StoreError` for a file that is not a store (or, without ``create``, an empty
    or missing one or one of an older schema) and for a store of a newer schema."""
    exists = os.path.exists(path)
    if not exists and not create:
        raise StoreError(
            f"no corpus store at {path}: build one with 'corpus dedupe PATH...' "
            f"(or point --db / ${ENV_DB} at one)")
    if exists and os.path.isdir(path):
        raise StoreError(f"{path} is a folder, not a corpus store")
    size = os.path.getsize(path) if exists else 0
    if size > 0:
        try:
            magic = _header(path)[:16]
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
        if magic != b"SQLite format 3\x00":
            raise StoreError(f"{path} is not a corpus store (not an SQLite database)")
    app_id = version = tables = 0
    conn = None
    if size > 0:
        try:
            conn = _read_connection(path)
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise StoreError(f"{path} is not a usable corpus store ({exc})") from None
    if app_id != APPLICATION_ID:
        if tables or app_id:
            conn.close()
            raise StoreError(f"{path} is an SQLite database but not a corpus store")
        if not create:
            if conn is not None:
                conn.close()
            raise StoreError(f"{path} is empty: build the corpus with 'corpus dedupe PATH...'")
    elif version > SCHEMA_VERSION:
        conn.close()
        raise StoreError(
            f"{path} was written by a newer corpus (schema {version} > {SCHEMA_VERSION}): "
            "upgrade corpus-cli to read it")
    elif version < SCHEMA_VERSION and not create:
        conn.close()
        raise StoreError(
            f"{path} was written by an older corpus (schema {version}; ids are now "
            "content-based): rebuild it with 'corpus dedupe PATH... --db "
            f"{path}' (add --replace if its pages are not all among the inputs)")
    return conn, app_id, version


def check_store(path: str | None = None) -> bool:
    """Check, writing nothing (not even creating the file), that a run can write the store
    at ``path``: a corpus store, an empty file, or a new file in a folder that can be
    written. Returns whether a corpus store is there already; raises :class:`StoreError`
    with the reason it cannot be written."""
    path = path or default_path()
    conn, app_id, _version = _inspect(path, create=True)
    if conn is not None:
        conn.close()
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise StoreError(f"cannot write the store {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and
                                          not os.access(path, os.W_OK)):
        raise StoreError(f"cannot write the store {path}: the file or its folder {folder} "
                         "is read-only")
    return app_id == APPLICATION_ID


def open_store(path: str | None = None, create: bool = False, cache_kib: int = 32768,
               write: bool = False) -> Store:
    """Open the store at ``path`` (default: $CORPUS_DB or ./corpus.db) to read it, with
    ``write`` to write it, or with ``create`` to write it creating it if needed. Raises
    :class:`StoreError` with a one-line reason when it cannot.

    What the file is is checked before anything can write to it: the file is first read
    through a read-only connection (a WAL that another application left pending is read,
    never checkpointed into its file), and only a corpus store (or an empty or new file,
    with ``create``) is then opened for writing. A store opened to read is never written,
    so it can be read in a read-only folder. A store of an older schema is refused for
    reading; opened with ``create`` (to be written), it is rebuilt by the next write.
    ``cache_kib`` is SQLite's page cache."""
    path = path or default_path()
    conn, app_id, version = _inspect(path, create)
    if not (write or create):
        try:
            conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path}: cannot open the store ({exc})") from None
        return Store(conn, path, version)
    if conn is not None:  # now known to be a store (or an empty file): open it to write
        conn.close()
    try:
        conn = _connect(path)
        if app_id != APPLICATION_ID:  # a new store
            conn.execute("PRAGMA journal_mode=WAL")
            for stmt in _SCHEMA:
                conn.execute(stmt)
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            version = SCHEMA_VERSION
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: cannot write the store ({_why(exc, path)})") from None
    return Store(conn, path, version)


def _why(exc: sqlite3.DatabaseError, path: str) -> str:
    """A reason a user can act on for an SQLite error."""
    from corpus_cli.errors import explain

    text = str(exc)
    if "disk is full" in text or "locked" in text:
        return explain(exc) or text
    if "readonly" in text or "unable to open" in text:
        folder = os.path.dirname(os.path.abspath(path))
        if not os.access(folder, os.W_OK) or not os.access(path, os.W_OK):
            return f"{text}: the file or its folder {folder} is read-only"
    return text


def index_rows(articles: Sequence[Article], rowids: Sequence[int] | None = None
               ) -> Iterator[tuple[int, str | None, str, int | None, str | None, str]]:
    """What :meth:`Store.index_rows` will give once a :class:`Writer` has written
    ``articles`` (with rowids 1, 2, ..., or ``rowids``): the side index can be built from
    memory while the store is written."""
    for n, a in enumerate(articles):
        yield (n + 1 if rowids is None else rowids[n], a.title, a.text,
               int(a.date[:4]) if a.date else None, a.date, a.kind)


class StoredParagraphs(Mapping):
    """The paragraphs of the store at ``path`` by id, read when asked for: what a run's
    report holds instead of a million paragraphs in memory. The first lookups are read one
    by one; past ``BULK`` of them, or when iterated, every paragraph is read in one scan.
    No connection stays open between lookups."""

    BULK = 200

    def __init__(self, path: str, count: int):
        self.path = path
        self._count = count
        self._all: dict[str, Paragraph] | None = None
        self._some: dict[str, Paragraph] = {}
        self._clustered: dict[str, tuple] | None = None
        self._asked = 0

    def _everything(self) -> dict[str, Paragraph]:
        if self._all is None:
            with open_store(self.path) as s:
                self._all = {p.id: p for p, _d in s.paragraphs()}
            self._some = {}
        return self._all

    def __getitem__(self, pid: str) -> Paragraph:
        if self._all is not None:
            return self._all[pid]
        got = self._some.get(pid)
        if got is not None:
            return got
        if len(self._some) >= self.BULK:
            return self._everything()[pid]
        with open_store(self.path) as s:
            found = next(s.paragraphs(ids=[pid]), None)
        if found is None:
            raise KeyError(pid)
        self._some[pid] = found[0]
        return found[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything())

    def __len__(self) -> int:
        return self._count

    # paragraphs asked for by rows_many past which those of every cluster are read at once
    SCAN_AFTER = 5_000

    def _scan_clustered(self) -> dict[str, tuple]:
        """:meth:`rows_many`'s row of every paragraph in a cluster, in one scan: past a few
        batches, one scan is several times faster than looking each up by id."""
        with open_store(self.path) as s:
            return _report_rows(s.conn.execute(
                "SELECT id, path, line_start, line_end, kept_id IS NULL,"
                " CASE WHEN kept_id IS NULL THEN text END, similarity, rule"
                " FROM paragraphs WHERE cluster_id IS NOT NULL"))

    def rows_many(self, ids: Sequence[str]) -> Mapping[str, tuple]:
        """The paragraphs of a report's clusters, batch by batch, by id: a kept copy as
        ``(id, path, line_start, line_end, text)``, a dropped copy as ``(id, path,
        line_start, line_end, similarity, rule)`` (its drop's). Read by id, or, once more
        than :attr:`SCAN_AFTER` were asked for, from one scan of the clustered paragraphs
        (the mapping then holds them all). Missing ids raise ``KeyError``."""
        self._asked += len(ids)
        if self._clustered is None and self._asked > self.SCAN_AFTER:
            self._clustered = self._scan_clustered()
        if self._clustered is not None:
            return self._clustered
        with open_store(self.path) as s:
            out = _report_rows(s.conn.execute(
                "SELECT id, path, line_start, line_end, kept_id IS NULL, text, similarity,"
                " rule FROM paragraphs WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(ids)),)))
        missing = [i for i in ids if i not in out]
        if missing:
            raise KeyError(missing[0])
        return out


def _report_rows(rows: Iterable[tuple]) -> dict[str, tuple]:
    """:meth:`StoredParagraphs.rows_many`'s rows from ``(id, path, line_start, line_end,
    kept, text, similarity, rule)``."""
    out: dict[str, tuple] = {}
    shared: dict = {}  # one string for each path and rule (SQLite gives a new one a row)
    share = shared.setdefault
    for pid, path, start, end, kept, text, similarity, rule in rows:
        out[pid] = ((pid, share(path, path), start, end, text) if kept else
                    (pid, share(path, path), start, end, similarity, share(rule, rule)))
    return out


class StoredDrops(Mapping):
    """The drops of the store at ``path`` by paragraph id, read when asked for (one scan of
    the dropped paragraphs at the first lookup). No connection stays open."""

    def __init__(self, path: str):
        self.path = path
        self._all: dict[str, Drop] | None = None

    def _everything(self) -> dict[str, Drop]:
        if self._all is None:
            from corpus_cli.models import Drop

            with open_store(self.path) as s:
                self._all = {r[0]: Drop(r[0], r[1], r[2], r[3], r[4]) for r in s.conn.execute(
                    "SELECT id, kept_id, rule, similarity, cluster_id FROM paragraphs"
                    " WHERE kept_id IS NOT NULL")}
        return self._all

    def __getitem__(self, pid: str) -> Drop:
        return self._everything()[pid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())
