"""Exact and near-duplicate paragraph detection, without comparing all pairs.

1. **Normalise** each text (NFKC, case-folded, words only: punctuation, quotes, dashes and
   white space do not count). Paragraphs with the same normalised text are one group.
2. **Candidates** among the distinct texts: MinHash signatures over word bigrams, split into
   LSH bands; two texts are candidates when one band is equal. Signatures are computed with
   numpy over whole batches (one pass per hash function, no Python loop per shingle).
3. **Verification** of candidates with ``rapidfuzz`` (``ratio`` on the normalised texts,
   default >= 0.8). Short texts need far more: below ``short_chars`` only identical
   normalised texts merge, and up to ``medium_chars`` the digits must be the same and the
   similarity >= ``short_threshold`` (so ``04.09.2024`` and ``05.09.2024`` never merge).
   Longer texts must not differ in a number either (:func:`same_numbers`): "the 40th
   meeting" and "the 41st meeting", or the same event in 2024 and in 2025, are different
   news, not copies.
4. **Clusters without chains**: distinct texts are taken most complete first (longest, then
   corpus order); each one not yet placed becomes a representative and takes the candidates
   that verify against *it*. A text is only ever merged by comparison with the kept copy.

The result does not depend on the order paragraphs are given in: ranking uses the text and
the paragraph's ``(path, line)``, hashing is seeded and stable. A :class:`SignatureCache`
lends a re-run what the last run kept (the texts' signatures, the candidate pairs and the
verified pairs): only what a change touches is computed again, with the same result.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corpus_cli.memo import Memo
from corpus_cli.models import Cluster, Drop, Paragraph, Progress

if TYPE_CHECKING:
    from numpy import ndarray

_WORDS = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
# Words of a normalised text that carry a number: digits (with the letters of "39th"),
# month names, ordinal and cardinal number words, roman numerals ("the xvi meeting").
_NUMBER_WORDS = frozenset("""
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
hundred thousand million billion trillion first second third fourth fifth sixth seventh
eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth
eighteenth nineteenth twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth
ninetieth hundredth thousandth january february march april may june july august
september october november december jan feb mar apr jun jul aug sep sept oct nov dec
""".split())
_ROMAN = re.compile(r"(?=[ivxlc]{2})c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")
_MASK64 = (1 << 64) - 1

CandidateFinder = Callable[
    [Sequence[str], Sequence[int], "DedupeConfig", "Progress | None"], list[list[int]]
]


@dataclass(frozen=True, slots=True)
class DedupeConfig:
    """Tuning of the detector. The defaults were chosen on the benchmark corpora."""

    threshold: float = 0.8  # rapidfuzz ratio / 100 needed to merge two texts
    short_chars: int = 24  # below: only identical normalised texts merge
    medium_chars: int = 60  # below: same digits and short_threshold needed
    short_threshold: float = 0.9
    bands: int = 16
    rows: int = 3
    max_bucket: int = 32  # in a bucket, each text is paired with the next max_bucket texts
    min_signature: float = 0.3  # share of equal MinHash values needed to verify a pair
    boilerplate_pages: int = 3  # a cluster on this many pages or more is boilerplate
    max_fuzzy_chars: int = 20_000  # longer texts are only matched exactly
    seed: int = 1


@dataclass(frozen=True, slots=True)
class TextClusters:
    """Result of :func:`cluster_texts`: for each text, its representative and how it merged."""

    rep: list[int]  # index of the representative text (itself when kept)
    score: list[float]  # similarity to the representative, 1.0 for itself
    rule: list[str]  # kept | normalized | fuzzy


@dataclass(frozen=True, slots=True)
class DedupeResult:
    clusters: list[Cluster]
    drops: dict[str, Drop]  # paragraph id -> drop
    cluster_of: dict[str, str]  # paragraph id -> cluster id, for every clustered paragraph

    def kept(self, paragraph_id: str) -> bool:
        return paragraph_id not in self.drops


# An ASCII text's bytes with every byte that is not a word character (``\w``: letters,
# digits, "_") made a space and capitals made small: the words of :func:`normalize` are what
# is left between the spaces, found about three times faster than by the regex.
_ASCII_WORD_BYTES = bytes(
    (c + 32 if 65 <= c <= 90 else c) if chr(c).isascii() and (chr(c).isalnum() or c == 95)
    else 32 for c in range(256))


def normalize(text: str) -> str:
    """The comparison form of a text: NFKC, case-folded, words separated by one space."""
    if text.isascii():  # NFKC leaves ASCII as it is; casefold() is lower()
        return " ".join(text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii")
                        .split())
    text = unicodedata.normalize("NFKC", text)
    return " ".join(_WORDS.findall(text.casefold()))


# Function words: a bigram made of two of them ("of the", "in a") says nothing about a
# text and would make unrelated texts candidates, so it is not a shingle.
STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his i in into is it
    its not of on or our she so than that the their them there these they this to was we
    were which who will with would you""".split()
)
_STOP_BIT = 1 << 31


class _WordHash(dict):
    """Deterministic 31-bit hash of a word (CRC32 of its UTF-8 bytes), cached; the top bit
    marks a stop word."""

    def __missing__(self, word: str) -> int:
        h = zlib.crc32(word.encode("utf-8", "surrogatepass")) & (_STOP_BIT - 1)
        if word in STOPWORDS:
            h |= _STOP_BIT
        self[word] = h
        return h


