"""Dask distributed as the kernel's executor (optional extra: ``pip install 'compact-proofs[dask]'``).

The kernel never imports Dask: an enumerating rule takes an executor (``checker.shards``),
``executor(fn, shared, tasks)`` yielding ``fn(shared, task)`` for each task in any order. Here
that contract is met on a Dask cluster: ``shared`` (the rule's read-only tables) is scattered
to every worker once, each task is one submitted call, and results come back as they finish.
The functions are the kernel's own, shipped by reference: every worker must have the same
compact-proofs installed (a shard from a different kernel source is refused by the merge).

  verify --dask local CERT             # a LocalCluster of --jobs worker processes on loopback
  verify --dask tcp://host:8786 CERT   # an existing scheduler (dask scheduler / dask worker ...)
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from compact_proofs.checker.errors import Unusable

CONNECT_SECONDS = 30  # how long to wait for a remote scheduler
INSTALL_HINT = "Dask is not installed: pip install 'compact-proofs[dask]' (or pip install distributed)"


def _distributed():
    try:
        import distributed
    except ImportError:
        raise Unusable(INSTALL_HINT) from None
    return distributed


class DaskExecutor:
    """An executor (``checker.shards``) that runs every task on the client's cluster."""

    def __init__(self, client: Any):
        self.client = client

    def __call__(self, fn: Callable[[Any, Any], Any], shared: Any, tasks: list) -> Iterator[Any]:
        distributed = _distributed()
        handle = self.client.scatter(shared, broadcast=True, hash=False)
        futures = [self.client.submit(fn, handle, task, pure=False) for task in tasks]
        try:
            for future in distributed.as_completed(futures):
                yield future.result()
        finally:
            self.client.cancel(futures)
            self.client.cancel([handle])

    def map_unordered(self, fn: Callable[..., Any], tasks: list) -> Iterator[Any]:
        """``fn(*task)`` for each task, as each finishes (for work that is not a kernel shard:
        the sweep's (model, strategy) jobs)."""
        distributed = _distributed()
        futures = [self.client.submit(fn, *task, pure=False) for task in tasks]
        try:
            for future in distributed.as_completed(futures):
                yield future.result()
        finally:
            self.client.cancel(futures)


@contextmanager
def connect(address: str, workers: int = 2) -> Iterator[DaskExecutor]:
    """A ``DaskExecutor`` on the scheduler at ``address`` (``tcp://host:port``), or on a new
    ``LocalCluster`` of ``workers`` single-threaded worker processes on loopback for
    ``address == "local"``; closed on exit."""
    distributed = _distributed()
    if address == "local":
        cluster = distributed.LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=":0")
        client = distributed.Client(cluster)
    else:
        cluster = None
        try:
            client = distributed.Client(address, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError, ValueError) as exc:
            raise Unusable(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        yield DaskExecutor(client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
