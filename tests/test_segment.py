from __future__ import annotations

from conftest import ARTICLE_TITLE, page_with_sidebar

from corpus_cli.clean import clean_page
from corpus_cli.models import Page
from corpus_cli.pipeline import build
from corpus_cli.segment import build_articles, items_from_json, items_json, segment_page


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


# ---- page shapes (issue 12): each test is a small page of one shape ----------------------

def starts(arts):
    """(first line, date) of each item, in page order."""
    return [(a.sources[0].line_start, a.date) for a in arts]


UNDATED_SIDEBAR = """
On 3 April 2023, the ministers of transport met in the capital to discuss the new corridor.


Dear colleagues,

I am glad to welcome you to the annual conference of the border services of our states.


The water commission approved the schedule of the spring releases from the reservoir.


The secretariat published the annual report on the regional fire brigades.

Customs services of the neighbouring states agree on joint checks at the border

The customs services of the two states agreed on Tuesday to hold joint checks at three crossings.

The first joint checks will take place next month.
"""


def test_a_sidebar_snippet_that_opens_with_its_picture_runs_until_the_next_picture():
    """Undated snippets above the page's article, each opening with its picture's file
    name: a paragraph without a picture goes on with the snippet above it."""
    article = ("Customs services agree on joint checks at the border\n\n"
               "The customs services of the two states agreed on Tuesday to hold joint checks."
               "\n\nThe first joint checks will take place next month.\n")
    one = ("b41f-2c9e.jpgOn 3 April, the ministers of transport met to discuss the corridor.\n\n"
           "They agreed to open the first section of the line next year.\n\n"
           "The corridor will link the two largest ports of the region.\n\n")
    arts = articles_of(one + article)
    assert [(a.sources[0].line_start, a.kind) for a in arts] == [(1, "brief"), (7, "article")]
    assert arts[0].text.endswith("ports of the region.")
    two = one + ("photo_2031.jpgThe water commission approved the schedule of the spring releases."
                 "\n\nThe releases begin in the second week of May.\n\n")
    arts = articles_of(two + article)
    assert [(a.sources[0].line_start, a.kind) for a in arts] == [
        (1, "brief"), (7, "brief"), (11, "article")]
    assert arts[1].text.endswith("second week of May.")


def test_undated_sidebar_snippets_are_items_and_the_article_after_them_too():
    """Snippets separated by two blank lines, paragraphs of one snippet by one: each
    snippet is an item; the article that follows (a title, then its text) is its own."""
    arts = articles_of(UNDATED_SIDEBAR)
    assert [a.sources[0].line_start for a in arts] == [2, 5, 10, 13, 15]
    assert arts[1].text.startswith("Dear colleagues,") and "annual conference" in arts[1].text
    art = arts[-1]
    assert art.kind == "article" and art.title.startswith("Customs services")
    assert art.text.startswith("The customs services") and art.text.endswith("next month.")
    # undated snippets stay undated, unless their text opens with a date (then: inferred)
    assert [(a.date, a.date_inferred) for a in arts] == [
        ("2023-04-03", True), (None, False), (None, False), (None, False), (None, False)]


def test_unseparated_sidebar_lines_are_one_snippet_each_with_salutations_kept_together():
    page = ("The water commission approved the schedule of the spring releases.\n"
            "Dear ministers!\n"
            "Distinguished guests!\n"
            "Allow me to open the fifth meeting of the council of ministers of culture.\n"
            "The secretariat published the annual report on the regional fire brigades.\n"
            "Customs services of the neighbouring states agree on joint checks\n"
            "The customs services of the two states agreed on Tuesday to hold joint checks.\n")
    arts = articles_of(page)
    assert [a.sources[0].line_start for a in arts] == [1, 2, 5, 6]
    assert arts[1].text.count("\n\n") == 2  # two salutations and the sentence after them


