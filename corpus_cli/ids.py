"""Content-based ids: an id says what a paragraph or an item is, not where it was read.

* A **page fingerprint** hashes the cleaned text of the page's kept paragraphs (in
  order): it does not change when the file is renamed or moved, nor when blank lines or
  noise (navigation, image names) are added or removed.
* A **paragraph id** hashes the page fingerprint, whether the paragraph was kept or removed,
  its cleaned text, and how many paragraphs of the page came before it with the same
  text. Two pages with the same fingerprint (the same page saved twice) are told apart by
  their place in the corpus order: the first keeps its ids, the n-th copy (n >= 2) hashes
  its fingerprint with ``#n``.
* An **item id** hashes the normalised title, the first :data:`OPENING_WORDS` words of the
  normalised text and the publication date (when known). Items with the same key (the same
  brief twice on one page) are ordered by their normalised text, then by the id of their
  first paragraph: the first keeps the id, the n-th gets the hash of the key and ``#n``.

Everything here is a pure function of the text; see docs/json.md ("ids").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from corpus_cli.models import Article, CleanPage, Paragraph

OPENING_WORDS = 64
T = TypeVar("T")


def _hash(text: str, size: int) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=size).hexdigest()


def _norm(text: str) -> str:
    from corpus_cli.dedupe import normalize

    return normalize(text)


def paragraph_key(p: Paragraph) -> str:
    """What a paragraph is: its cleaned text (its raw text when removed). Both are already
    normalised by the loader and the cleaner (white space, line endings, NFC)."""
    if p.status == "removed":
        return "-" + p.raw
    return p.text


def page_fingerprint(paragraphs: Sequence[Paragraph]) -> str:
    """The fingerprint of a page: a hash of its kept paragraphs' cleaned text (of all its
    paragraphs when none is kept)."""
    return _fingerprint([(p.status == "removed", paragraph_key(p)) for p in paragraphs])


def _fingerprint(keys: Sequence[tuple[bool, str]]) -> str:
    kept = [k for removed, k in keys if not removed]
    if not kept:
        kept = [k for _removed, k in keys]
    return _hash("\n".join(kept), 12)


def paragraph_ids(keys: Sequence[tuple[bool, str]], copy: int = 0) -> tuple[str, list[str]]:
    """The page's fingerprint and the content id of each paragraph, from each paragraph's
    ``(removed, paragraph_key)``: what :func:`with_paragraph_ids` gives, for paragraphs not
    made yet (the cleaner makes each paragraph once, with its id)."""
    fp = _fingerprint(keys)
    base = fp if copy == 0 else f"{fp}#{copy + 1}"
    seen: dict[str, int] = {}
    out = []
    for _removed, key in keys:
        n = seen.get(key, 0)
        seen[key] = n + 1
        out.append(_hash(f"{base}\x00{key}\x00{n}", 8))
    return fp, out


def with_paragraph_ids(paragraphs: Sequence[Paragraph], copy: int = 0
                       ) -> tuple[str, tuple[Paragraph, ...]]:
    """The page's fingerprint and its paragraphs with their content ids. ``copy`` is the
    page's rank among the pages of the corpus with the same fingerprint (0: the first)."""
    fp, ids = paragraph_ids([(p.status == "removed", paragraph_key(p)) for p in paragraphs],
                            copy)
    return fp, tuple(p if p.id == pid else replace(p, id=pid)
                     for p, pid in zip(paragraphs, ids, strict=True))


def resolve_page_copies(pages: Sequence[T], get: Callable[[T], CleanPage],
                        rebuild: Callable[[T, int], T]) -> list[T]:
    """Give each page its rank among the pages with the same fingerprint, in the order
    given (the corpus order): ``rebuild(page, copy)`` is called for each page whose paragraph
    ids were made for another rank."""
    count: dict[str, int] = {}
    out = []
    for x in pages:
        cp = get(x)
        n = count.get(cp.fingerprint, 0)
        count[cp.fingerprint] = n + 1
        out.append(x if cp.copy == n else rebuild(x, n))
    return out


def recopy(cp: CleanPage, copy: int) -> CleanPage:
    """``cp`` with the paragraph ids of the ``copy``-th page of its fingerprint."""
    fp, paragraphs = with_paragraph_ids(cp.paragraphs, copy)
    return replace(cp, paragraphs=paragraphs, fingerprint=fp, copy=copy)


# Characters of a long text normalised to find its opening words (see _opening): enough
# for 64 words of most texts.
OPENING_CHARS = 768


def _opening(text: str) -> str:
    """The first :data:`OPENING_WORDS` words of the normalised text. A long text is
    normalised only as far as needed: a cut can change the word it falls in (and with
    Unicode normalisation, the characters just before it), so the cut part must hold more
    words than are kept."""
    if len(text) > OPENING_CHARS:
        words = _norm(text[:OPENING_CHARS]).split()
        if len(words) > OPENING_WORDS + 2:
            return " ".join(words[:OPENING_WORDS])
    return " ".join(_norm(text).split()[:OPENING_WORDS])


def opening(norms: Iterable[str]) -> str:
    """The first :data:`OPENING_WORDS` words of a text made of paragraphs, from their
    normalised texts (:func:`corpus_cli.dedupe.normalize`, in order): what the opening of
    their text joined by blank lines is, without normalising it again (words never run
    across a line break, and normalising a text is normalising its lines)."""
    taken: list[str] = []  # the texts whose words were all taken ("" for a part of one)
    words: list[str] = []
    need = OPENING_WORDS
    for n in norms:
        if not n:
            continue
        if not need:
            break
        got = n.split(" ", need)
        if len(got) > need:
            words += got[:need]
            taken.append("")
            break
        words += got
        taken.append(n)
        need -= len(got)
    if len(taken) == 1 and taken[0]:
        return taken[0]  # one text, whole: that string itself (shared, not a copy)
    return " ".join(words)


def item_key(title: str | None, text: str, date: str | None,
             opening_words: str | None = None) -> str:
    """The content key of an item: normalised title, opening words (``opening_words`` when
    known: see :func:`opening`), date."""
    if opening_words is None:
        opening_words = _opening(text)
    return f"{_norm(title or '')}\x00{opening_words}\x00{date or ''}"


def item_id(title: str | None, text: str, date: str | None) -> str:
    return "a" + _hash(item_key(title, text, date), 6)


def resolve_item_ids(articles: Sequence[Article],
                     openings: Sequence[str | None] | None = None) -> list[Article]:
    """Content ids for ``articles`` (whose ``id`` fields are ignored), collisions resolved as
    the module says. ``openings`` may give the opening words of each one's text where
    known (:func:`opening`). The result does not depend on the order of ``articles``."""
    if openings is None:
        openings = [None] * len(articles)
    keys = [item_key(a.title, a.text, a.date, o)
            for a, o in zip(articles, openings, strict=True)]
    ids = ["a" + _hash(k, 6) for k in keys]
    groups: dict[str, list[int]] = {}
    for i, x in enumerate(ids):
        groups.setdefault(x, []).append(i)
    taken = set(groups)
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (_norm(articles[i].text), articles[i].paragraph_ids[:1]))
        for n, i in enumerate(members[1:], 2):
            salt = n
            new = "a" + _hash(f"{keys[i]}#{salt}", 6)
            while new in taken:  # a hash collision with another key: try the next salt
                salt += 1000
                new = "a" + _hash(f"{keys[i]}#{salt}", 6)
            taken.add(new)
            ids[i] = new
    return [a if a.id == x else replace(a, id=x) for a, x in zip(articles, ids, strict=True)]
