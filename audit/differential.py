"""Differential check: the kernel's verdicts on sampled inputs against an independent slow path.

The slow path (``ExactModel``) runs the model's forward pass in mpmath at ``DPS`` = 50 decimal
digits, straight from the float32 weights: x_i = W_E[t_i] + W_pos[i], q = x_{K-1} W_Q,
k_i = x_i W_K, v_i = x_i W_V, a = softmax(q.k_i / sqrt(d_head)), logits =
(x_{K-1} + (sum_i a_i v_i) W_O) W_U. It shares nothing with ``checker.tables`` (no path
decomposition, no interval arithmetic, no FLINT); it follows the literal forward pass, so it
would also catch a wrong decomposition in the kernel. A margin within ``10^-(DPS-10)`` (relative)
of the threshold is reported as undecided rather than guessed.

What is compared:

- brute-force certificates: the kernel's own per-input verdict (``brute_force_verdicts``: the
  same float path and margin test as ``checker.brute_force.count_grids``, for chosen
  inputs) on a seeded sample, half uniform and half the inputs nearest a tie (by a float64 pass
  over a larger seeded pool). Kernel "proved" with mpmath "wrong" is a disagreement.
- cubic certificates: listed cases (q, m, c, S, mu), sampled with a seed, each on concrete inputs
  of the case (c slots holding tokens of S, the others m, query q): one random input and the one
  with the smallest float64 margin among several random arrangements; each must be correct with
  margin > mu. Then probes: random (q, m, c, k), half of them near the hard end (k just below
  m, many copies), evaluated with the kernel's own case bound (``checker.cubic.case_lower_bounds``,
  margin 0); every probe the kernel proves is tested the same way. This is what catches a kernel
  whose case bound is wrong even where the certificate happens to be true.
- sub-cubic certificates: listed cases (q, m, c, g), half the tightest (the largest case bound)
  and half at random, each on concrete inputs (``GapChecker``): the one with the smallest float64
  margin among candidates (every arrangement of the c non-max slots, or the two positional
  extremes and random ones when there are more than 8; non-max tokens all at the top of their
  range m - g, all 0, random near the top, random, a mix of 0 and the top), a random one, and
  the inputs of least and most attention on the max slots (exact over the case up to float64: a
  key's weight is a token factor times a slot factor). Then probes: random (q, m, c), each at
  the smallest gap the kernel's case bound (``subcubic.case_bounds``) proves, with its hardest
  input. Every input is compared three ways: kernel proved and mpmath wrong (a disagreement);
  the largest wrong logit minus the max's above the kernel's case bound (the kernel claims it
  for every input of every case, proved or not); the attention on the max slots outside the
  kernel's [A_lo, A_hi] (``subcubic.attention_bounds``). The step check re-derives the last step
  of every listed and screened case's bound from the kernel's own lines (``GapChecker.step_check``).

Any input where the kernel says proved and mpmath says wrong fails the audit, and so does any
violated bound, attention interval or step check. A cross-check of the mpmath margins against
``training.accuracy``'s float64 margins guards the slow path itself.

What the sub-cubic comparisons can see: the attention extremes are sharp where the kernel's
interval is: with the exact EQKE (``factors: exact``) both ends of [A_lo, A_hi] are attained by
the two extreme inputs to about 1e-15, so an optimistic attention step shows at once; with a
bounded score residual A_lo lies far below the true least attention (A_hi is still attained).
The case bounds are looser: on the hardest inputs found for the shipped K = 4 and K = 20
certificates, the true value sits from about half a unit of logit ("ours") to about three
(the paper's configurations) below it, so comparing margins with mpmath catches a kernel
whose claims are false on this model, not one optimistic by less than that slack; the step
check has no such slack for the envelope and endpoint steps. Small models with soft attention
(tests/audit) leave less room.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import math
import time
from typing import Callable

import mpmath
import numpy as np

from compact_proofs.checker.proofs import brute_force, cubic, subcubic
from compact_proofs.checker.io.certificate import Certificate
from compact_proofs.checker.tables import Tables
from compact_proofs.checker.io.weights import Model
from compact_proofs.training.accuracy import Circuits

DPS = 50
DEFAULT_SAMPLES = 100
DEFAULT_SEED = 0
FLOAT_AGREEMENT = 1e-6  # |mpmath margin - float64 margin| above this (relative to the logits) is a slow-path bug


class ExactModel:
    """The forward pass at the last position in mpmath (``DPS`` digits), from the float32 weights."""

    def __init__(self, model: Model, dps: int = DPS):
        self.dps = dps
        self.config = model.config
        with mpmath.workdps(dps):
            def mat(name: str) -> list[list]:
                array = np.asarray(model[name], dtype=np.float64)
                array = array.reshape(array.shape[-2:]) if array.ndim == 3 else array
                return [[mpmath.mpf(float(x)) for x in row] for row in array.tolist()]

            def columns(rows: list[list]) -> list[list]:
                return [list(col) for col in zip(*rows)]

            self.W_E, self.W_pos = mat("embed.W_E"), mat("pos_embed.W_pos")
            self.Q, self.K, self.V = (columns(mat(f"blocks.0.attn.W_{x}")) for x in "QKV")
            self.O, self.U = columns(mat("blocks.0.attn.W_O")), columns(mat("unembed.W_U"))
            self.scale = 1 / mpmath.sqrt(self.config.d_head)
        self._kv: dict = {}
        self._query: dict = {}

    def _x(self, t: int, i: int) -> list:
        return [a + b for a, b in zip(self.W_E[t], self.W_pos[i])]

    def _key_value(self, t: int, i: int) -> tuple[list, list]:
        if (t, i) not in self._kv:
            x = self._x(t, i)
            self._kv[t, i] = ([mpmath.fdot(x, col) for col in self.K], [mpmath.fdot(x, col) for col in self.V])
        return self._kv[t, i]

    def forward(self, tokens) -> tuple[list, list]:
        """(the last position's attention weights over the positions, its logits)."""
        tokens = [int(t) for t in tokens]
        p = len(tokens) - 1
        with mpmath.workdps(self.dps):
            q = tokens[-1]
            if q not in self._query:
                x_q = self._x(q, p)
                self._query[q] = (x_q, [mpmath.fdot(x_q, col) for col in self.Q])
            x_q, query = self._query[q]
            kv = [self._key_value(t, i) for i, t in enumerate(tokens)]
            scores = [mpmath.fdot(query, k) * self.scale for k, _ in kv]
            top = max(scores)
            weights = [mpmath.exp(s - top) for s in scores]
            total = mpmath.fsum(weights)
            attn = [w / total for w in weights]
            z = [mpmath.fdot(attn, [v[h] for _, v in kv]) for h in range(len(kv[0][1]))]
            out = [x + mpmath.fdot(z, col) for x, col in zip(x_q, self.O)]
            return attn, [mpmath.fdot(out, col) for col in self.U]

    def logits(self, tokens) -> list:
        return self.forward(tokens)[1]

    def margin(self, tokens) -> tuple[mpmath.mpf, mpmath.mpf]:
        """(logit of the max token minus the best other logit, the largest |logit|)."""
        return self._margin(tokens, self.logits(tokens))

    def _margin(self, tokens, logits: list) -> tuple[mpmath.mpf, mpmath.mpf]:
        m = max(int(t) for t in tokens)
        with mpmath.workdps(self.dps):
            other = max(x for j, x in enumerate(logits) if j != m)
            return logits[m] - other, max(abs(x) for x in logits)

    def margin_and_attention(self, tokens) -> tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf]:
        """(margin, largest |logit|, the attention on the slots holding the max token, the
        query's slot among them when it holds the max)."""
        attn, logits = self.forward(tokens)
        margin, size = self._margin(tokens, logits)
        m = max(int(t) for t in tokens)
        with mpmath.workdps(self.dps):
            return margin, size, mpmath.fsum(a for a, t in zip(attn, tokens) if int(t) == m)

    def tolerance(self, size) -> mpmath.mpf:
        """How far below the working precision a comparison is left undecided: (1 + size) 10^(10 - dps)."""
        with mpmath.workdps(self.dps):
            return (1 + size) * mpmath.mpf(10) ** (10 - self.dps)

    def verdict(self, tokens, mu: float = 0.0) -> tuple[str, float]:
        """('correct' | 'wrong' | 'undecided', margin as a float): correct iff margin > mu."""
        margin, size = self.margin(tokens)
        return self.state(margin, size, mu), float(margin)

    def state(self, margin, size, mu: float = 0.0) -> str:
        """'correct' | 'wrong' | 'undecided' for an input of this margin (correct iff margin > mu)."""
        with mpmath.workdps(self.dps):
            gap = margin - mpmath.mpf(mu)
            return "undecided" if abs(gap) <= self.tolerance(size) else "correct" if gap > 0 else "wrong"


