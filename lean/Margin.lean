/-!
# Margin.lean: the model's margin

Rules `margin_decomposition`, `softmax_shift`, `min_of_sum`.

The model: one attention-only layer read at the last position. Source position `i < n`
holds token `t i` and gets attention weight `w i = exp (s i)`; with `Z = Σ w i`,
`logit k = EUPU k + (Σ_i w i * (EVOU (t i) k + PVOU i k)) / Z`, where `EUPU k` is the direct
path of the query (its embedding and position through the unembedding, `EUPU[q]`).
-/

namespace OF

section
variable {α : Type} [OrdField α]

/-- The logit for output `k` of the one-layer attention-only model read at the last position. -/
def logit (w : Nat → α) (n : Nat) (t : Nat → Nat) (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α)
    (k : Nat) : α :=
  EUPU k + sumN (fun i => w i * (EVOU (t i) k + PVOU i k)) n / sumN w n

/-- `G_j(t, i) = (EVOU[t] + PVOU[i] + EUPU[q])_m - (EVOU[t] + PVOU[i] + EUPU[q])_j`. -/
def gap (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α) (m j tok i : Nat) : α :=
  (EVOU tok m + PVOU i m + EUPU m) - (EVOU tok j + PVOU i j + EUPU j)

theorem lt_iff_sub_pos (a b : α) : a < b ↔ 0 < b - a := ⟨sub_pos_of_lt, lt_of_sub_pos⟩
theorem le_iff_sub_nonneg (a b : α) : a ≤ b ↔ 0 ≤ b - a := ⟨sub_nonneg_of_le, le_of_sub_nonneg⟩

/-- Scaling by a positive number keeps the sign: `0 < x ↔ 0 < c * x`. -/
theorem pos_iff_mul_pos {c x : α} (hc : 0 < c) : 0 < x ↔ 0 < c * x :=
  ⟨fun h => mul_pos hc h, fun h => pos_of_mul_pos_left hc h⟩

theorem nonneg_iff_mul_nonneg {c x : α} (hc : 0 < c) : 0 ≤ x ↔ 0 ≤ c * x :=
  ⟨fun h => mul_nonneg (le_of_lt hc) h, fun h => nonneg_of_mul_nonneg_left hc h⟩

theorem iff_of_eq_pos {a b : α} (e : a = b) : 0 < a ↔ 0 < b :=
  ⟨fun h => Eq.subst (motive := fun (t : α) => 0 < t) e h, fun h => Eq.subst (motive := fun (t : α) => 0 < t) e.symm h⟩

theorem iff_of_eq_nonneg {a b : α} (e : a = b) : 0 ≤ a ↔ 0 ≤ b :=
  ⟨fun h => Eq.subst (motive := fun (t : α) => 0 ≤ t) e h, fun h => Eq.subst (motive := fun (t : α) => 0 ≤ t) e.symm h⟩

/-- `Z * (A / Z) = A` for `Z ≠ 0`. -/
theorem mul_div_cancel' (Z A : α) (hZ : Z = 0 → False) : Z * (A / Z) = A := by
  rw [div_def A Z, mul_left_comm Z A (OrdField.inv Z), mul_inv Z hZ, mul_one A]

/-- `Σ w_i ((p_i + c) - (q_i + d)) = (Σ w_i p_i - Σ w_i q_i) + Σ w_i * (c - d)`. -/
theorem sum_gap (w p q : Nat → α) (c d : α) (n : Nat) :
    sumN (fun i => w i * ((p i + c) - (q i + d))) n
      = (sumN (fun i => w i * p i) n - sumN (fun i => w i * q i) n) + sumN w n * (c - d) := by
  have e1 : sumN (fun i => w i * ((p i + c) - (q i + d))) n
      = sumN (fun i => (w i * p i - w i * q i) + w i * (c - d)) n :=
    sumN_congr _ _ n (fun i _ => by
      show w i * ((p i + c) - (q i + d)) = (w i * p i - w i * q i) + w i * (c - d)
      rw [add_sub_add (p i) c (q i) d, mul_add (w i) (p i - q i) (c - d), mul_sub (w i) (p i) (q i)])
  rw [e1, sumN_add (fun i => w i * p i - w i * q i) (fun i => w i * (c - d)) n,
    sumN_sub (fun i => w i * p i) (fun i => w i * q i) n, sumN_mul_right (c - d) w n]

