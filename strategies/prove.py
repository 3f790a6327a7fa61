"""``compact-proofs prove``: run a strategy on exported weights and write its certificate.

  compact-proofs prove --strategy cubic models/k4/seed50.safetensors -o certificates/cubic/k4-seed50.json
  compact-proofs prove --zoo models/ --out certificates/      (every shipped certificate)
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

from compact_proofs.checker.errors import CheckError
from compact_proofs.checker.io.weights import load_model
from compact_proofs.strategies import brute_force, cubic
from compact_proofs.strategies.certificate import envelope, write
from compact_proofs.training.seeds import SEEDS

STRATEGIES = {"brute_force": brute_force.prove, "cubic": cubic.prove}
ZOO_STRATEGIES = {"brute_force": (4,), "cubic": (4, 5, 10, 20)}  # which K each ships for
SHIPPED_SEEDS = SEEDS[:10]  # which seeds of each K ship certificates (models/k4 has all 151)


def prove_one(weights: Path, strategy: str, out: Path) -> dict:
    """Prove one model with one strategy and write the certificate; return a summary row."""
    model = load_model(weights)
    proof, covered, stats = STRATEGIES[strategy](model)
    total = model.config.d_vocab ** model.config.n_ctx
    claimed = Fraction(covered, total)
    write(out, envelope(model, weights, out, claimed, strategy, stats, proof))
    return {"certificate": str(out), "claimed": float(claimed), **stats}


def zoo_jobs(models: Path, out: Path) -> list[tuple[Path, str, Path]]:
    """(weights, strategy, certificate path) for every shipped certificate."""
    jobs = []
    for strategy, ks in ZOO_STRATEGIES.items():
        for k in ks:
            for weights in sorted((models / f"k{k}").glob("*.safetensors")):
                if weights.stem in {f"seed{seed}" for seed in SHIPPED_SEEDS}:
                    jobs.append((weights, strategy, out / strategy / f"k{k}-{weights.stem}.json"))
    return jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="compact-proofs prove", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights", nargs="?", type=Path,
                        help="a .safetensors or torch .pt model (its config: in the file, in <file>.config.json "
                             "beside it, e.g. a TransformerLens cfg.to_dict(), or inferred from the shapes)")
    parser.add_argument("--strategy", choices=sorted(STRATEGIES),
                        help="the strategy (default cubic; with --zoo, only this strategy's certificates)")
    parser.add_argument("-o", "--output", type=Path, help="certificate path (with a single model)")
    parser.add_argument("--zoo", type=Path, metavar="MODELS", help="prove every shipped model under MODELS")
    parser.add_argument("--out", type=Path, default=Path("certificates"), help="with --zoo: output folder")
    args = parser.parse_args(argv)
    if args.zoo:
        jobs = [job for job in zoo_jobs(args.zoo, args.out) if args.strategy in (None, job[1])]
    elif args.weights and args.output:
        jobs = [(args.weights, args.strategy or "cubic", args.output)]
    else:
        parser.error("give WEIGHTS with -o OUTPUT, or --zoo MODELS")
    for n, (weights, strategy, out) in enumerate(jobs, 1):
        try:
            row = prove_one(weights, strategy, out)
        except CheckError as exc:  # an unusable model: its one-line reason, no traceback
            print(f"compact-proofs prove: {exc}", file=sys.stderr)
            return 2
        print(f"[{n}/{len(jobs)}] {strategy:11s} {weights}: claims {row['claimed']:.6f} "
              f"({row['seconds']:.2f} s) -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
