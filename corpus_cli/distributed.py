"""Run the pipeline on a Dask distributed cluster: ``corpus dedupe PAGES --scheduler ADDRESS``.

:class:`DaskEngine` is an *engine* for :mod:`corpus_cli.pipeline`: it runs the stages that do
not need the whole corpus at once on the cluster, and gives exactly the result of the local
engine (same clusters, drops, articles and entities).

- ``map(fn, jobs, progress, stage)``: the per-page work (read, clean, normalise, segment) and
  the annotate chunks (dates, entity mentions), submitted in partitions of jobs and gathered
  in order.
- ``candidates(texts, ranks, config, progress)``: MinHash-LSH candidate generation, stage by
  stage: signatures per partition of the distinct texts -> a shuffle of band keys, by hash of
  (band, key), into bucket partitions (each gets every text of its buckets, with the
  signature rows of those texts) -> window pairs per bucket, exactly the local rule (sorted by
  (key, rank), each text paired with the next ``max_bucket`` texts) -> the signature-agreement
  filter -> the pairs back to the client as adjacency lists. Verification and star clustering
  (:func:`corpus_cli.dedupe.cluster_texts`) and the store write stay on the client.

The steps are the helpers of :mod:`corpus_cli.dedupe` that the local engine uses. Dask is
imported only when an engine is made (``pip install 'corpus-cli[distributed]'``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import replace

from corpus_cli.dedupe import (
    DedupeConfig,
    _adjacency,
    _agreeing,
    _band_key,
    _signatures,
    _unique_pairs,
    _window_pairs,
)
from corpus_cli.errors import CorpusError
from corpus_cli.inputs.loader import Source
from corpus_cli.models import Progress

INSTALL_HINT = "pip install 'corpus-cli[distributed]'"
TEXTS_PER_PARTITION = 50_000  # distinct texts signed by one task
JOBS_PER_TASK = 64  # most jobs (pages, annotate chunks) run by one task


def _portable(job):
    """A job as a worker can run it: the file of a page job (``(Source, ...)``) named by an
    absolute path, as workers do not share the client's working directory. The display
    path, and so every id, is unchanged."""
    if isinstance(job, tuple) and job and isinstance(job[0], Source):
        loc = job[0].location
        if loc is not None and not loc.is_absolute():
            return (replace(job[0], location=loc.absolute()), *job[1:])
    return job


def _run_all(fn: Callable, jobs: list) -> list:
    """One task of :meth:`DaskEngine.map`: ``fn`` over a partition of jobs."""
    return [fn(job) for job in jobs]


def _bucket_of(key, band: int, parts: int):
    """The bucket partition of each (band, key): a stable hash, the same on every worker."""
    import numpy as np

    h = key + np.uint64(((band + 1) * 0x9E3779B97F4A7C15) & ((1 << 64) - 1))
    h = (h ^ (h >> np.uint64(31))) * np.uint64(0xBF58476D1CE4E5B9)
    return ((h >> np.uint64(32)) % np.uint64(parts)).astype(np.int64)


def _sign_partition(texts: Sequence[str], ranks, lo: int, config: DedupeConfig,
                    parts: int) -> list[tuple]:
    """Signatures of the texts ``lo, lo+1, ...`` and their band keys, split by bucket
    partition: for each partition ``(band, key, rank, index, sig_index, sig_rows)``, where
    the signature rows are those of the texts with at least one band in that partition."""
    import numpy as np

    sig = _signatures(texts, config, None)
    n = len(texts)
    index = np.arange(lo, lo + n, dtype=np.int64)
    ranks = np.asarray(ranks, dtype=np.int64)
    keys = [_band_key(sig, b, config.rows) for b in range(config.bands)]
    dests = [_bucket_of(k, b, parts) for b, k in enumerate(keys)]
    out = []
    for q in range(parts):
        band, key, pos = [], [], []
        for b in range(config.bands):
            sel = np.flatnonzero(dests[b] == q)
            band.append(np.full(len(sel), b, dtype=np.int16))
            key.append(keys[b][sel])
            pos.append(sel)
        pos_all = np.concatenate(pos)
        rows = np.unique(pos_all)
        out.append((np.concatenate(band), np.concatenate(key), ranks[pos_all], index[pos_all],
                    index[rows], sig[rows]))
    return out


def _bucket_pairs(n: int, config: DedupeConfig, *pieces: tuple):
    """One bucket partition: every (band, key, rank, index) whose bucket hashes here, from
    every text partition. Window pairs per band (the local rule), distinct, filtered by
    signature agreement: ``(a, b)`` global index arrays with ``a < b``."""
    import numpy as np

    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    band = np.concatenate([p[0] for p in pieces])
    if not len(band):
        return empty
    key = np.concatenate([p[1] for p in pieces])
    rank = np.concatenate([p[2] for p in pieces])
    index = np.concatenate([p[3] for p in pieces])
    sig_index = np.concatenate([p[4] for p in pieces])
    sig = np.concatenate([p[5] for p in pieces])
    # rows of a band in index order, as the local engine has them (its ties go by index)
    o = np.lexsort((index, band))
    band, key, rank, index = band[o], key[o], rank[o], index[o]
    starts = np.flatnonzero(np.diff(band, prepend=-1, append=config.bands + 1))
    found = []
    for s, e in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True):
        ix = index[s:e]
        for first, second in _window_pairs(key[s:e], rank[s:e], config.max_bucket):
            found.append(ix[first] * n + ix[second])
    if not found:
        return empty
    a, b = _unique_pairs(np.concatenate(found), n)
    so = np.argsort(sig_index)  # text partitions are disjoint: each index once
    sig_index, sig = sig_index[so], sig[so]
    keep = _agreeing(sig, np.searchsorted(sig_index, a), np.searchsorted(sig_index, b),
                     config.min_signature)
    return a[keep], b[keep]


def _check_address(address: str) -> None:
    """Raise ValueError for an address Dask could not connect to (checked first: a client
    made with one does not close cleanly)."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    scheme, loc = parse_address(address)
    get_backend(scheme)
    if scheme in ("tcp", "tls"):
        parse_host_port(loc)


