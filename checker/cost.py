"""The cost of a check: what the kernel actually performs, counted where it is performed.

Every arithmetic primitive of the kernel (``checker.arith``, ``checker.tables``) adds its work to
the meter of the check that runs it, so a rule composed of primitives is counted by construction.
The kinds of work, each counted per element:

- ``rounded``: float64 operations whose result is rounded outward (one IEEE operation and one
  ``nextafter`` step: ``arith.down`` / ``arith.up``);
- ``float``: float64 operations used as computed (the corner products of an interval product
  before rounding; the brute-force sums covered by ``fl_sum_error``);
- ``compare``: comparisons, minima and maxima, selections; a reduction of a line of n entries is
  n - 1, a sort of n entries n * ceil(log2 n);
- ``madd``: exact integer multiply-adds (FLINT matrix products and sums), and ``limb``: the 64-bit
  limb products they take, ceil(b1 / 64) * ceil(b2 / 64) per multiply-add of b1- and b2-bit operands;
- ``arb``: operations on arb balls (exp, sqrt and arithmetic at the kernel's precision).

Gathers, copies and reshapes are not counted. ``total`` sums every kind but ``madd`` (whose
work is its ``limb`` count): one number per check, the proof's checked length.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator

KINDS = ("rounded", "float", "compare", "madd", "limb", "arb")


class Meter:
    """Counts of each kind of work, for one check."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(KINDS, 0)

    def add(self, kind: str, n: int) -> None:
        self.counts[kind] += int(n)

    def merge(self, counts: dict[str, int]) -> None:
        """Add the counts of work done elsewhere for this check (a worker process)."""
        for kind in KINDS:
            self.counts[kind] += int(counts[kind])

    @property
    def total(self) -> int:
        return sum(n for kind, n in self.counts.items() if kind != "madd")


_meter: Meter | None = None


@contextmanager
def metered() -> Iterator[Meter]:
    """Count the kernel work done inside the block into a new meter. An enclosing meter does not
    see it (a worker process returns its counts and the caller merges them)."""
    global _meter
    outer, _meter = _meter, Meter()
    try:
        yield _meter
    finally:
        _meter = outer


def add(kind: str, n: int) -> None:
    """Record ``n`` units of ``kind`` in the open meter (none open: work outside a check)."""
    if _meter is not None:
        _meter.add(kind, n)


def merge(counts: dict[str, int]) -> None:
    """Add counts returned by a worker process to the open meter."""
    if _meter is not None:
        _meter.merge(counts)


def reduction(size: int, line: int) -> None:
    """Record the reduction of ``size`` entries in lines of ``line`` entries (line - 1 each)."""
    if line > 0:
        add("compare", size // line * (line - 1))


def sort(size: int, line: int) -> None:
    """Record sorting ``size`` entries in lines of ``line`` entries (n ceil(log2 n) each)."""
    if line > 1:
        add("compare", size * math.ceil(math.log2(line)))


def exact_products(madds: int, bits_a: int, bits_b: int) -> None:
    """Record ``madds`` integer multiply-adds of operands of at most ``bits_a`` and ``bits_b`` bits."""
    add("madd", madds)
    add("limb", madds * max(1, -(-bits_a // 64)) * max(1, -(-bits_b // 64)))
