"""Small hand-built Max-of-K models and their certificates, made once per test session.

The model computes max by construction: token t embeds a feature t/V and a constant 1; the
query reads the constant, keys the feature, so attention grows with the key token (lam per step);
OV copies the feature into an output dimension (v = sum_i a_i t_i) and the unembedding gives
logit_j = 2 j v - j^2, largest at the j nearest v. Seeded noise makes it generic; a moderate lam
leaves some inputs wrong, so certificates are below 1 and both kinds of verdict occur."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from compact_proofs.checker.io.weights import ModelConfig
from compact_proofs.strategies.prove import prove_one
from compact_proofs.training.export import save_model


def max_model(V: int = 8, K: int = 4, lam: float = 2.0, noise: float = 0.02, seed: int = 0, d: int = 4):
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
    weights = {"embed.W_E": E, "pos_embed.W_pos": np.zeros((K, d)), "blocks.0.attn.W_Q": Q[None],
               "blocks.0.attn.W_K": Kw[None], "blocks.0.attn.W_V": Vw[None], "blocks.0.attn.W_O": O[None],
               "unembed.W_U": U}
    tensors = {k: (v + noise * rng.standard_normal(v.shape)).astype(np.float32) for k, v in weights.items()}
    tensors.update({"blocks.0.attn.b_Q": np.zeros((1, d), np.float32), "blocks.0.attn.b_K": np.zeros((1, d), np.float32),
                    "blocks.0.attn.b_V": np.zeros((1, d), np.float32), "blocks.0.attn.b_O": np.zeros((d,), np.float32),
                    "unembed.b_U": np.zeros((V,), np.float32)})
    return config, tensors


# Sub-cubic configurations of the zoo: between them every kind of hint and choice (two and four
# EQKE factors with peels, a centre, envelope breakpoints and mean+diff averages, column and
# spread non-max bounds, shared gaps).
SUBCUBIC = {"subcubic_envelope": "ours/envelope+column/rank_one",
            "subcubic_meandiff": "mean_query+max_diff/mean_query+diff/max_diff_subproduct"}


@pytest.fixture(scope="session")
def zoo(tmp_path_factory) -> dict[str, Path]:
    """{'weights', 'brute_force', 'cubic', 'subcubic_envelope', 'subcubic_meandiff'}: a V=8, K=4
    model and its certificates (in separate folders, so the certificates' relative weight paths
    are exercised)."""
    root = tmp_path_factory.mktemp("audit-zoo")
    weights = root / "models" / "max8k4.safetensors"
    weights.parent.mkdir()
    save_model(weights, *max_model())
    paths = {"weights": weights}
    for strategy in ("brute_force", "cubic"):
        paths[strategy] = root / "certificates" / strategy / "max8k4.json"
        prove_one(weights, strategy, paths[strategy])
    for name, config in SUBCUBIC.items():
        paths[name] = root / "certificates" / name / "max8k4.json"
        prove_one(weights, "subcubic", paths[name], config=config)
    return paths
