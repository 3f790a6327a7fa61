"""Renderings of verify's results: a readable table, and machine-readable JSON.

Each renderer takes the list of ``Result`` records and the run's environment facts and
returns the whole output as one string. They only format; no verdict is decided here.
"""

from __future__ import annotations

import json
from fractions import Fraction

from checker.result import Result


def bound_text(bound: Fraction | None) -> str:
    """'N/D (0.xxxxxx)' or '-'."""
    if bound is None:
        return "-"
    return f"{bound.numerator}/{bound.denominator} ({float(bound):.6f})"


def render_text(results: list[Result], env: dict) -> str:
    rows = [("path", "model", "strategy", "claimed", "proved", "verdict", "seconds", "reason")]
    for r in results:
        rows.append((r.path, (r.model_digest or "-")[7:19], r.strategy or "-",
                     f"{float(r.claimed):.6f}" if r.claimed is not None else "-",
                     f"{float(r.bound):.6f}" if r.bound is not None else "-",
                     r.verdict, f"{r.seconds:.2f}", r.reason))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + "  " + row[-1] for row in rows]
    counts = {v: sum(r.verdict == v for r in results) for v in ("verified", "rejected", "error")}
    lines.append(f"{len(results)} certificate(s): {counts['verified']} verified, {counts['rejected']} rejected, "
                 f"{counts['error']} error")
    return "\n".join(lines) + "\n"


def result_dict(r: Result) -> dict:
    """The JSON object of one result (bounds as exact 'N/D' strings and as decimals)."""
    def frac(x: Fraction | None) -> str | None:
        return None if x is None else f"{x.numerator}/{x.denominator}"
    return {"path": r.path, "verdict": r.verdict, "bound": frac(r.bound),
            "bound_decimal": None if r.bound is None else float(r.bound),
            "claimed": frac(r.claimed), "model_digest": r.model_digest, "strategy": r.strategy,
            "reason": r.reason, "seconds": round(r.seconds, 3), "flops": r.flops, "rules": r.rules}


def render_json(results: list[Result], env: dict) -> str:
    return json.dumps({"environment": env, "results": [result_dict(r) for r in results]}, indent=2) + "\n"


RENDERERS = {"text": render_text, "json": render_json}
