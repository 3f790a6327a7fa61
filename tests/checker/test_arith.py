"""Property tests of the arithmetic rules against exact rationals and mpmath.

Each test is named after the rule it attacks (test_<rule>_...); test_rule_coverage checks that
every rule in the rulebook has one."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb
from hypothesis import assume, given
from hypothesis import strategies as st

from compact_proofs.checker.arith import (UNIT_ROUNDOFF, Interval, exact_arb, float_above, float_at_least, float_below,
                           self_test, workprec)

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
tiny_or_any = st.one_of(finite, st.floats(min_value=-1e-300, max_value=1e-300), st.sampled_from([0.0, 5e-324, -5e-324]))


def ival(lo: float, hi: float) -> Interval:
    return Interval(np.array([lo]), np.array([hi]))


def pair(draw_a, draw_b):
    a, b = sorted((draw_a, draw_b))
    return a, b


@pytest.mark.filterwarnings("ignore:overflow encountered")  # huge operands overflow to inf: outward, still sound
@given(tiny_or_any, tiny_or_any, tiny_or_any, tiny_or_any, st.floats(0, 1), st.floats(0, 1))
def test_ival_add_ival_sub_ival_mul_round_outward_enclose_exact_results(a, b, c, d, s, t):
    (a, b), (c, d) = sorted((a, b)), sorted((c, d))
    x = Fraction(a) + (Fraction(b) - Fraction(a)) * Fraction(s)  # any point of [a, b]
    y = Fraction(c) + (Fraction(d) - Fraction(c)) * Fraction(t)
    for op, exact in ((Interval.__add__, x + y), (Interval.__sub__, x - y), (Interval.__mul__, x * y)):
        r = op(ival(a, b), ival(c, d))
        lo, hi = float(r.lo[0]), float(r.hi[0])
        if math.isfinite(lo) and math.isfinite(hi):
            assert Fraction(lo) <= exact <= Fraction(hi), (op.__name__, a, b, c, d)


@given(st.lists(st.tuples(tiny_or_any, tiny_or_any), min_size=1, max_size=8))
def test_ival_sum_encloses_left_to_right_sums(pairs):
    pairs = [sorted(p) for p in pairs]
    total = ival(*pairs[0])
    for p in pairs[1:]:
        total = total + ival(*p)
    exact_lo = sum(Fraction(p[0]) for p in pairs)
    exact_hi = sum(Fraction(p[1]) for p in pairs)
    if math.isfinite(total.lo[0]) and math.isfinite(total.hi[0]):
        assert Fraction(float(total.lo[0])) <= exact_lo and exact_hi <= Fraction(float(total.hi[0]))


@given(st.integers(-2**200, 2**200), st.integers(0, 1200))
def test_round_outward_from_dyadic(value, shift):
    exact = Fraction(value, 2**shift)
    r = Interval.from_dyadic(np.array([value], dtype=object), shift) if abs(exact) < 1e300 else None
    assume(r is not None)
    assert Fraction(float(r.lo[0])) <= exact <= Fraction(float(r.hi[0]))


@given(st.fractions(), st.integers(-60, 60))
def test_round_outward_float_below_above_are_tight(x, e):
    x = x * Fraction(2) ** e
    with workprec():
        ball = arb(x.numerator) / x.denominator
    lo, hi = float_below(ball), float_above(ball)
    assert Fraction(lo) <= x <= Fraction(hi)
    assert math.nextafter(lo, math.inf) >= float_below(ball)  # lo is a float, never past the ball
    assert float_at_least(x) >= x and Fraction(math.nextafter(float_at_least(x), -math.inf)) < x


def test_round_outward_indeterminate_and_infinite_balls_fail_closed():
    for ball in (arb("nan"), arb(0, math.inf)):
        assert float_below(ball) == -math.inf and float_above(ball) == math.inf
    with workprec():
        huge = arb(2) ** 2000
    assert float_below(huge) == np.finfo(np.float64).max and float_above(huge) == math.inf


@given(st.floats(-700, 700))
def test_exp_enclosure_against_mpmath(x):
    with workprec():
        ball = arb(x).exp()
    mpmath.mp.dps = 60
    true = mpmath.exp(mpmath.mpf(x))
    assert mpmath.mpf(float_below(ball)) <= true <= mpmath.mpf(float_above(ball))


@given(st.lists(tiny_or_any, min_size=1, max_size=25))
def test_fl_sum_error_bound(values):
    """|fl-sum - sum| <= ((1+u)^(n-1) - 1) sum|a_i| for left-to-right float64 summation."""
    acc = np.float64(values[0])
    for v in values[1:]:
        acc = acc + np.float64(v)
    assume(math.isfinite(acc))
    exact = sum(Fraction(v) for v in values)
    bound = ((1 + UNIT_ROUNDOFF) ** (len(values) - 1) - 1) * sum(abs(Fraction(v)) for v in values)
    assert abs(Fraction(float(acc)) - exact) <= bound


@given(tiny_or_any, tiny_or_any, st.floats(0, 1e10))
def test_fl_sign_test(x, y, e):
    d = np.float64(x) - np.float64(y)
    assume(math.isfinite(d))
    T = float_at_least((1 + UNIT_ROUNDOFF) * Fraction(e))
    if d > T:
        assert Fraction(x) - Fraction(y) > Fraction(e)


def point_fraction(point: arb) -> Fraction:
    man, exp = point.mid().man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


@given(st.integers(-2**300, 2**300), st.integers(0, 400))
def test_exact_arb_contains_the_dyadic(value, shift):
    with workprec():
        ball = exact_arb(value, shift)
    exact = Fraction(value, 2**shift)
    assert point_fraction(ball.lower()) <= exact <= point_fraction(ball.upper())
    if abs(value) < 2**100:
        assert ball.is_exact()


def test_self_test_passes_on_this_machine():
    self_test()


@pytest.mark.filterwarnings("ignore:overflow encountered")
@given(st.floats(0, 1e100), st.floats(0, 1e100), tiny_or_any, st.floats(0, 1), st.floats(0, 1e6))
def test_ival_mul_lower_product_of_a_positive_weight(a, b, x_lo, s, above):
    from compact_proofs.checker.arith import lower_product
    a, b = sorted((a, b))
    w = Fraction(a) + (Fraction(b) - Fraction(a)) * Fraction(s)
    assume(w > 0)
    x = Fraction(x_lo) + Fraction(above)
    bound = lower_product(ival(a, b), np.array([x_lo]))[0]
    if math.isfinite(bound):
        assert Fraction(float(bound)) <= w * x
    loose = lower_product(ival(-1.0, b), np.array([x_lo]))[0]  # a lower endpoint below 0 is clipped
    if math.isfinite(loose) and w <= Fraction(b):
        assert Fraction(float(loose)) <= w * x
