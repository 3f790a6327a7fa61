"""The brute-force strategy: claim every input that a float64 forward pass finds correct with a
margin above the tie tolerance. The proof is the single rule "evaluate every input"; the
kernel re-evaluates all of them rigorously."""

from __future__ import annotations

import time

from compact_proofs.checker.io.weights import Model
from compact_proofs.training.accuracy import exact_accuracy


def prove(model: Model) -> tuple[dict, int, dict]:
    """Return (proof object, inputs claimed correct, statistics)."""
    start = time.perf_counter()
    record = exact_accuracy(model.tensors)
    stats = {"near_ties": record["near_ties"], "seconds": round(time.perf_counter() - start, 3)}
    return {"rule": "brute_force"}, record["correct"], stats
