"""Sub-cubic certificates of a real model: tampered ones are rejected, malformed ones unusable, and a
certificate that only the reference's unsound mean+diff formula accepts is rejected."""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from compact_proofs.checker.io.weights import load_model
from compact_proofs.checker.kernel import check
from compact_proofs.checker.rules import envelope
from compact_proofs.strategies import subcubic
from compact_proofs.strategies.certificate import envelope as certificate_envelope

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "models" / "k4" / "seed50.safetensors"
OURS, REFERENCE = "ours/envelope/rank_one", "max_diff_exact/mean_query+diff/exact_EQKE+max_diff_exact"


@pytest.fixture(scope="module")
def search():
    return subcubic.Search(load_model(WEIGHTS))


@pytest.fixture(scope="module")
def proved(search):
    return {name: search.prove(name) for name in (OURS, REFERENCE)}


def write(tmp_path: Path, search, proof: dict, covered: int, name: str = "cert.json") -> Path:
    model = search.model
    out = tmp_path / name
    doc = certificate_envelope(model, WEIGHTS, out, covered,
                               "subcubic", {}, proof)
    out.write_text(json.dumps(doc))
    return out


def test_shipped_style_certificates_verify(tmp_path, search, proved):
    for name, (proof, covered, _) in proved.items():
        result = check(write(tmp_path, search, proof, covered))
        assert result.verdict == "verified", result.reason
        assert result.bound == Fraction(covered, 64**4) and set(result.cost) == {"subcubic"}


def mutants(proof: dict, covered: int):
    """(description, proof, claimed count) of false or malformed certificates."""
    cases = proof["cases"]
    gapped = next(r for r, (c, g) in enumerate(zip(cases["c"], cases["g"])) if c > 0 and g > 1)

    def edit(change):
        p = copy.deepcopy(proof)
        change(p)
        return p
    yield "claim one more input", proof, covered + 1
    yield "a smaller gap than proved", edit(
        lambda p: p["cases"]["g"].__setitem__(gapped, p["cases"]["g"][gapped] - 1)), covered
    yield "a case listed twice", edit(lambda p: [p["cases"][k].append(p["cases"][k][gapped]) for k in "qmcg"]), covered
    yield "a query above its max", edit(lambda p: p["cases"]["q"].__setitem__(gapped, p["cases"]["m"][gapped] + 1)), \
        covered
    yield "a gap beyond the max", edit(lambda p: p["cases"]["g"].__setitem__(gapped, p["cases"]["m"][gapped] + 1)), \
        covered
    yield "a case with no non-max slot and a gap", edit(
        lambda p: p["cases"]["g"].__setitem__(p["cases"]["c"].index(0), 1)), covered
    yield "c beyond the slots", edit(lambda p: p["cases"]["c"].__setitem__(gapped, 4)), covered
    yield "an unknown field", edit(lambda p: p.__setitem__("extra", 1)), covered
    yield "an unknown residual method", edit(lambda p: p["score"]["residual"][0].__setitem__("method", "svd")), covered
    yield "a split outside the factors", edit(lambda p: p["score"]["residual"][0].__setitem__("split", 2)), covered
    yield "a peel of the wrong length", edit(lambda p: p["score"]["peels"][0]["x"].pop()), covered
    yield "a non-finite hint", edit(lambda p: p["score"]["peels"][0]["x"].__setitem__(0, "inf")), covered
    yield "a decimal hint", edit(lambda p: p["score"]["peels"][0]["x"].__setitem__(0, "0.5")), covered
    yield "no residual bound", edit(lambda p: p["score"].__setitem__("residual", [])), covered
    yield "breakpoints out of order", edit(lambda p: p["attention"]["breakpoints"].__setitem__(
        0, [float(0.75).hex(), float(0.25).hex()])), covered
    yield "a breakpoint at 1", edit(lambda p: p["attention"]["breakpoints"].__setitem__(0, [float(1).hex()])), covered
    yield "breakpoints for too few max tokens", edit(lambda p: p["attention"]["breakpoints"].pop()), covered
    yield "an unknown direct bound", edit(lambda p: p["direct"].__setitem__("bound", "none")), covered
    yield "a mean of the wrong length", edit(lambda p: p["direct"].__setitem__("mean", ["0x0.0p+0"])), covered


def test_tampered_and_malformed_subcubic_certificates_never_verify(tmp_path, search, proved):
    proof, covered, _ = proved[OURS]
    for i, (what, mutant, claim) in enumerate(mutants(proof, covered)):
        result = check(write(tmp_path, search, mutant, claim, f"mutant{i}.json"))
        assert result.verdict in ("rejected", "error"), what
        assert "internal error" not in result.reason, (what, result.reason)


def test_a_mean_plus_diff_average_outside_unit_interval_is_unusable(tmp_path, search, proved):
    proof, covered, _ = proved[REFERENCE]
    bad = copy.deepcopy(proof)
    bad["attention"]["average"][5][1] = float(1.5).hex()
    assert check(write(tmp_path, search, bad, covered)).verdict == "error"


def unsound_meandiff_at(M, s_min, s_max, average, A):
    """The reference's term: (A - a) times the largest slope, on both sides of the average."""
    return envelope.up(M + envelope.upper_product(envelope.down(A - average), envelope.up(A - average), s_max))


def test_a_certificate_that_only_the_unsound_mean_plus_diff_accepts_is_rejected(tmp_path, monkeypatch, search):
    """S1 of the design study: with a < average attention below the average, (A - a)(R_max - W)
    under-estimates the wrong logit; the kernel uses R_min there. A certificate searched under the
    unsound form claims more than the sound kernel proves and is rejected; the sound one verifies."""
    sound_proof, sound_covered, _ = search.prove(REFERENCE)
    monkeypatch.setattr(envelope, "meandiff_at", unsound_meandiff_at)
    proof, covered, _ = search.prove(REFERENCE)
    cert = write(tmp_path, search, proof, covered)
    assert covered > sound_covered
    assert check(cert).verdict == "verified"  # the unsound rule would accept it
    monkeypatch.undo()
    result = check(cert)
    assert result.verdict == "rejected" and "not proved" in result.reason
    assert check(write(tmp_path, search, sound_proof, sound_covered, "sound.json")).verdict == "verified"


def test_subcubic_bound_is_below_the_exact_accuracy(proved):
    card = json.loads((WEIGHTS.parent / "seed50.card.json").read_text())
    for proof, covered, _ in proved.values():
        assert covered <= card["accuracy"]["correct"]
    assert np.isclose(card["accuracy"]["accuracy"], card["accuracy"]["correct"] / 64**4)