/-- The decomposition with plain variables: `Z ((Em + Am/Z) - (Ej + Aj/Z)) = (Am - Aj) + Z (Em - Ej)`. -/
theorem margin_alg (Z Am Aj Em Ej : α) (hZ : Z = 0 → False) :
    Z * ((Em + Am / Z) - (Ej + Aj / Z)) = (Am - Aj) + Z * (Em - Ej) := by
  rw [add_sub_add Em (Am / Z) Ej (Aj / Z), mul_add Z (Em - Ej) (Am / Z - Aj / Z),
    mul_sub Z (Am / Z) (Aj / Z), mul_div_cancel' Z Am hZ, mul_div_cancel' Z Aj hZ,
    add_comm (Z * (Em - Ej)) (Am - Aj)]

/-- The algebra of the decomposition, for any weights with nonzero total. -/
theorem margin_identity (w : Nat → α) (n : Nat) (t : Nat → Nat) (EVOU PVOU : Nat → Nat → α)
    (EUPU : Nat → α) (m j : Nat) (hZ : sumN w n = 0 → False) :
    sumN w n * (logit w n t EVOU PVOU EUPU m - logit w n t EVOU PVOU EUPU j)
      = sumN (fun i => w i * gap EVOU PVOU EUPU m j (t i) i) n := by
  have e1 := sum_gap w (fun i => EVOU (t i) m + PVOU i m) (fun i => EVOU (t i) j + PVOU i j)
    (EUPU m) (EUPU j) n
  have e2 : sumN (fun i => w i * gap EVOU PVOU EUPU m j (t i) i) n
      = sumN (fun i => w i * (((EVOU (t i) m + PVOU i m) + EUPU m)
          - ((EVOU (t i) j + PVOU i j) + EUPU j))) n := rfl
  rw [e2, e1]
  exact margin_alg (sumN w n) (sumN (fun i => w i * (EVOU (t i) m + PVOU i m)) n)
    (sumN (fun i => w i * (EVOU (t i) j + PVOU i j)) n) (EUPU m) (EUPU j) hZ

/-- Scaling every weight by the same `C > 0` leaves the logits unchanged, so the kernel may use
weights `w i = exp (s i)` "up to a constant". -/
theorem logit_scale (C : α) (hC : 0 < C) (w : Nat → α) (n : Nat) (t : Nat → Nat)
    (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α) (k : Nat) (hZ : sumN w n = 0 → False) :
    logit (fun i => C * w i) n t EVOU PVOU EUPU k = logit w n t EVOU PVOU EUPU k := by
  have e1 : sumN (fun i => C * w i * (EVOU (t i) k + PVOU i k)) n
      = C * sumN (fun i => w i * (EVOU (t i) k + PVOU i k)) n :=
    (sumN_congr _ (fun i => C * (w i * (EVOU (t i) k + PVOU i k))) n
      (fun i _ => mul_assoc C (w i) (EVOU (t i) k + PVOU i k))).trans
      (sumN_mul_left C (fun i => w i * (EVOU (t i) k + PVOU i k)) n)
  show EUPU k + sumN (fun i => C * w i * (EVOU (t i) k + PVOU i k)) n / sumN (fun i => C * w i) n
    = EUPU k + sumN (fun i => w i * (EVOU (t i) k + PVOU i k)) n / sumN w n
  rw [e1, sumN_mul_left C w n,
    div_cancel_left C (sumN (fun i => w i * (EVOU (t i) k + PVOU i k)) n) (sumN w n)
      (ne_zero_of_pos hC) hZ]

/-- `minUpTo g k = min (g 0, ..., g k)`. -/
def minUpTo (g : Nat → α) : Nat → α
  | 0 => g 0
  | k+1 => min2 (minUpTo g k) (g (k+1))

theorem minUpTo_le (g : Nat → α) : (k j : Nat) → nlt j (k+1) → minUpTo g k ≤ g j
  | 0, 0, _ => le_refl (g 0)
  | 0, _+1, h => False.elim h
  | k+1, j, h => orE (nlt_succ_cases j (k+1) h)
      (fun h' => le_trans (min2_le_left (minUpTo g k) (g (k+1))) (minUpTo_le g k j h'))
      (fun e => Eq.subst (motive := fun x => minUpTo g (k+1) ≤ g x) e.symm
        (min2_le_right (minUpTo g k) (g (k+1))))

end

end OF

section
variable {α : Type} [OrdField α]

