"""The kernel's inference rules: each name, its mathematical claim, and its Lean mirror.

Every step of the kernel that turns numbers into a fact cites one of these rules. The Lean
theorem that mirrors a rule has exactly the rule's name and lives in ``lean/`` (a test keeps
the two lists in sync). A claim is stated over an ordered field. ``fl`` is one IEEE binary64
operation in any rounding mode and ``succ``/``pred`` the next float up/down: for finite operands
the exact result lies in [pred(fl), succ(fl)], subnormals and overflow included
(``round_outward``). The standard model with unit roundoff ``u`` = 2^-52,
|fl(a + b) - (a + b)| <= u |a + b|, is used only for sums that cannot overflow (the kernel checks
a bound on their magnitude first); products enter only through outward rounding.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    # Arithmetic on enclosures.
    "round_outward":
        "If r = fl(x op y) for one IEEE operation in any rounding mode, or r is the nearest "
        "binary64 to an exact rational x, then pred(r) <= x <= succ(r). Abstractly: lo <= x <= hi, "
        "lo' <= lo and hi <= hi' give lo' <= x <= hi'.",
    "ival_add": "x in [a, b] and y in [c, d] imply x + y in [a + c, b + d].",
    "ival_sub": "x in [a, b] and y in [c, d] imply x - y in [a - d, b - c].",
    "ival_mul":
        "x in [a, b], y in [c, d]: any L below all four corner products ac, ad, bc, bd is below xy, "
        "and any U above all four is above xy.",
    "ival_sum": "If x_i in [a_i, b_i] for i < n then sum x_i in [sum a_i, sum b_i].",
    "exp_enclosure":
        "exp is positive and exp(a + b) = exp(a) exp(b); a ball [lo, hi] that arb certifies to "
        "contain exp(x) gives lo <= exp(x) <= hi.",
    # Floating-point error bounds for the vectorised path.
    "fl_sum_error":
        "Recursive summation s^ of n reals in the standard model |fl(a + b) - (a + b)| <= u |a + b| "
        "satisfies |s^ - s| <= ((1 + u)^(n-1) - 1) sum |a_i|.",
    "fl_sign_test":
        "If d = fl(x - y) with |d - (x - y)| <= u |x - y|, 0 <= u < 1, 0 <= e, (1 + u) e <= T and "
        "T < d, then e < x - y.",
    # The model and its margin.
    "margin_decomposition":
        "For the one-layer attention-only model read at the last position, with attention weights "
        "w_i = exp(s_i) > 0: Z (logit_m - logit_j) = sum_i w_i (G_j(t_i, i)), where Z = sum_i w_i and "
        "G_j(t, i) = (EVOU[t] + PVOU[i] + EUPU[q])_m - (...)_j. Hence logit_m > logit_j iff "
        "sum_i w_i G_j(t_i, i) > 0 (Z > 0).",
    "softmax_shift":
        "For w_i > 0 with Z = sum w_i: (sum w_i g_i) / Z >= mu iff sum w_i (g_i - mu) >= 0, and the "
        "same strictly; no division is needed.",
    "min_of_sum": "For every j, sum_t f_t(j) >= sum_t (min_j' f_t(j')): per-term minima bound the sum.",
    # Counting.
    "brute_force_count":
        "If every input of a finite set that the kernel enumerates once is certified correct, the "
        "number of correct inputs is at least the number certified.",
    "count_disjoint":
        "If cases are pairwise disjoint sets of inputs and every input of case c is correct, the "
        "number of correct inputs is at least the sum of the case sizes.",
    "shard_merge":
        "Number the units of an enumeration 0 .. U-1, each unit a set of inputs, distinct units "
        "disjoint. If shards s carry ranges [a_s, b_s) of units which, sorted by a_s, tile [0, U) "
        "(the first a_s is 0, each a_s is the previous b_s, the last b_s is U), and shard s certifies "
        "c_s correct inputs among the inputs of its units, then at least sum_s c_s inputs of all "
        "units are correct, in whatever order the shards are added.",
    # The hybrid proof.
    "hybrid_partition":
        "For any set S, every word w satisfies exactly one of: all its letters are in S; or w = u x v "
        "with every letter of u in S and x not in S, and that split is unique (x is the first letter "
        "outside S). Applied to the non-max tokens of a class (q, m, c) in position order: the inputs "
        "of the case (tokens in S) and, for l < c, those with the first l in S and the next in N \\ S "
        "(N the tokens below m) partition the class.",
    "hybrid_sound":
        "If cases are pairwise disjoint sets of inputs, each without repetition and all correct, and "
        "a list of inputs without repetition, disjoint from every case, has L entries certified "
        "correct, then the number of correct inputs is at least the sum of the case sizes plus L.",
    # The cubic proof.
    "cubic_arrangement":
        "For reals d_i (i < n), any threshold tau and any set M of r indices: sum_{i in M} d_i >= "
        "r tau + sum_i min(d_i - tau, 0). With tau the r-th smallest d_i this is the sum of the r "
        "smallest, so it bounds every arrangement of r max tokens among n slots.",
    "cubic_output_split":
        "Fix an output j and reals x_t(j) (the term of token t at output j). If x_t(j) >= A_t when "
        "j = t and x_t(j) >= B_t when j != t, then for every t: x_t(j) >= min(A_t, B_t) when j = t "
        "and >= B_t otherwise; hence if a sum's check with the j = k bounds (A) and its check with "
        "the j != k bounds (B) both hold for the worst token k*, the sum at output j is covered: by "
        "A when k* = j, by B when k* != j.",
    "cubic_mixture":
        "If pi_i >= 0 and f(t_i) >= F for every i in P, then sum_{i in P} pi_i f(t_i) >= F sum_{i in P} "
        "pi_i: a mixture of proved non-max tokens is no worse than the worst pure case.",
    "cubic_count":
        "The sequences with a fixed query, c chosen non-query positions (of n = K - 1) holding values "
        "from a set of N tokens and the other n - c holding m number C(n, c) N^c.",
    # The sub-cubic proof.
    "lowrank_peel":
        "For matrices F_1, ..., F_t (consecutive shapes) and any P_i of F_i's shape, with F_i' = F_i - P_i: "
        "F_1 ... F_t = sum_{i=1..t} F_1' ... F_{i-1}' P_i F_{i+1} ... F_t + F_1' ... F_t' (telescoping).",
    "spread_of_row":
        "For a finite row x, every x_i - x_j <= max_k x_k - min_k x_k.",
    "row_spread_maxdiff":
        "For matrices L (rows q, columns k) and R (rows k), a row vector a and reals s_k >= x_i - x_j for every "
        "i, j where x = R[k], and sigma >= (aR)_i - (aR)_j for every i, j: (LR)[q, i] - (LR)[q, j] <= sigma + "
        "sum_k |L[q, k] - a_k| s_k (a = 0, sigma = 0 is the plain max-diff bound).",
    "row_spread_gram":
        "For a row x of length d >= 1 and any real c: (x_i - x_j)^2 <= 2 sum_k (x_k - c)^2; with c the mean, "
        "sum_k (x_k - c)^2 = sum_k x_k^2 - (sum_k x_k)^2 / d. Hence e >= 0 and e^2 >= 2 (sum_k x_k^2 - "
        "(sum_k x_k)^2 / d) give x_i - x_j <= e.",
    "gap_weights":
        "Let EQKE = approx + Err with |Err[q, t] - Err[q, m]| <= eps for every t, and the attention weight of a key "
        "slot i holding token t be W_i = exp((EQKE[q, t] + EQKP[q, i]) / s) (s > 0). For any reals a, b, "
        "dividing every weight by the one constant exp(Err[q, m] / s + a + b): a slot holding m has weight "
        "tau[m] rho[i], and a slot holding t has weight tau[t] e^eta rho[i] with eta = (Err[q, t] - Err[q, m]) / s, "
        "|eta| <= eps / s, hence (exp is increasing) exp(-eps / s) <= e^eta <= exp(eps / s), where "
        "tau[t] = exp(approx[q, t] / s - a), rho[i] = exp(EQKP[q, i] / s - b); for t <= k, "
        "min_{t' <= k} tau[t'] <= tau[t] <= max_{t' <= k} tau[t'].",
    "slot_extremes":
        "For reals rho_0, ..., rho_{n-1} and any set M of r of the indices: the sum of the r smallest rho_i <= "
        "sum_{i in M} rho_i <= the sum of the r largest.",
    "attention_monotone":
        "For N > 0 and D >= 0 with n_lo <= N <= n_hi and d_lo <= D <= d_hi (no sign condition on n_lo or "
        "d_lo: rounded down, the kernel's d_lo is a few floats below 0 when D's lower bound is an exact 0): "
        "n_lo / (n_lo + d_hi) <= N / (N + D) when n_lo + d_hi > 0, and N / (N + D) <= n_hi / (n_hi + d_lo) "
        "when n_hi + d_lo > 0; and 0 <= N / (N + D) <= 1.",
    "convex_logit_bound":
        "Let a_i >= 0 with sum_i a_i = 1, M a set of indices, A = sum_{i in M} a_i, and reals g_i, p_i with g_i = S "
        "for i in M, g_i <= w for i not in M, p_i <= P for all i. Then U + sum_i a_i (g_i + p_i) <= U + P + A S + "
        "(1 - A) w. (With margin_decomposition divided by Z this bounds logit_j - logit_m.)",
    "convex_endpoint":
        "If h(A) = max_j (L_j + A S_j) + (1 - A) w + u (finitely many j, at least one) and A_lo <= A <= A_hi, "
        "then h(A) <= max(h(A_lo), h(A_hi)): a maximum of affine functions is convex.",
    "envelope_chords":
        "Let x_k < x_{k+1} be consecutive breakpoints with v_k >= L_j + x_k S_j and v_{k+1} >= L_j + x_{k+1} S_j "
        "for every j. For x_k <= A <= x_{k+1} and every j: L_j + A S_j <= v_k + (A - x_k) sigma for any "
        "sigma >= (v_{k+1} - v_k) / (x_{k+1} - x_k). (The kernel's breakpoints are 0, the certificate's "
        "increasing points in (0, 1), then 1; for A in [0, 1] the pair around A is such a pair.)",
    "meandiff_bilinear":
        "For reals a, A and lines with s_min <= S_j <= s_max and M >= max_j (L_j + a S_j): L_j + A S_j <= M + "
        "(A - a) s_max when A >= a, and <= M + (A - a) s_min when A < a.",
}
