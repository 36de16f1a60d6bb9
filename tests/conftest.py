from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"

# Hostile text that must stay inert in every human format and exact in JSON.
HOSTILE = (
    "[bold]Bold[/bold] [/link] :warning: \x1b[31mred\x1b[0m \x1b]0;title\x07 "
    "a\rb \u202eevil\u202c x\u2028y"
)


@pytest.fixture
def seeds() -> Path:
    return SEEDS


@pytest.fixture
def pages(tmp_path: Path):
    """Write small pages: pages({"a.txt": "text"}) -> folder."""

    def write(files: dict[str, str | bytes]) -> Path:
        folder = tmp_path / "pages"
        folder.mkdir(exist_ok=True)
        for name, content in files.items():
            p = folder / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content, encoding="utf-8")
        return folder

    return write


# A dated listing used by the search, export and index tests.
LISTING_PAGE = """05.09.2024

Minister Taalatbek Masadykov opened the Working Group on water security in Bishkek on Thursday.

04.09.2024

The counter-terrorism exercise Shield-2024 ended near Almaty with a review of the equipment.

03.06.2023

Delegates from Zürich and Genève discussed the café regulations of the Organisation at length.

15.01.2021

A shipment of spare parts reached the depot while the working committee met the transport group.

10.10.2019

The rescue units paraded on Yuri Gagarin Square before the start of the winter season.
"""


def build_store(folder: Path, pages: dict[str, str], db: str | None = None) -> str:
    """Write ``pages`` into ``folder`` and run ``corpus dedupe`` on it; returns the store."""
    from click.testing import CliRunner

    from corpus_cli.cli import cli

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = db or str(folder.parent / "c.db")
    r = CliRunner().invoke(cli, ["dedupe", str(folder), "--db", db])
    assert r.exit_code == 0, r.output
    return db


SIDEBAR = [
    "On 14 March, the Council of Regional Ministers met in Tallinn to discuss water supply.",
    "On March 12, 2023, the Secretary General Ivan Petrenko received the delegation of the "
    "Northern Trade Union.",
    "On 2 and 3 March, experts of the member states held consultations on customs cooperation "
    "in the city of Riga.",
]

ARTICLE_TITLE = "Secretary General Yuri Volkonsky visited the regional office in Tartu"
ARTICLE_BODY = [
    "On February 20, 2023, in Tartu (Republic of Estonia), the Secretary General of the "
    "Regional Cooperation Organization (RCO) Yuri Volkonsky met the staff of the regional "
    "office and discussed the plan of joint activities for the coming year.",
    "The parties noted the growing importance of cross-border cooperation in the field of "
    "emergency response and agreed to hold a joint training session in the autumn.",
    "Special attention was paid to the training of young specialists and to the exchange of "
    "experience between the rescue services of the member states of the Organization.",
]


def page_with_sidebar(title: str = ARTICLE_TITLE, body=None, glue: str = "20.02.2023",
                      variant: bool = False) -> str:
    body = list(body or ARTICLE_BODY)
    if variant:
        body = [b.replace("Yuri", "Yury") for b in body]
        body[0] = "   " + body[0]
    lines = [*SIDEBAR, title, glue + body[0], *body[1:], "Go back", "All news"]
    return "\n".join(lines) + "\n"


# ---- Hypothesis profiles ------------------------------------------------------------------
# "ci" (the default) keeps the suite fast and deterministic; "long" explores 33-60x more
# examples from a random seed, over 100,000 in all: python scripts/fuzz_long.py runs it and
# counts them (docs/guarantees.md, "Fuzzing longer").
import os as _os  # noqa: E402

from hypothesis import HealthCheck as _HealthCheck  # noqa: E402
from hypothesis import settings as _settings  # noqa: E402

_settings.register_profile(
    "ci", max_examples=300, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[_HealthCheck.too_slow, _HealthCheck.data_too_large],
)
_settings.register_profile(
    "long", max_examples=10_000, deadline=None, print_blob=True,
    suppress_health_check=[_HealthCheck.too_slow, _HealthCheck.data_too_large],
)
HYPOTHESIS_PROFILE = _os.environ.get("HYPOTHESIS_PROFILE", "ci")
_settings.load_profile(HYPOTHESIS_PROFILE)
# Tests that set their own max_examples multiply it by this in the long profile.
FUZZ_SCALE = 60 if HYPOTHESIS_PROFILE == "long" else 1


def growing_pages(n: int) -> dict[str, str]:
    """Small pages sharing sidebars and near-copies of one article (some with URLs), a
    listing and a brief: a corpus to grow, edit and shrink (test_grow, test_storage_delta)."""
    out = {}
    for i in range(n):
        body = [b.replace("Tartu", f"Tartu-{i % 3}") for b in ARTICLE_BODY]
        title = f"Secretary General visited the regional office number {i % 4}"
        text = page_with_sidebar(title=title, body=body, variant=i % 2 == 1)
        if i % 3 == 0:
            text += f"https://news.example.org/item/{i}/\n"
        out[f"p{i:02d}.txt"] = text
    out["listing.txt"] = LISTING_PAGE
    out["brief.txt"] = "03.06.2023\n\n" + SIDEBAR[0] + "\n"
    return out


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite tests/golden/ from the current output (review the diff).")
