"""The HTML report (``corpus report``): one self-contained file.

No script, no network: the styles are inline, the charts inline SVG, and a
Content-Security-Policy forbids anything else. Every piece of scraped text goes through
:func:`_esc` (visible escapes for control characters, then HTML escaping), so a page that
holds ``<script>`` or markup shows it as text. Each chart links to the ``corpus`` command
that prints its data; each bar's tooltip names the command for that bar.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from corpus_cli.output.safe import inert

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")
PALETTE = {"PERSON": "#4e79a7", "ORG": "#f28e2b", "PLACE": "#59a14f", "EVENT": "#b07aa1",
           "noise": "#e15759", "copy": "#76b7b2", "boilerplate": "#9c755f",
           "duplicate": "#edc948", "period": "#4e79a7", "site": "#59a14f"}

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#fafafa;color:#222}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;
border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:16px;margin:16px 0 6px}
.meta{color:#666;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:8px 14px;
min-width:110px}
.card b{display:block;font-size:22px}.card span{color:#666;font-size:13px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
section.panel{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:12px 16px}
.cmd{display:block;background:#f1f3f5;border-radius:4px;padding:6px 8px;margin-top:8px;
font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;
overflow-wrap:anywhere}
.cmd:target{outline:2px solid #f28e2b}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.quote{white-space:pre-wrap;overflow-wrap:anywhere;color:#333;font-size:13px}
.muted{color:#777}
svg text{font:12px system-ui,sans-serif;fill:#333}
svg a:hover rect{opacity:.75}
"""


def _esc(text: object) -> str:
    """Scraped or any text for HTML: control characters as visible escapes, then escaped."""
    return html.escape(inert(str(text), keep_newlines=True), quote=True)


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _cmd(anchor: str, command: str) -> str:
    return (f'<code class="cmd" id="cmd-{anchor}">$ {_esc(command)}</code>')


def hbars(rows: Sequence, anchor: str, color: str, width: int = 500,
          label_chars: int = 30) -> str:
    """A horizontal bar chart of ``rows`` (label, value, command, detail) as inline SVG."""
    if not rows:
        return '<p class="muted">nothing to show</p>'
    label_w, value_w, h = 230, 70, 22
    room = width - label_w - value_w
    top = max(r.value for r in rows) or 1
    parts = [f'<svg role="img" width="{width}" height="{h * len(rows) + 4}" '
             f'style="max-width:100%;height:auto" viewBox="0 0 {width} {h * len(rows) + 4}" '
             'xmlns="http://www.w3.org/2000/svg">']
    for i, r in enumerate(rows):
        y = i * h + 2
        w = max(1, round(r.value * room / top)) if r.value else 0
        tip = f"{r.label}: {r.value}" + (f" ({r.detail})" if r.detail else "") + \
            f"\n$ {r.command}"
        parts.append(
            f'<a href="#cmd-{anchor}"><title>{_esc(tip)}</title>'
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
            f'{_esc(_short(r.label, label_chars))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{h - 6}" fill="{color}"/>'
            f'<text x="{label_w + w + 4}" y="{y + 15}">{r.value}</text></a>')
    parts.append("</svg>")
    return "".join(parts)


