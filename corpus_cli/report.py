"""What ``corpus report`` shows, gathered from the store: plain records, no HTML.

:func:`build_report` reads the store once and returns a :class:`ReportData`; the HTML is
drawn by :mod:`corpus_cli.output.report`. Every part says which ``corpus`` command prints
the same data (``command``), so that the report can point to it.
"""

from __future__ import annotations

import os
import shlex
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corpus_cli.models import Counts, Drop, Paragraph, Problem
from corpus_cli.stats import Bin, bins, choose_period, core_span, fill_periods
from corpus_cli.storage.store import ArticleFilter, Store

ENTITY_TYPES = ("PERSON", "ORG", "PLACE", "EVENT")
EXAMPLE_MEMBERS = 5  # copies listed under a cluster's example


@dataclass(frozen=True, slots=True)
class Row:
    """A bar of a chart or a row of a table: a label, its value(s), and the command that
    lists what it counts."""

    label: str
    value: int
    command: str
    detail: str = ""  # a second figure or a type, shown beside the label


@dataclass(frozen=True, slots=True)
class ClusterExample:
    kind: str
    clusters: int  # clusters of this kind
    copies: int  # paragraphs dropped as copies in them
    size: int  # of the example: the largest cluster of the kind
    pages: int
    text: str  # its kept copy
    kept_at: str  # path:line of the kept copy
    members: tuple[str, ...]  # path:line (similarity, rule) of some dropped copies
    command: str


@dataclass(frozen=True, slots=True)
class DropExample:
    """A reason paragraphs were dropped, how many, and the first one."""

    group: str  # noise | copy
    reason: str
    count: int
    where: str  # path:line
    text: str
    command: str
    detail: str = ""  # for a copy: which paragraph it copies, and how closely


@dataclass(slots=True)
class ReportData:
    db: str
    written_at: str | None
    inputs: str  # the folder the pages come from, for the commands shown
    counts: Counts
    date_min: str | None
    date_max: str | None
    undated: int
    by: str
    periods: list[Bin]
    periods_command: str
    entities: dict[str, list[Row]]
    entities_command: str
    sites: list[Row]
    sites_command: str
    clusters: list[ClusterExample]
    drops: list[DropExample]
    problems: list[Problem]
    commands: dict[str, str] = field(default_factory=dict)


def _q(arg: str) -> str:
    return shlex.quote(arg)


def site_of(path: str, urls: tuple[str, ...]) -> str:
    """Where a page comes from: the host of its first source URL, else its folder."""
    for url in urls:
        host = urlsplit(url).hostname
        if host:
            return host.removeprefix("www.")
    folder = os.path.dirname(path)
    return folder or "."


