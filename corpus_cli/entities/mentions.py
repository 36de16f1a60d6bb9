"""The rule-based mention finder: PERSON, ORG, PLACE and EVENT mentions in one text.

One linear regular expression finds capitalised tokens (Latin, Greek and Cyrillic), which
are grouped into *chunks* of adjacent tokens (joined by spaces or by the connectors "of",
"on", "for", "and", "de", "van"...). Each chunk is cut into acronyms, role runs ("Deputy
Secretary General") and word groups; a group is an ORG when it holds an organisation
head-word (Committee, Council, Organization...), an EVENT when it holds an event head-word
or a year suffix ("Steppe Shield-2025"), a PLACE when it is in the gazetteer or follows a
place cue ("in X", "Republic of X"), and a PERSON when it is 1-4 name-like tokens with
evidence (a role next to it, an initial, a given name, a surname ending such as
-ov/-enko/-shvili, a patronymic, a speech verb after it). Every regular expression is
linear: no nested unbounded quantifiers, bounded repeats, bounded look-behind windows.
See ``docs/entities.md`` for the rules.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from corpus_cli.entities.definitions import DEF_WORD_RE, find_definitions, initials_match
from corpus_cli.entities.lexicon import (
    ABBREVIATIONS,
    CONNECTORS,
    CYRILLIC_CONNECTORS,
    DEMONYMS,
    DOCUMENT_HEADS,
    DOMAINS,
    EVENT_HEADS,
    GAZETTEER,
    GAZETTEER_FIRST_WORDS,
    GIVEN_NAMES,
    HONORIFICS,
    MONTHS,
    NAME_PARTICLES,
    NOT_PLACE,
    ORG_HEAD_SINGULAR,
    ORG_HEADS,
    ORGANISATIONS,
    PLACE_ACRONYMS,
    PLACE_HEADS,
    POSSESSIVE_KEEP,
    QUOTE_CUES,
    ROLE_HEADS,
    ROLE_WORDS,
    STOP_WORDS,
    UPPER,
    fold_confusables,
    is_acronym,
    is_roman,
    lines,
)
from corpus_cli.models import EntityMention

__all__ = ["ENTITY_TYPES", "EVENT", "ORG", "PERSON", "PLACE", "MentionFinder", "PieceKind",
           "TokenKind", "find_mentions"]

ENTITY_TYPES = ("PERSON", "ORG", "PLACE", "EVENT")
PERSON, ORG, PLACE, EVENT = ENTITY_TYPES

_UP = UPPER
# A capitalised token: initials ("S.", "A.N.") or a word starting with an upper-case letter,
# possibly hyphenated ("Colonel-General", "Shield-2025") or with an apostrophe ("People's").
# Not preceded by a letter (so "jpegThe" is skipped, but "2018On" is read).
_TOKEN_RE = re.compile(
    rf"(?<![^\W\d_])(?:([{_UP}]\.(?:[{_UP}]\.){{0,3}})"
    rf"|[{_UP}][\w'’]{{0,60}}(?:-[\w'’]{{1,40}}){{0,8}})"
)
_YEAR_EVENT_RE = re.compile(r"[^\W\d_][\w'’]{0,60}(?:-[^\W\d_][\w'’]{0,40}){0,6}-(?:19|20)\d\d")


def _endings_re(name: str) -> re.Pattern[str]:
    """A pattern matching a word that ends with one of the endings listed in a data file."""
    endings = sorted(lines(name), key=len, reverse=True)
    return re.compile("(?:" + "|".join(re.escape(e) for e in endings) + ")$")


_SURNAME_RE = _endings_re("surname_endings.txt")
_PATRONYMIC_RE = _endings_re("patronymic_endings.txt")
_SPEECH_AFTER_RE = re.compile(
    r",?\s{1,2}(?:has\s|had\s|also\s)?(?:said|says|noted|notes|stated|stressed|added|told|"
    r"emphasized|emphasised|underlined|announced|explained|pointed|believes|recalled|warned|"
    r"declared|remarked|commented|replied|wrote|met|visited|spoke|urged|called|thanked)\b"
)
_APPOSITIVE_GAP_RE = re.compile(r",\s{1,2}(?:the\s{1,2}|a\s{1,2}|an\s{1,2})?")
_LOWER_ROLE_AFTER_RE = re.compile(
    r",\s{1,2}(?:the\s{1,2}|a\s{1,2})?((?:(?:deputy|first|acting|executive|special|vice|chief|"
    r"senior|foreign|defen[cs]e|prime|permanent|former)\s{1,2}){0,3}(?:head|chairman|"
    r"chairwoman|director|minister|secretary|president|representative|ambassador|commander|"
    r"spokesman|spokeswoman|spokesperson|envoy|chief|coordinator|adviser|advisor|governor|"
    r"mayor|officer))\b"
)
_PLACE_CUE_RE = re.compile(
    r"(?:\b(?:[Ii]n|[Nn]ear|city of|town of|village of|province of|region of|capital of)|"
    r"(?<![^\W\d_])(?:в|во|В|Во))\s{1,2}$"
)

_ORDINAL = (
    r"(?:\d{1,3}(?:st|nd|rd|th)|[IVX]{1,7}|first|second|third|fourth|fifth|sixth|seventh|"
    r"eighth|ninth|tenth|eleventh|twelfth|annual|regular|extraordinary|jubilee)"
)
_EVENT_NOUNS = "(?:session|meeting|summit|congress|conference|forum)"
_ORD_OF_RE = re.compile(
    rf"\b{_ORDINAL}\s(?:plenary\s|regular\s|extraordinary\s|anniversary\s)?"
    rf"{_EVENT_NOUNS}\s(?:of\sthe|of)\s"
)
_ORD_BEFORE_RE = re.compile(rf"\b{_ORDINAL}\s(?=[{_UP}])")
_EVENT_NOUN_AFTER_RE = re.compile(rf"\s{_EVENT_NOUNS}s?\b")
_SUMMIT_RE = re.compile(r"[Ss]ummits?\b")  # a space before it is checked apart
# Cheap tests run first: without them the patterns above (which start with \b, so that the
# regex engine tries them at every position) cost as much as the rest of events().
_EVENT_NOUN_RE = re.compile(_EVENT_NOUNS)
_NOUN_OF_RE = re.compile(rf"{_EVENT_NOUNS}\sof\s")
# Names told by their shape (see MentionFinder.shaped_names): a name in quotes, a site name
# ("Name.Asia"), a media name before "reports" or after "according to".
_QUOTED_RE = re.compile(r"[“«„\"]([^“”«»„\"\n]{2,80})[”»“\"]")
_QUOTED_WORD_RE = re.compile(r"[^\W\d_][\w'’.]{0,40}(?:-[\w'’]{1,40}){0,4}|\d{1,4}")
_CUE_WORD_RE = re.compile(r"[^\W\d_][\w-]{0,40}")
_CUE_STOP_RE = re.compile(r"[,.;:!?()\[\]“”«»„\"\n]")
_GLUED_DOT_RE = re.compile(r"\.(?=[^\W\d_])")
_DOMAIN_TAIL_RE = re.compile(r"\.([^\W\d_]{2,6})(?![^\W_]|\.[^\W\d_])")
_REPORTS_AFTER_RE = re.compile(
    r",?\s{1,2}(?:reports|reported|writes|informs|informed|quotes|quoted|cites)\b"
)
# Function words that only a Title Case headline capitalises in mid-line.
_TITLE_FUNCTION_WORDS = frozenset(
    "In Of To For And At On With From By As Into Over Under Amid Against".split()
)
_LINE_WORD_RE = re.compile(r"[^\W\d_][\w'’-]{0,40}")
_ACCORDING_TO_RE = re.compile(r"\b(?:[Aa]ccording to|reported by|quoted by)\s{1,2}$")
# Compound organisation names (see MentionFinder.compounds).
_OF_THE_RE = re.compile(r" of (?:the )?")
_ACRONYM_AFTER_RE = re.compile(rf" [{_UP}][{_UP}\d&]{{1,9}}(?![^\W\d_])")
_ACRONYM_BEFORE_RE = re.compile(rf"(?<![^\W\d_])[{_UP}][{_UP}\d&]{{1,9}} $")
_DASH_ACR_ROLE_RE = re.compile(rf" ?[-–—] ?([{_UP}][{_UP}\d&]{{1,9}}) ([{_UP}][\w-]{{1,30}})")
_DEF_WORDS_RE = DEF_WORD_RE
_WORD_BEFORE_RE = re.compile(rf"(?<![^\W\d_])([{_UP}][^\W\d_]{{1,39}}) $")


class TokenKind(IntEnum):
    """What a capitalised token (or a unit of tokens) is, as far as one token can tell."""

    STOP = 0  # ends a chunk, never part of an entity (function words, months, numerals)
    INITIALS = 1  # "S.", "A.N."
    ACRONYM = 2  # "ESPO", "ЕОПБ"
    WORD = 3  # any other capitalised word
    YEAR_EVENT = 4  # "Shield-2025"
    PLACE = 5  # a unit: one or more tokens that name a gazetteer place


class PieceKind(IntEnum):
    """The pieces a chunk is cut into."""

    ACRONYM = 1
    ROLE = 2  # a run of role words with a head: "Deputy Secretary General"
    GROUP = 3  # a word group: an organisation, event, place or person name


# The scanner and the rules store and compare the kinds' int values: comparing IntEnum
# members costs about twice as much as comparing ints, in the loop over every token.
_STOP_T, _INITIALS, _ACRONYM, _WORD, _YEAR_EVENT, _PLACE_UNIT = (int(k) for k in TokenKind)
_P_ACR, _P_ROLE, _P_GROUP = (int(k) for k in PieceKind)

# Words that are not acronyms when written in capitals ("PARIS", "JOINT", "SUMMIT").
_CAPS_WORDS = (frozenset(GAZETTEER) | DEMONYMS | ROLE_WORDS | ORG_HEADS | EVENT_HEADS
               | PLACE_HEADS | NOT_PLACE)
# The classification of tokens already seen (by any text of this process): most tokens
# of a corpus are seen many times. Emptied when it holds more than _TOKEN_CACHE_SIZE.
_TOKEN_CACHE: dict[str, tuple[int, str, int]] = {}
_TOKEN_CACHE_SIZE = 1 << 17
# Longest chunk of capitalised tokens looked at as one (names are far shorter; Title Case
# headlines and lists are cut, which keeps the work per token bounded).
_MAX_CHUNK = 16
# Longest compound organisation name (three nested organisations take about 100 characters:
# "Executive Committee of the Regional Anti-Smuggling Structure of the Northern Customs
# Union").
_MAX_COMPOUND = 160

# A token: (start, end, kind, lower-case text). A unit (tokens joined into one place, or
# one token): (first token, last token, kind, gazetteer name or None, start, end). A piece:
# (kind, first unit, last unit). Kinds are TokenKind and PieceKind values.
Token = tuple[int, int, int, str]
Unit = tuple[int, int, int, "str | None", int, int]
Piece = tuple[int, int, int]


@dataclass(slots=True)
class _Chunk:
    """Adjacent capitalised tokens, the connectors before each, and how they are cut."""

    index: int  # position in the text's list of chunks
    toks: list[Token]
    conns: list[str]  # the connector before each token ("" for a space or the first)
    units: list[Unit] | None = None  # None for a chunk of one token
    pieces: list[Piece] | None = None

@lru_cache(maxsize=1 << 16)
def _is_role_word(low: str) -> bool:
    if low in ROLE_WORDS:
        return True
    if "-" in low:
        return all(p in ROLE_WORDS or p == "in" for p in low.split("-"))
    return False


@lru_cache(maxsize=1 << 16)
def _is_role_head(low: str) -> bool:
    if low in ROLE_HEADS:
        return True
    if "-" in low:
        return low.rsplit("-", 1)[1] in ROLE_HEADS
    return False


@lru_cache(maxsize=1 << 16)
def _is_org_head(low: str) -> bool:
    return low in ORG_HEADS or ("-" in low and low.rsplit("-", 1)[1] in ORG_HEADS)


def _is_event_head(low: str) -> bool:
    return low in EVENT_HEADS


@lru_cache(maxsize=1 << 16)
def _nameable(low: str) -> bool:
    return not (
        low in ROLE_WORDS
        or low in ORG_HEADS
        or low in EVENT_HEADS
        or low in DEMONYMS
        or low in GAZETTEER
        or low in STOP_WORDS
        or _is_role_word(low)
        or _is_org_head(low)
    )


# --------------------------------------------------------------------------- extraction


class MentionFinder:
    """The state of the mention finder over one text: call :meth:`run` once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.defs = find_definitions(text)
        self.out: list[EntityMention] = []
        self.chunks: list[_Chunk] = []
        # Names without evidence yet: (start, end, lower-case surname, role).
        self.candidates: list[tuple[int, int, str, tuple[int, int] | None]] = []
        self.single_words: list[tuple[int, int, str]] = []
        # Organisation head-words alone ("Secretariat"): (start, end, lower case).
        self.lone_heads: list[tuple[int, int, str]] = []
        self.domains: list[tuple[int, int]] = []  # "Name.Asia"
        self.headlines: dict[int, bool] = {}  # line start -> Title Case line

    # -- helpers -------------------------------------------------------------------

    def acr_canonical(self, acr: str) -> str:
        defs = self.defs
        if acr in defs.acr:
            return defs.acr[acr]
        if acr in defs.link:
            other = defs.link[acr]
            return defs.acr.get(other, other)
        return acr

    def emit(self, typ: str, s: int, e: int, canonical: str | None = None,
             role: str | None = None) -> EntityMention:
        t = self.text[s:e]
        m = EntityMention(t, s, e, typ, canonical if canonical is not None else t, role)
        self.out.append(m)
        return m

    def emit_acronym(self, s: int, e: int) -> None:
        acr = fold_confusables(self.text[s:e])
        if acr in PLACE_ACRONYMS and acr not in self.defs.acr:
            self.emit(PLACE, s, e, PLACE_ACRONYMS[acr])
            return
        canon = self.acr_canonical(acr)
        if canon != acr and canon.rsplit(" ", 1)[-1].lower() in DOCUMENT_HEADS:
            return
        typ = ORG
        gz = GAZETTEER.get(canon.lower())
        if gz is not None and canon != acr:
            typ, canon = PLACE, gz
        self.emit(typ, s, e, canon)

    # -- scanning ------------------------------------------------------------------

    def scan(self) -> list[_Chunk]:
        """Capitalised tokens grouped into chunks."""
        text = self.text
        chunks: list[_Chunk] = []
        cur: list[Token] = []
        conns: list[str] = []
        prev_end = -1
        prev_low = ""
        prev_kind = _STOP_T
        prev_poss = False
        spans = self.defs.spans
        nres = len(spans)
        ri = 0
        cache = _TOKEN_CACHE
        if len(cache) > _TOKEN_CACHE_SIZE:
            cache.clear()
        # periods glued to a letter ("Name.Asia"): where a site name may end a token
        glued = {m.start() for m in _GLUED_DOT_RE.finditer(text)} if "." in text else ()
        for m in _TOKEN_RE.finditer(text):
            s, e = m.span()
            if nres:
                while ri < nres and spans[ri][1] <= s:
                    ri += 1
                if ri < nres and spans[ri][0] <= s:
                    if cur:
                        chunks.append(_Chunk(len(chunks), cur, conns))
                        cur, conns = [], []
                    continue
            tok = m.group()
            info = cache.get(tok)
            if info is None:
                info = cache[tok] = _classify_token(tok)
            kind, low, cut = info
            if glued and e in glued and kind != _INITIALS and not cut and len(self.domains) < 256:
                dm = _DOMAIN_TAIL_RE.match(text, e)
                if dm is not None:
                    tld = dm.group(1)
                    if tld.lower() in DOMAINS and (tld.islower() or tld.lower() not in STOP_WORDS
                                                   ) and text[s - 1 : s] not in (".", "@", "/"):
                        self.domains.append((s, dm.end()))
            if kind == _WORD and s >= 2 and text[s - 1] == "." and text[s - 2].isalpha():
                kind = _STOP_T  # "Site.Name": a domain or a glued abbreviation
            if not kind:
                if cur:
                    chunks.append(_Chunk(len(chunks), cur, conns))
                    cur, conns = [], []
                continue
            e -= cut
            if cur:
                if prev_poss or len(cur) >= _MAX_CHUNK:
                    c = None
                elif prev_end + 1 == s and text[prev_end] == " ":
                    c = ""
                else:
                    c = _gap_connector(text[prev_end:s], prev_low, prev_kind)
                if c is None:
                    chunks.append(_Chunk(len(chunks), cur, conns))
                    cur, conns = [], []
                    conns.append("")
                else:
                    conns.append(c)
            else:
                conns.append("")
            cur.append((s, e, kind, low))
            prev_end, prev_low, prev_kind, prev_poss = e, low, kind, cut > 0
        if cur:
            chunks.append(_Chunk(len(chunks), cur, conns))
        return chunks

    # -- chunk processing ----------------------------------------------------------

    def units(self, ch: _Chunk) -> list[Unit]:
        """Tokens with multi-token places joined into one unit."""
        toks, conns = ch.toks, ch.conns
        n = len(toks)
        text = self.text
        units: list[Unit] = []
        i = 0
        while i < n:
            s, e, kind, low = toks[i]
            if kind == _WORD or kind == _INITIALS:
                if i + 1 < n and (low in GAZETTEER_FIRST_WORDS or toks[i + 1][3] == "republic"):
                    key = low
                    best = -1
                    for j in range(i + 1, min(n, i + 5)):
                        c = conns[j]
                        if c not in ("", "of", "and", "of the"):
                            break
                        key = f"{key} {c} {toks[j][3]}" if c else f"{key} {toks[j][3]}"
                        if key in GAZETTEER:
                            best = j
                    if best > 0:
                        name = GAZETTEER[_key_of(toks, conns, i, best)]
                        units.append((i, best, _PLACE_UNIT, name, s, toks[best][1]))
                        i = best + 1
                        continue
                    nxt = toks[i + 1]
                    if (
                        low in ("republic", "republics")
                        and conns[i + 1] in ("of", "of the")
                        and nxt[2] == _WORD
                    ):
                        xc = GAZETTEER.get(nxt[3])
                        if low == "republic":
                            units.append((i, i + 1, _PLACE_UNIT, xc or text[s : nxt[1]], s, nxt[1]))
                        else:
                            units.append((i, i + 1, _PLACE_UNIT, xc or text[nxt[0] : nxt[1]],
                                          nxt[0], nxt[1]))
                        i += 2
                        continue
                    if (
                        nxt[3] == "republic"
                        and conns[i + 1] == ""
                        and kind == _WORD
                        and not _is_org_head(low)
                        and not _is_role_word(low)
                    ):
                        units.append((i, i + 1, _PLACE_UNIT, text[s : nxt[1]], s, nxt[1]))
                        i += 2
                        continue
                gz = GAZETTEER.get(low)
                if gz is not None:
                    units.append((i, i, _PLACE_UNIT, gz, s, e))
                    i += 1
                    continue
            elif (kind == _ACRONYM and text[s:e] in PLACE_ACRONYMS
                  and text[s:e] not in self.defs.acr):
                units.append((i, i, _PLACE_UNIT, PLACE_ACRONYMS[text[s:e]], s, e))
                i += 1
                continue
            units.append((i, i, kind, None, s, e))
            i += 1
        return units

    def pieces(self, ch: _Chunk) -> list[Piece]:
        """Cut the chunk's units into acronyms, role runs and word groups."""
        toks, conns, units = ch.toks, ch.conns, ch.units
        nu = len(units)
        # Fast path: words joined by spaces only, no acronym, no role word -> one group.
        if all(c == "" for c in conns) and all(
            u[2] != _ACRONYM and (u[2] != _WORD or not _is_role_word(toks[u[0]][3])) for u in units
        ):
            return [(_P_GROUP, 0, nu - 1)]
        pieces: list[Piece] = []

        def low(u: int) -> str:
            return toks[units[u][0]][3]

        def conn(u: int) -> str:
            return conns[units[u][0]]

        def is_head(u: int) -> bool:
            return units[u][2] == _WORD and (_is_org_head(low(u)) or _is_event_head(low(u)))

        def role_run(u: int) -> int:
            if units[u][2] != _WORD or not _is_role_word(low(u)):
                return -1
            j = u
            has_head = _is_role_head(low(u))
            while (
                j + 1 < nu
                and units[j + 1][2] == _WORD
                and conn(j + 1) == ""
                and _is_role_word(low(j + 1))
            ):
                j += 1
                has_head = has_head or _is_role_head(low(j))
            if not has_head:
                return -1
            if j + 1 < nu and conn(j + 1) == "" and is_head(j + 1):
                return -1
            return j

        def keep_conn(c: str, u0: int, j: int, r: int, left_head: bool) -> bool:
            if c in NAME_PARTICLES:
                return True
            if c in CYRILLIC_CONNECTORS:
                return False
            right_head = right_plural = False
            k = r
            while k < nu and units[k][2] != _ACRONYM and (k == r or conn(k) == ""):
                if is_head(k):
                    right_head = True
                    right_plural = low(k) in ORG_HEAD_SINGULAR
                k += 1
            if c == "and":
                if units[r][2] == _PLACE_UNIT or all(
                    units[x][2] == _PLACE_UNIT for x in range(u0, j + 1)
                ):
                    return False
                if left_head and not right_head:
                    return True
                if (
                    not left_head
                    and right_head
                    and j - u0 < 2
                    and all(low(x) not in GIVEN_NAMES for x in range(u0, j + 1))
                ):
                    return True
                return False
            if not left_head:
                return False
            if right_head and not right_plural and ("the" in c or (is_head(j) and j > u0)):
                return False  # "Joint Staff | of the ESPO", but "Committee of the Councils"
            if c[:2] in ("on", "fo") and units[r][2] == _WORD and low(r).endswith("ing"):
                return False
            return True

        u = 0
        while u < nu:
            kind = units[u][2]
            if kind == _ACRONYM:
                if (
                    pieces
                    and pieces[-1][0] == _P_GROUP
                    and pieces[-1][2] == u - 1
                    and conn(u) == ""
                    and self.absorbable(ch, pieces[-1][1], u)
                ):
                    pieces[-1] = (_P_GROUP, pieces[-1][1], u)
                else:
                    pieces.append((_P_ACR, u, u))
                u += 1
                continue
            j = role_run(u)
            if j >= 0:
                pieces.append((_P_ROLE, u, j))
                u = j + 1
                continue
            j = u
            left_head = is_head(u)
            while j + 1 < nu:
                if units[j + 1][2] == _ACRONYM:
                    break
                c = conn(j + 1)
                if c and not keep_conn(c, u, j, j + 1, left_head):
                    break
                if role_run(j + 1) >= 0:
                    break
                j += 1
                left_head = left_head or is_head(j)
            pieces.append((_P_GROUP, u, j))
            u = j + 1
        return pieces

    def absorbable(self, ch: _Chunk, u0: int, ua: int) -> bool:
        """An all-caps word after 1-3 name-like words may be a surname ("Ivan PETROV")."""
        toks, units = ch.toks, ch.units
        acr = self.text[units[ua][4] : units[ua][5]]
        if acr in self.defs.acr or acr in self.defs.link or ua - u0 > 3:
            return False
        for x in range(u0, ua):
            k = units[x][2]
            if k == _INITIALS:
                continue
            if k != _WORD or not _nameable(toks[units[x][0]][3]):
                return False
        return True

    def run(self) -> list[EntityMention]:
        """Find the text's mentions (in the order found; :func:`find_mentions` sorts them)."""
        chunks = self.chunks = self.scan()
        for ch in chunks:
            if len(ch.toks) > 1:
                ch.units = self.units(ch)
                ch.pieces = self.pieces(ch)
        for ch in chunks:
            if ch.units is None:
                self.single(ch.toks[0])
                continue
            units, pieces = ch.units, ch.pieces
            role: tuple[int, int] | None = self.role_from_previous(ch)
            npieces = len(pieces)
            for pi in range(npieces):
                pk, u0, u1 = pieces[pi]
                if pk == _P_ACR:
                    self.emit_acronym(units[u0][4], units[u0][5])
                    continue
                if pk == _P_ROLE:
                    role = (units[u0][4], units[u1][5])
                    continue
                # A role only reaches a group joined by a space, not "Secretary for X".
                grole = role if pi == 0 or ch.conns[units[u0][0]] == "" else None
                keep = self.group(ch, u0, u1, grole, first=pi == 0, last=pi == npieces - 1)
                if not keep:
                    role = None
        self.second_pass()
        for s, e, exp_text in self.defs.spans:
            self.emit_definition(s, e, exp_text)
        self.shaped_names()
        self.compounds()
        self.events()
        return self.out

    # -- names told by their shape --------------------------------------------------

    def shaped_names(self) -> None:
        """Site names ("Name.Asia", "Name.uz": ORG) and names in quotes (“Al-Shabaab”,
        "Northern Shield", «Steppe City»): 1-5 capitalised words, typed by a cue word
        next to the quotes (exercise -> EVENT, newspaper -> ORG, hotel -> PLACE), else by
        their own words (a gazetteer place or place head-word -> PLACE, an event head-word
        -> EVENT), else ORG. They replace the mentions they overlap, but for acronyms
        inside them."""
        text = self.text
        found: list[tuple[int, int, str]] = [(s, e, ORG) for s, e in self.domains]
        if "“" in text or "«" in text or '"' in text or "„" in text:
            found.extend(self.quoted_names())
        if not found:
            return
        found.sort()
        # the spans, joined where they overlap, to find the mentions they cover
        merged: list[list[int]] = []
        for s, e, _typ in found:
            if merged and s < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        starts = [sp[0] for sp in merged]
        exact = {(s, e): typ for s, e, typ in found}
        kept: list[EntityMention] = []
        existing = set()
        for m in self.out:
            i = bisect_right(starts, m.end - 1) - 1
            if i < 0 or merged[i][1] <= m.start:
                kept.append(m)  # outside every span
            elif exact.get((m.start, m.end)) == m.type:
                kept.append(m)
                existing.add((m.start, m.end))
            elif (m.type == ORG and is_acronym(m.text) and merged[i][0] <= m.start
                  and m.end <= merged[i][1] and (m.start, m.end) not in exact):
                kept.append(m)  # an acronym inside a name in quotes ("Muslim NATO")
        self.out = kept
        kept.extend(EntityMention(text[s:e], s, e, typ, text[s:e]) for s, e, typ in found
                    if (s, e) not in existing)
        if self.lone_heads:
            self.lone_heads = [h for h in self.lone_heads if not (
                (i := bisect_right(starts, h[1] - 1) - 1) >= 0 and merged[i][1] > h[0])]

    def quoted_names(self) -> list[tuple[int, int, str]]:
        text = self.text
        out = []
        persons: set[tuple[int, int]] | None = None
        budget = 64 + len(text) // 256
        for m in _QUOTED_RE.finditer(text):
            budget -= 1
            if budget < 0:
                break
            s, e = m.span(1)
            while e > s and text[e - 1] in " ,.;:!?":
                e -= 1
            while s < e and text[s] == " ":
                s += 1
            if text.startswith(("The ", "the "), s):
                s += 4
            words = text[s:e].split(" ")
            if not 1 <= len(words) <= 5 or not words[0][:1].isupper():
                continue
            lows = []
            ok = True
            for w in words:
                if _QUOTED_WORD_RE.fullmatch(w) is None:
                    ok = False
                    break
                low = w.lower()
                if not (w[0].isupper() or w[0].isdigit() or low in CONNECTORS):
                    ok = False
                    break
                lows.append(low)
            if not ok or lows[0] in STOP_WORDS or _YEAR_EVENT_RE.fullmatch(text[s:e]):
                continue
            if persons is None:
                persons = {(x.start, x.end) for x in self.out if x.type == PERSON}
            if (s, e) in persons:
                continue
            out.append((s, e, self.quoted_type(m.start(), m.end(), lows)))
        return out

    def quoted_type(self, qs: int, qe: int, lows: list[str]) -> str:
        text = self.text
        # cue words: up to two right after the quotes, three before, in the same phrase
        after = _CUE_WORD_RE.findall(_CUE_STOP_RE.split(text[qe : qe + 40], 1)[0])[:2]
        before = _CUE_WORD_RE.findall(_CUE_STOP_RE.split(text[max(0, qs - 40) : qs])[-1])[-3:]
        for w in (*after, *reversed(before)):
            typ = QUOTE_CUES.get(w.lower())
            if typ is None and "-" in w:
                typ = QUOTE_CUES.get(w.lower().rsplit("-", 1)[1])
            if typ is not None:
                return typ
        parts = [p for low in lows for p in (low, *low.split("-"))]
        if any(p in GAZETTEER or p in PLACE_HEADS for p in parts):
            return PLACE
        if any(_is_org_head(p) for p in parts):
            return ORG
        if any(p in EVENT_HEADS for p in parts) or any(p.isdigit() for p in parts):
            return EVENT
        return ORG

    # -- compound organisation names -------------------------------------------------

    def compounds(self) -> None:
        """Organisations named within their parent: "ESPO Joint Staff", "ESPO RASS",
        "Joint Staff of the ESPO", "Secretariat of the Eurasian Security Partnership
        Organization", built right to left so that a parent can be a compound itself
        ("Coordination Service of the ESPO Council of Border Commanders"). The
        compound replaces the body's mention; the parent keeps its own. A lone head-word
        ("Secretariat") is a body only here. Also: a body followed by " - ACR Role" (a
        second title of the same person: "Executive Committee - ESPO Executive Secretary")
        takes that acronym as its parent."""
        text = self.text
        orgs = [m for m in self.out if m.type == ORG]
        if not orgs or len(orgs) + len(self.lone_heads) < 2:
            return
        # only a name followed by a space and another name (or a dash) can be a body or a
        # parent: the others are left alone
        lone_at: dict[int, EntityMention] = {}
        starts = {m.start for m in orgs}.union(h[0] for h in self.lone_heads)
        cands = []
        for m in orgs:
            if _may_join(text, m.end, starts):
                cands.append(m)
        for s, e, low in self.lone_heads:
            word = text[s:e]
            m = lone_at[s] = EntityMention(word, s, e, ORG, self.defs.alias.get(low, word))
            if _may_join(text, e, starts):
                cands.append(m)
        if not cands:
            return
        longest: dict[int, EntityMention] = {}  # the longest ORG mention at each start
        for m in orgs:
            if m.start not in longest or longest[m.start].end < m.end:
                longest[m.start] = m
        replaced: dict[int, EntityMention] = {}  # id of a body mention -> its compound
        for x in sorted(cands, key=lambda m: (-m.start, m.end)):
            if longest.get(x.start, x).end > x.end:
                continue  # inside a longer name
            comp = None
            if is_acronym(x.text):
                if self.text[x.end : x.end + 1] == " ":
                    body = longest.get(x.end + 1) or lone_at.get(x.end + 1)
                    if (body is not None and body.parent is None
                            and body.end - x.start <= _MAX_COMPOUND):
                        comp = self._acronym_parent(x, body)
                        if comp is not None:
                            replaced[id(body)] = comp
            elif x.parent is None:
                gap = _OF_THE_RE.match(text, x.end)
                parent = longest.get(gap.end()) if gap is not None else None
                if parent is not None and parent.end - x.start <= _MAX_COMPOUND:
                    comp = EntityMention(text[x.start : parent.end], x.start, parent.end, ORG,
                                         x.canonical, None, parent.text)
                    replaced[id(x)] = comp
                elif x.start not in lone_at:
                    dash = _DASH_ACR_ROLE_RE.match(text, x.end)
                    if (dash is not None and is_acronym(dash.group(1))
                            and _is_role_word(dash.group(2).lower())):
                        replaced[id(x)] = EntityMention(x.text, x.start, x.end, ORG,
                                                        x.canonical, None, dash.group(1))
            if comp is not None:
                longest[comp.start] = comp
        if replaced:
            out = [replaced.get(id(m), m) for m in self.out]
            out.extend(c for m in lone_at.values() if (c := replaced.get(id(m))) is not None)
            self.out = out

    def _acronym_parent(self, acr: EntityMention, body: EntityMention) -> EntityMention | None:
        """"ACR Body" ("ESPO Joint Staff", "UN General Assembly") or "ACR ACR" ("ESPO
        RASS"), unless the body spells the acronym out or both are in a run of capitals."""
        text = self.text
        if is_acronym(body.text):
            if (body.text == acr.text or body.text in ORGANISATIONS
                    or body.text.lower() in ORG_HEADS or body.text.lower() in EVENT_HEADS
                    or _ACRONYM_AFTER_RE.match(text, body.end)
                    or _ACRONYM_BEFORE_RE.search(text, max(0, acr.start - 12), acr.start)):
                return None
            canonical = self.acr_canonical(body.text)
        else:
            if _spells(acr.text, body.canonical):
                return None  # "ESPO Eurasian Security Partnership Organization"
            canonical = body.canonical
        return EntityMention(text[acr.start : body.end], acr.start, body.end, ORG, canonical,
                             None, acr.text)

    def emit_definition(self, s: int, e: int, exp_text: str) -> None:
        low = exp_text.lower()
        if low.rsplit(" ", 1)[-1] in DOCUMENT_HEADS:
            return  # "Collective Defence Treaty (CDT)": a document
        gz = GAZETTEER.get(low)
        if gz is not None:
            self.emit(PLACE, s, e, gz)
            return
        last = low.rsplit(" ", 1)[-1]
        if last in EVENT_HEADS or _YEAR_EVENT_RE.fullmatch(exp_text.rsplit(" ", 1)[-1]):
            self.emit(EVENT, s, e, exp_text)
            return
        self.emit(ORG, s, e, exp_text)

    def role_from_previous(self, ch: _Chunk) -> tuple[int, int] | None:
        """A role ending the previous chunk, followed by ", " ("The Secretary General, X")."""
        if ch.index == 0:
            return None
        prev = self.chunks[ch.index - 1]
        if prev.units is None:
            return None
        units = prev.units
        pk, u0, u1 = prev.pieces[-1]
        if pk != _P_ROLE:
            return None
        end = units[u1][5]
        start = ch.toks[0][0]
        if self.text[end:start] not in (", ", ",  "):
            return None
        return units[u0][4], end

    def single(self, tok: Token) -> None:
        s, e, kind, low = tok
        if kind == _ACRONYM:
            self.emit_acronym(s, e)
            return
        if kind == _YEAR_EVENT:
            self.emit(EVENT, s, e)
            return
        if kind != _WORD:
            return
        gz = GAZETTEER.get(low)
        if gz is not None:
            self.emit(PLACE, s, e, gz)
            return
        alias = self.defs.alias.get(low)
        if alias is not None:
            self.emit(ORG, s, e, alias)
            return
        if _is_org_head(low):
            self.lone_heads.append((s, e, low))
            return
        if _nameable(low) and low not in NOT_PLACE and low not in GIVEN_NAMES:
            if self.text[e : e + 1] not in ("'", "’") and _PLACE_CUE_RE.search(
                self.text, max(0, s - 20), s
            ):
                self.emit(PLACE, s, e)
                return
            self.single_words.append((s, e, low))

    def group(self, ch: _Chunk, u0: int, u1: int, role: tuple[int, int] | None, *,
              first: bool, last: bool) -> bool:
        """Classify the word group of units ``u0..u1`` of a chunk (``role``: the span of a
        role written before it; ``first``/``last``: the group starts/ends the chunk).
        Returns True when a pending role stays pending."""
        text = self.text
        toks, conns, units = ch.toks, ch.conns, ch.units

        def low(u: int) -> str:
            return toks[units[u][0]][3]

        def conn(u: int) -> str:
            return conns[units[u][0]]

        # Named event with a year ("Indestructible Brotherhood-2024").
        for k in range(u0, u1 + 1):
            if units[k][2] == _YEAR_EVENT:
                start = k
                while start > u0 and conn(start) == "" and units[start - 1][2] == _WORD:
                    start -= 1
                if start > u0:
                    self.group(ch, u0, start - 1, role, first=first, last=False)
                self.emit(EVENT, units[start][4], units[k][5])
                if k < u1:
                    self.group(ch, k + 1, u1, None, first=False, last=last)
                return False
        # Organisation or event head-word.
        last_h = -1
        for k in range(u1, u0 - 1, -1):
            if units[k][2] == _WORD and (_is_org_head(low(k)) or _is_event_head(low(k))):
                last_h = k
                break
        if last_h >= 0:
            end = u1
            if last_h < u1 and conn(last_h + 1) == "":
                end = last_h
            else:
                if last_h + 2 < u1:
                    # "Parliament of Moldova Igor Vartanov": a person after the organisation
                    tail = self.person_tail(ch, last_h + 1, u1)
                    if tail > 0:
                        end = tail - 1
                # a name does not end with an adjective: "Institute of Law of the Russian"
                while (end > last_h and units[end][2] == _WORD and low(end) in DEMONYMS
                       and conn(end) != ""):
                    end -= 1
            if end == u0 and last_h == u0:
                alias = self.defs.alias.get(low(u0))
                if alias is not None:
                    self.emit(ORG, units[u0][4], units[u0][5], alias)
                elif _is_org_head(low(u0)):
                    self.lone_heads.append((units[u0][4], units[u0][5], low(u0)))
            else:
                start = u0
                while start < end and units[start][2] == _INITIALS:
                    start += 1
                typ = EVENT if _is_event_head(low(last_h)) else ORG
                s, e = units[start][4], units[end][5]
                if typ != EVENT or not self.in_headline(s):  # no events from a headline
                    self.emit(typ, s, e, self.defs.alias.get(text[s:e].lower()))
            if end < u1:
                return self.group(ch, end + 1, u1, role, first=False, last=last)
            return True
        # Geographic head-word: "Lake Issyk-Kul", "Fergana Valley", "Kursk Region".
        if (
            u1 > u0
            and all(units[k][2] in (_WORD, _PLACE_UNIT) for k in range(u0, u1 + 1))
            and any(units[k][2] == _WORD and low(k) in PLACE_HEADS for k in range(u0, u1 + 1))
        ):
            self.emit(PLACE, units[u0][4], units[u1][5])
            return False
        if all(units[k][2] == _PLACE_UNIT for k in range(u0, u1 + 1)):
            for k in range(u0, u1 + 1):
                self.emit(PLACE, units[k][4], units[k][5], units[k][3])
            return False
        self.person_or_other(ch, u0, u1, role, first=first, last=last)
        return False

    def person_or_other(self, ch: _Chunk, u0: int, u1: int, role: tuple[int, int] | None, *,
                        first: bool, last: bool) -> None:
        """A group without a head-word: a person, places and acronyms, or a place."""
        text = self.text
        toks, conns, units = ch.toks, ch.conns, ch.units

        def low(u: int) -> str:
            return toks[units[u][0]][3]

        nameish = True
        for k in range(u0, u1 + 1):
            kind = units[k][2]
            if k > u0 and conns[units[k][0]] != "" and conns[units[k][0]] not in NAME_PARTICLES:
                nameish = False
                break
            if kind == _INITIALS:
                continue
            if kind == _ACRONYM and k == u1 and k > u0:
                continue
            if kind != _WORD or not _nameable(low(k)):
                nameish = False
                break
        n = u1 - u0 + 1
        if nameish and units[u1][2] != _INITIALS and 2 <= n <= 5 and any(
            units[k][2] == _WORD for k in range(u0, u1 + 1)
        ):
            ok, prole = self.person_evidence(ch, u0, u1, role, last=last)
            if ok:
                self.emit_person(units[u0][4], units[u1][5], prole)
                return
            if units[u1][2] == _ACRONYM:
                self.person_or_other(ch, u0, u1 - 1, role, first=first, last=False)
                self.emit_acronym(units[u1][4], units[u1][5])
                return
            if self.is_media(units[u0][4], units[u1][5]):
                self.emit(ORG, units[u0][4], units[u1][5])
                return
            self.candidates.append((units[u0][4], units[u1][5], low(u1), role))
            return
        if nameish and n == 1 and units[u0][2] == _WORD and role is not None:
            self.emit_person(units[u0][4], units[u0][5], _role_text(text[role[0] : role[1]]))
            return
        if nameish and n == 1 and units[u0][2] == _ACRONYM:
            self.emit_acronym(units[u0][4], units[u0][5])
            return
        # Look for a person inside a longer group (Title Case headlines), then places.
        if 2 < n <= 8 and any(
            low(k) in GIVEN_NAMES or _SURNAME_RE.search(low(k)) for k in range(u0, u1 + 1)
        ):
            for size in (3, 2):
                for k in range(u0, u1 - size + 2):
                    ke = k + size - 1
                    if all(
                        units[x][2] == _WORD
                        and _nameable(low(x))
                        and (x == k or conns[units[x][0]] == "")
                        for x in range(k, ke + 1)
                    ) and (low(k) in GIVEN_NAMES or _SURNAME_RE.search(low(ke))):
                        self.emit_person(units[k][4], units[ke][5], None)
                        for x in range(u0, u1 + 1):
                            if units[x][2] == _PLACE_UNIT:
                                self.emit(PLACE, units[x][4], units[x][5], units[x][3])
                        return
        if (
            n > 1
            and all(units[k][2] in (_WORD, _PLACE_UNIT) for k in range(u0, u1 + 1))
            and any(units[k][2] == _WORD for k in range(u0, u1 + 1))
            and any(units[k][2] == _PLACE_UNIT for k in range(u0, u1 + 1))
            and self.is_media(units[u0][4], units[u1][5])
        ):
            self.emit(ORG, units[u0][4], units[u1][5])  # "Radio Tochka Moldova reports"
            return
        emitted = False
        for k in range(u0, u1 + 1):
            if units[k][2] == _PLACE_UNIT:
                self.emit(PLACE, units[k][4], units[k][5], units[k][3])
                emitted = True
            elif units[k][2] == _ACRONYM:
                self.emit_acronym(units[k][4], units[k][5])
                emitted = True
        if emitted:
            return
        if n == 1 and units[u0][2] == _WORD:
            lw = low(u0)
            alias = self.defs.alias.get(lw)
            if alias is not None:
                self.emit(ORG, units[u0][4], units[u0][5], alias)
                return
        if (
            first
            and nameish
            and n <= 3
            and all(units[k][2] == _WORD and low(k) not in NOT_PLACE for k in range(u0, u1 + 1))
            and low(u0) not in GIVEN_NAMES
        ):
            s = units[u0][4]
            if _PLACE_CUE_RE.search(text, max(0, s - 20), s):
                self.emit(PLACE, s, units[u1][5])

    def person_tail(self, ch: _Chunk, lo: int, hi: int) -> int:
        """The first unit of a person's name (2-3 words) ending an organisation's name whose
        complement starts at unit ``lo`` ("Security Council of Latvia Aleksandr
        Ozolin"), or -1. Evidence: a given name, or a surname ending after a place."""
        toks, conns, units = ch.toks, ch.conns, ch.units
        for size in (3, 2):
            k = hi - size + 1
            if k <= lo:
                continue
            lows = [toks[units[x][0]][3] for x in range(k, hi + 1)]
            if not all(units[x][2] == _WORD and conns[units[x][0]] == "" and _nameable(lw)
                       for x, lw in zip(range(k, hi + 1), lows, strict=True)):
                continue
            if lows[0] in GIVEN_NAMES:
                return k
            if (units[k - 1][2] == _PLACE_UNIT and len(lows[-1]) >= 4
                    and _SURNAME_RE.search(lows[-1])):
                return k
        return -1

    def in_headline(self, pos: int) -> bool:
        """Whether ``pos`` is in a headline: a short line without a final period, its words
        nearly all capitalised or a function word capitalised in mid-line ("Opens In")."""
        text = self.text
        ls = text.rfind("\n", 0, pos) + 1
        hit = self.headlines.get(ls)
        if hit is None:
            le = text.find("\n", pos)
            if le < 0:
                le = len(text)
            hit = False
            line = text[ls:le].rstrip()
            if len(line) <= 200 and line[-1:] not in (".", "!", "?", "…"):
                words = _LINE_WORD_RE.findall(line)
                long = [w for w in words if len(w) > 2]
                caps = sum(1 for w in long if w[0].isupper())
                hit = len(long) >= 3 and (caps >= 0.8 * len(long) or any(
                    w in _TITLE_FUNCTION_WORDS for w in words[1:]))
            self.headlines[ls] = hit
        return hit

    def is_media(self, s: int, e: int) -> bool:
        """A name that reports: "X reports that", "according to X"."""
        return (_REPORTS_AFTER_RE.match(self.text, e) is not None
                or _ACCORDING_TO_RE.search(self.text, max(0, s - 16), s) is not None)

    def person_evidence(self, ch: _Chunk, u0: int, u1: int, role: tuple[int, int] | None, *,
                        last: bool) -> tuple[bool, str | None]:
        """Whether name-like units are a person, and the role written next to them."""
        text = self.text
        toks, units = ch.toks, ch.units
        lows = [toks[units[k][0]][3] for k in range(u0, u1 + 1)]
        kinds = [units[k][2] for k in range(u0, u1 + 1)]
        if role is not None:
            return True, _role_text(text[role[0] : role[1]])
        end = units[u1][5]
        # Appositive role after the name: "X, the ESPO Deputy Secretary General".
        ok_after, role_after = self.role_after(end, ch, last=last)
        if ok_after:
            return True, role_after
        if _INITIALS in kinds:
            return True, None
        if lows[0] in GIVEN_NAMES and kinds[0] == _WORD:
            return True, None
        surname = lows[-1]
        if len(surname) >= 4 and _SURNAME_RE.search(surname):
            return True, None
        if len(lows) >= 3 and any(_PATRONYMIC_RE.search(x) for x in lows[1:-1]):
            return True, None
        if _SPEECH_AFTER_RE.match(text, end):
            return True, None
        return False, None

    def role_after(self, end: int, ch: _Chunk, *, last: bool) -> tuple[bool, str | None]:
        """A role in apposition after a name ending at ``end``: ", the head of", ", the ESPO
        Deputy Secretary General"."""
        text = self.text
        mm = _LOWER_ROLE_AFTER_RE.match(text, end)
        if mm:
            return True, mm.group(1)
        if not last or ch.index + 1 >= len(self.chunks):
            return False, None
        nxt = self.chunks[ch.index + 1]
        nxt_start = nxt.toks[0][0]
        if nxt_start - end > 8:
            return False, None
        gm = _APPOSITIVE_GAP_RE.match(text, end)
        if gm is None or gm.end() != nxt_start:
            return False, None
        if nxt.units is None:
            return False, None
        units, ntoks = nxt.units, nxt.toks
        for pk, u0, u1 in nxt.pieces:
            if pk == _P_ROLE:
                return True, _role_text(text[units[u0][4] : units[u1][5]])
            if pk == _P_ACR:
                continue
            if any(units[k][2] == _WORD and _is_org_head(ntoks[units[k][0]][3])
                   for k in range(u0, u1 + 1)):
                continue
            break
        return False, None

    def emit_person(self, s: int, e: int, role: str | None) -> None:
        self.emit(PERSON, s, e, None, role)

    def second_pass(self) -> None:
        """Accept unconfirmed names whose surname is a confirmed person's in this text."""
        surnames = set()
        for m in self.out:
            if m.type == PERSON and " " in m.text:
                surnames.add(m.text.rsplit(" ", 1)[1].lower())
        if not surnames:
            return
        for s, e, last_low, _role in self.candidates:
            if last_low in surnames:
                self.emit_person(s, e, None)
        for s, e, lw in self.single_words:
            if lw in surnames:
                self.emit_person(s, e, None)

    def events(self) -> None:
        """Events written with lower-case nouns: "79th session of the X", "X summit"."""
        text = self.text
        if not self.out:
            return
        by_start: dict[int, EntityMention] = {}
        by_end: dict[int, EntityMention] = {}
        for m in self.out:
            if m.type == PERSON:
                continue
            if m.start not in by_start or by_start[m.start].end < m.end:
                by_start[m.start] = m
            if m.end not in by_end or by_end[m.end].start > m.start:
                by_end[m.end] = m
        found: dict[tuple[int, int], None] = {}

        def chain_right(pos: int) -> int:
            m = by_start.get(pos)
            if m is None:
                return -1
            end = m.end
            for _ in range(6):
                nm = by_start.get(end + 1)
                if nm is None or text[end] != " ":
                    break
                end = nm.end
            return end

        def chain_left(pos: int) -> int:
            m = by_end.get(pos)
            if m is None:
                return -1
            start = m.start
            for _ in range(6):
                if start < 2 or text[start - 1] != " ":
                    break
                pm = by_end.get(start - 1)
                if pm is None:
                    break
                start = pm.start
            return start

        # The ordinal patterns start with an alternation the regex engine must try at every
        # position: they are tried only near the event nouns and the names they precede.
        if _EVENT_NOUN_RE.search(text) is not None:
            for nm in _NOUN_OF_RE.finditer(text):
                p = nm.start()
                for mm in _ORD_OF_RE.finditer(text, max(0, p - 40), nm.end() + 4):
                    if mm.start() < p < mm.end():
                        end = chain_right(mm.end())
                        if end > 0:
                            found[(mm.start(), end)] = None
            for pos in sorted(by_start):
                if pos < 2 or not text[pos].isupper() or not text[pos - 1].isspace():
                    continue
                for mm in _ORD_BEFORE_RE.finditer(text, max(0, pos - 16), pos + 1):
                    if mm.end() == pos:
                        end = chain_right(pos)
                        nm = _EVENT_NOUN_AFTER_RE.match(text, end) if end > 0 else None
                        if nm:
                            found[(mm.start(), nm.end())] = None
        for mm in _SUMMIT_RE.finditer(text) if "ummit" in text else ():
            pos = mm.start()
            if pos < 2 or text[pos - 1] != " ":
                continue
            start = chain_left(pos - 1)
            if start < 0:
                wm = _WORD_BEFORE_RE.search(text, max(0, pos - 41), pos)
                if (wm and wm.group(1).lower() not in STOP_WORDS
                        and _nameable(wm.group(1).lower()) and not self.in_headline(pos)):
                    start = wm.start(1)
            if start >= 0:
                om = _ORD_BEFORE_RE.search(text, max(0, start - 16), start)
                if om and om.end() == start:
                    start = om.start()
                found[(start, mm.end())] = None
        existing = {(m.start, m.end) for m in self.out}
        for s, e in found:
            if (s, e) not in existing:
                self.emit(EVENT, s, e)


