"""Benchmark: the kernel's rigorous brute-force check, K=4 against two float64 passes over the
same 64^4 inputs, and K=5 (64^5 = 1.07e9 inputs) with 1 and 2 processes and on a 2-worker
Dask LocalCluster.

  python -m bench.brute_force [--quick]

Baselines, measured in the same run:
- naive float64: the textbook forward pass per input (embed, Q/K/V, softmax, output,
  unembed), vectorised over chunks of inputs (``naive_forward``);
- structured float64: ``training.accuracy.exact_accuracy``, the model cards' evaluator (path
  tables, attention weights per position, no per-input matrix products);
- K=5: the kernel at jobs=1.
Every figure is a median over repeated runs, each in a fresh interpreter (``bench.common``).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from bench import common

K4_CERT = "certificates/brute_force/k4-seed50.json"
# One K=5 model per setting: the work (and the counted cost) of a brute-force check depends only
# on the shape, so the three settings compare like with like and each run checks a shipped
# certificate (the first is in the default gate, the others in the slow one).
K5_CERTS = ("certificates/brute_force/k5-seed50.json", "certificates/slow/brute_force/k5-seed104.json",
            "certificates/slow/brute_force/k5-seed123.json")
CHUNK = 1 << 14


def naive_forward(weights: str, chunk: int = CHUNK) -> dict:
    """Count the inputs whose max-token logit beats every other by more than the cards' tie
    tolerance, with the plain float64 forward pass recomputed for every input."""
    from compact_proofs.checker.io.weights import load_model
    from compact_proofs.training.accuracy import TIE_TOLERANCE
    model = load_model(Path(weights))
    w = {k: np.asarray(v, dtype=np.float64) for k, v in model.tensors.items()}
    E, P, U = w["embed.W_E"], w["pos_embed.W_pos"], w["unembed.W_U"]
    Q, Kw, V, O = (w[f"blocks.0.attn.W_{x}"][0] for x in "QKVO")
    n_ctx, d_vocab = P.shape[0], E.shape[0]
    total = d_vocab ** n_ctx
    scale = 1 / math.sqrt(Q.shape[1])
    powers = d_vocab ** np.arange(n_ctx - 1, -1, -1)
    correct = 0
    for start in range(0, total, chunk):
        index = np.arange(start, min(total, start + chunk))
        tokens = (index[:, None] // powers) % d_vocab  # [B, K]
        x = E[tokens] + P[None]  # [B, K, d_model]
        q = x[:, -1] @ Q
        k = x @ Kw
        v = x @ V
        scores = np.einsum("bd,bkd->bk", q, k) * scale
        scores -= scores.max(axis=1, keepdims=True)
        attention = np.exp(scores)
        attention /= attention.sum(axis=1, keepdims=True)
        logits = (x[:, -1] + np.einsum("bk,bkd->bd", attention, v) @ O) @ U
        rows = np.arange(len(index))
        labels = tokens.max(axis=1)
        true = logits[rows, labels]
        logits[rows, labels] = -np.inf
        correct += int(np.count_nonzero(true - logits.max(axis=1) > TIE_TOLERANCE))
    return {"correct": correct, "total": total}


def structured(weights: str) -> dict:
    from compact_proofs.checker.io.weights import load_model
    from compact_proofs.training.accuracy import exact_accuracy
    record = exact_accuracy(load_model(Path(weights)).tensors)
    return {"correct": record["correct"], "near_ties": record["near_ties"], "total": record["total"]}


def kernel(certificate: str, jobs: int = 1, dask: str | None = None) -> dict:
    """Verify ``certificate``; with ``dask``, on a new cluster of ``jobs`` workers (the reported
    seconds exclude starting it)."""
    import contextlib
    import time
    from compact_proofs.checker.kernel import check
    context = contextlib.nullcontext(None)
    if dask:
        from compact_proofs.verify.distributed import connect
        context = connect(dask, jobs)
    with context as executor:
        start = time.perf_counter()
        result = check(certificate, jobs=jobs, executor=executor)
        seconds = time.perf_counter() - start
    return {"verdict": result.verdict, "reason": result.reason, "operations": result.operations,
            "seconds": seconds}


def measure(quick: bool = False) -> dict:
    repeats = common.repeats(quick)
    weights = "models/k4/seed50.safetensors"
    figures = []
    k4 = common.runs("bench.brute_force:kernel", repeats, certificate=K4_CERT, jobs=1)
    naive = common.runs("bench.brute_force:naive_forward", repeats, weights=weights)
    fast = common.runs("bench.brute_force:structured", repeats, weights=weights)
    figures.append(common.figure("brute force verify K=4, jobs 1", k4, "naive float64 forward pass", naive,
                                 naive_correct=naive[0]["result"]["correct"]))
    figures.append(common.figure("brute force verify K=4, jobs 1", k4, "structured float64 (model cards)", fast,
                                 structured_correct=fast[0]["result"]["correct"]))
    if not quick:
        heavy = common.repeats(quick, heavy=True)
        k5 = {name: common.runs("bench.brute_force:kernel", heavy, certificate=cert, jobs=jobs, dask=dask)
              for name, cert, jobs, dask in (("jobs 1", K5_CERTS[0], 1, None), ("jobs 2", K5_CERTS[1], 2, None),
                                              ("2-worker LocalCluster", K5_CERTS[2], 2, "local"))}
        for name in ("jobs 2", "2-worker LocalCluster"):
            figures.append(common.figure(f"brute force verify K=5, {name}", k5[name], "jobs 1", k5["jobs 1"],
                                         operations=[k5[name][0]["result"]["operations"],
                                                     k5["jobs 1"][0]["result"]["operations"]]))
        figures.append(common.figure("brute force verify K=5, jobs 1", k5["jobs 1"]))
    return {"benchmark": "brute_force", "machine": common.machine(), "figures": figures}


def main(argv: list[str] | None = None) -> int:
    return common.main_for("brute_force", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
