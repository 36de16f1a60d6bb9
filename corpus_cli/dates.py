"""Find date expressions in English (and some Russian) news text.

Pure functions over strings, built on :mod:`re` and :mod:`datetime` only:

* :func:`find_dates` -- every date expression of a text, with character spans, as
  :class:`~corpus_cli.models.DateMention` records;
* :func:`parse_date` -- a string that is *only* a date (a dateline) -> ``(value, precision)``;
* :func:`leading_date` -- a numeric date glued to the start of a text ("09.06.2018On June 9").

Scraped text is untrusted, so every pattern is linear: bounded repeats, no nested unbounded
quantifiers, and context checks look at a bounded window around a candidate. All patterns are
compiled once at import. See ``docs/dates.md`` for what is and is not recognised.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from corpus_cli.models import DateMention
from corpus_cli.wordlists import table

__all__ = ["find_dates", "leading_date", "parse_date"]

# --------------------------------------------------------------------------- vocabulary

# Month names and abbreviations, English and Russian (genitive "5 сентября", nominative
# "сентябрь 2024", prepositional "в мае"): corpus_cli/data/months.tsv, shared with the
# entity rules.
_MONTH_NAMES: dict[str, int] = {k: int(v) for k, v in table("months.tsv").items()}
# The English abbreviations: every ASCII name but the longest of its month ("sept", "sep").
_ENGLISH_FULL = {
    max((n for n, i in _MONTH_NAMES.items() if i == m and n.isascii()), key=len)
    for m in range(1, 13)
}
_ABBR_MONTHS = [n for n in _MONTH_NAMES if n.isascii() and n not in _ENGLISH_FULL]
_FULL_MONTHS = [n for n in _MONTH_NAMES if n not in _ABBR_MONTHS]
_FULL_MONTHS.sort(key=len, reverse=True)
# Month-first forms written in lower case are too often verbs ("states may 5...", "march").
_LOWER_VERBS = frozenset({"may", "march", "mar", "mar."})

_LETTER_BEFORE = r"(?<![^\W\d_])"  # not preceded by a letter
_LETTER_AFTER = r"(?![^\W\d_])"  # not followed by a letter
_SP = r"[^\S\n]{1,3}"  # 1-3 blanks, never a newline
_SP0 = r"[^\S\n]{0,3}"
_COMMA_SP = rf"(?:,{_SP0}|{_SP})"


def _trie(words: list[str]) -> str:
    """A regex alternation of ``words`` as a prefix tree: one branch per first letter, so a
    non-matching position costs a handful of comparisons, not one per word."""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?"
        return body

    return emit(tree)


_FIRST = "".join(sorted({w[0] for w in _MONTH_NAMES}))
_MON_ANY = (rf"(?=[{_FIRST}])(?:{_trie(_FULL_MONTHS)}{_LETTER_AFTER}"
            rf"|{_trie(_ABBR_MONTHS)}{_LETTER_AFTER}\.?)")
# A month name or abbreviation of data/months.tsv, as regex source (compile IGNORECASE).
MONTH_PATTERN = _MON_ANY
# Month-first forms: lower-case "may"/"march"/"mar" before a number are verbs, not months.
_MON_CAP = (rf"(?=[{_FIRST}])(?:(?-i:May|MAY|March|MARCH){_LETTER_AFTER}"
            rf"|(?-i:Mar|MAR){_LETTER_AFTER}\.?"
            rf"|{_trie([w for w in _FULL_MONTHS if w not in _LOWER_VERBS])}{_LETTER_AFTER}"
            rf"|{_trie([w for w in _ABBR_MONTHS if w not in _LOWER_VERBS])}{_LETTER_AFTER}\.?"
            # ... unless a year follows: "in march 2024"
            rf"|(?:march|may|mar){_LETTER_AFTER}(?=,?[^\S\n]{{1,3}}(?:1[89]|20)\d\d(?!\d)))")


def _mon(g: str, cap: bool = False) -> str:
    return rf"{_LETTER_BEFORE}(?P<{g}>{_MON_CAP if cap else _MON_ANY})"


def _day(g: str) -> str:
    return rf"(?P<{g}>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![^\W_])"


def _year(g: str) -> str:  # a year written next to a month name
    return rf"(?P<{g}>1[89]\d\d|20\d\d|2100)(?!\d|[/.,:]\d)"


_REL_WORDS = r"this|last|next|current|previous|coming|the{sp}current|the{sp}previous|the{sp}coming"
_REL_WORDS = _REL_WORDS.replace("{sp}", _SP)


def _year_part(y: str, rel: str) -> str:
    """An optional year after a month: ", 2024", " 2024 г.", " this year", " of last year"."""
    return (rf"(?:{_COMMA_SP}(?:of{_SP})?{_year(y)}(?:{_SP0}(?:г\.|года|году)(?!\w))?"
            rf"|{_SP}(?:of{_SP})?(?P<{rel}>{_REL_WORDS}){_SP}year\b)?")


_WEEKDAYS = _trie(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                   "sunday", "tues", "thurs", "thur", "mon", "tue", "wed", "thu", "fri", "sat",
                   "sun"])
_WD_PREFIX = rf"(?:(?=[mtwfs]){_LETTER_BEFORE}(?P<wd>{_WEEKDAYS}){_LETTER_AFTER}\.?{_COMMA_SP})?"
_AMPM = rf"[ap]\.?m\.?{_LETTER_AFTER}"
_TZ = rf"(?:{_SP0}\(?(?:GMT|UTC|MSK|CET|CEST|EET|EEST|BST|EST|EDT|PST|PDT)" \
      rf"(?:{_SP0}[+\-\u2212]{_SP0}\d{{1,2}}(?::?\d\d)?)?\)?)?"
_TIME = (rf"(?:(?:[01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d)?(?![.,]?\d|%)(?:{_SP0}{_AMPM})?"
         rf"|(?:1[0-2]|0?[1-9]){_SP0}{_AMPM}){_TZ}")
_TIME_PART = rf"(?:{_COMMA_SP}(?:at{_SP})?(?P<time>{_TIME}))?"
# "from"/"between" opening a range; "and" joins the two ends of a range only after "between"
# ("between 5 May and 6 June"; "5 May and 6 June" are two dates).
_FROM = rf"(?:{_LETTER_BEFORE}(?:(?P<btw>between)|(?P<fr>from)){_SP})?"
_DASH_OR_TO = rf"{_SP0}[-\u2013\u2014]{_SP0}|{_SP}(?:to|till|until|through|thru){_SP}"
_RSEP = rf"(?:{_DASH_OR_TO}|(?(btw){_SP}(?:and|&){_SP}|(?!)))"
_RSEP_AND = rf"(?:{_DASH_OR_TO}|{_SP}(?:and|&){_SP})"  # "On 10 and 11 December"
_OF = rf"(?:{_SP}of)?"


def _c(pattern: str, first: str, before: str) -> re.Pattern[str]:
    """Compile a date pattern. Every match starts with one character of class ``before``
    (the character before the date: the text is scanned with a space prepended) and the
    date itself is group ``m``, which starts with a character of class ``first``. Starting
    with a plain character class lets the regex engine skip, at C speed, the (many)
    positions where no date can start."""
    return re.compile(f"{before}(?P<m>(?=[{first}]){pattern})", re.IGNORECASE)


_B_NUM = r"[^\w./\-\u2013]"  # before a numeric date
_B_DAY = r"[^\w.,/:\-\u2013]"  # before a day number (or a weekday, "from", "between")
_B_WORD = r"\W"  # before a month name or a word

# -- numeric dates
_NUM_TAIL = r"(?!\d|[./\-]\d)"
_P_ISO = _c(
    rf"{_WD_PREFIX}(?P<y>19\d\d|20\d\d|2100)(?P<sep>[-/.])(?P<mo>1[0-2]|0?[1-9])"
    rf"(?P=sep)(?P<d>3[01]|[12]\d|0?[1-9])"
    rf"(?:T(?P<isotime>(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{{1,9}})?)?"
    rf"(?:Z|[+-]\d\d:?\d\d)?)(?![\w:])|{_NUM_TAIL}{_TIME_PART})",
    r"\dmtwfs", _B_NUM,
)
_P_DMY_NUM = _c(
    rf"{_WD_PREFIX}(?P<a>\d{{1,2}})(?P<sep>[./\-])(?P<b>\d{{1,2}})(?P=sep)"
    rf"(?P<y>19\d\d|20\d\d|2100){_NUM_TAIL}{_TIME_PART}",
    r"\dmtwfs", _B_NUM,
)
# A numeric dateline glued to what follows at the start of a line ("15.05.202415 May").
_P_GLUED = re.compile(
    r"(?m)^[^\S\n]{0,20}(?P<g>(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)"
    r"(?P<y>19\d\d|20\d\d|2100)|(?P<iy>19\d\d|20\d\d|2100)-(?P<imo>\d\d)-(?P<id>\d\d))"
    r"(?=[^\W_])(?!T\d\d:)"
)
_P_YEAR_RANGE = _c(
    rf"{_FROM}(?P<y1>19\d\d|20\d\d)(?P<sep>{_RSEP}|/)"
    r"(?P<y2>19\d\d|20\d\d|2100|\d\d)(?![\w/]|[.,:\-\u2013]\d)",
    r"\dfb", _B_NUM,
)
# -- dates with a month name, day first: "5 May 2024", "17-18 April", "3 May to 6 June"
_P_DAY_FIRST = _c(
    rf"{_FROM}{_WD_PREFIX}{_day('d1')}"
    rf"(?:{_OF}{_SP}{_mon('mo1')}{_year_part('y1', 'rel1')}"
    rf"(?:{_RSEP}{_day('d2')}{_OF}{_SP}{_mon('mo2')}{_year_part('y2', 'rel2')}|{_TIME_PART})"
    rf"|(?:,{_SP0}(?:3[01]|[12]\d|0?[1-9])(?![^\W_])){{0,5}}{_RSEP_AND}{_day('d3')}{_OF}{_SP}"
    rf"{_mon('mo3')}{_year_part('y3', 'rel3')})",
    r"\dmtwfsb", _B_DAY,
)
# -- month first: "May 5, 2024", "June 3-5", "June 30 to July 2", "May-June 2024", "May 2018"
_P_MONTH_FIRST = _c(
    rf"{_FROM}{_WD_PREFIX}{_mon('mo1', True)}"
    rf"(?:{_SP}(?:the{_SP})?{_day('d1')}"
    rf"(?:(?:{_COMMA_SP}{_year('y1')})?{_RSEP}{_mon('mo2')}{_SP}{_day('d2')}"
    rf"{_year_part('y2', 'rel2')}"
    rf"|{_RSEP}{_day('d3')}{_year_part('y3', 'rel3')}"
    rf"|{_year_part('y', 'rel')}{_TIME_PART})"
    rf"|(?:{_COMMA_SP}{_year('y4')})?(?:{_RSEP}|{_SP0}/{_SP0}){_mon('mo5')}"
    rf"{_year_part('y5', 'rel5')}"
    rf"|{_COMMA_SP}(?:of{_SP})?{_year('y6')}"
    rf"|{_SP}(?:of{_SP})?(?P<rel6>{_REL_WORDS}){_SP}year\b)",
    _FIRST + "mtwfsb", _B_WORD,
)
# -- relative expressions
_P_REL = _c(
    rf"(?:(?P<w>today|yesterday|tomorrow"
    rf"|the{_SP}day{_SP}before{_SP}yesterday|the{_SP}day{_SP}after{_SP}tomorrow)"
    rf"|(?P<q>{_REL_WORDS}){_SP}(?P<u>year|month))(?!['\u2019]?[^\W_])",
    "tylncp", _B_WORD,
)
# -- bare years (filtered by context, see _year_ok)
# The cheap part of _left_ok/_right_ok is done here, so that a run of numbers costs little.
_P_YEAR = re.compile(
    r"[^\w/\\.:,;$€£₽¥#№@+=&%*^~|](?<!\d[^\S\n])(?<!\d[-\u2013\u2014])"
    r"(?P<m>(?P<y>19\d\d|20\d\d))(?![\w/@%\u00b0]|[.,:]\d|[-\u2013][^\W_])"
)

# --------------------------------------------------------------------------- non-dates

_EXTS = (r"(?i:jpe?g|png|gif|webp|bmp|tiff?|svg|heic|pdf|docx?|xlsx?|pptx?|rtf|odt|ods|zip|rar"
         r"|7z|mp[34]|mov|avi|wav|txt|csv)")
# "@" or "/", "www." after a blank, or "." and a file extension. Written to start with one
# plain character class, so that the regex engine skips at C speed to the next [@/.w].
_BLOCK_TRIGGER = re.compile(rf"[@/.w](?:(?<=[@/])|(?<=\.){_EXTS}(?![a-z0-9])|(?<=w)(?<!\Sw)ww\.)")
_FILE_EXT = re.compile(rf"\.{_EXTS}(?![a-z0-9])")
_TOKEN_REST = re.compile(r"\S{0,2048}")
# Tokens in front of a file name that belong to it ("WhatsApp Image 2022-02-16 at 14.07.35.jpeg").
_FILE_PREFIX = re.compile(r"(?:(?<!\S)(?:\d[\d.:_\-]{0,20}|at|\(\d{1,3}\))[^\S\n]{1,2}){1,4}\Z")
_DOMAIN_PATH = re.compile(r"[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,6}/")

# Words after which a 4-digit number is a number, not a year ("resolution 2354", "No. 1988").
_NUMBERING_WORDS = frozenset("""
resolution resolutions res no nos number numbers nr num nums committee committees item items
paragraph paragraphs para paras article articles art arts page pages p pp section sections
chapter chapters annex annexes point points clause clauses decree decrees order orders flight
flights room rooms model models version versions ver v code codes tel phone fax ext vol volume
issue protocol protocols law laws standard standards iso gost regulation regulations case doc
docs file files usd eur rub us$ about around some over nearly almost approximately approx
roughly totalling totaling unit units box building house apartment apt office route bus
""".split())
_NUMBERING_PAIRS = frozenset({"more than", "less than", "fewer than", "at least", "total of",
                              "as many", "as much"})
_NUMBERING_CHARS = frozenset("#№$€£₽¥+")
# Words after which a 4-digit number is surely a year, whatever follows it.
_STRONG_WORDS = frozenset("""
in since until till during before after throughout year early late mid spring summer autumn
fall winter
""".split())
_LIST_WORDS = frozenset({"and", "or", "&"})
_HYPHEN_OK = re.compile(r"\b(?:mid|pre|post|early|late|end|start)[-\u2013]\Z", re.IGNORECASE)
_UNIT_AFTER = re.compile(
    r"[^\S\n]{0,2}(?:%|(?:percent|per[ -]?cent|km|kms|kilomet\w{0,4}|met(?:er|re)s?|m|m2|m3|sq"
    r"|square|kg|kilograms?|tons?|tonnes?|t|miles?|ha|hectares?|dollars?|euros?|rubles?"
    r"|roubles?|tenge|soms?|yuan|usd|eur|rub|million|billion|thousand|mln|bln|bn|hours?|hrs?"
    r"|minutes?|mins?|seconds?|secs?|times|rpm|mhz|ghz|mb|gb|kw|mw|hp|units?|pcs|pieces?)\b)",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(
    r"[^\S\n]{1,2}(?:people|persons|participants|troops|soldiers|servicemen|military|personnel"
    r"|officers|employees|staff|members|delegates|students|children|residents|citizens"
    r"|refugees|migrants|cases|vehicles|tanks|aircraft|items|copies|rescuers|specialists"
    r"|experts|guests|journalists|attendees|visitors|cadets|police|workers|volunteers|families"
    r"|houses|homes|buildings|schools|servicemembers|men|women)\b",
    re.IGNORECASE,
)
_ON_NAME_AFTER = re.compile(
    r"[^\S\n]{1,2}on[^\S\n]{1,2}(?:the[^\S\n]{1,2})?[A-Z\u0410-\u042f\u201c\"\u00ab'\u2018]"
)
_LOOK = 48  # context window, in characters, for the checks around a bare year


class _Ref(NamedTuple):
    year: int
    month: int | None
    day: int | None


class _Cand(NamedTuple):
    start: int
    end: int
    prio: int
    value: str | None
    end_value: str | None
    precision: str
    inferred: bool
    kind: str


# --------------------------------------------------------------------------- helpers


def _parse_reference(reference: str | None) -> _Ref | None:
    if reference is None:
        return None
    ref = reference.strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ][\d:.+\-Z]{0,40})?)?)?", ref)
    if m:
        y = int(m.group(1))
        mo = int(m.group(2)) if m.group(2) else None
        d = int(m.group(3)) if m.group(3) else None
        if 1000 <= y <= 9000 and (mo is None or 1 <= mo <= 12) and (
                d is None or _valid(y, mo or 1, d)):
            return _Ref(y, mo, d)
    parsed = parse_date(ref)
    if parsed is not None:
        parts = [int(p) for p in parsed[0].split("-")]
        parts += [None] * (3 - len(parts))
        return _Ref(parts[0], parts[1], parts[2])
    raise ValueError(f"not a reference date (want YYYY, YYYY-MM or YYYY-MM-DD): {reference!r}")


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _iso(y: int, m: int | None = None, d: int | None = None) -> str:
    if m is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


def _month(token: str) -> int:
    return _MONTH_NAMES[token.rstrip(".").lower()]


def _infer_year(month: int, ref: _Ref | None) -> int | None:
    """The year of a year-less month: the reference's, or the one before it if the month
    would be more than 6 months after the reference's month (news speaks of the past)."""
    if ref is None:
        return None
    if ref.month is not None and month - ref.month > 6:
        return ref.year - 1
    return ref.year


