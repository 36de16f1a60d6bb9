"""Choosing a legacy code page: corpus against charset-normalizer alone, in the same run.

    python benchmarks/bench_encodings.py            # accuracy and CPU time
    python benchmarks/bench_encodings.py --misses   # ... and every page read wrong

The pages are the news paragraphs of ``tests/encoding_samples.py`` (31 languages, written
for this project), each saved in every legacy code page that can hold it (63 pages), at
three lengths: the paragraph, its first sentence of at least 40 characters, of at least
15. A page is right when the decoded text is exactly the paragraph (a code page that gives
the same text counts as right: latin-1 text read as cp1252). Peer: ``charset_normalizer.
from_bytes(data).best()``, the library corpus used before (and still uses for CJK code
pages). Large pages: 400 KB of one paragraph repeated, CPU time per page.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--misses", action="store_true", help="list every page read wrong")
    args = ap.parse_args()

    from charset_normalizer import from_bytes
    from encoding_samples import SAMPLES, cases

    from corpus_cli.inputs.charsets import decode_bytes

    print(f"{'length':<22}{'pages':>6}{'corpus':>10}{'peer':>10}{'corpus ms':>12}"
          f"{'peer ms':>10}")
    for label, min_len in (("paragraph", None), ("sentence >= 40 chars", 40),
                           ("sentence >= 15 chars", 15)):
        n = ours = peer = 0
        t_ours = t_peer = 0.0
        for lang, enc, text in cases(min_len):
            data = text.encode(enc)
            t = time.process_time()
            got = decode_bytes(data)
            t_ours += time.process_time() - t
            t = time.process_time()
            match = from_bytes(data).best()
            t_peer += time.process_time() - t
            right = got.text == text
            peer_right = match is not None and data.decode(match.encoding, "replace") == text
            n += 1
            ours += right
            peer += peer_right
            if args.misses and not right:
                print(f"  corpus misses {lang} in {enc}: read as {got.encoding}")
            if args.misses and not peer_right:
                print(f"  peer misses {lang} in {enc}: read as "
                      f"{match.encoding if match else None}")
        print(f"{label:<22}{n:>6}{ours:>10}{peer:>10}{t_ours * 1000 / n:>12.2f}"
              f"{t_peer * 1000 / n:>10.2f}")

    print("\nlarge pages (400 KB), CPU ms per page")
    for lang, enc in (("russian", "cp1251"), ("russian", "koi8_r"), ("french", "cp1252"),
                      ("polish", "cp1250"), ("greek", "cp1253")):
        text = (SAMPLES[lang][0] + "\n") * 2000
        data = text.encode(enc)
        t = time.process_time()
        got = decode_bytes(data)
        ours_ms = (time.process_time() - t) * 1000
        t = time.process_time()
        match = from_bytes(data).best()
        peer_ms = (time.process_time() - t) * 1000
        peer_right = match is not None and data.decode(match.encoding, "replace") == text
        print(f"  {lang:<10}{enc:<10} corpus {ours_ms:7.1f} ms "
              f"({'right' if got.text == text else 'WRONG'})   peer {peer_ms:7.1f} ms "
              f"({'right' if peer_right else 'WRONG'})")


if __name__ == "__main__":
    main()
