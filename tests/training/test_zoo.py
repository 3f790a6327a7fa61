"""The shipped zoo in models/: complete, loadable by the checker under the digests its cards
name, its cards' exact counts re-derivable, and its weights reproducible by retraining;
`compact-proofs zoo` never writes into the installation (tests/test_installed.py runs it from an
installed wheel).

The default run checks a sample of the models (the first 10 seeds of every K, which have
certificates, and a seeded draw of the other K=4 seeds); ``-m slow`` checks every one."""

import json
import random
import sysconfig
from pathlib import Path

import pytest

import compact_proofs
from compact_proofs.checker.io.weights import load_model
from compact_proofs.training.accuracy import exact_accuracy
from compact_proofs.training.model import max_of_k_config
from compact_proofs.training.seeds import SEEDS
from compact_proofs.training.train import export_many
from compact_proofs.training.zoo import ZOO_KS, ZOO_SEEDS, main as zoo_main, shipped_cards, summary

ZOO_DIR = Path(__file__).resolve().parents[2] / "models"

SAMPLE = {(k, seed) for k in ZOO_KS for seed in ZOO_SEEDS[k][:10]}
SAMPLE |= {(4, seed) for seed in random.Random(20240410).sample(ZOO_SEEDS[4][10:], 10)}


def zoo(*ks, sample=SAMPLE):
    """Every (k, seed) of the zoo for ``ks``; those outside ``sample`` only under -m slow."""
    return [pytest.param(k, seed, marks=() if (k, seed) in sample else pytest.mark.slow, id=f"k{k}-seed{seed}")
            for k in ks for seed in ZOO_SEEDS[k]]


def card(k, seed):
    return json.loads((ZOO_DIR / f"k{k}" / f"seed{seed}.card.json").read_text())


def test_zoo_is_exactly_the_listed_seeds():
    assert ZOO_SEEDS[4] == SEEDS and len(SEEDS) == 151
    for k in ZOO_KS:
        assert ZOO_SEEDS[k] == SEEDS[:len(ZOO_SEEDS[k])]
        files = sorted(p.name for p in (ZOO_DIR / f"k{k}").iterdir())
        assert files == sorted(f"seed{s}.{ext}" for s in ZOO_SEEDS[k] for ext in ("card.json", "safetensors"))


@pytest.mark.parametrize("k,seed", zoo(*ZOO_KS))
def test_shipped_model_loads_under_its_cards_digest(k, seed):
    c = card(k, seed)
    weights = ZOO_DIR / f"k{k}" / c["weights"]
    assert c["weights"] == f"seed{seed}.safetensors" and (c["k"], c["seed"]) == (k, seed)
    assert weights.stat().st_size < 100_000
    model = load_model(weights)
    assert model.digest == c["digest"]
    assert model.config == max_of_k_config(k) and c["config"] == model.config.to_dict()
    assert c["training"]["steps"] == 3000 and c["training"]["batch"] == 128
    env = c["environment"]
    assert env["numpy"] and env["blas"]["name"] and env["blas"]["core"] and env["cpu"]["model_name"]
    acc = c["accuracy"]
    if k <= 5:
        assert acc["method"] == "exhaustive" and acc["total"] == 64 ** k
        assert acc["correct"] + acc["near_ties"] + acc["wrong"] == acc["total"]
        assert acc["fraction"] == f"{acc['correct']}/{acc['total']}"
        assert acc["accuracy"] == acc["correct"] / acc["total"]
    else:
        assert acc["method"] == "sample" and acc["samples"] == 1_000_000
        assert acc["ci95"][0] <= acc["accuracy"] <= acc["ci95"][1]


@pytest.mark.parametrize("k,seed", zoo(4, 5, sample={(4, ZOO_SEEDS[4][0]), (4, ZOO_SEEDS[4][-1])}))
def test_exact_count_rederived(k, seed):
    """The card's count is what the float64 evaluator finds now (K=5 takes about a minute)."""
    c = card(k, seed)
    record = exact_accuracy(load_model(ZOO_DIR / f"k{k}" / c["weights"]).tensors)
    assert (record["correct"], record["near_ties"]) == (c["accuracy"]["correct"], c["accuracy"]["near_ties"])


def test_summary_of_the_shipped_cards():
    lines = summary(shipped_cards(ZOO_DIR)).splitlines()
    assert [line.split()[0] for line in lines] == [f"K={k}" for k in ZOO_KS]
    assert lines[0].startswith("K=4  151 models (exhaustive)")


@pytest.mark.slow
@pytest.mark.parametrize("k", ZOO_KS)
def test_retraining_reproduces_shipped_weights(k, tmp_path):
    """Retrain the first seed through the training command's worker (one BLAS thread, OpenBLAS
    kernel pinned): bit-identical weights, loss and accuracy count on any x86-64 CPU with AVX2
    and the numpy wheel of the card (README, *Reproducibility*)."""
    seed = ZOO_SEEDS[k][0]
    shipped = card(k, seed)
    [fresh] = export_many([(k, seed)], tmp_path, 1)
    assert fresh["digest"] == shipped["digest"], (fresh["environment"], shipped["environment"])
    assert fresh["training"]["final_loss"] == shipped["training"]["final_loss"]
    assert fresh["accuracy"]["correct"] == shipped["accuracy"]["correct"]


def test_zoo_summary_command_reads_the_cards(capsys, tmp_path):
    assert zoo_main(["--summary", "--k", "20", "--out", str(ZOO_DIR)]) == 0
    assert capsys.readouterr().out.startswith("K=20 10 models (sample): accuracy min ")
    assert zoo_main(["--summary", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("compact-proofs zoo: cannot read a model card: ")


def test_zoo_refuses_seeds_outside_a_ks_zoo(capsys):
    assert zoo_main(["--k", "5", "--seeds", str(SEEDS[10]), "--out", "unused"]) == 2  # a usage error, returned
    assert f"seed {SEEDS[10]} is not in the K=5 zoo" in capsys.readouterr().err


@pytest.mark.parametrize("inside", [Path(compact_proofs.__file__).parent / "models",
                                    Path(sysconfig.get_paths()["purelib"]) / "models"],
                         ids=["package", "site-packages"])
def test_zoo_refuses_to_write_inside_the_installation(inside, capsys):
    assert zoo_main(["--k", "4", "--seeds", "50", "--out", str(inside)]) == 2
    assert "is inside the installation" in capsys.readouterr().err and not inside.exists()
