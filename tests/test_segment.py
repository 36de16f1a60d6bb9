from __future__ import annotations

from conftest import ARTICLE_TITLE, page_with_sidebar

from corpus_cli.clean import clean_page
from corpus_cli.models import Page
from corpus_cli.pipeline import build
from corpus_cli.segment import build_articles


def articles_of(*texts: str):
    pages = [clean_page(Page(f"p{i}.txt", t, "utf-8", str(i), len(t)))
             for i, t in enumerate(texts)]
    return build_articles(pages)


LISTING = """05.09.2024

The Secretary General took part in the final stage of the joint training "Shield-2024".


04.09.2024

From 3 to 6 September, the units are regrouping in the northern region.

The regrouping will be completed by the end of the week.


29.08.2024

The Chief of the Joint Staff gave a briefing on the readiness of the forces.


Agreement on joint patrols of the border was signed

16.02.2022

On February 16, 2022, in the headquarters of the Organization, the agreement was signed.

The parties declared their common approaches to border security.


Go back
"""


def test_dated_listing_then_article():
    arts = articles_of(LISTING)
    got = [(a.kind, a.date, a.title) for a in arts]
    assert got == [
        ("brief", "2024-09-05", None),
        ("brief", "2024-09-04", None),
        ("brief", "2024-08-29", None),
        ("article", "2022-02-16", "Agreement on joint patrols of the border was signed"),
    ]
    assert arts[1].text.endswith("end of the week.")  # the paragraph below joins its brief
    assert not any(a.date_inferred for a in arts)
    assert arts[3].sources[0].line_start == 18


def test_sidebar_briefs_and_article_with_glued_date():
    arts = articles_of(page_with_sidebar())
    kinds = [(a.kind, a.title) for a in arts]
    assert kinds[:3] == [("brief", None)] * 3
    art = arts[3]
    assert (art.kind, art.title, art.date, art.date_inferred) == (
        "article", ARTICLE_TITLE, "2023-02-20", False)
    assert art.text.startswith("On February 20, 2023, in Tartu")


def test_yearless_dates_from_newest_first_neighbours():
    arts = articles_of(page_with_sidebar())
    dates = [(a.date, a.date_inferred) for a in arts[:3]]
    # "On 14 March" sits above a brief of March 12, 2023: same year, inferred
    assert dates[0] == ("2023-03-14", True)
    assert dates[1] == ("2023-03-12", True)
    # "On 2 and 3 March" sits below March 12, 2023 and above nothing older: same year
    assert dates[2] == ("2023-03-02", True)


def test_yearless_without_context_stays_undated():
    arts = articles_of("On 7 February, the Secretary General met the ambassadors.\n"
                       "On 3 February, the Council approved the budget.\n")
    assert [a.date for a in arts] == [None, None]


def test_copies_across_pages_are_one_item(pages):
    folder = pages({"a.txt": page_with_sidebar(),
                    "b.txt": page_with_sidebar(variant=True, glue=""),
                    "c.txt": page_with_sidebar(title="Another title of a different item",
                                               body=["The council approved the annual report "
                                                     "of the secretariat on Monday."],
                                               glue="")})
    corpus = build([str(folder)], workers=1)
    arts = build_articles(corpus.pages, corpus.dedupe.cluster_of)
    by_title = {a.title: a for a in arts if a.kind == "article"}
    art = by_title[ARTICLE_TITLE]
    assert len(art.sources) == 2
    assert art.date == "2023-02-20" and not art.date_inferred  # from the copy with a date
    briefs = [a for a in arts if a.kind == "brief"]
    assert len(briefs) == 3 and all(len(b.sources) == 3 for b in briefs)


def test_dates_of_item_have_spans():
    (art,) = [a for a in articles_of(LISTING) if a.kind == "article"]
    for d in art.dates:
        assert art.text[d.start:d.end] == d.text
    assert any(d.value == "2022-02-16" for d in art.dates)


def test_seeds_items(seeds):
    corpus = build([str(seeds)], workers=1)
    arts = build_articles(corpus.pages, corpus.dedupe.cluster_of)
    qingdao = [a for a in arts if a.title and "Qingdao" in a.title]
    assert len(qingdao) == 1
    q = qingdao[0]
    assert q.date == "2018-06-09" and not q.date_inferred and len(q.sources) == 2
    y2024 = [a for a in arts if a.date and a.date.startswith("2024")]
    texts = [a.title or a.text[:40] for a in y2024]
    assert len(texts) == len(set(texts))
    listing = [a for a in arts if a.sources[0].path.endswith("004_4945fe10fa45cb44.txt")]
    assert [a.date for a in listing] == ["2024-09-05", "2024-09-04", "2024-09-04",
                                         "2024-09-04", "2024-08-29", "2022-02-16"]


def test_metadata_datelines_date_their_article():
    page = ("Ministers agree on a treaty on shared rivers\n"
            "Tuesday, October 8, 2013 11:57 AM\n"
            "The ministers of water resources signed the treaty after two days of talks.\n"
            "The treaty enters into force next spring.\n\n"
            "New ferry line opens between the two ports\n"
            "Published: 12 March 2014\n"
            "The first ferry left the harbour on Monday with two hundred passengers.\n")
    arts = articles_of(page)
    assert [(a.kind, a.title, a.date, a.date_inferred) for a in arts] == [
        ("article", "Ministers agree on a treaty on shared rivers", "2013-10-08", False),
        ("article", "New ferry line opens between the two ports", "2014-03-12", False),
    ]
    assert arts[0].text.startswith("The ministers of water resources")


def test_title_repeated_with_date_dates_the_article():
    page = ("Council approves the budget for next year\n"
            "Council approves the budget for next year 14.11.2023\n"
            "The council approved the budget of the secretariat on Tuesday.\n")
    (art,) = articles_of(page)
    assert (art.kind, art.title, art.date, art.date_inferred) == (
        "article", "Council approves the budget for next year", "2023-11-14", False)
