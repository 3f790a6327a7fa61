"""The shipped model zoo: K = 4 with all 151 paper seeds, K = 5, 10, 20 with the first 10 each, as
``<out>/k<K>/seed<S>.safetensors`` plus ``seed<S>.card.json``. Regenerating retrains each chosen
model from scratch and overwrites exactly its two files; nothing else is written or deleted.
``<out>`` is ``models/`` in the current directory unless ``--out`` says otherwise, and never a
folder inside the installed package.

    compact-proofs zoo --jobs 2                     # all 181 models into ./models/
    compact-proofs zoo --jobs 2 --k 4 --out zoo/    # only zoo/k4/
    compact-proofs zoo --summary                    # statistics of the cards in ./models/
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import sysconfig
from pathlib import Path

import compact_proofs
from compact_proofs.training.seeds import SEEDS
from compact_proofs.training.train import run

ZOO_KS = (4, 5, 10, 20)
ZOO_SEEDS = {4: SEEDS, 5: SEEDS[:10], 10: SEEDS[:10], 20: SEEDS[:10]}   # why: README, *Training*


def installation_folder(out: Path) -> Path | None:
    """The installation folder (this package's own, or site-packages) that ``out`` lies in, if any."""
    paths = sysconfig.get_paths()
    folders = [Path(compact_proofs.__file__).resolve().parent, Path(paths["purelib"]), Path(paths["platlib"])]
    return next((f.resolve() for f in folders if out.resolve().is_relative_to(f.resolve())), None)


def zoo_jobs(ks: tuple[int, ...] = ZOO_KS, seeds: tuple[int, ...] | None = None) -> list[tuple[int, int]]:
    """(k, seed) of the zoo models for ``ks``: every zoo seed of each K, or only ``seeds``
    (ValueError if one of them is not in some K's zoo)."""
    for k in ks:
        outside = [seed for seed in seeds or () if seed not in ZOO_SEEDS[k]]
        if outside:
            raise ValueError(f"seed {outside[0]} is not in the K={k} zoo (its {len(ZOO_SEEDS[k])} seeds "
                             f"are the first {len(ZOO_SEEDS[k])} of training/seeds.py)")
    return [(k, seed) for k in ks for seed in (ZOO_SEEDS[k] if seeds is None else seeds)]


def regenerate(out: Path, ks: tuple[int, ...] = ZOO_KS, seeds: tuple[int, ...] | None = None,
               n_workers: int = 1) -> list[dict]:
    """Retrain the zoo models ``zoo_jobs(ks, seeds)`` into ``out``; returns their cards."""
    if installation_folder(out):
        raise ValueError(f"{out} is inside the installation ({installation_folder(out)})")
    return run(zoo_jobs(ks, seeds), out, n_workers)


def shipped_cards(out: Path, ks: tuple[int, ...] = ZOO_KS) -> list[dict]:
    """The cards of the zoo models for ``ks`` in ``out``, in zoo order (OSError if one is
    missing, ValueError if one is not JSON)."""
    return [json.loads((out / f"k{k}" / f"seed{seed}.card.json").read_text()) for k, seed in zoo_jobs(ks)]


def summary(cards: list[dict]) -> str:
    """One line per K: accuracy min / median / mean ± sample std and mean training time."""
    lines = []
    for k in sorted({card["k"] for card in cards}):
        group = [card for card in cards if card["k"] == k]
        acc = [card["accuracy"]["accuracy"] for card in group]
        secs = [card["training"]["seconds"] for card in group]
        cpu = [card["training"]["cpu_seconds"] for card in group]
        lines.append(f"K={k:<2} {len(group)} models ({group[0]['accuracy']['method']}): accuracy min "
                     f"{min(acc):.6f} median {statistics.median(acc):.6f} mean {statistics.fmean(acc):.6f} "
                     f"± {statistics.stdev(acc) if len(acc) > 1 else 0.0:.6f}; "
                     f"training {statistics.fmean(secs):.1f} s ({statistics.fmean(cpu):.1f} s CPU) per model")
    return "\n".join(lines)


def main(argv: list[str] | None = None, prog: str = "compact-proofs zoo") -> int:
    from compact_proofs.cli import run_command
    from compact_proofs.verify.cli import positive

    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0],
                                     epilog="\n".join(__doc__.splitlines()[-3:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("models"),
                        help="output folder (default: models/ in the current directory)")
    parser.add_argument("--jobs", type=positive, default=1, help="worker processes (default 1)")
    parser.add_argument("--k", type=int, nargs="+", choices=ZOO_KS, default=list(ZOO_KS),
                        help="which K to regenerate (default all)")
    parser.add_argument("--seeds", type=int, nargs="+", choices=SEEDS, metavar="S",
                        help="which of the zoo's seeds to regenerate (default every one: all 151 of "
                             "training/seeds.py for K=4, the first 10 for K = 5, 10, 20)")
    parser.add_argument("--summary", action="store_true",
                        help="print the statistics of the cards in --out and exit (no training)")

    def body() -> int:
        args = parser.parse_args(argv)
        if args.summary:
            try:
                print(summary(shipped_cards(args.out, tuple(args.k))))
            except (OSError, ValueError) as error:
                print(f"{prog}: cannot read a model card: {error}", file=sys.stderr)
                return 2
            return 0
        try:
            zoo_jobs(tuple(args.k), args.seeds)
        except ValueError as error:
            parser.error(str(error))
        if installation_folder(args.out):
            print(f"{prog}: --out {args.out} is inside the installation ({installation_folder(args.out)}); "
                  "give a folder of your own", file=sys.stderr)
            return 2
        print(summary(regenerate(args.out, tuple(args.k), args.seeds and tuple(args.seeds), args.jobs)))
        return 0
    return run_command(prog, body)


if __name__ == "__main__":
    sys.exit(main())
