"""The sub-cubic proof: gap cases proved from the model's mechanism, in O(d_vocab^2 (d_model + n_ctx))
work for the usual choices (no table indexed by three tokens is ever formed).

Cases. A case (q, m, c, g): the query token q (last position p = n = K-1), the maximum m >= q, c of
the n other positions hold tokens <= m - g (1 <= g <= m; g = 0 when c = 0), and the other n - c
hold m (at least one when q < m). It covers C(n, c) (m - g + 1)^c inputs (``cubic_count`` with the
token set {0, ..., m - g}); cases are disjoint by (q, m, c) (``count_disjoint``). The kernel proves
every listed case or rejects the certificate.

Why a case holds. For an input of the case and an output j != m, with attention weights a_i >= 0
summing to 1 (``margin_decomposition`` divided by Z > 0):

  logit_j - logit_m = U_j + sum_i a_i (EVOU[t_i, j] - EVOU[t_i, m] + PVOU[i, j] - PVOU[i, m]),

U_j = EUPU[q, j] - EUPU[q, m]. Let A be the attention on the max slots (the query slot among them
when q = m). Then (``convex_logit_bound``)

  logit_j - logit_m <= L_j + A S_j + (1 - A) w + rho,

with S_j = EVOU[m, j] - EVOU[m, m], L_j = (mu W_U)_j - (mu W_U)_m + max_i (PVOU[i, j] - PVOU[i, m]),
rho >= the direct path's residual (E_q[q] - mu) W_U at j minus at m (``direct``: max_diff, exact,
global_exact or exact_per_max; mu a hint vector or 0), and w >= EVOU[t, j] - EVOU[t, m] for every
non-max token of the case (``nonmax``: "spread", the largest row spread of EVOU over t <= m - g
and the query; or "column", where w_j = max_{t <= m-g} EVOU[t, j] - min_{t <= m-g} EVOU[t, m]
enters the lines: L_j + w_j and S_j - w_j, and w is what the query may add beyond it).

A lies in [A_lo, A_hi] (``rules.attention``): EQKE = approx + Err exactly (``lowrank_peel`` on the
factors of EQKE, or approx = EQKE), eps_q >= the spread of Err[q] (the least of the listed
row-spread rules), so a non-max token's weight is within e^(+-eps_q / sqrt(d_head)) of its
approximate factor, bounded over t <= m - g by prefix extrema (``gap_weights``); the max slots'
positional weights lie between the sums of the smallest and the largest (``slot_extremes``); and
A = N / (N + D) is monotone (``attention_monotone``).

The right side is a maximum of affine functions of A, hence convex: it is at most its larger
value at A_lo and A_hi (``convex_endpoint``). At each end, max_j (L_j + A S_j) is bounded by the
chord through breakpoints the certificate suggests (``envelope_chords``) or by the mean+diff form
around an average a (``meandiff_bilinear``). The case holds if both ends are < 0. Every step is
exact or rounded outward; a wrong hint can only make a case fail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from flint import arb

from compact_proofs.checker import cost
from compact_proofs.checker.arith import (Interval, count_above, down, float_above, float_below, highest,
                                          lowest, maximum, select, up, workprec)
from compact_proofs.checker.errors import Rejected, Unusable
from compact_proofs.checker.io.certificate import binary64, fields
from compact_proofs.checker.proofs import reject_cases
from compact_proofs.checker.io.weights import ModelConfig
from compact_proofs.checker.rules import attention, envelope, spread
from compact_proofs.checker.rules.peel import peel
from compact_proofs.checker.tables import Dyadic, Tables, _exp_rows

MAX_CASES = 10**6
MAX_BREAKPOINTS = 64  # interior breakpoints per max token
FACTORS = {"two": 2, "four": 4, "exact": 0}
RESIDUAL_METHODS = {  # name: (takes a split point, rules it applies)
    "max_diff": (True, ("row_spread_maxdiff", "spread_of_row")),
    "mean+max_diff": (True, ("row_spread_maxdiff", "spread_of_row")),
    "gram": (True, ("row_spread_gram",)),
    "global_gram": (True, ("row_spread_gram",)),
    "recursive": (False, ("row_spread_maxdiff", "spread_of_row")),
    "mean+recursive": (False, ("row_spread_maxdiff", "spread_of_row")),
    "mean_recursive": (False, ("row_spread_maxdiff", "spread_of_row")),
    "exact": (False, ("spread_of_row",)),
}
DIRECT_BOUNDS = ("max_diff", "exact", "global_exact", "exact_per_max")
NONMAX = ("spread", "column")
ATTENTION = ("envelope", "mean+diff", "drop_average")
BASE_RULES = ("margin_decomposition", "exp_enclosure", "round_outward", "ival_add", "ival_sub", "ival_mul",
              "lowrank_peel", "gap_weights", "slot_extremes", "attention_monotone", "convex_logit_bound",
              "convex_endpoint", "cubic_count", "count_disjoint")


RULES_USED_BY_ANY = BASE_RULES + tuple(sorted({r for _, rules in RESIDUAL_METHODS.values() for r in rules})) + (
    "envelope_chords", "meandiff_bilinear")


@dataclass(frozen=True)
class Config:
    """A sub-cubic proof object, read strictly. Hint vectors are exact dyadics; the cases are arrays."""

    factors: str
    peels: list[list[tuple[Dyadic, Dyadic]]]
    residual: list[tuple[str, int]]
    mean: Dyadic | None
    direct: str
    nonmax: str
    attention: str
    breakpoints: np.ndarray  # [m, width] interior breakpoints padded with +inf (envelope)
    average: np.ndarray  # [m, c] in [0, 1] (mean+diff; zeros for drop_average)
    q: np.ndarray
    m: np.ndarray
    c: np.ndarray
    g: np.ndarray

    def rules(self) -> tuple[str, ...]:
        used = list(BASE_RULES)
        for name, _ in self.residual:
            used += [r for r in RESIDUAL_METHODS[name][1] if r not in used]
        if self.direct == "max_diff" and "row_spread_maxdiff" not in used:
            used.append("row_spread_maxdiff")
        used.append("envelope_chords" if self.attention == "envelope" else "meandiff_bilinear")
        return tuple(used)


def working_set(config: ModelConfig, cfg: Config) -> int:
    """An estimate of the check's peak bytes: a few dozen float64 arrays of d_vocab^2 max(d_model,
    n_ctx) entries or of one entry per case, and the envelope's lines at each breakpoint."""
    d = config.d_vocab
    keys = d + (len(set(zip(cfg.m.tolist(), cfg.g.tolist()))) if cfg.nonmax == "column" else 0)
    width = 2 + cfg.breakpoints.shape[1]
    return 8 * (8 * d * d * max(config.d_model, config.n_ctx) + 40 * len(cfg.q) + 3 * keys * width * d)


