"""Small hand-built Max-of-K models (``tests.checker.certs.max_model``) and their certificates, made
once per test session: a moderate lam and seeded noise leave some inputs wrong, so certificates
are below 1 and both kinds of verdict occur."""

from __future__ import annotations

from pathlib import Path

import pytest

from compact_proofs.strategies.prove import prove_one
from compact_proofs.training.export import save_model
from tests.checker.certs import max_model


# Sub-cubic configurations of the zoo: between them every kind of hint and choice (two and four
# EQKE factors with peels, a centre, envelope breakpoints and mean+diff averages, column and
# spread non-max bounds, shared gaps).
SUBCUBIC = {"subcubic_envelope": "ours/envelope+column/rank_one",
            "subcubic_meandiff": "mean_query+max_diff/mean_query+diff/max_diff_subproduct"}


@pytest.fixture(scope="session")
def zoo(tmp_path_factory) -> dict[str, Path]:
    """{'weights', 'brute_force', 'cubic', 'subcubic_envelope', 'subcubic_meandiff'}: a V=8, K=4
    model and its certificates (in separate folders, so the certificates' relative weight paths
    are exercised)."""
    root = tmp_path_factory.mktemp("audit-zoo")
    weights = root / "models" / "max8k4.safetensors"
    weights.parent.mkdir()
    save_model(weights, *max_model())
    paths = {"weights": weights}
    for strategy in ("brute_force", "cubic"):
        paths[strategy] = root / "certificates" / strategy / "max8k4.json"
        prove_one(weights, strategy, paths[strategy])
    for name, config in SUBCUBIC.items():
        paths[name] = root / "certificates" / name / "max8k4.json"
        prove_one(weights, "subcubic", paths[name], config=config)
    return paths
