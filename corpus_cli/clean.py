"""Split a page into paragraphs and take scraping noise out of them.

General rules, not site-specific strings: navigation leftovers (short menu lines made only
of menu words, breadcrumbs), image file names (alone on a line or glued to the start of a
sentence), bare URL lines (kept as page metadata), attachment lines, a title repeated on the
next line (with a date appended), and dates glued to the following word. Every removal is
recorded with its reason; a removed paragraph stays in the output with ``status="removed"``.

All regular expressions here are linear: no nested quantifiers, bounded repeats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from corpus_cli.ids import paragraph_ids
from corpus_cli.memo import Memo
from corpus_cli.models import CleanPage, Page, Paragraph, Removal

MAX_NAV_WORDS = 6
MAX_NAV_CHARS = 60

# Words that make up menu and navigation lines ("Go back", "Back to the section", "All news",
# "Show more", "Share this page", "Print version"...). A line made only of these words, short,
# and without sentence punctuation is navigation. English and Russian.
NAV_WORDS = frozenset(
    """
    go back to the a all news home main page top section sections show more read next
    previous prev older newer share this print version subscribe newsletter menu search
    contacts contact about us sitemap site map login log in sign up register rss feed
    archive comments comment reply view full see related articles article articles
    latest popular follow tweet email e-mail link copy continue reading up return list
    press releases release photo gallery video of on our here click tags tag category
    categories index skip content navigation close open more... »  « › ‹ → ← | / >
    назад вернуться к в на главная главную новости новостям все всех раздел раздела
    разделу читать далее подробнее показать ещё еще поделиться печать версия для печати
    подписаться рассылку поиск контакты наверх вверх архив фото видео лента
    """.split()
)
_WORD = re.compile(r"[^\W\d_]{1,40}(?:[-'][^\W\d_]{1,40})?|\S", re.UNICODE)
_BREADCRUMB_SEP = re.compile(r"\s(?:>|»|›|→|/|\|)\s")
_IMAGE_EXT = r"(?:jpe?g|png|gif|webp|bmp|tiff?|svg|heic)"
_IMAGE_LINE = re.compile(r"^\S(?:[^\n]{0,200}?)\." + _IMAGE_EXT + r"$", re.IGNORECASE)
# An image name glued to the next sentence: "...at 14.07.35.jpegThe document declares",
# "IMG_1.jpg\u201cWe agreed,\u201d" (the sentence may open with a quote).
_GLUED_IMAGE = re.compile(
    r"^(\S[^\n]{0,200}?\." + _IMAGE_EXT + r")(?=[^\W\d_]|[\"'\u201c\u2018\u00ab(][^\W\d_])",
    re.IGNORECASE,
)
_URL_LINE = re.compile(r"^(?:(?:https?|ftp)://|www\.)\S{1,2000}$", re.IGNORECASE)
_DOC_EXT = r"(?:docx?|pdf|xlsx?|pptx?|rtf|odt|ods|zip|rar|7z|txt|csv)"
_ATTACHMENT = re.compile(
    r"^(?:download|attachment|attached file|file|скачать|загрузить|файл)\b[^\n]{0,300}?\."
    + _DOC_EXT
    + r"(?:\s{0,3}\([^()\n]{0,40}\))?$",
    re.IGNORECASE,
)
_DOC_NAME_LINE = re.compile(r"^\S[^\n]{0,200}?\." + _DOC_EXT + r"(?:\s{0,3}\([^()\n]{0,40}\))?$",
                            re.IGNORECASE)
# A numeric date glued to the next word or number: "09.06.2018On", "15.05.202415 May", or to
# a dash that opens the text ("15.12.2009- The"); a comma after a date is punctuation
# ("20.09.2022, Moscow." is a date line), a dash before a number makes a range.
_GLUED_DATE = re.compile(
    r"^(\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d|(?:19|20)\d\d-\d\d-\d\d)"
    r"(?=[^\s./\-\d,;:)\]]|\d|[-\u2013\u2014]\s)"
)
# A line that is only a numeric date (a listing's dateline) or a date with a time.
_DATELINE = re.compile(
    r"^(?:\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d|(?:19|20)\d\d-\d\d-\d\d)"
    r"(?:,?\s{1,3}\d{1,2}:\d\d(?::\d\d)?)?$"
)
_SENTENCE_END = re.compile(r"[.!?:;\"\u201d\u00bb)\]]$")
# A stored page's date prefix, as search-index excerpts begin: " date 2022-01-13 YEREVAN, ..."
_META_DATE = re.compile(
    r"^[^\S\n]{0,3}date[^\S\n]{1,3}((?:19|20)\d\d-[01]\d-[0-3]\d)(?=\s|$)[^\S\n]*")
# Navigation words glued to what follows: "HomeRussia & FSU", "Latest news\u201cA headline\u201d".
_GLUED_NAV = re.compile(r"^((?:[^\W\d_]{1,15}[^\S\n]){0,3}[^\W\d_]{0,14}[a-z\u0430-\u044f])"
                        r"(?=[A-Z\u0410-\u042f\"\u201c\u00ab])")
# A title repeated with a short label: "<title> FEATURE", "<title> (VIDEO)".
_LABEL_SUFFIX = re.compile(r"^\(?[A-Z\u0410-\u042f]{2,12}\)?$")
_LETTER_CYR = re.compile(r"[\u0400-\u04ff]")
_LETTER_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LETTER_GREEK = re.compile(r"[\u0370-\u03ff]")
_LETTER_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LETTER_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")  # what str.isalpha() accepts among ASCII characters
_ASCII_LETTER_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_DIGIT = re.compile(r"[0-9]")  # what str.isdigit() accepts among ASCII characters
_DATE_SUFFIX_SEP = " \t-\u2013\u2014|,:/"


def script_of(text: str) -> str:
    """The writing system of a text's letters: latin, cyrillic, greek, arabic, cjk, mixed
    (no script has 80% of the letters), other, or none (no letters)."""
    if text.isascii():
        return "latin" if _ASCII_LETTER.search(text) else "none"
    # the letters outside ASCII, in one string: most of a Latin text is ASCII
    other = "".join(_NON_ASCII.findall(text))
    ascii_part = text.encode("ascii", "ignore")
    counts = {
        "latin": len(ascii_part) - len(ascii_part.translate(None, _ASCII_LETTER_BYTES))
        + len(_LETTER_LATIN.findall(other)),
        "cyrillic": len(_LETTER_CYR.findall(other)),
        "greek": len(_LETTER_GREEK.findall(other)),
        "arabic": len(_LETTER_ARABIC.findall(other)),
        "cjk": len(_LETTER_CJK.findall(other)),
    }
    total = sum(counts.values())
    if not total:
        return "other" if any(c.isalpha() for c in text) else "none"
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] >= 0.8 * total else "mixed"


def squeeze(text: str) -> str:
    """Collapse runs of white space (any, including line breaks) to one space, and strip."""
    return " ".join(text.split())


def is_navigation(text: str) -> bool:
    """A short menu line made only of navigation words, or a breadcrumb trail."""
    if len(text) > MAX_NAV_CHARS * 3:
        return False
    if len(_BREADCRUMB_SEP.findall(text)) >= 2 and len(text) <= MAX_NAV_CHARS * 3:
        parts = [p.strip() for p in _BREADCRUMB_SEP.split(text)]
        if all(0 < len(p) <= 40 and len(p.split()) <= 5 for p in parts):
            return True
    if len(text) > MAX_NAV_CHARS or text.endswith((".", "!", "?")) and not text.endswith("..."):
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    if not words or len(words) > MAX_NAV_WORDS:
        return False
    return all(w in NAV_WORDS for w in words)


def is_image_name(text: str) -> bool:
    return len(text) <= 220 and _IMAGE_LINE.match(text) is not None


def is_attachment(text: str) -> bool:
    if len(text) > 320:
        return False
    return _ATTACHMENT.match(text) is not None or (
        len(text.split()) <= 12 and _DOC_NAME_LINE.match(text) is not None
    )


def is_url(text: str) -> bool:
    return " " not in text and _URL_LINE.match(text) is not None


def is_dateline(text: str) -> bool:
    """A paragraph that is only a date ("05.09.2024", "Tuesday, October 8, 2013 11:57 AM")
    or a date metadata line ("Published: 12 March 2024"): the dateline of an item."""
    if len(text) <= 24 and _DATELINE.match(text) is not None:
        return True
    return dateline_value(text) is not None


def dateline_value(text: str) -> tuple[str, str] | None:
    """``(iso_value, precision)`` of a dateline paragraph, else None."""
    if len(text) > 80 or not (_ASCII_DIGIT.search(text) if text.isascii()
                              else any(c.isdigit() for c in text)):
        return None
    from corpus_cli.dates import DATE_LABEL, parse_date

    m = DATE_LABEL.match(text)
    return parse_date(text[m.end():] if m else text)


def strip_glued_navigation(text: str) -> tuple[str | None, str]:
    """``"Latest news\u201cX\u201d: a headline"`` -> ``("Latest news", "\u201cX\u201d: a
    headline")``: navigation words (at least four letters in all) glued, without a space,
    to the capital letter or quote that starts the text; else ``(None, text)``."""
    m = _GLUED_NAV.match(text)
    if not m or len(m.group(1)) < 4 or len(text) - m.end() < 3:
        return None, text
    words = [w.lower() for w in m.group(1).split()]
    if not all(w in NAV_WORDS for w in words):
        return None, text
    return m.group(1), text[m.end():]


def split_glued_date(text: str) -> tuple[str | None, str]:
    """``"09.06.2018On June 9"`` -> ``("09.06.2018", "On June 9")``; a date with a time, or
    with its month in words, glued to a headline: ``"13.03.2023, 18:40Parliament ..."``,
    ``"13 March 2023, 18:40Parliament ..."``, ``"March 13, 2023Parliament ..."``; else
    ``(None, text)``."""
    first = text[:1]
    if first.isdigit():
        m = _GLUED_DATE.match(text) or _GLUED_STAMP.match(text)
        if m is None and _MONTH_WORD_GATE.match(text):
            m = _glued_word_date().match(text)
    elif first.isalpha() and _MONTH_FIRST_GATE.match(text):
        m = _glued_word_date().match(text)
    else:
        return None, text
    if not m:
        return None, text
    rest = text[m.end():]
    if m.re is not _GLUED_DATE and not (rest[:1].isupper() or rest[:1] in _OPENING_QUOTES):
        return None, text  # "2023года": not a headline glued on
    return m.group(1), rest.lstrip()


_OPENING_QUOTES = "\"'\u00ab\u201c\u201e"
# A numeric date and a time glued to a headline: "13.03.2023, 18:40Parliament approves".
_GLUED_STAMP = re.compile(
    r"^(\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d,?\s{1,3}(?:[01]?\d|2[0-3]):[0-5]\d)(?=\S)")
# Cheap tests before the month names are tried: "13 March", "March 13".
_MONTH_WORD_GATE = re.compile(r"^\d{1,2}\s{1,2}[^\W\d_]")
_MONTH_FIRST_GATE = re.compile(r"^[^\W\d_]{3,9}\.?\s{1,2}\d{1,2},?\s{1,2}(?:19|20)\d\d")


@lru_cache(maxsize=1)
def _glued_word_date() -> re.Pattern:
    """A date with its month in words (the names of ``data/months.tsv``), maybe a time, up
    to where something is glued on: "13 March 2023, 18:40", "March 13, 2023"."""
    from corpus_cli.dates import MONTH_PATTERN as month

    time = r"(?:,?\s{1,3}(?:[01]?\d|2[0-3]):[0-5]\d)?"
    return re.compile(
        rf"^((?:\d{{1,2}}\s{{1,2}}{month},?\s{{1,2}}(?:19|20)\d\d"
        rf"|{month}\s{{1,2}}\d{{1,2}},?\s{{1,2}}(?:19|20)\d\d){time})(?=\S)",
        re.IGNORECASE)


def strip_glued_image(text: str) -> tuple[str | None, str]:
    """``"IMG_1.jpgThe text"`` -> ``("IMG_1.jpg", "The text")``; else ``(None, text)``."""
    if len(text) < 6:
        return None, text
    m = _GLUED_IMAGE.match(text)
    if not m:
        return None, text
    return m.group(1), text[m.end():]


MAX_GLUED_PREFIXES = 8


def _noise(text: str) -> tuple[str, str] | None:
    """``(reason, explanation)`` when the whole text is scraping noise, else None."""
    if is_url(text):
        return "url", "bare URL line (kept as page metadata)"
    if is_image_name(text):
        return "image", "image file name"
    if is_attachment(text):
        return "attachment", "attachment / document link"
    if is_navigation(text):
        return "navigation", "navigation line"
    return None


def clean_text(text: str) -> tuple[str, tuple[Removal, ...], str | None, str | None]:
    """Clean one paragraph's text.

    Returns ``(text, removals, dateline, reason)``: ``reason`` is set (and ``text`` empty)
    when the whole paragraph is noise; ``dateline`` is a date split off its start.
    Image names and dates glued to the start are taken off one after the other, and what
    remains is checked again, so cleaning the returned text again changes nothing.
    """
    text = squeeze(text)
    if not text:
        return "", (Removal("empty", "", "blank paragraph"),), None, "empty"
    removals: list[Removal] = []
    dateline = None
    for round_ in range(MAX_GLUED_PREFIXES + 1):
        noise = _noise(text)
        if noise is not None:
            reason, why = noise
            removals.append(Removal(reason, text, why))
            return "", tuple(removals), dateline, reason
        image, rest = strip_glued_image(text)
        glued_date = split_glued_date(text)[0] if image is None else None
        if round_ == MAX_GLUED_PREFIXES and (image or glued_date):
            # a run of glued file names or dates, not prose
            removals.append(Removal("image" if image else "date", text,
                                    "a run of glued file names or dates"))
            return "", tuple(removals), dateline, "image" if image else "date"
        if image is not None and rest.strip():
            removals.append(Removal("image", image, "image file name glued to the text"))
            text = rest.lstrip()
            continue
        nav, rest = strip_glued_navigation(text)
        if nav is not None:
            removals.append(Removal("navigation", nav, "navigation words glued to the text"))
            text = rest
            continue
        date, rest = split_glued_date(text)
        if date is not None and rest.strip():
            if dateline is None:
                dateline = date
            else:
                removals.append(Removal("date", date, "a second date glued to the text"))
            text = rest.lstrip()
            continue
        break
    return text, tuple(removals), dateline, None


MIN_WRAP_WIDTH = 50
MAX_WRAP_WIDTH = 120


def wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped page was wrapped at (a text dump at 72 or 80 columns), or
    None. A page is wrapped when the longest line has 50 to 120 characters, many lines
    followed by another line of their block are nearly as long, and the text after those
    lines often goes on in lower case (a list of headlines does not)."""
    lengths = [len(x.rstrip()) for x in lines]
    width = max(lengths, default=0)
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH:
        return None
    nonblank = sum(1 for n in lengths if n)
    full = continued = 0
    for i in range(len(lines) - 1):
        if lengths[i] >= 0.75 * width and lengths[i + 1]:
            full += 1
            first = lines[i + 1].lstrip()[:1]
            continued += first.isalpha() and first.islower()
    # prose goes on in lower case after a wrap; a list of headlines does not
    return width if full >= 3 and full >= 0.3 * nonblank and continued >= 0.4 * full else None


def _blocks(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(line_start, line_end, raw)`` paragraphs: each non-blank line, except that a
    hard-wrapped line is joined with the next line of its block. A line is hard-wrapped when
    the page is wrapped at a width (see :func:`wrap_width`) and the next line's first word
    would not have fitted on it, or when it has no closing punctuation and the next line
    starts in lower case."""
    lines = text.split("\n")
    width = wrap_width(lines)
    start = 0
    buf: list[str] = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            if buf:
                yield start, no - 1, "\n".join(buf)
                buf = []
            continue
        if buf:
            prev = buf[-1].rstrip()
            stripped = line.lstrip()
            first = stripped[:1]
            next_word = stripped.split(" ", 1)[0]
            if ((width is not None and len(prev) + 1 + len(next_word) > width) or (
                len(prev) >= 30
                and not _SENTENCE_END.search(prev)
                and first.isalpha()
                and first.islower()
            )) and not _line_of_its_own(stripped) and not (
                    len(buf) == 1 and _line_of_its_own(prev)):
                buf.append(line)
                continue
            yield start, no - 1, "\n".join(buf)
            buf = []
        start = no
        buf = [line]
    if buf:
        yield start, start + len(buf) - 1, "\n".join(buf)


def _line_of_its_own(line: str) -> bool:
    """A line that is never the continuation of a wrapped line, nor continued by the next:
    an image file name, a bare URL or an attachment link (``news_pic_1.jpg`` under a
    sentence is a caption's file, not the sentence's last word)."""
    text = squeeze(line)
    return is_url(text) or is_image_name(text) or is_attachment(text)


def _title_date_suffix(prev: str, text: str) -> str | None:
    """If ``text`` is ``prev`` followed by a date, return the date; ``""`` if equal (or
    followed by a short label such as "FEATURE"). Case does not count."""
    if text == prev or text.casefold() == prev.casefold():
        return ""
    if len(prev) < 8 or not text.casefold().startswith(prev.casefold()):
        return None
    rest = text[len(prev):].strip(_DATE_SUFFIX_SEP)
    if rest and (is_dateline(rest) or _looks_like_date(rest)):
        return rest
    if rest and _LABEL_SUFFIX.match(rest):
        return ""
    return None


MIN_FAR_REPEAT = 20  # a title repeated further down (after a subtitle) is at least this long


def _looks_like_date(text: str) -> bool:
    from corpus_cli.dates import parse_date

    return len(text) <= 40 and parse_date(text) is not None


def _clean_line(arg: str) -> tuple:
    """:func:`clean_text` of one paragraph's text, with what the cleaner derives from the
    result: ``(arg, text, removals, dateline, reason, kind, script)`` (``kind`` and
    ``script`` are None for noise). ``text`` is ``arg`` itself when cleaning changed
    nothing."""
    text, removals, dateline, reason = clean_text(arg)
    if reason is not None:
        return arg, text, removals, dateline, reason, None, None
    if text == arg:
        text = arg  # one string object for both: halves the memory of clean lines
    kind = "dateline" if dateline is None and is_dateline(text) else "text"
    return arg, text, removals, dateline, None, kind, script_of(text)


# Each distinct line is cleaned once per process (a site's furniture is on every page); the
# cached line object also stands for every copy of it, which the process pool then sends
# once per batch of pages.
_CLEANED = Memo(_clean_line)

# The fields of a paragraph being cleaned (a list, made a Paragraph once its id is known).
_F_TEXT, _F_DATELINE = 4, 8


def clean_page(page: Page) -> CleanPage:
    """Split a page into paragraphs and clean each one (see :func:`clean_text`). A stored
    page's date prefix (" date 2022-01-13 ..." at the start of the page) is taken off its
    first paragraph and kept as that paragraph's ``dateline``; a title repeated on the next
    line, or after a subtitle or caption, is removed (its date, if it has one, goes to the
    title)."""
    # [index, line_start, line_end, raw, text, kind, status, reason, dateline, script,
    #  removals]
    rows: list[list] = []
    urls: list[str] = []
    recent: list[int] = []  # indices into rows of the last kept text paragraphs
    for index, (line_start, line_end, raw) in enumerate(_blocks(page.text)):
        meta = _META_DATE.match(raw) if index == 0 else None
        if meta:
            _arg, text, removals, dateline, reason, kind, script = _CLEANED[raw[meta.end():]]
            removals = (Removal("meta_date", meta.group().strip(), "the stored page's date"),
                        *removals)
            dateline = meta.group(1)
            kind = "text"  # it has a dateline
            if reason == "empty":
                reason = "meta_date"
        else:
            raw, text, removals, dateline, reason, kind, script = _CLEANED[raw]
        if removals:
            urls.extend(r.text for r in removals if r.kind == "url")
        if reason is None and recent and len(text) <= 400:
            for back, k in enumerate(reversed(recent)):
                prev = rows[k]
                prev_text = prev[_F_TEXT]
                far = back or rows[-1] is not prev  # not the paragraph just before
                if far and (len(prev_text) < MIN_FAR_REPEAT or prev_text.endswith(".")):
                    continue
                suffix = _title_date_suffix(prev_text, text)
                if suffix is None:
                    continue
                reason = "repeated_title"
                removals = (
                    Removal("repeated_title", text, "title repeated"
                            + (" on the next line" if not back else "")
                            + (" with a date" if suffix else "")),
                )
                text = ""
                if suffix and prev[_F_DATELINE] is None:
                    prev[_F_DATELINE] = suffix
                break
        if reason is not None:
            rows.append([index, line_start, line_end, raw, "", "removed", "removed", reason,
                         dateline if meta else None, "none", removals])
            continue
        rows.append([index, line_start, line_end, raw, text, kind, "kept", None, dateline,
                     script, removals])
        if kind == "text":
            recent.append(len(rows) - 1)
            del recent[:-3]
    # paragraph_key: the cleaned text, the raw text of a removed paragraph
    fingerprint, ids = paragraph_ids([(True, "-" + r[3]) if r[6] == "removed"
                                      else (False, r[_F_TEXT]) for r in rows])
    path = page.path
    paragraphs = tuple(Paragraph(pid, path, *r) for pid, r in zip(ids, rows, strict=True))
    return CleanPage(page, paragraphs, tuple(urls), fingerprint)


def clean_pages(pages: Iterable[Page]) -> Iterator[CleanPage]:
    """Clean pages in corpus order: a page with the same text as an earlier one gets the
    paragraph ids of a second copy (see :mod:`corpus_cli.ids`)."""
    from corpus_cli.ids import recopy

    seen: dict[str, int] = {}
    for page in pages:
        cp = clean_page(page)
        n = seen.get(cp.fingerprint, 0)
        seen[cp.fingerprint] = n + 1
        yield recopy(cp, n) if n else cp
