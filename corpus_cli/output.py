"""The only module that formats or writes anything.

Formats: ``table`` (rich, on a terminal), ``tsv`` (the table's columns when piped: no
colour, no truncation), ``jsonl`` (one JSON object a line, streamed), ``json`` (an array),
``csv``. Scraped text is data: in human formats every control character, DEL and bidi
override is shown as a visible escape and nothing is read as rich markup; in JSON the text
is exact, with U+0085, U+2028 and U+2029 escaped so line-based tools see one record a line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

FORMATS = ("table", "tsv", "jsonl", "json", "csv")
SCHEMA_VERSION = 1

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


def to_json(obj: Any, indent: int | None = None) -> str:
    """JSON text of ``obj``: UTF-8 kept, line separators escaped, keys in given order."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent, default=_default)
    return text.translate(_JSON_LINE_BREAKS)


def _default(obj: Any) -> Any:
    from dataclasses import asdict, is_dataclass

    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def no_color() -> bool:
    return "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != ""


def is_terminal(stream: IO | None = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("TTY_COMPATIBLE") == "1":
        return True
    if os.environ.get("TTY_COMPATIBLE") == "0":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def default_format(requested: str | None) -> str:
    """``table`` on a terminal, ``tsv`` when piped, unless a format was asked for."""
    if requested:
        return requested
    return "table" if is_terminal(sys.stdout) else "tsv"


def stdout_console():
    from rich.console import Console

    return Console(
        file=sys.stdout,
        color_system=None if no_color() else "auto",
        soft_wrap=True,
        markup=False,
        emoji=False,
        highlight=False,
    )


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
    """One line on stderr (scraped text in it is made inert)."""
    from rich.text import Text

    stderr_console().print(Text(inert(text), style=style or ""), soft_wrap=True)


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the human formats: header, record key (or a function) and max width."""

    header: str
    key: str | Callable[[dict], Any]
    width: int | None = None
    justify: str = "left"
    style: str | None = None
    flex: bool = False  # takes the room left; the others keep their width
    min_console: int = 0  # shown in the table only on a console at least this wide

    def value(self, record: dict) -> str:
        v = self.key(record) if callable(self.key) else record.get(self.key)
        if v is None:
            return ""
        if isinstance(v, float):
            return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else f"{v:.0f}"
        if isinstance(v, (list, tuple)):
            return ", ".join(str(x) for x in v)
        return str(v)


class _Writer:
    """Writes text to stdout; a closed pipe ends the output quietly (see ``safe_stdout``)."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream or sys.stdout

    def write(self, text: str) -> None:
        self.stream.write(text)


def write_records(
    records: Iterable[dict],
    fmt: str,
    columns: Sequence[Column] = (),
    title: str | None = None,
    stream: IO[str] | None = None,
) -> int:
    """Write records in ``fmt``; returns how many were written. JSONL streams; the table
    and JSON array are built in memory."""
    stream = stream or sys.stdout
    w = _Writer(stream)
    n = 0
    if fmt == "jsonl":
        for r in records:
            w.write(to_json(r) + "\n")
            n += 1
    elif fmt == "json":
        w.write("[")
        for r in records:
            w.write(("\n" if n == 0 else ",\n") + to_json(r, indent=None))
            n += 1
        w.write("\n]\n" if n else "]\n")
    elif fmt == "csv":
        keys: list[str] | None = None
        buf = io.StringIO()
        cw = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; quotes a lone \r too
        for r in records:
            if keys is None:
                keys = list(r)
                cw.writerow(keys)
            cw.writerow([_csv_cell(r.get(k)) for k in keys])
            w.write(buf.getvalue())
            buf.seek(0)
            buf.truncate()
            n += 1
    elif fmt == "tsv":
        for r in records:
            w.write("\t".join(_tsv_cell(c.value(r)) for c in columns) + "\n")
            n += 1
    elif fmt == "table":
        n = _table(records, columns, title, stream)
    else:  # pragma: no cover - click validates formats
        raise ValueError(f"unknown format {fmt!r}")
    stream.flush()
    return n


def _csv_cell(v: Any) -> Any:
    if isinstance(v, (list, dict)):
        return to_json(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def _tsv_cell(v: str) -> str:
    return inert(v.replace("\t", " ").replace("\n", " "))


def _table(records: Iterable[dict], columns: Sequence[Column], title, stream) -> int:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = stdout_console()
    console.file = stream
    table = Table(title=title, show_lines=False, header_style="bold", expand=False,
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    columns = [c for c in columns if console.width >= c.min_console]
    fixed = sum((c.width or len(c.header)) + 2 for c in columns if not c.flex)
    flex = [c for c in columns if c.flex]
    room = max(16 * len(flex), console.width - fixed - 2 * len(flex) - 2) // max(1, len(flex))
    for c in columns:
        width = min(room, c.width or room) if c.flex else (c.width or len(c.header))
        table.add_column(c.header, justify=c.justify, style=c.style, no_wrap=True,
                         min_width=width if not c.flex else min(width, 16), max_width=width,
                         overflow="ellipsis")
    n = 0
    for r in records:
        table.add_row(*(Text(inert(c.value(r))) for c in columns))
        n += 1
    if n:
        console.print(table)
    return n


def write_text(text: str, stream: IO[str] | None = None) -> None:
    """Plain text (already formatted) to stdout, made inert but keeping newlines."""
    stream = stream or sys.stdout
    stream.write(inert(text, keep_newlines=True))
    stream.flush()


def print_renderable(renderable: Any) -> None:
    """A rich renderable (panel, table of text objects) to stdout."""
    stdout_console().print(renderable)


def write_json_document(obj: Any, stream: IO[str] | None = None) -> None:
    stream = stream or sys.stdout
    stream.write(to_json(obj, indent=2) + "\n")
    stream.flush()


@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress callback drawing a bar on stderr, or ``None`` when stderr is no terminal."""
    if enabled is None:
        enabled = is_terminal(sys.stderr) and os.environ.get("TTY_COMPATIBLE") != "1"
    if not enabled:
        yield None
        return
    import threading

    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    tasks: dict[str, int] = {}
    lock = threading.Lock()  # the side index reports from its own thread
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
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


def atomic_write(path: str, data: str, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place (see
    :func:`atomic_file`). Refuses to replace an existing file unless ``force``."""
    with atomic_file(path, force) as fh:
        fh.write(data)


# ---- records: the JSON shape of each library object (documented in docs/json.md) --------
def paragraph_record(p, drop=None) -> dict:
    """A paragraph with provenance, its cleaning and (after dedupe) its drop."""
    return {
        "id": p.id,
        "path": p.path,
        "index": p.index,
        "line_start": p.line_start,
        "line_end": p.line_end,
        "kind": p.kind,
        "status": "dropped" if drop is not None else p.status,
        "reason": p.reason if drop is None else "duplicate",
        "text": p.text,
        "raw": p.raw,
        "dateline": p.dateline,
        "script": p.script,
        "removals": [{"kind": r.kind, "text": r.text, "reason": r.reason} for r in p.removals],
        "duplicate_of": drop.kept_id if drop else None,
        "similarity": drop.score if drop else None,
        "rule": drop.reason if drop else None,
    }


def article_record(a) -> dict:
    """A news item (article or brief)."""
    return {
        "id": a.id,
        "kind": a.kind,
        "title": a.title,
        "date": a.date,
        "date_precision": a.date_precision,
        "date_inferred": a.date_inferred,
        "text": a.text,
        "copies": len(a.sources),
        "sources": [{"path": s.path, "line_start": s.line_start, "line_end": s.line_end}
                    for s in a.sources],
        "dates": [
            {"text": d.text, "start": d.start, "end": d.end, "value": d.value,
             "end_value": d.end_value, "precision": d.precision, "inferred": d.inferred,
             "kind": d.kind}
            for d in a.dates
        ],
        "entities": [
            {"name": e["name"], "type": e["type"], "aliases": list(e["aliases"]),
             "mentions": e["mentions"]}
            for e in a.entities
        ],
    }


def entity_record(e) -> dict:
    return {"name": e.name, "type": e.type, "mentions": e.mentions, "articles": e.articles,
            "aliases": list(e.aliases)}


def by_reason(reasons: Iterable[str | None]) -> str:
    from collections import Counter

    c = Counter(r for r in reasons if r)
    if not c:
        return ""
    return " (" + ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda x: -x[1])) + ")"


def _preview(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


# ---- clean ------------------------------------------------------------------------------
def show_clean(pages, fmt: str | None, explain: bool = False) -> None:
    """Cleaned paragraphs: a readable view per page, or paragraph records."""
    if fmt in ("json", "jsonl", "csv"):
        recs = (paragraph_record(p) for cp in pages for p in cp.paragraphs
                if explain or p.status == "kept" or fmt != "csv")
        write_records(recs, fmt)
        return
    if fmt == "tsv" or (fmt is None and not is_terminal(sys.stdout)):
        cols = [Column("path", "path"), Column("line", "line_start"), Column("status", "status"),
                Column("reason", "reason"), Column("dateline", "dateline"), Column("text", "text")]
        recs = (paragraph_record(p) for cp in pages for p in cp.paragraphs
                if explain or p.status == "kept")
        write_records(recs, "tsv", cols)
        return
    from rich.text import Text

    con = stdout_console()
    for cp in pages:
        head = Text()
        head.append(inert(cp.page.path), style="bold")
        head.append(f"  ({cp.page.encoding})", style="dim")
        con.print(head)
        for url in cp.urls:
            con.print(Text("  source: " + inert(url), style="cyan"))
        for p in cp.paragraphs:
            loc = f"  {p.line_start:>4} "
            if p.status == "removed":
                if explain:
                    line = Text(loc, style="dim")
                    line.append(f"- {p.reason}: ", style="red")
                    line.append(inert(_preview(p.raw)), style="dim")
                    con.print(line)
                continue
            if p.dateline:
                con.print(Text(loc, style="dim") + Text(inert(p.dateline), style="green"))
            line = Text(loc, style="dim")
            line.append(inert(p.text), style="green" if p.kind == "dateline" else "")
            con.print(line)
            if explain:
                for r in p.removals:
                    con.print(Text(f"        - {r.kind}: {inert(r.text)}", style="red"))
        con.print()


def write_clean_pages(pages, out_dir: str, inputs: Sequence[str], force: bool = False) -> int:
    """Write each cleaned page to ``out_dir`` (its path below the common root of the pages).
    Refuses a non-empty folder without ``force`` and never writes onto an input file."""
    from corpus_cli.errors import InputError

    os.makedirs(out_dir, exist_ok=True)
    if any(os.scandir(out_dir)) and not force:
        raise InputError(f"{out_dir} is not empty (use --force to write into it)")
    inputs_real = {os.path.realpath(cp.page.path) for cp in pages}
    root = os.path.commonpath([os.path.dirname(os.path.abspath(cp.page.path)) for cp in pages]) \
        if pages else ""
    n = 0
    for cp in pages:
        if cp.page.path == "<stdin>":
            rel = "stdin.txt"
        else:
            rel = os.path.relpath(os.path.abspath(cp.page.path), root)
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


# ---- dedupe -----------------------------------------------------------------------------
def dedupe_document(report, top: int | None = None) -> dict:
    """The JSON report of ``corpus dedupe --json`` (docs/json.md)."""
    idx = report.paragraph_index

    def where(pid, extra=None):
        p = idx[pid]
        d = {"id": p.id, "path": p.path, "line_start": p.line_start, "line_end": p.line_end}
        if extra:
            d.update(extra)
        return d

    clusters = []
    for cl in report.clusters[: top if top is not None else None]:
        members = []
        for m in cl.member_ids[1:]:
            dr = report.drops[m]
            members.append(where(m, {"similarity": dr.score, "rule": dr.reason}))
        clusters.append({
            "id": cl.id, "kind": cl.kind, "size": len(cl.member_ids), "pages": cl.pages,
            "kept": where(cl.kept_id, {"text": idx[cl.kept_id].text}),
            "members": members,
        })
    return {
        "schema_version": SCHEMA_VERSION,
        "db": report.db,
        "pages": report.pages,
        "reused_pages": report.reused,
        "paragraphs": report.paragraphs,
        "kept": report.kept,
        "dropped": report.dropped,
        "removed_by_reason": report.removed_by_reason,
        "duplicates_by_rule": report.duplicates_by_rule,
        "items": report.articles,
        "items_by_kind": report.articles_by_kind,
        "entities": report.entities,
        "problems": [{"path": p.path, "message": p.message} for p in report.problems],
        "clusters": clusters,
    }


def show_dedupe(report, fmt: str, top: int = 10, explain: bool = False) -> None:
    if fmt == "json":
        write_json_document(dedupe_document(report))
        return
    from rich.text import Text

    con = stdout_console()
    idx = report.paragraph_index
    kinds: dict[str, int] = {}
    for cl in report.clusters:
        kinds[cl.kind] = kinds.get(cl.kind, 0) + 1
    dup = sum(report.duplicates_by_rule.values())
    rem = sum(report.removed_by_reason.values())
    lines = [
        f"pages       {report.pages}"
        + (f" ({report.reused} unchanged since the last run)" if report.reused else ""),
        f"paragraphs  {report.paragraphs}",
        f"kept        {report.kept}",
        f"dropped     {report.dropped} = {rem} noise{by_reason(_expand(report.removed_by_reason))}"
        f" + {dup} copies{by_reason(_expand(report.duplicates_by_rule))}",
        f"clusters    {len(report.clusters)}" + by_reason(_expand(kinds)),
        f"items       {report.articles}" + by_reason(_expand(report.articles_by_kind)),
        f"entities    {report.entities}",
        f"store       {report.db}" if report.db else "store       (dry run: nothing written)",
        f"time        {report.seconds:.1f}s",
    ]
    for line in lines:
        con.print(Text(inert(line)))
    if report.clusters and top:
        cols = [
            Column("kind", "kind", width=11),
            Column("size", "size", width=4, justify="right"),
            Column("pages", "pages", width=5, justify="right"),
            Column("kept copy", "where", width=40, flex=True),
            Column("text", "text", flex=True),
        ]
        rows = [{"kind": cl.kind, "size": len(cl.member_ids), "pages": cl.pages,
                 "where": f"{idx[cl.kept_id].path}:{idx[cl.kept_id].line_start}",
                 "text": _preview(idx[cl.kept_id].text)} for cl in report.clusters[:top]]
        con.print(Text(f"largest clusters (of {len(report.clusters)})", style="bold"))
        _table(rows, cols, None, sys.stdout)
    if explain:
        con.print(Text("dropped paragraphs:", style="bold"))
        for p in idx.values():
            d = report.drops.get(p.id)
            if d is not None:
                k = idx[d.kept_id]
                msg = (f"{p.path}:{p.line_start}  {d.reason} copy ({d.score:.2f}) of "
                       f"{k.path}:{k.line_start}  {_preview(p.text, 50)}")
            elif p.status == "removed":
                msg = f"{p.path}:{p.line_start}  {p.reason}: {_preview(p.raw, 50)}"
            else:
                continue
            con.print(Text(inert(msg)))


def _expand(d: dict) -> list[str]:
    return [k for k, v in d.items() for _ in range(v)]


# ---- items ------------------------------------------------------------------------------
ARTICLE_COLUMNS = [
    Column("date", "date", width=10),
    Column("kind", "kind", width=7),
    Column("title", lambda r: r["title"] or _preview(r["text"], 80), flex=True),
    Column("source", lambda r: f"{r['sources'][0]['path']}:{r['sources'][0]['line_start']}"
           if r["sources"] else "", width=40, flex=True, min_console=120),
    Column("copies", "copies", justify="right"),
    Column("id", "id", width=13),
]


def show_articles(articles, fmt: str, extra: Sequence[Column] = ()) -> int:
    cols = [*ARTICLE_COLUMNS[:3], *extra, *ARTICLE_COLUMNS[3:]]
    if fmt == "tsv":  # no truncation when piped: a brief's whole text stands for its title
        cols = [Column(c.header, (lambda r: r["title"] or r["text"]) if c.header == "title"
                       else c.key) for c in cols]
    return write_records((article_record(a) for a in articles), fmt, cols)


def show_article(article, paragraphs, fmt: str, copies=()) -> None:
    rec = article_record(article)
    rec["paragraphs"] = [
        {"id": p.id, "path": p.path, "line_start": p.line_start, "line_end": p.line_end}
        for p, _d in paragraphs
    ]
    rec["duplicates"] = [
        {"id": p.id, "path": p.path, "line_start": p.line_start, "line_end": p.line_end,
         "duplicate_of": d.kept_id, "similarity": d.score, "rule": d.reason}
        for p, d in copies
    ]
    if fmt == "json":
        write_json_document(rec)
        return
    from rich.text import Text

    con = stdout_console()
    con.print(Text(inert(article.title or "(untitled)"), style="bold"))
    date = article.date or "undated"
    if article.date and article.date_inferred:
        date += " (inferred)"
    con.print(Text(f"{article.kind} \u00b7 {date} \u00b7 {article.id}", style="dim"))
    con.print()
    con.print(Text(inert(article.text, keep_newlines=True)))
    con.print()
    con.print(Text(f"sources ({len(article.sources)}):", style="bold"))
    for s in article.sources:
        con.print(Text(inert(f"  {s.path}:{s.line_start}-{s.line_end}")))
    if article.dates:
        con.print(Text("dates:", style="bold"))
        for d in article.dates:
            v = d.value or "?"
            if d.end_value:
                v += f"/{d.end_value}"
            con.print(Text(inert(f"  {d.text!r} -> {v} ({d.precision}"
                                 f"{', inferred' if d.inferred else ''})")))
    if article.entities:
        con.print(Text("entities:", style="bold"))
        for e in article.entities:
            con.print(Text(inert(f"  {e['type']:<6} {e['name']}  x{e['mentions']}")))
    if paragraphs:
        con.print(Text(f"paragraphs ({len(paragraphs)}):", style="bold"))
        for p, _d in paragraphs:
            con.print(Text(inert(f"  {p.path}:{p.line_start}-{p.line_end}  {p.id}")))
    if copies:
        con.print(Text(f"merged copies ({len(copies)}):", style="bold"))
        for p, d in copies:
            con.print(Text(inert(f"  {p.path}:{p.line_start}-{p.line_end}  {d.reason} "
                                 f"copy ({d.score:.2f}) of {d.kept_id}")))


def show_entities(entities, fmt: str) -> int:
    cols = [Column("type", "type", width=6), Column("name", "name", flex=True),
            Column("mentions", "mentions", justify="right"),
            Column("items", "articles", justify="right"),
            Column("aliases", "aliases", flex=True)]
    if fmt == "tsv":
        cols = [Column(c.header, c.key) for c in cols]
    return write_records((entity_record(e) for e in entities), fmt, cols)


# ---- search -------------------------------------------------------------------------------
HIGHLIGHT = "bold yellow"


def hit_record(h) -> dict:
    """A search hit: the item's record plus ``score``, ``snippet`` and ``matched``."""
    rec = article_record(h.article)
    rec["score"] = round(h.score, 6)
    rec["snippet"] = h.snippet
    rec["matched"] = list(h.matched)
    return rec


def highlighted(text: str, spans, style: str = HIGHLIGHT):
    """A rich Text of scraped ``text`` (made inert, never read as markup) with ``spans``
    styled. Each piece is made inert on its own so the spans stay in place."""
    from rich.text import Text

    out = Text()
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(inert(text[pos:start]))
        out.append(inert(text[start:end]), style=style)
        pos = end
    out.append(inert(text[pos:]))
    return out


HIT_COLUMNS = [
    Column("date", lambda r: r["date"], width=10),
    Column("title", lambda r: r["title"] or "", flex=True),
    Column("score", "score", justify="right"),
    Column("snippet", "snippet"),
    Column("id", "id", width=13),
]


def show_hits(hits, fmt: str) -> int:
    """Search hits: a table with the matched words highlighted in the snippets, or records
    (``hit_record``) in the machine formats; returns how many were shown."""
    if fmt != "table":
        cols = [Column(c.header, c.key) for c in HIT_COLUMNS]
        return write_records((hit_record(h) for h in hits), fmt, cols)
    from rich import box
    from rich.table import Table
    from rich.text import Text

    con = stdout_console()
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  show_lines=True, expand=False)
    wide = con.width >= 120
    table.add_column("date", no_wrap=True, min_width=10)
    table.add_column("title", ratio=1, min_width=12, overflow="fold")
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("snippet", ratio=2, min_width=20, overflow="fold")
    if wide:
        table.add_column("id", no_wrap=True, min_width=13)
    n = 0
    for h in hits:
        a = h.article
        title = Text(inert(a.title), style="bold") if a.title else Text(f"({a.kind})",
                                                                        style="dim")
        row = [Text(a.date or ""), title, Text(f"{h.score:.2f}"),
               highlighted(h.snippet, h.spans)]
        if wide:
            row.append(Text(a.id, style="dim"))
        table.add_row(*row)
        n += 1
    if n:
        con.print(table)
    return n


# ---- stats --------------------------------------------------------------------------------
def stats_document(st) -> dict:
    """The JSON of ``corpus stats --json`` (docs/search.md)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "pages": st.pages,
        "paragraphs": st.paragraphs,
        "kept": st.kept,
        "dropped": st.dropped,
        "removed_by_reason": st.removed_by_reason,
        "duplicates_removed": st.duplicates_removed,
        "duplicates_by_rule": st.duplicates_by_rule,
        "clusters_by_kind": st.clusters_by_kind,
        "items": st.items,
        "items_by_kind": st.items_by_kind,
        "undated": st.undated,
        "date_min": st.date_min,
        "date_max": st.date_max,
        "by": st.by,
        "histogram": [{"period": p, "items": c} for p, c in st.histogram],
        "top_entities": [{"name": n, "type": t, "items": c} for n, t, c in st.top_entities],
    }


_EIGHTHS = " \u258f\u258e\u258d\u258c\u258b\u258a\u2589"


def bar(value: int, top: int, width: int) -> str:
    """A horizontal bar of unicode blocks, ``width`` cells for ``top``."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value * width * 8 / top))
    full, part = divmod(eighths, 8)
    return "\u2588" * full + (_EIGHTHS[part] if part else "")


def show_stats(st, fmt: str | None) -> None:
    if fmt == "json":
        write_json_document(stats_document(st))
        return
    from rich.text import Text

    con = stdout_console() if is_terminal(sys.stdout) else _plain_console()
    kinds = ", ".join(f"{k} {v}" for k, v in st.items_by_kind.items())
    span = f"{st.date_min} .. {st.date_max}" if st.date_min else "no dates"
    lines = [
        f"pages       {st.pages}",
        f"paragraphs  {st.paragraphs} ({st.kept} kept, {st.dropped} dropped)",
        f"noise       {sum(st.removed_by_reason.values())}"
        + by_reason(_expand(st.removed_by_reason)),
        f"duplicates  {st.duplicates_removed}" + by_reason(_expand(st.duplicates_by_rule)),
        f"clusters    {sum(st.clusters_by_kind.values())}"
        + by_reason(_expand(st.clusters_by_kind)),
        f"items       {st.items}" + (f" ({kinds})" if kinds else ""),
        f"dates       {span}" + (f", {st.undated} undated" if st.undated else ""),
    ]
    for line in lines:
        con.print(Text(inert(line)))
    if st.histogram:
        con.print()
        con.print(Text(f"items per {st.by}", style="bold"))
        top = max(c for _, c in st.histogram)
        label = max(len(p) for p, _ in st.histogram)
        digits = len(str(top))
        width = max(10, min(60, con.width - label - digits - 4))
        for period, count in st.histogram:
            line = Text(f"{period:<{label}} {count:>{digits}} ")
            line.append(bar(count, top, width), style="cyan")
            con.print(line)
    if st.top_entities:
        con.print()
        con.print(Text("top entities (items)", style="bold"))
        for name, type_, count in st.top_entities:
            con.print(Text(inert(f"  {count:>5}  {type_:<6} {name}")))


def _plain_console():
    from rich.console import Console

    return Console(file=sys.stdout, color_system=None, soft_wrap=True, markup=False,
                   emoji=False, highlight=False, width=100)


# ---- export -------------------------------------------------------------------------------
EXPORT_FORMATS = ("jsonl", "json", "csv", "md", "txt")
CSV_COLUMNS = ("id", "kind", "date", "date_precision", "date_inferred", "title", "text",
               "copies", "sources", "entities")


def csv_record(a) -> list:
    """The flat CSV row of an item (columns ``CSV_COLUMNS``)."""
    return [a.id, a.kind, a.date or "", a.date_precision or "",
            "true" if a.date_inferred else "false", a.title or "", a.text, len(a.sources),
            to_json([{"path": s.path, "line_start": s.line_start, "line_end": s.line_end}
                     for s in a.sources]),
            "; ".join(e["name"] for e in a.entities)]


def markdown_item(a) -> str:
    title = " ".join((a.title or f"Untitled {a.kind}").split())
    date = (a.date or "undated") + (" (inferred)" if a.date and a.date_inferred else "")
    meta = [f"- id: {a.id}", f"- kind: {a.kind}", f"- date: {date}",
            "- sources: " + "; ".join(f"{s.path}:{s.line_start}-{s.line_end}"
                                      for s in a.sources)]
    if a.entities:
        meta.append("- entities: " + "; ".join(e["name"] for e in a.entities))
    return f"# {title}\n\n" + "\n".join(meta) + f"\n\n{a.text}\n"


def text_item(a) -> str:
    date = (a.date or "undated") + (" (inferred)" if a.date and a.date_inferred else "")
    head = f"{' '.join(a.title.split())}\n" if a.title else ""
    return f"{head}{date} \u00b7 {a.kind} \u00b7 {a.id}\n\n{a.text}\n"


_TXT_SEPARATOR = "\n" + "=" * 72 + "\n\n"


def _write_items(articles, fmt: str, fh: IO[str], clean: Callable[[str], str]) -> int:
    n = 0
    if fmt in ("jsonl", "json"):
        return write_records((article_record(a) for a in articles), fmt, stream=fh)
    if fmt == "csv":
        buf = io.StringIO()
        cw = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; quotes a lone \r too
        cw.writerow(CSV_COLUMNS)
        for a in articles:
            cw.writerow(csv_record(a))
            fh.write(clean(buf.getvalue()))
            buf.seek(0)
            buf.truncate()
            n += 1
        fh.write(clean(buf.getvalue()))
        return n
    render = markdown_item if fmt == "md" else text_item
    sep = "\n" if fmt == "md" else _TXT_SEPARATOR
    for a in articles:
        fh.write(clean((sep if n else "") + render(a)))
        n += 1
    return n


@contextmanager
def atomic_file(path: str, force: bool = False) -> Iterator[IO[str]]:
    """A text stream whose content replaces ``path`` only when the block ends without an
    exception (temp file in the same folder, fsync, rename); an existing file is refused
    unless ``force``. Raises ``FileExistsError``."""
    import stat
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
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def export_articles(articles, fmt: str, target: str = "-", force: bool = False,
                    protect=()) -> int:
    """Write items to stdout (``-``), a file (atomically; an existing one only with
    ``force``) or, for md/txt, a folder with one ``<date>_<id>.<fmt>`` file per item
    (refusing a non-empty folder without ``force``). Returns how many were written.
    Nothing partial is left behind if ``articles`` raises midway; ``protect`` lists files
    never to be overwritten (the store)."""
    from corpus_cli.errors import CorpusError

    if fmt not in EXPORT_FORMATS:
        raise CorpusError(f"unknown export format {fmt!r} (use {', '.join(EXPORT_FORMATS)})")
    if target == "-":
        to_tty = is_terminal(sys.stdout)
        clean = (lambda t: inert(t, keep_newlines=True)) if to_tty else (lambda t: t)
        n = _write_items(articles, fmt, sys.stdout, clean)
        sys.stdout.flush()
        return n
    real = os.path.realpath(target)
    for p in protect:
        if p and real in {os.path.realpath(p), os.path.realpath(p) + "-wal"}:
            raise CorpusError(f"refusing to overwrite {target}: it is the corpus store")
    if target.endswith(("/", os.sep)) or os.path.isdir(target):
        if fmt not in ("md", "txt"):
            raise CorpusError(f"{target} is a folder: one file per item needs --format md or "
                              f"txt; give a file name for {fmt}")
        return _export_folder(articles, fmt, target.rstrip("/" + os.sep) or target, force)
    try:
        with atomic_file(target, force) as fh:
            return _write_items(articles, fmt, fh, lambda t: t)
    except FileExistsError:
        raise CorpusError(f"{target} exists (use --force to replace it)") from None
    except (IsADirectoryError, NotADirectoryError, PermissionError, FileNotFoundError) as exc:
        raise CorpusError(f"cannot write {target}: {exc.strerror}") from None


def item_filename(a, fmt: str) -> str:
    return f"{a.date or 'undated'}_{a.id}.{fmt}"


def _export_folder(articles, fmt: str, folder: str, force: bool) -> int:
    import shutil
    import tempfile

    from corpus_cli.errors import CorpusError

    render = markdown_item if fmt == "md" else text_item
    if os.path.isdir(folder) and any(os.scandir(folder)):
        if not force:
            raise CorpusError(f"{folder} is not empty (use --force to write into it)")
        n = 0  # into a non-empty folder: each file is replaced atomically
        for a in articles:
            atomic_write(os.path.join(folder, item_filename(a, fmt)), render(a), force=True)
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
