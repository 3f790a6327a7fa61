"""The front door, as a user meets it: a wheel of this tree installed in a fresh environment, its
console scripts run from directories outside the repository.

The fixture builds the wheel once (from a copy of the tree, so the build writes nothing here),
with this environment's own setuptools and no network, and installs it with ``--no-deps`` into a
new virtual environment that sees this environment's packages (numpy, flint, ...) through a
``.pth`` line appended after its own site-packages. Every test first proves that the code it runs
is the installed copy, not the source tree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TL = ROOT / "tests" / "data" / "transformer_lens"
SHIPPED_CERT, SHIPPED_MODEL = "certificates/cubic/k4-seed50.json", "models/k4/seed50.safetensors"
NOT_BUILT = {".git", ".ci", "build", "dist", "tests", "bench", "models", "__pycache__", ".hypothesis",
             ".pytest_cache", "cubic", "brute_force"}  # cubic/, brute_force/: the shipped certificates


class Installed:
    """A fresh environment with the wheel installed; ``run`` runs one of its commands."""

    def __init__(self, root: Path, wheel: Path):
        self.root, self.wheel = root, wheel
        self.bin = root / ("Scripts" if os.name == "nt" else "bin")
        self.python = self.bin / "python"
        self.package = Path(self.run("python", "-c", "import compact_proofs; print(compact_proofs.__file__)",
                                     cwd=root).stdout.strip()).parent

    def run(self, command: str, *args: str, cwd: Path, expect: int = 0, stdin: str | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
        """Run ``command`` (``python`` or a console script of the environment) in ``cwd``."""
        assert not Path(cwd).resolve().is_relative_to(ROOT), "run outside the repository"
        environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        environment.update(PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONNOUSERSITE="1",
                           COLUMNS="200", **(env or {}))
        done = subprocess.run([str(self.bin / command), *args], cwd=cwd, env=environment, input=stdin,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == expect, f"{command} {args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    import setuptools

    if tuple(int(n) for n in setuptools.__version__.split(".")[:2]) < (77, 0):
        pytest.fail(f"building the wheel needs setuptools>=77 (have {setuptools.__version__}): pip install '.[test]'")
    work = tmp_path_factory.mktemp("installed")
    source, dist = work / "source", work / "dist"
    shutil.copytree(ROOT, source, ignore=lambda folder, names: [n for n in names if n in NOT_BUILT
                                                                 or n.endswith(".egg-info")])
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", str(source), "-w", str(dist)], check=True, capture_output=True)
    wheel = next(dist.glob("compact_proofs-*.whl"))
    venv.EnvBuilder(system_site_packages=True, with_pip=False, symlinks=os.name != "nt").create(work / "venv")
    python = work / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "_test_environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = Installed(work / "venv", wheel)
    assert env.package == Path(purelib) / "compact_proofs", env.package
    return env


@pytest.fixture
def outside(tmp_path) -> Path:
    """A user's working directory, outside the repository."""
    assert not tmp_path.resolve().is_relative_to(ROOT)
    return tmp_path


def copy_shipped(to: Path) -> Path:
    """The K=4 seed-50 cubic certificate and its model, in the repository's layout under ``to``."""
    for name in (SHIPPED_CERT, SHIPPED_MODEL):
        (to / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, to / name)
    return to / SHIPPED_CERT


# ---- packaging ------------------------------------------------------------------------------------

def test_the_wheel_holds_one_import_name_the_lean_mirror_and_the_license(installed):
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"compact_proofs", installed.wheel.name.split("-py")[0] + ".dist-info"}
    lean = sorted(p.name for p in (ROOT / "lean").glob("*.lean"))
    assert lean and sorted(n.split("/")[-1] for n in names if n.startswith("compact_proofs/lean/")
                           and n.endswith(".lean")) == lean
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_the_metadata_states_license_urls_classifiers_and_each_dependency_once(installed, outside):
    meta = json.loads(installed.run("python", "-c", "import importlib.metadata as m, json; d = m.metadata("
                                    "'compact-proofs'); print(json.dumps({k: d.get_all(k) for k in set(d.keys())}))",
                                    cwd=outside).stdout)
    assert meta["License-Expression"] == ["MIT"] and meta["License-File"] == ["LICENSE"] and "License" not in meta
    assert meta["Project-URL"] and len(meta["Classifier"]) >= 5
    assert not [c for c in meta["Classifier"] if c.startswith("License ::")]  # PEP 639: the expression says it
    required = [re.split(r"[<>=!~ ;\[]", r)[0].lower() for r in meta["Requires-Dist"] if "extra ==" not in r]
    assert sorted(required) == sorted(set(required)) and "mpmath" in required
    assert all("mpmath" not in r for r in meta["Requires-Dist"] if "extra ==" in r)
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "Permission is hereby granted" in licence


