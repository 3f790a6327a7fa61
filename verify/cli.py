"""``verify PATH [PATH ...]``: check certificates and say whether each claim is proved.

Exit codes: 0 every certificate verified; 1 at least one rejected (its claim is not proved, or
its proved bound is below --min-bound); 2 unusable input (unreadable, malformed, schema
violation, weights missing or not matching the digest) or bad usage.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from fractions import Fraction
from pathlib import Path

from compact_proofs.checker import __version__
from compact_proofs.checker.io.certificate import rational
from compact_proofs.checker.errors import Unusable
from compact_proofs.verify.formats import RENDERERS
from compact_proofs.checker.kernel import DEFAULT_MAX_MEMORY, check
from compact_proofs.checker.result import REJECTED, VERIFIED, Result

EPILOG = """\
A certificate is a JSON file (format compact-proofs-certificate) claiming that a model, named by
the digest of its weights, is correct on at least N of its d_vocab^K inputs. The kernel re-derives
the claim with exact and interval arithmetic; nothing in the certificate is taken on trust.
Directories are searched recursively for *.json files (files named *.schema.json are skipped).

exit codes: 0 all verified, 1 some rejected or below --min-bound, 2 unusable input or bad usage
examples:
  verify certificates/
  verify --format json --min-bound 0.99 certificates/brute_force/k4-seed50.json
"""


def environment() -> dict:
    """Versions a verdict depends on, reported with every run."""
    import flint
    try:
        flint_version = flint.__FLINT_VERSION__
    except AttributeError:  # older python-flint
        flint_version = "unknown"
    return {"checker": __version__, "python_flint": flint.__version__, "flint": flint_version,
            "python": platform.python_version()}


def collect(paths: list[str]) -> list[Path]:
    """Expand directories into their *.json certificates (sorted), keep files as given."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if not p.name.endswith(".schema.json")))
        else:
            found.append(path)
    return found


def progress_wanted() -> bool:
    """Progress goes to stderr only when it is a terminal and CI is unset."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def make_progress(label: str, enabled: bool):
    """A one-line progress meter ``label: done/total`` on stderr, or None."""
    if not enabled:
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r{label}: {done}/{total}")
        if done == total:
            sys.stderr.write("\r" + " " * (len(label) + 24) + "\r")
        sys.stderr.flush()
    return show


def parse_bound(text: str) -> Fraction:
    """--min-bound accepts '0.99', '99/100' or '1'; decimals are read exactly."""
    try:
        return rational(text, "--min-bound") if "/" in text else Fraction(text)
    except (Unusable, ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """--max-memory accepts bytes or a number with K, M, G or T (binary: 4G = 4 GiB), e.g. '512M', '1.5GiB'."""
    number = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = number[-1:] if number[-1:] in _UNITS else ""
    try:
        value = float(number[:len(number) - len(unit)]) * _UNITS[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 4G, 512M)") from None
    if not 1 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 4G, 512M)")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verify", description="Check accuracy certificates of Max-of-K transformers with a small trusted kernel.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="certificate files or directories")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text", help="output format (default text)")
    parser.add_argument("--min-bound", type=parse_bound, metavar="X",
                        help="also fail (exit 1) a certificate whose proved bound is below X")
    parser.add_argument("--weights", metavar="FILE", help="use these weights instead of the certificate's path")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="worker processes for brute-force checks (default: all cores)")
    parser.add_argument("--max-memory", type=parse_size, default=DEFAULT_MAX_MEMORY, metavar="SIZE",
                        help=f"memory a check may use, e.g. 8G or 512M (default {DEFAULT_MAX_MEMORY // 2**30}G): a "
                             "cubic check works in chunks that fit, and one that cannot fit is refused before it "
                             "starts (exit 2) with its estimate; brute-force checks use fixed-size blocks")
    parser.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    parser.add_argument("--version", action="version", version=f"verify (compact-proofs checker) {__version__}")
    return parser


def apply_min_bound(result: Result, min_bound: Fraction | None) -> None:
    if min_bound is not None and result.verdict == VERIFIED and result.bound < min_bound:
        result.verdict = REJECTED
        result.reason = f"proved bound {float(result.bound):.6f} is below --min-bound {float(min_bound):.6f}"


def run(args: argparse.Namespace) -> int:
    paths = collect(args.paths)
    if not paths:
        print("verify: no certificates found", file=sys.stderr)
        return 2
    show_progress = progress_wanted()
    results = []
    for path in paths:
        result = check(path, weights=args.weights, jobs=max(1, args.jobs),
                       progress=make_progress(str(path), show_progress), max_memory=args.max_memory)
        apply_min_bound(result, args.min_bound)
        results.append(result)
    text = RENDERERS[args.format](results, environment())
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return max(r.exit_code for r in results)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # bad usage exits 2 with argparse's message
    try:
        return run(args)
    except KeyboardInterrupt:
        print("verify: interrupted", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