def _may_join(text: str, end: int, starts: set[int]) -> bool:
    """Whether a name ending at ``end`` is followed by another one (" ", " of (the) ") or a
    dash: only then can it be part of a compound name."""
    return ((end + 1 in starts and text[end : end + 1] == " ")
            or (end + 4 in starts and text.startswith(" of ", end))
            or (end + 8 in starts and text.startswith(" of the ", end))
            or text[end + 1 : end + 2] in ("-", "–", "—"))


@lru_cache(maxsize=1 << 14)
def _spells(acr: str, name: str) -> bool:
    """Whether the initials of a name's words spell the acronym ("ESPO": "Eurasian Security
    Partnership Organization")."""
    words = _DEF_WORDS_RE.findall(name)
    letters = "".join(ch for ch in acr.lower() if ch.isalpha())
    return len(words) > 1 and initials_match(letters, words)


def _classify_token(tok: str) -> tuple[int, str, int]:
    """(kind, lower-case form, characters of possessive cut off the end) of a token.

    kind is STOP for a token that ends a chunk and is never part of an entity (function
    words, months, roman numerals, single letters, words with digits that are not
    "Name-2024").
    """
    if tok[-1] == ".":
        return _INITIALS, tok.lower(), 0
    low = tok.lower() if tok.isascii() else fold_confusables(tok.lower())
    cut = 0
    if "'" in low or "’" in low:
        low = low.replace("’", "'")
        if low not in POSSESSIVE_KEEP:
            if low[-1] == "'":
                cut = 1
            elif low[-2:] == "'s":
                cut = 2
            if cut:
                tok, low = tok[:-cut], low[:-cut]
    if len(tok) < 2 or low in STOP_WORDS:
        return _STOP_T, low, cut
    if tok.isupper():
        if tok.isalpha():
            if len(tok) <= 6 and low not in _CAPS_WORDS:  # "PARIS", "JOINT": words
                return (_STOP_T if is_roman(tok) else _ACRONYM), low, cut
            return _WORD, low, cut
        return (_YEAR_EVENT if _YEAR_EVENT_RE.fullmatch(tok) else _STOP_T), low, cut
    if not tok.isalpha() and not tok.replace("-", "").replace("'", "").replace("’", "").isalpha():
        return (_YEAR_EVENT if _YEAR_EVENT_RE.fullmatch(tok) else _STOP_T), low, cut
    if "-" in low and any(p in MONTHS for p in low.split("-")):
        return _STOP_T, low, cut  # "May-June"
    return _WORD, low, cut


