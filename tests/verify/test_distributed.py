"""Dask: the kernel's shards and a sweep run unchanged on a LocalCluster of worker processes on
loopback, with results identical to the single-process run."""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from compact_proofs.checker.kernel import check  # noqa: E402
from compact_proofs.verify.cli import main  # noqa: E402
from compact_proofs.verify.distributed import connect  # noqa: E402
from tests.checker.certs import certificate_doc, write_doc  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with connect("local", workers=2) as executor:
        yield executor


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    return {rule: write_doc(folder / f"{rule}.json", certificate_doc(folder, rule, seed=6, d_vocab=7, n_ctx=4))
            for rule in ("brute_force", "hybrid")}


@pytest.mark.parametrize("rule", ["brute_force", "hybrid"])
def test_a_local_cluster_proves_exactly_what_one_process_proves(cluster, certificates, rule):
    alone = check(certificates[rule], jobs=1)
    spread = check(certificates[rule], executor=cluster)
    assert alone.verdict == spread.verdict == "verified", (alone.reason, spread.reason)
    assert (spread.bound, spread.cost, spread.rules) == (alone.bound, alone.cost, alone.rules)
    workers = cluster.client.run(lambda: 1)
    assert len(workers) == 2


def test_verify_dask_local_on_the_command_line(certificates):
    assert main(["--dask", "local", "--jobs", "2", str(certificates["brute_force"])]) == 0


def test_verify_dask_unreachable_scheduler_is_a_clear_error(certificates, capsys, monkeypatch):
    from compact_proofs.verify import distributed
    monkeypatch.setattr(distributed, "CONNECT_SECONDS", 1)
    assert main(["--dask", "tcp://127.0.0.1:9", str(certificates["brute_force"])]) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


def test_a_sweep_on_a_local_cluster_matches_the_local_sweep(tmp_path):
    from compact_proofs.strategies import sweep
    from tests.checker.certs import make_model
    model = make_model(tmp_path, seed=8, d_vocab=5, n_ctx=4)
    local = sweep.sweep([model], ["brute_force", "hybrid"], 1, None, tmp_path / "local")
    spread = sweep.sweep([model], ["brute_force", "hybrid"], 2, "local", tmp_path / "dask")

    def key(results):
        return [(r["configuration"], r["verdict"], r["bound"], r["cost"]) for r in results["rows"]]
    assert key(spread) == key(local) and all(r["verdict"] == "verified" for r in local["rows"])
