"""Split cleaned pages into news items (articles and briefs) and merge the copies.

A page is read as a sequence of kept paragraphs:

* a **dateline** (a paragraph that is only a date) opens a *brief* dated by it, unless it
  directly follows a title, which it then dates;
* a **title** (a short line without closing punctuation, followed by its dated body, or
  standing after briefs) opens an *article*; its date comes from a repeated-title suffix, a
  dateline after it, a date glued to the first body paragraph, or else (``inferred``) the
  first date of the opening sentence;
* before the first title or dateline (a sidebar) and after navigation, each paragraph is a
  brief of its own; elsewhere a paragraph belongs to the item above it.

Year-less dates take their year from the item's context (its own dateline, else the dated
neighbours of a newest-first listing); never from today's clock.

Items seen on several pages (a sidebar snippet on every page, an article scraped twice) are
merged through the dedupe clusters: two items are one when most paragraphs of the smaller
one are in clusters of the other. The merged item keeps the most complete copy's text, lists
every source, and takes metadata (date, title) from whichever copy has it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice

from corpus_cli.models import (
    Article,
    CleanPage,
    DateMention,
    Paragraph,
    Source,
    pickle_by_fields,
)

MAX_TITLE_CHARS = 250
MAX_MERGE_PAGES = 256  # pages looked at per cluster key when merging copies of an item
MAX_MERGE_LEADERS = 16  # items looked at per page and key
MAX_TITLE_WORDS = 40
_TITLE_END_BAD = (".", ",", ";", ":", "\u2026")
_PRECISION_RANK = {"day": 3, "month": 2, "year": 1, None: 0}


@pickle_by_fields
@dataclass(slots=True)
class PageItem:
    """An item of one page (before copies on other pages are merged)."""

    kind: str
    path: str
    order: int  # position on the page
    title: Paragraph | None = None
    dateline: Paragraph | None = None
    body: list[Paragraph] = field(default_factory=list)
    date: str | None = None
    precision: str | None = None
    inferred: bool = False
    date_source: str | None = None  # metadata | text (see models.PageMeta)
    url: str | None = None  # the page's URL (HTML and WARC pages)
    page_title: str | None = None  # the title the page's metadata gives this item
    trim_repeats: bool = False  # from an HTML page: see trim_repeated_tails
    # title, dateline and body in order; set by freeze() once the item is complete
    frozen: tuple[Paragraph, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def paragraphs(self) -> tuple[Paragraph, ...] | list[Paragraph]:
        if self.frozen is not None:
            return self.frozen
        out = [p for p in (self.title, self.dateline) if p is not None]
        return out + self.body

    def freeze(self) -> None:
        """The item is complete: remember its paragraphs (they are asked for often)."""
        self.frozen = None
        self.frozen = tuple(self.paragraphs)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.body)

    @property
    def size(self) -> int:
        return sum(len(p.text) for p in self.body) + (len(self.title.text) if self.title else 0)


def _is_titleish(p: Paragraph) -> bool:
    t = p.text
    if len(t) > MAX_TITLE_CHARS or len(t.split()) > MAX_TITLE_WORDS or len(t) < 8:
        return False
    if t.endswith(_TITLE_END_BAD) and not t.endswith("..."):
        return False
    first = t[:1]
    return first.isupper() or first.isdigit() or first in "\"'\u201c\u00ab"


def _split_page(cp: CleanPage) -> list[PageItem]:
    """The items of one page, in order (dates not yet resolved)."""
    items: list[PageItem] = []
    paras = cp.paragraphs
    cur: PageItem | None = None
    free_zone = True  # before any title/dateline, or after navigation: one brief per paragraph
    for i, p in enumerate(paras):
        if p.status == "removed":
            if p.reason == "navigation" and cur is not None:
                cur = None
                free_zone = True
            continue
        nxt = next((q for q in paras[i + 1 :] if q.status == "kept"), None)
        if p.kind == "dateline":
            if cur is not None and cur.kind == "article" and not cur.body and cur.dateline is None:
                cur.dateline = p
            else:
                cur = PageItem("brief", cp.page.path, len(items), dateline=p)
                items.append(cur)
            free_zone = False
            continue
        if _is_titleish(p) and nxt is not None and nxt.kind in ("dateline", "text"):
            dated_next = nxt.kind == "dateline" or nxt.dateline is not None
            opens = dated_next or p.dateline is not None
            if not opens and (cur is None or cur.kind == "brief" or free_zone):
                # an undated title after briefs / at the top: followed by a longer body
                opens = nxt.kind == "text" and len(nxt.text) > len(p.text) and not (
                    _is_titleish(nxt)
                )
            if opens:
                cur = PageItem("article", cp.page.path, len(items), title=p)
                items.append(cur)
                free_zone = False
                continue
        if p.dateline is not None and (cur is None or cur.kind != "article" or cur.body):
            # a date glued to the text opens a dated brief (or dates the article above)
            cur = PageItem("brief", cp.page.path, len(items))
            items.append(cur)
            cur.body.append(p)
            free_zone = False
            continue
        if cur is None or free_zone:
            items.append(PageItem("brief", cp.page.path, len(items), body=[p]))
            cur = None if free_zone else items[-1]
            continue
        cur.body.append(p)
    # A page with no title and no dateline at all is one untitled article.
    if items and all(it.kind == "brief" and it.dateline is None for it in items) and not any(
        p.dateline for it in items for p in it.body
    ) and len(items) > 1 and not _looks_like_sidebar(items):
        merged = PageItem("article", cp.page.path, 0)
        for it in items:
            merged.body.extend(it.body)
        items = [merged]
    return [it for it in items if it.body or it.title]


def _looks_like_sidebar(items: list[PageItem]) -> bool:
    """Undated one-paragraph leads ("On 7 February, the Secretary General met ...") read as
    a list of briefs, not as one article."""
    from corpus_cli.dates import find_dates

    leads = 0
    for it in items:
        first = it.body[0].text[:80] if it.body else ""
        if any(m.start < 20 for m in find_dates(first)):
            leads += 1
    return leads >= max(2, len(items) // 2)


def _date_of(text: str) -> tuple[str | None, str | None, bool]:
    from corpus_cli.clean import dateline_value

    got = dateline_value(text)
    if got is None:
        return None, None, False
    return got[0], got[1], False


_SENTENCE_END = re.compile(r"[.!?][\"\u201d']?\s{1,5}(?=[A-Z\u0410-\u042f\"\u201c])")


def _first_sentence_date(text: str, reference: str | None) -> DateMention | None:
    """The first date of the opening sentence (at most 300 characters)."""
    from corpus_cli.dates import find_dates

    head = text[:300]
    end = _SENTENCE_END.search(head, 12)
    if end is not None:
        head = head[: end.start() + 1]
    for m in find_dates(head, reference):
        if m.kind in ("date", "range", "datetime"):
            return m
    return None


def _resolve_dates(items: list[PageItem]) -> None:
    """Publication date of each item of one page, then year-less ones from neighbours."""
    pending: list[PageItem] = []
    for it in items:
        for raw in (it.title.dateline if it.title else None,
                    it.dateline.text if it.dateline else None,
                    it.body[0].dateline if it.body else None):
            if raw:
                value, precision, _ = _date_of(raw)
                if value:
                    it.date, it.precision, it.inferred = value, precision, False
                    break
        if it.date is None:
            pending.append(it)
    yearless: list[PageItem] = []
    for it in pending:
        head = it.body[0].text if it.body else (it.title.text if it.title else "")
        m = _first_sentence_date(head, None)
        if m is None and it.title is not None:
            m = _first_sentence_date(it.title.text, None)
        if m is not None and m.value:
            it.date, it.precision, it.inferred = m.value, m.precision, True
        elif m is not None:
            yearless.append(it)
    # Year-less dates: bottom-up, so that each item leans on the (resolved) item below it.
    for it in reversed(yearless):
        value = _year_from_neighbours(items, it)
        if value:
            it.date, it.precision, it.inferred = value, "day", True


def _year_from_neighbours(items: list[PageItem], it: PageItem) -> str | None:
    """Resolve a year-less opening date with the nearest dated items of a newest-first
    listing: no older than the item below it (same day allowed; a range counts by its
    end), no newer than the item above it."""
    from corpus_cli.dates import find_dates

    head = it.body[0].text if it.body else (it.title.text if it.title else "")
    idx = items.index(it)
    below = next((x for x in items[idx + 1 :] if x.date and x.precision == "day"), None)
    above = next((x for x in reversed(items[:idx]) if x.date and x.precision == "day"), None)
    ref = below or above
    if ref is None or ref.date is None:
        return None
    found = find_dates(head[:300], ref.date)
    m = next((x for x in found if x.value and x.inferred and len(x.value) == 10), None)
    if m is None or m.value is None:
        return None
    start_md = m.value[4:]
    end_md = (m.end_value or m.value)[4:] if len(m.end_value or m.value) == 10 else start_md
    year = int(ref.date[:4])
    if below is not None and below.date is not None:
        if f"{year}{end_md}" < below.date:
            year += 1
        return f"{year}{start_md}"
    if above is not None and above.date is not None and f"{year}{start_md}" > above.date:
        year -= 1
    return f"{year}{start_md}"


def trim_repeated_tails(items: Sequence[PageItem], boilerplate: set[str] | frozenset[str]
                        ) -> Sequence[PageItem]:
    """Take the boilerplate that ends an item of an HTML page off it.

    A page read with ``--html full`` has its sidebar, "most read" box and footer after the
    article, and the page's last item takes them in; with ``--html main`` the extractor
    keeps such a box when it sits inside the article's element. Once dedupe has found
    which paragraphs repeat across the corpus (``boilerplate``: ids of paragraphs in
    boilerplate clusters), the run of them that ends an item is not part of it, unless it
    is the whole item (a sidebar snippet stays a brief of its own). Without this, two
    articles that end with the same box would also be merged as copies of one item.
    Items are changed in place; the same list is returned."""
    if not boilerplate:
        return items
    for it in items:
        if not it.trim_repeats or not it.body:
            continue
        n = len(it.body)
        while n and it.body[n - 1].id in boilerplate:
            n -= 1
        if n == len(it.body):
            continue
        if n == 0 and it.title is None and it.dateline is None:
            continue  # all of it repeats: a brief of its own
        it.body = it.body[:n]
        it.freeze()
    return items


def item_id(first_paragraph_id: str) -> str:
    return "a" + hashlib.blake2b(first_paragraph_id.encode(), digest_size=6).hexdigest()


def segment_page(cp: CleanPage) -> list[PageItem]:
    """The items of one page, in order, with their publication dates resolved."""
    items = _split_page(cp)
    _resolve_dates(items)
    for it in items:
        if it.date is not None:
            it.date_source = "text"
    if cp.page.meta is not None:
        items = apply_page_meta(items, cp.page.meta)
    for it in items:
        it.freeze()
    return items


def _same_title(a: str, b: str) -> bool:
    a, b = " ".join(a.split()).casefold(), " ".join(b.split()).casefold()
    return a == b or (len(b) >= 8 and a.startswith(b))


def _one_article(items: list[PageItem], meta) -> list[PageItem]:
    """The items of a page read in ``main`` mode as one article: the extractor took the
    page's main content, which is its own article, unless the text is a dated listing
    (two or more items dated by a dateline or a date glued to them)."""
    written = sum(1 for it in items if it.date is not None and not it.inferred)
    if len(items) < 2 or written >= 2:
        return items
    first = items[0]
    title = first.title if first.title is not None and meta.title and _same_title(
        first.title.text, meta.title) else None
    merged = PageItem("article", first.path, 0, title=title)
    for it in items:
        for p in (it.title, it.dateline, *it.body):
            if p is not None and p is not title:
                merged.body.append(p)
    dated = [it for it in items if it.date is not None]
    if dated:
        best = min(dated, key=lambda it: (it.inferred, -_PRECISION_RANK[it.precision],
                                          it.order))
        merged.date, merged.precision, merged.inferred = best.date, best.precision, \
            best.inferred
        merged.date_source = best.date_source
    return [merged]


def own_item(items: Sequence[PageItem], meta) -> PageItem | None:
    """The item that is an HTML page's own article: the item titled as the page, else in
    ``main`` mode the page's first item, else its longest article."""
    if not items:
        return None
    if meta.title:
        for it in items:
            if it.title is not None and _same_title(it.title.text, meta.title):
                return it
    if meta.mode == "main":
        return items[0]
    arts = [it for it in items if it.kind == "article"]
    return max(arts, key=lambda it: it.size) if arts else None


