"""Tests of corpus_cli.dates: formats, non-dates, year inference, spans, speed."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_cli.dates import find_dates, leading_date, parse_date
from corpus_cli.models import DateMention

REF = "2024-09-05"


def found(text: str, reference: str | None = None) -> list[tuple]:
    """(text, value, end_value, precision, inferred, kind) of every mention, spans checked."""
    out = []
    for m in find_dates(text, reference):
        assert isinstance(m, DateMention)
        assert text[m.start:m.end] == m.text
        out.append((m.text, m.value, m.end_value, m.precision, m.inferred, m.kind))
    return out


def values(text: str, reference: str | None = None) -> list[str | None]:
    return [m.value for m in find_dates(text, reference)]


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("text", "mention", "value"),
    [
        ("The dateline reads 05.09.2024 above the item.", "05.09.2024", "2024-09-05"),
        ("Signed on 16.02.2022 in Moscow.", "16.02.2022", "2022-02-16"),
        ("Signed on 5.9.2024 in Astana.", "5.9.2024", "2024-09-05"),
        ("The photo was taken on 05/09/2024 in Bishkek.", "05/09/2024", "2024-09-05"),
        ("A US-style date 09/25/2024 is month first.", "09/25/2024", "2024-09-25"),
        ("Published 2024-09-05 by the press service.", "2024-09-05", "2024-09-05"),
        ("On 5 September 2024, the Council met.", "5 September 2024", "2024-09-05"),
        ("On September 5, 2024, the Council met.", "September 5, 2024", "2024-09-05"),
        ("On September 5 2024 the Council met.", "September 5 2024", "2024-09-05"),
        ("On Sept. 5, 2024, the Council met.", "Sept. 5, 2024", "2024-09-05"),
        ("On Dec 11, 2024 the delegation arrived.", "Dec 11, 2024", "2024-12-11"),
        ("On June 9th, 2018, in Qingdao", "June 9th, 2018", "2018-06-09"),
        ("It was signed on the 9th of June 2018.", "9th of June 2018", "2018-06-09"),
        ("On 5 September, 2024 the drills began.", "5 September, 2024", "2024-09-05"),
        ("The memorandum signed in May 2018 on cooperation", "May 2018", "2018-05"),
        ("the XXI meeting held in April 2023 in Dushanbe", "April 2023", "2023-04"),
        ("a decision was taken in 2002 to give the Treaty", "2002", "2002"),
        ("the Strategy for the period up to 2025, the", "2025", "2025"),
        ("the draft Work Plan for 2025 was agreed upon.", "2025", "2025"),
        ("resolution 2354 (2017) on countering", "2017", "2017"),
        ("Moscow, 9 May 1945.", "9 May 1945", "1945-05-09"),
        ("Встреча прошла 5 сентября 2024 г. в Москве.", "5 сентября 2024 г.", "2024-09-05"),
        ("the plans for mid-2024 were", "2024", "2024"),
        ("in march 2024 the states agreed", "march 2024", "2024-03"),
    ],
)
def test_single_dates(text: str, mention: str, value: str) -> None:
    got = find_dates(text)
    assert [m.text for m in got] == [mention]
    assert got[0].value == value
    assert got[0].inferred is False
    assert got[0].kind == "date"
    assert got[0].precision == {10: "day", 7: "month", 4: "year"}[len(value)]


@pytest.mark.parametrize(
    ("text", "mention", "value"),
    [
        ("Tuesday, October 8, 2013 11:57 AM", "Tuesday, October 8, 2013 11:57 AM", "2013-10-08"),
        ("Posted Monday 5 May 2024, 14:30 by the press service",
         "Monday 5 May 2024, 14:30", "2024-05-05"),
        ("It opens on 5 May 2024 at 10:00 in Minsk.", "5 May 2024 at 10:00", "2024-05-05"),
        ("updated 2024-09-05T10:30:00Z", "2024-09-05T10:30:00Z", "2024-09-05"),
        ("05.09.2024, 14:30", "05.09.2024, 14:30", "2024-09-05"),
    ],
)
def test_datetimes(text: str, mention: str, value: str) -> None:
    assert found(text) == [(mention, value, None, "day", False, "datetime")]


@pytest.mark.parametrize(
    ("text", "mention", "start", "end", "precision"),
    [
        ("was held on 17-18 April 2024", "17-18 April 2024", "2024-04-17", "2024-04-18", "day"),
        ("was held on 17\u201318 April 2024", "17\u201318 April 2024", "2024-04-17",
         "2024-04-18", "day"),
        ("From June 3 to 5, 2024, the exercise", "From June 3 to 5, 2024", "2024-06-03",
         "2024-06-05", "day"),
        ("from June 30 to July 2, 2024 in Minsk", "from June 30 to July 2, 2024",
         "2024-06-30", "2024-07-02", "day"),
        ("from 30 November to 2 December 2024", "from 30 November to 2 December 2024",
         "2024-11-30", "2024-12-02", "day"),
        ("between 5 May and 6 June 2024", "between 5 May and 6 June 2024", "2024-05-05",
         "2024-06-06", "day"),
        ("22 June 1941 \u2013 9 May 1945", "22 June 1941 \u2013 9 May 1945", "1941-06-22",
         "1945-05-09", "day"),
        ("meetings in May-June 2024 in the Republic", "May-June 2024", "2024-05", "2024-06",
         "month"),
        ("meetings in May\u2013June 2024", "May\u2013June 2024", "2024-05", "2024-06", "month"),
        ("from April 2005 to October 2007", "from April 2005 to October 2007", "2005-04",
         "2007-10", "month"),
        ("December 2024 - January 2025", "December 2024 - January 2025", "2024-12", "2025-01",
         "month"),
        ("security issues for 2022-2024 (item 7)", "2022-2024", "2022", "2024", "year"),
        ("the 2019-20 season", "2019-20", "2019", "2020", "year"),
        ("the 2022/2023 season", "2022/2023", "2022", "2023", "year"),
        ("from 2005 to 2007 he served", "from 2005 to 2007", "2005", "2007", "year"),
        ("between 2010 and 2015 the", "between 2010 and 2015", "2010", "2015", "year"),
    ],
)
def test_ranges(text: str, mention: str, start: str, end: str, precision: str) -> None:
    assert found(text) == [(mention, start, end, precision, False, "range")]


def test_two_dates_not_a_range() -> None:
    text = "partner organizations (from April 2005 and from October 2007, respectively)"
    assert found(text) == [
        ("April 2005", "2005-04", None, "month", False, "date"),
        ("October 2007", "2007-10", None, "month", False, "date"),
    ]
    assert values("On 5 May and 6 June 2024") == [None, "2024-06-06"]


def test_glued_dateline_in_text() -> None:
    assert found("09.06.2018On June 9, 2018, in Qingdao") == [
        ("09.06.2018", "2018-06-09", None, "day", False, "date"),
        ("June 9, 2018", "2018-06-09", None, "day", False, "date"),
    ]
    assert found("15.05.202415 May marks the 32nd anniversary", REF) == [
        ("15.05.2024", "2024-05-15", None, "day", False, "date"),
        ("15 May", "2024-05-15", None, "day", True, "date"),
    ]
    assert values("18.04.2024The meeting was held") == ["2024-04-18"]
    assert values("Title\n2024-05-15The meeting") == ["2024-05-15"]


# --------------------------------------------------------------------------- inference


def test_year_less_without_reference() -> None:
    assert found("On 20 December, a joint training session was held") == [
        ("20 December", None, None, "day", False, "date")
    ]
    assert found("On 7 February, the Council met.") == [
        ("7 February", None, None, "day", False, "date")
    ]
    assert found("From 3 to 6 September, participants") == [
        ("From 3 to 6 September", None, None, "day", False, "range")
    ]
    assert found("On 10 and 11 December, the Joint Staff") == [
        ("10 and 11 December", None, None, "day", False, "range")
    ]


def test_year_less_with_reference() -> None:
    assert found("On 20 December, a joint session was held", "2024-12-21") == [
        ("20 December", "2024-12-20", None, "day", True, "date")
    ]
    assert found("On 10 and 11 December, the Joint Staff", "2024") == [
        ("10 and 11 December", "2024-12-10", "2024-12-11", "day", True, "range")
    ]
    assert found("in the period from 3 to 4 September during", "2024-09") == [
        ("from 3 to 4 September", "2024-09-03", "2024-09-04", "day", True, "range")
    ]
    assert found("On 3, 4 and 5 May the drills", REF) == [
        ("3, 4 and 5 May", "2024-05-03", "2024-05-05", "day", True, "range")
    ]
    assert values("May 15 marks", REF) == ["2024-05-15"]
    assert values("Встреча 5 мая прошла", REF) == ["2024-05-05"]


def test_year_less_refinement_previous_year() -> None:
    # December is more than six months after February: news speaks of the past.
    assert values("On 20 December, the session", "2025-02-10") == ["2024-12-20"]
    assert values("On 20 March, the session", "2025-02-10") == ["2025-03-20"]
    # A year reference alone has no month: its year is used.
    assert values("On 20 December, the session", "2025") == ["2025-12-20"]


def test_range_across_new_year() -> None:
    assert found("from 28 December to 3 January", "2024-12-01") == [
        ("from 28 December to 3 January", "2024-12-28", "2025-01-03", "day", True, "range")
    ]
    assert found("from 28 December to 3 January 2025") == [
        ("from 28 December to 3 January 2025", "2024-12-28", "2025-01-03", "day", False,
         "range")
    ]


def test_year_of_range_end_applies_to_start() -> None:
    assert found("From 3 to 6 September 2024, the exercise") == [
        ("From 3 to 6 September 2024", "2024-09-03", "2024-09-06", "day", False, "range")
    ]


@pytest.mark.parametrize(
    ("text", "mention", "value", "precision"),
    [
        ("has today given a briefing", "today", "2024-09-05", "day"),
        ("as reported yesterday by", "yesterday", "2024-09-04", "day"),
        ("will be signed tomorrow", "tomorrow", "2024-09-06", "day"),
        ("met the day before yesterday", "the day before yesterday", "2024-09-03", "day"),
        ("This year, a set of joint trainings", "This year", "2024", "year"),
        ("as agreed last year in Minsk", "last year", "2023", "year"),
        ("to be held next year", "next year", "2025", "year"),
        ("in the current year", "the current year", "2024", "year"),
        ("later this month", "this month", "2024-09", "month"),
        ("since last month", "last month", "2024-08", "month"),
        ("next month the summit", "next month", "2024-10", "month"),
        ("the XXII meeting in September this year in", "September this year", "2024-09",
         "month"),
        ("the meeting in November last year", "November last year", "2023-11", "month"),
    ],
)
def test_relative(text: str, mention: str, value: str, precision: str) -> None:
    assert found(text, REF) == [(mention, value, None, precision, True, "relative")]
    # Without a reference: reported, not resolved.
    assert found(text) == [(mention, None, None, precision, False, "relative")]


def test_relative_needs_precise_enough_reference() -> None:
    assert values("as reported yesterday", "2024-09") == [None]
    assert values("later this month", "2024") == [None]
    assert values("as agreed last year", "2024") == ["2023"]
    assert values("next month", "2024-12-31") == ["2025-01"]
    assert values("yesterday", "2024-01-01") == ["2023-12-31"]


def test_relative_year_after_day_month() -> None:
    assert found("On 20 December last year the", REF) == [
        ("20 December last year", "2023-12-20", None, "day", True, "relative")
    ]


def test_bad_reference() -> None:
    with pytest.raises(ValueError):
        find_dates("On 20 December", "next Tuesday")
    assert values("On 20 December", "20.12.2023") == ["2023-12-20"]


# --------------------------------------------------------------------------- non-dates


@pytest.mark.parametrize(
    "text",
    [
        "the UN Security Council Sanctions Committees 1267/1989/2253 on ISIS",
        "Committees 1267/1989/2253 on ISIS and \u201cAl-Qaeda\u201d and 1988 on the Taliban",
        "the Sanctions Committee 1988 on the Taliban Movement",
        "resolutions 1267, 1989 and 2253",
        "UN Security Council resolution 2354",
        "Resolution No. 2019 was adopted",
        "under item 2017 of the agenda",
        "the joint training \u201cRock-2024\u201d with units",
        "trainings \u201cInteraction-2024\u201d, \u201cSearch-2024\u201d",
        "special trainings \u201cEchelon-2024\u201d are regrouping",
        "IMG-20190301-WA0012.jpg",
        "WhatsApp Image 2022-02-16 at 14.07.35.jpeg",
        "Встреча в Циндао 9.06.2018.jpg",
        "Download the report_2024-05-06.pdf here",
        "the 40th meeting of the Working Group",
        "the 32nd anniversary of the Treaty",
        "the agenda of the 79th session",
        "(item 7)",
        "https://www.mid.ru/ru/foreign_policy/news/1950668/",
        "see www.csto.org/2024/05/ for details",
        "mid.ru/ru/2024/05/06/news",
        "write to press@csto2024.int",
        "2,000 people took part",
        "a march of 2000 km",
        "it cost $1500 and then $2000",
        "\u20ac2000 was paid",
        "about 2000 participants",
        "more than 2000 people",
        "2000 servicemen took part",
        "a 25% rise, 2024%",
        "ISO 9001:2015 certified",
        "Tel.: 8 800 2024 555",
        "version 2.0.2024",
        "a time of 14.07.35",
        "in the 1990s",
        "the states may 5 times",
        "they will march 10 km",
        "1850 and 2150 are not years",
        "On Monday the talks",
        "to this day",
    ],
)
def test_not_dates(text: str) -> None:
    assert found(text) == []


def test_seed_style_paragraph_with_traps() -> None:
    text = (
        "On December 11, 2024, Taalatbek Masadykov held a meeting with the delegation of the "
        "Monitoring Group (MG) of the UN Security Council Sanctions Committees 1267/1989/2253 "
        "on ISIS and \u201cAl-Qaeda\u201d and 1988 on the Taliban Movement."
    )
    assert found(text) == [("December 11, 2024", "2024-12-11", None, "day", False, "date")]
    text = (
        "On September 3, 2024 in Moscow, in accordance with the Plan of consultations for "
        "2022-2024 (item 7), consultations on the agenda of the 79th session were held."
    )
    assert [m.text for m in find_dates(text)] == ["September 3, 2024", "2022-2024"]
    text = ("WhatsApp Image 2022-02-16 at 14.07.35.jpegThe document supports resolution "
            "2354 (2017) on countering terrorism")
    assert found(text) == [("2017", "2017", None, "year", False, "date")]


def test_years_in_lists_and_contexts() -> None:
    assert values("in 1999, 2000 and 2001") == ["1999", "2000", "2001"]
    assert values("in 2002 on the basis of the Charter") == ["2002"]
    assert values("the year 2000 problem") == ["2000"]
    assert values("In 2025, the CSTO") == ["2025"]
    assert values("In 2020 people voted") == ["2020"]  # a strong cue ("in") wins


def test_invalid_dates_are_not_reported_as_days() -> None:
    assert values("on 31.02.2024") == []
    assert values("on 32.01.2024") == []
    assert [m.precision for m in find_dates("on 31 February 2024")] == ["month"]
    # 29 February of an unknown year is a valid mention.
    assert found("On 29 February") == [("29 February", None, None, "day", False, "date")]


def test_order_and_non_overlap() -> None:
    text = ("On 20 December the session; on 10 and 11 December consultations; in 2026 the "
            "drills; 05.09.2024; May-June 2024; yesterday.")
    got = find_dates(text, REF)
    assert [m.text for m in got] == ["20 December", "10 and 11 December", "2026",
                                     "05.09.2024", "May-June 2024", "yesterday"]
    for a, b in zip(got, got[1:], strict=False):
        assert a.end <= b.start


def test_empty_and_plain_text() -> None:
    assert find_dates("") == []
    assert find_dates("The parties recognized the need to consolidate efforts.") == []


def test_multiline_does_not_join_lines() -> None:
    assert found("held on 5\nMay 2024") == [("May 2024", "2024-05", None, "month", False,
                                               "date")]


# --------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05.09.2024", ("2024-09-05", "day")),
        ("16.02.2022", ("2022-02-16", "day")),
        ("2024-09-05", ("2024-09-05", "day")),
        ("5 September 2024", ("2024-09-05", "day")),
        ("September 5, 2024", ("2024-09-05", "day")),
        ("Tuesday, October 8, 2013 11:57 AM", ("2013-10-08", "day")),
        ("Sept. 5, 2024", ("2024-09-05", "day")),
        ("05/09/2024", ("2024-09-05", "day")),
        ("09/25/2024", ("2024-09-25", "day")),
        ("  5 September 2024.  ", ("2024-09-05", "day")),
        ("05.09.2024, 14:30", ("2024-09-05", "day")),
        ("May 2024", ("2024-05", "month")),
        ("2024", ("2024", "year")),
        ("5 сентября 2024", ("2024-09-05", "day")),
    ],
)
def test_parse_date(text: str, expected: tuple[str, str]) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "5 September", "today", "17-18 April 2024", "hello 2024", "2024-13-01",
     "31.02.2024", "32.01.2024", "On 5 September 2024", "5 September 2024 in Moscow",
     "1267/1989/2253", "Rock-2024", "x" * 500],
)
def test_parse_date_rejects(text: str) -> None:
    assert parse_date(text) is None


# --------------------------------------------------------------------------- leading_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09.06.2018On June 9, 2018", ("09.06.2018", "2018-06-09", 10)),
        ("15.05.202415 May marks", ("15.05.2024", "2024-05-15", 10)),
        ("18.04.2024The meeting", ("18.04.2024", "2024-04-18", 10)),
        ("2024-05-15The", ("2024-05-15", "2024-05-15", 10)),
        ("9.6.2018On", ("9.6.2018", "2018-06-09", 8)),
        ("  09.06.2018On", ("09.06.2018", "2018-06-09", 12)),
        ("05.09.20241", ("05.09.2024", "2024-09-05", 10)),
    ],
)
def test_leading_date(text: str, expected: tuple[str, str, int]) -> None:
    got = leading_date(text)
    assert got == expected
    assert text[got[2] - len(got[0]):got[2]] == got[0]


@pytest.mark.parametrize(
    "text",
    ["05.09.2024 The", "05.09.2024", "32.05.2024X", "05.09.2024.jpg", "On 05.09.2024The",
     "05.09.1850On", "2024-05-15T10:00:00", ""],
)
def test_leading_date_rejects(text: str) -> None:
    assert leading_date(text) is None


# --------------------------------------------------------------------------- safety


ADVERSARIAL = {
    "dots": "12." * 333_334,
    "ones": "1 " * 500_000,
    "months": "May " * 250_000,
    "years": "2024-" * 200_000,
    "from": "From 3 to " * 100_000,
    "year list": "2024 " * 200_000,
    "slashes": "1/" * 500_000,
    "dense dates": "1 May " * 166_667,
    "commas": "1, " * 333_334,
    "mixed": "05.09.2024 17-18 April 2024 Sept. 5, 2024 a.jpg http://x/1 " * 17_000,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_input_is_fast(name: str) -> None:
    text = ADVERSARIAL[name]
    assert len(text) >= 990_000
    t0 = time.process_time()
    got = find_dates(text, REF)
    elapsed = time.process_time() - t0
    assert elapsed < 5.0, f"{name}: {elapsed:.2f}s for {len(text)} chars"
    for m in got[:1000]:
        assert text[m.start:m.end] == m.text


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, corpus_cli.dates; "
            "print(any(m.split('.')[0] in ('dateutil', 'dateparser', 'click', 'rich') "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


_ALPHABET = st.sampled_from(
    list("0123456789 .,-/–:()\n\"'aAmMyY")
    + ["May", "June", "Sept.", "December", "from ", " to ", " and ", "today", "this year",
       "2024", "1988", "on the ", ".jpg", "http://", "th", "st", "сентября", "between "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join),
       st.sampled_from([None, "2024", "2024-09", "2024-09-05", "2025-01-31"]))
def test_find_dates_never_raises_and_spans_are_valid(text: str, ref: str | None) -> None:
    got = find_dates(text, ref)
    last = 0
    for m in got:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert m.start >= last
        last = m.end
        assert m.precision in ("day", "month", "year")
        assert m.kind in ("date", "range", "relative", "datetime")
        if m.value is not None:
            assert len(m.value) == {"day": 10, "month": 7, "year": 4}[m.precision]
        if m.kind == "range" and m.value is not None:
            assert m.end_value is not None and m.end_value > m.value


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    for m in find_dates(text):
        assert text[m.start:m.end] == m.text
    parse_date(text)
    leading_date(text)


# The scan runs the date patterns only over windows around anchors (numbers, month names,
# today/yesterday/...): it must find exactly what a scan of the whole text finds.
_FILLER = "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
_WINDOW_TOKENS = st.sampled_from(
    [*list("0123456789 .,-/–:()\n\"'aAmMyY"), "May", "june", "SEPT.", "December", "from ",
     " to ", " and ", "today", "the day before yesterday", "this year", "last month", "2024",
     "1988", ".jpg", "th", "сентября", "Мая", "between ", "Wednesday, ", "at 10:30 a.m.",
     " (GMT)", " года", " г.", "İ", "ǅ", "Tues. ", "mid-", "T10:00:00Z", "5th of September",
     " of the previous year", ", at 10:30:00 p.m. (GMT + 03:00)", "   ", "Friday", "MAY ",
     "dismay", _FILLER, _FILLER * 3]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_WINDOW_TOKENS, max_size=80).map("".join), st.booleans())
def test_windowed_scan_equals_whole_scan(text: str, digits: bool) -> None:
    from corpus_cli.dates import _candidates, _candidates_whole

    scan = " " + text
    assert sorted(_candidates(scan, digits)) == sorted(_candidates_whole(scan, digits))


def test_windowed_scan_on_long_text_with_sparse_dates() -> None:
    from corpus_cli.dates import _candidates, _candidates_whole

    text = " " + (_FILLER * 20 + "On Wednesday, 5 June 2024 at 10 a.m. (GMT) ") * 30 + (
        _FILLER * 20 + "between 3 and 5 May, the day after tomorrow, 2019-20.")
    got = _candidates(text, True)
    assert got and sorted(got) == sorted(_candidates_whole(text, True))
    assert [m.text for m in find_dates(text[1:])][:3] == [
        "Wednesday, 5 June 2024 at 10 a.m. (GMT)", "Wednesday, 5 June 2024 at 10 a.m. (GMT)",
        "Wednesday, 5 June 2024 at 10 a.m. (GMT)"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["@", "/", ".", "w", "ww", "www.", " ", "a", ".jpg", ".JPG",
                                 ".pdfx", ".png1", "\n", "x.docx "]), max_size=40).map("".join))
def test_block_trigger_matches_its_plain_form(text: str) -> None:
    import re

    from corpus_cli.dates import _BLOCK_TRIGGER, _EXTS

    plain = re.compile(rf"[@/]|(?<!\S)www\.|\.{_EXTS}(?![a-z0-9])")
    assert [m.span() for m in _BLOCK_TRIGGER.finditer(text)] == [
        m.span() for m in plain.finditer(text)]


def test_pattern_table_is_named_and_self_consistent():
    """Each pattern of the scanner is a named record: flags and windows come from the table,
    so reordering it cannot give one pattern another's flags."""
    from corpus_cli.dates import PATTERNS, _candidates

    names = [p.name for p in PATTERNS]
    assert len(set(names)) == len(names)
    example = {"iso": "2024-05-14", "numeric_dmy": "14.05.2024", "year_range": "2019-2021",
               "day_first": "14 May 2024", "month_first": "May 14, 2024",
               "relative": "yesterday", "year": "in 2024 the"}
    assert set(example) == set(names)
    for i, p in enumerate(PATTERNS):
        text = " " + example[p.name]
        assert any(k == i for *_x, k in _candidates(text, digits=True)), p.name
    no_digit = {"month_first": " in September this year", "relative": " yesterday"}
    assert set(no_digit) == {p.name for p in PATTERNS if not p.needs_digit}
    for i, p in enumerate(PATTERNS):
        if not p.needs_digit:  # run on a text without digits too
            assert any(k == i for *_x, k in _candidates(no_digit[p.name], digits=False))


