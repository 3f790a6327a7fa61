"""The brute-force strategy's two ways of finding its claim agree, and the kernel verifies it."""

from __future__ import annotations

from compact_proofs.strategies import brute_force
from tests.reference import correct_count, small_model


def test_claim_by_hybrid_count_equals_claim_by_full_enumeration():
    for seed, V, K in ((2, 6, 3), (9, 5, 4)):
        model = small_model(seed, d_vocab=V, n_ctx=K)
        fast = brute_force.prove(model, jobs=1)
        full = brute_force.prove(model, jobs=2, hybrid=False)
        assert fast[0] == full[0] == {"rule": "brute_force"}
        assert fast[1] == full[1] == correct_count(model)
