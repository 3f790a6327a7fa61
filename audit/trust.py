"""The trust report: what a verified certificate rests on (Lean's ``#print axioms``, for the kernel).

For one certificate it names the format and kernel versions, the model digest, the proof rule,
every kernel rule the check applied with its claim (``checker.rulebook.RULES``) and its Lean
mirror (a theorem of the same name in ``lean/*.lean``; installed, the .lean files ship as package
data in ``compact_proofs/lean/``), and the assumptions the kernel does not prove but relies on:
IEEE binary64 elementwise arithmetic in numpy, FLINT/arb, and CPython's correctly rounded
conversions.

A rule the kernel applied but the rulebook does not state, or whose Lean theorem is not found
(the whole mirror may be missing, as in an installation without the .lean files), is a gap in
the argument: the report lists it under ``problems`` and the audit fails.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import numpy as np

from compact_proofs import checker
from compact_proofs.checker import arith, shards
from compact_proofs.checker.proofs import brute_force, cubic, hybrid, subcubic
from compact_proofs.checker.io.certificate import FORMAT_NAME, FORMAT_VERSION
from compact_proofs.verify.cli import environment
from compact_proofs.checker.errors import CheckError
from compact_proofs.checker.result import VERIFIED, Result
from compact_proofs.checker.rulebook import RULES

LEAN_DIR = Path(checker.__file__).resolve().parent.parent / "lean"
RULES_BY_PROOF = {"brute_force": brute_force.RULES_USED, "cubic": cubic.RULES_USED,
                  "subcubic": subcubic.RULES_USED_BY_ANY, "hybrid": hybrid.RULES_USED}
_DECLARATION = re.compile(r"^[ \t]*(?:@\[[^\]]*\][ \t]*)?(?:(?:private|protected|nonrec)[ \t]+)*"
                          r"(?:theorem|lemma)[ \t]+([^\s:({\[⦃]+)", re.MULTILINE)

MEANING = ("The model is the exact real-number function of the exported float32 weights (exact exp, "
           "exact 1/sqrt(d_head), softmax attention read at the last position). An input is correct iff "
           "the logit of its maximum token is strictly greater than every other logit (ties are wrong). "
           "A verified certificate means: at least bound * d_vocab^K inputs of the model with this digest "
           "are correct.")


def assumptions(env: dict, self_test_ok: bool) -> list[dict]:
    """What the kernel assumes and does not prove, with how (or whether) each is checked."""
    return [
        {"name": "ieee_binary64_numpy",
         "statement": "numpy's elementwise +, -, *, minimum, maximum, abs and nextafter on float64 arrays "
                      "are single IEEE 754 binary64 operations (any rounding mode, gradual underflow)",
         "checked_by": "the kernel's start-up self-test (checker.arith.self_test)",
         "status": "self-test passed on this machine" if self_test_ok else "SELF-TEST FAILED on this machine",
         "versions": {"numpy": np.__version__}},
        {"name": "flint_arb",
         "statement": "FLINT's fmpz_mat products are exact and arb's exp and sqrt balls contain the true "
                      "values (arb's ball semantics)",
         "checked_by": "not checked: trusted library",
         "status": "trusted",
         "versions": {"python_flint": env.get("python_flint"), "flint": env.get("flint")}},
        {"name": "cpython_rounding",
         "statement": "CPython's int / int true division and float(Fraction) are correctly rounded "
                      "(used to enclose exact dyadic table entries and rational constants)",
         "checked_by": "partly, by the self-test's float(Fraction(1, 3)) probe",
         "status": "self-test passed on this machine" if self_test_ok else "SELF-TEST FAILED on this machine",
         "versions": {"python": env.get("python")}},
        {"name": "shard_workers",
         "statement": "enumerating proofs (brute_force, hybrid) run in shards; with verify --jobs N > 1 the "
                      "shards are computed by the kernel's own code in forked processes, with verify --dask on "
                      "Dask workers. The coordinating kernel proves that the shards tile the enumeration once "
                      "(shard_merge) and refuses a shard for another model, rule or kernel source, but it "
                      "trusts the workers to have run the kernel code they report unchanged and the executor "
                      "(multiprocessing, Dask) to return their results unaltered",
         "checked_by": "shard_merge (coverage, model digest, rule, kernel source digest); not the workers' "
                       "execution: with --jobs 1 and no --dask everything runs in the verifying process",
         "status": "trusted when shards run elsewhere",
         "versions": {"kernel_source": shards.KERNEL_DIGEST}},
        {"name": "weight_decoding",
         "statement": "the weight file's bytes are decoded as written (safetensors / the allow-listed "
                      "unpickler); the digest is taken over the decoded tensors, so a certificate names "
                      "exactly the numbers the kernel reasoned about",
         "checked_by": "the digest comparison in checker.kernel.prove",
         "status": "by construction",
         "versions": {}},
    ]


def lean_theorems(lean_dir: Path = LEAN_DIR) -> dict[str, list[str]]:
    """Short theorem name (the last dotted component) -> ['file:line', ...] over ``lean_dir/*.lean``."""
    found: dict[str, list[str]] = {}
    for path in sorted(lean_dir.glob("*.lean")) if lean_dir.is_dir() else []:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in _DECLARATION.finditer(text):
            name = match.group(1).split(".")[-1]
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(name, []).append(f"{path.name}:{line}")
    return found


def _raw_envelope(path: Path) -> dict:
    """Format, version and proof rule as written in the file, read leniently (for the report only)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(doc, dict):
        return {}
    proof = doc.get("proof") if isinstance(doc.get("proof"), dict) else {}
    model = doc.get("model") if isinstance(doc.get("model"), dict) else {}
    return {"format": doc.get("format"), "version": doc.get("version"), "rule": proof.get("rule"),
            "digest": model.get("digest")}


def trust_report(path: str | Path, result: Result, lean_dir: Path = LEAN_DIR) -> dict:
    """The trust report of the certificate at ``path`` whose kernel check gave ``result``."""
    env = environment()
    try:
        arith.self_test()
        self_test_ok = True
    except CheckError:
        self_test_ok = False
    raw = _raw_envelope(Path(path))
    proof_rule = raw.get("rule")
    if result.verdict == VERIFIED:
        applied, source = list(result.rules), "applied by this check (Result.rules)"
    else:
        applied = list(RULES_BY_PROOF.get(proof_rule, ()))
        source = "not verified: the rules this proof rule would apply (RULES_USED)"
    theorems = lean_theorems(lean_dir)
    rules, problems = [], []
    for name in applied:
        claim = RULES.get(name)
        where = theorems.get(name, [])
        rules.append({"name": name, "claim": claim, "lean_theorem": name, "lean_found": bool(where),
                      "lean_locations": where})
        if claim is None:
            problems.append(f"rule {name!r} is applied by the kernel but not stated in checker.rulebook.RULES")
    missing_lean = [r["name"] for r in rules if not r["lean_found"]]
    if not theorems:
        problems.append(f"the Lean mirror is missing: no theorems in {lean_dir}/*.lean, so no rule's Lean "
                        "theorem can be shown (reinstall compact-proofs, or run from the repository)")
    elif missing_lean:
        problems.append(f"no Lean theorem found in {lean_dir} for {len(missing_lean)} of {len(rules)} rules: "
                        + ", ".join(missing_lean))
    if not self_test_ok:
        problems.append("the kernel's float64 start-up self-test fails on this machine")
    return {
        "certificate": str(path),
        "format": raw.get("format"), "format_version": raw.get("version"),
        "kernel_version": checker.__version__,
        "kernel_reads": f"{FORMAT_NAME} {FORMAT_VERSION[0]}.0 to {FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}",
        "model_digest": result.model_digest or raw.get("digest"),
        "proof_rule": proof_rule,
        "verdict": result.verdict,
        "reason": result.reason,
        "claimed": _frac(result.claimed),
        "proved_bound": _frac(result.bound),
        "meaning": MEANING,
        "rules_source": source,
        "rules": rules,
        "assumptions": assumptions(env, self_test_ok),
        "environment": env,
        "lean_dir": str(lean_dir),
        "problems": problems,
    }


def _frac(x: Fraction | None) -> str | None:
    return None if x is None else f"{x.numerator}/{x.denominator}"


def render_trust(report: dict) -> str:
    """The trust report as readable text."""
    bound = report["proved_bound"]
    lines = [
        f"certificate   {report['certificate']}",
        f"format        {report['format']} {report['format_version']}   (kernel {report['kernel_version']} "
        f"reads {report['kernel_reads']})",
        f"model digest  {report['model_digest']}",
        f"proof rule    {report['proof_rule']}",
        f"verdict       {report['verdict']}" + (f", proved bound {bound} ({float(Fraction(bound)):.6f})"
                                                 if bound else f" ({report['reason']})"),
        f"meaning       {report['meaning']}",
        "",
        f"kernel rules ({report['rules_source']}):",
    ]
    for rule in report["rules"]:
        lean = (f"lean: {rule['lean_theorem']} ({', '.join(rule['lean_locations'])})" if rule["lean_found"]
                else f"lean: {rule['lean_theorem']} (NOT FOUND in lean/*.lean)")
        lines.append(f"  {rule['name']:<22s} {lean}")
        lines.append(f"      {rule['claim'] if rule['claim'] is not None else 'NO CLAIM IN THE RULEBOOK'}")
    lines += ["", "assumed, not proved by the kernel:"]
    for a in report["assumptions"]:
        versions = ", ".join(f"{k} {v}" for k, v in a["versions"].items())
        lines.append(f"  {a['name']}: {a['statement']}")
        lines.append(f"      {a['status']}; checked by: {a['checked_by']}" + (f"; {versions}" if versions else ""))
    for p in report["problems"]:
        lines.append(f"PROBLEM: {p}")
    return "\n".join(lines) + "\n"
