"""HTML and WARC inputs: detection, extraction, metadata, provenance and bad inputs.

Every page here is written by the test itself."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import time

import pytest

from corpus_cli.clean import clean_page
from corpus_cli.inputs.detect import format_by_name, format_of, sniff
from corpus_cli.inputs.html import decode_html, extract, visible_blocks
from corpus_cli.inputs.loader import load
from corpus_cli.inputs.pages import ReadOptions, pages_from_bytes
from corpus_cli.models import Page, Problem
from corpus_cli.segment import segment_page

ARTICLE_ONE = (
    "The river authority opened the new flood barrier on Tuesday after four years of work.",
    "Engineers said the barrier can hold back water two metres higher than the old wall, "
    "and that it was tested twice during the spring storms.",
    "Residents of the lower town, who were evacuated three times in the last decade, "
    "welcomed the news at a public meeting in the market hall.",
)
ARTICLE_TWO = (
    "The city library will stay open until midnight during the examination weeks.",
    "Students asked for longer hours in a petition signed by more than two thousand "
    "people, and the council agreed to pay for the extra staff.",
    "The reading rooms on the second floor will be kept quiet for the whole period.",
)
NAV = '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>' \
      '<li><a href="/contact">Contact</a></li></ul></nav>'
SIDEBAR = ('<aside><h3>Most read</h3><p>Harbour festival draws record crowds to the '
           'waterfront this weekend</p></aside>')
FOOTER = "<footer><p>Copyright 2024 Example Gazette. All rights reserved.</p></footer>"


def page_html(title: str, paragraphs, *, date_meta: str | None = None,
              jsonld_date: str | None = None, time_date: str | None = None,
              text_date: str | None = None, url: str | None = None, charset: str = "utf-8",
              lang: str = "en", extra_body: str = "") -> str:
    head = [f'<meta charset="{charset}">', f"<title>{title} | Example Gazette</title>"]
    if date_meta:
        head.append(f'<meta property="article:published_time" content="{date_meta}">')
    if jsonld_date:
        head.append('<script type="application/ld+json">'
                    + json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                                  "headline": title, "datePublished": jsonld_date})
                    + "</script>")
    if url:
        head.append(f'<link rel="canonical" href="{url}">')
    body = [f"<h1>{title}</h1>"]
    if time_date:
        body.append(f'<p class="byline">By Staff <time datetime="{time_date}">'
                    f"{time_date}</time></p>")
    if text_date:
        body.append(f"<p>Published {text_date}</p>")
    body += [f"<p>{p}</p>" for p in paragraphs]
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{"".join(head)}'
            '<script>var dataLayer = [{"page": "article"}];</script>'
            "<style>body { color: black }</style></head><body>"
            f"{NAV}<main><article>{''.join(body)}</article>{SIDEBAR}</main>"
            f"{extra_body}{FOOTER}</body></html>")


def write_warc(path, records, gz: bool = True) -> None:
    """records: (uri, content_type or None, payload bytes, status line, warc type)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=gz)
        for uri, ctype, payload, status, kind in records:
            if kind == "response":
                headers = [("Content-Type", ctype)] if ctype else []
                http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
                rec = w.create_warc_record(uri, "response", payload=io.BytesIO(payload),
                                           http_headers=http,
                                           warc_headers_dict={"WARC-Date":
                                                              "2024-05-01T10:00:00Z"})
            else:
                rec = w.create_warc_record(uri, kind, payload=io.BytesIO(payload),
                                           warc_content_type=ctype or "text/plain")
            w.write_record(rec)


def only_pages(results):
    return [r for r in results if isinstance(r, Page)]


def kept_text(page: Page) -> str:
    return "\n".join(p.text for p in clean_page(page).paragraphs if p.status == "kept")


