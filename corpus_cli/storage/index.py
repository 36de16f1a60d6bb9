"""The tantivy side index: fast ranked search over large stores.

SQLite FTS5 ranks with ``bm25()`` by visiting *every* item that matches, so a common word
(``the``, ``said``) costs 0.1-0.7 s at a million items. tantivy (a dependency of corpus;
where it cannot be installed, search falls back to FTS5) keeps block-max scores and returns
the top N in milliseconds. It is an embedded library, like SQLite: no server.

Layout, next to the store ``corpus.db``::

    corpus.db.index/
        <token>/        one complete index (tantivy files + info.json, vocabulary.json,
                        documents.bin: the rowid and doc_digest of each document)
        tmp-XXXX/       a build in progress (or left by a killed build: removed by the
        tmp-XXXX.lock   next build, which finds its lock free)

``corpus dedupe`` writes a random *generation token* into the store's ``meta`` table in the
same transaction as the items (:func:`new_token`), builds the index into ``tmp-XXXX``
(from memory while SQLite writes the items, :class:`BackgroundBuild`) and, once the store
has committed, renames it to ``<token>`` (an atomic rename of a new name), then removes the older
generations. A search uses the index only when a folder named after the store's current
token exists: a store written without rebuilding the index (tantivy missing, build failed
or killed, another writer) has a token that names no folder, and search falls back to FTS5.
A stale index can never answer.

The index holds, per item: ``rowid`` (the store's rowid; stored, fast), ``title`` and
``text`` (tokenized like FTS5's ``unicode61 remove_diacritics 2``: runs of letters and
digits, lower-cased, folded to ASCII; with positions, for phrases), ``year``, ``day`` (the
date as YYYYMMDD, a partial date with zeros: 2024-06 -> 20240600, so that integer order is
the order of the ISO strings) and ``kind``. The items themselves are read from SQLite by
rowid; the index returns rowids and scores only.

tantivy is imported inside functions only.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corpus_cli.query import FEW_HITS, Node, Op, Term
from corpus_cli.storage.store import ArticleFilter, Store

if TYPE_CHECKING:
    from corpus_cli.models import Progress

FORMAT = 1
TOKEN_KEY = "index_token"  # the key of the generation token in the store's meta table
INFO = "info.json"
VOCAB = "vocabulary.json"
DOCS = "documents.bin"  # what the index holds of each item: rowid and digest (doc_digest)
TOKENIZER = "corpus"
TOKEN_PATTERN = r"[\p{L}\p{N}]+"
FIELDS = (("title", 2.0), ("text", 1.0))  # and their weights, as FTS5's bm25(2.0, 1.0)
MAX_PREFIX_TERMS = 64  # a prefix with more expansions: the most frequent ones are scored
TERM_SET_MAX = 50_000  # a SQL-side filter up to this many items becomes a tantivy filter
STALE_TMP_SECONDS = 24 * 3600  # without flock: tmp-* folders older than this are removed
WRITER_HEAP = 40_000_000  # bytes, shared by the writer threads (tantivy needs 15 MB each)
_DAY = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def available() -> bool:
    """Whether tantivy can be imported."""
    import importlib.util

    return importlib.util.find_spec("tantivy") is not None


def new_token() -> str:
    """A fresh generation token, to write into the store with the items."""
    import secrets

    return secrets.token_hex(8)


def index_dir(db: str) -> str:
    """The folder of the side indexes of the store at ``db``."""
    return os.path.abspath(db) + ".index"


def day_number(date: str | None) -> int | None:
    """``2024-06-05`` -> 20240605, ``2024-06`` -> 20240600, ``2024`` -> 20240000; ``None``
    for no date or another format."""
    m = _DAY.fullmatch(date) if date else None
    if m is None:
        return None
    return int(m[1]) * 10000 + int(m[2] or 0) * 100 + int(m[3] or 0)


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _analyzer():
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(TOKEN_PATTERN))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .build())


def _schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("rowid", stored=True, indexed=True, fast=True)
    for name, _ in FIELDS:
        sb.add_text_field(name, tokenizer_name=TOKENIZER, index_option="position")
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("day", indexed=True, fast=True)
    sb.add_text_field("kind", tokenizer_name="raw")
    return sb.build()


# ---- building ----------------------------------------------------------------------------
Row = tuple[int, "str | None", str, "int | None", "str | None", str]


def doc_digest(row: Row) -> bytes:
    """8 bytes naming what the index holds of an item (its title, text, date and kind;
    the year is the date's): two rows with the same rowid and digest are the same
    document."""
    import hashlib

    _rowid, title, text, _year, date, kind = row
    h = hashlib.blake2b(digest_size=8)
    for part in (title or "", text, date or "", kind):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.digest()


def _write_docs(path: str, docs: dict[int, bytes]) -> None:
    """The :data:`DOCS` file: 16 bytes per document, its rowid (little-endian) then its
    :func:`doc_digest`, by rowid."""
    with open(path, "wb") as fh:
        fh.write(b"".join(r.to_bytes(8, "little", signed=True) + docs[r]
                          for r in sorted(docs)))


def _read_docs(folder: str) -> dict[int, bytes] | None:
    """``rowid -> digest`` of the documents of the index in ``folder``; ``None`` when it does
    not say (an index built before it did) or the file is damaged."""
    try:
        with open(os.path.join(folder, DOCS), "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if len(data) % 16:
        return None
    return {int.from_bytes(data[i : i + 8], "little", signed=True): data[i + 8 : i + 16]
            for i in range(0, len(data), 16)}


def build_index(store: Store, token: str, progress: Progress | None = None,
                threads: int | None = None) -> str:
    """Index the items of ``store`` under generation ``token`` (the store's current one, as
    written by :meth:`Store.write`). Builds into a temporary folder, renames it into place,
    then removes older generations. Returns the index folder. An exception (or a kill)
    midway leaves the previous index folders as they were."""
    tmp = _build_tmp(store.path, token, store.index_rows(), store.count_items(), progress,
                     threads)
    return _publish(store.path, token, tmp)


def _build_tmp(db: str, token: str, rows: Iterable[Row], total: int,
               progress: Progress | None = None,
               threads: int | None = None, cancel: threading.Event | None = None,
               digests: Mapping[int, bytes] | None = None) -> str:
    """Build the index of ``rows`` into a new temporary folder next to the store at ``db``
    and return it (removed again on any error, or when ``cancel`` is set). ``digests``:
    the rows' :func:`doc_digest` by rowid, when already computed."""
    import tantivy

    def start(tmp: str) -> tuple:
        return tantivy.Index(_schema(), path=tmp), {}, True

    return _write_tmp(db, token, start, rows, total, progress, threads, cancel, digests)


def _write_tmp(db: str, token: str, start, rows: Iterable[Row], total: int,
               progress: Progress | None, threads: int | None,
               cancel: threading.Event | None,
               digests: Mapping[int, bytes] | None = None) -> str:
    """A new temporary folder next to the store at ``db``, its index opened by
    ``start(tmp)`` (which gives the index, the documents it already holds as
    :func:`_read_docs` gives them, and whether their dates are all indexed), the documents
    of ``rows`` added. Removed again on any error or when ``cancel`` is set."""
    root = index_dir(db)
    os.makedirs(root, exist_ok=True)
    _sweep(root)  # what builds killed before left behind
    tmp = _new_build_dir(root)
    index = writer = None
    n = 0
    try:
        index, held, held_dates_ok = start(tmp)
        index.register_tokenizer(TOKENIZER, _analyzer())
        threads = threads or max(1, min(4, os.cpu_count() or 1))
        writer = index.writer(WRITER_HEAP, threads)
        docs, dates_ok = _add_rows(writer, rows, total, progress, cancel, digests)
        n = len(docs)
        docs = {**held, **docs}
        _write_docs(os.path.join(tmp, DOCS), docs)
        _finish(index, writer, tmp, {"token": token, "items": len(docs),
                                     "dates_ok": held_dates_ok and dates_ok})
    except BaseException:
        _discard(writer, tmp)
        _unlock_build(tmp)
        raise
    if progress:
        progress("index", n, total)
    return tmp


def _add_rows(writer, rows: Iterable[Row], total: int, progress: Progress | None,
              cancel: threading.Event | None, digests: Mapping[int, bytes] | None = None
              ) -> tuple[dict[int, bytes], bool]:
    """Add the documents of ``rows``: their :func:`doc_digest` by rowid (taken from
    ``digests`` when given), and whether all their dates are ISO."""
    import tantivy

    dates_ok = True
    n = 0
    docs: dict[int, bytes] = {}
    for row in rows:
        if cancel is not None and cancel.is_set():
            raise _Cancelled
        rowid, title, text, year, date, kind = row
        docs[rowid] = digests[rowid] if digests is not None else doc_digest(row)
        doc = tantivy.Document(rowid=rowid, text=_nfc(text), kind=kind)
        if title:
            doc.add_text("title", _nfc(title))
        if year is not None:
            doc.add_integer("year", year)
        day = day_number(date)
        if day is not None:
            doc.add_integer("day", day)
        elif date:
            dates_ok = False
        writer.add_document(doc)
        n += 1
        if progress and n % 10000 == 0:
            progress("index", n, total)
    return docs, dates_ok


def _finish(index, writer, tmp: str, info: dict) -> None:
    """Commit, write the vocabulary and ``info.json`` (last: a folder without it is no
    index)."""
    import tantivy

    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    _write_vocabulary(index.searcher(), os.path.join(tmp, VOCAB))
    info = {"format": FORMAT, **info, "tantivy": getattr(tantivy, "__version__", None),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with open(os.path.join(tmp, INFO), "w", encoding="utf-8") as fh:
        json.dump(info, fh)
        fh.flush()
        os.fsync(fh.fileno())


# files tantivy rewrites (by writing a new file and renaming it): copied, not linked
_REWRITTEN = ("meta.json", ".managed.json")


def generation(db: str, token: str | None) -> str | None:
    """The folder of the side index of generation ``token`` of the store at ``db``, when it
    is complete and of this format (what a delta write can extend); else ``None``."""
    if not token or not re.fullmatch(r"[0-9a-f]{8,64}", token):
        return None
    path = os.path.join(index_dir(db), token)
    try:
        with open(os.path.join(path, INFO), encoding="utf-8") as fh:
            info = json.load(fh)
    except (OSError, ValueError):
        return None
    if (not isinstance(info, dict) or info.get("token") != token
            or info.get("format") != FORMAT or not os.path.exists(os.path.join(path, VOCAB))
            or not isinstance(info.get("items"), int)):
        return None
    return path


def _link_tree(base: str, tmp: str) -> None:
    """Hard-link the index files of ``base`` into ``tmp`` (tantivy never changes a segment
    file: the new generation shares them), copying where links cannot be made; the
    files tantivy rewrites are copied; locks, ``info.json``, the vocabulary and the
    documents' digests are not taken."""
    import shutil

    for name in os.listdir(base):
        src = os.path.join(base, name)
        if name in (INFO, VOCAB, DOCS) or name.endswith(".lock") or not os.path.isfile(src):
            continue
        dst = os.path.join(tmp, name)
        if name not in _REWRITTEN:
            try:
                os.link(src, dst)
                continue
            except OSError:
                pass
        shutil.copy2(src, dst)


def _extend_tmp(db: str, token: str, base: str, rows: Iterable[Row], total: int,
                progress: Progress | None = None, threads: int | None = None,
                cancel: threading.Event | None = None,
                digests: Mapping[int, bytes] | None = None) -> str:
    """A new temporary folder holding the index of ``base`` plus the documents of ``rows``
    (what building every item again gives, when no document of ``base`` changes: the same
    documents and terms, so the same scores). Removed again on any error or ``cancel``."""
    import tantivy

    def start(tmp: str) -> tuple:
        with open(os.path.join(base, INFO), encoding="utf-8") as fh:
            old = json.load(fh)
        held = _read_docs(base)
        if held is None or len(held) != old["items"]:
            raise ValueError(f"{base}: the index does not say which documents it holds")
        _link_tree(base, tmp)
        return tantivy.Index.open(tmp), held, bool(old.get("dates_ok"))

    return _write_tmp(db, token, start, rows, total, progress, threads, cancel, digests)


def _publish(db: str, token: str, tmp: str) -> str:
    """Rename a finished build into place as generation ``token``; remove older ones."""
    import shutil

    root = index_dir(db)
    final = os.path.join(root, token)
    try:
        if os.path.exists(final):  # rebuilding the same generation
            shutil.rmtree(final)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _unlock_build(tmp)
    _remove_old(root, keep=token)
    return final


class _Cancelled(Exception):
    pass


class BackgroundBuild:
    """The side index of items that are being written to the store, built from memory in a
    thread at the same time (tantivy and SQLite both work outside Python's lock for much
    of it). :meth:`publish` once the store has committed, :meth:`discard` if it has not:
    the index of a write that did not happen never becomes visible.

    Given the folder of the current generation (``base``), the thread first compares the
    documents ``rows`` make with those it holds (:data:`DOCS`): when they are the same, no
    index is built and the current one stays (:attr:`kept`); when documents are only
    added, the new index is the current one plus those; else (a document changed or
    gone, or a ``base`` that does not say what it holds) every document is indexed again.
    Either way the index holds what a fresh build of ``rows`` holds, so its scores are a
    fresh build's."""

    def __init__(self, db: str, token: str, rows: Iterable[Row], total: int,
                 progress: Progress | None = None, base: str | None = None):
        self.db, self.token, self.base = db, token, base
        self.tmp: str | None = None
        self.error: BaseException | None = None
        self.kept = False  # the documents are those of ``base``: nothing was built
        self._cancel = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(rows, total, progress), name="corpus-index", daemon=True)
        self._thread.start()

    def _run(self, rows: Iterable[Row], total: int, progress) -> None:
        try:
            if self.base is not None:
                held = _read_docs(self.base)
                if held is not None:
                    rows = list(rows)
                    mine = {r[0]: doc_digest(r) for r in rows}
                    if all(mine.get(r) == d for r, d in held.items()):
                        new = [r for r in rows if r[0] not in held]
                        if not new:
                            self.kept = True
                            return
                        self.tmp = _extend_tmp(self.db, self.token, self.base, new,
                                               len(new), progress, cancel=self._cancel,
                                               digests=mine)
                        return
                    # (the digests made for the comparison are not made again)
                    self.tmp = _build_tmp(self.db, self.token, rows, total, progress,
                                          cancel=self._cancel, digests=mine)
                    return
            self.tmp = _build_tmp(self.db, self.token, rows, total, progress,
                                  cancel=self._cancel)
        except BaseException as exc:  # reported by publish(); never kills the write
            self.error = exc

    def wait(self) -> None:
        """Wait for the build (or the finding that the current index stays, :attr:`kept`)."""
        self._thread.join()

    def publish(self) -> bool:
        """Wait for the build and put it into place. Returns whether there is an index (a
        failed build is not an error: search falls back to FTS5)."""
        self._thread.join()
        if self.kept:
            return True
        if self.tmp is None:
            return False
        try:
            _publish(self.db, self.token, self.tmp)
        except OSError:
            return False
        return True

    def discard(self) -> None:
        """Stop the build and remove what it wrote."""
        import shutil

        self._cancel.set()
        self._thread.join()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            _unlock_build(self.tmp)
            self.tmp = None


def start_build(db: str, token: str, rows: Iterable[Row], total: int,
                progress: Progress | None = None, base: str | None = None
                ) -> BackgroundBuild | None:
    """Start a :class:`BackgroundBuild` of ``rows`` (made from ``base``, the current
    generation's folder, when it can be; see :func:`generation`); ``None`` when tantivy
    is not installed."""
    if not available():
        return None
    return BackgroundBuild(db, token, rows, total, progress, base)


def _discard(writer, tmp: str) -> None:
    """Stop the writer's threads (they may still be writing files), remove ``tmp``."""
    import shutil

    if writer is not None:
        try:
            writer.rollback()
            writer.wait_merging_threads()
        except Exception:  # noqa: S110 - best effort: the folder goes anyway
            pass
    del writer
    for _ in range(10):
        shutil.rmtree(tmp, ignore_errors=True)
        if not os.path.exists(tmp):
            return
        time.sleep(0.05)


def _write_vocabulary(searcher, path: str) -> None:
    """Every term with its number of items (the most of its title and text counts), for
    the fuzzy expansion: reading it is much faster than walking the index at search time."""
    vocab: dict[str, int] = {}
    for name, _ in FIELDS:
        for term, n in searcher.terms_with_prefix(name, ""):
            if n > vocab.get(term, 0):
                vocab[term] = n
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(vocab, fh, ensure_ascii=False, separators=(",", ":"))


def _remove_old(root: str, keep: str) -> None:
    """Remove other generations, and the temporary folders of builds that are gone. Errors
    are ignored: a folder still in use (Windows) goes at the next build."""
    import shutil

    for name in os.listdir(root):
        path = os.path.join(root, name)
        if name == keep or name.startswith("tmp-") or not os.path.isdir(path):
            continue
        shutil.rmtree(path, ignore_errors=True)
    _sweep(root)


# A build holds an exclusive lock on ``tmp-XXXX.lock`` beside its folder until the folder is
# published or discarded; the lock goes with the process, so a build killed with SIGKILL
# leaves a folder whose lock anyone can take: the next build removes it.
_BUILD_LOCKS: dict[str, object] = {}


def _new_build_dir(root: str) -> str:
    """A new ``tmp-XXXX`` folder in ``root`` whose lock is taken *before* the folder exists,
    so that no other run ever sees the folder of a running build without its lock (a build
    killed in between leaves a lock file alone, which the next runs remove)."""
    import secrets

    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock (Windows): the age rule alone
        fcntl = None
    for _ in range(100):
        tmp = os.path.join(root, "tmp-" + secrets.token_hex(6))
        if fcntl is not None:
            try:
                fd = os.open(tmp + ".lock", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                continue
            fh = os.fdopen(fd, "w")  # held until the build is published or discarded
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody holds it
            _BUILD_LOCKS[tmp] = fh
        try:
            os.mkdir(tmp)  # the umask's permissions, as any folder: other users read it
        except FileExistsError:
            _unlock_build(tmp)
            continue
        return tmp
    raise FileExistsError(f"no free temporary folder name in {root}")  # pragma: no cover


def _unlock_build(tmp: str) -> None:
    fh = _BUILD_LOCKS.pop(tmp, None)
    if fh is not None:
        try:
            os.unlink(tmp + ".lock")
        except OSError:
            pass
        fh.close()


def _build_gone(path: str) -> bool:
    """Whether the build of temporary folder ``path`` has ended without publishing it:
    its lock is free (or, with no lock file, the folder is older than a minute: a build
    takes its lock at once)."""
    lock = path + ".lock"
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        fcntl = None
    if fcntl is None or not os.path.exists(lock):
        try:
            return time.time() - os.path.getmtime(path) > (
                60 if fcntl is not None else STALE_TMP_SECONDS)
        except OSError:
            return False
    return _lock_free(lock, fcntl)


def _lock_gone(lock: str) -> bool:
    """Whether a lock file without its folder belongs to no running build: older than a
    minute (a build makes its folder right after its lock) and free."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        return False
    try:
        if time.time() - os.path.getmtime(lock) <= 60:
            return False
    except OSError:
        return False
    return _lock_free(lock, fcntl)


def _lock_free(lock: str, fcntl) -> bool:
    try:
        with open(lock, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released on close
    except OSError:  # held: the build runs
        return False
    return True


def sweep(db: str) -> None:
    """Remove what index builds killed midway left next to the store at ``db`` (their
    ``tmp-*`` folders): every run that writes the store does it, even one that finds
    nothing to rebuild."""
    _sweep(index_dir(db))


def _sweep(root: str) -> None:
    """Remove the temporary folders (and lock files) of builds that are gone."""
    import shutil

    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        path = os.path.join(root, name)
        if not name.startswith("tmp-"):
            continue
        if name.endswith(".lock"):
            # a lock without its folder: a build that was killed before making it, or
            # one that is making it now (its lock is new and held)
            if not os.path.exists(path[: -len(".lock")]) and _lock_gone(path):
                try:
                    os.unlink(path)
                except OSError:
                    pass
            continue
        if os.path.isdir(path) and path not in _BUILD_LOCKS and _build_gone(path):
            shutil.rmtree(path, ignore_errors=True)
            try:
                os.unlink(path + ".lock")
            except OSError:
                pass


# ---- searching ---------------------------------------------------------------------------
@dataclass
class SideIndex:
    """An open side index whose generation is the store's current one."""

    path: str
    info: dict
    index: object
    searcher: object
    schema: object
    analyzer: object
    _prefix_cache: dict = field(default_factory=dict)
    _vocabulary: dict | None = None

    # -- terms
    def analyze(self, tokens: Iterable[str]) -> list[str]:
        """Query tokens (folded by corpus_cli.search) as this index spells them."""
        return list(self.analyzer.analyze(_nfc(" ".join(tokens))))

    def term_docs(self, token: str) -> int:
        """In how many items a (folded) word occurs, in the title or the text; exact below
        :data:`corpus_cli.query.FEW_HITS` (the fuzzy expansion's threshold), else a lower
        bound."""
        toks = self.analyze([token])
        if len(toks) != 1:
            return 0
        counts = [self.searcher.doc_freq(name, toks[0]) for name, _ in FIELDS]
        if max(counts) >= FEW_HITS or sum(counts) < FEW_HITS:
            return max(counts) if max(counts) >= FEW_HITS else sum(counts)
        return self.searcher.search(self._word(toks, False), limit=1, count=True).count

    def vocabulary(self) -> dict[str, int]:
        """Every indexed term with its number of items (read once), like
        :meth:`Store.vocabulary` but without walking the FTS5 index."""
        if self._vocabulary is None:
            with open(os.path.join(self.path, VOCAB), encoding="utf-8") as fh:
                self._vocabulary = json.load(fh)
        return self._vocabulary

    def _expansions(self, name: str, prefix: str) -> tuple[list[str], bool]:
        """The terms of a field starting with ``prefix``, most frequent first, at most
        MAX_PREFIX_TERMS; and whether there are more."""
        key = (name, prefix)
        if key not in self._prefix_cache:
            terms = self.searcher.terms_with_prefix(name, prefix, limit=MAX_PREFIX_TERMS + 1)
            words = [t for t, _ in terms]
            self._prefix_cache[key] = (words[:MAX_PREFIX_TERMS], len(words) > MAX_PREFIX_TERMS)
        return self._prefix_cache[key]

    # -- queries
    def _field_query(self, name: str, toks: list[str], prefix: bool):
        import tantivy

        Q = tantivy.Query
        s = self.schema
        if not prefix:
            if len(toks) == 1:
                return Q.term_query(s, name, toks[0])
            return Q.phrase_query(s, name, toks)
        if len(toks) > 1:  # a phrase whose last word is a prefix
            pattern = [re.escape(t) for t in toks[:-1]] + [re.escape(toks[-1]) + ".*"]
            return Q.regex_phrase_query(s, name, pattern)
        words, more = self._expansions(name, toks[0])
        parts = [(tantivy.Occur.Should, Q.term_query(s, name, w)) for w in words]
        if more:  # the rarer expansions match, with a zero score
            parts.append((tantivy.Occur.Should, Q.const_score_query(
                Q.phrase_prefix_query(s, name, toks), 0.0)))
        if not parts:
            return Q.empty_query()
        return parts[0][1] if len(parts) == 1 else Q.boolean_query(parts)

    def _word(self, toks: list[str], prefix: bool):
        import tantivy

        Q = tantivy.Query
        parts = []
        for name, weight in FIELDS:
            q = self._field_query(name, toks, prefix)
            parts.append((tantivy.Occur.Should, q if weight == 1.0 else Q.boost_query(q, weight)))
        return Q.boolean_query(parts)

    def query(self, node: Node):
        """The tantivy query of a parsed query (see :func:`corpus_cli.query.parse_query`),
        spelling variants included."""
        import tantivy

        Q = tantivy.Query
        if isinstance(node, Term):
            alts = []
            for seq in (node.tokens, *node.variants):
                toks = self.analyze(seq)
                if toks:
                    alts.append(self._word(toks, node.prefix))
            if not alts:
                return Q.empty_query()
            if len(alts) == 1:
                return alts[0]
            return Q.boolean_query([(tantivy.Occur.Should, q) for q in alts])
        assert isinstance(node, Op)
        kids = [self.query(c) for c in node.children]
        if node.op == "NOT":
            return Q.boolean_query([(tantivy.Occur.Must, kids[0]),
                                    (tantivy.Occur.MustNot, kids[1])])
        occur = tantivy.Occur.Must if node.op == "AND" else tantivy.Occur.Should
        return Q.boolean_query([(occur, k) for k in kids])

    def _filters(self, f: ArticleFilter) -> tuple[list, bool]:
        """tantivy filter queries for ``f``; and whether the rest must be checked in SQL
        (source, site, entity, or dates in a format the index does not hold)."""
        import tantivy

        Q = tantivy.Query
        s = self.schema
        out = []
        in_sql = bool(f.source or f.entity or f.site)
        if f.year is not None:
            out.append(Q.term_query(s, "year", f.year))
        if f.kind:
            out.append(Q.term_query(s, "kind", f.kind))
        if f.date_from or f.date_to:
            lo = day_number(f.date_from) if f.date_from else None
            hi = day_number(f.date_to) if f.date_to else None
            if (f.date_from and lo is None) or (f.date_to and hi is None) \
                    or not self.info.get("dates_ok", False):
                in_sql = True
            else:
                if hi is not None:  # a partial date includes its whole month or year
                    hi += 9999 if hi % 10000 == 0 else 99 if hi % 100 == 0 else 0
                out.append(Q.range_query(s, "day", tantivy.FieldType.Integer, lo, hi))
        return out, in_sql

    def search(self, store: Store, node: Node, f: ArticleFilter, limit: int | None
               ) -> list[tuple[int, float]]:
        """(rowid, score) of the items matching ``node`` and ``f``, best first: the first
        ``limit`` and those whose score ties with the last of them (which of equal scores
        come first is up to the caller: tantivy orders them by where they are in the
        index, which depends on how it was written)."""
        import tantivy

        Q = tantivy.Query
        main = self.query(node)
        filters, in_sql = self._filters(f)
        allowed: set[int] | None = None
        if in_sql:
            allowed = set(store.rowids(f))
            if not allowed:
                return []
            if len(allowed) <= TERM_SET_MAX:
                filters.append(Q.term_set_query(self.schema, "rowid", sorted(allowed)))
                allowed = None
        if filters:
            main = Q.boolean_query([(tantivy.Occur.Must, main)] + [
                (tantivy.Occur.Must, Q.const_score_query(q, 0.0)) for q in filters])
        total = max(1, self.searcher.num_docs)
        want = total if limit is None else min(limit, total)  # tantivy allocates k
        if want <= 0:
            return []
        # one more than wanted: whether the last one wanted ties with the next
        k = min(total, want + 1 if allowed is None else max(4 * want, 1000))
        while True:
            hits = self.searcher.search(main, limit=k, count=False).hits
            rowids = self.searcher.fast_field_values("rowid", [a for _, a in hits])
            found = [(r, s) for (s, _), r in zip(hits, rowids, strict=True)
                     if allowed is None or r in allowed]
            complete = len(hits) < k or k >= total
            if len(found) > want or complete:
                if len(found) <= want:
                    return found
                edge = found[want - 1][1]
                if complete or found[-1][1] < edge:
                    return [x for x in found if x[1] >= edge]
            k = min(total, k * 4)


def open_index(store: Store) -> SideIndex | None:
    """The side index of ``store`` when tantivy is installed and the index is of the store's
    current generation; else ``None`` (search then uses FTS5; :func:`why_no_index` says
    why)."""
    got = _open(store)
    return got if isinstance(got, SideIndex) else None


def why_no_index(store: Store) -> str | None:
    """Why :func:`open_index` gives no index, in words a user can act on; ``None`` when it
    gives one."""
    got = _open(store)
    return None if isinstance(got, SideIndex) else got


_STALE = "the store has no up-to-date tantivy index: run 'corpus dedupe' again"


def _open(store: Store) -> SideIndex | str:
    if not available():
        return "tantivy is not installed: pip install tantivy"
    token = store.index_token()
    if not token or not re.fullmatch(r"[0-9a-f]{8,64}", token):
        return _STALE
    path = os.path.join(index_dir(store.path), token)
    if not os.path.isdir(path):
        return _STALE
    try:
        with open(os.path.join(path, INFO), encoding="utf-8") as fh:
            info = json.load(fh)
    except PermissionError:
        return f"cannot read the tantivy index {path} (permission denied)"
    except (OSError, ValueError):
        return _STALE
    if not os.path.exists(os.path.join(path, VOCAB)):
        return _STALE
    if info.get("token") != token or info.get("format") != FORMAT:
        return _STALE
    import tantivy

    try:
        index = tantivy.Index.open(path)
        analyzer = _analyzer()
        index.register_tokenizer(TOKENIZER, analyzer)
        searcher = index.searcher()
    except (OSError, ValueError, RuntimeError) as exc:
        if "Lockfile" in str(exc) or not os.access(path, os.W_OK):
            # tantivy writes a lock file next to the index even to read it
            return (f"tantivy cannot open the index {path} in a read-only folder "
                    "(it writes a lock file): use --engine fts5")
        return f"tantivy cannot open the index {path} ({exc})"
    return SideIndex(path, info, index, searcher, index.schema, analyzer)