def _rel_year(word: str | None, ref: _Ref | None) -> int | None:
    if ref is None or word is None:
        return None
    w = word.lower().split()[-1]
    if w in ("last", "previous"):
        return ref.year - 1
    if w in ("next", "coming"):
        return ref.year + 1
    return ref.year


def _num_dm(a: int, b: int, y: int) -> tuple[int, int] | None:
    """Day-first reading of two numbers; month-first only when day-first is impossible."""
    if 1 <= b <= 12 and _valid(y, b, a):
        return b, a
    if 1 <= a <= 12 and _valid(y, a, b):
        return a, b
    return None


# --------------------------------------------------------------------------- candidates


def _resolve_md(y: int | None, rel: str | None, mo: int, d: int | None,
                ref: _Ref | None) -> tuple[str | None, bool] | None:
    """Value of a single date with a month (and maybe a day). None if impossible."""
    inferred = False
    if y is None:
        y = _rel_year(rel, ref) if rel else _infer_year(mo, ref)
        inferred = y is not None
    if y is None:
        if d is not None and not _valid(2000, mo, d):  # 29 February is fine
            return None
        return None, False
    if d is None:
        return _iso(y, mo), inferred
    if not _valid(y, mo, d):
        if inferred and mo == 2 and d == 29:  # a leap day: keep the mention, not a bad year
            return None, False
        return None
    return _iso(y, mo, d), inferred


