/-!
# BruteForce.lean: the brute-force rule as `checker/proofs/brute_force.py` computes it, and its soundness

`forward_tables` (`bfA`, `bfWidth`, `bfMag`, `bfTheta`, the guard) and the per-input test of
`count_grids` (`bfTotal`, `bfThreshold`, `bfY`, `bfD`, `BFPass`) on the kernel's interval
tables, with the sums in the order the grid walk adds them (the query first, then the other
positions in an order `o`; `bfOrder` for the brute-force rule, any permutation for the hybrid's
boxes: `sumN_perm`), and the maximum token `top` formed in that order too (`walkMax`,
`walkMax_eq`). The float sums are modelled by two functions `fladd`, `flsub` in the
standard model **below the overflow threshold**:

    |fladd p q - (p + q)| ≤ u |p + q|   whenever |p + q| ≤ 2^1023   (and the same for flsub)

This is what binary64 `+`/`-` satisfy in every rounding mode with `u = 2^-52`: a finite result
of magnitude at least 2^-1022 is a neighbour of the exact one (relative error below one ulp),
a smaller one is exact (a sum of two floats below 2^-1022 is a multiple of 2^-1074, hence a
float; this needs gradual underflow, which `arith.self_test` checks), and no result of
magnitude at most 2^1023 overflows. `fl_sum_error_guarded` shows that the kernel's guard
`K max|lo| < 2^1000` (with `2 K u ≤ 1`) puts every addition the summation performs, and the
final subtraction, below 2^1023, so the model applies to each of them.
-/

namespace OF

section
variable {α : Type} [OrdField α]

/-! ## Recursive summation with the standard model only where it holds -/

theorem abs_split (sh s x : α) : abs (sh + x) ≤ abs (sh - s) + (abs s + abs x) := by
  have e : sh + x = (sh - s) + (s + x) := by rw [← add_assoc (sh - s) s x, sub_add_cancel sh s]
  rw [e]
  exact le_trans (abs_add (sh - s) (s + x)) (add_le_add_left (abs_add s x) (abs (sh - s)))

theorem pw_succ_ge {u : α} (hu : 0 ≤ u) (k : Nat) : pw (1 + u) k ≤ pw (1 + u) (k+1) := by
  show pw (1 + u) k ≤ pw (1 + u) k * (1 + u)
  rw [mul_add (pw (1 + u) k) 1 u, mul_one (pw (1 + u) k)]
  exact le_add_of_nonneg_right (mul_nonneg (le_trans zero_le_one (one_le_pw hu k)) hu)

theorem sumN_abs_nonneg (a : Nat → α) (k : Nat) : 0 ≤ sumN (fun i => abs (a i)) k :=
  sumN_nonneg _ k (fun i _ => abs_nonneg (a i))

/-- supports: fl_sum_error. The error bound of `fl_sum_error` when the standard model is known
only for sums of magnitude at most `Ω`, provided `(1 + u)^k Σ|a_i| ≤ Ω`: then every addition
the recursive summation performs has an exact result of magnitude at most `Ω`. -/
theorem fl_sum_error_guarded (fladd : α → α → α) (u Ω : α) (hu : 0 ≤ u)
    (hfl : ∀ p q : α, abs (p + q) ≤ Ω → abs (fladd p q - (p + q)) ≤ u * abs (p + q)) (a : Nat → α) :
    (k : Nat) → pw (1 + u) k * sumN (fun i => abs (a i)) (k+1) ≤ Ω →
    abs (flSum fladd a (k+1) - sumN a (k+1)) ≤ (pw (1 + u) k - 1) * sumN (fun i => abs (a i)) (k+1)
  | 0, _ => by
    show abs (a 0 - (0 + a 0)) ≤ (1 - 1) * (0 + abs (a 0))
    rw [zero_add (a 0), sub_self (a 0), sub_self (1 : α), zero_mul (0 + abs (a 0)), abs_zero]
    exact le_refl 0
  | k+1, hk => by
    have hP1 : 1 ≤ pw (1 + u) k := one_le_pw hu k
    have hS : sumN (fun i => abs (a i)) (k+1) ≤ sumN (fun i => abs (a i)) (k+2) :=
      le_add_of_nonneg_right (abs_nonneg (a (k+1)))
    have hbig : pw (1 + u) k * sumN (fun i => abs (a i)) (k+2) ≤ Ω :=
      le_trans (mul_le_mul_of_nonneg_right (pw_succ_ge hu k) (sumN_abs_nonneg a (k+2))) hk
    have ih := fl_sum_error_guarded fladd u Ω hu hfl a k
      (le_trans (mul_le_mul_of_nonneg_left hS (le_trans zero_le_one hP1)) hbig)
    -- the exact result of this addition: |ŝ + x| ≤ (P - 1) S + S + |x| ≤ P (S + |x|) ≤ Ω
    have hadd : abs (flSum fladd a (k+1) + a (k+1)) ≤ Ω := by
      have h1 := abs_split (flSum fladd a (k+1)) (sumN a (k+1)) (a (k+1))
      have h2 : abs (flSum fladd a (k+1) - sumN a (k+1)) + (abs (sumN a (k+1)) + abs (a (k+1)))
          ≤ (pw (1 + u) k - 1) * sumN (fun i => abs (a i)) (k+1)
            + (sumN (fun i => abs (a i)) (k+1) + abs (a (k+1))) :=
        add_le_add ih (add_le_add_right (abs_sumN_le a (k+1)) (abs (a (k+1))))
      have e : (pw (1 + u) k - 1) * sumN (fun i => abs (a i)) (k+1)
            + (sumN (fun i => abs (a i)) (k+1) + abs (a (k+1)))
          = pw (1 + u) k * sumN (fun i => abs (a i)) (k+1) + abs (a (k+1)) := by
        rw [← add_assoc, sub_mul (pw (1 + u) k) 1 (sumN (fun i => abs (a i)) (k+1)),
          one_mul (sumN (fun i => abs (a i)) (k+1)), sub_add_cancel]
      have h3 : pw (1 + u) k * sumN (fun i => abs (a i)) (k+1) + abs (a (k+1))
          ≤ pw (1 + u) k * sumN (fun i => abs (a i)) (k+2) := by
        show _ ≤ pw (1 + u) k * (sumN (fun i => abs (a i)) (k+1) + abs (a (k+1)))
        rw [mul_add (pw (1 + u) k) (sumN (fun i => abs (a i)) (k+1)) (abs (a (k+1)))]
        apply add_le_add_left
        have h4 := mul_le_mul_of_nonneg_right hP1 (abs_nonneg (a (k+1)))
        rw [one_mul (abs (a (k+1)))] at h4
        exact h4
      rw [e] at h2
      exact le_trans h1 (le_trans h2 (le_trans h3 hbig))
    exact fl_sum_step hu hP1 (hfl (flSum fladd a (k+1)) (a (k+1)) hadd) ih (abs_sumN_le a (k+1))

/-- `(1 + u)^k ≤ 1 + 2 k u` while `2 k u ≤ 1`. -/
theorem pw_bound {u : α} (hu : 0 ≤ u) : (k : Nat) → ofN k * u + ofN k * u ≤ 1 →
    pw (1 + u) k ≤ 1 + (ofN k * u + ofN k * u)
  | 0, _ => by
    show (1 : α) ≤ 1 + (0 * u + 0 * u)
    rw [zero_mul u, zero_add (0 : α), add_zero (1 : α)]
    exact le_refl 1
  | k+1, hk => by
    have ev : ofN (k+1) * u = ofN k * u + u := by
      show (ofN k + 1) * u = ofN k * u + u
      rw [add_mul (ofN k) 1 u, one_mul u]
    rw [ev] at hk
    rw [ev]
    have e2 : ofN k * u + u + (ofN k * u + u) = ofN k * u + ofN k * u + (u + u) :=
      add4 (ofN k * u) u (ofN k * u) u
    rw [e2] at hk
    rw [e2]
    have hw : ofN k * u + ofN k * u ≤ 1 := le_trans (le_add_of_nonneg_right (add_nonneg hu hu)) hk
    have ih := pw_bound hu k hw
    -- (1 + w)(1 + u) = 1 + w + u + w u ≤ 1 + w + u + u
    have h1 : pw (1 + u) k * (1 + u) ≤ (1 + (ofN k * u + ofN k * u)) * (1 + u) :=
      mul_le_mul_of_nonneg_right ih (add_nonneg zero_le_one hu)
    have e3 : (1 + (ofN k * u + ofN k * u)) * (1 + u)
        = 1 + (ofN k * u + ofN k * u) + u + (ofN k * u + ofN k * u) * u := by
      rw [mul_add (1 + (ofN k * u + ofN k * u)) 1 u, mul_one (1 + (ofN k * u + ofN k * u)),
        add_mul 1 (ofN k * u + ofN k * u) u, one_mul u, ← add_assoc (1 + (ofN k * u + ofN k * u)) u _]
    have h2 : (ofN k * u + ofN k * u) * u ≤ u := by
      have h := mul_le_mul_of_nonneg_right hw hu
      rw [one_mul u] at h
      exact h
    have e4 : 1 + (ofN k * u + ofN k * u) + u + u = 1 + (ofN k * u + ofN k * u + (u + u)) := by
      rw [add_assoc (1 + (ofN k * u + ofN k * u)) u u, add_assoc 1 (ofN k * u + ofN k * u) (u + u)]
    show pw (1 + u) k * (1 + u) ≤ 1 + (ofN k * u + ofN k * u + (u + u))
    rw [← e4]
    rw [e3] at h1
    exact le_trans h1 (add_le_add_left h2 _)

