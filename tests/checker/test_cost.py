"""checker.cost: the kernel counts the work it performs, the same on every run, wherever it runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compact_proofs.checker import cost, shards
from compact_proofs.checker.arith import Interval, down, lowest, sort_last
from compact_proofs.checker.kernel import check
from compact_proofs.checker.proofs import brute_force
from compact_proofs.checker.tables import Dyadic, Tables
from tests.checker.certs import certificate_doc, write_doc
from tests.reference import small_model


def test_primitives_record_what_they_do():
    x = Interval(np.zeros((3, 4)), np.ones((3, 4)))
    with cost.metered() as meter:
        x + x  # two rounded element operations per entry
        down(np.zeros(5))
        lowest(np.zeros((3, 4)), -1)  # 3 lines of 4: 3 comparisons each
        sort_last(np.zeros((2, 8)))  # 16 entries, ceil(log2 8) = 3 comparisons each
        Dyadic.from_floats(np.ones((2, 3))) @ Dyadic.from_floats(np.ones((3, 5)))
    assert meter.counts == {"rounded": 24 + 5, "float": 0, "compare": 9 + 48, "madd": 30, "limb": 30, "arb": 0}
    assert meter.total == 24 + 5 + 9 + 48 + 30


def test_no_meter_open_means_nothing_is_recorded_and_meters_do_not_leak():
    down(np.zeros(3))
    with cost.metered() as outer:
        with cost.metered() as inner:
            down(np.zeros(7))
        down(np.zeros(2))
    assert inner.counts["rounded"] == 7 and outer.counts["rounded"] == 2


def test_two_checks_count_the_same(tmp_path: Path):
    cert = write_doc(tmp_path / "cubic.json", certificate_doc(tmp_path, "cubic", seed=3, d_vocab=7, n_ctx=4))
    first, second = check(cert), check(cert)
    assert first.verdict == second.verdict == "verified"
    assert first.cost == second.cost and first.operations > 0
    assert set(first.cost) == {"cubic"}


def test_brute_force_count_is_independent_of_jobs_and_shards():
    model = small_model(5, d_vocab=6, n_ctx=4)
    counts = []
    for jobs, pieces in ((1, 1), (2, 5), (2, 36), (1, 13)):
        with cost.metered() as meter:
            brute_force.count_correct(Tables(model), model.digest, executor=shards.processes(jobs), pieces=pieces)
        counts.append(meter.counts)
    assert all(c == counts[0] for c in counts) and counts[0]["float"] > 6**4
