"""Files: every write to a file or folder, atomic, never onto the store or an input.

* :func:`open_output`: stdout (``-``) or a file written to a temporary file in the same
  folder and renamed into place when complete; an existing file is replaced only with
  ``force``; the store and the inputs are never written.
* :func:`export_items`: items as records (jsonl, json, csv, tsv), Markdown or text, to a
  file, stdout, or a folder with one file per item (md, txt).
* :func:`write_clean_pages`: ``corpus clean -o DIR``, one cleaned text file per page.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from corpus_cli.errors import CorpusError, InputError
from corpus_cli.output.safe import inert, is_terminal

EXPORT_FORMATS = ("jsonl", "json", "csv", "tsv", "md", "txt")


class OutputStream:
    """Where records are written, and how: ``inert`` shows control characters as escapes
    (stdout on a terminal, for formats that are not escaped anyway; a CSV line end stays a
    line end), ``neutral_formulas`` keeps spreadsheets from running cells as formulas (see
    :func:`~corpus_cli.output.safe.neutral_formula`; read by the CSV and TSV writers)."""

    def __init__(self, stream: IO[str], inert: bool = False, neutral_formulas: bool = False):
        self.stream = stream
        self.inert = inert
        self.neutral_formulas = neutral_formulas

    def write(self, text: str) -> int:
        if self.inert:
            text = inert(text.replace("\r\n", "\n"), keep_newlines=True)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return True if self.inert else is_terminal(self.stream)

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


@contextmanager
def atomic_file(path: str, force: bool = False) -> Iterator[IO[str]]:
    """A text stream whose content replaces ``path`` only when the block ends without an
    exception (temp file in the same folder, fsync, rename); an existing file is refused
    unless ``force``. Raises ``FileExistsError``."""
    import tempfile

    if os.path.exists(path) and not force:
        raise FileExistsError(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".corpus-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write(path: str, data: str, force: bool = False) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_file`."""
    with atomic_file(path, force) as fh:
        fh.write(data)


def check_target(target: str, store: str | None = None, inputs: Iterable[str] = (),
                 is_input=None) -> None:
    """Refuse to write onto the store (or its journal files) or onto an input file: one of
    ``inputs``, or one that ``is_input(target)`` says is an input (a page of the store)."""
    real = os.path.realpath(target)
    if store:
        rs = os.path.realpath(store)
        if real in {rs, rs + "-wal", rs + "-shm", rs + "-journal"}:
            raise CorpusError(f"refusing to overwrite {target}: it is the corpus store")
    for p in inputs:
        if p and p != "-" and real == os.path.realpath(p):
            raise CorpusError(f"refusing to overwrite {target}: it is an input")
    if is_input is not None and is_input(target):
        raise CorpusError(f"refusing to overwrite {target}: it is an input page of the "
                          "corpus")


def is_folder_target(target: str) -> bool:
    return target.endswith(("/", os.sep)) or os.path.isdir(target)


@contextmanager
def open_output(target: str | None, force: bool = False, store: str | None = None,
                inputs: Iterable[str] = (), inert_on_terminal: bool = False,
                neutral_formulas: bool | None = None, is_input=None) -> Iterator[IO[str]]:
    """Where a command's output goes: stdout for ``None`` or ``-``, else the file
    ``target``, written atomically (see :func:`atomic_file`). ``inert_on_terminal``: on a
    terminal, control characters are shown as escapes (CSV, Markdown, text).
    ``neutral_formulas``: CSV and TSV cells that a spreadsheet would run as formulas get a
    leading ``'``; by default in a file, not on stdout (a pipe gets the exact text; a
    terminal shows it inert). ``is_input(path)``: also refuse a file it says is an input."""
    if target in (None, "-"):
        stream: IO[str] = sys.stdout
        if inert_on_terminal and is_terminal(sys.stdout):
            stream = OutputStream(sys.stdout, inert=True)  # type: ignore[assignment]
        elif neutral_formulas:
            stream = OutputStream(sys.stdout, neutral_formulas=True)  # type: ignore[assignment]
        yield stream
        stream.flush()
        return
    check_target(target, store, inputs, is_input)
    if is_folder_target(target):
        raise CorpusError(f"{target} is a folder: give a file name")
    neutral = True if neutral_formulas is None else neutral_formulas
    try:
        with atomic_file(target, force) as fh:
            yield OutputStream(fh, neutral_formulas=neutral)  # type: ignore[misc]
    except FileExistsError:
        raise CorpusError(f"{target} exists (use --force to replace it)") from None
    except (IsADirectoryError, NotADirectoryError, PermissionError, FileNotFoundError) as exc:
        raise CorpusError(f"cannot write {target}: {exc.strerror}") from None


# ---- items --------------------------------------------------------------------------------
def markdown_item(a) -> str:
    """An item as Markdown: ``# title``, a list of id, kind, date, sources, urls, entities,
    then the text."""
    title = " ".join((a.title or f"Untitled {a.kind}").split())
    date = (a.date or "undated") + (" (inferred)" if a.date and a.date_inferred else "")
    meta = [f"- id: {a.id}", f"- kind: {a.kind}", f"- date: {date}",
            "- sources: " + "; ".join(f"{s.path}:{s.line_start}-{s.line_end}"
                                      + (f" <{s.url}>" if s.url else "")
                                      for s in a.sources)]
    if a.urls:
        meta.append("- urls: " + " ".join(f"<{u}>" for u in a.urls))
    if a.entities:
        meta.append("- entities: " + "; ".join(e["name"] for e in a.entities))
    return f"# {title}\n\n" + "\n".join(meta) + f"\n\n{a.text}\n"


