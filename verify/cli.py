"""``verify PATH [PATH ...]``: check certificates and say whether each claim is proved.

Exit codes: 0 every certificate verified; 1 at least one rejected (its claim is not proved) or
below --min-bound; 2 unusable input (unreadable, malformed, schema violation, over the work
limit, weights missing or not matching the digest) or bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from compact_proofs.checker import __version__
from compact_proofs.checker.errors import CheckError
from compact_proofs.checker.io.certificate import read_certificate
from compact_proofs.checker.kernel import DEFAULT_MAX_MEMORY, MAX_INPUTS, check
from compact_proofs.checker.result import BELOW_MIN_BOUND, VERIFIED, Result
from compact_proofs.checker.shards import available_cpus
from compact_proofs.verify import discover, progress
from compact_proofs.verify.formats import FORMATS, Format, Report, Text, decimal_below, fraction_text

EPILOG = f"""\
A certificate is a JSON file (format compact-proofs-certificate) claiming that a model, named by
the digest of its weights, is correct on at least N of its d_vocab^K inputs. The kernel re-derives
the claim with exact and interval arithmetic; nothing in the certificate is taken on trust.

Directories are searched recursively and every file is judged by its content: a JSON object whose
"format" is compact-proofs-certificate is checked, whatever its name; other files (model cards,
schemas, weights) are skipped and listed with the reason. Files named on the command line are
always checked. One line per certificate is printed as it finishes, the summary last.

A brute-force certificate enumerates d_vocab^K inputs; more than --max-inputs (default
{MAX_INPUTS:.0e}: K=5 at d_vocab 64 runs) is refused before any work, with the estimate.

exit codes: 0 all verified, 1 some rejected or below --min-bound, 2 unusable input or bad usage
examples:
  verify certificates/
  verify --format json --min-bound 0.99 certificates/brute_force/k4-seed50.json
  verify --format junit --output verify.xml certificates/      (the table still streams to stdout)
  verify --changed --certificates certificates/ FILE...        (the pre-commit hook)
  verify --dask local --jobs 2 certificates/brute_force/k5-seed50.json   (shards on a Dask LocalCluster)
  verify certificates/slow/                                     (the slow gate: skipped under a folder given)
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


def parse_min_bound(text: str) -> Fraction:
    """--min-bound: a fraction 0 < x <= 1 written '0.99', '99/100' or '1' (read exactly)."""
    try:
        value = Fraction(text.removesuffix("%"))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a number: {text!r} (write e.g. 0.99 or 99/100)") from None
    if text.endswith("%") or 1 < value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is a percentage; --min-bound is a fraction of the inputs: "
                                         f"write {float(value / 100):g}")
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be a fraction 0 < x <= 1, got {text}")
    return value


def parse_count(text: str) -> int:
    """A positive integer written '2000000000', '2e9', '2_000_000_000' or '64^5'."""
    try:
        if re.fullmatch(r"[0-9]+\^[0-9]{1,3}", text):
            base, power = (int(x) for x in text.split("^"))
            value = base ** power
        else:
            number = Fraction(text.replace("_", ""))
            if number.denominator != 1:
                raise ValueError
            value = int(number)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r} (write e.g. 2e9 or 64^5)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


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


