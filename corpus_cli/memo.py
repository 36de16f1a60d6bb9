"""A bounded cache of a pure function of one argument, kept per process.

A site repeats its menu, sidebar and footer lines on every page: the per-line work of the
cleaner, the normaliser and the segmenter is done once per distinct line in each process,
not once per page. The functions cached here depend on their argument only, so a cached
result is the result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_SIZE = 100_000


class Memo(dict):
    """``memo[x]`` is ``fn(x)``, computed at the first lookup. When ``size`` results are
    held, the next new one clears them all (the lines a site repeats come back at once)."""

    __slots__ = ("fn", "size")

    def __init__(self, fn: Callable[[Any], Any], size: int = DEFAULT_SIZE):
        super().__init__()
        self.fn = fn
        self.size = size

    def __missing__(self, key: Hashable) -> Any:
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.fn(key)
        return value
