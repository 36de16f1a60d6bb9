"""Full-text search and corpus statistics.

The user's query language (see docs/search.md) is parsed here and rewritten into a safe FTS5
query: every word or phrase becomes an FTS5 string, so punctuation in the input can never
become FTS5 syntax; ``AND``/``OR``/``NOT`` (upper case), parentheses, ``"phrases"`` and a
trailing ``*`` (prefix) are kept. Matching is case- and accent-insensitive (the index uses
``unicode61 remove_diacritics 2``).

Fuzzy expansion: a word found in fewer than :data:`FEW_HITS` items is OR-ed with similar
words of the corpus vocabulary (rapidfuzz ``fuzz.ratio``), so ``Petrenco`` also finds
``Petrenko``. Items that match the query as written always come first.

Snippets are plain text (never markup) with the character spans of the matched words;
:mod:`corpus_cli.output` highlights them.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from corpus_cli.errors import CorpusError, QueryError
from corpus_cli.models import SCHEMA_VERSION, Article, Counts
from corpus_cli.store import ArticleFilter, Store

FEW_HITS = 3  # a word in fewer items than this is expanded with similar words
MIN_FUZZY_LEN = 4  # shorter words are never expanded
MAX_VARIANTS = 3  # per word
MAX_PHRASE_VARIANTS = 16  # spellings of one phrase
SNIPPET_WORDS = 30
SNIPPET_BEFORE = 6  # words of context before the first match

# A token as unicode61 sees it: letters and digits (and combining marks), nothing else.
_TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
_WORD = re.compile(r"\S+")
_OPERATORS = ("AND", "OR", "NOT")


def fold(text: str) -> str:
    """Lower case without diacritics: the form of a term in the index."""
    if text.isascii():
        return text.lower()
    return _fold(text)


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    """The folded tokens of a text, as the index splits it."""
    return [fold(m.group()) for m in _TOKEN.finditer(text)]


# ---- the query language ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Term:
    """A word, a punctuated word (``Al-Qaeda``) or a ``"phrase"``, with spelling variants."""

    text: str  # as written (without quotes and the prefix star)
    tokens: tuple[str, ...]  # folded
    prefix: bool = False
    quoted: bool = False
    variants: tuple[tuple[str, ...], ...] = ()  # other token sequences OR-ed in

    @property
    def label(self) -> str:
        t = f'"{self.text}"' if self.quoted else self.text
        return t + ("*" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class Op:
    op: str  # AND | OR | NOT (NOT: children[0] NOT children[1])
    children: tuple[Node, ...]


Node = Term | Op


def _lex(query: str) -> list[tuple[str, str, bool]]:
    """(kind, text, prefix) tokens: kind is TERM, PHRASE, AND, OR, NOT, ( or )."""
    out: list[tuple[str, str, bool]] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c == '"':
            j = query.find('"', i + 1)
            if j < 0:
                raise QueryError(f"unbalanced quote in query: {_show(query)}")
            prefix = query.startswith("*", j + 1)
            out.append(("PHRASE", query[i + 1 : j], prefix))
            i = j + 1 + prefix
        elif c in "()":
            out.append((c, c, False))
            i += 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '"()':
                j += 1
            word = query[i:j]
            i = j
            if word in _OPERATORS:
                out.append((word, word, False))
            else:
                stripped = word.rstrip("*")
                out.append(("TERM", stripped, stripped != word))
    return out


def _show(query: str) -> str:
    q = " ".join(query.split())
    return q if len(q) <= 60 else q[:59] + "\u2026"


class _Parser:
    """query := or ; or := and (OR and)* ; and := not (AND? not)* ; not := atom (NOT atom)*
    ; atom := TERM | PHRASE | ( query ). NOT binds tightest, as in FTS5."""

    def __init__(self, tokens: list[tuple[str, str, bool]], query: str):
        self.t = tokens
        self.i = 0
        self.query = query

    def peek(self) -> str | None:
        return self.t[self.i][0] if self.i < len(self.t) else None

    def parse(self) -> Node:
        if not self.t:
            raise QueryError("empty query: give a word or a \"phrase\"")
        node = self.or_()
        if self.peek() is not None:
            kind = self.peek()
            if kind == ")":
                raise QueryError(f"unbalanced ')' in query: {_show(self.query)}")
            raise QueryError(f"unexpected {kind} in query: {_show(self.query)}")
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.peek() == "OR":
            self.i += 1
            parts.append(self.and_("OR"))
        return parts[0] if len(parts) == 1 else Op("OR", tuple(parts))

    def and_(self, after: str | None = None) -> Node:
        parts = [self.not_(after)]
        while self.peek() in ("AND", "TERM", "PHRASE", "("):
            op = None
            if self.peek() == "AND":
                op = "AND"
                self.i += 1
            parts.append(self.not_(op))
        return parts[0] if len(parts) == 1 else Op("AND", tuple(parts))

    def not_(self, after: str | None = None) -> Node:
        node = self.atom(after)
        while self.peek() == "NOT":
            self.i += 1
            node = Op("NOT", (node, self.atom("NOT")))
        return node

    def atom(self, after: str | None) -> Node:
        kind = self.peek()
        if kind is None:
            if after:
                raise QueryError(f"{after} needs a term after it: {_show(self.query)}")
            raise QueryError(f"incomplete query: {_show(self.query)}")
        if kind in ("TERM", "PHRASE"):
            _, text, prefix = self.t[self.i]
            self.i += 1
            return Term(text, tuple(words(text)), prefix, kind == "PHRASE")
        if kind == "(":
            self.i += 1
            if self.peek() == ")":
                raise QueryError(f"empty parentheses in query: {_show(self.query)}")
            node = self.or_()
            if self.peek() != ")":
                raise QueryError(f"missing ')' in query: {_show(self.query)}")
            self.i += 1
            return node
        if kind == ")":
            raise QueryError(f"unbalanced ')' in query: {_show(self.query)}")
        if kind == "NOT" and after is None:
            raise QueryError(f"NOT needs a term before it (use 'a NOT b'): {_show(self.query)}")
        if after:
            raise QueryError(f"{after} needs a term after it: {_show(self.query)}")
        raise QueryError(f"{kind} needs a term before it: {_show(self.query)}")


def _prune(node: Node) -> Node | None:
    """Drop terms without any word character (``-``, ``:``): the index cannot match them."""
    if isinstance(node, Term):
        return node if node.tokens else None
    kids = [_prune(c) for c in node.children]
    if node.op == "NOT":
        if kids[0] is None:
            return None
        return kids[0] if kids[1] is None else Op("NOT", (kids[0], kids[1]))
    kept = tuple(k for k in kids if k is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else Op(node.op, kept)


def parse_query(query: str) -> Node:
    """The query's syntax tree. Raises :class:`QueryError` with a one-line reason."""
    node = _prune(_Parser(_lex(query), query).parse())
    if node is None:
        raise QueryError(f"the query has no words to search for: {_show(query)}")
    return node


