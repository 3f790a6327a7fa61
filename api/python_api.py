"""The Python API, for notebooks: load a model, prove a bound, verify the certificate.

    import compact_proofs
    model = compact_proofs.load_model("models/k4/seed50.safetensors")
    proof = compact_proofs.prove(model, strategy="cubic", out="k4-seed50.json")
    result = compact_proofs.verify("k4-seed50.json")
    result.verdict, result.bound              # ('verified', Fraction(8236717, 8388608))

A model may also come from memory, e.g. a TransformerLens ``HookedTransformer`` ``model``:
``compact_proofs.load_model({k: v.numpy() for k, v in model.state_dict().items()},
model.cfg.to_dict())``; torch is never imported here. This is untrusted glue: loading is the
checker's own validation (``checker.io.weights``), ``prove`` runs an (untrusted) strategy and
writes what it claims, and only ``verify``, the kernel, decides what is proved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Mapping

import numpy as np

from compact_proofs.checker import kernel
from compact_proofs.checker.io.weights import Model, load_state_dict
from compact_proofs.checker.io.weights import load_model as load_weight_file
from compact_proofs.checker.result import Result
from compact_proofs.strategies import subcubic
from compact_proofs.strategies.certificate import envelope, write
from compact_proofs.strategies.prove import STRATEGIES
from compact_proofs.training.export import save_model

IN_MEMORY = "<state dict>"


@dataclass(frozen=True)
class Proof:
    """What ``prove`` made: the certificate, where it was written (None: nowhere), and the
    accuracy it claims. A claim only, until ``verify`` checks it."""

    document: dict
    path: Path | None
    claimed: Fraction


def load_model(source: str | os.PathLike | Mapping[str, np.ndarray], config: object = None) -> Model:
    """A validated model, or ``Unusable`` (a one-line reason) for anything the kernel cannot check.

    ``source`` is a weight file (``.safetensors`` or a ``torch.save`` ``.pt``; its config comes
    from the file, from ``<file>.config.json`` beside it, or else from the tensor shapes) or an
    in-memory state dict of numpy arrays, with ``config`` a config dict (this project's, or a
    TransformerLens ``cfg.to_dict()``), a ``ModelConfig``, or None to infer it from the shapes.
    ``Model.config_source`` says which it was."""
    if isinstance(source, (str, os.PathLike)):
        if config is not None:
            raise TypeError("a weight file's config comes from the file or <file>.config.json beside it; "
                            "config= is for in-memory state dicts")
        return load_weight_file(source)
    return load_state_dict(source, config, IN_MEMORY)


def prove(model_or_path: Model | str | os.PathLike, strategy: str = "cubic",
          out: str | os.PathLike | None = None, config: str | None = None) -> Proof:
    """Run ``strategy`` (``cubic``, ``brute_force``, ``hybrid`` or ``subcubic``, the last with
    ``config``: a configuration or group name as ``prove --config``, default ``ours``) on a model
    (a ``Model`` or a weight file) and write its certificate to ``out``. A model loaded from
    memory has no weight file for the certificate to name, so its weights are saved beside
    ``out`` as ``<out stem>.safetensors``
    (and ``out`` is then required). With ``out=None`` nothing is written and the certificate
    names the weight file by its absolute path."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r} (choose from {', '.join(sorted(STRATEGIES))})")
    if config is not None and strategy != "subcubic":
        raise ValueError("config= names a sub-cubic configuration; it needs strategy='subcubic'")
    model = model_or_path if isinstance(model_or_path, Model) else load_model(model_or_path)
    target = None if out is None else Path(out)
    if model.source != IN_MEMORY:
        weight_file = Path(model.source).resolve()
    elif target is None:
        raise ValueError("a model loaded from memory has no weight file: give out='name.json' "
                         "(its weights are saved beside it as name.safetensors)")
    else:
        weight_file = target.with_suffix(".safetensors")
        target.parent.mkdir(parents=True, exist_ok=True)
        if save_model(weight_file, model.config, model.tensors).digest != model.digest:
            raise RuntimeError(f"{weight_file}: the saved weights do not have the model's digest")  # cannot happen
    if strategy == "subcubic":
        proof, covered, stats = subcubic.prove(model, config=config)
    else:
        proof, covered, stats = STRATEGIES[strategy](model)
    claimed = Fraction(covered, model.config.d_vocab ** model.config.n_ctx)
    document = envelope(model, weight_file, target or weight_file, covered, strategy, stats, proof)
    if target is None:
        document["model"]["weights"] = str(weight_file)
    else:
        write(target, document)
    return Proof(document, target, claimed)


def verify(path: str | os.PathLike, weights: str | os.PathLike | None = None, jobs: int = 1,
           max_inputs: int = kernel.MAX_INPUTS, max_memory: int = kernel.DEFAULT_MAX_MEMORY) -> Result:
    """Check one certificate file with the kernel. Never raises for bad input: ``Result.verdict``
    is ``verified``, ``rejected`` or ``error``, ``Result.reason`` says why, and ``Result.bound``
    is the proved accuracy (a Fraction) when verified. ``weights`` overrides the certificate's
    weight path; ``jobs`` sets the brute-force workers; a brute-force check of more than
    ``max_inputs`` inputs is refused (the kernel's work limit, as ``verify --max-inputs``), and
    the tables of a cubic check are built in chunks within ``max_memory`` bytes (``--max-memory``)."""
    return kernel.check(path, weights=weights, jobs=jobs, max_inputs=max_inputs, max_memory=max_memory)
