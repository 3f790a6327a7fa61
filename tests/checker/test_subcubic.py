"""The sub-cubic rules attacked directly: each primitive rule against exact rationals, the
composition against the mpmath reference on every input of every case it proves."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compact_proofs.checker.arith import Interval
from compact_proofs.checker.proofs import subcubic as rule
from compact_proofs.checker.rules import attention, envelope, spread
from compact_proofs.checker.rules.peel import peel
from compact_proofs.checker.tables import Dyadic, Tables
from compact_proofs.strategies import subcubic as strategy
from tests.reference import logits, small_model

SLOW = settings(max_examples=10, deadline=None)
small = st.floats(-8, 8, width=16)  # few mantissa bits: exact rationals stay small


def matrix(rows: int, cols: int):
    return st.lists(st.lists(small, min_size=cols, max_size=cols), min_size=rows, max_size=rows).map(
        lambda x: np.array(x, dtype=np.float64))


def fractions(D: Dyadic) -> list[list[Fraction]]:
    return [[Fraction(int(x), 2**D.shift) for x in row] for row in D.ints.tolist()]


def exact_product(mats: list[np.ndarray]) -> list[list[Fraction]]:
    out = [[Fraction(float(x)) for x in row] for row in mats[0]]
    for M in mats[1:]:
        out = [[sum(a * Fraction(float(M[k, j])) for k, a in enumerate(row)) for j in range(M.shape[1])] for row in out]
    return out


def row_spreads(rows: list[list[Fraction]]) -> list[Fraction]:
    return [max(r) - min(r) for r in rows]


FOUR = st.tuples(matrix(5, 3), matrix(3, 2), matrix(2, 3), matrix(3, 4))


@given(FOUR, st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10**6)), max_size=4))
def test_lowrank_peel_identity_is_exact_for_any_hints(mats, peels):
    factors = [Dyadic.from_floats(M) for M in mats]
    hints: list[list] = [[] for _ in mats]
    for i, seed in peels:
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(mats[i].shape[0], 1)).astype(np.float16).astype(np.float64)
        y = rng.normal(size=(1, mats[i].shape[1])).astype(np.float16).astype(np.float64)
        hints[i].append((Dyadic.from_floats(x), Dyadic.from_floats(y)))
    approx, residual = peel(factors, hints)
    total = fractions(spread.product(residual))
    if approx is not None:
        total = [[a + b for a, b in zip(ra, rb)] for ra, rb in zip(total, fractions(approx))]
    assert total == exact_product(mats)


@given(matrix(4, 5))
def test_spread_of_row_is_exact(M):
    assert fractions(Dyadic.from_floats(M).row_spreads()) == [[s] for s in row_spreads(exact_product([M]))]


@given(FOUR, st.integers(1, 3), st.booleans())
def test_row_spread_maxdiff_bounds_every_row_for_every_split(mats, split, centred):
    factors = [Dyadic.from_floats(M) for M in mats]
    bound = fractions(spread.split_maxdiff(factors, split, centred))
    assert all(b[0] >= s for b, s in zip(bound, row_spreads(exact_product(mats))))


@given(FOUR, st.integers(0, 3))
def test_row_spread_maxdiff_recursive_bounds_every_row(mats, centred_levels):
    bound = fractions(spread.recursive([Dyadic.from_floats(M) for M in mats], centred_levels))
    assert all(b[0] >= s for b, s in zip(bound, row_spreads(exact_product(mats))))


@given(FOUR, st.integers(1, 3))
def test_row_spread_gram_bounds_every_row(mats, split):
    bound = spread.gram([Dyadic.from_floats(M) for M in mats], split)
    for b, s in zip(bound, row_spreads(exact_product(mats))):
        assert Fraction(float(b)) >= s


def test_row_spread_gram_is_tight_on_a_two_point_row():
    """x = (1, -1): spread 2 = sqrt(2 * sum (x - mean)^2) exactly; the bound is the next float up at most."""
    bound = spread.gram([Dyadic.from_floats(np.array([[1.0]])), Dyadic.from_floats(np.array([[1.0, -1.0]]))], 1)
    assert 2.0 <= bound[0] <= np.nextafter(2.0, 3.0)


@given(st.lists(st.tuples(st.floats(0.01, 10), st.floats(0, 1)), min_size=1, max_size=6), st.data())
def test_slot_extremes_bound_every_subset(slots, data):
    lo = np.array([a for a, _ in slots])
    hi = lo + np.array([b for _, b in slots])
    n = len(slots)
    smallest, largest = attention.slot_sums(Interval(lo[None, :], hi[None, :]), n)
    true = [Fraction(float(a)) + (Fraction(float(b)) - Fraction(float(a))) * Fraction(data.draw(st.integers(0, 4)), 4)
            for a, b in zip(lo, hi)]
    for r in range(n + 1):
        for subset in itertools.combinations(range(n), r):
            total = sum((true[i] for i in subset), Fraction(0))
            assert Fraction(smallest[0, r]) <= total <= Fraction(largest[0, r])


@given(st.floats(1e-300, 1e300), st.floats(0, 1e300), st.floats(0, 2), st.floats(0, 2))
def test_attention_monotone_encloses_the_ratio(N, D, widen_n, widen_d):
    n_lo, n_hi = np.array([N]), np.array([N * (1 + widen_n)])
    d_lo, d_hi = np.array([D]), np.array([D * (1 + widen_d)])
    a_lo, a_hi = attention.attention_interval(n_lo, n_hi, d_lo, d_hi)
    for x, y in itertools.product((n_lo[0], n_hi[0]), (d_lo[0], d_hi[0])):
        if math.isfinite(x) and math.isfinite(y) and x > 0:
            ratio = Fraction(x) / (Fraction(x) + Fraction(y))
            assert Fraction(a_lo[0]) <= ratio <= Fraction(a_hi[0])
    assert 0 <= a_lo[0] <= a_hi[0] <= 1


lines = st.lists(st.tuples(st.floats(-50, 50), st.floats(-50, 50)), min_size=1, max_size=8)


@given(lines, st.lists(st.floats(0.001, 0.999), max_size=5, unique=True), st.floats(0, 1))
def test_envelope_chords_bound_every_line(pairs, points, A):
    L = np.array([[a for a, _ in pairs]])
    S = Interval(np.array([[b for _, b in pairs]]), np.array([[b for _, b in pairs]]))
    interior = np.array([sorted(points) + [np.inf]])
    x, v = envelope.chords(interior, L, S)
    bound = envelope.chord_at(x, v, interior, np.array([A]))[0]
    assert all(Fraction(bound) >= Fraction(a) + Fraction(A) * Fraction(b) for a, b in pairs)


@given(lines, st.floats(0, 1), st.floats(0, 1))
def test_meandiff_bilinear_bounds_every_line(pairs, average, A):
    L = np.array([[a for a, _ in pairs]])
    S = Interval(np.array([[b for _, b in pairs]]), np.array([[b for _, b in pairs]]))
    M, s_min, s_max = envelope.meandiff(np.array([average]), L, S)
    bound = envelope.meandiff_at(M, s_min, s_max, np.array([average]), np.array([A]))[0]
    assert all(Fraction(bound) >= Fraction(a) + Fraction(A) * Fraction(b) for a, b in pairs)


def test_meandiff_bilinear_needs_s_min_below_the_average():
    """The reference's form uses s_max on both sides of the average; below it that under-estimates."""
    L = np.array([[30.0, 0.0]])
    S = Interval(np.array([[-40.0, -1.0]]), np.array([[-40.0, -1.0]]))
    M, s_min, s_max = envelope.meandiff(np.array([0.9]), L, S)
    A = np.array([0.5])
    sound = envelope.meandiff_at(M, s_min, s_max, np.array([0.9]), A)[0]
    unsound = M[0] + (A[0] - 0.9) * s_max[0]
    true = max(30.0 + 0.5 * -40.0, 0.0 + 0.5 * -1.0)
    assert sound >= true > unsound


