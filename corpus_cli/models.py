"""Plain, frozen records passed between the library's stages.

Every stage takes and returns these dataclasses (or iterators of them). They carry no
behaviour beyond small derived properties, so they can be built in tests, pickled to a
process pool and turned into JSON by :mod:`corpus_cli.output` with ``dataclasses.asdict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    """An input that could not be used (unreadable, binary, empty...). Reported, not raised."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class Page:
    """One input file, decoded and with its text normalised (see :func:`loader.normalize_text`)."""

    path: str
    text: str
    encoding: str
    content_hash: str  # blake2b of the raw bytes
    size: int  # bytes
    mtime_ns: int = 0  # modification time when read (0 for stdin)


@dataclass(frozen=True, slots=True)
class Removal:
    """Something taken out of a paragraph (or the whole paragraph), and why."""

    kind: str  # navigation | image | url | attachment | repeated_title | empty
    text: str
    reason: str


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


@dataclass(frozen=True, slots=True)
class CleanPage:
    """A page after cleaning: its paragraphs and page-level metadata (URLs found in it)."""

    page: Page
    paragraphs: tuple[Paragraph, ...]
    urls: tuple[str, ...] = ()


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


@dataclass(frozen=True, slots=True)
class EntityMention:
    """An entity mention in a text, with character offsets and its canonical name."""

    text: str
    start: int
    end: int
    type: str  # PERSON | ORG | PLACE | EVENT
    canonical: str
    role: str | None = None  # e.g. "Secretary General" written next to a person


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity with all its aliases."""

    name: str
    type: str
    aliases: tuple[str, ...]
    mentions: int
    articles: int = 0


@dataclass(frozen=True, slots=True)
class Source:
    path: str
    line_start: int
    line_end: int


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


for _cls in (Problem, Page, Removal, Paragraph, CleanPage, Drop, Cluster, DateMention,
             EntityMention, Entity, Source, Article):
    pickle_by_fields(_cls)
del _cls
