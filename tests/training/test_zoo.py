"""The shipped zoo in models/: complete, loadable by the checker under the digests its cards
name, and its K=4 exact counts re-derivable; `compact-proofs zoo` never writes into the
installation (tests/test_installed.py runs it from an installed wheel)."""

import json
import sysconfig
from pathlib import Path

import pytest

import compact_proofs

from compact_proofs.checker.io.weights import load_model
from compact_proofs.training.accuracy import exact_accuracy
from compact_proofs.training.model import max_of_k_config, to_tensors
from compact_proofs.training.train import train
from compact_proofs.training.zoo import ZOO_KS, ZOO_SEEDS, main as zoo_main

ZOO_DIR = Path(__file__).resolve().parents[2] / "models"
ZOO = [(k, seed) for k in ZOO_KS for seed in ZOO_SEEDS]


def card(k, seed):
    return json.loads((ZOO_DIR / f"k{k}" / f"seed{seed}.card.json").read_text())


@pytest.mark.parametrize("k,seed", ZOO)
def test_shipped_model_loads_under_its_cards_digest(k, seed):
    c = card(k, seed)
    weights = ZOO_DIR / f"k{k}" / c["weights"]
    assert c["weights"] == f"seed{seed}.safetensors" and (c["k"], c["seed"]) == (k, seed)
    assert weights.stat().st_size < 100_000
    model = load_model(weights)
    assert model.digest == c["digest"]
    assert model.config == max_of_k_config(k) and c["config"] == model.config.to_dict()
    assert c["training"]["steps"] == 3000 and c["training"]["batch"] == 128
    acc = c["accuracy"]
    if k == 4:
        assert acc["method"] == "exhaustive" and acc["total"] == 64 ** 4
        assert acc["correct"] + acc["near_ties"] + acc["wrong"] == acc["total"]
        assert acc["fraction"] == f"{acc['correct']}/{acc['total']}"
    else:
        assert acc["method"] == "sample" and acc["samples"] == 1_000_000
        assert acc["ci95"][0] <= acc["accuracy"] <= acc["ci95"][1]


def test_k4_exact_count_rederived():
    c = card(4, ZOO_SEEDS[0])
    record = exact_accuracy(load_model(ZOO_DIR / "k4" / c["weights"]).tensors)
    assert (record["correct"], record["near_ties"]) == (c["accuracy"]["correct"], c["accuracy"]["near_ties"])


@pytest.mark.parametrize("inside", [Path(compact_proofs.__file__).parent / "models",
                                    Path(sysconfig.get_paths()["purelib"]) / "models"], ids=["package", "site-packages"])
def test_zoo_refuses_to_write_inside_the_installation(inside, capsys):
    assert zoo_main(["--k", "4", "--seeds", "50", "--out", str(inside)]) == 2
    assert "is inside the installation" in capsys.readouterr().err and not inside.exists()


@pytest.mark.slow
@pytest.mark.parametrize("k", ZOO_KS)
def test_retraining_reproduces_shipped_weights(k):
    """Bit-identical only on a machine and numpy build like the one that trained the zoo."""
    seed = ZOO_SEEDS[0]
    params, losses = train(k, seed)
    model = load_model(ZOO_DIR / f"k{k}" / f"seed{seed}.safetensors")
    for name, array in to_tensors(params, model.config).items():
        assert array.tobytes() == model[name].tobytes(), name
    assert float(losses[-1]) == card(k, seed)["training"]["final_loss"]
