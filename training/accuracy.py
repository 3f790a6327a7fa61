"""How often a model gets Max-of-K right: counted exactly over every input, or estimated from a
seeded uniform sample, for the model cards.

An input is *correct* when the logit of its maximum token exceeds every other logit at the last
position. Logits are computed in float64 from the float32 weights through the last-position
circuits (``Circuits``), which is exact up to float64 rounding, so an input whose margin
(max-token logit minus the best other logit) lies within ``TIE_TOLERANCE`` of zero is not
decided here: it is counted as a *near tie*, never as correct. The exact number of correct
inputs therefore lies in [correct, correct + near_ties].
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Iterator, Mapping

import numpy as np

TIE_TOLERANCE = 1e-9
EXHAUSTIVE_LIMIT = 64 ** 5          # enumerate every input up to this many, else sample
SAMPLE_SIZE = 1_000_000
SAMPLE_SEED = 20240410               # fixed, and distinct from every training seed
CHUNK = 8192                         # inputs per vectorised block (a few MB of float64 each)
Z95 = 1.959963984540054              # two-sided 95% normal quantile


@dataclass(frozen=True)
class Circuits:
    """The last-position model as float64 lookup tables (q = the last token):
    score_i = (EQKE[q, t_i] + EQKP[q, i]) * scale, a = softmax(score),
    logits  = EUPU[q] + sum_i a_i (EVOU[t_i] + PVOU[i])."""

    EQKE: np.ndarray   # (d_vocab, d_vocab)
    EQKP: np.ndarray   # (d_vocab, n_ctx)
    EUPU: np.ndarray   # (d_vocab, d_vocab_out)
    EVOU: np.ndarray   # (d_vocab, d_vocab_out)
    PVOU: np.ndarray   # (n_ctx, d_vocab_out)
    scale: float

    @classmethod
    def from_tensors(cls, tensors: Mapping[str, np.ndarray]) -> "Circuits":
        """Build the tables from an exported state dict (float32 weights cast to float64)."""
        w = {name: np.asarray(tensors[name], dtype=np.float64) for name in tensors}
        E, P, U = w["embed.W_E"], w["pos_embed.W_pos"], w["unembed.W_U"]
        Q, K, V, O = (w[f"blocks.0.attn.W_{n}"][0] for n in "QKVO")
        query = (E + P[-1]) @ Q @ K.T
        OU = V @ O @ U
        return cls(EQKE=query @ E.T, EQKP=query @ P.T, EUPU=(E + P[-1]) @ U, EVOU=E @ OU,
                   PVOU=P @ OU, scale=1.0 / math.sqrt(Q.shape[1]))

    def margins(self, tokens: np.ndarray) -> np.ndarray:
        """Max-token logit minus the best other logit, for each row of ``tokens`` (n, n_ctx)."""
        n, n_ctx = tokens.shape
        q = tokens[:, -1]
        scores = (self.EQKE[q[:, None], tokens] + self.EQKP[q]) * self.scale
        scores -= scores.max(axis=1, keepdims=True)
        attn = np.exp(scores)
        attn /= attn.sum(axis=1, keepdims=True)
        logits = self.EUPU[q] + attn @ self.PVOU
        for i in range(n_ctx):
            logits += attn[:, i, None] * self.EVOU[tokens[:, i]]
        return _margin(logits, tokens.max(axis=1))

    def all_margins(self) -> Iterator[np.ndarray]:
        """``margins`` of every input, in blocks: one block per fixed (q, t_0 .. t_{n_ctx-4}),
        with (t_{n_ctx-3}, t_{n_ctx-2}) varying over all pairs in lexicographic order.

        Uses that the softmax weights are e_i / D, where e_i = exp(score_i) depends only on
        (q, i, t_i) and D = sum_i e_i > 0: then D * logits = sum_i e_i (EUPU[q] + EVOU[t_i] +
        PVOU[i]) is a sum of per-position terms, so a block is one broadcast add, and its margin
        is (the label's entry minus the largest other entry) / D. A block is stored logit-major,
        (d_vocab_out, inputs), so the largest other entry is an elementwise maximum over rows.
        Scores are shifted by their maximum over the query's table, so every e_i <= 1."""
        d_vocab, n_ctx, d_out = self.EVOU.shape[0], self.PVOU.shape[0], self.EUPU.shape[1]
        free = list(range(max(0, n_ctx - 3), n_ctx - 1))    # the (up to) two varying positions
        shape = (d_vocab,) * len(free)
        axes = [np.arange(d_vocab).reshape((1,) * j + (-1,) + (1,) * (len(free) - 1 - j)) for j in range(len(free))]
        size = d_vocab ** len(free)
        block = np.empty((d_out, size))
        flat, columns = block.reshape(-1), np.arange(size)
        for q in range(d_vocab):
            scores = (self.EQKE[q][None, :] + self.EQKP[q][:, None]) * self.scale   # (n_ctx, d_vocab)
            scores[-1] = scores[-1, q]                          # the last token is q
            e = np.exp(scores - scores.max())
            terms = e[:, :, None] * (self.EUPU[q] + self.EVOU[None] + self.PVOU[:, None])  # (n_ctx, d_vocab, d_out)
            grid_n, grid_d, grid_max = np.zeros((d_out,) + shape), np.zeros(shape), np.full(shape, q)
            for axis, p in zip(axes, free):
                grid_n += terms[p].T[:, axis]
                grid_d += e[p][axis]
                np.maximum(grid_max, axis, out=grid_max)
            grid_n, grid_d, grid_max = grid_n.reshape(d_out, size), grid_d.reshape(size), grid_max.reshape(size)
            for prefix in itertools.product(range(d_vocab), repeat=max(0, n_ctx - 3)):
                fixed = list(enumerate(prefix)) + [(n_ctx - 1, q)]
                np.add(grid_n, sum(terms[i, t] for i, t in fixed)[:, None], out=block)
                label_entries = np.maximum(grid_max, max(prefix, default=0)) * size + columns
                true = flat[label_entries]
                flat[label_entries] = -np.inf
                yield (true - block.max(axis=0)) / (grid_d + sum(e[i, t] for i, t in fixed))


def _margin(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """logits[label] minus the largest other logit, row by row (overwrites ``logits``)."""
    rows = np.arange(len(labels))
    true = logits[rows, labels]
    logits[rows, labels] = -np.inf
    return true - logits.max(axis=1)


def _tally(margin_blocks: Iterator[np.ndarray]) -> tuple[int, int, int]:
    """(correct, near_ties, total) over blocks of margins; refuses to count a non-finite one
    (softmax underflow or overflow) rather than call it wrong."""
    correct = near = total = 0
    for margin in margin_blocks:
        if not np.isfinite(margin).all():
            raise FloatingPointError("non-finite logit margin: the float64 evaluation overflowed")
        correct += int(np.count_nonzero(margin > TIE_TOLERANCE))
        near += int(np.count_nonzero(np.abs(margin) <= TIE_TOLERANCE))
        total += len(margin)
    return correct, near, total


def _sample_inputs(d_vocab: int, n_ctx: int, samples: int, seed: int) -> Iterator[np.ndarray]:
    """``samples`` i.i.d. uniform sequences from default_rng(seed), CHUNK rows at a time."""
    rng = np.random.default_rng(seed)
    for start in range(0, samples, CHUNK):
        yield rng.integers(0, d_vocab, size=(min(CHUNK, samples - start), n_ctx))


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def exact_accuracy(tensors: Mapping[str, np.ndarray]) -> dict:
    """Count correct inputs over all d_vocab^n_ctx sequences (the card's ``accuracy`` record)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    correct, near, total = _tally(Circuits.from_tensors(tensors).all_margins())
    return {"method": "exhaustive", "total": total, "correct": correct, "near_ties": near,
            "wrong": total - correct - near, "accuracy": correct / total,
            "fraction": f"{correct}/{total}", "tie_tolerance": TIE_TOLERANCE,
            "seconds": round(time.perf_counter() - start, 2),
            "cpu_seconds": round(time.process_time() - start_cpu, 2)}


def sampled_accuracy(tensors: Mapping[str, np.ndarray], samples: int = SAMPLE_SIZE,
                     seed: int = SAMPLE_SEED) -> dict:
    """Estimate accuracy on ``samples`` seeded uniform inputs, with a 95% Wilson interval."""
    start, start_cpu = time.perf_counter(), time.process_time()
    d_vocab, n_ctx = tensors["embed.W_E"].shape[0], tensors["pos_embed.W_pos"].shape[0]
    circuits = Circuits.from_tensors(tensors)
    correct, near, total = _tally(map(circuits.margins, _sample_inputs(d_vocab, n_ctx, samples, seed)))
    lo, hi = wilson_interval(correct, total)
    return {"method": "sample", "samples": total, "seed": seed, "correct": correct,
            "near_ties": near, "accuracy": correct / total, "fraction": f"{correct}/{total}",
            "ci95": [lo, hi], "tie_tolerance": TIE_TOLERANCE,
            "seconds": round(time.perf_counter() - start, 2),
            "cpu_seconds": round(time.process_time() - start_cpu, 2)}


def accuracy_record(tensors: Mapping[str, np.ndarray]) -> dict:
    """Exact count when there are at most ``EXHAUSTIVE_LIMIT`` inputs, else a sample estimate."""
    d_vocab, n_ctx = tensors["embed.W_E"].shape[0], tensors["pos_embed.W_pos"].shape[0]
    if d_vocab ** n_ctx <= EXHAUSTIVE_LIMIT:
        return exact_accuracy(tensors)
    return sampled_accuracy(tensors)