def test_undated_text_without_an_article_after_it_is_the_pages_own_article():
    page = ("The ministers of transport met in the capital to discuss the corridor.\n"
            "They agreed to open two more crossings before the end of the year.\n"
            "The next meeting will be held in the autumn.\n"
            "Top news\n"
            "Rail freight between the two ports doubles in the first quarter\n"
            "New bridge over the river opens to traffic after three years of work\n"
            "Farmers expect a record harvest of apricots in the southern valleys\n")
    arts = articles_of(page)
    assert [a.sources[0].line_start for a in arts] == [1, 5, 6, 7]
    assert arts[0].text.count("\n\n") == 2  # one article of three paragraphs
    assert all(a.date is None for a in arts)


MENU_PAGE = """Home
News
Events
Contacts
English
Русский

Section news

Region: World, Europe, Asia
Theme: Politics

Read: 610

14.05.2023

Mayors of the river towns sign a flood protection plan

96

The mayors of six river towns signed a joint flood protection plan on Sunday.

Related posts
"""


def test_menus_headings_labels_and_counters_are_no_items_nor_titles():
    (art,) = articles_of(MENU_PAGE)
    assert art.title == "Mayors of the river towns sign a flood protection plan"
    assert art.date == "2023-05-14" and art.sources[0].line_start == 15  # its date line
    assert art.text.startswith("The mayors of six river towns signed a joint flood protection")


def test_a_label_with_one_lower_case_word_is_furniture_not_a_title():
    # share buttons, then a share counter whose number the scraper lost: the body under
    # them is the article's, not an article titled by the counter
    page = ("Mayors of the river towns sign a flood protection plan 14 May 2023, 11:25\n\n"
            "The mayors of six river towns signed a joint flood protection plan on Sunday.\n"
            "  \u2022 Facebook\n  \u2022 Twitter\n  \u2022 Telegram\n"
            "Shared by: people\n\n"
            "\u00a9 Jane Roe\n\n"
            "The plan will cost forty million over five years, the mayors said.\n\n"
            "Work on the first dam starts in the autumn, after the harvest.\n")
    (art,) = articles_of(page)
    assert art.date == "2023-05-14" and art.sources[0].line_start == 1
    assert art.text.endswith("after the harvest.")


def test_a_list_whose_entries_open_with_a_timed_date_line_is_no_header_date():
    # "date with a time, title, teaser" repeated: the first date is its entry's, not the
    # day the page was saved (a header date stands above the page's one article)
    page = ("Latest news\n\n"
            "March 14, 2023 at 5:30 p.m.\n"
            "City council approves the new budget after a long debate\n"
            "The council approved the budget by seven votes to four late on Tuesday.\n\n"
            "March 13, 2023 at 11:02 a.m.\n"
            "Heavy snow closes the mountain roads\n"
            "Police closed two mountain passes after heavy snowfall overnight.\n\n"
            "March 12, 2023 at 8:45 a.m.\n"
            "Museum reopens after a two-year renovation\n"
            "The city museum reopened its doors on Sunday with a new wing.\n")
    assert starts(articles_of(page)) == [(3, "2023-03-14"), (7, "2023-03-13"),
                                         (11, "2023-03-12")]


def test_a_header_date_above_the_one_article_stays_the_header():
    page = ("Tuesday, 14 March 2023 10:25\n\n"
            "City council approves the new budget after a long debate\n"
            "12.03.2023\n"
            "The council approved the budget by seven votes to four late on Sunday.\n\n"
            "The mayor said the vote ended a month of talks.\n")
    (art,) = articles_of(page)
    assert art.date == "2023-03-12"