def integer_at_least(minimum: int, what: str = "") -> Callable[[str], int]:
    """An argparse type: an integer >= ``minimum``; ``what`` names it in the error."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{what + ' ' if what else ''}must be at least {minimum}, got {value}")
        return value
    return parse


positive = integer_at_least(1)  # --jobs, --steps


def build_parser(prog: str = "verify") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Check accuracy certificates of Max-of-K transformers with a small trusted kernel.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="PATH", help="certificate files or directories")
    parser.add_argument("--format", choices=list(FORMATS), default="text",
                        help="report format (default text; text and github stream a line per certificate)")
    parser.add_argument("--output", metavar="FILE",
                        help="write the report here (checked writable before any work); stdout then shows the "
                             "text table as certificates finish")
    parser.add_argument("--min-bound", type=parse_min_bound, metavar="X",
                        help="also fail (exit 1, verdict below_min_bound) a proved bound below X, 0 < X <= 1 "
                             "(e.g. 0.99 or 99/100)")
    parser.add_argument("--weights", metavar="FILE", help="use these weights instead of each certificate's path")
    parser.add_argument("--jobs", type=positive, default=available_cpus(), metavar="N",
                        help="worker processes for enumerating checks (brute_force, hybrid); default: the CPUs "
                             f"this process may use ({available_cpus()} here)")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run the shards of enumerating checks on a Dask cluster: tcp://host:port of a "
                             "scheduler, or 'local' for a LocalCluster of --jobs processes (needs the dask extra)")
    parser.add_argument("--max-memory", type=parse_size, default=DEFAULT_MAX_MEMORY, metavar="SIZE",
                        help=f"memory a check may use, e.g. 8G or 512M (default {DEFAULT_MAX_MEMORY // 2**30}G): a "
                             "cubic check works in chunks that fit, and one that cannot fit is refused before it "
                             "starts (exit 2) with its estimate; brute-force checks use fixed-size blocks")
    parser.add_argument("--max-inputs", type=parse_count, default=MAX_INPUTS, metavar="N",
                        help=f"refuse brute-force checks of more than N inputs (default {MAX_INPUTS:.0e}; "
                             "e.g. 64^6)")
    parser.add_argument("--changed", action="store_true",
                        help="pre-commit mode: PATHs are changed files; check those that are certificates (by "
                             "content) and every certificate under --certificates bound to a changed weights file; "
                             "nothing to check is success")
    parser.add_argument("--certificates", action="append", metavar="DIR",
                        help="with --changed: where certificates live (repeatable; default certificates/)")
    parser.add_argument("--version", action="version", version=f"{prog} (compact-proofs checker) {__version__}")
    return parser


def apply_min_bound(result: Result, min_bound: Fraction | None) -> None:
    """A verified bound below ``min_bound`` becomes its own outcome, below_min_bound (exit 1)."""
    if min_bound is not None and result.verdict == VERIFIED and result.bound is not None and result.bound < min_bound:
        result.verdict = BELOW_MIN_BOUND
        result.reason = (f"proved bound {fraction_text(result.bound, result.total)} ({decimal_below(result.bound)}) "
                         f"is below --min-bound {fraction_text(min_bound)} ({float(min_bound):g})")


def estimate(path: Path, jobs: int) -> str | None:
    """'PATH: brute force over 64^5 = 1,073,741,824 inputs, 2 jobs' for a brute-force
    certificate (read by the kernel's reader; None for anything else or unreadable)."""
    try:
        cert = read_certificate(path)
    except CheckError:
        return None
    if cert.proof.get("rule") != "brute_force":
        return None
    V, K = cert.config.d_vocab, cert.config.n_ctx
    return f"{path}: brute force over {V}^{K} = {V ** K:,} inputs, {jobs} job(s)"


def open_output(name: str) -> IO[str]:
    """The --output file, opened (so created and truncated) before any work: an unwritable path
    fails now, not after the checks. Text that UTF-8 cannot carry is written as escapes."""
    return open(name, "w", encoding="utf-8", errors="backslashreplace", newline="")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if not args.paths and not args.changed:
        parser.error("give at least one certificate file or directory")
    if args.certificates and not args.changed:
        parser.error("--certificates goes with --changed")
    output = open_output(args.output) if args.output else None
    try:
        return check_all(args, output)
    finally:
        if output is not None:
            output.close()


@contextlib.contextmanager
def executor_for(args: argparse.Namespace) -> Iterator[Any]:
    """None (the kernel's own processes) or, with --dask, an executor on that cluster."""
    if not args.dask:
        yield None
        return
    from compact_proofs.verify.distributed import connect
    with connect(args.dask, args.jobs) as executor:
        yield executor


def check_all(args: argparse.Namespace, output: IO[str] | None) -> int:
    targets, skipped = discover.collect(args.paths, by_content_only=args.changed)
    if args.changed:
        targets = discover.unique(targets + discover.binding(args.paths, args.certificates or ["certificates"]))
    report = Report(results=[], environment=environment(), skipped=skipped, min_bound=args.min_bound)
    if not targets:
        for s in skipped:
            print(f"{args.prog}: skipped {s.path}: {s.reason}", file=sys.stderr)
        if args.changed:
            return 0
        print(f"{args.prog}: no certificates found", file=sys.stderr)
        return 2
    paths = [str(p) for p in targets]
    document = FORMATS[args.format](paths)
    shown: Format | None = document if output is None else Text(paths)  # what stdout shows as it goes
    if shown is not None and not shown.streams:
        shown = None
    show_progress = progress.wanted()
    if shown is not None:
        write(sys.stdout, shown.head())
    with executor_for(args) as executor:
        for path in targets:
            if show_progress and (text := estimate(path, args.jobs)):
                progress.note(text)
            result = check(path, weights=args.weights, jobs=args.jobs, max_memory=args.max_memory,
                           max_inputs=args.max_inputs, progress=progress.meter(str(path), show_progress),
                           executor=executor)
            apply_min_bound(result, args.min_bound)
            report.results.append(result)
            if shown is not None:
                write(sys.stdout, shown.line(result))
    report.exit_code = max(r.exit_code for r in report.results)
    if shown is not None:
        write(sys.stdout, shown.tail(report))
    if output is not None:
        output.write(document.head() + "".join(document.line(r) for r in report.results) + document.tail(report))
    elif shown is None:
        write(sys.stdout, document.tail(report))
    return report.exit_code


def write(stream: IO[str], text: str) -> None:
    """Write and flush, so each line shows as soon as its certificate is done."""
    if text:
        stream.write(text)
        stream.flush()


def main(argv: list[str] | None = None, prog: str = "verify") -> int:
    from compact_proofs.cli import run_command

    parser = build_parser(prog)
    if hasattr(sys.stdout, "reconfigure"):  # a path no encoding can carry is shown escaped, not a crash
        sys.stdout.reconfigure(errors="backslashreplace")

    def body() -> int:
        args = parser.parse_args(argv)  # bad usage exits 2 with argparse's message
        args.prog = prog
        return run(args, parser)
    return run_command(prog, body)


if __name__ == "__main__":
    sys.exit(main())