def _fts_string(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def to_fts(node: Node, variants: bool = True) -> str:
    """The FTS5 query of a tree: every term an FTS5 string, every operator parenthesised."""
    if isinstance(node, Term):
        star = "*" if node.prefix else ""
        alts = [node.tokens, *(node.variants if variants else ())]
        if len(alts) == 1:
            return _fts_string(node.tokens) + star
        return "(" + " OR ".join(_fts_string(a) + star for a in alts) + ")"
    return "(" + f" {node.op} ".join(to_fts(c, variants) for c in node.children) + ")"


def positive_terms(node: Node) -> list[Term]:
    """Terms an item must (or may) contain: all but those on the right of a NOT."""
    if isinstance(node, Term):
        return [node]
    kids = node.children[:1] if node.op == "NOT" else node.children
    return [t for k in kids for t in positive_terms(k)]


# ---- fuzzy expansion ---------------------------------------------------------------------
def similar_words(word: str, vocabulary: dict[str, int], limit: int = MAX_VARIANTS
                  ) -> list[str]:
    """Words of the vocabulary spelled like ``word`` (folded): rapidfuzz ``fuzz.ratio`` of at
    least 80 (75 for words of 4-5 letters, which must then have the same length and first
    two letters), at most a quarter longer or shorter; best first, then most frequent."""
    from rapidfuzz import fuzz, process

    n = len(word)
    if n < MIN_FUZZY_LEN or not word.isalpha():
        return []
    short = n <= 5
    cutoff = 75 if short else 80
    slack = max(1, n // 4)
    found = process.extract(word, vocabulary.keys(), scorer=fuzz.ratio, score_cutoff=cutoff,
                            limit=limit * 8)
    out = []
    for cand, score, _ in found:
        if cand == word or not cand.isalpha() or abs(len(cand) - n) > slack:
            continue
        if short and (len(cand) != n or cand[:2] != word[:2]):
            continue
        out.append((-score, -vocabulary[cand], cand))
    return [c for _, _, c in sorted(out)[:limit]]


def _expand_term(words, term: Term) -> Term:
    if term.prefix:
        return term
    options: list[list[str]] = []
    for tok in term.tokens:
        alts = [tok]
        if len(tok) >= MIN_FUZZY_LEN and words.term_docs(tok) < FEW_HITS:
            alts += similar_words(tok, words.vocabulary())
        options.append(alts)
    if all(len(o) == 1 for o in options):
        return term
    combos = itertools.islice(itertools.product(*options), MAX_PHRASE_VARIANTS + 1)
    variants = tuple(c for c in combos if c != term.tokens)
    return Term(term.text, term.tokens, term.prefix, term.quoted, variants)


def expand(store: Store, node: Node, side=None) -> Node:
    """The tree with spelling variants added to rare words (not under NOT, not prefixes).
    Word counts and the vocabulary come from the tantivy side index ``side`` when given
    (see corpus_cli.index), else from the FTS5 index."""
    words = side or store
    if isinstance(node, Term):
        return _expand_term(words, node)
    if node.op == "NOT":
        return Op("NOT", (expand(store, node.children[0], side), node.children[1]))
    return Op(node.op, tuple(expand(store, c, side) for c in node.children))


# ---- search ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Hit:
    """A matching item with its score (higher is better), a snippet of its text, the query
    terms and spelling variants found in it, and the spans of the matched words in the
    snippet (start, end character offsets)."""

    article: Article
    score: float
    snippet: str
    matched: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict:
        """The hit record: the item's record plus ``score``, ``snippet`` and ``matched``."""
        return {**self.article.to_dict(), "score": round(self.score, 6),
                "snippet": self.snippet, "matched": list(self.matched)}


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]
    fts_query: str  # what was sent to FTS5 (the same query, in FTS5 syntax, for tantivy)
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)  # term -> variants used
    engine: str = "fts5"  # fts5 | tantivy: which one answered


