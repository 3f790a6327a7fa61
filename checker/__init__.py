"""The trusted base: weight loading, the model digest, the certificate reader and the kernel.

Nothing here imports ``strategies`` or ``training``. Every inference rule is named in ``checker.rulebook.RULES`` with its claim; its Lean mirror in
``lean/`` has the same name. ``checker/`` is the whole trusted base.
"""

__version__ = "0.1.0"
