"""The model's path tables, computed exactly from the weights.

Every float32 weight is a dyadic rational, so every product of weight matrices is one too:
``Dyadic`` holds an integer matrix M and a shift s meaning M * 2^-s, multiplied exactly in FLINT
(fmpz_mat). For the query token q at the last position n_ctx-1, with
``E_q = W_E + W_pos[n_ctx-1]`` (rule ``margin_decomposition`` gives the model as these paths):

- ``EQKE[q, t]  = E_q[q] W_Q W_K^T W_E[t]^T``   (score numerator, key token t)
- ``EQKP[q, i]  = E_q[q] W_Q W_K^T W_pos[i]^T`` (score numerator, key position i)
- ``EVOU[t, j]  = W_E[t] W_V W_O W_U[:, j]``    (value path of token t to output j)
- ``PVOU[i, j]  = W_pos[i] W_V W_O W_U[:, j]``  (value path of position i)
- ``EUPU[q, j]  = E_q[q] W_U[:, j]``            (direct path)

The attention score of key (t, i) for query q is (EQKE[q,t] + EQKP[q,i]) / sqrt(d_head), so its
exp factors (rule ``exp_enclosure``) as ``tok_weight[q,t] * pos_weight[q,i]`` times a positive
constant per q that the kernel may drop (every weight of one input shares it). Both factors are
enclosed by arb and rounded outward into ``Interval`` arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from flint import arb, fmpz_mat

from compact_proofs.checker import cost
from compact_proofs.checker.arith import Interval, exact_arb, floats, highest, workprec
from compact_proofs.checker.io.weights import Model


@dataclass(frozen=True)
class Dyadic:
    """The exact rational matrix ``ints * 2**-shift`` (``ints`` an fmpz_mat, shift >= 0). ``bits``
    bounds the bit length of every entry (carried through each operation for the cost counter; it
    plays no part in any value)."""

    ints: fmpz_mat
    shift: int
    bits: int

    @staticmethod
    def from_floats(array: np.ndarray) -> "Dyadic":
        """Exactly the values of a finite float32/float64 matrix."""
        mant, exp = np.frexp(np.asarray(array, dtype=np.float64))
        ints = (mant * 2.0**53).astype(np.int64)  # exact: |mant| < 1
        exps = exp.astype(np.int64) - 53
        nonzero = ints != 0
        shift = max(0, int(-exps[nonzero].min())) if nonzero.any() else 0
        rows = [[int(n) << int(e + shift) if n else 0 for n, e in zip(rn, re)]
                for rn, re in zip(ints.tolist(), exps.tolist())]
        bits = 53 + int((exps[nonzero] + shift).max()) if nonzero.any() else 0
        return Dyadic(fmpz_mat(rows), shift, bits)

    @staticmethod
    def ones(nrows: int, ncols: int) -> "Dyadic":
        return Dyadic(fmpz_mat(nrows, ncols, [1] * (nrows * ncols)), 0, 1)

    @staticmethod
    def zeros(nrows: int, ncols: int) -> "Dyadic":
        return Dyadic(fmpz_mat(nrows, ncols), 0, 0)

    def __matmul__(self, other: "Dyadic") -> "Dyadic":
        """The exact product (counted: rows * inner * cols multiply-adds)."""
        inner = self.ints.ncols()
        cost.exact_products(self.ints.nrows() * inner * other.ints.ncols(), self.bits, other.bits)
        return Dyadic(self.ints * other.ints, self.shift + other.shift,
                      self.bits + other.bits + max(1, inner).bit_length())

    def __add__(self, other: "Dyadic") -> "Dyadic":
        """The exact sum (counted: one multiply-add per entry, the scaling to a common shift)."""
        shift = max(self.shift, other.shift)
        a, b = shift - self.shift, shift - other.shift
        cost.exact_products(self.ints.nrows() * self.ints.ncols(), max(self.bits, other.bits), max(a, b) + 1)
        return Dyadic(self.ints * (1 << a) + other.ints * (1 << b), shift, max(self.bits + a, other.bits + b) + 1)

    def __neg__(self) -> "Dyadic":
        return Dyadic(-self.ints, self.shift, self.bits)

    def __sub__(self, other: "Dyadic") -> "Dyadic":
        return self + (-other)

    def abs(self) -> "Dyadic":
        """The entrywise absolute value (exact; counted as one comparison per entry)."""
        cost.add("compare", self.ints.nrows() * self.ints.ncols())
        return Dyadic(fmpz_mat([[abs(x) for x in row] for row in self.ints.tolist()]), self.shift, self.bits)

    def row_spreads(self) -> "Dyadic":
        """The column of max_j M[k, j] - min_j M[k, j] for every row k, exactly (rule
        ``spread_of_row``; counted as two reductions of each row)."""
        rows = self.ints.tolist()
        cost.reduction(2 * self.ints.nrows() * self.ints.ncols(), self.ints.ncols())
        return Dyadic(fmpz_mat([[max(row) - min(row)] for row in rows]), self.shift, self.bits + 1)

    def upper(self) -> np.ndarray:
        """The smallest float64 >= each entry (``round_outward``)."""
        return self.interval().hi

    @property
    def T(self) -> "Dyadic":
        return Dyadic(self.ints.transpose(), self.shift, self.bits)

    def repeated_row(self, i: int, nrows: int) -> "Dyadic":
        """Row ``i`` repeated ``nrows`` times."""
        return Dyadic(fmpz_mat([[self.ints[i, j] for j in range(self.ints.ncols())]] * nrows), self.shift, self.bits)

    def ints_array(self) -> np.ndarray:
        """The integer entries as a numpy object array of Python ints."""
        return np.array([[int(x) for x in r] for r in self.ints.tolist()], dtype=object)

    def interval(self) -> Interval:
        return Interval.from_dyadic(self.ints_array(), self.shift)


class Tables:
    """All path tables of one model, each computed once, on first use."""

    def __init__(self, model: Model):
        self.config = model.config
        self.n_ctx = model.config.n_ctx
        w = {name: Dyadic.from_floats(np.squeeze(model[name], axis=0) if name.startswith("blocks") and
                                      model[name].ndim == 3 else model[name])
             for name in ("embed.W_E", "pos_embed.W_pos", "blocks.0.attn.W_Q", "blocks.0.attn.W_K",
                          "blocks.0.attn.W_V", "blocks.0.attn.W_O", "unembed.W_U")}
        self.W_E, self.W_pos, self.W_U = w["embed.W_E"], w["pos_embed.W_pos"], w["unembed.W_U"]
        self.W_Q, self.W_K, self.W_V, self.W_O = (w[f"blocks.0.attn.W_{x}"] for x in "QKVO")

    @cached_property
    def E_q(self) -> Dyadic:
        return self.W_E + self.W_pos.repeated_row(self.n_ctx - 1, self.config.d_vocab)

    @cached_property
    def EQKE(self) -> Dyadic:
        return self.E_q @ self.W_Q @ self.W_K.T @ self.W_E.T

    @cached_property
    def EQKP(self) -> Dyadic:
        return self.E_q @ self.W_Q @ self.W_K.T @ self.W_pos.T

    @cached_property
    def OVU(self) -> Dyadic:
        return self.W_V @ self.W_O @ self.W_U

    @cached_property
    def EVOU(self) -> Interval:
        return (self.W_E @ self.OVU).interval()

    @cached_property
    def PVOU(self) -> Interval:
        return (self.W_pos @ self.OVU).interval()

    @cached_property
    def EUPU(self) -> Interval:
        return (self.E_q @ self.W_U).interval()

    @cached_property
    def tok_weight(self) -> Interval:
        """exp(EQKE[q,t]/sqrt(d_head) - a_q), a_q a float near the row maximum (so entries <= ~1)."""
        return _exp_rows(self.EQKE, self.config.d_head)

    @cached_property
    def pos_weight(self) -> Interval:
        """exp(EQKP[q,i]/sqrt(d_head) - b_q), b_q a float near the row maximum."""
        return _exp_rows(self.EQKP, self.config.d_head)


def _exp_rows(table: Dyadic, d_head: int) -> Interval:
    """Enclose exp(table[r, c] / sqrt(d_head) - shift_r) for every entry; shift_r is any float
    (chosen near the row's largest scaled entry: a constant per row cancels in softmax)."""
    ints = table.ints_array()
    approx = floats(Interval.from_dyadic(ints, table.shift).hi / float(np.sqrt(d_head)))
    shifts = highest(approx, 1)
    balls: list[arb] = []
    with workprec():
        inv_sqrt = 1 / arb(d_head).sqrt()
        for r, row in enumerate(ints.tolist()):
            shift = arb(float(shifts[r]))
            balls.extend((exact_arb(v, table.shift) * inv_sqrt - shift).exp() for v in row)
    cost.add("arb", 2 + 5 * ints.size)  # the sqrt; per entry the dyadic, *, -, exp
    return Interval.from_balls(balls, ints.shape)
