"""The audit: trust report, ground truth, mutation audit and differential check, on small
hand-built models (tests/audit/conftest.py), including a deliberately broken kernel that the
audit must catch."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from compact_proofs import checker
from compact_proofs.checker.proofs import brute_force as brute_force_rule, cubic as cubic_rule
from compact_proofs.audit import cli, differential, ground_truth, mutation, trust
from compact_proofs.checker.io.certificate import FORMAT_VERSION, read_certificate
from compact_proofs.checker.kernel import check
from compact_proofs.checker.result import VERIFIED
from compact_proofs.checker.rulebook import RULES
from compact_proofs.checker.tables import Tables
from compact_proofs.checker.io.weights import load_model
from compact_proofs.cli import main as umbrella_main


def broken_case_lower_bounds(tables, bounds, q, m, *rest):
    """A kernel bug: every case bound is +1, so every case 'holds'. Either call shape of the
    kernel's function: (c, margin) -> rows x d_vocab, or (k, c, margin) -> one bound per pair."""
    if len(rest) == 3:
        return np.ones(len(q))
    c = rest[0]
    return np.ones((len(q), 1 if c == 0 else tables.config.d_vocab))


def load(path: Path):
    cert = read_certificate(path)
    return cert, load_model(cert.weights), json.loads(path.read_text())


# --- trust report --------------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["brute_force", "cubic"])
def test_trust_report_lists_rules_with_claims_and_lean_names(zoo, strategy):
    result = check(zoo[strategy])
    assert result.verdict == VERIFIED
    report = trust.trust_report(zoo[strategy], result)
    module = {"brute_force": brute_force_rule, "cubic": cubic_rule}[strategy]
    assert [r["name"] for r in report["rules"]] == list(module.RULES_USED) == result.rules
    lean_text = "\n".join(p.read_text() for p in sorted(trust.LEAN_DIR.glob("*.lean")))
    for rule in report["rules"]:
        assert rule["claim"] == RULES[rule["name"]]
        assert rule["lean_theorem"] == rule["name"]
        declared = re.search(rf"^\s*theorem\s+(\S+\.)?{rule['name']}\b", lean_text, re.MULTILINE) is not None
        assert rule["lean_found"] == declared
    assert report["proof_rule"] == strategy and report["format_version"] == "{}.{}".format(*FORMAT_VERSION)
    assert report["kernel_version"] == checker.__version__ and report["model_digest"] == result.model_digest
    assert {a["name"] for a in report["assumptions"]} >= {"ieee_binary64_numpy", "flint_arb", "cpython_rounding"}
    assert report["problems"] == []
    text = trust.render_trust(report)
    for name in module.RULES_USED:
        assert name in text
    json.dumps(report)


def test_trust_report_flags_a_rule_missing_from_the_rulebook(zoo):
    result = check(zoo["cubic"])
    result.rules = result.rules + ["made_up_rule"]
    report = trust.trust_report(zoo["cubic"], result)
    assert any("made_up_rule" in p for p in report["problems"])


def test_trust_report_fails_loudly_without_the_lean_mirror(zoo, tmp_path):
    result = check(zoo["cubic"])
    report = trust.trust_report(zoo["cubic"], result, lean_dir=tmp_path / "absent")
    assert [p for p in report["problems"] if "the Lean mirror is missing" in p] == report["problems"] != []
    assert "PROBLEM: the Lean mirror is missing" in trust.render_trust(report)
    (tmp_path / "Partial.lean").write_text("theorem round_outward : True := trivial\n")
    problems = trust.trust_report(zoo["cubic"], result, lean_dir=tmp_path)["problems"]
    assert len(problems) == 1 and "no Lean theorem found" in problems[0] and "cubic_count" in problems[0]
    assert "round_outward" not in problems[0].split(": ", 1)[1]


def test_lean_scanner_finds_namespaced_theorems(tmp_path):
    (tmp_path / "A.lean").write_text("namespace X\ntheorem X.round_outward : True := trivial\n"
                                     "  protected theorem ival_add {a : Nat} : True := trivial\n-- theorem fake\n")
    found = trust.lean_theorems(tmp_path)
    assert set(found) == {"round_outward", "ival_add"} and found["ival_add"] == ["A.lean:3"]


# --- ground truth --------------------------------------------------------------------------------

