"""Benchmark: time and peak memory of the cubic proof as the vocabulary grows.

Synthetic K=4 models: the trained zoo model models/k4/seed50 (d_vocab 64, d_model 32) with its
embedding rows W_E and unembedding columns W_U interpolated linearly to d_vocab tokens (every
other weight kept). Plain tiling would copy tokens exactly, and a copied unembedding column ties
two logits on every input: nothing would be provable. The stretched models are worse at Max-of-K
(within a cell of the original grid the logits are linear in the output token), so their
certificates list fewer (case, k) as d_vocab grows and verify does less than on a model that
stays accurate; the strategy bounds every (case, k) whatever the model, so prove is the cubic
worst case.

For each d_vocab, the code of `compact-proofs prove --strategy cubic` (``prove_one``: the
strategy, writing the certificate) and of `verify` (``checker.kernel.check``: the kernel) each
run in a fresh subprocess, which reports its wall and CPU seconds (the work, without interpreter
start-up) and its peak resident memory (max RSS, interpreter included). Ratios are of CPU seconds
(the machine may be shared) and of memory, against the smallest d_vocab of the same run;
exponents are fitted by least squares on log figure against log d_vocab.

  python bench/cubic_memory.py                 # d_vocab 64, 128, 256, 512
  python bench/cubic_memory.py --quick         # d_vocab 64 and 128
  python bench/cubic_memory.py --sizes 64 256 --json figures.json

``measure(quick)`` returns the figures as JSON-serialisable data (for the benchmark suite);
``main(argv)`` prints the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "models/k4/seed50.safetensors"
SIZES = (64, 128, 256, 512)
QUICK_SIZES = (64, 128)

# Run in a fresh interpreter: one prove or one verify, then its own figures as one JSON line.
CHILD = """
import json, resource, sys, time
from pathlib import Path
mode, weights, cert = sys.argv[1:4]
start, cpu = time.perf_counter(), time.process_time()
if mode == "prove":
    from compact_proofs.strategies.prove import prove_one
    row = prove_one(Path(weights), "cubic", Path(cert))
    out = {"cases": row["cases"], "claimed": row["claimed"]}
else:
    from compact_proofs.checker.kernel import check
    result = check(cert)
    out = {"verdict": result.verdict, "reason": result.reason, "operations": result.operations}