def test_commands_run_from_any_directory_even_one_with_a_verify_folder(installed, outside):
    """The old wheel's top-level ``verify``/``training`` packages lost to a user's own folders."""
    for folder in ("verify", "training", "checker", "audit", "strategies"):
        (outside / folder).mkdir()
        (outside / folder / "__init__.py").write_text("raise ImportError('the user folder was imported')\n")
    cert = copy_shipped(outside)
    where = json.loads(installed.run("python", "-c", "import sys, json, compact_proofs.verify.formats as f, "
                                     "compact_proofs.checker as c; "
                                     "print(json.dumps([f.__file__, c.__file__, sys.path]))",
                                     cwd=outside).stdout)
    assert [Path(p).is_relative_to(installed.package) for p in where[:2]] == [True, True]
    assert not [p for p in where[2] if (outside / p).resolve().is_relative_to(ROOT)]  # "" is the cwd
    done = installed.run("verify", "--format", "json", str(cert.relative_to(outside)), cwd=outside)
    assert json.loads(done.stdout)["results"][0]["verdict"] == "verified"
    junit = installed.run("python", "-m", "compact_proofs.verify.formats", "junit", cwd=outside, stdin=done.stdout)
    assert "<testsuite" in junit.stdout
    assert "verified" in installed.run("compact-proofs", "verify", str(cert), cwd=outside).stdout
    assert "compact-proofs" in installed.run("compact-proofs", "--help", cwd=outside).stdout


# ---- the zoo writes where the user is ---------------------------------------------------------

def test_zoo_writes_into_the_current_directory_and_never_into_the_installation(installed, outside):
    before = sorted(p for p in installed.package.rglob("*") if "__pycache__" not in p.parts)
    installed.run("compact-proofs", "zoo", "--k", "4", "--seeds", "50", cwd=outside)
    assert sorted(p.relative_to(outside).as_posix() for p in outside.rglob("*") if p.is_file()) == [
        "models/k4/seed50.card.json", "models/k4/seed50.safetensors"]
    card = json.loads((outside / "models/k4/seed50.card.json").read_text())
    loaded = installed.run("python", "-c", "from compact_proofs.checker.io.weights import load_model; "
                           "print(load_model('models/k4/seed50.safetensors').digest)", cwd=outside).stdout
    assert loaded.strip() == card["digest"] and card["seed"] == 50 and card["accuracy"]["method"] == "exhaustive"
    refused = installed.run("compact-proofs", "zoo", "--k", "4", "--seeds", "50", "--out",
                            str(installed.package / "models"), cwd=outside, expect=2)
    assert "is inside the installation" in refused.stderr and "Traceback" not in refused.stderr
    assert sorted(p for p in installed.package.rglob("*") if "__pycache__" not in p.parts) == before


# ---- the audit and its Lean mirror -------------------------------------------------------------

def test_audit_finds_the_lean_mirror_and_fails_loudly_without_it(installed, outside):
    shutil.copy(TL / "v3.9" / "tiny.pt", outside / "tiny.pt")
    installed.run("compact-proofs", "prove", "tiny.pt", "-o", "tiny.json", cwd=outside)
    audit = ("compact-proofs", "audit", "tiny.json", "--mutants", "20", "--differential-samples", "20", "--jobs", "1")
    passed = installed.run(*audit, cwd=outside)
    assert "NOT FOUND" not in passed.stdout and "AUDIT PASSED" in passed.stdout
    assert f"{installed.package / 'lean'}" in passed.stdout or "Cubic.lean:" in passed.stdout
    lean, hidden = installed.package / "lean", installed.package / "lean-hidden"
    lean.rename(hidden)
    try:
        failed = installed.run(*audit, cwd=outside, expect=1)
    finally:
        hidden.rename(lean)
    assert "PROBLEM: the Lean mirror is missing" in failed.stdout and "AUDIT PASSED" not in failed.stdout


