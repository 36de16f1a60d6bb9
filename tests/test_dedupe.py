from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_cli.clean import clean_page, clean_pages
from corpus_cli.dedupe import DedupeConfig, cluster_texts, dedupe, normalize
from corpus_cli.models import Page

BASE = (
    "The delegations discussed the preparation of the joint exercise planned for the autumn "
    "and agreed to exchange information on the readiness of the rescue units of the states."
)
OTHER = (
    "A new shipping route between the two ports will open in spring, the ministry of transport "
    "said on Friday, adding that the first ferry would carry both passengers and freight."
)


def paras(*pages_text: str):
    out = []
    pages_ = [Page(f"p{i}.txt", text, "utf-8", str(i), len(text))
              for i, text in enumerate(pages_text)]
    for cp in clean_pages(pages_):
        out.extend(cp.paragraphs)
    return out


def test_normalize_ignores_case_punctuation_space():
    assert normalize("  The “Rock-2024” exercise,\u00a0ended!") == "the rock 2024 exercise ended"


def _normalize_by_regex(text: str) -> str:
    """What normalize() is defined as (NFKC, casefold, the \\w+ words joined by a space)."""
    import re
    import unicodedata

    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


@settings(max_examples=300)
@given(st.one_of(st.text(alphabet=st.characters(max_codepoint=127)),
                 st.text(alphabet=st.characters(max_codepoint=0x2FF)), st.text()))
def test_normalize_of_ascii_and_any_text_is_the_regex_form(text):
    assert normalize(text) == _normalize_by_regex(text)


def test_normalize_ascii_fast_path_every_byte():
    every = "".join(map(chr, range(128)))
    assert normalize(every) == _normalize_by_regex(every) \
        == "0123456789 abcdefghijklmnopqrstuvwxyz _ abcdefghijklmnopqrstuvwxyz"


def test_exact_copies_cluster_and_kept_is_first_in_corpus_order():
    ps = paras(BASE + "\n" + OTHER, OTHER + "\n" + BASE, BASE)
    r = dedupe(ps)
    sizes = sorted(len(c.member_ids) for c in r.clusters)
    assert sizes == [2, 3]
    big = next(c for c in r.clusters if len(c.member_ids) == 3)
    assert big.kept_id == ps[0].id and big.kind == "boilerplate"
    assert all(r.drops[m].reason == "exact" and r.drops[m].kept_id == ps[0].id
               for m in big.member_ids[1:])


def test_fuzzy_copy_spelling_and_truncation():
    variant = BASE.replace("information", "informaton").replace("autumn", "fall")
    cut = BASE[: int(len(BASE) * 0.85)]
    ps = paras(BASE, variant, cut, OTHER)
    r = dedupe(ps)
    (c,) = r.clusters
    assert c.kept_id == ps[0].id  # the most complete copy
    assert {r.drops[m].reason for m in c.member_ids[1:]} == {"fuzzy"}
    assert all(0.8 <= r.drops[m].score < 1 for m in c.member_ids[1:])
    assert ps[3].id not in r.drops


def test_most_complete_copy_is_kept_even_when_later():
    cut = BASE[: int(len(BASE) * 0.85)]
    ps = paras(cut, BASE)
    (c,) = dedupe(ps).clusters
    assert c.kept_id == ps[1].id


def test_short_texts_need_identity():
    ps = paras("04.09.2024 meeting", "05.09.2024 meeting", "Go further", "Go farther")
    assert dedupe(ps).clusters == []
    texts = ["the meeting of 4 september 2024 in minsk was held",
             "the meeting of 5 september 2024 in minsk was held"]
    assert cluster_texts(texts).rep == [0, 1]


def test_datelines_are_structural_not_duplicates():
    page = "05.09.2024\nFirst brief of the day about the exercise.\n05.09.2024\nSecond brief.\n"
    assert dedupe(paras(page)).clusters == []


