"""The peer of ``bench_throughput.py``: a plain datasketch + rapidfuzz near-duplicate
pipeline, as one would write it without corpus.

    python benchmarks/peer_pipeline.py PAGES_DIR

It reads every ``*.txt`` page (UTF-8, else cp1252), takes each non-blank line as a
paragraph, normalises it (NFKC, case-folded, words), groups identical texts, finds
near-duplicate candidates among the distinct texts with datasketch ``MinHash`` +
``MinHashLSH`` (128 permutations, threshold 0.8, the words of each text: as
``bench_dedupe.py``'s peer), keeps the pairs whose rapidfuzz ``ratio`` is at least 80,
clusters them (union-find) and keeps the first paragraph of each cluster. One process. It
prints its counts as one JSON line. It does none of what corpus does besides: no cleaning,
items, dates, entities, store or search index.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

_WORDS = re.compile(r"\w+")


def normalize(text: str) -> str:
    return " ".join(_WORDS.findall(unicodedata.normalize("NFKC", text).casefold()))


def main(folder: str) -> dict:
    from datasketch import MinHash, MinHashLSH
    from rapidfuzz import fuzz

    groups: dict[str, list[tuple[str, int]]] = {}
    n_par = 0
    for path in sorted(Path(folder).rglob("*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        for no, line in enumerate(text.splitlines(), 1):
            if line.strip():
                n_par += 1
                key = normalize(line)
                if key:
                    groups.setdefault(key, []).append((str(path), no))
    texts = list(groups)
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    sigs = []
    for i, t in enumerate(texts):
        m = MinHash(num_perm=128)
        m.update_batch([w.encode("utf-8") for w in set(t.split())])
        lsh.insert(i, m)
        sigs.append(m)
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j > i and fuzz.ratio(texts[i], texts[j]) >= 80:
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    clusters = {find(i) for i in range(len(texts))}
    no_words = n_par - sum(len(g) for g in groups.values())  # kept as they are
    kept = len(clusters) + no_words
    return {"paragraphs": n_par, "distinct": len(texts), "kept": kept,
            "dropped": n_par - kept}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
