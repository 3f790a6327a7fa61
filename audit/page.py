"""The report as a web page that opens from disk: ``compact-proofs report --html DIR``.

DIR/index.html holds the results table, every chart (PNG, inline as data URIs) and one row per
certificate linking to its verify report, DIR/verify/<certificate's path under the
certificates folder> (a ``compact-proofs-verify-report`` of that one certificate). No script, no
style sheet or image from elsewhere: the page needs no server and no network.
"""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path

from compact_proofs.audit.results import Point, colour, label
from compact_proofs.checker.result import Result

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 78em; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; white-space: nowrap; }
.wide { overflow-x: auto; }
th { background: #f3f3f3; } td.text, th.text { text-align: left; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; border-radius: 50%; }
figure { display: inline-block; margin: 0.5em; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; } code { font-size: 0.95em; }
"""


def _cell(value: object, text: bool = False) -> str:
    return f"<td class=\"text\">{value}</td>" if text else f"<td>{value}</td>"


def _number(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if x < 1e5 else f"{x:.3e}"


def _group(group: str) -> str:
    return f"<span class=\"swatch\" style=\"background:{colour(group)}\"></span>{html.escape(label(group))}"


def summary_table(rows: list[dict]) -> str:
    head = ("K", "proof", "models", "accuracy (cards)", "bound (verified)", "normalised", "paper, normalised",
            "checked ops", "FLOPs (paper's count)", "eff. dim.", "hint numbers", "verify s")
    lines = ["<div class=\"wide\"><table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for r in rows:
        cells = [_cell(r["k"]), _cell(_group(r["group"]), True), _cell(r["models"]),
                 _cell(f"{r['accuracy_mean']:.4f} ± {r['accuracy_std']:.4f} ({html.escape(r['accuracy_method'])})"),
                 _cell(f"{r['bound_mean']:.4f} ± {r['bound_std']:.4f}"),
                 _cell(f"{r['normalised_mean']:.4f} ± {r['normalised_std']:.4f}"),
                 _cell(html.escape(r["paper_normalised"])), _cell(_number(r["operations_mean"])),
                 _cell(_number(r["flop_estimate_mean"])), _cell(_number(r["effective_dimension_mean"])),
                 _cell(_number(r["hint_numbers_mean"])), _cell(f"{r['verify_seconds_mean']:.2f}")]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(lines + ["</table></div>"])


def report_path(certificates: Path, certificate: Path) -> Path:
    """Where a certificate's verify report goes under DIR: verify/<its path under certificates>."""
    relative = Path(os.path.relpath(certificate, certificates))
    parts = [p if p != ".." else "_" for p in relative.parts]
    return Path("verify", *parts)


def write_reports(folder: Path, certificates: Path, checked: list[tuple[Point, Result, dict]]) -> list[Path]:
    """One verify report (format compact-proofs-verify-report) per certificate; their paths under ``folder``."""
    from compact_proofs.verify.cli import environment
    from compact_proofs.verify.formats import Report, report_dict

    env, written = environment(), []
    for point, result, measured in checked:
        relative = report_path(certificates, Path(point.source))
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        report = Report([result], env, exit_code=result.exit_code, comparisons={result.path: measured})
        target.write_text(json.dumps(report_dict(report), indent=2) + "\n")
        written.append(relative)
    return written


def certificate_table(checked: list[tuple[Point, Result, dict]], links: list[Path]) -> str:
    head = ("certificate (its verify report)", "K", "seed", "group", "configuration", "bound", "normalised",
            "checked ops", "FLOPs (paper's count)", "eff. dim.", "hint numbers", "verify s")
    lines = ["<div class=\"wide\"><table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for (point, result, _), link in zip(checked, links):
        assert point.card is not None
        href = html.escape(link.as_posix(), quote=True)
        cells = [_cell(f"<a href=\"{href}\"><code>{html.escape(point.source)}</code></a>", True), _cell(point.k),
                 _cell(point.card.seed if point.card.seed is not None else "-"), _cell(_group(point.group), True),
                 _cell(html.escape(point.configuration or "-"), True), _cell(f"{float(point.bound):.6f}"),
                 _cell(f"{point.normalised:.4f}"), _cell(_number(point.operations)),
                 _cell(_number(point.flop_estimate)), _cell(_number(point.effective_dimension)),
                 _cell(_number(point.hint_numbers)), _cell(f"{result.seconds:.2f}")]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(lines + ["</table></div>"])


def caption_of(stem: str) -> str:
    """'k4-bound-vs-cost' -> 'K = 4: bound against checked cost'."""
    if stem == "summary":
        return "every K: mean ± std over seeds per strategy group"
    k, what = stem.split("-", 1)
    return f"K = {k[1:]}: bound against " + {"bound-vs-cost": "checked cost"}.get(what, "effective dimension")


def charts(points: list[Point]) -> str:
    """Every chart of ``audit.plot`` as an inline PNG."""
    from compact_proofs.audit import plot

    parts = []
    for stem, figure in plot.figures(points).items():
        data = base64.b64encode(plot.png_bytes(figure)).decode("ascii")
        caption = html.escape(caption_of(stem))
        parts.append(f"<figure><img src=\"data:image/png;base64,{data}\" alt=\"{caption}\">"
                     f"<figcaption>{caption}</figcaption></figure>")
    return "\n".join(parts)


def write(folder: Path, certificates: Path, checked: list[tuple[Point, Result, dict]], rows: list[dict]) -> Path:
    """Write DIR/index.html and the verify reports; returns the page's path."""
    from compact_proofs import __version__

    folder.mkdir(parents=True, exist_ok=True)
    links = write_reports(folder, certificates, checked)
    points = [p for p, _, _ in checked]
    models = len({p.digest for p in points})
    body = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>compact-proofs: verified bounds</title>
<style>{STYLE}</style>
</head>
<body>
<h1>compact-proofs: verified accuracy bounds of {models} models ({len(points)} certificates)</h1>
<p>Every bound below was proved by the kernel of compact-proofs {html.escape(__version__)} when this page was
written (<code>compact-proofs report --html</code>). <em>Normalised</em> is the bound over the model's accuracy,
from its model card, matched by the model's digest. <em>Checked ops</em> is the work the kernel counted while
checking; <em>FLOPs</em> and <em>effective dimension</em> are the same proofs measured in the conventions of
Gross et al. (2024), whose figures are in the <em>paper</em> column.</p>
<h2>Results</h2>
{summary_table(rows)}
<h2>Charts</h2>
<p>The paper reports no checked cost; its figures (hollow stars) sit at the mean cost (or effective
dimension) of this project's proofs of the same group.</p>
{charts(points)}
<h2>Certificates</h2>
<p>Each links to its verify report (<code>compact-proofs-verify-report</code> JSON), written beside this page.</p>
{certificate_table(checked, links)}
</body>
</html>
"""
    index = folder / "index.html"
    index.write_text(body, encoding="utf-8")
    return index