def apply_page_meta(items: list[PageItem], meta) -> list[PageItem]:
    """What an HTML page says about itself (:class:`~corpus_cli.models.PageMeta`) applied
    to its items. In ``main`` mode the page is one article (see :func:`_one_article`).
    Every item gets the page's URL; the page's own article (:func:`own_item`) gets the
    page's title when it has none and its publication date: a date from the page's markup or
    URL wins over one found in the text; a date htmldate found in the page's text wins
    over one the item's first sentence suggests (``inferred``) or a partial one, not over
    a date written as the item's dateline."""
    if meta.mode == "main":
        items = _one_article(items, meta)
    for it in items:
        it.url = meta.url
        it.trim_repeats = True
    own = own_item(items, meta)
    if own is None:
        return items
    if own.title is None and meta.title:
        own.page_title = " ".join(meta.title.split())
    if meta.date and (meta.date_source == "metadata" or own.date is None or own.inferred
                      or _PRECISION_RANK[own.precision] < _PRECISION_RANK["day"]):
        from corpus_cli.dates import parse_date

        parsed = parse_date(meta.date)
        if parsed is not None:
            own.date, own.precision = parsed
            own.inferred = False
            own.date_source = meta.date_source
    return items


def entity_text(it: PageItem, captions: Mapping[str, Sequence[str]] | None = None,
                copies: Sequence[PageItem] = ()) -> str:
    """The text searched for entities: title, body and the captions of the images of the
    item and of its ``copies`` on other pages."""
    title, caps = entity_extras(it, captions, copies)
    return join_entity_text(title, it.text, caps)


