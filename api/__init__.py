"""compact-proofs: machine-checked accuracy bounds for small Max-of-K transformers.

The trusted base is ``compact_proofs.checker``; everything else (strategies, training, audit, the
command-line faces) is untrusted and only calls it. The Python API (``compact_proofs.python_api``):

    compact_proofs.load_model(path_or_state_dict, config=None) -> Model
    compact_proofs.prove(model_or_path, strategy="cubic", out=None) -> Proof
    compact_proofs.verify(path) -> Result

``compact_proofs.verify`` is also the package of the ``verify`` command (``compact_proofs.verify.cli``):
the package is made callable, so both spellings work. The API is imported on first use, so
importing ``compact_proofs.checker`` alone loads nothing but the checker.
"""

import types

from compact_proofs.checker import __version__
from compact_proofs import verify as _verify_package  # after __version__: the package may import it

__all__ = ["__version__", "load_model", "prove", "verify", "Model", "Proof", "Result"]
_API = {"load_model", "prove", "Model", "Proof", "Result"}


def __getattr__(name: str) -> object:
    if name in _API:
        from compact_proofs import python_api

        return getattr(python_api, name)
    raise AttributeError(f"module 'compact_proofs' has no attribute {name!r}")


class _CallableVerifyPackage(types.ModuleType):
    """``compact_proofs.verify``: the verify package, and callable as the API's ``verify``."""

    def __call__(self, path, weights=None, jobs: int = 1, **limits):
        from compact_proofs import python_api

        return python_api.verify(path, weights=weights, jobs=jobs, **limits)

    __call__.__doc__ = ("compact_proofs.verify(path, weights=None, jobs=1, max_inputs=..., max_memory=...) -> Result; "
                        "see python_api.verify")


_verify_package.__class__ = _CallableVerifyPackage
verify = _verify_package
