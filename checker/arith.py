"""Rigorous arithmetic: arb balls, float64 interval arrays, and the bridge between them.

Two kinds of number carry every kernel quantity:
- flint ``arb`` balls at ``PREC`` bits, for exp and sqrt (arb guarantees the true value lies
  in the ball; comparisons are used only in their "certainly" sense);
- ``Interval``: a pair of float64 numpy arrays ``lo <= true value <= hi`` elementwise. Each
  operation computes the float result in the machine's rounding and then steps one float
  outward with ``nextafter`` (rule ``round_outward``: one IEEE operation errs by less than one
  ulp in any rounding mode, subnormals included). No BLAS, no ``np.sum``, no ``np.exp`` here:
  only elementwise +, -, *, min, max, which numpy performs as single IEEE operations.

Every number that enters an ``Interval`` comes from an exact value (a dyadic rational, or an
exact arb endpoint) rounded outward, never from a float parse of a decimal.

Every operation here records its work in ``checker.cost`` (rounded operations in ``down``/``up``,
the rest where it happens); rules compute through these functions, so their cost is counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from flint import arb, ctx

from compact_proofs.checker import cost
from compact_proofs.checker.errors import Rejected

PREC = 128  # bits of every arb computation in the kernel
UNIT_ROUNDOFF = Fraction(1, 2**52)  # one ulp relative error, any rounding mode (binary64)

_DOWN, _UP = -np.inf, np.inf


def workprec():
    """The context every arb computation of the kernel runs in (ctx.prec itself is global)."""
    return ctx.workprec(PREC)


def float_below(x: arb) -> float:
    """The largest float64 <= every point of the ball ``x`` (-inf if none is finite)."""
    with workprec():  # at the global precision (53 bits by default) lower() can lose ulps
        lower = x.lower()  # an exact point (radius 0), so the comparisons below are exact
    f = float(lower)  # a float near it; corrected below by exact comparisons, one ulp at a time
    if math.isnan(f):  # an indeterminate ball bounds nothing
        return -math.inf
    if math.isinf(f):  # -inf, or a point beyond the largest float: the largest float is below it
        return f if f < 0 else float(np.finfo(np.float64).max)
    while f > -math.inf and arb(f) > lower:  # above the point: step down until at or below it
        f = math.nextafter(f, _DOWN)
    while (g := math.nextafter(f, _UP)) < math.inf and arb(g) <= lower:  # the largest such float
        f = g
    return f


def float_above(x: arb) -> float:
    """The smallest float64 >= every point of the ball ``x`` (+inf if none is finite)."""
    with workprec():  # negation at the global precision would widen the ball
        negated = -x
    return -float_below(negated)


def exact_arb(value: int, shift: int) -> arb:
    """The ball for the dyadic rational ``value * 2**-shift`` (exact up to PREC bits)."""
    return arb(value) / arb(2) ** shift


@dataclass(frozen=True)
class Interval:
    """Elementwise enclosure ``lo <= x <= hi`` of a real array ``x`` (float64 arrays).

    Each operator returns an enclosure of the exact result of the same operation on the
    enclosed reals (rules ``ival_add``, ``ival_sub``, ``ival_mul``, each followed by
    ``round_outward``). NaN never encloses anything: ``certainly_positive`` is False on it."""

    lo: np.ndarray
    hi: np.ndarray

    @staticmethod
    def from_dyadic(values: np.ndarray, shift: int) -> "Interval":
        """Enclose ``values * 2**-shift`` for an object array of Python ints (round_outward:
        Python's int / int is correctly rounded, so the true value is within one ulp)."""
        scale = 1 << shift
        nearest = np.array([v / scale for v in values.ravel().tolist()], dtype=np.float64)
        nearest = nearest.reshape(values.shape)
        if not np.all(np.isfinite(nearest)):
            raise Rejected("a table entry overflows binary64")
        return Interval(down(nearest), up(nearest))

    @staticmethod
    def from_balls(balls: list, shape: tuple[int, ...]) -> "Interval":
        """Enclose a list of arb balls (row-major) by their outward-rounded endpoints."""
        lo = np.array([float_below(b) for b in balls], dtype=np.float64).reshape(shape)
        hi = np.array([float_above(b) for b in balls], dtype=np.float64).reshape(shape)
        cost.add("arb", 2 * len(balls))  # an exact comparison per endpoint
        return Interval(lo, hi)

    def transpose(self, axes: tuple[int, ...]) -> "Interval":
        return Interval(self.lo.transpose(axes), self.hi.transpose(axes))

    def __getitem__(self, index) -> "Interval":
        return Interval(self.lo[index], self.hi[index])

    def __add__(self, other: "Interval") -> "Interval":
        return Interval(down(self.lo + other.lo), up(self.hi + other.hi))

    def __sub__(self, other: "Interval") -> "Interval":
        return Interval(down(self.lo - other.hi), up(self.hi - other.lo))

    def __mul__(self, other: "Interval") -> "Interval":
        corners = (self.lo * other.lo, self.lo * other.hi, self.hi * other.lo, self.hi * other.hi)
        cost.add("float", 4 * corners[0].size)
        lo = minimum(minimum(corners[0], corners[1]), minimum(corners[2], corners[3]))
        hi = maximum(maximum(corners[0], corners[1]), maximum(corners[2], corners[3]))
        return Interval(down(lo), up(hi))


def down(values: np.ndarray) -> np.ndarray:
    """One float step toward -inf: applied to the result of one IEEE operation, a lower bound of
    the exact result (``round_outward``). Counted as one rounded operation per element."""
    cost.add("rounded", np.size(values))
    return np.nextafter(values, _DOWN)


def up(values: np.ndarray) -> np.ndarray:
    """One float step toward +inf: an upper bound of the exact result (``round_outward``)."""
    cost.add("rounded", np.size(values))
    return np.nextafter(values, _UP)


def floats(values: np.ndarray) -> np.ndarray:
    """``values``, the result of one IEEE operation per element used as computed (not rounded
    outward; its error is bounded by the caller's rule): counted, returned unchanged."""
    cost.add("float", np.size(values))
    return values


def minimum(a, b) -> np.ndarray:
    """Elementwise min (exact on floats), counted as comparisons."""
    result = np.minimum(a, b)
    cost.add("compare", np.size(result))
    return result


def maximum(a, b) -> np.ndarray:
    """Elementwise max (exact on floats), counted as comparisons."""
    result = np.maximum(a, b)
    cost.add("compare", np.size(result))
    return result


def select(condition: np.ndarray, a, b) -> np.ndarray:
    """``np.where(condition, a, b)`` (exact), counted as one comparison per element."""
    result = np.where(condition, a, b)
    cost.add("compare", np.size(result))
    return result


def lowest(values: np.ndarray, axis) -> np.ndarray:
    """The minimum along ``axis`` (exact), counted as a reduction."""
    result = np.min(values, axis=axis)
    cost.reduction(np.size(values), np.size(values) // max(1, np.size(result)))
    return result


def highest(values: np.ndarray, axis) -> np.ndarray:
    """The maximum along ``axis`` (exact), counted as a reduction."""
    result = np.max(values, axis=axis)
    cost.reduction(np.size(values), np.size(values) // max(1, np.size(result)))
    return result


def sort_last(values: np.ndarray) -> np.ndarray:
    """``values`` sorted along the last axis (exact), counted as a sort."""
    cost.sort(np.size(values), values.shape[-1] if values.ndim else 1)
    return np.sort(values, axis=-1)


def count_above(values: np.ndarray, threshold) -> int:
    """The number of entries with ``values > threshold`` (exact comparisons), counted."""
    cost.add("compare", 2 * np.size(values))
    return int(np.count_nonzero(values > threshold))


def lower_product(weight: Interval, lower: np.ndarray) -> np.ndarray:
    """A lower bound of w * x for every w enclosed by ``weight`` whose true value is positive and
    every x >= ``lower`` (``ival_mul`` on the lower side: w * x >= w * lower, which is linear in
    w on [max(lo, 0), hi] and so at least its smaller end value)."""
    w_lo = maximum(weight.lo, 0.0)
    return down(minimum(floats(w_lo * lower), floats(weight.hi * lower)))


def float_at_least(x: Fraction) -> float:
    """The smallest float64 >= the rational x."""
    f = float(x)  # correctly rounded for Fraction
    if Fraction(f) < x:
        f = math.nextafter(f, _UP)
    return f


def self_test() -> None:
    """Start-up check that this machine's float64 behaves as the error model assumes: IEEE
    binary64 round-to-nearest sums, gradual underflow (no flush-to-zero), exact nextafter, and
    exact Fraction conversions. Raises ``Rejected`` if not, so nothing is proved on such a
    machine."""
    tiny = np.float64(5e-324)
    checks = [
        np.float64(0.1) + np.float64(0.2) == np.float64(0.30000000000000004),
        np.float64(2.2250738585072014e-308) / 2 > 0,  # subnormals survive
        tiny * np.float64(0.5) in (0.0, tiny),
        np.nextafter(np.float64(1.0), _UP) == 1.0 + 2.0**-52,
        np.nextafter(np.float64(0.0), _DOWN) == -tiny,
        Fraction(float(Fraction(1, 3))) == Fraction(6004799503160661, 2**54),
        np.finfo(np.float64).eps == 2.0**-52,
        np.float64(1.0) + np.float64(2.0**-53) == 1.0,  # ties to even
        np.float64(1.0) + np.float64(2.0**-53) + np.float64(2.0**-53) == 1.0,
    ]
    if not all(bool(c) for c in checks):
        raise Rejected("this machine's float64 arithmetic failed the kernel's start-up self-test")
