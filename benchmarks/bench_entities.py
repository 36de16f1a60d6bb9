"""Entity extraction: the built-in rules vs spaCy ``en_core_web_sm``, with ground truth.

    python benchmarks/bench_entities.py            # seeds + labelled sentences
    python benchmarks/bench_entities.py --repeat 50 --no-spacy
    python benchmarks/bench_entities.py --no-spacy -q --baseline eb3715e   # speed vs a commit

Two evaluations, each for the built-in extractor and (when installed) for spaCy:

* **Labelled sentences** (below, written for this benchmark in the style of the seeds):
  mention level. A found mention is right when its text and type are in the sentence's
  expected list (each expected mention counts once). Precision, recall and F1 per type
  and overall; the misses and the wrong finds are printed.
* **Seed pages** (project ``seeds/``) against the hand-made gold
  ``benchmarks/data/seed_entities_gold.json`` (every mention with its span, and the
  canonical entities with their aliases; its conventions are written in the file):
  mention level, exact span and type, per type (ORG exact-span F1 is the figure to watch);
  and canonical-entity level: an extracted entity is right when its mentions that are gold
  mentions of its type all belong to one gold entity, and no larger extracted entity has
  claimed that one already. Otherwise it is wrong: *not in the gold* (junk, or a partial
  name), a *split* (aliases of one entity left apart) or a wrong merge. The top 30
  entities are listed, those not in the gold marked.

Speed: milliseconds per 1,000 words (whitespace words) over the seed pages repeated
``--repeat`` times, and MB/s of text.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "benchmarks" / "data" / "seed_entities_gold.json"
sys.path.insert(0, str(ROOT))

import corpus_cli.entities as _this  # noqa: E402
from corpus_cli.entities import SPACY_INSTALL_HINT, extract, find_mentions  # noqa: E402
from corpus_cli.errors import CorpusError  # noqa: E402

TYPES = ("PERSON", "ORG", "PLACE", "EVENT")

# (sentence, [(mention text, type), ...]) -- every name, place, organisation and event.
LABELLED: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "On 12 May 2025, the CSTO Secretary General Bakhyt Sarsenov met with the Foreign "
        "Minister of the Republic of Belarus Maxim Ryzhenkov in Minsk.",
        [("CSTO", "ORG"), ("Bakhyt Sarsenov", "PERSON"), ("Republic of Belarus", "PLACE"),
         ("Maxim Ryzhenkov", "PERSON"), ("Minsk", "PLACE")],
    ),
    (
        "During the meeting, the parties discussed preparations for the joint exercise "
        "“Indestructible Brotherhood-2025” in the Kyrgyz Republic.",
        [("Indestructible Brotherhood-2025", "EVENT"), ("Kyrgyz Republic", "PLACE")],
    ),
    (
        "The Council of Foreign Ministers of the Shanghai Cooperation Organisation (SCO) "
        "will meet in Astana.",
        [("Council of Foreign Ministers of the Shanghai Cooperation Organisation", "ORG"),
         ("Shanghai Cooperation Organisation", "ORG"), ("SCO", "ORG"), ("Astana", "PLACE")],
    ),
    (
        "Colonel-General Anatoly Sidorenko, Chief of the Joint Staff, presented a report to "
        "the Committee of Secretaries of Security Councils.",
        [("Anatoly Sidorenko", "PERSON"), ("Joint Staff", "ORG"),
         ("Committee of Secretaries of Security Councils", "ORG")],
    ),
    (
        "Within the framework of the visit, Deputy Secretary General Olga Marchenko visited "
        "the Crisis Response Centre in Yerevan.",
        [("Olga Marchenko", "PERSON"), ("Crisis Response Centre", "ORG"), ("Yerevan", "PLACE")],
    ),
    (
        "As noted by the Head of the Anti-Terrorist Center of the CIS member states, Yevgeny "
        "Sorokin, the threat remains high.",
        [("Anti-Terrorist Center of the CIS", "ORG"), ("CIS", "ORG"),
         ("Yevgeny Sorokin", "PERSON")],
    ),
    (
        "The UNODC and the OSCE Programme Office in Dushanbe presented a joint report.",
        [("UNODC", "ORG"), ("OSCE Programme Office", "ORG"), ("OSCE", "ORG"),
         ("Dushanbe", "PLACE")],
    ),
    (
        "Representatives of the Ministry of Emergency Situations of the Republic of "
        "Kazakhstan took part in the training.",
        [("Ministry of Emergency Situations of the Republic of Kazakhstan", "ORG")],
    ),
    (
        "It was attended by Ivan Petrov and Igor Petrov, experts of the Collective Security "
        "Treaty Organization.",
        [("Ivan Petrov", "PERSON"), ("Igor Petrov", "PERSON"),
         ("Collective Security Treaty Organization", "ORG")],
    ),
    (
        "According to Secretary-General Antonio Guterres, the 80th session of the UN General "
        "Assembly will focus on peace.",
        [("Antonio Guterres", "PERSON"), ("80th session of the UN General Assembly", "EVENT"),
         ("UN General Assembly", "ORG"), ("UN", "ORG")],
    ),
    (
        "Russian President Vladimir Putin and Chinese President Xi Jinping held talks in "
        "Beijing on Tuesday.",
        [("Vladimir Putin", "PERSON"), ("Xi Jinping", "PERSON"), ("Beijing", "PLACE")],
    ),
    (
        "The European Union imposed new sanctions, the Foreign Ministry spokesperson Maria "
        "Zakharova said.",
        [("European Union", "ORG"), ("Foreign Ministry", "ORG"), ("Maria Zakharova", "PERSON")],
    ),
    (
        "Генеральный секретарь ОДКБ Иван Сидоренко провёл встречу в Москве.",
        [("ОДКБ", "ORG"), ("Иван Сидоренко", "PERSON"), ("Москве", "PLACE")],
    ),
    (
        "In an interview, Stanislav ZAREMBA, the Director of the Regional Anti-Terrorist "
        "Structure, said the SCO summit would be held in July.",
        [("Stanislav ZAREMBA", "PERSON"), ("Regional Anti-Terrorist Structure", "ORG"),
         ("SCO summit", "EVENT"), ("SCO", "ORG")],
    ),
    (
        "The delegation of the International Committee of the Red Cross (ICRC) was received "
        "by T. Abdullayev.",
        [("International Committee of the Red Cross", "ORG"), ("ICRC", "ORG"),
         ("T. Abdullayev", "PERSON")],
    ),
    (
        "This year, the CSTO Parliamentary Assembly and the Council of Europe held a joint "
        "seminar in Strasbourg.",
        [("CSTO Parliamentary Assembly", "ORG"), ("CSTO", "ORG"), ("Council of Europe", "ORG"),
         ("Strasbourg", "PLACE")],
    ),
    (
        "Prime Minister Shehbaz Sharif arrived in Islamabad after the Shanghai summit.",
        [("Shehbaz Sharif", "PERSON"), ("Islamabad", "PLACE"), ("Shanghai summit", "EVENT")],
    ),
    (
        "The World Health Organization warned that the outbreak in West Africa is spreading.",
        [("World Health Organization", "ORG"), ("West Africa", "PLACE")],
    ),
    (
        "Minister of Defence of Armenia Suren Papikyan and Azerbaijani Foreign Minister "
        "Jeyhun Bayramov met in Geneva.",
        [("Armenia", "PLACE"), ("Suren Papikyan", "PERSON"), ("Jeyhun Bayramov", "PERSON"),
         ("Geneva", "PLACE")],
    ),
    (
        "The Interstate Council for Emergency Situations (ICES) approved the plan; the ICES "
        "chairman thanked the Center for Emergency Response.",
        [("Interstate Council for Emergency Situations", "ORG"), ("ICES", "ORG"),
         ("ICES", "ORG"), ("Center for Emergency Response", "ORG")],
    ),
    (
        "On June 3, the Rapid Reaction Forces completed the Cooperation-2025 drills near Lake "
        "Issyk-Kul.",
        [("Rapid Reaction Forces", "ORG"), ("Cooperation-2025", "EVENT"),
         ("Lake Issyk-Kul", "PLACE")],
    ),
    (
        "The NATO Secretary General Mark Rutte visited Kyiv.",
        [("NATO", "ORG"), ("Mark Rutte", "PERSON"), ("Kyiv", "PLACE")],
    ),
    ("Back to the section", []),
    ("Go back", []),
    (
        "The Parties attach importance to the Memorandum of Understanding signed in Moscow.",
        [("Moscow", "PLACE")],
    ),
    (
        "Anna Lebedeva, a senior adviser at the Ministry of Foreign Affairs of Uzbekistan, "
        "told reporters in Tashkent.",
        [("Anna Lebedeva", "PERSON"), ("Ministry of Foreign Affairs of Uzbekistan", "ORG"),
         ("Tashkent", "PLACE")],
    ),
    (
        "Mr. Harrington, head of the European Bank for Reconstruction and Development, spoke "
        "at the forum.",
        [("Harrington", "PERSON"), ("European Bank for Reconstruction and Development", "ORG")],
    ),
    (
        "A meeting of the Board of Heads of Border Services was held under the chairmanship "
        "of Kazakhstan.",
        [("Board of Heads of Border Services", "ORG"), ("Kazakhstan", "PLACE")],
    ),
    (
        "Участники учений «Взаимодействие-2025» прибыли в Бишкек.",
        [("Взаимодействие-2025", "EVENT"), ("Бишкек", "PLACE")],
    ),
    (
        "Thanks to the efforts of the Coordination Council of Heads of Competent Authorities, "
        "the operation “Channel – Rubicon” was completed.",
        [("Coordination Council of Heads of Competent Authorities", "ORG")],
    ),
    (
        "The document was signed by Ambassador Dmitry Lobanov and by Nursultan Abenov, the "
        "Deputy Minister of Internal Affairs.",
        [("Dmitry Lobanov", "PERSON"), ("Nursultan Abenov", "PERSON")],
    ),
    (
        "Experts from Turkmenistan, Uzbekistan and the United Arab Emirates attended the "
        "Astana International Forum.",
        [("Turkmenistan", "PLACE"), ("Uzbekistan", "PLACE"), ("United Arab Emirates", "PLACE"),
         ("Astana International Forum", "EVENT")],
    ),
]

# Written after the rules were tuned on LABELLED and never used to tune them: a fairer
# (if small) estimate on unseen text. Same format.
HELDOUT: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Kazakh Foreign Minister Murat Nurtleu and his Kyrgyz counterpart Zheenbek Kulubaev "
        "signed the border agreement in Bishkek on Monday.",
        [("Murat Nurtleu", "PERSON"), ("Zheenbek Kulubaev", "PERSON"), ("Bishkek", "PLACE")],
    ),
    (
        "The International Atomic Energy Agency (IAEA) said inspectors had returned to the "
        "Zaporizhzhia plant.",
        [("International Atomic Energy Agency", "ORG"), ("IAEA", "ORG"),
         ("Zaporizhzhia", "PLACE")],
    ),
    (
        "Lieutenant-General Akylbek Dzhumabaev inspected units of the 201st Military Base in "
        "Tajikistan.",
        [("Akylbek Dzhumabaev", "PERSON"), ("Tajikistan", "PLACE")],
    ),
    (
        "Delegations from Iran, Iraq and Syria attended the conference hosted by the Arab "
        "League in Cairo.",
        [("Iran", "PLACE"), ("Iraq", "PLACE"), ("Syria", "PLACE"), ("Arab League", "ORG"),
         ("Cairo", "PLACE")],
    ),
    (
        "The head of the Russian Emergencies Ministry, Alexander Kurenkov, arrived in "
        "Ulaanbaatar.",
        [("Russian Emergencies Ministry", "ORG"), ("Alexander Kurenkov", "PERSON"),
         ("Ulaanbaatar", "PLACE")],
    ),
    (
        "Speaking at the St. Petersburg International Economic Forum, Vladimir Ilyin said "
        "that sanctions had failed.",
        [("St. Petersburg International Economic Forum", "EVENT"),
         ("Vladimir Ilyin", "PERSON")],
    ),
    (
        "Officers of the State Border Service of Ukraine detained a smuggler near Odesa.",
        [("State Border Service of Ukraine", "ORG"), ("Odesa", "PLACE")],
    ),
    (
        "Observers from the OSCE Office for Democratic Institutions and Human Rights "
        "monitored the vote.",
        [("OSCE Office for Democratic Institutions and Human Rights", "ORG"), ("OSCE", "ORG")],
    ),
    (
        "Nikolai Bordyuzha and Valery Semerikov were the first secretaries general of the "
        "organization.",
        [("Nikolai Bordyuzha", "PERSON"), ("Valery Semerikov", "PERSON")],
    ),
    (
        "The BRICS summit in Kazan brought together leaders of Brazil, India and South Africa.",
        [("BRICS summit", "EVENT"), ("BRICS", "ORG"), ("Kazan", "PLACE"), ("Brazil", "PLACE"),
         ("India", "PLACE"), ("South Africa", "PLACE")],
    ),
    (
        "Police in the city of Osh arrested members of Hizb ut-Tahrir, the Interior Ministry "
        "reported.",
        [("Osh", "PLACE"), ("Hizb ut-Tahrir", "ORG"), ("Interior Ministry", "ORG")],
    ),
    (
        "Major General Tom Wilson, commander of Central Command, visited Qatar.",
        [("Tom Wilson", "PERSON"), ("Central Command", "ORG"), ("Qatar", "PLACE")],
    ),
    (
        "Ms. Aigerim Tokayeva of the Eurasian Development Bank presented the forecast.",
        [("Aigerim Tokayeva", "PERSON"), ("Eurasian Development Bank", "ORG")],
    ),
    (
        "Fighting in Nagorno-Karabakh ended after Azerbaijan regained control of the region.",
        [("Nagorno-Karabakh", "PLACE"), ("Azerbaijan", "PLACE")],
    ),
    (
        "The exercise Zapad-2025 involved troops from Russia and Belarus.",
        [("Zapad-2025", "EVENT"), ("Russia", "PLACE"), ("Belarus", "PLACE")],
    ),
]

def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def eval_sentences(name: str, labelled, docs: list[list], verbose: bool, title: str) -> None:
    per_type = {t: [0, 0, 0] for t in TYPES}
    misses, wrong = [], []
    for (sentence, gold), mentions in zip(labelled, docs, strict=True):
        want = Counter(gold)
        got = Counter((m.text, m.type) for m in mentions)
        for key, n in got.items():
            ok = min(n, want.get(key, 0))
            per_type[key[1]][0] += ok
            per_type[key[1]][1] += n - ok
            if n > ok:
                wrong.append((key, sentence))
        for key, n in want.items():
            miss = n - min(n, got.get(key, 0))
            per_type[key[1]][2] += miss
            if miss:
                misses.append((key, sentence))
    print(f"\n[{name}] {title} ({len(labelled)}), mention level")
    tot = [0, 0, 0]
    for t in TYPES:
        tp, fp, fn = per_type[t]
        tot = [a + b for a, b in zip(tot, per_type[t], strict=True)]
        p, r, f = prf(tp, fp, fn)
        print(f"  {t:7} P={p:.2f} R={r:.2f} F1={f:.2f}  (tp={tp} fp={fp} fn={fn})")
    p, r, f = prf(*tot)
    print(f"  {'all':7} P={p:.2f} R={r:.2f} F1={f:.2f}  (tp={tot[0]} fp={tot[1]} fn={tot[2]})")
    if verbose:
        for (text, typ), sentence in misses:
            print(f"    missed {typ:6} {text!r}   <- {sentence[:60]!r}")
        for (text, typ), sentence in wrong:
            print(f"    wrong  {typ:6} {text!r}   <- {sentence[:60]!r}")


def load_gold() -> dict:
    return json.loads(GOLD.read_text(encoding="utf-8"))


def eval_seed_gold(name: str, pages: list[str], docs: list[list], entities: list,
                   gold: dict, verbose: bool, top: int = 30) -> dict:
    """Mention spans and canonical entities of the seed pages against the hand-made gold."""
    gold_span: dict[tuple, tuple[str, str]] = {}  # (page, start, end) -> (type, entity id)
    for page, ms in gold["pages"].items():
        for start, end, _text, eid in ms:
            gold_span[(page, start, end)] = (gold["entities"][eid]["type"], eid)
    # mention level, exact spans, per type
    found = {(page, m.start, m.end, m.type): m for page, ms in zip(pages, docs, strict=True)
             for m in ms}
    want = {(p, s, e, t) for (p, s, e), (t, _) in gold_span.items()}
    print(f"\n[{name}] seed pages, mention level (exact span and type), "
          f"{len(want)} gold mentions")
    scores = {}
    for t in (*TYPES, "all"):
        got_t = {k for k in found if t in ("all", k[3])}
        want_t = {k for k in want if t in ("all", k[3])}
        tp = len(got_t & want_t)
        p_, r_, f_ = prf(tp, len(got_t) - tp, len(want_t) - tp)
        scores[t] = f_
        print(f"  {t:7} P={p_:.2f} R={r_:.2f} F1={f_:.2f}  (tp={tp} fp={len(got_t) - tp} "
              f"fn={len(want_t) - tp})")
    if verbose:
        gold_text = {(p, s, e): t for p, ms in gold["pages"].items() for s, e, t, _ in ms}
        for k in sorted(want - set(found), key=lambda k: (k[0], k[1])):
            print(f"    missed {k[3]:6} {k[0][:3]} {k[1]:5} {gold_span[k[:3]][1]:14} "
                  f"{gold_text[k[:3]]!r}")
        for k in sorted(set(found) - want, key=lambda k: (k[0], k[1])):
            print(f"    wrong  {k[3]:6} {k[0][:3]} {k[1]:5} {found[k].text!r}")
    # entity level: an entity is right when its mentions that are gold mentions of its type
    # all belong to one gold entity, not claimed by a larger entity already
    mentions_of: dict[tuple[str, str], list] = {}
    for page, ms in zip(pages, docs, strict=True):
        for m in ms:
            mentions_of.setdefault((m.canonical, m.type), []).append((page, m.start, m.end))
    claimed: dict[str, str] = {}
    wrong = []
    for e in entities:
        ids = {gold_span[sp][1] for sp in mentions_of.get((e.name, e.type), [])
               if sp in gold_span and gold_span[sp][0] == e.type}
        if len(ids) == 1 and next(iter(ids)) not in claimed:
            claimed[next(iter(ids))] = e.name
        else:
            if not ids:
                why = "not in the gold"
            elif len(ids) > 1:
                why = "merges " + ", ".join(sorted(ids))
            else:
                why = f"split of {next(iter(ids))}"
            wrong.append((e, why))
    n_gold = len(gold["entities"])
    tp = len(claimed)
    p_, r_, f_ = prf(tp, len(wrong), n_gold - tp)
    scores["entity"] = f_
    print(f"\n[{name}] seed pages, canonical entities: {len(entities)} found, {n_gold} in "
          "the gold")
    print(f"  P={p_:.2f} R={r_:.2f} F1={f_:.2f}  (right={tp} wrong={len(wrong)} "
          f"missed={n_gold - tp})")
    if verbose:
        for eid, g in gold["entities"].items():
            if eid not in claimed:
                print(f"    missed {g['type']:6} {g['name']!r}")
        for e, why in wrong:
            print(f"    wrong  {e.type:6} {e.name!r} ({why}) {list(e.aliases)}")
    bad = {e.name for e, why in wrong if why == "not in the gold"}
    head = entities[:top]
    junk = [e.name for e in head if e.name in bad]
    scores["junk"] = len(junk)
    print(f"  top {top}: {len(junk)} not in the gold " + (f"{junk}" if junk else "") + "\n    "
          + "; ".join(f"{e.name} ({e.type}, {e.mentions})" for e in head))
    return scores


def timing(name: str, fn, texts: list[str], repeat: int) -> None:
    words = sum(len(t.split()) for t in texts) * repeat
    chars = sum(len(t) for t in texts) * repeat
    start = time.perf_counter()
    for _ in range(repeat):
        fn(texts)
    dt = time.perf_counter() - start
    print(f"  {name:8} {dt * 1000 / (words / 1000):7.2f} ms per 1,000 words   "
          f"{chars / 1e6 / dt:6.2f} MB/s   ({words:,} words in {dt:.2f} s)")


def spacy_docs(texts: list[str]):
    entities, docs = extract(texts, backend="spacy")
    return entities, docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=20, help="seed passes for the timing")
    ap.add_argument("--no-spacy", action="store_true", help="skip the spaCy comparison")
    ap.add_argument("-q", "--quiet", action="store_true", help="no lists of misses")
    ap.add_argument("--baseline", metavar="REF",
                    help="also time the single-file entity module of this git commit")
    ap.add_argument("--runs", type=int, default=5, help="alternating runs for --baseline")
    args = ap.parse_args()
    verbose = not args.quiet

    gold = load_gold()
    seed_paths = sorted((ROOT / "seeds").glob("*.txt"))
    pages = [p.name for p in seed_paths]
    seeds = [p.read_text(encoding="utf-8") for p in seed_paths]
    sentences = [s for s, _ in LABELLED]
    heldout = [s for s, _ in HELDOUT]
    print(f"seed pages: {len(seeds)} ({sum(len(t.split()) for t in seeds):,} words); "
          f"labelled sentences: {len(sentences)} tuned + {len(heldout)} held out")

    eval_sentences("builtin", LABELLED, [find_mentions(s) for s in sentences], verbose,
                   "labelled sentences, used for tuning")
    eval_sentences("builtin", HELDOUT, [find_mentions(s) for s in heldout], verbose,
                   "held-out sentences")
    entities, docs = extract(seeds)
    eval_seed_gold("builtin", pages, docs, entities, gold, verbose)

    backends = [("builtin", lambda ts: extract(ts))]
    spacy_ok = False
    if not args.no_spacy:
        try:
            _, sdocs = spacy_docs(sentences)
            spacy_ok = True
        except CorpusError as exc:
            print(f"\n[spacy] skipped: {exc}")
            print(f"  to compare, install it: {SPACY_INSTALL_HINT}")
    if spacy_ok:
        eval_sentences("spacy", LABELLED, sdocs, verbose, "labelled sentences, used for tuning")
        _, hdocs = spacy_docs(heldout)
        eval_sentences("spacy", HELDOUT, hdocs, verbose, "held-out sentences")
        sentities, sdocs = spacy_docs(seeds)
        eval_seed_gold("spacy", pages, sdocs, sentities, gold, verbose)
        backends.append(("spacy", lambda ts: extract(ts, backend="spacy")))

    print(f"\nspeed over the seed pages x{args.repeat} (find + merge):")
    for name, fn in backends:
        timing(name, fn, seeds, args.repeat if name == "builtin" else max(1, args.repeat // 10))
    big = "\n".join(seeds) * 50
    start = time.perf_counter()
    find_mentions(big)
    dt = time.perf_counter() - start
    print(f"  one {len(big) / 1e6:.2f} MB text through find_mentions: {dt:.2f} s "
          f"({len(big) / 1e6 / dt:.2f} MB/s)")
    if args.baseline:
        compare(args.baseline, seeds, big, args.repeat, args.runs)


def load_baseline(ref: str):
    """The entity module of an earlier commit (a single corpus_cli/entities.py), loaded as
    a module of its own, to time it in the same run."""
    import subprocess
    import types

    out = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:corpus_cli/entities.py"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench_entities: no corpus_cli/entities.py at {ref}: {out.stderr.strip()}")
    mod = types.ModuleType("baseline_entities")
    exec(compile(out.stdout, f"{ref}:corpus_cli/entities.py", "exec"), mod.__dict__)
    return mod


def compare(ref: str, seeds: list[str], big: str, repeat: int, runs: int) -> None:
    """CPU time of this version and of ``ref``, run after run (the best of ``runs``):
    find + merge over the seeds, find_mentions on each seed paragraph (what the pipeline
    does for each item), and on one long text."""
    base = load_baseline(ref)
    paras = [p for t in seeds for p in t.split("\n") if p.strip()]
    cases = {
        f"find + merge, seeds x{repeat}": lambda m: [m.extract(seeds) for _ in range(repeat)],
        f"find_mentions per paragraph, x{repeat}": lambda m: [
            m.find_mentions(p) for _ in range(repeat) for p in paras],
        f"find_mentions, one {len(big) / 1e6:.2f} MB text": lambda m: m.find_mentions(big),
    }
    best: dict[tuple[str, str], float] = {}
    for _ in range(runs):
        for case, fn in cases.items():
            for name, mod in (("this", _this), (ref, base)):
                start = time.process_time()
                fn(mod)
                dt = time.process_time() - start
                best[(case, name)] = min(best.get((case, name), dt), dt)
    print(f"\nthis version against {ref} (CPU seconds, best of {runs} alternating runs):")
    for case in cases:
        a, b = best[(case, "this")], best[(case, ref)]
        print(f"  {case:40} this {a:6.3f}  {ref} {b:6.3f}  ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