def test_headlines_with_their_dates_glued_before_or_written_after_are_dated_entries():
    article = ("Floods displace thousands in the river valley\n\n"
               "Updated 14:20 GMT, 14 March 2023\n\n"
               "Heavy rain caused the river to burst its banks, forcing people to leave.\n\n")
    glued = article + ("Read also:\n"
                       "13.03.2023, 18:40Parliament approves the tax code\n"
                       "12.03.2023, 09:15Central bank holds its rate\n")
    assert starts(articles_of(glued)) == [(1, "2023-03-14"), (8, "2023-03-13"),
                                          (9, "2023-03-12")]
    after = article + ("More on this story\n"
                       "Dam operators warn of higher water levels 13 March 2023\n"
                       "Aid agencies send tents and food 12 March 2023\n")
    assert starts(articles_of(after)) == [(1, "2023-03-14"), (8, "2023-03-13"),
                                          (9, "2023-03-12")]


TEASER_LISTING = """Regional news

Mayors of the river towns sign a flood protection plan
The mayors of six river towns signed a joint flood protection plan on Sunday.
Rail freight between the two ports doubles in the first quarter
Rail freight between the two ports doubled in the first quarter, the operator said.
New bridge over the river opens to traffic after three years of work
The new bridge over the river opened to traffic on Friday.
"""


def test_listing_of_title_and_teaser_gives_one_item_per_entry():
    arts = articles_of(TEASER_LISTING)
    assert [(a.sources[0].line_start, a.kind) for a in arts] == [
        (3, "article"), (5, "article"), (7, "article")]
    assert arts[1].text.startswith("Rail freight between the two ports doubled")


def test_a_date_line_above_the_titles_dates_the_entry_below_it():
    page = ("Related news\n"
            "17:23 / 20.05.2024\n"
            "Rail freight between the two ports doubles in the first quarter\n"
            "09:10 / 19.05.2024\n"
            "New bridge over the river opens to traffic after three years of work\n"
            "14:52 / 12.05.2024\n")
    arts = articles_of(page)
    assert starts(arts) == [(2, "2024-05-20"), (4, "2024-05-19")]


def test_a_date_line_after_the_text_dates_the_item_above_it():
    page = ("Mayors of the river towns sign a flood protection plan\n\n"
            "The mayors of six river towns signed a joint flood protection plan.\n\n"
            "The plan will cost forty million over five years.\n\n"
            "Source: Regional News Service\n\n\n"
            "14 May 2023 / 11:25\n")
    (art,) = articles_of(page)
    assert (art.date, art.date_inferred) == ("2023-05-14", False)


def test_a_byline_after_a_teaser_glued_to_the_next_title_dates_the_teaser():
    page = ("Mayors of the river towns sign a flood protection plan\n"
            "The mayors of six river towns signed a joint flood protection plan.\n\n"
            "editor7 Thu, 05/18/2023 - 09:41 Rail freight between the two ports doubles\n\n"
            "Rail freight between the two ports doubled in the first quarter.\n\n"
            "editor7 Tue, 05/16/2023 - 16:02\n")
    arts = articles_of(page)
    assert starts(arts) == [(1, "2023-05-18"), (4, "2023-05-16")]
    assert arts[1].title == "Rail freight between the two ports doubles"


AGENCY = ("Ministers of transport agree on a new corridor\n\n"
          "{dateline} The ministers of transport agreed on a new corridor on Friday.\n\n"
          "The corridor will open in 2025.\n")


def test_agency_datelines_date_their_article():
    for dateline, want in [("ASTANA, December 15, 2022 (Kazinform) -", "2022-12-15"),
                           ("TASHKENT, 20.05.2021 (UzA) –", "2021-05-20"),
                           ("Bishkek, Nov. 22, 2023. / Kabar/.", "2023-11-22")]:
        (art,) = articles_of(AGENCY.format(dateline=dateline))
        assert (art.date, art.date_inferred) == (want, False), dateline
    # a year-less one takes its year from a fully dated line of the item (a caption here)
    page = ("Ministers of transport agree on a new corridor\n\n"
            "Ministers at the signing in the capital, May 12, 2021. (Photo by a staff member)\n\n"
            "MOSCOW, May 14. /TASS/. The ministers of transport agreed on a new corridor.\n")
    (art,) = articles_of(page)
    assert (art.date, art.date_inferred) == ("2021-05-14", True)