def test_threshold_configurable():
    variant = " ".join(BASE.split()[:-6]) + " and nothing else was said that day"
    ps = paras(BASE, variant)
    assert dedupe(ps, DedupeConfig(threshold=0.95)).clusters == []
    assert len(dedupe(ps, DedupeConfig(threshold=0.6)).clusters) == 1


def test_no_chaining():
    # a ~ b and b ~ c, but a and c are too far apart: never one cluster through b
    words = BASE.split()
    a = " ".join(words)
    b = " ".join(words[:22] + ["one", "two", "three", "four", "five", "six"])
    c = " ".join(words[:12] + ["one", "two", "three", "four", "five", "six",
                               "seven", "eight", "nine", "ten", "eleven", "twelve",
                               "thirteen", "fourteen", "fifteen", "sixteen"])
    tc = cluster_texts([normalize(a), normalize(b), normalize(c)],
                       config=DedupeConfig(threshold=0.8))
    from rapidfuzz.fuzz import ratio

    for i, r in enumerate(tc.rep):
        if r != i:
            texts = [normalize(x) for x in (a, b, c)]
            assert ratio(texts[i], texts[r]) >= 80


def test_seeds_clusters(seeds):
    from corpus_cli.pipeline import build

    corpus = build([str(seeds)], workers=1)
    r = corpus.dedupe
    boiler = [c for c in r.clusters if c.kind == "boilerplate"]
    dup = [c for c in r.clusters if c.kind == "duplicate"]
    assert len(boiler) == 4 and all(c.pages == 3 for c in boiler)
    idx = {p.id: p for p in corpus.paragraphs}
    # the Qingdao article of seeds 000 and 003 is one set of duplicate clusters
    for c in dup:
        paths = sorted(idx[m].path[-24:-21] for m in c.member_ids)
        assert paths == ["000", "003"]
    assert len(dup) == 9
    # nothing else merged
    assert sum(len(c.member_ids) - 1 for c in r.clusters) == len(r.drops) == 17


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_order_independent(rnd: random.Random):
    texts = [BASE, BASE.replace("autumn", "fall"), OTHER, OTHER[:140], "Short one.",
             BASE[:150], OTHER.upper()]
    pages_ = [(f"p{i}.txt", t) for i, t in enumerate(texts)]
    ps = []
    for path, t in pages_:
        ps.extend(clean_page(Page(path, t, "utf-8", path, len(t))).paragraphs)
    ref = dedupe(ps)
    shuffled = list(ps)
    rnd.shuffle(shuffled)
    got = dedupe(shuffled)
    assert sorted((c.kept_id, c.member_ids[1:] and tuple(sorted(c.member_ids[1:])))
                  for c in got.clusters) == sorted(
        (c.kept_id, c.member_ids[1:] and tuple(sorted(c.member_ids[1:])))
        for c in ref.clusters)
    assert got.drops == ref.drops


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([BASE, OTHER, BASE[:120], OTHER.lower(), "Go back", "x" * 30,
                                 BASE.replace("the", "a")]), min_size=1, max_size=12))
def test_every_paragraph_kept_or_dropped_with_reason(chosen):
    ps = paras(*chosen)
    r = dedupe(ps)
    kept_ids = {c.kept_id for c in r.clusters}
    for p in ps:
        if p.id in r.drops:
            d = r.drops[p.id]
            assert d.kept_id in kept_ids and d.kept_id not in r.drops and d.reason
        for c in r.clusters:
            assert c.kept_id not in r.drops


RECURRING = ("On {day} May {year}, the {ord} meeting of the Working Group on border security "
             "was held in the capital with the participation of the deputy ministers.")


