from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_cli.pipeline import POOL_MIN_FILES, build, ingest, run_dedupe

LINES = [
    "Go back", "05.09.2024", "IMG_1234.jpg", "https://example.org/a/1",
    "The council met on Monday to discuss the budget of the regional development fund.",
    "The council met on Monday to discuss the budget of the regional development fund",
    "Ministers agreed to extend the programme of cultural exchanges for three more years.",
    "Ministers agreed to extend the program of cultural exchanges for three more years.",
    "A joint exercise of the rescue services took place near the border last week.",
    "Short line", "", "   ",
]


def test_pool_gives_the_same_result_as_one_process(pages):
    files = {f"p{i:03d}.txt": "\n".join(LINES[(i + k) % len(LINES)] for k in range(7))
             for i in range(POOL_MIN_FILES + 6)}
    folder = pages(files)
    one = ingest([str(folder)], workers=1, segment=True)
    two = ingest([str(folder)], workers=2, segment=True)
    assert one == two
    a = build([str(folder)], workers=1)
    b = build([str(folder)], workers=2)
    assert a.dedupe == b.dedupe and a.items == b.items


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(LINES), min_size=1, max_size=8), min_size=1,
                max_size=6))
def test_accounting_identity(tmp_path_factory, page_lines):
    folder = tmp_path_factory.mktemp("acc")
    for i, lines in enumerate(page_lines):
        (folder / f"p{i}.txt").write_text("\n".join(lines) + "\n")
    report = run_dedupe([str(folder)], dry_run=True, workers=1)
    assert report.counts.paragraphs == report.counts.kept + report.counts.dropped
    c = report.counts
    assert c.dropped == sum(c.removed_by_reason.values()) + len(report.drops)
    ids = set(report.paragraph_index)
    for pid, drop in report.drops.items():
        assert pid in ids and drop.kept_id in ids and drop.kept_id not in report.drops


def test_shared_pool_and_paused_collector(pages):
    import gc

    from corpus_cli.pipeline import WorkerPool

    files = {f"p{i:03d}.txt": "\n".join(LINES[(i + k) % len(LINES)] for k in range(7))
             for i in range(POOL_MIN_FILES + 6)}
    folder = pages(files)
    seen = []
    assert gc.isenabled()
    with WorkerPool(2) as pool:
        shared = run_dedupe([str(folder)], dry_run=True, workers=pool,
                            progress=lambda *a: seen.append(gc.isenabled()))
        executor = pool._executor
        again = build([str(folder)], workers=pool)
        assert pool._executor is executor  # one pool for every stage and call
    assert pool._executor is None and gc.isenabled()  # both restored
    assert seen and not any(seen)  # the collector was paused during the run
    one = run_dedupe([str(folder)], dry_run=True, workers=1)
    assert shared.clusters == one.clusters and shared.drops == one.drops
    assert again.dedupe.clusters == one.clusters


# ---- an extractor failing on one item or page does not stop the run ----------------------

GOOD_PAGE = ("Council approves the budget of the regional fund\n\n14.11.2023\n\n"
             "The council approved the budget of the regional fund on 14 November.\n")
BAD_PAGE = ("Rescue services train together near the border\n\n15.11.2023\n\n"
            "The rescue services of the two states held a joint FAILME exercise.\n")


def _dedupe_cli(folder, db, monkeypatch=None):
    import json

    from click.testing import CliRunner

    from corpus_cli.cli import cli

    runner = CliRunner()
    res = runner.invoke(cli, ["dedupe", str(folder), "--db", str(db), "--workers", "1"])
    listed = runner.invoke(cli, ["list", "--jsonl", "--db", str(db)])
    items = [json.loads(line) for line in listed.stdout.splitlines()]
    return res, items


def _failing(real, marker="FAILME"):
    def fn(text, *a, **kw):
        if marker in text:
            raise ValueError("made to fail")
        return real(text, *a, **kw)
    return fn


def test_a_failing_date_finder_leaves_the_item_without_dates(pages, tmp_path, monkeypatch):
    from corpus_cli import dates

    monkeypatch.setattr(dates, "find_dates", _failing(dates.find_dates))
    folder = pages({"a.txt": GOOD_PAGE, "b.txt": BAD_PAGE})
    res, items = _dedupe_cli(folder, tmp_path / "c.db")
    assert res.exit_code == 1
    lines = [x for x in res.stderr.splitlines() if "failed" in x]
    assert len(lines) == 2  # the problem, once, then the count
    assert "b.txt: line 1: finding date mentions failed (ValueError: made to fail)" in lines[0]
    assert "1 extraction(s) failed" in lines[1]
    by_title = {it["title"]: it for it in items}  # the store was written, both items kept
    bad = by_title["Rescue services train together near the border"]
    assert bad["dates"] == [] and bad["date"] == "2023-11-15"
    assert by_title["Council approves the budget of the regional fund"]["dates"]


