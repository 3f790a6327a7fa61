"""A certificate's proof length in the paper's conventions, beside the kernel's counted cost.

Reporting only: nothing here is trusted, and the kernel never reads it. Everything is computed
from the certificate (its proof object, strategy and model config), for comparing with Gross et
al. (2024), whose reference code measures a proof two ways:

- ``flop_estimate``: the check's work as the reference's ``CountTensor`` counts it
  (``gbmi/utils/instructions.py``): a matrix product of (a x k) by (k x b) costs a b (2k - 1),
  an elementwise operation its number of entries, a reduction of lines of n entries n - 1 per
  line, a sort n - 1 per line (checking order, its "verify" mode). Here it is applied to what the
  kernel's rule does for this certificate, array operation by array operation: an exact integer
  product counts as the float product it replaces, an interval operation as one float operation
  (the reference computes in floats and has no rounding to pay for), a gather or copy as nothing.
  Per-case constants follow the kernel's code; they are an estimate, the kernel's own count
  (``Result.operations``) is the measurement.
- ``effective_dimension``: the reference's "effective dimension of the unexplained part": brute
  force d_vocab^(K+1); cubic 3 d_vocab^2 + 2 K d_vocab (EUPU, EQKE and EVOU tables, PVOU and
  EQKP rows: the notebook's ``CubicEffectiveDimensionalityEstimate``); sub-cubic, the
  configuration's direct-path and attention-error terms
  (``LargestWrongLogitQuadraticConfig.*_effective_dimension_estimate``) plus d_vocab for PVOU and
  d_vocab^2 for EVOU (the notebook's ``subcubic_approx_effective_dimension``).
- ``hint_numbers``: the numbers the certificate's proof object carries (each case index, margin,
  token-set mask, gap and hint float is one).

``comparison(path)`` returns them with the certificate's rule, strategy group, configuration, K
and d_vocab, as ``verify --format json`` reports them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from compact_proofs.checker.errors import CheckError
from compact_proofs.checker.io.weights import ModelConfig

RULE_GROUPS = {"brute_force": "brute_force", "cubic": "cubic", "hybrid": "hybrid"}
MAXDIFF_RESIDUALS = {"max_diff", "mean+max_diff", "recursive", "mean+recursive", "mean_recursive"}
RECURSIVE_CENTRED = {"recursive": 0, "mean+recursive": 1}  # mean_recursive: every level but the last


def comparison(path: str | Path) -> dict | None:
    """The certificate's rule, group, configuration, k, d_vocab and its three measures (see the
    module docstring), or None if the file is not a certificate this module can read."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        config = ModelConfig.from_dict(doc["model"]["config"], str(path))
        proof, parameters = doc["proof"], doc["strategy"].get("parameters", {})
        rule = proof["rule"]
        configuration = parameters.get("config") if isinstance(parameters, dict) else None
        return {"rule": rule, "group": group_of(rule, configuration), "configuration": configuration,
                "k": config.n_ctx, "d_vocab": config.d_vocab, "flop_estimate": flop_estimate(proof, config),
                "effective_dimension": effective_dimension(proof, config), "hint_numbers": hint_numbers(proof)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, CheckError):
        return None


def group_of(rule: str, configuration: str | None) -> str:
    """The strategy group of a proof: its rule, or for a sub-cubic proof the group of its
    configuration (``strategies.subcubic.group``: reference-subcubic, reference-quadratic, ours)."""
    if rule == "subcubic":
        from compact_proofs.strategies import subcubic

        return subcubic.group(configuration) if configuration in subcubic.CONFIGURATIONS else "subcubic"
    return RULE_GROUPS.get(rule, rule)


# --- effective dimension ---------------------------------------------------------------------------

