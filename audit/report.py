"""The README's results table: per K and proof (the cubic proof, and the best sub-cubic
certificate of each group), true accuracy, the verified bound, the normalised bound (bound /
accuracy) and the paper's normalised figure. Every bound is re-verified by the kernel here;
accuracies come from the model cards (exact for K <= 5, sampled for K >= 10).

  compact-proofs report                       # print the Markdown table
  compact-proofs report --readme README.md    # also replace it between the markers
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from pathlib import Path

from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.kernel import check

PAPER_NORMALISED = {4: (0.954, 0.008), 5: (0.942, 0.010), 10: (0.915, 0.021), 20: (0.888, 0.036)}
# (folder under certificates/, label, the paper's normalised figure per K: mean, std over 151 seeds,
# or a text where the paper gives a range)
PROOFS = (("cubic", "cubic", PAPER_NORMALISED),
          ("subcubic/reference-subcubic", "sub-cubic, paper's configurations (best)",
           {4: (0.700, 0.036), 5: (0.702, 0.033), 10: (0.673, 0.030), 20: (0.563, 0.041)}),
          ("subcubic/reference-quadratic", "attention-quadratic, paper's configurations (best)",
           {k: "≈ 0.32–0.39" for k in (4, 5, 10, 20)}),
          ("subcubic/ours", "sub-cubic, ours (best)", {}))
START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"


def mean_std(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {spread:.4f}"


def rows(models: Path, certificates: Path) -> list[str]:
    lines = ["| K | proof | models | accuracy (cards) | bound (verified) | normalised | paper, normalised | verify s/model |",
             "|---|---|---|---|---|---|---|---|"]
    for k in PAPER_NORMALISED:
        for folder, label, paper in PROOFS:
            lines += _row(models, certificates / folder, k, label, paper.get(k))
    return lines


def _row(models: Path, folder: Path, k: int, label: str, paper) -> list[str]:
    """The table row of the certificates k<K>-*.json in ``folder`` (none if there are none)."""
    acc, bound, norm, seconds = [], [], [], []
    for cert in sorted(folder.glob(f"k{k}-*.json")):
        card_path = models / f"k{k}" / f"{cert.stem.split('-', 1)[1]}.card.json"
        if not card_path.is_file():
            raise Unusable(f"{card_path}: model card not found (the accuracy of {cert}); see --models")
        card = json.loads(card_path.read_text())
        result = check(cert)
        if result.verdict != "verified":
            raise SystemExit(f"{cert}: {result.verdict}: {result.reason}")
        acc.append(card["accuracy"]["accuracy"])
        bound.append(float(result.bound))
        norm.append(bound[-1] / acc[-1])
        seconds.append(result.seconds)
    if not acc:
        return []
    method = "exact" if card["accuracy"]["method"] == "exhaustive" else "sampled"
    paper_text = "-" if paper is None else paper if isinstance(paper, str) else f"{paper[0]:.3f} ± {paper[1]:.3f}"
    return [f"| {k} | {label} | {len(acc)} | {mean_std(acc)} ({method}) | {mean_std(bound)} | {mean_std(norm)} | "
            f"{paper_text} | {statistics.mean(seconds):.2f} |"]


def main(argv: list[str] | None = None, prog: str = "compact-proofs report") -> int:
    from compact_proofs.cli import run_command

    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=Path("models"), help="the model zoo (default models/)")
    parser.add_argument("--certificates", type=Path, default=Path("certificates"),
                        help="the certificates (default certificates/; reads its cubic/ folder)")
    parser.add_argument("--readme", type=Path, help="replace the table between the markers in this file")

    def body() -> int:
        args = parser.parse_args(argv)
        table = "\n".join(rows(args.models, args.certificates))
        print(table)
        if args.readme:
            text = args.readme.read_text()
            new = re.sub(re.escape(START) + ".*?" + re.escape(END), f"{START}\n{table}\n{END}", text, flags=re.S)
            args.readme.write_text(new)
        return 0
    return run_command(prog, body)


if __name__ == "__main__":
    raise SystemExit(main())
