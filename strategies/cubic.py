"""The cubic strategy: choose which cases (q, m, c) and non-max tokens k to claim.

It evaluates the kernel's own case bound (``checker.cubic.case_lower_bounds``) for every case
with margin 0, keeps the tokens k whose bound is positive, then claims for each case a margin
mu: half of a first-order estimate, dropped to 0 where that estimate does not re-check. It works
through the max tokens in the kernel's chunks, so its memory is the kernel's. The
kernel re-derives everything, so a wrong choice here is a rejected certificate, not a false one.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from compact_proofs.checker.proofs import cubic
from compact_proofs.checker.tables import Tables
from compact_proofs.checker.io.weights import Model


def all_cases(maxes: np.ndarray, n: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (q, m) with m in ``maxes`` (ascending) and q <= m for which c non-max slots are possible."""
    pairs = [(q, m) for m in maxes.tolist() for q in range(m + 1) if c <= (n if q == m else n - 1)]
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64)


def bounds_for_every_k(tables: Tables, bounds: cubic.Bounds, q: np.ndarray, m: np.ndarray, c: int,
                       mu: np.ndarray) -> np.ndarray:
    """The kernel's case bound for every (case, k): shape rows x d_vocab (rows x 1 for c = 0);
    columns k >= m are -inf (no such case). ``bounds`` must hold every (q, m)."""
    V = tables.config.d_vocab
    if c == 0:
        return cubic.case_lower_bounds(tables, bounds, q, m, np.zeros_like(q), 0, mu)[:, None]
    rows, ks = np.nonzero(np.arange(V)[None, :] < m[:, None])
    B = np.full((len(q), V), -np.inf)
    B[rows, ks] = cubic.case_lower_bounds(tables, bounds, q[rows], m[rows], ks, c, mu[rows])
    return B


MARGIN_BITS = 12  # claimed margins keep this many mantissa bits (rounded down): shorter certificates


def margin_estimate(tables: Tables, q: np.ndarray, m: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Half of B(0) / (an upper bound on the total attention weight of the case), rounded down to
    MARGIN_BITS mantissa bits."""
    tok, pos = tables.tok_weight.hi, tables.pos_weight.hi
    total = (tok[q, m] + tok[q].max(axis=1)) * pos[q].sum(axis=1) + tok[q, q] * pos[q, -1]
    mantissa, exponent = np.frexp(np.maximum(0.0, 0.5 * lower / total))
    return np.ldexp(np.floor(mantissa * 2.0**MARGIN_BITS) / 2.0**MARGIN_BITS, exponent)


def prove(model: Model, progress: Callable[[int, int], None] | None = None,
          max_memory: int = cubic.DEFAULT_MAX_MEMORY) -> tuple[dict, int, dict]:
    """Return (proof object, inputs covered, parameters: the number of cases) for the cubic
    certificate of ``model``, working through the max tokens in the kernel's chunks
    (``checker.cubic.chunks``) within ``max_memory`` bytes. ``progress`` is called with (chunks
    done, chunks)."""
    tables = Tables(model)
    V, n = model.config.d_vocab, model.config.n_ctx - 1
    by_c = [{"q": [], "m": [], "c": [], "margin": [], "keys": []} for _ in range(n + 1)]  # listed c by c
    covered = 0
    q_all, m_all = all_cases(np.arange(V), n, 0)
    groups = cubic.chunks(model.config, q_all, m_all, max_memory)
    for step, rows in enumerate(groups):
        maxes = np.unique(m_all[rows])
        bounds = cubic.Bounds(tables, q_all[rows], m_all[rows])
        for c in range(n + 1):
            covered += _claim(tables, bounds, *all_cases(maxes, n, c), c, by_c[c])
        if progress:
            progress(step + 1, len(groups))
    cols = {name: [x for listed in by_c for x in listed[name]] for name in by_c[0]}
    return {"rule": "cubic", "cases": cols}, covered, {"cases": len(cols["q"])}


def _claim(tables: Tables, bounds: cubic.Bounds, q: np.ndarray, m: np.ndarray, c: int, cols: dict) -> int:
    """Append to ``cols`` the cases (q[r], m[r], c) that prove some k, with their keys and margins;
    return the inputs they cover."""
    V, n = tables.config.d_vocab, tables.n_ctx - 1
    B0 = bounds_for_every_k(tables, bounds, q, m, c, np.zeros(len(q)))
    if c == 0:
        keys = np.zeros((len(q), V), dtype=bool)
        keep = B0[:, 0] > 0
        worst = B0[:, 0]
    else:
        keys = B0 > 0
        keep = keys.any(axis=1)
        worst = np.where(keys, B0, np.inf).min(axis=1)
    q, m, keys, worst = q[keep], m[keep], keys[keep], worst[keep]
    mu = margin_estimate(tables, q, m, worst)
    B = bounds_for_every_k(tables, bounds, q, m, c, mu)
    ok = (B[:, 0] > 0) if c == 0 else ~(keys & ~(B > 0)).any(axis=1)
    mu = np.where(ok, mu, 0.0)
    packed = np.packbits(keys, axis=1, bitorder="little")  # bit k of row r = token k
    cols["q"] += q.tolist()
    cols["m"] += m.tolist()
    cols["c"] += [c] * len(q)
    cols["margin"] += [x.hex() for x in mu.tolist()]
    cols["keys"] += [format(int.from_bytes(row.tobytes(), "little"), "x") for row in packed]
    return len(q) if c == 0 else sum(math.comb(n, c) * size ** c for size in keys.sum(axis=1).tolist())
