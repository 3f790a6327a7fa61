"""The environment record on model cards: what numpy, BLAS and CPU this process runs."""

import json
import platform

import numpy as np

from compact_proofs.training.provenance import environment


def test_environment_names_this_numpy_blas_and_cpu():
    env = environment()
    assert json.loads(json.dumps(env)) == env
    assert env["numpy"] == np.__version__ and env["python"] == platform.python_version()
    built = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    assert (env["blas"]["name"], env["blas"]["version"]) == (built["name"], built["version"])
    assert env["cpu"]["machine"] == platform.machine() and env["cpu"]["model_name"]
    assert set(env["simd"]) == {"baseline", "dispatched"}
    if platform.system() == "Linux":
        assert "fpu" in env["cpu"]["flags"].split() or platform.machine() != "x86_64"
