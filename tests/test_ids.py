"""Content-based ids: the same page read from elsewhere keeps its ids; collisions are
resolved deterministically."""

from __future__ import annotations

import random

from conftest import page_with_sidebar
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_cli.clean import clean_page, clean_pages
from corpus_cli.dedupe import normalize
from corpus_cli.ids import (
    OPENING_WORDS,
    _opening,
    item_id,
    opening,
    resolve_item_ids,
    with_paragraph_ids,
)
from corpus_cli.models import Article, Page, Source
from corpus_cli.pipeline import run_dedupe
from corpus_cli.storage.store import open_store

LISTING = """05.09.2024

The counter-terrorism exercise ended near the capital with a review of the equipment.

04.09.2024

The working group on water security met in the old town hall on Thursday morning.
"""


def _ids(db):
    with open_store(db) as s:
        items = {a.id: (a.title, a.date, a.text) for a in s.articles()}
        paragraphs = {p.id: (p.text, p.status) for p, _d in s.paragraphs()}
    return items, paragraphs


def test_ids_survive_a_rename_a_move_and_a_shifted_line(tmp_path, monkeypatch):
    a = tmp_path / "scrape1"
    a.mkdir()
    (a / "page.txt").write_text(page_with_sidebar())
    (a / "listing.txt").write_text(LISTING)
    run_dedupe([str(a)], db=str(tmp_path / "a.db"), workers=1)
    first = _ids(str(tmp_path / "a.db"))
    # another folder, other file names, run from elsewhere, a blank line and a
    # navigation line added at the top
    b = tmp_path / "elsewhere" / "day2"
    b.mkdir(parents=True)
    (b / "renamed.txt").write_text("\nGo back\n\n" + page_with_sidebar())
    (b / "other-name.txt").write_text("\n\n" + LISTING)
    monkeypatch.chdir(tmp_path / "elsewhere")
    run_dedupe(["day2"], db=str(tmp_path / "b.db"), workers=1)
    second = _ids(str(tmp_path / "b.db"))
    assert first[0] == second[0] and len(first[0]) >= 5
    kept = {k: v for k, v in first[1].items() if v[1] == "kept"}
    assert kept and all(second[1].get(k) == v for k, v in kept.items())


def test_paragraph_ids_of_repeated_text_and_of_identical_pages():
    text = "Go back\n\nThe same sentence twice on the page, word for word.\n\n" \
           "The same sentence twice on the page, word for word.\n"
    cp = clean_page(Page("p.txt", text, "utf-8", "h", len(text)))
    ids = [p.id for p in cp.paragraphs]
    assert len(set(ids)) == len(ids) == 3
    # the same page under another name: same ids; as a second copy in one corpus: others
    again = clean_page(Page("q/other.txt", text, "utf-8", "h", len(text)))
    assert [p.id for p in again.paragraphs] == ids
    one, two = clean_pages([Page("p.txt", text, "utf-8", "h", 1),
                            Page("q.txt", text, "utf-8", "h", 1)])
    assert [p.id for p in one.paragraphs] == ids
    assert not set(ids) & {p.id for p in two.paragraphs} and two.copy == 1
    fp, same = with_paragraph_ids(two.paragraphs, 1)
    assert fp == one.fingerprint and same == two.paragraphs  # deterministic


def _article(text, title=None, date=None, first="p0"):
    return Article("", "brief", title, date, None, False, text, (Source("x", 1, 1),), (first,))


def test_item_ids_collide_only_on_title_opening_and_date():
    assert item_id("A title", "Some text here.", "2024-01-02") == item_id(
        "A  TITLE!", "some text, here", "2024-01-02")
    assert item_id("A title", "Some text here.", "2024-01-02") != item_id(
        "A title", "Some text here.", "2024-01-03")
    long_a = " ".join(["word"] * 80) + " tail one"
    long_b = " ".join(["word"] * 80) + " tail two"
    assert item_id(None, long_a, None) == item_id(None, long_b, None)  # same opening


