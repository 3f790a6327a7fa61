"""The cubic rule in bounded memory: chunks of max tokens change neither a bound, nor a verdict,
nor a count, nor the counted cost; the memory budget is honoured or the check is refused before
it starts; the shipped certificates prove exactly what they claim."""

from __future__ import annotations

import json
import tracemalloc
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.certificate import read_certificate
from compact_proofs.checker.io.weights import load_model
from compact_proofs.checker.kernel import check
from compact_proofs.checker.proofs import cubic
from compact_proofs.checker.result import ERROR, REJECTED, VERIFIED
from compact_proofs.checker.tables import Tables
from compact_proofs.strategies import cubic as strategy
from tests.checker.certs import certificate_doc, write_doc
from tests.reference import small_model

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "certificates/cubic").glob("*.json"))
SAMPLE = [ROOT / "certificates/cubic" / name for name in ("k4-seed50.json", "k5-seed123.json")]


def one_max_per_chunk(monkeypatch):
    """The smallest chunks the kernel can take: one max token each, pairs a few at a time."""
    monkeypatch.setattr(cubic, "CHUNK_BYTES", 1)
    monkeypatch.setattr(cubic, "PAIR_ENTRIES", 64)


def every_pair(V: int, n: int, c: int) -> tuple[np.ndarray, ...]:
    """(q, m, k) of every (case, k) with c non-max slots."""
    q, m = strategy.all_cases(np.arange(V), n, c)
    if c == 0:
        return q, m, np.zeros_like(q)
    rows, k = np.nonzero(np.arange(V)[None, :] < m[:, None])
    return q[rows], m[rows], k


@pytest.mark.parametrize("V, K", [(6, 3), (7, 4), (5, 5)])
def test_case_bounds_are_bit_identical_whatever_the_chunks(V, K):
    """Bounds built for every row at once and one max token at a time give the same floats."""
    tables = Tables(small_model(V * K, d_vocab=V, n_ctx=K))
    n = K - 1
    rng = np.random.default_rng(0)
    for c in range(n + 1):
        q, m, k = every_pair(V, n, c)
        mu = rng.random(len(q)) * 0.05
        whole = cubic.case_lower_bounds(tables, cubic.Bounds(tables, q, m), q, m, k, c, mu)
        by_max = np.full(len(q), np.nan)
        for value in np.unique(m):
            at = m == value
            by_max[at] = cubic.case_lower_bounds(tables, cubic.Bounds(tables, q[at], m[at]), q[at], m[at], k[at],
                                                 c, mu[at])
        assert np.array_equal(whole.view(np.int64), by_max.view(np.int64))
        assert (whole > 0).any() and (whole <= 0).any()  # both verdicts occur: the comparison has teeth


def test_bounds_refuse_a_pair_they_were_not_built_for():
    tables = Tables(small_model(1, d_vocab=5, n_ctx=3))
    bounds = cubic.Bounds(tables, np.array([0, 1]), np.array([3, 3]))
    with pytest.raises(ValueError):
        bounds.rows(np.array([2]), np.array([3]))


def checked(path: Path, **kwargs) -> tuple:
    """(verdict, count or reason, cost counts, number of chunks) of one check."""
    chunks = []
    result = check(path, progress=lambda done, total: chunks.append(total), **kwargs)
    return result.verdict, result.reason, result.cost, chunks[-1] if chunks else 0


def test_count_verdict_and_cost_do_not_depend_on_the_chunks(tmp_path, monkeypatch):
    cert = write_doc(tmp_path / "c.json", certificate_doc(tmp_path, "cubic", seed=3, d_vocab=9, n_ctx=4))
    default = checked(cert)
    one_max_per_chunk(monkeypatch)
    small = checked(cert)
    assert default[0] == VERIFIED and default[:3] == small[:3]
    assert default[3] == 1 < small[3]  # one chunk against one per max token


def test_shipped_sample_counts_and_costs_do_not_depend_on_the_chunks(monkeypatch):
    path = SAMPLE[0]
    default = checked(path)
    one_max_per_chunk(monkeypatch)
    small = checked(path)
    maxes = len(set(json.loads(path.read_text())["proof"]["cases"]["m"]))
    assert default[0] == VERIFIED and default[:3] == small[:3] and 1 < default[3] < small[3] == maxes


def test_a_failure_is_reported_for_the_smallest_failing_max_whatever_the_chunks(tmp_path, monkeypatch):
    doc = certificate_doc(tmp_path, "cubic", seed=3, d_vocab=9, n_ctx=4)
    cols = doc["proof"]["cases"]
    rows = [r for r, c in enumerate(cols["c"]) if c == 0]
    for r in rows[-2:]:  # two cases that cannot hold at an absurd margin, at different m
        cols["margin"][r] = (1e300).hex()
    path = write_doc(tmp_path / "bad.json", doc)
    first = min(rows[-2:], key=lambda r: cols["m"][r])
    default = checked(path)
    one_max_per_chunk(monkeypatch)
    small = checked(path)
    assert default[0] == small[0] == REJECTED and default[1] == small[1]
    assert f"m={cols['m'][first]} c=0" in default[1]


