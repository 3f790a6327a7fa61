"""The README's results table: per K, true accuracy, the verified cubic bound, the normalised
bound (bound / accuracy) and the paper's normalised figure. Every bound is re-verified by the
kernel here; accuracies come from the model cards (exact for K <= 5, sampled for K >= 10).

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
START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"


def mean_std(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {spread:.4f}"


def rows(models: Path, certificates: Path) -> list[str]:
    lines = ["| K | models | accuracy (cards) | cubic bound (verified) | normalised | paper, normalised | verify s/model |",
             "|---|---|---|---|---|---|---|"]
    for k, (paper_mean, paper_std) in PAPER_NORMALISED.items():
        acc, bound, norm, seconds = [], [], [], []
        for cert in sorted((certificates / "cubic").glob(f"k{k}-*.json")):
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
        if acc:
            method = "exact" if card["accuracy"]["method"] == "exhaustive" else "sampled"
            lines.append(f"| {k} | {len(acc)} | {mean_std(acc)} ({method}) | {mean_std(bound)} | {mean_std(norm)} | "
                         f"{paper_mean:.3f} ± {paper_std:.3f} | {statistics.mean(seconds):.2f} |")
    return lines


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
