"""``compact-proofs plot``: the paper's Figure 3 for this project's proofs.

Reads ``verify --format json`` reports or a sweep's results and draws, for each K:

- the normalised bound (bound / the model's accuracy, from its card, matched by the model's
  digest) against log2 of the checked cost (the kernel's counted operations), one colour per
  strategy group, with the Pareto frontier and the paper's figures for the same K as stars
  (``k<K>-bound-vs-cost``);
- the same bound against log2 of the paper's effective dimension of the unexplained part
  (``k<K>-bound-vs-effective-dimension``);

and a summary across seeds, mean ± std of both per strategy, one panel per K (``summary``). The
paper reports no checked cost, so its stars sit at the mean cost of this project's proofs of
the same group (and at their mean effective dimension in the second chart); their height and
bar are the paper's mean ± std (the range, for the attention-quadratic group). Each chart is
written as PNG and SVG.

  verify --format json --output out/verify.json certificates/
  compact-proofs plot out/verify.json                    # charts in out/plot/
  compact-proofs plot out/sweep/results.json --summary-by configuration --out out/plot-sweep

Needs matplotlib: pip install 'compact-proofs[plot]' (from a clone: pip install '.[plot]').
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Callable

from compact_proofs.audit.results import (GROUPS, PAPER, Cards, Point, colour, group_order, label, read_points,
                                          with_cards)
from compact_proofs.checker.errors import Unusable

FORMATS = ("png", "svg")
MISSING = ("matplotlib is not installed: install the plot extra, pip install 'compact-proofs[plot]' "
           "(from a clone: pip install '.[plot]')")
PAPER_LABEL = "paper (Gross et al. 2024), at the mean x of this project's proofs of the group"


def require_matplotlib():
    """matplotlib's ``Figure`` class, with the non-interactive backend; ``Unusable`` (exit 2, one
    line saying what to install) when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        raise Unusable(MISSING) from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "compact-proofs"  # the same SVG for the same points
    from matplotlib.figure import Figure
    return Figure


def cost_x(point: Point) -> float | None:
    return math.log2(point.operations) if point.operations > 0 else None


def dimension_x(point: Point) -> float | None:
    return math.log2(point.effective_dimension) if point.effective_dimension else None


