"""compact-proofs: the umbrella command. Each subcommand is its module's own command line.

  compact-proofs train ...    train models            (training.train)
  compact-proofs zoo ...      regenerate the model zoo (training.zoo)
  compact-proofs prove ...    write certificates       (strategies.prove)
  compact-proofs verify ...   check certificates       (verify.cli; the same as `verify`)
  compact-proofs audit ...    audit the checker on one certificate (audit.cli; not trusted code)
  compact-proofs report ...   the results table: verified cubic bounds vs accuracy (audit.report)
"""

from __future__ import annotations

import importlib
import sys

SUBCOMMANDS = {
    "train": "compact_proofs.training.train",
    "zoo": "compact_proofs.training.zoo",
    "prove": "compact_proofs.strategies.prove",
    "verify": "compact_proofs.verify.cli",
    "audit": "compact_proofs.audit.cli",
    "report": "compact_proofs.audit.report",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in SUBCOMMANDS:
        print(__doc__.strip())
        if argv and argv[0] not in ("-h", "--help"):
            print(f"\ncompact-proofs: unknown subcommand {argv[0]!r}", file=sys.stderr)
            return 2
        return 0
    module = importlib.import_module(SUBCOMMANDS[argv[0]])
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())