def effective_dimension(proof: dict, config: ModelConfig) -> int | None:
    """The reference's effective dimension of the proof's unexplained part (None for a rule it
    has no convention for)."""
    d, K, dm = config.d_vocab, config.n_ctx, config.d_model
    rule = proof["rule"]
    if rule == "brute_force":
        return d ** (K + 1)
    if rule == "cubic":
        return 3 * d * d + 2 * K * d
    if rule != "subcubic":
        return None
    direct = proof["direct"]
    mean = d if direct["mean"] is not None else 0
    eupu = {"max_diff": mean + d * dm + 2, "exact": 2 * d, "global_exact": 2,
            # ours: the exact direct path per (q, m) reads the whole table, as exact EQKE does
            "exact_per_max": d * d}[direct["bound"]]
    score = proof["score"]
    if score["factors"] == "exact":
        error = d * d
    else:
        methods = {r["method"] for r in score["residual"]}
        error = 2 * d  # the peeled directions (the reference's "svd" cost; a Gram row bound adds nothing)
        error += 2 * dm if methods & MAXDIFF_RESIDUALS else 0
        error += d if any(m.startswith("mean") for m in methods) else 0
        error += 2 * d if "exact" in methods else 0
    return eupu + error + d + d * d


# --- hint size ---------------------------------------------------------------------------------------

def hint_numbers(proof: dict) -> int:
    """The numbers in the proof object: brute force none; a cubic case five (q, m, c, margin, key
    mask); a sub-cubic case four (q, m, c, g) plus every hint float, split point and breakpoint.
    For another rule, every number and string in its proof object but the rule's name."""
    rule = proof["rule"]
    if rule == "brute_force":
        return 0
    if rule in ("cubic", "hybrid"):
        return 5 * len(proof["cases"]["q"])
    if rule == "subcubic":
        score, attention = proof["score"], proof["attention"]
        peels = sum(len(p["x"]) + len(p["y"]) for p in score["peels"])
        mean = len(proof["direct"]["mean"] or [])
        hints = sum(len(row) for row in attention.get("breakpoints", attention.get("average", [])))
        return peels + len(score["residual"]) + mean + hints + 4 * len(proof["cases"]["q"])
    return _leaves({k: v for k, v in proof.items() if k != "rule"})


def _leaves(value: object) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_leaves(v) for v in value)
    return 0 if value is None or isinstance(value, bool) else 1


# --- FLOP estimate -----------------------------------------------------------------------------------

class Flops:
    """A running count in the reference's conventions (see the module docstring)."""

    def __init__(self) -> None:
        self.total = 0

    def matmul(self, a: int, k: int, b: int) -> None:
        self.total += a * b * (2 * k - 1)

    def elementwise(self, n: int, times: int = 1) -> None:
        self.total += n * times

    def reduce(self, size: int, line: int) -> None:
        """A reduction (or a running extremum, or a sort checked for order) of lines of ``line``."""
        if line > 0:
            self.total += size // line * (line - 1)

    def chain(self, shapes: list[tuple[int, int]]) -> tuple[int, int]:
        """The product of matrices of these shapes, left to right; returns its shape."""
        rows, cols = shapes[0]
        for inner, right in shapes[1:]:
            self.matmul(rows, inner, right)
            cols = right
        return rows, cols


class PathTables:
    """The kernel's path tables (``checker.tables.Tables``), each counted once, when first used."""

    def __init__(self, flops: Flops, config: ModelConfig):
        self.f, self.c, self.done = flops, config, set()

    def need(self, *names: str) -> None:
        d, K, dm, dh = self.c.d_vocab, self.c.n_ctx, self.c.d_model, self.c.d_head
        parts = {"E_q": ((), lambda: self.f.elementwise(d * dm)),
                 "EQKE": (("E_q",), lambda: self.f.chain([(d, dm), (dm, dh), (dh, dm), (dm, d)])),
                 "EQKP": (("E_q",), lambda: self.f.chain([(d, dm), (dm, dh), (dh, dm), (dm, K)])),
                 "OVU": ((), lambda: self.f.chain([(dm, dh), (dh, dm), (dm, d)])),
                 "EVOU": (("OVU",), lambda: self.f.matmul(d, dm, d)),
                 "PVOU": (("OVU",), lambda: self.f.matmul(K, dm, d)),
                 "EUPU": (("E_q",), lambda: self.f.matmul(d, dm, d)),
                 "tok_weight": (("EQKE",), lambda: exp_rows(self.f, d, d)),
                 "pos_weight": (("EQKP",), lambda: exp_rows(self.f, d, K))}
        for name in names:
            if name not in self.done:
                self.done.add(name)
                needs, count = parts[name]
                self.need(*needs)
                count()