def test_a_failing_entity_finder_leaves_the_item_without_entities(pages, tmp_path,
                                                                   monkeypatch):
    from corpus_cli import entities

    monkeypatch.setattr(entities, "find_mentions", _failing(entities.find_mentions))
    folder = pages({"a.txt": GOOD_PAGE, "b.txt": BAD_PAGE})
    res, items = _dedupe_cli(folder, tmp_path / "c.db")
    assert res.exit_code == 1
    assert "b.txt: line 1: finding entities failed" in res.stderr
    bad = next(it for it in items if "FAILME" in it["text"])
    assert bad["entities"] == [] and bad["date"] == "2023-11-15"


def test_a_failing_page_split_keeps_the_page_as_one_item(pages, tmp_path, monkeypatch):
    from corpus_cli import segment

    real = segment._split_page

    def split(cp, order):
        if "FAILME" in "".join(p.text for p in cp.paragraphs):
            raise RuntimeError("made to fail")
        return real(cp, order)

    monkeypatch.setattr(segment, "_split_page", split)
    folder = pages({"a.txt": GOOD_PAGE, "b.txt": BAD_PAGE})
    res, items = _dedupe_cli(folder, tmp_path / "c.db")
    assert res.exit_code == 1
    assert res.stderr.count("made to fail") == 1
    assert "b.txt: line 1: finding items failed (RuntimeError: made to fail); the page is kept" \
        in res.stderr
    bad = [it for it in items if it["sources"][0]["path"].endswith("b.txt")]
    assert len(bad) == 1 and bad[0]["date"] is None and "FAILME" in bad[0]["text"]
    good = [it for it in items if it["sources"][0]["path"].endswith("a.txt")]
    assert [it["date"] for it in good] == ["2023-11-14"]


def test_a_failing_item_date_leaves_that_item_undated(pages, tmp_path, monkeypatch):
    from corpus_cli import segment

    real = segment._shown_date

    def shown(it, dl, ctx):
        if any("FAILME" in p.text for p in it.body):
            raise KeyError("made to fail")
        return real(it, dl, ctx)

    monkeypatch.setattr(segment, "_shown_date", shown)
    folder = pages({"a.txt": GOOD_PAGE, "b.txt": BAD_PAGE})
    res, items = _dedupe_cli(folder, tmp_path / "c.db")
    assert res.exit_code == 1
    assert "b.txt: line 5: finding dates failed (KeyError: 'made to fail')" in res.stderr
    bad = next(it for it in items if "FAILME" in it["text"])
    assert bad["date"] is None and bad["title"] == "Rescue services train together near the border"


NAMES_PAGE = ("Ministers meet at the Collective Rescue Agency\n\n16.11.2023\n\n"
              "Minister Anna Keller met the head of the Collective Rescue Agency (CRA) on "
              "Thursday. A. Keller said the CRA would open a training centre.\n")


def test_a_failing_person_clustering_leaves_names_unmerged_not_the_run(pages, tmp_path,
                                                                       monkeypatch):
    from corpus_cli.entities import merge

    def broken(counts):
        raise KeyError("made to fail")

    monkeypatch.setattr(merge, "cluster_persons", broken)
    folder = pages({"a.txt": GOOD_PAGE, "n.txt": NAMES_PAGE})
    res, items = _dedupe_cli(folder, tmp_path / "c.db")
    assert res.exit_code == 1
    assert res.stderr.count("made to fail") == 1
    assert ("(corpus): merging person names across items failed (KeyError: 'made to fail'); "
            "each way of writing a person's name is its own entity") in res.stderr
    item = next(it for it in items if it["title"].startswith("Ministers meet"))
    names = {(e["type"], e["name"]): e["aliases"] for e in item["entities"]}
    assert ("PERSON", "Anna Keller") in names  # the person is still found
    # the rest of the merge still ran: the acronym joined its expansion
    assert "CRA" in names[("ORG", "Collective Rescue Agency")]