def columns(periods: Sequence, by: str, anchor: str, command: str, width: int = 1000) -> str:
    """Items per period as an SVG column chart; a long empty stretch is one narrow gap
    marked with its length, and outliers are drawn apart (lighter)."""
    if not periods:
        return '<p class="muted">no dated items</p>'
    n = len(periods)
    slot = max(6, min(40, (width - 40) // n))
    height, base, top_pad = 220, 190, 16
    top = max(b.items for b in periods) or 1
    total_w = 44 + slot * n
    parts = [f'<svg role="img" width="{total_w}" height="{height}" style="max-width:100%;'
             f'height:auto" viewBox="0 0 {total_w} {height}" '
             'xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="30" y1="{base}" x2="{total_w - 4}" y2="{base}" stroke="#999"/>',
             f'<text x="26" y="{top_pad + 4}" text-anchor="end">{top}</text>',
             f'<text x="26" y="{base}" text-anchor="end">0</text>']
    every = max(1, -(-56 // slot))  # a label needs about 56 pixels
    for i, b in enumerate(periods):
        x = 34 + i * slot
        if b.skipped:
            parts.append(
                f'<g><title>{b.skipped} empty {by}s from {_esc(b.period)}</title>'
                f'<text x="{x + slot / 2:.1f}" y="{base - 6}" text-anchor="middle" '
                f'fill="#999">\u22ef</text>'
                f'<text x="{x + slot / 2:.1f}" y="{base + 28}" text-anchor="middle" '
                f'fill="#999">{b.skipped:,} empty</text></g>')
            continue
        h = round(b.items * (base - top_pad) / top)
        tip = (f"{b.period}: {b.items} item(s)" + (" (outlier)" if b.outlier else "")
               + "\n$ " + command.format(period=b.period))
        fill = "#a0b6cf" if b.outlier else PALETTE["period"]
        parts.append(
            f'<a href="#cmd-{anchor}"><title>{_esc(tip)}</title>'
            f'<rect x="{x + 1}" y="{base - h}" width="{max(2, slot - 2)}" height="{h}" '
            f'fill="{fill}"/></a>')
        if i % every == 0 or b.outlier:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{base + 14}" '
                         f'text-anchor="middle">{_esc(b.period)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_report(d) -> str:
    """The whole HTML document of a :class:`~corpus_cli.report.ReportData`."""
    c = d.counts
    span = f"{d.date_min} \u2013 {d.date_max}" if d.date_min else "no dates"
    cards = [("pages", c.pages), ("paragraphs", c.paragraphs), ("kept", c.kept),
             ("dropped", c.dropped), ("items", c.items), ("entities", c.entities),
             ("clusters", c.clusters)]
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>corpus report: {_esc(d.db)}</title><style>{STYLE}</style></head><body><main>",
        "<h1>corpus report</h1>",
        f'<p class="meta">store {_esc(d.db)}'
        + (f" \u00b7 written {_esc(d.written_at)}" if d.written_at else "")
        + f" \u00b7 items dated {_esc(span)}"
        + (f", {d.undated} undated" if d.undated else "") + "</p>",
        '<div class="cards">' + "".join(
            f'<div class="card"><b>{v:,}</b><span>{k}</span></div>' for k, v in cards)
        + "</div>",
        _cmd("counts", d.commands["counts"]),
    ]
    # items over time
    out += [f'<h2 id="periods">Items per {d.by}</h2><section class="panel">',
            columns(d.periods, d.by, "periods", d.commands["period"]),
            '<p class="muted">Hover a bar for its count and the command that lists its items.'
            + (" Lighter bars are outliers, far from the bulk of the dates."
               if any(b.outlier for b in d.periods) else "") + "</p>",
            _cmd("periods", d.periods_command), "</section>"]
    # entities
    out.append('<h2 id="entities">Top entities by type</h2><div class="grid">')
    if not d.entities:
        out.append('<p class="muted">no entities</p>')
    for t, rows in d.entities.items():
        cmd = f"corpus entities --type {t} --limit {len(rows)}" + _db_arg(d)
        out += [f'<section class="panel"><h3>{t} <span class="muted">(items mentioning '
                f"it)</span></h3>", hbars(rows, f"entities-{t}", PALETTE.get(t, "#888")),
                _cmd(f"entities-{t}", cmd), "</section>"]
    out.append("</div>")
    # sites
    out += ['<h2 id="sites">Sites and sources</h2><section class="panel">',
            '<p class="muted">Items by the site of their pages (the host of a page\'s source '
            "URL, else its folder).</p>",
            hbars(d.sites, "sites", PALETTE["site"]), _cmd("sites", d.sites_command),
            "</section>"]
    # clusters
    out += ['<h2 id="clusters">Duplicate clusters</h2><section class="panel">',
            '<p class="muted"><b>boilerplate</b>: text repeated on 3 or more pages (sidebars, '
            "footers); <b>duplicate</b>: the same content scraped again. One copy of each "
            "cluster is kept; the example is the largest cluster of its kind.</p>"]
    if not d.clusters:
        out.append('<p class="muted">no copies found</p>')
    for ex in d.clusters:
        out += [f'<h3>{_esc(ex.kind)}: {ex.clusters} cluster(s), {ex.copies} cop'
                f'{"y" if ex.copies == 1 else "ies"} dropped</h3>',
                f'<p>Example: {ex.size} copies on {ex.pages} page(s); kept '
                f'<code>{_esc(ex.kept_at)}</code></p>',
                f'<blockquote class="quote">{_esc(_short(ex.text, 600))}</blockquote>',
                "<ul>" + "".join(f"<li><code>{_esc(m)}</code></li>" for m in ex.members)
                + "</ul>", _cmd(f"cluster-{_esc(ex.kind)}", ex.command)]
    out.append("</section>")
    # drops
    out += ['<h2 id="drops">Every dropped paragraph</h2><section class="panel">',
            f"<p>{c.paragraphs:,} paragraphs = {c.kept:,} kept + {c.removed:,} removed as "
            f"noise + {c.duplicates_removed:,} dropped as copies.</p>",
            _drops_chart(d), "<table><thead><tr><th>why</th><th>reason</th>"
            '<th class="n">paragraphs</th><th>first one</th></tr></thead><tbody>']
    for ex in d.drops:
        out.append(
            f"<tr><td>{'noise' if ex.group == 'noise' else 'copy'}</td>"
            f"<td>{_esc(ex.reason)}</td><td class=\"n\">{ex.count:,}</td>"
            f'<td><code>{_esc(ex.where)}</code>'
            + (f' <span class="muted">{_esc(ex.detail)}</span>' if ex.detail else "")
            + f'<div class="quote">{_esc(_short(ex.text, 300))}</div>'
            f'<code class="cmd">$ {_esc(ex.command)}</code></td></tr>')
    out += ["</tbody></table>", _cmd("drops", d.commands["drops"]), "</section>"]
    if d.problems:
        out += ['<h2 id="problems">Inputs that could not be read</h2><section class="panel">'
                "<ul>"] + [f"<li><code>{_esc(p.path)}</code>: {_esc(p.message)}</li>"
                           for p in d.problems] + ["</ul></section>"]
    out.append('<p class="meta">Made by <code>corpus report</code>. Every figure comes from '
               "the store; the commands print the same data.</p></main></body></html>")
    return "\n".join(out) + "\n"


def _db_arg(d) -> str:
    import shlex

    return f" --db {shlex.quote(d.db)}"


def _drops_chart(d) -> str:
    from corpus_cli.report import Row

    rows = [Row(f"{'noise' if e.group == 'noise' else 'copy'}: {e.reason}", e.count,
                e.command) for e in d.drops]
    return hbars(rows, "drops", PALETTE["noise"], width=620)
