"""``compact-proofs sweep``: every registered strategy configuration on every model, proved,
verified by the kernel, and written to one results file.

  compact-proofs sweep --zoo models/ --jobs 2                 # every shipped model, local processes
  compact-proofs sweep models/k4/seed50.safetensors --strategies cubic hybrid
  compact-proofs sweep --zoo models/ --dask tcp://scheduler:8786 --out out/sweep

Each (model, configuration) pair is one task: the strategy writes a certificate and the kernel
checks it (one process per task; ``--jobs`` tasks at once, or as many as the Dask cluster runs).
Pairs a configuration is not feasible for (``strategies.registry``: brute force beyond 64^5
inputs, hybrid beyond 64^6) are listed as skipped. The results file holds, per model and
configuration: the claim, the verified bound, the counted cost and its total (``Result.cost``,
``Result.operations``), prove and verify seconds and the certificate's size. Certificates go to
OUT/<configuration>/k<K>-<model>.json (not for committing: OUT defaults to out/sweep).
With --dask, tasks carry the weights' bytes, so workers need no shared file system.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.weights import load_model
from compact_proofs.checker.kernel import check
from compact_proofs.checker.shards import available_cpus
from compact_proofs.strategies.certificate import envelope, write
from compact_proofs.strategies.registry import REGISTRY
from compact_proofs.verify import progress
from compact_proofs.verify.cli import environment

Task = tuple[bytes, str, str]  # (weights file bytes, model label, configuration name)


def run_task(weights: bytes, label: str, name: str) -> dict:
    """Prove the model with one configuration and verify the certificate, in this process.
    Returns {"row": the results row, "certificate": the document or None}. Never raises."""
    configuration = REGISTRY[name]
    row = {"model": label, "configuration": name, "strategy": configuration.strategy}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.safetensors"
        path.write_bytes(weights)
        try:
            model = load_model(path)
            config = model.config
            row.update(k=config.n_ctx, d_vocab=config.d_vocab, digest=model.digest)
            start = time.perf_counter()
            proof, claimed, stats = configuration.prove(model, 1)
            row["prove_seconds"] = round(time.perf_counter() - start, 3)
            cert = Path(tmp) / "certificate.json"
            write(cert, envelope(model, path, cert, claimed, configuration.strategy,
                                 {**configuration.parameters, **stats}, proof))
            result = check(cert, jobs=1)
        except Exception as exc:  # a strategy that fails is a row of the results, not the end of the sweep
            row.update(verdict="error", reason=f"{type(exc).__name__}: {exc}")
            return {"row": row, "certificate": None}
        row.update(claimed=_frac(result.claimed), bound=_frac(result.bound),
                   bound_float=float(result.bound) if result.bound is not None else None,
                   verdict=result.verdict, reason=result.reason, verify_seconds=round(result.seconds, 3),
                   operations=result.operations, cost=result.cost, certificate_bytes=cert.stat().st_size)
        return {"row": row, "certificate": json.loads(cert.read_text())}


def _frac(x: Fraction | None) -> str | None:
    return None if x is None else f"{x.numerator}/{x.denominator}"


def _run_task(task: Task) -> dict:
    return run_task(*task)


def models_of(paths: list[Path], zoo: Path | None) -> list[Path]:
    """The model files named, plus every models/k*/*.safetensors under --zoo."""
    found = list(paths)
    if zoo is not None:
        found += sorted(zoo.glob("k*/*.safetensors"), key=lambda p: (int(p.parent.name[1:]), p.name))
    return found


def plan(models: list[Path], names: list[str]) -> tuple[list[Task], list[dict]]:
    """The tasks to run, and a 'skipped' row for each infeasible pair."""
    tasks, skipped = [], []
    for weights in models:
        config = load_model(weights).config
        for name in names:
            if REGISTRY[name].feasible(config):
                tasks.append((weights.read_bytes(), str(weights), name))
            else:
                skipped.append({"model": str(weights), "configuration": name, "strategy": REGISTRY[name].strategy,
                                "k": config.n_ctx, "d_vocab": config.d_vocab, "verdict": "skipped",
                                "reason": f"not feasible for {config.d_vocab}^{config.n_ctx} inputs"})
    return tasks, skipped


