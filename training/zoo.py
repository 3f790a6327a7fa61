"""The shipped model zoo: K = 4, 5, 10, 20 with the first 10 paper seeds each, as
``<out>/k<K>/seed<S>.safetensors`` plus ``seed<S>.card.json``. Regenerating retrains each chosen
model from scratch and overwrites exactly its two files; nothing else is written or deleted.
``<out>`` is ``models/`` in the current directory unless ``--out`` says otherwise, and never a
folder inside the installed package.

    compact-proofs zoo --jobs 2                     # all 40 models into ./models/
    compact-proofs zoo --jobs 2 --k 4 --out zoo/    # only zoo/k4/
"""

from __future__ import annotations

import argparse
import statistics
import sys
import sysconfig
from pathlib import Path

import compact_proofs
from compact_proofs.training.seeds import SEEDS
from compact_proofs.training.train import run

ZOO_KS = (4, 5, 10, 20)
ZOO_SEEDS = SEEDS[:10]


def installation_folder(out: Path) -> Path | None:
    """The installation folder (this package's own, or site-packages) that ``out`` lies in, if any."""
    paths = sysconfig.get_paths()
    folders = [Path(compact_proofs.__file__).resolve().parent, Path(paths["purelib"]), Path(paths["platlib"])]
    return next((f.resolve() for f in folders if out.resolve().is_relative_to(f.resolve())), None)


def regenerate(out: Path, ks: tuple[int, ...] = ZOO_KS, seeds: tuple[int, ...] = ZOO_SEEDS,
               n_workers: int = 1) -> list[dict]:
    """Retrain the zoo models for ``ks`` and ``seeds`` into ``out``; returns their cards."""
    if installation_folder(out):
        raise ValueError(f"{out} is inside the installation ({installation_folder(out)})")
    return run([(k, seed) for k in ks for seed in seeds], out, n_workers)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="compact-proofs zoo", description=__doc__.split("\n\n")[0],
                                     epilog="\n".join(__doc__.splitlines()[-3:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("models"),
                        help="output folder (default: models/ in the current directory)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--k", type=int, nargs="+", choices=ZOO_KS, default=list(ZOO_KS),
                        help="which K to regenerate (default all)")
    parser.add_argument("--seeds", type=int, nargs="+", choices=ZOO_SEEDS, default=list(ZOO_SEEDS), metavar="S",
                        help=f"which of the zoo's seeds to regenerate (default all: {' '.join(map(str, ZOO_SEEDS))})")
    args = parser.parse_args(argv)
    if installation_folder(args.out):
        print(f"compact-proofs zoo: --out {args.out} is inside the installation ({installation_folder(args.out)}); "
              "give a folder of your own", file=sys.stderr)
        return 2
    print(summary(regenerate(args.out, tuple(args.k), tuple(args.seeds), args.jobs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
