"""Shards: one proof rule's enumeration split into contiguous blocks, counted apart, merged exactly.

A rule that enumerates (``brute_force``, the remainder of ``hybrid``) numbers its units of work
0 .. units-1 (blocks of inputs with one query and one leading prefix; (query, maximum) pairs).
A shard is a range [start, stop) of units. Its result is a ``ShardCount``: the exact number of
inputs certified correct in that range, bound to the model digest, the rule, the range, the
number of inputs it enumerated and the digest of the kernel source that computed it. Only the
kernel makes one (like ``kernel.Fact``): in the process that ran the rule's shard function, or,
after transport between processes, by ``_rebuild`` from the fields that process sent.

``merge`` (rule ``shard_merge``) adds shard counts in any order and proves first that the
shards, sorted by start, tile [0, units) exactly: each starts where the previous stopped, the
first at 0, the last stops at ``units``. A missing, overlapping or repeated shard, or one for
another model, rule or kernel, is refused. Counted cost merges the same way.

An executor runs a rule's shard function. Its contract: ``executor(fn, shared, tasks)`` yields
``fn(shared, task)`` once for every task, in any order; ``shared`` is the same read-only object
for every call (sent once per worker where workers are separate processes). ``processes(jobs)``
is the kernel's own (forked processes); ``compact_proofs.verify.distributed`` adapts Dask. The
kernel trusts the executor to run its functions unchanged: a merged count is only as sound as
the kernel code that ran on the workers.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from compact_proofs.checker import cost
from compact_proofs.checker.errors import Rejected

Executor = Callable[[Callable[[Any, Any], Any], Any, list], Iterable[Any]]
_KEY = object()


def _source_digest() -> str:
    """sha256 over the kernel's own source files (checker/**/*.py, sorted by relative path)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


KERNEL_DIGEST = _source_digest()


class ShardCount:
    """``count`` of the ``inputs`` inputs in units [start, stop) of ``rule``'s enumeration of the
    model ``digest`` are certified correct, by the kernel whose source has ``kernel`` digest;
    ``cost`` is the work counted doing it. Made only by ``count_shard`` and ``_rebuild``."""

    __slots__ = ("digest", "rule", "start", "stop", "inputs", "count", "cost", "kernel")

    def __init__(self, key: object, digest: str, rule: str, start: int, stop: int, inputs: int, count: int,
                 counts: dict[str, int], kernel: str):
        if key is not _KEY:
            raise TypeError("a ShardCount is made only by the kernel")
        self.digest, self.rule, self.start, self.stop = digest, rule, start, stop
        self.inputs, self.count, self.cost, self.kernel = inputs, count, counts, kernel

    def __reduce__(self):
        return _rebuild, (self.digest, self.rule, self.start, self.stop, self.inputs, self.count, self.cost,
                          self.kernel)


def _rebuild(*fields) -> ShardCount:
    """The ShardCount a kernel process sent (pickle transport between kernel processes)."""
    return ShardCount(_KEY, *fields)


def count_shard(digest: str, rule: str, start: int, stop: int,
                enumerate_range: Callable[[int, int], tuple[int, int]]) -> ShardCount:
    """Run ``enumerate_range(start, stop) -> (certified, enumerated)`` under a fresh meter and
    bind its result. Called by a rule's shard function, in whichever process runs it."""
    with cost.metered() as meter:
        count, inputs = enumerate_range(start, stop)
    return ShardCount(_KEY, digest, rule, start, stop, inputs, count, dict(meter.counts), KERNEL_DIGEST)


def plan(units: int, pieces: int) -> list[tuple[int, int]]:
    """Split [0, units) into ``pieces`` (at most ``units``) contiguous ranges of near-equal size."""
    pieces = max(1, min(pieces, units))
    edges = [units * p // pieces for p in range(pieces + 1)]
    return [(a, b) for a, b in zip(edges, edges[1:])]


def merge(shards: Iterable[ShardCount], digest: str, rule: str, units: int) -> tuple[int, int]:
    """Rule ``shard_merge``: (certified, enumerated) summed over shards that tile [0, units)
    exactly once, all for ``digest``, ``rule`` and this kernel; merges their counted cost into
    the open meter. Raises ``Rejected`` otherwise."""
    shards = list(shards)
    for s in shards:
        if type(s) is not ShardCount:
            raise Rejected(f"{rule}: a shard result is not a kernel ShardCount")
        if (s.digest, s.rule, s.kernel) != (digest, rule, KERNEL_DIGEST):
            raise Rejected(f"{rule}: a shard was computed for another model, rule or kernel "
                           f"({s.digest}, {s.rule}, kernel {s.kernel})")
        if not (type(s.start) is int and type(s.stop) is int and 0 <= s.start < s.stop <= units):
            raise Rejected(f"{rule}: shard range [{s.start}, {s.stop}) is not inside [0, {units})")
        if not (type(s.count) is int and type(s.inputs) is int and 0 <= s.count <= s.inputs):
            raise Rejected(f"{rule}: shard [{s.start}, {s.stop}) has an impossible count")
    position = 0
    for s in sorted(shards, key=lambda s: (s.start, s.stop)):
        if s.start != position:
            what = "overlaps the previous shard" if s.start < position else f"leaves [{position}, {s.start}) uncovered"
            raise Rejected(f"{rule}: shard [{s.start}, {s.stop}) {what}")
        position = s.stop
    if position != units:
        raise Rejected(f"{rule}: the shards leave [{position}, {units}) uncovered")
    for s in shards:
        cost.merge(s.cost)
    return sum(s.count for s in shards), sum(s.inputs for s in shards)


def run(executor: Executor, fn: Callable[[Any, Any], ShardCount], shared: Any, ranges: list[tuple[int, int]],
        progress: Callable[[int, int], None] | None = None) -> Iterator[ShardCount]:
    """The shard results of ``fn`` over ``ranges``, reporting progress as each arrives."""
    for done, result in enumerate(executor(fn, shared, ranges), 1):
        if progress:
            progress(done, len(ranges))
        yield result


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_SHARED: Any = None
_FN: Any = None  # the shard function, set before the workers fork


def _call(task: Any) -> Any:
    return _FN(_SHARED, task)


def processes(jobs: int) -> Executor:
    """The kernel's executor: ``jobs`` forked worker processes (inline when jobs <= 1, where fork
    is unavailable, or inside a daemonic process such as another pool's worker). Workers inherit
    ``shared`` from the fork, so it is never copied."""

    def execute(fn: Callable[[Any, Any], Any], shared: Any, tasks: list) -> Iterator[Any]:
        global _SHARED, _FN
        if (jobs <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods()
                or multiprocessing.current_process().daemon):  # a pool's worker may not fork its own
            yield from (fn(shared, task) for task in tasks)
            return
        _SHARED, _FN = shared, fn
        pool = multiprocessing.get_context("fork").Pool(min(jobs, len(tasks)))
        try:
            yield from pool.imap_unordered(_call, tasks)
        finally:
            pool.terminate()
            pool.join()
            _SHARED, _FN = None, None
    return execute
