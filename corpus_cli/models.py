"""Plain, frozen records passed between the library's stages.

Every stage takes and returns these dataclasses (or iterators of them). They carry no
behaviour beyond small derived properties, so they can be built in tests, pickled to a
process pool and turned into their documented JSON shape (docs/json.md) by their own
``to_dict()``: the store and :mod:`corpus_cli.output` both use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Counts and the schema version live in a light module of their own (``corpus stats`` needs
# them without the records): they are part of this module's interface all the same.
from corpus_cli.counts import SCHEMA_VERSION as SCHEMA_VERSION
from corpus_cli.counts import Counts as Counts

# The library reports progress through ``progress(stage, done, total)``.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Problem:
    """An input that could not be used (unreadable, binary, empty...), or a part of a page
    that an extractor failed on. Reported, not raised.

    ``level`` is ``"error"`` when the input (or part of it) was not read, ``"warning"`` when it
    was read but something about it deserves a line (a lying ``<meta charset>``, a page too
    large for main-content extraction...). ``line`` is set when an extractor failed on the
    page or item starting there: the page or item is kept, without what failed."""

    path: str
    message: str
    level: str = "error"  # error | warning
    line: int | None = None

    def to_dict(self) -> dict:
        return {"path": self.path, "message": self.message, "level": self.level}


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What an HTML page (or the WARC record it came in) says about itself.

    ``url`` is where the page was fetched (a WARC record's target URI), else its canonical
    URL. ``date`` is a publication date found in the page's markup or URL (ISO), never the
    fetch date, which is ``fetch_date`` (a WARC record's WARC-Date).
    """

    format: str  # html | warc
    mode: str = "main"  # main | full: how the text was extracted
    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    date: str | None = None
    date_source: str | None = None  # metadata (markup or URL) | text | None
    site_name: str | None = None
    language: str | None = None
    fetch_date: str | None = None
    record_offset: int | None = None  # byte offset of the WARC record in its file
    file: str | None = None  # the file the page was read from (a WARC file for a record)

    def to_dict(self) -> dict:
        return {"format": self.format, "mode": self.mode, "url": self.url,
                "canonical_url": self.canonical_url, "title": self.title, "date": self.date,
                "date_source": self.date_source, "site_name": self.site_name,
                "language": self.language, "fetch_date": self.fetch_date,
                "record_offset": self.record_offset, "file": self.file}


@dataclass(frozen=True, slots=True)
class Page:
    """One input page, decoded and with its text normalised (see :func:`loader.normalize_text`).

    A text file is one page; so is an HTML file, whose ``text`` is the text extracted from it
    (see :mod:`corpus_cli.inputs.html`); a WARC file holds one page per HTML response record,
    its ``path`` being the file's path with ``#`` and the record's byte offset.
    """

    path: str
    text: str
    encoding: str
    content_hash: str  # blake2b of the raw bytes
    size: int  # bytes
    mtime_ns: int = 0  # modification time when read (0 for stdin)
    meta: PageMeta | None = None  # HTML and WARC pages: URL, title, dates...