# The kernel's case bound has had two call shapes: (tables, bounds, q, m, c, margin) -> [rows, V]
# (rows x 1 for c = 0), and one bound per (case, k) pair, (tables, bounds, q, m, k, c, margin) -> [pairs].
# Decided once, from the function as imported, so a test may still replace it.
_PAIRWISE = "k" in inspect.signature(cubic.case_lower_bounds).parameters


def kernel_case_bounds(tables: Tables, q: np.ndarray, m: np.ndarray, c: int, margin: np.ndarray) -> np.ndarray:
    """The kernel's own bound (``checker.cubic.case_lower_bounds``) for cases (q[r], m[r], c) with
    margins margin[r], for every non-max token k: shape rows x d_vocab (rows x 1 for c = 0). The
    kernel proves (case, k) iff the entry is > 0; columns k >= m mean nothing. The kernel's bounds
    are built chunk by chunk of max tokens (``checker.cubic.chunks``), as the kernel builds them."""
    q, m, margin = (np.asarray(x) for x in (q, m, margin))
    out = np.full((len(q), 1 if c == 0 else tables.config.d_vocab), -np.inf)
    for rows in cubic.chunks(tables.config, q, m, cubic.DEFAULT_MAX_MEMORY):
        bounds = cubic.Bounds(tables, q[rows], m[rows])
        out[rows] = _case_bounds(tables, bounds, q[rows], m[rows], c, margin[rows])
    return out


def _case_bounds(tables: Tables, bounds, q: np.ndarray, m: np.ndarray, c: int, margin: np.ndarray) -> np.ndarray:
    """``kernel_case_bounds`` for rows whose (q, m) ``bounds`` holds."""
    if not _PAIRWISE:
        return cubic.case_lower_bounds(tables, bounds, q, m, c, margin)
    if c == 0:
        return np.asarray(cubic.case_lower_bounds(tables, bounds, q, m, np.zeros_like(q), 0, margin)).reshape(-1, 1)
    V = tables.config.d_vocab
    rows, ks = np.repeat(np.arange(len(q)), V), np.tile(np.arange(V), len(q))
    valid = ks < m[rows]
    out = np.full(len(rows), -np.inf)
    if valid.any():
        r = rows[valid]
        out[valid] = cubic.case_lower_bounds(tables, bounds, q[r], m[r], ks[valid], c, margin[r])
    return out.reshape(len(q), V)


