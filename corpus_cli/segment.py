"""Split cleaned pages into news items (articles and briefs), date them, merge the copies.

A page is read as a sequence of kept paragraphs, each given a *role* by its shape:

* **date** -- a line that shows a date (a dateline, a byline such as "By Jane Doe • 01
  October 2022 • 14:16", "PublishDate: ...", "17:23 / 20.01.2026", a date beside a view
  counter; see :func:`corpus_cli.dates.read_dateline`);
* **head** -- furniture that is never an item nor a title: lines of at most four words
  (section headings, "Top news", menus and language switchers of a word a line, bylines
  without a date, captions such as "An archive photo", view counters), "Label: value" lines,
  runs of short menu lines, calendar widgets, tag lines above a title;
* **title** -- a short line without closing punctuation;
* **text** -- prose.

Items are then made in page order:

* a title followed (after date lines, headings and at most one subtitle) by prose opens an
  *article*; a date line right under it dates it;
* titles not followed by prose are *headlines*: each is an item when it stands in a list of
  headlines or has a date line, else it is furniture;
* a date line *above* an item (a listing or a sidebar of dated snippets) opens it; a date
  line right after an undated item's text (or at the end of the page) closes and dates it;
  which one applies is decided from where the page's first date stands;
* undated prose before the page's first article is a sidebar: its snippets are told apart
  by the blank lines between them (when two sizes of gap alternate, the wider one separates
  snippets), one snippet per line when lines are not separated; undated prose with no
  article after it is the page's own article;
* a teaser ending in "... more" is an item of its own.

Each item's publication date comes from, in order: its date line; the date its repeated
title carries; a date glued to its first words; a date ending its title; an agency
dateline ("MOSCOW, March 3. /TASS/."); a timestamp ending its first paragraph; the stored
page's date prefix (for the page's main item). A year-less date takes its year from the
page's own chronology: the stored page's date, the site's header date (the day the page was
saved: no item is newer), the dated neighbours of a newest-first listing, a fully dated
mention in the item; a weekday written with it must agree. Numeric dates are read day
first unless the page proves month first (see :func:`corpus_cli.dates.numeric_order`).
Failing all that, an item whose text *opens* with a date ("On 25 July 2024, ...") gets
that date, marked ``inferred``; otherwise its date is None. A date inside the text
(historical, future, a photo caption's) never dates the item, nor does a header date.

Items seen on several pages (a sidebar snippet on every page, an article scraped twice) are
merged through the dedupe clusters: two items are one when most paragraphs of the smaller
one are in clusters of the other and they do not show different publication dates. The
merged item keeps the most complete copy's text, lists every source, and takes metadata
(date, title) from whichever copy has it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date as _date
from functools import lru_cache
from itertools import islice
from operator import attrgetter

from corpus_cli.dates import (
    MAX_DATELINE_CHARS,
    DateLine,
    find_dates,
    numeric_order,
    read_dateline,
)
from corpus_cli.memo import Memo
from corpus_cli.models import (
    Article,
    CleanPage,
    Paragraph,
    Source,
    pickle_by_fields,
)

MAX_TITLE_CHARS = 250
MAX_MERGE_PAGES = 256  # pages looked at per cluster key when merging copies of an item
MAX_MERGE_LEADERS = 16  # items looked at per page and key
MAX_TITLE_WORDS = 40
MAX_HEAD_WORDS = 4  # a line of at most this many words is furniture (unless cut off)...
MIN_SHORT_TITLE_WORDS = 3  # ... or a title with at least this many, if prose follows
MIN_CUT_TEXT_WORDS = 15  # a page's last line, cut off, with this many words is text
MAX_MENU_MEDIAN_WORDS = 5  # a run of 3+ short lines with this median is a menu
MAX_MENU_ENTRY_WORDS = 7  # ... and its lines of at most this many words are its entries
LEAD_DATE_REACH = 25  # an opening date starts within this many characters of the text
MAX_LOOK = 64  # paragraphs looked at around one (furniture and date lines included)
WORDS_LOOKED_AT = 400  # characters of a paragraph whose words are counted
_TITLE_END_BAD = (".", ",", ";", ":", "!", "\u2026")
_PRECISION_RANK = {"day": 3, "month": 2, "year": 1, None: 0}
DATE, HEAD, TITLE, TEXT, NAV, SHORT = "date", "head", "title", "text", "nav", "short"
_WEEKDAY_LINE = {w: i for i, w in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}

# Function words: a line that ends in one was cut off (an excerpt's end), it is no heading.
_CUT_WORDS = frozenset("""
a an the of in on at to for from by with and or but as into about over under than that
""".split())
_BYLINE = re.compile(r"^(?:by|от|автор:?)\s{1,3}[A-Z\u0410-\u042f]", re.IGNORECASE)
_SALUTATION = re.compile(
    r"^(?:dear|distinguished|esteemed|ladies|excellenc|уважаем|дорог)[^\n]{0,80}[!,]$",
    re.IGNORECASE)
_TEASER_LAST = "eE\u00bb>"  # the last character of a teaser's "... more"
_TEASER_END = re.compile(r"(?:\.\.\.|\u2026)\s{0,3}(?:read\s{1,3})?more\s{0,3}[\u00bb>]?$",
                         re.IGNORECASE)
_LABEL_LINE = re.compile(
    r"^[^\W\d_][^\s:]{0,20}(?:\s[^\W\d_][^\s:]{0,20})?\s{0,2}:\s{0,3}(.{1,80})$")
_WORD = re.compile(r"[^\W_][\w\-'\u2019.]*")
# An agency dateline opening a text: "MOSCOW, March 3. /TASS/.", "BEIJING, Sept. 16
# (Xinhua) --", "DUSHANBE, 27.07.2020. (NIAT Khovar) –", "Bishkek, Nov. 22, 2023. / Kabar/."
_AGENCY_AFTER = re.compile(
    r"^[.,]?\s{0,3}(?:\([^()\n]{2,40}\)|/\s{0,2}[^/\n]{2,30}/|[A-Z][A-Z\-]{2,20}\b\.?)?"
    r"\s{0,3}(?:[-\u2013\u2014]{1,2}|\.|\s)")
_AGENCY_NAME = re.compile(r"[.,]?\s{0,3}(?:\([^()\n]{2,40}\)|/\s{0,2}[^/\n]{2,30}/)")
_PLACE_WORD = re.compile(r"^[A-Z\u0410-\u042f][\w\-'\u2019]*$")
# A timestamp ending a paragraph ("... Photo by X, 30 Mar 2017 - 12:30, Tbilisi,Georgia").
_STAMP_TAIL = re.compile(
    r"\s{0,3}[-\u2013|/\u2022,]?\s{0,3}(?:[01]?\d|2[0-3]):[0-5]\d(?:\s?[AaPp]\.?[Mm]\.?)?"
    r"(?:\s{0,3},?\s{0,3}[A-Z][\w\-]{1,30}(?:\s{0,2},\s{0,2}[A-Z][\w\-]{1,30}){0,2})?"
    r"\s{0,3}\.?$")
# Two sentences ("... exercise. Image: ..."); a quoted sentence opening a headline
# ("\"We are ready.\" Minister on ...") is no break.
_SENTENCE_BREAK = re.compile(r"[^\W\d_]{3}[.!?]\s{1,3}[\"\u201c]?[A-Z\u0410-\u042f]")
_CREDIT = re.compile(
    r"\u00a9|\(photo|\bphoto(?:\s?:|\s(?:by|credit))|\bimage\s?:|\u0444\u043e\u0442\u043e\s?:",
    re.IGNORECASE)
_DIGIT_EARLY = re.compile(r"\d")
_AGENCY_START = re.compile(r"[A-Z\u0410-\u042f][\w'\u2019\-]{1,30}(?:[,.]|\s\()")
_CLOCK_TAIL = re.compile(r"\d:\d\d")
# The time ending a byline stamp glued before a headline ("... - 02:01 EU comments on").
_STAMP_END = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d(?:\s?[AaPp]\.?[Mm]\.?)?\s{1,3}"
                        r"(?=[A-Z\u0410-\u042f\"\u201c\u00ab])")
_SUFFIX_END = re.compile(r"(?:(?:19|20)\d\d|\d:\d\d)\D{0,12}$")
_DATE_LEAD = re.compile(r"^(?:on|from|between|since|in|as of)?\s{0,2}", re.IGNORECASE)
ErrorHandler = Callable[[int, str, BaseException], None]


_INDEX = attrgetter("index")


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
    # title, dateline, body and the item's other lines (bylines, captions, date lines) in
    # page order; set by freeze() once the item is complete
    frozen: tuple[Paragraph, ...] | None = field(default=None, repr=False, compare=False)
    extra: list[Paragraph] = field(default_factory=list)
    # the first words of the normalised text (corpus_cli.ids.opening), when the pipeline
    # has them from its paragraphs' normalised texts; cleared when the body changes
    opening: str | None = field(default=None, repr=False, compare=False)

    @property
    def paragraphs(self) -> tuple[Paragraph, ...] | list[Paragraph]:
        if self.frozen is not None:
            return self.frozen
        out = [p for p in (self.title, self.dateline) if p is not None]
        out += self.body
        if self.extra:
            seen = {id(p) for p in out}
            out += [p for p in self.extra if id(p) not in seen]
        out.sort(key=_INDEX)  # stable: a line split in two keeps its order
        return out

    def freeze(self) -> None:
        """The item is complete: remember its paragraphs (they are asked for often)."""
        self.frozen = None
        self.opening = None
        self.frozen = tuple(self.paragraphs)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.body)

    @property
    def size(self) -> int:
        return sum(len(p.text) for p in self.body) + (len(self.title.text) if self.title else 0)


# --------------------------------------------------------------------------- roles


@dataclass(slots=True)
class _Unit:
    """A kept paragraph (or the part of one) with its role on the page."""

    p: Paragraph
    role: str
    gap: int  # blank lines before it
    words: int
    dl: DateLine | None = None  # of a date unit
    teaser: bool = False
    salutation: bool = False
    leads: bool = False  # a title followed by prose: it opens an article
    header: bool = False  # the site's header date: the day the page was saved
    part: bool = False  # a byline split off the start of its line


def _is_titleish(text: str) -> bool:
    """A short line without closing punctuation that is not a sentence: no sentence break
    inside ("... said. The"), no photo credit, not opening with a date ("On 5 May, ...")."""
    if len(text) > MAX_TITLE_CHARS or len(text.split()) > MAX_TITLE_WORDS or len(text) < 8:
        return False
    if text.endswith(_TITLE_END_BAD) and not text.endswith("..."):
        return False
    first = text[:1]
    if not (first.isupper() or first.isdigit() or first in "\"'\u201c\u00ab\u2018"):
        return False
    if _SENTENCE_BREAK.search(text) or _CREDIT.search(text):
        return False
    if not _DIGIT_EARLY.search(text, 0, 40):
        return True
    lead = _DATE_LEAD.match(text)
    return not any(m.start <= lead.end() for m in find_dates(text[:40]))


def _is_head(text: str, words: list[str]) -> str | None:
    """``HEAD`` for furniture (a byline without a date, a view counter, a "Label: value"
    line, a calendar row), ``SHORT`` for a line of a few words without sentence
    punctuation (a heading, a menu entry -- or a short title: see :func:`_short_lines`),
    else None."""
    n = len(words)
    if not n or not any(c.isalpha() for c in text):
        return HEAD  # "96", "• 11014.01"
    if text.endswith(",") or _SALUTATION.match(text):
        return None  # "Dear colleagues," opens a speech
    if n >= 5 and all(len(w) <= 2 for w in words):
        return HEAD  # "Su Mo Tu We Th Fr Sa"
    if n <= 3 and sum(w.isdigit() for w in words) == 1:
        return HEAD  # "Read: 610", "Views 1196"
    if _BYLINE.match(text) and n <= 5 or n <= 6 and _CREDIT.search(text):
        return HEAD  # "By Jane Roe", "© Jane Roe/Agency"
    m = _LABEL_LINE.match(text)
    if m and n <= 10 and not text.endswith("."):
        value = m.group(1)
        vwords = _WORD.findall(value)
        if all(w[0].isupper() or w[0].isdigit() or w.lower() in ("and", "&") for w in vwords):
            return HEAD  # "Region: World News, Armenia", "Theme: Politics"
        if n <= 3 and len(vwords) == 1 and vwords[0].islower():
            return HEAD  # "Photo: archive", "Shared by: people" (a counter without its number)
    if text.endswith(("?", "!", ".")) and n > 2:
        return None
    if n <= MAX_HEAD_WORDS and (words[-1].lower() not in _CUT_WORDS or n == 1):
        return SHORT
    return None


def _tags_line(words: list[str]) -> bool:
    """Keywords in a row: every word capitalised, none a function word."""
    return 3 <= len(words) <= 8 and all(
        (w[0].isupper() or w[0].isdigit()) and w.lower() not in _CUT_WORDS for w in words)


def _shapes(key: tuple) -> tuple[tuple, ...]:
    """The units a kept paragraph makes, by its shape alone: ``key`` is its ``(text, kind,
    dated, order, glued, first)`` (``dated``: it has a dateline; ``glued``: that date was
    glued to its words; ``first``: the stored page's first line, with its date prefix).
    Each unit is ``(role, words, dateline, part, teaser, salutation, text)``, ``text`` being
    None for the paragraph's own text, else the rest after a date stamp split off."""
    text, kind, dated, order, glued, is_meta = key
    if kind == "text" and not dated and (
            len(text) > MAX_TITLE_CHARS
            or len(text) > MAX_DATELINE_CHARS and text[-1] in ".!?\u2026"
            and _leading_stamp(text, order) is None):
        # too long, or long and closed by a full stop: prose, nothing else
        teaser = text[-1] in _TEASER_LAST and _TEASER_END.search(
            text, len(text) - 40) is not None
        return ((TEXT, MAX_TITLE_WORDS + 1, None, False, teaser, False, None),)
    out: list[tuple] = []
    rest = None
    words = _WORD.findall(text, 0, WORDS_LOOKED_AT)  # enough for every threshold
    split = None if kind == "dateline" else _leading_stamp(text, order)
    if split is not None:  # "dennis2020 Thu, 11/24/2022 - 02:01 EU comments on ..."
        dl, rest = split
        out.append((DATE, len(words), dl, True, False, False, None))
        text, words = rest, _WORD.findall(rest, 0, WORDS_LOOKED_AT)
    dl = read_dateline(text, order) if len(text) <= 160 else None
    if dl is None and kind == "dateline":
        dl = read_dateline(text, order)
    if dl is not None:
        # on the stored page's first line (with its date prefix) a date is the page's
        out.append((HEAD if is_meta else DATE, len(words), dl, False, False, False, rest))
        return tuple(out)
    head = _is_head(text, words)
    if is_meta and not _is_prose(text):
        role = HEAD  # the rest of the stored page's first line: the site's header
    elif glued:
        role = TEXT  # a date glued to its first words: an entry, however short
    elif head is not None:
        role = head
    elif _is_titleish(text) and not glued and not (
            text[-1] in _TEASER_LAST and _TEASER_END.search(text[-40:])):
        role = TITLE
    else:
        role = TEXT
    teaser = salutation = False
    if role == TEXT:
        teaser = text[-1] in _TEASER_LAST and _TEASER_END.search(text[-40:]) is not None
        salutation = len(words) <= 12 and _SALUTATION.match(text) is not None
    out.append((role, len(words), None, False, teaser, salutation, rest))
    return tuple(out)


# The shapes of each distinct line, once per process (a site's furniture is on every page).
_SHAPES = Memo(_shapes)


def _units(cp: CleanPage, order: str | None) -> tuple[list[_Unit], str | None]:
    """The page's kept paragraphs with their roles, and the stored page's date prefix."""
    units: list[_Unit] = []
    meta: str | None = None
    prev_end = 0
    paras = cp.paragraphs
    for i, p in enumerate(paras):
        gap = max(0, p.line_start - prev_end - 1)
        prev_end = p.line_end
        is_meta = i == 0 and any(r.kind == "meta_date" for r in p.removals)
        if is_meta:
            meta = p.dateline
        if p.status != "kept":
            if p.reason == "navigation" and units:
                units.append(_Unit(p, NAV, gap, 0))
            continue
        key = (p.text, p.kind, bool(p.dateline), order, _glued(p), is_meta)
        for n, (role, words, dl, part, teaser, salutation, rest) in enumerate(
                _shapes(key) if is_meta else _SHAPES[key]):
            u = _Unit(p if rest is None else replace(p, text=rest), role, gap if not n else 0,
                      words, dl=dl, part=part)
            if teaser:
                u.teaser = True
            if salutation:
                u.salutation = True
            units.append(u)
    _menus(units)
    _short_lines(units)
    for k in range(len(units) - 1):
        u, nxt = units[k], units[k + 1]
        if (u.role == HEAD and nxt.role == DATE and nxt.gap == 0 and nxt.dl.weekday is None
                and u.p.text.lower().strip(" ,.") in _WEEKDAY_LINE):
            nxt.dl = replace(nxt.dl, weekday=_WEEKDAY_LINE[u.p.text.lower().strip(" ,.")])
    return units, meta


def _meta_line(p: Paragraph) -> bool:
    return p.index == 0 and any(r.kind == "meta_date" for r in p.removals)


def _glued(p: Paragraph) -> bool:
    """Was a date glued to the paragraph's first words ("09.06.2018On June 9")?"""
    return p.dateline is not None and p.raw.lstrip().startswith(p.dateline)


def _is_prose(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?", "\"", "\u201d")) or (
        len(text) >= 200 and ". " in text)