class DaskEngine:
    """Runs the pipeline's distributable stages on a Dask cluster.

    ``DaskEngine("tcp://host:8786")`` connects a ``distributed.Client`` (waiting at most
    ``timeout`` seconds, default Dask's ``distributed.comm.timeouts.connect``; no address:
    Dask's default, a ``LocalCluster`` on this machine); ``client=`` uses a given one (e.g.
    of a ``LocalCluster``), which is then not closed by :meth:`close`.
    ``partitions`` forces the number of text and bucket partitions (default: from the
    cluster's threads and the number of texts).
    """

    def __init__(self, address: str | None = None, client=None, timeout: float | None = None,
                 partitions: int | None = None):
        try:
            import distributed
        except ImportError:
            raise CorpusError(f"--scheduler needs Dask: {INSTALL_HINT}") from None
        self._distributed = distributed
        self.partitions = partitions
        self._own = client is None
        if client is None:
            try:
                if address is not None:
                    _check_address(address)
                kw = {} if timeout is None else {"timeout": timeout}
                client = distributed.Client(address, set_as_default=False, **kw)
            except (OSError, ValueError, TypeError) as exc:
                msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise CorpusError(
                    f"cannot connect to the Dask scheduler at {address}: {msg}") from None
        self.client = client

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the client this engine connected (not one it was given)."""
        if self._own:
            self.client.close()

    def _as_completed(self, futures: list):
        # the client need not be the default one
        return self._distributed.as_completed(futures, loop=self.client.loop)

    def _threads(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 - only a sizing hint
            return 1

    def map(self, fn: Callable, jobs: list, progress: Progress | None, stage: str) -> list:
        """``[fn(job) for job in jobs]`` on the cluster, in partitions, in order."""
        total = len(jobs)
        if not total:
            return []
        size = max(1, min(JOBS_PER_TASK, math.ceil(total / (self._threads() * 4))))
        chunks = [[_portable(j) for j in jobs[i : i + size]] for i in range(0, total, size)]
        futures = [self.client.submit(_run_all, fn, c, pure=False) for c in chunks]
        where = {f.key: i for i, f in enumerate(futures)}
        out: list = [None] * len(chunks)
        done = 0
        for fut in self._as_completed(futures):
            i = where[fut.key]
            out[i] = fut.result()
            fut.release()
            done += len(chunks[i])
            if progress:
                progress(stage, done, total)
        return [r for part in out for r in part]

    def candidates(self, texts: Sequence[str], ranks: Sequence[int], config: DedupeConfig,
                   progress: Progress | None = None) -> list[list[int]]:
        """For each text, its candidates: as :func:`corpus_cli.dedupe.minhash_candidates`,
        computed on the cluster (see the module docstring)."""
        import numpy as np

        n = len(texts)
        if n < 2:
            return [[] for _ in range(n)]
        client = self.client
        parts = self.partitions or max(self._threads() * 2, math.ceil(n / TEXTS_PER_PARTITION))
        parts = max(1, min(parts, n))
        bounds = [n * i // parts for i in range(parts + 1)]
        ranks = np.asarray(ranks, dtype=np.int64)
        data = client.scatter([list(texts[bounds[i] : bounds[i + 1]]) for i in range(parts)])
        signed = [client.submit(_sign_partition, data[i], ranks[bounds[i] : bounds[i + 1]],
                                bounds[i], config, parts, pure=False) for i in range(parts)]
        del data
        self._wait(signed, progress, "signatures", n, [bounds[i + 1] - bounds[i]
                                                       for i in range(parts)])
        # the shuffle: piece q of every text partition goes to bucket partition q
        pieces = [[client.submit(operator.getitem, s, q, pure=False) for s in signed]
                  for q in range(parts)]
        del signed
        buckets = [client.submit(_bucket_pairs, n, config, *pieces[q], pure=False)
                   for q in range(parts)]
        del pieces
        where = {f.key: i for i, f in enumerate(buckets)}
        got: list = [None] * parts
        done = 0
        for fut in self._as_completed(buckets):
            got[where[fut.key]] = fut.result()
            fut.release()
            done += 1
            if progress:
                progress("candidates", done, parts)
        codes = np.concatenate([a * n + b for a, b in got])
        del got
        if not len(codes):
            return [[] for _ in range(n)]
        a, b = _unique_pairs(codes, n)
        return _adjacency(a, b, n)

    def _wait(self, futures: list, progress: Progress | None, stage: str, total: int,
              sizes: list[int]) -> None:
        where = {f.key: i for i, f in enumerate(futures)}
        done = 0
        for fut in self._as_completed(futures):
            if fut.status == "error":
                fut.result()  # raises the task's error here
            done += sizes[where[fut.key]]
            if progress:
                progress(stage, done, total)
