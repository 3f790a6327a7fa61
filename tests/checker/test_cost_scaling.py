"""Cost follows the proof: the kernel's counted cost of each rule grows with d_vocab as the rule's
docstring says, and a shipped sub-cubic certificate is cheaper to check than the cubic one of the
same model, which is cheaper than brute force.

The synthetic models (``tests.checker.certs.max_model`` without noise or direct path, 8 nats of
attention per token step) compute Max-of-K almost exactly, so the strategies list (nearly) every case and the
count measures a full check. Counts are exact
and the same on every run, so the fitted exponents are too: the tolerance is for lower-order
terms, not noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from compact_proofs.audit.conventions import comparison
from compact_proofs.checker.kernel import check
from compact_proofs.strategies.prove import prove_one
from compact_proofs.training.export import save_model
from tests.checker.certs import max_model
from tests.scripts import ROOT


def fitted_exponent(sizes: list[int], values: list[int]) -> float:
    return float(np.polyfit(np.log(sizes), np.log(values), 1)[0])


# (strategy, configuration, K, d_vocab sizes, the exponent the rule's docstring gives)
SCALING = [
    # d_vocab^K inputs, each the sum of K rows of d_vocab logits: d_vocab^(K+1)
    ("brute_force", None, 4, [16, 24, 32], 5),
    # "Cost: O(d_vocab^3 n_ctx^2) for all cases"
    ("cubic", None, 3, [16, 32, 64], 3),
    # "O(d_vocab^2 (d_model + n_ctx)) work for the usual choices", d_model and K fixed
    ("subcubic", "ours/envelope/rank_one", 3, [16, 32, 64], 2),
    ("subcubic", "max_diff/drop_average_query_per_output_logit_reasoning/max_diff_subproduct_recursive", 3,
     [16, 32, 64], 2),
]


@pytest.mark.parametrize("strategy, config, K, sizes, exponent", SCALING,
                         ids=[f"{s}-{c or ''}" for s, c, *_ in SCALING])
def test_counted_cost_scales_as_the_rule_says(tmp_path: Path, strategy, config, K, sizes, exponent):
    operations, flops = [], []
    for d in sizes:
        cert = tmp_path / f"{strategy}-{d}.json"
        weights = tmp_path / f"max-{d}.safetensors"
        save_model(weights, *max_model(V=d, K=K, lam=8.0, noise=0.0, direct=False))
        prove_one(weights, strategy, cert, config=config)
        result = check(cert, jobs=1)
        assert result.verdict == "verified" and result.bound > 0.9, (d, result.reason, result.bound)
        operations.append(result.operations)
        flops.append(comparison(cert)["flop_estimate"])
    assert abs(fitted_exponent(sizes, operations) - exponent) < 0.3, (operations, fitted_exponent(sizes, operations))
    # the paper-convention estimate of the same checks grows alike
    assert abs(fitted_exponent(sizes, flops) - exponent) < 0.3, (flops, fitted_exponent(sizes, flops))


SHIPPED = ["brute_force/k4-seed50.json", "cubic/k4-seed50.json", "subcubic/reference-subcubic/k4-seed50.json",
           "subcubic/reference-quadratic/k4-seed50.json", "subcubic/ours/k4-seed50.json"]


@pytest.fixture(scope="module")
def shipped():
    """The kernel's results on the shipped K=4 seed 50 certificates of every rule."""
    return {name: check(ROOT / "certificates" / name, jobs=2) for name in SHIPPED}


def test_subcubic_is_cheaper_to_check_than_cubic_which_is_cheaper_than_brute_force(shipped):
    assert all(r.verdict == "verified" for r in shipped.values()), {n: r.reason for n, r in shipped.items()}
    ops = {name: r.operations for name, r in shipped.items()}
    for sub in SHIPPED[2:]:
        assert ops[sub] < ops["cubic/k4-seed50.json"] < ops["brute_force/k4-seed50.json"], ops
    assert set(shipped["cubic/k4-seed50.json"].cost) == {"cubic"}


def test_flop_estimate_tracks_the_counted_cost(shipped):
    """The paper-convention estimate of a check is within a factor of 4 of what the kernel counted
    (it counts an interval operation once where the kernel counts its rounding too)."""
    for name, result in shipped.items():
        estimate = comparison(ROOT / "certificates" / name)["flop_estimate"]
        assert result.operations / 4 < estimate < 4 * result.operations, (name, estimate, result.operations)
