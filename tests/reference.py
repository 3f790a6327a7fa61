"""An independent, slow reference for tests: the model evaluated in mpmath at 40 digits,
straight from the float32 weights (it shares no code with checker.tables), and small models."""

from __future__ import annotations

import itertools

import mpmath
import numpy as np

from compact_proofs.checker.io.weights import Model, ModelConfig, tensor_shapes, validate

mpmath.mp.dps = 40


def small_model(seed: int, d_vocab: int = 6, n_ctx: int = 3, d_model: int = 4, scale: float = 1.0,
                maxish: bool = True) -> Model:
    """Random float32 weights; ``maxish`` plants a direction that makes many inputs correct."""
    config = ModelConfig(n_ctx=n_ctx, d_vocab=d_vocab, d_vocab_out=d_vocab, d_model=d_model, d_head=d_model)
    rng = np.random.default_rng(seed)
    tensors = {k: (rng.normal(0, scale, s) if "W_" in k else np.zeros(s)).astype(np.float32)
               for k, s in tensor_shapes(config).items()}
    if maxish:
        tensors["embed.W_E"][:, 0] = np.linspace(-2, 2, d_vocab)
        tensors["unembed.W_U"][0, :] = np.linspace(-6, 6, d_vocab)
    return validate(config, tensors, f"small_model({seed})")


def _mp(array: np.ndarray) -> mpmath.matrix:
    return mpmath.matrix([[mpmath.mpf(float(x)) for x in row] for row in np.atleast_2d(array)])


_CACHE: dict[str, tuple] = {}


def _weights(model: Model):
    if model.digest not in _CACHE:
        _CACHE[model.digest] = _convert(model)
    return _CACHE[model.digest]


def _convert(model: Model):
    t = model.tensors
    return tuple(_mp(np.squeeze(t[k], 0) if t[k].ndim == 3 else t[k]) for k in
                 ("embed.W_E", "pos_embed.W_pos", "blocks.0.attn.W_Q", "blocks.0.attn.W_K",
                  "blocks.0.attn.W_V", "blocks.0.attn.W_O", "unembed.W_U"))


def logits(model: Model, seq: tuple[int, ...]) -> list:
    """The exact-real model's last-position logits (to 40 digits)."""
    WE, Wp, WQ, WK, WV, WO, WU = _weights(model)
    xs = [WE[seq[i], :] + Wp[i, :] for i in range(len(seq))]
    query = xs[-1] * WQ
    scores = [(query * (x * WK).T)[0] / mpmath.sqrt(model.config.d_head) for x in xs]
    top = max(scores)
    w = [mpmath.exp(s - top) for s in scores]
    Z = sum(w)
    mixed = sum(((w[i] / Z) * (xs[i] * WV) for i in range(len(seq))), mpmath.zeros(1, WV.cols))
    out = xs[-1] + mixed * WO
    row = out * WU
    return [row[j] for j in range(WU.cols)]


def margin(model: Model, seq: tuple[int, ...]):
    """logit of the max token minus the largest other logit (> 0 iff correct)."""
    row = logits(model, seq)
    m = max(seq)
    return row[m] - max(row[j] for j in range(len(row)) if j != m)


def correct_count(model: Model) -> int:
    c = model.config
    return sum(margin(model, s) > 0 for s in itertools.product(range(c.d_vocab), repeat=c.n_ctx))
