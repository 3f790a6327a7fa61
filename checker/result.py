"""What checking one certificate produced: the record every output format renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

VERIFIED, REJECTED, ERROR = "verified", "rejected", "error"
BELOW_MIN_BOUND = "below_min_bound"  # verified, but under the caller's threshold (set by verify, never the kernel)
EXIT_CODES = {VERIFIED: 0, REJECTED: 1, BELOW_MIN_BOUND: 1, ERROR: 2}


@dataclass
class Result:
    """One certificate's verdict.

    ``bound`` is the accuracy lower bound the kernel proved (None unless verified); ``claimed``
    is the certificate's own claim (None if it could not be read); ``total`` is the number of
    inputs, d_vocab^K (None if the certificate could not be read). ``rules`` lists the kernel
    rules the check applied; ``cost`` is the work it performed, by proof rule and kind of
    operation (``checker.cost``), and ``operations`` its total: the proof's checked length."""

    path: str
    verdict: str
    reason: str = ""
    claimed: Fraction | None = None
    bound: Fraction | None = None
    model_digest: str | None = None
    strategy: str | None = None
    total: int | None = None
    seconds: float = 0.0
    cost: dict[str, dict[str, int]] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)

    @property
    def operations(self) -> int:
        return sum(n for counts in self.cost.values() for kind, n in counts.items() if kind != "madd")

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]
