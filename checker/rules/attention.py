"""The attention an input of a gap case puts on its max tokens, bounded without enumerating inputs.

Slot weights: for query q the attention weight of key slot i holding token t is proportional to
tau[q, t] * e^(eta) * rho[q, i], where tau = exp(approx / sqrt(d_head) - s_q) is the approximate
token factor, |eta| <= eps_q / sqrt(d_head) the residual's share (zero for a max token, which is
the reference) and rho = exp(EQKP / sqrt(d_head) - b_q) the positional factor (rule ``gap_weights``).
The attention on the max tokens is A = N / (N + D) with N the max slots' weight and D the rest's
(rule ``attention_monotone``: increasing in N, decreasing in D).
"""

from __future__ import annotations

import numpy as np

from compact_proofs.checker.arith import Interval, down, select, sort_last, up


def slot_sums(rho: Interval, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rule ``slot_extremes``: arrays smallest[q, r] and largest[q, r], r = 0..n, with
    smallest[q, r] <= sum_{i in M} rho[q, i] <= largest[q, r] for every set M of r of the n
    non-query slots: the sums of the r smallest lower ends (rounded down) and of the r largest upper
    ends (rounded up)."""
    lo, hi = sort_last(rho.lo[:, :n]), sort_last(rho.hi[:, :n])[:, ::-1]
    smallest, largest = np.zeros((rho.lo.shape[0], n + 1)), np.zeros((rho.lo.shape[0], n + 1))
    for r in range(1, n + 1):
        smallest[:, r] = down(smallest[:, r - 1] + lo[:, r - 1])
        largest[:, r] = up(largest[:, r - 1] + hi[:, r - 1])
    return smallest, largest


def attention_interval(n_lo: np.ndarray, n_hi: np.ndarray, d_lo: np.ndarray, d_hi: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Rule ``attention_monotone``: for N in [n_lo, n_hi] and D in [d_lo, d_hi] with N > 0, D >= 0,
    N / (N + D) lies in [a_lo, a_hi] = [n_lo / (n_lo + d_hi), n_hi / (n_hi + d_lo)], rounded
    outward; an end is used only where its rounded denominator is positive (and n_lo > 0 for the
    lower end) and it lies in [0, 1], else the trivial bound 0 or 1 replaces it."""
    low_den, high_den = up(n_lo + d_hi), down(n_hi + d_lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        a_lo, a_hi = down(n_lo / low_den), up(n_hi / high_den)
    a_lo = select((n_lo > 0) & (low_den > 0) & (a_lo >= 0) & (a_lo <= 1), a_lo, 0.0)
    a_hi = select((high_den > 0) & (a_hi >= 0) & (a_hi <= 1), a_hi, 1.0)
    return a_lo, a_hi
