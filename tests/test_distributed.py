"""The Dask engine gives exactly the result of the local engine (corpus_cli.distributed).

One ``LocalCluster`` with two worker processes serves the whole module."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
from click.testing import CliRunner

distributed = pytest.importorskip("distributed")

from corpus_cli.cli import cli  # noqa: E402
from corpus_cli.dedupe import DedupeConfig, minhash_candidates, normalize  # noqa: E402
from corpus_cli.distributed import DaskEngine  # noqa: E402
from corpus_cli.errors import CorpusError  # noqa: E402
from corpus_cli.pipeline import analyse, build, run_dedupe  # noqa: E402

PEOPLE = ["Yuri Volkonsky", "Anna Lindqvist", "Ivan Petrenko", "Marta Kowalska", "Olaf Berg"]
CITIES = ["Tartu", "Riga", "Vilnius", "Helsinki", "Gdansk", "Tallinn", "Minsk", "Oslo"]
ORGS = ["Regional Cooperation Organization", "Northern Trade Union", "Baltic Rescue Service"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "September"]
SIDEBARS = [
    ["On 14 March, the Council of Regional Ministers met in Tallinn to discuss water supply.",
     "On March 12, 2023, the Secretary General Ivan Petrenko received the delegation of the "
     "Northern Trade Union."],
    ["On 2 and 3 March, experts of the member states held consultations on customs "
     "cooperation in the city of Riga.",
     "On 20 April, a joint training session of the rescue services was held near Vilnius."],
]
FOOTER = ["Go back", "All news"]


VOCAB = ("council delegation ministers budget programme exchange training exercise rescue "
         "border customs harbour railway bridge school hospital museum library archive "
         "treaty summit statement report survey census election harvest drought flood "
         "storm festival exhibition concert match league forum congress session hearing "
         "inquiry reform plan grant loan tariff quota licence permit contract tender "
         "audit review vote motion petition protest strike union farmers teachers "
         "doctors engineers students pilots sailors miners workers veterans scientists "
         "villages towns provinces districts valleys islands coasts rivers forests lakes "
         "opened closed signed approved rejected postponed launched completed extended "
         "announced debated financed inspected restored expanded reduced doubled").split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def _article(rng: random.Random, k: int) -> tuple[str, str, list[str]]:
    """A distinct article: a title, the date glued to the first paragraph, three paragraphs
    of random words naming a person, a place and an organisation."""
    person, city, org = rng.choice(PEOPLE), rng.choice(CITIES), rng.choice(ORGS)
    month = MONTHS[k % len(MONTHS)]
    day, year = 1 + k % 27, 2019 + k % 5
    title = f"{person} in {city}: {_sentence(rng, 6)}"
    body = [
        f"On {month} {day}, {year}, in {city}, {person} of the {org} said that the "
        f"{_sentence(rng, 18)}.",
        f"The {_sentence(rng, 14)} in {rng.choice(CITIES)}, and the {_sentence(rng, 12)}.",
        f"According to the {org}, the {_sentence(rng, 20)}.",
    ]
    return title, f"{day:02d}.{1 + k % 12:02d}.{year}", body


def _edit(rng: random.Random, text: str) -> str:
    """A small edit of a re-scraped copy: a changed word, punctuation or spacing."""
    words = text.split(" ")
    i = rng.randrange(1, len(words) - 1)
    how = rng.randrange(3)
    if how == 0:
        words[i] = words[i].upper()
    elif how == 1:
        words[i] = "the" if words[i] != "the" else "a"
    else:
        words[i] += ","
    return " ".join(words)


def write_pages(folder, n_articles: int = 40) -> None:
    """``n_articles`` articles, each scraped twice (the second time with small edits and
    another sidebar): 80 pages sharing sidebars and footers."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n_articles):
        title, glue, body = _article(rng, k)
        for copy in range(2):
            side = SIDEBARS[(k + copy) % len(SIDEBARS)]
            text = body if copy == 0 else [_edit(rng, b) for b in body]
            if copy and k % 3 == 0:
                text = text[:2]  # a truncated re-scrape
            lines = [*side, title, glue + text[0], *text[1:], *FOOTER]
            (folder / f"p{k:03d}_{copy}.txt").write_text("\n".join(lines) + "\n",
                                                         encoding="utf-8")


