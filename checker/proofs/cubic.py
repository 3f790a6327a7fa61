"""The cubic proof: check listed cases (q, m, c, k) and count the inputs they cover.

Inputs are split by query token q (last position p = K-1), maximum m >= q, and c = the number
of the n = K-1 other positions whose token is not m. A certificate lists cases (q, m, c) with a
margin mu >= 0 and a set S of non-max tokens k < m. The claim of a case: every input with this
(q, m, c) whose non-max tokens (outside the query) all lie in S has logit_m - logit_j > mu for
every j != m. The kernel proves each listed case or rejects the certificate, then counts
C(n, c) |S|^c inputs for it (rule ``cubic_count``; 1 input when c = 0); cases are disjoint by
(q, m, c) (rule ``count_disjoint``).

Why a case holds. Write w_i = tok[q, t_i] pos[q, i] > 0 for the attention weight of position i
up to a constant (``exp_enclosure``), and G_j(t, i) = (EVOU[t] + PVOU[i] + EUPU[q])_m - (...)_j.
By ``margin_decomposition`` and ``softmax_shift`` the input's margin exceeds mu iff for every
output j != m: sum_i w_i (G_j(t_i, i) - mu) > 0. Fix j. Each term is bounded below by a number
that does not depend on j except through whether j equals the term's own token
(``cubic_output_split``, ``min_of_sum``): for a non-max token t, by aK(t) (the value at j = t,
slots pessimised) if j = t, else by bK(t) (the minimum over j not in {m, t}); for the max tokens
and the query by their values at j = k (check A) or their minima over j not in {m, k} (check B).
With f_j(t) = tok_t (that bound - mu), the non-max part is at least min_{t in S} f_j(t) sum_P pos_i
(``cubic_mixture``), attained at some k* in S: if k* = j, check A of the pure case k* dominates
the input at output j; otherwise check B of k* does. So proving checks A and B for every k in S,
each over every arrangement, proves every input of the case at every output. A pure check is
sum_{i in M} a_i + f(k) sum_{i<n} pos_i - f(k) sum_{i in M} pos_i + Q with a_i = tok_m pos_i (g_i - mu),
Q = tok_q pos_p (g_Q - mu); ``cubic_arrangement`` bounds the M part over every set of r = n - c
slots by r tau + sum_i min(d_i - tau, 0), d_i = a_i - f(k) pos_i, tau the r-th smallest d_i.
All of it is computed on ``Interval`` lower endpoints rounded outward, so the checked bound is
below the true one. Cost: O(d_vocab^3 n_ctx^2) for all cases.

Memory. The j-free bounds of a case depend on its (q, m) only, and those of all rows with one max
token m on tables of size O(d_vocab^2 n_ctx) (``Bounds``). So the kernel checks the cases chunk by
chunk of consecutive max tokens (``chunks``), building the bounds of one chunk at a time: besides
the path tables and the listed cases themselves, a check holds O(d_vocab^2 n_ctx) plus a chunk
budget however many cases it lists, and it fits the memory budget it is given or is refused
before it starts. Chunks change no bound and no counted cost, only the memory.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from compact_proofs.checker import cost
from compact_proofs.checker.arith import (Interval, count_above, down, lower_product, lowest, minimum, select,
                                          sort_last)
from compact_proofs.checker.io.certificate import binary64, fields
from compact_proofs.checker.proofs import reject_cases
from compact_proofs.checker.errors import Rejected, Unusable
from compact_proofs.checker.tables import Tables
from compact_proofs.checker.io.weights import ModelConfig

RULES_USED = ("margin_decomposition", "exp_enclosure", "round_outward", "ival_add", "ival_sub",
              "ival_mul", "ival_sum", "softmax_shift", "min_of_sum", "cubic_output_split", "cubic_mixture",
              "cubic_arrangement", "cubic_count", "count_disjoint")
MAX_CASES = 10**6
DEFAULT_MAX_MEMORY = 4 * 2**30  # bytes a check may use unless told otherwise (verify --max-memory)
CHUNK_BYTES = 64 * 2**20  # the working set a chunk aims at (measured: the chunk size barely changes the speed)
PAIR_ENTRIES = 2**18  # (case, k) pairs are bounded PAIR_ENTRIES // n_ctx at a time
# The memory model of ``working_set`` and ``fixed_bytes``: peaks measured (tracemalloc, max RSS) and rounded up.
PROCESS_BYTES = 64 * 2**20  # the interpreter with numpy, FLINT and the kernel loaded
PER_TABLE_ENTRY = 640  # bytes per entry of the path tables, with their exact construction
PER_MAX = 4  # float64 per d_vocab^2 n_ctx entries, for one max token's tables
PER_ROW = 10  # float64 per d_vocab n_ctx entries, for one row's tables and its pairs' indices
PER_PAIR_ENTRY = 16  # float64 per entry of a slice of case bounds
_HEX = re.compile(r"0|[1-9a-f][0-9a-f]{0,1023}")  # always .fullmatch


@dataclass(frozen=True)
class Cases:
    """The listed cases as parallel arrays; ``keys[r, k]`` says k is in S for case r."""

    q: np.ndarray
    m: np.ndarray
    c: np.ndarray
    margin: np.ndarray
    keys: np.ndarray


def read_cases(proof: dict, config: ModelConfig, where: str) -> Cases:
    """Read the cubic proof object strictly. Types and shapes are the format (``Unusable``);
    a case outside its range, a key k >= m or a repeated case is a false proof (``Rejected``)."""
    fields(proof, {"rule", "cases"}, where, "proof")
    cols = fields(proof["cases"], {"q", "m", "c", "margin", "keys"}, where, "proof.cases")
    lengths = {len(v) if isinstance(v, list) else -1 for v in cols.values()}
    if len(lengths) != 1 or -1 in lengths or lengths.pop() > MAX_CASES:
        raise Unusable(f"{where}: proof.cases must hold arrays of one common length (at most {MAX_CASES})")
    V, n = config.d_vocab, config.n_ctx - 1
    ints = {}
    for name in ("q", "m", "c"):
        if not all(type(x) is int for x in cols[name]):
            raise Unusable(f"{where}: proof.cases.{name} must hold integers")
        beyond = [r for r, x in enumerate(cols[name]) if not -2**63 <= x < 2**63]
        if beyond:
            raise Unusable(f"{where}: proof.cases.{name}[{beyond[0]}] is beyond the 64-bit integer range "
                           f"(no case index is that large)")
        ints[name] = np.array(cols[name], dtype=np.int64)
    margin = np.array([binary64(x, f"{where}: proof.cases.margin") for x in cols["margin"]], dtype=np.float64)
    if not all(isinstance(x, str) and _HEX.fullmatch(x) for x in cols["keys"]):
        raise Unusable(f"{where}: proof.cases.keys must hold lowercase hex bit masks")
    q, m, c = ints["q"], ints["m"], ints["c"]
    too_long = [r for r, h in enumerate(cols["keys"]) if len(h) > (V + 3) // 4]
    if too_long:
        raise Rejected(f"{where}: case #{too_long[0]}: key set names a token >= d_vocab")
    keys = _unpack_masks(cols["keys"], V)
    limit = np.where(q == m, n, n - 1)
    problems = [
        (~((0 <= q) & (q <= m) & (m < V)), "need 0 <= q <= m < d_vocab"),
        (~((0 <= c) & (c <= limit)), "c out of range (a query below m needs one m elsewhere)"),
        (~(margin >= 0), "the margin must be >= 0"),
        (keys[:, V:].any(axis=1) | (keys[:, :V] & (np.arange(V)[None, :] >= np.clip(m, 0, V)[:, None])).any(axis=1),
         "key set holds a token k >= m"),
        ((c == 0) & keys.any(axis=1), "a case with c = 0 has no non-max tokens; keys must be '0'"),
    ]
    reject_cases(where, problems, lambda r: f"q={q[r]}, m={m[r]}, c={c[r]}", q, m, c)
    return Cases(q, m, c, margin, keys[:, :V])


def _unpack_masks(masks: list[str], V: int) -> np.ndarray:
    """Hex bit masks of at most ceil(V/4) digits to a boolean array [row, bit] (bit k = token k),
    V rounded up to whole bytes: bits past V are kept so that the caller can refuse them."""
    nbytes = (V + 7) // 8
    raw = b"".join(int(h, 16).to_bytes(nbytes, "little") for h in masks)
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")
    return bits.reshape(len(masks), nbytes * 8).astype(bool)


class Bounds:
    """Lower bounds on G_j(t, i), free of j, as float lower endpoints (rules ``min_of_sum`` and
    ``cubic_output_split``), for the rows (q, m) given (each distinct pair once, sorted by m then
    q; ``rows`` finds a pair's row). Indices: r row, k non-max token, i slot (i < n).

    For c = 0 (no non-max slot), over every j != m:  gM[r,i], gQ[r].
    Check A, the output j = k:   aM[r,k,i] = G_k(m, i), aQ[r,k] = G_k(q, p),
                                 aK[r,k] = min_i G_k(k, i).
    Check B, outputs j not in {m, k}: bM[r,k,i], bQ[r,k] (minima over j != m, k) and
                                 bK[r,k] = min_{i, j} (EVOU[k] + PVOU[i])_m - (..)_j
                                           + min_j (EUPU[q]_m - EUPU[q]_j).
    Also slot_total[r] = sum_{i<n} pos[q, i] (``ival_sum``). Tables of one max token m are
    computed once per distinct m (memory d_vocab^2 n_ctx each), tables of a row once per row."""

    def __init__(self, tables: Tables, q: np.ndarray, m: np.ndarray):
        n, V = tables.n_ctx - 1, tables.config.d_vocab
        self.V, self.keys = V, np.unique(np.asarray(m, dtype=np.int64) * V + np.asarray(q, dtype=np.int64))
        q, m = self.keys % V, self.keys // V
        maxes, x = np.unique(m, return_inverse=True)  # row r's max token is maxes[x[r]]
        every, per_max = np.arange(V), np.arange(len(maxes))
        # Tables of each max token (index x): E[x, t, j] = EVOU[t]_m - EVOU[t]_j, P[x, i, j] likewise.
        E = _differences(tables.EVOU, every[None, :], maxes[:, None])
        P = _differences(tables.PVOU, np.arange(n + 1)[None, :], maxes[:, None])
        own_E = E[per_max, maxes]  # [x, j]: EVOU[m]_m - EVOU[m]_j
        slots = P[:, :n, :]  # [x, i, j]
        # Tables of each row (index r): U[r, j] = EUPU[q]_m - EUPU[q]_j.
        U = _differences(tables.EUPU, q, m)
        max_terms = ((own_E[:, None, :] + slots)[x] + U[:, None, :]).lo  # [r, i, j]
        query_terms = (E[x, q] + P[x, n] + U).lo  # [r, j]
        self.gM, self.bM = _min_over_j(max_terms, m), _min_over_j_except_k(max_terms, m).transpose(0, 2, 1)
        self.gQ, self.bQ = _min_over_j(query_terms, m), _min_over_j_except_k(query_terms, m)
        at_k = slots.transpose((0, 2, 1))[x] + U[:, :, None]  # [r, k, i]: output j = k
        self.aM = (own_E[x][:, :, None] + at_k).lo
        self.aQ = query_terms
        E_kk = E.lo[:, every, every]  # [x, k] = EVOU[k]_m - EVOU[k]_k
        self.aK = down(E_kk[x] + lowest(at_k.lo, -1))
        token_slot = (E[:, :, None, :] + slots[:, None, :, :]).lo  # [x, k, i, j]
        token_slot[:, every, :, every] = np.inf  # drop j = k
        token_slot[per_max, :, :, maxes] = np.inf  # and j = m
        self.bK = down(lowest(token_slot, (2, 3))[x] + _min_over_j_except_k(U.lo, m))
        self.slot_total = tables.pos_weight[q, 0]
        for i in range(1, n):
            self.slot_total = self.slot_total + tables.pos_weight[q, i]

    def rows(self, q: np.ndarray, m: np.ndarray) -> np.ndarray:
        """The rows of the pairs (q, m); each must be one of the pairs the bounds were built for."""
        key = np.asarray(m, dtype=np.int64) * self.V + np.asarray(q, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        if not np.array_equal(self.keys[at], key):
            raise ValueError("cubic bounds asked for a pair (q, m) they were not built for")
        return at


def _differences(table: Interval, rows: np.ndarray, m: np.ndarray) -> Interval:
    """D[..., j] = table[rows, m] - table[rows, j] (``ival_sub``), rows and m broadcast together."""
    return table[rows, m][..., None] - table[rows]


def _without_m(lo: np.ndarray, m: np.ndarray) -> np.ndarray:
    """A copy of ``lo`` (axis 0 the row, whose max token is m[row]; the last axis j) with the
    entries j = m set to +inf."""
    lo = lo.copy()
    lo[np.arange(len(m)), ..., m] = np.inf
    return lo


def _min_over_j(lo: np.ndarray, m: np.ndarray) -> np.ndarray:
    """min over the last axis j != m (axis 0 the row, whose max token is m[row])."""
    return lowest(_without_m(lo, m), -1)


def _min_over_j_except_k(lo: np.ndarray, m: np.ndarray) -> np.ndarray:
    """out[..., k] = min over j not in {m, k} (axis 0 the row, whose max token is m[row]): the
    smallest entry unless it sits at j = k, then the second smallest. Exact on floats."""
    lo = _without_m(lo, m)
    if np.isnan(lo).any():  # argmin would misplace NaN; fail closed
        raise Rejected("a cubic bound table contains NaN")
    V = lo.shape[-1]
    smallest = lowest(lo, -1)
    at = lo.argmin(axis=-1)
    cost.reduction(lo.size, V)
    is_smallest = at[..., None] == np.arange(V)
    second = lowest(select(is_smallest, np.inf, lo), -1)
    return select(is_smallest, second[..., None], smallest[..., None])


def _point(lower: np.ndarray) -> Interval:
    """A lower bound used as a value. Sound where it is multiplied only by positive weights:
    w * (g - mu) <= w * (G - mu) whenever 0 < w and g <= G."""
    return Interval(lower, lower)


def _pure_bound(tok_m: Interval, slots: Interval, slot_total: Interval, tok_k: Interval, gm: np.ndarray,
                gk: np.ndarray, query_weight: Interval, gq: np.ndarray, mu: Interval, r: int) -> np.ndarray:
    """B[pair] <= min over arrangements of r max slots among n of
    sum_M tok_m pos_i (gm_i - mu) + sum_P pos_i tok_k (gk - mu) + tok_q pos_p (gq - mu)
    = f slot_total + sum_M d_i + Q, with f = tok_k (gk - mu), d_i = pos_i (tok_m (gm_i - mu) - f)
    (``cubic_arrangement``, threshold form, with tau the r-th smallest d_i)."""
    f = tok_k * (_point(gk) - mu)  # [pair]
    base = (f * slot_total + query_weight * (_point(gq) - mu)).lo
    if r == 0:
        return base
    inner = down(lower_product(tok_m[:, None], down(gm - mu.lo[:, None])) - f.hi[:, None])
    d = lower_product(slots, inner)  # [pair, i]
    tau = sort_last(d)[..., r - 1]
    arranged = down(r * tau)
    for i in range(d.shape[-1]):
        arranged = down(arranged + minimum(down(d[..., i] - tau), 0.0))
    return down(base + arranged)


def case_lower_bounds(tables: Tables, bounds: Bounds, q: np.ndarray, m: np.ndarray, k: np.ndarray, c: int,
                      margin: np.ndarray) -> np.ndarray:
    """For pairs (case (q, m, c) with margin mu, pure token k), elementwise arrays: B <= the bound
    of the module docstring over every arrangement and every output j != m (the smaller of
    checks A and B). For c = 0 the case has no non-max token and ``k`` is ignored. ``bounds``
    must hold every (q, m). Pairs are taken ``PAIR_ENTRIES // n_ctx`` at a time (memory only:
    each pair's bound is computed alone)."""
    step = max(1, PAIR_ENTRIES // tables.n_ctx)
    parts = [_case_slice(tables, bounds, q[s], m[s], k[s], c, margin[s])
             for s in (slice(start, start + step) for start in range(0, len(q), step))]
    return np.concatenate(parts) if parts else np.zeros(0)


def _case_slice(tables: Tables, bounds: Bounds, q: np.ndarray, m: np.ndarray, k: np.ndarray, c: int,
                margin: np.ndarray) -> np.ndarray:
    """``case_lower_bounds`` for one slice of pairs."""
    n = tables.n_ctx - 1
    tok, pos = tables.tok_weight, tables.pos_weight
    row = bounds.rows(q, m)
    mu = Interval(margin, margin)
    slots = pos[q, :n]  # [pair, i]
    query_weight = tok[q, q] * pos[q, n]
    if c == 0:
        total = query_weight * (_point(bounds.gQ[row]) - mu)
        a = (tok[q, m][:, None] * slots) * (_point(bounds.gM[row]) - mu[:, None])
        for i in range(n):
            total = total + a[:, i]
        return total.lo
    checks = [(bounds.aM, bounds.aK, bounds.aQ), (bounds.bM, bounds.bK, bounds.bQ)]
    if tables.config.d_vocab < 3:  # no output j outside {m, k}: check B is vacuous (its tables are +inf)
        checks = checks[:1]
    pure = [_pure_bound(tok[q, m], slots, bounds.slot_total[row], tok[q, k], gm[row, k], gk[row, k],
                        query_weight, gq[row, k], mu, n - c) for gm, gk, gq in checks]
    return pure[0] if len(pure) == 1 else minimum(*pure)


def working_set(config: ModelConfig, maxes: int, rows: int) -> int:
    """Bytes (an estimate from above) that ``Bounds`` for ``rows`` pairs (q, m) over ``maxes``
    distinct max tokens holds at its peak, with one slice of ``case_lower_bounds`` on top."""
    V, K = config.d_vocab, config.n_ctx
    return 8 * (PER_MAX * V * V * K * maxes + PER_ROW * V * K * rows + PER_PAIR_ENTRY * PAIR_ENTRIES)


def fixed_bytes(config: ModelConfig) -> int:
    """Bytes (an estimate from above) of a check outside its chunks: the process with the
    kernel loaded and the model's path tables (with their exact construction)."""
    V, K, d = config.d_vocab, config.n_ctx, config.d_model
    return PROCESS_BYTES + PER_TABLE_ENTRY * (V * V + K * V + (V + K) * d)


def chunks(config: ModelConfig, q: np.ndarray, m: np.ndarray, max_memory: int, held: int = 0) -> list[np.ndarray]:
    """The rows (q[r], m[r]) grouped into chunks of consecutive max tokens, each chunk as row
    indices sorted by m: as many max tokens per chunk as keep its ``working_set`` within
    ``CHUNK_BYTES`` (but at least one) and the whole check (``fixed_bytes``, ``held`` bytes that
    the caller holds, one chunk) within ``max_memory``. Raises ``Unusable`` with the estimate,
    before any table is computed, when one max token at a time would not fit. Which rows share a
    chunk changes no bound and no counted cost, only the memory."""
    order = np.argsort(m, kind="stable")
    sorted_m = m[order]
    maxes, starts = np.unique(sorted_m, return_index=True)
    pairs_per_max = np.bincount(np.searchsorted(maxes, np.unique(m * config.d_vocab + q) // config.d_vocab),
                                minlength=len(maxes))
    outside = fixed_bytes(config) + held
    one = max((working_set(config, 1, int(r)) for r in pairs_per_max), default=0)
    if outside + one > max_memory:
        raise Unusable(f"the cubic check needs about {_mib(outside + one)} (estimate, one max token at a time), "
                       f"more than the memory budget of {_mib(max_memory)}; raise --max-memory")
    budget = min(CHUNK_BYTES, max_memory - outside)
    groups, first, rows = [], 0, 0
    for g, r in enumerate(pairs_per_max.tolist()):
        if g > first and working_set(config, g - first + 1, rows + r) > budget:
            groups.append(order[starts[first]:starts[g]])
            first, rows = g, 0
        rows += r
    if len(maxes):
        groups.append(order[starts[first]:])
    return groups


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def check_cases(tables: Tables, cases: Cases, progress: Callable[[int, int], None] | None = None,
                max_memory: int = DEFAULT_MAX_MEMORY) -> int:
    """Prove every listed (case, k) or raise ``Rejected``; return the number of inputs covered.
    Runs chunk by chunk of max tokens (``chunks``) within ``max_memory`` bytes; a failure is
    reported for the smallest failing m (then c, then listing order), whatever the chunks."""
    n = tables.n_ctx - 1
    held = 2 * sum(x.nbytes for x in (cases.q, cases.m, cases.c, cases.margin, cases.keys))
    groups = chunks(tables.config, cases.q, cases.m, max_memory, held)
    for step, rows in enumerate(groups):
        bounds = Bounds(tables, cases.q[rows], cases.m[rows])
        failures = []
        for c in sorted(set(cases.c[rows].tolist())):
            at = rows[cases.c[rows] == c]
            if c == 0:
                pair_rows, ks = at, np.zeros(len(at), dtype=np.int64)
            else:
                pair_rows, ks = np.nonzero(cases.keys[at])
                pair_rows = at[pair_rows]
            B = case_lower_bounds(tables, bounds, cases.q[pair_rows], cases.m[pair_rows], ks, c,
                                  cases.margin[pair_rows])
            if count_above(B, 0) != B.size:
                bad = int(np.argmax(~(B > 0)))
                failures.append((int(cases.m[pair_rows[bad]]), c, int(pair_rows[bad]), int(ks[bad])))
        if failures:
            m, c, r, k = min(failures)
            raise Rejected(f"case q={cases.q[r]} m={m} c={c} (margin {cases.margin[r]!r}) is not "
                           f"proved" + (f" for k={k}" if c else ""))
        if progress:
            progress(step + 1, len(groups))
    sizes = cases.keys.sum(axis=1).tolist()
    cost.add("madd", len(sizes))
    return sum(math.comb(n, c) * int(size) ** c if c else 1 for c, size in zip(cases.c.tolist(), sizes))