# --- the composition, against mpmath on every input ----------------------------------------------

def attention_on_max(model, seq) -> mpmath.mpf:
    """The exact-real attention of the last position on the slots holding the maximum."""
    t = {k: np.asarray(v, dtype=np.float64) for k, v in model.tensors.items()}
    x = [mpmath.matrix([[float(v) for v in t["embed.W_E"][s] + t["pos_embed.W_pos"][i]]]) for i, s in enumerate(seq)]
    WQ, WK = (mpmath.matrix(t[f"blocks.0.attn.W_{k}"][0].tolist()) for k in "QK")
    query = x[-1] * WQ
    scores = [(query * (xi * WK).T)[0] / mpmath.sqrt(model.config.d_head) for xi in x]
    top = max(scores)
    w = [mpmath.exp(s - top) for s in scores]
    m = max(seq)
    return sum(wi for wi, s in zip(w, seq) if s == m) / sum(w)


def case_inputs(n: int, q: int, m: int, c: int, g: int):
    for slots in itertools.combinations(range(n), c):
        for tokens in itertools.product(range(m - g + 1), repeat=c):
            seq = [m] * n
            for i, t in zip(slots, tokens):
                seq[i] = t
            yield tuple(seq) + (q,)


CONFIGS = ["ours/envelope/rank_one", "ours/envelope+column/exact_EQKE",
           "mean_query+max_diff/mean_query+diff/max_diff_subproduct",
           "max_diff_exact/drop_average_query_per_output_logit_reasoning/svd",
           "global_max_diff_exact/mean_query+diff/mean_recursive+max_diff_subproduct_recursive"]


