"""Proof rules: each turns a certificate's proof object and a model into a count of inputs proved correct."""

from __future__ import annotations

from typing import Callable

import numpy as np

from compact_proofs.checker.errors import Rejected


def reject_cases(where: str, problems: list[tuple[np.ndarray, str]], case: Callable[[int], str],
                 q: np.ndarray, m: np.ndarray, c: np.ndarray) -> None:
    """Raise ``Rejected`` naming the first listed case that a problem's mask marks (``case(r)``
    describes case r), or the first (q, m, c) listed twice: such a list is a false proof."""
    for bad, why in problems:
        if bad.any():
            r = int(np.argmax(bad))
            raise Rejected(f"{where}: case #{r} ({case(r)}): {why}")
    if len(set(zip(q.tolist(), m.tolist(), c.tolist()))) != len(q):
        raise Rejected(f"{where}: a case (q, m, c) is listed twice")
