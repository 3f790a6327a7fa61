"""``compact-proofs prove``: run a strategy on exported weights and write its certificate.

  compact-proofs prove --strategy cubic models/k4/seed50.safetensors -o certificates/cubic/k4-seed50.json
  compact-proofs prove --strategy cubic models/k4/*.safetensors --out out/      (out/<name>.json each)
  compact-proofs prove --strategy subcubic --config ours models/k4/seed50.safetensors -o sub.json
  compact-proofs prove --strategy subcubic --config "max_diff_exact/mean_query+diff/svd" ...
  compact-proofs prove --zoo models/ --out certificates/ --jobs 2               (every shipped certificate)

Certificates are byte-reproducible: nothing in them depends on the clock, the machine or --jobs
(proving again gives the same bytes). Timings go to the log on stderr, one line per certificate.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

from compact_proofs.checker.errors import CheckError, Unusable
from compact_proofs.checker.io.weights import load_model
from compact_proofs.checker.kernel import MAX_INPUTS
from compact_proofs.strategies import brute_force, cubic, hybrid, subcubic
from compact_proofs.strategies.certificate import envelope, write
from compact_proofs.training.seeds import SEEDS
from compact_proofs.verify import progress
from compact_proofs.verify.cli import parse_count, positive

STRATEGIES = {"brute_force": brute_force.prove, "cubic": cubic.prove, "subcubic": subcubic.prove,
              "hybrid": hybrid.prove}
ZOO_STRATEGIES = {"brute_force": (4,), "cubic": (4, 5, 6, 10, 20), "subcubic": (4, 5, 10, 20),
                  "hybrid": (5,)}  # which K each ships for
SHIPPED_SEEDS = SEEDS[:10]  # which seeds of each K ship certificates (models/k4 has all 151)
SINGLE_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

Job = tuple[Path, str, Path, "str | None"]  # (weights, strategy, certificate, configuration)


def prove_one(weights: Path, strategy: str, out: Path, max_inputs: int = MAX_INPUTS,
              show: Callable[[int, int], None] | None = None, config: str | None = None) -> dict:
    """Prove one model with one strategy (and, for ``subcubic``, one configuration or group) and
    write the certificate; return a log row (with the seconds it took, which the certificate
    does not hold). A brute-force strategy over more than ``max_inputs`` inputs is refused
    (``Unusable``) before any work, as the kernel would refuse to check it."""
    start = time.perf_counter()
    model = load_model(weights)
    V, K = model.config.d_vocab, model.config.n_ctx
    if strategy == "brute_force" and V ** K > max_inputs:
        raise Unusable(f"{weights}: brute force over {V}^{K} = {V ** K:.3g} inputs is over the work limit of "
                       f"{max_inputs:.3g} (the kernel refuses to check it too); allow it with --max-inputs {V ** K}")
    if strategy == "subcubic":
        proof, covered, parameters = subcubic.prove(model, show, config)
    else:
        proof, covered, parameters = STRATEGIES[strategy](model, show)
    write(out, envelope(model, weights, out, covered, strategy, parameters, proof))
    return {"certificate": str(out), "claimed": covered / V ** K, "seconds": time.perf_counter() - start}


def zoo_jobs(models: Path, out: Path) -> list[Job]:
    """(weights, strategy, certificate path, configuration) for every shipped certificate: the
    sub-cubic family ships the best configuration of each group, DIR/subcubic/<group>/."""
    jobs: list[Job] = []
    for strategy, ks in ZOO_STRATEGIES.items():
        for k in ks:
            for weights in sorted((models / f"k{k}").glob("*.safetensors")):
                if weights.stem in {f"seed{seed}" for seed in SHIPPED_SEEDS}:
                    name = f"k{k}-{weights.stem}.json"
                    if strategy == "subcubic":
                        jobs += [(weights, strategy, out / strategy / g / name, g) for g in subcubic.GROUPS]
                    else:
                        jobs.append((weights, strategy, out / strategy / name, None))
    return jobs


def _run_job(job: tuple[Job, int]) -> tuple[Job, dict | str]:
    """One job in a worker: its log row, or the one-line reason it failed."""
    (weights, strategy, out, config), max_inputs = job
    try:
        return job[0], prove_one(weights, strategy, out, max_inputs, config=config)
    except CheckError as exc:
        return job[0], str(exc)


def run_jobs(jobs: list[Job], workers: int, max_inputs: int, show_progress: bool) -> Iterator[tuple[Job, dict | str]]:
    """Run ``jobs``, ``workers`` at a time (in fresh processes with one BLAS thread each when more
    than one); yields (job, row or failure reason) as they finish. A single job raises its
    failure; one job at a time shows the strategy's own progress on a terminal."""
    if len(jobs) == 1:
        weights, strategy, out, config = jobs[0]
        meter = progress.meter(f"{strategy} {weights}", show_progress)
        yield jobs[0], prove_one(weights, strategy, out, max_inputs, meter, config)
        return
    if workers <= 1:
        for job in jobs:
            weights, strategy, out, config = job
            try:
                yield job, prove_one(weights, strategy, out, max_inputs,
                                     progress.meter(f"{strategy} {weights}", show_progress), config)
            except CheckError as exc:
                yield job, str(exc)
        return
    os.environ.update(SINGLE_THREAD_ENV)  # inherited by the spawned workers before they import numpy
    with multiprocessing.get_context("spawn").Pool(min(workers, len(jobs))) as pool:
        yield from pool.imap_unordered(_run_job, [(job, max_inputs) for job in jobs])


