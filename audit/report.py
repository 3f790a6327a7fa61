"""``compact-proofs report``: the results table of the shipped proofs, beside the paper's figures.

Every certificate under --certificates (found by content, as ``verify`` finds them) is checked by
the kernel and matched to its model card by the model's digest, never by its file name. A
certificate whose digest has no card under --models is refused, and so is one whose name says
another model (k<K>-seed<S>.json for a card of another K or seed) or that proves a model its
group already has (the table counts each model once per group). One row per K present and
strategy group (brute force, cubic, the sub-cubic groups, hybrid): the models, their accuracy
(cards: exact for K <= 5, sampled above), the verified bound, the normalised bound (bound /
accuracy) and the paper's, the checked cost (the kernel's counted operations), the paper's
measures (FLOP estimate, effective dimension; ``audit.conventions``), the hint numbers and the
verify time.

  compact-proofs report                                     # print the Markdown table
  compact-proofs report --readme README.md --chart audit/figures/k4.png
  compact-proofs report --csv out/results.csv --json out/results.json --html out/report
  compact-proofs report --sweep audit/sweeps/zoo.json       # the table of sweeps' results

--sweep reads sweeps' results files (``compact-proofs sweep``) instead of certificates: the rows
the sweeps' own kernel runs verified, each model's best per group (the highest bound; on a tie,
the fewer counted operations), matched to the cards by digest. --keep-best FILE writes those rows
as a sweep results file (what the repository keeps of a sweep: its certificates are not kept).

--readme replaces the table between the markers in that file; --chart draws the chart of one K
(--chart-k, default 4; PNG or SVG by the suffix); --html DIR writes a page that opens from disk
(the table, every chart inline, one row per certificate linking to its verify report, which is
written beside it). Charts need matplotlib: pip install 'compact-proofs[plot]'.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import statistics
from fractions import Fraction
from pathlib import Path

from compact_proofs.audit import conventions
from compact_proofs.audit.results import MEASURES, Cards, Point, from_sweep, group_order, label, paper_text, \
    row_group, with_cards
from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.certificate import read_certificate
from compact_proofs.checker.kernel import check
from compact_proofs.checker.result import Result

START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"
SWEEP_MARKERS = ("<!-- sweep-table:start -->", "<!-- sweep-table:end -->")  # --readme with --sweep
_NAME = re.compile(r"k(\d+)-seed(\d+)")
RESULTS_FORMAT, RESULTS_VERSION = "compact-proofs-results", "1.0"


def find(models: Path, certificates: Path) -> list[tuple[Path, dict, Point]]:
    """Every certificate under ``certificates`` with its comparison and its (unverified) point,
    matched to its model card by digest; ``Unusable`` names the first that cannot be matched."""
    from compact_proofs.verify import discover

    cards = Cards(models)
    if not cards.by_digest:
        raise Unusable(f"{models}: no model cards (*.card.json) here; see --models")
    paths, _ = discover.collect([str(certificates)])
    if not paths:
        raise Unusable(f"{certificates}: no certificates here; see --certificates")
    found, seen = [], {}
    for path in paths:
        cert = read_certificate(path)
        measured = conventions.comparison(path)
        if measured is None:
            raise Unusable(f"{path}: not a certificate the report can read")
        card = cards.get(cert.digest)
        if card is None:
            raise Unusable(f"{path}: no model card under {models} has its model digest {cert.digest}; "
                           f"see --models")
        named = _NAME.fullmatch(path.stem)
        if named and (int(named[1]), int(named[2])) != (card.k, card.seed):
            raise Unusable(f"{path}: named for K={named[1]} seed {named[2]}, but its model digest is that of "
                           f"{card.path} (K={card.k}, seed {card.seed}); name it k{card.k}-seed{card.seed}.json")
        key = (measured["group"], cert.digest)
        if key in seen:
            raise Unusable(f"{path}: proves the model of {card.path} in the group {label(key[0])}, as {seen[key]} "
                           f"does; the table counts each model once per group")
        seen[key] = path
        point = Point(str(path), measured["k"], measured["group"], measured["configuration"], cert.digest,
                      cert.claimed, 0, None, measured["flop_estimate"], measured["effective_dimension"],
                      measured["hint_numbers"], card)
        found.append((path, measured, point))
    return found


def verify_all(found: list[tuple[Path, dict, Point]], jobs: int) -> list[tuple[Point, Result, dict]]:
    """Check every certificate with the kernel; the points get the proved bound, counted cost and
    seconds. A certificate that is not verified ends the report (exit 1)."""
    from compact_proofs.verify import progress

    show = progress.meter("report: verifying", progress.wanted())
    checked = []
    for done, (path, measured, point) in enumerate(found, 1):
        result = check(path, jobs=jobs)
        if result.verdict != "verified" or result.bound is None:
            raise SystemExit(f"{path}: {result.verdict}: {result.reason}")
        point.bound, point.operations, point.seconds = result.bound, result.operations, result.seconds
        checked.append((point, result, measured))
        if show:
            show(done, len(found))
    return checked


def ranked(row: dict, where: str, i: int) -> tuple[tuple[str, str], tuple[Fraction, int]]:
    """A verified sweep row's (model digest, group) and its rank (bound, fewer operations first);
    ``Unusable`` names row ``i`` of ``where`` if it has no digest, K, bound 'N/D' or count of
    operations."""
    try:
        int(row["k"])
        return (str(row["digest"]), row_group(row)), (Fraction(str(row["bound"])), -int(row["operations"]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise Unusable(f"{where}: row {i} ({row.get('configuration')}): unusable "
                       f"({type(exc).__name__}: {exc})") from None


def best_rows(rows: list[dict], where: str) -> list[dict]:
    """A sweep's verified rows reduced to each model's best per strategy group (the highest bound;
    on a tie, the fewer counted operations), K, model and group ascending. A kept row gets the
    paper's measures (``MEASURES``) of its certificate where that file exists, and loses the
    certificate's path. ``Unusable`` as ``ranked``."""
    best: dict[tuple[str, str], tuple[tuple[Fraction, int], dict]] = {}
    for i, row in enumerate(rows):
        if row.get("verdict") != "verified":
            continue
        key, rank = ranked(row, where, i)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, row)
    kept = []
    for _, row in best.values():
        row = dict(row)
        certificate = row.pop("certificate", None)
        measured = conventions.comparison(certificate) if certificate and Path(certificate).is_file() else None
        if measured:
            row.update({m: measured[m] for m in MEASURES})
        kept.append(row)
    return sorted(kept, key=lambda r: (int(r["k"]), str(r.get("model")), group_order(row_group(r))))


