"""The published JSON Schemas (draft 2020-12), installed as ``compact_proofs.schema``.

- ``certificate``: the certificate format the kernel reads (its reader is the authority);
- ``verify-report``: what ``verify --format json`` writes;
- ``audit-report``: what ``compact-proofs audit --json`` writes.

``compact-proofs schema NAME`` prints one; ``load(NAME)`` returns it parsed. The files sit in this
folder (certificates/schema/ in the repository) and ship in the wheel as package data.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources

NAMES = ("certificate", "verify-report", "audit-report")


def text(name: str) -> str:
    """The schema ``name`` as published (its JSON text)."""
    if name not in NAMES:
        raise KeyError(f"unknown schema {name!r} (known: {', '.join(NAMES)})")
    return resources.files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


def load(name: str) -> dict:
    """The schema ``name``, parsed."""
    return json.loads(text(name))


def main(argv: list[str] | None = None, prog: str = "compact-proofs schema") -> int:
    from compact_proofs.cli import run_command

    parser = argparse.ArgumentParser(prog=prog, description="Print a published JSON Schema (draft 2020-12).",
                                     epilog="example: compact-proofs schema verify-report > verify-report.schema.json")
    parser.add_argument("name", choices=NAMES, metavar="NAME", help=f"one of: {', '.join(NAMES)}")

    def body() -> int:
        sys.stdout.write(text(parser.parse_args(argv).name))
        return 0
    return run_command(prog, body)


if __name__ == "__main__":
    sys.exit(main())