def _int(m: re.Match[str], g: str) -> int | None:
    v = m.group(g)
    return int(v) if v else None


def _single(m: re.Match[str], ref: _Ref | None, mo: int, d: int | None, y: int | None,
            rel: str | None) -> _Cand | None:
    res = _resolve_md(y, rel, mo, d, ref)
    if res is None:
        return None
    value, inferred = res
    if rel:
        kind = "relative"
    elif m.group("wd") or m.group("time"):
        kind = "datetime"
    else:
        kind = "date"
    start = m.start("m")
    if m.group("fr") or m.group("btw"):  # "from April 2005": "from" belongs to ranges only
        start = m.end("btw") if m.group("btw") else m.end("fr")
        while m.string[start].isspace():
            start += 1
    return _Cand(start, m.end("m"), 2, value, None, "month" if d is None else "day",
                 inferred, kind)


def _range_cand(m: re.Match[str], ref: _Ref | None,
                y1: int | None, mo1: int, d1: int | None, rel1: str | None,
                y2: int | None, mo2: int, d2: int | None, rel2: str | None) -> _Cand | None:
    """Build a range from its two ends; a missing year comes from the other end, the
    relative words ("this year") or the reference, in that order."""
    inferred = False
    if y2 is None and rel2:
        y2 = _rel_year(rel2, ref)
        inferred = y2 is not None
    if y1 is None and rel1:
        y1 = _rel_year(rel1, ref)
        inferred = inferred or y1 is not None
    later = (mo1, d1 or 0) > (mo2, d2 or 0)  # "28 December to 3 January" crosses a year
    if y1 is None and y2 is not None:
        y1 = y2 - 1 if later else y2
    elif y2 is None and y1 is not None:
        y2 = y1 + 1 if later else y1
    elif y1 is None and y2 is None:
        y1 = _infer_year(mo1, ref)
        if y1 is not None:
            inferred = True
            y2 = y1 + 1 if later else y1
    s, e = m.start("m"), m.end("m")
    precision = "day" if d1 is not None else "month"
    if y1 is None or y2 is None:
        if d1 is not None and not (_valid(2000, mo1, d1) and _valid(2000, mo2, d2 or 1)):
            return None
        return _Cand(s, e, 1, None, None, precision, False, "range")
    if d1 is not None:
        if not (_valid(y1, mo1, d1) and _valid(y2, mo2, d2 or 1)):
            return None
        start, end = date(y1, mo1, d1), date(y2, mo2, d2 or 1)
        if end <= start:
            return None
        return _Cand(s, e, 1, start.isoformat(), end.isoformat(), "day", inferred, "range")
    if (y2, mo2) <= (y1, mo1):
        return None
    return _Cand(s, e, 1, _iso(y1, mo1), _iso(y2, mo2), "month", inferred, "range")


