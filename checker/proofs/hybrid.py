"""Rule ``hybrid``: cubic cases where they hold, rigorous enumeration of everything they leave.

The proof object is a cubic one (``{"rule": "hybrid", "cases": ...}``, read by
``cubic.read_cases``). The kernel proves every listed case with the cubic rule
(``cubic.check_cases``, which rejects the certificate if one fails) and counts the inputs they
cover. Then it enumerates, with the brute-force float path (``brute_force.count_grids``), exactly
the inputs no case covers, and adds the ones it certifies.

Which inputs are left. Every input lies in exactly one class (q, m, c): q its query token, m
its maximum, c the number of the n = K-1 non-query positions not holding m (c <= n - 1 when
q < m, since m must appear). For a listed class with token set S (tokens < m), the case covers
the inputs whose c non-max tokens all lie in S; the others are, for each set P of c positions
and each l < c, the inputs whose first l non-max tokens (in position order) lie in S, whose
(l+1)-th lies in N \\ S (N = [0, m)) and whose later ones lie anywhere in N (rule
``hybrid_partition``: a word over N either lies in S^c or has a unique first letter outside S).
An unlisted class is enumerated whole: for each P, N^c. Each such set is a *box*, a product of
one token set per position; boxes of one class differ in P or in l, classes differ in (q, m, c),
so every input is covered once, by a case or by one box. The kernel checks that the case
count plus the number of inputs it enumerated is d_vocab^K, then (rule ``hybrid_sound``) the
number of correct inputs is at least the case count plus the number of enumerated inputs it
certified.

Enumeration runs in shards (``checker.shards``): the units are the (q, m) pairs, numbered
q d_vocab + m; a shard evaluates every box of its pairs, so counts and counted cost do not
depend on the shards.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from compact_proofs.checker import shards
from compact_proofs.checker.errors import Rejected, Unusable
from compact_proofs.checker.io.weights import ModelConfig
from compact_proofs.checker.proofs import brute_force, cubic
from compact_proofs.checker.tables import Tables

RULE = "hybrid"
RULES_USED = tuple(dict.fromkeys(cubic.RULES_USED + brute_force.RULES_USED + ("hybrid_partition", "hybrid_sound")))


@dataclass(frozen=True)
class RemainderTables:
    """What a shard needs: the float path's tables and the listed cases' token sets.
    ``case_row[q, m, c]`` is the row of ``keys`` for a listed class, else -1."""

    forward: brute_force.ForwardTables
    case_row: np.ndarray
    keys: np.ndarray


def read_proof(proof: dict, config: ModelConfig, where: str) -> cubic.Cases:
    """The hybrid proof object: exactly a cubic one (its reader's checks, its refusals)."""
    return cubic.read_cases(proof, config, where)


def boxes(n: int, q: int, m: int, c: int, keys: np.ndarray | None) -> Iterator[list[np.ndarray]]:
    """The boxes of class (q, m, c) left by a case with token mask ``keys`` (None: unlisted),
    each a list of n token arrays, one per non-query position (module docstring). Empty boxes
    are skipped."""
    N = np.arange(m)
    only_m = np.array([m])
    if keys is not None:
        S, R = np.nonzero(keys[:m])[0], np.nonzero(~keys[:m])[0]
    for P in itertools.combinations(range(n), c):
        if keys is None:
            pieces = [[N] * c]
        else:
            pieces = [[S] * l + [R] + [N] * (c - l - 1) for l in range(c)]
        for piece in pieces:
            sets = [only_m] * n
            for position, tokens in zip(P, piece):
                sets[position] = tokens
            if all(len(s) for s in sets):
                yield sets


def count_box(ft: brute_force.ForwardTables, q: int, sets: list[np.ndarray]) -> tuple[int, int]:
    """(certified, enumerated) over the box: query q, position i ranging over ``sets[i]``. The
    largest sets become grid axes while the grid stays within ``brute_force.GRID_INPUTS``."""
    fixed = [(i, int(s[0])) for i, s in enumerate(sets) if len(s) == 1]
    free = sorted((i for i, s in enumerate(sets) if len(s) > 1), key=lambda i: (-len(sets[i]), i))
    axes: list[tuple[int, np.ndarray]] = []
    size = 1
    for i in free:
        if axes and size * len(sets[i]) > brute_force.GRID_INPUTS:
            break
        axes.append((i, sets[i]))
        size *= len(sets[i])
    on_axes = {i for i, _ in axes}
    outer_positions = sorted(i for i in free if i not in on_axes)
    outer = (tuple(zip(outer_positions, tokens))
             for tokens in itertools.product(*(sets[i].tolist() for i in outer_positions)))
    return brute_force.count_grids(ft, q, fixed, outer, axes)


def count_pairs(rt: RemainderTables, task: tuple[int, int]) -> shards.ShardCount:
    """The shard function: certified remainder inputs of the (q, m) pairs [start, stop)."""
    ft = rt.forward
    V, n = ft.d_vocab, ft.n_ctx - 1

    def enumerate_range(a: int, b: int) -> tuple[int, int]:
        count = enumerated = 0
        for unit in range(a, b):
            q, m = divmod(unit, V)
            for c in range(0, (n if q == m else n - 1) + 1) if q <= m else ():
                row = int(rt.case_row[q, m, c])
                for sets in boxes(n, q, m, c, rt.keys[row] if row >= 0 else None):
                    k, e = count_box(ft, q, sets)
                    count, enumerated = count + k, enumerated + e
        return count, enumerated
    return shards.count_shard(ft.digest, RULE, task[0], task[1], enumerate_range)


def count_correct(tables: Tables, digest: str, cases: cubic.Cases, executor: shards.Executor | None = None,
                  progress: Callable[[int, int], None] | None = None, pieces: int = brute_force.SHARDS,
                  max_memory: int = cubic.DEFAULT_MAX_MEMORY, max_inputs: int | None = None,
                  where: str = "hybrid") -> int:
    """Rule ``hybrid_sound``: prove the cases (or raise ``Rejected``; within ``max_memory``),
    enumerate the inputs they leave in shards (refused with ``Unusable`` if more than
    ``max_inputs``), check that both together number d_vocab^K, and return the proved count."""
    covered = cubic.check_cases(tables, cases, max_memory=max_memory)
    V, n = tables.config.d_vocab, tables.n_ctx - 1
    left = V ** (n + 1) - covered
    if max_inputs is not None and left > max_inputs:
        raise Unusable(f"{where}: the hybrid proof's cases leave {left:.3g} inputs to enumerate, over the "
                       f"work limit of {max_inputs:.3g}; raise the limit to allow it (verify --max-inputs {left})")
    ft = brute_force.forward_tables(tables, digest)
    case_row = np.full((V, V, n + 1), -1, dtype=np.int64)
    case_row[cases.q, cases.m, cases.c] = np.arange(len(cases.q))
    rt = RemainderTables(ft, case_row, cases.keys)
    results = shards.run(executor or shards.processes(1), count_pairs, rt, shards.plan(V * V, pieces), progress)
    certified, enumerated = shards.merge(results, digest, RULE, V * V)
    if covered + enumerated != V ** ft.n_ctx:
        raise Rejected(f"hybrid: cases cover {covered} and the remainder has {enumerated} inputs, "
                       f"not {V ** ft.n_ctx} in all")  # cannot happen; fail closed
    return covered + certified
