"""Entity extraction: the built-in rules vs spaCy ``en_core_web_sm``, with ground truth.

    python benchmarks/bench_entities.py            # seeds + labelled sentences
    python benchmarks/bench_entities.py --repeat 50 --no-spacy

Two evaluations, each for the built-in extractor and (when installed) for spaCy:

* **Labelled sentences** (below, written for this benchmark in the style of the seeds):
  mention level. A found mention is right when its text and type are in the sentence's
  expected list (each expected mention counts once). Precision, recall and F1 per type
  and overall; the misses and the wrong finds are printed.
* **Seed pages** (project ``seeds/``): entity level, after :func:`merge_entities`. Each
  expected entity is a set of aliases and a type; it is found when some entity of that
  type has one of the aliases. An extracted entity matching no expected one is a wrong
  find; an expected entity matched by more than one extracted entity is a *split*
  (aliases that were not merged).

Speed: milliseconds per 1,000 words (whitespace words) over the seed pages repeated
``--repeat`` times, and MB/s of text.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
        [("Council of Foreign Ministers", "ORG"), ("Shanghai Cooperation Organisation", "ORG"),
         ("SCO", "ORG"), ("Astana", "PLACE")],
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
        [("Anti-Terrorist Center", "ORG"), ("CIS", "ORG"), ("Yevgeny Sorokin", "PERSON")],
    ),
    (
        "The UNODC and the OSCE Programme Office in Dushanbe presented a joint report.",
        [("UNODC", "ORG"), ("OSCE", "ORG"), ("Programme Office", "ORG"), ("Dushanbe", "PLACE")],
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
         ("UN", "ORG"), ("General Assembly", "ORG")],
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
        [("CSTO", "ORG"), ("Parliamentary Assembly", "ORG"), ("Council of Europe", "ORG"),
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
        [("OSCE", "ORG"), ("Office for Democratic Institutions and Human Rights", "ORG")],
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

# Expected entities of the seed pages: (type, aliases). Any alias may be the found name.
SEED_ENTITIES: list[tuple[str, set[str]]] = [
    ("ORG", {"CSTO", "Collective Security Treaty Organization", "ОДКБ"}),
    ("ORG", {"SCO", "Shanghai Cooperation Organization", "ШОС"}),
    ("ORG", {"CIS", "Commonwealth of Independent States", "СНГ"}),
    ("ORG", {"UN", "United Nations"}),
    ("ORG", {"Crisis Response Center", "Crisis Response Centre"}),
    ("ORG", {"Joint Staff"}),
    ("ORG", {"Monitoring Group", "MG"}),
    ("ORG", {"Security Council Sanctions Committees", "UN Security Council Sanctions Committees"}),
    ("ORG", {"Taliban Movement"}),
    ("ORG", {"Al-Qaeda"}),
    ("ORG", {"Working Group on Afghanistan"}),
    ("ORG", {"Ministerial Council", "CSTO Ministerial Council"}),
    ("ORG", {"UNOCT"}),
    ("ORG", {"UNRCCA"}),
    ("ORG", {"ATC", "CIS ATC", "Antiterrorist Center", "Anti-Terrorist Center"}),
    ("ORG", {"Coordination Service"}),
    ("ORG", {"Council of Commanders of Border Troops"}),
    ("ORG", {"RATS", "SCO RATS", "Regional Antiterrorist Structure",
             "Regional Anti-Terrorist Structure"}),
    ("ORG", {"ICRC"}),
    ("ORG", {"ISIS"}),
    ("ORG", {"Executive Committee"}),
    ("ORG", {"Collective Security Forces"}),
    ("ORG", {"Collective Rapid Reaction Forces"}),
    ("ORG", {"Council of Defense Ministers"}),
    ("ORG", {"Committee of Secretaries of Security Council"}),
    ("ORG", {"Council of Foreign Ministers"}),
    ("ORG", {"Interstate Commission on Military-Economic Cooperation", "ICMEC",
             "Intestate Commission on Military-Economic Cooperation"}),
    ("ORG", {"Working Group on Military-Economic Cooperation"}),
    ("ORG", {"General Assembly", "UN General Assembly"}),
    ("ORG", {"Security Council", "UN Security Council"}),
    ("ORG", {"Sputnik Armenia"}),
    ("ORG", {"Cronos.Asia"}),
    ("PERSON", {"Taalatbek Masadykov", "T. Masadykov"}),
    ("PERSON", {"S. Ordabayev"}),
    ("PERSON", {"Yuri Khachaturov", "Yury Khachaturov"}),
    ("PERSON", {"Sergey Lebedev"}),
    ("PERSON", {"Rashid Alimov"}),
    ("PERSON", {"Imangali Tasmagambetov"}),
    ("PERSON", {"Ararat Mirzoyan"}),
    ("PERSON", {"Viktor Zinoviev"}),
    ("PERSON", {"Andrei Nikolaevich Serdyukov"}),
    ("PERSON", {"Ruslan Mirzaev"}),
    ("PERSON", {"Yevgeny Sysoyev"}),
    ("PERSON", {"Stanislav Zas"}),
    ("PLACE", {"Qingdao", "Циндао"}),
    ("PLACE", {"China", "People's Republic of China"}),
    ("PLACE", {"Russia"}),
    ("PLACE", {"Armenia"}),
    ("PLACE", {"Belarus"}),
    ("PLACE", {"Kazakhstan", "Republic of Kazakhstan"}),
    ("PLACE", {"Tajikistan", "Republic of Tajikistan"}),
    ("PLACE", {"Kyrgyzstan", "Kyrgyz Republic"}),
    ("PLACE", {"Central Asia"}),
    ("PLACE", {"Moscow"}),
    ("PLACE", {"Almaty"}),
    ("PLACE", {"Dushanbe"}),
    ("PLACE", {"Rock City-Astana"}),
    ("EVENT", {"SCO summit"}),
    ("EVENT", {"40th meeting of the Working Group on Afghanistan"}),
    ("EVENT", {"Rock-2024"}),
    ("EVENT", {"Interaction-2024"}),
    ("EVENT", {"Search-2024"}),
    ("EVENT", {"Echelon-2024"}),
    ("EVENT", {"79th session of the UN General Assembly"}),
    ("EVENT", {"XXI ICMEC meeting"}),
    ("EVENT", {"XXII meeting of the Commission"}),
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


def eval_seeds(name: str, entities: list, verbose: bool) -> None:
    found = Counter()
    wrong = []
    for e in entities:
        names = set(e.aliases) | {e.name}
        hits = [i for i, (t, al) in enumerate(SEED_ENTITIES) if t == e.type and names & al]
        for i in hits:
            found[i] += 1
        if not hits:
            wrong.append(e)
    tp = len(found)
    fn = len(SEED_ENTITIES) - tp
    fp = len(wrong)
    splits = [i for i, n in found.items() if n > 1]
    p, r, f = prf(len(entities) - fp, fp, fn)
    print(f"\n[{name}] seed pages, entity level: {len(entities)} entities, expected "
          f"{len(SEED_ENTITIES)}")
    print(f"  P={p:.2f} R={r:.2f} F1={f:.2f}  found={tp} missed={fn} wrong={fp} "
          f"split={len(splits)}")
    if verbose:
        for i, (t, al) in enumerate(SEED_ENTITIES):
            if i not in found:
                print(f"    missed {t:6} {sorted(al)}")
        for i in splits:
            print(f"    split  {SEED_ENTITIES[i][0]:6} {sorted(SEED_ENTITIES[i][1])}")
        for e in wrong:
            print(f"    wrong  {e.type:6} {e.name!r} {list(e.aliases)}")


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
    args = ap.parse_args()
    verbose = not args.quiet

    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    sentences = [s for s, _ in LABELLED]
    heldout = [s for s, _ in HELDOUT]
    print(f"seed pages: {len(seeds)} ({sum(len(t.split()) for t in seeds):,} words); "
          f"labelled sentences: {len(sentences)} tuned + {len(heldout)} held out")

    eval_sentences("builtin", LABELLED, [find_mentions(s) for s in sentences], verbose,
                   "labelled sentences, used for tuning")
    eval_sentences("builtin", HELDOUT, [find_mentions(s) for s in heldout], verbose,
                   "held-out sentences")
    entities, _ = extract(seeds)
    eval_seeds("builtin", entities, verbose)

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
        sentities, _ = spacy_docs(seeds)
        eval_seeds("spacy", sentities, verbose)
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


if __name__ == "__main__":
    main()