def build_parser(prog: str) -> argparse.ArgumentParser:
    summary, examples = __doc__.split("\n\n", 1)
    parser = argparse.ArgumentParser(prog=prog, description=summary.removeprefix("``compact-proofs prove``: "),
                                     epilog=examples, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights", nargs="*", type=Path, metavar="WEIGHTS",
                        help="model weight files, .safetensors or torch .pt (each one's config: in the file, in "
                             "<file>.config.json beside it, e.g. a TransformerLens cfg.to_dict(), or inferred from "
                             "the shapes)")
    parser.add_argument("--strategy", choices=sorted(STRATEGIES),
                        help="the strategy (default cubic; with --zoo, only this strategy's certificates)")
    parser.add_argument("--list-configs", action="store_true", help="list the sub-cubic configurations and exit")
    parser.add_argument("--config", metavar="NAME",
                        help="with --strategy subcubic: a configuration, EUPU/attention/error as in the paper "
                             "(e.g. max_diff_exact/mean_query+diff/svd) or ours/..., or a group "
                             f"({', '.join(subcubic.GROUPS)}): its configuration covering most inputs "
                             "(default: ours)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="certificate path (with a single model)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output folder: with --zoo, DIR/<strategy>/k<K>-<seed>.json (default certificates/); "
                             "with several WEIGHTS, DIR/<name>.json")
    parser.add_argument("--zoo", type=Path, metavar="MODELS", help="prove every shipped model under MODELS")
    parser.add_argument("--jobs", type=positive, default=1, metavar="N",
                        help="certificates proved at once, each in its own process (default 1)")
    parser.add_argument("--max-inputs", type=parse_count, default=MAX_INPUTS, metavar="N",
                        help=f"refuse brute force over more than N inputs (default {MAX_INPUTS:.0e}, the kernel's "
                             "limit)")
    return parser


def plan(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[Job]:
    """The jobs the arguments ask for (usage errors exit 2 through the parser)."""
    if args.zoo:
        if args.weights or args.output:
            parser.error("--zoo takes no WEIGHTS or -o (use --out DIR)")
        if not args.zoo.is_dir():
            raise Unusable(f"{args.zoo}: not a folder of models (expected {args.zoo}/k4/seed50.safetensors ...)")
        jobs = [job for job in zoo_jobs(args.zoo, args.out or Path("certificates")) if args.strategy in (None, job[1])]
        if not jobs:
            raise Unusable(f"{args.zoo}: no models found (expected {args.zoo}/k<K>/<seed>.safetensors)")
        return jobs
    strategy = args.strategy or "cubic"
    if args.config and strategy != "subcubic":
        parser.error("--config chooses a sub-cubic configuration: use it with --strategy subcubic")
    if args.config and args.config not in subcubic.GROUPS + subcubic.CONFIGURATIONS:
        parser.error(f"unknown sub-cubic configuration {args.config!r} (--list-configs lists them)")
    if len(args.weights) == 1 and args.output and not args.out:
        return [(args.weights[0], strategy, args.output, args.config)]
    if args.weights and args.out and not args.output:
        return [(w, strategy, args.out / f"{w.stem}.json", args.config) for w in args.weights]
    parser.error("give WEIGHTS with -o FILE, several WEIGHTS with --out DIR, or --zoo MODELS")
    raise AssertionError  # parser.error exits


def main(argv: list[str] | None = None, prog: str = "compact-proofs prove") -> int:
    from compact_proofs.cli import run_command

    parser = build_parser(prog)

    def body() -> int:
        args = parser.parse_args(argv)
        if args.list_configs:
            for g in subcubic.GROUPS:
                members = [n for n in subcubic.CONFIGURATIONS if subcubic.group(n) == g]
                print(f"{g}:\n" + "".join(f"  {n}\n" for n in members), end="")
            return 0
        jobs = plan(args, parser)
        show_progress = progress.wanted()
        bar = progress.meter(f"{prog}", show_progress and args.jobs > 1 and len(jobs) > 1)
        failed = 0
        finished = run_jobs(jobs, args.jobs, args.max_inputs, show_progress)
        for n, ((weights, strategy, out, _), row) in enumerate(finished, 1):
            if isinstance(row, str):
                failed += 1
                print(f"[{n}/{len(jobs)}] {strategy:11s} {weights}: FAILED: {row}", file=sys.stderr)
            else:
                print(f"[{n}/{len(jobs)}] {strategy:11s} {weights}: claims {row['claimed']:.6f} "
                      f"({row['seconds']:.2f} s) -> {out}", file=sys.stderr)
            if bar:
                bar(n, len(jobs))
        if failed:
            print(f"{prog}: {failed} of {len(jobs)} certificate(s) not written", file=sys.stderr)
            return 2
        return 0
    return run_command(prog, body)


if __name__ == "__main__":
    sys.exit(main())