def build_report(store: Store, limit: int = 15) -> ReportData:
    """The report of the store: ``limit`` rows in each table or chart."""
    counts = store.summary()
    items = store.item_stats(ArticleFilter())
    years = store.date_histogram("year")
    by = choose_period(years)
    hist = fill_periods(store.date_histogram(by), by)
    span = core_span(hist)
    periods = bins(hist, by)
    urls = store.page_urls()
    paths = list(urls)
    inputs = os.path.commonpath([os.path.dirname(p) or "." for p in paths]) if paths else "."
    db_arg = f" --db {_q(store.path)}"

    entities: dict[str, list[Row]] = {}
    for t in ENTITY_TYPES:
        ents = sorted(store.entities(t), key=lambda e: (-e.articles, -e.mentions, e.name))
        rows = [Row(e.name, e.articles, f"corpus list --entity {_q(e.name)}{db_arg}",
                    f"{e.mentions} mentions") for e in ents[:limit]]
        if rows:
            entities[t] = rows

    site_pages: Counter[str] = Counter()
    site_of_path: dict[str, str] = {}
    folder_of_site: dict[str, str] = {}
    for path, u in urls.items():
        site_of_path[path] = s = site_of(path, u)
        site_pages[s] += 1
        folder_of_site.setdefault(s, os.path.dirname(path) or path)
    site_items: dict[str, set[str]] = {}
    for item, path in store.item_paths():
        site_items.setdefault(site_of_path.get(path, os.path.dirname(path)), set()).add(item)
    ranked = sorted(site_pages, key=lambda s: (-len(site_items.get(s, ())), -site_pages[s], s))
    sites = [Row(s, len(site_items.get(s, ())),
                 f"corpus list --source {_q(folder_of_site[s])}{db_arg}",
                 f"{site_pages[s]} pages") for s in ranked[:limit]]

    clusters = _cluster_examples(store, counts, inputs, db_arg)
    drops = _drop_examples(store, counts, inputs)
    meta = store.meta()
    return ReportData(
        db=store.path, written_at=meta.get("written_at"), inputs=inputs, counts=counts,
        date_min=items["date_min"], date_max=items["date_max"], undated=items["undated"],
        by=by, periods=periods,
        periods_command=f"corpus stats --by {by} --csv{db_arg}",
        entities=entities, entities_command=f"corpus entities --limit {limit}{db_arg}",
        sites=sites, sites_command=f"corpus list --source TEXT{db_arg}",
        clusters=clusters, drops=drops, problems=store.problems(),
        commands={
            "counts": f"corpus stats{db_arg}",
            "clusters": f"corpus dedupe {_q(inputs)}{db_arg} --dry-run --json",
            "drops": f"corpus dedupe {_q(inputs)}{db_arg} --dry-run --explain",
            "period": "corpus list --from {period} --to {period}" + db_arg,
            "span": f"{span[0]}..{span[1]}" if span else "",
        },
    )


def _where(p: Paragraph) -> str:
    return f"{p.path}:{p.line_start}"


def _cluster_examples(store: Store, counts: Counts, inputs: str, db_arg: str
                      ) -> list[ClusterExample]:
    first: dict[str, object] = {}
    copies: Counter[str] = Counter()
    for cl in store.clusters():  # largest first
        first.setdefault(cl.kind, cl)
        copies[cl.kind] += len(cl.member_ids) - 1
    out = []
    for kind, cl in sorted(first.items()):
        ids = list(cl.member_ids[: EXAMPLE_MEMBERS + 1])
        got = {p.id: (p, d) for p, d in store.paragraphs(ids=ids)}
        kept = got[cl.kept_id][0]
        members = []
        for m in ids[1:]:
            p, d = got[m]
            members.append(f"{_where(p)} ({d.reason}, {d.score:.2f})" if d else _where(p))
        out.append(ClusterExample(
            kind=kind, clusters=counts.clusters_by_kind.get(kind, 0), copies=copies[kind],
            size=len(cl.member_ids), pages=cl.pages, text=kept.text, kept_at=_where(kept),
            members=tuple(members),
            command=(f"corpus dedupe {_q(inputs)}{db_arg} --dry-run --json | jq "
                     + _q(f'.clusters[] | select(.kind == "{kind}")'))))
    return out


def _drop_examples(store: Store, counts: Counts, inputs: str) -> list[DropExample]:
    noise, copies = store.drop_examples()
    out = []
    for reason, n in counts.to_dict()["removed_by_reason"].items():
        p = noise.get(reason)
        out.append(DropExample(
            "noise", reason, n, _where(p) if p else "", p.raw if p else "",
            f"corpus clean {_q(inputs)} --explain --jsonl | jq -c "
            + _q(f'select(.reason == "{reason}") | {{path, line_start, raw}}')))
    for rule, n in counts.to_dict()["duplicates_by_rule"].items():
        p, d = copies.get(rule, (None, None))
        detail = ""
        if p is not None and isinstance(d, Drop):
            detail = f"copy of {d.kept_id} (similarity {d.score:.2f})"
        out.append(DropExample(
            "copy", rule, n, _where(p) if p else "", p.text if p else "",
            f"corpus dedupe {_q(inputs)} --dry-run --explain | grep {_q(rule + ' copy')}",
            detail))
    return out