def _day_first(m: re.Match[str], ref: _Ref | None) -> _Cand | None:
    d1 = int(m.group("d1"))
    if m.group("mo3"):  # "17-18 April 2024", "On 10 and 11 December"
        mo = _month(m.group("mo3"))
        return _range_cand(m, ref, None, mo, d1, None, _int(m, "y3"), mo, int(m.group("d3")),
                           m.group("rel3"))
    mo1 = _month(m.group("mo1"))
    if m.group("mo2"):  # "from 30 November to 2 December 2024"
        return _range_cand(m, ref, _int(m, "y1"), mo1, d1, m.group("rel1"), _int(m, "y2"),
                           _month(m.group("mo2")), int(m.group("d2")), m.group("rel2"))
    return _single(m, ref, mo1, d1, _int(m, "y1"), m.group("rel1"))


def _month_first(m: re.Match[str], ref: _Ref | None) -> _Cand | None:
    mo1 = _month(m.group("mo1"))
    if m.group("mo2"):  # "From June 30 to July 2, 2024"
        return _range_cand(m, ref, _int(m, "y1"), mo1, int(m.group("d1")), None,
                           _int(m, "y2"), _month(m.group("mo2")), int(m.group("d2")),
                           m.group("rel2"))
    if m.group("d3"):  # "From June 3 to 5, 2024"
        return _range_cand(m, ref, None, mo1, int(m.group("d1")), None, _int(m, "y3"), mo1,
                           int(m.group("d3")), m.group("rel3"))
    if m.group("d1"):  # "September 5, 2024", "Tuesday, October 8, 2013 11:57 AM"
        return _single(m, ref, mo1, int(m.group("d1")), _int(m, "y"), m.group("rel"))
    if m.group("mo5"):  # "May-June 2024", "from April 2005 to October 2007"
        return _range_cand(m, ref, _int(m, "y4"), mo1, None, None, _int(m, "y5"),
                           _month(m.group("mo5")), None, m.group("rel5"))
    # "May 2018", "September this year"
    return _single(m, ref, mo1, None, _int(m, "y6"), m.group("rel6"))


def _left_ok(text: str, s: int) -> bool:
    """Is the character before the 4-digit number at ``s`` compatible with a year?"""
    if s == 0:
        return True
    p = text[s - 1]
    if p in "-\u2013\u2014":
        # "mid-2024" is a year, "Rock-2024" or "Search-2024" is a name.
        return (s < 2 or text[s - 2].isspace()
                or _HYPHEN_OK.search(text, max(0, s - 8), s) is not None)
    return not (p.isalnum() or p in "_/\\.:,;$€£₽¥#№@+=&%*^~|")


def _right_ok(text: str, e: int) -> bool:
    """Is what follows the 4-digit number ending at ``e`` compatible with a year?"""
    if e >= len(text):
        return True
    q = text[e]
    q2 = text[e + 1:e + 2]
    if q.isalnum() or q in "_/@%\u00b0":
        return False
    if q in ".,:" and q2.isdigit():
        return False
    if q in "-\u2013" and q2.isalnum():
        return False
    return _UNIT_AFTER.match(text, e) is None


def _context_ok(text: str, s: int, e: int) -> bool:
    """Word-level context of a year-like number text[s:e] (see docs/dates.md, "Not dates")."""
    left = text[max(0, s - _LOOK):s]
    nl = left.rfind("\n")
    words = (left[nl + 1:] if nl >= 0 else left).split()
    if s > 0 and text[s - 1] in "([":  # "resolution 2354 (2017)"
        return _COUNT_AFTER.match(text, e) is None
    strong = False
    if words and not left[-1:].isspace():
        words[-1] = words[-1].rstrip("\"'\u201c\u00ab\u2018")
        if not words[-1]:
            words.pop()
    if words:
        last = words[-1]
        low = last.lower().rstrip(".")
        if low in _NUMBERING_WORDS or last[-1] in _NUMBERING_CHARS:
            return False
        if len(words) > 1 and f"{words[-2].lower()} {low}" in _NUMBERING_PAIRS:
            return False
        if last.isdigit():  # "8 800 2000 600": a number right after another number
            return False
        strong = strong or low in _STRONG_WORDS
        # A list of numbers ("Committees 1267, 1989 and 2253"): every member must be a year
        # and the list must not follow a numbering word.
        j = len(words) - 1
        for _ in range(8):
            if j < 0:
                break
            if words[j].lower() in _LIST_WORDS:
                j -= 1
                if j < 0:
                    break
            elif words[j][-1] not in ",;/":
                break
            num = words[j].rstrip(",;/")
            if not num.isdigit() or len(num) < 3:
                break
            if not (len(num) == 4 and 1900 <= int(num) <= 2099):
                return False
            if j > 0 and words[j - 1].lower().rstrip(".") in _NUMBERING_WORDS:
                return False
            j -= 1
    if strong:
        return True
    return _COUNT_AFTER.match(text, e) is None and _ON_NAME_AFTER.match(text, e) is None


def _year_ok(text: str, s: int, e: int) -> bool:
    """Is the 4-digit number text[s:e] used as a year?"""
    return _left_ok(text, s) and _right_ok(text, e) and _context_ok(text, s, e)


# A candidate before its value is worked out: (start, -end, priority, pattern number), plain
# ints so that the garbage collector soon stops looking at them. Values are only computed
# (re-matching at the same place) for candidates that survive the overlap selection.
_Lazy = tuple[int, int, int, int]


def _candidates(text: str, digits: bool) -> list[_Lazy]:
    """Every possible date of ``text`` (which starts with a space, see :func:`_c`).
    Without ``digits`` only the patterns that can match without a digit are run.

    Every date holds an *anchor* of its pattern: a number (numeric and day-first dates,
    years), a month name (month-first dates) or today / yesterday / tomorrow / year / month
    (relative dates); and it reaches only so far before its first anchor and after its
    last one (its ``reach``, see :class:`DatePattern`). So each pattern is run only over
    the windows around its anchors, joined by a separator that no date can cross: most of
    a news text holds no anchor, and this finds the same candidates for a fraction of the scan
    (:func:`_candidates_whole` is the reference, and the tests hold them equal).
    """
    low = text.lower()
    same_length = len(low) == len(text)
    words = _ANCHOR_WORD if same_length else _ANCHOR_WORD_I
    months: list[tuple[int, int]] = []
    relative: list[tuple[int, int]] = []
    for m in words.finditer(low if same_length else text):
        (months if m.group().lower() in _MONTH_NAMES else relative).append(m.span())
    out: list[_Lazy] = []
    if digits:
        spans = [m.span() for m in _ANCHOR_DIGITS.finditer(text)]
        _scan_windows(text, spans, _NUMERIC, out)
    _scan_windows(text, months, _MONTH_FIRST, out)
    _scan_windows(text, relative, _RELATIVE, out)
    return out


