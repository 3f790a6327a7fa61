"""The brute-force rule never writes into the tables it reads: it marks the maximum's logit with
-inf in the grid's own buffer, so tables shared between grids, shards and workers keep their
values."""

from __future__ import annotations

import numpy as np
import pytest

from compact_proofs.checker.proofs.brute_force import count_blocks, count_correct, forward_tables, layout
from compact_proofs.checker.tables import Tables
from tests.reference import correct_count, small_model


@pytest.mark.parametrize("n_ctx", [2, 3, 4, 5])
def test_forward_tables_are_unchanged_by_counting(n_ctx):
    model = small_model(5, d_vocab=5, n_ctx=n_ctx)
    ft = forward_tables(Tables(model), model.digest)
    before = (ft.lo.copy(), ft.theta.copy())
    _, units = layout(n_ctx, 5)
    count_blocks(ft, (0, units))
    assert np.array_equal(ft.lo, before[0]) and np.array_equal(ft.theta, before[1])
    assert np.isfinite(ft.lo).all()


def test_counting_twice_gives_the_same_count_and_the_truth():
    model = small_model(7, d_vocab=5, n_ctx=3)
    tables = Tables(model)
    first, second = count_correct(tables, model.digest), count_correct(tables, model.digest)
    assert first == second == correct_count(model)