def test_ground_truth_exhaustive_and_sampled(zoo, monkeypatch):
    cert, model, _ = load(zoo["brute_force"])
    bound = check(zoo["brute_force"]).bound
    record = ground_truth.cross_check(model, bound)
    assert record["method"] == "exhaustive" and record["ok"] and record["proved_count"] <= record["upper"]
    assert not ground_truth.cross_check(model, Fraction(1))["ok"]  # a bound above the truth is caught
    monkeypatch.setattr(ground_truth, "EXHAUSTIVE_LIMIT", 0)
    sampled = ground_truth.cross_check(model, bound, samples=20_000)
    assert sampled["method"] == "sample" and sampled["ok"]
    assert not ground_truth.cross_check(model, Fraction(1), samples=20_000)["ok"]


# --- mutation audit ------------------------------------------------------------------------------

# Certificates hold no JSON float since they hold no timing (the only one was strategy.parameters.seconds):
# the float mutation kinds have no site in them.
NO_FLOAT = {"float_up", "float_down"}


def test_mutation_audit_of_a_brute_force_certificate(zoo):
    cert, _, doc = load(zoo["brute_force"])
    record = mutation.audit_mutations(doc, cert.weights, seed=1)
    assert record["envelope_only"] and record["mutants"] == mutation.DEFAULT_MUTANTS["brute_force"]
    assert record["alarms"] == [] and record["totals"]["verified_higher"] == 0
    assert set(record["by_kind"]) == set(mutation.ENVELOPE_KINDS) - NO_FLOAT
    assert set(record["uncovered_kinds"]) <= NO_FLOAT
    assert record["totals"]["rejected"] > 0 and record["totals"]["error"] > 0 and record["totals"]["verified_same"] > 0
    mutation.render_mutation(record)


def test_mutation_audit_of_a_cubic_certificate(zoo):
    cert, _, doc = load(zoo["cubic"])
    record = mutation.audit_mutations(doc, cert.weights, n=150, seed=2, jobs=2)
    assert not record["envelope_only"] and record["mutants"] == 150
    assert record["alarms"] == [] and record["totals"]["verified_higher"] == 0
    assert set(record["by_kind"]) == set(mutation.KINDS_BY_RULE["cubic"]) - NO_FLOAT
    assert set(record["uncovered_kinds"]) <= NO_FLOAT
    # the dangerous direction is exercised and refused
    assert record["by_kind"]["mask_bit_on"]["rejected"] == record["by_kind"]["mask_bit_on"]["total"] > 0
    assert record["by_kind"]["inflate_count"]["verified_higher"] == 0
    text = mutation.render_mutation(record)
    assert "HIGHER" in text and "SOUNDNESS ALARM" not in text


def test_default_mutant_count_shrinks_for_slow_checks_but_covers_every_kind(zoo, monkeypatch):
    cert, _, doc = load(zoo["cubic"])
    monkeypatch.setattr(mutation, "TIME_BUDGET", 1e-9)
    record = mutation.audit_mutations(doc, cert.weights, jobs=1)
    assert record["mutants"] == len(mutation.KINDS_BY_RULE["cubic"]) and "reduced" in record["sizing"]
    assert set(record["uncovered_kinds"]) <= NO_FLOAT and record["alarms"] == []


def test_every_mutation_kind_generates_something_for_a_cubic_certificate(zoo):
    _, _, doc = load(zoo["cubic"])
    gen = mutation.Generator(doc, np.random.default_rng(0))
    for kind in set(mutation.KINDS_BY_RULE["cubic"]) - NO_FLOAT:
        mutant = gen.make(kind)
        assert mutant is not None, kind
        assert mutant.data != mutation.encode(doc), kind


def test_broken_kernel_raises_the_mutation_alarm(zoo, monkeypatch):
    monkeypatch.setattr(cubic_rule, "case_lower_bounds", broken_case_lower_bounds)
    cert, _, doc = load(zoo["cubic"])
    record = mutation.audit_mutations(doc, cert.weights, n=60, seed=0)
    assert record["alarms"], "a kernel that proves every case must let some mutant prove more"
    kinds = {"mask_bit_on", "inflate_count", "int_up", "int_down", "swap_indices"}
    assert {a["kind"] for a in record["alarms"]} & kinds
    assert "SOUNDNESS ALARM" in mutation.render_mutation(record)


# --- differential check --------------------------------------------------------------------------

