"""The cubic rule on vocabularies of fewer than three tokens: with d_vocab = 2 the only output
other than the maximum is the non-max token itself, so check B (outputs j not in {m, k}) is
vacuous. It used to evaluate to NaN there and leave every case with c > 0 unproved."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from compact_proofs.checker.kernel import check
from compact_proofs.checker.proofs import cubic
from compact_proofs.checker.tables import Tables
from compact_proofs.strategies.cubic import all_cases, bounds_for_every_k
from compact_proofs.strategies.prove import prove_one
from tests.checker.certs import make_model
from tests.reference import correct_count, small_model


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_d_vocab_2_case_bounds_are_numbers_and_cases_with_c_above_0_are_proved(tmp_path, seed):
    model = small_model(seed, d_vocab=2, n_ctx=4)
    tables = Tables(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # +inf tables of the vacuous check B
        for c in range(1, 4):
            q, m = all_cases(np.arange(2), 3, c)
            B = bounds_for_every_k(tables, cubic.Bounds(tables, q, m), q, m, c, np.zeros(len(q)))
            assert not np.isnan(B).any()
        weights = make_model(tmp_path, seed=seed, d_vocab=2, n_ctx=4)
        prove_one(weights, "cubic", tmp_path / "c.json")
        result = check(tmp_path / "c.json")
    assert result.verdict == "verified", result.reason
    truth = correct_count(model)
    assert result.bound * 16 <= truth
    assert result.bound * 16 > 2  # more than the two c = 0 inputs (0000 and 1111): before the fix, at most those


def test_d_vocab_2_seed_2_proves_what_it_did_after_the_fix(tmp_path):
    weights = make_model(tmp_path, seed=2, d_vocab=2, n_ctx=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        prove_one(weights, "cubic", tmp_path / "c.json")
        result = check(tmp_path / "c.json")
    assert result.bound == pytest.approx(11 / 16) and correct_count(small_model(2, d_vocab=2, n_ctx=4)) == 13
