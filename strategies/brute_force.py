"""The brute-force strategy: claim every input that a float64 forward pass finds correct with a
margin above the tie tolerance. The proof is the single rule "evaluate every input"; the
kernel re-evaluates all of them rigorously."""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from compact_proofs.checker.io.weights import Model
from compact_proofs.training.accuracy import Circuits, _tally


def prove(model: Model, progress: Callable[[int, int], None] | None = None) -> tuple[dict, int, dict]:
    """Return (proof object, inputs claimed correct, parameters: the near ties left out).
    ``progress`` is called with (blocks done, blocks) as the forward pass goes."""
    circuits = Circuits.from_tensors(model.tensors)
    V, K = model.config.d_vocab, model.config.n_ctx
    blocks = V ** (max(0, K - 3) + 1)  # Circuits.all_margins: one per query and fixed prefix

    def counted() -> Iterator[np.ndarray]:
        for done, block in enumerate(circuits.all_margins(), 1):
            yield block
            if progress:
                progress(done, blocks)
    correct, near_ties, _ = _tally(counted())
    return {"rule": "brute_force"}, correct, {"near_ties": near_ties}
