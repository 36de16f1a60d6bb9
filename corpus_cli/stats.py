"""Corpus statistics: counts, date range, items per period and top entities (``corpus
stats`` and the report's charts)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from corpus_cli.counts import SCHEMA_VERSION, Counts
from corpus_cli.storage.store import ArticleFilter, Store


@dataclass(frozen=True, slots=True)
class Stats:
    """The corpus at a glance. ``counts`` are those of the whole store, but for its items by
    kind, which count the items matching the filter, as do the dates, the histogram and the
    entities."""

    counts: Counts
    undated: int
    date_min: str | None
    date_max: str | None
    by: str  # month | year
    histogram: list[tuple[str, int]]  # (period, items), empty periods included
    top_entities: list[tuple[str, str, int]]  # (name, type, items)

    def to_dict(self) -> dict:
        """The document of ``corpus stats --json`` (docs/json.md)."""
        return {
            "schema_version": SCHEMA_VERSION,
            **self.counts.to_dict(),
            "undated": self.undated,
            "date_min": self.date_min,
            "date_max": self.date_max,
            "by": self.by,
            "histogram": [{"period": p, "items": c} for p, c in self.histogram],
            "top_entities": [{"name": n, "type": t, "items": c}
                             for n, t, c in self.top_entities],
        }


def corpus_stats(store: Store, f: ArticleFilter | None = None, by: str | None = None,
                 top: int = 10) -> Stats:
    """Counts, date range, items per month (or per year when the dates span more than three
    years, outliers aside: see :func:`choose_period`, or with ``by``) and the ``top``
    entities in most items."""
    f = f or ArticleFilter()
    items = store.item_stats(f)
    lo, hi = items["date_min"], items["date_max"]
    if by is None:
        by = choose_period(store.date_histogram("year", f))
    hist = fill_periods(store.date_histogram(by, f), by)
    counts = replace(store.summary(), items_by_kind=items["by_kind"])
    return Stats(counts=counts, undated=items["undated"], date_min=lo, date_max=hi, by=by,
                 histogram=hist, top_entities=store.top_entities(f, top))


# Dated items further than this many years from the others form a group of their own, and
# a group with less than OUTLIER_SHARE of the items is an outlier (an item dated 1910 in a
# corpus of 2024, a year misread from a number).
GAP_YEARS = 5
OUTLIER_SHARE = 0.1


def core_span(hist: list[tuple[str, int]]) -> tuple[str, str] | None:
    """The first and last year of the bulk of the dated items of the histogram ``hist``
    (by year or by month): the years split into groups where no item is dated for more than
    ``GAP_YEARS`` years, and the groups holding at least ``OUTLIER_SHARE`` of the items
    (or else the largest group) make the span."""
    years: dict[int, int] = {}
    for period, c in hist:
        if c:
            years[int(period[:4])] = years.get(int(period[:4]), 0) + c
    if not years:
        return None
    groups: list[list[int]] = []
    for y in sorted(years):
        if groups and y - groups[-1][-1] <= GAP_YEARS:
            groups[-1].append(y)
        else:
            groups.append([y])
    total = sum(years.values())
    size = [sum(years[y] for y in g) for g in groups]
    kept = [g for g, n in zip(groups, size, strict=True) if n >= OUTLIER_SHARE * total]
    if not kept:
        kept = [groups[size.index(max(size))]]
    return f"{kept[0][0]:04d}", f"{kept[-1][-1]:04d}"


def choose_period(years: list[tuple[str, int]]) -> str:
    """``year`` when the bulk of the dated items (see :func:`core_span`) spans more than
    three years, else ``month``."""
    span = core_span(years)
    if span is None:
        return "month"
    return "year" if int(span[1]) - int(span[0]) > 3 else "month"


def fill_periods(hist: list[tuple[str, int]], by: str) -> list[tuple[str, int]]:
    """Add the empty periods between the first and the last."""
    if len(hist) < 2:
        return hist
    counts = dict(hist)
    out = []
    if by == "year":
        for y in range(int(hist[0][0]), int(hist[-1][0]) + 1):
            out.append((f"{y:04d}", counts.get(f"{y:04d}", 0)))
        return out
    y, m = int(hist[0][0][:4]), int(hist[0][0][5:7])
    while True:
        key = f"{y:04d}-{m:02d}"
        out.append((key, counts.get(key, 0)))
        if key >= hist[-1][0]:
            return out
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


@dataclass(frozen=True, slots=True)
class Bin:
    """A row of the histogram as shown: a period and its items, or a gap of ``skipped``
    empty periods (``period`` is then the first of them)."""

    period: str
    items: int
    skipped: int = 0
    outlier: bool = False


# An empty stretch longer than this many periods is shown as one gap row.
MAX_EMPTY_RUN = {"month": 3, "year": 2}


def bins(hist: list[tuple[str, int]], by: str) -> list[Bin]:
    """The histogram as shown: runs of more than ``MAX_EMPTY_RUN`` empty periods collapse
    into one gap row, and the periods outside the bulk of the items (:func:`core_span`)
    are marked as outliers, so that one stray date does not stretch the chart."""
    span = core_span(hist)
    out: list[Bin] = []
    run: list[str] = []
    limit = MAX_EMPTY_RUN.get(by, 3)
    for period, c in hist:
        if c == 0:
            run.append(period)
            continue
        if run:
            out += [Bin(p, 0) for p in run] if len(run) <= limit else [Bin(run[0], 0, len(run))]
            run = []
        outlier = span is not None and not (span[0] <= period[:4] <= span[1])
        out.append(Bin(period, c, outlier=outlier))
    return out