def text_item(a) -> str:
    """An item as text: the title, a ``date · kind · id`` line, a blank line, the text."""
    date = (a.date or "undated") + (" (inferred)" if a.date and a.date_inferred else "")
    head = f"{' '.join(a.title.split())}\n" if a.title else ""
    tail = f"\n{a.url}" if a.url else ""
    return f"{head}{date} \u00b7 {a.kind} \u00b7 {a.id}{tail}\n\n{a.text}\n"


_TXT_SEPARATOR = "\n" + "=" * 72 + "\n\n"


def write_items(articles: Iterable, fmt: str, stream: IO[str]) -> int:
    """Items in ``fmt`` to ``stream``; returns how many."""
    if fmt in ("jsonl", "json", "csv", "tsv"):
        from corpus_cli.output.formats import write_records
        from corpus_cli.output.views import ITEM_COLUMNS, item_csv_keys

        n = write_records((a.to_dict() for a in articles), fmt, ITEM_COLUMNS, stream=stream)
        if n == 0 and fmt == "csv":
            from corpus_cli.output.formats import write_csv_header

            write_csv_header(item_csv_keys(), stream)
        return n
    render: Callable = markdown_item if fmt == "md" else text_item
    sep = "\n" if fmt == "md" else _TXT_SEPARATOR
    n = 0
    for a in articles:
        stream.write((sep if n else "") + render(a))
        n += 1
    return n


def export_items(articles: Iterable, fmt: str, target: str = "-", force: bool = False,
                 store: str | None = None, neutral_formulas: bool = True,
                 is_input=None) -> int:
    """Write items to stdout (``-``), a file (atomically; an existing one only with
    ``force``) or, for md/txt, a folder with one ``<date>_<id>.<fmt>`` file per item
    (refusing a non-empty folder without ``force``). Returns how many were written.
    Nothing partial is left behind if ``articles`` raises midway; the ``store`` is never
    overwritten, nor a file ``is_input`` says is an input page. CSV and TSV cells that a
    spreadsheet would run as formulas are neutralised unless ``neutral_formulas`` is
    false (see :func:`~corpus_cli.output.safe.neutral_formula`)."""
    if fmt not in EXPORT_FORMATS:
        raise CorpusError(f"unknown export format {fmt!r} (use {', '.join(EXPORT_FORMATS)})")
    if target not in (None, "-"):
        check_target(target, store, is_input=is_input)
        if is_folder_target(target):
            if fmt not in ("md", "txt"):
                raise CorpusError(f"{target} is a folder: one file per item needs --format "
                                  f"md or txt; give a file name for {fmt}")
            return _export_folder(articles, fmt, target.rstrip("/" + os.sep) or target, force,
                                  is_input)
    with open_output(target, force, store, inert_on_terminal=True,
                     neutral_formulas=neutral_formulas, is_input=is_input) as fh:
        return write_items(articles, fmt, fh)


def item_filename(a, fmt: str) -> str:
    return f"{a.date or 'undated'}_{a.id}.{fmt}"


def _export_folder(articles: Iterable, fmt: str, folder: str, force: bool,
                   is_input=None) -> int:
    import shutil
    import tempfile

    render = markdown_item if fmt == "md" else text_item
    if os.path.isdir(folder) and any(os.scandir(folder)):
        if not force:
            raise CorpusError(f"{folder} is not empty (use --force to write into it)")
        n = 0  # into a non-empty folder: each file is replaced atomically
        for a in articles:
            path = os.path.join(folder, item_filename(a, fmt))
            check_target(path, is_input=is_input)
            atomic_write(path, render(a), force=True)
            n += 1
        return n
    parent = os.path.dirname(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".corpus-export-", dir=parent)
    try:
        n = 0
        for a in articles:
            with open(os.path.join(tmp, item_filename(a, fmt)), "w", encoding="utf-8",
                      newline="") as fh:
                fh.write(render(a))
            n += 1
        os.chmod(tmp, 0o777 & ~_umask())
        os.replace(tmp, folder)  # a new folder, or an empty one, appears complete
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return n


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---- cleaned pages ------------------------------------------------------------------------
def write_clean_pages(pages: Sequence, out_dir: str, force: bool = False) -> int:
    """Write each cleaned page to ``out_dir`` (its path below the common root of the pages;
    ``.txt`` added for the text of an HTML page or WARC record: ``page.html.txt``,
    ``crawl.warc.gz#0.txt``). Refuses a non-empty folder without ``force`` and never writes
    onto an input file."""
    os.makedirs(out_dir, exist_ok=True)
    if any(os.scandir(out_dir)) and not force:
        raise InputError(f"{out_dir} is not empty (use --force to write into it)")
    inputs_real = {os.path.realpath(cp.page.path) for cp in pages}
    root = os.path.commonpath([os.path.dirname(os.path.abspath(cp.page.path)) for cp in pages]) \
        if pages else ""
    n = 0
    for cp in pages:
        if cp.page.path.startswith("<stdin>"):
            rel = "stdin" + cp.page.path[len("<stdin>"):] + ".txt"
        else:
            rel = os.path.relpath(os.path.abspath(cp.page.path), root)
            if cp.page.meta is not None:  # text extracted from HTML: not an HTML file
                rel += ".txt"
        target = os.path.join(out_dir, rel)
        if os.path.realpath(target) in inputs_real:
            raise InputError(f"refusing to overwrite the input file {cp.page.path}")
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        lines = []
        for p in cp.paragraphs:
            if p.status != "kept":
                continue
            if p.dateline:
                lines.append(p.dateline)
            lines.append(p.text)
        atomic_write(target, "\n\n".join(lines) + "\n", force=True)
        n += 1
    return n