def exp_rows(flops: Flops, rows: int, cols: int) -> None:
    """``tables._exp_rows``: scale, the row maxima, subtract, exp."""
    flops.elementwise(rows * cols, 3)
    flops.reduce(rows * cols, cols)


def flop_estimate(proof: dict, config: ModelConfig) -> int | None:
    """The kernel's check of this proof, counted in the reference's conventions (None for a rule
    this module does not know)."""
    estimate = {"brute_force": _brute_force, "cubic": _cubic, "subcubic": _subcubic,
                "hybrid": _hybrid}.get(proof["rule"])
    if estimate is None:
        return None
    flops = Flops()
    estimate(flops, PathTables(flops, config), proof, config)
    return flops.total


def _forward_tables(f: Flops, tables: PathTables, config: ModelConfig) -> None:
    """``brute_force.forward_tables``: for every query, the position tables A_i and their error terms."""
    d, K = config.d_vocab, config.n_ctx
    tables.need("EVOU", "PVOU", "EUPU", "tok_weight", "pos_weight")
    f.elementwise(d * K * d * d, 4)  # EVOU + PVOU + EUPU[q], the weights times them
    f.elementwise(d * d * K)  # the weights tok * pos
    f.elementwise(d * K * d * d, 2)  # width and |lo|
    f.reduce(2 * d * K * d * d, d)  # their maxima over outputs
    f.reduce(d * K * d, d * K * d)  # the largest magnitude
    f.elementwise(d * K * d, 4)  # theta


def _per_input(config: ModelConfig) -> int:
    """``brute_force.count_grids`` per input: the sum of K logit rows and of K error terms, the max
    token, the largest other logit, the difference and the test."""
    d, K = config.d_vocab, config.n_ctx
    return (K - 1) * d + (K - 1) + (K - 1) + (d - 1) + 2


def _brute_force(f: Flops, tables: PathTables, proof: dict, config: ModelConfig) -> None:
    """``proofs.brute_force``: the forward tables, then every input."""
    _forward_tables(f, tables, config)
    f.elementwise(config.d_vocab ** config.n_ctx * _per_input(config))


def _hybrid(f: Flops, tables: PathTables, proof: dict, config: ModelConfig) -> None:
    """``proofs.hybrid``: the cubic check of the cases, then every input they leave."""
    _cubic(f, tables, proof, config)
    _forward_tables(f, tables, config)
    n, cases = config.n_ctx - 1, proof["cases"]
    covered = sum(math.comb(n, c) * _popcount(mask) ** c if c else 1 for c, mask in zip(cases["c"], cases["keys"]))
    f.elementwise(max(0, config.d_vocab ** config.n_ctx - covered) * _per_input(config))


def _popcount(mask: str) -> int:
    return int(mask, 16).bit_count()


def _cubic(f: Flops, tables: PathTables, proof: dict, config: ModelConfig) -> None:
    """``proofs.cubic``: the j-free bounds of every listed (q, m) (``Bounds``), then the checks
    of every listed (case, k)."""
    d, n = config.d_vocab, config.n_ctx - 1
    cases = proof["cases"]
    tables.need("EVOU", "PVOU", "EUPU", "tok_weight", "pos_weight")
    R = len(set(zip(cases["q"], cases["m"])))
    X = len(set(cases["m"]))
    # Bounds: differences per max token and per row, the slot terms, their minima over outputs
    f.elementwise(X * d * d + X * (n + 1) * d + R * d)
    f.elementwise(X * n * d + R * n * d + 2 * R * d)
    for size in (R * n * d, R * d):  # min over j != m, and min over j not in {m, k}
        f.reduce(size, d)
        _min_except_k(f, size, d)
    f.elementwise(R * d * n, 2)  # check A's slot terms
    f.reduce(R * d * n, n)
    f.elementwise(R * d)
    f.elementwise(X * d * n * d)  # token_slot: every (m, k, i, j)
    f.reduce(X * d * n * d, n * d)
    _min_except_k(f, R * d, d)
    f.elementwise(R * d + R * max(0, n - 1))
    checks = 2 if d >= 3 else 1
    for c, mask in zip(cases["c"], cases["keys"]):
        if c == 0:
            f.elementwise(1 + 2 + 3 * n + n + 1)
            continue
        pairs, r = _popcount(mask), n - c
        pure = 2 + 4 + (0 if r == 0 else 4 * n + 1 + 3 * n + 1)
        f.elementwise(pairs * (1 + checks * pure + (checks - 1) + 1))
        if r:
            f.reduce(pairs * checks * n, n)  # the sort of the slot terms, checked for order
    f.elementwise(len(cases["q"]))  # the count


