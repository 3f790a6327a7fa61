"""Row-spread bounds of a product of exact matrices, without forming the product.

The spread of a row x is max_i x_i - min_j x_j. For M = M_1 ... M_t (exact dyadic factors, the
first with d rows) each function returns, for every row q of M, an upper bound on the spread of
M[q]: as an exact ``Dyadic`` column where the bound is rational, as float64 upper bounds where it
takes a square root. Any of them, and their minimum, bounds the spread.
"""

from __future__ import annotations

from functools import reduce

import numpy as np
from flint import arb

from compact_proofs.checker import cost
from compact_proofs.checker.arith import float_above, workprec
from compact_proofs.checker.tables import Dyadic


def product(factors: list[Dyadic]) -> Dyadic:
    """The exact product of the factors, left to right."""
    return reduce(lambda a, b: a @ b, factors)


def mean_row(M: Dyadic) -> Dyadic:
    """A row vector near the mean of M's rows (the float64 mean, taken exactly as a dyadic). Any
    vector is valid in ``maxdiff``; this one makes the centred bound small."""
    values = M.interval().hi
    cost.add("float", values.size)
    return Dyadic.from_floats(values.mean(axis=0, keepdims=True))


def maxdiff(L: Dyadic, spreads: Dyadic, centre: tuple[Dyadic, Dyadic] | None = None) -> Dyadic:
    """Rule ``row_spread_maxdiff``: for R with spread(R[k]) <= ``spreads[k]`` for every row k, and
    ``centre`` = (a, sigma), a row vector a with spread(a R) <= sigma (none: a = 0, sigma = 0):
    spread((L R)[q]) <= sigma + sum_k |L[q, k] - a_k| spreads[k], returned exactly."""
    if centre is None:
        return L.abs() @ spreads
    a, sigma = centre
    ones = Dyadic.ones(L.ints.nrows(), 1)
    return (L - ones @ a).abs() @ spreads + ones @ sigma


def split_maxdiff(factors: list[Dyadic], split: int, centred: bool) -> Dyadic:
    """``maxdiff`` with L = M_1 ... M_split and R = M_split+1 ... M_t, R's row spreads exact
    (``spread_of_row``); centred: a = ``mean_row(L)``."""
    L, R = product(factors[:split]), product(factors[split:])
    if not centred:
        return maxdiff(L, R.row_spreads())
    a = mean_row(L)
    return maxdiff(L, R.row_spreads(), (a, (a @ R).row_spreads()))


def recursive(factors: list[Dyadic], centred_levels: int) -> Dyadic:
    """``maxdiff`` applied from the right: s_t = spreads of M_t's rows (``spread_of_row``), then
    s_i = maxdiff(M_i, s_i+1) bounds the row spreads of M_i ... M_t, for i = t-1 down to 1. The
    first ``centred_levels`` levels (counted from the left, M_1 first) are centred on their mean
    row a_i, with spread(a_i M_i+1 ... M_t) exact."""
    bound = factors[-1].row_spreads()
    for i in range(len(factors) - 2, -1, -1):
        if i < centred_levels:
            a = mean_row(factors[i])
            bound = maxdiff(factors[i], bound, (a, product([a] + factors[i + 1:]).row_spreads()))
        else:
            bound = maxdiff(factors[i], bound)
    return bound


def gram(factors: list[Dyadic], split: int) -> np.ndarray:
    """Rule ``row_spread_gram``: with x = M[q] = a R (a = (M_1 ... M_split)[q], R the rest) and d
    its length, spread(x)^2 <= 2 sum_k (x_k - mean x)^2 = 2 (a G a^T - (a R 1)^2 / d), G = R R^T,
    all exact; returns float64 upper bounds of sqrt(2 (...)) per row (one arb sqrt each)."""
    L, R = product(factors[:split]), product(factors[split:])
    d = R.ints.ncols()
    quad = _row_dots(L @ (R @ R.T), L)  # a G a^T per row, exact, shift 2 (L.shift + R.shift)
    sums = L @ (R @ Dyadic.ones(d, 1))  # a R 1 per row
    bounds = []
    with workprec():
        for n, s in zip(quad, sums.ints.entries()):
            centred = arb(d * n - int(s) ** 2) / (arb(d) * arb(2) ** (2 * sums.shift))
            bounds.append(float_above((2 * centred).sqrt()))
    cost.add("arb", 4 * len(bounds))
    return np.array(bounds)


def _row_dots(A: Dyadic, B: Dyadic) -> list[int]:
    """sum_k A[q, k] B[q, k] for every row q, as integers at shift A.shift + B.shift."""
    cost.exact_products(A.ints.nrows() * A.ints.ncols(), A.bits, B.bits)
    return [sum(int(x) * int(y) for x, y in zip(ra, rb)) for ra, rb in zip(A.ints.tolist(), B.ints.tolist())]


def exact(factors: list[Dyadic]) -> Dyadic:
    """The exact spread of every row of the product (``spread_of_row``; forms the product)."""
    return product(factors).row_spreads()
