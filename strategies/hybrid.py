"""The hybrid strategy: the cubic strategy's cases, and a claim of every input the kernel's own
float path certifies among those the cases leave (``checker.proofs.hybrid``). The kernel
re-checks the cases and re-enumerates the rest, so the claim is re-derived, never trusted."""

from __future__ import annotations

from typing import Callable

from compact_proofs.checker import shards
from compact_proofs.checker.io.weights import Model
from compact_proofs.checker.proofs import cubic as cubic_rule
from compact_proofs.checker.proofs import hybrid
from compact_proofs.checker.tables import Tables
from compact_proofs.strategies import cubic


def prove(model: Model, progress: Callable[[int, int], None] | None = None,
          jobs: int | None = None) -> tuple[dict, int, dict]:
    """Return (proof object, inputs claimed correct, parameters); ``progress`` follows the
    remainder's shards, ``jobs`` processes (default: the CPUs this process may use) enumerate it."""
    proof, covered, parameters = cubic.prove(model)
    proof = {**proof, "rule": "hybrid"}
    cases = cubic_rule.read_cases(proof, model.config, "hybrid strategy")
    executor = shards.processes(jobs or shards.available_cpus())
    count = hybrid.count_correct(Tables(model), model.digest, cases, executor=executor, progress=progress)
    total = model.config.d_vocab ** model.config.n_ctx
    return proof, count, {**parameters, "cubic_covered": covered, "remainder": total - covered}
