"""Text and metadata of an HTML page.

Two modes:

* ``main`` (the default): the page's main content, title, canonical URL and site name
  come from trafilatura (see docs/inputs.md for how it was chosen); the publication date
  from the page's markup or URL (htmldate, through trafilatura: ``<meta>`` tags such as
  ``article:published_time``, JSON-LD ``datePublished``, ``<time datetime>``...), else from
  its text (htmldate's extensive search).
* ``full``: every visible text block in page order (menus, sidebars and footers
  included), read by a linear scanner (:func:`visible_blocks`), so that corpus's
  cross-page boilerplate detection decides what repeats.

The extracted text has one block per paragraph (a table row is its cells joined by " · "),
separated by blank lines; its line numbers are the provenance of every paragraph. The
page's title is metadata, not a line of the text (the extractor leaves it out of the main
text; the item takes it as its title). trafilatura, lxml and htmldate are imported only
when an HTML page is read: ``corpus --help`` and text-only runs never load them.

Nothing here raises for a bad page except :class:`HtmlError` (the page cannot be read at
all); what was odd but readable comes back as warnings.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from corpus_cli.errors import CorpusError
from corpus_cli.models import PageMeta

MODES = ("main", "full")
# Pages above this size are not read at all.
MAX_HTML_BYTES = 64 * 1024 * 1024
# Main-content extraction takes about 3 s per MB of text on this project's machines:
# above this size a page is read as in ``full`` mode (linear, a fraction of a second per MB).
MAX_MAIN_BYTES = 5 * 1024 * 1024
# libxml2 (under lxml and trafilatura) stops building the tree at this depth and drops
# everything below and after it; such a page is read with the scanner of full mode instead.
LIBXML_MAX_DEPTH = 255

_META_CHARSET = re.compile(
    rb"""<meta\s[^>]{0,300}?charset\s{0,3}=\s{0,3}["']?\s{0,3}([A-Za-z0-9_:.-]{1,40})""",
    re.IGNORECASE,
)
_XML_DECL = re.compile(r"^\s{0,100}<\?xml[^>]{0,300}\?>", re.IGNORECASE)
_HTML_LANG = re.compile(
    r"""<html\b[^>]{0,1000}?\blang\s{0,3}=\s{0,3}["']?\s{0,3}([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,2})""",
    re.IGNORECASE,
)
_CONTENT_LANGUAGE = re.compile(
    r"""<meta\s[^>]{0,300}?http-equiv\s{0,3}=\s{0,3}["']?content-language["']?"""
    r"""[^>]{0,300}?content\s{0,3}=\s{0,3}["']?\s{0,3}([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,2})""",
    re.IGNORECASE,
)
# WHATWG: these labels mean windows-1252 in a web page.
_WEB_ALIASES = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252",
                "latin-1": "cp1252", "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
                "x-user-defined": "cp1252"}


class HtmlError(CorpusError):
    """A page that cannot be read at all (too large, not decodable)."""


@dataclass(slots=True)
class Extracted:
    """An HTML page's text (blocks separated by blank lines), metadata and warnings."""

    text: str
    encoding: str
    meta: PageMeta
    warnings: list[str] = field(default_factory=list)


