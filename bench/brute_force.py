"""Benchmark: the kernel's rigorous brute-force check of a K=4 model against a plain float64
forward pass over the same 64^4 inputs, measured in the same run.

  python bench/brute_force.py [--model models/k4/seed50.safetensors] [--jobs 2]

Prints seconds for each, their ratio, peak memory of the kernel check, and the two counts.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from compact_proofs.checker.proofs import brute_force
from compact_proofs.checker.tables import Tables
from compact_proofs.checker.io.weights import load_model
from compact_proofs.training.accuracy import exact_accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path("models/k4/seed50.safetensors"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    model = load_model(args.model)

    start = time.perf_counter()
    record = exact_accuracy(model.tensors)
    plain = time.perf_counter() - start

    start = time.perf_counter()
    tables = Tables(model)
    proved = brute_force.count_correct(tables, jobs=args.jobs)
    rigorous = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"model                 {args.model} (K={model.config.n_ctx}, {model.config.d_vocab ** model.config.n_ctx} inputs)")
    print(f"float64 forward pass  {plain:8.2f} s   correct {record['correct']} (+{record['near_ties']} near ties)")
    print(f"kernel brute force    {rigorous:8.2f} s   proved  {proved}   jobs={args.jobs}")
    print(f"ratio kernel/float64  {rigorous / plain:8.2f}")
    print(f"peak RSS              {peak_mib:8.0f} MiB (this process), {children_mib:.0f} MiB (largest worker)")


if __name__ == "__main__":
    main()
