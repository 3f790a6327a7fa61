"""What checking one certificate produced: the record every output format renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

VERIFIED, REJECTED, ERROR = "verified", "rejected", "error"
EXIT_CODES = {VERIFIED: 0, REJECTED: 1, ERROR: 2}


@dataclass
class Result:
    """One certificate's verdict.

    ``bound`` is the accuracy lower bound the kernel proved (None unless verified); ``claimed``
    is the certificate's own claim (None if it could not be read). ``rules`` lists the kernel
    rules the check applied; ``flops`` counts the arithmetic operations it did."""

    path: str
    verdict: str
    reason: str = ""
    claimed: Fraction | None = None
    bound: Fraction | None = None
    model_digest: str | None = None
    strategy: str | None = None
    seconds: float = 0.0
    flops: int = 0
    rules: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]
