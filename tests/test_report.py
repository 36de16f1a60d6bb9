"""corpus report: one self-contained HTML file, scraped text escaped, seen in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import build_store

from corpus_cli.cli import cli

EVIL_TITLE = 'Council met <script>alert("x")</script> and <b>bold</b> [bold]x[/bold] &amp; "q"'
EVIL_BODY = ("On 12 March 2024 the council of Riga met <script>alert(\"x\")</script> "
             "<img src=x onerror=alert(1)> "
             "<a href='https://evil.example/'>click</a> \x1b[31mred\x1b[0m \u202eevil and "
             "agreed on the budget of the regional development fund for the next year.")


def _pages() -> dict[str, str]:
    side = ("On 14 March, the Council <script>alert(\"x\")</script> of Regional Ministers met "
            "in Tallinn <img src=x onerror=alert(1)> to discuss water [bold]x[/bold] "
            "\x1b[31mred\x1b[0m \u202eevil.")
    return {
        "a.txt": f"https://news.example.org/a/1\n{side}\n{EVIL_TITLE}\n12.03.2024\n{EVIL_BODY}\n"
                 "Go back\n",
        "b.txt": f"{side}\nMinister Anna Kovalenko opened the water plant in Kaunas.\n"
                 "05.09.2023\nGo back\nIMG_2044.jpg\n",
        "c.txt": f"{side}\n{EVIL_BODY}\n",
        "d.txt": "15.01.1910\n\nA very old item that was dated far from all the others.\n",
        "e.txt": "".join(f"{d:02d}.0{m}.2024\n\nBrief number {d} {m} about the rescue units and "
                         f"their training near the river in the month of {m}.\n\n"
                         for m in range(1, 7) for d in (3, 17)),
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    db = build_store(root / "pages", _pages())
    out = root / "report.html"
    r = CliRunner().invoke(cli, ["report", "--db", db, "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    assert f"wrote the report to {out}" in r.stderr
    return out


def test_self_contained_and_escaped(report):
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    # no script at all, no network: no external URL is loaded
    assert "<script" not in html.lower() and "onerror=" not in html.replace("onerror=alert", "")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.I)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    # the page's markup is shown as text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and "<b>bold</b>" not in html
    assert "[bold]x[/bold]" in html  # rich markup is not ours either: kept as text
    assert "\x1b" not in html and "\u202e" not in html and "\\x1b[31mred" in html


def test_every_part_and_its_command(report):
    html = report.read_text(encoding="utf-8")
    for heading in ("Items per", "Top entities by type", "Sites and sources",
                    "Duplicate clusters", "Every dropped paragraph"):
        assert heading in html, heading
    assert "<svg" in html
    # each chart links to the command that prints its data
    for cmd in ("corpus stats --by", "corpus entities --type", "corpus list --source",
                "corpus dedupe", "corpus clean"):
        assert cmd in html, cmd
    assert html.count('href="#cmd-') >= 5
    assert "news.example.org" in html  # a site from a page's URL
    # the accounting: noise by reason and copies by rule, with an example each
    assert "navigation" in html and "image" in html and "exact" in html
    assert "boilerplate" in html
    # the item dated 1910 is an outlier and the empty years are one gap
    assert "(outlier)" in html and "empty" in html


def test_refuses_terminal_and_existing_file(tmp_path, report):
    db = str(report.parent / "c.db")
    r = CliRunner().invoke(cli, ["report", "--db", db, "-o", str(report)])
    assert r.exit_code == 1 and "--force" in r.stderr
    r = CliRunner().invoke(cli, ["report", "--db", db], env={"TTY_COMPATIBLE": "1"})
    assert r.exit_code == 2 and "-o FILE" in r.stderr
    r = CliRunner().invoke(cli, ["report", "--db", db])  # piped: the HTML on stdout
    assert r.exit_code == 0 and r.stdout.startswith("<!DOCTYPE html>")


# ---- a real browser -------------------------------------------------------------------
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


def _png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per pixel and the raw pixels of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) \
                    & 255
        out += line
        prev = line
    return width, height, bpp, bytes(out)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_screenshot_in_headless_chromium(report, tmp_path):
    shot = tmp_path / "report.png"
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars", "--window-size=1000,1400", f"--screenshot={shot}",
            report.as_uri()]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "HOME": str(tmp_path)})
    assert shot.exists(), r.stderr[-2000:]
    width, height, bpp, px = _png_pixels(shot.read_bytes())
    assert (width, height) == (1000, 1400)
    pixels = [px[i:i + 3] for i in range(0, len(px), bpp * 7)]  # a sample
    background = max(set(pixels), key=pixels.count)
    share_ink = sum(p != background for p in pixels) / len(pixels)
    colours = len(set(pixels))
    # a blank or failed page is one colour; the report has text, cards and coloured bars
    assert share_ink > 0.03 and colours > 50, (share_ink, colours)
    bar_blue = sum(1 for p in pixels if p[2] > 140 and p[0] < 110)  # the month bars
    assert bar_blue > 20, bar_blue