theorem two_mul (y : α) : (1 + 1) * y = y + y := by
  rw [add_mul 1 1 y, one_mul y]

theorem sumN_const (c : α) : (k : Nat) → sumN (fun _ => c) k = ofN k * c
  | 0 => (zero_mul c).symm
  | k+1 => by
    show sumN (fun _ => c) k + c = (ofN k + 1) * c
    rw [sumN_const c k, add_mul (ofN k) 1 c, one_mul c]

theorem pw_add (x : α) (a : Nat) : (b : Nat) → pw x (a + b) = pw x a * pw x b
  | 0 => (mul_one (pw x a)).symm
  | b+1 => by
    show pw x (a + b) * x = pw x a * (pw x b * x)
    rw [pw_add x a b, mul_assoc (pw x a) (pw x b) x]

theorem pw_nonneg {x : α} (hx : 0 ≤ x) : (k : Nat) → 0 ≤ pw x k
  | 0 => zero_le_one
  | k+1 => mul_nonneg (pw_nonneg hx k) hx

/-- `4 · 2^1000 ≤ 2^1023`. -/
theorem four_guard : (1 + 1) * ((1 + 1) * pw (1 + 1 : α) 1000) ≤ pw (1 + 1 : α) 1023 := by
  have h2 : (0 : α) ≤ 1 + 1 := add_nonneg zero_le_one zero_le_one
  have e : (1 + 1) * ((1 + 1) * pw (1 + 1 : α) 1000) = pw (1 + 1 : α) 1002 := by
    show (1 + 1) * ((1 + 1) * pw (1 + 1 : α) 1000) = pw (1 + 1 : α) 1000 * (1 + 1) * (1 + 1)
    rw [mul_comm (1 + 1 : α) (pw (1 + 1 : α) 1000), mul_comm (1 + 1 : α) (pw (1 + 1 : α) 1000 * (1 + 1))]
  rw [e]
  have e2 : pw (1 + 1 : α) 1023 = pw (1 + 1 : α) 1002 * pw (1 + 1 : α) 21 := pw_add (1 + 1 : α) 1002 21
  rw [e2]
  have h := mul_le_mul_of_nonneg_left (one_le_pw zero_le_one 21) (pw_nonneg h2 1002)
  rw [mul_one (pw (1 + 1 : α) 1002)] at h
  exact h

theorem abs_le_sub_add (sh s : α) : abs sh ≤ abs (sh - s) + abs s := by
  have h := abs_add (sh - s) s
  rw [sub_add_cancel sh s] at h
  exact h

theorem abs_neg_le (D : α) : abs (-D) ≤ abs D :=
  abs_le_of (neg_le_neg (le_abs_self D)) (by
    have h := neg_le_neg (neg_abs_le D)
    rw [neg_neg] at h
    exact h)

theorem le_maxIf_start (bot : α) (keep : Nat → Bool) (f : Nat → α) : (n : Nat) → bot ≤ maxIf bot keep f n
  | 0 => le_refl bot
  | n+1 => le_trans (le_maxIf_start bot keep f n) (le_maxStep_left (maxIf bot keep f n) (f n) (keep n))

end

end OF

namespace LC

theorem nlt_of_succ_nle : (a b : Nat) → nle (a+1) b → OF.nlt a b
  | _, 0, h => False.elim h
  | 0, _+1, _ => trivial
  | a+1, b+1, h => nlt_of_succ_nle a b h

theorem nlt_of_nlt_of_nle (a b c : Nat) (h1 : OF.nlt a b) (h2 : nle b c) : OF.nlt a c :=
  nlt_of_succ_nle a c (nle_trans (a+1) b c (nle_of_nlt a b h1) h2)

theorem nmax_lt (a b V : Nat) (ha : OF.nlt a V) (hb : OF.nlt b V) : OF.nlt (nmax a b) V :=
  OF.orE (bool_cases (nleb a b))
    (fun e => Eq.subst (motive := fun t => OF.nlt (pickN t b a) V) e.symm hb)
    (fun e => Eq.subst (motive := fun t => OF.nlt (pickN t b a) V) e.symm ha)

theorem maxTok_lt (x : Nat → Nat) (V : Nat) (h0 : OF.nlt 0 V) : (N : Nat) → (∀ i, OF.nlt i N → OF.nlt (x i) V) →
    OF.nlt (maxTok x N) V
  | 0, _ => h0
  | N+1, h => nmax_lt (maxTok x N) (x N) V (maxTok_lt x V h0 N (fun i hi => h i (OF.nlt_step i N hi)))
      (h N (OF.nlt_succ_self N))

/-- The walk's maximum token, as `count_grids` forms `top`: `x (o 0)` (the query's token,
`base_top = q`), then `top = max(top, x (o (k+1)))` for `k = 0, ..., n-1`: a max taken in the
walk's order `o`. -/
def walkMax (x o : Nat → Nat) : Nat → Nat
  | 0 => x (o 0)
  | k+1 => nmax (walkMax x o k) (x (o (k+1)))