out["seconds"], out["cpu_seconds"] = time.perf_counter() - start, time.process_time() - cpu
out["peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps(out))
"""


def synthetic_model(d_vocab: int, path: Path, source: Path = SOURCE) -> Path:
    """Write the K=4 zoo model ``source`` with W_E rows and W_U columns interpolated linearly
    from its d_vocab to ``d_vocab`` tokens (d_vocab = the source's gives the source's weights)."""
    from compact_proofs.checker.io.weights import load_model
    from compact_proofs.training.export import save_model

    model = load_model(source)
    tensors = dict(model.tensors)
    V0 = model.config.d_vocab
    x = np.linspace(0.0, V0 - 1, d_vocab)
    lo = np.minimum(np.floor(x).astype(int), V0 - 1)
    hi = np.minimum(lo + 1, V0 - 1)
    f = x - lo
    E = np.asarray(tensors["embed.W_E"], dtype=np.float64)
    U = np.asarray(tensors["unembed.W_U"], dtype=np.float64)
    tensors["embed.W_E"] = E[lo] * (1 - f)[:, None] + E[hi] * f[:, None]
    tensors["unembed.W_U"] = U[:, lo] * (1 - f)[None, :] + U[:, hi] * f[None, :]
    tensors["unembed.b_U"] = np.zeros(d_vocab)
    config = dataclasses.replace(model.config, d_vocab=d_vocab, d_vocab_out=d_vocab)
    save_model(path, config, tensors)
    return path


def run_child(mode: str, weights: Path, cert: Path, python: str) -> dict:
    """One prove or verify in a fresh subprocess; its figures, and the load average around it."""
    before = os.getloadavg()[0]
    done = subprocess.run([python, "-c", CHILD, mode, str(weights), str(cert)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} of {weights} failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["load"] = [round(before, 2), round(os.getloadavg()[0], 2)]
    return figures


def fitted_exponent(sizes: list[int], values: list[float]) -> float | None:
    """The slope of log(value) against log(size), least squares (None for fewer than two sizes)."""
    if len(sizes) < 2:
        return None
    return float(np.polyfit(np.log(sizes), np.log(values), 1)[0])


def machine() -> dict:
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "memory_bytes": memory, "python": platform.python_version()}


def measure(quick: bool = False, sizes: list[int] | None = None, python: str | None = None) -> dict:
    """Prove and verify the synthetic model of each size (default d_vocab 64, 128, 256, 512;
    ``quick``: 64 and 128), each in a fresh subprocess of ``python`` (default this interpreter).
    Returns the rows, the exponents fitted over them, the machine and the load averages."""
    sizes = sorted(sizes or (QUICK_SIZES if quick else SIZES))
    python = python or sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for V in sizes:
            weights = synthetic_model(V, Path(tmp) / f"synthetic-{V}.safetensors")
            cert = Path(tmp) / f"synthetic-{V}.json"
            prove = run_child("prove", weights, cert, python)
            verify = run_child("verify", weights, cert, python)
            listed = json.loads(cert.read_text())["proof"]["cases"]
            pairs = sum(max(1, bin(int(h, 16)).count("1")) for h in listed["keys"])  # (case, k) checked
            rows.append({"d_vocab": V, "cases": prove["cases"], "pairs": pairs, "claimed": prove["claimed"],
                         "certificate_bytes": cert.stat().st_size, "verdict": verify["verdict"],
                         "operations": verify["operations"],
                         "prove_seconds": prove["seconds"], "prove_cpu_seconds": prove["cpu_seconds"],
                         "prove_peak_bytes": prove["peak_bytes"], "verify_seconds": verify["seconds"],
                         "verify_cpu_seconds": verify["cpu_seconds"], "verify_peak_bytes": verify["peak_bytes"],
                         "load": {"prove": prove["load"], "verify": verify["load"]}})
    columns = ("prove_seconds", "prove_cpu_seconds", "verify_seconds", "verify_cpu_seconds", "prove_peak_bytes",
               "verify_peak_bytes", "operations")
    exponents = {c: fitted_exponent([r["d_vocab"] for r in rows], [r[c] for r in rows]) for c in columns}
    return {"benchmark": "cubic_memory", "model": "K=4, zoo seed50 interpolated to d_vocab, d_model 32",
            "baseline_d_vocab": sizes[0], "rows": rows, "exponents": exponents, "machine": machine(),
            "python": python}


def render(figures: dict) -> str:
    """The figures as a table: each against the first size of the same run, then the exponents."""
    rows, base = figures["rows"], figures["rows"][0]
    lines = [f"cubic proof, synthetic K=4 models (zoo seed50 interpolated), baseline d_vocab {base['d_vocab']}",
             "| d_vocab | cases | (case, k) | bound | prove s | cpu s | x | verify s | cpu s | x "
             "| prove peak MiB | x | verify peak MiB | x | load |",
             "|" + "---|" * 15]
    for r in rows:
        cells = [str(r["d_vocab"]), f"{r['cases']:,}", f"{r['pairs']:,}", f"{r['claimed']:.4f}"]
        for step in ("prove", "verify"):
            cpu = r[f"{step}_cpu_seconds"]
            cells += [f"{r[f'{step}_seconds']:.2f}", f"{cpu:.2f}", f"{cpu / base[f'{step}_cpu_seconds']:.1f}"]
        for column in ("prove_peak_bytes", "verify_peak_bytes"):
            cells += [f"{r[column] / 2**20:,.0f}", f"{r[column] / base[column]:.1f}"]
        cells.append(f"{max(r['load']['prove'] + r['load']['verify']):.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    e = figures["exponents"]
    if e["prove_seconds"] is not None:
        lines.append(f"fitted exponents (figure ~ d_vocab^e): prove cpu time {e['prove_cpu_seconds']:.2f}, verify "
                     f"cpu time {e['verify_cpu_seconds']:.2f}, prove peak memory {e['prove_peak_bytes']:.2f}, verify "
                     f"peak memory {e['verify_peak_bytes']:.2f}, verify's counted operations {e['operations']:.2f}")
    m = figures["machine"]
    memory = f", {m['memory_bytes'] / 2**30:.0f} GiB" if m["memory_bytes"] else ""
    lines.append(f"machine: {m['cpus']} CPUs{memory}, {m['platform']}, Python {m['python']}; s = wall seconds, "
                 "cpu s = the process's CPU seconds (x: against the first row), load = the highest 1-minute load "
                 "average seen around a size's prove and verify")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="d_vocab 64 and 128 only")
    parser.add_argument("--sizes", type=int, nargs="+", metavar="V", help="these d_vocab instead")
    parser.add_argument("--python", metavar="EXE", help="run prove and verify with this interpreter "
                        "(another install of compact-proofs, to compare)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    args = parser.parse_args(argv)
    figures = measure(args.quick, args.sizes, args.python)
    sys.stdout.write(render(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0 if all(r["verdict"] == "verified" for r in figures["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
