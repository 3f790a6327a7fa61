"""The kernel: from a certificate file to a verdict.

What "proved" means, fixed here: the model is the exact real-number function of the exported
float32 weights (exact exp, exact 1/sqrt(d_head), causal softmax attention, read at the last
position). An input in [0, d_vocab)^K is correct iff the logit of its maximum token is strictly
greater than every other logit (ties are wrong). A certificate claims accuracy >= N/D for one
model digest; it is verified only if a rule of this kernel proves at least that many inputs
correct. The only way to obtain a ``Fact`` is through ``prove``, which runs a rule.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path
from typing import Callable

from compact_proofs.checker import arith, cost, shards
from compact_proofs.checker.proofs import brute_force, cubic, hybrid, subcubic
from compact_proofs.checker.io.certificate import Certificate, fields, read_certificate
from compact_proofs.checker.errors import Rejected, Unusable
from compact_proofs.checker.result import ERROR, REJECTED, VERIFIED, Result
from compact_proofs.checker.tables import Tables
from compact_proofs.checker.io.weights import Model, load_model

Progress = Callable[[int, int], None]
DEFAULT_MAX_MEMORY = cubic.DEFAULT_MAX_MEMORY  # bytes a check may use (verify --max-memory)
_KEY = object()
MAX_INPUTS = 2 * 10**9  # default work limit: inputs a brute-force check may enumerate (64^5 is 1.07e9)


class Fact:
    """A proved statement: at least ``count`` of the ``total`` inputs of the model with
    ``digest`` are correct, by the listed rules. ``cost`` is the work the check performed, by
    proof rule and kind (``checker.cost``). Constructed only by ``prove``."""

    __slots__ = ("digest", "count", "total", "rules", "cost")

    def __init__(self, key: object, digest: str, count: int, total: int, rules: tuple[str, ...],
                 cost: dict[str, dict[str, int]]):
        if key is not _KEY:
            raise TypeError("a Fact is made only by the kernel's rules")
        self.digest, self.count, self.total, self.rules, self.cost = digest, count, total, rules, cost

    @property
    def bound(self) -> Fraction:
        return Fraction(self.count, self.total)


def _brute_force(cert: Certificate, model: Model, executor: shards.Executor, progress: Progress | None,
                 max_memory: int, max_inputs: int) -> tuple[int, tuple]:
    """The brute-force rule works in grids of a fixed size (``brute_force.GRID_INPUTS``) per
    job; ``max_memory`` does not change it. More than ``max_inputs`` inputs are refused."""
    fields(cert.proof, {"rule"}, str(cert.path), "proof")
    V, K = model.config.d_vocab, model.config.n_ctx
    if V ** K > max_inputs:
        raise Unusable(f"{cert.path}: a brute-force check evaluates {V}^{K} = {V ** K:.3g} inputs, over the work "
                       f"limit of {max_inputs:.3g}; raise the limit to allow it (verify --max-inputs {V ** K}, "
                       f"Python: max_inputs={V ** K})")
    count = brute_force.count_correct(Tables(model), model.digest, executor=executor, progress=progress)
    return count, brute_force.RULES_USED


def _cubic(cert: Certificate, model: Model, executor: shards.Executor, progress: Progress | None,
           max_memory: int, max_inputs: int) -> tuple[int, tuple]:
    cases = cubic.read_cases(cert.proof, model.config, str(cert.path))
    count = cubic.check_cases(Tables(model), cases, progress=progress, max_memory=max_memory)
    return count, cubic.RULES_USED


def _subcubic(cert: Certificate, model: Model, executor: shards.Executor, progress: Progress | None,
              max_memory: int, max_inputs: int) -> tuple[int, tuple]:
    config = subcubic.read_proof(cert.proof, model.config, str(cert.path))
    need = subcubic.working_set(model.config, config)
    if need > max_memory:
        raise Unusable(f"{cert.path}: the sub-cubic check needs about {need // 2**20} MiB (estimate), more than "
                       f"the memory budget of {max_memory // 2**20} MiB; raise --max-memory")
    count = subcubic.check_cases(Tables(model), config, progress=progress)
    return count, config.rules()


def _hybrid(cert: Certificate, model: Model, executor: shards.Executor, progress: Progress | None,
            max_memory: int, max_inputs: int) -> tuple[int, tuple]:
    """The cases are checked within ``max_memory``; a remainder of more than ``max_inputs``
    inputs is refused once the cases are checked, before it is enumerated."""
    cases = hybrid.read_proof(cert.proof, model.config, str(cert.path))
    count = hybrid.count_correct(Tables(model), model.digest, cases, executor=executor, progress=progress,
                                 max_memory=max_memory, max_inputs=max_inputs, where=str(cert.path))
    return count, hybrid.RULES_USED


PROOF_RULES = {"brute_force": _brute_force, "cubic": _cubic, "subcubic": _subcubic, "hybrid": _hybrid}


def prove(cert: Certificate, model: Model, jobs: int = 1, progress: Progress | None = None,
          max_memory: int = DEFAULT_MAX_MEMORY, max_inputs: int = MAX_INPUTS,
          executor: shards.Executor | None = None) -> Fact:
    """Run the certificate's proof rule on the model and return what it proves, within
    ``max_memory`` bytes (a rule whose check cannot fit raises ``Unusable`` before it starts).
    The budget changes how a rule works through its tables, never what it proves or its cost.
    A brute-force proof of more than ``max_inputs`` inputs is refused (``Unusable``) before any
    work starts (a hybrid one whose remainder exceeds it, once its cases are checked). Enumerating
    rules run their shards on ``executor`` (``checker.shards``; default ``jobs`` local processes)."""
    if model.digest != cert.digest:
        raise Unusable(f"{cert.path}: the weights {model.source} have digest {model.digest}, "
                       f"but the certificate is for {cert.digest}")
    if model.config != cert.config:
        raise Unusable(f"{cert.path}: the certificate's model config differs from the weights' config")
    rule = PROOF_RULES.get(cert.proof["rule"])
    if rule is None:
        raise Unusable(f"{cert.path}: unknown proof rule {cert.proof['rule']!r} "
                       f"(this kernel knows {', '.join(sorted(PROOF_RULES))})")
    arith.self_test()
    with cost.metered() as meter:
        count, rules = rule(cert, model, executor or shards.processes(jobs), progress, max_memory, max_inputs)
    total = model.config.d_vocab ** model.config.n_ctx
    if not 0 <= count <= total:
        raise Rejected(f"{cert.path}: internal count {count} out of range")  # cannot happen; fail closed
    return Fact(_KEY, model.digest, count, total, rules, {cert.proof["rule"]: dict(meter.counts)})


def check(path: str | Path, weights: str | Path | None = None, jobs: int = 1,
          progress: Progress | None = None, max_memory: int = DEFAULT_MAX_MEMORY,
          max_inputs: int = MAX_INPUTS, executor: shards.Executor | None = None) -> Result:
    """Check one certificate file. Never raises for bad input: the verdict says what happened.
    ``max_memory`` and ``max_inputs`` are the limits of ``prove``; ``executor`` runs its shards."""
    start = time.perf_counter()
    result = Result(path=str(path), verdict=ERROR)
    try:
        cert = read_certificate(path)
        result.claimed, result.model_digest, result.strategy = cert.claimed, cert.digest, cert.strategy
        result.total = cert.config.d_vocab ** cert.config.n_ctx
        model = load_model(weights if weights is not None else cert.weights)
        fact = prove(cert, model, jobs=jobs, progress=progress, max_memory=max_memory, max_inputs=max_inputs,
                     executor=executor)
        result.rules, result.cost = list(fact.rules), fact.cost
        if fact.bound < cert.claimed:
            raise Rejected(f"proved {fact.count}/{fact.total} inputs correct, fewer than the claimed "
                           f"{cert.claimed}")
        result.verdict, result.bound = VERIFIED, fact.bound
        result.reason = f"proved {fact.count}/{fact.total}"
    except Rejected as exc:
        result.verdict, result.reason = REJECTED, str(exc)
    except Unusable as exc:
        result.verdict, result.reason = ERROR, str(exc)
    except Exception as exc:  # a kernel bug or exhausted memory: fail closed, never a false accept
        result.verdict, result.reason = ERROR, f"internal error while checking: {type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - start
    return result