def _scan_windows(text: str, anchors: list[tuple[int, int]],
                  group: tuple[tuple[int, ...], int, int], out: list[_Lazy]) -> None:
    """Run the patterns of ``group`` over the windows around ``anchors`` (sorted spans)."""
    if not anchors:
        return
    patterns, before, after = group
    wins: list[tuple[int, int]] = []
    lo = hi = -1
    covered = 0
    for a, b in anchors:
        s, e = a - before, b + after
        if 0 <= hi and s <= hi:
            if e > hi:
                hi = e
            continue
        if hi >= 0:
            wins.append((lo, hi))
            covered += hi - lo
        lo, hi = max(0, s), e
    hi = min(hi, len(text))
    wins.append((lo, hi))
    covered += hi - lo
    if covered * 10 > len(text) * 7:
        _scan(text, patterns, 0, out)
        return
    if len(wins) == 1:
        _scan(text[lo:hi], patterns, lo, out)
        return
    starts: list[int] = []  # where each window starts in the joined text
    shift: list[int] = []  # what to add to an offset of the joined text in that window
    parts: list[str] = []
    at = 0
    for lo, hi in wins:
        starts.append(at)
        shift.append(lo - at)
        parts.append(text[lo:hi])
        at += hi - lo + len(_SEPARATOR)
    found: list[_Lazy] = []
    _scan(_SEPARATOR.join(parts), patterns, 0, found)
    for s, neg_e, prio, i in found:
        d = shift[bisect_right(starts, s) - 1]
        out.append((s + d, neg_e - d, prio, i))


def _scan(text: str, patterns: tuple[int, ...], offset: int, out: list[_Lazy]) -> None:
    for i in patterns:
        pattern, prio = PATTERNS[i].regex, PATTERNS[i].priority
        for m in pattern.finditer(text):
            s, e = m.span("m")
            out.append((s + offset, -e - offset, prio, i))


def _candidates_whole(text: str, digits: bool) -> list[_Lazy]:
    """:func:`_candidates` by running every pattern over the whole of ``text``."""
    out: list[_Lazy] = []
    add = out.append
    for i, p in enumerate(PATTERNS):
        if not digits and p.needs_digit:
            continue
        for m in p.regex.finditer(text):
            s, e = m.span("m")
            add((s, -e, p.priority, i))
    return out


def _make_iso(text: str, m: re.Match[str], ref: _Ref | None) -> _Cand | None:
    y, mo, d = int(m.group("y")), int(m.group("mo")), int(m.group("d"))
    if not _valid(y, mo, d):
        return None
    kind = "datetime" if m.group("wd") or m.group("time") or m.group("isotime") else "date"
    return _Cand(m.start("m"), m.end("m"), 0, _iso(y, mo, d), None, "day", False, kind)


def _make_dmy_num(text: str, m: re.Match[str], ref: _Ref | None) -> _Cand | None:
    y = int(m.group("y"))
    dm = _num_dm(int(m.group("a")), int(m.group("b")), y)
    if not dm:
        return None
    kind = "datetime" if m.group("wd") or m.group("time") else "date"
    return _Cand(m.start("m"), m.end("m"), 0, _iso(y, *dm), None, "day", False, kind)


def _make_year(text: str, m: re.Match[str], ref: _Ref | None) -> _Cand | None:
    s, e = m.span("m")
    if not _year_ok(text, s, e):
        return None
    return _Cand(s, e, 5, m.group("y"), None, "year", False, "date")