def test_item_id_collisions_are_resolved_whatever_the_order():
    opening = " ".join(["word"] * 80)
    arts = [_article(opening + " ending one", first="p1"),
            _article(opening + " ending two", first="p2"),
            _article(opening + " ending two", first="p3"),  # the same text twice
            _article("Another item altogether.", first="p4")]
    ref = {a.paragraph_ids[0]: a.id for a in resolve_item_ids(arts)}
    assert len(set(ref.values())) == 4
    base = item_id(None, opening, None)
    assert ref["p1"] == base  # the first by text keeps the id
    for seed in range(5):
        shuffled = list(arts)
        random.Random(seed).shuffle(shuffled)
        assert {a.paragraph_ids[0]: a.id for a in resolve_item_ids(shuffled)} == ref


def test_two_identical_briefs_on_a_page_get_two_ids(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    brief = "The weekly meeting of the council took place in the main hall of the city."
    (folder / "a.txt").write_text(f"05.09.2024\n\n{brief}\n\n05.09.2024\n\n{brief}\n")
    db = str(tmp_path / "c.db")
    run_dedupe([str(folder)], db=db, workers=1)
    items, _ = _ids(db)
    assert len(items) == 2


_WORDISH = st.sampled_from(["a", "word", "Ünïcode", "e\u0301", "\ufb01n", "\ufdfa", "\u00bc",
                            "x\u0327\u0301", "\u3300", "'", "--", "12,5"])


@given(st.lists(_WORDISH, min_size=60, max_size=400), st.lists(st.sampled_from(
    [" ", "  ", "\u0301", "\n", ""]), min_size=1, max_size=5))
@settings(max_examples=200)
def test_opening_of_a_long_text_is_that_of_the_whole_text(words, seps):
    # the opening words are found in a cut of a long text: the same as normalising it all
    text = "".join(w + seps[i % len(seps)] for i, w in enumerate(words))
    whole = " ".join(normalize(text).split()[:OPENING_WORDS])
    assert _opening(text) == whole


@given(st.lists(st.lists(_WORDISH, max_size=40).map(" ".join), max_size=8),
       st.sampled_from(["\n\n", "\n"]))
@settings(max_examples=300)
def test_opening_from_the_paragraphs_norms_is_that_of_their_joined_text(parts, sep):
    # an item's opening words come from its paragraphs' normalised texts (the pipeline has
    # them), not from normalising the item's text again: the same words
    assert opening(normalize(p) for p in parts) == _opening(sep.join(parts))


def test_items_ids_are_the_same_with_the_openings_the_pipeline_gives(seeds):
    from corpus_cli.pipeline import ingest
    from corpus_cli.segment import merge_items

    results, _ = ingest([str(seeds)], workers=1, segment=True)
    items = [it for r in results for it in r.items]
    assert items and all(it.opening is not None for it in items)
    with_openings = merge_items(items)
    for it in items:
        it.opening = None
    without = merge_items(items)
    assert [a.id for a, _, _ in with_openings] == [a.id for a, _, _ in without]
    assert len({a.id for a, _, _ in without}) == len(without)


def test_a_trimmed_item_forgets_its_opening():
    from corpus_cli.models import Paragraph
    from corpus_cli.segment import PageItem, trim_repeated_tails

    paras = [Paragraph(f"p{i}", "x.txt", i, i + 1, i + 1, t, t)
             for i, t in enumerate(["Story text here.", "Most read box."])]
    it = PageItem("article", "x.txt", 0, body=list(paras), trim_repeats=True)
    it.opening = "story text here most read box"
    trim_repeated_tails([it], frozenset({"p1"}))
    assert it.opening is None
    assert resolve_item_ids(merge_one(it))[0].id == item_id(None, "Story text here.", None)


def merge_one(it):
    from corpus_cli.segment import merge_items

    return [a for a, _, _ in merge_items([it])]


def test_an_opening_that_is_one_whole_text_is_that_text_not_a_copy():
    # the pipeline interns the normalised texts: a sidebar snippet's items on 50,000 pages
    # then share one opening string
    n = normalize("The council met on Monday to discuss the budget.")
    assert opening(["", n, ""]) is n
    long_ = " ".join(["word"] * (OPENING_WORDS + 5))
    assert opening([long_]) == " ".join(["word"] * OPENING_WORDS)
    assert opening(["a b", "c"]) == "a b c"