def _min_except_k(f: Flops, size: int, line: int) -> None:
    """``cubic._min_over_j_except_k``: the smallest, where it sits, the second smallest, selects."""
    f.reduce(size, line)
    f.reduce(size, line)
    f.elementwise(size)
    f.reduce(size, line)
    f.elementwise(size)


def _subcubic(f: Flops, tables: PathTables, proof: dict, config: ModelConfig) -> None:
    """``proofs.subcubic``: the score bound, the token weights, the attention interval of each
    case, the value terms, the lines and their bound at both ends of each case."""
    d, K = config.d_vocab, config.n_ctx
    n = K - 1
    C = len(proof["cases"]["q"])
    _score_bound(f, tables, proof["score"], config)
    exp_rows(f, d, d)  # the token factors of the approximation
    f.elementwise(d, 4)  # exp(+-eps / sqrt(d_head))
    tables.need("pos_weight", "EVOU", "PVOU", "E_q")
    f.reduce(2 * d * n, n)  # the slots' weights, sorted
    f.elementwise(d, 2 * n)  # their prefix sums
    f.reduce(2 * d * d, d)  # prefix extrema of the token factors
    # per case: the max slots' weight (3 + 3), the other slots' (2 + 2), the query's (3 + 3), the
    # interval: two sums, two denominators, two quotients, eight tests, two selects
    f.elementwise(C, 6 + 4 + 6 + 16)
    _direct_bound(f, proof["direct"], config)
    f.elementwise(d * d, 1 + 2 + 3)  # S, L, the absent lines
    f.elementwise(K * d * d)  # PVOU differences
    f.reduce(K * d * d, K)
    f.reduce(2 * d * d, d)  # EVOU's row spreads
    f.elementwise(d)
    keys = d
    if proof["nonmax"] == "column":
        pairs = len({(m, g) for m, c, g in zip(proof["cases"]["m"], proof["cases"]["c"], proof["cases"]["g"]) if c})
        f.reduce(2 * d * d, d)  # column prefix extrema
        f.reduce(2 * C, 2 * C)  # the (m, g) pairs, found by sorting
        f.elementwise(pairs * d, 3 + 1)  # w, the shifted lines, the selects
        f.reduce(pairs * d, d)
        f.elementwise(C, 2 + 3 + 2)
        keys += pairs
    else:
        f.elementwise(d)
        f.elementwise(C, 3)
    attention = proof["attention"]
    if attention["bound"] == "envelope":
        width = max((len(row) for row in attention["breakpoints"]), default=0) or 1
        f.elementwise(keys * width)
        f.elementwise(keys * (width + 2) * d, 4)  # products, sums, two selects
        f.reduce(keys * (width + 2) * d, d)
        f.elementwise(C, 2 * (2 * width + 10))  # at each end: the breakpoint's index, the chord
    else:
        f.reduce(2 * C, 2 * C)  # the (key, c) groups
        groups = min(C, keys * K)
        f.elementwise(groups * d, 4 + 2)
        f.reduce(groups * d, d)
        f.reduce(2 * groups * d, d)
        f.elementwise(C, 2 * 7)
    f.elementwise(C, 2 * 7 + 1)  # both ends: (1 - A) w, the direct term; their maximum
    f.elementwise(C, 3)  # the test and the count


