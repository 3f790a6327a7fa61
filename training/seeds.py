"""The training seeds: the 151 of Gross et al. 2024, in the paper's (ascending) order, and the
``--seeds`` syntax that picks from them."""

from __future__ import annotations

SEEDS: tuple[int, ...] = (
    50, 104, 123, 519, 742, 913, 1185, 1283, 1412, 1490, 1681, 1696, 1895, 1951, 2236, 2306,
    2345, 2549, 2743, 2773, 3175, 3254, 3284, 4157, 4305, 4430, 4647, 4729, 4800, 4810, 5358,
    5615, 5781, 5928, 6082, 6155, 6159, 6204, 6532, 6549, 6589, 6910, 7098, 7238, 7310, 7467,
    7790, 7884, 8048, 8299, 8721, 8745, 8840, 8893, 9132, 9134, 9504, 9816, 10248, 11124, 11130,
    11498, 11598, 11611, 12141, 12287, 12457, 12493, 12552, 12561, 13036, 13293, 13468, 13654,
    13716, 14095, 14929, 15043, 15399, 15622, 15662, 16069, 16149, 16197, 16284, 17080, 17096,
    17194, 17197, 18146, 18289, 18668, 19004, 19093, 19451, 19488, 19538, 19917, 20013, 20294,
    20338, 20415, 20539, 20751, 20754, 20976, 21317, 21598, 22261, 22286, 22401, 22545, 23241,
    23367, 23447, 23633, 23696, 24144, 24173, 24202, 24262, 24438, 24566, 25516, 26278, 26374,
    26829, 26932, 27300, 27484, 27584, 27671, 27714, 28090, 28716, 28778, 29022, 29052, 29110,
    29195, 29565, 29725, 29726, 30371, 30463, 30684, 30899, 31308, 32103, 32374, 32382,
)


def parse_seeds(specs: list[str]) -> list[int]:
    """Turn ``--seeds`` arguments into seeds, in order, without repeats. Each argument is an
    integer seed, ``first:N`` (the first N paper seeds) or ``all`` (all 151)."""
    seeds: list[int] = []
    for spec in specs:
        if spec == "all":
            chosen = list(SEEDS)
        elif spec.startswith("first:"):
            count = int(spec.removeprefix("first:"))
            if not 1 <= count <= len(SEEDS):
                raise ValueError(f"first:N needs 1 <= N <= {len(SEEDS)}, got {spec!r}")
            chosen = list(SEEDS[:count])
        else:
            chosen = [int(spec)]
        seeds.extend(s for s in chosen if s not in seeds)
    return seeds
