"""The work limit: a brute-force check of more than ``max_inputs`` inputs is refused before any
work starts, with the estimate and how to allow it; the default lets K=5 at d_vocab 64 run."""

from __future__ import annotations

import time

from compact_proofs.checker.kernel import MAX_INPUTS, check
from tests.checker.certs import certificate_doc, write_doc


def test_default_limit_admits_64_to_the_5_and_refuses_64_to_the_6():
    assert 64**5 <= MAX_INPUTS < 64**6


def test_brute_force_over_the_limit_is_refused_quickly_and_says_how_to_allow_it(tmp_path):
    doc = certificate_doc(tmp_path, "brute_force", seed=3, d_vocab=6, n_ctx=4)
    path = write_doc(tmp_path / "b.json", doc)
    start = time.perf_counter()
    result = check(path, max_inputs=6**4 - 1)
    assert time.perf_counter() - start < 5
    assert result.verdict == "error" and result.exit_code == 2
    assert "6^4 = 1.3e+03 inputs, over the work limit of 1.3e+03" in result.reason
    assert "--max-inputs 1296" in result.reason and "max_inputs=1296" in result.reason
    assert check(path, max_inputs=6**4).verdict == "verified"


def test_the_limit_does_not_apply_to_cubic_proofs(tmp_path):
    doc = certificate_doc(tmp_path, "cubic", seed=3, d_vocab=6, n_ctx=4)
    assert check(write_doc(tmp_path / "c.json", doc), max_inputs=1).verdict == "verified"
