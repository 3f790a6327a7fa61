"""The cubic strategy: choose which cases (q, m, c) and non-max tokens k to claim.

It evaluates the kernel's own case bound (``checker.cubic.case_lower_bounds``) for every case
with margin 0, keeps the tokens k whose bound is positive, then claims for each case a margin
mu: half of a first-order estimate, dropped to 0 where that estimate does not re-check. The
kernel re-derives everything, so a wrong choice here is a rejected certificate, not a false one.
"""

from __future__ import annotations

import math
import time

import numpy as np

from compact_proofs.checker.proofs import cubic
from compact_proofs.checker.tables import Tables
from compact_proofs.checker.io.weights import Model


def all_cases(V: int, n: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (q, m) with q <= m for which c non-max slots are possible."""
    pairs = [(q, m) for m in range(V) for q in range(m + 1) if c <= (n if q == m else n - 1)]
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64)


def bounds_for_every_k(tables: Tables, bounds: cubic.Bounds, q: np.ndarray, m: np.ndarray, c: int,
                       mu: np.ndarray) -> np.ndarray:
    """The kernel's case bound for every (case, k): shape rows x d_vocab (rows x 1 for c = 0);
    columns k >= m are -inf (no such case)."""
    V = tables.config.d_vocab
    if c == 0:
        return cubic.case_lower_bounds(tables, bounds, q, m, np.zeros_like(q), 0, mu)[:, None]
    rows = np.repeat(np.arange(len(q)), V)
    ks = np.tile(np.arange(V), len(q))
    B = cubic.case_lower_bounds(tables, bounds, q[rows], m[rows], ks, c, mu[rows]).reshape(len(q), V)
    return np.where(np.arange(V)[None, :] < m[:, None], B, -np.inf)


MARGIN_BITS = 12  # claimed margins keep this many mantissa bits (rounded down): shorter certificates


def margin_estimate(tables: Tables, q: np.ndarray, m: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Half of B(0) / (an upper bound on the total attention weight of the case), rounded down to
    MARGIN_BITS mantissa bits."""
    tok, pos = tables.tok_weight.hi, tables.pos_weight.hi
    total = (tok[q, m] + tok[q].max(axis=1)) * pos[q].sum(axis=1) + tok[q, q] * pos[q, -1]
    mantissa, exponent = np.frexp(np.maximum(0.0, 0.5 * lower / total))
    return np.ldexp(np.floor(mantissa * 2.0**MARGIN_BITS) / 2.0**MARGIN_BITS, exponent)


def prove(model: Model) -> tuple[dict, int, dict]:
    """Return (proof object, inputs covered, statistics) for the cubic certificate of ``model``."""
    start = time.perf_counter()
    tables = Tables(model)
    bounds = cubic.Bounds(tables)
    V, n = model.config.d_vocab, model.config.n_ctx - 1
    cols = {"q": [], "m": [], "c": [], "margin": [], "keys": []}
    covered = 0
    for c in range(n + 1):
        q, m = all_cases(V, n, c)
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
        for r in range(len(q)):
            mask = sum(1 << int(k) for k in np.nonzero(keys[r])[0])
            cols["q"].append(int(q[r]))
            cols["m"].append(int(m[r]))
            cols["c"].append(c)
            cols["margin"].append(float(mu[r]).hex())
            cols["keys"].append(format(mask, "x"))
            covered += 1 if c == 0 else math.comb(n, c) * int(keys[r].sum()) ** c
    stats = {"cases": len(cols["q"]), "seconds": round(time.perf_counter() - start, 3)}
    return {"rule": "cubic", "cases": cols}, covered, stats
