"""Strategies write certificates the kernel accepts; `prove --zoo` plans every shipped one."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from compact_proofs.checker.kernel import check
from compact_proofs.strategies.prove import main, zoo_jobs
from tests.checker.certs import make_model
from tests.reference import correct_count, small_model

ROOT = Path(__file__).resolve().parents[2]


def test_both_strategies_produce_verified_certificates_below_the_truth(tmp_path):
    weights = make_model(tmp_path, seed=11, d_vocab=6, n_ctx=3)
    truth = correct_count(small_model(11, d_vocab=6, n_ctx=3))
    bounds = {}
    for strategy in ("brute_force", "cubic", "subcubic"):
        out = tmp_path / f"{strategy}.json"
        assert main([str(weights), "--strategy", strategy, "-o", str(out)]) == 0
        result = check(out)
        assert result.verdict == "verified", result.reason
        bounds[strategy] = result.bound
        assert json.loads(out.read_text())["model"]["weights"] == weights.name  # relative path
    assert bounds["subcubic"] <= bounds["brute_force"] and bounds["cubic"] <= bounds["brute_force"]
    assert bounds["brute_force"] == Fraction(truth, 6**3)


def test_zoo_plan_covers_every_shipped_model():
    from compact_proofs.strategies.prove import SHIPPED_SEEDS
    jobs = zoo_jobs(ROOT / "models", ROOT / "certificates")
    shipped = {k: [s for s in SHIPPED_SEEDS if (ROOT / "models" / f"k{k}" / f"seed{s}.safetensors").is_file()]
               for k in (4, 5, 6, 10, 20)}
    assert sum(s == "cubic" for _, s, _, _ in jobs) == sum(len(v) for v in shipped.values()) == 42
    assert sum(s == "brute_force" for _, s, _, _ in jobs) == len(shipped[4]) == 10
    assert sum(s == "hybrid" for _, s, _, _ in jobs) == len(shipped[5]) == 10
    assert sum(s == "subcubic" for _, s, _, _ in jobs) == 40 * 3
    assert all(out.parent.name == strategy for _, strategy, out, config in jobs if config is None)
    assert all(out.parent.parent.name == strategy and out.parent.name == config for _, strategy, out, config in jobs
               if config is not None)
