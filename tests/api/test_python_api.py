"""The Python API (compact_proofs.load_model / prove / verify), in process. The README's example
runs against an installed wheel in tests/test_installed.py."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from safetensors.numpy import load_file

import compact_proofs
import compact_proofs.verify.cli  # noqa: F401  (binds the subpackage: compact_proofs.verify stays callable)
from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.weights import load_model as load_weight_file

TL = Path(__file__).resolve().parents[1] / "data" / "transformer_lens" / "v3.9"
ZOO_MODEL = Path(__file__).resolve().parents[2] / "models" / "k4" / "seed50.safetensors"


@pytest.fixture
def tl_files(tmp_path):
    """The TransformerLens-written tiny model as my-model.pt (+ its cfg.to_dict() sidecar) and
    a bare my-model.safetensors."""
    shutil.copy(TL / "tiny.pt", tmp_path / "my-model.pt")
    shutil.copy(TL / "tiny.config.json", tmp_path / "my-model.pt.config.json")
    shutil.copy(TL / "tiny.safetensors", tmp_path / "my-model.safetensors")
    return tmp_path


def test_prove_and_verify_a_weight_file(tl_files, capsys):
    proof = compact_proofs.prove(tl_files / "my-model.pt", out=tl_files / "out" / "cert.json")
    assert proof.path == tl_files / "out" / "cert.json" and proof.claimed == Fraction(511, 512)
    doc = json.loads(proof.path.read_text())
    assert doc == proof.document and doc["model"]["weights"] == "../my-model.pt"
    assert doc["strategy"]["parameters"]["config_source"] == "sidecar:transformer_lens"
    result = compact_proofs.verify(proof.path)
    assert isinstance(result, compact_proofs.Result)
    assert (result.verdict, result.bound, result.exit_code) == ("verified", Fraction(511, 512), 0)
    assert "inferred" not in capsys.readouterr().err


def test_an_in_memory_state_dict_saves_its_weights_beside_the_certificate(tl_files):
    state = load_file(str(tl_files / "my-model.safetensors"))
    config = json.loads((tl_files / "my-model.pt.config.json").read_text())
    model = compact_proofs.load_model(state, config)
    assert model.config_source == "argument:transformer_lens"
    assert model.digest == compact_proofs.load_model(tl_files / "my-model.pt").digest
    with pytest.raises(ValueError, match="has no weight file: give out="):
        compact_proofs.prove(model)
    proof = compact_proofs.prove(model, strategy="brute_force", out=tl_files / "proofs" / "mine.json")
    assert load_weight_file(tl_files / "proofs" / "mine.safetensors").digest == model.digest
    assert proof.document["model"]["weights"] == "mine.safetensors"
    assert proof.document["strategy"]["parameters"]["config_source"] == "argument:transformer_lens"
    result = compact_proofs.verify(tl_files / "proofs" / "mine.json")
    assert (result.verdict, result.bound) == ("verified", Fraction(511, 512))


def test_a_config_inferred_from_shapes_is_said_and_recorded(tl_files, capsys):
    proof = compact_proofs.prove(str(tl_files / "my-model.safetensors"))
    assert proof.path is None and not list(tl_files.glob("*.json"))[1:]  # only the sidecar: nothing written
    assert proof.document["model"]["weights"] == str((tl_files / "my-model.safetensors").resolve())
    assert proof.document["strategy"]["parameters"]["config_source"] == "shapes"
    err = capsys.readouterr().err
    assert "no model config given, so it is inferred from the tensor shapes: n_ctx 3, d_vocab 8" in err


def test_load_model_refuses_clearly():
    state = load_file(str(TL / "tiny.safetensors"))
    config = json.loads((TL / "tiny.config.json").read_text())
    with pytest.raises(Unusable, match=r"^<state dict>: tensor embed.W_E is a list, not a numpy array"):
        compact_proofs.load_model({**state, "embed.W_E": state["embed.W_E"].tolist()}, config)
    with pytest.raises(Unusable, match=r"^<state dict>: unsupported TransformerLens config: attention_dir="):
        compact_proofs.load_model(state, {**config, "attention_dir": "bidirectional"})
    with pytest.raises(Unusable, match=r"^<state dict>: model config is neither this project's nor a Trans"):
        compact_proofs.load_model({}, {"n_ctx": 3, "nonsense": 1})
    with pytest.raises(TypeError, match="config= is for in-memory state dicts"):
        compact_proofs.load_model(ZOO_MODEL, {"n_ctx": 4})
    with pytest.raises(ValueError, match="unknown strategy 'quadratic'"):
        compact_proofs.prove(ZOO_MODEL, strategy="quadratic")


def test_verify_reports_bad_input_as_a_verdict(tmp_path):
    result = compact_proofs.verify(tmp_path / "absent.json")
    assert result.verdict == "error" and result.exit_code == 2 and "absent.json" in result.reason


def test_the_verify_package_is_still_a_package():
    assert callable(compact_proofs.verify) and compact_proofs.verify.cli.main
    assert {"load_model", "prove", "verify", "Proof"} <= set(compact_proofs.__all__)


def test_a_sub_cubic_configuration_and_the_kernel_s_limits_pass_through(tmp_path):
    proof = compact_proofs.prove(ZOO_MODEL, strategy="subcubic", config="reference-quadratic", out=tmp_path / "q.json")
    assert proof.document["strategy"]["parameters"]["group"] == "reference-quadratic"
    result = compact_proofs.verify(proof.path, max_memory=1 << 28)
    assert result.verdict == "verified" and result.bound == proof.claimed
    with pytest.raises(ValueError, match="strategy='subcubic'"):
        compact_proofs.prove(ZOO_MODEL, config="ours")
    limited = compact_proofs.verify(ZOO_MODEL.parents[2] / "certificates/brute_force/k4-seed50.json", max_inputs=1000)
    assert limited.verdict == "error" and "max_inputs=16777216" in limited.reason
