"""The composite action (action.yml): third-party actions pinned by commit, the caller's Python
untouched (its own virtual environment), the jobs and weights inputs, and the outputs. The verify
step's script is run as the runner would run it, with the action's venv standing in as this one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.checker.certs import certificate_doc, write_doc
from tests.scripts import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]


def test_third_party_actions_are_pinned_by_commit():
    uses = [step["uses"] for step in STEPS if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses


def test_the_callers_python_is_left_alone():
    (setup,) = [step for step in STEPS if step.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["update-environment"] is False
    scripts = "\n".join(step.get("run", "") for step in STEPS)
    assert '"$PYTHON" -m venv "$venv"' in scripts
    assert re.search(r"(?m)^\s*(python|pip|verify) ", scripts) is None  # nothing runs from the caller's PATH


def test_inputs_and_outputs():
    assert {"paths", "min-bound", "format", "jobs", "weights", "python-version", "sarif-file"} <= set(ACTION["inputs"])
    assert {"report", "verified", "rejected", "smallest-bound", "smallest-bound-decimal"} <= set(ACTION["outputs"])


def run_step(step: dict, tmp_path: Path, env: dict) -> subprocess.CompletedProcess:
    """Run one composite step's bash script with the runner's variables."""
    runner = {"RUNNER_TEMP": str(tmp_path / "runner"), "GITHUB_OUTPUT": str(tmp_path / "output"),
              "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_ACTION_PATH": str(ROOT)}
    base = {k: v for k, v in os.environ.items() if k != "CI"} | {"CI": "true"}
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=tmp_path, env=base | runner | env,
                          capture_output=True, text=True, timeout=600)


def fake_venv(tmp_path: Path) -> None:
    """The action's venv, standing in as this environment (the install step is pip)."""
    (tmp_path / "runner").mkdir()
    os.symlink(sys.prefix, tmp_path / "runner" / "compact-proofs-venv")


def test_the_format_check_refuses_an_unknown_format(tmp_path):
    (install,) = [step for step in STEPS if "pip install" in step.get("run", "")]
    snippet = re.search(r"-I -c '(.*?)' \"\$INPUT_FORMAT\"", install["run"]).group(1)
    assert subprocess.run([sys.executable, "-I", "-c", snippet, "github"], cwd=tmp_path).returncode == 0
    bad = subprocess.run([sys.executable, "-I", "-c", snippet, "html"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 1 and "unknown format 'html'" in bad.stderr


def test_the_verify_step_writes_outputs_annotations_summary_and_sarif(tmp_path):
    fake_venv(tmp_path)
    (tmp_path / "src").mkdir()
    doc = certificate_doc(tmp_path / "src", "cubic", seed=8, d_vocab=6, n_ctx=3)
    doc["model"]["weights"] = str(tmp_path / "src" / doc["model"]["weights"])
    folder = tmp_path / "certificates"
    folder.mkdir()
    write_doc(folder / "good.json", doc)
    false = dict(doc, claim={"accuracy_at_least": "1/1"})
    write_doc(folder / "false.json", false)
    (verify,) = [step for step in STEPS if step.get("id") == "verify"]
    env = {"INPUT_PATHS": "certificates/", "INPUT_MIN_BOUND": "", "INPUT_FORMAT": "github", "INPUT_JOBS": "1",
           "INPUT_WEIGHTS": "", "INPUT_SARIF_FILE": str(tmp_path / "out" / "verify.sarif")}
    done = run_step(verify, tmp_path, env)
    assert done.returncode == 1, done.stderr
    outputs = dict(line.split("=", 1) for line in (tmp_path / "output").read_text().splitlines())
    assert outputs["verified"] == "1" and outputs["rejected"] == "1"
    assert re.fullmatch(r"\d+/216", outputs["smallest-bound"]) and float(outputs["smallest-bound-decimal"]) <= 1
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1 and "false.json" in annotations[0] and annotations[0].startswith("::error ")
    assert done.stdout.splitlines()[-1].startswith("verify: 2 certificate(s): 1 verified, 1 rejected")
    assert "| path | strategy |" in (tmp_path / "summary.md").read_text()
    assert (tmp_path / "out" / "verify.sarif").read_text().startswith("{")
    shutil.rmtree(tmp_path / "out")
    env["INPUT_WEIGHTS"] = str(tmp_path / "missing.safetensors")
    assert run_step(verify, tmp_path, env).returncode == 2
