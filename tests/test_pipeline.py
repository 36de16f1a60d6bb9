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
