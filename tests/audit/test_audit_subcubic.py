"""The audit of sub-cubic certificates: mutation audit, differential check and the command line,
on the small hand-built model's sub-cubic certificates (tests/audit/conftest.py) and on shipped
K = 4 certificates, including deliberately broken kernels (a rule under the sub-cubic proof made
too optimistic) that the audit must catch."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from compact_proofs.audit import cli, differential, mutation, trust
from compact_proofs.checker.io.certificate import read_certificate
from compact_proofs.checker.io.weights import load_model
from compact_proofs.checker.kernel import check
from compact_proofs.checker.proofs import subcubic as subcubic_rule
from compact_proofs.checker.result import VERIFIED
from compact_proofs.checker.rules import attention, envelope
from compact_proofs.checker.tables import Tables
from tests.audit.conftest import SUBCUBIC
from tests.audit.test_audit import NO_FLOAT, load
from tests.scripts import ROOT

NAMES = sorted(SUBCUBIC)
KINDS = set(mutation.KINDS_BY_RULE["subcubic"])
SHIPPED_MEANDIFF = ROOT / "certificates/subcubic/reference-quadratic/k4-seed50.json"  # four factors, peels, averages
SHIPPED_EXACT = ROOT / "certificates/subcubic/ours/k4-seed50.json"  # exact EQKE, column, envelope


def break_kernel(monkeypatch, bug: str) -> None:
    """A kernel bug in one primitive rule under the sub-cubic proof, each too optimistic:
    ``meandiff`` and ``chord`` bound max_j (L_j + A S_j) one logit too low; ``attention`` puts
    every case's attention at the top of its interval (A_lo raised to A_hi)."""
    if bug == "meandiff":
        real = envelope.meandiff_at
        monkeypatch.setattr(envelope, "meandiff_at", lambda *args: real(*args) - 1.0)
    elif bug == "chord":
        real = envelope.chord_at
        monkeypatch.setattr(envelope, "chord_at", lambda *args: real(*args) - 1.0)
    else:
        real = attention.attention_interval

        def top_only(*args):
            _, a_hi = real(*args)
            return a_hi, a_hi
        monkeypatch.setattr(attention, "attention_interval", top_only)


BROKEN = [("subcubic_meandiff", "meandiff"), ("subcubic_envelope", "chord"), ("subcubic_envelope", "attention"),
          ("subcubic_meandiff", "attention")]


# --- trust report and mutants --------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_trust_report_of_a_subcubic_certificate(zoo, name):
    result = check(zoo[name])
    assert result.verdict == VERIFIED and result.bound > 0
    report = trust.trust_report(zoo[name], result)
    assert [r["name"] for r in report["rules"]] == result.rules
    assert set(result.rules) <= set(subcubic_rule.RULES_USED_BY_ANY) and report["problems"] == []


@pytest.mark.parametrize("name", NAMES)
def test_every_subcubic_mutation_kind_generates_something(zoo, name):
    _, _, doc = load(zoo[name])
    gen = mutation.Generator(doc, np.random.default_rng(0))
    for kind in KINDS - NO_FLOAT:
        mutant = gen.make(kind)
        assert mutant is not None, kind
        assert mutant.data != mutation.encode(doc), kind
    hints = {"subcubic_envelope": {"proof.score.peels.x", "proof.score.peels.y", "proof.direct.mean",
                                   "proof.attention.breakpoints"},
             "subcubic_meandiff": {"proof.score.peels.x", "proof.score.peels.y", "proof.direct.mean",
                                   "proof.attention.average"}}[name]
    assert set(gen.hexfloats) == hints  # every hint vector is a site of the one-ulp nudges
    assert gen.columns == ("q", "m", "c", "g") and gen.rows == len(doc["proof"]["cases"]["q"]) > 0
    lowered = gen.make("gap_down")
    r = int(lowered.description.split("#")[1].split()[0])
    assert lowered.payload["proof"]["cases"]["g"][r] == doc["proof"]["cases"]["g"][r] - 1