@SLOW
@given(st.integers(0, 10**6), st.sampled_from([(5, 3), (6, 4)]), st.sampled_from(CONFIGS))
def test_gap_weights_slot_extremes_convex_logit_bound_convex_endpoint_hold_on_every_input(seed, shape, name):
    """Every input of every case the strategy finds: its true attention on the max slots lies in
    [A_lo, A_hi], and its largest wrong logit minus the max's is below the case bound (< 0)."""
    d, K = shape
    model = small_model(seed, d_vocab=d, n_ctx=K, d_model=4)
    proof, covered, _ = strategy.prove(model, config=name)
    cfg = rule.read_proof(proof, model.config, "test")
    tables = Tables(model)
    a_lo, a_hi = rule.attention_bounds(tables, cfg, rule.token_weights(tables, cfg))
    worst = rule.case_bounds(tables, cfg)
    assert (worst < 0).all()
    total = 0
    for r in range(len(cfg.q)):
        q, m, c, g = (int(v[r]) for v in (cfg.q, cfg.m, cfg.c, cfg.g))
        for seq in case_inputs(K - 1, q, m, c, g):
            total += 1
            A = attention_on_max(model, seq)
            assert a_lo[r] - 1e-12 <= A <= a_hi[r] + 1e-12, (seq, float(A), a_lo[r], a_hi[r])
            row = logits(model, seq)
            assert max(row[j] - row[m] for j in range(d) if j != m) <= worst[r] + 1e-9
    assert total == covered


@pytest.mark.parametrize("name", ["ours/envelope+column/rank_one",
                                  "mean_query+max_diff/mean_query+diff/max_diff_subproduct",
                                  "max_diff/drop_average_query_per_output_logit_reasoning/svd"])
def test_subcubic_never_forms_a_table_of_three_tokens(name):
    """Cost follows the proof: checking every (q, m, c) case of a d_vocab 160 model allocates no
    array near d_vocab^3 entries: peak traced memory stays below 64 * d_vocab^2 * max(d_model, K)
    bytes, i.e. 8 float64 arrays of d_vocab^2 * max(d_model, K) entries (one float64 array of
    d_vocab^3 entries alone would be 33 MB, five times the limit)."""
    import tracemalloc

    d, K, dm = 160, 4, 8
    model = small_model(3, d_vocab=d, n_ctx=K, d_model=dm)
    search = strategy.Search(model)
    proof = strategy.proof_choices(model, name)
    proof["attention"] = ({"bound": "envelope", "breakpoints": [[]] * d} if "envelope" in name else
                          {"bound": "drop_average"})
    cfg = search.config(proof, np.where(search.c == 0, 0, np.maximum(search.m // 2, 1)))
    tracemalloc.start()
    worst = rule.case_bounds(Tables(model), cfg)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(worst) == len(search.q) > d * d
    assert peak < 64 * d * d * max(dm, K), peak
