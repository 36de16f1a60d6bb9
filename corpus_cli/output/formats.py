"""Formats: writing records as a table, TSV, CSV, JSON or JSON Lines; picking the format;
laying tables out in the terminal's width; progress bars.

* ``table``: a rich table on a terminal, fitted to its width (ids never shortened, other
  columns shortened or wrapped at word boundaries first);
* ``tsv``: the table's columns, a header row, one record a line, no colour, nothing cut
  (the default when stdout is not a terminal);
* ``csv``: the JSON record's keys as columns (lists and objects as JSON text), RFC 4180;
* ``json``: an array of records (one document for the commands that print one);
* ``jsonl``: one record a line, streamed.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from corpus_cli.output.safe import (
    console,
    csv_cell,
    is_terminal,
    one_line,
    stderr_console,
    to_json,
    tsv_cell,
)

RECORD_FORMATS = ("table", "tsv", "csv", "json", "jsonl")
# File name endings that name a format (``-o items.csv``).
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv",
              ".tsv": "tsv", ".tab": "tsv", ".md": "md", ".markdown": "md", ".txt": "txt",
              ".html": "html", ".htm": "html"}


def format_of_path(path: str | None) -> str | None:
    """The format a file name's ending names (``items.csv`` -> ``csv``), or ``None``."""
    if not path or path == "-":
        return None
    name = path.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return EXTENSIONS[ext]
    return None


