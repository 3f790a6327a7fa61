"""The sub-cubic family: proofs from the model's mechanism, one certificate per configuration.

A configuration is three choices named as in Gross et al. (2024), ``EUPU/attention/error``:

- how the direct path EUPU is bounded (``mean_query+max_diff``, ``svd_query+max_diff``,
  ``max_diff``, ``max_diff_exact``, ``global_max_diff_exact``);
- how the attention's effect on the logits is bounded (``mean_query+diff``, in its sound form,
  or ``drop_average_query_per_output_logit_reasoning``);
- how the attention score's residual is bounded (``svd``, ``max_diff``, ``mean+max_diff``,
  ``max_diff_subproduct``, ``mean+max_diff_subproduct``, ``max_diff_subproduct_recursive``,
  ``mean+max_diff_subproduct_recursive``, ``mean_recursive+max_diff_subproduct_recursive``,
  ``max_diff_exact``, ``exact_EQKE+max_diff_exact``).

That is the paper's 100. The project's own configurations (``ours/...``) add the exact upper
envelope over outputs, per-output non-max bounds, the exact direct path per (q, m) and the
per-row Gram bound. Every configuration maps to one proof object of the kernel's ``subcubic``
rule (see ``proof_choices``); this module only chooses hints (directions from float64 SVDs,
envelope breakpoints, average attentions) and searches the gap of each case. The kernel
re-derives everything, so a poor choice costs bound, never soundness.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math
import time
from typing import Callable

import numpy as np

from compact_proofs.checker.io.weights import Model
from compact_proofs.checker.proofs import subcubic as rule
from compact_proofs.checker.tables import Tables

EUPU = ("mean_query+max_diff", "svd_query+max_diff", "max_diff", "max_diff_exact", "global_max_diff_exact")
ATTENTION = ("mean_query+diff", "drop_average_query_per_output_logit_reasoning")
ERROR = ("svd", "max_diff", "mean+max_diff", "max_diff_subproduct", "mean+max_diff_subproduct",
         "max_diff_subproduct_recursive", "mean+max_diff_subproduct_recursive",
         "mean_recursive+max_diff_subproduct_recursive", "max_diff_exact", "exact_EQKE+max_diff_exact")
REFERENCE = tuple(f"{e}/{a}/{r}" for e, a, r in itertools.product(EUPU, ATTENTION, ERROR))
OURS = ("ours/envelope/rank_one", "ours/envelope+column/rank_one", "ours/envelope+column_per_case/rank_one",
        "ours/envelope/exact_EQKE", "ours/envelope+column/exact_EQKE", "ours/envelope+column_per_case/exact_EQKE")
CONFIGURATIONS = REFERENCE + OURS
DEFAULT_SEARCH = OURS  # without --config: the tightest of these
GROUPS = ("reference-subcubic", "reference-quadratic", "ours")


def group(name: str) -> str:
    """``reference-quadratic`` for the paper's recursive residual bounds (its "subcubic
    (attention-quadratic)" group), ``reference-subcubic`` for its other configurations, ``ours``."""
    if name in OURS:
        return "ours"
    return "reference-quadratic" if name.endswith("_recursive") else "reference-subcubic"

_ERROR_CHOICES = {  # error handling: (EQKE factors, residual bounds)
    "svd": ("two", [("global_gram", 1)]),
    "max_diff": ("two", [("max_diff", 1)]),
    "mean+max_diff": ("two", [("mean+max_diff", 1)]),
    "max_diff_subproduct": ("four", [("max_diff", 1), ("max_diff", 2), ("max_diff", 3)]),
    "mean+max_diff_subproduct": ("four", [("mean+max_diff", 1), ("mean+max_diff", 2), ("mean+max_diff", 3)]),
    "max_diff_subproduct_recursive": ("four", [("recursive", 0)]),
    "mean+max_diff_subproduct_recursive": ("four", [("mean+recursive", 0)]),
    "mean_recursive+max_diff_subproduct_recursive": ("four", [("mean_recursive", 0)]),
    "max_diff_exact": ("two", [("exact", 0)]),
    "exact_EQKE+max_diff_exact": ("exact", []),
    "rank_one": ("two", [("max_diff", 1), ("gram", 1)]),
    "exact_EQKE": ("exact", []),
}
_EUPU_CHOICES = {"mean_query+max_diff": ("mean", "max_diff"), "svd_query+max_diff": ("svd", "max_diff"),
                 "max_diff": (None, "max_diff"), "max_diff_exact": (None, "exact"),
                 "global_max_diff_exact": (None, "global_exact")}


