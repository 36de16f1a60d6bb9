"""One input (a file or stdin) to its pages: a text file or an HTML file is one page, a
WARC file one page per HTML record. Problems and warnings come back as
:class:`~corpus_cli.models.Problem` records beside the pages; nothing here raises for a bad
input."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, replace

from corpus_cli.inputs.detect import format_by_name, format_of
from corpus_cli.inputs.loader import (
    Source,
    content_hash,
    normalize_text,
    read_bytes,
    text_page,
)
from corpus_cli.models import Page, Problem


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How inputs are read: a forced encoding, a forced format, the HTML mode."""

    encoding: str | None = None
    format: str = "auto"  # auto | text | html | warc
    html: str = "main"  # main | full

    def key(self) -> str:
        """What changes the pages read (for reusing the pages of an earlier run)."""
        return f"{self.encoding or ''}|{self.format}|{self.html}"


def is_warc_source(source: Source, opts: ReadOptions) -> bool:
    """True when a WARC file is streamed from its name (stdin and named pipes are read
    whole first)."""
    if source.streamed:
        return False
    if opts.format != "auto":
        return opts.format == "warc"
    return format_by_name(source.path) == "warc"


def html_page(path: str, data: bytes, opts: ReadOptions, url: str | None = None,
              header_charset: str | None = None, meta_extra: dict | None = None,
              fmt: str = "html") -> list[Page | Problem]:
    """An HTML document's page (and its warnings), or a problem."""
    from corpus_cli.inputs.html import HtmlError, extract

    if not data.strip():
        return [Problem(path, "empty file")]
    try:
        got = extract(data, opts.html, url=url, header_charset=header_charset,
                      encoding=opts.encoding, fmt=fmt)
    except HtmlError as exc:
        return [Problem(path, str(exc))]
    except RecursionError:
        return [Problem(path, "markup too deeply nested to read")]
    out: list[Page | Problem] = [Problem(path, w, "warning") for w in got.warnings]
    text = normalize_text(got.text)
    if not text.strip():
        out.append(Problem(path, "no text in this page", "warning"))
        return out
    meta = got.meta if not meta_extra else replace(got.meta, **meta_extra)
    out.insert(0, Page(path=path, text=text, encoding=got.encoding,
                       content_hash=content_hash(data), size=len(data), meta=meta))
    return out


def warc_pages(path: str, stream, opts: ReadOptions) -> list[Page | Problem]:
    """The pages of a WARC stream: one per HTML record, path ``FILE#OFFSET``."""
    from corpus_cli.inputs.warc import Skipped, WarcTruncated, html_records

    out: list[Page | Problem] = []
    skipped = Skipped(Counter())
    n = 0
    try:
        for rec in html_records(stream, skipped):
            n += 1
            out += html_page(
                f"{path}#{rec.offset}", rec.payload, opts, url=rec.url,
                header_charset=rec.charset, fmt="warc",
                meta_extra={"fetch_date": rec.fetch_date, "record_offset": rec.offset,
                            "file": path})
    except WarcTruncated as exc:
        out.append(Problem(path, str(exc)))
    note = skipped.summary()
    if note:
        out.append(Problem(path, note, "warning"))
    if n == 0 and not any(isinstance(x, Problem) and x.level == "error" for x in out):
        out.append(Problem(path, "no HTML page in this WARC file"))
    return out


def pages_from_bytes(path: str, data: bytes, opts: ReadOptions) -> list[Page | Problem]:
    """The pages of one input's bytes, whatever its format."""
    fmt = format_of(path, data[:4096], opts.format)
    if fmt == "warc":
        return warc_pages(path, io.BytesIO(data), opts)
    if fmt == "html":
        return html_page(path, data, opts)
    return text_page(path, data, opts.encoding)


def read_pages(source: Source, opts: ReadOptions) -> list[Page | Problem]:
    """Read one source into its pages. A WARC file is streamed, not read whole."""
    if is_warc_source(source, opts):
        try:
            with open(source.location, "rb") as fh:
                return warc_pages(source.path, fh, opts)
        except IsADirectoryError:
            return [Problem(source.path, "is a folder")]
        except PermissionError:
            return [Problem(source.path, "permission denied")]
        except OSError as exc:
            return [Problem(source.path, f"cannot read: {exc.strerror or exc}")]
    got = read_bytes(source)
    if isinstance(got, Problem):
        return [got]
    data, mtime = got
    pages = pages_from_bytes(source.path, data, opts)
    if mtime:
        pages = [replace(p, mtime_ns=mtime) if isinstance(p, Page) else p for p in pages]
    return pages