def test_recurring_events_differing_in_a_number_are_not_copies():
    base = RECURRING.format(day=14, year=2024, ord="40th")
    others = [RECURRING.format(day=14, year=2024, ord="41st"),  # the next meeting
              RECURRING.format(day=14, year=2025, ord="40th"),  # a year later
              RECURRING.format(day=15, year=2024, ord="40th"),
              RECURRING.format(day=14, year=2024, ord="40th").replace("May", "June")]
    for other in others:
        assert not dedupe(paras(base, other)).clusters, other
    roman = RECURRING.format(day=14, year=2024, ord="XVI")
    assert not dedupe(paras(roman, roman.replace("XVI", "XVII"))).clusters


def test_numbers_written_differently_or_cut_off_are_still_copies():
    base = ("The exercise brought together 1,350 servicemen and 40 aircraft from the six states "
            "on 14 May 2024, the ministry of defence said.")
    for copy in (base.replace("1,350", "1350"),  # formatting of the same number
                 base.replace("1,350", "1 350").replace("defence", "defense"),
                 base[: int(len(base) * 0.8)],  # a teaser cut short
                 "14.05.2024- " + base,  # a date glued before it
                 "Photo 2024-05-14 at 10.11.12.jpg " + base):  # an image name before it
        (c,) = dedupe(paras(base, copy)).clusters
        assert len(c.member_ids) == 2, copy


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="abcde fgh", min_size=1, max_size=40), max_size=30),
       st.lists(st.text(alphabet="abcde fgh", min_size=1, max_size=40), max_size=30))
def test_signatures_lent_by_an_earlier_run_are_those_computed(first, second):
    import numpy as np

    from corpus_cli.dedupe import SignatureCache, _signatures

    config = DedupeConfig()
    a = list(dict.fromkeys(normalize(t) for t in first))
    b = list(dict.fromkeys(normalize(t) for t in first[::2] + second))
    earlier = SignatureCache("k")
    earlier.compute(a, config)
    blobs = [bytes(b) for b in earlier.blobs()]
    later = SignatureCache("k", SignatureCache.from_bytes(*blobs, config))
    got = later.compute(b, config)
    assert np.array_equal(got, _signatures(b, config, None))
    assert later.reused == len(set(a) & set(b))


def test_stored_signatures_that_do_not_fit_are_refused():
    from corpus_cli.dedupe import SignatureCache

    config = DedupeConfig()
    cache = SignatureCache("k")
    cache.compute(["one two three four", "five six seven eight"], config)
    digests, sigs = map(bytes, cache.blobs())
    assert SignatureCache.from_bytes(digests, sigs, config) is not None
    assert SignatureCache.from_bytes(digests, sigs[:-4], config) is None  # cut short
    assert SignatureCache.from_bytes(digests[:16] * 2, sigs, config) is None  # twice
    assert SignatureCache.from_bytes(digests + b"x", sigs, config) is None


def test_signatures_in_threads_are_those_of_one_thread(monkeypatch):
    import numpy as np

    from corpus_cli import dedupe as dd

    rnd = random.Random(3)
    words = "board water town meeting report the of and minister new".split()
    texts = [" ".join(rnd.choice(words) for _ in range(rnd.randint(1, 30))) for _ in range(300)]
    monkeypatch.setattr(dd, "_SIGNATURE_BATCH", 7)
    monkeypatch.setattr(dd, "_SIGNATURE_THREADS", 1)
    one = dd._signatures(texts, DedupeConfig(), None)
    monkeypatch.setattr(dd, "_SIGNATURE_THREADS", 3)
    seen: list[int] = []
    many = dd._signatures(texts, DedupeConfig(), lambda stage, n, total: seen.append(n))
    assert np.array_equal(one, many)
    assert seen == sorted(seen) and seen[-1] == len(texts)  # progress in order