SIGNATURES_FORMAT = 1  # how _signatures computes (a stored cache of another is not used)


def signature_key(config: DedupeConfig) -> str:
    """What a text's signature depends on besides the text: the hash functions."""
    return f"minhash{SIGNATURES_FORMAT}:{config.bands}x{config.rows}:{config.seed}"


def text_digests(texts: Sequence[str]):
    """A 16-byte digest of each text (numpy ``S16`` array): the key of its signature."""
    import hashlib

    import numpy as np

    blake = hashlib.blake2b
    return np.array([blake(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
                     for t in texts], dtype="S16")


class SignatureCache:
    """MinHash signatures by text digest: those an earlier run computed (``known``, see
    :meth:`from_bytes`), lent to this run, and those of this run's texts (:attr:`digests`,
    :attr:`signatures`, in the order of its texts), kept for the next run."""

    def __init__(self, key: str, known: tuple | None = None):
        self.key = key
        self.known = known
        self.digests = None  # of the texts of the last call
        self._place = None  # each of those texts' place in digest order (see _codes)
        self.signatures = None
        self.reused = 0
        # verified candidate pairs: those of the earlier run (its pair codes, sorted, and
        # their scores), each text's place among the earlier run's texts (-1: new), and
        # this run's pairs (see known_scores, keep_scores)
        self._known_pairs = None
        self._earlier = None
        self.pairs = None
        self.scores_reused = 0
        # candidate pairs: the earlier run's (its texts' ranks by place, its candidate
        # pair codes and how many bands found each) and this run's (see keep_candidates)
        self._known_candidates = None
        self.candidates = None
        # (new texts, gone or moved texts) whose buckets were windowed again, or None
        self.windows_again = None

    def compute(self, texts: Sequence[str], config: DedupeConfig,
                progress: Progress | None = None):
        """The signatures of ``texts`` (as :func:`_signatures`), the known ones looked up."""
        import numpy as np

        digests = text_digests(texts)
        out = None
        todo = np.arange(len(texts))
        if self.known is not None and len(self.known[0]) and len(texts):
            kd, korder, ks = self.known[:3]
            at, hit = _find(kd, digests)
            out = np.empty((len(texts), config.bands * config.rows), dtype=np.uint32)
            out[hit] = ks[korder[at[hit]]]
            todo = np.flatnonzero(~hit)
            self.reused = len(texts) - len(todo)
            self._earlier = np.where(hit, at, -1)
            if len(self.known) > 3 and self.known[3] is not None:
                self._known_pairs = (len(kd), *self.known[3])
            if len(self.known) > 4 and self.known[4] is not None:
                # what windowing the earlier run's buckets again needs: its signatures
                # by place, its ranks by place, its candidate pairs and their counts
                self._known_candidates = (ks, korder, *self.known[4])
        self.known = None  # lent: no longer needed
        if out is None:
            out = _signatures(texts, config, progress)
        elif len(todo):
            out[todo] = _signatures([texts[i] for i in todo.tolist()], config, progress)
        self.digests, self.signatures = digests, out
        self._place = None
        return out

    def _codes(self, a, b) -> tuple[ndarray, ndarray]:
        """The pairs ``(a[i], b[i])`` of the last call's texts as codes ``lo * n + hi`` of
        the two texts' places in digest order (how the store keeps them, see
        :meth:`from_bytes`), sorted, and the order that sorts them."""
        import numpy as np

        n = len(self.digests)
        if self._place is None:
            self._place = np.empty(n, dtype=np.int64)
            self._place[np.argsort(self.digests, kind="stable")] = np.arange(n)
        pa = self._place[np.asarray(a, dtype=np.int64)]
        pb = self._place[np.asarray(b, dtype=np.int64)]
        code = np.minimum(pa, pb) * n + np.maximum(pa, pb)
        o = np.argsort(code, kind="stable")
        return code[o], o

    def keep_candidates(self, ranks: ndarray, a: ndarray, b: ndarray, counts: ndarray,
                        config: DedupeConfig) -> None:
        """Keep this run's candidate pairs ``(a[i], b[i])`` (indices of the last call's
        texts), the number of bands whose windows found each, and the texts' ``ranks``,
        for a later run (see :func:`_candidates`)."""
        import numpy as np

        self._known_candidates = None  # lent: no longer needed
        if self.digests is None:
            return
        codes, o = self._codes(a, b)
        by_place = np.empty(len(self.digests), dtype=np.int64)
        by_place[self._place] = np.asarray(ranks, dtype=np.int64)
        self.candidates = (candidate_key(config), by_place, codes,
                           np.asarray(counts, dtype=np.uint8)[o])

    def candidate_blobs(self) -> tuple[str, str, dict[str, memoryview]] | None:
        """This run's candidate pairs (see :meth:`keep_candidates`) as the store keeps
        them: ``("candidates", their key (:func:`candidate_key`), blobs)``, the blobs the
        texts' ranks by place (int64), the pair codes (int64) and their counts (uint8)."""
        if self.candidates is None:
            return None
        key, *arrays = self.candidates
        return "candidates", key, dict(zip(("ranks", "candidates", "counts"), (
            memoryview(x.view("u1")) for x in arrays), strict=True))

    def known_scores(self, a: ndarray, b: ndarray) -> tuple[ndarray, ndarray]:
        """For the candidate pairs ``(a[i], b[i])`` (indices of the last call's texts,
        ``a[i] < b[i]``): which the earlier run verified (a mask) and their scores there
        (0: not copies). Verification depends on the two texts only, so a pair of texts
        both known keeps its score."""
        import numpy as np

        known = np.zeros(len(a), dtype=bool)
        scores = np.zeros(len(a), dtype=np.float64)
        if self._known_pairs is None or not len(a):
            return known, scores
        n, codes, kscores = self._known_pairs
        ea, eb = self._earlier[a], self._earlier[b]
        # a pair with a new text (-1) has a negative code: never found
        at, known = _find(codes, np.minimum(ea, eb) * n + np.maximum(ea, eb))
        scores[known] = kscores[at[known]]
        self.scores_reused = int(known.sum())
        return known, scores

    def keep_scores(self, a: Sequence[int], b: Sequence[int], scores: Sequence[float],
                    config: DedupeConfig) -> None:
        """Keep this run's verified pairs (as :meth:`known_scores` takes them) and their
        scores under ``config`` for a later run: as codes ``lo * n + hi`` of the texts'
        places in digest order, sorted."""
        import numpy as np

        self._known_pairs = self._earlier = None  # lent: no longer needed
        if self.digests is None:
            return
        codes, o = self._codes(a, b)
        self.pairs = (verify_key(config), codes, np.asarray(scores, dtype=np.float64)[o])

    def pair_blobs(self) -> tuple[str, str, dict[str, memoryview]] | None:
        """This run's verified pairs (see :meth:`keep_scores`) as the store keeps them:
        ``("pairs", the key of the rules that verified them (:func:`verify_key`), blobs)``,
        the blobs the pair codes (int64) and their scores (float64); None before a run."""
        if self.pairs is None:
            return None
        key, codes, scores = self.pairs
        return "pairs", key, {"pairs": memoryview(codes.view("u1")),
                              "scores": memoryview(scores.view("u1"))}

    def blobs(self) -> tuple[memoryview, memoryview] | None:
        """This run's digests and signatures as two blobs, without a copy (None before a
        run)."""
        if self.digests is None:
            return None
        return (memoryview(self.digests.reshape(-1).view("u1")),
                memoryview(self.signatures.reshape(-1).view("u1")))

    @staticmethod
    def from_bytes(digests: bytes, signatures: bytes, config: DedupeConfig,
                   pairs: tuple[bytes, bytes] | None = None,
                   candidates: tuple[bytes, bytes, bytes] | None = None) -> tuple | None:
        """The ``known`` of a cache, from :meth:`blobs` (and :meth:`pair_blobs` and
        :meth:`candidate_blobs`, of the same run): (sorted digests, their rows,
        signatures, verified pairs or None, candidate pairs or None); None when the blobs
        do not fit (pairs that do not fit are left out)."""
        import numpy as np

        width = config.bands * config.rows
        if len(digests) % 16 or len(signatures) != len(digests) // 16 * width * 4:
            return None
        kd = np.frombuffer(digests, dtype="S16")
        order = np.argsort(kd, kind="stable")
        kd = kd[order]
        if len(kd) > 1 and not (kd[1:] > kd[:-1]).all():
            return None  # a digest twice: not ours
        sigs = np.frombuffer(signatures, dtype=np.uint32).reshape(-1, width)
        return (kd, order, sigs, _pairs_from_bytes(pairs, len(kd)),
                _candidates_from_bytes(candidates, len(kd), config))


def _pairs_from_bytes(pairs: tuple[bytes, bytes] | None, n: int) -> tuple | None:
    """Verified pairs from :meth:`SignatureCache.pair_blobs` over ``n`` texts: (codes,
    scores), or None when they do not fit (codes out of range, unsorted, not one score
    each)."""
    import numpy as np

    if pairs is None:
        return None
    codes, scores = pairs
    if len(codes) % 8 or len(scores) != len(codes):
        return None
    c = np.frombuffer(codes, dtype=np.int64)
    sc = np.frombuffer(scores, dtype=np.float64)
    if not _codes_fit(c, n) or not ((sc >= 0) & (sc <= 1)).all():
        return None
    return c, sc


def _candidates_from_bytes(blobs: tuple[bytes, bytes, bytes] | None, n: int,
                           config: DedupeConfig) -> tuple | None:
    """Candidate pairs from :meth:`SignatureCache.candidate_blobs` over ``n`` texts: (ranks
    by place, codes, counts), or None when they do not fit."""
    import numpy as np

    if blobs is None:
        return None
    ranks, codes, counts = blobs
    if len(ranks) != 8 * n or len(codes) % 8 or len(counts) * 8 != len(codes):
        return None
    r = np.frombuffer(ranks, dtype=np.int64)
    c = np.frombuffer(codes, dtype=np.int64)
    k = np.frombuffer(counts, dtype=np.uint8)
    if len(np.unique(r)) != n or not _codes_fit(c, n) or not (
            (k >= 1) & (k <= config.bands)).all():
        return None
    return r, c, k


def _codes_fit(codes: ndarray, n: int) -> bool:
    """Whether ``codes`` are pair codes ``lo * n + hi`` of ``n`` texts, strictly sorted."""
    return not len(codes) or bool(codes[0] >= 0 and codes[-1] < n * n
                                  and (codes[1:] > codes[:-1]).all())


def _find(sorted_: ndarray, values: ndarray) -> tuple[ndarray, ndarray]:
    """Where each of ``values`` stands in the sorted array ``sorted_`` (0 where absent) and
    whether it is there."""
    import numpy as np

    at = np.searchsorted(sorted_, values)
    if not len(sorted_):
        return np.zeros_like(at), np.zeros(len(values), dtype=bool)
    at[at >= len(sorted_)] = 0
    return at, sorted_[at] == values


def candidate_key(config: DedupeConfig) -> str:
    """What a text's candidate pairs depend on besides the texts, their signatures (see
    :func:`signature_key`) and ranks."""
    return f"candidates1:{config.max_bucket}:{config.min_signature}"


def verify_key(config: DedupeConfig) -> str:
    """What a candidate pair's verification depends on besides the two texts."""
    return (f"verify1:{config.threshold}:{config.short_threshold}:{config.short_chars}:"
            f"{config.medium_chars}")


def _signatures(texts: Sequence[str], config: DedupeConfig, progress: Progress | None):
    """MinHash signatures (n_texts x bands*rows, uint32) over word bigrams. Batches run in
    threads: numpy's arithmetic, most of the work, releases the GIL, and nothing else runs
    in the run at this point."""
    import numpy as np

    n_hash = config.bands * config.rows
    rng = np.random.default_rng(config.seed)
    mul = rng.integers(1, 2**63, size=n_hash, dtype=np.uint64) | np.uint64(1)
    add = rng.integers(0, 2**63, size=n_hash, dtype=np.uint64)
    words = _WordHash()
    out = np.empty((len(texts), n_hash), dtype=np.uint32)
    batch = _SIGNATURE_BATCH
    starts = range(0, len(texts), batch)
    threads = min(_SIGNATURE_THREADS, len(starts))
    if threads < 2:
        for lo in starts:
            _signature_batch(texts, lo, batch, words, mul, add, out)
            if progress:
                progress("signatures", min(lo + batch, len(texts)), len(texts))
        return out
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as ex:
        futures = [ex.submit(_signature_batch, texts, lo, batch, words, mul, add, out)
                   for lo in starts]
        for lo, f in zip(starts, futures, strict=True):
            f.result()
            if progress:
                progress("signatures", min(lo + batch, len(texts)), len(texts))
    return out


_SIGNATURE_THREADS = min(4, os.cpu_count() or 1)
_SIGNATURE_BATCH = 4_000  # texts per batch: keeps the working arrays in the CPU cache


def _signature_batch(texts: Sequence[str], lo: int, batch: int, words: _WordHash, mul, add,
                     out) -> None:
    """The signatures of ``texts[lo : lo + batch]``, into the same rows of ``out``."""
    import numpy as np

    get = words.__getitem__
    golden = np.uint64(0x9E3779B97F4A7C15)
    shift = np.uint64(32)
    stop = np.uint64(31)
    chunk = texts[lo : lo + batch]
    hashes: list[int] = []
    counts: list[int] = []
    for t in chunk:
        hs = list(map(get, t.split()))
        if len(hs) < 2:
            hs.append(0)
        hashes.extend(hs)
        counts.append(len(hs))
    arr = np.array(hashes, dtype=np.uint64)
    # bigram shingles h[i] * golden + h[i+1]; drop the pair that straddles two texts
    # and pairs of two stop words (unless a text has nothing else)
    sh = arr[:-1] * golden + arr[1:]
    keep = ((arr[:-1] & arr[1:]) >> stop) == 0
    ends = np.cumsum(np.asarray(counts, dtype=np.int64)) - 1
    keep[ends[:-1]] = False
    seg = np.repeat(np.arange(len(chunk)), counts)[:-1]
    per_text = np.bincount(seg[keep], minlength=len(chunk))
    if not per_text.all():
        for i in np.flatnonzero(per_text == 0).tolist():
            a, b = (ends[i - 1] + 1 if i else 0), ends[i]
            keep[a:b] = True
        keep[ends[:-1]] = False
        per_text = np.bincount(seg[keep], minlength=len(chunk))
    sh = sh[keep]
    starts = np.concatenate(([0], np.cumsum(per_text)[:-1]))
    v = np.empty_like(sh)
    for k in range(len(mul)):
        np.multiply(sh, mul[k], out=v)
        v += add[k]
        v >>= shift
        out[lo : lo + len(chunk), k] = np.minimum.reduceat(v, starts)


def _band_key(sig, band: int, rows: int):
    """The LSH bucket key (uint64) of each signature row in ``band``."""
    import numpy as np

    cols = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
    key = cols[:, 0].copy()
    for c in range(1, rows):
        key = key * np.uint64(0x100000001B3) + cols[:, c]
    return key


def _window_pairs(key, rank, max_bucket: int):
    """Pairs of positions within one band: sorted by (key, rank) (ties: position), each
    text is paired with the next ``max_bucket`` texts of its bucket. Yields
    ``(first, second)`` position arrays, one per distance."""
    import numpy as np

    idx = np.lexsort((rank, key))
    skey = key[idx]
    for d in range(1, max_bucket + 1):
        same = skey[d:] == skey[:-d]
        if not same.any():
            break
        pos = np.flatnonzero(same)
        yield idx[pos], idx[pos + d]


def _unique_pairs(codes, n: int):
    """Distinct unordered pairs of the codes ``a * n + b``, as ``(lo, hi)`` arrays, sorted."""
    lo, hi, _counts = _counted_pairs(codes, n)
    return lo, hi


def _agreeing(sig, a, b, min_signature: float):
    """Mask of the pairs of rows ``(a[i], b[i])`` of ``sig`` whose signatures agree on at
    least ``min_signature`` of their hash values."""
    import numpy as np

    keep = np.empty(len(a), dtype=bool)
    need = int(np.ceil(min_signature * sig.shape[1]))
    step = 1 << 18
    for i in range(0, len(a), step):
        agree = (sig[a[i : i + step]] == sig[b[i : i + step]]).sum(axis=1)
        keep[i : i + step] = agree >= need
    return keep


def _adjacency(a, b, n: int) -> list[list[int]]:
    """Adjacency lists of ``n`` nodes from the pairs ``(a[i], b[i])``, both directions,
    each sorted by index."""
    import numpy as np

    src = np.concatenate((a, b))
    dst = np.concatenate((b, a))
    o = np.lexsort((dst, src))
    src, dst = src[o], dst[o]
    counts = np.bincount(src, minlength=n)
    bounds = np.concatenate(([0], np.cumsum(counts)))
    dst_list = dst.tolist()
    bl = bounds.tolist()
    return [dst_list[bl[i] : bl[i + 1]] for i in range(n)]


def _candidates(sig, ranks: Sequence[int], config: DedupeConfig,
                cache: SignatureCache | None = None) -> list[list[int]]:
    """For each text, the texts that share an LSH band with it and whose signatures agree
    on at least ``min_signature`` of their hash values (an estimate of the Jaccard
    similarity: pairs that only share a common phrase are not worth verifying).

    Vectorised: within a band, texts are sorted by (bucket, rank) and each is paired with
    the next ``max_bucket`` texts of its bucket (so a huge bucket costs a window, not all
    its pairs; the window holds the texts of nearest length, where copies are). The steps
    are shared with the Dask engine (:mod:`corpus_cli.distributed`). With a ``cache`` that
    holds an earlier run's candidate pairs, only the buckets that hold a text new, gone or
    moved in the rank order are windowed again (see :func:`_windows_again`); the pairs are
    those of windowing every bucket."""
    import numpy as np

    n = sig.shape[0]
    order_rank = np.asarray(ranks, dtype=np.int64)
    codes = _windows_again(sig, order_rank, config, cache) if cache is not None else None
    if codes is None:
        found = []
        for b in range(config.bands):
            key = _band_key(sig, b, config.rows)
            for first, second in _window_pairs(key, order_rank, config.max_bucket):
                # filter as we go: most window pairs are noise, and memory stays small
                keep = _agreeing(sig, first, second, config.min_signature)
                if keep.any():
                    found.append(first[keep] * n + second[keep])
        codes = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        del found
    a, b, counts = _counted_pairs(codes, n)
    del codes
    if cache is not None:
        cache.keep_candidates(order_rank, a, b, counts, config)
    if not len(a):
        return [[] for _ in range(n)]
    return _adjacency(a, b, n)


def _counted_pairs(codes: ndarray, n: int) -> tuple[ndarray, ndarray, ndarray]:
    """The distinct unordered pairs of the codes ``a * n + b`` as ``(lo, hi)`` arrays,
    sorted, and how many times each was given."""
    import numpy as np

    a, b = np.divmod(codes, n)
    u, counts = np.unique(np.minimum(a, b) * n + np.maximum(a, b), return_counts=True)
    lo, hi = np.divmod(u, n)
    return lo, hi, counts


# Above this share of the texts new, gone or moved, every bucket is windowed again.
WINDOWS_AGAIN_MAX = 0.25


def _windows_again(sig: ndarray, rank: ndarray, config: DedupeConfig,
                   cache: SignatureCache) -> ndarray | None:
    """The window pairs of this run (codes ``a * n + b``, each as many times as bands found
    it, as :func:`_candidates` makes them), from the earlier run's kept in ``cache``; None
    when there are none, or too much changed.

    A bucket's window pairs depend on its texts and their order by rank only. The texts
    both runs have keep their ranks' order, except those *moved* (a text whose earliest
    copy is now elsewhere): taken out, the others are in the same order in both runs. So
    a bucket without a new, gone or moved text has the same window pairs as before, and
    every pair of the earlier run that no such bucket made is still a pair: the earlier
    run's pairs, less the window pairs the touched buckets made then, plus those they make
    now, are the pairs of windowing every bucket."""
    import numpy as np

    kc, earlier = cache._known_candidates, cache._earlier
    if kc is None or earlier is None:
        return None
    ks, korder, old_rank, old_codes, old_counts = kc
    n, n_old = sig.shape[0], len(old_rank)
    common = np.flatnonzero(earlier >= 0)
    # the texts both runs have, in the earlier run's order: their ranks now
    seq = common[np.argsort(old_rank[earlier[common]], kind="stable")]
    now = rank[seq]
    # moved: those out of order, fewer of the texts that come before a higher rank or of
    # the texts that come after a lower one (either way the rest are in order)
    before = now < np.maximum.accumulate(now)
    after = now > np.minimum.accumulate(now[::-1])[::-1]
    moved = seq[before if before.sum() <= after.sum() else after]
    gone = np.ones(n_old, dtype=bool)
    gone[earlier[common]] = False
    new = np.concatenate((np.flatnonzero(earlier < 0), moved))
    old = np.concatenate((np.flatnonzero(gone), earlier[moved]))
    if len(new) + len(old) > WINDOWS_AGAIN_MAX * max(n, n_old):
        return None
    row_place = np.empty(n_old, dtype=np.int64)  # a stored signature row's place
    row_place[korder] = np.arange(n_old)
    old_rows = korder[old]
    taken: list = []  # the earlier run's window pairs in the touched buckets (places)
    found: list = []  # this run's (indices)
    for b in range(config.bands):
        key = _band_key(sig, b, config.rows)
        old_key = _band_key(ks, b, config.rows)
        touched = np.union1d(key[new], old_key[old_rows])
        if not len(touched):
            continue
        # (membership by binary search in the few touched keys: no sort of every key)
        rows = np.flatnonzero(_find(touched, old_key)[1])
        places = row_place[rows]
        for first, second in _window_pairs(old_key[rows], old_rank[places], config.max_bucket):
            keep = _agreeing(ks, rows[first], rows[second], config.min_signature)
            if keep.any():
                taken.append(places[first[keep]] * n_old + places[second[keep]])
        idx = np.flatnonzero(_find(touched, key)[1])
        for first, second in _window_pairs(key[idx], rank[idx], config.max_bucket):
            keep = _agreeing(sig, idx[first], idx[second], config.min_signature)
            if keep.any():
                found.append(idx[first[keep]] * n + idx[second[keep]])
    counts = old_counts.astype(np.int64)
    if taken:
        la, lb, lc = _counted_pairs(np.concatenate(taken), n_old)
        at, there = _find(old_codes, la * n_old + lb)
        if not there.all():
            return None  # not the pairs those buckets made: not ours
        np.subtract.at(counts, at, lc)
    if (counts < 0).any():
        return None
    stay = counts > 0
    lo, hi = np.divmod(old_codes[stay], n_old)
    index = np.full(n_old, -1, dtype=np.int64)  # a place's text in this run
    index[earlier[common]] = common
    a, b = index[lo], index[hi]
    out_of_place = np.zeros(n_old, dtype=bool)
    out_of_place[old] = True
    if (a < 0).any() or (b < 0).any() or out_of_place[lo].any() or out_of_place[hi].any():
        return None  # a pair of a gone or moved text left: not ours
    kept = np.repeat(a * n + b, counts[stay])
    cache.windows_again = (len(new), len(old))
    return np.concatenate([kept, *found])


def minhash_candidates(
    texts: Sequence[str],
    ranks: Sequence[int],
    config: DedupeConfig,
    progress: Progress | None = None,
    cache: SignatureCache | None = None,
) -> list[list[int]]:
    """Candidate pairs by MinHash-LSH over word bigrams: for each text, its candidates.
    With a ``cache``, the signatures it knows are looked up, not computed, and it keeps
    those of ``texts`` for a later run (the same candidates either way)."""
    sig = cache.compute(texts, config, progress) if cache is not None else \
        _signatures(texts, config, progress)
    return _candidates(sig, ranks, config, cache)


def _is_numeric_word(w: str) -> bool:
    return w in _NUMBER_WORDS or _ROMAN.fullmatch(w) is not None


# whether a word carries a number, once per distinct word (see corpus_cli.memo)
_NUMERIC = Memo(_is_numeric_word)


def number_words(text: str) -> tuple:
    """What a normalised text says with numbers: ``(digits, starts, words)`` -- its digits
    run together (so "1,350", "1 350" and "1350", or "£65m" and "65m", agree), where each
    of its numbers starts in that string, and its month names, number words ("three",
    "first"...) and roman numerals ("the xvi meeting"), in order."""
    runs = _DIGITS.findall(text)
    starts = []
    at = 0
    for r in runs:
        starts.append(at)
        at += len(r)
    words = tuple(filter(_NUMERIC.__getitem__, text.split()))
    return "".join(runs), frozenset(starts), words


def same_numbers(a: tuple, b: tuple) -> bool:
    """Do two texts (their :func:`number_words`) tell the same numbers? Yes when the digits
    of one stand, from the start of one of its numbers, in those of the other (a copy cut
    short, or one with a date or an image name glued before it) and its number words are
    those of the other with some left out (a word reworded), in order; no when a number was
    changed: "the 40th meeting" vs "the 41st", "in 2024" vs "in 2025", "5 May" vs "15 May"."""
    if a == b:
        return True
    (da, sa, wa), (db, sb, wb) = a, b
    if len(da) > len(db):
        (da, sa, wa), (db, sb, wb) = (db, sb, wb), (da, sa, wa)
    if da:  # the shorter digits, from the start of a number of the longer
        at = db.find(da)
        while at >= 0 and at not in sb:
            at = db.find(da, at + 1)
        if at < 0:
            return False
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    it = iter(long_)
    return all(x in it for x in short)  # a subsequence


def _similar(a: str, b: str, config: DedupeConfig) -> float:
    """Similarity of two normalised texts under the short-text rules (0 when not allowed)."""
    from rapidfuzz.fuzz import ratio

    shortest = min(len(a), len(b))
    if shortest < config.short_chars:
        return 0.0
    if shortest < config.medium_chars:
        if _DIGITS.findall(a) != _DIGITS.findall(b):
            return 0.0
        cutoff = config.short_threshold
    else:
        if not same_numbers(number_words(a), number_words(b)):
            return 0.0
        cutoff = config.threshold
    if shortest < cutoff * max(len(a), len(b)) * 0.5:
        return 0.0  # lengths too different for the ratio to reach the cutoff
    score = ratio(a, b, score_cutoff=cutoff * 100) / 100.0
    return score if score >= cutoff else 0.0


VERIFY_CHUNK = 200_000  # candidate pairs scored per call (the progress bar moves between)


def _verify(texts: Sequence[str], neigh: list[list[int]], config: DedupeConfig,
            progress: Progress | None = None, cache: SignatureCache | None = None
            ) -> list[list[tuple[int, float]]]:
    """Score every candidate pair at once (rapidfuzz ``cpdist``, in C, on all cores) and keep
    those that pass :func:`_similar`'s rules: for each text, its verified copies with their
    similarity, in index order. With a ``cache`` (whose last call computed the signatures
    of ``texts``), the pairs an earlier run verified keep their scores, and this run's are
    kept for a later run."""
    lens = [len(t) for t in texts]
    lo = min(config.threshold, config.short_threshold) * 100
    qa: list[int] = []
    qb: list[int] = []
    for a, ns in enumerate(neigh):
        la = lens[a]
        for b in ns:
            if b <= a:
                continue
            lb = lens[b]
            short, long_ = (la, lb) if la < lb else (lb, la)
            if short >= 0.5 * lo / 100 * long_:  # else the ratio cannot reach the cutoff
                qa.append(a)
                qb.append(b)
    out: list[list[tuple[int, float]]] = [[] for _ in texts]
    if cache is not None:
        import numpy as np

        known, kscores = cache.known_scores(np.array(qa, dtype=np.int64),
                                            np.array(qb, dtype=np.int64))
        todo = np.flatnonzero(~known).tolist()
        scores = kscores.tolist()
        got = _scores(texts, [qa[i] for i in todo], [qb[i] for i in todo], lens, lo, config,
                      progress)
        for i, sc in zip(todo, got, strict=True):
            scores[i] = sc
        cache.keep_scores(qa, qb, scores, config)
    else:
        scores = _scores(texts, qa, qb, lens, lo, config, progress)
    for a, b, sc in zip(qa, qb, scores, strict=True):
        if sc:
            out[a].append((b, sc))
            out[b].append((a, sc))
    for lst in out:
        lst.sort()
    return out


def _scores(texts: Sequence[str], qa: list[int], qb: list[int], lens: list[int], lo: float,
            config: DedupeConfig, progress: Progress | None) -> list[float]:
    """The verified similarity of each pair ``(qa[i], qb[i])`` of ``texts``: rapidfuzz's
    ratio under :func:`_similar`'s rules, 0 when they are not copies."""
    from rapidfuzz import fuzz, process

    if not qa:
        return []
    scores: list[float] = []
    for i in range(0, len(qa), VERIFY_CHUNK):
        part = slice(i, i + VERIFY_CHUNK)
        scores += process.cpdist([texts[a] for a in qa[part]], [texts[b] for b in qb[part]],
                                 scorer=fuzz.ratio, score_cutoff=lo, workers=-1).tolist()
        if progress:
            progress("verify", len(scores), len(qa))
    numbers: dict[int, tuple] = {}

    def numbers_of(i: int) -> tuple:
        got = numbers.get(i)
        if got is None:
            got = numbers[i] = number_words(texts[i])
        return got

    for n, (a, b, sc) in enumerate(zip(qa, qb, scores, strict=True)):
        if not sc:
            continue
        sc /= 100.0
        if min(lens[a], lens[b]) < config.medium_chars:
            if sc < config.short_threshold or (
                    _DIGITS.findall(texts[a]) != _DIGITS.findall(texts[b])):
                sc = 0.0
        elif sc < config.threshold or not same_numbers(numbers_of(a), numbers_of(b)):
            sc = 0.0
        scores[n] = sc
    return scores


def cluster_texts(
    texts: Sequence[str],
    ranks: Sequence[int] | None = None,
    config: DedupeConfig | None = None,
    progress: Progress | None = None,
    candidates: CandidateFinder | None = None,
    cache: SignatureCache | None = None,
) -> TextClusters:
    """Cluster distinct normalised ``texts`` (see :func:`normalize`).

    ``ranks`` orders them for the choice of representatives (lower = preferred); by default
    the longest text first, then the text itself. Returns, for each text, the index of its
    representative, the similarity to it and the rule that merged it. ``candidates`` replaces
    the built-in MinHash-LSH candidate generation (used by the benchmarks to plug in a peer).
    A ``cache`` lends what an earlier run computed (the signatures of texts, the scores of
    pairs: see :class:`SignatureCache`) and keeps this run's; the result is the same.
    """
    config = config or DedupeConfig()
    n = len(texts)
    if ranks is None:
        order = sorted(range(n), key=lambda i: (-len(texts[i]), texts[i]))
        ranks = [0] * n
        for r, i in enumerate(order):
            ranks[i] = r
    rep = list(range(n))
    score = [1.0] * n
    rule = ["kept"] * n
    fuzzy = [
        i for i in range(n) if config.short_chars <= len(texts[i]) <= config.max_fuzzy_chars
    ]
    if len(fuzzy) < 2:
        return TextClusters(rep, score, rule)
    local_ranks = [ranks[i] for i in fuzzy]
    sub = [texts[i] for i in fuzzy]
    if candidates is not None:
        neigh = candidates(sub, local_ranks, config, progress)
        cache = None  # its signatures are not those of these texts
    else:
        neigh = minhash_candidates(sub, local_ranks, config, progress, cache)
    verified = _verify(sub, neigh, config, progress, cache)
    del neigh
    order = sorted(range(len(fuzzy)), key=lambda j: local_ranks[j])
    local_rep: list[int | None] = [None] * len(fuzzy)
    for j in order:
        if local_rep[j] is not None:
            continue
        # Not taken by the representatives of its copies: it may still be a copy of the
        # representative of one of its copies. Compare with that one directly.
        best, best_score = -1, 0.0
        seen_reps = set()
        for k, _s in verified[j]:
            r = local_rep[k]
            if r is None or r == k or r in seen_reps:
                continue
            seen_reps.add(r)
            sc = _similar(sub[j], sub[r], config)
            if sc > best_score or (sc == best_score and sc and local_ranks[r] < local_ranks[best]):
                best, best_score = r, sc
        if best >= 0:
            local_rep[j] = best
            rep[fuzzy[j]] = fuzzy[best]
            score[fuzzy[j]] = best_score
            rule[fuzzy[j]] = "fuzzy"
            continue
        local_rep[j] = j
        rank_j = local_ranks[j]
        for k, sc in verified[j]:
            if local_rep[k] is not None or local_ranks[k] < rank_j:
                continue
            local_rep[k] = j
            rep[fuzzy[k]] = fuzzy[j]
            score[fuzzy[k]] = sc
            rule[fuzzy[k]] = "fuzzy"
    return TextClusters(rep, score, rule)


def _corpus_key(p: Paragraph, order: Mapping[str, int] | None = None) -> tuple:
    if order is None:
        return (p.path, p.line_start, p.index)
    return (order[p.path], p.line_start, p.index)


def dedupe(
    paragraphs: Sequence[Paragraph],
    config: DedupeConfig | None = None,
    progress: Progress | None = None,
    norms: Sequence[str] | None = None,
    candidates: CandidateFinder | None = None,
    order: Mapping[str, int] | None = None,
    cache: SignatureCache | None = None,
) -> DedupeResult:
    """Find the copies among ``paragraphs`` and choose the one to keep in each cluster.

    Only kept text paragraphs take part (removed paragraphs and datelines, which legitimately
    repeat, are left alone). ``norms`` may give :func:`normalize` of each paragraph's text
    when already computed. Every paragraph of a cluster but the kept one gets a
    :class:`~corpus_cli.models.Drop` naming the kept copy, the similarity and the rule.
    ``candidates`` replaces the local candidate generation (see :func:`cluster_texts`).
    ``order`` gives each page's place in the corpus order, which decides between otherwise
    equal copies (the earliest is kept); by default, the path order. ``cache`` lends an
    earlier run's signatures and verified pairs (see :func:`cluster_texts`).
    """
    config = config or DedupeConfig()
    groups: dict[str, list[int]] = {}
    get = groups.get
    for i, p in enumerate(paragraphs):
        if p.status != "kept" or p.kind != "text":
            continue
        key = norms[i] if norms is not None else normalize(p.text)
        if not key:
            continue
        g = get(key)
        if g is None:
            groups[key] = [i]
        else:
            g.append(i)
    texts = list(groups)
    members = [groups[t] for t in texts]
    for m in members:
        if len(m) > 1:
            m.sort(key=lambda i: _corpus_key(paragraphs[i], order))
    first = [_corpus_key(paragraphs[m[0]], order) for m in members]
    order = sorted(range(len(texts)), key=lambda i: (-len(texts[i]), first[i]))
    ranks = [0] * len(texts)
    for r, i in enumerate(order):
        ranks[i] = r
    if progress:
        progress("exact", len(texts), len(texts))
    tc = cluster_texts(texts, ranks, config, progress, candidates, cache)

    by_rep: dict[int, list[int]] = {}
    for i in range(len(texts)):
        by_rep.setdefault(tc.rep[i], []).append(i)
    clusters: list[Cluster] = []
    drops: dict[str, Drop] = {}
    cluster_of: dict[str, str] = {}
    for r, distinct in by_rep.items():
        if len(distinct) == 1 and len(members[r]) == 1:
            continue
        kept = paragraphs[members[r][0]]
        cid = "c" + kept.id
        ordered = [kept]
        for d in (distinct if len(distinct) == 1 else sorted(distinct, key=ranks.__getitem__)):
            for m in members[d]:
                p = paragraphs[m]
                if p is kept:
                    continue
                ordered.append(p)
                if d == r:
                    rule = "exact" if p.text == kept.text else "normalized"
                    sim = 1.0
                else:
                    rule, sim = tc.rule[d], round(tc.score[d], 4)
                drops[p.id] = Drop(p.id, kept.id, rule, sim, cid)
        pages = len({p.path for p in ordered})
        kind = "boilerplate" if pages >= config.boilerplate_pages else "duplicate"
        clusters.append(Cluster(cid, kind, kept.id, tuple(p.id for p in ordered), pages))
        for p in ordered:
            cluster_of[p.id] = cid
    clusters.sort(key=lambda c: (-len(c.member_ids), c.id))
    return DedupeResult(clusters, drops, cluster_of)
