"""Rule ``brute_force_count``: evaluate every input of Max-of-K rigorously and count, in shards.

For query token q (last position p = K-1) and an input t_0..t_{K-2}, q with maximum m, rule
``margin_decomposition`` says the input is correct iff, for every j != m,

    U_m - U_j > 0,   U = sum_i A_i[t_i],   A_i[t, :] = w(q,t,i) (EVOU[t] + PVOU[i] + EUPU[q]),

with w(q,t,i) = tok_weight[q,t] * pos_weight[q,i] > 0. The kernel encloses each A_i by an
``Interval`` (rules ``exp_enclosure``, ``ival_add``, ``ival_mul``, ``round_outward``), then, in
plain float64, sums the lower endpoints left to right into U^, the query's term first, then the
positions in a fixed order (a recursive summation of a permutation of the K terms). For every
entry, |U^_j - U_j| <= e with (rule ``fl_sum_error``, u = 2^-52)

    e = sum_i (width_i[t_i] + ((1 + u)^(K-1) - 1) mag_i[t_i]),

where width_i[t] >= max_j (hi - lo) of A_i[t, j] and mag_i[t] = max_j |lo(A_i[t, j])|. The kernel
precomputes theta_i[t] >= 2 (1 + u) (width_i[t] + gamma mag_i[t]) rounding upward, and sums
T = sum_i theta_i[t_i] per input rounding upward. With x = U^_m, y = max_{j != m} U^_j (exact: max
and gather do not round) and d = fl(x - y), rule ``fl_sign_test`` (e = 2e) shows U_m > U_j for
all j != m whenever d > T.

Enumeration: a *grid* fixes the query and some positions and lets the others range over token
sets, evaluated at once (at most ``GRID_INPUTS`` inputs, d_vocab float64 entries each). The
brute-force rule's units are the blocks of d_vocab^v inputs (v trailing positions free, see
``layout``; 2 at d_vocab 64) with one query and one leading prefix, numbered by their first input's index
q d^(K-1) + t_0 d^(K-2) + ... ; shards are ranges of blocks (``checker.shards``), each block is
computed the same way whatever the shard, so neither the count nor the counted cost depends on
the shards or the number of jobs. A worker holds the shared ``ForwardTables`` (O(K d_vocab^3)
floats) and one grid (O(GRID_INPUTS d_vocab)), whatever K. Cost: the tables, O(K d_vocab^3); per
input, K rows of d_vocab logits summed and their maximum: O(K d_vocab^(K+1)) in all.

Limit (completeness, not soundness): weights are scaled per query token by the row's largest
score, so an input whose every score lies more than ~700 nats below it has weights that
underflow binary64; such an input is not proved even if it is correct. Trained models have
score spreads far below that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from compact_proofs.checker import shards
from compact_proofs.checker.arith import (UNIT_ROUNDOFF, Interval, count_above, float_at_least, floats, highest,
                                          maximum, up)
from compact_proofs.checker.errors import Rejected
from compact_proofs.checker.tables import Tables

RULE = "brute_force"
GRID_INPUTS = 2**12  # inputs per vectorised grid at most (times d_vocab float64 entries: 2 MiB at d_vocab 64)
SHARDS = 256  # shards a check is split into (fewer when there are fewer units)
RULES_USED = ("margin_decomposition", "exp_enclosure", "round_outward", "ival_add", "ival_mul",
              "fl_sum_error", "fl_sign_test", "brute_force_count", "shard_merge")


@dataclass(frozen=True)
class ForwardTables:
    """For every query token q: ``lo[q, i, j, t]``, the lower endpoint of A_i[t, j], and
    ``theta[q, i, t]``, an upper bound of that entry's share of the error (module docstring).
    ``digest`` names the model; the arrays are never written."""

    digest: str
    lo: np.ndarray
    theta: np.ndarray

    @property
    def n_ctx(self) -> int:
        return self.lo.shape[1]

    @property
    def d_vocab(self) -> int:
        return self.lo.shape[0]


def forward_tables(tables: Tables, digest: str) -> ForwardTables:
    """Enclose A_i for every query and bound each entry's share of the rounding error."""
    K = tables.n_ctx
    values = tables.EVOU[None, :, None, :] + tables.PVOU[None, None, :, :]  # [1, t, i, j]
    values = values + tables.EUPU[:, None, None, :]  # [q, t, i, j]
    weights = tables.tok_weight[:, :, None] * tables.pos_weight[:, None, :]  # [q, t, i]
    A = Interval(weights.lo[..., None], weights.hi[..., None]) * values  # [q, t, i, j]
    if not (np.all(np.isfinite(A.lo)) and np.all(np.isfinite(A.hi))):
        raise Rejected("a brute-force table entry is not finite")
    width = highest(up(A.hi - A.lo), -1)  # [q, t, i]
    magnitude = highest(floats(np.abs(A.lo)), -1)
    if K * float(highest(magnitude, None)) >= 2.0**1000:  # then no partial sum can overflow (fl_sum_error's premise)
        raise Rejected("brute-force table entries too large for overflow-free binary64 sums")
    gamma = float_at_least((1 + UNIT_ROUNDOFF) ** (K - 1) - 1)
    twice = float_at_least(2 * (1 + UNIT_ROUNDOFF))
    theta = up(up(width + up(gamma * magnitude)) * twice)
    return ForwardTables(digest, np.ascontiguousarray(A.lo.transpose(0, 2, 3, 1)),
                         np.ascontiguousarray(theta.transpose(0, 2, 1)))


