"""The HTML pages of a WARC file (``.warc`` or ``.warc.gz``), read with warcio.

Every ``response`` record whose HTTP status is 2xx and whose payload is HTML (by its
Content-Type, or sniffed when it has none), and every ``resource`` record of an HTML
document, is a page. Its target URI is the page's URL; its WARC-Date is when it was
fetched, never its publication date. Other records are counted, not read. A file that is
cut short (a truncated gzip member, a record whose bytes stop early) yields the records
before the cut and one problem.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class HtmlRecord:
    """An HTML page of a WARC file."""

    offset: int  # byte offset of the record in the (possibly compressed) file
    url: str | None
    fetch_date: str | None
    charset: str | None  # from the HTTP Content-Type header
    payload: bytes


@dataclass(slots=True)
class Skipped:
    """What a WARC file held besides HTML pages (filled while reading)."""

    by_kind: Counter

    def summary(self) -> str | None:
        if not self.by_kind:
            return None
        n = sum(self.by_kind.values())
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.by_kind.items(),
                                                        key=lambda kv: (-kv[1], kv[0])))
        return f"{n} record(s) that are not HTML pages skipped ({parts})"


class WarcTruncated(Exception):
    """The file stops inside a record (or inside a gzip member)."""

    def __init__(self, offset: int | None, records: int, cause: BaseException):
        self.offset = offset
        self.records = records
        where = f" at byte {offset}" if offset is not None else ""
        why = str(cause) if isinstance(cause, _Cut) else f"{type(cause).__name__}: {cause}"
        super().__init__(f"truncated or corrupt WARC{where}, after {records} whole "
                         f"record(s): {why}")


class _Cut(Exception):
    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset


def _size(stream) -> int | None:
    try:
        pos = stream.tell()
        size = stream.seek(0, 2)
        stream.seek(pos)
        return size
    except (OSError, AttributeError, ValueError):
        return None


def _has_data_after(stream, offset: int) -> bool:
    """True unless the bytes after ``offset`` are only white space (padding)."""
    try:
        stream.seek(offset)
        while True:
            chunk = stream.read(65536)
            if not chunk:
                return False
            if chunk.strip(b"\r\n\t \x00"):
                return True
    except (OSError, ValueError):
        return False


def is_warc(head: bytes) -> bool:
    """True for the first bytes of a WARC file (plain or gzip-compressed)."""
    if head.startswith(b"WARC/"):
        return True
    if head[:2] == b"\x1f\x8b":
        import zlib

        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return d.decompress(head, 16).startswith(b"WARC/")
        except zlib.error:
            return False
    return False


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip().lower() == "charset":
            return v.strip().strip("\"'") or None
    return None


def _mime(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def html_records(stream: IO[bytes], skipped: Skipped) -> Iterator[HtmlRecord]:
    """The HTML pages of a WARC stream, in file order. Counts the other records in
    ``skipped``; raises :class:`WarcTruncated` (after the records before it) when the
    file is cut short or corrupt."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    from corpus_cli.inputs.detect import looks_like_html

    it = ArchiveIterator(stream, check_digests=False)
    done = 0  # records read to their end
    end = 0  # where the last record read ended (a cut is after it)
    try:
        for record in it:
            kind = record.rec_type
            payload = None
            wanted = False
            if kind not in ("response", "resource"):
                skipped.by_kind[kind or "record of no WARC-Type"] += 1
            elif kind == "response" and record.http_headers is None:
                skipped.by_kind["response without HTTP headers"] += 1
            elif kind == "response" and not (record.http_headers.get_statuscode() or ""
                                             ).startswith("2"):
                skipped.by_kind[f"HTTP {record.http_headers.get_statuscode() or '?'}"] += 1
            else:
                headers = record.http_headers if kind == "response" else record.rec_headers
                ctype = headers.get_header("Content-Type")
                mime, charset = _mime(ctype), _charset(ctype)
                if mime is not None and mime not in HTML_TYPES:
                    skipped.by_kind[mime] += 1
                else:
                    payload = record.content_stream().read()
                    wanted = mime is not None or looks_like_html(payload[:2048])
                    if not wanted:
                        skipped.by_kind["no Content-Type, not HTML"] += 1
            # (the offset is known once the record has been read to its end)
            offset, length = it.get_record_offset(), it.get_record_length()
            missing = getattr(record.raw_stream, "limit", 0) or 0
            if missing > 0:  # the file (or its gzip member) stops inside this record
                raise _Cut(offset, f"the record there stops {missing} byte(s) short "
                                   f"of its {record.length}")
            end = offset + length
            done += 1
            if wanted:
                yield HtmlRecord(
                    offset=offset,
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    fetch_date=record.rec_headers.get_header("WARC-Date"),
                    charset=charset,
                    payload=payload,
                )
        size = _size(stream)
        if size is not None and size > end and _has_data_after(stream, end):
            raise _Cut(end, f"the {size - end} byte(s) after it are not a whole record")
    except _Cut as cut:
        raise WarcTruncated(cut.offset, done, cut) from None
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        raise WarcTruncated(end, done, exc) from None
    except Exception as exc:  # noqa: BLE001 - zlib.error, struct errors... from a bad file
        raise WarcTruncated(end, done, exc) from None
