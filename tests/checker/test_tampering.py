"""Tampered certificates must be rejected, each with the right exit code (1 = claim not proved,
2 = unusable). The certificates are real ones, made by the strategies for small models."""

from __future__ import annotations

import math

import numpy as np
import pytest

from compact_proofs.checker.proofs import cubic
from compact_proofs.strategies.cubic import bounds_for_every_k
from compact_proofs.verify.cli import main
from compact_proofs.checker.kernel import check
from compact_proofs.checker.tables import Tables
from compact_proofs.checker.io.weights import load_model
from tests.checker.certs import certificate_doc, copy_doc, make_model, write_doc


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("tamper")


@pytest.fixture(scope="module")
def brute(folder):
    return certificate_doc(folder, "brute_force", seed=2, d_vocab=6, n_ctx=3)


@pytest.fixture(scope="module")
def cubic_doc(folder):
    return certificate_doc(folder, "cubic", seed=4, d_vocab=7, n_ctx=4)


def run(folder, doc, name, *extra) -> int:
    return main([str(write_doc(folder / name, doc)), *extra])



def test_untampered_certificates_verify(folder, brute, cubic_doc):
    assert run(folder, brute, "b.json") == 0
    assert run(folder, cubic_doc, "c.json") == 0


def raise_claim_by_one(doc, folder, name):
    result = check(write_doc(folder / name, doc))
    total = 6 ** 3 if doc["proof"]["rule"] == "brute_force" else 7 ** 4
    count = result.bound * total
    doc = copy_doc(doc)
    doc["claim"]["accuracy_at_least"] = f"{int(count) + 1}/{total}"
    return doc


def test_claim_raised_by_one_input_is_rejected(folder, brute, cubic_doc):
    assert run(folder, raise_claim_by_one(brute, folder, "b0.json"), "b1.json") == 1
    assert run(folder, raise_claim_by_one(cubic_doc, folder, "c0.json"), "c1.json") == 1


def test_digest_changed_in_last_digit_is_unusable(folder, brute):
    doc = copy_doc(brute)
    last = doc["model"]["digest"][-1]
    doc["model"]["digest"] = doc["model"]["digest"][:-1] + ("0" if last != "0" else "1")
    assert run(folder, doc, "digest.json") == 2


def test_weights_swapped_for_another_models_are_unusable(folder, brute):
    other = make_model(folder, seed=99, d_vocab=6, n_ctx=3)
    doc = copy_doc(brute)
    doc["model"]["weights"] = other.name
    assert run(folder, doc, "swap.json") == 2
    assert run(folder, brute, "swap2.json", "--weights", str(other)) == 2


def test_unknown_rule_and_bumped_version_are_unusable(folder, brute):
    doc = copy_doc(brute)
    doc["proof"]["rule"] = "trust_me"
    assert run(folder, doc, "rule.json") == 2
    doc = copy_doc(brute)
    doc["version"] = "1.2"
    assert run(folder, doc, "version.json") == 2
    doc = copy_doc(brute)
    doc["proof"]["extra_hint"] = 1
    assert run(folder, doc, "field.json") == 2


def cases(doc):
    return doc["proof"]["cases"]


def test_cubic_key_pointing_at_an_unproved_k_is_rejected(folder, cubic_doc):
    model = load_model(folder / cubic_doc["model"]["weights"])
    tables = Tables(model)
    cols = cases(cubic_doc)
    bounds = cubic.Bounds(tables, np.array(cols["q"]), np.array(cols["m"]))
    for r, (q, m, c) in enumerate(zip(cols["q"], cols["m"], cols["c"])):
        if c == 0:
            continue
        B = bounds_for_every_k(tables, bounds, np.array([q]), np.array([m]), c,
                                    np.array([float.fromhex(cols["margin"][r])]))[0]
        unproved = [k for k in range(m) if not B[k] > 0]
        if unproved:
            doc = copy_doc(cubic_doc)
            cases(doc)["keys"][r] = format(int(cols["keys"][r], 16) | (1 << unproved[0]), "x")
            assert run(folder, doc, "k.json") == 1
            return
    pytest.fail("the test model proves every case; pick another seed")


def test_cubic_c_out_of_range_and_k_not_below_m_are_rejected(folder, cubic_doc):
    doc = copy_doc(cubic_doc)
    cases(doc)["c"][0] = 4  # n = K - 1 = 3
    assert run(folder, doc, "c.json") == 1
    doc = copy_doc(cubic_doc)
    r = next(i for i, c in enumerate(cases(doc)["c"]) if c > 0)
    cases(doc)["m"][r] -= 1  # an index changed: now a listed k is not below m, or q > m
    assert run(folder, doc, "m.json") == 1


