"""The hybrid rule: cases plus the enumerated remainder cover every input exactly once
(hybrid_partition, against exact enumeration), the count is the brute-force count and the
mpmath truth (hybrid_sound), its cost does not depend on jobs or shards, and tampering with
the certificate or the enumeration is refused."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compact_proofs.checker import cost, shards
from compact_proofs.checker.errors import Rejected
from compact_proofs.checker.kernel import check
from compact_proofs.checker.proofs import brute_force, cubic, hybrid
from compact_proofs.checker.tables import Tables
from compact_proofs.strategies import cubic as cubic_strategy
from compact_proofs.verify.cli import main
from tests.checker.certs import certificate_doc, copy_doc, write_doc
from tests.reference import correct_count, small_model

SLOW = settings(max_examples=8, deadline=None)


def class_inputs(n: int, m: int, c: int) -> list[tuple[int, ...]]:
    """Every word of n tokens in [0, m] with exactly c entries below m (by exhaustion)."""
    return [w for w in itertools.product(range(m + 1), repeat=n) if sum(t != m for t in w) == c]


def expand(sets: list[np.ndarray]) -> list[tuple[int, ...]]:
    return list(itertools.product(*(s.tolist() for s in sets)))


@st.composite
def classes(draw):
    n = draw(st.integers(1, 4))
    m = draw(st.integers(0, 5))
    c = draw(st.integers(0, n))
    listed = draw(st.booleans())
    keys = np.zeros(m + 1, dtype=bool)
    if listed and c > 0:
        keys[:m] = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    return n, m, c, (keys if listed else None)


@given(classes())
def test_hybrid_partition_case_and_boxes_cover_each_input_of_a_class_once(cls):
    n, m, c, keys = cls
    covered = Counter()
    if keys is not None:  # the case: c positions holding tokens of S, the others m
        S = np.nonzero(keys[:m])[0].tolist()
        for P in itertools.combinations(range(n), c):
            for values in itertools.product(S, repeat=c):
                w = [m] * n
                for p, v in zip(P, values):
                    w[p] = v
                covered[tuple(w)] += 1
    for sets in hybrid.boxes(n, 0, m, c, keys):
        assert all(len(s) for s in sets)
        covered.update(expand(sets))
    assert covered == Counter(class_inputs(n, m, c))


@given(st.integers(1, 5), st.integers(1, 4))
def test_hybrid_partition_classes_tile_the_input_space(V, n):
    """Over all classes (q, m, c) with no case listed, the boxes hold every input once."""
    seen = Counter()
    for q, m in itertools.product(range(V), repeat=2):
        if q > m:
            continue
        for c in range(0, (n if q == m else n - 1) + 1):
            for sets in hybrid.boxes(n, q, m, c, None):
                seen.update(w + (q,) for w in expand(sets))
    assert seen == Counter(itertools.product(range(V), repeat=n + 1))


def cases_of(model):
    proof, covered, _ = cubic_strategy.prove(model)
    return cubic.read_cases(proof, model.config, "test"), covered


@SLOW
@given(st.integers(0, 10**6), st.sampled_from([(5, 3), (4, 4), (6, 2), (3, 5)]), st.sampled_from([0.5, 1.0]))
def test_hybrid_sound_count_equals_brute_force_and_mpmath_truth(seed, shape, scale):
    V, K = shape
    model = small_model(seed, d_vocab=V, n_ctx=K, scale=scale)
    cases, covered = cases_of(model)
    count = hybrid.count_correct(Tables(model), model.digest, cases)
    assert covered <= count == brute_force.count_correct(Tables(model), model.digest) == correct_count(model)


def test_hybrid_count_and_cost_are_independent_of_jobs_and_shards():
    model = small_model(3, d_vocab=7, n_ctx=4)
    cases, _ = cases_of(model)
    runs = []
    for jobs, pieces in ((1, 1), (2, 9), (1, 49), (2, 256)):
        with cost.metered() as meter:
            count = hybrid.count_correct(Tables(model), model.digest, cases, executor=shards.processes(jobs),
                                         pieces=pieces)
        runs.append((count, meter.counts))
    assert all(r == runs[0] for r in runs)


def test_hybrid_sound_on_a_model_with_no_cases_is_the_brute_force():
    model = small_model(1, d_vocab=5, n_ctx=3)
    none = cubic.Cases(*(np.zeros(0, dtype=np.int64) for _ in range(3)), np.zeros(0), np.zeros((0, 5), dtype=bool))
    assert hybrid.count_correct(Tables(model), model.digest, none) == correct_count(model)


# --- tampering -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("hybrid")


@pytest.fixture(scope="module")
def hybrid_doc(folder):
    return certificate_doc(folder, "hybrid", seed=4, d_vocab=7, n_ctx=4)



def test_hybrid_certificate_verifies_its_exact_count(folder, hybrid_doc):
    result = check(write_doc(folder / "h.json", hybrid_doc))
    assert result.verdict == "verified", result.reason
    assert result.bound * 7**4 == correct_count(small_model(4, d_vocab=7, n_ctx=4))
    assert set(result.cost) == {"hybrid"} and "hybrid_sound" in result.rules


def test_hybrid_certificate_with_an_overlapping_case_is_rejected(folder, hybrid_doc):
    doc = copy_doc(hybrid_doc)
    cases = doc["proof"]["cases"]
    for name in cases:
        cases[name].append(cases[name][0])  # the same (q, m, c) twice: it would be counted twice
    assert main([str(write_doc(folder / "dup.json", doc))]) == 1


def test_hybrid_certificate_with_a_false_case_is_rejected(folder, hybrid_doc):
    doc = copy_doc(hybrid_doc)
    cases = doc["proof"]["cases"]
    r = max((i for i, c in enumerate(cases["c"]) if c > 0), key=lambda i: cases["m"][i])
    cases["keys"][r] = format((1 << cases["m"][r]) - 1, "x")  # every token below m: not all of them hold
    result = check(write_doc(folder / "false.json", doc))
    assert result.verdict == "rejected" and "not proved" in result.reason, result.reason
    assert main([str(folder / "false.json")]) == 1


def test_hybrid_certificate_with_a_missing_case_proves_the_same_count(folder, hybrid_doc):
    """A dropped case is enumerated instead: the bound does not move, so no claim is lost or won."""
    full = check(write_doc(folder / "full.json", hybrid_doc))
    doc = copy_doc(hybrid_doc)
    for name in doc["proof"]["cases"]:
        del doc["proof"]["cases"][name][0]
    dropped = check(write_doc(folder / "dropped.json", doc))
    assert dropped.verdict == full.verdict == "verified" and dropped.bound == full.bound


def test_hybrid_claim_raised_by_one_is_rejected(folder, hybrid_doc):
    doc = copy_doc(hybrid_doc)
    n, d = (int(x) for x in doc["claim"]["accuracy_at_least"].split("/"))
    doc["claim"]["accuracy_at_least"] = f"{n + 1}/{d}"
    assert main([str(write_doc(folder / "raised.json", doc))]) == 1


@pytest.mark.parametrize("fault", ["drop", "repeat"])
def test_hybrid_refuses_an_enumeration_that_misses_or_repeats_a_box(monkeypatch, fault):
    model = small_model(4, d_vocab=7, n_ctx=4)
    cases, _ = cases_of(model)
    honest = hybrid.boxes

    def faulty(n, q, m, c, keys):
        out = list(honest(n, q, m, c, keys))
        if (q, m) == (2, 5) and out:
            out = out[1:] if fault == "drop" else out + out[:1]
        return iter(out)
    monkeypatch.setattr(hybrid, "boxes", faulty)
    with pytest.raises(Rejected, match="in all"):
        hybrid.count_correct(Tables(model), model.digest, cases)


def test_hybrid_refuses_a_shard_plan_with_a_gap(monkeypatch):
    model = small_model(4, d_vocab=7, n_ctx=4)
    cases, _ = cases_of(model)
    monkeypatch.setattr(shards, "plan", lambda units, pieces: [(0, 20), (21, units)])
    with pytest.raises(Rejected, match="uncovered"):
        hybrid.count_correct(Tables(model), model.digest, cases)