def factor_shapes(config: ModelConfig, factors: str) -> list[tuple[int, int]]:
    """The shapes of EQKE's factors: two = (E_q W_Q)(W_K^T W_E^T); four = E_q, W_Q, W_K^T, W_E^T."""
    d, dm, dh = config.d_vocab, config.d_model, config.d_head
    return {"two": [(d, dh), (dh, d)], "four": [(d, dm), (dm, dh), (dh, dm), (dm, d)], "exact": []}[factors]


def read_proof(proof: dict, config: ModelConfig, where: str) -> Config:
    """Read the sub-cubic proof object strictly: unknown or missing fields, wrong types and shapes
    are ``Unusable``; a case outside its range or listed twice is ``Rejected``."""
    fields(proof, {"rule", "score", "direct", "nonmax", "attention", "cases"}, where, "proof")
    d, n = config.d_vocab, config.n_ctx - 1
    score = fields(proof["score"], {"factors", "peels", "residual"}, where, "proof.score")
    if score["factors"] not in FACTORS:
        raise Unusable(f"{where}: proof.score.factors must be one of {sorted(FACTORS)}")
    shapes = factor_shapes(config, score["factors"])
    peels: list[list[tuple[Dyadic, Dyadic]]] = [[] for _ in shapes]
    if not isinstance(score["peels"], list) or not isinstance(score["residual"], list):
        raise Unusable(f"{where}: proof.score.peels and proof.score.residual must be arrays")
    for k, item in enumerate(score["peels"]):
        item = fields(item, {"factor", "x", "y"}, where, f"proof.score.peels[{k}]")
        i = item["factor"]
        if type(i) is not int or not 0 <= i < len(shapes) or len(score["peels"]) > 64:
            raise Unusable(f"{where}: proof.score.peels[{k}].factor must index a factor (at most 64 peels)")
        x = _vector(item["x"], shapes[i][0], f"{where}: proof.score.peels[{k}].x")
        y = _vector(item["y"], shapes[i][1], f"{where}: proof.score.peels[{k}].y")
        peels[i].append((x.T, y))
    residual = []
    for k, item in enumerate(score["residual"]):
        item = fields(item, {"method", "split"}, where, f"proof.score.residual[{k}]")
        method, split = item["method"], item["split"]
        if method not in RESIDUAL_METHODS or type(split) is not int:
            raise Unusable(f"{where}: proof.score.residual[{k}]: method one of {sorted(RESIDUAL_METHODS)}, "
                           "split an integer")
        if RESIDUAL_METHODS[method][0] and not 1 <= split < len(shapes) or not RESIDUAL_METHODS[method][0] and split:
            raise Unusable(f"{where}: proof.score.residual[{k}]: split must be in [1, {len(shapes) - 1}] for "
                           f"{method!r}, 0 otherwise")
        residual.append((method, split))
    if (score["factors"] == "exact") != (not residual) or (score["factors"] == "exact" and score["peels"]):
        raise Unusable(f"{where}: proof.score: 'exact' takes no peels and no residual bounds; "
                       "'two' and 'four' need at least one residual bound")
    direct = fields(proof["direct"], {"mean", "bound"}, where, "proof.direct")
    if direct["bound"] not in DIRECT_BOUNDS:
        raise Unusable(f"{where}: proof.direct.bound must be one of {list(DIRECT_BOUNDS)}")
    mean = None if direct["mean"] is None else _vector(direct["mean"], config.d_model, f"{where}: proof.direct.mean")
    if proof["nonmax"] not in NONMAX:
        raise Unusable(f"{where}: proof.nonmax must be one of {list(NONMAX)}")
    att = proof["attention"]
    if not isinstance(att, dict) or att.get("bound") not in ATTENTION:
        raise Unusable(f"{where}: proof.attention.bound must be one of {list(ATTENTION)}")
    breakpoints, average = np.full((d, 1), np.inf), np.zeros((d, n + 1))
    if att["bound"] == "envelope":
        fields(att, {"bound", "breakpoints"}, where, "proof.attention")
        breakpoints = _breakpoints(att["breakpoints"], d, f"{where}: proof.attention.breakpoints")
    elif att["bound"] == "mean+diff":
        fields(att, {"bound", "average"}, where, "proof.attention")
        average = _table(att["average"], d, n + 1, f"{where}: proof.attention.average")
        if not ((average >= 0) & (average <= 1)).all():
            raise Unusable(f"{where}: proof.attention.average entries must lie in [0, 1]")
    else:
        fields(att, {"bound"}, where, "proof.attention")
    q, m, c, g = _cases(proof["cases"], d, n, where)
    return Config(score["factors"], peels, residual, mean, direct["bound"], proof["nonmax"], att["bound"],
                  breakpoints, average, q, m, c, g)


