"""Rule ``brute_force_count``: evaluate every input of Max-of-K rigorously and count.

For query token q (last position p = K-1) and an input t_0..t_{K-2}, q with maximum m, rule
``margin_decomposition`` says the input is correct iff, for every j != m,

    U_m - U_j > 0,   U = sum_i A_i[t_i],   A_i[t, :] = w(q,t,i) (EVOU[t] + PVOU[i] + EUPU[q]),

with w(q,t,i) = tok_weight[q,t] * pos_weight[q,i] > 0. The kernel encloses each A_i by an
``Interval`` (rules ``exp_enclosure``, ``ival_add``, ``ival_mul``, ``round_outward``), then, in
plain float64 over all inputs of one query at once, sums the lower endpoints left to right into
U^. For every entry, |U^_j - U_j| <= e with (rule ``fl_sum_error``, u = 2^-52)

    e = sum_i (width_i[t_i] + ((1 + u)^(K-1) - 1) mag_i[t_i]),

where width_i[t] >= max_j (hi - lo) of A_i[t, j] and mag_i[t] = max_j |lo(A_i[t, j])|. The kernel
precomputes theta_i[t] >= 2 (1 + u) (width_i[t] + gamma mag_i[t]) rounding upward, and sums
T = sum_i theta_i[t_i] per input rounding upward. With x = U^_m, y = max_{j != m} U^_j (exact: max
and gather do not round) and d = fl(x - y), rule ``fl_sign_test`` (e = 2e) shows U_m > U_j for
all j != m whenever d > T. Every input is enumerated exactly once, in chunks the kernel chooses;
the count depends neither on chunk order nor on the number of jobs.

Limit (completeness, not soundness): weights are scaled per query token by the row's largest
score, so an input whose every score lies more than ~700 nats below it has weights that
underflow binary64; such an input is not proved even if it is correct. Trained models have
score spreads far below that.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from compact_proofs.checker import cost
from compact_proofs.checker.arith import (UNIT_ROUNDOFF, Interval, count_above, float_at_least, floats, highest,
                                          maximum, up)
from compact_proofs.checker.errors import Rejected
from compact_proofs.checker.tables import Tables

CHUNK_ELEMENTS = 2**22  # at most this many float64 entries per block (at least one slice of the first axis)
RULES_USED = ("margin_decomposition", "exp_enclosure", "round_outward", "ival_add", "ival_mul",
              "fl_sum_error", "fl_sign_test", "brute_force_count")


@dataclass(frozen=True)
class QueryTables:
    """For one query token q: lower endpoints ``lo[i, t, j]`` of A_i and the error terms
    ``theta[i, t]`` (upper bounds, see the module docstring)."""

    q: int
    lo: np.ndarray
    theta: np.ndarray


def query_tables(tables: Tables, q: int) -> QueryTables:
    """Enclose A_i for query q and bound each entry's share of the rounding error."""
    K = tables.n_ctx
    values = tables.EVOU[:, None, :] + tables.PVOU[None, :, :]  # [t, i, j]
    values = values + tables.EUPU[q][None, None, :]
    weights = tables.tok_weight[q][:, None] * tables.pos_weight[q][None, :]  # [t, i]
    A = (Interval(weights.lo[:, :, None], weights.hi[:, :, None]) * values).transpose((1, 0, 2))  # [i, t, j]
    if not (np.all(np.isfinite(A.lo)) and np.all(np.isfinite(A.hi))):
        raise Rejected("a brute-force table entry is not finite")
    width = highest(up(A.hi - A.lo), -1)
    magnitude = highest(floats(np.abs(A.lo)), -1)
    if K * float(highest(magnitude, None)) >= 2.0**1000:  # then no partial sum can overflow (fl_sum_error's premise)
        raise Rejected("brute-force table entries too large for overflow-free binary64 sums")
    gamma = float_at_least((1 + UNIT_ROUNDOFF) ** (K - 1) - 1)
    twice = float_at_least(2 * (1 + UNIT_ROUNDOFF))
    theta = up(up(width + up(gamma * magnitude)) * twice)
    return QueryTables(q, np.ascontiguousarray(A.lo), theta)


def count_correct_for_query(qt: QueryTables) -> int:
    """The number of inputs with last token q that the float path certifies correct."""
    K, V = qt.lo.shape[0], qt.lo.shape[1]
    n = K - 1
    vec = min(3, n)
    head = n - vec
    block = max(1, CHUNK_ELEMENTS // (V ** vec * qt.lo.shape[2]))
    grids = np.indices((V,) * vec)
    count = 0
    for prefix in itertools.product(range(V), repeat=head):
        partial, bound = None, qt.theta[K - 1, qt.q]
        for i, t in enumerate(prefix):
            partial = qt.lo[i, t] if partial is None else floats(partial + qt.lo[i, t])
            bound = up(bound + qt.theta[i, t])
        prefix_max = max(prefix + (qt.q,))
        top: Any  # the maximum token of each input: an int, then an array
        for start in range(0, V, block):
            stop = min(V, start + block)
            total, threshold, top = partial, bound, prefix_max
            for axis in range(vec):
                index: list[slice | None] = [None] * vec
                index[axis] = slice(start, stop) if axis == 0 else slice(None)
                term = qt.lo[head + axis][tuple(index) + (slice(None),)]
                total = term if total is None else floats(total + term)
                threshold = up(threshold + qt.theta[head + axis][tuple(index)])
                top = maximum(top, grids[axis][(slice(start, stop),) + (slice(None),) * (vec - 1)])
            total = floats(total + qt.lo[K - 1, qt.q])  # a new array: the tables are never written
            x = np.take_along_axis(total, top[..., None], axis=-1)[..., 0]
            np.put_along_axis(total, top[..., None], -np.inf, axis=-1)
            d = floats(x - highest(total, -1))
            count += count_above(d, threshold)
    return count


_WORKER_TABLES: Any = None  # the Tables, set before the workers fork


def _worker(q: int) -> tuple[int, dict[str, int]]:
    """One query in a worker process: its count and the work it counted."""
    with cost.metered() as meter:
        count = count_correct_for_query(query_tables(_WORKER_TABLES, q))
    return count, meter.counts


def count_correct(tables: Tables, jobs: int = 1, progress: Callable[[int, int], None] | None = None) -> int:
    """Rule ``brute_force_count``: the number of the d_vocab^K inputs proved correct.
    Each query token is one unit of work; ``jobs`` processes share them."""
    global _WORKER_TABLES
    V = tables.config.d_vocab
    _ = (tables.tok_weight, tables.pos_weight, tables.EVOU, tables.PVOU, tables.EUPU)  # once, before fork
    total, done = 0, 0
    results: Iterator[tuple[int, dict[str, int] | None]]
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        results = ((count_correct_for_query(query_tables(tables, q)), None) for q in range(V))
        pool = None
    else:
        _WORKER_TABLES = tables
        pool = multiprocessing.get_context("fork").Pool(min(jobs, os.cpu_count() or 1))
        results = pool.imap_unordered(_worker, range(V))
    try:
        for n, counts in results:
            total += n
            if counts is not None:
                cost.merge(counts)
            done += 1
            if progress:
                progress(done, V)
    finally:
        if pool is not None:
            pool.terminate()
            _WORKER_TABLES = None
    return total
