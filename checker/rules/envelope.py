"""Upper bounds of max_j (L_j + A S_j), the largest wrong logit as a function of the attention A
on the max tokens, evaluated per case without a pass over the outputs j.

Lines are grouped by a key (the max token m, with the non-max bound's gap where it enters the
lines): ``L`` [key, j] holds upper bounds of the intercepts, ``S`` an Interval enclosure of the
slopes; absent lines have L = -inf and S = 0.
"""

from __future__ import annotations

import numpy as np

from compact_proofs.checker import cost
from compact_proofs.checker.arith import Interval, down, floats, highest, lowest, maximum, minimum, select, up


def upper_product(t_lo: np.ndarray, t_hi: np.ndarray, s: np.ndarray) -> np.ndarray:
    """An upper bound of t s for every t in [t_lo, t_hi] (``ival_mul`` with a point s)."""
    return up(maximum(floats(t_lo * s), floats(t_hi * s)))


def line_values(x: np.ndarray, L: np.ndarray, S: Interval) -> np.ndarray:
    """v[key, k] >= max_j (L_j + x[key, k] S_j) for x >= 0 (``ival_mul``, ``ival_add``,
    ``round_outward``): the largest line at each point, rounded up."""
    products = up(x[:, :, None] * S.hi[:, None, :])
    values = up(L[:, None, :] + select(np.isnan(products), 0.0, products))
    return highest(select(np.isnan(values), np.inf, values), -1)


def chords(interior: np.ndarray, L: np.ndarray, S: Interval) -> tuple[np.ndarray, np.ndarray]:
    """The breakpoints x[key] = 0, interior..., 1 (the padding +inf of ``interior`` read as 1) and
    the values v of ``line_values`` there: the premise of rule ``envelope_chords``."""
    ends = np.ones((len(interior), 1))
    x = np.concatenate([0 * ends, minimum(interior, 1.0), ends], axis=1)
    return x, line_values(x, L, S)


def chord_at(x: np.ndarray, v: np.ndarray, interior: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Rule ``envelope_chords``: for each case (rows of ``x``, ``v``, ``interior`` already taken at
    the case's key) and A in [0, 1], an upper bound of the chord through the breakpoints around A,
    hence of max_j (L_j + A S_j): v_k + (A - x_k) * slope with slope >= (v_k+1 - v_k) / (x_k+1 - x_k),
    k the number of interior breakpoints <= A."""
    rows = np.arange(len(A))
    k = np.count_nonzero(interior <= A[:, None], axis=1)
    cost.add("compare", interior.size)
    x0, x1, v0, v1 = x[rows, k], x[rows, k + 1], v[rows, k], v[rows, k + 1]
    rise = up(v1 - v0)
    run = select(rise >= 0, down(x1 - x0), up(x1 - x0))
    slope = up(rise / run)
    step = upper_product(maximum(down(A - x0), 0.0), up(A - x0), slope)
    return up(v0 + step)


def meandiff(average: np.ndarray, L: np.ndarray, S: Interval) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For a in [0, 1] per key: (M, s_min, s_max) with M >= max_j (L_j + a S_j) and
    s_min <= S_j <= s_max for every present line: the premise of rule ``meandiff_bilinear``."""
    M = line_values(average[:, None], L, S)[:, 0]
    present = L > -np.inf
    return M, lowest(select(present, S.lo, np.inf), -1), highest(select(present, S.hi, -np.inf), -1)


def meandiff_at(M: np.ndarray, s_min: np.ndarray, s_max: np.ndarray, average: np.ndarray,
                A: np.ndarray) -> np.ndarray:
    """Rule ``meandiff_bilinear``: max_j (L_j + A S_j) <= M + (A - a) s with s = s_max when A >= a
    and s = s_min when A < a; per case (arguments taken at the case's key), rounded up."""
    s = select(A >= average, s_max, s_min)
    return up(M + upper_product(down(A - average), up(A - average), s))
