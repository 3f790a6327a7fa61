"""The Lean mirror in lean/ stays in sync with the kernel's rulebook (no Lean needed).

* every rule in ``checker.rulebook.RULES`` has a theorem of exactly that name, declared at the
  top level (outside any namespace) in ``lean/*.lean``, with a ``mirrors: <rule>`` doc comment;
* every ``mirrors: X`` doc comment sits on a theorem named ``X`` and ``X`` is a rule;
* every proof rule of the kernel (``checker.kernel.PROOF_RULES``) has a top-level theorem
  ``<rule>_sound`` with a ``sound: <rule>`` doc comment, and every ``sound:`` comment names a
  proof rule (the list is read from the kernel, so a new rule fails here until its Lean lands);
* no ``sorry``/``admit`` and no ``axiom`` declaration appears in ``lean/*.lean``;
* ``lean/check.py`` checks exactly the files present, skips without Lean, and fails with one
  line under ``--require``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from compact_proofs.checker.kernel import PROOF_RULES
from compact_proofs.checker.rulebook import RULES

LEAN_DIR = Path(__file__).resolve().parents[2] / "lean"
SOURCES = {p.name: p.read_text(encoding="utf-8") for p in sorted(LEAN_DIR.glob("*.lean"))}

THEOREM_RE = re.compile(r"^\s*(?:@\[[^\]]*\]\s*)?(?:private\s+|protected\s+)?theorem\s+([^\s({\[:]+)")
NAMESPACE_RE = re.compile(r"^\s*namespace\s+(\S+)")
SECTION_RE = re.compile(r"^\s*section(?:\s+(\S+))?\s*$")
END_RE = re.compile(r"^\s*end(?:\s+(\S+))?\s*$")
DOC_THEOREM_RE = re.compile(r"/--((?:(?!-/).)*)-/\s*theorem\s+([^\s({\[:]+)", re.S)
MIRRORS_RE = re.compile(r"mirrors:\s*([A-Za-z_][A-Za-z0-9_']*)")
SOUND_TAG_RE = re.compile(r"^\s*sound:\s*([A-Za-z_][A-Za-z0-9_']*)")
SORRY_RE = re.compile(r"\b(sorry|admit)\b")
AXIOM_RE = re.compile(
    r"^\s*(?:@\[[^\]]*\]\s*)?(?:private\s+|protected\s+|noncomputable\s+|unsafe\s+)*axiom\s", re.M)


def strip_block_comments(text: str) -> str:
    """Blank out /- ... -/ comments (nesting allowed), keeping line structure."""
    out, depth, i = [], 0, 0
    while i < len(text):
        if text.startswith("/-", i):
            depth += 1
            out.append("  ")
            i += 2
        elif depth and text.startswith("-/", i):
            depth -= 1
            out.append("  ")
            i += 2
        else:
            ch = text[i]
            out.append(ch if depth == 0 or ch == "\n" else " ")
            i += 1
    return "".join(out)


def declared_theorems() -> dict[str, str]:
    """Fully qualified theorem name -> file, tracking namespace/section/end blocks."""
    found: dict[str, str] = {}
    for fname, text in SOURCES.items():
        stack: list[tuple[str, str]] = []
        for line in strip_block_comments(text).splitlines():
            line = line.split("--", 1)[0]
            if m := NAMESPACE_RE.match(line):
                stack.append(("namespace", m.group(1)))
            elif m := SECTION_RE.match(line):
                stack.append(("section", m.group(1) or ""))
            elif m := END_RE.match(line):
                assert stack, f"{fname}: unmatched 'end'"
                kind, name = stack.pop()
                assert (m.group(1) or "") == name, f"{fname}: 'end {m.group(1) or ''}' closes {kind} {name!r}"
            elif m := THEOREM_RE.match(line):
                prefix = [name for kind, name in stack if kind == "namespace"]
                found[".".join(prefix + [m.group(1)])] = fname
        assert not stack, f"{fname}: unclosed {stack}"
    return found


def mirror_docs() -> list[tuple[str, str, str]]:
    """(file, rule named in the doc comment, theorem the doc comment is attached to)."""
    out = []
    for fname, text in SOURCES.items():
        for m in DOC_THEOREM_RE.finditer(text):
            doc, thm = m.group(1), m.group(2)
            for r in MIRRORS_RE.finditer(doc):
                out.append((fname, r.group(1), thm))
    return out


def test_lean_sources_exist():
    assert SOURCES, "no lean/*.lean files"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_has_a_top_level_theorem(rule):
    theorems = declared_theorems()
    assert rule in theorems, f"rule {rule!r} has no top-level theorem named {rule} in lean/*.lean"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_has_a_mirrors_doc_comment(rule):
    assert any(r == rule and t == rule for _, r, t in mirror_docs()), \
        f"theorem {rule} lacks a '/-- mirrors: {rule}. ... -/' doc comment"


def test_every_mirrors_comment_names_a_rule_and_its_theorem():
    docs = mirror_docs()
    assert docs
    for fname, rule, thm in docs:
        assert rule in RULES, f"{fname}: 'mirrors: {rule}' names no rule in checker.rulebook.RULES"
        assert thm == rule, f"{fname}: 'mirrors: {rule}' is attached to theorem {thm}"


def test_each_rule_mirrored_once():
    rules = [r for _, r, _ in mirror_docs()]
    dupes = sorted({r for r in rules if rules.count(r) > 1})
    assert not dupes, f"rules mirrored more than once: {dupes}"


@pytest.mark.parametrize("fname", sorted(SOURCES))
def test_no_sorry(fname):
    for i, line in enumerate(SOURCES[fname].splitlines(), 1):
        assert not SORRY_RE.search(line), f"{fname}:{i}: {line.strip()}"


@pytest.mark.parametrize("fname", sorted(SOURCES))
def test_no_axiom_declarations(fname):
    assert not AXIOM_RE.search(strip_block_comments(SOURCES[fname])), f"{fname} declares an axiom"


def test_check_script_covers_every_file():
    text = (LEAN_DIR / "check.py").read_text(encoding="utf-8")
    block = re.search(r"ORDER = \[(.*?)\]", text, re.S)
    assert block, "lean/check.py has no ORDER list"
    listed = re.findall(r'"([^"]+\.lean)"', block.group(1))
    assert sorted(listed) == sorted(SOURCES), f"ORDER {listed} vs files {sorted(SOURCES)}"


def sound_docs() -> list[tuple[str, str, str]]:
    """(file, proof rule named by a leading ``sound:`` in the doc comment, theorem)."""
    out = []
    for fname, text in SOURCES.items():
        for m in DOC_THEOREM_RE.finditer(text):
            if r := SOUND_TAG_RE.match(m.group(1)):
                out.append((fname, r.group(1), m.group(2)))
    return out


def test_every_proof_rule_has_a_sound_theorem():
    theorems = declared_theorems()
    missing = [rule for rule in sorted(PROOF_RULES) if f"{rule}_sound" not in theorems]
    assert not missing, ("kernel proof rules without a top-level Lean theorem <rule>_sound in lean/*.lean: "
                         + ", ".join(f"{r} (needs {r}_sound)" for r in missing))


def test_every_sound_theorem_is_tagged():
    tagged = {(rule, thm) for _, rule, thm in sound_docs()}
    untagged = [rule for rule in sorted(PROOF_RULES) if (rule, f"{rule}_sound") not in tagged]
    assert not untagged, f"theorems lacking a '/-- sound: <rule>. ... -/' doc comment: " \
                         f"{', '.join(r + '_sound' for r in untagged)}"


def test_every_sound_comment_names_a_proof_rule():
    docs = sound_docs()
    assert docs
    for fname, rule, thm in docs:
        assert rule in PROOF_RULES, f"{fname}: 'sound: {rule}' names no proof rule of checker.kernel.PROOF_RULES"
        assert thm.startswith(rule + "_") and thm.endswith("_sound"), \
            f"{fname}: 'sound: {rule}' is attached to theorem {thm}, not {rule}_sound or {rule}_..._sound"


def run_check(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LEAN"}
    env["PATH"] = str(LEAN_DIR / "no-such-dir")  # no lean on PATH
    return subprocess.run([sys.executable, str(LEAN_DIR / "check.py"), *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_check_skips_without_lean():
    proc = run_check()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "skipping the Lean check" in proc.stdout


def test_check_require_fails_without_lean():
    proc = run_check("--require")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("FAIL: --require: no lean binary found"), proc.stdout
    proc = run_check("--require", "--lean", str(LEAN_DIR / "no-such-lean"))
    assert proc.returncode == 1 and "no-such-lean" in proc.stdout, proc.stdout