def test_a_failing_entity_merge_keeps_every_entity_as_found(pages, tmp_path, monkeypatch):
    from corpus_cli.entities import merge

    def broken(*a, **kw):
        raise RuntimeError("made to fail")

    monkeypatch.setattr(merge, "_entities", broken)
    folder = pages({"a.txt": GOOD_PAGE, "n.txt": NAMES_PAGE})
    res, items = _dedupe_cli(folder, tmp_path / "c.db")
    assert res.exit_code == 1
    assert "(corpus): merging entities across items failed (RuntimeError: made to fail)" \
        in res.stderr
    item = next(it for it in items if it["title"].startswith("Ministers meet"))
    assert ("PERSON", "Anna Keller") in {(e["type"], e["name"]) for e in item["entities"]}
    import json

    from click.testing import CliRunner

    from corpus_cli.cli import cli

    listed = CliRunner().invoke(cli, ["entities", "--jsonl", "--db", str(tmp_path / "c.db")])
    assert any(json.loads(x)["name"] == "Anna Keller" for x in listed.stdout.splitlines())


def test_a_failing_item_merge_keeps_each_pages_items_apart(pages, tmp_path, monkeypatch):
    from corpus_cli import segment

    def broken(a, b):
        raise RuntimeError("made to fail")

    monkeypatch.setattr(segment, "_dates_agree", broken)  # asked only of copies to merge
    folder = pages({"a.txt": GOOD_PAGE, "b.txt": GOOD_PAGE.replace("14 November", "14 Nov"),
                    "n.txt": NAMES_PAGE})
    res, items = _dedupe_cli(folder, tmp_path / "c.db")
    assert res.exit_code == 1
    assert ("(corpus): merging the copies of items across pages failed (RuntimeError: made to "
            "fail); each page's items are kept apart") in res.stderr
    council = [it for it in items if it["title"].startswith("Council approves")]
    assert sorted(it["sources"][0]["path"][-5:] for it in council) == ["a.txt", "b.txt"]
    assert all(it["date"] == "2023-11-14" for it in council)


# ---- the entity merge of a re-run runs in the pool, the paragraph write meanwhile ----------

def _analysis(corpus, workers, during):
    from corpus_cli.pipeline import analyse_items

    got = analyse_items(corpus, workers=workers, during=during)
    return ([(a.id, a.title, a.dates, a.entities) for a in got.articles], got.entities,
            got.mentions)


def test_entities_merged_in_the_pool_while_this_process_writes(seeds, monkeypatch):
    import corpus_cli.pipeline as pl
    from corpus_cli.pipeline import WorkerPool

    corpus = build([str(seeds)], workers=1)
    calls = []
    here = _analysis(corpus, 1, lambda: calls.append("here"))
    meanwhile = []
    real = pl._merged_entities_meanwhile
    monkeypatch.setattr(pl, "_merged_entities_meanwhile",
                        lambda *a: meanwhile.append(a[0]) or real(*a))
    with WorkerPool(2) as pool:
        pool.executor()  # started, as by the load of a re-run
        pooled = _analysis(corpus, pool, lambda: calls.append("pool"))
        # a pool that cannot take the job: the merge is done here
        monkeypatch.setattr(WorkerPool, "executor", lambda self: 1 / 0)
        broken = _analysis(corpus, pool, lambda: calls.append("broken"))
    # the seeds' few items are annotated here: the merge goes out, sent the items' mentions
    # as the JSON the store keeps (cheap to send), which are those found here
    assert len(meanwhile) == 2 and meanwhile[0] == here[2]
    assert all(m is None or isinstance(m, str) for m in meanwhile[0]) and any(meanwhile[0])
    assert calls == ["here", "pool", "broken"]  # the write, once each
    assert pooled == here and broken == here
    assert here[1]  # entities were found


def test_the_pages_go_before_the_entity_merge_when_the_write_is_done(seeds, monkeypatch):
    import corpus_cli.pipeline as pl
    from corpus_cli.pipeline import analyse_items

    keep = build([str(seeds)], workers=1)
    drop = build([str(seeds)], workers=1)
    seen = []
    written = []
    real = pl._merged_entities
    monkeypatch.setattr(pl, "_merged_entities",
                        lambda docs, problems: seen.append(len(drop.pages)) or real(docs, problems))
    a = analyse_items(keep, workers=1, during=lambda: written.append(len(keep.pages)))
    b = analyse_items(drop, workers=1, during=lambda: written.append(len(drop.pages)),
                      drop_pages=True)
    assert written[0] == written[1] > 0  # the write saw every page, both times
    assert seen[1] == 0 and drop.pages == [] and drop.items == []  # then they went
    assert keep.pages and keep.items  # not without drop_pages
    assert [(x.id, x.entities) for x in a.articles] == [(x.id, x.entities) for x in b.articles]
    assert a.entities == b.entities