def test_read_dateline_reads_date_lines_and_refuses_phrases():
    from corpus_cli.dates import read_dateline

    want = {
        "05.09.2024": (2024, 9, 5), "Friday, 8 December 2023": (2023, 12, 8),
        "By Jane Roe \u2022 01 October 2022 \u2022 14:16": (2022, 10, 1),
        "Economy 25 November 2024 11:50 (UTC +04:00)": (2024, 11, 25),
        "PublishDate: Monday, January 17, 2022 13:42": (2022, 1, 17),
        "17:23 / 20.01.2026": (2026, 1, 20), "08:02 GMT 15.09.2021": (2021, 9, 15),
        "21 June 2018 1196": (2018, 6, 21), "12.04.2024 Download document": (2024, 4, 12),
        "20.09.2022, Moscow.": (2022, 9, 20), "27 июля, 2020 14:20": (2020, 7, 27),
        "20 January 202014:57": (2020, 1, 20), "10.Jan.2026": (2026, 1, 10),
        "editor7 Tue, 11/22/2022 - 06:59": (2022, 11, 22),
        "15 November, 16:49": (None, 11, 15), "Friday, October 15": (None, 10, 15),
    }
    for line, (y, mo, d) in want.items():
        got = read_dateline(line)
        assert got is not None and (got.year, got.month, got.day) == (y, mo, d), line
    assert read_dateline("Friday, October 15").weekday == 4
    assert read_dateline("20 January 2018, Saturday, 23:53").time
    for line in ("Minsk to host the summit on 23 November", "On 13 February, the council met",
                 "(December 6, 2022; VTC)", "The 40th meeting", "2024", "Rail freight 2024"):
        assert read_dateline(line) is None, line
    # ambiguous numeric dates follow the page's order
    assert read_dateline("04/05/2020", "mdy").month == 4
    assert read_dateline("04/05/2020").month == 5


