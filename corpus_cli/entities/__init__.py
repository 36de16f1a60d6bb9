"""Rule-based named-entity extraction and alias merging for English news text.

Three pure functions (see ``docs/entities.md`` for the full rules):

* :func:`find_mentions` finds PERSON, ORG, PLACE and EVENT mentions in one text, with
  character spans, the role written next to a person ("Deputy Secretary General") and, for
  acronyms defined in the text ("Eurasian Security Partnership Organization (ESPO)"), the
  expansion as ``canonical``.
* :func:`merge_entities` merges aliases across all documents (acronym and expansion,
  initials, transliteration variants, British/American spelling, hyphenation, case) and
  returns canonical :class:`~corpus_cli.models.Entity` records.
* :func:`extract` runs both, with the built-in rules or with spaCy.

The package's rooms: :mod:`~corpus_cli.entities.lexicon` (the word lists, loaded from
``corpus_cli/data``), :mod:`~corpus_cli.entities.definitions` (acronym definitions in a
text), :mod:`~corpus_cli.entities.mentions` (the mention finder),
:mod:`~corpus_cli.entities.persons` (person name forms), :mod:`~corpus_cli.entities.merge`
(alias merging) and :mod:`~corpus_cli.entities.spacy_backend`.

Only the standard library is imported at package import; ``rapidfuzz`` and ``spacy`` are
imported inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Sequence

from corpus_cli.entities.mentions import ENTITY_TYPES, find_mentions
from corpus_cli.entities.merge import merge_entities
from corpus_cli.entities.spacy_backend import SPACY_INSTALL_HINT, spacy_mentions
from corpus_cli.errors import CorpusError
from corpus_cli.models import Entity, EntityMention

__all__ = ["ENTITY_TYPES", "SPACY_INSTALL_HINT", "extract", "find_mentions", "merge_entities"]


def extract(
    texts: Sequence[str], backend: str = "builtin"
) -> tuple[list[Entity], list[list[EntityMention]]]:
    """Find the mentions of every text and merge them (see :func:`merge_entities`).

    ``backend`` is ``"builtin"`` (the rules of this package) or ``"spacy"`` (spaCy's
    ``en_core_web_sm``; PERSON -> PERSON, ORG/NORP -> ORG, GPE/LOC/FAC -> PLACE,
    EVENT -> EVENT). Raises :class:`~corpus_cli.errors.CorpusError` for an unknown backend
    or when spaCy or its model is not installed.
    """
    if backend == "builtin":
        docs = [find_mentions(t) for t in texts]
    elif backend == "spacy":
        docs = spacy_mentions(texts)
    else:
        raise CorpusError(f"unknown entity backend {backend!r} (use 'builtin' or 'spacy')")
    return merge_entities(docs)
