"""Ground truth: the proved bound against a count of correct inputs made without the kernel.

The count comes from ``training.accuracy``, a float64 forward pass from the float32 weights
that shares no code with the kernel's rules (no ``checker.tables``, no interval arithmetic).

- When every input can be enumerated (d_vocab^K <= ``training.accuracy.EXHAUSTIVE_LIMIT``, e.g.
  K = 4 at d_vocab 64): ``correct`` inputs have a float64 margin above the tie tolerance and
  ``near_ties`` are within it, so ``correct + near_ties`` is an upper bound on the true number of
  correct inputs *up to float64 rounding*: an input whose float64 margin is below -tolerance is
  taken as wrong, which is right unless the forward pass erred by more than the tolerance
  (1e-9, many orders above its rounding error at these sizes). The audit requires
  proved count <= correct + near_ties.
- Otherwise: a seeded uniform sample, with a 95% Wilson interval for the fraction of inputs that
  are correct or near ties. The audit flags a proved bound above the interval's upper end. A
  bound that equals the true accuracy exceeds that end with probability about 2.5%; cubic bounds
  sit well below the truth, so in practice a flag means a false proof.
"""

from __future__ import annotations

import time
from fractions import Fraction

from compact_proofs.checker.io.weights import Model
from compact_proofs.training.accuracy import EXHAUSTIVE_LIMIT, exact_accuracy, sampled_accuracy, wilson_interval

DEFAULT_SAMPLES = 1_000_000
DEFAULT_SEED = 20240411  # not training.accuracy.SAMPLE_SEED: the audit draws its own sample


def cross_check(model: Model, proved: Fraction, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> dict:
    """Compare the proved bound with an independent count (see the module docstring)."""
    start = time.perf_counter()
    c = model.config
    total = c.d_vocab ** c.n_ctx
    proved_count = proved * total
    if total <= EXHAUSTIVE_LIMIT:
        record = exact_accuracy(model.tensors)
        upper = record["correct"] + record["near_ties"]
        ok = proved_count <= upper
        return {
            "method": "exhaustive", "total": total, "correct": record["correct"],
            "near_ties": record["near_ties"], "upper": upper, "proved_count": int(proved_count),
            "slack": int(upper - proved_count), "ok": bool(ok),
            "note": "correct + near_ties bounds the true number of correct inputs from above, up to float64 "
                    f"rounding of the forward pass (tie tolerance {record['tie_tolerance']:g})",
            "seconds": round(time.perf_counter() - start, 2),
        }
    record = sampled_accuracy(model.tensors, samples=samples, seed=seed)
    hits = record["correct"] + record["near_ties"]
    lo, hi = wilson_interval(hits, record["samples"])
    ok = proved <= Fraction(hi)
    return {
        "method": "sample", "total": total, "samples": record["samples"], "seed": seed,
        "correct": record["correct"], "near_ties": record["near_ties"], "ci95": [lo, hi],
        "proved": float(proved), "ok": bool(ok),
        "note": "95% Wilson interval of the fraction of sampled inputs that are correct or near ties; a "
                "bound equal to the truth would exceed its upper end with probability ~2.5%",
        "seconds": round(time.perf_counter() - start, 2),
    }


def render_ground_truth(record: dict) -> str:
    if record.get("skipped"):
        return f"ground truth: skipped ({record['skipped']})\n"
    verdict = "ok" if record["ok"] else "FAILED: the proved bound exceeds the independent count"
    if record["method"] == "exhaustive":
        return (f"ground truth (exhaustive float64 count over all {record['total']} inputs, "
                f"{record['seconds']:.1f} s): correct {record['correct']}, near ties {record['near_ties']}; "
                f"proved {record['proved_count']} <= {record['upper']} (slack {record['slack']}): {verdict}\n"
                f"  note: {record['note']}\n")
    lo, hi = record["ci95"]
    return (f"ground truth (seeded sample of {record['samples']} inputs, seed {record['seed']}, "
            f"{record['seconds']:.1f} s): correct {record['correct']}, near ties {record['near_ties']}, "
            f"95% interval [{lo:.6f}, {hi:.6f}]; proved {record['proved']:.6f}: {verdict}\n"
            f"  note: {record['note']}\n")