def brute_force_verdicts(tables: Tables, inputs: np.ndarray, chunk: int = 1 << 15) -> np.ndarray:
    """The kernel's brute-force verdict for each row of ``inputs`` (shape [N, K], last column the
    query): the float path and test of ``checker.brute_force.count_grids``, in the same
    order of operations, for just these inputs."""
    inputs = np.asarray(inputs, dtype=np.int64)
    K = tables.n_ctx
    proved = np.zeros(len(inputs), dtype=bool)
    ft = brute_force.forward_tables(tables, "audit")
    for q in np.unique(inputs[:, -1]).tolist():
        lo, theta = ft.lo[q], ft.theta[q]  # [i, j, t], [i, t]
        all_rows = np.nonzero(inputs[:, -1] == q)[0]
        for start in range(0, len(all_rows), chunk):
            rows = all_rows[start:start + chunk]
            t = inputs[rows]
            total = np.repeat(lo[K - 1][:, q][None, :], len(rows), axis=0)  # the query's term first
            threshold = np.full(len(rows), theta[K - 1, q])
            for i in range(K - 1):
                total = total + lo[i][:, t[:, i]].T
                threshold = np.nextafter(threshold + theta[i, t[:, i]], np.inf)
            top = t.max(axis=1)
            x = np.take_along_axis(total, top[:, None], axis=-1)[:, 0]
            np.put_along_axis(total, top[:, None], -np.inf, axis=-1)
            proved[rows] = (x - np.max(total, axis=-1)) > threshold
    return proved


def helper_consistency(tables: Tables, queries: list[int]) -> list[dict]:
    """For each query q: the number of inputs ``brute_force_verdicts`` proves, over every input
    ending in q, against the kernel's own ``count_blocks``. Equal counts tie the
    per-input helper to the kernel's counting loop."""
    V, K = tables.config.d_vocab, tables.n_ctx
    ft = brute_force.forward_tables(tables, "audit")
    out = []
    for q in queries:
        heads = np.indices((V,) * (K - 1)).reshape(K - 1, -1).T
        inputs = np.concatenate([heads, np.full((len(heads), 1), q)], axis=1)
        helper = int(brute_force_verdicts(tables, inputs).sum())
        head, _ = brute_force.layout(K, V)
        kernel = brute_force.count_blocks(ft, (q * V ** head, (q + 1) * V ** head)).count
        out.append({"q": q, "helper": helper, "kernel": kernel, "equal": helper == kernel})
    return out


CONSISTENCY_QUERIES = 2
CONSISTENCY_LIMIT = 1 << 20  # inputs per query up to which the helper is compared with the kernel's loop


def _tally(rows: list[dict]) -> dict:
    counts = {"agree_correct": 0, "agree_wrong": 0, "kernel_conservative": 0, "disagree": 0, "undecided": 0}
    for row in rows:
        counts[row["outcome"]] += 1
    return counts


def _outcome(kernel_proved: bool, exact: str) -> str:
    if exact == "undecided":
        return "undecided"
    if kernel_proved:
        return "agree_correct" if exact == "correct" else "disagree"
    return "kernel_conservative" if exact == "correct" else "agree_wrong"


def _float_check(circuits: Circuits, rows: list[dict]) -> float:
    """Largest |mpmath margin - float64 margin| / (1 + |float margin|) over the rows."""
    if not rows:
        return 0.0
    tokens = np.array([r["input"] for r in rows], dtype=np.int64)
    floats = circuits.margins(tokens)
    return max(abs(r["margin"] - f) / (1 + abs(f)) for r, f in zip(rows, floats.tolist()))


