from __future__ import annotations

import time

from corpus_cli.inputs import loader
from corpus_cli.models import Page, Problem

RU = "Встреча министров обороны государств-членов прошла в Москве. Участники обсудили планы."


def load_all(args, **kw):
    return list(loader.load([str(a) for a in args], **kw))


def test_utf8_bom_and_crlf(pages):
    folder = pages({"a.txt": b"\xef\xbb\xbfFirst line\r\nSecond\r\rThird\n"})
    (page,) = load_all([folder])
    assert isinstance(page, Page)
    assert page.encoding == "utf-8-sig"
    assert page.text == "First line\nSecond\n\nThird\n"


def test_utf16_with_bom(pages):
    folder = pages({"a.txt": "Hello – world\n".encode("utf-16")})
    (page,) = load_all([folder])
    assert page.encoding == "utf-16"
    assert page.text == "Hello – world\n"


def test_cp1251_and_koi8r_detected(pages):
    folder = pages({"a.txt": RU.encode("cp1251"), "b.txt": RU.encode("koi8_r")})
    a, b = load_all([folder])
    assert (a.encoding, a.text) == ("cp1251", RU)
    assert (b.encoding, b.text) == ("koi8_r", RU)


def test_forced_encoding(pages):
    folder = pages({"a.txt": RU.encode("koi8_r")})
    (page,) = load_all([folder], encoding="koi8-r")
    assert page.text == RU


def test_unknown_forced_encoding_is_a_problem(pages):
    folder = pages({"a.txt": b"abc"})
    (p,) = load_all([folder], encoding="no-such-codec")
    assert isinstance(p, Problem) and "unknown encoding" in p.message


def test_spaces_and_zero_width_normalised():
    raw = "a\u00a0b\u2009c\u200bd\te  \u00adf   \n  g \n"
    assert loader.normalize_text(raw) == "a b cd e f\n g\n"
    assert loader.normalize_text(loader.normalize_text(raw)) == loader.normalize_text(raw)


def test_nfc():
    assert loader.normalize_text("e\u0301") == "\u00e9"


def test_bad_files_are_problems_and_others_still_load(pages, tmp_path):
    folder = pages({
        "good.txt": "Some text here.\n",
        "empty.txt": "",
        "blank.txt": "   \n\n",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    })
    out = load_all([folder, tmp_path / "missing.txt"])
    probs = {p.path.rsplit("/", 1)[-1]: p.message for p in out if isinstance(p, Problem)}
    assert [p for p in out if isinstance(p, Page)][0].text == "Some text here.\n"
    assert probs["empty.txt"] == "empty file"
    assert probs["blank.txt"] == "empty file"
    assert "binary" in probs["binary.txt"]
    assert probs["missing.txt"] == "no such file or folder"


def test_unreadable_file(pages):
    import os

    folder = pages({"secret.txt": "x"})
    path = folder / "secret.txt"
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # running as root: simulate with a folder named .txt
            (folder / "dir.txt").mkdir()
            out = load_all([folder / "dir.txt"])
            assert out == [] or isinstance(out[0], Problem)
        else:
            (p,) = load_all([path])
            assert isinstance(p, Problem) and "permission" in p.message
    finally:
        path.chmod(0o644)


def test_folder_without_pages(tmp_path):
    (tmp_path / "x.pdf").write_text("nope")
    (p,) = load_all([tmp_path])
    assert isinstance(p, Problem) and "no files matching" in p.message
    # the message names every extension looked for
    for ext in ("*.txt", "*.html", "*.htm", "*.warc", "*.warc.gz"):
        assert ext in p.message


def test_glob_and_recursion_and_order(pages):
    folder = pages({"b/2.txt": "two\n", "a/1.txt": "one\n", "c.md": "md\n"})
    got = [p.text for p in load_all([folder])]
    assert got == ["one\n", "two\n"]
    got = [p.text for p in load_all([folder], pattern="*.md")]
    assert got == ["md\n"]
    got = [p.text for p in load_all([str(folder) + "/*/*.txt"])]
    assert got == ["one\n", "two\n"]


def test_same_file_twice_loaded_once(pages):
    folder = pages({"a.txt": "x\n"})
    assert len(load_all([folder, folder / "a.txt"])) == 1


def test_big_single_line_is_fast(pages):
    folder = pages({"big.txt": ("word " * 10_000_000)})  # 50 MB, one line
    t = time.process_time()
    (page,) = load_all([folder])
    assert time.process_time() - t < 10
    assert page.size == 50_000_000