def _hex(values: np.ndarray) -> list[str]:
    return [float(v).hex() for v in np.asarray(values, dtype=np.float64).ravel()]


@dataclasses.dataclass
class Floats:
    """The model's factors in float64, for choosing hints (not for proving anything)."""

    E_q: np.ndarray
    W_Q: np.ndarray
    W_K: np.ndarray
    W_E: np.ndarray
    W_U: np.ndarray

    @staticmethod
    def of(model: Model) -> "Floats":
        t = {k: np.asarray(v, dtype=np.float64) for k, v in model.tensors.items()}
        n = model.config.n_ctx
        squeeze = lambda x: x[0] if x.ndim == 3 else x  # noqa: E731
        return Floats(t["embed.W_E"] + t["pos_embed.W_pos"][n - 1], squeeze(t["blocks.0.attn.W_Q"]),
                      squeeze(t["blocks.0.attn.W_K"]), t["embed.W_E"], t["unembed.W_U"])

    @functools.cached_property
    def peels(self) -> dict[str, list[dict]]:
        """The rank-one peels of each factorisation, along the top singular directions."""
        return {"two": _peels(self, "two"), "four": _peels(self, "four"), "exact": []}

    @functools.cached_property
    def means(self) -> dict[str, list[str] | None]:
        """The EUPU centres: the mean query embedding, and the reference's svd_query direction."""
        U, _, _ = np.linalg.svd(self.E_q @ self.W_U)
        return {"mean": _hex(self.E_q.mean(axis=0)), "svd": _hex(U[:, 0] @ self.E_q), None: None}


def _peels(f: Floats, factors: str) -> list[dict]:
    """Rank-one peels along the top singular directions of EQKE (query side u, key side v)."""
    A, B = f.E_q @ f.W_Q, f.W_K.T @ f.W_E.T
    U, _, Vt = np.linalg.svd(A @ B)
    u, v = U[:, 0], Vt[0]
    if factors == "two":
        return [{"factor": 0, "x": _hex(u), "y": _hex(A.T @ u)}, {"factor": 1, "x": _hex(B @ v), "y": _hex(v)}]
    peels = [{"factor": 0, "x": _hex(u), "y": _hex(f.E_q.T @ u)}]
    for i, M in ((1, f.W_Q), (2, f.W_K.T)):
        Ui, Si, Vti = np.linalg.svd(M)
        peels.append({"factor": i, "x": _hex(Ui[:, 0] * Si[0]), "y": _hex(Vti[0])})
    peels.append({"factor": 3, "x": _hex(f.W_E.T @ v), "y": _hex(v)})
    return peels


def proof_choices(model: Model, name: str, f: Floats | None = None) -> dict:
    """The proof object of configuration ``name`` without its cases and attention hints."""
    f = Floats.of(model) if f is None else f
    eupu, attention, error = name.split("/")
    factors, residual = _ERROR_CHOICES[error]
    if eupu == "ours":
        mean, direct = "mean", "exact_per_max"
    else:
        mean, direct = _EUPU_CHOICES[eupu]
    return {"rule": "subcubic",
            "score": {"factors": factors, "peels": f.peels[factors],
                      "residual": [{"method": m, "split": s} for m, s in residual]},
            "direct": {"mean": f.means[mean], "bound": direct},
            "nonmax": "column" if "column" in attention else "spread",
            "attention": {"bound": "drop_average"} if attention.startswith("drop_average") else None,
            "cases": {"q": [], "m": [], "c": [], "g": []}}


def upper_envelope_breaks(L: np.ndarray, S: np.ndarray) -> list[float]:
    """The points in (0, 1) where the largest of the lines L_j + A S_j changes (float64)."""
    present = np.isfinite(L) & np.isfinite(S)
    L, S = L[present], S[present]
    breaks, A = [], 0.0
    j = int(np.lexsort((S, L))[-1])  # the largest line at A = 0 (ties: the steepest)
    while True:
        steeper = S > S[j]
        if not steeper.any():
            return breaks
        with np.errstate(over="ignore"):
            cross = (L[j] - L[steeper]) / (S[steeper] - S[j])
        k = int(np.argmin(cross))
        if cross[k] >= 1:
            return breaks
        A = max(A, float(cross[k]))
        if A > 0:
            breaks.append(A)
        j = int(np.nonzero(steeper)[0][k])