@pytest.mark.parametrize("name", NAMES)
def test_mutation_audit_of_a_subcubic_certificate(zoo, name):
    cert, _, doc = load(zoo[name])
    record = mutation.audit_mutations(doc, cert.weights, n=120, seed=2, jobs=2)
    assert record["rule"] == "subcubic" and not record["envelope_only"] and record["mutants"] == 120
    assert record["alarms"] == [] and record["totals"]["verified_higher"] == 0 and record["totals"]["alarms"] == 0
    assert set(record["by_kind"]) == KINDS - NO_FLOAT and set(record["uncovered_kinds"]) <= NO_FLOAT
    assert set(record["not_applicable"]) == set(mutation.KINDS) - KINDS
    assert record["by_kind"]["gap_down"]["total"] > 0 and record["by_kind"]["duplicate_case"]["rejected"] > 0
    nudged = record["by_kind"]["hexfloat_up"]["verified_same"] + record["by_kind"]["hexfloat_down"]["verified_same"]
    assert nudged > 0  # a hint one ulp off still proves the same cases
    crossed = [o for o in record["verified"] if o["cross_check"] is not None]
    assert crossed and record["cross_checks"]["mutants"] == len(crossed) and record["cross_checks"]["inputs"] > 0
    assert all(not o["cross_check"]["problems"] for o in crossed)
    text = mutation.render_mutation(record)
    assert "cross-checked" in text and "SOUNDNESS ALARM" not in text


def weakened(doc: dict, weights) -> dict:
    """The certificate with every case of c > 0 that still proves at gap g + 1 moved there and
    the claim lowered to what is left: a true but non-maximal certificate."""
    model = load_model(weights)
    cfg = subcubic_rule.read_proof(doc["proof"], model.config, "test")
    up = np.where((cfg.c > 0) & (cfg.g < cfg.m), cfg.g + 1, cfg.g)
    bound = subcubic_rule.case_bounds(Tables(model), differential.with_cases(cfg, cfg.q, cfg.m, cfg.c, up))
    g = np.where(bound < 0, up, cfg.g)
    n, total = model.config.n_ctx - 1, model.config.d_vocab ** model.config.n_ctx
    count = sum(math.comb(n, int(c)) * (int(m) - int(x) + 1) ** int(c) for m, c, x in zip(cfg.m, cfg.c, g))
    out = mutation.rebase(doc, weights)
    out = mutation.with_value(out, ("proof", "cases", "g"), g.tolist())
    return mutation.with_value(out, ("claim", "accuracy_at_least"), f"{count}/{total}")


def test_a_higher_bound_from_a_non_maximal_certificate_is_cross_checked_not_an_alarm(zoo, tmp_path):
    cert, _, doc = load(zoo["subcubic_envelope"])
    weak = weakened(doc, cert.weights)
    assert weak["proof"]["cases"]["g"] != doc["proof"]["cases"]["g"]
    path = tmp_path / "weak.json"
    path.write_text(json.dumps(weak))
    assert check(path).verdict == VERIFIED
    record = mutation.audit_mutations(weak, cert.weights, n=150, seed=0, jobs=2)
    assert record["alarms"] == [] and record["totals"]["verified_higher"] == 0
    assert record["by_kind"]["gap_down"]["verified_higher_checked"] > 0
    higher = [o for o in record["verified"] if o["relation"] == "higher"]
    assert higher and all(o["cross_check"]["changed_cases"] >= 1 and o["cross_check"]["inputs"] > 0 for o in higher)
    assert "cross-checked without a fault" in mutation.render_mutation(record)


@pytest.mark.parametrize("name,bug", BROKEN)
def test_broken_subcubic_kernel_raises_the_mutation_alarm(zoo, monkeypatch, name, bug):
    break_kernel(monkeypatch, bug)
    cert, _, doc = load(zoo[name])
    record = mutation.audit_mutations(doc, cert.weights, n=60, seed=0, jobs=2)
    assert record["alarms"], "a kernel whose rule is too optimistic must let the audit fault some verified mutant"
    assert all("cross-check" in a["alarm"] for a in record["alarms"])
    assert "SOUNDNESS ALARM" in mutation.render_mutation(record)


def test_default_mutant_count_for_a_subcubic_certificate(zoo, monkeypatch):
    assert mutation.DEFAULT_MUTANTS["subcubic"] == 200
    cert, _, doc = load(zoo["subcubic_meandiff"])
    monkeypatch.setattr(mutation, "TIME_BUDGET", 1e-9)
    record = mutation.audit_mutations(doc, cert.weights, jobs=1)
    assert record["mutants"] == len(KINDS) and "reduced from 200" in record["sizing"] and record["alarms"] == []


