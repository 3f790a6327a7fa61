"""The shipped model zoo: K = 4, 5, 10, 20 with the first 10 paper seeds each, as
``models/k<K>/seed<S>.safetensors`` plus ``seed<S>.card.json``. Regenerating deletes those
files for each chosen K and retrains them from scratch.

    python -m compact_proofs.training.zoo --jobs 2            # all 40 models
    python -m compact_proofs.training.zoo --jobs 2 --k 4      # only models/k4/
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from compact_proofs.training.seeds import SEEDS
from compact_proofs.training.train import run

ZOO_KS = (4, 5, 10, 20)
ZOO_SEEDS = SEEDS[:10]
ZOO_DIR = Path(__file__).resolve().parent.parent / "models"


def regenerate(ks: tuple[int, ...] = ZOO_KS, n_workers: int = 1, out: Path = ZOO_DIR) -> list[dict]:
    """Delete and retrain the zoo models for ``ks``; returns their cards."""
    for k in ks:
        for old in [*(out / f"k{k}").glob("seed*.safetensors"), *(out / f"k{k}").glob("seed*.card.json")]:
            old.unlink()
    return run([(k, seed) for k in ks for seed in ZOO_SEEDS], out, n_workers)


def summary(cards: list[dict]) -> str:
    """One line per K: accuracy min / median / mean and mean training time."""
    lines = []
    for k in sorted({card["k"] for card in cards}):
        group = [card for card in cards if card["k"] == k]
        acc = [card["accuracy"]["accuracy"] for card in group]
        secs = [card["training"]["seconds"] for card in group]
        cpu = [card["training"]["cpu_seconds"] for card in group]
        lines.append(f"K={k:<2} {len(group)} models ({group[0]['accuracy']['method']}): accuracy min "
                     f"{min(acc):.6f} median {statistics.median(acc):.6f} mean {statistics.fmean(acc):.6f}; "
                     f"training {statistics.fmean(secs):.1f} s ({statistics.fmean(cpu):.1f} s CPU) per model")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m compact_proofs.training.zoo", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--k", type=int, nargs="+", choices=ZOO_KS, default=list(ZOO_KS),
                        help="which K to regenerate (default all)")
    args = parser.parse_args(argv)
    print(summary(regenerate(tuple(args.k), args.jobs)))


if __name__ == "__main__":
    main()
