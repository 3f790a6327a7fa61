"""Small real models and their certificates, made through the real strategies, for tests."""

from __future__ import annotations

import json
from pathlib import Path

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