class Search:
    """One model's proof search: its tables, and the kernel's pieces that several configurations
    share, computed once (token weights per score choice)."""

    def __init__(self, model: Model):
        self.model, self.tables, self.floats = model, Tables(model), Floats.of(model)
        self.d, self.n = model.config.d_vocab, model.config.n_ctx - 1
        rows = [(q, m, c) for m in range(self.d) for q in range(m + 1) for c in range(self.n + 1 if q == m else self.n)]
        self.q, self.m, self.c = (np.array(col, dtype=np.int64) for col in zip(*rows))
        self._memo: dict[str, object] = {}

    def _once(self, key: object, make):
        """The value of ``make()``, computed once per key (the hints it depends on, as JSON)."""
        text = json.dumps(key, sort_keys=True)
        if text not in self._memo:
            self._memo[text] = make()
        return self._memo[text]

    def config(self, proof: dict, g: np.ndarray, rows: np.ndarray | None = None) -> rule.Config:
        """The kernel's reading of ``proof`` with the cases (q, m, c)[rows] at gaps g."""
        rows = np.arange(len(self.q)) if rows is None else rows
        hints = dict(proof, attention=proof["attention"] or {"bound": "drop_average"},
                     cases={"q": [], "m": [], "c": [], "g": []})
        cfg = self._once(["read", hints], lambda: rule.read_proof(hints, self.model.config, "search"))
        return dataclasses.replace(cfg, q=self.q[rows], m=self.m[rows], c=self.c[rows], g=g)

    def bounds(self, proof: dict, g: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The kernel's case bounds of the cases (q, m, c)[rows] at gaps g."""
        cfg = self.config(proof, g, rows)
        weights = self._once(["score", proof["score"]], lambda: rule.token_weights(self.tables, cfg))
        terms = self._once(["value", proof["direct"]], lambda: rule.value_bounds(self.tables, cfg))
        a_lo, a_hi = rule.attention_bounds(self.tables, cfg, weights)
        return rule.logit_bounds(self.tables, cfg, a_lo, a_hi, terms)

    def smallest_gaps(self, proof: dict) -> np.ndarray:
        """Per (q, m, c), the smallest gap that proves it (bisection: the bound falls as the gap
        grows, up to the query's own token entering it), or -1 where none does."""
        gap = np.where(self.c == 0, 0, -1)
        empty = np.nonzero(self.c == 0)[0]
        gap[empty[self.bounds(proof, np.zeros(len(empty), dtype=np.int64), empty) >= 0]] = -1
        rows = np.nonzero(self.c > 0)[0]
        lo, hi = np.ones(len(rows), dtype=np.int64), self.m[rows].copy()
        found = np.full(len(rows), -1)
        while (active := np.nonzero(lo <= hi)[0]).size:
            mid = (lo[active] + hi[active]) // 2
            ok = self.bounds(proof, mid, rows[active]) < 0
            found[active[ok]] = mid[ok]
            hi[active[ok]] = mid[ok] - 1
            lo[active[~ok]] = mid[~ok] + 1
        gap[rows] = found
        return gap

    def all_gaps(self, proof: dict) -> np.ndarray:
        """Per (q, m, c), the smallest gap that proves it, trying every gap (the bound need not fall
        as the gap grows: the query's token leaves the prefix at g = m - q + 1), max token by max
        token; -1 where none does."""
        gap = np.where(self.c == 0, 0, -1)
        empty = np.nonzero(self.c == 0)[0]
        gap[empty[self.bounds(proof, np.zeros(len(empty), dtype=np.int64), empty) >= 0]] = -1
        for mm in range(1, self.d):
            rows = np.nonzero((self.m == mm) & (self.c > 0))[0]
            rows_g = np.repeat(rows, mm)
            g = np.tile(np.arange(1, mm + 1), len(rows))
            ok = self.bounds(proof, g, rows_g) < 0
            for r, gg in zip(rows_g[ok][::-1].tolist(), g[ok][::-1].tolist()):  # the smallest gap wins
                gap[r] = gg
        return gap

    def shared_gaps(self, gap: np.ndarray) -> np.ndarray:
        """One gap per (m, c) (-1 drops a case): the candidate covering most inputs if every query
        proved at a smaller gap is proved at it."""
        shared = np.full(len(gap), -1)
        for mm, cc in set(zip(self.m[self.c > 0].tolist(), self.c[self.c > 0].tolist())):
            rows = np.nonzero((self.m == mm) & (self.c == cc) & (gap > 0))[0]
            if rows.size:
                best = max(set(gap[rows].tolist()),
                           key=lambda g: int(np.count_nonzero(gap[rows] <= g)) * (mm - g + 1) ** cc)
                shared[rows[gap[rows] <= best]] = best
        shared[self.c == 0] = gap[self.c == 0]
        return shared

    def breakpoints(self, proof: dict) -> np.ndarray:
        """Per max token, the breakpoints of the envelopes of its lines at gap 1 (at most
        MAX_BREAKPOINTS; the kernel is sound with any)."""
        cfg = self.config(proof, np.where(self.c == 0, 0, 1))
        terms = self._once(["value", proof["direct"]], lambda: rule.value_bounds(self.tables, cfg))
        lines, key, key_max, _ = rule.nonmax_terms(self.tables, cfg, terms.lines, terms.spreads)
        per_max: list[set[float]] = [set() for _ in range(self.d)]
        for k in np.unique(key):
            per_max[key_max[k]].update(upper_envelope_breaks(lines.L[k], lines.S.hi[k]))
        table = []
        for points in per_max:
            points = sorted(points)
            if len(points) > rule.MAX_BREAKPOINTS:
                points = [points[int(i)] for i in np.linspace(0, len(points) - 1, rule.MAX_BREAKPOINTS)]
            table.append(points)
        return table

    def averages(self, proof: dict) -> np.ndarray:
        """The reference's average attention per (m, c): the mean over queries of the endpoint it
        examines (A_lo where the max's own row is below the non-max bound, else A_hi), at gap 1."""
        cfg = self.config(proof, np.where(self.c == 0, 0, 1))
        weights = self._once(["score", proof["score"]], lambda: rule.token_weights(self.tables, cfg))
        terms = self._once(["value", proof["direct"]], lambda: rule.value_bounds(self.tables, cfg))
        a_lo, a_hi = rule.attention_bounds(self.tables, cfg, weights)
        s_max = np.max(np.where(np.isfinite(terms.lines.L), terms.lines.S.hi, -np.inf), axis=1)
        pick = np.where(s_max[self.m] < terms.spreads[self.q], a_lo, a_hi)
        average = np.zeros((self.d, self.n + 1))
        for mm, cc in set(zip(self.m.tolist(), self.c.tolist())):
            rows = (self.m == mm) & (self.c == cc)
            average[mm, cc] = float(np.clip(pick[rows].mean(), 0.0, 1.0))
        return average

    def prove(self, name: str) -> tuple[dict, int, dict]:
        """(proof object, inputs covered, statistics) for configuration ``name``."""
        start = time.perf_counter()
        proof = proof_choices(self.model, name, self.floats)
        attention = name.split("/")[1]
        if attention.startswith("envelope"):
            proof["attention"] = {"bound": "envelope", "breakpoints": [_hex(b) for b in self.breakpoints(proof)]}
        elif attention == "mean_query+diff":
            proof["attention"] = {"bound": "mean+diff", "average": [_hex(row) for row in self.averages(proof)]}
        gap = self.all_gaps(proof) if name in OURS else self.smallest_gaps(proof)
        if proof["nonmax"] == "column" and not attention.endswith("per_case"):
            gap = self.shared_gaps(gap)
        rows = np.nonzero(gap >= 0)[0]
        rows = rows[self.bounds(proof, gap[rows], rows) < 0]  # the chosen gaps, checked once more
        q, m, c, g = self.q[rows], self.m[rows], self.c[rows], gap[rows]
        proof["cases"] = {"q": q.tolist(), "m": m.tolist(), "c": c.tolist(), "g": g.tolist()}
        covered = sum(math.comb(self.n, int(cc)) * (int(mm) - int(gg) + 1) ** int(cc) for mm, cc, gg in zip(m, c, g))
        seconds = round(time.perf_counter() - start, 3)
        return proof, covered, {"config": name, "cases": len(rows), "search_seconds": seconds}


_LAST: list[Search] = []


def search_for(model: Model) -> Search:
    """The search of ``model``, kept for the next call on the same model (a sweep proves every
    configuration of one model in turn)."""
    if not _LAST or _LAST[0].model.digest != model.digest:
        _LAST[:] = [Search(model)]
    return _LAST[0]


def prove(model: Model, progress: Callable[[int, int], None] | None = None,
          config: str | None = None) -> tuple[dict, int, dict]:
    """(proof object, inputs covered, parameters) of ``config``: a configuration name, or a group
    (``GROUPS``: the configuration of that group covering most inputs); None is ``ours``.
    ``progress`` is called with (configurations tried, configurations)."""
    names = [config] if config in CONFIGURATIONS else [n for n in CONFIGURATIONS if group(n) == (config or "ours")]
    if not names:
        raise ValueError(f"unknown sub-cubic configuration or group {config!r}")
    search, best = search_for(model), None
    for done, name in enumerate(names, 1):
        proof, covered, stats = search.prove(name)
        if best is None or covered > best[1]:
            best = proof, covered, {"config": name, "group": group(name), "cases": stats["cases"]}
        if progress:
            progress(done, len(names))
    return best
