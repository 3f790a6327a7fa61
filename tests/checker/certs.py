"""Small real models and their certificates, made through the real strategies, for tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from compact_proofs.checker.io.weights import ModelConfig, tensor_shapes
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


def copying_model(folder: Path, d_vocab: int, n_ctx: int, step: float = 8.0) -> Path:
    """A hand-built model that computes Max-of-K almost exactly, for any d_vocab with d_model 4:
    every key's score is ``step`` times its token (EQKE exactly rank one, no positional part), the
    value of token t is (t, 1) and the logit of output j is 2 j t - j^2 summed with the attention
    weights: largest at j = t (EVOU copies), no direct path. Its strategies prove (nearly) every
    case, so a certificate lists every case a rule can check: what cost-scaling tests need."""
    d, dm = d_vocab, 4
    config = ModelConfig(n_ctx=n_ctx, d_vocab=d, d_vocab_out=d, d_model=dm, d_head=dm)
    t = {k: np.zeros(s, dtype=np.float32) for k, s in tensor_shapes(config).items()}
    tokens = np.arange(d, dtype=np.float32)
    t["embed.W_E"][:, 0], t["embed.W_E"][:, 1] = tokens / d, 1.0
    t["blocks.0.attn.W_Q"][0, 1, 0] = step * d * np.sqrt(dm)  # score(q, t) = step * t after the 1/sqrt(d_head)
    t["blocks.0.attn.W_K"][0, 0, 0] = 1.0
    t["blocks.0.attn.W_V"][0, 0, 0] = t["blocks.0.attn.W_V"][0, 1, 1] = 1.0
    t["blocks.0.attn.W_O"][0, 0, 2] = t["blocks.0.attn.W_O"][0, 1, 3] = 1.0
    t["unembed.W_U"][2, :], t["unembed.W_U"][3, :] = 2 * tokens * d, -tokens ** 2
    path = folder / f"copying-{d}-{n_ctx}.safetensors"
    save_model(path, config, t)
    return path