def _variants(rnd: random.Random, n: int) -> list[str]:
    """Texts with near-copies among them: a word changed, a tail cut, a number changed."""
    words = ("board water town meeting report minister harbour ferry council budget vote "
             "bridge school road plan").split()
    out = []
    for _ in range(n):
        base = " ".join(rnd.choice(words) for _ in range(rnd.randint(12, 30)))
        out.append(base)
        for _ in range(rnd.randint(0, 3)):
            ws = base.split()
            k = rnd.randrange(3)
            if k == 0:
                ws[rnd.randrange(len(ws))] = rnd.choice(words)
            elif k == 1:
                ws = ws[: max(8, int(len(ws) * 0.85))]
            else:
                ws.insert(rnd.randrange(len(ws)), str(rnd.randint(1, 3)))
            out.append(" ".join(ws))
    return list(dict.fromkeys(out))


def _lent(earlier, config: DedupeConfig):
    """A cache lent what ``earlier`` kept, through its blobs (as the store keeps them)."""
    from corpus_cli.dedupe import SignatureCache

    d, s = map(bytes, earlier.blobs())
    state = {}
    for got in (earlier.pair_blobs(), earlier.candidate_blobs()):
        if got is not None:
            state[got[0]] = tuple(bytes(b) for b in got[2].values())
    return SignatureCache("k", SignatureCache.from_bytes(
        d, s, config, state.get("pairs"), state.get("candidates")))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 1.0), st.integers(0, 15),
       st.integers(0, 3), st.booleans())
def test_what_an_earlier_run_kept_gives_the_clusters_of_a_fresh_run(seed, keep, new, moves,
                                                                     reorder):
    from corpus_cli.dedupe import SignatureCache

    rnd = random.Random(seed)
    config = DedupeConfig(max_bucket=2, bands=4, rows=1)  # full buckets, small windows
    first = _variants(rnd, 25)
    second = [t for t in first if rnd.random() < keep] + _variants(rnd, new)
    second = list(dict.fromkeys(second)) or first[:2]
    # ranks: longest first by default; given, some texts move in the order
    ranks = list(range(len(second)))
    for _ in range(moves):
        i, j = rnd.randrange(len(second)), rnd.randrange(len(second))
        ranks[i], ranks[j] = ranks[j], ranks[i]
    if reorder:
        rnd.shuffle(ranks)
    earlier = SignatureCache("k")
    cluster_texts(first, config=config, cache=earlier)
    later = _lent(earlier, config)
    got = cluster_texts(second, ranks, config=config, cache=later)
    assert got == cluster_texts(second, ranks, config=config)
    # and what the later run keeps is what a fresh run would keep
    fresh = SignatureCache("k")
    cluster_texts(second, ranks, config=config, cache=fresh)
    for mine, theirs in ((later.pairs, fresh.pairs), (later.candidates, fresh.candidates)):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert mine[0] == theirs[0]
            assert [x.tolist() for x in mine[1:]] == [x.tolist() for x in theirs[1:]]


def test_only_the_buckets_of_new_gone_or_moved_texts_are_windowed_again():
    from corpus_cli import dedupe as dd

    rnd = random.Random(5)
    config = DedupeConfig(max_bucket=3, bands=8, rows=1)  # full buckets, small windows
    texts = _variants(rnd, 400)
    earlier = dd.SignatureCache("k")
    dd.cluster_texts(texts, config=config, cache=earlier)
    # one text gone, one new (a near-copy of another), the rest as they were
    again = texts[1:] + [texts[7].replace(texts[7].split()[2], "harbour", 1)]
    later = _lent(earlier, config)
    got = dd.cluster_texts(again, config=config, cache=later)
    fresh = dd.SignatureCache("k")
    assert got == dd.cluster_texts(again, config=config, cache=fresh)
    new, old = later.windows_again
    assert new >= 1 and old >= 1 and new + old < 20  # not the whole corpus
    assert later.scores_reused > 0
    # the same candidate pairs, found by as many bands, as windowing every bucket
    assert [x.tolist() for x in later.candidates[1:]] == [
        x.tolist() for x in fresh.candidates[1:]]
    assert later.candidates[2].tolist() != earlier.candidates[2].tolist()
    # only added: texts near the new ones in their buckets lose window pairs
    again = list(dict.fromkeys(texts + [t.replace(t.split()[1], "ferry", 1)
                                        for t in texts[::40]]))
    later = _lent(earlier, config)
    fresh = dd.SignatureCache("k")
    assert dd.cluster_texts(again, config=config, cache=later) == dd.cluster_texts(
        again, config=config, cache=fresh)
    assert later.windows_again[1] == 0
    assert [x.tolist() for x in later.candidates[1:]] == [
        x.tolist() for x in fresh.candidates[1:]]
    # too much changed: every bucket windowed again, the same result
    many = _variants(random.Random(6), 300) + texts[:50]
    later = _lent(earlier, config)
    assert dd.cluster_texts(many, config=config, cache=later) == dd.cluster_texts(
        many, config=config)
    assert later.windows_again is None


