"""The search query language: the user's query parsed into a tree of :class:`Term` and
:class:`Op` nodes, and that tree written as a safe FTS5 query.

Every word or phrase becomes an FTS5 string, so punctuation in the input can never become
FTS5 syntax; ``AND``/``OR``/``NOT`` (upper case), parentheses, ``"phrases"`` and a trailing
``*`` (prefix) are kept. Words are folded as the indexes fold them (lower case, without
diacritics). :mod:`corpus_cli.search` runs queries; :mod:`corpus_cli.storage.index`
translates the same tree for tantivy.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from corpus_cli.errors import QueryError

FEW_HITS = 3  # a word in fewer items than this is expanded with similar words (search.py)

# A token as unicode61 sees it: letters and digits (and combining marks), nothing else.
_TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
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


MAX_NESTING = 100  # parentheses within parentheses: more is a usage error, not a crash


class _Parser:
    """query := or ; or := and (OR and)* ; and := not (AND? not)* ; not := atom (NOT atom)*
    ; atom := TERM | PHRASE | ( query ). NOT binds tightest, as in FTS5."""

    def __init__(self, tokens: list[tuple[str, str, bool]], query: str):
        self.t = tokens
        self.i = 0
        self.query = query
        self.depth = 0  # parentheses open

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
        excluded = []
        while self.peek() == "NOT":  # a NOT b NOT c = a NOT (b OR c): a flat tree
            self.i += 1
            excluded.append(self.atom("NOT"))
        if not excluded:
            return node
        return Op("NOT", (node, excluded[0] if len(excluded) == 1 else
                          Op("OR", tuple(excluded))))

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
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise QueryError(f"the query nests parentheses more than {MAX_NESTING} deep: "
                                 f"{_show(self.query)}")
            if self.peek() == ")":
                raise QueryError(f"empty parentheses in query: {_show(self.query)}")
            node = self.or_()
            if self.peek() != ")":
                raise QueryError(f"missing ')' in query: {_show(self.query)}")
            self.i += 1
            self.depth -= 1
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