def test_a_date_line_with_an_update_a_reading_time_or_a_posted_by_shows_its_first_date():
    from corpus_cli.dates import read_dateline

    want = {
        "Published: 12 March 2023 | Updated: 13 March 2023, 09:14": (2023, 3, 12),
        "12.03.2023, last modified 14.03.2023": (2023, 3, 12),
        "12 March 2023 (updated 14:20)": (2023, 3, 12),
        "Updated: 13 March 2023": (2023, 3, 13),  # the only date the line shows
        "March 14, 2023 | 5 min read": (2023, 3, 14),
        "14 March 2023 \u00b7 3 min read": (2023, 3, 14),
        "Posted by admin on March 14, 2023": (2023, 3, 14),
        "14.03.2023 \u0433.": (2023, 3, 14),
        "14.03.2023 \u0433\u043e\u0434\u0430 10:25": (2023, 3, 14),
    }
    for line, (y, mo, d) in want.items():
        got = read_dateline(line)
        assert got is not None and (got.year, got.month, got.day) == (y, mo, d), line
    for line in ("Government updated the plan on 12 March 2023", "Talks on 12 March 2023",
                 "A 5 min read on the summit of 12 March 2023"):
        assert read_dateline(line) is None, line


def test_numeric_order_from_the_dates_that_can_only_be_read_one_way():
    from corpus_cli.dates import numeric_order

    assert numeric_order(["posted 04/16/2020", "04/05/2020"]) == "mdy"
    assert numeric_order(["16.04.2020", "04.05.2020"]) == "dmy"
    assert numeric_order(["04.05.2020"]) is None
    assert numeric_order(["16.04.2020", "04/16/2020"]) is None  # the page says both
    assert numeric_order(["123/04/2020", "2020-04-16"]) is None  # not dates of this form
