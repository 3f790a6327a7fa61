"""Benchmark: time to prove (strategy) and to verify (kernel) cubic certificates, per model,
against the paper's reported 38-40 s per K=4 model (float32, unchecked).

  python bench/cubic.py [--k 4] [--models models]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from compact_proofs.checker.kernel import check
from compact_proofs.strategies.prove import prove_one

PAPER_SECONDS_K4 = 39.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--models", type=Path, default=Path("models"))
    args = parser.parse_args()
    prove_s, verify_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for weights in sorted((args.models / f"k{args.k}").glob("*.safetensors")):
            out = Path(tmp) / f"{weights.stem}.json"
            start = time.perf_counter()
            prove_one(weights.resolve(), "cubic", out)
            prove_s.append(time.perf_counter() - start)
            result = check(out)
            verify_s.append(result.seconds)
            print(f"{weights.name:24s} prove {prove_s[-1]:6.2f} s  verify {verify_s[-1]:6.2f} s  "
                  f"bound {float(result.bound or 0):.4f}  {result.verdict}  ops {result.operations:.3g}")
    print(f"K={args.k}: prove mean {statistics.mean(prove_s):.2f} s, verify mean {statistics.mean(verify_s):.2f} s "
          f"over {len(prove_s)} models")
    if args.k == 4:
        print(f"paper's cubic proof: ~{PAPER_SECONDS_K4:.0f} s per K=4 model; ratio prove/paper "
              f"{statistics.mean(prove_s) / PAPER_SECONDS_K4:.3f}")


if __name__ == "__main__":
    main()
