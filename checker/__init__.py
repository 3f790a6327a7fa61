"""The trusted base: weight loading, the model digest, the certificate reader and the kernel.

Nothing here imports ``strategies`` or ``training``. Every inference rule lives in ``rules``
(see ``checker.rules.RULES``) with its claim stated and the name of its Lean mirror.
"""

__version__ = "0.1.0"
