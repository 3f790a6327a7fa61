"""The brute-force rule never writes into the tables it reads: it marks the maximum's logit with
-inf in a fresh sum, so a table shared between inputs (or a view of one) keeps its values."""

from __future__ import annotations

import numpy as np
import pytest

from compact_proofs.checker.proofs.brute_force import count_correct, count_correct_for_query, query_tables
from compact_proofs.checker.tables import Tables
from tests.reference import correct_count, small_model


@pytest.mark.parametrize("n_ctx", [2, 3, 4, 5])
def test_query_tables_are_unchanged_by_counting(n_ctx):
    tables = Tables(small_model(5, d_vocab=5, n_ctx=n_ctx))
    for q in range(5):
        qt = query_tables(tables, q)
        before = (qt.lo.copy(), qt.theta.copy())
        count_correct_for_query(qt)
        assert np.array_equal(qt.lo, before[0]) and np.array_equal(qt.theta, before[1])
        assert np.isfinite(qt.lo).all()


def test_counting_twice_gives_the_same_count_and_the_truth():
    model = small_model(7, d_vocab=5, n_ctx=3)
    tables = Tables(model)
    first, second = count_correct(tables), count_correct(tables)
    assert first == second == correct_count(model)
