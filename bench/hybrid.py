"""Benchmark: the hybrid proof's exact count at K=5 and K=6, against the cubic check of the
same model (the hybrid is the cubic check plus an enumeration of the inputs its cases leave).
The plain brute-force check of the same K=5 model is a figure of ``bench.brute_force``.

  python -m bench.hybrid [--quick]

Models: K=5 seed50 (certificates/hybrid/k5-seed50.json) and K=6 seed104 (certificates/slow/hybrid/). Each
figure is a median over repeated runs in fresh interpreters (``bench.common``).
"""

from __future__ import annotations

import sys

from bench import common

CASES = {5: ("certificates/hybrid/k5-seed50.json", "certificates/cubic/k5-seed50.json"),
         6: ("certificates/slow/hybrid/k6-seed104.json", "certificates/cubic/k6-seed104.json")}


def verify(certificate: str, jobs: int = 2) -> dict:
    from compact_proofs.checker.kernel import check
    result = check(certificate, jobs=jobs)
    return {"verdict": result.verdict, "reason": result.reason, "operations": result.operations}


def measure(quick: bool = False) -> dict:
    figures = []
    for k, (hybrid, cubic) in CASES.items():
        if quick and k == 6:
            continue
        measured = common.runs("bench.hybrid:verify", common.repeats(quick, heavy=k == 6), certificate=hybrid, jobs=2)
        base = common.runs("bench.hybrid:verify", common.repeats(quick), certificate=cubic, jobs=2)
        ratio = measured[0]["result"]["operations"] / base[0]["result"]["operations"]
        figures.append(common.figure(f"hybrid verify K={k}, jobs 2", measured, "cubic verify", base,
                                     operations_ratio=ratio))
    return {"benchmark": "hybrid", "machine": common.machine(), "figures": figures}


def main(argv: list[str] | None = None) -> int:
    return common.main_for("hybrid", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
