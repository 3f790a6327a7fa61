"""The trusted base: weight loading, the model digest, the certificate reader and the kernel.

Nothing here imports ``strategies``, ``training`` or ``audit``. Every inference rule is named in
``checker.rulebook.RULES`` with its claim; its Lean mirror in ``lean/`` has the same name.
"""

__version__ = "0.1.0"
