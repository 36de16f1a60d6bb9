"""Start-up time of the command line: `corpus --help` and `corpus list --jsonl` on the seeds'
store, against `python -c pass` and `python -c "import click"` (the floor), median of 15.

    python benchmarks/bench_startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], runs: int = 15, env=None) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                       env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    import os

    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "c.db")
        subprocess.run([py, "-m", "corpus_cli", "dedupe", str(ROOT / "seeds"), "--db", db],
                       check=True, capture_output=True)
        env = {**os.environ, "CORPUS_DB": db}
        rows = [
            ("python -c pass", timed([py, "-c", "pass"])),
            ("python -c 'import click'", timed([py, "-c", "import click"])),
            ("corpus --help", timed([py, "-m", "corpus_cli", "--help"])),
            ("corpus list --jsonl", timed([py, "-m", "corpus_cli", "list", "--jsonl"], env=env)),
        ]
    print(f"{'command':<28} {'median ms':>10}")
    for name, ms in rows:
        print(f"{name:<28} {ms:>10.0f}")


if __name__ == "__main__":
    main()
