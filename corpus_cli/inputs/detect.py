"""Which reader an input needs: text, HTML or WARC.

By the file's extension first (``.txt``; ``.html``, ``.htm``, ``.xhtml``; ``.warc``,
``.warc.gz``), then, for any other name and for stdin, by its first bytes. A format given
by the user (``--format``) overrides both.
"""

from __future__ import annotations

FORMATS = ("text", "html", "warc")
_BY_EXTENSION = (
    (".warc.gz", "warc"), (".warc", "warc"), (".html", "html"), (".htm", "html"),
    (".xhtml", "html"), (".txt", "text"),
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<!--",
                b"<meta", b"<title", b"<div", b"<p>", b"<p ", b"<table", b"<article")
_HTML_INSIDE = (b"<html", b"<body", b"<head>", b"</div>", b"</p>", b"<br>", b"<br/>",
                b"<br />")


def format_by_name(path: str) -> str | None:
    """The format an input's name says, or None."""
    name = path.lower()
    for ext, fmt in _BY_EXTENSION:
        if name.endswith(ext):
            return fmt
    return None


def looks_like_html(head: bytes) -> bool:
    """True when the first bytes of a file look like HTML markup."""
    h = head[:4096]
    for bom in (b"\xef\xbb\xbf",):
        if h.startswith(bom):
            h = h[len(bom):]
    h = h.lstrip().lower()
    if not h.startswith(b"<"):
        return False
    if h.startswith(_HTML_STARTS):
        if h.startswith((b"<?xml", b"<!--")):
            return any(tag in h for tag in _HTML_INSIDE)
        return True
    return any(tag in h for tag in _HTML_INSIDE)


def sniff(head: bytes) -> str:
    """The format of data by its first bytes: ``warc``, ``html`` or ``text``."""
    from corpus_cli.inputs.warc import is_warc

    if is_warc(head):
        return "warc"
    if looks_like_html(head):
        return "html"
    return "text"


def format_of(path: str, head: bytes, forced: str | None = None) -> str:
    """The reader for an input: ``forced`` if given, else by name, else by content."""
    if forced and forced != "auto":
        return forced
    return format_by_name(path) or sniff(head)