def _menus(units: list[_Unit]) -> None:
    """Runs of three or more unseparated short lines (a menu, a language switcher, share
    buttons) are furniture; so is a tag line right above a title."""
    i = 0
    while i < len(units):
        j = i + 1
        while j < len(units) and units[j].gap == 0 and units[j].role in (TITLE, HEAD, SHORT):
            j += 1
        run = units[i:j]
        if len(run) >= 3 and run[0].role in (TITLE, HEAD, SHORT):
            sizes = sorted(u.words for u in run)
            if sizes[len(sizes) // 2] <= MAX_MENU_MEDIAN_WORDS:
                for u in run:
                    if u.words <= MAX_MENU_ENTRY_WORDS:
                        u.role = HEAD
        i = j
    for k in range(len(units) - 1):
        u, nxt = units[k], units[k + 1]
        if (u.role in (TITLE, SHORT) and nxt.role == TITLE
                and _tags_line(_WORD.findall(u.p.text))):
            u.role = HEAD


def _short_lines(units: list[_Unit]) -> None:
    """A line of a few words is a title ("German economy rebounds") when prose follows it,
    maybe after a date line, and it does not stand in a title's lines (under a title or
    under a title's date line: a byline, a caption, a section name). Otherwise it is a
    heading ("Top news" above a list of headlines, "Events" above a dated title) or a menu
    entry: furniture."""
    def step(i: int, by: int, skip: tuple[str, ...]) -> int | None:
        start = i
        i += by
        while 0 <= i < len(units) and units[i].role in skip and abs(i - start) < MAX_LOOK:
            i += by
        return i if 0 <= i < len(units) else None

    for i, u in enumerate(units):
        if u.role != SHORT:
            continue
        u.role = HEAD
        if u.words < MIN_SHORT_TITLE_WORDS:
            continue  # "News", "Central Asia": a heading
        prev = step(i, -1, (HEAD, SHORT))
        if prev is not None and units[prev].role == TITLE:
            continue  # under a title
        if prev is not None and units[prev].role == DATE:
            before = step(prev, -1, (HEAD, SHORT))
            if before is not None and units[before].role == TITLE:
                continue  # under a title's date line
        nxt = step(i, 1, (HEAD, SHORT))
        if nxt is not None and units[nxt].role == DATE:
            nxt = step(nxt, 1, (HEAD, SHORT, DATE))
        if nxt is not None and units[nxt].role == TEXT and not units[nxt].teaser:
            u.role = TITLE


def _leading_stamp(text: str, order: str | None) -> tuple[DateLine, str] | None:
    """A byline stamp (at most two words, a date and a time) glued before a headline:
    ``("dennis2020 Thu, 11/24/2022 - 02:01", "EU comments on ...")``."""
    if len(text) < 30 or not text[:1].isalnum() or ":" not in text[:60]:
        return None
    head = text[:60]
    m = _STAMP_END.search(head)
    if m is None or m.start() < 8:
        return None
    dl = read_dateline(head[:m.end()].strip(), order)
    rest = text[m.end():].strip()
    if dl is None or dl.year is None or len(rest) < 20:
        return None
    return dl, rest


# --------------------------------------------------------------------------- items


def _leads_to_prose(units: list[_Unit], i: int, ignore: int | None = None) -> bool:
    """Is the title ``units[i]`` followed by prose (after date lines, furniture and, when it
    is the first title of its run, one subtitle)? When dates stand above the titles (the
    title has one right above it, other than ``units[ignore]``), a date line after the title
    is the next item's."""
    k = i - 1
    while k >= max(0, i - MAX_LOOK) and (units[k].role in (HEAD, NAV) or units[k].header):
        k -= 1
    subtitles = 0 if k < 0 or units[k].role != TITLE else 1
    dated_above = k >= 0 and units[k].role == DATE and k != ignore
    j = i + 1
    while j < min(len(units), i + MAX_LOOK):
        r = units[j].role
        if r == DATE and dated_above:
            return False  # dates stand above the titles here: this one is the next item's
        if r in (HEAD, DATE):
            j += 1
            continue
        if r == TITLE and subtitles == 0:
            if j == len(units) - 1 and units[j].words >= MIN_CUT_TEXT_WORDS:
                return True  # the excerpt's last line, cut off: the title's text
            subtitles = 1
            j += 1
            continue
        return r == TEXT and not units[j].teaser
    return False


def _dated_next(units: list[_Unit], i: int) -> bool:
    """Is the next unit after ``i`` that is not furniture a date line, or a paragraph with
    a date glued to its first words?"""
    j = i + 1
    while j < min(len(units), i + MAX_LOOK) and units[j].role in (HEAD, NAV):
        j += 1
    return j < len(units) and (units[j].role == DATE or _glued(units[j].p))


def _date_rhythms(units: list[_Unit]) -> list[int]:
    """For each date line, how many times the rhythm *date, text* repeats from it on (a
    dated list: date, text, date, text...); 0 for other paragraphs. One backward pass: a
    date line that begins such a rhythm of two or more stands above its item, not after the
    text before it."""
    n = len(units)
    nxt = [n] * (n + 1)  # the next unit at or after i that is not furniture
    for i in range(n - 1, -1, -1):
        nxt[i] = nxt[i + 1] if units[i].role == HEAD else i
    run_end = [n] * (n + 1)  # the last unit of the run of prose starting at i
    for i in range(n - 1, -1, -1):
        if units[i].role == TEXT:
            run_end[i] = run_end[i + 1] if i + 1 < n and units[i + 1].role == TEXT else i
    rounds = [0] * n
    for i in range(n - 1, -1, -1):
        if units[i].role != DATE:
            continue
        t = nxt[i + 1]
        if t >= n or units[t].role != TEXT or units[t].teaser:
            continue  # no text after this date line
        d = nxt[run_end[t] + 1]
        rounds[i] = 1 + (rounds[d] if d < n and units[d].role == DATE else 0)
    return rounds


def _neighbour(units: list[_Unit], i: int, step: int) -> _Unit | None:
    """The next unit before (step -1) or after (+1) ``i`` that is not a date line, stopping
    at furniture."""
    j = i + step
    while 0 <= j < len(units) and abs(j - i) <= MAX_LOOK:
        if units[j].role in (HEAD, NAV):
            return None
        if units[j].role != DATE:
            return units[j]
        j += step
    return None


def _is_headline(units: list[_Unit], i: int) -> bool:
    for step in (-1, 1):
        n = _neighbour(units, i, step)
        if n is not None and n.role == TITLE and not n.leads:
            return True
    j = i + 1
    while j < min(len(units), i + MAX_LOOK) and units[j].role == HEAD:
        j += 1
    return j < len(units) and units[j].role == DATE


def _lead_groups(units: list[_Unit], rhythm: list[int]) -> dict[int, int]:
    """Undated prose before the page's first article or date: unit index -> snippet number.

    Before an article or a list of dated entries, or when most of its paragraphs open with
    a date, it is a sidebar:
    when its first paragraph opens with a picture's file name, each snippet opens with one;
    when two sizes of blank gap between its paragraphs alternate and the wider one recurs,
    the wider gap separates snippets (the narrower one, paragraphs of a snippet); else each
    paragraph is a snippet (a salutation line goes with what follows it). With no article
    after it, it is the page's own text: one item."""
    idx = []
    for i, u in enumerate(units):
        if u.role in (HEAD, NAV):
            continue
        if u.role != TEXT or u.teaser or u.p.dateline:
            break
        idx.append(i)
    if not idx:
        return {}
    last = idx[-1]
    article_after = any(u.role == TITLE and u.leads for u in units[last + 1:])
    # ... or a list of dated entries right after it (with no heading between)
    listing_after = last + 1 < len(units) and rhythm[last + 1] >= 2
    if not (article_after or listing_after or _date_led(units, idx)):
        return dict.fromkeys(idx, 0)
    if _image_led(units[idx[0]].p):
        # snippets that open with their picture: a paragraph without one goes on with the
        # snippet above it (a snippet shown in full runs over several paragraphs)
        out, group = {}, -1
        for i in idx:
            if group < 0 or _image_led(units[i].p):
                group += 1
            out[i] = group
        return out
    gaps = [units[i].gap for i in idx[1:]]
    wide = max(gaps, default=0)
    if len(set(gaps)) >= 2 and gaps.count(wide) >= 2:
        breaks = [g == wide for g in gaps]
    else:
        breaks = [True] * len(gaps)
    out = {idx[0]: 0}
    group = 0
    for k, i in enumerate(idx[1:]):
        if breaks[k] and not units[idx[k]].salutation:
            group += 1
        out[i] = group
    return out


def _image_led(p: Paragraph) -> bool:
    """Does the paragraph open with an image file name glued to its first words?"""
    return any(r.kind == "image" and p.raw.lstrip().startswith(r.text) for r in p.removals)


def _date_led(units: list[_Unit], idx: list[int]) -> bool:
    """Do most of these paragraphs open with a date ("On 7 February, the ...")? Then they are
    a list of snippets, not one text."""
    if len(idx) < 2:
        return False
    heads = [units[i].p.text[:LEAD_DATE_REACH + 40] for i in idx]
    led = sum(1 for h in heads if _DIGIT_EARLY.search(h) and any(
        m.start <= LEAD_DATE_REACH for m in find_dates(h)))
    return led * 2 >= len(idx)


@dataclass(slots=True)
class _Open:
    """Bookkeeping of an item being built."""

    item: PageItem
    by_date: bool = False  # opened by a date line above it
    closed: bool = False  # a date after its text closed it
    article: bool = False  # opened by a title followed by prose
    dl: DateLine | None = None  # its date line
    # blank lines allowed between its paragraphs: those between its date line and its
    # first paragraph, for an entry of a dated list; None: any
    spacing: int | None = None
    group: int | None = None


def _dated(o: _Open) -> bool:
    """Does the item show a date of its own (a date line, a date glued to its first words
    or its repeated title's)?"""
    it = o.item
    return o.dl is not None or bool(it.title and it.title.dateline) or bool(
        it.body and _glued(it.body[0]))


def _same_day(a: DateLine | None, b: DateLine) -> bool:
    return a is not None and (a.month, a.day) == (b.month, b.day) and (
        a.year is None or b.year is None or a.year == b.year)


def _split_page(cp: CleanPage, order: str | None) -> tuple[list[PageItem], dict, str | None]:
    """The items of one page in order, the date line of each (by id) and the header date."""
    units, meta = _units(cp, order)
    first = next((k for k, u in enumerate(units) if u.role not in (HEAD, NAV)), None)
    for i, u in enumerate(units):  # a date standing first may be the header's: not above
        if u.role == TITLE:
            u.leads = bool(u.p.dateline) or _leads_to_prose(units, i, first)
    header = _header_date(units, meta)
    if header is not None:
        for i, u in enumerate(units):
            if u.role == TITLE:
                # a title repeated with a date is an article's, even if its text was cut
                u.leads = bool(u.p.dateline) or _leads_to_prose(units, i)
    page_line = next((u.dl for u in units if u.role == HEAD and u.dl is not None), None)
    if page_line is not None and page_line.year is not None:
        meta = page_line.value  # a byline on the stored page's first line
    rhythm = _date_rhythms(units)
    groups = _lead_groups(units, rhythm)
    path = cp.page.path
    items: list[PageItem] = []
    state: dict[int, _Open] = {}
    cur: _Open | None = None
    heads: list[Paragraph] = []  # furniture since the last unit

    def open_item(kind: str, **kw) -> _Open:
        it = PageItem(kind, path, len(items))
        items.append(it)
        o = _Open(it, **kw)
        state[id(it)] = o
        heads.clear()
        return o

    def first_content(o: _Open) -> None:
        """A date line standing above furniture (a breadcrumb, a section name) dates the
        item below it but is not its first line."""
        it = o.item
        if o.by_date and it.title is None and not it.body and heads:
            it.dateline = None
            heads.clear()

    def add_body(o: _Open, p: Paragraph) -> None:
        first_content(o)
        if heads:
            (o.item.body if o.item.body else o.item.extra).extend(heads)
            heads.clear()
        o.item.body.append(p)

    rest_has_item = [False] * (len(units) + 1)
    for i in range(len(units) - 1, -1, -1):
        rest_has_item[i] = rest_has_item[i + 1] or units[i].role in (TITLE, TEXT)
    for i, u in enumerate(units):
        role = u.role
        if role == NAV:
            if cur is not None and cur.item.body:
                cur.closed = True
            heads.clear()
            continue
        if role == HEAD or u.header:
            heads.append(u.p)
            continue
        if role == DATE:
            d = u.dl
            up = False
            if cur is not None and not cur.by_date:
                it = cur.item
                if it.title is not None and not it.body and (
                        cur.dl is None or _same_day(cur.dl, d)):
                    up = True  # right under the title
                elif cur.dl is None and not cur.closed and (it.body or it.title) and (
                        not heads or not rest_has_item[i + 1]) and rhythm[i] < 2:
                    up = True  # right after the text, or nothing follows
                    # ... which it closes, unless that text is one short paragraph (a
                    # title ending with a full stop, the date under it)
                    cur.closed = bool(it.title) or len(it.body) > 1 or len(
                        it.body[0].text) > MAX_TITLE_CHARS
                elif cur.dl is not None and _same_day(cur.dl, d) and not heads:
                    up = True  # the date repeated after the text
            elif cur is not None and cur.by_date and not cur.item.title and not cur.item.body:
                up = _same_day(cur.dl, d)  # a date line given twice
            if up:
                if cur.dl is None:
                    cur.dl = d
                    if cur.item.dateline is None and not cur.item.body:
                        cur.item.dateline = u.p
                    else:
                        cur.item.extra.append(u.p)
                else:
                    cur.item.extra.append(u.p)
                cur.item.extra.extend(heads)
                heads.clear()
                continue
            cur = open_item("brief", by_date=True, dl=d)
            if not u.part:
                cur.item.dateline = u.p
            continue
        if role == TITLE:
            if cur is not None and cur.by_date and cur.item.title is None and not cur.item.body:
                first_content(cur)
                cur.item.extra.extend(heads)
                heads.clear()
                cur.item.title = u.p
                cur.article = u.leads
                cur.spacing = None if u.leads else u.gap
                continue
            if (cur is not None and cur.article and cur.item.title is not None
                    and not cur.item.body and not cur.closed):
                add_body(cur, u.p)  # a subtitle
                continue
            # inside a dated article's text, an undated line followed by prose is a
            # subheading, not a new article's title; in a list of undated entries (title,
            # teaser, title, teaser...) it opens the next entry
            inner = (cur is not None and not cur.closed and bool(cur.item.body)
                     and cur.group is None and _dated(cur))
            if u.leads and (not inner or _dated_next(units, i)):
                cur = open_item("article", article=True)
                cur.item.title = u.p
                continue
            if not u.leads and _is_headline(units, i):
                cur = open_item("brief")
                cur.item.title = u.p
                continue
            if cur is None or cur.closed or not cur.item.body:
                heads.append(u.p)  # a lone line: furniture
                continue
            # else a line of the text without closing punctuation: read on as prose
        # prose
        if u.teaser:
            cur = open_item("brief")
            cur.item.body.append(u.p)
            cur.closed = True
            continue
        if _glued(u.p) and cur is not None and cur.item.title is not None and (
                not cur.item.body and cur.dl is None and not cur.closed):
            add_body(cur, u.p)  # a date glued to the first words dates the title's item
            continue
        if _glued(u.p):
            cur = open_item("brief", by_date=True)
            cur.item.body.append(u.p)
            continue
        g = groups.get(i)
        if g is not None:
            if cur is None or cur.group != g or cur.closed:
                cur = open_item("brief", group=g)
            add_body(cur, u.p)
            continue
        if cur is None or cur.closed:
            cur = open_item("brief")
            add_body(cur, u.p)
            continue
        it = cur.item
        if (cur.spacing is not None and it.body and u.gap > cur.spacing
                and not _SALUTATION.match(it.body[-1].text)):
            cur = open_item("brief")  # wider apart than the entry's date and first lines
            add_body(cur, u.p)
            continue
        if cur.by_date and not it.body and it.title is None:
            cur.spacing = u.gap
        add_body(cur, u.p)
    if not items:  # nothing but lone lines or furniture: the page is one item of them
        rest = [u.p for u in units if u.role in (TITLE, TEXT)] or [
            u.p for u in units if u.role in (HEAD, SHORT)]
        if rest:
            items.append(PageItem("brief", path, 0, body=rest))
            state[id(items[0])] = _Open(items[0])
    out = []
    for it in items:
        if it.title is not None and not it.body:
            it.body.append(it.title)  # a headline: its text is the headline
            it.title = None
        if not it.body:
            continue
        it.kind = "article" if it.title is not None else "brief"
        it.order = len(out)
        out.append(it)
    lines = {id(it): state[id(it)].dl for it in out}
    return out, lines, (header, meta)


def _header_date(units: list[_Unit], meta: str | None) -> DateLine | None:
    """The site's header date: a date with a weekday or a time standing first on the page,
    right above the page's article title (it is the day the page was saved). Marks it."""
    first = next((u for u in units if u.role not in (HEAD, NAV)), None)
    if first is None or first.role != DATE or first.dl.label:
        return None
    d = first.dl
    if not (d.weekday is not None or d.time) or (meta and d.value == meta):
        return None
    at = units.index(first)
    k = at + 1
    while k < len(units) and units[k].role in (HEAD, NAV):
        k += 1
    if k < len(units) and units[k].role == TITLE and units[k].leads and not _entry_date(
            units, at):
        first.header = True
        return d
    return None


_DIGITS = re.compile(r"\d+")
_LETTERS = re.compile(r"[^\W\d_]+")


def _date_shape(text: str) -> str:
    """A date line's form with its values blanked: "March 14, 2023 at 5:30 p.m." and "May 2,
    2024 at 11:02 a.m." have one shape, "Tuesday, 14 March 2023" another."""
    return _LETTERS.sub("a", _DIGITS.sub("0", text))


def _entry_date(units: list[_Unit], i: int) -> bool:
    """Does the date line ``i`` stand above the first entry of a list: a date line, a title,
    its text, then a date line of the same shape above the next title? (A site's header date
    stands above the page's one article; a list's dates each stand above their entry.)"""
    shape = _date_shape(units[i].p.text)
    k = i + 1
    while k < len(units) and units[k].role in (HEAD, NAV):
        k += 1
    if k >= len(units) or units[k].role != TITLE:
        return False
    k += 1
    seen_text = False
    while k < len(units) and k - i <= MAX_LOOK:
        u = units[k]
        if u.role == TEXT:
            seen_text = True
        elif u.role == DATE:
            if not seen_text or _date_shape(u.p.text) != shape:
                return False
            j = k + 1
            while j < len(units) and units[j].role in (HEAD, NAV):
                j += 1
            return j < len(units) and units[j].role == TITLE
        elif u.role != HEAD:
            return False
        k += 1
    return False


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


def _words_before(text: str, pos: int) -> str:
    words = text[max(0, pos - 20):pos].split()
    return words[-1].lower().strip(",.;:") if words else ""


def _title_suffix(text: str) -> DateLine | None:
    """A date (with its year, maybe a time) ending a title: "... to be held in Kazakhstan
    10 August 2014, 12:39"; not "... will meet on 23 November" (a date of the story)."""
    if not _SUFFIX_END.search(text, max(0, len(text) - 30)):
        return None
    found = find_dates(text[-60:])
    if not found:
        return None
    m = found[-1]
    off = len(text) - min(len(text), 60)
    tail = text[off + m.end:]
    if (m.value is None or m.precision != "day" or m.kind not in ("date", "datetime")
            or len(tail.strip(" ,.;:-\u2013|/")) > 0 and not _STAMP_TAIL.fullmatch(tail)):
        return None
    if _words_before(text, off + m.start) in _CUT_WORDS | {"since", "until", "till", "by"}:
        return None
    y, mo, d = (int(x) for x in m.value.split("-"))
    return DateLine(y, mo, d, text=m.text)


def _agency_date(text: str, order: str | None) -> DateLine | None:
    """The date of an agency dateline opening ``text`` ("MOSCOW, March 3. /TASS/. ...")."""
    if not _AGENCY_START.match(text):
        return None
    head = text[:120]
    found = [m for m in find_dates(head, "2000-12-31")
             if m.kind in ("date", "datetime") and m.precision == "day" and m.start <= 60]
    if not found:
        return None
    m = found[0]
    prefix = head[:m.start].replace("(", " ").replace("/", " ").strip(" ,.-\u2013")
    words = prefix.replace(",", " ").split()
    if not words or len(words) > 6 or not all(_PLACE_WORD.match(w) for w in words):
        return None
    caps = words[0].isupper() and len(words[0]) >= 3
    after = head[m.end:]
    if not caps and not _AGENCY_NAME.match(after):
        return None
    if caps and not _AGENCY_AFTER.match(after) and "(" not in head[:m.start]:
        return None
    return read_dateline(m.text, order)


def _stamp_tail_date(text: str, order: str | None) -> DateLine | None:
    """A timestamp (a date and a time, maybe a place) ending ``text``: a byline printed at
    the end of a caption or a teaser."""
    tail = text[-90:]
    if not _CLOCK_TAIL.search(tail):
        return None
    found = [m for m in find_dates(tail) if m.value and m.precision == "day"]
    if not found:
        return None
    m = found[-1]
    if not _STAMP_TAIL.fullmatch(tail[m.end:]) or not re.search(r"\d:\d\d", tail[m.end:]):
        return None
    return read_dateline(m.text, order)


def _line_date(text: str | None, order: str | None) -> DateLine | None:
    if not text:
        return None
    return read_dateline(text, order)


@dataclass(slots=True)
class _Dating:
    """What a page tells about the dates of its items."""

    order: str | None
    meta: str | None  # the stored page's date prefix
    header: DateLine | None  # the site's header date (the day the page was saved)
    main: PageItem | None  # the page's own article (the longest item)


def _shown_date(it: PageItem, dl: DateLine | None, ctx: _Dating) -> DateLine | None:
    """The date the page shows for the item (its year may be missing)."""
    if dl is not None:
        return dl
    t = it.title
    got = _line_date(t.dateline if t else None, ctx.order)
    first = it.body[0] if it.body else None
    if got is None and first is not None and first.dateline and not _meta_line(first):
        got = _line_date(first.dateline, ctx.order)  # glued to it, or its repeat's
    if got is None and t is not None:
        got = _title_suffix(t.text)
    elif got is None and first is not None and len(it.body) == 1 and _is_titleish(first.text):
        got = _title_suffix(first.text)  # a headline in a list, its date after it
    for p in it.body[:2]:
        if got is not None:
            break
        got = _agency_date(p.text, ctx.order) or _stamp_tail_date(p.text, ctx.order)
    return got


def _closest_year(dl: DateLine, ref: _date) -> str | None:
    """``dl`` in the year that puts it nearest to ``ref`` (within half a year)."""
    best = None
    for y in (ref.year - 1, ref.year, ref.year + 1):
        v = dl.with_year(y)
        if v is None:
            continue
        dist = abs((_date.fromisoformat(v) - ref).days)
        if dist <= 190 and (best is None or dist < best[0]):
            best = (dist, v)
    return best[1] if best else None


def _full(it: PageItem, written: set[int]) -> _date | None:
    """The item's date if it is a day whose year is written on the page."""
    if it.date and it.precision == "day" and (not it.inferred or id(it) in written):
        return _date.fromisoformat(it.date)
    return None


def _year_of(dl: DateLine, it: PageItem, items: list[PageItem], ctx: _Dating,
             text: str, written: set[int], end: DateLine | None = None) -> str | None:
    """A year-less date in the year the page's own chronology gives it: the stored page's
    date (for the main item), the dated neighbours of a newest-first listing, the header
    date (no item is newer), a fully dated mention in the item's text."""
    if ctx.meta and it is ctx.main:
        got = _closest_year(dl, _date.fromisoformat(ctx.meta))
        if got:
            return got
    k = items.index(it)
    below = next((x for x in items[k + 1:] if _full(x, written)), None)
    above = next((x for x in reversed(items[:k]) if _full(x, written)), None)
    if below is not None or above is not None:
        ref = _full(below if below is not None else above, written)
        y = ref.year
        v = dl.with_year(y)
        last = (end or dl).with_year(y)  # a range counts by its end
        if below is not None and last is not None and last < below.date:
            y += 1  # newest first: not older than the item below
        elif below is None and v is not None and v > above.date:
            y -= 1  # not newer than the item above
        got = dl.with_year(y)
        if got:
            return got
    if ctx.header is not None and ctx.header.year is not None:
        h = ctx.header
        y = h.year if (dl.month, dl.day) <= (h.month, h.day) else h.year - 1
        got = dl.with_year(y)
        if got:
            return got
    for m in find_dates(text[:3000]):
        if m.value and not m.inferred and m.precision in ("day", "month") and m.kind != "relative":
            ref = _date.fromisoformat(m.value if m.precision == "day" else m.value + "-15")
            got = _closest_year(dl, ref)
            if got:
                return got
    return None


def _item_text(it: PageItem) -> str:
    """Everything the item shows (captions and bylines too), for its dated mentions."""
    return "\n".join(p.text for p in it.paragraphs)


def _lead_date(it: PageItem) -> tuple[str, str] | tuple[DateLine, DateLine | None] | None:
    """A date opening the item's text ("On 25 July 2024, ...", "From 3 to 6 September"):
    ``(value, precision)``, or a year-less :class:`DateLine` and the end of its range."""
    if not it.body or it.title is None and len(it.body) == 1 and _is_titleish(it.body[0].text):
        return None  # a headline: its dates are the story's
    head = it.body[0].text[:LEAD_DATE_REACH + 60]
    if not _DIGIT_EARLY.search(head):
        return None
    return _opening_date(head)


@lru_cache(maxsize=8192)
def _opening_date(head: str) -> tuple[str, str] | tuple[DateLine, DateLine | None] | None:
    """:func:`_lead_date` of a text's first characters (a sidebar snippet opens many pages:
    it is read once)."""
    for m in find_dates(head, "2000-12-31"):
        if m.start > LEAD_DATE_REACH:
            break
        if m.kind not in ("date", "datetime", "range") or m.precision != "day" or not m.value:
            continue
        y, mo, d = (int(x) for x in m.value.split("-"))
        if not m.inferred:
            return m.value, "day"
        got = DateLine(None, mo, d, text=m.text)
        if m.end_value and len(m.end_value) == 10:
            _ey, emo, ed = (int(x) for x in m.end_value.split("-"))
            return got, DateLine(None, emo, ed)
        return got, None
    return None


def _date_items(items: list[PageItem], lines: Mapping[int, DateLine | None], ctx: _Dating,
                guard: Callable[[PageItem, str, Callable[[], None]], None]) -> None:
    """Publication date of each item of one page (see the module's docstring)."""
    shown: dict[int, DateLine] = {}

    def first_pass(it: PageItem) -> None:
        dl = _shown_date(it, lines.get(id(it)), ctx)
        if dl is not None and dl.year is not None:
            it.date, it.precision, it.inferred = dl.value, "day", False
        elif dl is not None:
            shown[id(it)] = dl
        elif ctx.meta and it is ctx.main:
            it.date, it.precision, it.inferred = ctx.meta, "day", False

    for it in items:
        guard(it, "dates", lambda it=it: first_pass(it))
    leads: dict[int, tuple[DateLine, DateLine | None]] = {}
    written: set[int] = set()  # items dated from their text, with the year written

    def lead_pass(it: PageItem) -> None:
        got = _lead_date(it)
        if got is not None and isinstance(got[0], str):
            it.date, it.precision, it.inferred = got[0], got[1], True
            written.add(id(it))
        elif got is not None:
            leads[id(it)] = got

    for it in items:
        if it.date is None and id(it) not in shown:
            guard(it, "dates", lambda it=it: lead_pass(it))
    # year-less dates, bottom-up: each item leans on the (resolved) item below it
    for it in reversed(items):
        dl, end = shown.get(id(it)), None
        if dl is None and id(it) in leads:
            dl, end = leads[id(it)]
        if dl is None:
            continue

        def resolve(it: PageItem = it, dl: DateLine = dl, end: DateLine | None = end) -> None:
            value = _year_of(dl, it, items, ctx, _item_text(it), written, end)
            if value:
                it.date, it.precision, it.inferred = value, "day", True

        guard(it, "dates", resolve)


def _whole_page(cp: CleanPage) -> list[PageItem]:
    """Every kept paragraph of the page as one undated item (when splitting failed)."""
    kept = [p for p in cp.paragraphs if p.status == "kept"]
    return [PageItem("brief", cp.page.path, 0, body=kept)] if kept else []


def segment_page(cp: CleanPage, on_error: ErrorHandler | None = None) -> list[PageItem]:
    """The items of one page, in order, with their publication dates resolved.

    ``on_error(line, what, exception)``, when given, is called when splitting the page
    (``what="items"``) or dating an item (``"dates"``) fails: the page is then kept as one
    undated item, or the item without its date, instead of raising.
    """
    def guard(it: PageItem, what: str, fn: Callable[[], None]) -> None:
        if on_error is None:
            fn()
            return
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - reported, the item is kept without it
            it.date, it.precision, it.inferred = None, None, False
            on_error(it.body[0].line_start if it.body else 0, what, e)

    try:
        order = numeric_order([p.text for p in cp.paragraphs if p.status == "kept"])
        items, lines, (header, meta) = _split_page(cp, order)
    except Exception as e:
        if on_error is None:
            raise
        kept = [p for p in cp.paragraphs if p.status == "kept"]
        on_error(kept[0].line_start if kept else 1, "items", e)
        items, lines, header, meta, order = _whole_page(cp), {}, None, None, None
    main = max(items, key=lambda it: (len(it.text), -it.order), default=None)
    ctx = _Dating(order, meta, header, main)
    _date_items(items, lines, ctx, guard)
    for it in items:
        if it.date is not None:
            it.date_source = "text"
    if cp.page.meta is not None:
        items = apply_page_meta(items, cp.page.meta)
    for it in items:
        it.freeze()
    return items


# ------------------------------------------------------------------ stored items

ITEMS_FORMAT = 1  # the layout items_json writes (a store keeps it with the page)


class _NotStorable(Exception):
    """A stored item names a paragraph that is not (a part of) one of its page's."""


def items_json(cp: CleanPage, items: Sequence[PageItem]) -> str | None:
    """The items :func:`segment_page` made of ``cp``, as compact JSON a store can keep with
    the page (see :func:`items_from_json`): each paragraph is named by its index on the
    page, with its text when the item holds only part of the line. None when an item holds
    a paragraph that is not one of the page's (the page is then split again next time)."""
    import json

    paras = cp.paragraphs

    def ref(p: Paragraph | None):
        if p is None:
            return None
        i = p.index
        if not 0 <= i < len(paras):
            raise _NotStorable
        q = paras[i]
        if p is q or p == q:
            return i
        if replace(q, text=p.text) == p:
            return [i, p.text]
        raise _NotStorable

    path = cp.page.path
    out = []
    try:
        for it in items:
            if it.path != path:
                return None
            out.append([it.kind, it.order, ref(it.title), ref(it.dateline),
                        [ref(p) for p in it.body], it.date, it.precision, it.inferred,
                        it.date_source, it.url, it.page_title, it.trim_repeats,
                        [ref(p) for p in it.extra]])
    except _NotStorable:
        return None
    return json.dumps([ITEMS_FORMAT, out], ensure_ascii=False, separators=(",", ":"))


def items_from_json(cp: CleanPage, data: str) -> list[PageItem] | None:
    """The items :func:`items_json` wrote for ``cp`` (the same page, as the store gives it
    back): equal to what :func:`segment_page` would make of it. None when ``data`` does not
    fit the page (another layout, an index beyond its paragraphs)."""
    import json

    paras = cp.paragraphs
    n = len(paras)

    def para(r) -> Paragraph | None:
        if r is None:
            return None
        if type(r) is int:
            if not 0 <= r < n:
                raise _NotStorable
            return paras[r]
        i, text = r
        if type(i) is not int or not 0 <= i < n or type(text) is not str:
            raise _NotStorable
        return replace(paras[i], text=text)

    try:
        fmt, rows = json.loads(data)
        if fmt != ITEMS_FORMAT or type(rows) is not list:
            return None
        path = cp.page.path
        items = []
        for (kind, order, title, dateline, body, date, precision, inferred, source, url,
             page_title, trim, extra) in rows:
            if type(kind) is not str or type(order) is not int or type(body) is not list \
                    or type(extra) is not list:
                return None
            # a whole line (an index in range) is the common reference: taken without a call
            it = PageItem(kind, path, order, para(title), para(dateline),
                          [paras[r] if type(r) is int and -1 < r < n else para(r)
                           for r in body], date, precision, inferred, source, url,
                          page_title, trim, extra=[para(r) for r in extra])
            it.freeze()
            items.append(it)
    except (_NotStorable, ValueError, TypeError):
        return None
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
    """The item's text paragraphs (title and body) as dedupe cluster ids."""
    ps = [it.title, *it.body] if it.title is not None else it.body
    return {cluster_of.get(p.id, p.id) for p in ps if p.kind == "text"}


def _dates_agree(a: PageItem, b: PageItem) -> bool:
    """Two copies of an item cannot show two different publication dates."""
    return a.date is None or b.date is None or a.inferred or b.inferred or a.date == b.date


def merge_items(
    items: Sequence[PageItem], cluster_of: Mapping[str, str] | None = None,
    order: Mapping[str, int] | None = None, urls: Mapping[str, str | None] | None = None,
) -> list[tuple[Article, PageItem, list[PageItem]]]:
    """Merge the copies of each item across pages, through the dedupe clusters.

    Items are taken most complete first (articles, then longest, then corpus order); each one
    joins the group of the first *leader* it overlaps (at least half of the paragraphs of the
    smaller of the two are copies of each other), else leads a group of its own. Comparing
    with leaders only means a short item (a sidebar snippet that is also an article's lead)
    never chains two different articles together. Returns each merged item with the copy
    whose text it keeps and all its copies. Date mentions are not searched here (the
    pipeline does it in its process pool; :func:`build_articles` does it in this process).
    ``order`` gives each page's place in the corpus order (default: path order) and
    ``urls`` each page's URL (for the sources). Item ids are content ids
    (:func:`corpus_cli.ids.resolve_item_ids`).
    """
    from corpus_cli.ids import resolve_item_ids

    cluster_of = cluster_of or {}
    pos = [_pos_key(it, order) for it in items]
    ranked = sorted(range(len(items)), key=lambda i: (
        items[i].kind != "article", -items[i].size, pos[i]))
    keys = [_keys(it, cluster_of) for it in items]
    # key -> page path -> leaders on that page with that key, in rank order. Items of one
    # page never merge, and the scan is bounded per key, so many same-page items sharing a
    # cluster (a template line repeated down a page) cost a bounded scan each.
    leader_index: dict[str, dict[str, list[int]]] = {}
    groups: dict[int, list[int]] = {}
    group_pages: dict[int, set[str]] = {}  # a group holds one copy per page
    rank = [0] * len(items)
    for r, i in enumerate(ranked):
        rank[i] = r
    for i in ranked:
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
                    if (len(ks & keys[j]) * 2 >= min(len(ks), len(keys[j]))
                            and _dates_agree(items[i], items[j])
                            and path not in group_pages[j]):
                        found, best_rank = j, rank[j]
                        break
        if found is None:
            groups[i] = [i]
            group_pages[i] = {path}
            for k in ks:
                leader_index.setdefault(k, {}).setdefault(path, []).append(i)
        else:
            groups[found].append(i)
            group_pages[found].add(path)
    del keys, leader_index, group_pages, rank, ranked  # (the run's peak of memory is near)

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
            Source(c.path, c.paragraphs[0].line_start, c.paragraphs[-1].line_end,
                   c.url or (urls.get(c.path) if urls else None))
            for c in copies
        )
        article = Article(
            id="",
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
    out.sort(key=lambda ab: _pos_key(ab[2][0], order))
    with_ids = resolve_item_ids([a for a, _, _ in out], [best.opening for _, best, _ in out])
    return [(a, best, copies) for a, (_, best, copies) in zip(with_ids, out, strict=True)]


def build_articles(
    pages: Sequence[CleanPage], cluster_of: Mapping[str, str] | None = None,
    order: Mapping[str, int] | None = None,
) -> list[Article]:
    """Segment every page, merge the copies of each item across pages, and find the date
    mentions of each item (relative to its publication date)."""
    from corpus_cli.dates import find_dates

    items = [it for cp in pages for it in segment_page(cp)]
    urls = {cp.page.path: cp.url for cp in pages}
    return [replace(a, dates=tuple(find_dates(a.text, a.date)))
            for a, _, _ in merge_items(items, cluster_of, order, urls)]


def _pos_key(it: PageItem, order: Mapping[str, int] | None = None) -> tuple:
    line = it.paragraphs[0].line_start if it.paragraphs else 0
    if order is None:
        return (it.path, line)
    return (order[it.path], line)
