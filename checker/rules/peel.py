"""Low-rank peels with an exact residual.

For exact factors F_1 ... F_t and any rank-one hints P_i = sum_l x_l y_l^T per factor (no
orthogonality or normalisation assumed), with F_i' = F_i - P_i, the telescoping identity

    F_1 ... F_t = sum_i F_1' ... F_i-1' P_i F_i+1 ... F_t  +  F_1' ... F_t'

holds exactly (rule ``lowrank_peel``). Each term of the sum has rank at most rank(P_i) and is formed
as outer products of vectors, so the approximation costs O(d^2) per hint and O(d * width) to
build its vectors; the residual F_1' ... F_t' stays factored.
"""

from __future__ import annotations

from compact_proofs.checker.rules.spread import product
from compact_proofs.checker.tables import Dyadic

Hint = tuple[Dyadic, Dyadic]  # (x, y): a column (rows of F_i) and a row (columns of F_i)


def peel(factors: list[Dyadic], hints: list[list[Hint]]) -> tuple[Dyadic | None, list[Dyadic]]:
    """Rule ``lowrank_peel``: (approximation, residual factors) with product(factors) =
    approximation + product(residual factors) exactly; the approximation is None when no hint is
    given. ``hints[i]`` lists the (x, y) pairs peeled from factor i."""
    residual = [F - _sum_outer(h) if h else F for F, h in zip(factors, hints)]
    approximation = None
    for i, pairs in enumerate(hints):
        for x, y in pairs:
            left = x
            for F in reversed(residual[:i]):  # F_1' ... F_i-1' x, a column, right to left
                left = F @ left
            right = product([y] + factors[i + 1:])  # y F_i+1 ... F_t, a row
            term = left @ right
            approximation = term if approximation is None else approximation + term
    return approximation, residual


def _sum_outer(pairs: list[Hint]) -> Dyadic:
    """sum_l x_l y_l (the reader has checked the shapes)."""
    total = pairs[0][0] @ pairs[0][1]
    for x, y in pairs[1:]:
        total = total + x @ y
    return total
