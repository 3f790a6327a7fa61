"""The numpy model: the hand-written backward pass against finite differences, and the
last-position shortcut against a plain full causal forward pass."""

import numpy as np
import pytest

from compact_proofs.checker.io.weights import tensor_shapes
from compact_proofs.training.model import (PARAM_NAMES, init_params, last_logits, loss_and_grads, max_of_k_config,
                                           to_tensors)

TINY = max_of_k_config(3, d_vocab=7, d_model=5, d_head=4)


def tiny_case(seed=0):
    rng = np.random.default_rng(seed)
    params = {k: 3 * v for k, v in init_params(TINY, rng, np.float64).items()}  # sharper attention
    tokens = rng.integers(0, TINY.d_vocab, size=(6, TINY.n_ctx))
    return params, tokens


@pytest.mark.parametrize("name", PARAM_NAMES)
def test_gradient_matches_finite_differences(name):
    params, tokens = tiny_case()
    _, grads = loss_and_grads(params, tokens)
    assert grads[name].shape == params[name].shape and grads[name].dtype == np.float64
    numeric = np.zeros_like(params[name])
    h = 1e-6
    for index in np.ndindex(params[name].shape):
        saved = params[name][index]
        params[name][index] = saved + h
        up, _ = loss_and_grads(params, tokens)
        params[name][index] = saved - h
        down, _ = loss_and_grads(params, tokens)
        params[name][index] = saved
        numeric[index] = (up - down) / (2 * h)
    assert np.abs(numeric).max() > 1e-4  # the check is not vacuous
    np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-8)


def full_forward(tensors, tokens):
    """Every position's logits, written out the TransformerLens way (biases included)."""
    W = {k: np.asarray(v, np.float64) for k, v in tensors.items()}
    n_ctx = tokens.shape[1]
    x = W["embed.W_E"][tokens] + W["pos_embed.W_pos"][:n_ctx]
    q = np.einsum("bpd,hde->bphe", x, W["blocks.0.attn.W_Q"]) + W["blocks.0.attn.b_Q"]
    k = np.einsum("bpd,hde->bphe", x, W["blocks.0.attn.W_K"]) + W["blocks.0.attn.b_K"]
    v = np.einsum("bpd,hde->bphe", x, W["blocks.0.attn.W_V"]) + W["blocks.0.attn.b_V"]
    scores = np.einsum("bqhe,bkhe->bhqk", q, k) / np.sqrt(q.shape[-1])
    scores = np.where(np.tril(np.ones((n_ctx, n_ctx), bool)), scores, -np.inf)
    pattern = np.exp(scores - scores.max(-1, keepdims=True))
    pattern /= pattern.sum(-1, keepdims=True)
    z = np.einsum("bhqk,bkhe->bqhe", pattern, v)
    attn_out = np.einsum("bqhe,hed->bqd", z, W["blocks.0.attn.W_O"]) + W["blocks.0.attn.b_O"]
    return (x + attn_out) @ W["unembed.W_U"] + W["unembed.b_U"]


def test_last_position_forward_matches_full_causal_forward():
    params, tokens = tiny_case(1)
    tensors = to_tensors(params, TINY)
    rounded = {k: v.astype(np.float32).astype(np.float64) for k, v in params.items()}
    np.testing.assert_allclose(last_logits(rounded, tokens), full_forward(tensors, tokens)[:, -1],
                               rtol=1e-12, atol=1e-12)


def test_export_layout():
    params, _ = tiny_case()
    tensors = to_tensors(params, TINY)
    assert {k: v.shape for k, v in tensors.items()} == tensor_shapes(TINY)
    assert all(v.dtype == np.float32 for v in tensors.values())


def test_init_scale_and_order():
    config = max_of_k_config(4)
    params = init_params(config, np.random.default_rng(0))
    assert list(params) == list(PARAM_NAMES)
    assert all(v.dtype == np.float32 for v in params.values())
    everything = np.concatenate([v.ravel() for v in params.values()])
    assert abs(everything.std() - 0.8 / np.sqrt(32)) < 0.005
