"""Bytes to text: which encoding a text file (or an HTML page that does not say) is in.

In this order:

1. a BOM decides (UTF-8, UTF-16, UTF-32);
2. UTF-16 or UTF-32 without a BOM, when the bytes have the shape of alphabetic text in it
   (every other byte of each character the same few values, no NUL in the others);
3. NUL bytes or many control bytes otherwise: binary, not text;
4. valid UTF-8 is UTF-8;
5. UTF-8 with a few bytes that are not (at least as many valid multi-byte characters as
   invalid sequences): UTF-8, the stray bytes replaced by U+FFFD, with a warning;
6. else a legacy single-byte code page, chosen by how plausible the text it gives is
   (:func:`legacy`): cp1252 (Western; latin-1 is its subset), cp1251 and koi8-r/koi8-u
   (Cyrillic), cp1250 and iso-8859-2 (Central European), cp1253 (Greek), cp1254
   (Turkish), cp1257 (Baltic), cp866 and iso-8859-5 (Cyrillic). When none reads well, a
   multi-byte code page (Shift_JIS, GB18030, Big5, EUC-KR...) found by charset-normalizer;
   failing that the best guess, with a warning.

The plausibility of a decoding looks only at the bytes beyond ASCII (in the first 64 KB):
letters of two scripts glued in one word (``étrangères`` read as cp1251 gives
``йtrangиres``), a capital after a small letter inside a word (koi8-r read as cp1251 gives
``мИНИСТР``), a symbol that prose does not glue to words (Polish ``ł`` read as cp1252 is
``³``; Russian in koi8-r read as cp866 is box drawing), control characters, and how well
the letters fit the alphabet of one language (``data/alphabets.tsv``: French in cp1250
gives ``étrangčres``, letters no one language writes together). All counts are made in C
(``bytes.translate``, ``bytes.count``, shifts of big integers): no Python loop over the
text.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

# Legacy code pages, in the order that breaks ties (the most used first).
CANDIDATES = ("cp1252", "cp1251", "cp1250", "koi8_r", "cp1253", "cp1254", "cp1257",
              "iso8859_2", "koi8_u", "cp866", "iso8859_5")
SAMPLE = 65536  # bytes looked at to choose a code page...
ENOUGH = 6000  # ... or fewer, enough to hold this many bytes beyond ASCII
# Penalty per non-ASCII byte above which the chosen code page is reported as a guess.
UNCERTAIN = 0.2
# Below this share of bytes beyond ASCII that read as letters inside words (or punctuation
# of prose), the reading has no evidence for it (a stray byte in an English page): a guess.
MIN_SUPPORT = 0.5

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Bytes that do not occur in text: C0 controls other than tab, newlines, form feed, ESC.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))
_ASCII = bytes(range(128))


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text, the encoding it was read in, and a warning when the reading is
    doubtful (stray bytes replaced, or a code page that is a guess)."""

    text: str
    encoding: str
    warning: str | None = None


def looks_binary(data: bytes) -> bool:
    """True for data that is not text: NUL bytes (outside UTF-16/32) or many control bytes."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


def decode_bytes(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode ``data`` (see the module's documentation for the order of the checks).

    A forced ``encoding`` is used as is (bad bytes replaced). Raises ``ValueError`` for
    binary data or a BOM whose encoding the bytes break, ``LookupError`` for an unknown
    forced encoding.
    """
    if encoding:
        codecs.lookup(encoding)
        return Decoded(data.decode(encoding, errors="replace").lstrip("\ufeff"), encoding)
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(name), name)
            except UnicodeDecodeError as exc:
                raise ValueError(f"invalid {name} data at byte {exc.start}") from None
    if b"\x00" in data[:8192]:
        wide = utf16_without_bom(data)
        if wide is not None:
            return wide
    if looks_binary(data):
        raise ValueError("binary file (not text)")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return utf8_with_strays(data) or legacy(data)


# ---- UTF-16 and UTF-32 without a BOM ---------------------------------------------------
def utf16_without_bom(data: bytes) -> Decoded | None:
    """UTF-32 or UTF-16 (either byte order) without a BOM, when the bytes have the shape
    of alphabetic text in it: the high byte of each character takes a few values (0 for
    ASCII and Latin, 4 for Cyrillic, 3 for Greek, 0x20 for punctuation) and the low byte is
    never NUL; the text decodes strictly and has no control characters. CJK text in UTF-16
    without a BOM does not have that shape and is not recognised (it is rare)."""
    head = data[:SAMPLE]
    for name, width, order in (("utf-32-le", 4, "le"), ("utf-32-be", 4, "be"),
                               ("utf-16-le", 2, "le"), ("utf-16-be", 2, "be")):
        if len(data) % width or len(head) < 2 * width:
            continue
        head = head[: len(head) - len(head) % width]
        if width == 4:
            zero = head[3::4] + head[2::4] if order == "le" else head[0::4] + head[1::4]
            if zero.count(0) < 0.99 * len(zero):
                continue
            low, high = (head[0::4], head[1::4]) if order == "le" else (head[3::4], head[2::4])
        else:
            low, high = (head[0::2], head[1::2]) if order == "le" else (head[1::2], head[0::2])
        units = len(low)
        if low.count(0) > 0.01 * units:
            continue
        top = Counter(high).most_common(3)
        if sum(n for _b, n in top) < 0.9 * units:
            continue
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        sample = text[:4096]
        bad = sum(1 for ch in sample
                  if (unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
                      and ch not in "\t\n\r\f\v\x1b"))
        if bad > 0.01 * len(sample):
            continue
        return Decoded(text, name)
    return None


