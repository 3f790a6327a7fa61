"""The Max-of-K transformer in numpy: its parameters, the forward pass at the last position,
and the hand-written backward pass of the training loss.

The model (Gross et al. 2024): one layer, one head, attention only, no LayerNorm, learned
absolute positions, causal attention with scores divided by sqrt(d_head), untied unembedding,
all biases zero. For a sequence t_0 .. t_{K-1} the residual stream is x_i = W_E[t_i] + W_pos[i].
Only the last position's logits are trained and read, and the last query attends to every
position, so the forward pass computes just that row:

    q = x_{K-1} W_Q,   k_i = x_i W_K,   v_i = x_i W_V,   s_i = q . k_i / sqrt(d_head)
    a = softmax(s),    out = x_{K-1} + (sum_i a_i v_i) W_O,   logits = out W_U

Loss: mean cross-entropy of those logits against the maximum token of each sequence.

Parameters live in a dict keyed by ``PARAM_NAMES`` with the head axis dropped (W_Q is
(d_model, d_head)); ``to_tensors`` converts to the exported TransformerLens layout. Every
function works in the dtype of the parameters it is given (float32 to train, float64 for the
gradient check) and does its arithmetic in a fixed order, so results are reproducible. The
reductions over the whole batch use ``np.einsum`` (numpy's own loops) rather than BLAS, whose
multithreaded kernels round differently from its single-threaded ones: the weights a seed gives
do not depend on the BLAS thread count.
"""

from __future__ import annotations

import numpy as np

from compact_proofs.checker.io.weights import ModelConfig

PARAM_NAMES = ("W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_U")
EXPORT_NAMES = {"W_E": "embed.W_E", "W_pos": "pos_embed.W_pos", "W_Q": "blocks.0.attn.W_Q",
                "W_K": "blocks.0.attn.W_K", "W_V": "blocks.0.attn.W_V", "W_O": "blocks.0.attn.W_O",
                "W_U": "unembed.W_U"}
Params = dict[str, np.ndarray]


def max_of_k_config(k: int, d_vocab: int = 64, d_model: int = 32, d_head: int = 32) -> ModelConfig:
    """The architecture for Max-of-``k`` (the paper's sizes by default)."""
    return ModelConfig(n_ctx=k, d_vocab=d_vocab, d_vocab_out=d_vocab, d_model=d_model, d_head=d_head)


def param_shapes(config: ModelConfig) -> dict[str, tuple[int, int]]:
    """Shape of every trained parameter (head axis dropped)."""
    c = config
    return {"W_E": (c.d_vocab, c.d_model), "W_pos": (c.n_ctx, c.d_model),
            "W_Q": (c.d_model, c.d_head), "W_K": (c.d_model, c.d_head), "W_V": (c.d_model, c.d_head),
            "W_O": (c.d_head, c.d_model), "W_U": (c.d_model, c.d_vocab_out)}


def init_params(config: ModelConfig, rng: np.random.Generator, dtype: type = np.float32) -> Params:
    """Draw every W_* from N(0, 0.8 / sqrt(d_model)) (TransformerLens's default init), in the
    order of ``PARAM_NAMES``, as float64 normals cast to ``dtype``."""
    sigma = 0.8 / np.sqrt(config.d_model)
    return {name: (sigma * rng.standard_normal(shape)).astype(dtype)
            for name, shape in param_shapes(config).items()}


def _forward(params: Params, tokens: np.ndarray) -> dict[str, np.ndarray]:
    """Last-position forward pass; returns every intermediate the backward pass needs."""
    dtype = params["W_E"].dtype
    scale = dtype.type(1.0 / np.sqrt(params["W_Q"].shape[1]))
    X = params["W_E"][tokens] + params["W_pos"]               # (B, K, d_model)
    x = X[:, -1]                                              # (B, d_model)
    q = x @ params["W_Q"]                                     # (B, d_head)
    k = X @ params["W_K"]                                     # (B, K, d_head)
    v = X @ params["W_V"]                                     # (B, K, d_head)
    s = (k @ q[:, :, None])[:, :, 0] * scale                  # (B, K)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    a = e / e.sum(axis=1, keepdims=True)                      # (B, K)
    z = (a[:, None, :] @ v)[:, 0]                             # (B, d_head)
    out = x + z @ params["W_O"]                               # (B, d_model)
    logits = out @ params["W_U"]                              # (B, d_vocab_out)
    return {"X": X, "x": x, "q": q, "k": k, "v": v, "a": a, "z": z, "out": out,
            "logits": logits, "scale": scale}