def _role_text(r: str) -> str | None:
    words = [w for w in r.replace(".", " ").split() if w.lower() not in HONORIFICS]
    return " ".join(words) or None


def _key_of(toks: list[Token], conns: list[str], i: int, j: int) -> str:
    key = toks[i][3]
    for k in range(i + 1, j + 1):
        c = conns[k]
        key = f"{key} {c} {toks[k][3]}" if c else f"{key} {toks[k][3]}"
    return key


def _gap_connector(gap: str, prev_low: str, prev_kind: int) -> str | None:
    """The connector a gap between two capitalised tokens stands for, or None (a break)."""
    n = len(gap)
    if n == 0:
        return "" if prev_kind == _INITIALS else None
    if n > 16:
        return None
    g0 = gap[0]
    if g0 == ".":
        return "" if prev_low in ABBREVIATIONS and gap in (". ", ".") else None
    if g0 not in " \t\u00a0":
        return None
    if gap.isspace():
        return "" if n <= 3 and "\n" not in gap else None
    if gap[-1] in " \t\u00a0" and "\n" not in gap:
        g = " ".join(gap.split())
        if g in CONNECTORS:
            return g
    return None


def find_mentions(text: str) -> list[EntityMention]:
    """Find PERSON, ORG, PLACE and EVENT mentions in one text.

    Mentions are returned in text order (by start, longer first when nested: an EVENT such
    as "ESPO summit" contains the ORG mention "ESPO"), with ``text[m.start:m.end] == m.text``.
    ``canonical`` is the mention's own text, except for acronyms defined in the text (and
    aliases given with them, "(ICBC, Commission)"), whose canonical is the expansion, and
    places, whose canonical is the gazetteer name ("Republic of Kazakhstan" -> "Kazakhstan").
    ``role`` holds the title written next to a person ("Deputy Secretary General").
    """
    if not text:
        return []
    out = MentionFinder(text).run()
    out.sort(key=lambda m: (m.start, -m.end, m.type))
    # Drop exact duplicates (same span and type) that different rules may produce.
    result: list[EntityMention] = []
    last = None
    for m in out:
        k = (m.start, m.end, m.type)
        if k != last:
            result.append(m)
            last = k
    return result

