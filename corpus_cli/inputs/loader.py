"""Find input files, decode them whatever their encoding, and normalise their text.

Problems (a binary file, an unreadable one, an empty one) are returned as
:class:`~corpus_cli.models.Problem` records, never raised, so that one bad file does not
stop the others. Only a run with no usable argument at all raises :class:`InputError`.
"""

from __future__ import annotations

import fnmatch
import glob as globmod
import hashlib
import os
import re
import select
import stat
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from corpus_cli.errors import InputError
from corpus_cli.inputs.charsets import decode_bytes
from corpus_cli.models import Page, Problem

DEFAULT_GLOB = "*.txt"  # the text files of a folder (see DEFAULT_PATTERNS for every format)
DEFAULT_PATTERNS = ("*.txt", "*.html", "*.htm", "*.warc", "*.warc.gz")
STDIN = "-"

# Characters turned into a plain space: no-break, figure, thin, ideographic... spaces.
_ODD_SPACES = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)
# Characters removed: zero-width space/joiners, word joiner, BOM inside text, soft hyphen.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_SPACE_LIKE = re.compile("[\t\v\f" + _ODD_SPACES + "]")
_INVISIBLE = re.compile("[" + _ZERO_WIDTH + "]")
_LINE_BREAKS = re.compile("[\u0085\u2028\u2029]")  # NEL, line and paragraph separators
_ODD_CHAR = re.compile("[\t\v\f" + _ODD_SPACES + _ZERO_WIDTH + "\u0085\u2028\u2029]")
_RUN_OF_SPACES = re.compile(r" {2,}")
_TRAILING = re.compile(r" +$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Source:
    """A file to read: its display path and where to read it from (``None`` = stdin).
    ``pipe``: a named pipe given by name (read as a stream, in this process)."""

    path: str
    location: Path | None
    pipe: bool = False

    @property
    def streamed(self) -> bool:
        """Read once, in this process: stdin or a named pipe."""
        return self.location is None or self.pipe


# How long a named pipe given as an input may wait for a writer before it is reported.
FIFO_WAIT = 2.0


def normalize_text(text: str) -> str:
    """Normalise decoded text: line endings, odd and zero-width spaces, tabs, NFC, trailing
    spaces. Leading indentation is collapsed to at most one space per run but kept, so line
    numbers and paragraph layout stay those of the file. Idempotent."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii():
        if "\t" in text or "\v" in text or "\f" in text:
            text = _SPACE_LIKE.sub(" ", text)
    else:
        if _ODD_CHAR.search(text) is not None:  # one scan finds whether any is there
            text = _SPACE_LIKE.sub(" ", text)
            text = _INVISIBLE.sub("", text)
            text = _LINE_BREAKS.sub("\n", text)
        text = unicodedata.normalize("NFC", text)
    if "  " in text:
        text = _RUN_OF_SPACES.sub(" ", text)
    if " \n" in text or text.endswith(" "):
        text = _TRAILING.sub("", text)
    return text


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding_name)`` (see
    :func:`~corpus_cli.inputs.charsets.decode_bytes`, which also says when the reading is
    doubtful). Raises ``ValueError`` for binary data and ``LookupError`` for an unknown
    encoding."""
    got = decode_bytes(data, encoding)
    return got.text, got.encoding


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def display_path(path: Path) -> str:
    """The path as shown and stored: relative to the working directory when under it
    (absolute otherwise), normalised but with symbolic links kept as written."""
    cwd = os.getcwd()
    full = os.fspath(path)
    full = os.path.normpath(full if os.path.isabs(full) else os.path.join(cwd, full))
    if full == cwd:
        return "."
    if full.startswith(cwd.rstrip(os.sep) + os.sep):
        full = full[len(cwd.rstrip(os.sep)) + 1 :]
    if not full.isascii():
        # a file name that is not valid UTF-8 is shown (and stored) with its bytes escaped
        full = full.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    # (called for every file of a folder: a Path is made only where it changes something)
    return full if os.sep == "/" and not full.startswith("//") else Path(full).as_posix()


def _special_kind(mode: int) -> str | None:
    """What a file that is not a regular file, a folder or a symbolic link is, or None."""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return None


def _not_regular(path: str, kind: str) -> Problem:
    return Problem(path, f"not a regular file ({kind})")


def _name_matcher(patterns: str | Sequence[str]):
    """``match(relative_posix_path, name)`` for one glob pattern as given (a pattern with a
    ``/`` matches the end of the path, as ``Path.rglob`` does), or several matched
    case-insensitively on the name (``*.html`` takes ``PAGE.HTML``)."""
    from pathlib import PurePosixPath

    if isinstance(patterns, str):
        if "/" in patterns:
            return lambda rel, name: PurePosixPath(rel).match(patterns)
        return lambda rel, name: fnmatch.fnmatchcase(name, patterns)
    pats = [p.lower() for p in patterns]
    return lambda rel, name: any(fnmatch.fnmatchcase(name.lower(), p) for p in pats)


def _walk(folder: Path, patterns: str | Sequence[str]) -> tuple[list[Path], list[Problem]]:
    """Files under ``folder`` (recursively, symbolic links to folders not followed) whose
    name matches a pattern, sorted by path; and a problem for each entry that cannot be a
    page (a named pipe, a socket, a device) and each folder that cannot be listed.

    A symbolic link whose name matches is returned whatever it points to (a folder, nothing,
    itself): reading it says what is wrong. A folder whose name matches is not a page."""
    match = _name_matcher(patterns)
    found: list[Path] = []
    problems: list[Problem] = []
    stack = [(folder, "")]
    while stack:
        here, rel = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = list(it)
        except OSError as exc:
            why = "permission denied" if isinstance(exc, PermissionError) else (
                exc.strerror or str(exc))
            problems.append(Problem(display_path(here),
                                    f"cannot list this folder ({why}): its pages are skipped"))
            continue
        for e in entries:
            sub = f"{rel}/{e.name}" if rel else e.name
            try:
                if e.is_dir(follow_symlinks=False):
                    stack.append((Path(e.path), sub))
                    continue
                link = e.is_symlink()
                regular = link or e.is_file(follow_symlinks=False)
                kind = None if regular else _special_kind(e.stat(follow_symlinks=False).st_mode)
            except OSError:
                link, kind = True, None  # vanished or unreadable: reading it will say
            if not match(sub, e.name):
                continue
            if kind is not None:
                problems.append(_not_regular(display_path(Path(e.path)), kind))
            else:
                found.append(Path(e.path))
    found.sort(key=lambda f: f.as_posix())
    problems.sort(key=lambda p: p.path)
    return found, problems


def _folder_files(folder: Path, patterns: str | Sequence[str]) -> list[Path]:
    """Files under ``folder`` whose name matches a pattern (see :func:`_walk`)."""
    return _walk(folder, patterns)[0]


def _glob_base(pattern: str) -> tuple[str, list[str]]:
    """A glob pattern's folder without wildcards, and its remaining parts."""
    parts = pattern.split("/")
    k = next((i for i, part in enumerate(parts) if globmod.has_magic(part)), len(parts))
    base = "/".join(parts[:k]) or ("/" if pattern.startswith("/") else ".")
    return base, parts[k:]


def _unlistable(pattern: str) -> list[Problem]:
    """Folders a glob pattern would look into but cannot list (``glob`` skips them
    silently): under its fixed base folder, down to the depth its parts reach (any depth
    after ``**``), when their names match the pattern's part at that depth."""
    base, rest = _glob_base(pattern)
    deep = "**" in rest
    dirs = rest[:-1]  # the parts that name folders
    out: list[Problem] = []
    stack = [(base, 0)]
    while stack:
        here, depth = stack.pop()  # glob lists this folder to match part ``depth``
        try:
            with os.scandir(here) as it:
                subs = [e for e in it if e.is_dir(follow_symlinks=False)]
        except OSError as exc:
            if depth:  # the base itself: glob's own "no files match" says it
                why = "permission denied" if isinstance(exc, PermissionError) else (
                    exc.strerror or str(exc))
                out.append(Problem(display_path(Path(here)),
                                   f"cannot list this folder ({why}): its pages are skipped"))
            continue
        for e in subs:
            if deep or (depth < len(dirs) and fnmatch.fnmatchcase(e.name, dirs[depth])):
                stack.append((e.path, depth + 1))
    return sorted(out, key=lambda p: p.path)


def describe_patterns(patterns: str | Sequence[str]) -> str:
    if isinstance(patterns, str):
        return repr(patterns)
    return ", ".join(patterns)


def iter_sources(
    args: Iterable[str], pattern: str | Sequence[str] = DEFAULT_PATTERNS
) -> Iterator[Source | Problem]:
    """Expand arguments (files, folders searched recursively for ``pattern``, shell globs,
    ``-`` for stdin) into sources, sorted by path within each argument and without repeats.
    ``pattern`` is one glob pattern or several (by default the text, HTML and WARC files).
    An argument that matches nothing yields a :class:`Problem`; so does each entry of a
    folder or glob that cannot be a page (a named pipe, a socket, a device) and each folder
    that cannot be listed. A named pipe given by name is read as a stream."""
    seen: set[str] = set()

    def new(key: str) -> bool:
        if key in seen:
            return False
        seen.add(key)
        return True

    for arg in args:
        if arg == STDIN:
            if new(STDIN):
                yield Source("<stdin>", None)
            continue
        p = Path(arg)
        if p.is_dir():
            found, problems = _walk(p, pattern)
            if not found and not problems:
                yield Problem(display_path(p), "no files matching "
                              f"{describe_patterns(pattern)} in this folder")
            yield from problems
            for f in found:
                key = display_path(f)
                if new(key):
                    yield Source(key, f)
        elif p.exists() or p.is_symlink():
            key = display_path(p)
            if new(key):
                kind = _kind(p)
                if kind is not None and kind != "a named pipe":
                    yield _not_regular(key, kind)
                else:
                    yield Source(key, p, pipe=kind is not None)
        elif globmod.has_magic(arg):
            matches = sorted(globmod.glob(arg, recursive=True))
            problems = _unlistable(arg)
            files: list[Path] = []
            for m in matches:
                f = Path(m)
                if f.is_dir() and not f.is_symlink():
                    continue  # a folder whose name matches is not a page
                kind = None if f.is_symlink() else _kind(f)
                if kind is not None:
                    problems.append(_not_regular(display_path(f), kind))
                else:
                    files.append(f)
            if not files and not problems:
                yield Problem(arg, "no files match this pattern")
            yield from problems
            for f in files:
                key = display_path(f)
                if new(key):
                    yield Source(key, f)
        else:
            yield Problem(arg, "no such file or folder")


def names_input(target: str, args: Iterable[str],
                pattern: str | Sequence[str] = DEFAULT_PATTERNS) -> bool:
    """Whether the file ``target`` is (or would be) read as an input by ``args``: one of
    them, in one of their folders with a name the pattern takes, or matched by a glob."""
    real = os.path.realpath(target)
    rel_match = _name_matcher(pattern)
    for arg in args:
        if arg == STDIN:
            continue
        if os.path.realpath(arg) == real:
            return True
        if os.path.isdir(arg):
            root = os.path.realpath(arg)
            if real.startswith(root.rstrip(os.sep) + os.sep):
                rel = os.path.relpath(real, root).replace(os.sep, "/")
                if rel_match(rel, os.path.basename(real)):
                    return True
        elif globmod.has_magic(arg):
            if any(os.path.realpath(m) == real for m in globmod.iglob(arg, recursive=True)):
                return True
    return False


def _kind(path: Path) -> str | None:
    """What a path that is not a regular file (following symbolic links) is, or None."""
    try:
        return _special_kind(os.stat(path).st_mode)
    except OSError:
        return None


def stat_key(source: Source) -> tuple[int, int] | None:
    """(size, mtime_ns) of a regular file, or None (stdin, a pipe, or it cannot be stat'ed)."""
    if source.streamed:
        return None
    try:
        st = source.location.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return st.st_size, st.st_mtime_ns


def read_bytes(source: Source) -> tuple[bytes, int] | Problem:
    """The bytes of a source and its mtime_ns (0 for stdin and pipes), or a Problem. A
    named pipe is read once a writer is there (waiting at most ``FIFO_WAIT`` seconds for
    one); a socket or a device is never read."""
    try:
        if source.location is None:
            return sys.stdin.buffer.read(), 0
        st = os.stat(source.location)
        if stat.S_ISDIR(st.st_mode):
            return Problem(source.path, "is a folder")
        kind = _special_kind(st.st_mode)
        if kind == "a named pipe":
            return _read_pipe(source)
        if kind is not None:
            return _not_regular(source.path, kind)
        with open(source.location, "rb") as fh:
            mtime = os.fstat(fh.fileno()).st_mtime_ns
            return fh.read(), mtime
    except IsADirectoryError:
        return Problem(source.path, "is a folder")
    except PermissionError:
        return Problem(source.path, "permission denied")
    except OSError as exc:
        return Problem(source.path, f"cannot read: {exc.strerror or exc}")


def _read_pipe(source: Source) -> tuple[bytes, int] | Problem:
    """Read a named pipe to its end. Opened without blocking: with no writer, reading gives
    nothing at once; a writer has ``FIFO_WAIT`` seconds to come, else it is a problem."""
    fd = os.open(source.location, os.O_RDONLY | os.O_NONBLOCK)
    try:
        chunks = []
        try:
            first = os.read(fd, 1 << 16)
        except BlockingIOError:  # a writer is there, its data is on the way
            first = None
        if first == b"":  # no writer yet
            ready, _w, _x = select.select([fd], [], [], FIFO_WAIT)
            if not ready:
                return Problem(source.path, "a named pipe with no writer: nothing to read "
                               f"after {FIFO_WAIT:g} s")
        elif first:
            chunks.append(first)
        os.set_blocking(fd, True)
        while True:
            block = os.read(fd, 1 << 20)
            if not block:
                break
            chunks.append(block)
        return b"".join(chunks), 0
    finally:
        os.close(fd)


def read_source(source: Source, encoding: str | None = None) -> Page | Problem:
    """Read and decode one source. Never raises for a bad file: returns a Problem."""
    got = read_bytes(source)
    if isinstance(got, Problem):
        return got
    data, mtime = got
    page = page_from_bytes(source.path, data, encoding)
    if isinstance(page, Page) and mtime:
        page = replace(page, mtime_ns=mtime)
    return page


def page_from_bytes(path: str, data: bytes, encoding: str | None = None) -> Page | Problem:
    """Decode and normalise one file's bytes into a Page (or a Problem)."""
    return text_page(path, data, encoding)[0]


def text_page(path: str, data: bytes, encoding: str | None = None) -> list[Page | Problem]:
    """One text file's bytes as a Page (or a Problem), followed by a warning when its
    decoding is doubtful (stray bytes that are not UTF-8, a code page that is a guess)."""
    if not data.strip():
        return [Problem(path, "empty file")]
    try:
        got = decode_bytes(data, encoding)
    except LookupError:
        return [Problem(path, f"unknown encoding {encoding!r}")]
    except ValueError as exc:
        return [Problem(path, str(exc))]
    text = normalize_text(got.text)
    if not text.strip():
        return [Problem(path, "no text after decoding")]
    page = Page(path=path, text=text, encoding=got.encoding, content_hash=content_hash(data),
                size=len(data))
    return [page] if got.warning is None else [page, Problem(path, got.warning, "warning")]


def load(
    args: Iterable[str], pattern: str | Sequence[str] = DEFAULT_PATTERNS,
    encoding: str | None = None, format: str = "auto", html: str = "main",
) -> Iterator[Page | Problem]:
    """Load every page named by ``args`` (text, HTML and WARC files; see
    :mod:`corpus_cli.inputs`); yields Pages and Problems in path order.

    Raises :class:`InputError` only when ``args`` is empty.
    """
    from corpus_cli.inputs.pages import ReadOptions, read_pages

    args = list(args)
    if not args:
        raise InputError("no input given: name files, folders, globs, or - for stdin")
    opts = ReadOptions(encoding, format, html)
    for src in iter_sources(args, pattern):
        if isinstance(src, Problem):
            yield src
        else:
            yield from read_pages(src, opts)

