"""The sub-cubic family's strategy: the paper's 100 configurations and ours, each a proof the kernel
reads and verifies."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from compact_proofs.checker.kernel import check
from compact_proofs.strategies import subcubic
from compact_proofs.strategies.certificate import envelope
from compact_proofs.training.export import save_model
from tests.reference import small_model


def test_the_reference_family_has_the_papers_100_configurations():
    assert len(subcubic.REFERENCE) == len(set(subcubic.REFERENCE)) == 100
    assert set(subcubic.OURS) & set(subcubic.REFERENCE) == set()
    assert all(name.count("/") == 2 for name in subcubic.CONFIGURATIONS)


@pytest.fixture(scope="module")
def search():
    return subcubic.Search(small_model(11, d_vocab=8, n_ctx=3, d_model=4))


@pytest.mark.parametrize("name", subcubic.CONFIGURATIONS)
def test_every_configuration_gives_a_certificate_the_kernel_verifies(tmp_path: Path, search, name):
    proof, covered, stats = search.prove(name)
    model = search.model
    out = tmp_path / "cert.json"
    save_model(tmp_path / "m.safetensors", model.config, dict(model.tensors))
    out.write_text(json.dumps(envelope(model, tmp_path / "m.safetensors", out, covered,
                                       "subcubic", stats, proof)))
    result = check(out)
    assert result.verdict == "verified", (name, result.reason)
    assert result.bound == Fraction(covered, 8**3) and stats["config"] == name


@pytest.mark.parametrize("choice", [None] + list(subcubic.GROUPS))
def test_prove_takes_the_best_configuration_of_a_group(search, choice):
    proof, covered, parameters = subcubic.prove(search.model, config=choice)
    group = choice or "ours"
    best = max(search.prove(name)[1] for name in subcubic.CONFIGURATIONS if subcubic.group(name) == group)
    assert covered == best and parameters["group"] == group == subcubic.group(parameters["config"])
