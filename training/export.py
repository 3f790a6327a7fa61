"""Write a model to safetensors with its config in the metadata, in TransformerLens layout."""

from __future__ import annotations

import os
from typing import Mapping

import numpy as np
from safetensors.numpy import save_file

from compact_proofs.checker.io.weights import SAFETENSORS_FORMAT, Model, ModelConfig, validate


def save_model(path: str | os.PathLike, config: ModelConfig, tensors: Mapping[str, np.ndarray]) -> Model:
    """Validate ``tensors`` against ``config`` exactly as the loader will, then write them.
    Returns the validated model (so the caller has its digest)."""
    model = validate(config, {k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()}, str(path))
    metadata = {"format": SAFETENSORS_FORMAT, "config": config.canonical_json()}
    save_file({k: np.ascontiguousarray(v) for k, v in model.tensors.items()}, str(path), metadata=metadata)
    return model
