/-!
# FloatError.lean: floating-point error bounds in the standard model

Rules `fl_sum_error` and `fl_sign_test`. A floating-point addition is an arbitrary function
`fladd : α → α → α` obeying the standard model `|fladd p q - (p + q)| ≤ u |p + q|`; nothing
else about floats is assumed.
-/

namespace OF

section
variable {α : Type} [OrdField α]

/-- Recursive summation `((a 0 ⊕ a 1) ⊕ a 2) ⊕ ...` with the floating addition `fladd`. -/
def flSum (fladd : α → α → α) (a : Nat → α) : Nat → α
  | 0 => 0
  | 1 => a 0
  | n+2 => fladd (flSum fladd a (n+1)) (a (n+1))

theorem grow_id (P u : α) : (1 + u) * (P - 1) + u = P * (1 + u) - 1 := by
  rw [mul_sub (1 + u) P 1, mul_one (1 + u), mul_comm (1 + u) P, sub_def (P * (1 + u)) (1 + u),
    sub_def (P * (1 + u)) 1, neg_add_distrib 1 u, add_assoc (P * (1 + u)) (-1 + -u) u,
    add_assoc (-1) (-u) u, neg_add u, add_zero (-1)]

/-- One step of recursive summation: the error grows from `(P - 1) S` to
`(P (1 + u) - 1) (S + |x|)`. -/
theorem fl_sum_step {F sh s x u P S : α} (hu : 0 ≤ u) (hP : 1 ≤ P)
    (hF : abs (F - (sh + x)) ≤ u * abs (sh + x)) (hE : abs (sh - s) ≤ (P - 1) * S)
    (hs : abs s ≤ S) : abs (F - (s + x)) ≤ (P * (1 + u) - 1) * (S + abs x) := by
  -- the exact error splits into the new rounding error and the old error
  have e1 : F - (s + x) = (F - (sh + x)) + ((sh + x) - (s + x)) :=
    (sub_add_sub_cancel F (sh + x) (s + x)).symm
  have e2 : (sh + x) - (s + x) = sh - s := add_sub_add_right sh s x
  have t1 : abs (F - (s + x)) ≤ abs (F - (sh + x)) + abs (sh - s) := by
    rw [e1, e2]
    exact abs_add (F - (sh + x)) (sh - s)
  -- the computed partial sum is within E of the exact one
  have e3 : sh + x = (sh - s) + (s + x) := by
    rw [← add_assoc (sh - s) s x, sub_add_cancel sh s]
  have t2 : abs (sh + x) ≤ abs (sh - s) + (S + abs x) := by
    rw [e3]
    exact le_trans (abs_add (sh - s) (s + x))
      (add_le_add_left (le_trans (abs_add s x) (add_le_add_right hs (abs x))) (abs (sh - s)))
  have hS : 0 ≤ S := le_trans (abs_nonneg s) hs
  have hSS : S ≤ S + abs x := le_add_of_nonneg_right (abs_nonneg x)
  have hP1 : 0 ≤ P - 1 := sub_nonneg_of_le hP
  have hE' : abs (sh - s) ≤ (P - 1) * (S + abs x) :=
    le_trans hE (mul_le_mul_of_nonneg_left hSS hP1)
  have h1u : 0 ≤ 1 + u := add_nonneg zero_le_one hu
  -- |F - (s + x)| ≤ u (E + S') + E ≤ (1 + u) E + u S'
  have t3 : abs (F - (s + x)) ≤ u * (abs (sh - s) + (S + abs x)) + abs (sh - s) :=
    le_trans t1 (add_le_add_right (le_trans hF (mul_le_mul_of_nonneg_left t2 hu)) (abs (sh - s)))
  have e4 : u * (abs (sh - s) + (S + abs x)) + abs (sh - s)
      = (1 + u) * abs (sh - s) + u * (S + abs x) := by
    rw [mul_add u (abs (sh - s)) (S + abs x), add_mul 1 u (abs (sh - s)), one_mul (abs (sh - s)),
      add_right_comm (u * abs (sh - s)) (u * (S + abs x)) (abs (sh - s)),
      add_comm (u * abs (sh - s)) (abs (sh - s))]
  have t4 : (1 + u) * abs (sh - s) + u * (S + abs x)
      ≤ (1 + u) * ((P - 1) * (S + abs x)) + u * (S + abs x) :=
    add_le_add_right (mul_le_mul_of_nonneg_left hE' h1u) (u * (S + abs x))
  have e5 : (1 + u) * ((P - 1) * (S + abs x)) + u * (S + abs x) = (P * (1 + u) - 1) * (S + abs x) := by
    rw [← mul_assoc (1 + u) (P - 1) (S + abs x), ← add_mul ((1 + u) * (P - 1)) u (S + abs x),
      grow_id P u]
  rw [e4] at t3
  rw [← e5]
  exact le_trans t3 t4

theorem fl_sum_error_succ (fladd : α → α → α) (u : α) (hu : 0 ≤ u)
    (hfl : ∀ p q : α, abs (fladd p q - (p + q)) ≤ u * abs (p + q)) (a : Nat → α) :
    (k : Nat) → abs (flSum fladd a (k+1) - sumN a (k+1))
      ≤ (pw (1 + u) k - 1) * sumN (fun i => abs (a i)) (k+1)
  | 0 => by
    show abs (a 0 - (0 + a 0)) ≤ (1 - 1) * (0 + abs (a 0))
    rw [zero_add (a 0), sub_self (a 0), sub_self (1 : α), zero_mul (0 + abs (a 0)), abs_zero]
    exact le_refl 0
  | k+1 => fl_sum_step hu (one_le_pw hu k) (hfl (flSum fladd a (k+1)) (a (k+1)))
      (fl_sum_error_succ fladd u hu hfl a k) (abs_sumN_le a (k+1))

end

end OF

section
variable {α : Type} [OrdField α]

/-- mirrors: fl_sum_error. Recursive summation ŝ of a_0..a_(n-1) with an addition obeying
|fl(p + q) - (p + q)| ≤ u |p + q| (u ≥ 0) satisfies |ŝ - s| ≤ ((1 + u)^(n-1) - 1) Σ|a_i|. -/
theorem fl_sum_error (fladd : α → α → α) (u : α) (hu : 0 ≤ u)
    (hfl : ∀ p q : α, OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q)) (a : Nat → α) (n : Nat) :
    OF.abs (OF.flSum fladd a n - OF.sumN a n)
      ≤ (OF.pw (1 + u) (n - 1) - 1) * OF.sumN (fun i => OF.abs (a i)) n :=
  match n with
  | 0 => OF.le_of_eq ((congrArg OF.abs (OF.sub_self (0 : α))).trans
      (OF.abs_zero.trans (OF.mul_zero (OF.pw (1 + u) (0 - 1) - 1)).symm))
  | k+1 => OF.fl_sum_error_succ fladd u hu hfl a k

/-- mirrors: fl_sign_test. If |d - (x - y)| ≤ u |x - y|, 0 ≤ u < 1, 0 ≤ e, (1 + u) e ≤ T and
T < d, then e < x - y. -/
theorem fl_sign_test {x y d u e T : α} (hd : OF.abs (d - (x - y)) ≤ u * OF.abs (x - y))
    (hu0 : 0 ≤ u) (hu1 : u < 1) (he : 0 ≤ e) (hT : (1 + u) * e ≤ T) (hTd : T < d) :
    e < x - y := by
  -- d ≤ u |z| + z, where z = x - y
  have hdz : d ≤ u * OF.abs (x - y) + (x - y) := by
    have h := OF.add_le_add_right (OF.abs_le_elim hd).2 (x - y)
    rw [OF.sub_add_cancel d (x - y)] at h
    exact h
  have h1u : 0 ≤ 1 + u := OF.add_nonneg OF.zero_le_one hu0
  exact OF.orE (OF.abs_cases (x - y))
    (fun hz => by
      -- z ≥ 0: (1 + u) e ≤ T < d ≤ (1 + u) z
      rw [hz.2] at hdz
      have e1 : u * (x - y) + (x - y) = (1 + u) * (x - y) := by
        rw [OF.add_mul 1 u (x - y), OF.one_mul (x - y), OF.add_comm (u * (x - y)) (x - y)]
      rw [e1] at hdz
      exact OF.lt_of_mul_lt_mul_left h1u (OF.lt_of_le_of_lt hT (OF.lt_of_lt_of_le hTd hdz)))
    (fun hz => by
      -- z ≤ 0: d ≤ (1 - u) z ≤ 0 ≤ (1 + u) e ≤ T < d, impossible
      rw [hz.2] at hdz
      have e1 : u * -(x - y) + (x - y) = (1 - u) * (x - y) := by
        rw [OF.mul_neg u (x - y), OF.sub_mul 1 u (x - y), OF.one_mul (x - y), OF.add_comm (-(u * (x - y))) (x - y)]
        exact (OF.sub_def (x - y) (u * (x - y))).symm
      rw [e1] at hdz
      have h1 : (1 - u) * (x - y) ≤ 0 :=
        OF.mul_nonpos_of_nonneg_of_nonpos (OF.le_of_lt (OF.sub_pos_of_lt hu1)) hz.1
      have h2 : 0 ≤ T := OF.le_trans (OF.mul_nonneg h1u he) hT
      exact False.elim (OF.not_le_of_lt (OF.lt_of_le_of_lt h2 hTd) (OF.le_trans hdz h1)))

end
