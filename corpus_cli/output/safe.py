"""Scraped text is data: the one place that makes it inert for terminals and exact in JSON,
and the consoles and the writer everything goes through.

* On a terminal (and in TSV), C0/C1 controls, DEL, bidi overrides and line separators
  become visible escapes (``\\x1b``, ``\\u202e``); rich never reads text as markup or emoji.
* In JSON the text is exact, with U+0085, U+2028 and U+2029 escaped so that line-based tools
  see one record a line.
* CSV and TSV cells: :func:`csv_cell` and :func:`tsv_cell` are where a cell that a
  spreadsheet would run as a formula is neutralised (in files and in ``export``).
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import IO, Any

# C0 controls but tab/newline, DEL, C1 controls, and the bidi / isolate overrides.
_UNSAFE = {c: f"\\x{c:02x}" for c in list(range(0, 32)) + list(range(0x7F, 0xA0))}
_UNSAFE.update({c: f"\\u{c:04x}" for c in (0x200E, 0x200F, 0x061C)})
_UNSAFE.update({c: f"\\u{c:04x}" for c in range(0x202A, 0x202F)})
_UNSAFE.update({c: f"\\u{c:04x}" for c in range(0x2066, 0x206A)})
_UNSAFE.update({0x2028: "\\u2028", 0x2029: "\\u2029"})
_UNSAFE_TAB_NL = dict(_UNSAFE)
del _UNSAFE_TAB_NL[9], _UNSAFE_TAB_NL[10]
_JSON_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def inert(text: str, keep_newlines: bool = False) -> str:
    """Make text safe for a terminal: controls, DEL and bidi overrides become visible escapes.
    With ``keep_newlines`` tabs and newlines are kept (for multi-line text views)."""
    return text.translate(_UNSAFE_TAB_NL if keep_newlines else _UNSAFE)


def one_line(text: str) -> str:
    """Inert text on one line: tabs and line breaks become spaces (TSV cells, table rows)."""
    return inert(" ".join(text.split("\n")).replace("\t", " "))


def to_json(obj: Any, indent: int | None = None) -> str:
    """JSON text of ``obj``: UTF-8 kept, line separators escaped, keys in given order."""
    return json_breaks(json.dumps(obj, ensure_ascii=False, indent=indent, default=_default))


def json_breaks(text: str) -> str:
    """JSON text with U+0085, U+2028 and U+2029 escaped (``splitlines()`` breaks lines at
    them); text without them, nearly all, is not copied."""
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        return text.translate(_JSON_LINE_BREAKS)
    return text


def to_json_indented(obj: Any, pad: str = "") -> str:
    """``to_json(obj, indent=2)``, as if ``obj`` were nested where the indentation is
    ``pad``, made several times faster: Python's ``json`` encodes indented JSON in Python,
    token by token (a million-paragraph ``dedupe --json`` report is 200 MB of it). Values
    other than dicts with string keys, lists, tuples, strings, numbers, booleans and None
    go through :func:`to_json`."""
    return json_breaks(_indented(obj, pad))


_ENCODE_STR = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses
json_str = _ENCODE_STR  # a str as to_json writes it (before json_breaks)


def json_scalar(value: Any) -> str:
    """A string, number, boolean or None as :func:`to_json` writes it (before
    :func:`json_breaks`)."""
    if type(value) is str:
        return _ENCODE_STR(value)
    return _indented(value, "")
_FLOAT_SPECIAL = {float("inf"): "Infinity", float("-inf"): "-Infinity"}


def _indented(obj: Any, pad: str) -> str:
    if isinstance(obj, str):
        return _ENCODE_STR(obj)
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    kind = type(obj)
    if kind is int:
        return int.__repr__(obj)
    if kind is float:
        if obj != obj:
            return "NaN"
        return _FLOAT_SPECIAL.get(obj) or float.__repr__(obj)
    inner = pad + "  "
    if kind is dict:
        if not obj:
            return "{}"
        if not all(type(k) is str for k in obj):
            return _reindent(obj, pad)
        return ("{\n" + ",\n".join(inner + _ENCODE_STR(k) + ": " + _indented(v, inner)
                                    for k, v in obj.items()) + "\n" + pad + "}")
    if kind is list or kind is tuple:
        if not obj:
            return "[]"
        return "[\n" + ",\n".join(inner + _indented(v, inner) for v in obj) + "\n" + pad + "]"
    return _reindent(obj, pad)


def _reindent(obj: Any, pad: str) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=_default).replace(
        "\n", "\n" + pad)


def _default(obj: Any) -> Any:
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


# What a spreadsheet reads as the start of a formula (OWASP, "CSV injection").
_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d{1,40}(?:[.,]\d{0,40})?|[.,]\d{1,40})(?:[eE][+-]?\d{1,4})?")


def neutral_formula(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs: a text that starts with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (as OWASP
    recommends). A plain number (``-12.5``) is left as it is: it is no formula."""
    if text[:1] in _FORMULA_START and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_cell(value: Any, neutral: bool = False) -> Any:
    """A value as a CSV cell: lists and objects as JSON text, ``None`` empty, booleans
    ``true``/``false``. With ``neutral``, a text that a spreadsheet would run as a formula
    is neutralised (:func:`neutral_formula`): the one place that does it."""
    if isinstance(value, (list, dict, tuple)):
        return to_json(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if neutral and isinstance(value, str):
        return neutral_formula(value)
    return value


def tsv_cell(value: str, neutral: bool = False) -> str:
    """A TSV cell: on one line, without tabs, inert (and with ``neutral``, never a
    spreadsheet formula)."""
    value = one_line(value)
    return neutral_formula(value) if neutral else value


# ---- terminals ---------------------------------------------------------------------------
def no_color() -> bool:
    return os.environ.get("NO_COLOR", "") != ""


def is_terminal(stream: IO | None = None) -> bool:
    """Whether ``stream`` (stdout) is a terminal; ``TTY_COMPATIBLE=1``/``0`` forces it."""
    stream = stream or sys.stdout
    forced = os.environ.get("TTY_COMPATIBLE")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def console(stream: IO[str] | None = None, terminal: bool | None = None, width: int | None = None):
    """A rich console that never reads markup, emoji or highlights. On a terminal it has
    colour (unless NO_COLOR) and wraps at its width; otherwise no colour and no wrapping."""
    from rich.console import Console

    stream = stream or sys.stdout
    if terminal is None:
        terminal = is_terminal(stream)
    return Console(
        file=stream,
        color_system=None if no_color() or not terminal else "auto",
        force_terminal=terminal or None,
        soft_wrap=not terminal,
        width=width if width else (None if terminal else 1_000_000),
        markup=False,
        emoji=False,
        highlight=False,
    )


def stdout_console(stream: IO[str] | None = None):
    return console(stream or sys.stdout)


def stderr_console():
    """The console for messages and progress: stderr, plain when NO_COLOR or not a tty."""
    from rich.console import Console

    return Console(
        stderr=True,
        color_system=None if no_color() or not is_terminal(sys.stderr) else "auto",
        soft_wrap=True,
        markup=False,
        emoji=False,
        highlight=False,
    )


def message(text: str, style: str | None = None) -> None:
    """One line on stderr (scraped text in it is made inert): styled through rich on a
    terminal, else written as it is (what a plain rich console writes, without rich)."""
    if not is_terminal(sys.stderr):
        sys.stderr.write(inert(text) + "\n")
        sys.stderr.flush()
        return
    from rich.text import Text

    stderr_console().print(Text(inert(text), style=style or ""), soft_wrap=True)
