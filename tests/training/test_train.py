"""Training: AdamW follows PyTorch's update, a seed names its weights bit for bit, and an
exported model round-trips through the checker's loader with its card's digest."""

import json

import numpy as np
import pytest

from compact_proofs.checker.io.weights import load_model
from compact_proofs.training.model import max_of_k_config, to_tensors
from compact_proofs.training.seeds import SEEDS, parse_seeds
from compact_proofs.training.train import AdamW, TrainConfig, export_model, train

FEW = TrainConfig(steps=25)


def test_adamw_first_steps_match_closed_form():
    hp = TrainConfig(lr=0.1, weight_decay=0.5)
    p0 = np.array([1.0, -2.0, 0.5], np.float32)
    g1 = np.array([0.3, -0.01, 0.0], np.float32)
    g2 = np.array([-0.2, 0.04, 1.0], np.float32)
    params = {"w": p0.copy()}
    opt = AdamW(params, hp)
    opt.step(params, {"w": g1})
    # step 1: bias-corrected m/sqrt(v) is g/|g| (0 where g = 0)
    expected = p0 * (1 - 0.1 * 0.5) - 0.1 * g1 / (np.abs(g1) + 1e-8)
    np.testing.assert_allclose(params["w"], expected, rtol=1e-6)
    opt.step(params, {"w": g2})
    m = (0.1 * 0.9 * g1 + 0.1 * g2) / (1 - 0.9 ** 2)
    v = (0.001 * 0.999 * g1 ** 2 + 0.001 * g2 ** 2) / (1 - 0.999 ** 2)
    expected = expected * (1 - 0.05) - 0.1 * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(params["w"], expected, rtol=1e-5)
    assert params["w"].dtype == np.float32


def test_same_seed_same_bits_other_seed_other_bits():
    first, losses = train(5, 50, FEW)
    again, losses_again = train(5, 50, FEW)
    other, _ = train(5, 104, FEW)
    for name in first:
        assert first[name].dtype == np.float32
        assert first[name].tobytes() == again[name].tobytes()
        assert first[name].tobytes() != other[name].tobytes()
    assert losses.tobytes() == losses_again.tobytes()


def test_loss_goes_down():
    _, losses = train(4, 123, TrainConfig(steps=300))
    assert losses[:10].mean() > 4.0 > 2.0 > losses[-20:].mean()


def test_export_round_trips_through_the_checker_loader(tmp_path):
    card = export_model(10, 50, tmp_path, TrainConfig(steps=3))
    folder = tmp_path / "k10"
    assert json.loads((folder / "seed50.card.json").read_text()) == card
    model = load_model(folder / card["weights"])
    assert model.digest == card["digest"]
    assert model.config == max_of_k_config(10) and card["config"] == model.config.to_dict()
    params, _ = train(10, 50, TrainConfig(steps=3))
    for name, array in to_tensors(params, model.config).items():
        assert array.tobytes() == model[name].tobytes()
    assert card["training"]["steps"] == 3 and card["training"]["batch"] == 128
    assert card["accuracy"]["method"] == "sample" and card["accuracy"]["samples"] == 1_000_000


def test_seed_syntax():
    assert len(SEEDS) == 151 and SEEDS[:3] == (50, 104, 123) and SEEDS[-1] == 32382
    assert parse_seeds(["first:2", "104", "7"]) == [50, 104, 7]
    assert parse_seeds(["all"]) == list(SEEDS)
    with pytest.raises(ValueError):
        parse_seeds(["first:0"])
