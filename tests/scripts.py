"""Running the installed console scripts as a user would: from a folder outside the repository
(the test's tmp_path), with the scripts of the environment running the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def script(name: str) -> str:
    """The path of an installed console script (``verify``, ``compact-proofs``)."""
    path = BIN / name
    assert path.is_file(), f"{name} is not installed in {BIN}: pip install -e '.[test]'"
    return str(path)


def run(name: str, *args: str, cwd: Path, env: dict | None = None, stdin: str | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """Run console script ``name`` with ``args`` in ``cwd``; CI is unset unless ``env`` sets it."""
    environment = {k: v for k, v in os.environ.items() if k != "CI"} | (env or {})
    return subprocess.run([script(name), *args], cwd=cwd, env=environment, input=stdin, capture_output=True,
                          text=True, timeout=timeout, errors="backslashreplace")


def assert_one_line_error(done: subprocess.CompletedProcess, *fragments: str, code: int = 2) -> str:
    """The command exited ``code`` with one line on stderr holding each fragment, no traceback."""
    err = done.stderr.strip()
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and len(err.splitlines()) == 1, done.stderr
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err
