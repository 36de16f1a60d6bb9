"""Date extraction: corpus_cli.dates vs dateparser and datefinder, on labelled sentences.

    python benchmarks/bench_dates.py
    python benchmarks/bench_dates.py --no-peer        # corpus_cli.dates only
    python benchmarks/bench_dates.py --show-misses    # print every miss / false positive

The labelled set is ~50 short sentences written in the style of the seed pages (CSTO/UN
news): each lists the date expressions it holds (a substring and the expected ISO value at
its precision) and many hold traps that are *not* dates (committee and resolution numbers,
names such as "Rock-2024", file names, URLs, ordinals, quantities). Every tool gets the
same reference date per sentence (dateparser's ``RELATIVE_BASE``, datefinder's
``base_date``, our ``reference``).

Scoring, the same for every tool:

* *found*: an expected date is found when a mention of the tool overlaps its substring;
* *right value*: ... and that mention's (start) value agrees with the expected value at the
  expected precision (``2018-05`` is right for any day of May 2018, ``2024`` for any day of
  2024). Peers give no ranges, so a range counts as right when its start is right;
* *false positives*: mentions that overlap no expected date;
* *ms / 1k words*: time to run the tool paragraph by paragraph over the seed pages
  (``../shared/seeds`` or ``seeds/``) and the labelled sentences, per 1,000 words.

If dateparser or datefinder is not installed the script says how to install it
(``pip install dateparser datefinder``) and skips that peer.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus_cli.dates import find_dates  # noqa: E402

# (sentence, reference, [(substring, expected value), ...]); ranges give their start value.
LABELLED: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("On 20 December, a joint training session was held between the duty shifts.",
     "2024-12-21", [("20 December", "2024-12-20")]),
    ("On 10 and 11 December, the Joint Staff hosted videoconference consultations.",
     "2024-12-12", [("10 and 11 December", "2024-12-10")]),
    ("The organization of joint training activities in 2026 was discussed.", "2024-12-12",
     [("2026", "2026")]),
    ("On December 11, 2024, the Deputy Secretary General held a meeting.", "2024-12-11",
     [("December 11, 2024", "2024-12-11")]),
    ("He met the Monitoring Group of the Sanctions Committees 1267/1989/2253 on ISIS.",
     "2024-12-11", []),
    ("The Group supports the Committee on ISIS and \u201cAl-Qaeda\u201d and 1988 on the "
     "Taliban Movement.", "2024-12-11", []),
    ("The 40th meeting of the Working Group on Afghanistan was held in Moscow.",
     "2024-12-11", []),
    ("09.06.2018On June 9, 2018, in Qingdao, a meeting of senior executives was held.",
     "2018-06-09", [("09.06.2018", "2018-06-09"), ("June 9, 2018", "2018-06-09")]),
    ("The Memorandum of Understanding signed in May 2018 on cooperation was welcomed.",
     "2018-06-09", [("May 2018", "2018-05")]),
    ("They are partner organizations (from April 2005 and from October 2007, respectively).",
     "2018-06-09", [("April 2005", "2005-04"), ("October 2007", "2007-10")]),
    ("15.05.202415 May marks the 32nd anniversary of the Collective Security Treaty.",
     "2024-05-15", [("15.05.2024", "2024-05-15"), ("15 May", "2024-05-15")]),
    ("A historic decision was taken in 2002 to give the Treaty a new status.", "2024-05-15",
     [("2002", "2002")]),
    ("The situation in Kazakhstan was stabilized in January 2022.", "2024-05-15",
     [("January 2022", "2022-01")]),
    ("Guided by the Strategy for the period up to 2025, the states expand cooperation.",
     "2024-05-15", [("2025", "2025")]),
    ("This year, a set of joint trainings will be held in Central Asia.", "2024-05-15",
     [("This year", "2024")]),
    ("The Council of Foreign Ministers meets in May-June 2024 in Astana.", "2024-05-15",
     [("May-June 2024", "2024-05")]),
    ("Source: https://www.mid.ru/ru/foreign_policy/news/1950668/", "2024-05-15", []),
    ("A meeting of the Working Group was held on 17-18 April 2024 in Moscow.", "2024-04-18",
     [("17-18 April 2024", "2024-04-17")]),
    ("18.04.2024The meeting was held under the chairmanship of the Secretary.", "2024-04-18",
     [("18.04.2024", "2024-04-18")]),
    ("The decisions of the XXI meeting held in April 2023 in Dushanbe were reviewed.",
     "2024-04-18", [("April 2023", "2023-04")]),
    ("Issues will go to the XXII meeting in September this year in Bishkek.", "2024-04-18",
     [("September this year", "2024-09")]),
    ("In addition, the draft Work Plan of the Commission for 2025 was agreed upon.",
     "2024-04-18", [("2025", "2025")]),
    ("On June 6, 2024, in Almaty, a meeting of the Committee of Secretaries was held.",
     "2024-06-06", [("June 6, 2024", "2024-06-06")]),
    ("Встреча Генска ОДКБ в Циндао 9.06.2018.jpg", "2018-06-09", []),
    ("05.09.2024", "2024-09-05", [("05.09.2024", "2024-09-05")]),
    ("The Secretary General attended the final stage of the training \u201cRock-2024\u201d.",
     "2024-09-05", []),
    ("From 3 to 6 September, units of the \u201cInteraction-2024\u201d and \u201cSearch-2024"
     "\u201d trainings are regrouping.", "2024-09-04", [("From 3 to 6 September",
                                                       "2024-09-03")]),
    ("Issues are being worked out in the period from 3 to 4 September in Moscow.",
     "2024-09-04", [("from 3 to 4 September", "2024-09-03")]),
    ("On September 3, 2024 in Moscow, under the Plan for 2022-2024 (item 7), consultations "
     "on the 79th session were held.", "2024-09-04",
     [("September 3, 2024", "2024-09-03"), ("2022-2024", "2022")]),
    ("The Chief of the Joint Staff has today given a briefing to the press.", "2024-08-29",
     [("today", "2024-08-29")]),
    ("On February 16, 2022, in Moscow, the Joint Position was signed.", "2022-02-16",
     [("February 16, 2022", "2022-02-16")]),
    ("WhatsApp Image 2022-02-16 at 14.07.35.jpegThe document declares common approaches.",
     "2022-02-16", []),
    ("The Parties support UN Security Council resolution 2354 (2017) on countering terrorism.",
     "2022-02-16", [("2017", "2017")]),
    ("Photo: IMG-20190301-WA0012.jpg", "2022-02-16", []),
    ("More than 2,000 people and 2000 servicemen took part; the column covered 2000 km.",
     "2024-09-05", []),
    ("The exercise cost $1500 per participant, about 2000 euros in total.", "2024-09-05", []),
    ("Tuesday, October 8, 2013 11:57 AM", "2013-10-08", [("Tuesday, October 8, 2013",
                                                         "2013-10-08")]),
    ("The plenary opens on Monday 5 May 2025, 14:30 in Minsk.", "2025-05-01",
     [("Monday 5 May 2025", "2025-05-05")]),
    ("From June 3 to 5, 2024, the command-staff exercise took place.", "2024-06-10",
     [("From June 3 to 5, 2024", "2024-06-03")]),
    ("The mission worked from 30 November to 2 December 2024 in Yerevan.", "2024-12-05",
     [("from 30 November to 2 December 2024", "2024-11-30")]),
    ("The ministers met on Sept. 5, 2024 in Bishkek.", "2024-09-06",
     [("Sept. 5, 2024", "2024-09-05")]),
    ("The protocol was signed on 05/09/2024 in Dushanbe.", "2024-09-06",
     [("05/09/2024", "2024-09-05")]),
    ("The report is dated 2024-09-05 and was published online.", "2024-09-06",
     [("2024-09-05", "2024-09-05")]),
    ("As reported yesterday, the delegation arrived in Astana.", "2024-09-06",
     [("yesterday", "2024-09-05")]),
    ("The agreement was ratified last year by all member states.", "2024-09-06",
     [("last year", "2023")]),
    ("The 9th of June 2018 marked a new stage of cooperation.", "2024-09-06",
     [("9th of June 2018", "2018-06-09")]),
    ("On 7 February, the Council of Defense Ministers met in Minsk.", "2025-02-10",
     [("7 February", "2025-02-07")]),
    ("Встреча прошла 5 сентября 2024 г. в Москве.", "2024-09-06",
     [("5 сентября 2024", "2024-09-05")]),
    ("The meeting adopted decisions No. 2019 and No. 2020 of the Council.", "2024-09-06", []),
    ("The 32nd anniversary of the Treaty is marked under item 12 of the agenda.",
     "2024-09-06", []),
    ("Since 1992 the Treaty has been extended twice, in 1999 and 2010.", "2024-09-06",
     [("1992", "1992"), ("1999", "1999"), ("2010", "2010")]),
    ("Peacekeepers were deployed in mid-2022 and withdrawn in early 2023.", "2024-09-06",
     [("2022", "2022"), ("2023", "2023")]),
    ("See www.csto.org/2024/05/ and write to press@csto2024.int for accreditation.",
     "2024-09-06", []),
    ("The headquarters received 1,988 letters and 2024 applications.", "2024-09-06", []),
]

Mention = tuple[int, int, str | None]  # start, end, ISO value (start of a range)
Tool = Callable[[str, str], list[Mention]]


def _locate(text: str, found: list[tuple[str, str | None]]) -> list[Mention]:
    """Offsets of (substring, value) pairs found in order (peers give no offsets)."""
    out: list[Mention] = []
    pos = 0
    for sub, value in found:
        i = text.find(sub, pos)
        if i < 0:
            i = text.find(sub)
        if i < 0:
            continue
        out.append((i, i + len(sub), value))
        pos = i + len(sub)
    return out


def ours(text: str, ref: str) -> list[Mention]:
    return [(m.start, m.end, m.value) for m in find_dates(text, ref)]


def make_dateparser() -> Tool | None:
    try:
        from dateparser.search import search_dates
    except ImportError:
        print("dateparser is not installed: pip install dateparser datefinder  (skipped)")
        return None

    def run(text: str, ref: str) -> list[Mention]:
        settings = {"RELATIVE_BASE": datetime.fromisoformat(ref), "DATE_ORDER": "DMY",
                    "PREFER_DATES_FROM": "past"}
        res = search_dates(text, languages=["en", "ru"], settings=settings) or []
        return _locate(text, [(s, d.date().isoformat()) for s, d in res])

    return run


def make_datefinder() -> Tool | None:
    try:
        import datefinder
    except ImportError:
        print("datefinder is not installed: pip install dateparser datefinder  (skipped)")
        return None

    def run(text: str, ref: str) -> list[Mention]:
        try:
            res = list(datefinder.find_dates(text, source=True,
                                             base_date=datetime.fromisoformat(ref)))
        except Exception:  # datefinder raises on some inputs (e.g. out-of-range numbers)
            return []
        return _locate(text, [(s, d.date().isoformat()) for d, s in res])

    return run


def score(tool: Tool, show: str | None = None) -> tuple[int, int, int, int]:
    expected = found = right = false_pos = 0
    for text, ref, labels in LABELLED:
        got = tool(text, ref)
        spans = []
        for sub, value in labels:
            i = text.find(sub)
            assert i >= 0, (sub, text)
            spans.append((i, i + len(sub), value))
        expected += len(spans)
        for s, e, value in spans:
            hits = [g for g in got if g[0] < e and s < g[1]]
            if hits:
                found += 1
                if any(g[2] is not None and g[2][:len(value)] == value for g in hits):
                    right += 1
                elif show:
                    print(f"  [{show}] wrong value {[g[2] for g in hits]} for {value!r}: {text}")
            elif show:
                print(f"  [{show}] missed {text[s:e]!r}: {text}")
        for g in got:
            if not any(g[0] < e and s < g[1] for s, e, _ in spans):
                false_pos += 1
                if show:
                    print(f"  [{show}] false positive {text[g[0]:g[1]]!r}: {text}")
    return expected, found, right, false_pos


def timing_texts() -> list[str]:
    paragraphs: list[str] = []
    for folder in (ROOT.parent / "shared" / "seeds", ROOT / "seeds"):
        if folder.is_dir():
            for path in sorted(folder.glob("*.txt")):
                text = path.read_text(encoding="utf-8", errors="replace")
                paragraphs.extend(p for p in text.splitlines() if p.strip())
            break
    paragraphs.extend(text for text, _, _ in LABELLED)
    return paragraphs


def time_per_1k_words(tool: Tool, paragraphs: list[str], repeat: int) -> float:
    words = sum(len(p.split()) for p in paragraphs)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for p in paragraphs:
            tool(p, "2024-09-05")
        best = min(best, time.perf_counter() - t0)
    return best * 1000 / words * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-peer", action="store_true", help="benchmark corpus_cli.dates only")
    ap.add_argument("--show-misses", action="store_true", help="print misses and false hits")
    ap.add_argument("--repeat", type=int, default=3, help="timing runs (best is kept)")
    args = ap.parse_args()

    tools: list[tuple[str, Tool]] = [("corpus_cli.dates", ours)]
    if not args.no_peer:
        for name, make in (("dateparser.search", make_dateparser),
                           ("datefinder", make_datefinder)):
            tool = make()
            if tool is not None:
                tools.append((name, tool))
    paragraphs = timing_texts()
    words = sum(len(p.split()) for p in paragraphs)
    n_labels = sum(len(labels) for _, _, labels in LABELLED)
    print(f"{len(LABELLED)} labelled sentences, {n_labels} expected dates; timing over "
          f"{len(paragraphs)} paragraphs, {words} words")
    print(f"{'tool':<20} {'found':>13} {'right value':>13} {'false pos.':>10} "
          f"{'ms / 1k words':>14}")
    for name, tool in tools:
        expected, found, right, false_pos = score(tool, name if args.show_misses else None)
        ms = time_per_1k_words(tool, paragraphs, args.repeat)
        print(f"{name:<20} {found:>3}/{expected:<3} {found / expected:>5.0%} "
              f"{right:>3}/{expected:<3} {right / expected:>5.0%} {false_pos:>10} {ms:>14.2f}")


if __name__ == "__main__":
    main()
