"""What every benchmark shares: runs in fresh interpreters, medians, ratios, the machine.

A *run* calls one function ``bench.MODULE:FUNCTION(**kwargs)`` in a fresh ``python`` (so its
peak memory is its own: max RSS of the process and of its largest finished child, interpreter
included) and returns the wall seconds of the call (or the seconds the function reports, when
it excludes set-up such as starting a cluster), its peak memory and its result. A *figure* is
the median of repeated runs beside the median of its baseline's runs, measured in the same
invocation, and their ratio.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# One BLAS thread per process: the float64 baselines' small matrix products only slow down with
# more, and the kernel and its workers use none.
SINGLE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

CHILD = """
import importlib, json, resource, sys, time
module, function, kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
fn = getattr(importlib.import_module(module), function)
start = time.perf_counter()
result = fn(**kwargs)
seconds = time.perf_counter() - start
if isinstance(result, dict) and "seconds" in result:
    seconds = result.pop("seconds")
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mib": own / 1024, "children_peak_mib": children / 1024,
                  "result": result, "load": __import__("os").getloadavg()[0]}))
"""


def run(target: str, **kwargs) -> dict:
    """One run of ``target`` ("bench.module:function") in a fresh interpreter."""
    module, function = target.split(":")
    env = {**os.environ, **SINGLE_THREAD,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", CHILD, module, function, json.dumps(kwargs)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{target} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


REPEATS = 3        # runs per figure (``python -m bench --repeats N``)
HEAVY_REPEATS = 3  # runs per figure that takes minutes (K=5 brute force, K=6 hybrid; ``--heavy-repeats N``)


def repeats(quick: bool, heavy: bool = False) -> int:
    """How many runs a figure gets: 1 with ``quick``, else REPEATS (HEAVY_REPEATS if heavy)."""
    return 1 if quick else min(REPEATS, HEAVY_REPEATS) if heavy else REPEATS


def runs(target: str, count: int, **kwargs) -> list[dict]:
    return [run(target, **kwargs) for _ in range(max(1, count))]


def figure(name: str, measured: list[dict], baseline: str | None = None, base: list[dict] | None = None,
           **detail) -> dict:
    """Median seconds of ``measured`` and of its baseline's runs, their ratio, peak memory."""
    seconds = statistics.median(r["seconds"] for r in measured)
    out = {"figure": name, "seconds": seconds, "runs": [round(r["seconds"], 3) for r in measured],
           "peak_mib": max(max(r["peak_mib"], r["children_peak_mib"]) for r in measured),
           "load": max(r["load"] for r in measured), "result": measured[0]["result"], **detail}
    if base:
        out["baseline"] = baseline
        out["baseline_seconds"] = statistics.median(r["seconds"] for r in base)
        out["baseline_runs"] = [round(r["seconds"], 3) for r in base]
        out["baseline_peak_mib"] = max(max(r["peak_mib"], r["children_peak_mib"]) for r in base)
        out["ratio"] = seconds / out["baseline_seconds"]
    return out


def machine() -> dict:
    """The machine and its load, recorded with every figure set."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    return {"cpu": model, "cpus": cpus, "python": platform.python_version(), "numpy": numpy.__version__,
            "load_average": list(os.getloadavg())}


def render(figures: list[dict]) -> list[str]:
    """Table rows (Markdown) for figures made by ``figure``."""
    rows = []
    for f in figures:
        base = (f"{f['baseline']}: {f['baseline_seconds']:.2f} s" if "baseline" in f else "-")
        ratio = f"{f['ratio']:.3g}" if "ratio" in f else "-"
        rows.append(f"| {f['figure']} | {f['seconds']:.2f} | {base} | {ratio} | {f['peak_mib']:.0f} | "
                    f"{f['load']:.1f} |")
    return rows


TABLE_HEAD = ["| figure | median s | baseline (median) | ratio | peak MiB | load |", "|---|---|---|---|---|---|"]


def add_repeat_options(parser) -> None:
    """--repeats and --heavy-repeats, which set REPEATS and HEAVY_REPEATS when parsed."""

    def setter(name):
        def set_value(text: str) -> int:
            globals()[name] = max(1, int(text))
            return globals()[name]
        return set_value
    parser.add_argument("--repeats", type=setter("REPEATS"), metavar="N", help=f"runs per figure (default {REPEATS})")
    parser.add_argument("--heavy-repeats", type=setter("HEAVY_REPEATS"), metavar="N",
                        help=f"runs per figure that takes minutes (default {HEAVY_REPEATS})")


def main_for(module_name: str, measure, argv: list[str] | None) -> int:
    """The ``main`` of a benchmark module: measure (``--quick``: fewer runs), print its table."""
    import argparse
    parser = argparse.ArgumentParser(prog=f"python -m bench.{module_name}")
    parser.add_argument("--quick", action="store_true", help="one run per figure, smaller cases")
    add_repeat_options(parser)
    args = parser.parse_args(argv)
    result = measure(quick=args.quick)
    print("\n".join(TABLE_HEAD + render(result["figures"])))
    return 0

