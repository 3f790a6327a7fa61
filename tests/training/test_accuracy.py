"""Accuracy counting: the blocked exhaustive path, the gather path used for samples, and the
model's own forward pass agree; near ties are kept apart; the Wilson interval is right."""

import itertools

import numpy as np
import pytest

from compact_proofs.training.accuracy import Circuits, TIE_TOLERANCE, exact_accuracy, sampled_accuracy, wilson_interval
from compact_proofs.training.model import init_params, last_logits, max_of_k_config, to_tensors


def tiny_tensors(k, seed=0, sharpen=4.0):
    config = max_of_k_config(k, d_vocab=6, d_model=5, d_head=4)
    params = init_params(config, np.random.default_rng(seed), np.float64)
    return to_tensors({n: sharpen * v for n, v in params.items()}, config)


def brute_force_margins(tensors, tokens):
    params = {n: np.asarray(tensors[t], np.float64).reshape(tensors[t].shape[-2:])
              for n, t in [("W_E", "embed.W_E"), ("W_pos", "pos_embed.W_pos"), ("W_Q", "blocks.0.attn.W_Q"),
                           ("W_K", "blocks.0.attn.W_K"), ("W_V", "blocks.0.attn.W_V"),
                           ("W_O", "blocks.0.attn.W_O"), ("W_U", "unembed.W_U")]}
    logits = last_logits(params, tokens)
    rows, labels = np.arange(len(tokens)), tokens.max(axis=1)
    true = logits[rows, labels].copy()
    logits[rows, labels] = -np.inf
    return true - logits.max(axis=1)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_exhaustive_blocks_match_gather_and_model(k):
    tensors = tiny_tensors(k, seed=k)
    circuits = Circuits.from_tensors(tensors)
    blocked = np.concatenate(list(circuits.all_margins()))
    # all_margins enumerates q outermost, then t_0 .. t_{k-2} lexicographically
    tokens = np.array([rest + (q,) for q in range(6) for rest in itertools.product(range(6), repeat=k - 1)])
    assert len(blocked) == 6 ** k
    np.testing.assert_allclose(blocked, circuits.margins(tokens), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(blocked, brute_force_margins(tensors, tokens), rtol=1e-11, atol=1e-11)
    assert 0.05 < np.mean(blocked > 0) < 1  # a mix of right and wrong: the comparison means something
    record = exact_accuracy(tensors)
    assert record["correct"] == np.count_nonzero(blocked > TIE_TOLERANCE)
    assert record["correct"] + record["near_ties"] + record["wrong"] == record["total"] == 6 ** k


def test_exact_ties_are_near_ties_not_correct():
    tensors = dict(tiny_tensors(3))
    tensors["unembed.W_U"] = np.zeros_like(tensors["unembed.W_U"])  # every logit equal
    record = exact_accuracy(tensors)
    assert (record["correct"], record["near_ties"], record["wrong"]) == (0, 6 ** 3, 0)


def test_sample_is_seeded_and_covers_its_interval():
    tensors = tiny_tensors(5)
    first = sampled_accuracy(tensors, samples=20_000, seed=7)
    again = sampled_accuracy(tensors, samples=20_000, seed=7)
    assert (first["correct"], first["near_ties"]) == (again["correct"], again["near_ties"])
    assert first["samples"] == 20_000 and first["method"] == "sample"
    lo, hi = first["ci95"]
    assert lo < first["accuracy"] < hi
    exact = exact_accuracy(tensors)["accuracy"]
    assert abs(first["accuracy"] - exact) < 4 * (hi - lo)


def test_wilson_interval_reference_values():
    # Wilson (1927) / Newcombe (1998) example: 81 of 263, 95% interval 0.2553 to 0.3662
    lo, hi = wilson_interval(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0) and wilson_interval(0, 10)[0] == pytest.approx(0.0)
