"""The proof rules against the independent mpmath reference (tests/reference.py), and the
combinatorial lemmas of the cubic proof checked directly on random data."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compact_proofs.checker import shards
from compact_proofs.checker.proofs import brute_force, cubic
from compact_proofs.strategies.cubic import all_cases, bounds_for_every_k
from compact_proofs.checker.tables import Dyadic, Tables
from tests.reference import correct_count, logits, margin, small_model

MODEL_SEEDS = st.integers(0, 10**6)
SLOW = settings(max_examples=8, deadline=None)


@given(st.lists(st.lists(st.floats(-1e6, 1e6, width=32), min_size=3, max_size=3), min_size=2, max_size=2),
       st.lists(st.lists(st.floats(-1e6, 1e6, width=32), min_size=2, max_size=2), min_size=3, max_size=3))
def test_margin_decomposition_tables_are_exact(a, b):
    """Dyadic products equal exact rational products (the tables the rule is stated on)."""
    A, B = np.array(a, dtype=np.float32), np.array(b, dtype=np.float32)
    P = Dyadic.from_floats(A) @ Dyadic.from_floats(B)
    for i, j in itertools.product(range(2), range(2)):
        exact = sum(Fraction(float(A[i, k])) * Fraction(float(B[k, j])) for k in range(3))
        assert Fraction(int(P.ints[i, j]), 2**P.shift) == exact


@SLOW
@given(MODEL_SEEDS, st.sampled_from([(5, 2), (6, 3), (4, 4)]), st.sampled_from([0.3, 0.6, 1.0]))
def test_brute_force_count_equals_mpmath_truth(seed, shape, scale):
    V, K = shape
    model = small_model(seed, d_vocab=V, n_ctx=K, scale=scale)
    assert brute_force.count_correct(Tables(model), model.digest) == correct_count(model)


@SLOW
@given(MODEL_SEEDS, st.sampled_from([(5, 2), (7, 3), (4, 4)]))
def test_brute_force_count_never_exceeds_truth_when_weights_underflow(seed, shape):
    """Weights of scale 2.5 give score spreads of hundreds of nats: attention weights underflow
    and the kernel proves fewer inputs, never more (see brute_force's docstring)."""
    V, K = shape
    model = small_model(seed, d_vocab=V, n_ctx=K, scale=2.5)
    assert brute_force.count_correct(Tables(model), model.digest) <= correct_count(model)


def test_brute_force_count_independent_of_jobs_shards_and_grids(monkeypatch):
    model = small_model(7, d_vocab=8, n_ctx=4)
    one = brute_force.count_correct(Tables(model), model.digest)
    two = brute_force.count_correct(Tables(model), model.digest, executor=shards.processes(2), pieces=7)
    single = brute_force.count_correct(Tables(model), model.digest, pieces=1)
    monkeypatch.setattr(brute_force, "GRID_INPUTS", 8)  # one free position per grid
    small_grids = brute_force.count_correct(Tables(model), model.digest)
    assert one == two == single == small_grids


def proved_cases(model, margin_value: float = 0.0):
    """Every case (q, m, c) with the k the kernel proves at this margin."""
    tables = Tables(model)
    V, n = model.config.d_vocab, model.config.n_ctx - 1
    bounds = cubic.Bounds(tables, *all_cases(np.arange(V), n, 0))
    out = []
    for c in range(n + 1):
        for m in range(V):
            for q in range(m + 1):
                if c > (n if q == m else n - 1):
                    continue
                B = bounds_for_every_k(tables, bounds, np.array([q]), np.array([m]), c,
                                            np.array([margin_value]))[0]
                ks = [] if c == 0 else [k for k in range(m) if B[k] > 0]
                if (c == 0 and B[0] > 0) or ks:
                    out.append((q, m, c, ks))
    return out


def inputs_of_case(n: int, q: int, m: int, c: int, ks: list[int]):
    for slots in itertools.combinations(range(n), c):
        for values in itertools.product(ks, repeat=c):
            seq = [m] * n
            for s, v in zip(slots, values):
                seq[s] = v
            yield tuple(seq) + (q,)


@SLOW
@given(MODEL_SEEDS, st.sampled_from([(5, 3), (4, 4), (6, 2)]), st.sampled_from([0.0, 0.05, 0.3]))
def test_cubic_cases_hold_on_every_input_they_cover__cubic_output_split(seed, shape, mu):
    """Soundness of cubic_output_split, cubic_mixture, cubic_arrangement and the j-free bounds
    together: every input of every proved case (mixtures included) has margin > mu in the exact
    model."""
    V, K = shape
    model = small_model(seed, d_vocab=V, n_ctx=K)
    for q, m, c, ks in proved_cases(model, mu):
        for seq in inputs_of_case(K - 1, q, m, c, ks):
            assert margin(model, seq) > mu, (seq, q, m, c, ks)


@SLOW
@given(MODEL_SEEDS)
def test_cubic_count_and_count_disjoint_match_enumeration(seed):
    """The kernel's C(n, c) N^c count equals the number of distinct inputs the cases cover."""
    model = small_model(seed, d_vocab=5, n_ctx=4)
    cases = proved_cases(model)
    covered = set()
    for q, m, c, ks in cases:
        seqs = list(inputs_of_case(3, q, m, c, ks))
        assert len(seqs) == len(set(seqs)) == (math.comb(3, c) * len(ks) ** c if c else 1)
        assert covered.isdisjoint(seqs)
        covered.update(seqs)
    if cases:
        rows = cubic.Cases(np.array([x[0] for x in cases]), np.array([x[1] for x in cases]),
                           np.array([x[2] for x in cases]), np.zeros(len(cases)),
                           np.array([[k in x[3] for k in range(5)] for x in cases]))
        count = cubic.check_cases(Tables(model), rows)
        assert count == len(covered) <= correct_count(model)


@given(st.lists(st.fractions(), min_size=1, max_size=7), st.fractions(), st.data())
def test_cubic_arrangement_threshold_bound(d, tau, data):
    r = data.draw(st.integers(0, len(d)))
    bound = r * tau + sum(min(x - tau, 0) for x in d)
    for subset in itertools.combinations(range(len(d)), r):
        assert sum(d[i] for i in subset) >= bound
    tau_r = sorted(d)[r - 1] if r else None
    if tau_r is not None:  # with tau the r-th smallest, the bound is the sum of the r smallest
        assert r * tau_r + sum(min(x - tau_r, 0) for x in d) == sum(sorted(d)[:r])


@given(st.lists(st.tuples(st.fractions(min_value=0), st.fractions()), min_size=1, max_size=8))
def test_cubic_mixture(terms):
    F = min(f for _, f in terms)
    assert sum(p * f for p, f in terms) >= F * sum(p for p, _ in terms)


@given(st.lists(st.tuples(st.fractions(min_value=Fraction(1, 10**6)), st.fractions()), min_size=1, max_size=6),
       st.fractions())
def test_softmax_shift(terms, mu):
    Z = sum(w for w, _ in terms)
    lhs = sum(w * g for w, g in terms) / Z
    rhs = sum(w * (g - mu) for w, g in terms)
    assert (lhs >= mu) == (rhs >= 0) and (lhs > mu) == (rhs > 0)


@given(st.lists(st.lists(st.fractions(), min_size=4, max_size=4), min_size=1, max_size=5))
def test_min_of_sum(rows):
    per_term_minima = sum(min(row) for row in rows)
    for j in range(4):
        assert sum(row[j] for row in rows) >= per_term_minima


@SLOW
@given(MODEL_SEEDS)
def test_margin_decomposition_against_mpmath(seed):
    """Z (logit_m - logit_j) = sum_i w_i G_j(t_i, i), the identity both rules rely on, on the
    kernel's tables: the sign of the kernel's enclosure agrees with mpmath's logits."""
    model = small_model(seed, d_vocab=5, n_ctx=3)
    tables = Tables(model)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        seq = tuple(int(x) for x in rng.integers(0, 5, 3))
        q = seq[-1]
        G = [tables.EVOU[t] + tables.PVOU[i] + tables.EUPU[q] for i, t in enumerate(seq)]
        w = [tables.tok_weight[q, t] * tables.pos_weight[q, i] for i, t in enumerate(seq)]
        weighted = [(wi.lo[()], wi.hi[()], g) for wi, g in zip(w, G)]
        row = logits(model, seq)
        Z_lo = sum(Fraction(float(lo)) for lo, _, _ in weighted)
        Z_hi = sum(Fraction(float(hi)) for _, hi, _ in weighted)
        for m_, j in itertools.permutations(range(5), 2):
            lo = sum(min(Fraction(float(a)) * Fraction(float(gl)), Fraction(float(b)) * Fraction(float(gl)))
                     for a, b, g in weighted for gl in [g.lo[m_] - g.hi[j]])
            hi = sum(max(Fraction(float(a)) * Fraction(float(gh)), Fraction(float(b)) * Fraction(float(gh)))
                     for a, b, g in weighted for gh in [g.hi[m_] - g.lo[j]])
            exact = row[m_] - row[j]
            man, exp = exact.man_exp  # mpmath's mantissa is unsigned
            diff = (-1 if exact < 0 else 1) * Fraction(int(man)) * Fraction(2) ** int(exp)
            # Z * diff lies in [lo, hi] with Z in [Z_lo, Z_hi]
            assert min(Z_lo * diff, Z_hi * diff) <= hi + Fraction(1, 10**25)
            assert max(Z_lo * diff, Z_hi * diff) >= lo - Fraction(1, 10**25)


def test_brute_force_count_never_exceeds_truth_on_adversarial_ties():
    """A model whose logits tie exactly for many inputs: ties are wrong, and none is counted."""
    model = small_model(3, d_vocab=5, n_ctx=3, maxish=False, scale=0.0)  # all-zero weights: every logit ties
    assert correct_count(model) == 0
    assert brute_force.count_correct(Tables(model), model.digest) == 0


def test_fl_sum_error_premise_guard_refuses_tables_that_could_overflow():
    """fl_sum_error assumes no partial sum overflows; tables too large for that are refused."""
    import pytest
    from compact_proofs.checker.arith import Interval
    from compact_proofs.checker.errors import Rejected
    tables = Tables(small_model(1, d_vocab=4, n_ctx=3))
    huge = np.full(tables.EVOU.lo.shape, 1e305)
    tables.__dict__["EVOU"] = Interval(huge, huge)
    with pytest.raises(Rejected, match="overflow"):
        brute_force.forward_tables(tables, "test")


def test_cubic_output_split_second_minimum_refuses_nan():
    import pytest
    from compact_proofs.checker.errors import Rejected
    table = np.zeros((2, 3, 3))
    table[0, 1, 2] = np.nan
    with pytest.raises(Rejected, match="NaN"):
        cubic._min_over_j_except_k(table, np.array([0, 1]))
