"""``compact-proofs COMMAND ...``: the umbrella command, one argparse subcommand per module.

Each command is a module with ``main(argv, prog) -> int`` that owns its parser, so
``compact-proofs prove --help`` is prove's own help under the name ``compact-proofs prove``, and
``python -m`` or the ``verify`` script run the same code. Adding a command is one line in
``COMMANDS``: its module and a one-line summary (the module is imported only when it runs).

``run_command`` is what every command's ``main`` runs inside: bad input exits 2 with one line
``prog: reason`` on stderr (never a traceback), an interrupt exits 2 (as pytest's), and a closed pipe
(``compact-proofs --help | head -1``) ends quietly with 141, as a process killed by SIGPIPE.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Callable

from compact_proofs import __version__

COMMANDS = {
    "train": ("compact_proofs.training.train", "train Max-of-K models: weights and model cards"),
    "zoo": ("compact_proofs.training.zoo", "regenerate the shipped model zoo"),
    "prove": ("compact_proofs.strategies.prove", "write certificates for models (brute force, cubic)"),
    "verify": ("compact_proofs.verify.cli", "check certificates with the trusted kernel (the same as `verify`)"),
    "audit": ("compact_proofs.audit.cli", "audit the checker on one certificate (trust, ground truth, mutants)"),
    "report": ("compact_proofs.audit.report", "the results table (charts, a web page): verified bounds vs accuracy"),
    "plot": ("compact_proofs.audit.plot", "charts of bound against checked cost, per K (the paper's Figure 3)"),
    "schema": ("compact_proofs.schema", "print a published JSON Schema (certificate, reports)"),
    "sweep": ("compact_proofs.strategies.sweep", "every strategy on every model: prove, verify, one results file"),
}

EPILOG = """\
Run 'compact-proofs COMMAND --help' for a command's options.

exit codes: 0 success, 1 a check failed (a claim not proved, an audit alarm), 2 unusable input,
bad usage or interrupted
examples:
  compact-proofs verify certificates/
  compact-proofs prove --zoo models/ --out certificates/ --jobs 2
  compact-proofs schema verify-report
"""


def run_command(prog: str, body: Callable[[], int | None]) -> int:
    """Run a command's ``body`` and return its exit code, turning the ways it can end into exit
    codes: a ``CheckError`` or ``OSError`` (unusable input) -> one line on stderr, 2; Ctrl-C -> 2
    (nothing was decided); ``SystemExit`` (argparse) -> its code; a closed stdout -> 141, silently."""
    from compact_proofs.checker.errors import CheckError

    try:
        try:
            code = body()
        except SystemExit as exc:
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
                code = 1
            else:
                code = exc.code
        except (CheckError, OSError) as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            print(f"{prog}: {one_line(str(exc))}", file=sys.stderr)
            code = 2
        except KeyboardInterrupt:
            print(f"{prog}: interrupted", file=sys.stderr)
            code = 2
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): send what Python still wants to flush at exit to
        # /dev/null, so it does not print "Exception ignored ... BrokenPipeError" either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    return int(code or 0)


def one_line(text: str) -> str:
    """``text`` on one line: control characters and lone surrogates shown as Python escapes."""
    from compact_proofs.verify.formats import one_line as escape

    return escape(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compact-proofs", description="Machine-checked accuracy bounds for small Max-of-K transformers.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"compact-proofs {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (_, summary) in COMMANDS.items():
        commands.add_parser(name, help=summary, add_help=False)  # the command's own parser takes the rest
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()

    def dispatch() -> int:
        args, rest = parser.parse_known_args(arguments)
        if args.command is None:
            parser.print_usage(sys.stderr)
            print("compact-proofs: error: a command is required (see compact-proofs --help)", file=sys.stderr)
            return 2
        module = importlib.import_module(COMMANDS[args.command][0])
        return module.main(rest, prog=f"compact-proofs {args.command}")

    return run_command("compact-proofs", dispatch)


if __name__ == "__main__":
    sys.exit(main())