/-- mirrors: margin_decomposition. With w_i = exp(s_i) > 0 and Z = Σ w_i over n ≥ 1 positions:
Z > 0, Z (logit_m - logit_j) = Σ_i w_i G_j(t_i, i), and logit_m > logit_j iff
Σ_i w_i G_j(t_i, i) > 0. -/
theorem margin_decomposition (exp : α → α) (exp_pos : ∀ a, 0 < exp a) (s : Nat → α) (n : Nat)
    (hn : OF.nlt 0 n) (t : Nat → Nat) (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α) (m j : Nat) :
    0 < OF.sumN (fun i => exp (s i)) n ∧
    OF.sumN (fun i => exp (s i)) n
        * (OF.logit (fun i => exp (s i)) n t EVOU PVOU EUPU m
          - OF.logit (fun i => exp (s i)) n t EVOU PVOU EUPU j)
      = OF.sumN (fun i => exp (s i) * OF.gap EVOU PVOU EUPU m j (t i) i) n ∧
    (OF.logit (fun i => exp (s i)) n t EVOU PVOU EUPU j
        < OF.logit (fun i => exp (s i)) n t EVOU PVOU EUPU m
      ↔ 0 < OF.sumN (fun i => exp (s i) * OF.gap EVOU PVOU EUPU m j (t i) i) n) := by
  have hZ : 0 < OF.sumN (fun i => exp (s i)) n :=
    OF.sumN_pos (fun i => exp (s i)) n hn (fun i _ => exp_pos (s i))
  have e := OF.margin_identity (fun i => exp (s i)) n t EVOU PVOU EUPU m j (OF.ne_zero_of_pos hZ)
  exact ⟨hZ, e, OF.iff_trans3 (OF.lt_iff_sub_pos _ _) (OF.pos_iff_mul_pos hZ) (OF.iff_of_eq_pos e)⟩

/-- mirrors: softmax_shift. For w_i > 0 (i < n, n ≥ 1) and Z = Σ w_i:
(Σ w_i g_i) / Z ≥ μ iff Σ w_i (g_i - μ) ≥ 0, and the same with strict inequalities. -/
theorem softmax_shift (w g : Nat → α) (mu : α) (n : Nat) (hn : OF.nlt 0 n)
    (hw : ∀ i, OF.nlt i n → 0 < w i) :
    (mu ≤ OF.sumN (fun i => w i * g i) n / OF.sumN w n
      ↔ 0 ≤ OF.sumN (fun i => w i * (g i - mu)) n) ∧
    (mu < OF.sumN (fun i => w i * g i) n / OF.sumN w n
      ↔ 0 < OF.sumN (fun i => w i * (g i - mu)) n) := by
  have hZ : 0 < OF.sumN w n := OF.sumN_pos w n hn hw
  -- Σ w_i (g_i - μ) = Z * (A / Z - μ), where A = Σ w_i g_i
  have e : OF.sumN w n * (OF.sumN (fun i => w i * g i) n / OF.sumN w n - mu)
      = OF.sumN (fun i => w i * (g i - mu)) n := by
    have e1 : OF.sumN (fun i => w i * (g i - mu)) n
        = OF.sumN (fun i => w i * g i - w i * mu) n :=
      OF.sumN_congr _ _ n (fun i _ => OF.mul_sub (w i) (g i) mu)
    rw [e1, OF.sumN_sub (fun i => w i * g i) (fun i => w i * mu) n, OF.sumN_mul_right mu w n,
      OF.mul_sub (OF.sumN w n) _ mu,
      OF.mul_div_cancel' (OF.sumN w n) (OF.sumN (fun i => w i * g i) n) (OF.ne_zero_of_pos hZ)]
  exact ⟨OF.iff_trans3 (OF.le_iff_sub_nonneg _ _) (OF.nonneg_iff_mul_nonneg hZ) (OF.iff_of_eq_nonneg e),
    OF.iff_trans3 (OF.lt_iff_sub_pos _ _) (OF.pos_iff_mul_pos hZ) (OF.iff_of_eq_pos e)⟩

/-- mirrors: min_of_sum. For every j ≤ k: Σ_{t<n} f_t(j) ≥ Σ_{t<n} min_{j' ≤ k} f_t(j'). -/
theorem min_of_sum (f : Nat → Nat → α) (n k j : Nat) (hj : OF.nlt j (k+1)) :
    OF.sumN (fun t => OF.minUpTo (f t) k) n ≤ OF.sumN (fun t => f t j) n :=
  OF.sumN_le _ _ n (fun t _ => OF.minUpTo_le (f t) k j hj)

/-- supports: min_of_sum. The same with any per-term lower bounds `lb t ≤ f t j'`. -/
theorem min_of_sum_bound (f : Nat → Nat → α) (lb : Nat → α) (n : Nat)
    (h : ∀ t, OF.nlt t n → ∀ j', lb t ≤ f t j') (j : Nat) :
    OF.sumN lb n ≤ OF.sumN (fun t => f t j) n :=
  OF.sumN_le _ _ n (fun t ht => h t ht j)

end
