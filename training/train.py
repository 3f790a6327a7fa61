"""Train Max-of-K models with AdamW and export each as weights plus a model card.

Recipe (Gross et al. 2024): fresh i.i.d. uniform batches of 128 sequences over [0, 64)^K every
step, 3000 steps of AdamW (lr 1e-3, betas (0.9, 0.999), weight decay 0.01 on every W_*, eps
1e-8, PyTorch semantics, no schedule), float32 arithmetic. One ``numpy.random.default_rng(seed)``
draws the initial weights and then every batch, so a seed names its weights bit for bit on a
given numpy build and kind of CPU, whatever the BLAS thread count or --jobs. Worker processes
run with one BLAS thread each (also much faster for these small matrices) and, on x86-64 CPUs
with AVX2, with OpenBLAS's kernels pinned (``worker_env``), so that a seed gives the same
weights whichever such CPU trains it (with the same numpy wheel).

Output of ``export_model``: ``<out>/k<K>/seed<S>.safetensors`` and ``seed<S>.card.json`` beside
it (config, digest, seed, training record, accuracy record, weight file name, and the
Python, numpy, BLAS and CPU that trained it).

    compact-proofs train --k 4 --seeds 50 104 --jobs 2 --out models/
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from compact_proofs.training.accuracy import accuracy_record
from compact_proofs.training.export import save_model
from compact_proofs.training.model import Params, init_params, loss_and_grads, max_of_k_config, to_tensors
from compact_proofs.training.provenance import environment
from compact_proofs.training.seeds import parse_seeds

# Set before a worker process imports numpy: threads only slow these small matrix products.
SINGLE_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# OpenBLAS (numpy's BLAS in the PyPI wheels) picks its matrix kernels for the CPU at run time, and
# its kernel families round differently (e.g. "SkylakeX" on AVX-512 Intel CPUs): workers pin the
# AVX2+FMA kernels that trained the shipped zoo on every x86-64 CPU that can run them.
BLAS_CORE = "Haswell"


def worker_env() -> dict[str, str]:
    """The environment a training worker needs before it imports numpy: one BLAS thread, and
    ``OPENBLAS_CORETYPE=BLAS_CORE`` if this is an x86-64 CPU with AVX2 and FMA and the variable is
    not set already (other CPUs run their own kernels: see the README's *Reproducibility*)."""
    env = dict(SINGLE_THREAD_ENV)
    cpu = environment()["cpu"]
    if cpu["machine"] in ("x86_64", "AMD64") and {"avx2", "fma"} <= set(cpu["flags"].split()):
        env["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE", BLAS_CORE)
    return env


@dataclass(frozen=True)
class TrainConfig:
    """The optimisation recipe; recorded on every card."""

    steps: int = 3000
    batch: int = 128
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.01
    eps: float = 1e-8


class AdamW:
    """torch.optim.AdamW's update (decoupled decay, bias correction), in place, in the
    parameters' own dtype."""

    def __init__(self, params: Params, hp: TrainConfig):
        self.hp = hp
        self.step_count = 0
        self.m = {name: np.zeros_like(p) for name, p in params.items()}
        self.v = {name: np.zeros_like(p) for name, p in params.items()}

    def step(self, params: Params, grads: Params) -> None:
        hp, (beta1, beta2) = self.hp, self.hp.betas
        self.step_count += 1
        step_size = hp.lr / (1 - beta1 ** self.step_count)
        correction2_sqrt = (1 - beta2 ** self.step_count) ** 0.5
        for name, p in params.items():
            g, m, v = grads[name], self.m[name], self.v[name]
            p *= 1 - hp.lr * hp.weight_decay
            m += (1 - beta1) * (g - m)
            v *= beta2
            v += (1 - beta2) * g * g
            p -= step_size * m / (np.sqrt(v) / correction2_sqrt + hp.eps)


def train(k: int, seed: int, hp: TrainConfig = TrainConfig()) -> tuple[Params, np.ndarray]:
    """Train one Max-of-``k`` model from ``seed``; returns float32 parameters and the loss of
    every step."""
    config = max_of_k_config(k)
    rng = np.random.default_rng(seed)
    params = init_params(config, rng, np.float32)
    optimizer = AdamW(params, hp)
    losses = np.empty(hp.steps)
    for step in range(hp.steps):
        tokens = rng.integers(0, config.d_vocab, size=(hp.batch, k))
        losses[step], grads = loss_and_grads(params, tokens)
        optimizer.step(params, grads)
    return params, losses


def export_model(k: int, seed: int, out: Path, hp: TrainConfig = TrainConfig()) -> dict:
    """Train, save the weights, measure accuracy, write the card; returns the card."""
    start, start_cpu = time.perf_counter(), time.process_time()
    params, losses = train(k, seed, hp)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    config = max_of_k_config(k)
    folder = out / f"k{k}"
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"seed{seed}.safetensors"
    model = save_model(weights, config, to_tensors(params, config))
    card = {
        "config": config.to_dict(),
        "digest": model.digest,
        "seed": seed,
        "k": k,
        "training": {**asdict(hp), "betas": list(hp.betas), "optimizer": "AdamW", "precision": "float32",
                     "init": "W_* ~ N(0, 0.8/sqrt(d_model)), biases frozen at 0",
                     "data": "fresh uniform batches from numpy default_rng(seed) after init",
                     "seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2),
                     "final_loss": float(losses[-1]),
                     "mean_loss_last_100": float(losses[-100:].mean())},
        "accuracy": accuracy_record(model.tensors),
        "weights": weights.name,
        "environment": environment(),
    }
    (folder / f"seed{seed}.card.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def _export_job(job: tuple[int, int, str, TrainConfig]) -> dict:
    k, seed, out, hp = job
    return export_model(k, seed, Path(out), hp)


def export_many(jobs: list[tuple[int, int]], out: Path, n_workers: int,
                hp: TrainConfig = TrainConfig()) -> Iterator[dict]:
    """Export every (k, seed) in ``jobs`` in ``n_workers`` fresh single-BLAS-thread processes;
    yields cards as models finish. Sets ``worker_env()`` in this process's environment, which the
    spawned workers inherit before they import numpy."""
    os.environ.update(worker_env())
    work = [(k, seed, str(out), hp) for k, seed in jobs]
    with multiprocessing.get_context("spawn").Pool(n_workers) as pool:
        yield from pool.imap_unordered(_export_job, work)


def run(jobs: list[tuple[int, int]], out: Path, n_workers: int, hp: TrainConfig = TrainConfig()) -> list[dict]:
    """``export_many`` with a progress bar and one line per finished model; returns the cards."""
    from tqdm import tqdm  # the library and tests do not need it

    cards = []
    with tqdm(total=len(jobs), unit="model") as bar:
        for card in export_many(jobs, out, n_workers, hp):
            acc = card["accuracy"]
            bar.write(f"k={card['k']} seed={card['seed']}: trained in {card['training']['seconds']:.1f} s "
                      f"({card['training']['cpu_seconds']:.1f} s CPU), "
                      f"final loss {card['training']['final_loss']:.4f}, accuracy {acc['accuracy']:.6f} "
                      f"({acc['method']}, {acc['seconds']:.1f} s)")
            bar.update()
            cards.append(card)
    return cards


def main(argv: list[str] | None = None, prog: str = "compact-proofs train") -> int:
    from compact_proofs.cli import run_command
    from compact_proofs.verify.cli import integer_at_least, positive

    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=integer_at_least(2, "K"), required=True,  # Max-of-1 has nothing to learn
                        help="sequence length K (at least 2)")
    parser.add_argument("--seeds", nargs="+", default=["first:10"],
                        help="seeds: integers, first:N (paper seeds) or all (default first:10)")
    parser.add_argument("--jobs", type=positive, default=1, help="worker processes (default 1)")
    parser.add_argument("--out", type=Path, default=Path("models"), help="output folder (default models/)")
    parser.add_argument("--steps", type=positive, default=TrainConfig.steps, help="training steps (default 3000)")

    def body() -> int:
        args = parser.parse_args(argv)
        try:
            seeds = parse_seeds(args.seeds)
        except ValueError as exc:
            parser.error(f"--seeds takes integers, first:N or all, got {' '.join(args.seeds)!r} ({exc})")
        try:
            import tqdm  # noqa: F401  (run's progress bar)
        except ImportError:
            print(f"{prog}: the progress bar needs tqdm: pip install 'compact-proofs[train]'", file=sys.stderr)
            return 2
        run([(args.k, seed) for seed in seeds], args.out, args.jobs, TrainConfig(steps=args.steps))
        return 0
    return run_command(prog, body)


if __name__ == "__main__":
    sys.exit(main())
