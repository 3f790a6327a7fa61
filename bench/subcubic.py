"""Benchmark: the sub-cubic family against the cubic proof of the same models.

  python -m bench.subcubic [--quick]

Figures (each a median of runs in fresh interpreters, ``bench.common``):
- proving every configuration of the family (the paper's 100 and ours, with the gap search) for
  a K=4 model, against the paper's ~1.6 s per strategy plus ~34 s of search, and against the
  cubic proof of the same model in the same run;
- checking the best certificate of ours for each K, against checking the cubic certificate of
  the same model in the same run (the issue's "sub-cubic verify is faster than cubic verify");
- scaling: synthetic K=4 models of d_vocab 64 ... 512 (``bench.cubic_memory.synthetic_model``),
  each rule at full load, whether or not the cases hold: the sub-cubic bound of every (q, m, c)
  case at one gap each, and the cubic bound of every (q, m, c, k); exponents fitted to CPU
  seconds and to the kernel's counted operations (~2 expected for the sub-cubic rule, ~3 for the
  cubic). (A certificate lists only what holds, and these stretched models hold less as d_vocab
  grows, so full load is the fair measure of each rule's cost.)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import common
from bench.cubic_memory import fitted_exponent, synthetic_model
from compact_proofs.training.zoo import ZOO_SEEDS

KS = (4, 5, 10, 20)
SIZES, QUICK_SIZES = (64, 128, 256, 512), (64, 128)
PAPER_SECONDS = {"per_strategy": 1.6, "search": 34.0}
CONFIG = "ours/envelope/rank_one"


def prove_all(weights: str) -> dict:
    """Every configuration of the family on one model: the best normalisable bound per group."""
    from compact_proofs.checker.io.weights import load_model
    from compact_proofs.strategies import subcubic
    model = load_model(Path(weights))
    search, best = subcubic.Search(model), {}
    for name in subcubic.CONFIGURATIONS:
        covered = search.prove(name)[1]
        group = subcubic.group(name)
        best[group] = max(best.get(group, 0), covered)
    total = model.config.d_vocab ** model.config.n_ctx
    return {"configurations": len(subcubic.CONFIGURATIONS), "best": {g: c / total for g, c in best.items()}}


def prove(weights: str, strategy: str, out: str) -> dict:
    from compact_proofs.strategies.prove import prove_one
    row = prove_one(Path(weights), strategy, Path(out), config=CONFIG if strategy == "subcubic" else None)
    return {"claimed": row["claimed"]}


def verify(certificate: str) -> dict:
    from compact_proofs.checker.kernel import check
    result = check(certificate)
    return {"verdict": result.verdict, "bound": float(result.bound or 0), "operations": result.operations}


def full_load(weights: str) -> dict:
    """The sub-cubic rule's check of every (q, m, c) case at gap max(1, m // 2): CPU seconds and
    counted operations (cases that fail are bounded all the same)."""
    from compact_proofs.checker import cost
    from compact_proofs.checker.io.weights import load_model
    from compact_proofs.checker.proofs import subcubic as rule
    from compact_proofs.checker.tables import Tables
    from compact_proofs.strategies import subcubic
    model = load_model(Path(weights))
    search = subcubic.Search(model)
    proof = subcubic.proof_choices(model, CONFIG)
    proof["attention"] = {"bound": "envelope", "breakpoints": search.breakpoints(proof)}
    proof["attention"]["breakpoints"] = [[float(x).hex() for x in row] for row in proof["attention"]["breakpoints"]]
    cfg = search.config(proof, np.where(search.c == 0, 0, np.maximum(search.m // 2, 1)))
    start = time.process_time()
    with cost.metered() as meter:
        rule.case_bounds(Tables(model), cfg)
    return {"seconds": time.process_time() - start, "operations": meter.total, "cases": len(cfg.q)}


def cubic_full_load(weights: str) -> dict:
    """The cubic rule's bound of every (q, m, c, k), chunk by chunk as its check runs: CPU seconds
    and counted operations."""
    from compact_proofs.checker import cost
    from compact_proofs.checker.io.weights import load_model
    from compact_proofs.checker.proofs import cubic as rule
    from compact_proofs.checker.tables import Tables
    from compact_proofs.strategies.cubic import all_cases, bounds_for_every_k
    model = load_model(Path(weights))
    tables, V, n = Tables(model), model.config.d_vocab, model.config.n_ctx - 1
    q_all, m_all = all_cases(np.arange(V), n, 0)
    start, pairs = time.process_time(), 0
    with cost.metered() as meter:
        for rows in rule.chunks(model.config, q_all, m_all, rule.DEFAULT_MAX_MEMORY):
            maxes = np.unique(m_all[rows])
            bounds = rule.Bounds(tables, q_all[rows], m_all[rows])
            for c in range(n + 1):
                q, m = all_cases(maxes, n, c)
                pairs += bounds_for_every_k(tables, bounds, q, m, c, np.zeros(len(q))).size
    return {"seconds": time.process_time() - start, "operations": meter.total, "pairs": pairs}


def measure(quick: bool = False) -> dict:
    figures, scaling = [], []
    runs = common.repeats(quick)
    first = {k: common.ROOT / "models" / f"k{k}" / f"seed{ZOO_SEEDS[k][0]}.safetensors" for k in KS}
    with tempfile.TemporaryDirectory() as tmp:
        cubic_k4 = str(Path(tmp) / "k4-cubic.json")
        figures.append(common.figure(
            f"sub-cubic prove, all configurations, K=4 {first[4].stem}",
            common.runs("bench.subcubic:prove_all", runs, weights=str(first[4])),
            "cubic prove, same model", common.runs("bench.subcubic:prove", runs, weights=str(first[4]),
                                                   strategy="cubic", out=cubic_k4),
            paper_seconds=PAPER_SECONDS["per_strategy"] * 100 + PAPER_SECONDS["search"]))
        for k in KS[:2] if quick else KS:
            sub, cub = str(Path(tmp) / f"k{k}-sub.json"), str(Path(tmp) / f"k{k}-cubic.json")
            common.run("bench.subcubic:prove", weights=str(first[k]), strategy="subcubic", out=sub)
            common.run("bench.subcubic:prove", weights=str(first[k]), strategy="cubic", out=cub)
            figures.append(common.figure(f"sub-cubic verify ({CONFIG}), K={k} {first[k].stem}",
                                         common.runs("bench.subcubic:verify", runs, certificate=sub),
                                         "cubic verify, same model", common.runs("bench.subcubic:verify", runs,
                                                                                  certificate=cub)))
        for V in QUICK_SIZES if quick else SIZES:
            weights = synthetic_model(V, Path(tmp) / f"synthetic-{V}.safetensors")
            sub = common.run("bench.subcubic:full_load", weights=str(weights))
            cubic = common.run("bench.subcubic:cubic_full_load", weights=str(weights))
            scaling.append({"d_vocab": V, "subcubic_cpu_seconds": sub["seconds"], "subcubic_operations":
                            sub["result"]["operations"], "subcubic_cases": sub["result"]["cases"],
                            "cubic_cpu_seconds": cubic["seconds"], "cubic_operations": cubic["result"]["operations"],
                            "subcubic_peak_mib": sub["peak_mib"], "cubic_peak_mib": cubic["peak_mib"]})
    sizes = [r["d_vocab"] for r in scaling]
    exponents = {key: fitted_exponent(sizes, [r[key] for r in scaling])
                 for key in ("subcubic_cpu_seconds", "subcubic_operations", "cubic_cpu_seconds", "cubic_operations")}
    return {"benchmark": "subcubic", "figures": figures, "scaling": scaling, "exponents": exponents}


def render(figures: dict) -> str:
    lines = ["each rule at full load, synthetic K=4 models (bench.cubic_memory): sub-cubic cases (q, m, c) vs "
             "cubic (q, m, c, k)",
             "| d_vocab | sub-cubic cases | sub-cubic cpu s | ops | peak MiB | cubic cpu s | ops | peak MiB |",
             "|---|---|---|---|---|---|---|---|"]
    for r in figures["scaling"]:
        lines.append(f"| {r['d_vocab']} | {r['subcubic_cases']:,} | {r['subcubic_cpu_seconds']:.2f} | "
                     f"{r['subcubic_operations']:.3g} | {r['subcubic_peak_mib']:.0f} | {r['cubic_cpu_seconds']:.2f} | "
                     f"{r['cubic_operations']:.3g} | {r['cubic_peak_mib']:.0f} |")
    e = figures["exponents"]
    if e["subcubic_operations"] is not None:
        lines.append(f"fitted exponents in d_vocab: sub-cubic cpu {e['subcubic_cpu_seconds']:.2f}, operations "
                     f"{e['subcubic_operations']:.2f}; cubic cpu {e['cubic_cpu_seconds']:.2f}, operations "
                     f"{e['cubic_operations']:.2f}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    figures = measure(quick="--quick" in (argv or sys.argv[1:]))
    print("\n".join(common.TABLE_HEAD + common.render(figures["figures"])))
    print(render(figures))
    print(json.dumps(figures["exponents"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
