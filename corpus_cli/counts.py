"""The counts of a corpus and the version of the JSON records: the part of
:mod:`corpus_cli.models` that ``corpus stats`` needs, kept apart so that reading the counts
does not build every record class (each frozen dataclass costs about a millisecond to
create at import). Import them from :mod:`corpus_cli.models` like the other records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# The version of the JSON records and documents (docs/json.md): fields are added, never
# renamed or removed.
SCHEMA_VERSION = 2


@dataclass(frozen=True, slots=True)
class Counts:
    """What a corpus (or a run, or a ``corpus clean``) holds: the same counts for the dedupe
    report, the clean summary and ``corpus stats``. ``paragraphs == kept + dropped`` and
    ``dropped == removed + duplicates_removed``."""

    pages: int = 0
    paragraphs: int = 0
    removed_by_reason: Mapping[str, int] = field(default_factory=dict)  # noise, by reason
    duplicates_by_rule: Mapping[str, int] = field(default_factory=dict)  # copies, by rule
    clusters_by_kind: Mapping[str, int] = field(default_factory=dict)
    items_by_kind: Mapping[str, int] = field(default_factory=dict)
    entities: int = 0

    @property
    def removed(self) -> int:
        return sum(self.removed_by_reason.values())

    @property
    def duplicates_removed(self) -> int:
        return sum(self.duplicates_by_rule.values())

    @property
    def dropped(self) -> int:
        return self.removed + self.duplicates_removed

    @property
    def kept(self) -> int:
        return self.paragraphs - self.dropped

    @property
    def clusters(self) -> int:
        return sum(self.clusters_by_kind.values())

    @property
    def items(self) -> int:
        return sum(self.items_by_kind.values())

    def to_dict(self) -> dict:
        """The counts as they appear in the dedupe report and ``stats`` (docs/json.md)."""
        return {
            "pages": self.pages,
            "paragraphs": self.paragraphs,
            "kept": self.kept,
            "dropped": self.dropped,
            "removed": self.removed,
            "removed_by_reason": _sorted(self.removed_by_reason),
            "duplicates_removed": self.duplicates_removed,
            "duplicates_by_rule": _sorted(self.duplicates_by_rule),
            "clusters_by_kind": _sorted(self.clusters_by_kind),
            "items": self.items,
            "items_by_kind": _sorted(self.items_by_kind),
            "entities": self.entities,
        }


def _sorted(d: Mapping[str, int]) -> dict[str, int]:
    """Most first, then by name: a deterministic order for JSON and summaries."""
    return dict(sorted(((k, v) for k, v in d.items() if v), key=lambda kv: (-kv[1], kv[0])))
