"""The pre-commit hook (.pre-commit-hooks.yaml) runs verify in --changed mode on every changed file,
deciding by content rather than by name, as pre-commit would call it (entry + args + file names)."""

from __future__ import annotations

import shlex
import subprocess

import yaml

from compact_proofs.strategies.prove import prove_one
from tests.checker.certs import make_model
from tests.scripts import BIN, ROOT

(HOOK,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_the_hook_takes_every_file_and_decides_by_content():
    assert HOOK["entry"].split() == ["verify", "--changed"]
    assert "files" not in HOOK and "exclude" not in HOOK and HOOK["types"] == ["file"]
    assert HOOK["pass_filenames"] is True and HOOK["language"] == "python"


def hook(repo, *files: str, args: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """What pre-commit runs: the entry, the hook's args, the changed files, in the repository root."""
    command = shlex.split(HOOK["entry"])
    return subprocess.run([str(BIN / command[0]), *command[1:], *args, *files], cwd=repo, capture_output=True,
                          text=True, timeout=300)


def test_a_changed_model_fails_the_commit_until_its_certificate_is_proved_again(tmp_path):
    repo = tmp_path
    weights = make_model(repo, seed=9, d_vocab=6, n_ctx=3)
    (repo / "proofs").mkdir()
    prove_one(weights, "cubic", repo / "proofs" / "model.json")
    assert hook(repo, "README.md", args=("--certificates", "proofs")).returncode == 0
    (tmp_path / "other").mkdir()
    weights.write_bytes(make_model(tmp_path / "other", seed=10, d_vocab=6, n_ctx=3).read_bytes())  # retrained
    failed = hook(repo, weights.name, args=("--certificates", "proofs"))
    assert failed.returncode == 2 and "proofs/model.json" in failed.stdout
    prove_one(weights, "cubic", repo / "proofs" / "model.json")
    assert hook(repo, weights.name, "proofs/model.json", args=("--certificates", "proofs")).returncode == 0
