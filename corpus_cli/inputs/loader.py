"""Find input files, decode them whatever their encoding, and normalise their text.

Problems (a binary file, an unreadable one, an empty one) are returned as
:class:`~corpus_cli.models.Problem` records, never raised, so that one bad file does not
stop the others. Only a run with no usable argument at all raises :class:`InputError`.
"""

from __future__ import annotations

import codecs
import fnmatch
import glob as globmod
import hashlib
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from corpus_cli.errors import InputError
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
_RUN_OF_SPACES = re.compile(r" {2,}")
# Bytes that do not occur in text: C0 controls other than tab, newlines, form feed, ESC.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))
_TRAILING = re.compile(r" +$", re.MULTILINE)

_LEGACY_CYRILLIC = ("cp1251", "koi8_r")
_LEGACY_LATIN = "cp1252"


@dataclass(frozen=True, slots=True)
class Source:
    """A file to read: its display path and where to read it from (``None`` = stdin)."""

    path: str
    location: Path | None


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
        text = _SPACE_LIKE.sub(" ", text)
        text = _INVISIBLE.sub("", text)
        text = _LINE_BREAKS.sub("\n", text)
        text = unicodedata.normalize("NFC", text)
    if "  " in text:
        text = _RUN_OF_SPACES.sub(" ", text)
    if " \n" in text or text.endswith(" "):
        text = _TRAILING.sub("", text)
    return text


def _cyrillic_score(text: str) -> float:
    """How plausible ``text`` is as Russian: lower-case Cyrillic letters are common, capitals
    mid-word are rare. KOI8-R read as cp1251 (and back) swaps the two cases."""
    lower = upper = 0
    for ch in text:
        if "\u0430" <= ch <= "\u044f" or ch == "\u0451":
            lower += 1
        elif "\u0410" <= ch <= "\u042f" or ch == "\u0401":
            upper += 1
    total = lower + upper
    return lower / total if total else 0.0


def _detect_legacy(data: bytes) -> tuple[str, str]:
    """Decode bytes that are not UTF-8. Cyrillic code pages are told apart by letter case;
    other text goes to charset-normalizer, then cp1252."""
    high = sum(1 for b in data[:65536] if b >= 0xC0)
    if high:
        best: tuple[float, str, str] | None = None
        for enc in _LEGACY_CYRILLIC:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            score = _cyrillic_score(text[:65536])
            if best is None or score > best[0]:
                best = (score, enc, text)
        if best is not None and best[0] >= 0.6:
            return best[2], best[1]
    from charset_normalizer import from_bytes

    match = from_bytes(data[:262144]).best()
    if match is not None and match.encoding not in ("utf_8", "ascii"):
        try:
            return data.decode(match.encoding), match.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode(_LEGACY_LATIN, errors="replace"), _LEGACY_LATIN


def looks_binary(data: bytes) -> bool:
    """True for data that is not text: NUL bytes (outside UTF-16/32) or many control bytes."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding_name)``.

    A forced ``encoding`` is used as is (bad bytes replaced). Otherwise: a BOM decides
    (UTF-8, UTF-16, UTF-32), then strict UTF-8, then a legacy single-byte code page.
    Raises ``ValueError`` for binary data and ``LookupError`` for an unknown encoding.
    """
    if encoding:
        codecs.lookup(encoding)
        text = data.decode(encoding, errors="replace")
        return text.lstrip("\ufeff"), encoding
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise ValueError(f"invalid {name} data at byte {exc.start}") from None
    if looks_binary(data):
        raise ValueError("binary file (not text)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _detect_legacy(data)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def display_path(path: Path) -> str:
    """The path as shown and stored: relative to the working directory when under it
    (absolute otherwise), normalised but with symbolic links kept as written."""
    full = os.path.abspath(path)
    cwd = os.getcwd()
    if full == cwd:
        return "."
    if full.startswith(cwd.rstrip(os.sep) + os.sep):
        full = full[len(cwd.rstrip(os.sep)) + 1 :]
    # a file name that is not valid UTF-8 is shown (and stored) with its bytes escaped
    full = full.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return Path(full).as_posix()


def _folder_files(folder: Path, patterns: str | Sequence[str]) -> list[Path]:
    """Files under ``folder`` (recursively) whose name matches a pattern: one glob pattern
    as given, or several matched case-insensitively (``*.html`` takes ``PAGE.HTML``)."""
    if isinstance(patterns, str):
        found = folder.rglob(patterns)
    else:
        pats = [p.lower() for p in patterns]
        found = (f for f in folder.rglob("*")
                 if any(fnmatch.fnmatchcase(f.name.lower(), p) for p in pats))
    return sorted((f for f in found if f.is_file() or f.is_symlink()),
                  key=lambda f: f.as_posix())


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
    An argument that matches nothing yields a :class:`Problem`."""
    seen: set[str] = set()
    for arg in args:
        if arg == STDIN:
            if STDIN not in seen:
                seen.add(STDIN)
                yield Source("<stdin>", None)
            continue
        p = Path(arg)
        if p.is_dir():
            found = _folder_files(p, pattern)
            if not found:
                yield Problem(display_path(p), "no files matching "
                              f"{describe_patterns(pattern)} in this folder")
            for f in found:
                key = display_path(f)
                if key not in seen:
                    seen.add(key)
                    yield Source(key, f)
        elif p.exists() or p.is_symlink():
            key = display_path(p)
            if key not in seen:
                seen.add(key)
                yield Source(key, p)
        elif globmod.has_magic(arg):
            matches = sorted(globmod.glob(arg, recursive=True))
            files = [Path(m) for m in matches if Path(m).is_file()]
            if not files:
                yield Problem(arg, "no files match this pattern")
            for f in files:
                key = display_path(f)
                if key not in seen:
                    seen.add(key)
                    yield Source(key, f)
        else:
            yield Problem(arg, "no such file or folder")


def stat_key(source: Source) -> tuple[int, int] | None:
    """(size, mtime_ns) of a file, or None (stdin, or it cannot be stat'ed)."""
    if source.location is None:
        return None
    try:
        st = source.location.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def read_bytes(source: Source) -> tuple[bytes, int] | Problem:
    """The bytes of a source and its mtime_ns (0 for stdin), or a Problem."""
    try:
        if source.location is None:
            return sys.stdin.buffer.read(), 0
        with open(source.location, "rb") as fh:
            mtime = os.fstat(fh.fileno()).st_mtime_ns
            return fh.read(), mtime
    except IsADirectoryError:
        return Problem(source.path, "is a folder")
    except PermissionError:
        return Problem(source.path, "permission denied")
    except OSError as exc:
        return Problem(source.path, f"cannot read: {exc.strerror or exc}")


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
    if not data.strip():
        return Problem(path, "empty file")
    try:
        text, enc = decode(data, encoding)
    except LookupError:
        return Problem(path, f"unknown encoding {encoding!r}")
    except ValueError as exc:
        return Problem(path, str(exc))
    text = normalize_text(text)
    if not text.strip():
        return Problem(path, "no text after decoding")
    return Page(path=path, text=text, encoding=enc, content_hash=content_hash(data), size=len(data))


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

