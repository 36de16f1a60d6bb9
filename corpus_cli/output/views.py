"""What each command prints: its records in every format, and its human view.

Every view takes what the library returned, a format (``table``, ``tsv``, ``csv``,
``json``, ``jsonl``) and a stream, and returns how many records it wrote. The human view
(``table``) wraps at word boundaries and fits the terminal; when the stream is not a
terminal it is plain text with nothing cut or wrapped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import IO

from corpus_cli.output.formats import Column, write_records, write_table
from corpus_cli.output.safe import (
    console,
    inert,
    is_terminal,
    json_breaks,
    json_scalar,
    json_str,
    one_line,
    to_json,
    to_json_indented,
)


def _text(s: str, style: str | None = None):
    from rich.text import Text

    return Text(inert(s), style=style or "")


def by_reason(counts: Mapping[str, int]) -> str:
    """`` (navigation 6, url 1)``: counts by name, most first; empty without any."""
    items = sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))
    return " (" + ", ".join(f"{k} {v}" for k, v in items) + ")" if items else ""


def write_document(doc: dict, fmt: str, stream: IO[str], last: str | None = None,
                   records: Iterable = (), encoded: bool = False) -> None:
    """A one-object document: indented for ``json``, on one line for ``jsonl``. With
    ``last``, the document ends with the key ``last``, whose list is ``records``, written
    one by one as they come (never all in memory): the same text as with the whole list in
    ``doc``. ``encoded``: the records are their JSON text already (as
    ``to_json_indented(record, "    ")`` gives it for ``json``)."""
    indent = 2 if fmt == "json" else None
    if last is None:
        stream.write(to_json(doc, indent=indent) + "\n")
        stream.flush()
        return
    text = to_json({**doc, last: []}, indent=indent)
    end = "[]\n}" if indent else "[]}"
    stream.write(text[: -len(end)] + "[")
    sep, pad = (",\n    ", "\n    ") if indent else (", ", "")
    first = True
    for rec in records:
        part = rec if encoded else to_json_indented(rec, "    ") if indent else to_json(rec)
        stream.write((pad if first else sep) + part)
        first = False
    stream.write(("]" if first else "\n  ]" if indent else "]") + ("\n}\n" if indent else "}\n"))
    stream.flush()


# ---- clean --------------------------------------------------------------------------------
PARAGRAPH_COLUMNS = [
    Column("path", "path", shrink=True),
    Column("line", "line_start", justify="right"),
    Column("status", "status"),
    Column("reason", "reason"),
    Column("dateline", "dateline"),
    # a removed paragraph shows what was removed
    Column("text", lambda r: r["text"] if r["status"] == "kept" else r["raw"], shrink=True),
]


def clean_summary(counts) -> str:
    return (f"corpus: {counts.pages} page(s), {counts.paragraphs} paragraph(s): "
            f"{counts.kept} kept, {counts.removed} removed" + by_reason(counts.removed_by_reason))


def clean_view(pages: Sequence, fmt: str, stream: IO[str], explain: bool = False,
               limit: int | None = None) -> int:
    """``corpus clean``: paragraph records, or the cleaned pages one after the other."""
    from itertools import islice

    if fmt != "table":
        every = explain or fmt in ("json", "jsonl")  # JSON always has removed paragraphs
        recs = (p.to_dict(url=cp.page.meta.url if cp.page.meta else None)
                for cp in pages for p in cp.paragraphs if every or p.status == "kept")
        return write_records(islice(recs, limit), fmt, PARAGRAPH_COLUMNS, stream=stream)
    con = console(stream)
    terminal = is_terminal(stream)
    n = 0
    for cp in pages:
        if limit is not None and n >= limit:
            break
        head = _text(cp.page.path, "bold")
        head.append(f"  ({cp.page.encoding})", style="dim")
        con.print(head)
        meta = cp.page.meta
        if meta is not None:  # an HTML page or WARC record: what it says about itself
            for label, value in (("url", meta.url), ("title", meta.title),
                                 ("date", meta.date and f"{meta.date} ({meta.date_source})"),
                                 ("fetched", meta.fetch_date)):
                if value:
                    con.print(_text(f"  {label}: " + one_line(value), "cyan"))
            con.print(_text(f"  text extracted from {meta.format.upper()} "
                            f"(--html {meta.mode})", "dim"))
        for url in cp.urls:
            con.print(_text("  source: " + url, "cyan"))
        rows = []  # (line number, text): wrapped text hangs under its first line
        for p in cp.paragraphs:
            if limit is not None and n >= limit:
                break
            loc = str(p.line_start)
            if p.status == "removed":
                if explain:
                    line = _text(f"- {p.reason}: ", "red")
                    line.append(one_line(p.raw), style="dim")
                    rows.append((loc, line))
                    n += 1
                continue
            if p.dateline:
                rows.append((loc, _text(p.dateline, "green")))
            rows.append((loc, _text(p.text, "green" if p.kind == "dateline" else None)))
            n += 1
            if explain:
                for r in p.removals:
                    rows.append(("", _text(f"  - {r.kind}: {r.text}", "red")))
        _numbered(con, rows, terminal)
        con.print()
    return n


def _numbered(con, rows, terminal: bool) -> None:
    """Rows of (line number, text): on a terminal a grid whose text wraps at word
    boundaries under itself; otherwise one line each, nothing wrapped."""
    if not rows:
        return
    if not terminal:
        for loc, text in rows:
            con.print(_text(f"{loc:>6} ", "dim") + text)
        return
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="dim", min_width=6, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for loc, text in rows:
        grid.add_row(loc, text)
    con.print(grid)


# ---- dedupe -------------------------------------------------------------------------------
CLUSTER_COLUMNS = [
    Column("kind", "kind"),
    Column("size", "size", justify="right"),
    Column("pages", "pages", justify="right"),
    Column("id", "id"),
    Column("kept copy", lambda r: f"{r['kept']['path']}:{r['kept']['line_start']}",
           shrink=True, max_width=40),
    Column("text", lambda r: r["kept"]["text"], shrink=True),
]
DEFAULT_CLUSTERS = 10  # shown in the human report without --limit


def count_lines(counts, reused: int = 0) -> list[str]:
    """The counts as the dedupe report and ``stats`` show them."""
    return [
        f"pages       {counts.pages}"
        + (f" ({reused} unchanged since the last run)" if reused else ""),
        f"paragraphs  {counts.paragraphs}",
        f"kept        {counts.kept}",
        f"dropped     {counts.dropped} = {counts.removed} noise"
        f"{by_reason(counts.removed_by_reason)} + {counts.duplicates_removed} copies"
        f"{by_reason(counts.duplicates_by_rule)}",
        f"clusters    {counts.clusters}" + by_reason(counts.clusters_by_kind),
        f"items       {counts.items}" + by_reason(counts.items_by_kind),
        f"entities    {counts.entities}",
    ]


def _json_template(keys: Sequence[str], pad: str) -> str:
    """An object of these keys as ``to_json_indented(obj, pad)`` writes it, its values
    left as ``%s``."""
    inner = pad + "  "
    return "{\n" + ",\n".join(f'{inner}"{k}": %s' for k in keys) + "\n" + pad + "}"


_CLUSTER_PAD = "    "  # a cluster's indentation in the dedupe report
_CLUSTER_HEAD = _json_template(("id", "kind", "size", "pages", "kept", "members"),
                               _CLUSTER_PAD)
_KEPT = _json_template(("id", "path", "line_start", "line_end", "text"), _CLUSTER_PAD + "  ")
_MEMBER = _CLUSTER_PAD + "    " + _json_template(
    ("id", "path", "line_start", "line_end", "similarity", "rule"), _CLUSTER_PAD + "    ")
_MEMBERS_END = "\n" + _CLUSTER_PAD + "  ]"


def cluster_json(row) -> str:
    """A cluster of the dedupe report (``(cluster, kept, members)``, see
    ``DedupeReport.cluster_rows``) as indented JSON at its place in the report: the same
    text as ``to_json_indented(report.cluster_dict(cluster), "    ")``, written from the
    rows without a dict for each paragraph or a walk of the values."""
    cl, kept, members = row
    # the common types inline (an int or a finite float: %s writes what json does)
    val, enc, s, i, f = json_scalar, json_str, str, int, float
    k, p, a, b, text = kept
    kept_text = _KEPT % (enc(k) if type(k) is s else val(k), enc(p) if type(p) is s else val(p),
                         a if type(a) is i else val(a), b if type(b) is i else val(b),
                         enc(text) if type(text) is s else val(text))
    if members:
        member = _MEMBER
        listed = "[\n" + ",\n".join(
            member % (enc(m) if type(m) is s else val(m), enc(p) if type(p) is s else val(p),
                      a if type(a) is i else val(a), b if type(b) is i else val(b),
                      sim if type(sim) is f and sim - sim == 0.0 else val(sim),
                      enc(rule) if type(rule) is s else val(rule))
            for m, p, a, b, sim, rule in members) + _MEMBERS_END
    else:
        listed = "[]"
    return json_breaks(_CLUSTER_HEAD % (enc(cl.id) if type(cl.id) is s else val(cl.id),
                                        enc(cl.kind) if type(cl.kind) is s else val(cl.kind),
                                        len(cl.member_ids), val(cl.pages), kept_text, listed))


def dedupe_view(report, fmt: str, stream: IO[str], limit: int | None = None,
                explain: bool = False) -> int:
    """``corpus dedupe``: the report (json, jsonl), its clusters (csv, tsv), or the human
    report with the largest clusters and, with ``explain``, every dropped paragraph."""
    if fmt == "json":
        write_document(report.head_dict(), fmt, stream, "clusters",
                       map(cluster_json, report.cluster_rows(report.clusters[:limit])),
                       encoded=True)
        return 1
    if fmt == "jsonl":
        write_document(report.head_dict(), fmt, stream, "clusters",
                       report.cluster_dicts(report.clusters[:limit]))
        return 1
    clusters = report.clusters[:limit]
    if fmt in ("csv", "tsv"):
        return write_records(report.cluster_dicts(clusters), fmt,
                             CLUSTER_COLUMNS, stream=stream)
    con = console(stream)
    ch = report.changes
    lines = [] if ch is None else [
        f"changes     pages: {ch.pages_added} added, {ch.pages_changed} changed, "
        f"{ch.pages_removed} removed, {ch.pages_unchanged} unchanged; items: "
        f"{ch.items_added} added, {ch.items_changed} changed, {ch.items_removed} removed"
        + ("" if ch.written else " (nothing to do: the store is up to date)")]
    lines += count_lines(report.counts, report.reused) + [
        f"store       {report.db}" if report.db else
        f"store       {report.unwritten} not written: no page could be read (it is left as "
        "it was)" if report.unwritten else "store       (dry run: nothing written)",
        f"time        {report.seconds:.1f}s",
    ]
    for line in lines:
        con.print(_text(line))
    shown = report.clusters[: DEFAULT_CLUSTERS if limit is None else limit]
    if shown:
        con.print(_text(f"largest clusters ({len(shown)} of {len(report.clusters)})", "bold"))
        write_table(report.cluster_dicts(shown), CLUSTER_COLUMNS, stream)
    if explain:
        idx = report.paragraph_index
        con.print(_text("dropped paragraphs:", "bold"))
        for p in idx.values():
            d = report.drops.get(p.id)
            if d is not None:
                k = idx[d.kept_id]
                msg = (f"{p.path}:{p.line_start}  {d.reason} copy ({d.score:.2f}) of "
                       f"{k.path}:{k.line_start}  {one_line(p.text)}")
            elif p.status == "removed":
                msg = f"{p.path}:{p.line_start}  {p.reason}: {one_line(p.raw)}"
            else:
                continue
            con.print(_text(msg))
    return len(shown)


# ---- items --------------------------------------------------------------------------------
def _first_source(r: dict) -> str:
    s = r["sources"][0] if r["sources"] else None
    return f"{s['path']}:{s['line_start']}" if s else ""


ITEM_COLUMNS = [
    Column("date", "date"),
    Column("kind", "kind"),
    Column("title", lambda r: r["title"] or r["text"], shrink=True),  # a brief: its text
    Column("source", _first_source, shrink=True, max_width=40),
    Column("copies", "copies", justify="right"),
    Column("id", "id"),
]
# The source column is left out of tables narrower than this.
WIDE = 120


def _item_columns(stream: IO[str], fmt: str) -> list[Column]:
    if fmt == "table" and is_terminal(stream) and console(stream).width < WIDE:
        return [c for c in ITEM_COLUMNS if c.header != "source"]
    return ITEM_COLUMNS


def item_csv_keys() -> list[str]:
    """The CSV columns of an item: the keys of its record."""
    from corpus_cli.models import Article, Source

    return list(Article("", "article", None, None, None, False, "", (Source("", 0, 0),))
                .to_dict())


def items_view(articles: Iterable, fmt: str, stream: IO[str]) -> int:
    """``corpus list``: item records, or a table newest first."""
    n = write_records((a.to_dict() for a in articles), fmt, _item_columns(stream, fmt),
                      stream=stream)
    if n == 0 and fmt == "csv":
        from corpus_cli.output.formats import write_csv_header

        write_csv_header(item_csv_keys(), stream)
    return n


def item_document(article, paragraphs, copies) -> dict:
    """The record of ``corpus show``: the item plus its paragraphs and merged copies."""
    rec = article.to_dict()
    rec["paragraphs"] = [p.where() for p, _d in paragraphs]
    rec["duplicates"] = [
        {**p.where(), "duplicate_of": d.kept_id, "similarity": d.score, "rule": d.reason}
        for p, d in copies
    ]
    return rec


def item_view(article, paragraphs, copies, fmt: str, stream: IO[str]) -> int:
    """``corpus show``: one item in full."""
    rec = item_document(article, paragraphs, copies)
    if fmt in ("json", "jsonl"):
        write_document(rec, fmt, stream)
        return 1
    if fmt in ("csv", "tsv"):
        return write_records([rec], fmt, ITEM_COLUMNS, stream=stream)
    con = console(stream)
    con.print(_text(one_line(article.title or "(untitled)"), "bold"))
    date = article.date or "undated"
    if article.date and article.date_inferred:
        date += " (inferred)"
    if article.date and article.date_source:
        date += f" (from the page's {article.date_source})"
    con.print(_text(f"{article.kind} \u00b7 {date} \u00b7 {article.id}", "dim"))
    if article.url:
        con.print(_text(article.url, "cyan"))
    con.print()
    con.print(_text_block(article.text))
    con.print()
    con.print(_text(f"sources ({len(article.sources)}):", "bold"))
    for s in article.sources:
        con.print(_text(f"  {s.path}:{s.line_start}-{s.line_end}"
                        + (f"  {s.url}" if s.url else "")))
    if article.dates:
        con.print(_text("dates:", "bold"))
        for d in article.dates:
            v = d.value or "?"
            if d.end_value:
                v += f"/{d.end_value}"
            con.print(_text(f"  {d.text!r} -> {v} ({d.precision}"
                            f"{', inferred' if d.inferred else ''})"))
    if article.entities:
        con.print(_text("entities:", "bold"))
        for e in article.entities:
            con.print(_text(f"  {e['type']:<6} {e['name']}  x{e['mentions']}"))
    if paragraphs:
        con.print(_text(f"paragraphs ({len(paragraphs)}):", "bold"))
        for p, _d in paragraphs:
            con.print(_text(f"  {p.path}:{p.line_start}-{p.line_end}  {p.id}"))
    if copies:
        con.print(_text(f"merged copies ({len(copies)}):", "bold"))
        for p, d in copies:
            con.print(_text(f"  {p.path}:{p.line_start}-{p.line_end}  {d.reason} "
                            f"copy ({d.score:.2f}) of {d.kept_id}"))
    return 1


def _text_block(text: str):
    from rich.text import Text

    return Text(inert(text, keep_newlines=True))


# ---- entities -----------------------------------------------------------------------------
ENTITY_COLUMNS = [
    Column("type", "type"),
    Column("name", "name", shrink=True),
    Column("mentions", "mentions", justify="right"),
    Column("items", "articles", justify="right"),
    Column("aliases", "aliases", shrink=True),
]


def entities_view(entities: Iterable, fmt: str, stream: IO[str]) -> int:
    """``corpus entities``: entity records or a table."""
    return write_records((e.to_dict() for e in entities), fmt, ENTITY_COLUMNS, stream=stream)


# ---- search -------------------------------------------------------------------------------
HIGHLIGHT = "bold yellow"
HIT_COLUMNS = [
    Column("date", "date"),
    Column("title", lambda r: r["title"] or f"({r['kind']})", shrink=True, max_width=50),
    Column("score", "score", justify="right"),
    Column("snippet", "snippet", shrink=True),
    Column("id", "id"),
]


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


def hits_view(hits: Iterable, fmt: str, stream: IO[str]) -> int:
    """``corpus search``: hit records, or a table with the matched words highlighted."""
    if fmt != "table":
        return write_records((h.to_dict() for h in hits), fmt, HIT_COLUMNS, stream=stream)
    recs = [{**h.to_dict(), "_hit": h} for h in hits]

    def cell(c: Column, r: dict):
        if c.header == "snippet":
            return highlighted(r["_hit"].snippet, r["_hit"].spans)
        if c.header == "title" and r["title"]:
            return _text(one_line(r["title"]), "bold")
        if c.header == "id":
            return _text(r["id"], "dim")
        return None

    return write_table(recs, HIT_COLUMNS, stream, wrap=True, cell=cell)


# ---- stats --------------------------------------------------------------------------------
STATS_COLUMNS = [Column("period", "period"), Column("items", "items", justify="right")]
_EIGHTHS = " \u258f\u258e\u258d\u258c\u258b\u258a\u2589"


def bar(value: int, top: int, width: int) -> str:
    """A horizontal bar of unicode blocks, ``width`` cells for ``top``."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value * width * 8 / top))
    full, part = divmod(eighths, 8)
    return "\u2588" * full + (_EIGHTHS[part] if part else "")


