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
        super().__init__(f"truncated or corrupt WARC{where} after {records} record(s): "
                         f"{type(cause).__name__}: {cause}")


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
    offset = None
    try:
        for record in it:
            offset = it.get_record_offset()
            done += 1  # counted now, uncounted below if it stops inside this record
            kind = record.rec_type
            if kind not in ("response", "resource"):
                skipped.by_kind[kind] += 1
                continue
            mime = None
            charset = None
            if kind == "response":
                if record.http_headers is None:
                    skipped.by_kind["response without HTTP headers"] += 1
                    continue
                status = record.http_headers.get_statuscode() or ""
                if not status.startswith("2"):
                    skipped.by_kind[f"HTTP {status or '?'}"] += 1
                    continue
                ctype = record.http_headers.get_header("Content-Type")
            else:
                ctype = record.rec_headers.get_header("Content-Type")
            mime, charset = _mime(ctype), _charset(ctype)
            if mime is not None and mime not in HTML_TYPES:
                skipped.by_kind[mime] += 1
                continue
            payload = record.content_stream().read()
            if mime is None and not looks_like_html(payload[:2048]):
                skipped.by_kind["no Content-Type, not HTML"] += 1
                continue
            yield HtmlRecord(
                offset=offset,
                url=record.rec_headers.get_header("WARC-Target-URI"),
                fetch_date=record.rec_headers.get_header("WARC-Date"),
                charset=charset,
                payload=payload,
            )
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        raise WarcTruncated(offset, max(0, done - 1), exc) from None
    except Exception as exc:  # noqa: BLE001 - zlib.error, struct errors... from a bad file
        raise WarcTruncated(offset, max(0, done - 1), exc) from None