def differential_brute_force(model: Model, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
                             progress: Callable[[int, int], None] | None = None) -> dict:
    """Kernel per-input verdicts against mpmath on ``samples`` seeded inputs."""
    c = model.config
    V, K = c.d_vocab, c.n_ctx
    rng = np.random.default_rng(seed)
    uniform = rng.integers(0, V, size=(samples - samples // 2, K))
    pool = rng.integers(0, V, size=(min(max(200 * samples, 10_000), 1_000_000), K))
    circuits = Circuits.from_tensors(model.tensors)
    closest = pool[np.argsort(np.abs(circuits.margins(pool.copy())), kind="stable")[: samples // 2]]
    inputs = np.concatenate([uniform, closest])
    tables = Tables(model)
    kernel = brute_force_verdicts(tables, inputs)
    consistency = []
    if V ** (K - 1) <= CONSISTENCY_LIMIT:
        queries = sorted({int(x) for x in rng.choice(V, size=min(CONSISTENCY_QUERIES, V), replace=False)})
        consistency = helper_consistency(tables, queries)
    exact = ExactModel(model)
    rows = []
    for n, (tokens, proved) in enumerate(zip(inputs.tolist(), kernel.tolist()), 1):
        state, margin = exact.verdict(tokens)
        rows.append({"input": tokens, "source": "uniform" if n <= len(uniform) else "near_tie",
                     "kernel": "proved" if proved else "not proved", "mpmath": state, "margin": margin,
                     "mu": 0.0, "outcome": _outcome(proved, state)})
        if progress:
            progress(n, len(inputs))
    return {"rule": "brute_force", "samples": len(rows), "seed": seed, "dps": DPS, "counts": _tally(rows),
            "float_disagreement": _float_check(circuits, rows), "helper_consistency": consistency, "rows": rows}


def _case_inputs(rng: np.random.Generator, q: int, m: int, c: int, keys: list[int], n: int,
                 pure: int | None = None) -> list[int]:
    """A random input of the case: c of the n non-query slots hold tokens of ``keys`` (all
    ``pure`` if given), the rest m, and the query q last."""
    tokens = [m] * n + [q]
    for slot in rng.choice(n, size=c, replace=False).tolist():
        tokens[slot] = pure if pure is not None else int(rng.choice(keys))
    return tokens


def _hardest(circuits: Circuits, candidates: list[list[int]]) -> list[int]:
    """The candidate with the smallest float64 margin."""
    margins = circuits.margins(np.array(candidates, dtype=np.int64))
    return candidates[int(np.argmin(margins))]


def differential_cubic(cert: Certificate, model: Model, samples: int = DEFAULT_SAMPLES,
                       seed: int = DEFAULT_SEED, progress: Callable[[int, int], None] | None = None) -> dict:
    """Listed cases and kernel-proved probes on concrete inputs, against mpmath."""
    c_ = model.config
    V, n = c_.d_vocab, c_.n_ctx - 1
    rng = np.random.default_rng(seed)
    cases = cubic.read_cases(cert.proof, c_, str(cert.path))
    tables = Tables(model)
    circuits = Circuits.from_tensors(model.tensors)
    exact = ExactModel(model)
    planned = []  # (source, q, m, c, keys, mu, kernel proved, input)

    def kernel_proves(q: int, m: int, c: int, mu: float, keys: list[int]) -> bool:
        B = kernel_case_bounds(tables, np.array([q]), np.array([m]), c, np.array([mu]))
        return bool(B[0, 0] > 0) if c == 0 else bool(all(B[0, k] > 0 for k in keys))

    listed_budget = samples - samples // 3
    rows_ = rng.permutation(len(cases.q))[: max(1, (listed_budget + 1) // 2)] if len(cases.q) else []
    for r in rows_:
        q, m, c, mu = int(cases.q[r]), int(cases.m[r]), int(cases.c[r]), float(cases.margin[r])
        keys = np.nonzero(cases.keys[r])[0].tolist()
        proved = kernel_proves(q, m, c, mu, keys)
        if c == 0:
            planned.append(("listed", q, m, c, keys, mu, proved, [m] * n + [q]))
            continue
        planned.append(("listed", q, m, c, keys, mu, proved, _case_inputs(rng, q, m, c, keys, n)))
        candidates = [_case_inputs(rng, q, m, c, keys, n, pure=k) for k in rng.choice(keys, size=min(8, len(keys)),
                                                                                      replace=False).tolist()
                      for _ in range(4)] + [_case_inputs(rng, q, m, c, keys, n) for _ in range(8)]
        planned.append(("listed_hardest", q, m, c, keys, mu, proved, _hardest(circuits, candidates)))
    planned = planned[:listed_budget]

    probe_budget = samples - len(planned)
    probes, attempts = _probes(rng, tables, circuits, probe_budget, V, n)
    planned += probes

    rows = []
    for i, (source, q, m, c, keys, mu, proved, tokens) in enumerate(planned, 1):
        state, margin = exact.verdict(tokens, mu)
        rows.append({"input": tokens, "source": source, "case": {"q": q, "m": m, "c": c, "keys": keys[:8],
                                                                  "n_keys": len(keys)},
                     "kernel": "proved" if proved else "not proved", "mpmath": state, "margin": margin,
                     "mu": mu, "outcome": _outcome(proved, state)})
        if progress:
            progress(i, len(planned))
    return {"rule": "cubic", "samples": len(rows), "seed": seed, "dps": DPS, "counts": _tally(rows),
            "listed": sum(r["source"] != "probe" for r in rows), "probes": len(probes),
            "probe_attempts": attempts, "float_disagreement": _float_check(circuits, rows), "rows": rows}


def _probes(rng: np.random.Generator, tables: Tables, circuits: Circuits, budget: int, V: int,
            n: int) -> tuple[list, int]:
    """Up to ``budget`` random tuples (q, m, c, k) that the kernel's case bound proves at margin 0,
    each with the input of its worst float64 margin among a few arrangements: half the tuples with
    the smallest such margins (where a wrong kernel verdict would show), half at random."""
    if budget <= 0:
        return [], 0
    size = max(20 * budget, 200)
    m = rng.integers(1, V, size=size)
    q = np.minimum(rng.integers(0, V, size=size) % (m + 1), m)
    c_max = np.where(q == m, n, n - 1)
    c = np.floor(rng.random(size) * (c_max + 1)).astype(np.int64)
    k = np.floor(rng.random(size) * m).astype(np.int64)
    proved = np.zeros(size, dtype=bool)
    for value in np.unique(c).tolist():
        rows = np.nonzero(c == value)[0]
        B = kernel_case_bounds(tables, q[rows], m[rows], value, np.zeros(len(rows)))
        proved[rows] = B[:, 0] > 0 if value == 0 else B[np.arange(len(rows)), k[rows]] > 0
    k = np.where(c == 0, 0, k)
    seen, chosen = set(), []
    for r in np.nonzero(proved)[0].tolist():  # distinct tuples only
        if (q[r], m[r], c[r], k[r]) not in seen:
            seen.add((q[r], m[r], c[r], k[r]))
            chosen.append(r)
    chosen = np.array(chosen, dtype=np.int64)
    if not len(chosen):
        return [], size
    inputs = [[_case_inputs(rng, int(q[r]), int(m[r]), int(c[r]), [int(k[r])], n, pure=int(k[r]))
               for _ in range(4)] for r in chosen.tolist()]
    flat = np.array([x for group in inputs for x in group], dtype=np.int64)
    margins = circuits.margins(flat).reshape(len(chosen), 4)
    worst = margins.argmin(axis=1)
    order = np.argsort(margins.min(axis=1), kind="stable")
    hardest = order[: (budget + 1) // 2].tolist()
    taken = set(hardest)
    rest = [i for i in rng.permutation(len(chosen)).tolist() if i not in taken][: budget - len(hardest)]
    probes = []
    for i in hardest + rest:
        r = int(chosen[i])
        keys = [] if c[r] == 0 else [int(k[r])]
        probes.append(("probe", int(q[r]), int(m[r]), int(c[r]), keys, 0.0, True, inputs[i][int(worst[i])]))
    return probes, size


# --- sub-cubic certificates ----------------------------------------------------------------------

PROBE_CHUNK = 8192  # cases per call of the kernel's case bound when screening probes
PLACEMENTS = 8  # slot arrangements tried per case (all of them when there are at most this many)
PICKS = ("hardest", "random", "attention_low", "attention_high")


def with_cases(cfg: subcubic.Config, q, m, c, g) -> subcubic.Config:
    """The proof ``cfg`` (its choices and hints) with other cases (q, m, c, g)."""
    return dataclasses.replace(cfg, **{k: np.asarray(v, dtype=np.int64) for k, v in zip("qmcg", (q, m, c, g))})


def _float_attention(circuits: Circuits, tokens: np.ndarray) -> np.ndarray:
    """The float64 attention of the last position on the slots holding each row's max token."""
    q = tokens[:, -1]
    scores = (circuits.EQKE[q[:, None], tokens] + circuits.EQKP[q]) * circuits.scale
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return (weights * (tokens == tokens.max(axis=1, keepdims=True))).sum(axis=1)


class GapChecker:
    """Concrete inputs of sub-cubic gap cases (q, m, c, g) against what the kernel claims about
    every input of a case: its case bound ``checker.proofs.subcubic.case_bounds`` (the largest
    wrong logit minus the max's is at most it; the case is proved iff it is < 0) and its attention
    interval ``subcubic.attention_bounds`` (the attention on the max slots lies in [A_lo, A_hi]).
    The kernel's functions are called as imported, so a test may replace a rule under them."""

    def __init__(self, model: Model):
        self.model, self.n = model, model.config.n_ctx - 1
        self.tables = Tables(model)
        self.circuits = Circuits.from_tensors(model.tensors)
        self.exact = ExactModel(model)

    def claims(self, cfg: subcubic.Config, chunk: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(bound, A_lo, A_hi) per case of ``cfg``, all cases at once (as the kernel checks them)
        or ``chunk`` cases per call (each case's bounds depend on it alone)."""
        size = len(cfg.q) if chunk is None else chunk
        parts = []
        for start in range(0, len(cfg.q), max(1, size)):
            rows = slice(start, start + size)
            part = cfg if chunk is None else with_cases(cfg, cfg.q[rows], cfg.m[rows], cfg.c[rows], cfg.g[rows])
            a_lo, a_hi = subcubic.attention_bounds(self.tables, part, subcubic.token_weights(self.tables, part))
            parts.append((subcubic.case_bounds(self.tables, part), a_lo, a_hi))
        if not parts:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        return tuple(np.concatenate(x) for x in zip(*parts))  # type: ignore[return-value]

    def _placements(self, rng: np.random.Generator, q: int, c: int) -> list[tuple[int, ...]]:
        """Sets of c non-query slots to hold the non-max tokens: every one if there are at most
        ``PLACEMENTS``, else the c slots of largest and of smallest positional score (the max
        copies where the query looks least and most) and random ones."""
        n = self.n
        if math.comb(n, c) <= PLACEMENTS:
            return list(itertools.combinations(range(n), c))
        order = np.argsort(self.circuits.EQKP[q, :n], kind="stable")
        out = {tuple(sorted(order[n - c:].tolist())), tuple(sorted(order[:c].tolist()))}
        while len(out) < PLACEMENTS:
            out.add(tuple(sorted(rng.choice(n, size=c, replace=False).tolist())))
        return sorted(out)

    def _extremes(self, q: int, m: int, c: int, g: int) -> list[list[int]]:
        """The inputs of the case with the least and the most float64 attention on the max slots:
        a key's weight is a token factor times a slot factor, so the least puts the non-max
        token of largest score in every non-max slot and the max copies in the slots of smallest
        positional score (the most: the opposite)."""
        n, top = self.n, m - g
        tokens = self.circuits.EQKE[q, : top + 1]
        order = np.argsort(self.circuits.EQKP[q, :n], kind="stable").tolist()
        out = []
        for t, nonmax in ((int(np.argmax(tokens)), order[n - c:]), (int(np.argmin(tokens)), order[:c])):
            row = [m] * n + [q]
            for i in nonmax:
                row[i] = t
            out.append(row)
        return out

    def candidates(self, rng: np.random.Generator, q: int, m: int, c: int, g: int) -> np.ndarray:
        """Inputs of the case meant to be hard, one row each: the two attention extremes
        (``_extremes``) and, for each placement of the c non-max slots, non-max tokens all at
        the top of their range m - g, all 0, random near the top, random, and a mix of 0 and
        the top."""
        n = self.n
        if c == 0:
            return np.array([[m] * n + [q]], dtype=np.int64)
        top = m - g
        rows = self._extremes(q, m, c, g)
        for slots in self._placements(rng, q, c):
            for pattern in ([top] * c, [0] * c, rng.integers(max(0, top - 2), top + 1, size=c).tolist(),
                            rng.integers(0, top + 1, size=c).tolist(), rng.choice([0, top], size=c).tolist()):
                tokens = [m] * n + [q]
                for i, t in zip(slots, pattern):
                    tokens[i] = int(t)
                rows.append(tokens)
        return np.unique(np.array(rows, dtype=np.int64), axis=0)

    def step_check(self, cfg: subcubic.Config, bound: np.ndarray, a_lo: np.ndarray, a_hi: np.ndarray) -> dict:
        """The last step of every case's bound, re-derived: the kernel's case bound must be at
        least max over A in {A_lo, A_hi} of max_j (L_j + A S_j) + (1 - A) w + rho, computed here
        exactly over the outputs j (float64, no chords, no mean+diff) from the kernel's own
        lines, w and direct term (``value_bounds``, ``nonmax_terms``). A case bound below it
        means the envelope (``envelope_chords`` or ``meandiff_bilinear``) or the endpoint step
        (``convex_endpoint``) is too optimistic, whatever the model's looseness elsewhere."""
        if not len(cfg.q):
            return {"cases": 0, "violations": []}
        terms = subcubic.value_bounds(self.tables, cfg)
        lines, key, _, w = subcubic.nonmax_terms(self.tables, cfg, terms.lines, terms.spreads)
        L, S = lines.L[key], lines.S.hi[key]  # [case, j]; absent lines have L = -inf, S = 0
        ends = []
        for A in (a_lo, a_hi):
            with np.errstate(invalid="ignore"):
                products = A[:, None] * S
                values = np.where(L == -np.inf, -np.inf, L + np.where(np.isnan(products), 0.0, products))
            ends.append(values.max(axis=1) + (1 - A) * w + terms.direct[cfg.q, cfg.m])
        exact = np.maximum(*ends)
        with np.errstate(invalid="ignore"):
            below = bound < exact - 1e-9 * (1 + np.abs(exact))
        bad = np.nonzero(below | ((exact == np.inf) & (bound < np.inf)))[0]
        return {"cases": int(len(cfg.q)), "violations": [
            {"case": dict(zip("qmcg", (int(x[r]) for x in (cfg.q, cfg.m, cfg.c, cfg.g)))),
             "bound": float(bound[r]), "exact": float(exact[r])} for r in bad[:20].tolist()],
            "violating_cases": int(len(bad))}

    def random_input(self, rng: np.random.Generator, q: int, m: int, c: int, g: int) -> list[int]:
        """A uniformly random input of the case."""
        return _case_inputs(rng, q, m, c, list(range(m - g + 1)) if c else [], self.n)

    def picks(self, rng: np.random.Generator, case: tuple[int, int, int, int],
              which: tuple[str, ...] = PICKS) -> list[tuple[str, list[int]]]:
        """(pick, input) for the picks asked for, distinct inputs only: ``hardest`` (the smallest
        float64 margin among ``candidates``), ``random``, and the candidates of lowest and highest
        float64 attention on the max slots (``attention_low``, ``attention_high``)."""
        rows = self.candidates(rng, *case)
        margins = self.circuits.margins(rows.copy())
        attention = _float_attention(self.circuits, rows)
        chosen = {"hardest": rows[int(np.argmin(margins))].tolist(),
                  "attention_low": rows[int(np.argmin(attention))].tolist(),
                  "attention_high": rows[int(np.argmax(attention))].tolist()}
        out, seen = [], set()
        for pick in which:
            tokens = self.random_input(rng, *case) if pick == "random" else chosen[pick]
            if tuple(tokens) not in seen:
                seen.add(tuple(tokens))
                out.append((pick, tokens))
        return out

    def evaluate(self, tokens: list[int], case: tuple[int, int, int, int], bound: float, a_lo: float, a_hi: float,
                 source: str) -> dict:
        """One input of the case in mpmath against the kernel's claims about the case."""
        exact = self.exact
        margin, size, A = exact.margin_and_attention(tokens)
        state = exact.state(margin, size)
        proved = bool(bound < 0)
        with mpmath.workdps(exact.dps):
            # the largest wrong logit minus the max's is -margin; a bound of +inf or NaN claims nothing
            bound_ok = math.isnan(bound) or bound == math.inf or -margin <= mpmath.mpf(bound) + exact.tolerance(size)
            slack = mpmath.mpf(10) ** (10 - exact.dps)
            attention_ok = mpmath.mpf(a_lo) - slack <= A <= mpmath.mpf(a_hi) + slack
        return {"input": [int(t) for t in tokens], "source": source, "case": dict(zip("qmcg", case)),
                "kernel": "proved" if proved else "not proved", "bound": float(bound),
                "attention_bounds": [float(a_lo), float(a_hi)], "mpmath": state, "margin": float(margin),
                "attention": float(A), "attention_rest": float(1 - A), "bound_ok": bool(bound_ok),
                "attention_ok": bool(attention_ok), "mu": 0.0,
                "outcome": _outcome(proved, state)}


def differential_subcubic(cert: Certificate, model: Model, samples: int = DEFAULT_SAMPLES,
                          seed: int = DEFAULT_SEED, progress: Callable[[int, int], None] | None = None) -> dict:
    """Listed cases and kernel-proved probes on concrete inputs, against mpmath: correctness, the
    kernel's case bound and its attention interval."""
    conf = model.config
    rng = np.random.default_rng(seed)
    cfg = subcubic.read_proof(cert.proof, conf, str(cert.path))
    checker = GapChecker(model)
    bound, a_lo, a_hi = checker.claims(cfg)
    steps = [checker.step_check(cfg, bound, a_lo, a_hi)]
    planned = []  # (source, case, bound, a_lo, a_hi, input)
    listed_budget = samples - samples // 3
    if len(cfg.q):
        tightest = np.argsort(-bound, kind="stable")  # the cases whose bound is nearest 0 first
        order, seen = [], set()
        for r in itertools.chain.from_iterable(zip(tightest.tolist(), rng.permutation(len(cfg.q)).tolist())):
            if r not in seen:
                seen.add(r)
                order.append(r)
        for r in order:
            if len(planned) >= listed_budget:
                break
            case = tuple(int(x[r]) for x in (cfg.q, cfg.m, cfg.c, cfg.g))
            for pick, tokens in checker.picks(rng, case):
                planned.append((f"listed_{pick}", case, bound[r], a_lo[r], a_hi[r], tokens))
        planned = planned[:listed_budget]
    probes, attempts = _gap_probes(rng, checker, cfg, samples - len(planned), steps)
    planned += probes
    while len(planned) < samples and len(cfg.q):  # too few distinct picks or probes: more random inputs
        r = int(rng.integers(len(cfg.q)))
        case = tuple(int(x[r]) for x in (cfg.q, cfg.m, cfg.c, cfg.g))
        planned.append(("listed_random", case, bound[r], a_lo[r], a_hi[r], checker.random_input(rng, *case)))
    rows = []
    for i, (source, case, b, lo, hi, tokens) in enumerate(planned, 1):
        rows.append(checker.evaluate(tokens, case, b, lo, hi, source))
        if progress:
            progress(i, len(planned))
    return {"rule": "subcubic", "samples": len(rows), "seed": seed, "dps": DPS, "counts": _tally(rows),
            "listed": sum(r["source"] != "probe" for r in rows), "probes": len(probes), "probe_attempts": attempts,
            "float_disagreement": _float_check(checker.circuits, rows), "step_check": merge_steps(steps), "rows": rows}


def merge_steps(records: list[dict]) -> dict:
    """One ``GapChecker.step_check`` record from several."""
    return {"cases": sum(r["cases"] for r in records),
            "violating_cases": sum(r.get("violating_cases", 0) for r in records),
            "violations": [v for r in records for v in r["violations"]][:20]}


def _gap_probes(rng: np.random.Generator, checker: GapChecker, cfg: subcubic.Config, budget: int,
                steps: list[dict]) -> tuple[list, int]:
    """Up to ``budget`` random (q, m, c) with the smallest gap g at which the kernel's case bound
    proves them, each with its input of smallest float64 margin (``GapChecker.candidates``): half
    the probes with the smallest such margins, half at random. Every screened (q, m, c, g) also
    gets the step check (appended to ``steps``). Returns (probes, tuples screened)."""
    if budget <= 0:
        return [], 0
    V, n = checker.model.config.d_vocab, checker.n
    size = max(8 * budget, 200)
    m = rng.integers(0, V, size=size)
    q = np.floor(rng.random(size) * (m + 1)).astype(np.int64)
    c = np.floor(rng.random(size) * (np.where(q == m, n, n - 1) + 1)).astype(np.int64)
    c = np.where(m == 0, 0, c)
    tuples = np.unique(np.stack([q, m, c], axis=1), axis=0)
    expanded = [(tq, tm, tc, g) for tq, tm, tc in tuples.tolist() for g in ([0] if tc == 0 else range(1, tm + 1))]
    Q, M, C, G = (np.array(col, dtype=np.int64) for col in zip(*expanded))
    screened = with_cases(cfg, Q, M, C, G)
    bound, a_lo, a_hi = checker.claims(screened, chunk=PROBE_CHUNK)
    for start in range(0, len(Q), PROBE_CHUNK):
        part = slice(start, start + PROBE_CHUNK)
        steps.append(checker.step_check(with_cases(cfg, Q[part], M[part], C[part], G[part]), bound[part], a_lo[part],
                                        a_hi[part]))
    best: dict[tuple[int, int, int], int] = {}  # (q, m, c) -> the row of its smallest proving gap
    for r in np.nonzero(bound < 0)[0].tolist():
        key = (int(Q[r]), int(M[r]), int(C[r]))
        if key not in best or G[r] < G[best[key]]:
            best[key] = r
    chosen = sorted(best.values())
    if not chosen:
        return [], len(tuples)
    hardest, margins = [], []
    for r in chosen:
        rows = checker.candidates(rng, int(Q[r]), int(M[r]), int(C[r]), int(G[r]))
        floats = checker.circuits.margins(rows.copy())
        hardest.append(rows[int(np.argmin(floats))].tolist())
        margins.append(float(np.min(floats)))
    order = np.argsort(margins, kind="stable").tolist()
    first = order[: (budget + 1) // 2]
    taken = set(first)
    rest = [i for i in rng.permutation(len(chosen)).tolist() if i not in taken][: budget - len(first)]
    probes = []
    for i in first + rest:
        r = chosen[i]
        probes.append(("probe", (int(Q[r]), int(M[r]), int(C[r]), int(G[r])), bound[r], a_lo[r], a_hi[r], hardest[i]))
    return probes, len(tuples)


def differential(cert: Certificate, model: Model, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
                 progress: Callable[[int, int], None] | None = None) -> dict:
    """Run the differential check that fits the certificate's proof rule."""
    start = time.perf_counter()
    rule = cert.proof.get("rule")
    if rule == "cubic":
        record = differential_cubic(cert, model, samples, seed, progress)
    elif rule == "subcubic":
        record = differential_subcubic(cert, model, samples, seed, progress)
    elif rule == "brute_force":
        record = differential_brute_force(model, samples, seed, progress)
    else:
        return {"skipped": f"no differential check for proof rule {rule!r}"}
    record["disagreements"] = [r for r in record["rows"] if r["outcome"] == "disagree"]
    record["helper_mismatch"] = [c for c in record.get("helper_consistency", []) if not c["equal"]]
    record["bound_violations"] = [r for r in record["rows"] if not r.get("bound_ok", True)]
    record["attention_violations"] = [r for r in record["rows"] if not r.get("attention_ok", True)]
    record["ok"] = (not record["disagreements"] and not record["helper_mismatch"] and not record["bound_violations"]
                    and not record["attention_violations"] and not record.get("step_check", {}).get("violating_cases")
                    and record["float_disagreement"] <= FLOAT_AGREEMENT)
    record["seconds"] = round(time.perf_counter() - start, 2)
    return record


def render_differential(record: dict) -> str:
    if record.get("skipped"):
        return f"differential check: skipped ({record['skipped']})\n"
    c = record["counts"]
    what = {"cubic": f"{record.get('listed')} inputs of listed cases, {record.get('probes')} of kernel-proved probes "
                     f"(from {record.get('probe_attempts')} random tuples screened)",
            "subcubic": f"{record.get('listed')} inputs of listed cases (the tightest and random ones: hardest, random "
                        f"and extreme-attention inputs), {record.get('probes')} of kernel-proved probes at their "
                        f"smallest proved gap (from {record.get('probe_attempts')} random (q, m, c) screened)",
            }.get(record["rule"], "half uniform, half nearest a tie")
    lines = [f"differential check (mpmath, {record['dps']} digits, {record['samples']} inputs, seed {record['seed']}, "
             f"{record['seconds']:.1f} s; {what}):",
             f"  kernel proved & mpmath correct {c['agree_correct']}, kernel not proved & mpmath wrong "
             f"{c['agree_wrong']}, kernel not proved but correct (conservative) {c['kernel_conservative']}, "
             f"undecided {c['undecided']}, DISAGREE (kernel proved, mpmath wrong) {c['disagree']}",
             f"  mpmath vs float64 forward pass: largest relative margin difference "
             f"{record['float_disagreement']:.2e} (limit {FLOAT_AGREEMENT:g})"]
    if record["rule"] == "subcubic":
        rows = record["rows"]
        held = sum(r["bound_ok"] for r in rows)
        inside = sum(r["attention_ok"] for r in rows)
        lines.append(f"  kernel's case bound (largest wrong logit minus the max's <= bound) held on {held} of "
                     f"{len(rows)} inputs; true attention on the max slots inside the kernel's [A_lo, A_hi] on "
                     f"{inside} of {len(rows)}")
        step = record["step_check"]
        lines.append(f"  step check (the case bound against the exact maximum of the kernel's own lines at A_lo and "
                     f"A_hi): {step['cases']} cases (listed and screened), {step['violating_cases']} below it")
        for v in step["violations"][:10]:
            lines.append(f"  STEP CHECK FAILED: case {v['case']}: the kernel's bound {v['bound']!r} is below the exact "
                         f"maximum of its own lines {v['exact']!r}")
        if rows:
            tight = min(rows, key=lambda r: r["bound"] + r["margin"])
            lines.append(f"  closest to its bound: input {tight['input']} of case {tight['case']}: bound "
                         f"{tight['bound']:.6g}, true value {-tight['margin']:.6g}")
    for r in record["disagreements"][:10]:
        case = f" case {r['case']}" if "case" in r else ""
        lines.append(f"  DISAGREEMENT: input {r['input']}{case}: kernel proved margin > {r['mu']!r}, "
                     f"mpmath margin {r['margin']!r}")
    for r in record.get("bound_violations", [])[:10]:
        lines.append(f"  BOUND VIOLATED: input {r['input']} of case {r['case']}: the kernel bounds the largest wrong "
                     f"logit minus the max's by {r['bound']!r}, mpmath finds {-r['margin']!r}")
    for r in record.get("attention_violations", [])[:10]:
        lo, hi = r["attention_bounds"]
        lines.append(f"  ATTENTION OUTSIDE ITS INTERVAL: input {r['input']} of case {r['case']}: the kernel puts the "
                     f"attention on the max slots in [{lo!r}, {hi!r}], mpmath finds {r['attention']!r} "
                     f"(1 - A = {r['attention_rest']:.6g})")
    for c in record.get("helper_consistency", []):
        lines.append(f"  per-input helper vs kernel count for query {c['q']}: {c['helper']} vs {c['kernel']}"
                     + ("" if c["equal"] else "  MISMATCH: the kernel's verdicts above are not the kernel's"))
    if record["float_disagreement"] > FLOAT_AGREEMENT:
        lines.append("  FAILED: the mpmath path and the float64 path disagree; the slow path cannot be trusted")
    return "\n".join(lines) + "\n"