def stats_view(st, fmt: str, stream: IO[str]) -> int:
    """``corpus stats``: the document (json, jsonl), the histogram (csv, tsv), or the
    counts, a chart of items per period and the top entities (through rich on a terminal;
    else as plain lines, which need no rich)."""
    if fmt in ("json", "jsonl"):
        write_document(st.to_dict(), fmt, stream)
        return 1
    if fmt in ("csv", "tsv"):
        return write_records(st.to_dict()["histogram"], fmt, STATS_COLUMNS, stream=stream)
    from corpus_cli.stats import bins

    terminal = is_terminal(stream)
    con = console(stream) if terminal else None
    lines: list[list[tuple[str, str | None]]] = []  # each a line of (text, style) parts
    c = st.counts
    span = f"{st.date_min} .. {st.date_max}" if st.date_min else "no dates"
    for line in count_lines(c) + [
            f"dates       {span}" + (f", {st.undated} undated" if st.undated else "")]:
        lines.append([(line, None)])
    rows = bins(st.histogram, st.by)
    if rows:
        lines += [[], [(f"items per {st.by}", "bold")]]
        top = max(b.items for b in rows)
        label = max(len(b.period) for b in rows)
        digits = max(len(str(top)), 1)
        room = con.width if con is not None else 100
        width = max(10, min(60, room - label - digits - 14))
        for b in rows:
            if b.skipped:
                lines.append([(f"{'':<{label}} {'':>{digits}}  \u22ee {b.skipped} empty "
                               f"{st.by}s", "dim")])
                continue
            line = [(f"{b.period:<{label}} {b.items:>{digits}} ", None),
                    (bar(b.items, top, width), "cyan")]
            if b.outlier:
                line.append(("  (outlier)", "dim"))
            lines.append(line)
    if st.top_entities:
        lines += [[], [("top entities (items)", "bold")]]
        for name, type_, count in st.top_entities:
            lines.append([(f"  {count:>5}  {type_:<6} {name}", None)])
    _print_lines(lines, stream, con)
    return 1


def _print_lines(lines: Sequence[Sequence[tuple[str, str | None]]], stream: IO[str],
                 con=None) -> None:
    """Lines of ``(text, style)`` parts, each part made inert: styled through the rich
    console ``con`` (a terminal), else written as they are (what a plain console writes:
    no colour, nothing wrapped)."""
    if con is None:
        stream.write("".join("".join(inert(t) for t, _ in line) + "\n" for line in lines))
        return
    from rich.text import Text

    for line in lines:
        text = Text()
        for t, style in line:
            text.append(inert(t), style=style or "")
        con.print(text)
