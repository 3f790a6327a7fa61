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

Any input where the kernel says proved and mpmath says wrong fails the audit. A cross-check
of the mpmath margins against ``training.accuracy``'s float64 margins guards the slow path itself.
"""

from __future__ import annotations

import inspect
import time
from typing import Callable

import mpmath
import numpy as np

from compact_proofs.checker.proofs import brute_force, cubic
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

    def logits(self, tokens) -> list:
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
            return [mpmath.fdot(out, col) for col in self.U]

    def margin(self, tokens) -> tuple[mpmath.mpf, mpmath.mpf]:
        """(logit of the max token minus the best other logit, the largest |logit|)."""
        logits = self.logits(tokens)
        m = max(int(t) for t in tokens)
        with mpmath.workdps(self.dps):
            other = max(x for j, x in enumerate(logits) if j != m)
            return logits[m] - other, max(abs(x) for x in logits)

    def verdict(self, tokens, mu: float = 0.0) -> tuple[str, float]:
        """('correct' | 'wrong' | 'undecided', margin as a float): correct iff margin > mu."""
        margin, size = self.margin(tokens)
        with mpmath.workdps(self.dps):
            gap = margin - mpmath.mpf(mu)
            tolerance = (1 + size) * mpmath.mpf(10) ** (10 - self.dps)
            state = "undecided" if abs(gap) <= tolerance else "correct" if gap > 0 else "wrong"
        return state, float(margin)


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


def differential(cert: Certificate, model: Model, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
                 progress: Callable[[int, int], None] | None = None) -> dict:
    """Run the differential check that fits the certificate's proof rule."""
    start = time.perf_counter()
    rule = cert.proof.get("rule")
    if rule == "cubic":
        record = differential_cubic(cert, model, samples, seed, progress)
    elif rule == "brute_force":
        record = differential_brute_force(model, samples, seed, progress)
    else:
        return {"skipped": f"no differential check for proof rule {rule!r}"}
    record["disagreements"] = [r for r in record["rows"] if r["outcome"] == "disagree"]
    record["helper_mismatch"] = [c for c in record.get("helper_consistency", []) if not c["equal"]]
    record["ok"] = (not record["disagreements"] and not record["helper_mismatch"]
                    and record["float_disagreement"] <= FLOAT_AGREEMENT)
    record["seconds"] = round(time.perf_counter() - start, 2)
    return record


def render_differential(record: dict) -> str:
    if record.get("skipped"):
        return f"differential check: skipped ({record['skipped']})\n"
    c = record["counts"]
    what = (f"{record['listed']} inputs of listed cases, {record['probes']} of kernel-proved probes "
            f"(from {record['probe_attempts']} random tuples screened)") if record["rule"] == "cubic" else \
        "half uniform, half nearest a tie"
    lines = [f"differential check (mpmath, {record['dps']} digits, {record['samples']} inputs, seed {record['seed']}, "
             f"{record['seconds']:.1f} s; {what}):",
             f"  kernel proved & mpmath correct {c['agree_correct']}, kernel not proved & mpmath wrong "
             f"{c['agree_wrong']}, kernel not proved but correct (conservative) {c['kernel_conservative']}, "
             f"undecided {c['undecided']}, DISAGREE (kernel proved, mpmath wrong) {c['disagree']}",
             f"  mpmath vs float64 forward pass: largest relative margin difference "
             f"{record['float_disagreement']:.2e} (limit {FLOAT_AGREEMENT:g})"]
    for r in record["disagreements"][:10]:
        case = f" case {r['case']}" if "case" in r else ""
        lines.append(f"  DISAGREEMENT: input {r['input']}{case}: kernel proved margin > {r['mu']!r}, "
                     f"mpmath margin {r['margin']!r}")
    for c in record.get("helper_consistency", []):
        lines.append(f"  per-input helper vs kernel count for query {c['q']}: {c['helper']} vs {c['kernel']}"
                     + ("" if c["equal"] else "  MISMATCH: the kernel's verdicts above are not the kernel's"))
    if record["float_disagreement"] > FLOAT_AGREEMENT:
        lines.append("  FAILED: the mpmath path and the float64 path disagree; the slow path cannot be trusted")
    return "\n".join(lines) + "\n"