class RecordingEngine(DaskEngine):
    """A DaskEngine that notes which stages went through it."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.stages: list[str] = []

    def map(self, fn, jobs, progress, stage):
        self.stages.append(stage)
        return super().map(fn, jobs, progress, stage)

    def candidates(self, texts, ranks, config, progress=None):
        self.stages.append("candidates")
        return super().candidates(texts, ranks, config, progress)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as c:
        yield c


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    f = tmp_path_factory.mktemp("dist") / "pages"
    write_pages(f)
    return f


def test_candidates_are_those_of_the_local_engine(client):
    rng = random.Random(3)
    words = [f"w{i}" for i in range(30)]
    texts = []
    for _ in range(600):
        t = rng.choices(words, k=rng.randint(3, 40))
        texts.append(" ".join(t))
        t[rng.randrange(len(t))] = "zz"
        texts.append(" ".join(t))
    texts = list(dict.fromkeys(texts))
    ranks = list(range(len(texts)))
    rng.shuffle(ranks)
    for config in (DedupeConfig(), DedupeConfig(bands=5, rows=2, max_bucket=2)):
        local = minhash_candidates(texts, ranks, config)
        assert sum(map(len, local)) > len(texts) // 2  # enough pairs to compare
        for parts in (None, 1, 5):
            got = DaskEngine(client=client, partitions=parts).candidates(texts, ranks, config)
            assert got == local


def test_same_corpus_as_the_local_engine(client, folder):
    engine = RecordingEngine(client=client, partitions=3)
    seen: set[str] = set()
    remote = build([str(folder)], engine=engine, progress=lambda s, d, t: seen.add(s))
    local = build([str(folder)], workers=1)
    assert set(engine.stages) == {"load", "candidates"}
    assert {"load", "signatures", "candidates"} <= seen
    assert remote.pages == local.pages and remote.problems == local.problems
    assert remote.items == local.items
    assert remote.dedupe == local.dedupe
    rules = {d.reason for d in local.dedupe.drops.values()}
    assert {"exact", "fuzzy"} <= rules  # sidebars and edited re-scrapes
    assert {c.kind for c in local.dedupe.clusters} == {"boilerplate", "duplicate"}

    articles, ents = analyse(remote, engine=engine)
    assert engine.stages[-1] == "dates"
    local_articles, local_ents = analyse(local, workers=1)
    assert len(articles) >= 40 and ents
    assert [(a.id, a.date, a.text, a.dates, a.entities) for a in articles] == [
        (a.id, a.date, a.text, a.dates, a.entities) for a in local_articles]
    assert articles == local_articles and ents == local_ents


def test_run_dedupe_report_is_the_same(client, folder):
    remote = run_dedupe([str(folder)], dry_run=True, engine=DaskEngine(client=client))
    local = run_dedupe([str(folder)], dry_run=True, workers=1)
    remote.seconds = local.seconds = 0.0
    assert remote == local


def test_relative_paths_are_read_by_workers_elsewhere(client, folder, monkeypatch):
    # the workers stay in the directory they were started in
    monkeypatch.chdir(folder.parent)
    remote = run_dedupe(["pages"], dry_run=True, engine=DaskEngine(client=client))
    local = run_dedupe(["pages"], dry_run=True, workers=1)
    assert not remote.problems and remote.counts.pages == 80
    remote.seconds = local.seconds = 0.0
    assert remote == local


def _export(db) -> list[dict]:
    r = CliRunner().invoke(cli, ["export", "--db", str(db)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return [json.loads(line) for line in r.stdout.splitlines()]


def test_cli_scheduler_writes_the_same_store(cluster, folder, tmp_path):
    runner = CliRunner()
    a, b = tmp_path / "dask.db", tmp_path / "local.db"
    r = runner.invoke(cli, ["dedupe", str(folder), "--db", str(a), "--json",
                            "--scheduler", cluster.scheduler_address], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r2 = runner.invoke(cli, ["dedupe", str(folder), "--db", str(b), "--json", "--workers", "1"],
                       catch_exceptions=False)
    assert r2.exit_code == 0, r2.output
    ra, rb = json.loads(r.stdout), json.loads(r2.stdout)
    for report in (ra, rb):
        report.pop("seconds", None)
        report.pop("db", None)
    assert ra == rb
    items = _export(a)
    assert items and items == _export(b)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "no-port-here"])
def test_cli_bad_scheduler_is_one_line(folder, tmp_path, address):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        r = CliRunner().invoke(cli, ["dedupe", str(folder), "--db", str(tmp_path / "x.db"),
                                     "--scheduler", address])
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.startswith(f"Error: cannot connect to the Dask scheduler at {address}: ")
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.db").exists()


def test_without_dask_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import raises ImportError
    with pytest.raises(CorpusError, match=r"--scheduler needs Dask: pip install"):
        DaskEngine("tcp://127.0.0.1:8786")


def test_dask_is_not_imported_by_corpus_cli():
    code = ("import sys; from corpus_cli.cli import cli; import corpus_cli.distributed\n"
            "import corpus_cli.pipeline\n"
            "try:\n    cli(['dedupe', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('LOADED:' + ','.join(m for m in ('dask', 'distributed') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip().splitlines()[-1] == "LOADED:", r.stderr


def test_normalised_texts_reach_the_workers_unchanged(client):
    # texts with non-ASCII and odd characters go through scatter and back as they are
    texts = [normalize(t) for t in ("Ünïcödé text of the régïon, number one and more words",
                                    "Ünïcödé text of the régïon, number two and more words",
                                    "\u2028 separator line with words and more words here")]
    config = DedupeConfig()
    assert DaskEngine(client=client).candidates(texts, [0, 1, 2], config) == \
        minhash_candidates(texts, [0, 1, 2], config)


def test_cli_add_and_remove_take_a_scheduler_and_write_the_same_store(cluster, folder,
                                                                       tmp_path):
    runner = CliRunner()
    pages = sorted(str(p) for p in folder.iterdir())
    half, rest = pages[: len(pages) // 2], pages[len(pages) // 2:]
    stores = {}
    for name, extra in (("dask", ["--scheduler", cluster.scheduler_address]),
                        ("local", ["--workers", "1"])):
        db = str(tmp_path / f"{name}.db")
        for args in (["dedupe", *half], ["add", *rest], ["remove", rest[0]]):
            r = runner.invoke(cli, [*args, "--db", db, *extra], catch_exceptions=False)
            assert r.exit_code == 0, r.output
        stores[name] = _export(db)
    assert stores["dask"] and stores["dask"] == stores["local"]
