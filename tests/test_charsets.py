"""Encodings: legacy code pages of every script family, UTF-16/32 without a BOM, UTF-8
with stray bytes, and what is reported when the reading is a guess (issue 16, item 11).
The pages are written here (tests/encoding_samples.py)."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from encoding_samples import SAME_TEXT_AS, SAMPLES, cases

from corpus_cli.cli import cli
from corpus_cli.inputs import charsets, loader
from corpus_cli.models import Page, Problem

# One page per script family, in its usual legacy code pages.
FAMILIES = [
    ("french", "cp1252"), ("german", "cp1252"), ("spanish", "latin-1"),  # Western
    ("polish", "cp1250"), ("czech", "cp1250"), ("hungarian", "cp1250"),  # Central European
    ("greek", "cp1253"),  # Greek
    ("russian", "cp1251"), ("russian", "koi8_r"), ("ukrainian", "cp1251"),  # Cyrillic
    ("ukrainian", "koi8_u"), ("bulgarian", "cp1251"), ("russian", "cp866"),
    ("russian", "iso8859_5"),
]


def _load(folder):
    return list(loader.load([str(folder)]))


@pytest.mark.parametrize("lang,enc", FAMILIES)
def test_a_legacy_page_of_each_script_family_loads_exactly(pages, lang, enc):
    text = SAMPLES[lang][0] + "\n"
    out = _load(pages({"page.txt": text.encode(enc)}))
    assert len(out) == 1, out  # no warning: the reading is not a guess
    (page,) = out
    assert isinstance(page, Page) and page.text == text
    assert page.encoding == SAME_TEXT_AS.get(enc, enc)


# A few words in Czech or Hungarian can read as well in cp1252 as in cp1250 (č there is
# è here, ő is õ): the paragraph decides (above), a line alone may not.
SHORT = [(lang, enc) for lang, enc in FAMILIES if lang not in ("czech", "hungarian")]


@pytest.mark.parametrize("lang,enc", SHORT)
def test_a_short_legacy_line_loads_exactly(lang, enc):
    """A title alone ("Affaires étrangères"): a few letters beyond ASCII are enough."""
    text = SAMPLES[lang][0]
    text = text[: text.index(" ", 30)]
    got = charsets.decode_bytes(text.encode(enc))
    assert got.text == text and got.warning is None, (got.encoding, got.text)


# Ambiguous at this length: Slovene in iso-8859-2 uses only letters that cp1250 also has,
# at other bytes (š there is ą here), and both readings fit a language.
AMBIGUOUS = {("slovene", "iso8859_2")}


def test_every_sample_in_every_code_page():
    missed = []
    for lang, enc, text in cases():
        got = charsets.decode_bytes(text.encode(enc))
        if got.text != text and (lang, enc) not in AMBIGUOUS:
            missed.append((lang, enc, got.encoding))
    assert not missed


def test_html_page_in_cp1252_without_a_charset_is_not_koi8(pages):
    body = SAMPLES["german"][0]
    html = f"<html><head><title>Nachrichten</title></head><body><p>{body}</p></body></html>"
    out = _load(pages({"page.html": html.encode("cp1252")}))
    page = next(p for p in out if isinstance(p, Page))
    assert page.encoding == "cp1252" and "Außenminister" in page.text


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("lang", ["english", "russian", "greek", "polish"])
def test_utf16_and_utf32_without_a_bom(pages, enc, lang):
    text = SAMPLES[lang][0] + "\n"
    (page,) = _load(pages({"page.txt": text.encode(enc)}))
    assert isinstance(page, Page) and page.text == text and page.encoding == enc


def test_binary_with_nul_bytes_is_still_binary(pages):
    folder = pages({"a.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
                    "b.txt": bytes(4096), "c.txt": b"\x00\x01\x02\x03" * 500})
    for p in _load(folder):
        assert isinstance(p, Problem) and "binary" in p.message


def test_invalid_utf8_in_an_english_page_is_utf8_with_a_warning(pages):
    good = "The minister’s delegation met in Zürich — a café hosted the talks.\n"
    data = good.encode() + b"A line pasted from elsewhere: caf\xe9 cr\xe8me.\n"
    out = _load(pages({"page.txt": data}))
    page, warning = out
    assert page.encoding == "utf-8" and page.text.startswith(good)
    assert "caf\ufffd cr\ufffdme" in page.text
    assert warning.level == "warning" and "2 byte sequence(s) not valid UTF-8" in \
        warning.message
    r = CliRunner().invoke(cli, ["clean", str(next(iter(pages({}).iterdir())))])
    assert r.exit_code == 0 and "warning: 2 byte sequence(s) not valid UTF-8" in r.stderr


def test_a_stray_byte_in_an_ascii_page_is_read_with_a_warning():
    got = charsets.decode_bytes(b"Hello \xff world, this is an English page.\n")
    assert got.encoding == "cp1252" and got.warning and "a guess" in got.warning
    # ... while a real apostrophe of cp1252 is no guess
    got = charsets.decode_bytes(b"The minister\x92s delegation met in Paris.\n")
    assert got.text == "The minister\u2019s delegation met in Paris.\n" and got.warning is None


def test_cjk_code_pages_come_from_charset_normalizer():
    text = "外交部长星期四在北京会见了代表团，双方讨论了经济合作和地区安全问题。"
    assert charsets.decode_bytes(text.encode("gb18030")).text == text
    text = "東京都の知事は木曜日に記者会見を開き、新しい予算案について説明した。"
    assert charsets.decode_bytes(text.encode("shift_jis")).text == text


def test_choosing_a_code_page_is_cheap_on_a_large_page():
    text = (SAMPLES["russian"][0] + "\n") * 2000  # 400 KB of Cyrillic in koi8-r
    data = text.encode("koi8_r")
    t = time.process_time()
    got = charsets.decode_bytes(data)
    assert got.text == text
    assert time.process_time() - t < 1.0  # about 10 ms on the 2-core machine