def read_sweep(results: Path) -> dict:
    """A sweep's results document (a dict with ``rows``), or ``Unusable`` naming the file."""
    try:
        doc = json.loads(results.read_text(encoding="utf-8"))
    except OSError as exc:
        raise Unusable(f"{results}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise Unusable(f"{results}: not JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
        raise Unusable(f"{results}: not a sweep's results (a document with rows; compact-proofs sweep)")
    doc["rows"] = [r for r in doc["rows"] if isinstance(r, dict)]
    for i, row in enumerate(doc["rows"]):
        if row.get("verdict") == "verified":
            ranked(row, str(results), i)  # usable, or Unusable naming the row in this file
    return doc


def sweep_points(results: list[Path], models: Path, keep_best: Path | None) -> list[Point]:
    """The points of one or more sweeps' results files: each model's best verified row per group
    over all of them, matched to its card by digest (``Unusable`` for a row whose digest has no
    card). The reduced rows are written to ``keep_best`` if given, with each source's run (its
    results document without its rows)."""
    docs = [read_sweep(path) for path in results]
    where = ", ".join(map(str, results))
    rows = best_rows([row for doc in docs for row in doc["rows"]], where)
    if not rows:
        raise Unusable(f"{where}: no verified row (a sweep whose every pair failed, or no rows)")
    if keep_best:
        keep_best.parent.mkdir(parents=True, exist_ok=True)
        runs = [{k: v for k, v in doc.items() if k != "rows"} for doc in docs]
        reduced = "each model's best verified row per strategy group (compact-proofs report --keep-best)"
        head = json.dumps({"runs": runs, "reduced": reduced, "rows": []}, indent=1)
        lines = ",\n".join("  " + json.dumps(row) for row in rows)  # a row per line
        keep_best.write_text(head.removesuffix("[]\n}") + f"[\n{lines}\n ]\n}}\n")
    points, dropped = from_sweep(rows, where, models)
    points, missing = with_cards(points, Cards(models))
    if dropped or missing:
        raise Unusable((dropped + missing)[0])
    return points


# --- the table --------------------------------------------------------------------------------------

COLUMNS = ("k", "group", "proof", "models", "accuracy_mean", "accuracy_std", "accuracy_method", "bound_mean",
           "bound_std", "normalised_mean", "normalised_std", "paper_normalised", "operations_mean",
           "flop_estimate_mean", "effective_dimension_mean", "hint_numbers_mean", "verify_seconds_mean")


def _mean(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.mean(present) if present else None


def table(points: list[Point]) -> list[dict]:
    """One row per K and group (K ascending, groups in their order), as dicts of ``COLUMNS``."""
    rows = []
    for k, group in sorted({(p.k, p.group) for p in points}, key=lambda kg: (kg[0], group_order(kg[1]))):
        members = [p for p in points if p.k == k and p.group == group]
        acc = [p.card.accuracy for p in members if p.card]
        bound = [float(p.bound) for p in members]
        norm = [p.normalised for p in members]
        std = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0  # noqa: E731
        methods = sorted({p.card.method for p in members if p.card})
        rows.append({"k": k, "group": group, "proof": label(group), "models": len(members),
                     "accuracy_mean": statistics.mean(acc), "accuracy_std": std(acc),
                     "accuracy_method": "/".join(methods), "bound_mean": statistics.mean(bound),
                     "bound_std": std(bound), "normalised_mean": statistics.mean(norm), "normalised_std": std(norm),
                     "paper_normalised": paper_text(group, k),
                     "operations_mean": _mean([p.operations for p in members]),
                     "flop_estimate_mean": _mean([p.flop_estimate for p in members]),
                     "effective_dimension_mean": _mean([p.effective_dimension for p in members]),
                     "hint_numbers_mean": _mean([p.hint_numbers for p in members]),
                     "verify_seconds_mean": _mean([p.seconds for p in members])})
    return rows


def _count(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if x < 1e5 else f"{x:.2e}"


def markdown(rows: list[dict]) -> str:
    lines = ["| K | proof | models | accuracy (cards) | bound (verified) | normalised | paper, normalised | "
             "checked ops | FLOPs (paper's count) | eff. dim. | hint numbers | verify s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['k']} | {r['proof']} | {r['models']} | {r['accuracy_mean']:.4f} ± {r['accuracy_std']:.4f} "
                     f"({r['accuracy_method']}) | {r['bound_mean']:.4f} ± {r['bound_std']:.4f} | "
                     f"{r['normalised_mean']:.4f} ± {r['normalised_std']:.4f} | {r['paper_normalised']} | "
                     f"{_count(r['operations_mean'])} | {_count(r['flop_estimate_mean'])} | "
                     f"{_count(r['effective_dimension_mean'])} | {_count(r['hint_numbers_mean'])} | "
                     f"{r['verify_seconds_mean']:.2f} |")
    return "\n".join(lines)


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def certificate_dict(point: Point, result: Result) -> dict:
    """One certificate's line of the results: its model (card), bound, cost and measures."""
    from compact_proofs.verify.formats import fraction_text

    assert point.card is not None
    return {"path": point.source, "k": point.k, "group": point.group, "configuration": point.configuration,
            "model_digest": point.digest, "card": str(point.card.path), "seed": point.card.seed,
            "accuracy": point.card.accuracy, "bound": fraction_text(result.bound, result.total),
            "normalised": point.normalised, "operations": point.operations, "cost": result.cost,
            "flop_estimate": point.flop_estimate, "effective_dimension": point.effective_dimension,
            "hint_numbers": point.hint_numbers, "seconds": round(result.seconds, 3)}


def json_text(rows: list[dict], checked: list[tuple[Point, Result, dict]]) -> str:
    doc = {"format": RESULTS_FORMAT, "version": RESULTS_VERSION, "rows": rows,
           "certificates": [certificate_dict(p, r) for p, r, _ in checked]}
    return json.dumps(doc, indent=2) + "\n"


def replace_table(readme: Path, text: str, markers: tuple[str, str] = (START, END)) -> None:
    """Replace the table between the markers in ``readme`` (both markers must be there)."""
    start, end = markers
    old = readme.read_text()
    if start not in old or end not in old:
        raise Unusable(f"{readme}: no {start} ... {end} markers to put the table between")
    readme.write_text(re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: f"{start}\n{text}\n{end}", old,
                             flags=re.S))


def main(argv: list[str] | None = None, prog: str = "compact-proofs report") -> int:
    from compact_proofs.cli import run_command

    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=Path("models"),
                        help="the model zoo: its cards, matched by digest (default models/)")
    parser.add_argument("--certificates", type=Path, default=Path("certificates"),
                        help="the certificates, found by content (default certificates/)")
    parser.add_argument("--readme", type=Path, help="replace the table between the markers in this file")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the Markdown table here")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write the table as CSV")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the table and each certificate's line as JSON")
    parser.add_argument("--chart", type=Path, metavar="FILE", help="draw the chart of --chart-k (PNG or SVG)")
    parser.add_argument("--chart-k", type=int, default=4, metavar="K", help="the K of --chart (default 4)")
    parser.add_argument("--html", type=Path, metavar="DIR",
                        help="write a self-contained page (DIR/index.html) with the verify reports beside it")
    parser.add_argument("--jobs", type=int, default=2, metavar="N", help="brute-force workers (default 2)")
    parser.add_argument("--sweep", type=Path, nargs="+", metavar="RESULTS",
                        help="the table of sweeps' results files instead of the certificates (each model's "
                             "best verified row per group over them all); --readme then fills the "
                             "sweep-table markers")
    parser.add_argument("--keep-best", type=Path, metavar="FILE",
                        help="with --sweep: write those best rows as a sweep results file")

    def body() -> int:
        args = parser.parse_args(argv)
        if args.chart or args.html:
            from compact_proofs.audit.plot import require_matplotlib

            require_matplotlib()  # before the checks, not after them
        if args.keep_best and not args.sweep:
            raise Unusable("--keep-best needs --sweep (the results file to reduce)")
        if args.sweep and args.html:
            raise Unusable("--html shows certificates and their verify reports; a sweep's results have neither")
        if args.sweep:
            points, checked = sweep_points(args.sweep, args.models, args.keep_best), []
            if args.chart and not any(point.k == args.chart_k for point in points):
                raise Unusable(f"--chart: no proof of K={args.chart_k} in the sweep (see --chart-k)")
        else:
            found = find(args.models, args.certificates)
            if args.chart and not any(point.k == args.chart_k for _, _, point in found):
                raise Unusable(f"--chart: no certificate of K={args.chart_k} under {args.certificates} "
                               f"(see --chart-k)")
            checked = verify_all(found, max(1, args.jobs))
            points = [p for p, _, _ in checked]
        rows = table(points)
        text = markdown(rows)
        print(text)
        if args.readme:
            replace_table(args.readme, text, SWEEP_MARKERS if args.sweep else (START, END))
        for path, content in ((args.markdown, text + "\n"), (args.csv, csv_text(rows)),
                              (args.json, json_text(rows, checked))):
            if path:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
        if args.chart:
            from compact_proofs.audit import plot

            plot.save(plot.cost_chart(points, args.chart_k), args.chart)
        if args.html:
            from compact_proofs.audit import page

            print(page.write(args.html, args.certificates, checked, rows))
        return 0
    return run_command(prog, body)


if __name__ == "__main__":
    raise SystemExit(main())