def _score_bound(f: Flops, tables: PathTables, score: dict, config: ModelConfig) -> None:
    """``subcubic.score_bounds``: EQKE's factors, the peels and the residual's row spreads."""
    d, dm, dh = config.d_vocab, config.d_model, config.d_head
    if score["factors"] == "exact":
        tables.need("EQKE")
        return
    tables.need("E_q")
    if score["factors"] == "two":
        shapes = [(d, dh), (dh, d)]
        f.matmul(d, dm, dh)
        f.matmul(dh, dm, d)
    else:
        shapes = [(d, dm), (dm, dh), (dh, dm), (dm, d)]
    by_factor: dict[int, int] = {}
    for peel in score["peels"]:
        by_factor[peel["factor"]] = by_factor.get(peel["factor"], 0) + 1
    for i, count in by_factor.items():  # F - sum of outer products
        rows, cols = shapes[i]
        f.elementwise(rows * cols, 2 * count)
    terms = 0
    for peel in score["peels"]:  # x through the residual factors before it, y through those after
        i = peel["factor"]
        for rows, cols in reversed(shapes[:i]):
            f.matmul(rows, cols, 1)
        f.chain([(1, shapes[i][1])] + shapes[i + 1:])
        f.elementwise(d * d)  # the outer product
        terms += 1
    f.elementwise(d * d * max(0, terms - 1))
    for item in score["residual"]:
        _residual_bound(f, shapes, item["method"], item["split"], d)
    f.elementwise(d * max(0, len(score["residual"]) - 1))


def _residual_bound(f: Flops, shapes: list[tuple[int, int]], method: str, split: int, d: int) -> None:
    """One row-spread bound of the residual (``rules.spread``)."""
    if method == "exact":
        rows, cols = f.chain(shapes)
        _row_spreads(f, rows, cols)
        return
    if method in ("max_diff", "mean+max_diff", "gram", "global_gram"):
        L, R = f.chain(shapes[:split]), f.chain(shapes[split:])
        if method in ("gram", "global_gram"):
            f.matmul(R[0], R[1], R[0])
            f.matmul(L[0], L[1], R[0])
            f.elementwise(L[0] * R[0])
            f.reduce(L[0] * R[0], R[0])
            f.matmul(R[0], R[1], 1)
            f.matmul(L[0], L[1], 1)
            f.elementwise(L[0], 6)
            if method == "global_gram":
                f.reduce(L[0], L[0])
            return
        _row_spreads(f, *R)
        _maxdiff(f, L, R, method == "mean+max_diff")
        return
    levels = RECURSIVE_CENTRED.get(method, len(shapes) - 1)
    _row_spreads(f, *shapes[-1])
    for i in range(len(shapes) - 2, -1, -1):
        centred = i < levels
        if centred:
            rest = f.chain([(1, shapes[i][1])] + shapes[i + 1:])
            _row_spreads(f, *rest)
        _maxdiff(f, shapes[i], None, centred)


def _row_spreads(f: Flops, rows: int, cols: int) -> None:
    f.reduce(2 * rows * cols, cols)
    f.elementwise(rows)


def _maxdiff(f: Flops, L: tuple[int, int], R: tuple[int, int] | None, centred: bool) -> None:
    """``spread.maxdiff`` (and the mean row and its spread for the centred form)."""
    rows, cols = L
    if centred:
        f.reduce(rows * cols, rows)  # the mean row
        f.elementwise(cols)
        if R is not None:
            f.matmul(1, cols, R[1])
            _row_spreads(f, 1, R[1])
        f.matmul(rows, 1, cols)
        f.elementwise(rows * cols)
        f.matmul(rows, 1, 1)
        f.elementwise(rows)
    f.elementwise(rows * cols)  # |L - a|
    f.matmul(rows, cols, 1)


def _direct_bound(f: Flops, direct: dict, config: ModelConfig) -> None:
    """``subcubic.direct_bounds``: the direct path's centre and its residual's bound."""
    d, dm = config.d_vocab, config.d_model
    if direct["mean"] is not None:
        f.matmul(d, 1, dm)
        f.elementwise(d * dm)
        f.matmul(1, dm, d)
    bound = direct["bound"]
    if bound == "max_diff":
        _row_spreads(f, dm, d)
        f.elementwise(d * dm)
        f.matmul(d, dm, 1)
        f.elementwise(d * d)  # repeated per output
        return
    f.matmul(d, dm, d)
    if bound in ("exact", "global_exact"):
        _row_spreads(f, d, d)
        if bound == "global_exact":
            f.reduce(d, d)
        return
    f.reduce(3 * d * d, d)  # the top, where it is, the second
    f.elementwise(d * d, 3)