def test_a_stored_page_date_prefix_dates_the_pages_main_item():
    page = (" date 2018-11-05 Politics\n"
            "Ministers of transport agree on a new corridor\n\n"
            "The ministers of transport agreed on a new corridor on Friday.\n")
    (art,) = articles_of(page)
    assert (art.title, art.date, art.date_inferred) == (
        "Ministers of transport agree on a new corridor", "2018-11-05", False)
    assert art.sources[0].line_start == 2  # the prefix's line is the site's header
    # ... and gives its year to a year-less agency dateline
    page = (" date 2018-11-05 MOSCOW, November 5. /TASS/. The ministers of transport agreed "
            "on a new corridor on Friday.\n")
    (art,) = articles_of(page)
    assert (art.date, art.sources[0].line_start) == ("2018-11-05", 1)


def test_a_date_beside_a_view_counter_or_a_download_link_is_a_date_line():
    for line in ("21 June 2018 1196", "21.06.2018 Download document", "Views: 310 21.06.2018"):
        page = (f"Ministers of transport agree on a new corridor\n{line}\n"
                "The ministers of transport agreed on a new corridor on Thursday.\n")
        (art,) = articles_of(page)
        assert art.date == "2018-06-21", line


def test_bylines_date_their_article():
    for line in ("By Jane Roe \u2022 01 October 2022 \u2022 14:16",
                 "Economy 01 October 2022 14:16 (UTC +04:00)",
                 "PublishDate: Saturday, October 1, 2022 13:42"):
        page = (f"Ministers of transport agree on a new corridor\n\n{line}\n\n"
                "The ministers of transport agreed on a new corridor on Friday.\n")
        (art,) = articles_of(page)
        assert (art.date, art.date_inferred) == ("2022-10-01", False), line


def test_month_first_numeric_dates_when_the_page_proves_it():
    page = ("Ministers of transport agree on a new corridor\n\n"
            "Editor Thu, 04/06/2023 - 09:41\n\n"
            "The ministers of transport agreed on a new corridor.\n\n"
            "Rail freight between the two ports doubles in the first quarter\n\n"
            "Editor Sun, 04/16/2023 - 16:02\n\n"
            "Rail freight between the two ports doubled, the operator said.\n")
    arts = articles_of(page)
    assert [a.date for a in arts] == ["2023-04-06", "2023-04-16"]
    # without such a date on the page, 04.06.2023 is 4 June
    (art,) = articles_of("Ministers of transport agree on a new corridor\n04.06.2023\n"
                         "The ministers of transport agreed on a new corridor.\n")
    assert art.date == "2023-06-04"


def test_site_header_date_is_not_the_publication_date_but_bounds_the_year():
    page = ("Friday, 8 December 2023\n\n\n"
            "Yerevan 10 \u2103\n\n"
            "Ministers of transport agree on a new corridor\n\n"
            "15 November, 16:49\n\n"
            "The ministers of transport agreed on a new corridor on Wednesday.\n")
    (art,) = articles_of(page)
    assert (art.date, art.date_inferred, art.sources[0].line_start) == ("2023-11-15", True, 6)
    page = ("20 January 2018, Saturday, 23:53\n\n"
            "Ministers of transport agree on a new corridor\n\n"
            "The ministers of transport agreed on a new corridor in May 2014.\n")
    (art,) = articles_of(page)
    assert art.date is None


def test_yearless_publication_date_with_a_weekday_needs_a_year_that_fits_it():
    page = ("Ministers of transport agree on a new corridor\n"
            "Friday, October 15\n"
            "The corridor was first proposed on 12 August 2008.\n")
    (art,) = articles_of(page)
    assert art.date is None  # 15 October 2008 was a Wednesday: no year fits, none is guessed


