"""checker.shards: shard counts are kernel values, and the merge (rule shard_merge) accepts
exactly the shard sets that tile the units once, in any order."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compact_proofs.checker import cost, shards
from compact_proofs.checker.errors import Rejected

DIGEST, RULE = "sha256:" + "ab" * 32, "brute_force"


def unit_value(u: int) -> int:
    """A fixed per-unit 'certified count' (0, 1 or 2 of 3 inputs) for the property tests."""
    return (u * 7 + 3) % 3


def shard(a: int, b: int, digest: str = DIGEST, rule: str = RULE) -> shards.ShardCount:
    def enumerate_range(start, stop):
        cost.add("compare", stop - start)
        return sum(unit_value(u) for u in range(start, stop)), 3 * (stop - start)
    return shards.count_shard(digest, rule, a, b, enumerate_range)


@st.composite
def tilings(draw):
    units = draw(st.integers(1, 60))
    cuts = sorted(draw(st.sets(st.integers(1, units - 1), max_size=units - 1))) if units > 1 else []
    edges = [0, *cuts, units]
    ranges = list(zip(edges, edges[1:]))
    return units, draw(st.permutations(ranges))


@given(tilings())
def test_shard_merge_adds_any_tiling_in_any_order(tiling):
    units, ranges = tiling
    with cost.metered() as meter:
        count, inputs = shards.merge([shard(a, b) for a, b in ranges], DIGEST, RULE, units)
    assert count == sum(unit_value(u) for u in range(units))
    assert inputs == 3 * units
    assert meter.counts["compare"] == units  # each shard's counted work, merged once


@given(tilings(), st.data())
def test_shard_merge_refuses_a_missing_repeated_or_stretched_shard(tiling, data):
    units, ranges = tiling
    results = [shard(a, b) for a, b in ranges]
    kind = data.draw(st.sampled_from(["drop", "repeat", "stretch", "shrink"]))
    i = data.draw(st.integers(0, len(results) - 1))
    a, b = ranges[i]
    if kind == "drop":
        results.pop(i)
    elif kind == "repeat":
        results.append(shard(a, b))
    elif kind == "stretch":  # a shard reaching into its neighbour, or past the end
        results[i] = shard(a, b + 1) if b < units else shard(a - 1, b) if a > 0 else shard(0, units + 1)
    else:  # a shard that stops short, leaving a gap
        if b - a == 1:
            results.pop(i)
        else:
            results[i] = shard(a, b - 1)
    with pytest.raises(Rejected):
        shards.merge(results, DIGEST, RULE, units)


def test_shard_merge_refuses_shards_of_another_model_rule_or_kernel():
    good = [shard(0, 2), shard(2, 5)]
    assert shards.merge(good, DIGEST, RULE, 5)[1] == 15
    for bad in (shard(2, 5, digest="sha256:" + "cd" * 32), shard(2, 5, rule="hybrid")):
        with pytest.raises(Rejected, match="another model, rule or kernel"):
            shards.merge([good[0], bad], DIGEST, RULE, 5)
    alien = pickle.loads(pickle.dumps(good[1]))
    alien.kernel = "sha256:" + "00" * 32
    with pytest.raises(Rejected, match="another model, rule or kernel"):
        shards.merge([good[0], alien], DIGEST, RULE, 5)
    with pytest.raises(Rejected, match="not inside"):
        shards.merge([shard(0, 2), shard(2, 6)], DIGEST, RULE, 5)
    with pytest.raises(Rejected, match="not a kernel ShardCount"):
        shards.merge([good[0], (2, 5, 9)], DIGEST, RULE, 5)


def test_a_shard_count_is_made_only_by_the_kernel_and_survives_transport():
    with pytest.raises(TypeError):
        shards.ShardCount(object(), DIGEST, RULE, 0, 1, 3, 1, {}, shards.KERNEL_DIGEST)
    s = shard(3, 9)
    back = pickle.loads(pickle.dumps(s))
    assert type(back) is shards.ShardCount
    assert [getattr(back, f) for f in s.__slots__] == [getattr(s, f) for f in s.__slots__]
    inflated = pickle.loads(pickle.dumps(s))
    inflated.count = inflated.inputs + 1
    with pytest.raises(Rejected, match="impossible count"):
        shards.merge([shard(0, 3), inflated], DIGEST, RULE, 9)


@given(st.integers(1, 500), st.integers(1, 100))
def test_plan_tiles_the_units(units, pieces):
    ranges = shards.plan(units, pieces)
    assert ranges[0][0] == 0 and ranges[-1][1] == units
    assert all(b > a for a, b in ranges) and all(r[1] == s[0] for r, s in zip(ranges, ranges[1:]))
    assert len(ranges) == min(units, pieces)


def test_processes_executor_runs_every_task_once():
    executor = shards.processes(2)
    out = sorted(executor(lambda shared, task: shared + task, 100, list(range(9))))
    assert out == [100 + t for t in range(9)]