@dataclass(frozen=True, slots=True)
class Removal:
    """Something taken out of a paragraph (or the whole paragraph), and why."""

    kind: str  # navigation | image | url | attachment | repeated_title | empty
    text: str
    reason: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A line of text (or a block between blank lines) of one page, with provenance.

    ``raw`` is the text as read (after decoding and line-ending normalisation); ``text`` is the
    cleaned text, empty when the whole paragraph was removed (``status == "removed"``).
    ``dateline`` holds a date that was glued to the start of the text ("09.06.2018On ...")
    and split off, or that followed a repeated title.
    """

    id: str
    path: str
    index: int  # 0-based position among the page's paragraphs
    line_start: int  # 1-based, inclusive
    line_end: int
    raw: str
    text: str
    kind: str = "text"  # text | dateline | removed
    status: str = "kept"  # kept | removed
    reason: str | None = None  # why the whole paragraph was removed
    dateline: str | None = None
    script: str = "latin"  # latin | cyrillic | greek | arabic | cjk | mixed | none | other
    removals: tuple[Removal, ...] = ()

    def to_dict(self, drop: Drop | None = None, url: str | None = None) -> dict:
        """The paragraph record (docs/json.md), with its ``drop`` when dedupe dropped it and
        its page's ``url`` when known."""
        return {
            "id": self.id,
            "path": self.path,
            "index": self.index,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "kind": self.kind,
            "status": "dropped" if drop is not None else self.status,
            "reason": self.reason if drop is None else "duplicate",
            "text": self.text,
            "raw": self.raw,
            "dateline": self.dateline,
            "script": self.script,
            "removals": [r.to_dict() for r in self.removals],
            "duplicate_of": drop.kept_id if drop else None,
            "similarity": drop.score if drop else None,
            "rule": drop.reason if drop else None,
            "url": url,
        }

    def where(self) -> dict:
        """Where the paragraph is: ``{id, path, line_start, line_end}``."""
        return {"id": self.id, "path": self.path, "line_start": self.line_start,
                "line_end": self.line_end}


@dataclass(frozen=True, slots=True)
class CleanPage:
    """A page after cleaning: its paragraphs and page-level metadata (URLs found in it).

    ``fingerprint`` hashes the text of its kept paragraphs and ``copy`` is its rank among
    the corpus's pages of the same fingerprint: both make the paragraph ids (see
    :mod:`corpus_cli.ids`)."""

    page: Page
    paragraphs: tuple[Paragraph, ...]
    urls: tuple[str, ...] = ()
    fingerprint: str = ""
    copy: int = 0

    @property
    def url(self) -> str | None:
        """The page's own URL: from its metadata (HTML, WARC), else the first URL line found
        in its text."""
        meta = self.page.meta
        if meta is not None and meta.url:
            return meta.url
        return self.urls[0] if self.urls else None


@dataclass(frozen=True, slots=True)
class Drop:
    """A paragraph not kept by dedupe: a copy of ``kept_id``."""

    id: str
    kept_id: str
    reason: str  # exact | fuzzy | short-exact
    score: float  # similarity to the kept copy, 0..1
    cluster_id: str


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of paragraphs that are copies of one another, with the copy that is kept."""

    id: str
    kind: str  # boilerplate | duplicate
    kept_id: str
    member_ids: tuple[str, ...]  # every member, kept one first
    pages: int  # number of distinct pages the members come from


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression found in a text.

    ``start``/``end`` are character offsets into the text searched. ``value`` is ISO
    ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (``precision`` day|month|year); for a range,
    ``end_value`` is its end, else ``None``. ``inferred`` is true when part of the value
    (usually the year) came from context rather than from the text itself.
    """

    text: str
    start: int
    end: int
    value: str | None
    end_value: str | None = None
    precision: str = "day"  # day | month | year
    inferred: bool = False
    kind: str = "date"  # date | range | relative | datetime

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "value": self.value,
                "end_value": self.end_value, "precision": self.precision,
                "inferred": self.inferred, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class EntityMention:
    """An entity mention in a text, with character offsets and its canonical name.

    ``parent`` is set for an organisation named within its parent organisation ("ESPO
    Joint Staff", "Joint Staff of the ESPO"): the parent as written (a mention of its own),
    while ``canonical`` names the body ("Joint Staff"). After merging, ``canonical`` is the
    entity's name and ``parent`` the parent entity's name.
    """

    text: str
    start: int
    end: int
    type: str  # PERSON | ORG | PLACE | EVENT
    canonical: str
    role: str | None = None  # e.g. "Secretary General" written next to a person
    parent: str | None = None  # the parent organisation of a compound organisation name


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity with all its aliases."""

    name: str
    type: str
    aliases: tuple[str, ...]
    mentions: int
    articles: int = 0

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "mentions": self.mentions,
                "articles": self.articles, "aliases": list(self.aliases)}


@dataclass(frozen=True, slots=True)
class Source:
    """Where a copy of an item was seen: a page, its lines, and the page's URL if known."""

    path: str
    line_start: int
    line_end: int
    url: str | None = None  # the page's URL (HTML and WARC pages)

    def to_dict(self) -> dict:
        return {"path": self.path, "line_start": self.line_start, "line_end": self.line_end,
                "url": self.url}


