"""The brute-force strategy: claim the number of inputs the kernel's own float path certifies.
The proof is the single rule "evaluate every input"; the kernel re-evaluates all of them on
every check, so the claim is re-derived, never trusted.

Finding the number to claim is itself a proof of it: by default the strategy runs the kernel's
hybrid count (the cubic cases, then the brute-force float path on the inputs they leave), a few
per cent of the work of a full enumeration; the two counts agree unless an input sits within
the float path's error bound of a tie, and then the certificate is rejected rather than wrong.
``hybrid=False`` runs the full enumeration instead. The model cards' independent float64 count
is the cross-check (tests/strategies/test_shipped.py).
"""

from __future__ import annotations

from typing import Callable

from compact_proofs.checker import shards
from compact_proofs.checker.io.weights import Model
from compact_proofs.checker.proofs import brute_force
from compact_proofs.checker.proofs import cubic as cubic_rule
from compact_proofs.checker.proofs import hybrid as hybrid_rule
from compact_proofs.checker.tables import Tables
from compact_proofs.strategies import cubic


def prove(model: Model, progress: Callable[[int, int], None] | None = None, jobs: int | None = None,
          hybrid: bool = True) -> tuple[dict, int, dict]:
    """Return (proof object, inputs claimed correct, parameters: how the claim was found);
    ``jobs`` processes (default: the CPUs this process may use)."""
    executor = shards.processes(jobs or shards.available_cpus())
    if hybrid:
        proof, _, _ = cubic.prove(model)
        cases = cubic_rule.read_cases(proof, model.config, "brute-force strategy")
        count = hybrid_rule.count_correct(Tables(model), model.digest, cases, executor=executor, progress=progress)
    else:
        count = brute_force.count_correct(Tables(model), model.digest, executor=executor, progress=progress)
    return {"rule": "brute_force"}, count, {"claim_from": "hybrid" if hybrid else "brute_force"}
