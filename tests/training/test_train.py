"""Training: AdamW follows PyTorch's update, a seed names its weights bit for bit, and an
exported model round-trips through the checker's loader with its card's digest."""

import json

import numpy as np
import pytest

from compact_proofs.checker.io.weights import load_model
from compact_proofs.training.model import max_of_k_config, to_tensors
from compact_proofs.training.seeds import SEEDS, parse_seeds
from compact_proofs.training.train import BLAS_CORE, AdamW, TrainConfig, export_many, export_model, train, worker_env

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
    assert card["environment"]["numpy"] == np.__version__


def test_workers_run_one_blas_thread_with_the_pinned_kernel(tmp_path):
    """The card written by a training worker records the environment the worker really ran."""
    [card] = export_many([(3, 50)], tmp_path, 1, TrainConfig(steps=2))
    blas, cpu = card["environment"]["blas"], card["environment"]["cpu"]
    assert blas["threads"] == 1
    if "OPENBLAS_CORETYPE" in worker_env() and blas["config"] and blas["config"].startswith("OpenBLAS"):
        assert blas["core"] == worker_env()["OPENBLAS_CORETYPE"]
        assert {"avx2", "fma"} <= set(cpu["flags"].split())


def test_worker_env_pins_the_kernel_only_where_it_runs(monkeypatch):
    import compact_proofs.training.train as train_module

    def fake(machine, flags):
        return lambda: {"cpu": {"machine": machine, "flags": flags, "model_name": "x"}}

    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    monkeypatch.setattr(train_module, "environment", fake("x86_64", "sse2 avx avx2 fma"))
    assert worker_env()["OPENBLAS_CORETYPE"] == BLAS_CORE and worker_env()["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_CORETYPE", "SkylakeX")
    assert worker_env()["OPENBLAS_CORETYPE"] == "SkylakeX"          # an explicit choice stands
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    monkeypatch.setattr(train_module, "environment", fake("x86_64", "sse2 avx"))
    assert "OPENBLAS_CORETYPE" not in worker_env()
    monkeypatch.setattr(train_module, "environment", fake("aarch64", "fp asimd"))
    assert "OPENBLAS_CORETYPE" not in worker_env()


def test_seed_syntax():
    assert len(SEEDS) == 151 and SEEDS[:3] == (50, 104, 123) and SEEDS[-1] == 32382
    assert parse_seeds(["first:2", "104", "7"]) == [50, 104, 7]
    assert parse_seeds(["all"]) == list(SEEDS)
    with pytest.raises(ValueError):
        parse_seeds(["first:0"])
