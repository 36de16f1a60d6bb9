"""Library errors. The CLI turns every :class:`CorpusError` into a one-line message."""


class CorpusError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(CorpusError):
    """No usable input (no such path, no pages found...)."""


class StoreError(CorpusError):
    """The store is missing, corrupt, of a newer schema, or not a corpus store."""


class QueryError(CorpusError):
    """A malformed search query or filter."""


def explain(exc: BaseException) -> str | None:
    """A one-line reason a user can act on for an error of the system underneath (SQLite,
    the file system): a busy store, a full disk, a read-only file system. ``None`` for
    anything else (a bug: the CLI reports it as an internal error)."""
    import errno

    name = type(exc).__name__
    text = str(exc)
    if name in ("OperationalError", "DatabaseError") and type(exc).__module__ == "sqlite3":
        low = text.lower()
        if "locked" in low or "busy" in low:
            return ("the store is busy: another corpus run is writing it (try again when it "
                    "has finished)")
        if "disk is full" in low:
            return "no space left on the device: the store keeps its previous corpus"
        if "disk i/o error" in low:
            return "the device failed to read or write the store (disk I/O error)"
        if "readonly" in low or "read-only" in low:
            return "the store cannot be written: it or its folder is read-only"
        if "malformed" in low or "not a database" in low:
            return f"the store is damaged ({text})"
        return None
    if isinstance(exc, OSError) and exc.errno is not None:
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return f"no space left on the device{where}: nothing was replaced"
        if exc.errno == errno.EROFS:
            return f"read-only file system{where}"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return f"permission denied{where}"
        if exc.errno == errno.EIO:
            return f"the device failed to read or write{where} (I/O error)"
    return None