def _year_range(text: str, m: re.Match[str]) -> _Cand | None:
    """"2022-2024", "2019-20", "2022/2023", "from 2005 to 2007", "between 2010 and 2015"."""
    y1, raw2 = int(m.group("y1")), m.group("y2")
    y2 = int(raw2) if len(raw2) == 4 else (y1 // 100) * 100 + int(raw2)
    if not (y1 < y2 <= 2100):
        return None
    if m.group("sep") == "/" and y2 != y1 + 1:  # "2022/2023" is a season, not a list
        return None
    s, e = m.start("y1"), m.end("m")
    if not (_left_ok(text, s) and _right_ok(text, e)) or _COUNT_AFTER.match(text, e):
        return None
    if not (m.group("fr") or m.group("btw")) and not _context_ok(text, s, e):
        return None
    return _Cand(m.start("m"), e, 1, _iso(y1), _iso(y2), "year", False, "range")


def _relative(m: re.Match[str], ref: _Ref | None) -> _Cand:
    w = m.group("w")
    s, e = m.start("m"), m.end("m")
    if w:
        w = " ".join(w.lower().split())
        if ref is None or ref.day is None or ref.month is None:
            return _Cand(s, e, 4, None, None, "day", False, "relative")
        shift = {"today": 0, "yesterday": -1, "tomorrow": 1, "the day before yesterday": -2,
                 "the day after tomorrow": 2}[w]
        day = date(ref.year, ref.month, ref.day) + timedelta(days=shift)
        return _Cand(s, e, 4, day.isoformat(), None, "day", True, "relative")
    unit = m.group("u").lower()
    if unit == "year":
        y = _rel_year(m.group("q"), ref)
        if y is None:
            return _Cand(s, e, 4, None, None, "year", False, "relative")
        return _Cand(s, e, 4, _iso(y), None, "year", True, "relative")
    if ref is None or ref.month is None:
        return _Cand(s, e, 4, None, None, "month", False, "relative")
    q = m.group("q").lower().split()[-1]
    shift = -1 if q in ("last", "previous") else 1 if q in ("next", "coming") else 0
    idx = ref.year * 12 + ref.month - 1 + shift
    return _Cand(s, e, 4, _iso(idx // 12, idx % 12 + 1), None, "month", True, "relative")


def _token_start(text: str, p: int) -> int:
    lo = max(0, p - 300)
    i = p
    while i > lo and not text[i - 1].isspace():
        i -= 1
    return i


def _blocked(text: str) -> tuple[list[int], list[int]]:
    """Spans that hold no dates: URLs, e-mail addresses, file names (merged, sorted)."""
    spans: list[tuple[int, int]] = []
    done = -1  # tokens are examined whole, once
    for t in _BLOCK_TRIGGER.finditer(text):
        p = t.start()
        if p < done:
            continue
        ts = _token_start(text, p)
        te = _TOKEN_REST.match(text, p).end()
        done = te
        tok = text[ts:te]
        if ("@" in tok or "://" in tok or tok[:4].lower() == "www."
                or _DOMAIN_PATH.match(tok)):
            spans.append((ts, te))
            continue
        last = None
        for fm in _FILE_EXT.finditer(tok):
            last = fm
        if last is not None:
            # A file name ends at its extension, even when glued to the next word; the
            # numbers before it on the line may belong to it ("Image 2022-02-16 at 14.07.35").
            start = ts
            if ts >= 3 and (text[ts - 2].isdigit() or text[ts - 3:ts - 1].lower() == "at"
                            or text[ts - 2] == ")"):
                pm = _FILE_PREFIX.search(text, max(0, ts - 100), ts)
                if pm:
                    start = pm.start()
            spans.append((start, ts + last.end()))
    spans.sort()
    starts: list[int] = []
    ends: list[int] = []
    for s, e in spans:
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


_MakerFn = Callable[[str, "re.Match[str]", "_Ref | None"], "_Cand | None"]


@dataclass(frozen=True, slots=True)
class DatePattern:
    """One pattern of the date scanner, with what the scanner needs to know about it.

    ``needs_digit``: it cannot match a text without a digit (skipped there).
    ``context_free``: its value depends on the matched text only, not on what surrounds it,
    so a repeated date string is worked out once per call.
    ``anchor``: what every match holds (``number``, ``month`` name or ``relative`` word);
    the pattern is run only over windows around the anchors of its kind.
    ``reach``: how far a match reaches before its first anchor and after its last one, in
    characters (with up to 3 blanks wherever a blank is allowed and a few characters of
    look-around): before a number, "between Wednesday, " (about 25); after it, " of
    September of the previous year" or " a.m. (GMT)" (about 50); before a month name,
    "from Wednesday, "; after it, "5th, 2024, at 10:30:00 p.m. (GMT + 03:00)" (about 80);
    around a relative word, "the day before " (about 20). The margins leave room to spare.
    """

    name: str
    regex: re.Pattern[str]
    priority: int  # lower wins between two candidates of the same span
    make: _MakerFn
    needs_digit: bool
    context_free: bool
    anchor: str  # number | month | relative
    reach: tuple[int, int]


_NUMBER_REACH = (40, 80)
PATTERNS: tuple[DatePattern, ...] = (
    DatePattern("iso", _P_ISO, 0, _make_iso, True, True, "number", _NUMBER_REACH),
    DatePattern("numeric_dmy", _P_DMY_NUM, 0, _make_dmy_num, True, True, "number",
                _NUMBER_REACH),
    DatePattern("year_range", _P_YEAR_RANGE, 1, lambda text, m, ref: _year_range(text, m),
                True, False, "number", _NUMBER_REACH),
    DatePattern("day_first", _P_DAY_FIRST, 1, lambda text, m, ref: _day_first(m, ref),
                True, True, "number", _NUMBER_REACH),
    DatePattern("month_first", _P_MONTH_FIRST, 1, lambda text, m, ref: _month_first(m, ref),
                False, True, "month", (40, 120)),
    DatePattern("relative", _P_REL, 4, lambda text, m, ref: _relative(m, ref),
                False, True, "relative", (40, 40)),
    DatePattern("year", _P_YEAR, 5, _make_year, True, False, "number", _NUMBER_REACH),
)
_CONTEXT_FREE = tuple(p.context_free for p in PATTERNS)
_DIGIT = re.compile(r"\d")


def _group(anchor: str) -> tuple[tuple[int, ...], int, int]:
    """(indices into PATTERNS of the patterns with this anchor, reach before, reach after)."""
    idx = tuple(i for i, p in enumerate(PATTERNS) if p.anchor == anchor)
    if len({PATTERNS[i].reach for i in idx}) > 1:  # one window per anchor kind
        raise ValueError(f"patterns anchored on {anchor} must share one reach")
    return idx, *PATTERNS[idx[0]].reach


# Anchors of :func:`_candidates`: every date holds one of its pattern's kind. No date
# crosses a line break, so windows are joined by blank lines.
_ANCHOR_DIGITS = re.compile(r"\d+")
_ANCHOR_WORDS = _trie(sorted({*_MONTH_NAMES, "today", "yesterday", "tomorrow", "year", "month"},
                             key=len, reverse=True))
# Matched against the lower-cased text: a pattern that starts with plain lower-case letters
# lets the regex engine skip to the next possible first letter at C speed (it cannot with
# IGNORECASE). Not checking the letter before a word only finds a few anchors too many.
_ANCHOR_WORD = re.compile(rf"(?:{_ANCHOR_WORDS}){_LETTER_AFTER}")
_ANCHOR_WORD_I = re.compile(rf"(?:{_ANCHOR_WORDS}){_LETTER_AFTER}", re.IGNORECASE)
_NUMERIC = _group("number")
_MONTH_FIRST = _group("month")
_RELATIVE = _group("relative")
_SEPARATOR = "\n\n\n"
if any(p.needs_digit != (p.anchor == "number") for p in PATTERNS):
    raise ValueError("a pattern anchored on a number needs a digit, and only those do")


def _select(text: str, scan: str, cands: list[_Lazy], ref: _Ref | None, starts: list[int],
            ends: list[int], extra: dict[int, _Cand]) -> list[DateMention]:
    """Leftmost-longest choice of non-overlapping candidates outside the blocked spans.

    ``scan`` is the text searched (a space, then ``text`` with glued datelines blanked out);
    candidates' offsets are those of ``scan``, one more than in ``text``."""
    cands.sort()  # (start, -end, priority, pattern): leftmost, then longest, then priority
    chosen: list[DateMention] = []
    memo: dict[tuple[int, str], tuple | None] = {}
    last_end = -1
    for s, neg_e, _prio, k in cands:
        if s < last_end:
            continue
        e = -neg_e
        b = bisect_right(starts, e - 1) - 1
        if b >= 0 and ends[b] > s:
            continue
        if k < 0:
            c = extra[k]
            got: tuple | None = (c.start - s, c.value, c.end_value, c.precision, c.inferred,
                                 c.kind)
        else:
            key = (k, scan[s - 1:e]) if _CONTEXT_FREE[k] else None
            if key is not None and key in memo:
                got = memo[key]
            else:
                pat = PATTERNS[k]
                m = pat.regex.match(scan, s - 1)
                c = pat.make(scan, m, ref) if m is not None else None
                got = None if c is None else (c.start - s, c.value, c.end_value, c.precision,
                                              c.inferred, c.kind)
                if key is not None:
                    memo[key] = got
        if got is None:
            continue
        start = s + got[0] - 1
        chosen.append(DateMention(text[start:e - 1], start, e - 1, *got[1:]))
        last_end = e
    return chosen


# --------------------------------------------------------------------------- public API


def find_dates(text: str, reference: str | None = None) -> list[DateMention]:
    """Find every date expression in ``text``.

    Mentions are returned in order of position and never overlap; for each one
    ``text[m.start:m.end] == m.text``. ``reference`` (ISO ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``, typically the article's date) resolves year-less dates ("On 20 December")
    and relative ones ("yesterday", "this year", "September this year"); such values have
    ``inferred=True``. Without a reference they keep their span but have ``value=None``.

    Raises :class:`ValueError` if ``reference`` is given but is not a date.
    """
    ref = _parse_reference(reference)
    if not text:
        return []
    digits = _DIGIT.search(text) is not None
    # A dateline glued to the next number at a line start ("15.05.202415 May"): report it,
    # then blank it out (same length) so that what follows is read as if it were separate.
    glued: dict[int, _Cand] = {}
    work = text
    if digits:
        parts: list[str] = []
        pos = 0
        for m in _P_GLUED.finditer(text):
            res = _glued_value(m)
            if res is None:
                continue
            s, e = m.span("g")
            glued[-1 - len(glued)] = _Cand(s + 1, e + 1, 0, res, None, "day", False, "date")
            parts.append(text[pos:s])
            parts.append(" " * (e - s))
            pos = e
        if glued:
            parts.append(text[pos:])
            work = "".join(parts)
    # Scan with a space in front (every pattern consumes the character before its date):
    # candidates' offsets are one more than in ``text``.
    scan = " " + work
    cands = _candidates(scan, digits)
    if not cands and not glued:
        return []
    cands.extend((c.start, -c.end, 0, k) for k, c in glued.items())
    starts, ends = _blocked(" " + text)
    return _select(text, scan, cands, ref, starts, ends, glued)


def _glued_value(m: re.Match[str]) -> str | None:
    if m.group("y"):
        y = int(m.group("y"))
        dm = _num_dm(int(m.group("a")), int(m.group("b")), y)
        return _iso(y, *dm) if dm else None
    y, mo, d = int(m.group("iy")), int(m.group("imo")), int(m.group("id"))
    return _iso(y, mo, d) if _valid(y, mo, d) else None


def parse_date(text: str) -> tuple[str, str] | None:
    """If the whole of ``text`` (stripped) is one date, return ``(value, precision)``.

    Accepts datelines such as ``05.09.2024``, ``2024-09-05``, ``5 September 2024``,
    ``September 5, 2024``, ``Sept. 5, 2024``, ``Tuesday, October 8, 2013 11:57 AM``,
    ``September 2024`` or ``2024``. Dotted and slashed numbers are read day first
    (``05/09/2024`` is 5 September) unless that is impossible (``09/25/2024``). Returns
    ``None`` for anything else, including year-less dates, relative expressions and ranges.
    """
    s = text.strip()
    if not s or len(s) > 80:
        return None
    if s.endswith(".") and not s[-5:-1].isalpha():
        s = s[:-1].rstrip()
    found = find_dates(s)
    if len(found) != 1:
        return None
    m = found[0]
    if m.start != 0 or m.end != len(s) or m.value is None or m.kind in ("range", "relative"):
        return None
    return m.value, m.precision


def leading_date(text: str) -> tuple[str, str, int] | None:
    """A numeric date glued to what follows it at the start of ``text``.

    ``"09.06.2018On June 9, 2018"`` -> ``("09.06.2018", "2018-06-09", 10)``;
    ``"15.05.202415 May marks"`` -> ``("15.05.2024", "2024-05-15", 10)`` (the year is
    exactly four digits, 1900-2100). Leading blanks are allowed; ``end_offset`` is the
    offset in ``text`` just after the date. Returns ``None`` when the text does not start
    with a valid numeric date or when the date is followed by a space or nothing.
    """
    m = _P_GLUED.match(text)
    if not m:
        return None
    value = _glued_value(m)
    if value is None:
        return None
    return m.group("g"), value, m.end("g")


# --------------------------------------------------------------------------- date lines

_YEAR_REF = "2000-12-31"  # a reference under which a year-less date keeps its month and day
_GLUED_TIME = re.compile(r"(?<!\d)((?:19|20)\d\d)((?:[01]\d|2[0-3]):[0-5]\d)(?!\d)")
_DOTTED_MONTH = re.compile(r"(?<!\d)(\d{1,2})[.\-]([^\W\d_]{3,9})\.?[.\-]((?:19|20)\d\d)(?!\d)")
# "Published: 12 March 2024", "Posted on 12.03.2024", "Date: 2024-03-12", "Опубликовано: ..."
# (also read by clean.dateline_value)
DATE_LABEL = re.compile(
    r"^(?:published|posted|updated|last updated|created|date|dated|publication date"
    r"|publish ?date|release date|опубликовано|дата публикации|дата|обновлено)"
    r"(?:[^\S\n]{1,3}(?:on|at))?[^\S\n]{0,3}[:\-\u2013|]?[^\S\n]{0,3}",
    re.IGNORECASE,
)
_ON_BEFORE_DATE = re.compile(r"\b(?:on|at)[^\S\n]{1,3}$", re.IGNORECASE)
# A second label on a date line: what follows it (the day of an update) is not the
# publication date the line shows first.
_LATER_LABEL = re.compile(
    r"(?:[|/\u00b7\u2022,;(\u2013\u2014]|\s-)?[^\S\n]{0,3}\b(?:last[^\S\n]{1,3})?"
    r"(?:updated|modified|edited|changed|обновлено|изменено)\b", re.IGNORECASE)
_STAMP_NOISE = re.compile(
    r"(?:(?<!\d)(?:[01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d)?(?:[^\S\n]{0,2}[ap]\.?m\.?)?(?!\d)"
    r"|\b(?:GMT|UTC|MSK|CET|CEST|EET|EEST|BST|EST|EDT|PST|PDT)\b(?:[^\S\n]{0,2}[+\-\u2212]"
    r"[^\S\n]{0,2}\d{1,2}(?::?\d\d)?)?"
    r"|\b\d{1,3}[^\S\n]{1,2}(?:seconds?|minutes?|mins?|hours?|hrs?|days?)[^\S\n]{1,2}ago\b"
    r"|\b\d{1,3}[^\S\n]{0,2}-?[^\S\n]{0,2}min(?:ute)?s?\.?[^\S\n]{1,2}read\b)",  # reading time
    re.IGNORECASE,
)
_WEEKDAY_NAMES = {name: i for i, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
    ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
    ("sunday", "sun"))) for name in names}
_LEFT_TOKEN = re.compile(r"[^\s/|\u2022\u00b7,;:()\[\]\-\u2013\u2014.]{1,60}")
# Words that make a line with a date a sentence or a headline, not a date line.
_PHRASE_WORDS = frozenset("""
on in at of the a an to for from since until till will would was were is are be been being
has have had held took takes take and or but that this these with within after before during
into over under about as it its he she they we our their his her who which what when
в на с по к о об от до за из у и во со для при что это был была были будет
""".split())
MAX_DATELINE_CHARS = 160
MAX_DATELINE_WORDS = 5  # words beside the date: a label, an author, a place, a section


@dataclass(frozen=True, slots=True)
class DateLine:
    """A line that shows a date (a dateline, a byline, "PublishDate: ...", "17:23 /
    20.01.2026", "21 June 2018 1196" with a view counter): see :func:`read_dateline`.

    ``year`` is None when the line does not write it ("15 November, 16:49"); ``weekday``
    (0 = Monday) when it writes one; ``time`` when it writes a time; ``label`` when it
    says what the date is ("Published:").
    """

    year: int | None
    month: int
    day: int
    weekday: int | None = None
    time: bool = False
    label: bool = False
    text: str = ""  # the date as written

    @property
    def value(self) -> str | None:
        return None if self.year is None else _iso(self.year, self.month, self.day)

    def with_year(self, year: int) -> str | None:
        """The ISO date in ``year``; None if the day does not exist then or the weekday
        written on the line does not fall on it."""
        if not _valid(year, self.month, self.day):
            return None
        if self.weekday is not None and date(year, self.month, self.day).weekday() != self.weekday:
            return None
        return _iso(year, self.month, self.day)


def _prepare(text: str) -> str:
    """Undo the gluing that scraping does to date lines: "20 January 202014:57" (a year
    glued to a time), "10.Jan.2026" (a month name between dots)."""
    if any(c.isdigit() for c in text):
        text = _GLUED_TIME.sub(r"\1 \2", text)
        text = _DOTTED_MONTH.sub(r"\1 \2 \3", text)
    return text


def _day_mention(text: str) -> DateMention | None:
    """The one date of ``text`` at day precision (year-less ones too), else None."""
    found = [m for m in find_dates(text, _YEAR_REF)
             if m.kind in ("date", "datetime") and m.precision == "day" and m.value]
    return found[0] if len(found) == 1 else None


_CLOCK = re.compile(r"(?<!\d)(?:[01]?\d|2[0-3]):[0-5]\d(?!\d)")


def _as_dateline(m: DateMention, line: str, order: str | None, label: bool) -> DateLine | None:
    y, mo, d = (int(x) for x in m.value.split("-"))
    year: int | None = y
    if m.inferred:  # the year came from the neutral reference: not written
        year = None
    elif order == "mdy":
        num = _NUMERIC_DATE.search(m.text)
        if num and int(num.group(1)) <= 12 and int(num.group(3)) <= 12:
            mo, d = int(num.group(1)), int(num.group(3))  # month first on this page
    wd = None
    for w in re.findall(r"[^\W\d_]{3,9}", line.lower()):
        if w in _WEEKDAY_NAMES:
            wd = _WEEKDAY_NAMES[w]
            break
    if year is not None and not _valid(year, mo, d):
        return None
    return DateLine(year, mo, d, wd, _CLOCK.search(line) is not None, label, m.text)


def read_dateline(text: str, order: str | None = None) -> DateLine | None:
    """See :func:`_read_dateline`; lines repeated across pages are read once."""
    if len(text) > MAX_DATELINE_CHARS or not _DIGIT.search(text) or not (
            _NUMERIC_SHAPE.search(text) or _MONTH_WORD.search(text)):
        return None
    return _read_dateline(text, order)


# A numeric date or a month name: what every date line holds (checked before the scan).
_NUMERIC_SHAPE = re.compile(r"\d[./\-]\d{1,2}[./\-]\d|\d[.\-][^\W\d_]{3,9}\.?[.\-]\d")
_MONTH_WORD = re.compile(rf"{_LETTER_BEFORE}(?:{_MON_ANY})", re.IGNORECASE)


_PLAIN_NUMERIC = re.compile(r"(\d{1,2})([./\-])(\d{1,2})\2((?:19|20)\d\d)")


@lru_cache(maxsize=8192)
def _read_dateline(text: str, order: str | None = None) -> DateLine | None:
    """If ``text`` is a line that shows a date, the date; else None.

    A date line holds one date at day precision (its year may be missing) and besides it
    only what date lines carry: times, time zones, weekday names, "5 minutes ago", a label
    ("Published:"), a view counter, and at most five words such as an author ("By Jane
    Doe"), a place ("Moscow.") or a section name; never a phrase ("Minsk to host the summit
    on 23 November" is a headline). ``order`` (``"mdy"``, see :func:`numeric_order`) reads
    ambiguous numeric dates month first.
    """
    text = text.strip()
    if not text or len(text) > MAX_DATELINE_CHARS or text[0] in "([" or not any(
            c.isdigit() for c in text):
        return None
    plain = _PLAIN_NUMERIC.fullmatch(text)
    if plain:  # the most common date line, "05.09.2024", read without a scan
        a, b, y = int(plain.group(1)), int(plain.group(3)), int(plain.group(4))
        dm = (a, b) if order == "mdy" and _valid(y, a, b) else _num_dm(a, b, y)
        return None if dm is None else DateLine(y, *dm, None, False, False, text)
    work = _prepare(text)
    lab = DATE_LABEL.match(work)
    label = bool(lab and lab.end())
    if label:
        work = work[lab.end():]
    later = _LATER_LABEL.search(work)
    if later is not None and later.start() > 0:
        work = work[:later.start()]  # "12 March 2023 | Updated: 13 March 2023": published
    m = _day_mention(work)
    if m is None:
        return None
    before = work[:m.start]
    if label:  # "Posted by admin on March 14, 2023"
        before = _ON_BEFORE_DATE.sub("", before)
    rest = _STAMP_NOISE.sub(" ", before + " " + work[m.end:])
    words = [w for w in _LEFT_TOKEN.findall(rest)
             if w.lower().rstrip(".") not in _WEEKDAY_NAMES]
    if len(words) > MAX_DATELINE_WORDS:
        return None
    for w in words:
        low = w.lower()
        if low in _PHRASE_WORDS:
            return None
        if w[0].isalpha() and w[0].islower() and not any(c.isdigit() for c in w) and low not in (
                "by", "ago", "views", "comments", "download", "document", "print", "source",
                "г", "г.", "года"):  # Russian "year" after a date: "14.03.2023 г."
            # a lower-case word: part of a phrase unless it is a user name ("dennis2020")
            if not (len(words) <= 2 and len(w) > 2):
                return None
    return _as_dateline(m, work, order, label)


_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})([./\-])(\d{1,2})\2((?:19|20)\d\d)(?!\d)")
# Its second and third numbers, with the separators around the second.
_NUMERIC_DATE_FAST = re.compile(r"[./\-](\d{1,2})([./\-])(?:19|20)\d\d(?!\d)")


