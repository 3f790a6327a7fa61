"""The umbrella command ``compact-proofs``: argparse subcommands with consistent names, --version,
each subcommand's own options in its help, exit 2 with usage when bare, and quiet on a closed pipe.
Run as installed console scripts from outside the repository."""

from __future__ import annotations

import os
import subprocess

import pytest

from compact_proofs import __version__
from compact_proofs.cli import COMMANDS
from tests.scripts import run, script

OPTIONS = {"train": "--seeds", "zoo": "--k", "prove": "--zoo", "verify": "--min-bound", "audit": "--mutants",
           "report": "--readme", "plot": "--summary-by", "schema": "NAME", "sweep": "--strategies"}


def test_bare_command_exits_2_with_usage(tmp_path):
    done = run("compact-proofs", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("usage: compact-proofs ") and "a command is required" in done.stderr


def test_version(tmp_path):
    done = run("compact-proofs", "--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"compact-proofs {__version__}"


def test_help_lists_every_command(tmp_path):
    done = run("compact-proofs", "--help", cwd=tmp_path)
    assert done.returncode == 0
    for name in COMMANDS:
        assert f"\n    {name} " in done.stdout, name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_help_shows_its_own_options_under_its_umbrella_name(tmp_path, name):
    done = run("compact-proofs", name, "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: compact-proofs {name} ")
    assert OPTIONS[name] in done.stdout


def test_unknown_command_exits_2(tmp_path):
    done = run("compact-proofs", "frobnicate", cwd=tmp_path)
    assert done.returncode == 2 and "invalid choice: 'frobnicate'" in done.stderr


def test_options_after_the_command_belong_to_it(tmp_path):
    done = run("compact-proofs", "verify", "--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("compact-proofs verify (compact-proofs checker)")


@pytest.mark.parametrize("argv", [["compact-proofs", "--help"], ["compact-proofs", "verify", "--help"],
                                  ["verify", "--help"], ["compact-proofs", "schema", "certificate"]])
def test_a_closed_pipe_ends_quietly(tmp_path, argv):
    """`compact-proofs --help | head -1`: the reader is gone before anything is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([script(argv[0]), *argv[1:]], cwd=tmp_path, stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert done.returncode in (0, 141)  # argparse's help swallows the write error itself; others end as by SIGPIPE


def test_schema_prints_each_published_schema(tmp_path):
    import json
    for name in ("certificate", "verify-report", "audit-report"):
        done = run("compact-proofs", "schema", name, cwd=tmp_path)
        assert done.returncode == 0
        doc = json.loads(done.stdout)
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema" and name.split("-")[0] in doc["title"]


def test_an_interrupt_exits_2_with_one_line(tmp_path):
    """Ctrl-C during a check: exit 2 (nothing decided, as pytest), 'interrupted', no traceback."""
    import signal
    import time

    from tests.scripts import ROOT
    # SIGINT as a terminal delivers it, even where this run inherited it ignored (nohup, a background job)
    proc = subprocess.Popen([script("verify"), "--jobs", "1", str(ROOT / "certificates/brute_force/k5-seed50.json")],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(5)  # past the imports, inside the K=5 brute-force check (over a minute on an idle machine)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.strip() == "verify: interrupted" and "Traceback" not in err
