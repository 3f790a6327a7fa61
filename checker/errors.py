"""The two ways a check can fail, kept apart because they mean different things.

``Unusable``: the input cannot be checked at all (unreadable, malformed, wrong version, weights
missing or not matching the certificate's digest). ``verify`` exits 2.

``Rejected``: the input is well formed but its claim is not proved (a premise fails, a count
is short, a hint points at a case that does not hold). ``verify`` exits 1.

Both carry a one-line, human-readable reason. Nothing in the kernel catches them except the
command-line face, so a failure can never be mistaken for a proof.
"""


class CheckError(Exception):
    """Base class: a check did not produce a proof. The message is the reason."""


class Unusable(CheckError):
    """The input cannot be checked (exit code 2)."""


class Rejected(CheckError):
    """The input was checked and its claim is not proved (exit code 1)."""
