"""Library errors. The CLI turns every :class:`CorpusError` into a one-line message."""


class CorpusError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(CorpusError):
    """No usable input (no such path, no pages found...)."""


class StoreError(CorpusError):
    """The store is missing, corrupt, of a newer schema, or not a corpus store."""


class QueryError(CorpusError):
    """A malformed search query or filter."""
