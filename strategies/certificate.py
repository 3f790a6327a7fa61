"""Assembling and writing certificate documents (the envelope every strategy shares)."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

from checker import __version__
from checker.certificate import FORMAT_NAME, FORMAT_VERSION
from checker.weights import Model


def envelope(model: Model, weights: Path, certificate: Path, claimed: Fraction, strategy: str,
             parameters: dict, proof: dict) -> dict:
    """The full certificate for ``model`` whose weights live at ``weights``; the path stored is
    relative to where the certificate will be written."""
    c = model.config
    return {
        "format": FORMAT_NAME,
        "version": f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}",
        "model": {"digest": model.digest, "config": c.to_dict(),
                  "weights": os.path.relpath(weights, certificate.parent)},
        "task": {"name": "max_of_k", "k": c.n_ctx, "d_vocab": c.d_vocab},
        "claim": {"accuracy_at_least": f"{claimed.numerator}/{claimed.denominator}"},
        "strategy": {"name": strategy, "parameters": parameters},
        "producer": {"tool": "compact-proofs", "version": __version__},
        "proof": proof,
    }


def write(path: Path, document: dict) -> None:
    """Write compactly: arrays of numbers on one line each, objects indented."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, separators=(",", ":")) + "\n")