def test_a_historical_or_event_date_is_never_the_publication_date():
    page = ("Veteran engineer retires after four decades\n\n"
            "The engineer, who joined the company in 1978, retired on Friday.\n\n"
            "The treaty signed on 15 May 1992 created the commission.\n")
    (art,) = articles_of(page)
    assert art.date is None
    # a date in a headline is the story's, not the publication's
    (brief,) = articles_of("Rail freight between the two ports doubled in 2024 and 2025\n")
    assert brief.date is None


def test_copies_with_different_publication_dates_are_not_merged(pages):
    body = ("On 14 May the Working Group on border security held its regular meeting in "
            "the capital with the participation of the deputy ministers of the states.")
    folder = pages({"a.txt": f"Working group meets in the capital\n14.05.2024\n{body}\n",
                    "b.txt": f"Working group meets in the capital\n14.05.2025\n{body}\n",
                    "c.txt": f"Working group meets in the capital\n14.05.2025\n{body}\n"})
    corpus = build([str(folder)], workers=1)
    arts = build_articles(corpus.pages, corpus.dedupe.cluster_of)
    assert sorted((a.date, len(a.sources)) for a in arts) == [("2024-05-14", 1),
                                                              ("2025-05-14", 2)]


def test_teasers_ending_in_more_are_items():
    page = ("The ministers of transport agreed on a new corridor on Friday.\n"
            "The corridor will open in 2025.\n"
            "Farmers expect a record harvest of apricots in the southern valleys ... more\n"
            "The river port reported a rise in cargo in the first quarter, the operator ... more\n")
    arts = articles_of(page)
    assert [a.sources[0].line_start for a in arts] == [1, 3, 4]


def test_title_ending_with_a_date_and_time_is_dated_by_it():
    page = ("Joint drills of the rescue services to be held in the north 10 August 2014, 12:39\n\n"
            "The drills will take place from August 18 to August 22.\n")
    (art,) = articles_of(page)
    assert (art.date, art.date_inferred) == ("2014-08-10", False)


def test_segmentation_is_linear_on_a_huge_line_and_on_many_lines():
    import time

    t0 = time.process_time()
    articles_of("Title of a page with a very long line\n" + "12.05.2023 a1 " * 8000 + "\n"
                + "Dear " + "x" * 100_000 + "!\n" + ("word " * 20_000) + "\n")
    assert time.process_time() - t0 < 5
    # every look around a paragraph is bounded: titles before a long run of date lines,
    # and a long rhythm of dates and text, cost what their length costs
    lines = [f"Ministers of transport agree on corridor number {i}" for i in range(800)]
    lines += [f"{1 + i % 28:02d}.05.2023" for i in range(800)]
    lines += [x for i in range(800) for x in (f"{1 + i % 28:02d}.04.2023",
                                               f"The council discussed budget item {i}.")]
    t0 = time.process_time()
    arts = articles_of("\n".join(lines))
    assert time.process_time() - t0 < 10 and len(arts) >= 800


def test_stored_items_round_trip_on_the_seeds(seeds):
    from corpus_cli.inputs.pages import ReadOptions, pages_from_bytes

    n = 0
    for f in sorted(seeds.iterdir()):
        for page in pages_from_bytes(str(f), f.read_bytes(), ReadOptions()):
            cp = clean_page(page)
            items = segment_page(cp)
            back = items_from_json(cp, items_json(cp, items))
            assert back == items and [i.frozen for i in back] == [i.frozen for i in items]
            n += len(items)
    assert n >= 16


def test_stored_items_of_another_page_or_layout_are_refused():
    text = "Title of the page\n\nSome text of the page here, long enough to be a body.\n"
    cp = clean_page(Page("a.txt", text, "utf-8", "a", len(text)))
    data = items_json(cp, segment_page(cp))
    other = clean_page(Page("b.txt", "One line only.\n", "utf-8", "b", 15))
    assert items_from_json(other, data) is None  # an index beyond its paragraphs
    assert items_from_json(cp, data.replace("[1,", "[2,", 1)) is None  # another layout
    assert items_from_json(cp, "[1, {}]") is None
