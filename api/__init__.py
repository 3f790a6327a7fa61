"""compact-proofs: machine-checked accuracy bounds for small Max-of-K transformers.

The trusted base is ``compact_proofs.checker``; everything else (strategies, training, audit, the
command-line faces) is untrusted and only calls it.
"""

from compact_proofs.checker import __version__

__all__ = ["__version__"]
