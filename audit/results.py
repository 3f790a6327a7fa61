"""Proved bounds as points for the plot and the report, each matched to its model card by the
model's digest (never by a file name), beside the paper's figures.

A point is one verified proof: its K, strategy group and configuration, model digest, the
proved bound, the kernel's counted cost (``Result.operations``) and, where known, the paper's
measures (``audit.conventions``). Points come from ``verify --format json`` reports, from a
sweep's results (``compact-proofs sweep``: a document with ``rows``, or a bare list of rows), or
from the report's own checks. ``Cards`` indexes the model cards of a zoo by digest; a point's
normalised bound is its bound over its card's accuracy.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from compact_proofs.audit import conventions
from compact_proofs.checker.errors import CheckError, Unusable

# Strategy groups in the order tables and legends show them: (label, colour).
GROUPS = {
    "brute_force": ("brute force", "#555555"),
    "cubic": ("cubic", "#1f77b4"),
    "reference-subcubic": ("sub-cubic, paper's configurations", "#ff7f0e"),
    "reference-quadratic": ("attention-quadratic, paper's configurations", "#2ca02c"),
    "ours": ("sub-cubic, ours", "#d62728"),
    "hybrid": ("hybrid", "#9467bd"),
}
OTHER_COLOUR = "#8c564b"

# The paper's normalised bounds (Gross et al. 2024, means ± std over 151 seeds per K; the
# attention-quadratic group as the range it gives): group -> K -> (mean, std) or (low, high, "range").
PAPER: dict[str, dict[int, tuple]] = {
    "brute_force": {k: (1.0, 0.0) for k in (4, 5, 10, 20)},
    "cubic": {4: (0.954, 0.008), 5: (0.942, 0.010), 10: (0.915, 0.021), 20: (0.888, 0.036)},
    "reference-subcubic": {4: (0.700, 0.036), 5: (0.702, 0.033), 10: (0.673, 0.030), 20: (0.563, 0.041)},
    "reference-quadratic": {k: (0.32, 0.39, "range") for k in (4, 5, 10, 20)},
}


def label(group: str) -> str:
    return GROUPS.get(group, (group, ""))[0]


def colour(group: str) -> str:
    return GROUPS.get(group, ("", OTHER_COLOUR))[1]


def group_order(group: str) -> tuple[int, str]:
    return (list(GROUPS).index(group) if group in GROUPS else len(GROUPS), group)


def paper_text(group: str, k: int) -> str:
    """The paper's figure as a table cell ('-' where it has none)."""
    figure = PAPER.get(group, {}).get(k)
    if figure is None:
        return "-"
    if len(figure) == 3:
        return f"≈ {figure[0]:.2f}–{figure[1]:.2f}"
    return f"{figure[0]:.3f} ± {figure[1]:.3f}"


# --- model cards -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """A model card: where it is, its model's digest, K, seed and accuracy."""

    path: Path
    digest: str
    k: int
    seed: int | None
    accuracy: float
    method: str  # "exact" (every input counted) or "sampled"

    @property
    def weights(self) -> Path:
        return self.path.with_name(self.path.name.removesuffix(".card.json") + ".safetensors")


class Cards:
    """The model cards under a folder (``*.card.json``, recursively), by model digest."""

    def __init__(self, folder: Path):
        self.folder, self.by_digest = folder, {}
        for path in sorted(folder.rglob("*.card.json")) if folder.is_dir() else []:
            try:
                doc = json.loads(path.read_text())
                accuracy = doc["accuracy"]
                card = Card(path, doc["digest"], int(doc["k"]), doc.get("seed"), float(accuracy["accuracy"]),
                            "exact" if accuracy["method"] == "exhaustive" else "sampled")
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise Unusable(f"{path}: not a readable model card ({type(exc).__name__}: {exc})") from None
            self.by_digest.setdefault(card.digest, card)

    def get(self, digest: str | None) -> Card | None:
        return self.by_digest.get(digest) if digest else None


# --- points --------------------------------------------------------------------------------------

@dataclass
class Point:
    """One verified proof. ``source`` is its certificate's path (or the sweep row it came from)."""

    source: str
    k: int
    group: str
    configuration: str | None
    digest: str
    bound: Fraction
    operations: int
    seconds: float | None = None
    flop_estimate: int | None = None
    effective_dimension: int | None = None
    hint_numbers: int | None = None
    card: Card | None = field(default=None, compare=False)

    @property
    def normalised(self) -> float:
        """The bound over the model's accuracy (its card's); needs ``card``."""
        assert self.card is not None
        return float(self.bound) / self.card.accuracy

    @property
    def strategy(self) -> str:
        """The configuration where there is one, else the group."""
        return self.configuration or self.group


def point_of_result(result: dict, comparison: dict | None) -> Point | None:
    """The point of one result of a verify report (a ``result_dict``), None unless proved."""
    if result.get("bound") is None or not comparison:
        return None
    return Point(result["path"], comparison["k"], comparison["group"], comparison["configuration"],
                 result["model_digest"], Fraction(result["bound"]), int(result["operations"]), result.get("seconds"),
                 comparison["flop_estimate"], comparison["effective_dimension"], comparison["hint_numbers"])


