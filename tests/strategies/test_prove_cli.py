"""``compact-proofs prove`` as installed, run from outside the repository: unusable input exits 2
with one line, certificates are byte-reproducible whatever --jobs, and the work limit applies."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from compact_proofs.strategies.subcubic import GROUPS
from compact_proofs.training.seeds import SEEDS
from tests.checker.certs import make_model
from tests.scripts import ROOT, assert_one_line_error, run


def test_missing_file_folder_and_float16_weights_exit_2_naming_the_file(tmp_path):
    f16 = tmp_path / "f16.safetensors"
    save_file({k: v.astype(np.float16) for k, v in load_file(ROOT / "models/k4/seed50.safetensors").items()}, f16)
    cases = [("missing.safetensors", "weight file not found"), (".", "not a regular file"),
             ("f16.safetensors", "has dtype F16; only F32 is supported")]
    for weights, problem in cases:
        done = run("compact-proofs", "prove", weights, "-o", "out.json", cwd=tmp_path)
        assert_one_line_error(done, "compact-proofs prove:", weights.removesuffix("."), problem)
    assert not (tmp_path / "out.json").exists()


def test_usage_errors_exit_2(tmp_path):
    assert run("compact-proofs", "prove", cwd=tmp_path).returncode == 2
    assert run("compact-proofs", "prove", "--jobs", "0", "--zoo", "models", cwd=tmp_path).returncode == 2
    done = run("compact-proofs", "prove", "--zoo", "nowhere", cwd=tmp_path)
    assert_one_line_error(done, "nowhere: not a folder of models")


def test_brute_force_over_the_work_limit_is_refused_before_any_work(tmp_path):
    start = time.perf_counter()
    done = run("compact-proofs", "prove", "--strategy", "brute_force", str(ROOT / "models/k20/seed50.safetensors"),
               "-o", "b.json", cwd=tmp_path)
    assert time.perf_counter() - start < 30
    assert_one_line_error(done, "over the work limit", "--max-inputs 1329227995784915872903807060280344576")


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zoo")
    for seed in SEEDS[:2]:  # prove --zoo plans the first ten paper seeds of each K
        weights = make_model(folder, seed=seed, d_vocab=6, n_ctx=4)
        (folder / "models" / "k4").mkdir(parents=True, exist_ok=True)
        weights.rename(folder / "models" / "k4" / f"seed{seed}.safetensors")
    return folder


def certificates(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.json"))}


def test_zoo_certificates_are_byte_identical_across_runs_and_jobs(zoo):
    once = run("compact-proofs", "prove", "--zoo", "models", "--out", "one", cwd=zoo)
    twice = run("compact-proofs", "prove", "--zoo", "models", "--out", "two", "--jobs", "2", cwd=zoo)
    assert once.returncode == twice.returncode == 0, (once.stderr, twice.stderr)
    one, two = certificates(zoo / "one"), certificates(zoo / "two")
    assert sorted(one) == ["brute_force/k4-seed104.json", "brute_force/k4-seed50.json", "cubic/k4-seed104.json",
                           "cubic/k4-seed50.json"] + [f"subcubic/{g}/k4-seed{s}.json" for g in sorted(GROUPS)
                                                      for s in (104, 50)]
    assert one == two
    for name, data in one.items():
        doc = json.loads(data)
        assert "seconds" not in json.dumps(doc["strategy"])  # no wall-clock time inside
        count, total = doc["claim"]["accuracy_at_least"].split("/")
        assert int(total) == 6**4  # count/total, never reduced
        assert data.decode().startswith('{\n  "format": "compact-proofs-certificate",')
    assert "s) -> one/cubic/k4-seed50.json" in once.stderr  # the timings are in the log


def test_several_weights_to_a_folder(zoo):
    done = run("compact-proofs", "prove", "models/k4/seed50.safetensors", "models/k4/seed104.safetensors",
               "--out", "many", "--jobs", "2", cwd=zoo)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (zoo / "many").iterdir()) == ["seed104.json", "seed50.json"]
    assert run("verify", "many", cwd=zoo).returncode == 0
