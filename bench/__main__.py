"""``python -m bench``: run every benchmark and print one table; write bench/results.json.

  python -m bench                        # every module, full repeats (about an hour on 2 cores)
  python -m bench --quick                # one run per figure, the heavy cases left out
  python -m bench brute_force hybrid     # only these modules (the others' figures in the file are kept)
  python -m bench --output other.json

A benchmark module is any bench/NAME.py (other than common.py) exposing
``measure(quick: bool = False) -> dict`` and ``main(argv) -> int``. Figures come from its
``"figures"`` list (``bench.common.figure``: median seconds, baseline measured in the same run,
ratio, peak memory); a module's own ``render``, where it has one, prints the rest after the table.
Nothing here is a timed test. Each module's entry in the results file records the command, date
and machine of the run that measured it; naming modules re-measures those and keeps the others.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

from bench import common

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"__init__", "__main__", "common"}


def modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in NOT_BENCHMARKS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="MODULE",
                        help=f"benchmarks to run (default all: {', '.join(modules())})")
    parser.add_argument("--quick", action="store_true", help="one run per figure, heavy cases left out")
    common.add_repeat_options(parser)
    parser.add_argument("--output", type=Path, default=HERE / "results.json",
                        help="results file (default bench/results.json)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(modules()))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (have {', '.join(modules())})")
    results, table, extra = {}, list(common.TABLE_HEAD), []
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    start = time.perf_counter()
    for name in args.names or modules():
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        began = time.perf_counter()
        figures = module.measure(quick=args.quick)
        figures["run"] = {"command": command, "date": time.strftime("%Y-%m-%d"), "machine": common.machine(),
                          "seconds": round(time.perf_counter() - began, 1)}
        results[name] = figures
        if isinstance(figures.get("figures"), list):
            table += common.render(figures["figures"])
        if hasattr(module, "render"):  # what the module measures beyond its figures
            extra.append(module.render(figures))
        elif not isinstance(figures.get("figures"), list):
            extra.append(json.dumps(figures, indent=1))
    kept = {}
    if args.names and args.output.is_file():
        old = json.loads(args.output.read_text())
        kept = old.get("benchmarks", {})
        for figures in kept.values():  # a file from before each entry said which run measured it
            figures.setdefault("run", {"command": old.get("command"), "machine": old.get("machine"),
                                       "seconds of the whole run": old.get("seconds")})
    document = {"command": command, "repeats": common.REPEATS, "heavy_repeats": common.HEAVY_REPEATS,
                "machine": common.machine(),
                "seconds": round(time.perf_counter() - start, 1), "benchmarks": {**kept, **results}}
    args.output.write_text(json.dumps(document, indent=1) + "\n")
    print("\n".join(table + [""] + extra))
    print(f"\nmachine: {document['machine']}; results in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
