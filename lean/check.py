#!/usr/bin/env python3
"""Check the Lean mirror of the kernel's inference rules.

Usage: python lean/check.py [--lean PATH] [--require] [--no-timing] [--allow-axiom NAME ...]

Finds ``lean`` (``--lean``, else the ``LEAN`` environment variable, else ``PATH``). Without it,
prints that the check is skipped and exits 0 (CI has no Lean), or, with ``--require``, prints
one line saying so and exits 1. With it:

* refuses sources that contain ``sorry``/``admit`` or declare an ``axiom``;
* checks the files of ``ORDER`` as one concatenation (there is no lake project: each file may
  use everything declared in the files before it). For per-file timing the prefixes
  ``ORDER[:1]``, ``ORDER[:2]``, ... are checked in turn and the increments reported;
* appends ``#print axioms NAME`` for every theorem whose doc comment says ``mirrors: NAME``,
  every theorem named ``*_sound`` (the end-to-end soundness of the kernel's proof rules) and
  every ``supports:`` theorem, and requires each to depend on no axioms (unless allowed with
  ``--allow-axiom``);
* exits 1 on any error, any ``sorry`` in lean's output, or any disallowed axiom.

No dependencies beyond the Python standard library.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: The files in dependency order; each may use the ones before it.
ORDER = [
    "Field.lean",
    "Intervals.lean",
    "FloatError.lean",
    "Margin.lean",
    "Counting.lean",
    "Cubic.lean",
    "Model.lean",
    "Arith.lean",
    "CubicCheck.lean",
    "BruteForce.lean",
    "Subcubic.lean",
    "Scale.lean",
]

TIMEOUT = 3600

SORRY_RE = re.compile(r"\b(sorry|admit)\b")
AXIOM_DECL_RE = re.compile(r"^\s*(?:@\[[^\]]*\]\s*)?(?:private\s+|protected\s+|noncomputable\s+|unsafe\s+)*axiom\s",
                           re.M)
MIRROR_RE = re.compile(r"/--\s*mirrors:\s*([A-Za-z_][A-Za-z0-9_']*)((?:(?!-/).)*)-/\s*theorem\s+([^\s({\[:]+)", re.S)
PRINT_RE = re.compile(r"'([^']+)' (does not depend on any axioms|depends on axioms: \[([^\]]*)\])", re.S)
DIAG_RE = re.compile(r"^(.*?):(\d+):(\d+): (error|warning|info)(.*)$")


def find_lean(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    env = os.environ.get("LEAN")
    if env:
        return env
    return shutil.which("lean")


def mirrored_theorems(sources: dict[str, str]) -> list[str]:
    names = []
    for text in sources.values():
        for m in MIRROR_RE.finditer(text):
            rule, thm = m.group(1), m.group(3)
            if rule != thm:
                raise SystemExit(f"doc comment says 'mirrors: {rule}' but the theorem is named {thm}")
            names.append(thm)
    return names


def qualified_theorems(text: str) -> list[tuple[str, str]]:
    """(fully qualified name, doc comment) of every theorem declared at the start of a line,
    tracking ``namespace``/``section``/``end``."""
    out, stack, doc = [], [], ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("/--"):
            j = i
            while "-/" not in lines[j]:
                j += 1
            doc = "\n".join(lines[i:j + 1])
            i = j + 1
            continue
        if m := re.match(r"namespace\s+(\S+)", line):
            stack.append(m.group(1))
        elif re.match(r"section\b", line):
            stack.append("")
        elif re.match(r"end\b", line) and stack:
            stack.pop()
        elif m := re.match(r"theorem\s+([^\s({\[:]+)", line):
            out.append((".".join([n for n in stack if n] + [m.group(1)]), doc))
        if line.strip():
            doc = "" if not line.startswith("theorem") else doc
        i += 1
    return out


def sound_theorems(sources: dict[str, str]) -> list[str]:
    """Theorems named ``*_sound`` (the end-to-end soundness of a proof rule) and theorems whose
    doc comment says ``supports:`` (facts the rules' prose relies on), fully qualified."""
    return [name for text in sources.values() for name, doc in qualified_theorems(text)
            if name.endswith("_sound") or "supports:" in doc]


def build(prefix: list[str], sources: dict[str, str], extra: str = "") -> tuple[str, list[tuple[int, str]]]:
    """Concatenate files; return the text and a map of (first line, file name)."""
    parts, line_map, line = [], [], 1
    for name in prefix:
        text = sources[name]
        if not text.endswith("\n"):
            text += "\n"
        line_map.append((line, name))
        parts.append(text)
        line += text.count("\n")
    line_map.append((line, "<appended checks>"))
    return "".join(parts) + extra, line_map


def locate(line: int, line_map: list[tuple[int, str]]) -> tuple[str, int]:
    name, start = line_map[0][1], line_map[0][0]
    for first, fname in line_map:
        if first <= line:
            name, start = fname, first
    return name, line - start + 1


def run_lean(lean: str, text: str, workdir: Path, tag: str) -> tuple[int, str, float]:
    path = workdir / f"Check{tag}.lean"
    path.write_text(text, encoding="utf-8")
    t0 = time.monotonic()
    proc = subprocess.run([lean, str(path)], capture_output=True, text=True, timeout=TIMEOUT, cwd=workdir)
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - t0


def report(output: str, line_map: list[tuple[int, str]]) -> int:
    """Print lean's diagnostics with file-relative positions; return the number of errors."""
    errors = 0
    for raw in output.splitlines():
        m = DIAG_RE.match(raw)
        if m:
            fname, fline = locate(int(m.group(2)), line_map)
            kind = m.group(4)
            if kind == "error":
                errors += 1
            if kind != "info":
                print(f"  {fname}:{fline}:{m.group(3)}: {kind}{m.group(5)}")
        elif raw.strip() and errors:
            print(f"    {raw}")
    return errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lean", help="path to the lean binary (default: $LEAN, then PATH)")
    ap.add_argument("--require", action="store_true",
                    help="fail (exit 1) instead of skipping when no lean binary is found")
    ap.add_argument("--no-timing", action="store_true", help="check the full concatenation only")
    ap.add_argument("--allow-axiom", action="append", default=[], metavar="NAME",
                    help="an axiom the mirrored theorems may depend on (default: none)")
    args = ap.parse_args(argv)

    present = sorted(p.name for p in HERE.glob("*.lean"))
    missing = [n for n in ORDER if n not in present]
    unlisted = [n for n in present if n not in ORDER]
    if missing or unlisted:
        print(f"FAIL: ORDER and lean/*.lean differ (missing: {missing}, not in ORDER: {unlisted})")
        return 1
    sources = {n: (HERE / n).read_text(encoding="utf-8") for n in ORDER}

    bad = False
    for name, text in sources.items():
        for i, line in enumerate(text.splitlines(), 1):
            if SORRY_RE.search(line):
                print(f"FAIL: {name}:{i}: contains sorry/admit: {line.strip()}")
                bad = True
        if AXIOM_DECL_RE.search(text):
            print(f"FAIL: {name}: declares an axiom")
            bad = True
    if bad:
        return 1
    mirrors = mirrored_theorems(sources)
    sound = sound_theorems(sources)
    checked = mirrors + [n for n in sound if n not in mirrors]

    lean = find_lean(args.lean)
    if not lean or not (shutil.which(lean) or Path(lean).is_file()):
        if args.require:
            where = f"--lean {args.lean}" if args.lean else ("LEAN=" + os.environ["LEAN"] if os.environ.get("LEAN")
                                                            else "LEAN unset and none on PATH")
            print(f"FAIL: --require: no lean binary found ({where})")
            return 1
        print("lean not found on PATH; skipping the Lean check")
        return 0
    print(f"{len(mirrors)} mirrored theorems: {', '.join(mirrors)}")
    print(f"{len(sound)} soundness and supporting theorems: {', '.join(sound)}")
    ver = subprocess.run([lean, "--version"], capture_output=True, text=True)
    print(f"lean: {lean}\nversion: {(ver.stdout + ver.stderr).strip()}")

    allowed = set(args.allow_axiom)
    extra = "\n" + "".join(f"#print axioms {n}\n" for n in checked)
    with tempfile.TemporaryDirectory(prefix="leancheck") as tmp:
        workdir = Path(tmp)
        rc, out, base = run_lean(lean, "", workdir, "Empty")
        if rc != 0:
            print(f"FAIL: lean cannot check an empty file:\n{out}")
            return 1
        print(f"startup (empty file): {base:.2f}s")
        prefixes = [ORDER] if args.no_timing else [ORDER[:k] for k in range(1, len(ORDER) + 1)]
        prev = base
        total = 0.0
        final_out = ""
        for k, prefix in enumerate(prefixes):
            last = k == len(prefixes) - 1
            text, line_map = build(prefix, sources, extra if last else "")
            rc, out, secs = run_lean(lean, text, workdir, str(k))
            total += secs
            label = prefix[-1] if not args.no_timing else "all files"
            print(f"{label:16s} +{max(secs - prev, 0.0):7.2f}s   (cumulative check {secs:.2f}s)")
            prev = secs
            errors = report(out, line_map)
            if "declaration uses 'sorry'" in out or SORRY_RE.search(out):
                print("FAIL: lean reports sorry")
                return 1
            if rc != 0 or errors:
                print(f"FAIL: {errors} error(s) (exit code {rc}) while checking up to {prefix[-1]}")
                return 1
            if last:
                final_out = out
        print(f"full check: {prev:.2f}s wall ({prev - base:.2f}s beyond lean startup); all runs {total:.2f}s")

    found = {}
    for m in PRINT_RE.finditer(final_out):
        axioms = [] if m.group(3) is None else [a.strip() for a in m.group(3).replace("\n", " ").split(",") if a.strip()]
        found[m.group(1)] = axioms
    print("#print axioms:")
    ok = True
    for n in checked:
        if n not in found:
            print(f"  {n}: NO OUTPUT")
            ok = False
            continue
        axioms = found[n]
        if not axioms:
            print(f"  {n}: does not depend on any axioms")
        else:
            print(f"  {n}: depends on {', '.join(axioms)}")
            if any(a not in allowed for a in axioms):
                ok = False
    if not ok:
        print("FAIL: a checked theorem depends on an axiom that is not allowed (or printed nothing)")
        return 1
    print(f"OK: {len(mirrors)} mirrored and {len(sound)} soundness/supporting theorems checked, 0 errors, "
          "0 sorry, no axioms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
