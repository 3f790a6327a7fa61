"""The face of the checker: the ``verify`` command and its output formats. Not trusted for
soundness: it only runs ``checker.kernel.check`` and renders the verdicts; the exit code is the
worst verdict (0 verified, 1 rejected, 2 unusable)."""