def _floats(values: object, length: int, where: str) -> np.ndarray:
    if not isinstance(values, list) or len(values) != length:
        raise Unusable(f"{where}: expected an array of {length} hex floats")
    array = np.array([binary64(v, where) for v in values], dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise Unusable(f"{where}: entries must be finite")
    return array


def _vector(values: object, length: int, where: str) -> Dyadic:
    """A row vector of ``length`` finite binary64 values, exactly."""
    return Dyadic.from_floats(_floats(values, length, where)[None, :])


def _table(rows: object, nrows: int, ncols: int, where: str) -> np.ndarray:
    if not isinstance(rows, list) or len(rows) != nrows:
        raise Unusable(f"{where}: expected {nrows} rows")
    return np.array([_floats(row, ncols, where) for row in rows])


def _breakpoints(rows: object, d: int, where: str) -> np.ndarray:
    """Per max token, strictly increasing breakpoints in (0, 1), padded with +inf."""
    if not isinstance(rows, list) or len(rows) != d:
        raise Unusable(f"{where}: expected one array per max token ({d})")
    table = np.full((d, MAX_BREAKPOINTS), np.inf)
    for m, row in enumerate(rows):
        if not isinstance(row, list) or len(row) > MAX_BREAKPOINTS:
            raise Unusable(f"{where}[{m}]: at most {MAX_BREAKPOINTS} breakpoints")
        values = _floats(row, len(row), f"{where}[{m}]")
        if not (np.all(values > 0) and np.all(values < 1) and np.all(np.diff(values) > 0)):
            raise Unusable(f"{where}[{m}]: breakpoints must increase strictly inside (0, 1)")
        table[m, : len(values)] = values
    width = max(1, int(np.max(np.sum(np.isfinite(table), axis=1))))
    return table[:, :width]


def _cases(raw: object, d: int, n: int, where: str) -> tuple[np.ndarray, ...]:
    cols = fields(raw, {"q", "m", "c", "g"}, where, "proof.cases")
    lengths = {len(v) if isinstance(v, list) else -1 for v in cols.values()}
    if len(lengths) != 1 or -1 in lengths or lengths.pop() > MAX_CASES:
        raise Unusable(f"{where}: proof.cases must hold arrays of one common length (at most {MAX_CASES})")
    arrays = []
    for name in ("q", "m", "c", "g"):
        if not all(type(x) is int and 0 <= x < 2**31 for x in cols[name]):
            raise Unusable(f"{where}: proof.cases.{name} must hold integers in [0, 2^31)")
        arrays.append(np.array(cols[name], dtype=np.int64))
    q, m, c, g = arrays
    problems = [
        (~((q <= m) & (m < d)), "need 0 <= q <= m < d_vocab"),
        (~(c <= np.where(q == m, n, n - 1)), "c out of range (a query below m needs one m elsewhere)"),
        (~np.where(c == 0, g == 0, (1 <= g) & (g <= m)), "need 1 <= g <= m (g = 0 exactly when c = 0)"),
    ]
    reject_cases(where, problems, lambda r: f"q={q[r]}, m={m[r]}, c={c[r]}, g={g[r]}", q, m, c)
    return q, m, c, g


def score_bounds(tables: Tables, cfg: Config) -> tuple[Dyadic, np.ndarray]:
    """(approx, eps): EQKE = approx + Err exactly, eps[q] >= spread(Err[q]) (float64 upper bounds)."""
    t = tables
    d = t.config.d_vocab
    if cfg.factors == "exact":
        return t.EQKE, np.zeros(d)
    if cfg.factors == "two":
        factors = [t.E_q @ t.W_Q, t.W_K.T @ t.W_E.T]
    else:
        factors = [t.E_q, t.W_Q, t.W_K.T, t.W_E.T]
    approx, residual = peel(factors, cfg.peels)
    bounds = []
    for method, split in cfg.residual:
        if method in ("max_diff", "mean+max_diff"):
            bounds.append(spread.split_maxdiff(residual, split, centred=method == "mean+max_diff").upper()[:, 0])
        elif method in ("gram", "global_gram"):
            rows = spread.gram(residual, split)
            bounds.append(rows if method == "gram" else np.full(d, highest(rows, None)))
        elif method == "exact":
            bounds.append(spread.exact(residual).upper()[:, 0])
        else:
            levels = {"recursive": 0, "mean+recursive": 1, "mean_recursive": len(residual) - 1}[method]
            bounds.append(spread.recursive(residual, levels).upper()[:, 0])
    eps = bounds[0]
    for other in bounds[1:]:
        eps = np.minimum(eps, other)
    cost.add("compare", d * (len(bounds) - 1))
    if approx is None:
        approx = Dyadic.zeros(d, d)
    return approx, eps


def residual_factors(tables: Tables, eps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(up, down): up[q] >= exp(eps[q] / sqrt(d_head)) and down[q] <= exp(-eps[q] / sqrt(d_head))."""
    ups, downs = [], []
    with workprec():
        root = arb(tables.config.d_head).sqrt()
        for e in eps.tolist():
            x = arb(e) / root
            ups.append(float_above(x.exp()))
            downs.append(float_below((-x).exp()))
    cost.add("arb", 1 + 4 * len(eps))
    return np.array(ups), np.array(downs)


def direct_bounds(tables: Tables, cfg: Config) -> tuple[Interval, np.ndarray]:
    """(ubar, rho): ubar = mu W_U (1 x d, mu = 0 if none) and rho[q, m] >= r_q[j] - r_q[m] for
    every j != m, r_q = (E_q[q] - mu) W_U (``lowrank_peel`` with the rank-one 1 mu)."""
    t = tables
    d = t.config.d_vocab
    x = t.E_q if cfg.mean is None else t.E_q - Dyadic.ones(d, 1) @ cfg.mean
    ubar = Interval(np.zeros((1, d)), np.zeros((1, d))) if cfg.mean is None else (cfg.mean @ t.W_U).interval()
    if cfg.direct == "max_diff":
        gamma = spread.maxdiff(x, t.W_U.row_spreads()).upper()[:, 0]
        return ubar, np.repeat(gamma[:, None], d, axis=1)
    r = x @ t.W_U
    if cfg.direct in ("exact", "global_exact"):
        gamma = r.row_spreads().upper()[:, 0]
        if cfg.direct == "global_exact":
            gamma = np.full(d, highest(gamma, None))
        return ubar, np.repeat(gamma[:, None], d, axis=1)
    rows = r.interval()
    top = highest(rows.hi, 1)
    at = np.argmax(rows.hi, axis=1)
    cost.reduction(rows.hi.size, d)
    second = highest(select(np.arange(d)[None, :] == at[:, None], -np.inf, rows.hi), 1)
    others = select(np.arange(d)[None, :] == at[:, None], second[:, None], top[:, None])  # [q, m]
    return ubar, up(others - rows.lo)


@dataclass(frozen=True)
class Lines:
    """Lines L_j + A S_j per key (rows): ``L`` upper bounds of L_j, ``S`` an enclosure of S_j;
    absent lines (j = m) have L = -inf and S = 0."""

    L: np.ndarray
    S: Interval

    def take(self, keys: np.ndarray) -> "Lines":
        return Lines(self.L[keys], self.S[keys])


def value_terms(tables: Tables, ubar: Interval) -> tuple[Lines, np.ndarray]:
    """The lines of each max token m (key m) before the non-max term, and upper bounds of the row
    spreads of EVOU. L_j = ubar_j - ubar_m + max_i (PVOU[i, j] - PVOU[i, m]), S_j = EVOU[m, j] - EVOU[m, m]."""
    E, P = tables.EVOU, tables.PVOU
    d = tables.config.d_vocab
    every = np.arange(d)
    absent = every[:, None] == every[None, :]
    S = Interval(down(E.lo - E.hi[every, every][:, None]), up(E.hi - E.lo[every, every][:, None]))  # [m, j]
    position = highest(up(P.hi[:, None, :] - P.lo[:, :, None]), 0)  # [m, j]
    L = up(up(ubar.hi - ubar.lo.T) + position)  # ubar_j - ubar_m + position, [m, j]
    lines = Lines(select(absent, -np.inf, L), Interval(select(absent, 0.0, S.lo), select(absent, 0.0, S.hi)))
    return lines, up(highest(E.hi, 1) - lowest(E.lo, 1))


def nonmax_terms(tables: Tables, cfg: Config, lines: Lines, spreads: np.ndarray
                 ) -> tuple[Lines, np.ndarray, np.ndarray, np.ndarray]:
    """(lines per key, the key of each case, the max token of each key, w per case): for every
    input of the case and j != m, sum over its non-max slots of a_i (EVOU[t_i, j] - EVOU[t_i, m])
    is at most (1 - A) times (the line's own w_j, column mode) plus w."""
    q, m, c, g = cfg.q, cfg.m, cfg.c, cfg.g
    d = tables.config.d_vocab
    top = np.where(c > 0, m - g, 0)
    query = select(q == m, 0.0, spreads[q])
    if cfg.nonmax == "spread":
        prefix = np.maximum.accumulate(spreads)
        cost.add("compare", d)
        return lines, m, np.arange(d), maximum(select(c > 0, prefix[top], 0.0), query)
    E = tables.EVOU
    col_max, col_min = np.maximum.accumulate(E.hi, axis=0), np.minimum.accumulate(E.lo, axis=0)  # [k, j]
    cost.add("compare", 2 * E.hi.size)
    pairs, inverse = np.unique(np.stack([m[c > 0], g[c > 0]], axis=1), axis=0, return_inverse=True)
    cost.sort(2 * len(q), 2 * len(q))
    pairs = pairs.reshape(-1, 2)
    pm, pk = pairs[:, 0], pairs[:, 0] - pairs[:, 1]
    w = up(col_max[pk] - col_min[pk, pm][:, None])  # [pair, j]
    base = lines.take(pm)
    column = Lines(up(base.L + w), Interval(down(base.S.lo - w), up(base.S.hi - w)))
    least = lowest(select(np.arange(d)[None, :] == pm[:, None], np.inf, w), 1)
    key = m.copy()
    key[c > 0] = d + inverse.reshape(-1)
    least = np.concatenate([least, [np.inf]])  # a placeholder row for the cases with c = 0
    beyond = maximum(up(query - least[np.where(c > 0, key - d, -1)]), 0.0)  # what the query may add
    covered = (q == m) | (q <= top)
    extra = select(c > 0, select(covered, 0.0, beyond), query)
    both = Lines(np.concatenate([lines.L, column.L]),
                 Interval(np.concatenate([lines.S.lo, column.S.lo]), np.concatenate([lines.S.hi, column.S.hi])))
    return both, key, np.concatenate([np.arange(d), pm]), extra


@dataclass(frozen=True)
class TokenWeights:
    """tau[q, t] encloses exp(approx[q, t] / sqrt(d_head) - s_q); a residual's share of a weight
    lies in [down[q], up[q]] (``gap_weights``)."""

    tau: Interval
    up: np.ndarray
    down: np.ndarray


def token_weights(tables: Tables, cfg: Config) -> TokenWeights:
    """The token factors of the attention weights, from the certificate's score bound."""
    approx, eps = score_bounds(tables, cfg)
    return TokenWeights(_exp_rows(approx, tables.config.d_head), *residual_factors(tables, eps))


def attention_bounds(tables: Tables, cfg: Config, weights: TokenWeights) -> tuple[np.ndarray, np.ndarray]:
    """(A_lo, A_hi) per case: every input of the case puts attention A in [A_lo, A_hi] on its max
    slots (``gap_weights``, ``slot_extremes``, ``attention_monotone``)."""
    t = tables
    n = t.n_ctx - 1
    tau, e_up, e_down = weights.tau, weights.up, weights.down
    rho = t.pos_weight  # [q, i], i <= n
    smallest, largest = attention.slot_sums(rho, n)
    prefix_max, prefix_min = np.maximum.accumulate(tau.hi, axis=1), np.minimum.accumulate(tau.lo, axis=1)
    cost.add("compare", 2 * tau.hi.size)
    q, m, c, g = cfg.q, cfg.m, cfg.c, cfg.g
    is_max = q == m
    top = np.where(c > 0, m - g, 0)
    n_lo = down(tau.lo[q, m] * down(smallest[q, n - c] + select(is_max, rho.lo[q, n], 0.0)))
    n_hi = up(tau.hi[q, m] * up(largest[q, n - c] + select(is_max, rho.hi[q, n], 0.0)))
    keys_hi = up(up(prefix_max[q, top] * e_up[q]) * largest[q, c])
    keys_lo = down(down(prefix_min[q, top] * e_down[q]) * smallest[q, c])
    query_hi = select(is_max, 0.0, up(up(tau.hi[q, q] * e_up[q]) * rho.hi[q, n]))
    query_lo = select(is_max, 0.0, down(down(tau.lo[q, q] * e_down[q]) * rho.lo[q, n]))
    return attention.attention_interval(n_lo, n_hi, down(keys_lo + query_lo), up(keys_hi + query_hi))


@dataclass(frozen=True)
class ValueTerms:
    """What the logit bound needs besides the cases: ``direct[q, m]`` (``direct_bounds``), the lines
    of each max token and the row spreads of EVOU (``value_terms``)."""

    direct: np.ndarray
    lines: Lines
    spreads: np.ndarray


def value_bounds(tables: Tables, cfg: Config) -> ValueTerms:
    ubar, direct = direct_bounds(tables, cfg)
    return ValueTerms(direct, *value_terms(tables, ubar))


def logit_bounds(tables: Tables, cfg: Config, a_lo: np.ndarray, a_hi: np.ndarray, terms: ValueTerms) -> np.ndarray:
    """For every case whose inputs put attention in [a_lo, a_hi] on the max slots: an upper bound of
    logit_j - logit_m over its inputs and outputs j != m (``convex_logit_bound``,
    ``convex_endpoint``, and ``envelope_chords`` or ``meandiff_bilinear``)."""
    t = tables
    q, m, c = cfg.q, cfg.m, cfg.c
    direct = terms.direct
    lines, key, key_max, w = nonmax_terms(t, cfg, terms.lines, terms.spreads)
    if cfg.attention == "envelope":
        interior = cfg.breakpoints[key_max]
        x, v = envelope.chords(interior, lines.L, lines.S)
        bound = {which: envelope.chord_at(x[key], v[key], interior[key], A)
                 for which, A in (("lo", a_lo), ("hi", a_hi))}
    else:
        groups, inverse = np.unique(np.stack([key, c], axis=1), axis=0, return_inverse=True)
        cost.sort(2 * len(q), 2 * len(q))
        inverse = inverse.reshape(-1)
        average = cfg.average[key_max[groups[:, 0]], groups[:, 1]]
        M, s_min, s_max = envelope.meandiff(average, lines.take(groups[:, 0]).L, lines.take(groups[:, 0]).S)
        bound = {which: envelope.meandiff_at(M[inverse], s_min[inverse], s_max[inverse], average[inverse], A)
                 for which, A in (("lo", a_lo), ("hi", a_hi))}
    at_ends = [up(up(bound[which] + envelope.upper_product(down(1 - A), up(1 - A), w)) + direct[q, m])
               for which, A in (("lo", a_lo), ("hi", a_hi))]
    return maximum(*at_ends)


def case_bounds(tables: Tables, cfg: Config, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """For every listed case, an upper bound of logit_j - logit_m over its inputs and outputs
    j != m (the module docstring's argument); the case holds where it is < 0."""
    weights = token_weights(tables, cfg)
    if progress:
        progress(1, 3)
    a_lo, a_hi = attention_bounds(tables, cfg, weights)
    if progress:
        progress(2, 3)
    worst = logit_bounds(tables, cfg, a_lo, a_hi, value_bounds(tables, cfg))
    if progress:
        progress(3, 3)
    return worst


def check_cases(tables: Tables, cfg: Config, progress: Callable[[int, int], None] | None = None) -> int:
    """Prove every listed case or raise ``Rejected``; return the number of inputs they cover."""
    worst = case_bounds(tables, cfg, progress)
    q, m, c, g = cfg.q, cfg.m, cfg.c, cfg.g
    n = tables.n_ctx - 1
    if count_above(-worst, 0.0) != len(q):
        r = int(np.argmax(~(worst < 0)))
        raise Rejected(f"case q={q[r]} m={m[r]} c={c[r]} g={g[r]} is not proved (largest wrong logit minus "
                       f"the max's is at most {worst[r]:.6g}, not below 0)")
    cost.add("madd", len(q))
    return sum(math.comb(n, int(cc)) * (int(mm) - int(gg) + 1) ** int(cc) for mm, cc, gg in zip(m, c, g))