ENGINES = ("auto", "fts5", "tantivy")


def _side_index(store: Store, engine: str):
    """The tantivy side index to use, or ``None`` for FTS5 (see corpus_cli.index)."""
    if engine not in ENGINES:
        raise QueryError(f"unknown search engine {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "fts5":
        return None
    from corpus_cli import index

    side = index.open_index(store)
    if side is None and engine == "tantivy":
        reason = ("tantivy is not installed: pip install tantivy"
                  if not index.available() else
                  "the store has no up-to-date tantivy index: run 'corpus dedupe' again")
        raise CorpusError(f"--engine tantivy: {reason}")
    return side


def _side_match(store: Store, side, node: Node, f: ArticleFilter, limit: int | None
                ) -> list[tuple[Article, float]]:
    """Like :meth:`Store.match` (minus the score as the rank, lower is better), answered by
    the side index; items of equal score in the FTS5 order (newest, then id)."""
    pairs = side.search(store, node, f, limit)
    arts = store.articles_by_rowid([r for r, _ in pairs])
    found = [(arts[r], 0.0 - score) for r, score in pairs if r in arts]
    found.sort(key=lambda x: x[0].id)
    found.sort(key=lambda x: x[0].date or "", reverse=True)
    found.sort(key=lambda x: x[1])
    return found


def run_search(store: Store, query: str, f: ArticleFilter | None = None, fuzzy: bool = True,
               engine: str = "auto") -> SearchResult:
    """Search, and tell which spelling variants were used (for ``corpus search``).

    ``engine``: ``auto`` uses the tantivy side index when it is installed and up to date,
    else FTS5; ``fts5`` always FTS5; ``tantivy`` the side index or a :class:`CorpusError`."""
    f = f or ArticleFilter()
    tree = parse_query(query)
    side = _side_index(store, engine)
    exact_fts = to_fts(tree)
    expanded = expand(store, tree, side) if fuzzy else tree
    fts = to_fts(expanded)
    limit = f.limit

    def match(node: Node, fts_query: str, lim: int | None) -> list[tuple[Article, float]]:
        if side is None:
            return store.match(fts_query, f, lim)
        return _side_match(store, side, node, f, lim)

    try:
        found = match(tree, exact_fts, limit)
        if fts != exact_fts and (limit is None or len(found) < limit):
            seen = {a.id for a, _ in found}
            more = match(expanded, fts, None if limit is None else limit + len(found))
            found += [(a, s) for a, s in more if a.id not in seen]
            if limit is not None:
                found = found[:limit]
    except (sqlite3.OperationalError, ValueError) as exc:  # ValueError: from tantivy
        raise QueryError(f"cannot search for {_show(query)}: {exc}") from None
    terms = positive_terms(expanded)
    hits: list[Hit] = []
    used: dict[str, list[str]] = {}
    for a, bm25 in found:
        hit, pairs = _hit(a, 0.0 - bm25, terms)
        hits.append(hit)
        for label, shown in pairs:
            if shown != label and shown not in used.setdefault(label, []):
                used[label].append(shown)
    used = {k: v for k, v in used.items() if v}
    return SearchResult(hits, fts, {k: tuple(v) for k, v in used.items()},
                        "fts5" if side is None else "tantivy")


def search(store: Store, query: str, f: ArticleFilter | None = None, fuzzy: bool = True,
           engine: str = "auto") -> list[Hit]:
    """Items matching ``query`` (see docs/search.md), best first, at most ``f.limit``.

    Raises :class:`QueryError` for a malformed query."""
    return run_search(store, query, f, fuzzy, engine).hits


def _spans_of(tokens: list[tuple[str, int, int, str]], terms: Sequence[Term]
              ) -> tuple[dict[int, int], list[tuple[str, str]]]:
    """Token indices matched by a term (-> term number), and what matched: (term label,
    the label again or, for a spelling variant, the variant as the text spells it)."""
    marks: dict[int, int] = {}
    matched: list[tuple[str, str]] = []
    folded = [t[0] for t in tokens]
    for n, term in enumerate(terms):
        for k, seq in enumerate((term.tokens, *term.variants)):
            m = len(seq)
            first = None
            head, middle, tail = seq[0], seq[1:-1], seq[-1]
            for i in range(len(folded) - m + 1):
                if m > 1 and (folded[i] != head or tuple(folded[i + 1 : i + m - 1]) != middle):
                    continue
                last = folded[i + m - 1]
                if last == tail or (term.prefix and last.startswith(tail)):
                    for j in range(i, i + m):
                        marks.setdefault(j, n)
                    if first is None:
                        first = i
            if first is not None:
                shown = term.label if k == 0 else " ".join(
                    tokens[j][3] for j in range(first, first + m))
                if (term.label, shown) not in matched:
                    matched.append((term.label, shown))
    return marks, matched


def _tokens(text: str) -> list[tuple[str, int, int, str]]:
    out = []
    for m in _TOKEN.finditer(text):
        t = m.group()
        out.append((t.lower() if t.isascii() else _fold(t), m.start(), m.end(), t))
    return out


def _hit(a: Article, score: float, terms: Sequence[Term]
         ) -> tuple[Hit, list[tuple[str, str]]]:
    text_tokens = _tokens(a.text)
    _, pairs = _spans_of(_tokens(a.title or ""), terms)
    marks, in_text = _spans_of(text_tokens, terms)
    pairs += [m for m in in_text if m not in pairs]
    matched: list[str] = []
    for _, shown in pairs:
        if shown not in matched:
            matched.append(shown)
    snippet, spans = make_snippet(a.text, text_tokens, marks)
    return Hit(a, score, snippet, tuple(matched), spans), pairs


def make_snippet(text: str, tokens: list, marks: dict[int, int],
                 size: int = SNIPPET_WORDS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About ``size`` words of ``text`` around its best match (the window holding the most
    distinct terms, then the most matches), white space collapsed, "\u2026" where cut; and
    the spans of the matched tokens in it."""
    if not tokens:
        return " ".join(text.split()[:size]), ()
    marked = sorted(marks)[:500]
    start = 0
    if marked:
        best = None
        for p in marked:
            s = max(0, p - SNIPPET_BEFORE)
            lo, hi = bisect.bisect_left(marked, s), bisect.bisect_left(marked, s + size)
            inside = marked[lo:hi]
            key = (-len({marks[i] for i in inside}), -len(inside), s)
            if best is None or key < best:
                best = key
        start = best[2]
    end = min(len(tokens), start + size)
    # cut at white space around the tokens, so that "(Yury" or "Afghanistan," stay whole
    s = tokens[start][1]
    while s > 0 and not text[s - 1].isspace():
        s -= 1
    e = tokens[end - 1][2]
    while e < len(text) and not text[e].isspace():
        e += 1
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    if text[:s].strip():
        pieces.append("\u2026 ")
        pos = 2
    tok_i = start
    # walk the words of the window, mapping token offsets to snippet offsets
    for m in _WORD.finditer(text, s, e):
        ws, we = m.start(), m.end()
        if pieces and not pieces[-1].endswith(" "):
            pieces.append(" ")
            pos += 1
        while tok_i < len(tokens) and tokens[tok_i][1] < we:
            if tok_i in marks and tokens[tok_i][1] >= ws:
                spans.append((pos + tokens[tok_i][1] - ws, pos + tokens[tok_i][2] - ws))
            tok_i += 1
        pieces.append(text[ws:we])
        pos += we - ws
    if text[e:].strip():
        pieces.append(" \u2026")
    return "".join(pieces), tuple(spans)


# ---- stats -------------------------------------------------------------------------------
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