def numeric_order(texts: list[str] | tuple[str, ...]) -> str | None:
    """How a page writes its numeric dates, from the dates that can only be read one way
    (in its short paragraphs and the first words of the others):
    ``"mdy"`` when some date has a second number over 12 (``04/16/2020``) and none a first
    number over 12, ``"dmy"`` for the reverse, None when the page does not say (or says
    both). Ambiguous dates of the page (``04/05/2020``) are then read the same way."""
    mdy = dmy = False
    # date lines and bylines are short; in longer paragraphs a date sits near the start
    t = "\n".join(x if len(x) <= 300 else x[:120] for x in texts)
    if t:
        # found from the middle number on: a pattern that starts with a separator is
        # scanned faster than one that starts with a digit
        for m in _NUMERIC_DATE_FAST.finditer(t):
            s = m.start()
            first = t[max(0, s - 3):s]
            k = len(first)
            while k and first[k - 1].isdigit():
                k -= 1
            if not 1 <= len(first) - k <= 2 or m.group(2) != t[s]:
                continue
            a, b = int(first[k:]), int(m.group(1))
            if a > 12 >= b >= 1:
                dmy = True
            elif b > 12 >= a >= 1:
                mdy = True
    if mdy and not dmy:
        return "mdy"
    if dmy and not mdy:
        return "dmy"
    return None
