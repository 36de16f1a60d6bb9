"""The spaCy backend: mentions from ``en_core_web_sm`` instead of the built-in rules.

``spacy`` is imported only when this backend is used.
"""

from __future__ import annotations

from collections.abc import Sequence

from corpus_cli.entities.definitions import find_definitions
from corpus_cli.entities.mentions import EVENT, ORG, PERSON, PLACE
from corpus_cli.errors import CorpusError
from corpus_cli.models import EntityMention

__all__ = ["SPACY_INSTALL_HINT", "spacy_mentions"]

SPACY_INSTALL_HINT = "pip install spacy && python -m spacy download en_core_web_sm"

_SPACY_TYPES = {
    "PERSON": PERSON, "ORG": ORG, "NORP": ORG, "GPE": PLACE, "LOC": PLACE, "FAC": PLACE,
    "EVENT": EVENT,
}


def spacy_mentions(texts: Sequence[str]) -> list[list[EntityMention]]:
    """The mentions spaCy finds in each text, mapped to our four types; acronyms defined
    in a text get their expansion as ``canonical``. Raises :class:`CorpusError` when spaCy
    or its model is not installed."""
    try:
        import spacy  # type: ignore[import-not-found]
    except ImportError as exc:
        raise CorpusError(f"the spacy backend needs spaCy: {SPACY_INSTALL_HINT}") from exc
    try:
        nlp = spacy.load("en_core_web_sm")
    except (OSError, ImportError) as exc:
        raise CorpusError(
            f"the spacy backend needs the en_core_web_sm model: {SPACY_INSTALL_HINT}"
        ) from exc
    out: list[list[EntityMention]] = []
    for text, doc in zip(texts, nlp.pipe(texts), strict=True):
        defs = find_definitions(text)
        mentions = []
        for ent in doc.ents:
            typ = _SPACY_TYPES.get(ent.label_)
            if typ is None:
                continue
            s, e = ent.start_char, ent.end_char
            if text[s : s + 4].lower() == "the ":
                s += 4
            while e > s and text[e - 1] in " \t\n'’":
                e -= 1
            if text[e - 2 : e] in ("'s", "’s"):
                e -= 2
            if e <= s:
                continue
            t = text[s:e]
            canonical = t
            if t in defs.acr:
                canonical = defs.acr[t]
            mentions.append(EntityMention(t, s, e, typ, canonical))
        out.append(mentions)
    return out
