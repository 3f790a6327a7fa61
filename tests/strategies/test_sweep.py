"""The sweep runs every registered configuration on every model, verifies each certificate with
the kernel, and writes one results file; a new configuration joins the registry by one call."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from compact_proofs.checker.kernel import check
from compact_proofs.strategies import registry
from compact_proofs.strategies.sweep import main
from tests.checker.certs import make_model
from tests.reference import correct_count, small_model


def test_sweep_proves_and_verifies_every_configuration_on_every_model(tmp_path):
    models = [make_model(tmp_path, seed=3, d_vocab=6, n_ctx=3), make_model(tmp_path, seed=4, d_vocab=5, n_ctx=4)]
    out = tmp_path / "out"
    assert main([*map(str, models), "--jobs", "2", "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    rows = results["rows"]
    assert {(r["model"], r["configuration"]) for r in rows} == {(str(m), n) for m in models for n in registry.REGISTRY}
    for row in rows:
        assert row["verdict"] == "verified", row
        assert row["operations"] == sum(n for c in row["cost"].values() for k, n in c.items() if k != "madd") > 0
        assert row["certificate_bytes"] > 0 and row["prove_seconds"] >= 0 and row["verify_seconds"] >= 0
        assert check(row["certificate"]).bound == Fraction(row["bound"])
    for model, (seed, V, K) in zip(models, [(3, 6, 3), (4, 5, 4)]):
        exact = {r["configuration"]: r["bound"] for r in rows if r["model"] == str(model)}
        truth = f"{correct_count(small_model(seed, d_vocab=V, n_ctx=K))}/{V ** K}"
        assert exact["brute_force"] == exact["hybrid"]
        assert Fraction(exact["hybrid"]) == Fraction(truth)


def test_infeasible_pairs_are_listed_as_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "BRUTE_FORCE_INPUTS", 100)
    model = make_model(tmp_path, seed=5, d_vocab=6, n_ctx=3)  # 216 inputs
    out = tmp_path / "out"
    assert main([str(model), "--strategies", "brute_force", "cubic", "--jobs", "1", "--out", str(out)]) == 0
    rows = {r["configuration"]: r for r in json.loads((out / "results.json").read_text())["rows"]}
    assert rows["brute_force"]["verdict"] == "skipped" and rows["cubic"]["verdict"] == "verified"


def test_a_configuration_joins_by_one_registration_and_names_are_unique(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))
    cubic = registry.REGISTRY["cubic"]
    registry.register(registry.Configuration("cubic-copy", "cubic", cubic.prove, cubic.feasible, {"copy": True}))
    with pytest.raises(ValueError, match="twice"):
        registry.register(registry.Configuration("cubic-copy", "cubic", cubic.prove, cubic.feasible))
    model = make_model(tmp_path, seed=5, d_vocab=6, n_ctx=3)
    out = tmp_path / "out"
    from compact_proofs.strategies import sweep
    monkeypatch.setattr(sweep, "REGISTRY", registry.REGISTRY)
    results = sweep.sweep([model], ["cubic-copy"], 1, None, out)
    (row,) = results["rows"]
    assert row["verdict"] == "verified"
    assert json.loads((out / "cubic-copy" / f"k3-{model.stem}.json").read_text())["strategy"]["parameters"]["copy"]


def test_sweep_without_models_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