# --- differential check --------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_differential_check_of_a_subcubic_certificate(zoo, name):
    cert, model, _ = load(zoo[name])
    record = differential.differential(cert, model, samples=60, seed=3)
    assert record["rule"] == "subcubic" and record["ok"] and record["samples"] == 60
    assert record["counts"]["disagree"] == 0 and record["counts"]["agree_correct"] > 0
    assert record["listed"] > 0 and record["probes"] > 0 and record["probe_attempts"] > 0
    sources = {r["source"] for r in record["rows"]}  # an extreme-attention input may be the hardest one too
    assert {"listed_hardest", "probe"} <= sources and sources & {"listed_attention_low", "listed_attention_high"}
    assert all(r["bound_ok"] and r["attention_ok"] for r in record["rows"])
    listed = len(cert.proof["cases"]["q"])
    assert record["step_check"]["cases"] > listed and record["step_check"]["violating_cases"] == 0
    text = differential.render_differential(record)
    assert "step check" in text and "held on 60 of 60" in text


def test_probes_sit_at_the_smallest_gap_the_kernel_proves(zoo):
    cert, model, _ = load(zoo["subcubic_envelope"])
    record = differential.differential(cert, model, samples=30, seed=1)
    cfg = subcubic_rule.read_proof(cert.proof, model.config, "test")
    probes = [r["case"] for r in record["rows"] if r["source"] == "probe"]
    assert probes and all(r["kernel"] == "proved" for r in record["rows"] if r["source"] == "probe")
    below = [(p["q"], p["m"], p["c"], p["g"] - 1) for p in probes if p["c"] and p["g"] > 1]
    if below:  # one gap less is not proved
        q, m, c, g = (np.array(x) for x in zip(*below))
        assert (subcubic_rule.case_bounds(Tables(model), differential.with_cases(cfg, q, m, c, g)) >= 0).all()


@pytest.mark.parametrize("name,bug", BROKEN)
def test_broken_subcubic_kernel_fails_the_differential_check(zoo, monkeypatch, name, bug):
    break_kernel(monkeypatch, bug)
    cert, model, _ = load(zoo[name])
    record = differential.differential(cert, model, samples=60, seed=3)
    assert not record["ok"]
    text = differential.render_differential(record)
    if bug == "attention":
        assert record["attention_violations"] and "ATTENTION OUTSIDE ITS INTERVAL" in text
    else:
        assert record["step_check"]["violating_cases"] > 0 and record["bound_violations"]
        assert "STEP CHECK FAILED" in text


# --- the command line, and shipped certificates --------------------------------------------------

def test_cli_audit_of_a_subcubic_certificate_passes_and_fails_on_a_broken_kernel(zoo, capsys, monkeypatch):
    args = [str(zoo["subcubic_envelope"]), "--json", "--mutants", "40", "--jobs", "1", "--differential-samples", "30"]
    assert cli.main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["passed"]
    assert report["summary"]["stages_run"] == ["ground_truth", "mutation", "differential"]
    assert report["differential"]["rule"] == "subcubic" and report["mutation"]["rule"] == "subcubic"
    break_kernel(monkeypatch, "attention")
    assert cli.main(args) == 1
    report = json.loads(capsys.readouterr().out)
    failures = "\n".join(report["failures"])
    assert "soundness alarm" in failures and "outside the kernel's [A_lo, A_hi]" in failures


def test_audit_of_a_shipped_subcubic_certificate(capsys):
    code = cli.main([str(SHIPPED_MEANDIFF), "--mutants", "30", "--jobs", "2", "--differential-samples", "24",
                     "--skip-ground-truth"])
    out = capsys.readouterr().out
    assert code == 0 and "AUDIT PASSED" in out
    assert "differential check: skipped" not in out and "step check" in out and "cross-checked" in out


def test_shipped_exact_eqke_certificate_attains_its_attention_interval(monkeypatch):
    """With the exact EQKE the extreme inputs attain A_lo (to rounding): a kernel that raises A_lo
    by a millionth of the interval's width is caught on the shipped certificate."""
    cert = read_certificate(SHIPPED_EXACT)
    model = load_model(cert.weights)
    record = differential.differential(cert, model, samples=24, seed=0)
    assert record["ok"]
    low = [r for r in record["rows"] if r["source"] == "listed_attention_low" and r["case"]["c"] > 0]
    assert low and min(r["attention"] - r["attention_bounds"][0] for r in low) < 1e-12
    real = attention.attention_interval

    def raised(*args):
        a_lo, a_hi = real(*args)
        return a_lo + 1e-6 * (a_hi - a_lo), a_hi
    monkeypatch.setattr(attention, "attention_interval", raised)
    broken = differential.differential(cert, model, samples=24, seed=0)
    assert not broken["ok"] and broken["attention_violations"]
