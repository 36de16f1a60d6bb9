"""Run the property tests in their long profile and count the examples they ran.

    python scripts/fuzz_long.py                 # the "long" profile: over 100,000 examples
    python scripts/fuzz_long.py -- -x           # arguments after -- go to pytest

CI runs the same tests in the "ci" profile (a few hundred examples each, fixed seed: fast
and deterministic). The "long" profile (``tests/conftest.py``) runs up to 10,000 examples a
test from a random seed (60 times the ci count for the tests that set their own), over the
loader (any bytes; any text in any codec), the cleaner (idempotence, provenance), the
segmenter, dates, entities and the outputs (JSON, JSON Lines, CSV, neutral CSV, TSV, table,
show) in ``tests/test_fuzz.py``, and the accounting of ``corpus dedupe`` on random corpora
in ``tests/test_hardening.py``. It prints, by area, how many examples passed, and the
total; a failure prints the example and the seed to reproduce it. About 15 minutes on the
2-core project machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/test_fuzz.py", "tests/test_hardening.py::"
         "test_every_paragraph_is_kept_or_dropped_with_a_reason"]
AREAS = (("loader", "loader"), ("clean", "cleaner"), ("segment", "segmenter"),
         ("dates", "dates"), ("mentions", "entities"), ("kept_or_dropped", "accounting"))


def area(test: str) -> str:
    for key, name in AREAS:
        if key in test:
            return name
    return "outputs"


def main() -> int:
    extra = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    env = {**os.environ, "HYPOTHESIS_PROFILE": "long"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
           "--hypothesis-show-statistics", *TESTS, *extra]
    print("running:", "HYPOTHESIS_PROFILE=long", " ".join(cmd[2:]), flush=True)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    out = proc.stdout
    by_test: Counter = Counter()
    test = None
    for line in out.splitlines():
        m = re.match(r"^(\S+::\S+):$", line.strip())
        if m:
            test = m.group(1)
            continue
        m = re.search(r"(\d+) passing, (\d+) failing", line)
        if m and test:
            by_test[test] += int(m.group(1)) + int(m.group(2))
    by_area: Counter = Counter()
    for name, n in by_test.items():
        by_area[area(name.split("::")[-1])] += n
    print(f"\n{'area':<12}{'examples':>10}")
    for name, n in sorted(by_area.items(), key=lambda kv: -kv[1]):
        print(f"{name:<12}{n:>10,}")
    print(f"{'total':<12}{sum(by_area.values()):>10,}   ({len(by_test)} property tests, "
          f"{seconds / 60:.1f} min)")
    summary = [ln for ln in out.splitlines() if re.search(r"\b(passed|failed|error)", ln)]
    print(summary[-1] if summary else "")
    if proc.returncode:
        print(out[-6000:], proc.stderr[-2000:], sep="\n")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