def pareto(xy: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points no other point beats on both axes (smaller x, larger y), by increasing x."""
    frontier: list[tuple[float, float]] = []
    for x, y in sorted(xy, key=lambda p: (p[0], -p[1])):
        if not frontier or y > frontier[-1][1]:
            frontier.append((x, y))
    return frontier


def _paper_stars(ax, k: int, groups: dict[str, list[float]]) -> None:
    """The paper's figures for K, each at the mean x of this project's points of the group."""
    labelled = False
    for group, by_k in PAPER.items():
        figure, xs = by_k.get(k), groups.get(group)
        if figure is None or not xs:
            continue
        x = statistics.mean(xs)
        if len(figure) == 3:
            y, err = (figure[0] + figure[1]) / 2, (figure[1] - figure[0]) / 2
        else:
            y, err = figure
        ax.errorbar([x], [y], yerr=[err], fmt="*", markersize=14, markerfacecolor="white",
                    markeredgecolor=colour(group), markeredgewidth=1.4, ecolor=colour(group), elinewidth=1.0,
                    capsize=3, zorder=5,
                    label=None if labelled else PAPER_LABEL)
        labelled = True


def _axes_style(ax, k: int, x_label: str, title: str) -> None:
    ax.set_xlabel(x_label)
    ax.set_ylabel("normalised bound (bound / accuracy)")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10)


def scatter(Figure, points: list[Point], k: int, x_of: Callable[[Point], float | None], x_label: str, what: str):
    """One K's points: bound against ``x_of``, one colour per group, the Pareto frontier, the
    paper's stars."""
    fig = Figure(figsize=(7.5, 4.8), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    by_group: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for p in points:
        x = x_of(p)
        if x is not None:
            by_group[p.group].append((x, p.normalised))
    for group in sorted(by_group, key=group_order):
        xs, ys = zip(*by_group[group])
        ax.scatter(xs, ys, s=22, alpha=0.8, color=colour(group), edgecolors="white", linewidths=0.4, zorder=6,
                   label=f"{label(group)} ({len(xs)})")
    frontier = pareto([xy for values in by_group.values() for xy in values])
    if frontier:
        fx, fy = zip(*frontier)
        ax.step(fx, fy, where="post", color="black", linewidth=1, linestyle="--", label="Pareto frontier", zorder=4)
    _paper_stars(ax, k, {g: [x for x, _ in v] for g, v in by_group.items()})
    models = len({p.digest for p in points})
    _axes_style(ax, k, x_label,
                f"Max-of-{k}: normalised bound against {what} ({len(points)} proofs of {models} models)")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def summary(Figure, points: list[Point], by: str):
    """Mean ± std over seeds of each strategy's log2 cost and normalised bound, a panel per K."""
    ks = sorted({p.k for p in points})
    columns = min(2, len(ks))
    rows = math.ceil(len(ks) / columns)
    fig = Figure(figsize=(6.0 * columns, 4.2 * rows), dpi=100, layout="constrained")
    shown: set[str] = set()
    for index, k in enumerate(ks):
        ax = fig.add_subplot(rows, columns, index + 1)
        at_k = [p for p in points if p.k == k]
        strategies: dict[tuple, list[Point]] = defaultdict(list)
        for p in at_k:
            strategies[(p.group, p.group if by == "group" else p.strategy)].append(p)
        means: dict[str, list[float]] = defaultdict(list)
        for (group, _), members in sorted(strategies.items(), key=lambda item: (group_order(item[0][0]), item[0][1])):
            xs = [math.log2(p.operations) for p in members]
            ys = [p.normalised for p in members]
            x, y = statistics.mean(xs), statistics.mean(ys)
            sx = statistics.stdev(xs) if len(xs) > 1 else 0.0
            sy = statistics.stdev(ys) if len(ys) > 1 else 0.0
            ax.errorbar([x], [y], xerr=[sx], yerr=[sy], fmt="o", markersize=4, color=colour(group), elinewidth=0.8,
                        capsize=2, label=None if group in shown else label(group))
            shown.add(group)
            means[group].append(x)
        _paper_stars(ax, k, means)
        _axes_style(ax, k, COST_LABEL,
                    f"Max-of-{k}: mean ± std over seeds, per {'strategy group' if by == 'group' else 'configuration'}")
    handles: dict[str, object] = {}
    for ax in fig.axes:
        for handle, text in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(text, handle)
    order = [label(g) for g in GROUPS] + [PAPER_LABEL]
    texts = sorted(handles, key=lambda t: order.index(t) if t in order else len(order))
    fig.legend([handles[t] for t in texts], texts, fontsize=7, loc="outside lower center", ncols=3)
    return fig


COST_LABEL = "log2 of checked cost (kernel operations)"
DIMENSION_LABEL = "log2 of effective dimension of the unexplained part (the paper's)"


def cost_chart(points: list[Point], k: int):
    """The chart of one K: normalised bound against log2 of the checked cost. Needs matplotlib."""
    return scatter(require_matplotlib(), [p for p in points if p.k == k], k, cost_x, COST_LABEL, "checked cost")


def figures(points: list[Point], by: str = "group") -> dict[str, object]:
    """Every chart, by file stem: per K the bound against cost and against effective dimension,
    and the summary. Needs matplotlib."""
    Figure = require_matplotlib()
    charts = {}
    for k in sorted({p.k for p in points}):
        at_k = [p for p in points if p.k == k]
        charts[f"k{k}-bound-vs-cost"] = cost_chart(at_k, k)
        charts[f"k{k}-bound-vs-effective-dimension"] = scatter(Figure, at_k, k, dimension_x, DIMENSION_LABEL,
                                                               "effective dimension")
    if points:
        charts["summary"] = summary(Figure, points, by)
    return charts


def save(figure, path: Path) -> Path:
    """Write a chart; its format from the suffix (png or svg), with no date or version stamp."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".").lower()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(path, format=fmt, metadata=metadata)
    return path


def png_bytes(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def load(inputs: list[str], models: Path) -> list[Point]:
    """The points of the inputs that have a model card; what is left out is said on stderr."""
    points, dropped = [], []
    for source in inputs:
        found, skipped = read_points(source, models)
        points += found
        dropped += skipped
    points, missing = with_cards(points, Cards(models))
    if not points:
        first = f" ({(missing or dropped)[0]})" if missing or dropped else ""
        raise Unusable(f"nothing to plot: no proved bound in {', '.join(inputs)} has a model card under "
                       f"{models}{first}")
    for lines, what in ((dropped, "that are not proved bounds or cannot be read"),
                        (missing, "without a model card (matched by digest)")):
        if lines:
            shown = "; ".join(lines[:3]) + ("; ..." if len(lines) > 3 else "")
            print(f"plot: left out {len(lines)} entries {what}: {shown}", file=sys.stderr)
    return points


def main(argv: list[str] | None = None, prog: str = "compact-proofs plot") -> int:
    from compact_proofs.cli import run_command

    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="verify --format json reports or sweep results files ('-' reads standard input)")
    parser.add_argument("--models", type=Path, default=Path("models"),
                        help="the model cards, matched by digest (default models/)")
    parser.add_argument("--out", type=Path, default=Path("out/plot"), help="folder for the charts (default out/plot)")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS), help="default: png svg")
    parser.add_argument("--summary-by", choices=("group", "configuration"), default="group",
                        help="the summary's strategies: groups (default) or each configuration")

    def body() -> int:
        args = parser.parse_args(argv)
        require_matplotlib()
        points = load(args.inputs, args.models)
        for stem, figure in figures(points, args.summary_by).items():
            for fmt in args.formats:
                print(save(figure, args.out / f"{stem}.{fmt}"))
        return 0
    return run_command(prog, body)


if __name__ == "__main__":
    raise SystemExit(main())
