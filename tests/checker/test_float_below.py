"""``float_below`` / ``float_above`` return the tightest float whatever the first guess: the
correction is a loop of exact comparisons, not one step."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from flint import arb
from hypothesis import given, strategies as st

from compact_proofs.checker import arith
from compact_proofs.checker.arith import float_above, float_below, workprec


def ball(x: Fraction) -> arb:
    with workprec():
        return arb(x.numerator) / x.denominator


@pytest.mark.parametrize("offset", [-7, -2, -1, 1, 2, 7])
@given(x=st.fractions(), e=st.integers(-60, 60))
def test_float_below_and_above_are_tight_from_a_first_guess_several_ulps_off(offset, x, e):
    x = x * Fraction(2) ** e
    real_float = float

    def off_by(value):  # the module's float(): the true conversion moved |offset| ulps
        f = real_float(value)
        for _ in range(abs(offset)):
            f = math.nextafter(f, math.inf if offset > 0 else -math.inf)
        return f

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arith, "float", off_by, raising=False)
        lo, hi = float_below(ball(x)), float_above(ball(x))
    assert Fraction(lo) <= x < Fraction(math.nextafter(lo, math.inf))
    assert Fraction(math.nextafter(hi, -math.inf)) < x <= Fraction(hi)
