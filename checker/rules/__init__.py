"""Primitive rules: each function applies one rule of ``checker.rulebook`` (its docstring names the
rule and says exactly what it returns). Proof rules in ``checker.proofs`` are compositions of these."""