theorem walkMax_le (x o : Nat → Nat) (m : Nat) : (k : Nat) → (∀ k', OF.nlt k' (k+1) → nle (x (o k')) m) →
    nle (walkMax x o k) m
  | 0, h => h 0 trivial
  | k+1, h => nmax_le (walkMax x o k) (x (o (k+1))) m
      (walkMax_le x o m k (fun k' hk' => h k' (OF.nlt_step k' (k+1) hk'))) (h (k+1) (OF.nlt_succ_self (k+1)))

theorem le_walkMax (x o : Nat → Nat) : (k k' : Nat) → OF.nlt k' (k+1) → nle (x (o k')) (walkMax x o k)
  | 0, k', h => OF.orE (OF.nlt_succ_cases k' 0 h) (fun h' => False.elim h')
      (fun e => Eq.subst (motive := fun j => nle (x (o j)) (walkMax x o 0)) e.symm (nle_refl (x (o 0))))
  | k+1, k', h => OF.orE (OF.nlt_succ_cases k' (k+1) h)
      (fun h' => nle_trans _ _ _ (le_walkMax x o k k' h') (le_nmax_left (walkMax x o k) (x (o (k+1)))))
      (fun e => Eq.subst (motive := fun j => nle (x (o j)) (walkMax x o (k+1))) e.symm
        (le_nmax_right (walkMax x o k) (x (o (k+1)))))

/-- supports: brute_force. The walk's `top` is the input's maximum: for an order `o` that
permutes `[0, n]` (onto: `o (oi i) = i`), the max of the tokens taken in the order `o`
(`walkMax`, `count_grids`' `top`) equals the max in position order (`maxTok`, the label). -/
theorem walkMax_eq (x o oi : Nat → Nat) (n : Nat) (ho : ∀ k, OF.nlt k (n+1) → OF.nlt (o k) (n+1))
    (hoi : ∀ i, OF.nlt i (n+1) → OF.nlt (oi i) (n+1)) (hr : ∀ i, OF.nlt i (n+1) → o (oi i) = i) :
    walkMax x o n = maxTok x (n+1) :=
  nle_antisymm _ _ (walkMax_le x o (maxTok x (n+1)) n (fun k' hk' => le_maxTok x (n+1) (o k') (ho k' hk')))
    (maxTok_le x (walkMax x o n) (n+1) (fun i hi => Eq.subst (motive := fun j => nle (x j) (walkMax x o n))
      (hr i hi) (le_walkMax x o n (oi i) (hoi i hi))))

end LC

namespace OF

section
variable {α : Type} [OrdField α]

/-! ## `forward_tables` and the per-input test of `count_grids` -/

/-- `A[i, t, j] = (tok[q, t] * pos[q, i]) * ((EVOU[t, j] + PVOU[i, j]) + EUPU[q, j])`. -/
def bfA (R : Rnd α) (Ti : IvTables α) (q i t j : Nat) : Iv α :=
  ivMul R (ivMul R (Ti.tok q t) (Ti.pos q i)) (ivAdd R (ivAdd R (Ti.EVOU t j) (Ti.PVOU i j)) (Ti.EUPU q j))

/-- `width[i, t] = highest(up(A.hi - A.lo), -1)` (entries are `≥ 0`; the scan starts at 0). -/
def bfWidth (R : Rnd α) (Ti : IvTables α) (Vo q i t : Nat) : α :=
  maxIf 0 (fun _ => true) (fun j => R.up ((bfA R Ti q i t j).hi - (bfA R Ti q i t j).lo)) Vo

/-- `magnitude[i, t] = highest(floats(np.abs(A.lo)), -1)`. -/
def bfMag (R : Rnd α) (Ti : IvTables α) (Vo q i t : Nat) : α :=
  maxIf 0 (fun _ => true) (fun j => abs (bfA R Ti q i t j).lo) Vo

/-- `theta[i, t] = up(up(width + up(gamma * magnitude)) * twice)`. -/
def bfTheta (R : Rnd α) (Ti : IvTables α) (Vo q i t : Nat) (gamma twice : α) : α :=
  R.up (R.up (bfWidth R Ti Vo q i t + R.up (gamma * bfMag R Ti Vo q i t)) * twice)

/-- The float sum `lo[0, x_0, j] + lo[1, x_1, j] + ... + lo[K-1, x_{K-1}, j]`, left to right in
position order (the error lemma `bf_total_err` is stated for it; the kernel's order is `bfTotal`). -/
def bfSum (fladd : α → α → α) (R : Rnd α) (Ti : IvTables α) (q : Nat) (x : Nat → Nat) (n j : Nat) : α :=
  flSum fladd (fun i => (bfA R Ti q i (x i) j).lo) (n+1)

/-- The tables with their position axis read in the order `o` (`o k` is the position summed
k-th): `PVOU` and the position weights of position `o k` at index `k`. -/
def bfPermIv (Ti : IvTables α) (o : Nat → Nat) : IvTables α :=
  { EVOU := Ti.EVOU, PVOU := fun k j => Ti.PVOU (o k) j, EUPU := Ti.EUPU, tok := Ti.tok,
    pos := fun q k => Ti.pos q (o k) }

/-- The exact tables with their position axis read in the order `o`. -/
def bfPermT (T : Tables α) (o : Nat → Nat) : Tables α :=
  { EQKE := T.EQKE, EQKP := fun q k => T.EQKP q (o k), EVOU := T.EVOU, PVOU := fun k j => T.PVOU (o k) j,
    EUPU := T.EUPU }

theorem encloses_perm {exp : α → α} {isq : α} {T : Tables α} {a b : Nat → α} {Ti : IvTables α}
    (hE : Encloses exp isq T a b Ti) (o : Nat → Nat) : Encloses exp isq (bfPermT T o) a b (bfPermIv Ti o) :=
  ⟨hE.evou, fun k j => hE.pvou (o k) j, hE.eupu, hE.tok, fun q k => hE.pos q (o k)⟩

/-- `total[j]` as `count_grids` computes it: the float sum of `lo[o k, x_{o k}, j]` for
`k = 0, 1, ..., K-1`, left to right (`base = lo[K-1][:, q]`, then `floats(... + lo[i][:, t])`
for the fixed, outer and axis positions in turn): the terms in the order `o`. -/
def bfTotal (fladd : α → α → α) (R : Rnd α) (Ti : IvTables α) (q : Nat) (x o : Nat → Nat) (n j : Nat) : α :=
  bfSum fladd R (bfPermIv Ti o) q (fun k => x (o k)) n j

/-- `bound`: `theta[o 0, x_{o 0}]` (`base_bound = theta[K-1, q]`), then
`up(bound + theta[o k, x_{o k}])` for `k = 1, ..., K-1`: the same order as the sum. -/
def bfThreshold (R : Rnd α) (Ti : IvTables α) (Vo q : Nat) (gamma twice : α) (x o : Nat → Nat) (n : Nat) : α :=
  upFold R (bfTheta R Ti Vo q (o 0) (x (o 0)) gamma twice)
    (fun k => bfTheta R Ti Vo q (o (k+1)) (x (o (k+1))) gamma twice) n

/-- `highest(total, 0)` after `total[top, columns] = -inf`: over `j ≠ top` (`bot` is the `-inf`). -/
def bfY (fladd : α → α → α) (R : Rnd α) (Ti : IvTables α) (Vo : Nat) (bot : α) (q : Nat) (x o : Nat → Nat)
    (n top : Nat) : α :=
  maxIf bot (notM top) (fun j => bfTotal fladd R Ti q x o n j) Vo

/-- `d = floats(x - highest(total, 0))`, `x = total[top, columns]`. -/
def bfD (fladd flsub : α → α → α) (R : Rnd α) (Ti : IvTables α) (Vo : Nat) (bot : α) (q : Nat)
    (x o : Nat → Nat) (n top : Nat) : α :=
  flsub (bfTotal fladd R Ti q x o n top) (bfY fladd R Ti Vo bot q x o n top)

/-- The kernel counts the input iff `d > bound` (`count_above(d, bound)`), with the query `x n`
and `top` the walk's maximum token (`walkMax`, a max in the order `o`). -/
def BFPass (fladd flsub : α → α → α) (R : Rnd α) (Ti : IvTables α) (Vo : Nat) (bot gamma twice : α)
    (x o : Nat → Nat) (n : Nat) : Prop :=
  bfThreshold R Ti Vo (x n) gamma twice x o n < bfD fladd flsub R Ti Vo bot (x n) x o n (LC.walkMax x o n)

/-- The brute-force rule's order (`count_blocks`: no fixed positions, the prefix `0..head-1` as
outer pins, the axes `head..K-2`): the query `K-1` first, then positions `0, 1, ..., K-2`. -/
def bfOrder (n : Nat) : Nat → Nat
  | 0 => n
  | k+1 => k

theorem bfOrder_lt (n : Nat) : (k : Nat) → nlt k (n+1) → nlt (bfOrder n k) (n+1)
  | 0, _ => nlt_succ_self n
  | k+1, h => nlt_step k n h

theorem sumN_first (g : Nat → α) : (n : Nat) → sumN g (n+1) = g 0 + sumN (fun k => g (k+1)) n
  | 0 => by
    show 0 + g 0 = g 0 + 0
    rw [zero_add (g 0), add_zero (g 0)]
  | n+1 => by
    show sumN g (n+1) + g (n+1) = g 0 + (sumN (fun k => g (k+1)) n + g (n+1))
    rw [sumN_first g n, add_assoc]

/-! ## Sums in any order that permutes the positions -/

theorem nlt_of_succ_ne {x N : Nat} (h : nlt x (N+1)) (hne : x = N → False) : nlt x N :=
  orE (nlt_succ_cases x N h) (fun h' => h') (fun e => False.elim (hne e))

theorem add_swap_right (A d B : α) : A + d + B = A + B + d := by
  rw [add_assoc A d B, add_comm d B, ← add_assoc A B d]

theorem add_sub_split (s g g' : α) : s + g = s + g' + (g - g') := by
  rw [add_assoc s g' (g - g'), add_comm g' (g - g'), sub_add_cancel g g']

/-- Changing one term `k0 < N` of a sum changes it by the difference. -/
theorem sumN_update (g g' : Nat → α) (k0 : Nat) : (N : Nat) → nlt k0 N →
    (∀ k, nlt k N → (k = k0 → False) → g k = g' k) → sumN g N = sumN g' N + (g k0 - g' k0)
  | 0, h, _ => False.elim h
  | N+1, h, hg => orE (nlt_succ_cases k0 N h)
      (fun hk => by
        show sumN g N + g N = sumN g' N + g' N + (g k0 - g' k0)
        rw [sumN_update g g' k0 N hk (fun k hk' hne => hg k (nlt_step k N hk') hne),
          hg N (nlt_succ_self N) (fun e => LC.nlt_ne hk e.symm)]
        exact add_swap_right _ _ _)
      (fun e => by
        show sumN g N + g N = sumN g' N + g' N + (g k0 - g' k0)
        rw [sumN_congr g g' N (fun k hk => hg k (nlt_step k N hk) (fun e' => LC.nlt_ne hk (e'.trans e))), e]
        exact add_sub_split _ _ _)

/-- `o` with the value `v` at `k0`. -/
def swapAt (o : Nat → Nat) (k0 v k : Nat) : Nat := LC.pickN (LC.eqb k k0) v (o k)

theorem swapAt_eq (o : Nat → Nat) (k0 v k : Nat) (e : LC.eqb k k0 = true) : swapAt o k0 v k = v :=
  Eq.subst (motive := fun t => LC.pickN t v (o k) = v) e.symm rfl

theorem swapAt_ne (o : Nat → Nat) (k0 v k : Nat) (e : LC.eqb k k0 = false) : swapAt o k0 v k = o k :=
  Eq.subst (motive := fun t => LC.pickN t v (o k) = o k) e.symm rfl

theorem swapAt_lt {o : Nat → Nat} {k0 v k N : Nat} (hv : nlt v N) (ho : LC.eqb k k0 = false → nlt (o k) N) :
    nlt (swapAt o k0 v k) N :=
  orE (LC.bool_cases (LC.eqb k k0))
    (fun eb => Eq.subst (motive := fun t => nlt t N) (swapAt_eq o k0 v k eb).symm hv)
    (fun eb => Eq.subst (motive := fun t => nlt t N) (swapAt_ne o k0 v k eb).symm (ho eb))

/-- One step of `sumN_perm`: a bijection of `[0, N]` with inverse `oi`, swapped so that it fixes
`N`, is a bijection of `[0, N)`. -/
theorem sumN_perm_step (f : Nat → α) (N : Nat)
    (ih : ∀ o oi : Nat → Nat, (∀ k, nlt k N → nlt (o k) N) → (∀ i, nlt i N → nlt (oi i) N) →
      (∀ k, nlt k N → oi (o k) = k) → (∀ i, nlt i N → o (oi i) = i) → sumN (fun k => f (o k)) N = sumN f N)
    (o oi : Nat → Nat) (ho : ∀ k, nlt k (N+1) → nlt (o k) (N+1)) (hoi : ∀ i, nlt i (N+1) → nlt (oi i) (N+1))
    (hl : ∀ k, nlt k (N+1) → oi (o k) = k) (hr : ∀ i, nlt i (N+1) → o (oi i) = i) :
    sumN (fun k => f (o k)) (N+1) = sumN f (N+1) :=
  have hN1 : nlt N (N+1) := nlt_succ_self N
  have hN : o (oi N) = N := hr N hN1
  orE (nlt_succ_cases (oi N) N (hoi N hN1))
    (fun hk =>
      have hoN : nlt (o N) N := nlt_of_succ_ne (ho N hN1)
        (fun e2 => LC.nlt_ne hk ((congrArg oi e2).symm.trans (hl N hN1)))
      have ho' : ∀ k, nlt k N → nlt (swapAt o (oi N) (o N) k) N := fun k hk' => swapAt_lt hoN (fun eb =>
        nlt_of_succ_ne (ho k (nlt_step k N hk'))
          (fun e2 => LC.eqb_false eb ((hl k (nlt_step k N hk')).symm.trans (congrArg oi e2))))
      have hoi' : ∀ i, nlt i N → nlt (swapAt oi (o N) (oi N) i) N := fun i hi => swapAt_lt hk (fun eb =>
        nlt_of_succ_ne (hoi i (nlt_step i N hi))
          (fun e2 => LC.eqb_false eb ((hr i (nlt_step i N hi)).symm.trans (congrArg o e2))))
      have hl' : ∀ k, nlt k N → swapAt oi (o N) (oi N) (swapAt o (oi N) (o N) k) = k := fun k hk' =>
        orE (LC.bool_cases (LC.eqb k (oi N)))
          (fun eb => (congrArg (swapAt oi (o N) (oi N)) (swapAt_eq o (oi N) (o N) k eb)).trans
            ((swapAt_eq oi (o N) (oi N) (o N) (LC.eqb_refl (o N))).trans (LC.eqb_true k (oi N) eb).symm))
          (fun eb => (congrArg (swapAt oi (o N) (oi N)) (swapAt_ne o (oi N) (o N) k eb)).trans
            ((swapAt_ne oi (o N) (oi N) (o k) (LC.eqb_of_ne (fun e2 => LC.nlt_ne hk'
                ((hl k (nlt_step k N hk')).symm.trans ((congrArg oi e2).trans (hl N hN1)))))).trans
              (hl k (nlt_step k N hk'))))
      have hr' : ∀ i, nlt i N → swapAt o (oi N) (o N) (swapAt oi (o N) (oi N) i) = i := fun i hi =>
        orE (LC.bool_cases (LC.eqb i (o N)))
          (fun eb => (congrArg (swapAt o (oi N) (o N)) (swapAt_eq oi (o N) (oi N) i eb)).trans
            ((swapAt_eq o (oi N) (o N) (oi N) (LC.eqb_refl (oi N))).trans (LC.eqb_true i (o N) eb).symm))
          (fun eb => (congrArg (swapAt o (oi N) (o N)) (swapAt_ne oi (o N) (oi N) i eb)).trans
            ((swapAt_ne o (oi N) (o N) (oi i) (LC.eqb_of_ne (fun e2 => LC.nlt_ne hi
                ((hr i (nlt_step i N hi)).symm.trans ((congrArg o e2).trans hN))))).trans
              (hr i (nlt_step i N hi))))
      have ih' : sumN (fun k => f (swapAt o (oi N) (o N) k)) N = sumN f N :=
        ih (swapAt o (oi N) (o N)) (swapAt oi (o N) (oi N)) ho' hoi' hl' hr'
      have hupd : sumN (fun k => f (o k)) N
          = sumN (fun k => f (swapAt o (oi N) (o N) k)) N + (f (o (oi N)) - f (swapAt o (oi N) (o N) (oi N))) :=
        sumN_update _ _ (oi N) N hk (fun k _ hne => congrArg f (swapAt_ne o (oi N) (o N) k (LC.eqb_of_ne hne)).symm)
      by
        rw [hN, swapAt_eq o (oi N) (o N) (oi N) (LC.eqb_refl (oi N)), ih'] at hupd
        show sumN (fun k => f (o k)) N + f (o N) = sumN f N + f N
        rw [hupd, add_assoc, sub_add_cancel])
    (fun e =>
      have hoN : o N = N := Eq.subst (motive := fun t => o t = N) e hN
      have ho' : ∀ k, nlt k N → nlt (o k) N := fun k hk => nlt_of_succ_ne (ho k (nlt_step k N hk))
        (fun e2 => LC.nlt_ne hk ((hl k (nlt_step k N hk)).symm.trans ((congrArg oi e2).trans e)))
      have hoi' : ∀ i, nlt i N → nlt (oi i) N := fun i hi => nlt_of_succ_ne (hoi i (nlt_step i N hi))
        (fun e2 => LC.nlt_ne hi ((hr i (nlt_step i N hi)).symm.trans ((congrArg o e2).trans hoN)))
      have ih' := ih o oi ho' hoi' (fun k hk => hl k (nlt_step k N hk)) (fun i hi => hr i (nlt_step i N hi))
      by
        show sumN (fun k => f (o k)) N + f (o N) = sumN f N + f N
        rw [ih', hoN])

/-- supports: brute_force. Summing in an order `o` that permutes `[0, N)` (with inverse `oi`) is
summing: `brute_force_sound` derives from it, for its order `o` (a permutation with inverse
`oi`), that the sums in the walk's order are the sums in position order (the hybrid's boxes sum
the query, the pinned positions, the outer positions and the axes, a permutation). -/
theorem sumN_perm (f : Nat → α) : (N : Nat) → (o oi : Nat → Nat) →
    (∀ k, nlt k N → nlt (o k) N) → (∀ i, nlt i N → nlt (oi i) N) →
    (∀ k, nlt k N → oi (o k) = k) → (∀ i, nlt i N → o (oi i) = i) →
    sumN (fun k => f (o k)) N = sumN f N
  | 0, _, _, _, _, _, _ => rfl
  | N+1, o, oi, ho, hoi, hl, hr => sumN_perm_step f N (sumN_perm f N) o oi ho hoi hl hr

/-- supports: brute_force. Summing in the order `bfOrder n` is summing. -/
theorem bfOrder_perm (f : Nat → α) (n : Nat) : sumN (fun k => f (bfOrder n k)) (n+1) = sumN f (n+1) := by
  rw [sumN_first (fun k => f (bfOrder n k)) n]
  show f n + sumN f n = sumN f n + f n
  exact add_comm (f n) (sumN f n)

/-- The inverse of `bfOrder n`: the query `n` is summed first, position `i < n` at step `i + 1`. -/
def bfOrderInv (n i : Nat) : Nat := LC.pickN (LC.eqb i n) 0 (i+1)

theorem bfOrderInv_lt (n i : Nat) (h : nlt i (n+1)) : nlt (bfOrderInv n i) (n+1) :=
  orE (LC.bool_cases (LC.eqb i n))
    (fun e => Eq.subst (motive := fun t => nlt (LC.pickN t 0 (i+1)) (n+1)) e.symm (nlt_zero_succ n))
    (fun e => Eq.subst (motive := fun t => nlt (LC.pickN t 0 (i+1)) (n+1)) e.symm
      (show nlt i n from nlt_of_succ_ne h (LC.eqb_false e)))

theorem bfOrder_left (n : Nat) : (k : Nat) → nlt k (n+1) → bfOrderInv n (bfOrder n k) = k
  | 0, _ => Eq.subst (motive := fun t => LC.pickN t 0 (n+1) = 0) (LC.eqb_refl n).symm rfl
  | k+1, h => Eq.subst (motive := fun t => LC.pickN t 0 (k+1) = k+1)
      (LC.eqb_of_ne (LC.nlt_ne (show nlt k n from h))).symm rfl

theorem bfOrder_right (n i : Nat) (h : nlt i (n+1)) : bfOrder n (bfOrderInv n i) = i :=
  orE (LC.bool_cases (LC.eqb i n))
    (fun e => Eq.subst (motive := fun t => bfOrder n (LC.pickN t 0 (i+1)) = i) e.symm (LC.eqb_true i n e).symm)
    (fun e => Eq.subst (motive := fun t => bfOrder n (LC.pickN t 0 (i+1)) = i) e.symm rfl)

/-! ## The test's error term covers the float sums -/

/-- The exact entry `A_i[x_i, j]` (kernel weights `tok * pos`). -/
def bfExact (exp : α → α) (isq : α) (T : Tables α) (a b : Nat → α) (q : Nat) (x : Nat → Nat) (j i : Nat) : α :=
  tokW exp isq T a q (x i) * posW exp isq T b q i * ((T.EVOU (x i) j + T.PVOU i j) + T.EUPU q j)

/-- Position `i`'s share of the error, `width + gamma * magnitude`. -/
def bfErr (R : Rnd α) (Ti : IvTables α) (Vo q : Nat) (gamma : α) (x : Nat → Nat) (i : Nat) : α :=
  bfWidth R Ti Vo q i (x i) + gamma * bfMag R Ti Vo q i (x i)

theorem encl_bfA (R : Rnd α) (exp : α → α) (isq : α) (T : Tables α) (a b : Nat → α) (Ti : IvTables α)
    (hE : Encloses exp isq T a b Ti) (q : Nat) (x : Nat → Nat) (j i : Nat) :
    Encl (bfExact exp isq T a b q x j i) (bfA R Ti q i (x i) j) :=
  encl_mul R (encl_mul R (hE.tok q (x i)) (hE.pos q i))
    (encl_add R (encl_add R (hE.evou (x i) j) (hE.pvou i j)) (hE.eupu q j))

theorem bfErr_nonneg (R : Rnd α) (Ti : IvTables α) (Vo q : Nat) (gamma : α) (hg : 0 ≤ gamma) (x : Nat → Nat)
    (i : Nat) : 0 ≤ bfErr R Ti Vo q gamma x i :=
  add_nonneg (le_maxIf_start 0 _ _ Vo) (mul_nonneg hg (le_maxIf_start 0 _ _ Vo))

/-- For every output `j < Vo`: the float sum is within `E = Σ_i (width_i + gamma mag_i)` of the
exact sum, and is at most `2 · 2^1000` in magnitude; the guard and `2 K u ≤ 1` give the
premise of `fl_sum_error_guarded`. -/
theorem bf_total_err (R : Rnd α) (exp : α → α) (isq : α) (T : Tables α) (a b : Nat → α) (Ti : IvTables α)
    (hE : Encloses exp isq T a b Ti) (fladd : α → α → α) (u : α) (hu : 0 ≤ u)
    (hadd : ∀ p q : α, abs (p + q) ≤ pw (1 + 1) 1023 → abs (fladd p q - (p + q)) ≤ u * abs (p + q))
    (n Vo q : Nat) (gamma Mbig : α) (hg : pw (1 + u) n - 1 ≤ gamma)
    (hK : ofN (n+1) * u + ofN (n+1) * u ≤ 1) (x : Nat → Nat)
    (hM : ∀ i, nlt i (n+1) → bfMag R Ti Vo q i (x i) ≤ Mbig) (hguard : ofN (n+1) * Mbig < pw (1 + 1) 1000)
    (j : Nat) (hj : nlt j Vo) :
    abs (bfSum fladd R Ti q x n j - sumN (bfExact exp isq T a b q x j) (n+1))
        ≤ sumN (bfErr R Ti Vo q gamma x) (n+1) ∧
      abs (bfSum fladd R Ti q x n j) ≤ (1 + 1) * pw (1 + 1) 1000 := by
  have hP : pw (1 + u) n ≤ 1 + 1 := by
    have hKn : ofN n * u + ofN n * u ≤ 1 := by
      have e : ofN (n+1) * u = ofN n * u + u := by
        show (ofN n + 1) * u = ofN n * u + u
        rw [add_mul (ofN n) 1 u, one_mul u]
      rw [e, add4 (ofN n * u) u (ofN n * u) u] at hK
      exact le_trans (le_add_of_nonneg_right (add_nonneg hu hu)) hK
    exact le_trans (pw_bound hu n hKn) (add_le_add_left hKn 1)
  have hP1 : 1 ≤ pw (1 + u) n := one_le_pw hu n
  have hmag : ∀ i, abs (bfA R Ti q i (x i) j).lo ≤ bfMag R Ti Vo q i (x i) := fun i =>
    le_maxIf 0 (fun _ => true) (fun j' => abs (bfA R Ti q i (x i) j').lo) Vo j hj rfl
  have hwid : ∀ i, (bfA R Ti q i (x i) j).hi - (bfA R Ti q i (x i) j).lo ≤ bfWidth R Ti Vo q i (x i) := fun i =>
    le_trans (R.le_up _) (le_maxIf 0 (fun _ => true)
      (fun j' => R.up ((bfA R Ti q i (x i) j').hi - (bfA R Ti q i (x i) j').lo)) Vo j hj rfl)
  -- Σ|lo| ≤ Σ mag ≤ K Mbig < 2^1000
  have hS1 : sumN (fun i => abs (bfA R Ti q i (x i) j).lo) (n+1) ≤ sumN (fun i => bfMag R Ti Vo q i (x i)) (n+1) :=
    sumN_le _ _ (n+1) (fun i _ => hmag i)
  have hS2 : sumN (fun i => bfMag R Ti Vo q i (x i)) (n+1) ≤ ofN (n+1) * Mbig := by
    rw [← sumN_const Mbig (n+1)]
    exact sumN_le _ _ (n+1) (fun i hi => hM i hi)
  have hSG : sumN (fun i => abs (bfA R Ti q i (x i) j).lo) (n+1) ≤ pw (1 + 1) 1000 :=
    le_trans hS1 (le_trans hS2 (le_of_lt hguard))
  have hG0 : (0 : α) ≤ pw (1 + 1) 1000 := pw_nonneg (add_nonneg zero_le_one zero_le_one) 1000
  have hPS : pw (1 + u) n * sumN (fun i => abs (bfA R Ti q i (x i) j).lo) (n+1) ≤ (1 + 1) * pw (1 + 1) 1000 :=
    le_trans (mul_le_mul_of_nonneg_left hSG (le_trans zero_le_one hP1))
      (mul_le_mul_of_nonneg_right hP hG0)
  have hΩ : (1 + 1) * pw (1 + 1 : α) 1000 ≤ pw (1 + 1) 1023 :=
    le_trans (le_of_eq (one_mul _).symm) (le_trans (mul_le_mul_of_nonneg_right
      (le_add_of_nonneg_right zero_le_one) (mul_nonneg (add_nonneg zero_le_one zero_le_one) hG0)) four_guard)
  have hfl := fl_sum_error_guarded fladd u (pw (1 + 1) 1023) hu hadd (fun i => (bfA R Ti q i (x i) j).lo) n
    (le_trans hPS hΩ)
  -- the exact sum is within Σ width of the sum of the lower ends
  have hlo : ∀ i, (bfA R Ti q i (x i) j).lo ≤ bfExact exp isq T a b q x j i := fun i => (encl_bfA R exp isq T a b Ti hE q x j i).1
  have hhi : ∀ i, bfExact exp isq T a b q x j i ≤ (bfA R Ti q i (x i) j).hi := fun i => (encl_bfA R exp isq T a b Ti hE q x j i).2
  have hgap0 : 0 ≤ sumN (bfExact exp isq T a b q x j) (n+1) - sumN (fun i => (bfA R Ti q i (x i) j).lo) (n+1) :=
    sub_nonneg_of_le (sumN_le _ _ (n+1) (fun i _ => hlo i))
  have hgap1 : sumN (bfExact exp isq T a b q x j) (n+1) - sumN (fun i => (bfA R Ti q i (x i) j).lo) (n+1)
      ≤ sumN (fun i => bfWidth R Ti Vo q i (x i)) (n+1) := by
    rw [← sumN_sub (bfExact exp isq T a b q x j) (fun i => (bfA R Ti q i (x i) j).lo) (n+1)]
    exact sumN_le _ _ (n+1) (fun i _ => le_trans (sub_le_sub (hhi i) (le_refl _)) (hwid i))
  have hg0 : 0 ≤ pw (1 + u) n - 1 := sub_nonneg_of_le hP1
  have hrnd : abs (bfSum fladd R Ti q x n j - sumN (fun i => (bfA R Ti q i (x i) j).lo) (n+1))
      ≤ gamma * sumN (fun i => bfMag R Ti Vo q i (x i)) (n+1) :=
    le_trans hfl (le_trans (mul_le_mul_of_nonneg_left hS1 hg0)
      (mul_le_mul_of_nonneg_right hg (sumN_nonneg _ (n+1) (fun i _ => le_maxIf_start 0 _ _ Vo))))
  -- |Û - S| ≤ |Û - L| + (S - L) ≤ gamma Σ mag + Σ width
  have hsplit : bfSum fladd R Ti q x n j - sumN (bfExact exp isq T a b q x j) (n+1)
      = (bfSum fladd R Ti q x n j - sumN (fun i => (bfA R Ti q i (x i) j).lo) (n+1))
        + -(sumN (bfExact exp isq T a b q x j) (n+1) - sumN (fun i => (bfA R Ti q i (x i) j).lo) (n+1)) := by
    rw [neg_sub, sub_add_sub_cancel]
  have herr : abs (bfSum fladd R Ti q x n j - sumN (bfExact exp isq T a b q x j) (n+1))
      ≤ sumN (bfErr R Ti Vo q gamma x) (n+1) := by
    rw [hsplit]
    have e : sumN (bfErr R Ti Vo q gamma x) (n+1)
        = gamma * sumN (fun i => bfMag R Ti Vo q i (x i)) (n+1) + sumN (fun i => bfWidth R Ti Vo q i (x i)) (n+1) := by
      rw [← sumN_mul_left gamma (fun i => bfMag R Ti Vo q i (x i)) (n+1),
        ← sumN_add (fun i => gamma * bfMag R Ti Vo q i (x i)) (fun i => bfWidth R Ti Vo q i (x i)) (n+1)]
      exact sumN_congr _ _ (n+1) (fun i _ => add_comm _ _)
    rw [e]
    refine le_trans (abs_add _ _) (add_le_add hrnd ?_)
    rw [← abs_of_nonneg hgap0] at hgap1
    exact le_trans (abs_neg_le _) hgap1
  -- |Û| ≤ |Û - L| + |L| ≤ (P - 1) Σ|lo| + Σ|lo| = P Σ|lo|
  have htot : abs (bfSum fladd R Ti q x n j) ≤ (1 + 1) * pw (1 + 1) 1000 := by
    have h1 := abs_le_sub_add (bfSum fladd R Ti q x n j) (sumN (fun i => (bfA R Ti q i (x i) j).lo) (n+1))
    have h2 := add_le_add hfl (abs_sumN_le (fun i => (bfA R Ti q i (x i) j).lo) (n+1))
    have e : (pw (1 + u) n - 1) * sumN (fun i => abs (bfA R Ti q i (x i) j).lo) (n+1)
          + sumN (fun i => abs (bfA R Ti q i (x i) j).lo) (n+1)
        = pw (1 + u) n * sumN (fun i => abs (bfA R Ti q i (x i) j).lo) (n+1) := by
      rw [sub_mul, one_mul, sub_add_cancel]
    rw [e] at h2
    exact le_trans h1 (le_trans h2 hPS)
  exact ⟨herr, htot⟩

end

end OF

section
variable {α : Type} [OrdField α]

/-- sound: brute_force. The per-input test of `count_grids`, computed on the kernel's interval
tables (any `Rnd`), is sound: in the float model above (`fladd`, `flsub` in the standard model
with unit roundoff `u` for results of magnitude at most `2^1023`), with the kernel's
`gamma ≥ (1 + u)^(K-1) - 1` and `twice ≥ 2 (1 + u)`, the guard the kernel checks
(`K max|lo| < 2^1000`, `Mbig` at least every `magnitude` of the query) and `2 K u ≤ 1`, an input
`x_0 .. x_{K-1}` (tokens below `V ≤ d_vocab_out = Vo`) whose sums and bound are taken in an
order `o` of the positions that permutes them (`ho`, and an inverse `oi`: `hoi`, `hl`, `hr`), and
whose `top` is the max of its tokens taken in that order (`BFPass` uses `walkMax`, as the walk
forms it), that passes (`d > bound`) is correct. The proof turns the walk's order into position
order by `sumN_perm` (the sums) and `walkMax_eq` (`top` is the label `maxTok`). -/
theorem brute_force_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (fladd flsub : α → α → α) (u : α)
    (hu0 : 0 ≤ u) (hu1 : u < 1)
    (hadd : ∀ p q : α, OF.abs (p + q) ≤ OF.pw (1 + 1) 1023 → OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q))
    (hsub : ∀ p q : α, OF.abs (p - q) ≤ OF.pw (1 + 1) 1023 → OF.abs (flsub p q - (p - q)) ≤ u * OF.abs (p - q))
    (n V Vo : Nat) (hVo : LC.nle V Vo) (gamma twice Mbig bot : α)
    (hg : OF.pw (1 + u) n - 1 ≤ gamma) (htw : (1 + 1) * (1 + u) ≤ twice) (hbot : bot ≤ 0)
    (hK : OF.ofN (n+1) * u + OF.ofN (n+1) * u ≤ 1)
    (x : Nat → Nat) (hx : ∀ i, OF.nlt i (n+1) → OF.nlt (x i) V)
    (hM : ∀ i, OF.nlt i (n+1) → OF.bfMag R Ti Vo (x n) i (x i) ≤ Mbig)
    (hguard : OF.ofN (n+1) * Mbig < OF.pw (1 + 1) 1000)
    (o oi : Nat → Nat) (ho : ∀ k, OF.nlt k (n+1) → OF.nlt (o k) (n+1))
    (hoi : ∀ i, OF.nlt i (n+1) → OF.nlt (oi i) (n+1)) (hl : ∀ k, OF.nlt k (n+1) → oi (o k) = k)
    (hr : ∀ i, OF.nlt i (n+1) → o (oi i) = i)
    (hpass : OF.BFPass fladd flsub R Ti Vo bot gamma twice x o n) :
    OF.Correct (OF.tableLogit exp isq T n x) Vo (LC.maxTok x (n+1)) := fun j hj hjm => by
  -- the order is a permutation: sums in it are sums (`sumN_perm`), its max is the max (`walkMax_eq`)
  have hperm : ∀ f : Nat → α, OF.sumN (fun k => f (o k)) (n+1) = OF.sumN f (n+1) := fun f =>
    OF.sumN_perm f (n+1) o oi ho hoi hl hr
  have hpass' : OF.bfThreshold R Ti Vo (x n) gamma twice x o n
      < OF.bfD fladd flsub R Ti Vo bot (x n) x o n (LC.maxTok x (n+1)) :=
    Eq.subst (motive := fun t => OF.bfThreshold R Ti Vo (x n) gamma twice x o n
      < OF.bfD fladd flsub R Ti Vo bot (x n) x o n t) (LC.walkMax_eq x o oi n ho hoi hr) hpass
  have hmV : OF.nlt (LC.maxTok x (n+1)) V :=
    LC.maxTok_lt x V (LC.nlt_of_nle_of_nlt 0 (x 0) V trivial (hx 0 (OF.nlt_zero_succ n))) (n+1) hx
  have hmVo : OF.nlt (LC.maxTok x (n+1)) Vo := LC.nlt_of_nlt_of_nle _ V Vo hmV hVo
  have hg0 : 0 ≤ gamma := OF.le_trans (OF.sub_nonneg_of_le (OF.one_le_pw hu0 n)) hg
  -- the sums in the kernel's order `o` are sums over the tables read in that order
  have herr := fun j' (hj' : OF.nlt j' Vo) => OF.bf_total_err R exp isq (OF.bfPermT T o) a b (OF.bfPermIv Ti o)
    (OF.encloses_perm hE o) fladd u hu0 hadd n Vo (x n) gamma Mbig hg hK (fun k => x (o k))
    (fun k hk => hM (o k) (ho k hk)) hguard j' hj'
  have hJ := herr j hj
  have hMm := herr (LC.maxTok x (n+1)) hmVo
  -- y is at least total_j and at most 2 · 2^1000
  have hG2 : (0 : α) ≤ (1 + 1) * OF.pw (1 + 1) 1000 :=
    OF.mul_nonneg (OF.add_nonneg OF.zero_le_one OF.zero_le_one)
      (OF.pw_nonneg (OF.add_nonneg OF.zero_le_one OF.zero_le_one) 1000)
  have hy1 : OF.bfTotal fladd R Ti (x n) x o n j ≤ OF.bfY fladd R Ti Vo bot (x n) x o n (LC.maxTok x (n+1)) :=
    OF.le_maxIf bot _ (fun j' => OF.bfTotal fladd R Ti (x n) x o n j') Vo j hj (OF.notM_of_ne hjm)
  have hy2 : OF.bfY fladd R Ti Vo bot (x n) x o n (LC.maxTok x (n+1)) ≤ (1 + 1) * OF.pw (1 + 1) 1000 :=
    OF.maxIf_le bot _ (fun j' => OF.bfTotal fladd R Ti (x n) x o n j') _ (OF.le_trans hbot hG2) Vo
      (fun j' hj' => OF.le_trans (OF.le_abs_self _) (herr j' hj').2)
  -- |x̂ - y| ≤ 4 · 2^1000 ≤ 2^1023: the final subtraction is in the standard model
  have hxlo := (OF.abs_le_elim hMm.2).1
  have hxhi := (OF.abs_le_elim hMm.2).2
  have hylo := OF.le_trans (OF.abs_le_elim hJ.2).1 hy1
  have hbound : OF.abs (OF.bfTotal fladd R Ti (x n) x o n (LC.maxTok x (n+1)) - OF.bfY fladd R Ti Vo bot (x n) x o n (LC.maxTok x (n+1)))
      ≤ OF.pw (1 + 1) 1023 := by
    refine OF.le_trans (OF.abs_le_of ?_ ?_) (OF.le_trans (OF.le_of_eq (OF.two_mul _).symm) OF.four_guard)
    · rw [OF.neg_add_distrib]
      exact OF.sub_le_sub hxlo hy2
    · have h := OF.sub_le_sub hxhi hylo
      rw [OF.sub_def ((1 + 1) * OF.pw (1 + 1) 1000) (-((1 + 1) * OF.pw (1 + 1) 1000)), OF.neg_neg] at h
      exact h
  have hd := hsub _ _ hbound
  -- the threshold covers twice the error, rounding included
  have hErr0 : 0 ≤ OF.sumN (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1) :=
    OF.sumN_nonneg _ (n+1) (fun i _ => OF.bfErr_nonneg R (OF.bfPermIv Ti o) Vo (x n) gamma hg0 (fun k => x (o k)) i)
  have htw0 : 0 ≤ twice := OF.le_trans (OF.mul_nonneg (OF.add_nonneg OF.zero_le_one OF.zero_le_one)
    (OF.add_nonneg OF.zero_le_one hu0)) htw
  have htheta : ∀ i t, OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun _ => t) i * ((1 + 1) * (1 + u))
      ≤ OF.bfTheta R (OF.bfPermIv Ti o) Vo (x n) i t gamma twice := fun i t =>
    OF.le_trans (OF.mul_le_mul_of_nonneg_left htw (OF.bfErr_nonneg R (OF.bfPermIv Ti o) Vo (x n) gamma hg0 (fun _ => t) i))
      (OF.le_trans (OF.mul_le_mul_of_nonneg_right
        (OF.le_trans (OF.add_le_add_left (R.le_up _) _) (R.le_up _)) htw0) (R.le_up _))
  have hT : (1 + u) * ((1 + 1) * OF.sumN (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1))
      ≤ OF.bfThreshold R Ti Vo (x n) gamma twice x o n := by
    have h1 := OF.le_upFold R (OF.bfTheta R Ti Vo (x n) (o 0) (x (o 0)) gamma twice)
      (fun k => OF.bfTheta R Ti Vo (x n) (o (k+1)) (x (o (k+1))) gamma twice) n
    have h2 : OF.sumN (fun i => OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k)) i * ((1 + 1) * (1 + u))) (n+1)
        ≤ OF.sumN (fun k => OF.bfTheta R (OF.bfPermIv Ti o) Vo (x n) k (x (o k)) gamma twice) (n+1) :=
      OF.sumN_le _ _ (n+1) (fun i _ => htheta i (x (o i)))
    rw [OF.sumN_mul_right ((1 + 1) * (1 + u)) (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1)] at h2
    have e : (1 + u) * ((1 + 1) * OF.sumN (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1))
        = OF.sumN (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1) * ((1 + 1) * (1 + u)) := by
      rw [← OF.mul_assoc (1 + u) (1 + 1) _, OF.mul_comm (1 + u) (1 + 1), OF.mul_comm _ (OF.sumN _ _)]
    rw [e]
    -- the bound adds the same terms in the same order, starting from the query's
    exact OF.le_trans h2 (OF.le_trans (OF.le_of_eq (OF.sumN_first
      (fun k => OF.bfTheta R (OF.bfPermIv Ti o) Vo (x n) k (x (o k)) gamma twice) n)) h1)
  have hsign := fl_sign_test hd hu0 hu1
    (OF.mul_nonneg (OF.add_nonneg OF.zero_le_one OF.zero_le_one) hErr0) hT hpass'
  -- the exact sums: S_m - S_j > 0
  rw [OF.two_mul] at hsign
  have hS : 0 < OF.sumN (OF.bfExact exp isq (OF.bfPermT T o) a b (x n) (fun k => x (o k)) (LC.maxTok x (n+1))) (n+1)
      - OF.sumN (OF.bfExact exp isq (OF.bfPermT T o) a b (x n) (fun k => x (o k)) j) (n+1) := by
    have h1 := OF.lt_of_lt_of_le hsign (OF.sub_le_sub (OF.le_refl _) hy1)
    have hxm : OF.bfTotal fladd R Ti (x n) x o n (LC.maxTok x (n+1))
        ≤ OF.sumN (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1) + OF.sumN (OF.bfExact exp isq (OF.bfPermT T o) a b (x n) (fun k => x (o k)) (LC.maxTok x (n+1))) (n+1) := by
      have h := OF.add_le_add_right (OF.abs_le_elim hMm.1).2 (OF.sumN (OF.bfExact exp isq (OF.bfPermT T o) a b (x n) (fun k => x (o k)) (LC.maxTok x (n+1))) (n+1))
      rw [OF.sub_add_cancel] at h
      exact h
    have hxj : -OF.sumN (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1) + OF.sumN (OF.bfExact exp isq (OF.bfPermT T o) a b (x n) (fun k => x (o k)) j) (n+1)
        ≤ OF.bfTotal fladd R Ti (x n) x o n j := by
      have h := OF.add_le_add_right (OF.abs_le_elim hJ.1).1 (OF.sumN (OF.bfExact exp isq (OF.bfPermT T o) a b (x n) (fun k => x (o k)) j) (n+1))
      rw [OF.sub_add_cancel] at h
      exact h
    have h2 := OF.lt_of_lt_of_le h1 (OF.sub_le_sub hxm hxj)
    rw [OF.add_sub_add, OF.sub_def (OF.sumN (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1)), OF.neg_neg] at h2
    have h3 := OF.sub_pos_of_lt h2
    rw [OF.add_comm (OF.sumN (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1) + OF.sumN (OF.bfErr R (OF.bfPermIv Ti o) Vo (x n) gamma (fun k => x (o k))) (n+1)),
      OF.add_sub_cancel] at h3
    exact h3
  -- back to position order: the order `o` is a permutation (`hperm`)
  have e1 : OF.sumN (OF.bfExact exp isq (OF.bfPermT T o) a b (x n) (fun k => x (o k)) (LC.maxTok x (n+1))) (n+1)
      = OF.sumN (OF.bfExact exp isq T a b (x n) x (LC.maxTok x (n+1))) (n+1) :=
    hperm (OF.bfExact exp isq T a b (x n) x (LC.maxTok x (n+1)))
  have e2 : OF.sumN (OF.bfExact exp isq (OF.bfPermT T o) a b (x n) (fun k => x (o k)) j) (n+1)
      = OF.sumN (OF.bfExact exp isq T a b (x n) x j) (n+1) :=
    hperm (OF.bfExact exp isq T a b (x n) x j)
  rw [e1, e2] at hS
  -- from the sums to the logits (`margin_decomposition` with the kernel's weights)
  have hZ : 0 < OF.sumN (fun i => OF.tokW exp isq T a (x n) (x i) * OF.posW exp isq T b (x n) i) (n+1) :=
    OF.sumN_pos _ (n+1) (OF.nlt_zero_succ n) (fun i _ => OF.mul_pos (exp_pos _) (exp_pos _))
  have egap : OF.sumN (fun i => OF.tokW exp isq T a (x n) (x i) * OF.posW exp isq T b (x n) i
        * OF.gap T.EVOU T.PVOU (T.EUPU (x n)) (LC.maxTok x (n+1)) j (x i) i) (n+1)
      = OF.sumN (OF.bfExact exp isq T a b (x n) x (LC.maxTok x (n+1))) (n+1)
        - OF.sumN (OF.bfExact exp isq T a b (x n) x j) (n+1) := by
    rw [← OF.sumN_sub]
    exact OF.sumN_congr _ _ (n+1) (fun i _ => OF.mul_sub _ _ _)
  have hmarg := OF.margin_identity (fun i => OF.tokW exp isq T a (x n) (x i) * OF.posW exp isq T b (x n) i) (n+1) x
    T.EVOU T.PVOU (T.EUPU (x n)) (LC.maxTok x (n+1)) j (OF.ne_zero_of_pos hZ)
  rw [← hmarg] at egap
  rw [← egap] at hS
  have hlt := OF.lt_of_sub_pos (OF.pos_of_mul_pos_left hZ hS)
  rw [OF.kernel_weights exp exp_pos exp_add isq T a b n x j,
    OF.kernel_weights exp exp_pos exp_add isq T a b n x (LC.maxTok x (n+1))]
  exact hlt

end

namespace OF

section
variable {α : Type} [OrdField α]

theorem ltB_true {a b : α} : (d : Decidable (b ≤ a)) → ltD a b d = true → a < b
  | Decidable.isTrue _, h => False.elim (LC.false_ne_true h)
  | Decidable.isFalse h', _ => lt_of_not_le h'

/-- The per-input test for an input list (slots, then the query), decided: `bound < d`, the
sums, the bound and `top` taken in the order `o` (query first: `o 0 = n`). -/
def bfPassO (fladd flsub : α → α → α) (R : Rnd α) (Ti : IvTables α) (Vo : Nat) (bot gamma twice : α)
    (o : Nat → Nat) (n : Nat) (l : List Nat) : Bool :=
  ltB (bfThreshold R Ti Vo (LC.lnth l n) gamma twice (LC.lnth l) o n)
    (bfD fladd flsub R Ti Vo bot (LC.lnth l n) (LC.lnth l) o n (LC.walkMax (LC.lnth l) o n))

/-- The brute-force rule's test: `bfPassO` in the order `bfOrder n`. -/
def bfPassB (fladd flsub : α → α → α) (R : Rnd α) (Ti : IvTables α) (Vo : Nat) (bot gamma twice : α)
    (n : Nat) (l : List Nat) : Bool :=
  bfPassO fladd flsub R Ti Vo bot gamma twice (bfOrder n) n l

end

end OF

namespace LC

theorem cstep_mono {a b : Nat} (h : nle a b) : (bp br : Bool) → (bp = true → br = true) →
    nle (cstep bp a) (cstep br b)
  | true, true, _ => h
  | true, false, hb => False.elim (false_ne_true (hb rfl))
  | false, true, _ => nle_step a b h
  | false, false, _ => h

/-- Counting with a stronger test gives at most as many. -/
theorem countP_mono {β : Type} (p r : β → Bool) : (U : List β) → (∀ l, Mem l U → p l = true → r l = true) →
    nle (countP p U) (countP r U)
  | [], _ => trivial
  | x :: xs, h => cstep_mono (countP_mono p r xs (fun l hl => h l (Or.inr hl))) (p x) (r x) (h x (Or.inl rfl))

end LC

section
variable {α : Type} [OrdField α]

/-- sound: brute_force. One input (a list of `words (rangeL V) (n+1)`: `n` slots, then the
query) whose test passes with its sums, bound and `top` taken in an order `o` that permutes the
positions (inverse `oi`; the query first is not needed) is correct; the guard is taken per query
token `q` with a bound `Mbig q` of its magnitudes (the kernel checks one bound for all queries,
`K max_{q,i,t} magnitude < 2^1000`, which is the case `Mbig q = max`). The brute-force rule uses
`bfOrder n` (`brute_force_pass_sound`), a hybrid box the order of its grid walk. -/
theorem brute_force_order_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (fladd flsub : α → α → α) (u : α)
    (hu0 : 0 ≤ u) (hu1 : u < 1)
    (hadd : ∀ p q : α, OF.abs (p + q) ≤ OF.pw (1 + 1) 1023 → OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q))
    (hsub : ∀ p q : α, OF.abs (p - q) ≤ OF.pw (1 + 1) 1023 → OF.abs (flsub p q - (p - q)) ≤ u * OF.abs (p - q))
    (n V Vo : Nat) (hVo : LC.nle V Vo) (gamma twice bot : α) (Mbig : Nat → α)
    (hg : OF.pw (1 + u) n - 1 ≤ gamma) (htw : (1 + 1) * (1 + u) ≤ twice) (hbot : bot ≤ 0)
    (hK : OF.ofN (n+1) * u + OF.ofN (n+1) * u ≤ 1)
    (hM : ∀ q i t, OF.nlt q V → OF.nlt i (n+1) → OF.nlt t V → OF.bfMag R Ti Vo q i t ≤ Mbig q)
    (hguard : ∀ q, OF.nlt q V → OF.ofN (n+1) * Mbig q < OF.pw (1 + 1) 1000)
    (o oi : Nat → Nat) (ho : ∀ k, OF.nlt k (n+1) → OF.nlt (o k) (n+1))
    (hoi : ∀ i, OF.nlt i (n+1) → OF.nlt (oi i) (n+1)) (hl0 : ∀ k, OF.nlt k (n+1) → oi (o k) = k)
    (hr : ∀ i, OF.nlt i (n+1) → o (oi i) = i)
    (l : List Nat) (hl : LC.Mem l (LC.words (LC.rangeL V) (n+1)))
    (hp : OF.bfPassO fladd flsub R Ti Vo bot gamma twice o n l = true) :
    OF.inputCorrect exp isq T n Vo l = true :=
  have hw := (LC.words_mem (LC.rangeL V) (n+1) l).mp hl
  have hx : ∀ i, OF.nlt i (n+1) → OF.nlt (LC.lnth l i) V := fun i hi =>
    LC.nlt_of_mem_rangeL V _ (hw.2 _ (LC.mem_lnth l i (Eq.subst (motive := fun k => OF.nlt i k) hw.1.symm hi)))
  OF.correctB_of _ Vo _ (brute_force_sound R exp exp_pos exp_add isq T a b Ti hE fladd flsub u hu0 hu1 hadd hsub
    n V Vo hVo gamma twice (Mbig (LC.lnth l n)) bot hg htw hbot hK (LC.lnth l) hx
    (fun i hi => hM _ i (LC.lnth l i) (hx n (OF.nlt_succ_self n)) hi (hx i hi))
    (hguard _ (hx n (OF.nlt_succ_self n))) o oi ho hoi hl0 hr
    (OF.ltB_true _ hp))

/-- sound: brute_force. One input of the brute-force enumeration whose test passes (`bfPassB`,
sums in the rule's order `bfOrder n`, a permutation with inverse `bfOrderInv n`) is correct:
`brute_force_order_sound` with that order. -/
theorem brute_force_pass_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (fladd flsub : α → α → α) (u : α)
    (hu0 : 0 ≤ u) (hu1 : u < 1)
    (hadd : ∀ p q : α, OF.abs (p + q) ≤ OF.pw (1 + 1) 1023 → OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q))
    (hsub : ∀ p q : α, OF.abs (p - q) ≤ OF.pw (1 + 1) 1023 → OF.abs (flsub p q - (p - q)) ≤ u * OF.abs (p - q))
    (n V Vo : Nat) (hVo : LC.nle V Vo) (gamma twice bot : α) (Mbig : Nat → α)
    (hg : OF.pw (1 + u) n - 1 ≤ gamma) (htw : (1 + 1) * (1 + u) ≤ twice) (hbot : bot ≤ 0)
    (hK : OF.ofN (n+1) * u + OF.ofN (n+1) * u ≤ 1)
    (hM : ∀ q i t, OF.nlt q V → OF.nlt i (n+1) → OF.nlt t V → OF.bfMag R Ti Vo q i t ≤ Mbig q)
    (hguard : ∀ q, OF.nlt q V → OF.ofN (n+1) * Mbig q < OF.pw (1 + 1) 1000)
    (l : List Nat) (hl : LC.Mem l (LC.words (LC.rangeL V) (n+1)))
    (hp : OF.bfPassB fladd flsub R Ti Vo bot gamma twice n l = true) :
    OF.inputCorrect exp isq T n Vo l = true :=
  brute_force_order_sound R exp exp_pos exp_add isq T a b Ti hE fladd flsub u hu0 hu1 hadd hsub n V Vo hVo
    gamma twice bot Mbig hg htw hbot hK hM hguard (OF.bfOrder n) (OF.bfOrderInv n) (OF.bfOrder_lt n)
    (OF.bfOrderInv_lt n) (OF.bfOrder_left n) (OF.bfOrder_right n) l hl hp

/-- sound: brute_force. The number of inputs whose test passes, counted over `words (rangeL V)
(n+1)` (every input once), is at most the number of correct inputs (`brute_force_count`). How the
kernel splits this count into blocks and shards is `brute_force_shards_sound` (Scale.lean). -/
theorem brute_force_count_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (fladd flsub : α → α → α) (u : α)
    (hu0 : 0 ≤ u) (hu1 : u < 1)
    (hadd : ∀ p q : α, OF.abs (p + q) ≤ OF.pw (1 + 1) 1023 → OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q))
    (hsub : ∀ p q : α, OF.abs (p - q) ≤ OF.pw (1 + 1) 1023 → OF.abs (flsub p q - (p - q)) ≤ u * OF.abs (p - q))
    (n V Vo : Nat) (hVo : LC.nle V Vo) (gamma twice bot : α) (Mbig : Nat → α)
    (hg : OF.pw (1 + u) n - 1 ≤ gamma) (htw : (1 + 1) * (1 + u) ≤ twice) (hbot : bot ≤ 0)
    (hK : OF.ofN (n+1) * u + OF.ofN (n+1) * u ≤ 1)
    (hM : ∀ q i t, OF.nlt q V → OF.nlt i (n+1) → OF.nlt t V → OF.bfMag R Ti Vo q i t ≤ Mbig q)
    (hguard : ∀ q, OF.nlt q V → OF.ofN (n+1) * Mbig q < OF.pw (1 + 1) 1000) :
    LC.nle (LC.countP (OF.bfPassB fladd flsub R Ti Vo bot gamma twice n) (LC.words (LC.rangeL V) (n+1)))
      (LC.countP (OF.inputCorrect exp isq T n Vo) (LC.words (LC.rangeL V) (n+1))) :=
  LC.countP_mono _ _ _ (fun l hl hp => brute_force_pass_sound R exp exp_pos exp_add isq T a b Ti hE fladd flsub u
    hu0 hu1 hadd hsub n V Vo hVo gamma twice bot Mbig hg htw hbot hK hM hguard l hl hp)

end