def test_cubic_key_mask_longer_than_the_vocabulary_is_rejected(folder, cubic_doc):
    doc = copy_doc(cubic_doc)
    r = next(i for i, c in enumerate(cases(doc)["c"]) if c > 0)
    cases(doc)["keys"][r] = "1" + "0" * 1000  # token 4000, in a mask that would take 500 bytes a row
    assert run(folder, doc, "long.json") == 1
    cases(doc)["keys"][r] = "80"  # token 7 = d_vocab, within the digit limit
    assert run(folder, doc, "long2.json") == 1


def test_cubic_duplicated_case_is_rejected(folder, cubic_doc):
    doc = copy_doc(cubic_doc)
    for column in cases(doc).values():
        column.append(column[0])
    assert run(folder, doc, "dup.json") == 1


def largest_accepted_margin(tables, bounds, q, m, c, keys_hex):
    """Bisect on binary64 bit patterns for the largest margin the kernel accepts for one case."""
    keys = [k for k in range(m) if (int(keys_hex, 16) >> k) & 1]

    def accepted(mu: float) -> bool:
        B = bounds_for_every_k(tables, bounds, np.array([q]), np.array([m]), c, np.array([mu]))[0]
        return bool(B[0] > 0) if c == 0 else all(B[k] > 0 for k in keys)

    lo, hi = 0, int(np.float64(1e6).view(np.int64))
    assert accepted(0.0) and not accepted(float(np.int64(hi).view(np.float64)))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if accepted(float(np.int64(mid).view(np.float64))) else (lo, mid)
    return float(np.int64(lo).view(np.float64))


def test_cubic_margin_one_ulp_too_optimistic_is_rejected(folder, cubic_doc):
    model = load_model(folder / cubic_doc["model"]["weights"])
    tables = Tables(model)
    cols = cases(cubic_doc)
    bounds = cubic.Bounds(tables, np.array(cols["q"]), np.array(cols["m"]))
    r = next(i for i, c in enumerate(cols["c"]) if c > 0)
    best = largest_accepted_margin(tables, bounds, cols["q"][r], cols["m"][r], cols["c"][r], cols["keys"][r])
    doc = copy_doc(cubic_doc)
    cases(doc)["margin"][r] = best.hex()
    assert run(folder, doc, "tight.json") == 0
    cases(doc)["margin"][r] = math.nextafter(best, math.inf).hex()
    assert run(folder, doc, "ulp.json") == 1


def test_cubic_malformed_numbers_are_unusable(folder, cubic_doc):
    for column, value in (("margin", "0.5"), ("margin", "0x1.0000000000000000001p+0"), ("keys", "0xff"),
                          ("q", 1.0), ("keys", "FF")):
        doc = copy_doc(cubic_doc)
        cases(doc)[column][0] = value
        assert run(folder, doc, f"bad-{column}.json") == 2
    doc = copy_doc(cubic_doc)
    cases(doc)["q"].pop()
    assert run(folder, doc, "ragged.json") == 2


def test_cubic_negative_margin_is_rejected(folder, cubic_doc):
    doc = copy_doc(cubic_doc)
    cases(doc)["margin"][0] = (-1.0).hex()
    assert run(folder, doc, "neg.json") == 1


@pytest.mark.parametrize("column, value", [("c", 2**63), ("m", 2**64 + 1), ("q", -2**63 - 1), ("c", 10**40)])
def test_cubic_integers_beyond_int64_are_unusable_with_a_clear_reason(folder, cubic_doc, column, value):
    doc = copy_doc(cubic_doc)
    cases(doc)[column][1] = value
    result = check(write_doc(folder / "int64.json", doc))
    assert result.verdict == "error"
    assert f"proof.cases.{column}[1] is beyond the 64-bit integer range" in result.reason
    assert "internal error" not in result.reason


@pytest.mark.parametrize("margin", ["nan", "inf", "-inf"])
def test_cubic_non_finite_margin_is_unusable(folder, cubic_doc, margin):
    doc = copy_doc(cubic_doc)
    cases(doc)["margin"][0] = margin
    result = check(write_doc(folder / "nan.json", doc))
    assert result.verdict == "error" and "finite canonical hex float" in result.reason


def test_cubic_key_mask_with_a_trailing_newline_is_unusable(folder, cubic_doc):
    doc = copy_doc(cubic_doc)
    r = next(i for i, c in enumerate(cases(doc)["c"]) if c > 0)
    cases(doc)["keys"][r] += "\n"
    assert run(folder, doc, "newline.json") == 2
