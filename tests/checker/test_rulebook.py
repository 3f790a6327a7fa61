"""The rulebook is the index of the kernel's trust: every rule is cited by a proof rule, and
attacked by at least one property test named after it."""

from __future__ import annotations

import ast
from pathlib import Path

from compact_proofs.checker.proofs import brute_force, cubic, hybrid, subcubic
from compact_proofs.checker.rulebook import RULES

TESTS = Path(__file__).parent


def collected_test_names():
    names = set()
    for path in TESTS.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


def test_every_rule_has_a_property_test_named_after_it():
    names = collected_test_names()
    missing = [rule for rule in RULES if not any(rule in name for name in names)]
    assert not missing, f"rules with no test named after them: {missing}"


def test_proof_rules_cite_only_rulebook_rules_and_together_cite_all():
    cited = (set(brute_force.RULES_USED) | set(cubic.RULES_USED) | set(subcubic.RULES_USED_BY_ANY)
             | set(hybrid.RULES_USED))
    assert cited <= set(RULES)
    assert cited == set(RULES), f"rules no proof cites: {set(RULES) - cited}"


def test_every_rule_states_a_claim():
    assert all(isinstance(claim, str) and len(claim) > 20 for claim in RULES.values())