@dataclass(frozen=True, slots=True)
class Article:
    """A news item: an article with a title, or a brief (listing entry, sidebar snippet)."""

    id: str
    kind: str  # article | brief
    title: str | None
    date: str | None
    date_precision: str | None
    date_inferred: bool
    text: str
    sources: tuple[Source, ...]
    paragraph_ids: tuple[str, ...] = ()
    dates: tuple[DateMention, ...] = ()
    entities: tuple[dict, ...] = field(default=())
    date_source: str | None = None  # metadata | text | None (see PageMeta)

    @property
    def url(self) -> str | None:
        """The URL of the first copy that has one."""
        return next((s.url for s in self.sources if s.url), None)

    @property
    def urls(self) -> list[str]:
        """The distinct URLs of the item's sources, in source order."""
        out: list[str] = []
        for s in self.sources:
            if s.url and s.url not in out:
                out.append(s.url)
        return out

    def to_dict(self) -> dict:
        """The item record (docs/json.md)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "date": self.date,
            "date_precision": self.date_precision,
            "date_inferred": self.date_inferred,
            "text": self.text,
            "copies": len(self.sources),
            "sources": [s.to_dict() for s in self.sources],
            "dates": [d.to_dict() for d in self.dates],
            "entities": [
                {"name": e["name"], "type": e["type"], "aliases": list(e["aliases"]),
                 "mentions": e["mentions"]}
                for e in self.entities
            ],
            # added with HTML input: last, so that CSV columns keep their places
            "date_source": self.date_source,
            "url": self.url,
            "urls": self.urls,
        }


def pickle_by_fields(cls: type) -> type:
    """Pickle instances of the dataclass ``cls`` as a call of the class on its field values.

    Frozen slotted dataclasses otherwise pickle through a ``__setstate__`` written in Python
    (one ``object.__setattr__`` per field, found by name): the process pool sends a million
    paragraphs back to the parent, and this halves the cost of sending each one.
    """
    from dataclasses import fields
    from operator import attrgetter

    names = [f.name for f in fields(cls) if f.init]
    if len(names) != len(fields(cls)):
        raise TypeError(f"{cls.__name__} has fields outside __init__")
    get = attrgetter(*names)
    if len(names) == 1:
        def reduce(self):  # attrgetter of one name gives the value, not a tuple
            return (cls, (get(self),))
    else:
        def reduce(self):
            return (cls, get(self))
    cls.__reduce__ = reduce
    return cls


for _cls in (Problem, PageMeta, Page, Removal, Paragraph, CleanPage, Drop, Cluster, DateMention,
             EntityMention, Entity, Source, Article):
    pickle_by_fields(_cls)
del _cls


def record_maker(cls: type) -> Callable[..., Any]:
    """A function that makes an instance of the frozen slotted dataclass ``cls`` from the
    values of all its fields, in order: ``make(*values) == cls(*values)``, in about 40% of
    the time.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``; the
    record is made here by a plain slotted twin class (the same fields, so the same
    ``__slots__`` and memory layout), then made a ``cls`` by assigning its ``__class__``,
    which Python allows between classes of the same layout (and refuses with a TypeError
    otherwise). For the records a re-run makes by the hundred thousand from the store."""
    from dataclasses import fields

    names = tuple(f.name for f in fields(cls))
    if names != cls.__slots__:
        raise TypeError(f"{cls.__name__}: its slots are not its fields")
    twin = dataclass(slots=True, eq=False, repr=False)(type(
        f"_{cls.__name__}Fields", (), {"__annotations__": dict.fromkeys(names, "object")}))

    def make(*values: Any) -> Any:
        obj = twin(*values)
        obj.__class__ = cls
        return obj

    return make


# Paragraph(...) of all 13 fields, made faster (see record_maker)
make_paragraph = record_maker(Paragraph)