def default_format(requested: str | None, stream: IO | None = None) -> str:
    """``table`` on a terminal, ``tsv`` otherwise, unless a format was asked for."""
    if requested:
        return requested
    return "table" if is_terminal(stream or sys.stdout) else "tsv"


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the table and TSV: header, record key (or a function of the record) and
    how it behaves in a narrow table.

    ``shrink``: the column may be shortened (``…``) or wrapped to fit; the others keep their
    whole width (ids, dates, numbers). ``max_width`` caps it even when there is room.
    """

    header: str
    key: str | Callable[[dict], Any]
    justify: str = "left"
    style: str | None = None
    shrink: bool = False
    max_width: int | None = None

    def value(self, record: dict) -> str:
        v = self.key(record) if callable(self.key) else record.get(self.key)
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else f"{v:.0f}"
        if isinstance(v, (list, tuple)):
            return ", ".join(str(x) for x in v)
        return str(v)


def write_records(
    records: Iterable[dict],
    fmt: str,
    columns: Sequence[Column] = (),
    stream: IO[str] | None = None,
    wrap: bool = False,
    cell: Callable[[Column, dict], Any] | None = None,
) -> int:
    """Write records in ``fmt``; returns how many were written. JSONL, CSV and TSV stream;
    the table and the JSON array are built in memory. ``wrap``: table cells wrap at word
    boundaries instead of being shortened. ``cell(column, record)`` gives a table cell as a
    rich renderable (for highlighted snippets)."""
    stream = stream or sys.stdout
    # a file a spreadsheet may open (see corpus_cli.output.export.open_output)
    neutral = getattr(stream, "neutral_formulas", False)
    n = 0
    if fmt == "jsonl":
        for r in records:
            stream.write(to_json(r) + "\n")
            n += 1
    elif fmt == "json":
        stream.write("[")
        for r in records:
            stream.write(("\n" if n == 0 else ",\n") + to_json(r))
            n += 1
        stream.write("\n]\n" if n else "]\n")
    elif fmt == "csv":
        n = _write_csv(records, stream, neutral)
    elif fmt == "tsv":  # the header row comes with the first record: nothing for none
        for r in records:
            if n == 0:
                stream.write("\t".join(c.header for c in columns) + "\n")
            stream.write("\t".join(tsv_cell(c.value(r), neutral) for c in columns) + "\n")
            n += 1
    elif fmt == "table":
        n = write_table(records, columns, stream, wrap=wrap, cell=cell)
    else:  # pragma: no cover - click validates formats
        raise ValueError(f"unknown format {fmt!r}")
    stream.flush()
    return n


def _write_csv(records: Iterable[dict], stream: IO[str], neutral: bool = False) -> int:
    import csv

    keys: list[str] | None = None
    buf = io.StringIO()
    cw = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; quotes a lone \r too
    n = 0
    for r in records:
        if keys is None:
            keys = list(r)
            cw.writerow(keys)
        cw.writerow([csv_cell(r.get(k), neutral) for k in keys])
        stream.write(buf.getvalue())
        buf.seek(0)
        buf.truncate()
        n += 1
    return n


def write_csv_header(keys: Sequence[str], stream: IO[str]) -> None:
    """The header row alone (no records: the columns are still known)."""
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(keys)
    stream.write(buf.getvalue())


# ---- tables ------------------------------------------------------------------------------
GAP = 3  # between two columns: padding, a space, padding


def fit_widths(natural: Sequence[int], shrink: Sequence[bool], room: int,
               minimum: int = 8) -> list[int]:
    """Column widths for a table ``room`` cells wide: every column its natural width when
    they fit; else the shrinkable columns share what the others leave, the narrow ones
    keeping their natural width and the wide ones an equal share (never below ``minimum``).
    The columns that do not shrink (ids, dates, numbers) always keep their natural width."""
    widths = list(natural)
    if sum(widths) <= room:
        return widths
    flex = sorted((i for i, s in enumerate(shrink) if s), key=lambda i: natural[i])
    left = room - sum(w for i, w in enumerate(widths) if not shrink[i])
    for k, i in enumerate(flex):
        share = max(minimum, left // (len(flex) - k))
        widths[i] = min(natural[i], share)
        left -= widths[i]
    return widths


def write_table(records: Iterable[dict], columns: Sequence[Column], stream: IO[str],
                wrap: bool = False, cell: Callable[[Column, dict], Any] | None = None,
                title: str | None = None) -> int:
    """A rich table of ``records`` fitted to the console: on a terminal its width, else
    nothing is cut. Returns the number of rows."""
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    con = console(stream)
    records = list(records)
    rows = [[one_line(c.value(r)) for c in columns] for r in records]
    if not rows:
        return 0
    terminal = is_terminal(stream)
    natural = []
    for k, c in enumerate(columns):
        w = max([cell_len(c.header)] + [cell_len(row[k]) for row in rows])
        # max_width is for a terminal's eyes only: piped, nothing is cut
        natural.append(min(w, c.max_width) if c.max_width and terminal else w)
    room = (con.width if terminal else 1_000_000) - GAP * (len(columns) - 1)
    widths = fit_widths(natural, [c.shrink for c in columns], room)
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  show_lines=wrap, expand=False, title=title)
    for c, w in zip(columns, widths, strict=True):
        table.add_column(c.header, justify=c.justify, style=c.style, width=w,
                         no_wrap=not wrap, overflow="fold" if wrap else "ellipsis")
    for rec, row in zip(records, rows, strict=True):
        if cell is not None:
            table.add_row(*(cell(c, rec) or Text(row[k]) for k, c in enumerate(columns)))
        else:
            table.add_row(*(Text(v) for v in row))
    if terminal:
        con.print(table)
    else:  # nothing cut, and no padding after the last cell
        with con.capture() as cap:
            con.print(table)
        stream.write("".join(line.rstrip() + "\n" for line in cap.get().splitlines()))
    return len(rows)


# ---- progress ----------------------------------------------------------------------------
@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress callback drawing one bar per stage on stderr (count/total, rate, elapsed
    and remaining time), or ``None`` when stderr is no terminal."""
    if enabled is None:
        enabled = is_terminal(sys.stderr) and os.environ.get("TTY_COMPATIBLE") != "1"
    if not enabled:
        yield None
        return
    import threading

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f}/s" if speed else "", style="progress.data.speed")

    tasks: dict[str, int] = {}
    lock = threading.Lock()  # the side index reports from its own thread
    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    ) as bar:

        def update(stage: str, done: int, total: int) -> None:
            with lock:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

        yield update