def test_brute_force_helper_reproduces_the_kernel_count(zoo):
    _, model, _ = load(zoo["brute_force"])
    tables = Tables(model)
    V, K = model.config.d_vocab, model.config.n_ctx
    inputs = np.indices((V,) * K).reshape(K, -1).T
    helper = differential.brute_force_verdicts(tables, inputs, chunk=1000)
    assert int(helper.sum()) == brute_force_rule.count_correct(tables, model.digest)
    assert all(c["equal"] for c in differential.helper_consistency(tables, [0, V - 1]))


def test_exact_model_matches_the_float_forward_pass(zoo):
    from compact_proofs.training.accuracy import Circuits
    _, model, _ = load(zoo["cubic"])
    exact = differential.ExactModel(model)
    tokens = np.random.default_rng(0).integers(0, 8, size=(20, 4))
    floats = Circuits.from_tensors(model.tensors).margins(tokens.copy())
    for row, f in zip(tokens.tolist(), floats.tolist()):
        assert abs(float(exact.margin(row)[0]) - f) < 1e-9


@pytest.mark.parametrize("strategy", ["brute_force", "cubic"])
def test_differential_check_agrees_on_real_certificates(zoo, strategy):
    cert, model, _ = load(zoo[strategy])
    record = differential.differential(cert, model, samples=60, seed=3)
    assert record["ok"] and record["counts"]["disagree"] == 0 and record["samples"] == 60
    assert record["counts"]["agree_correct"] > 0
    if strategy == "brute_force":
        assert record["counts"]["agree_wrong"] > 0  # wrong inputs were sampled: the comparison has teeth
        assert record["helper_consistency"] and not record["helper_mismatch"]
    else:
        assert record["probes"] > 0 and record["listed"] > 0
    differential.render_differential(record)


def test_broken_kernel_fails_the_differential_check(zoo, monkeypatch):
    monkeypatch.setattr(cubic_rule, "case_lower_bounds", broken_case_lower_bounds)
    cert, model, _ = load(zoo["cubic"])
    record = differential.differential(cert, model, samples=60, seed=3)
    assert not record["ok"] and record["counts"]["disagree"] > 0
    assert all(r["source"] == "probe" for r in record["disagreements"])  # the listed cases are true
    assert "DISAGREEMENT" in differential.render_differential(record)


# --- the command line ----------------------------------------------------------------------------

def test_cli_passes_on_a_sound_kernel(zoo, capsys):
    code = umbrella_main(["audit", str(zoo["cubic"]), "--json", "--mutants", "40", "--jobs", "1",
                          "--differential-samples", "30"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["summary"]["passed"] and report["summary"]["exit_code"] == 0
    assert report["failures"] == []
    assert report["ground_truth"]["ok"] and report["mutation"]["mutants"] == 40
    assert report["differential"]["ok"] and report["trust"]["rules"]


def test_cli_text_report_for_brute_force(zoo, capsys):
    code = cli.main([str(zoo["brute_force"]), "--mutants", "5", "--jobs", "1", "--differential-samples", "10",
                     "--skip-ground-truth"])
    out = capsys.readouterr().out
    assert code == 0 and "AUDIT PASSED" in out and "brute_force_count" in out and "ground truth: skipped" in out


def test_cli_fails_on_a_broken_kernel(zoo, capsys, monkeypatch):
    monkeypatch.setattr(cubic_rule, "case_lower_bounds", broken_case_lower_bounds)
    code = cli.main([str(zoo["cubic"]), "--mutants", "40", "--jobs", "1", "--differential-samples", "30"])
    out = capsys.readouterr().out
    assert code == 1 and "AUDIT FAILED" in out and "soundness alarm" in out


def test_cli_exit_2_on_unusable_or_unverified_input(zoo, tmp_path, capsys):
    assert cli.main([str(tmp_path / "missing.json"), "--jobs", "1"]) == 2
    doc = json.loads(zoo["cubic"].read_text())
    doc["claim"]["accuracy_at_least"] = "1/1"
    doc["model"]["weights"] = str(zoo["weights"])
    rejected = tmp_path / "rejected.json"
    rejected.write_text(json.dumps(doc))
    assert check(rejected).verdict == "rejected"
    assert cli.main([str(rejected), "--jobs", "1"]) == 2
    assert "does not verify" in capsys.readouterr().out
    assert cli.main([str(rejected), "--mutants", "-1"]) == 2


def test_checker_never_imports_audit():
    root = Path(checker.__file__).parent
    for path in root.rglob("*.py"):
        untrusted = r"^\s*(from|import)\s+compact_proofs\.(audit|strategies|training)\b"
        assert not re.search(untrusted, path.read_text(), re.MULTILINE), path