def read_points(source: str, models: Path) -> tuple[list[Point], list[str]]:
    """The points of a verify report or a sweep's results ('-': standard input), and one line per
    entry that is not a point (not verified, or unreadable). Raises ``Unusable`` for a file that
    is neither."""
    where = "<stdin>" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        doc = json.loads(text)
    except OSError as exc:
        raise Unusable(f"{where}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise Unusable(f"{where}: not JSON ({str(exc).splitlines()[0]})") from None
    if isinstance(doc, dict) and doc.get("format") == "compact-proofs-verify-report":
        return _from_verify_report(doc, where)
    rows = doc.get("rows") if isinstance(doc, dict) else doc
    if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        return from_sweep(rows, where, models)
    raise Unusable(f"{where}: neither a verify report (verify --format json) nor a sweep's results (rows)")


def _from_verify_report(doc: dict, where: str) -> tuple[list[Point], list[str]]:
    points, dropped = [], []
    for r in doc.get("results", []):
        comparison = r.get("comparison")
        if comparison is None and r.get("bound") is not None:
            comparison = conventions.comparison(r["path"])  # a report written before they were reported
        point = point_of_result(r, comparison)
        if point is not None:
            points.append(point)
        elif r.get("bound") is None:
            dropped.append(f"{where}: {r.get('path')}: {r.get('verdict')}, not a proved bound")
        else:
            dropped.append(f"{where}: {r.get('path')}: no comparison in the report, and the certificate cannot be "
                           f"read from here")
    return points, dropped


def from_sweep(rows: list[dict], where: str, models: Path) -> tuple[list[Point], list[str]]:
    """Rows of a sweep: configuration (or config), k, digest (or the model's weights path, or
    its zoo seed), bound ('N/D' or a number), operations, and optionally the certificate (its
    paper's measures are read from it where it still exists, else from the row's own ``MEASURES``)."""
    points, dropped, digests = [], [], {}
    for i, row in enumerate(rows):
        name = row.get("configuration") or row.get("config")
        if row.get("verdict") != "verified" or row.get("bound") is None:
            dropped.append(f"{where}: row {i} ({name}): {row.get('verdict')}, not a proved bound")
            continue
        try:
            k = int(row["k"])
            weights = _weights(row, models)
            digest = row.get("digest") or (digests.setdefault(weights, _digest(weights)) if weights else None)
            if digest is None:
                raise KeyError("digest")
            certificate = row.get("certificate")
            measured = (conventions.comparison(certificate) if certificate and Path(certificate).is_file()
                        else {m: row[m] for m in MEASURES} if all(m in row for m in MEASURES) else None)
            rule = row_rule(row)
            bound = row["bound"]
            point = Point(certificate or f"{where}#{i}", k, conventions.group_of(rule, name), name,
                          digest, Fraction(bound) if isinstance(bound, str) else Fraction(float(bound)),
                          int(row["operations"]), row.get("verify_seconds", row.get("verify_s")))
        except (KeyError, TypeError, ValueError, ZeroDivisionError, CheckError) as exc:
            dropped.append(f"{where}: row {i} ({name}): unusable ({type(exc).__name__}: {exc})")
            continue
        if measured:
            point.flop_estimate = measured["flop_estimate"]
            point.effective_dimension = measured["effective_dimension"]
            point.hint_numbers = measured["hint_numbers"]
        elif weights is not None:
            point.effective_dimension = _configuration_dimension(rule, name, weights)
        points.append(point)
    return points, dropped


MEASURES = ("flop_estimate", "effective_dimension", "hint_numbers")  # the paper's measures a row may carry


def row_rule(row: dict) -> str:
    """The proof rule of a sweep row: subcubic for a sub-cubic configuration, else its strategy."""
    from compact_proofs.strategies import subcubic

    name = row.get("configuration") or row.get("config")
    return "subcubic" if name in subcubic.CONFIGURATIONS else row.get("strategy") or name


def row_group(row: dict) -> str:
    """The strategy group of a sweep row (``conventions.group_of``)."""
    return conventions.group_of(row_rule(row), row.get("configuration") or row.get("config"))


def _weights(row: dict, models: Path) -> Path | None:
    """The row's weights file: its ``model`` path, or the zoo's file of its K and seed."""
    if row.get("model"):
        return Path(row["model"])
    if row.get("seed") is not None:
        return models / f"k{int(row['k'])}" / f"seed{int(row['seed'])}.safetensors"
    return None


def _digest(weights: Path) -> str:
    from compact_proofs.checker.io.weights import load_model

    return load_model(weights).digest


_MODELS: dict[Path, tuple] = {}  # weights -> (model, its float factors), for the effective dimension


def _configuration_dimension(rule: str, name: str | None, weights: Path) -> int | None:
    """The effective dimension of a configuration on a model, from the proof object its strategy
    would write (without its cases, which the measure does not read)."""
    from compact_proofs.checker.io.weights import load_model
    from compact_proofs.strategies import subcubic

    try:
        if weights not in _MODELS:
            model = load_model(weights)
            _MODELS[weights] = (model, subcubic.Floats.of(model))
        model, floats = _MODELS[weights]
        proof = subcubic.proof_choices(model, name, floats) if rule == "subcubic" else {"rule": rule}
        return conventions.effective_dimension(proof, model.config)
    except (CheckError, KeyError, OSError):
        return None


def with_cards(points: list[Point], cards: Cards) -> tuple[list[Point], list[str]]:
    """The points whose model digest has a card (the card attached), and one line for each that
    has none."""
    kept, missing = [], []
    for point in points:
        point.card = cards.get(point.digest)
        if point.card is None:
            missing.append(f"{point.source}: no model card under {cards.folder} has its model digest {point.digest}")
        else:
            kept.append(point)
    return kept, missing