def count_grids(ft: ForwardTables, q: int, fixed: list[tuple[int, int]], outer: Iterable[tuple[tuple[int, int], ...]],
                axes: list[tuple[int, np.ndarray]]) -> tuple[int, int]:
    """(certified, enumerated) over the inputs with query q, positions ``fixed`` (position,
    token) pinned, for each tuple of ``outer`` further (position, token) pins, and the positions
    of ``axes`` ranging over their token arrays (a grid). Every position but the query's must be
    pinned or on an axis exactly once (the caller's enumeration). Sums run query, fixed, outer,
    axes, in that order; each grid is one vectorised evaluation of the module docstring's test."""
    lo, theta = ft.lo[q], ft.theta[q]
    V, K = ft.d_vocab, ft.n_ctx
    dims = len(axes)
    terms = []  # per axis: its lo [V, 1.., n, 1..], theta and tokens shaped to broadcast over the grid
    for a, (i, tokens) in enumerate(axes):
        shape = [1] * dims
        shape[a] = len(tokens)
        terms.append((lo[i][:, tokens].reshape([V] + shape), theta[i][tokens].reshape(shape),
                      np.asarray(tokens).reshape(shape)))
    size = int(np.prod([len(t) for _, t in axes], dtype=np.int64)) if axes else 1
    columns = np.arange(size)
    grid = np.empty((V,) + tuple(len(t) for _, t in axes))  # each grid's sums, reused (no fresh pages per grid)
    base, base_bound, base_top = lo[K - 1][:, q], theta[K - 1, q], q
    for i, t in fixed:
        base, base_bound, base_top = floats(base + lo[i][:, t]), up(base_bound + theta[i, t]), max(base_top, t)
    count = enumerated = 0
    top: Any  # the maximum token of each input: an int, then an array over the grid
    for pins in outer:
        total, bound, top = base, base_bound, base_top
        for i, t in pins:
            total, bound, top = floats(total + lo[i][:, t]), up(bound + theta[i, t]), max(top, t)
        total = total.reshape([V] + [1] * dims)
        for a, (term, th, tokens) in enumerate(terms):
            last = a == dims - 1
            total = floats(np.add(total, term, out=grid) if last else total + term)
            bound, top = up(bound + th), maximum(top, tokens)
        total = total.reshape(V, size) if dims else total.reshape(V, 1).copy()  # never a table
        top = np.broadcast_to(top, (size,)) if not dims else top.reshape(size)
        x = total[top, columns]
        total[top, columns] = -np.inf  # the grid's own buffer: the tables are never written
        d = floats(x - highest(total, 0))
        count += count_above(d, np.reshape(bound, -1) if dims else bound)
        enumerated += size
    return count, enumerated


def layout(K: int, V: int) -> tuple[int, int]:
    """(head, units): the brute-force blocks pin the query and the first ``head`` positions and
    leave the other v free, v the most (at least 1, at most K-1) with V^v <= GRID_INPUTS; there
    are ``units`` = V^(head+1) blocks."""
    free = 1
    while free < K - 1 and V ** (free + 1) <= GRID_INPUTS:
        free += 1
    head = (K - 1) - free
    return head, V ** (head + 1)


def count_blocks(ft: ForwardTables, task: tuple[int, int]) -> shards.ShardCount:
    """The shard function: certified inputs of blocks [start, stop) (see ``layout``)."""
    start, stop = task
    K, V = ft.n_ctx, ft.d_vocab
    head, _ = layout(K, V)
    free = np.arange(V)
    axes = [(i, free) for i in range(head, K - 1)]

    def enumerate_range(a: int, b: int) -> tuple[int, int]:
        count = enumerated = 0
        for q in range(a // V ** head, (b - 1) // V ** head + 1):
            first, last = max(a, q * V ** head), min(b, (q + 1) * V ** head)
            prefixes = (tuple(enumerate(_digits(p - q * V ** head, head, V))) for p in range(first, last))
            n, e = count_grids(ft, q, [], prefixes, axes)
            count, enumerated = count + n, enumerated + e
        return count, enumerated
    return shards.count_shard(ft.digest, RULE, start, stop, enumerate_range)


def _digits(index: int, length: int, V: int) -> tuple[int, ...]:
    """``index`` written with ``length`` base-V digits, most significant first."""
    out = []
    for _ in range(length):
        index, digit = divmod(index, V)
        out.append(digit)
    return tuple(reversed(out))


def count_correct(tables: Tables, digest: str, executor: shards.Executor | None = None,
                  progress: Callable[[int, int], None] | None = None, pieces: int = SHARDS) -> int:
    """Rule ``brute_force_count``: the number of the d_vocab^K inputs proved correct, enumerated
    in ``pieces`` shards run by ``executor`` (default: in this process) and merged by
    ``shards.merge`` (rule ``shard_merge``)."""
    ft = forward_tables(tables, digest)
    K, V = ft.n_ctx, ft.d_vocab
    _, units = layout(K, V)
    ranges = shards.plan(units, pieces)
    results = shards.run(executor or shards.processes(1), count_blocks, ft, ranges, progress)
    count, enumerated = shards.merge(results, digest, RULE, units)
    if enumerated != V ** K:
        raise Rejected(f"brute force enumerated {enumerated} inputs, not {V ** K}")  # cannot happen; fail closed
    return count