def entity_extras(it: PageItem, captions: Mapping[str, Sequence[str]] | None = None,
                  copies: Sequence[PageItem] = ()) -> tuple[str | None, tuple[str, ...]]:
    """What :func:`entity_text` adds to the item's text: its title and the captions."""
    found: list[str] = []
    if captions:
        seen: set[str] = set()
        for c in (it, *copies):
            for p in c.paragraphs:
                for cap in captions.get(p.id, ()):
                    if cap not in seen:
                        seen.add(cap)
                        found.append(cap)
    return (it.title.text if it.title else None), tuple(found)


def join_entity_text(title: str | None, text: str, captions: Sequence[str] = ()) -> str:
    """:func:`entity_text` from its parts (the process pool rebuilds it from them, so that
    the text is not sent twice)."""
    return "\n\n".join(x for x in (title, text, *captions) if x)


def _keys(it: PageItem, cluster_of: Mapping[str, str]) -> set[str]:
    return {cluster_of.get(p.id, p.id) for p in it.paragraphs if p.kind == "text"}


def merge_items(
    items: Sequence[PageItem], cluster_of: Mapping[str, str] | None = None
) -> list[tuple[Article, PageItem, list[PageItem]]]:
    """Merge the copies of each item across pages, through the dedupe clusters.

    Items are taken most complete first (articles, then longest, then corpus order); each one
    joins the group of the first *leader* it overlaps (at least half of the paragraphs of the
    smaller of the two are copies of each other), else leads a group of its own. Comparing
    with leaders only means a short item (a sidebar snippet that is also an article's lead)
    never chains two different articles together. Returns each merged item with the copy
    whose text it keeps and all its copies. Date mentions are not searched here (the
    pipeline does it in its process pool; :func:`build_articles` does it in this process).
    """
    cluster_of = cluster_of or {}
    pos = [_pos_key(it) for it in items]
    order = sorted(range(len(items)), key=lambda i: (
        items[i].kind != "article", -items[i].size, pos[i]))
    keys = [_keys(it, cluster_of) for it in items]
    # key -> page path -> leaders on that page with that key, in rank order. Items of one
    # page never merge, and the scan is bounded per key, so many same-page items sharing a
    # cluster (a template line repeated down a page) cost a bounded scan each.
    leader_index: dict[str, dict[str, list[int]]] = {}
    groups: dict[int, list[int]] = {}
    rank = [0] * len(items)
    for r, i in enumerate(order):
        rank[i] = r
    for i in order:
        ks = keys[i]
        path = items[i].path
        found = None
        best_rank = len(items)
        for k in ks:
            by_path = leader_index.get(k)
            if not by_path:
                continue
            for other, leaders in islice(by_path.items(), MAX_MERGE_PAGES):
                if other == path:
                    continue
                for j in leaders[:MAX_MERGE_LEADERS]:
                    if rank[j] >= best_rank:
                        break
                    if len(ks & keys[j]) * 2 >= min(len(ks), len(keys[j])):
                        found, best_rank = j, rank[j]
                        break
        if found is None:
            groups[i] = [i]
            for k in ks:
                leader_index.setdefault(k, {}).setdefault(path, []).append(i)
        else:
            groups[found].append(i)

    out: list[tuple[Article, PageItem, list[PageItem]]] = []
    for leader, members in groups.items():
        members.sort(key=pos.__getitem__)
        copies = [items[i] for i in members]
        best = items[leader]
        dated = [i for i in members if items[i].date]
        dated.sort(key=lambda i: (items[i].date_source != "metadata", items[i].inferred,
                                  -_PRECISION_RANK[items[i].precision], pos[i]))
        date = items[dated[0]] if dated else None
        title_copy = best if best.title else next((c for c in copies if c.title), None)
        title = title_copy.title.text if title_copy and title_copy.title else None
        if title is None:
            title = best.page_title or next((c.page_title for c in copies if c.page_title),
                                            None)
        sources = tuple(
            Source(c.path, c.paragraphs[0].line_start, c.paragraphs[-1].line_end, c.url)
            for c in copies
        )
        article = Article(
            id=item_id(best.paragraphs[0].id),
            kind=best.kind,
            title=title,
            date=date.date if date else None,
            date_precision=date.precision if date else None,
            date_inferred=date.inferred if date else False,
            text=best.text,
            sources=sources,
            paragraph_ids=tuple(p.id for p in best.paragraphs),
            date_source=date.date_source if date else None,
        )
        out.append((article, best, copies))
    out.sort(key=lambda ab: (ab[0].sources[0].path, ab[0].sources[0].line_start))
    return out


def build_articles(
    pages: Sequence[CleanPage], cluster_of: Mapping[str, str] | None = None
) -> list[Article]:
    """Segment every page, merge the copies of each item across pages, and find the date
    mentions of each item (relative to its publication date)."""
    from corpus_cli.dates import find_dates

    items = [it for cp in pages for it in segment_page(cp)]
    return [replace(a, dates=tuple(find_dates(a.text, a.date)))
            for a, _, _ in merge_items(items, cluster_of)]


def _pos_key(it: PageItem) -> tuple[str, int]:
    return (it.path, it.paragraphs[0].line_start if it.paragraphs else 0)