def test_the_strategy_writes_the_same_certificate_whatever_the_chunks(monkeypatch):
    model = small_model(11, d_vocab=8, n_ctx=4)
    default = strategy.prove(model)
    one_max_per_chunk(monkeypatch)
    small = strategy.prove(model)
    assert default[:2] == small[:2] and default[1] > 0


def test_the_strategy_reproduces_a_shipped_certificate():
    doc = json.loads(SAMPLE[0].read_text())
    proof, covered, _ = strategy.prove(load_model(SAMPLE[0].parent / doc["model"]["weights"]))
    assert proof == doc["proof"]
    assert Fraction(covered, 64**4) == Fraction(doc["claim"]["accuracy_at_least"])


def test_a_check_that_cannot_fit_is_refused_before_any_table_with_its_estimate(monkeypatch):
    def no_tables(*args):
        raise AssertionError("a table was built")

    monkeypatch.setattr(cubic, "Bounds", no_tables)
    result = check(SAMPLE[0], max_memory=64 * 2**20)
    assert result.verdict == ERROR
    assert "needs about" in result.reason and "MiB" in result.reason and "--max-memory" in result.reason
    needed = int(result.reason.split("needs about ")[1].split(" MiB")[0].replace(",", ""))
    assert 64 < needed < 400


def test_chunks_fit_the_budget_they_are_given():
    cert = read_certificate(SAMPLE[0])
    cases = cubic.read_cases(cert.proof, cert.config, "sample")
    outside = cubic.fixed_bytes(cert.config)
    for budget in (150 * 2**20, 200 * 2**20, 2**30):
        groups = cubic.chunks(cert.config, cases.q, cases.m, budget)
        assert sorted(np.concatenate(groups).tolist()) == list(range(len(cases.q)))  # every row once
        for rows in groups:
            ms = np.unique(cases.m[rows])
            assert len(ms) == 1 or outside + cubic.working_set(
                cert.config, len(ms), len(np.unique(cases.m[rows] * 64 + cases.q[rows]))) <= budget
        firsts = [int(cases.m[rows].min()) for rows in groups]
        assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)  # consecutive max tokens
    with pytest.raises(Unusable, match="needs about"):
        cubic.chunks(cert.config, cases.q, cases.m, 2**20)


def test_the_memory_model_bounds_what_a_chunk_allocates():
    """``working_set`` is at least the peak that tracemalloc sees numpy allocate for one chunk."""
    path = SAMPLE[0]
    cert = read_certificate(path)
    model = load_model(path.parent / json.loads(path.read_text())["model"]["weights"])
    cases = cubic.read_cases(cert.proof, cert.config, "sample")
    tables = Tables(model)
    _ = (tables.EVOU, tables.PVOU, tables.EUPU, tables.tok_weight, tables.pos_weight)
    for rows in cubic.chunks(cert.config, cases.q, cases.m, 2**30)[:2]:
        tracemalloc.start()
        bounds = cubic.Bounds(tables, cases.q[rows], cases.m[rows])
        at = rows[cases.c[rows] == 1]
        pair_rows, ks = np.nonzero(cases.keys[at])
        cubic.case_lower_bounds(tables, bounds, cases.q[at][pair_rows], cases.m[at][pair_rows], ks, 1,
                                cases.margin[at][pair_rows])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        pairs = len(np.unique(cases.m[rows] * 64 + cases.q[rows]))
        assert peak <= cubic.working_set(cert.config, len(np.unique(cases.m[rows])), pairs)


def test_verify_max_memory_flag(capsys):
    from compact_proofs.verify.cli import main
    assert main([str(SAMPLE[0]), "--max-memory", "64M"]) == 2
    assert "needs about" in capsys.readouterr().out
    assert main([str(SAMPLE[0]), "--max-memory", "2G"]) == 0
    assert main([str(SAMPLE[0]), "--max-memory", "lots"]) == 2  # a usage error: argparse's exit code, returned


def proves_its_claim(path: Path) -> None:
    cert = read_certificate(path)
    result = check(path)
    assert result.verdict == VERIFIED and result.bound == cert.claimed  # the count of today, not just enough


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: p.name)
def test_shipped_sample_proves_exactly_its_claim(path):
    proves_its_claim(path)


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_cubic_certificate_proves_exactly_its_claim(path):
    proves_its_claim(path)
