"""The documentation that ships inside the package (``corpus docs TOPIC``).

The Markdown files of ``docs/`` are package data (``corpus_cli/docs`` links to them), so a
user who installed corpus with pip reads the same pages as the repository has.
"""

from __future__ import annotations

from importlib import resources


def _pages() -> dict[str, object]:
    root = resources.files("corpus_cli") / "docs"
    try:
        return {p.name[:-3]: p for p in root.iterdir() if p.name.endswith(".md")}
    except (FileNotFoundError, NotADirectoryError):
        return {}


def topics() -> list[tuple[str, str]]:
    """``(name, title)`` of every page, by name; the title is the page's first heading."""
    out = []
    for name, page in sorted(_pages().items()):
        title = ""
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                title = line[2:].strip()
                break
        out.append((name, title))
    return out


def doc_text(topic: str) -> str | None:
    """The Markdown text of a page (``search`` or ``search.md``), or ``None``."""
    name = topic[:-3] if topic.endswith(".md") else topic
    page = _pages().get(name)
    return page.read_text(encoding="utf-8") if page is not None else None