# ---- bytes to text ---------------------------------------------------------------------
def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` tag of its first 4 KB, normalised."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _WEB_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes, header_charset: str | None = None,
                forced: str | None = None) -> tuple[str, str, str | None]:
    """Decode a page: ``(text, encoding, warning or None)``.

    A BOM decides; then valid UTF-8 is UTF-8 whatever the page declares (a page that
    declares another charset but is valid UTF-8 outside ASCII was saved as UTF-8 and its
    ``<meta>`` lies); then the charset declared by the HTTP header or the ``<meta>`` tag
    when the bytes decode with it; then the text loader's choice of a legacy code page
    (:mod:`corpus_cli.inputs.charsets`).
    """
    from corpus_cli.inputs.charsets import (
        legacy,
        looks_binary,
        utf8_with_strays,
        utf16_without_bom,
    )
    from corpus_cli.inputs.loader import decode

    if forced:
        text, enc = decode(data, forced)
        return text, enc, None
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            try:
                text, enc = decode(data)
            except ValueError as exc:
                raise HtmlError(str(exc)) from None
            return text, enc, None
    label = header_charset or declared_charset(data)
    declared = _codec(label)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        warning = None
        if declared and declared != "utf-8" and not data.isascii():
            warning = f"declares charset {label} but is UTF-8: read as UTF-8"
        return text, "utf-8", warning
    if declared and declared != "utf-8":
        try:
            return data.decode(declared), declared, None
        except UnicodeDecodeError:
            pass
    if declared in (None, "utf-8"):
        # UTF-8 with a few stray bytes (an ad or an alt text pasted in another charset):
        # read as UTF-8, as a browser does, the stray bytes replaced
        strays = utf8_with_strays(data)
        if strays is not None:
            return strays.text, strays.encoding, strays.warning
    if b"\x00" in data[:8192]:
        wide = utf16_without_bom(data)
        if wide is not None:
            return wide.text, wide.encoding, None
    if looks_binary(data):
        raise HtmlError("binary file (not text)")
    got = legacy(data)  # the same choice of code page as a text file's
    warning = got.warning
    if declared:
        warning = (f"declares charset {label} but is not {label}: read as {got.encoding} "
                   "(detected)")
    return got.text, got.encoding, warning


# ---- every visible text block ----------------------------------------------------------
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "svg", "math",
                   "iframe", "object", "embed", "canvas", "select", "datalist", "audio",
                   "video", "map"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
    "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
    "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "option", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr",
    "ul", "br", "button", "label", "textarea",
})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                   "meta", "param", "source", "track", "wbr"})
_HIDDEN_STYLE = re.compile(r"display\s{0,3}:\s{0,3}none|visibility\s{0,3}:\s{0,3}hidden",
                           re.IGNORECASE)


_RAW_TEXT = frozenset({"script", "style", "noscript", "textarea", "title", "xmp",
                       "iframe", "noembed", "noframes"})
_TAG_NAME = re.compile(r"/?([A-Za-z][A-Za-z0-9:_-]{0,63})")
_TAG_STOP = re.compile(r"[>\"']")
_ATTR_HIDDEN = re.compile(r"(?:^|\s)hidden(?:\s|=|/|$)", re.IGNORECASE)
_ATTR_ARIA_HIDDEN = re.compile(r"aria-hidden\s{0,3}=\s{0,3}[\"']?\s{0,3}true", re.IGNORECASE)
_ATTR_STYLE = re.compile(
    r"""(?:^|\s)style\s{0,3}=\s{0,3}("[^"]{0,2000}"|'[^']{0,2000}'|[^\s>]{1,2000})""",
    re.IGNORECASE)


def _tag_end(data: str, i: int) -> int:
    """Where the markup that starts at ``data[i] == "<"`` ends (after its ``>``), quoted
    attribute values skipped; ``len(data)`` when it never ends. Every search moves forward
    from the last one: linear in the length of the tag."""
    n = len(data)
    j = i + 1
    while True:
        m = _TAG_STOP.search(data, j)
        if m is None:
            return n
        if m.group() == ">":
            return m.end()
        k = m.start() - 1
        while k > i and data[k] in " \t\n\r\f":
            k -= 1
        if data[k] != "=":  # a quote that does not open an attribute value
            j = m.end()
            continue
        close = data.find(m.group(), m.end())
        if close < 0:
            return n
        j = close + 1


def _hidden_attrs(attrs: str) -> bool:
    if not attrs:
        return False
    if _ATTR_HIDDEN.search(attrs) or _ATTR_ARIA_HIDDEN.search(attrs):
        return True
    m = _ATTR_STYLE.search(attrs)
    return m is not None and _HIDDEN_STYLE.search(m.group(1)) is not None


def visible_blocks(html: str) -> list[str]:
    """Every visible text block of a page, in page order (the ``full`` mode's text).

    A small scanner rather than a parser: no tree (so no depth limit) and every search
    moves forward, so it is linear in the page whatever its markup (Python's
    ``html.parser`` takes minutes on a crafted megabyte of unclosed tags). Text between
    tags is gathered into the current block; a block element, ``<br>`` or ``<hr>`` ends it.
    The contents of scripts, styles, ``<head>``, ``<svg>``, forms' ``<select>``, hidden
    elements (``hidden``, ``aria-hidden="true"``, ``display:none``) and the like are not
    text."""
    from html import unescape

    data = html
    lower: str | None = None  # made once, when a raw-text element is met
    n = len(data)
    blocks: list[str] = []
    buf: list[str] = []
    skip_tag: str | None = None
    skip_depth = 0

    def flush() -> None:
        if buf:
            text = " ".join(unescape("".join(buf)).split())
            if text:
                blocks.append(text)
            buf.clear()

    i = 0
    while i < n:
        lt = data.find("<", i)
        if lt < 0:
            if skip_tag is None:
                buf.append(data[i:])
            break
        if lt > i and skip_tag is None:
            buf.append(data[i:lt])
        nxt = data[lt + 1: lt + 2]
        if data.startswith("<!--", lt):
            end = data.find("-->", lt + 4)
            i = n if end < 0 else end + 3
            continue
        if nxt in ("!", "?"):
            end = data.find(">", lt + 2)
            i = n if end < 0 else end + 1
            continue
        m = _TAG_NAME.match(data, lt + 1)
        if m is None:  # "a < b": text
            if skip_tag is None:
                buf.append("<")
            i = lt + 1
            continue
        end = _tag_end(data, lt)
        name = m.group(1).lower()
        closing = data[lt + 1] == "/"
        i = end
        if closing:
            if skip_tag is not None:
                if name == skip_tag:
                    skip_depth -= 1
                    if skip_depth == 0:
                        skip_tag = None
                continue
            if name in _BLOCK:
                flush()
            continue
        if name in _RAW_TEXT:  # its text runs to its end tag, markup or not
            if lower is None:
                lower = data.lower()
            close = lower.find("</" + name, i)
            stop = n if close < 0 else close
            if name in ("textarea", "xmp") and skip_tag is None:
                flush()
                buf.append(data[i:stop])
                flush()
            gt = -1 if close < 0 else data.find(">", close)
            i = n if gt < 0 else gt + 1
            continue
        if skip_tag is not None:
            if name == skip_tag and name not in _VOID:
                skip_depth += 1
            continue
        attrs = data[m.end(): end - 1]
        if name in _SKIP or (name not in _VOID and _hidden_attrs(attrs)):
            if not attrs.rstrip().endswith("/"):
                skip_tag, skip_depth = name, 1
            continue
        if name in _BLOCK:
            flush()
    flush()
    return blocks


# ---- metadata ----------------------------------------------------------------------------
def _language(html: str) -> str | None:
    head = html[:20000]
    m = _HTML_LANG.search(head) or _CONTENT_LANGUAGE.search(head)
    return m.group(1).replace("_", "-").lower() if m else None


def _tree_depth(tree) -> int:
    from lxml import etree

    depth = top = 0
    for event, _el in etree.iterwalk(tree, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > top:
                top = depth
        else:
            depth -= 1
    return top


def _clean(value) -> str | None:
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


def _find_date(html: str, url: str | None, extensive: bool) -> str | None:
    """htmldate's publication date of a page: without ``extensive``, from its markup and
    URL only (``<meta>`` tags, JSON-LD, ``<time>``/``<abbr>`` elements, the URL); with it,
    also from its text."""
    from htmldate import find_date

    try:
        return find_date(html, extensive_search=extensive, original_date=True, url=url)
    except (ValueError, TypeError, RecursionError):
        return None


# ---- the page ----------------------------------------------------------------------------
def extract(data: bytes, mode: str = "main", url: str | None = None,
            header_charset: str | None = None, encoding: str | None = None,
            fmt: str = "html") -> Extracted:
    """Extract the text and metadata of an HTML page from its bytes.

    ``url`` is the page's URL when known (a WARC record's target URI); ``header_charset`` a
    charset given by an HTTP header; ``encoding`` forces one. Raises :class:`HtmlError` when
    the page cannot be read.
    """
    if mode not in MODES:
        raise ValueError(f"unknown HTML mode {mode!r}")
    if len(data) > MAX_HTML_BYTES:
        raise HtmlError(f"page too large ({len(data) / 1e6:.1f} MB > "
                        f"{MAX_HTML_BYTES // 2**20} MB): skipped")
    try:
        html, enc, charset_warning = decode_html(data, header_charset, encoding)
    except LookupError:
        raise HtmlError(f"unknown encoding {encoding!r}") from None
    warnings = [charset_warning] if charset_warning else []
    html = html.lstrip("\ufeff")
    decl = _XML_DECL.match(html)
    if decl:  # lxml refuses str input with an encoding declaration
        html = html[decl.end():]
    if not html.strip():
        raise HtmlError("empty file")
    language = _language(html)

    import lxml.html
    from lxml import etree

    big = len(data) > MAX_MAIN_BYTES
    tree = None
    try:  # a page too large for main-content extraction: its metadata from its head only
        tree = lxml.html.document_fromstring(_head_of(html) if big else html)
    except (etree.ParserError, ValueError):
        tree = None  # no element at all: read as blocks below
    deep = not big and tree is not None and _tree_depth(tree) >= LIBXML_MAX_DEPTH
    if deep:
        warnings.append(f"markup nested deeper than {LIBXML_MAX_DEPTH} levels: every "
                        "visible text block was read (as --html full)")
    if big and mode == "main":
        warnings.append(f"page too large for main-content extraction "
                        f"({len(data) / 1e6:.1f} MB > {MAX_MAIN_BYTES // 2**20} MB): every "
                        "visible text block was read (as --html full)")
    if not _ends_well(html):
        warnings.append("truncated HTML (no closing </body> or </html>): read what is there")

    title = canonical = site = date = None
    date_source = None
    body: str | None = None
    effective = "full" if big or deep else mode
    if tree is not None:
        # trafilatura is given the text, not the tree: it parses it its own way (given a
        # tree made by the caller, it finds no main content on some pages)
        doc = _trafilatura(_head_of(html) if big else html, url,
                           with_body=(effective == "main"))
        if doc is not None:
            title, canonical, site = _clean(doc.title), _clean(doc.url), _clean(doc.sitename)
            if effective == "main":
                body = doc.text or None
    date = _find_date(_head_of(html) if big else html, url, extensive=False)
    if date:
        date_source = "metadata"
    elif not big:
        date = _find_date(html, url, extensive=True)
        if date:
            date_source = "text"
    if body is None:
        blocks = visible_blocks(html)
        if effective == "main":
            effective = "full"  # no main content found: every block
    else:
        blocks = [b for b in (_row(" ".join(x.split())) for x in body.split("\n")) if b]
    meta = PageMeta(
        format=fmt, mode=effective, url=url or canonical, canonical_url=canonical,
        title=title, date=date, date_source=date_source, site_name=site, language=language,
    )
    return Extracted("\n\n".join(blocks) + ("\n" if blocks else ""), enc, meta, warnings)


def _row(line: str) -> str:
    """A table row as trafilatura writes it (``| a | b |``) as its cells joined by " · "
    (a run of short cells between bars would read as a breadcrumb trail to the cleaner);
    any other line as it is."""
    if len(line) < 3 or not (line.startswith("|") and line.endswith("|")):
        return line
    return " \u00b7 ".join(c for c in (x.strip() for x in line[1:-1].split("|")) if c)


HEAD_CHARS = 262144


def _head_of(html: str) -> str:
    """The start of a page up to the end of its ``<head>`` (at most 256 K characters)."""
    lower = html[:HEAD_CHARS].lower()
    end = lower.find("</head")
    return html[: end if end >= 0 else HEAD_CHARS] + "</head></html>"


def _ends_well(html: str) -> bool:
    tail = html[-2048:].lower()
    return "</html" in tail or "</body" in tail


_DATE_PARAMS = {"extensive_search": False, "original_date": True}


def _trafilatura(tree: str, url: str | None, with_body: bool):
    """trafilatura's extraction of a page (main text and metadata, or with
    ``with_body`` false the metadata only), or None. Its date is not used (see
    :func:`_find_date`): it is asked for the cheapest one."""
    try:
        if not with_body:
            from trafilatura.metadata import extract_metadata

            return extract_metadata(tree, default_url=url, date_config=dict(_DATE_PARAMS))
        from trafilatura import bare_extraction

        return bare_extraction(
            tree, url=url, with_metadata=True, include_comments=False,
            include_tables=True, include_images=False, include_links=False,
            date_extraction_params=dict(_DATE_PARAMS),
        )
    except (ValueError, TypeError, RecursionError, AttributeError):
        return None
