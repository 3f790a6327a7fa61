"""Benchmark: proving (strategy) and checking (kernel) cubic certificates, for every shipped
model of each K, against a float64 estimate of the same model's accuracy from 10^6 seeded
samples (``training.accuracy.sampled_accuracy``, how the K >= 5 cards were first made): the
price of a checked bound against an unchecked estimate. The paper reports ~39 s per K=4
model for its (float32, unchecked) cubic proof.

  python -m bench.cubic [--quick]

Each figure is the median over the first ``MODELS_PER_K`` models of K (``--quick``: two), one
run each, in a fresh interpreter (``bench.common``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench import common

KS = (4, 5, 6, 10, 20)
MODELS_PER_K = 5  # the first models of each K (sorted by file name); --quick: 2
PAPER_PROVE_SECONDS_K4 = 39.0


def prove(weights: str, out: str) -> dict:
    from compact_proofs.strategies.prove import prove_one
    row = prove_one(Path(weights), "cubic", Path(out))
    return {"claimed": row["claimed"], "cases": row["cases"]}


def verify(certificate: str) -> dict:
    from compact_proofs.checker.kernel import check
    result = check(certificate)
    return {"verdict": result.verdict, "bound": float(result.bound or 0), "operations": result.operations}


def sampled(weights: str) -> dict:
    from compact_proofs.checker.io.weights import load_model
    from compact_proofs.training.accuracy import sampled_accuracy
    return {"accuracy": sampled_accuracy(load_model(Path(weights)).tensors)["accuracy"]}


def measure(quick: bool = False) -> dict:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in KS:
            models = sorted((common.ROOT / "models" / f"k{k}").glob("*.safetensors"))[: 2 if quick else MODELS_PER_K]
            if not models:
                continue
            proved, checked, estimated = [], [], []
            for weights in models:
                out = str(Path(tmp) / f"k{k}-{weights.stem}.json")
                proved += common.runs("bench.cubic:prove", 1, weights=str(weights), out=out)
                checked += common.runs("bench.cubic:verify", 1, certificate=out)
                estimated += common.runs("bench.cubic:sampled", 1, weights=str(weights))
            bounds = [r["result"]["bound"] for r in checked]
            figures.append(common.figure(f"cubic prove K={k} ({len(models)} models)", proved,
                                         "10^6-sample float64 estimate", estimated,
                                         paper_prove_seconds=PAPER_PROVE_SECONDS_K4 if k == 4 else None))
            figures.append(common.figure(f"cubic verify K={k} ({len(models)} models)", checked,
                                         "10^6-sample float64 estimate", estimated,
                                         mean_bound=sum(bounds) / len(bounds)))
    return {"benchmark": "cubic", "machine": common.machine(), "figures": figures}


def main(argv: list[str] | None = None) -> int:
    return common.main_for("cubic", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