# ---- bring your own TransformerLens model ------------------------------------------------------

@pytest.mark.parametrize("version", ["v2.18", "v3.9"])
def test_transformer_lens_files_prove_and_verify_under_one_digest(installed, outside, version):
    for name in ("tiny.pt", "tiny.safetensors"):
        shutil.copy(TL / version / name, outside / name)
    bare = installed.run("compact-proofs", "prove", "tiny.safetensors", "-o", "bare.json", cwd=outside)
    assert "inferred from the tensor shapes: n_ctx 3, d_vocab 8" in bare.stderr
    for name in ("tiny.pt", "tiny.safetensors"):
        shutil.copy(TL / version / "tiny.config.json", outside / f"{name}.config.json")
        stated = installed.run("compact-proofs", "prove", name, "-o", f"{name}.json", cwd=outside)
        assert "inferred" not in stated.stderr
    docs = {name: json.loads((outside / name).read_text()) for name in ("bare.json", "tiny.pt.json",
                                                                         "tiny.safetensors.json")}
    assert len({doc["model"]["digest"] for doc in docs.values()}) == 1
    assert [doc["strategy"]["parameters"]["config_source"] for doc in docs.values()] == [
        "shapes", "sidecar:transformer_lens", "sidecar:transformer_lens"]
    verified = installed.run("verify", *docs, cwd=outside)
    assert "3 verified, 0 rejected, 0 below min-bound, 0 error" in verified.stdout
    config = json.loads((TL / version / "tiny.config.json").read_text())
    (outside / "tiny.pt.config.json").write_text(json.dumps({**config, "positional_embedding_type": "shortformer"}))
    refused = installed.run("compact-proofs", "prove", "tiny.pt", "-o", "refused.json", cwd=outside, expect=2)
    assert refused.stderr.strip().splitlines() == [
        "compact-proofs prove: tiny.pt.config.json: unsupported TransformerLens config: "
        "positional_embedding_type='shortformer' (need 'standard')"]


# ---- the README's examples ---------------------------------------------------------------------

def readme_block(marker: str) -> str:
    """The fenced code block right after ``<!-- test: marker -->`` in README.md."""
    match = re.search(rf"<!-- test: {marker} -->\n```\w+\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert match, f"README.md has no block marked <!-- test: {marker} -->"
    return match.group(1)


@pytest.fixture
def my_model(outside) -> Path:
    """What the README's TransformerLens user has saved: my-model.pt with its cfg.to_dict()
    sidecar, and my-model.safetensors (real TransformerLens 3.9 files)."""
    shutil.copy(TL / "v3.9" / "tiny.pt", outside / "my-model.pt")
    shutil.copy(TL / "v3.9" / "tiny.config.json", outside / "my-model.pt.config.json")
    shutil.copy(TL / "v3.9" / "tiny.safetensors", outside / "my-model.safetensors")
    return outside


def test_readme_bring_your_own_model_commands(installed, my_model):
    lines = [line.split(" #")[0].strip() for line in readme_block("bring-your-own-model").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert [c.split()[0] for c in commands] == ["compact-proofs", "verify", "compact-proofs"]
    outputs = [installed.run(*command.split(), cwd=my_model).stdout for command in commands]
    assert "1 verified" in outputs[1] and "AUDIT PASSED" in outputs[2]


def test_readme_python_api_example(installed, my_model):
    (my_model / "example.py").write_text(readme_block("python-api"))
    out = installed.run("python", "example.py", cwd=my_model).stdout
    assert "claimed 511/512" in out and "verified 511/512" in out
    proofs = my_model / "proofs"
    assert (proofs / "my-model.json").is_file() and (proofs / "my-model.safetensors").is_file()