# ---- detection ---------------------------------------------------------------------------
def test_format_by_extension_then_content():
    assert format_by_name("a/b.HTML") == "html"
    assert format_by_name("x.htm") == "html"
    assert format_by_name("crawl.warc.gz") == "warc"
    assert format_by_name("crawl.warc") == "warc"
    assert format_by_name("notes.txt") == "text"
    assert format_by_name("page.php") is None
    assert sniff(b"  <!DOCTYPE html><html>") == "html"
    assert sniff(b"\xef\xbb\xbf<html lang=en>") == "html"
    assert sniff(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n") == "warc"
    assert sniff(gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n")) == "warc"
    assert sniff(b"Just a line of text with <b> in it\n") == "text"
    assert sniff(b"1 < 2 and 3 > 2\n") == "text"
    # the extension decides before the content; --format overrides both
    assert format_of("notes.txt", b"<html><body>x</body></html>") == "text"
    assert format_of("page.php", b"<html><body>x</body></html>") == "html"
    assert format_of("notes.txt", b"<html>", forced="html") == "html"


# ---- extraction --------------------------------------------------------------------------
def test_main_mode_takes_the_article_and_its_metadata():
    html = page_html("Flood barrier opens after four years", ARTICLE_ONE,
                     date_meta="2024-03-05T09:00:00Z", url="https://news.example.org/flood")
    got = extract(html.encode(), "main")
    text = got.text
    assert all(p in text for p in ARTICLE_ONE)
    for noise in ("Home", "Contact", "Copyright 2024", "dataLayer", "color: black"):
        assert noise not in text, noise
    assert got.meta.title.startswith("Flood barrier opens after four years")
    assert got.meta.date == "2024-03-05" and got.meta.date_source == "metadata"
    assert got.meta.url == "https://news.example.org/flood"
    assert got.meta.canonical_url == "https://news.example.org/flood"
    assert got.meta.language == "en"
    assert got.meta.mode == "main" and got.warnings == []
    # the extractor's text, one block per paragraph, blank lines between: line numbers are
    # stable provenance
    title = "Flood barrier opens after four years"
    assert text.rstrip("\n").split("\n\n") == [title, *ARTICLE_ONE]
    (page,) = only_pages(pages_from_bytes("f.html", html.encode(), ReadOptions()))
    (item,) = segment_page(clean_page(page))
    assert item.kind == "article" and item.title.text == title


def test_the_page_title_titles_an_item_whose_text_has_none():
    html = page_html("Flood barrier opens after four years", ARTICLE_ONE)
    html = html.replace("<h1>Flood barrier opens after four years</h1>", "")
    (page,) = only_pages(pages_from_bytes("f.html", html.encode(), ReadOptions()))
    assert page.text.rstrip("\n").split("\n\n") == list(ARTICLE_ONE)
    (item,) = segment_page(clean_page(page))
    assert item.page_title.startswith("Flood barrier opens after four years")


def test_table_rows_are_text_not_breadcrumbs():
    rows = "".join(f"<tr><td>{name}</td><td>{a} GB/s</td><td>{b} GB/s</td></tr>"
                   for name, a, b in (("apache", "2.3", "0.098"), ("events", "2.5", "0.093"),
                                      ("gsoc", "3.3", "0.091")))
    html = page_html("Parsing speed of two libraries compared", ARTICLE_ONE,
                     extra_body="")
    html = html.replace("</article>", f"<table>{rows}</table></article>")
    (page,) = only_pages(pages_from_bytes("t.html", html.encode(), ReadOptions()))
    assert "gsoc \u00b7 3.3 GB/s \u00b7 0.091 GB/s" in kept_text(page)


def test_full_mode_keeps_every_visible_block_in_page_order():
    html = page_html("Flood barrier opens after four years", ARTICLE_ONE)
    got = extract(html.encode(), "full")
    blocks = got.text.rstrip("\n").split("\n\n")
    assert blocks[:3] == ["Home", "News", "Contact"]
    assert blocks[-1] == "Copyright 2024 Example Gazette. All rights reserved."
    assert ARTICLE_ONE[0] in blocks and "Most read" in blocks
    assert blocks.index("Most read") > blocks.index(ARTICLE_ONE[-1])
    assert not any("dataLayer" in b or "color:" in b for b in blocks)
    assert got.meta.mode == "full"


def test_hidden_and_script_content_is_not_text():
    html = ("<html><body><p>Shown paragraph.</p><div hidden><p>Hidden one.</p></div>"
            '<p style="display: none">Also hidden.</p><script>if (a < b) { x = "<p>" }'
            "</script><noscript>Enable JavaScript</noscript><p>Tom &amp; Jerry &ndash; "
            "again</p></body></html>")
    assert visible_blocks(html) == ["Shown paragraph.", "Tom & Jerry \u2013 again"]


@pytest.mark.parametrize("where", ["meta", "jsonld", "time"])
def test_metadata_date_wins_over_a_date_in_the_text(where):
    kw = {"meta": {"date_meta": "2023-11-02T08:00:00+00:00"},
          "jsonld": {"jsonld_date": "2023-11-02T08:00:00+00:00"},
          "time": {"time_date": "2023-11-02"}}[where]
    html = page_html("Library opens at night for exams", ARTICLE_TWO,
                     text_date="14 January 2019", **kw)
    (page,) = only_pages(pages_from_bytes("lib.html", html.encode(), ReadOptions()))
    assert page.meta.date == "2023-11-02" and page.meta.date_source == "metadata"
    items = segment_page(clean_page(page))
    assert len(items) == 1
    it = items[0]
    assert it.date == "2023-11-02" and it.date_source == "metadata" and not it.inferred


def test_a_date_only_in_the_text_says_so():
    html = page_html("Library opens at night for exams", ARTICLE_TWO,
                     text_date="14 January 2019")
    (page,) = only_pages(pages_from_bytes("lib.html", html.encode(), ReadOptions()))
    items = segment_page(clean_page(page))
    assert items[0].date == "2019-01-14" and items[0].date_source == "text"


def test_text_pages_dates_come_from_the_text():
    p = Page("a.txt", "Title of the thing here\n\n05.09.2024\n\nBody text of the item.\n",
             "utf-8", "h", 10)
    (it,) = segment_page(clean_page(p))
    assert it.date == "2024-09-05" and it.date_source == "text"


# ---- bad HTML ----------------------------------------------------------------------------
def test_truncated_markup_is_read_with_a_warning():
    html = page_html("Flood barrier opens after four years", ARTICLE_ONE)
    cut = html[: html.index(ARTICLE_ONE[2]) + 30]
    results = pages_from_bytes("cut.html", cut.encode(), ReadOptions())
    (page,) = only_pages(results)
    warnings = [r for r in results if isinstance(r, Problem)]
    assert [w.level for w in warnings] == ["warning"] and "truncated" in warnings[0].message
    assert ARTICLE_ONE[1] in page.text


def test_lying_meta_charset_utf8_bytes_declared_cp1251():
    body = ("Élodie Müller visited Zürich; Пресс-служба сообщила о встрече. " * 3,)
    html = page_html("Visit of the delegation to the capital", body + ARTICLE_TWO,
                     charset="windows-1251")
    text, enc, warning = decode_html(html.encode("utf-8"))
    assert enc == "utf-8" and "Élodie Müller" in text and "Пресс-служба" in text
    assert "windows-1251" in warning
    results = pages_from_bytes("lie.html", html.encode("utf-8"), ReadOptions())
    (page,) = only_pages(results)
    assert "Пресс-служба сообщила" in page.text
    assert any(isinstance(r, Problem) and "declares charset" in r.message for r in results)


def test_lying_meta_charset_cp1251_bytes_declared_utf8():
    body = ("Пресс-служба правительства сообщила о встрече министров в столице. "
            "Переговоры продолжались несколько часов и завершились подписанием соглашения.",)
    html = page_html("Встреча министров в столице", body * 4, charset="utf-8")
    text, enc, warning = decode_html(html.encode("cp1251"))
    assert enc == "cp1251" and "Пресс-служба" in text
    assert "declares charset utf-8" in warning


def test_a_few_stray_bytes_do_not_make_a_utf8_page_legacy():
    html = page_html("Schöne Grüße aus München", ("Größere Häuser für Bürger. " * 20,))
    data = html.encode("utf-8").replace(b"Copyright", b"Copyright \xfc")
    text, enc, warning = decode_html(data)
    assert enc == "utf-8" and "Größere Häuser" in text and "replaced" in warning


def test_page_of_20_mb_is_read_without_hanging():
    filler = "<p>" + "Filler text of a generated page. " * 30 + "</p>"
    html = page_html("A very large page", ARTICLE_ONE,
                     extra_body=filler * (20_000_000 // len(filler) + 1),
                     date_meta="2022-02-03")
    data = html.encode()
    assert len(data) > 20_000_000
    t = time.perf_counter()
    got = extract(data, "main")
    assert time.perf_counter() - t < 60
    assert any("too large for main-content" in w for w in got.warnings)
    assert ARTICLE_ONE[0] in got.text and got.meta.mode == "full"
    assert got.meta.date == "2022-02-03" and got.meta.title.startswith("A very large page")


def test_deeply_nested_tags_lose_no_text():
    html = ("<html><head><title>Deep page</title></head><body><p>Text before the nest.</p>"
            + "<div>" * 50_000 + "Text deep inside." + "</div>" * 50_000
            + "<p>Text after the nest.</p></body></html>")
    t = time.perf_counter()
    got = extract(html.encode(), "main")
    assert time.perf_counter() - t < 30
    assert any("nested deeper" in w for w in got.warnings)
    assert got.text.split("\n\n") == ["Text before the nest.", "Text deep inside.",
                                      "Text after the nest.\n"]


def test_long_lines_and_attributes_are_linear():
    nasty = ('<html lang="' + "e" * 100_000 + '"><head><meta charset="' + "x" * 100_000
             + '"><meta name="' + " " * 100_000 + '"></head><body><p>'
             + "word " * 20_000 + "</p></body></html>")
    t = time.perf_counter()
    pages_from_bytes("nasty.html", nasty.encode(), ReadOptions())
    assert time.perf_counter() - t < 10


def test_empty_and_textless_html():
    assert isinstance(pages_from_bytes("e.html", b"  \n", ReadOptions())[0], Problem)
    results = pages_from_bytes("s.html", b"<html><body><script>x()</script></body></html>",
                               ReadOptions())
    assert not only_pages(results) and results[0].message == "no text in this page"


# ---- WARC --------------------------------------------------------------------------------
def _records():
    one = page_html("Flood barrier opens after four years", ARTICLE_ONE,
                    date_meta="2023-03-04T10:00:00Z").encode()
    two = page_html("Library opens at night for exams", ARTICLE_TWO).encode()
    return [
        ("https://news.example.org/flood", "text/html; charset=utf-8", one, "200 OK",
         "response"),
        ("https://news.example.org/logo.png", "image/png", b"\x89PNG\r\n\x1a\nxxxx", "200 OK",
         "response"),
        ("https://news.example.org/report.pdf", "application/pdf", b"%PDF-1.4 x", "200 OK",
         "response"),
        ("https://news.example.org/old", "text/html", b"<html>gone</html>", "404 Not Found",
         "response"),
        ("https://news.example.org/library", None, two, "200 OK", "response"),
        ("https://news.example.org/meta", "application/json", b"{}", "", "metadata"),
    ]


@pytest.mark.parametrize("gz", [True, False])
def test_warc_html_records_are_pages_with_url_and_fetch_date(tmp_path, gz):
    f = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    write_warc(f, _records(), gz=gz)
    results = list(load([str(f)]))
    pages = only_pages(results)
    assert [p.meta.url for p in pages] == ["https://news.example.org/flood",
                                          "https://news.example.org/library"]
    one, two = pages
    assert one.path == f"{one.meta.file}#{one.meta.record_offset}"
    assert one.meta.record_offset == 0 and two.meta.record_offset > 0
    assert one.meta.fetch_date == "2024-05-01T10:00:00Z"
    # the fetch date is never the publication date
    assert one.meta.date == "2023-03-04" and two.meta.date != "2024-05-01"
    assert ARTICLE_ONE[0] in one.text and ARTICLE_TWO[0] in two.text
    (note,) = [r for r in results if isinstance(r, Problem)]
    assert note.level == "warning" and "not HTML pages skipped" in note.message
    assert "image/png 1" in note.message and "application/pdf 1" in note.message
    assert "HTTP 404 1" in note.message and "metadata 1" in note.message


def _offsets(path) -> list[int]:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        out = []
        for _rec in it:
            out.append(it.get_record_offset())
    return out


def test_warc_with_truncated_gzip_member_keeps_the_records_before(tmp_path):
    f = tmp_path / "cut.warc.gz"
    write_warc(f, _records())
    data = f.read_bytes()
    library = _offsets(f)[4]  # the second HTML page: cut in the middle of its gzip member
    f.write_bytes(data[: library + 300])
    results = list(load([str(f)]))
    pages = only_pages(results)
    assert [p.meta.url for p in pages] == ["https://news.example.org/flood"]
    errors = [r for r in results if isinstance(r, Problem) and r.level == "error"]
    assert len(errors) == 1 and "truncated or corrupt WARC" in errors[0].message


def test_warc_cut_inside_an_html_record_does_not_read_half_a_page(tmp_path):
    f = tmp_path / "half.warc"
    write_warc(f, _records()[:1], gz=False)
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    results = list(load([str(f)]))
    assert not only_pages(results)
    assert any("stops" in r.message for r in results if isinstance(r, Problem))


def test_warc_without_html(tmp_path):
    f = tmp_path / "img.warc.gz"
    write_warc(f, _records()[1:2])
    results = list(load([str(f)]))
    assert [r.level for r in results] == ["warning", "error"]
    assert results[1].message == "no HTML page in this WARC file"


def test_garbage_with_a_warc_name(tmp_path):
    f = tmp_path / "bad.warc.gz"
    f.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    (r,) = list(load([str(f)]))
    assert isinstance(r, Problem) and r.level == "error"


# ---- provenance --------------------------------------------------------------------------
def test_paragraph_provenance_is_a_line_of_the_extracted_text():
    html = page_html("Flood barrier opens after four years", ARTICLE_ONE)
    (page,) = only_pages(pages_from_bytes("f.html", html.encode(), ReadOptions()))
    cp = clean_page(page)
    lines = page.text.split("\n")
    for p in cp.paragraphs:
        assert lines[p.line_start - 1] == p.raw
    # the same bytes give the same ids
    (again,) = only_pages(pages_from_bytes("f.html", html.encode(), ReadOptions()))
    assert [p.id for p in clean_page(again).paragraphs] == [p.id for p in cp.paragraphs]


# ---- imports -----------------------------------------------------------------------------
HEAVY = ("trafilatura", "lxml", "htmldate", "warcio", "dateparser", "justext")


def test_help_and_text_runs_do_not_import_the_html_libraries(tmp_path):
    (tmp_path / "a.txt").write_text("A page of text.\n\nAnother paragraph here.\n")
    code = (
        "import sys\n"
        "from corpus_cli.cli import cli\n"
        "for args in (['--help'], ['clean', sys.argv[1]]):\n"
        "    try:\n"
        "        cli(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print('LOADED:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.txt")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "LOADED:"


def test_full_mode_page_without_an_article_still_segments():
    # only menu-like short blocks: no item is the page's own article, nothing breaks
    html = ("<html><head><title>Index</title><meta property='article:published_time' "
            "content='2021-05-06'></head><body><ul>" + "".join(
                f"<li>Section {i}</li>" for i in range(5)) + "</ul></body></html>")
    (page,) = only_pages(pages_from_bytes("i.html", html.encode(), ReadOptions(html="full")))
    items = segment_page(clean_page(page))
    assert items and all(it.url is None for it in items)


@pytest.mark.parametrize("markup", [
    "<a " * 300_000, "<" * 500_000, "<p>" + "a <b" * 250_000, "<!" * 500_000,
    "<?" * 500_000, '<div a="' + "x" * 1_000_000, "<!--" + "a" * 1_000_000,
    '<p a="x"' * 200_000, "<script>" * 200_000, "<div hidden>" * 200_000,
])
def test_crafted_markup_is_read_in_linear_time(markup):
    # Python's html.parser takes minutes on several of these
    t = time.perf_counter()
    visible_blocks(markup)
    extract(markup.encode(), "full")
    assert time.perf_counter() - t < 15, markup[:12]


def test_quoted_attributes_and_raw_text():
    html = ('<p title="a > b">One paragraph.</p><div data-x=\'{"k": "<p>no</p>"}\'>Two.</div>'
            "<script>var s = '</p><p>not text';</script><textarea>Typed text</textarea>"
            "<p>Three &lt;four&gt;</p><br><p>Five<br/>six</p>")
    assert visible_blocks(html) == ["One paragraph.", "Two.", "Typed text", "Three <four>",
                                    "Five", "six"]