def test_a_pair_verified_before_is_not_scored_again(monkeypatch):
    from corpus_cli import dedupe as dd

    texts = [BASE, BASE.replace("autumn", "summer"), OTHER, OTHER[:-30], "a short one here"]
    config = DedupeConfig()
    earlier = dd.SignatureCache("k")
    fresh = dd.cluster_texts(texts, config=config, cache=earlier)
    assert earlier.pairs is not None and len(earlier.pairs[1]) >= 2
    scored: list[int] = []
    real = dd._scores
    monkeypatch.setattr(dd, "_scores", lambda texts, qa, *a: scored.append(len(qa)) or
                        real(texts, qa, *a))
    later = _lent(earlier, config)
    # the same texts in another order, and a new copy of the first
    again = [texts[2], texts[0], BASE.replace("units", "teams"), texts[3], texts[1]]
    got = dd.cluster_texts(again, config=config, cache=later)
    assert got == dd.cluster_texts(again, config=config)
    assert later.scores_reused == len(earlier.pairs[1])
    assert scored[0] > 0 and scored[0] <= 2  # only the pairs of the new text
    assert fresh.rep[1] == 0 and got.rep[1] == got.rep[2] == got.rep[4]  # copies merged


def test_stored_pairs_that_do_not_fit_are_left_out():
    import numpy as np

    from corpus_cli.dedupe import SignatureCache

    config = DedupeConfig()
    cache = SignatureCache("k")
    cache.compute(["one two three four", "five six seven eight"], config)
    d, s = map(bytes, cache.blobs())
    good = (np.array([1], dtype=np.int64).tobytes(), np.array([0.9]).tobytes())
    ranks = np.array([1, 0], dtype=np.int64).tobytes()
    cands = (ranks, good[0], np.array([2], dtype=np.uint8).tobytes())
    known = SignatureCache.from_bytes(d, s, config, good, cands)
    assert known[3] is not None and known[4] is not None
    for codes, scores in [
        (np.array([4], dtype=np.int64).tobytes(), good[1]),  # beyond 2 x 2 texts
        (np.array([1, 0], dtype=np.int64).tobytes(), np.array([0.9, 0.9]).tobytes()),
        (good[0], np.array([1.5]).tobytes()),  # not a similarity
        (good[0], good[1][:-1]),  # cut short
    ]:
        known = SignatureCache.from_bytes(d, s, config, (codes, scores))
        assert known is not None and known[3] is None  # signatures kept, pairs left out
    for bad in [
        (ranks[:8], *cands[1:]),  # a rank short
        (np.array([1, 1], dtype=np.int64).tobytes(), *cands[1:]),  # a rank twice
        (ranks, cands[1], np.array([0], dtype=np.uint8).tobytes()),  # found by no band
        (ranks, cands[1], np.array([17], dtype=np.uint8).tobytes()),  # by more than all
        (ranks, np.array([4], dtype=np.int64).tobytes(), cands[2]),  # beyond 2 x 2 texts
    ]:
        known = SignatureCache.from_bytes(d, s, config, good, bad)
        assert known is not None and known[4] is None