def last_logits(params: Params, tokens: np.ndarray) -> np.ndarray:
    """Logits at the last position for a batch of token sequences of shape (B, K)."""
    return _forward(params, tokens)["logits"]


def loss_and_grads(params: Params, tokens: np.ndarray) -> tuple[float, Params]:
    """Mean cross-entropy of the last-position logits against max(tokens), and its gradient
    with respect to every parameter (same keys, shapes and dtype as ``params``)."""
    f = _forward(params, tokens)
    batch, n_ctx = tokens.shape
    labels = tokens.max(axis=1)
    rows = np.arange(batch)

    shifted = f["logits"] - f["logits"].max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, labels]))

    d_logits = exp / total
    d_logits[rows, labels] -= 1
    d_logits /= batch                                         # (B, d_vocab_out)
    g_U = f["out"].T @ d_logits
    d_out = d_logits @ params["W_U"].T                        # (B, d_model)
    g_O = f["z"].T @ d_out
    d_z = d_out @ params["W_O"].T                             # (B, d_head)
    d_a = (f["v"] @ d_z[:, :, None])[:, :, 0]                 # (B, K)
    d_v = f["a"][:, :, None] * d_z[:, None, :]                # (B, K, d_head)
    d_s = f["a"] * (d_a - (f["a"] * d_a).sum(axis=1, keepdims=True)) * f["scale"]
    d_q = (d_s[:, None, :] @ f["k"])[:, 0]                    # (B, d_head)
    d_k = d_s[:, :, None] * f["q"][:, None, :]                # (B, K, d_head)

    g_Q = f["x"].T @ d_q
    g_K = np.einsum("bki,bkj->ij", f["X"], d_k)
    g_V = np.einsum("bki,bkj->ij", f["X"], d_v)
    d_X = d_k @ params["W_K"].T + d_v @ params["W_V"].T       # (B, K, d_model)
    d_X[:, -1] += d_out + d_q @ params["W_Q"].T
    g_pos = d_X.sum(axis=0)
    g_E = np.zeros_like(params["W_E"])
    order = np.argsort(tokens.reshape(-1), kind="stable")     # scatter-add, grouped by token
    present, starts = np.unique(tokens.reshape(-1)[order], return_index=True)
    g_E[present] = np.add.reduceat(d_X.reshape(batch * n_ctx, -1)[order], starts, axis=0)
    return loss, {"W_E": g_E, "W_pos": g_pos, "W_Q": g_Q, "W_K": g_K, "W_V": g_V, "W_O": g_O,
                  "W_U": g_U}


def to_tensors(params: Params, config: ModelConfig) -> dict[str, np.ndarray]:
    """The exported state dict: TransformerLens names and shapes, float32, zero biases."""
    tensors = {EXPORT_NAMES[name]: params[name].astype(np.float32) for name in PARAM_NAMES}
    for name in ("W_Q", "W_K", "W_V", "W_O"):
        tensors[EXPORT_NAMES[name]] = tensors[EXPORT_NAMES[name]][None]
    tensors["blocks.0.attn.b_Q"] = np.zeros((1, config.d_head), np.float32)
    tensors["blocks.0.attn.b_K"] = np.zeros((1, config.d_head), np.float32)
    tensors["blocks.0.attn.b_V"] = np.zeros((1, config.d_head), np.float32)
    tensors["blocks.0.attn.b_O"] = np.zeros((config.d_model,), np.float32)
    tensors["unembed.b_U"] = np.zeros((config.d_vocab_out,), np.float32)
    return tensors
