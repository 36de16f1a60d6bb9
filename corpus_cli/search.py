"""Full-text search: run a query (parsed by :mod:`corpus_cli.query`, see docs/search.md) on
the tantivy side index or SQLite FTS5. Matching is case- and accent-insensitive (the
indexes use ``unicode61 remove_diacritics 2`` and its tantivy equivalent).

Fuzzy expansion: a word found in fewer than :data:`FEW_HITS` items is OR-ed with similar
words of the corpus vocabulary (rapidfuzz ``fuzz.ratio``), so ``Petrenco`` also finds
``Petrenko``. Items that match the query as written always come first.

Snippets are plain text (never markup) with the character spans of the matched words;
:mod:`corpus_cli.output` highlights them.
"""

from __future__ import annotations

import bisect
import itertools
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from corpus_cli.errors import CorpusError, QueryError
from corpus_cli.models import Article
from corpus_cli.query import (
    _TOKEN,
    FEW_HITS,
    Node,
    Op,
    Term,
    _fold,
    _show,
    parse_query,
    positive_terms,
    to_fts,
)
from corpus_cli.storage.store import ArticleFilter, Store

__all__ = ["FEW_HITS", "Hit", "SearchResult", "expand", "make_snippet", "parse_query",
           "run_search", "search", "similar_words", "to_fts"]

MIN_FUZZY_LEN = 4  # shorter words are never expanded
MAX_VARIANTS = 3  # per word
MAX_PHRASE_VARIANTS = 16  # spellings of one phrase
SNIPPET_WORDS = 30
SNIPPET_BEFORE = 6  # words of context before the first match

_WORD = re.compile(r"\S+")


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
    (see corpus_cli.storage.index), else from the FTS5 index."""
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
    """The tantivy side index to use, or ``None`` for FTS5 (see corpus_cli.storage.index)."""
    if engine not in ENGINES:
        raise QueryError(f"unknown search engine {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "fts5":
        return None
    from corpus_cli.storage import index

    side = index.open_index(store)
    if side is None and engine == "tantivy":
        raise CorpusError(f"--engine tantivy: {index.why_no_index(store)}")
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
    return found if limit is None else found[:limit]


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
