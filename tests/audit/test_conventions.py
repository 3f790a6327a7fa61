"""audit.conventions: the paper's measures of a certificate, as ``verify --format json`` reports them."""

from __future__ import annotations

import json

import jsonschema
import pytest

from compact_proofs.audit.conventions import comparison, effective_dimension, hint_numbers
from compact_proofs.schema import load as load_schema
from compact_proofs.strategies import subcubic
from tests.reference import small_model
from tests.scripts import ROOT, run

# The reference's effective dimensions, transcribed by axis name from
# gbmi/exp_max_of_n/verification/__init__.py (EUPU_handling_ and
# attention_error_handling_effective_dimension_estimate), d = d_vocab, m = d_model.
EUPU = {"global_max_diff_exact": lambda d, m: 2, "max_diff_exact": lambda d, m: 2 * d,
        "mean_query+max_diff": lambda d, m: d + d * m + 2, "svd_query+max_diff": lambda d, m: d + d * m + 2,
        "max_diff": lambda d, m: d * m + 2}
ERROR = {"svd": lambda d, m: 2 * d, "max_diff": lambda d, m: 2 * d + 2 * m,
         "max_diff_subproduct": lambda d, m: 2 * d + 2 * m, "mean+max_diff": lambda d, m: 3 * d + 2 * m,
         "mean+max_diff_subproduct": lambda d, m: 3 * d + 2 * m,
         "max_diff_subproduct_recursive": lambda d, m: 2 * d + 2 * m,
         "mean+max_diff_subproduct_recursive": lambda d, m: 3 * d + 2 * m,
         "mean_recursive+max_diff_subproduct_recursive": lambda d, m: 3 * d + 2 * m,
         "max_diff_exact": lambda d, m: 4 * d, "exact_EQKE+max_diff_exact": lambda d, m: d * d}


def test_effective_dimension_of_every_paper_configuration_is_the_reference_s():
    """The notebook's subcubic_approx_effective_dimension: EUPU + attention error + d (PVOU) + d^2 (EVOU)."""
    model = small_model(3, d_vocab=8, n_ctx=3, d_model=4)
    d, m = 8, 4
    floats = subcubic.Floats.of(model)
    for name in subcubic.REFERENCE:
        eupu, _, error = name.split("/")
        proof = subcubic.proof_choices(model, name, floats)
        assert effective_dimension(proof, model.config) == EUPU[eupu](d, m) + ERROR[error](d, m) + d + d * d, name


def test_effective_dimension_of_brute_force_and_cubic():
    assert comparison(ROOT / "certificates/brute_force/k4-seed50.json")["effective_dimension"] == 64 ** 5
    assert comparison(ROOT / "certificates/cubic/k4-seed50.json")["effective_dimension"] == 3 * 64 ** 2 + 2 * 4 * 64
    assert comparison(ROOT / "certificates/cubic/k20-seed50.json")["effective_dimension"] == 3 * 64 ** 2 + 2 * 20 * 64


def test_hint_numbers_count_what_the_proof_carries():
    cubic = json.loads((ROOT / "certificates/cubic/k4-seed50.json").read_text())["proof"]
    assert hint_numbers(cubic) == 5 * len(cubic["cases"]["q"])
    assert hint_numbers({"rule": "brute_force"}) == 0
    doc = json.loads((ROOT / "certificates/subcubic/ours/k4-seed50.json").read_text())["proof"]
    expected = (4 * len(doc["cases"]["q"]) + len(doc["direct"]["mean"]) + sum(map(len, doc["attention"]["breakpoints"]))
                + sum(len(p["x"]) + len(p["y"]) for p in doc["score"]["peels"]) + len(doc["score"]["residual"]))
    assert hint_numbers(doc) == expected
    assert hint_numbers({"rule": "future", "cases": [[1, 2.5], {"t": "0x1p-3", "u": None}]}) == 3


def test_comparison_names_group_and_configuration():
    found = comparison(ROOT / "certificates/subcubic/reference-quadratic/k10-seed50.json")
    assert found["rule"] == "subcubic" and found["group"] == "reference-quadratic" and found["k"] == 10
    assert found["configuration"].endswith("_recursive") and found["d_vocab"] == 64
    assert comparison(ROOT / "certificates/cubic/k5-seed50.json")["group"] == "cubic"


@pytest.mark.parametrize("text", ["{", "[]", '{"format": "compact-proofs-certificate"}'])
def test_comparison_of_what_is_not_a_certificate_is_none(tmp_path, text):
    (tmp_path / "x.json").write_text(text)
    assert comparison(tmp_path / "x.json") is None
    assert comparison(tmp_path / "missing.json") is None


def test_verify_json_reports_the_comparison_and_validates(tmp_path):
    cert = ROOT / "certificates/subcubic/ours/k4-seed50.json"
    done = run("verify", "--format", "json", str(cert), str(tmp_path / "missing.json"), cwd=tmp_path)
    assert done.returncode == 2
    doc = json.loads(done.stdout)
    jsonschema.Draft202012Validator(load_schema("verify-report")).validate(doc)
    proved, missing = doc["results"]
    assert proved["comparison"] == comparison(cert) and proved["comparison"]["flop_estimate"] > 0
    assert missing["comparison"] is None
