"""Small real models and their certificates, made through the real strategies, for tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from compact_proofs.checker.io.weights import ModelConfig
from compact_proofs.strategies.prove import prove_one
from compact_proofs.training.export import save_model
from tests.reference import small_model


def make_model(folder: Path, seed: int = 1, d_vocab: int = 6, n_ctx: int = 3) -> Path:
    model = small_model(seed, d_vocab=d_vocab, n_ctx=n_ctx)
    path = folder / f"model-{seed}-{d_vocab}-{n_ctx}.safetensors"
    save_model(path, model.config, dict(model.tensors))
    return path


def certificate_doc(folder: Path, strategy: str, seed: int = 1, d_vocab: int = 6, n_ctx: int = 3) -> dict:
    weights = make_model(folder, seed, d_vocab, n_ctx)
    out = folder / f"{strategy}-{seed}.json"
    prove_one(weights, strategy, out)
    return json.loads(out.read_text())


def write_doc(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc))
    return path


def copy_doc(doc: dict) -> dict:
    """A deep copy of a certificate document, to tamper with."""
    return json.loads(json.dumps(doc))


def max_model(V: int = 8, K: int = 4, lam: float = 2.0, noise: float = 0.02, seed: int = 0, d: int = 4,
              direct: bool = True):
    """(config, tensors) of a hand-built Max-of-K model: token t embeds a feature t/V and a constant 1;
    the query reads the constant, keys the feature, so attention grows with the key token (``lam``
    per step); OV copies the feature (v = sum_i a_i t_i) and the unembedding gives
    logit_j = 2 j v - j^2, largest at the j nearest v; the -j^2 comes from the query's constant by
    the direct path, or (``direct=False``) from every key's constant through OV, leaving no direct
    path. Seeded ``noise`` makes it generic; with none and a large ``lam`` it is right on (nearly)
    every input, for any V, and its strategies list (nearly) every case."""
    rng = np.random.default_rng(seed)
    config = ModelConfig(n_ctx=K, d_vocab=V, d_vocab_out=V, d_model=d, d_head=d)
    E = np.zeros((V, d))
    E[:, 0], E[:, 1] = np.arange(V) / V, 1.0
    Q, Kw, Vw, O, U = np.zeros((d, d)), np.zeros((d, d)), np.zeros((d, d)), np.zeros((d, d)), np.zeros((d, V))
    Q[1, 0] = 1.0
    Kw[0, 0] = lam * V * np.sqrt(d)
    Vw[0, 1] = 1.0
    O[1, 2] = V
    U[2], U[1] = 2 * np.arange(V), -np.arange(V) ** 2
    if not direct:
        Vw[1, 3], O[3, 3], U[3], U[1] = 1.0, 1.0, U[1], 0.0
    weights = {"embed.W_E": E, "pos_embed.W_pos": np.zeros((K, d)), "blocks.0.attn.W_Q": Q[None],
               "blocks.0.attn.W_K": Kw[None], "blocks.0.attn.W_V": Vw[None], "blocks.0.attn.W_O": O[None],
               "unembed.W_U": U}
    tensors = {k: (v + noise * rng.standard_normal(v.shape)).astype(np.float32) for k, v in weights.items()}
    tensors.update({f"blocks.0.attn.b_{x}": np.zeros((1, d), np.float32) for x in "QKV"})
    tensors.update({"blocks.0.attn.b_O": np.zeros((d,), np.float32), "unembed.b_U": np.zeros((V,), np.float32)})
    return config, tensors
