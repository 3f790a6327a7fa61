"""Assembling and writing certificate documents (the envelope every strategy shares)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from compact_proofs.checker import __version__
from compact_proofs.checker.io.certificate import FORMAT_NAME, FORMAT_VERSION
from compact_proofs.checker.io.weights import Model


def envelope(model: Model, weights: Path, certificate: Path, covered: int, strategy: str,
             parameters: dict, proof: dict) -> dict:
    """The full certificate for ``model`` whose weights live at ``weights``, claiming ``covered``
    of its d_vocab^K inputs (written 'covered/total', unreduced); the path stored is relative to
    where the certificate will be written. Where the model's config came from is recorded as
    ``strategy.parameters.config_source``; a config inferred from the tensor shapes is also said on
    stderr, since the file stated no architecture. Nothing in it depends on the clock or the
    machine, so proving the same model twice gives the same bytes."""
    c = model.config
    if model.config_source == "shapes":
        print(f"note: {model.source}: no model config given, so it is inferred from the tensor shapes: n_ctx "
              f"{c.n_ctx}, d_vocab {c.d_vocab}, d_vocab_out {c.d_vocab_out}, d_model {c.d_model}, d_head {c.d_head}, "
              "one causal attention head scaled by 1/sqrt(d_head) (state it in a <weights>.config.json beside "
              "the weights, e.g. a TransformerLens cfg.to_dict())", file=sys.stderr)
    return {
        "format": FORMAT_NAME,
        "version": f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}",
        "model": {"digest": model.digest, "config": c.to_dict(),
                  "weights": os.path.relpath(weights, certificate.parent)},
        "task": {"name": "max_of_k", "k": c.n_ctx, "d_vocab": c.d_vocab},
        "claim": {"accuracy_at_least": f"{covered}/{c.d_vocab ** c.n_ctx}"},
        "strategy": {"name": strategy, "parameters": {**parameters, "config_source": model.config_source}},
        "producer": {"tool": "compact-proofs", "version": __version__},
        "proof": proof,
    }


def write(path: Path, document: dict) -> None:
    """Write the envelope indented by two spaces and each array of the proof on one line, UTF-8,
    through a temporary file renamed into place (an interrupted run leaves no partial file)."""
    arrays: dict[str, str] = {}

    def inline(value):
        if isinstance(value, list):
            key = f"@@array{len(arrays)}@@"
            arrays[key] = json.dumps(value, separators=(",", ":"))
            return key
        if isinstance(value, dict):
            return {k: inline(v) for k, v in value.items()}
        return value

    text = json.dumps({**document, "proof": inline(document["proof"])}, indent=2)
    for key, array in arrays.items():
        text = text.replace(f'"{key}"', array)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text + "\n", encoding="utf-8")
    os.replace(partial, path)