def execute(tasks: list[Task], jobs: int, dask: str | None):
    """Results of ``run_task`` for every task, as they finish."""
    if dask:
        from compact_proofs.verify.distributed import connect
        with connect(dask, jobs) as executor:
            yield from executor.map_unordered(run_task, tasks)
    elif jobs <= 1 or len(tasks) <= 1:
        yield from map(_run_task, tasks)
    else:
        with multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                         else "spawn").Pool(min(jobs, len(tasks))) as pool:
            yield from pool.imap_unordered(_run_task, tasks)


def save(out: Path, weights: Path, document: dict, name: str) -> Path:
    """Write a certificate under OUT/<configuration>/, its weights path relative to it."""
    target = out / name / f"k{document['task']['k']}-{weights.stem}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    document["model"]["weights"] = os.path.relpath(weights.resolve(), target.parent.resolve())
    write(target, document)
    return target


def sweep(models: list[Path], names: list[str], jobs: int, dask: str | None, out: Path) -> dict:
    """Run the sweep; return the results document."""
    tasks, rows = plan(models, names)
    start = time.perf_counter()
    show = progress.meter("sweep", progress.wanted())  # a bar on a terminal only, never in logs or CI
    for done, outcome in enumerate(execute(tasks, jobs, dask), 1):
        row = outcome["row"]
        if outcome["certificate"] is not None:
            row["certificate"] = str(save(out, Path(row["model"]), outcome["certificate"], row["configuration"]))
        rows.append(row)
        if show:
            show(done, len(tasks))
    order = {name: i for i, name in enumerate(names)}
    rows.sort(key=lambda r: (r.get("k", 0), r["model"], order[r["configuration"]]))
    return {"environment": environment(), "jobs": jobs, "dask": dask, "configurations": names,
            "seconds": round(time.perf_counter() - start, 1), "rows": rows}


def main(argv: list[str] | None = None, prog: str = "compact-proofs sweep") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", type=Path, metavar="MODEL", help=".safetensors model files")
    parser.add_argument("--zoo", type=Path, metavar="DIR", help="also every DIR/k*/*.safetensors")
    parser.add_argument("--strategies", nargs="+", choices=sorted(REGISTRY), metavar="NAME",
                        help=f"configurations to run (default all: {', '.join(REGISTRY)})")
    parser.add_argument("--jobs", type=int, default=available_cpus(), metavar="N",
                        help="tasks run at once (default: the CPUs this process may use); with --dask, "
                             "the workers of --dask local")
    parser.add_argument("--dask", metavar="ADDRESS", help="run the tasks on a Dask cluster: tcp://host:port or local")
    parser.add_argument("--out", type=Path, default=Path("out/sweep"), help="certificates folder (default out/sweep)")
    parser.add_argument("--results", type=Path, help="results file (default OUT/results.json)")
    args = parser.parse_args(argv)
    models = models_of(args.models, args.zoo)
    if not models:
        parser.error("name MODEL files or --zoo DIR")
    names = args.strategies or list(REGISTRY)
    try:
        results = sweep(models, names, max(1, args.jobs), args.dask, args.out)
    except (Unusable, OSError) as exc:
        print(f"sweep: {exc}", file=sys.stderr)
        return 2
    target = args.results or args.out / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=1) + "\n")
    counts = {}
    for row in results["rows"]:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    print(f"sweep: {len(results['rows'])} (model, configuration) pairs: "
          + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) + f"; results in {target}", file=sys.stderr)
    return 0 if all(r["verdict"] in ("verified", "skipped") for r in results["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