# ---- UTF-8 with stray bytes -------------------------------------------------------------
def utf8_with_strays(data: bytes) -> Decoded | None:
    """UTF-8 with a few invalid byte sequences (a line pasted from another charset, a
    truncated character): read as UTF-8 with the invalid sequences replaced by U+FFFD,
    when valid multi-byte characters are at least as many as the invalid sequences (in a
    page in a legacy code page they are a handful against thousands); else ``None``."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    beyond_ascii = len(text) - len(text.encode("ascii", "ignore"))
    good = beyond_ascii - bad - data.count(b"\xef\xbf\xbd")
    if bad <= 0 or good < bad:
        return None
    return Decoded(text, "utf-8", f"{bad} byte sequence(s) not valid UTF-8 replaced by "
                                  "\ufffd (the rest of the file is UTF-8)")


# ---- legacy code pages -----------------------------------------------------------------
# Byte classes: a/A ASCII letter, l/L Latin, c/C Cyrillic, g/G Greek (small/capital), o other
# letter, p punctuation of prose (quotes, dashes, apostrophes, bullets, currency, degree...),
# s any other symbol (box drawing, math, superscripts: never glued to words in prose),
# x control or undefined, " " anything else (space, digit, ASCII punctuation).
_PROSE_MARKS = ("\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a"
                "\u02bc\u00b4\u2010\u2011\u2013\u2014\u2015\u2026\u2022\u00b7\u00ad"
                "\u20ac\u00a3\u00a5\u00a2\u00b0\u2116\u00a7\u00a9\u00ae\u2122\u2030"
                "\u2020\u2021\u00a1\u00bf\u00b6")
# Pairs of neighbouring classes that prose does not have (counted with bit masks below).
_PAIRS = (
    ("aAlL", "cCgG"), ("cCgG", "aAlL"), ("cC", "gG"), ("gG", "cC"),  # two scripts in a word
    ("alcg", "LCG"), ("lcg", "A"),  # a capital after a small letter, inside a word
    ("aAlLcCgGos", "s"), ("s", "aAlLcCgGo"),  # a symbol glued to a word or a symbol
)
_LETTERS = "aAlLcCgGo"
_HIGH_LETTERS = "lLcCgG"
_SCRIPTS = {"LATIN": "l", "CYRILLIC": "c", "GREEK": "g"}


def _char_class(ch: str) -> str:
    if ch == "\ufffd" or unicodedata.category(ch) == "Cc":
        return "x"
    if ch.isspace():
        return " "
    if ch.isalpha():
        code = _SCRIPTS.get(unicodedata.name(ch, "").split(" ", 1)[0])
        if code is None or not (ch.islower() or ch.isupper()):
            return "o"
        return code if ch.islower() else code.upper()
    if ch in _PROSE_MARKS:
        return "p"
    return "s"


@cache
def _table(encoding: str) -> tuple[bytes, str]:
    """The class of each byte in ``encoding`` (a ``bytes.translate`` table), and the text
    of the 128 bytes beyond ASCII."""
    classes = bytearray()
    for b in range(128):
        ch = chr(b)
        classes += (b"a" if ch.islower() else b"A") if ch.isalpha() else b" "
    high = bytes(range(128, 256)).decode(encoding, errors="replace")
    # bytes the code page does not define come out as U+FFFD: class x
    classes += "".join(_char_class(ch) for ch in high).encode("ascii")
    return bytes(classes), high


@lru_cache(maxsize=1)
def _alphabets() -> dict[str, list[tuple[str, frozenset[str], frozenset[str]]]]:
    """script letter (l, c, g) -> [(language, common letters, rare letters)]."""
    from corpus_cli.wordlists import lines

    out: dict[str, list] = {}
    for ln in lines("alphabets.tsv"):
        lang, rest = ln.split("\t")
        script, common, rare = rest.split(" ")
        out.setdefault(script[0], []).append(
            (lang, frozenset(common.strip("-")), frozenset(rare.strip("-"))))
    return out


def _misfit(counts: Counter, high: str, classes: bytes) -> float:
    """How badly the letters beyond ASCII fit the alphabet of one language of their
    script: 1 for each letter the best-fitting language does not write, 0.5 for a rare one."""
    by_script: dict[str, Counter] = {}
    for b, n in counts.items():
        cls = chr(classes[b]).lower()
        if cls in "lcg":
            letter = high[b - 128].lower()[0]
            by_script.setdefault(cls, Counter())[letter] += n
    total = 0.0
    for script, letters in by_script.items():
        best = None
        for _lang, common, rare in _alphabets().get(script, ()):
            cost = sum(n * (0.0 if c in common else 0.5 if c in rare else 1.0)
                       for c, n in letters.items())
            best = cost if best is None else min(best, cost)
        total += best if best is not None else sum(letters.values())
    return total


def penalty(sample: bytes, encoding: str, counts: Counter | None = None) -> float:
    """How implausible ``sample`` read in ``encoding`` is, per byte beyond ASCII (0: every
    one reads as a letter of one language's alphabet, in words of one script, capitals
    where capitals go)."""
    return _judge(sample, encoding, counts)[0]


@cache
def _one_of(classes: str) -> bytes:
    return bytes(1 if chr(b) in classes else 0 for b in range(256))


def _mask(cls: bytes, classes: str) -> int:
    """A big integer with the bits of byte ``i`` set where ``cls[i]`` is one of
    ``classes``: neighbours are then compared with shifts, in C, whatever the length."""
    return int.from_bytes(cls.translate(_one_of(classes)), "big")


def _judge(sample: bytes, encoding: str, counts: Counter | None = None
           ) -> tuple[float, float]:
    """(penalty, support) per byte beyond ASCII: :func:`penalty`, and the share of those
    bytes that read as letters inside words or as punctuation of prose (the evidence
    that the reading is right, not merely harmless)."""
    classes, high = _table(encoding)
    if counts is None:
        counts = Counter(sample.translate(None, _ASCII))
    n_high = sum(counts.values())
    if not n_high:
        return 0.0, 1.0
    cls = sample.translate(classes)
    masks: dict[str, int] = {}

    def m(group: str) -> int:
        got = masks.get(group)
        if got is None:
            got = masks[group] = _mask(cls, group)
        return got

    bad = 0.0
    for first, second in _PAIRS:  # ``first`` at byte i, ``second`` at byte i + 1
        bad += ((m(first) >> 8) & m(second)).bit_count()
    letters, control = m(_LETTERS), m("x")
    bad += ((letters >> 16) & (control >> 8) & letters).bit_count()  # a control in a word
    for script in ("cC", "gG"):  # a lone Cyrillic or Greek letter
        one = m(script)
        bad += 0.5 * (one & ~(one >> 8) & ~(one << 8)).bit_count()
    bad += (2 * cls.count(b"x") + 0.25 * cls.count(b"s") + 0.25 * cls.count(b"o")
            + _misfit(counts, high, classes))
    in_word = m(_HIGH_LETTERS) & ((m("aAlLcCgG") >> 8) | (m("aAlLcCgG") << 8))
    support = in_word.bit_count() + cls.count(b"p")
    return bad / n_high, support / n_high


def legacy(data: bytes) -> Decoded:
    """Decode bytes that are not UTF-8 in the most plausible legacy code page (ties go to
    the most used: cp1252, then cp1251...). A poor fit for all of them is looked up among
    the multi-byte code pages (charset-normalizer); a reading that stays doubtful comes
    with a warning."""
    sample = data[:SAMPLE]
    n_high = len(sample) - len(sample.translate(None, bytes(range(128, 256))))
    if n_high > ENOUGH:  # a few thousand letters decide as well as all of them
        sample = sample[: len(sample) * ENOUGH // n_high]
    counts = Counter(sample.translate(None, _ASCII))
    best_enc, best, support = CANDIDATES[0], float("inf"), 0.0
    for enc in CANDIDATES:
        score, backed = _judge(sample, enc, counts)
        if score < best:
            best_enc, best, support = enc, score, backed
        if best == 0:
            break
    if best > UNCERTAIN:  # no single-byte code page fits: CJK?
        wide = _multibyte(data)
        if wide is not None:
            return wide
    text = data.decode(best_enc, errors="replace")
    warning = None
    if best > UNCERTAIN:
        warning = (f"not UTF-8, and no code page reads it well: read as {best_enc}, a "
                   "guess (give --encoding if the text is garbled)")
    elif support < MIN_SUPPORT:  # nothing says which: the web's most used, as browsers do
        best_enc = CANDIDATES[0]
        text = data.decode(best_enc, errors="replace")
        n = sum(counts.values())
        warning = (f"not UTF-8: {n} byte(s) beyond ASCII that are no letters of a word; "
                   f"read as {best_enc}, a guess (give --encoding if the text is garbled)")
    return Decoded(text, best_enc, warning)


_SINGLE_BYTE = frozenset(CANDIDATES) | {"latin_1", "iso8859_15", "mac_roman", "mac_cyrillic",
                                        "cp437", "cp850", "ascii", "utf_8"}


def _multibyte(data: bytes) -> Decoded | None:
    """A multi-byte legacy code page (CJK) that decodes ``data``, per charset-normalizer."""
    from charset_normalizer import from_bytes

    match = from_bytes(data[:262144]).best()
    if match is None or match.encoding in _SINGLE_BYTE:
        return None
    try:
        codec = codecs.lookup(match.encoding).name
        return Decoded(data.decode(match.encoding), codec)
    except (UnicodeDecodeError, LookupError):
        return None
