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


# ---- inputs that are not regular files, and what a folder or glob cannot list --------------
def test_named_pipe_given_by_name_is_read_once_a_writer_comes(tmp_path, monkeypatch):
    import os
    import threading

    monkeypatch.setattr(loader, "FIFO_WAIT", 5.0)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "w") as fh:  # blocks until the loader opens the pipe
            fh.write("Text written into a named pipe.\n")

    t = threading.Thread(target=writer)
    t.start()
    (page,) = load_all([fifo])
    t.join(5)
    assert isinstance(page, Page) and page.text == "Text written into a named pipe.\n"


def test_named_pipe_without_a_writer_is_a_problem_not_a_hang(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(loader, "FIFO_WAIT", 0.2)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    t = time.perf_counter()
    (p,) = load_all([fifo])
    assert time.perf_counter() - t < 5
    assert isinstance(p, Problem) and "named pipe with no writer" in p.message


def test_named_pipe_or_socket_inside_a_folder_or_glob_is_named(pages, tmp_path):
    import os
    import socket

    folder = pages({"a.txt": "A page.\n"})
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(folder / "other.md")  # not matched by the pattern: not an input
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.txt"))
    try:
        for args in ([folder], [str(folder) + "/*.txt"]):
            t = time.perf_counter()
            out = load_all(args)
            assert time.perf_counter() - t < 5
            probs = {p.path.rsplit("/", 1)[-1]: p.message for p in out
                     if isinstance(p, Problem)}
            assert probs == {"pipe.txt": "not a regular file (a named pipe)",
                             "sock.txt": "not a regular file (a socket)"}, args
            assert [p.text for p in out if isinstance(p, Page)] == ["A page.\n"]
    finally:
        sock.close()


def test_device_given_by_name_is_not_read():
    (p,) = load_all(["/dev/zero"])  # would never end
    assert isinstance(p, Problem) and p.message == "not a regular file (a device)"


def test_bad_links_matched_by_a_quoted_glob_are_named(pages, tmp_path):
    folder = pages({"a.txt": "A page.\n"})
    (tmp_path / "dir").mkdir()
    (folder / "broken.txt").symlink_to(tmp_path / "missing.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "dirlink.txt").symlink_to(tmp_path / "dir")
    (folder / "sub.txt").mkdir()  # a folder whose name matches is not a page
    for args in ([folder], [str(folder) + "/*.txt"], [str(folder) + "/**/*.txt"]):
        out = load_all(args)
        probs = {p.path.rsplit("/", 1)[-1]: p.message for p in out if isinstance(p, Problem)}
        assert set(probs) == {"broken.txt", "loop.txt", "dirlink.txt"}, args
        assert probs["dirlink.txt"] == "is a folder"
        assert [p.text for p in out if isinstance(p, Page)] == ["A page.\n"]


def _unlistable_folder(monkeypatch, folder):
    """Make ``folder`` impossible to list (as chmod 000 does for anyone but root)."""
    import os

    real = os.scandir

    def scandir(path="."):
        if os.path.abspath(path) == os.path.abspath(folder):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_unlistable_subfolder_is_named(pages, monkeypatch):
    folder = pages({"a.txt": "A page.\n", "sub/b.txt": "Hidden page.\n"})
    _unlistable_folder(monkeypatch, folder / "sub")
    for args, texts in (([folder], ["A page.\n"]), ([str(folder) + "/*/*.txt"], []),
                        ([str(folder) + "/**/*.txt"], ["A page.\n"])):
        out = load_all(args)
        probs = [p for p in out if isinstance(p, Problem)]
        assert len(probs) == 1, args
        assert probs[0].path.endswith("sub") and "permission denied" in probs[0].message
        assert "cannot list this folder" in probs[0].message
        assert [p.text for p in out if isinstance(p, Page)] == texts


def test_unreadable_subfolder_for_real(pages):
    import os

    folder = pages({"a.txt": "A page.\n", "sub/b.txt": "Hidden page.\n"})
    (folder / "sub").chmod(0)
    try:
        if os.access(folder / "sub", os.R_OK):
            return  # root reads it anyway: test_unlistable_subfolder_is_named simulates it
        probs = [p for p in load_all([folder]) if isinstance(p, Problem)]
        assert len(probs) == 1 and "permission denied" in probs[0].message
    finally:
        (folder / "sub").chmod(0o755)


def _display_path_reference(path) -> str:
    # what display_path gave before its fast path: through os.path.abspath and a Path
    import os
    from pathlib import Path

    full = os.path.abspath(path)
    cwd = os.getcwd()
    if full == cwd:
        return "."
    if full.startswith(cwd.rstrip(os.sep) + os.sep):
        full = full[len(cwd.rstrip(os.sep)) + 1 :]
    full = full.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return Path(full).as_posix()


def test_display_path_is_the_normalised_path_under_the_working_directory(tmp_path,
                                                                          monkeypatch):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    parts = st.sampled_from(["a", "b", "..", ".", "", "é", "x\udcff", "c d", "~"])

    @given(st.sampled_from(["", "/", "//", "///"]), st.lists(parts, min_size=1, max_size=6),
           st.sampled_from([str(tmp_path), "/"]))
    @settings(max_examples=300, deadline=None)
    def check(root, segs, cwd):
        monkeypatch.chdir(cwd)
        path = root + "/".join(segs)
        if path:
            assert loader.display_path(path) == _display_path_reference(path)

    check()
