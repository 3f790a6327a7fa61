/-!
# Subcubic.lean: the sub-cubic proof's rules

Rules `lowrank_peel`, `spread_of_row`, `row_spread_maxdiff`, `row_spread_gram`, `gap_weights`,
`slot_extremes`, `attention_monotone`, `convex_logit_bound`, `convex_endpoint`,
`envelope_chords`, `meandiff_bilinear` (`checker/rules/`, composed by `checker/proofs/subcubic.py`).

Then the composition (`subcubic_sound`, `subcubic_count_sound`): every input of a case whose
bound the kernel computes `< 0` is correct, and the kernel's count of the cases' inputs is at most
the number of correct inputs.

A matrix is its entry function `Nat → Nat → α`; `mmul n A B` is the product over an inner
dimension `n`. Entries outside a matrix's shape are never read by a product, so the identities
hold entry by entry with no shape hypotheses. A row is `Nat → α`, a set of indices a mask
`Nat → Bool` (as in `Cubic.lean`). The helpers live in namespace `SC`.
-/

namespace SC

/-- Boolean negation (our own, so the file does not depend on a library name). -/
def bnot : Bool → Bool
  | true => false
  | false => true

section
variable {α : Type} [OrdField α]

/-! ## Maxima -/

def maxD (a b : α) : Decidable (a ≤ b) → α
  | Decidable.isTrue _ => b
  | Decidable.isFalse _ => a

/-- `max2 a b` is `b` if `a ≤ b`, else `a`. -/
def max2 (a b : α) : α := maxD a b (OrdField.decLe a b)

theorem maxD_cases (a b : α) : (d : Decidable (a ≤ b)) →
    (a ≤ b ∧ maxD a b d = b) ∨ (b ≤ a ∧ maxD a b d = a)
  | Decidable.isTrue h => Or.inl ⟨h, rfl⟩
  | Decidable.isFalse h => Or.inr ⟨OF.le_of_not_le h, rfl⟩

theorem max2_cases (a b : α) : (a ≤ b ∧ max2 a b = b) ∨ (b ≤ a ∧ max2 a b = a) :=
  maxD_cases a b (OrdField.decLe a b)

theorem le_max2_left (a b : α) : a ≤ max2 a b :=
  OF.orE (max2_cases a b) (fun h => by rw [h.2]; exact h.1) (fun h => OF.le_of_eq h.2.symm)

theorem le_max2_right (a b : α) : b ≤ max2 a b :=
  OF.orE (max2_cases a b) (fun h => OF.le_of_eq h.2.symm) (fun h => by rw [h.2]; exact h.1)

theorem max2_le {a b c : α} (h1 : a ≤ c) (h2 : b ≤ c) : max2 a b ≤ c :=
  OF.orE (max2_cases a b) (fun h => by rw [h.2]; exact h2) (fun h => by rw [h.2]; exact h1)

theorem max2_mono {a b c d : α} (h1 : a ≤ c) (h2 : b ≤ d) : max2 a b ≤ max2 c d :=
  max2_le (OF.le_trans h1 (le_max2_left c d)) (OF.le_trans h2 (le_max2_right c d))

/-- `maxUpTo g k = max (g 0, ..., g k)` (a nonempty row). -/
def maxUpTo (g : Nat → α) : Nat → α
  | 0 => g 0
  | k+1 => max2 (maxUpTo g k) (g (k+1))

theorem le_maxUpTo (g : Nat → α) : (k j : Nat) → OF.nlt j (k+1) → g j ≤ maxUpTo g k
  | 0, 0, _ => OF.le_refl (g 0)
  | 0, _+1, h => False.elim h
  | k+1, j, h => OF.orE (OF.nlt_succ_cases j (k+1) h)
      (fun h' => OF.le_trans (le_maxUpTo g k j h') (le_max2_left (maxUpTo g k) (g (k+1))))
      (fun e => Eq.subst (motive := fun x => g x ≤ maxUpTo g (k+1)) e.symm
        (le_max2_right (maxUpTo g k) (g (k+1))))

/-- A bound on every term plus a constant bounds the maximum plus the constant. -/
theorem maxUpTo_add_le (g : Nat → α) (c B : α) : (k : Nat) → (∀ j, OF.nlt j (k+1) → g j + c ≤ B) →
    maxUpTo g k + c ≤ B
  | 0, h => h 0 (OF.nlt_zero_succ 0)
  | k+1, h =>
    have ih : maxUpTo g k + c ≤ B := maxUpTo_add_le g c B k (fun j hj => h j (OF.nlt_step j (k+1) hj))
    have hk : g (k+1) + c ≤ B := h (k+1) (OF.nlt_succ_self (k+1))
    OF.orE (max2_cases (maxUpTo g k) (g (k+1)))
      (fun e => by
        show max2 (maxUpTo g k) (g (k+1)) + c ≤ B
        rw [e.2]
        exact hk)
      (fun e => by
        show max2 (maxUpTo g k) (g (k+1)) + c ≤ B
        rw [e.2]
        exact ih)

/-! ## Small algebra -/

theorem le_add_of_nonneg_left {a b : α} (hb : 0 ≤ b) : a ≤ b + a := by
  have h := OF.add_le_add_right hb a
  rw [OF.zero_add a] at h
  exact h

theorem mul_self_nonneg (a : α) : 0 ≤ a * a :=
  OF.orE (OF.le_total 0 a) (fun h => OF.mul_nonneg h h) (fun h => OF.mul_nonneg_of_nonpos_of_nonpos h h)

theorem mul_lt_mul_of_pos_left {a b c : α} (h : a < b) (hc : 0 < c) : c * a < c * b := by
  have h2 := OF.mul_pos hc (OF.sub_pos_of_lt h)
  rw [OF.mul_sub c b a] at h2
  exact OF.lt_of_sub_pos h2

/-- `0 ≤ e` and `y² ≤ e²` give `y ≤ e`. -/
theorem le_of_mul_self_le {y e : α} (he : 0 ≤ e) (h : y * y ≤ e * e) : y ≤ e :=
  match OrdField.decLe y e with
  | Decidable.isTrue h' => h'
  | Decidable.isFalse h' =>
    have hlt : e < y := OF.lt_of_not_le h'
    have hy : 0 < y := OF.lt_of_le_of_lt he hlt
    have h1 : e * e ≤ e * y := OF.mul_le_mul_of_nonneg_left (OF.le_of_lt hlt) he
    have h2 : y * e < y * y := mul_lt_mul_of_pos_left hlt hy
    have h3 : e * e < y * y := by
      rw [OF.mul_comm e y] at h1
      exact OF.lt_of_le_of_lt h1 h2
    False.elim (OF.not_le_of_lt h3 h)

/-- `c x ≤ |c| s` when `-s ≤ x ≤ s`. -/
theorem mul_le_abs_mul {c x s : α} (h1 : x ≤ s) (h2 : -x ≤ s) : c * x ≤ OF.abs c * s :=
  OF.orE (OF.abs_cases c)
    (fun h => by rw [h.2]; exact OF.mul_le_mul_of_nonneg_left h1 h.1)
    (fun h => by
      rw [h.2, ← OF.neg_mul_neg c x]
      exact OF.mul_le_mul_of_nonneg_left h2 (OF.neg_nonneg_of_nonpos h.1))

theorem div_add_div (x y s : α) : x / s + y / s = (x + y) / s := by
  rw [OF.div_def x s, OF.div_def y s, OF.div_def (x + y) s, OF.add_mul x y (OrdField.inv s)]

theorem mul_div_assoc' (S T D : α) : S * (T / D) = S * T / D :=
  (OF.mul_assoc S T (OrdField.inv D)).symm

/-- `a / b ≤ c / d` from `a d ≤ c b` for positive `b`, `d`. -/
theorem div_le_div_of_mul_le {a b c d : α} (hb : 0 < b) (hd : 0 < d) (h : a * d ≤ c * b) :
    a / b ≤ c / d := by
  have hk : 0 ≤ OrdField.inv b * OrdField.inv d :=
    OF.mul_nonneg (OF.le_of_lt (OF.inv_pos hb)) (OF.le_of_lt (OF.inv_pos hd))
  have h2 := OF.mul_le_mul_of_nonneg_right h hk
  rw [OF.mul_assoc a d (OrdField.inv b * OrdField.inv d), OF.mul_left_comm d (OrdField.inv b) (OrdField.inv d),
    OF.mul_inv d (OF.ne_zero_of_pos hd), OF.mul_one (OrdField.inv b),
    OF.mul_assoc c b (OrdField.inv b * OrdField.inv d), ← OF.mul_assoc b (OrdField.inv b) (OrdField.inv d),
    OF.mul_inv b (OF.ne_zero_of_pos hb), OF.one_mul (OrdField.inv d)] at h2
  exact h2

/-- `L + A S = (L + x S) + (A - x) S`. -/
theorem line_shift (L S x A : α) : L + A * S = L + x * S + (A - x) * S := by
  rw [OF.add_assoc L (x * S) ((A - x) * S), ← OF.add_mul x (A - x) S, OF.add_sub_cancel' x A]

/-- `L + x S + (1 - x) w + u = (L + w + u) + x (S - w)`: affine in `x`. -/
theorem affine_form (L S w u x : α) : L + x * S + (1 - x) * w + u = L + w + u + x * (S - w) := by
  rw [OF.sub_mul 1 x w, OF.one_mul w, OF.mul_sub x S w, OF.sub_def w (x * w), OF.sub_def (x * S) (x * w),
    OF.add4 L (x * S) w (-(x * w)), OF.add_right_comm (L + w) (x * S + -(x * w)) u]

/-! ## Natural numbers in the field, constant sums, two terms of a sum -/

theorem ofN_nonneg : (n : Nat) → (0 : α) ≤ OF.ofN n
  | 0 => OF.le_refl 0
  | n+1 => OF.add_nonneg (ofN_nonneg n) OF.zero_le_one

theorem ofN_pos : (n : Nat) → OF.nlt 0 n → (0 : α) < OF.ofN n
  | 0, h => False.elim h
  | n+1, _ => OF.add_pos_of_nonneg_of_pos (ofN_nonneg n) OF.zero_lt_one

theorem sumN_const (c : α) : (n : Nat) → OF.sumN (fun _ => c) n = OF.ofN n * c
  | 0 => (OF.zero_mul c).symm
  | n+1 => by
    show OF.sumN (fun _ => c) n + c = (OF.ofN n + 1) * c
    rw [sumN_const c n, OF.add_mul (OF.ofN n) 1 c, OF.one_mul c]

theorem le_sumN_one (f : Nat → α) : (n : Nat) → (∀ k, OF.nlt k n → 0 ≤ f k) →
    ∀ i, OF.nlt i n → f i ≤ OF.sumN f n
  | 0, _, _, hi => False.elim hi
  | n+1, hf, i, hi => OF.orE (OF.nlt_succ_cases i n hi)
      (fun h => OF.le_trans (le_sumN_one f n (fun k hk => hf k (OF.nlt_step k n hk)) i h)
        (OF.le_add_of_nonneg_right (hf n (OF.nlt_succ_self n))))
      (fun e => by
        rw [e]
        exact le_add_of_nonneg_left (OF.sumN_nonneg f n (fun k hk => hf k (OF.nlt_step k n hk))))

/-- Two different terms of a sum of nonnegative terms are at most the sum. -/
theorem le_sumN_two (f : Nat → α) : (n : Nat) → (∀ k, OF.nlt k n → 0 ≤ f k) →
    ∀ i j, OF.nlt i n → OF.nlt j n → (i = j → False) → f i + f j ≤ OF.sumN f n
  | 0, _, _, _, hi, _, _ => False.elim hi
  | n+1, hf, i, j, hi, hj, hne =>
    have hf' : ∀ k, OF.nlt k n → 0 ≤ f k := fun k hk => hf k (OF.nlt_step k n hk)
    have hfn : 0 ≤ f n := hf n (OF.nlt_succ_self n)
    OF.orE (OF.nlt_succ_cases i n hi)
      (fun hi' => OF.orE (OF.nlt_succ_cases j n hj)
        (fun hj' => OF.le_trans (le_sumN_two f n hf' i j hi' hj' hne) (OF.le_add_of_nonneg_right hfn))
        (fun ej => by
          rw [ej]
          exact OF.add_le_add_right (le_sumN_one f n hf' i hi') (f n)))
      (fun ei => OF.orE (OF.nlt_succ_cases j n hj)
        (fun hj' => by
          rw [ei, OF.add_comm (f n) (f j)]
          exact OF.add_le_add_right (le_sumN_one f n hf' j hj') (f n))
        (fun ej => False.elim (hne (ei.trans ej.symm))))

/-- `sumN f (n+1) = f 0 + Σ_{i<n} f (i+1)`. -/
theorem sumN_succ_left (f : Nat → α) : (n : Nat) → OF.sumN f (n+1) = f 0 + OF.sumN (fun i => f (i+1)) n
  | 0 => by
    show OF.sumN f 0 + f 0 = f 0 + 0
    rw [OF.sumN_zero f, OF.zero_add (f 0), OF.add_zero (f 0)]
  | n+1 => by
    show OF.sumN f (n+1) + f (n+1) = f 0 + (OF.sumN (fun i => f (i+1)) n + f (n+1))
    rw [sumN_succ_left f n, OF.add_assoc (f 0) (OF.sumN (fun i => f (i+1)) n) (f (n+1))]

/-- Finite sums commute. -/
theorem sumN_swap (g : Nat → Nat → α) (n : Nat) : (m : Nat) →
    OF.sumN (fun l => OF.sumN (fun i => g l i) m) n = OF.sumN (fun i => OF.sumN (fun l => g l i) n) m
  | 0 => OF.sumN_const_zero n
  | m+1 => by
    show OF.sumN (fun l => OF.sumN (fun i => g l i) m + g l m) n
      = OF.sumN (fun i => OF.sumN (fun l => g l i) n) m + OF.sumN (fun l => g l m) n
    rw [OF.sumN_add (fun l => OF.sumN (fun i => g l i) m) (fun l => g l m) n, sumN_swap g n m]

/-! ## Matrices and the telescoping peel -/

/-- `mmul n A B`: `(A B)[r, s] = Σ_{l<n} A[r, l] B[l, s]` (inner dimension `n`). -/
def mmul (n : Nat) (A B : Nat → Nat → α) : Nat → Nat → α :=
  fun r s => OF.sumN (fun l => A r l * B l s) n

/-- `msub A B`, entry by entry. -/
def msub (A B : Nat → Nat → α) : Nat → Nat → α := fun r s => A r s - B r s

/-- `chain F d k = F 0 F 1 ⋯ F k` (k+1 factors; factor `i` has `d i` rows and `d (i+1)` columns). -/
def chain : (F : Nat → Nat → Nat → α) → (d : Nat → Nat) → Nat → Nat → Nat → α
  | F, _, 0 => F 0
  | F, d, k+1 => mmul (d 1) (F 0) (chain (fun i => F (i+1)) (fun i => d (i+1)) k)

/-- `term F P d i k = F'_0 ⋯ F'_{i-1} P_i F_{i+1} ⋯ F_k` for `i ≤ k`, with `F'_l = F_l - P_l`
(the `i`-th term of the telescoping sum; `0` for `i > k`, never used). -/
def term : (F P : Nat → Nat → Nat → α) → (d : Nat → Nat) → Nat → Nat → Nat → Nat → α
  | _, P, _, 0, 0 => P 0
  | F, P, d, 0, k+1 => mmul (d 1) (P 0) (chain (fun l => F (l+1)) (fun l => d (l+1)) k)
  | _, _, _, _+1, 0 => fun _ _ => 0
  | F, P, d, i+1, k+1 => mmul (d 1) (msub (F 0) (P 0))
      (term (fun l => F (l+1)) (fun l => P (l+1)) (fun l => d (l+1)) i k)

/-- `f x = p x + ((f - p) t + (f - p) x')` when `x = t + x'`. -/
theorem peel_alg (f p x t x' : α) (h : x = t + x') : f * x = p * x + ((f - p) * t + (f - p) * x') := by
  rw [← OF.mul_add (f - p) t x', ← h, ← OF.add_mul p (f - p) x, OF.add_sub_cancel' p f]

theorem peel_sum (n : Nat) (f p x t x' : Nat → α) (h : ∀ l, x l = t l + x' l) :
    OF.sumN (fun l => f l * x l) n
      = OF.sumN (fun l => p l * x l) n
        + (OF.sumN (fun l => (f l - p l) * t l) n + OF.sumN (fun l => (f l - p l) * x' l) n) :=
  (OF.sumN_congr (fun l => f l * x l) (fun l => p l * x l + ((f l - p l) * t l + (f l - p l) * x' l)) n
      (fun l _ => peel_alg (f l) (p l) (x l) (t l) (x' l) (h l))).trans
    ((OF.sumN_add (fun l => p l * x l) (fun l => (f l - p l) * t l + (f l - p l) * x' l) n).trans
      (congrArg (fun z => OF.sumN (fun l => p l * x l) n + z)
        (OF.sumN_add (fun l => (f l - p l) * t l) (fun l => (f l - p l) * x' l) n)))

theorem telescope : (k : Nat) → (F P : Nat → Nat → Nat → α) → (d : Nat → Nat) → (r s : Nat) →
    chain F d k r s
      = OF.sumN (fun i => term F P d i k r s) (k+1) + chain (fun l => msub (F l) (P l)) d k r s
  | 0, F, P, d, r, s => by
    show F 0 r s = (0 + P 0 r s) + (F 0 r s - P 0 r s)
    rw [OF.zero_add (P 0 r s), OF.add_sub_cancel' (P 0 r s) (F 0 r s)]
  | k+1, F, P, d, r, s => by
    have h1 := peel_sum (d 1) (fun l => F 0 r l) (fun l => P 0 r l)
      (fun l => chain (fun i => F (i+1)) (fun i => d (i+1)) k l s)
      (fun l => OF.sumN (fun i => term (fun j => F (j+1)) (fun j => P (j+1)) (fun j => d (j+1)) i k l s) (k+1))
      (fun l => chain (fun j => msub (F (j+1)) (P (j+1))) (fun j => d (j+1)) k l s)
      (fun l => telescope k (fun i => F (i+1)) (fun i => P (i+1)) (fun i => d (i+1)) l s)
    have h2 : OF.sumN (fun l => (F 0 r l - P 0 r l)
          * OF.sumN (fun i => term (fun j => F (j+1)) (fun j => P (j+1)) (fun j => d (j+1)) i k l s) (k+1)) (d 1)
        = OF.sumN (fun i => term F P d (i+1) (k+1) r s) (k+1) :=
      (OF.sumN_congr _ (fun l => OF.sumN (fun i => (F 0 r l - P 0 r l)
          * term (fun j => F (j+1)) (fun j => P (j+1)) (fun j => d (j+1)) i k l s) (k+1)) (d 1)
        (fun l _ => (OF.sumN_mul_left (F 0 r l - P 0 r l)
          (fun i => term (fun j => F (j+1)) (fun j => P (j+1)) (fun j => d (j+1)) i k l s) (k+1)).symm)).trans
      (sumN_swap (fun l i => (F 0 r l - P 0 r l)
          * term (fun j => F (j+1)) (fun j => P (j+1)) (fun j => d (j+1)) i k l s) (d 1) (k+1))
    have h3 : OF.sumN (fun i => term F P d i (k+1) r s) (k+1+1)
        = OF.sumN (fun l => P 0 r l * chain (fun i => F (i+1)) (fun i => d (i+1)) k l s) (d 1)
          + OF.sumN (fun i => term F P d (i+1) (k+1) r s) (k+1) :=
      sumN_succ_left (fun i => term F P d i (k+1) r s) (k+1)
    show OF.sumN (fun l => F 0 r l * chain (fun i => F (i+1)) (fun i => d (i+1)) k l s) (d 1)
      = OF.sumN (fun i => term F P d i (k+1) r s) (k+1+1)
        + OF.sumN (fun l => (F 0 r l - P 0 r l)
          * chain (fun j => msub (F (j+1)) (P (j+1))) (fun j => d (j+1)) k l s) (d 1)
    rw [h1, h2, h3]
    exact (OF.add_assoc _ _ _).symm


/-! ## Row spreads -/

/-- `l x - l y = (l - a)(x - y) + (a x - a y)`. -/
theorem maxdiff_alg (l a x y : α) : l * x - l * y = (l - a) * (x - y) + (a * x - a * y) := by
  rw [← OF.mul_sub l x y, ← OF.mul_sub a x y, ← OF.add_mul (l - a) a (x - y), OF.sub_add_cancel l a]

/-- `(y + z)² + (y - z)² = 2 (y² + z²)`. -/
theorem sq_sum (y z : α) : (y + z) * (y + z) + (y - z) * (y - z) = (1 + 1) * (y * y + z * z) := by
  rw [OF.sub_def y z, OF.add_mul y z (y + z), OF.mul_add y y z, OF.mul_add z y z,
    OF.add_mul y (-z) (y + -z), OF.mul_add y y (-z), OF.mul_add (-z) y (-z),
    OF.mul_neg y z, OF.neg_mul z y, OF.neg_mul_neg z z,
    OF.add_mul 1 1 (y * y + z * z), OF.one_mul (y * y + z * z),
    OF.add4 (y * y + y * z) (z * y + z * z) (y * y + -(y * z)) (-(z * y) + z * z),
    OF.add4 (y * y) (y * z) (y * y) (-(y * z)), OF.add_neg (y * z), OF.add_zero (y * y + y * y),
    OF.add4 (z * y) (z * z) (-(z * y)) (z * z), OF.add_neg (z * y), OF.zero_add (z * z + z * z),
    OF.add4 (y * y) (z * z) (y * y) (z * z)]

theorem sq_sub_le (y z : α) : (y - z) * (y - z) ≤ (1 + 1) * (y * y + z * z) := by
  have h : (y - z) * (y - z) ≤ (y - z) * (y - z) + (y + z) * (y + z) :=
    OF.le_add_of_nonneg_right (mul_self_nonneg (y + z))
  rw [OF.add_comm ((y - z) * (y - z)) ((y + z) * (y + z)), sq_sum y z] at h
  exact h

/-- `(x_i - x_j)² ≤ 2 Σ_k (x_k - c)²` for `i, j < d`. -/
theorem gram_pair (x : Nat → α) (c : α) (d i j : Nat) (hi : OF.nlt i d) (hj : OF.nlt j d) :
    (x i - x j) * (x i - x j) ≤ (1 + 1) * OF.sumN (fun k => (x k - c) * (x k - c)) d :=
  have h2 : (0 : α) ≤ 1 + 1 := OF.add_nonneg OF.zero_le_one OF.zero_le_one
  have hsq : ∀ k, OF.nlt k d → 0 ≤ (x k - c) * (x k - c) := fun k _ => mul_self_nonneg (x k - c)
  OF.orE (LC.nat_eq_or i j)
    (fun e => by
      rw [e, OF.sub_self (x j), OF.mul_zero (0 : α)]
      exact OF.mul_nonneg h2 (OF.sumN_nonneg _ d hsq))
    (fun ne => by
      have e : x i - x j = (x i - c) - (x j - c) := (OF.add_sub_add_right (x i) (x j) (-c)).symm
      rw [e]
      exact OF.le_trans (sq_sub_le (x i - c) (x j - c))
        (OF.mul_le_mul_of_nonneg_left
          (le_sumN_two (fun k => (x k - c) * (x k - c)) d hsq i j hi hj ne) h2))

theorem sq_expand (y c : α) : (y - c) * (y - c) = (y * y - y * c) - (c * y - c * c) := by
  rw [OF.sub_mul y c (y - c), OF.mul_sub y y c, OF.mul_sub c y c]

/-- `Σ_k (x_k - c)² = (Σ x_k² - S c) - (c S - d c²)`, `S = Σ x_k`. -/
theorem mean_gen (x : Nat → α) (d : Nat) (c : α) :
    OF.sumN (fun k => (x k - c) * (x k - c)) d
      = (OF.sumN (fun k => x k * x k) d - OF.sumN x d * c) - (c * OF.sumN x d - OF.ofN d * (c * c)) :=
  (OF.sumN_congr _ (fun k => (x k * x k - x k * c) - (c * x k - c * c)) d
      (fun k _ => sq_expand (x k) c)).trans (by
    rw [OF.sumN_sub (fun k => x k * x k - x k * c) (fun k => c * x k - c * c) d,
      OF.sumN_sub (fun k => x k * x k) (fun k => x k * c) d,
      OF.sumN_sub (fun k => c * x k) (fun _ => c * c) d,
      OF.sumN_mul_right c x d, OF.sumN_mul_left c x d, sumN_const (c * c) d])

theorem mean_alg (Q S D : α) (hD : D = 0 → False) :
    (Q - S * (S / D)) - (S / D * S - D * (S / D * (S / D))) = Q - S * S / D := by
  rw [OF.mul_comm (S / D) S, ← OF.mul_assoc D (S / D) (S / D), OF.mul_div_cancel' D S hD,
    OF.sub_self (S * (S / D)), OF.sub_zero (Q - S * (S / D)), mul_div_assoc' S S D]

/-! ## Slot sums, convex combinations -/

theorem sel_neg (x : α) : (b : Bool) → OF.sel b (-x) = -(OF.sel b x)
  | true => rfl
  | false => OF.neg_zero.symm

theorem sel_split (x : α) : (b : Bool) → OF.sel b x + OF.sel (bnot b) x = x
  | true => OF.add_zero x
  | false => OF.zero_add x

theorem logit_term (a g S w : α) (ha : 0 ≤ a) : (b : Bool) → (b = true → g = S) → (b = false → g ≤ w) →
    a * g ≤ OF.sel b a * S + OF.sel (bnot b) a * w
  | true, hS, _ => by
    show a * g ≤ a * S + 0 * w
    rw [OF.zero_mul w, OF.add_zero (a * S)]
    exact OF.le_of_eq (congrArg (fun t => a * t) (hS rfl))
  | false, _, hw => by
    show a * g ≤ 0 * S + a * w
    rw [OF.zero_mul S, OF.zero_add (a * w)]
    exact OF.mul_le_mul_of_nonneg_left (hw rfl) ha

theorem rearrange (U P X Y : α) : U + (X + Y + P) = U + P + X + Y := by
  rw [OF.add_comm (X + Y) P, ← OF.add_assoc U P (X + Y), ← OF.add_assoc (U + P) X Y]

/-! ## Affine functions on an interval -/

/-- An affine function on `[lo, hi]` is at most its larger end value. -/
theorem affine_endpoint (C e lo A hi : α) (h1 : lo ≤ A) (h2 : A ≤ hi) :
    C + A * e ≤ max2 (C + lo * e) (C + hi * e) :=
  OF.orE (OF.le_total 0 e)
    (fun he => OF.le_trans (OF.add_le_add_left (OF.mul_le_mul_of_nonneg_right h2 he) C)
      (le_max2_right (C + lo * e) (C + hi * e)))
    (fun he => OF.le_trans (OF.add_le_add_left (OF.mul_le_mul_of_nonpos_right h1 he) C)
      (le_max2_left (C + lo * e) (C + hi * e)))

/-- A line below `v0` at `x0` and below `v1` at `x1` is, on `[x0, x1]`, below the line through
`(x0, v0)` with any slope `σ` with `v1 - v0 ≤ (x1 - x0) σ` (division-free `envelope_chords`). -/
theorem chord_le {L S x0 x1 v0 v1 A sigma : α} (h0 : L + x0 * S ≤ v0) (h1 : L + x1 * S ≤ v1)
    (hA0 : x0 ≤ A) (hA1 : A ≤ x1) (hsig : v1 - v0 ≤ (x1 - x0) * sigma) :
    L + A * S ≤ v0 + (A - x0) * sigma := by
  have ht : 0 ≤ A - x0 := OF.sub_nonneg_of_le hA0
  have hs : 0 ≤ x1 - A := OF.sub_nonneg_of_le hA1
  have hg : L + A * S ≤ v0 + (A - x0) * S := by
    rw [line_shift L S x0 A]
    exact OF.add_le_add_right h0 ((A - x0) * S)
  exact OF.orE (OF.le_total S sigma)
    (fun hS => OF.le_trans hg (OF.add_le_add_left (OF.mul_le_mul_of_nonneg_left hS ht) v0))
    (fun hS => by
      have hv1 : v1 ≤ v0 + (x1 - x0) * sigma := by
        have h := OF.add_le_add_right hsig v0
        rw [OF.sub_add_cancel v1 v0, OF.add_comm ((x1 - x0) * sigma) v0] at h
        exact h
      have hD : (x1 - x0) * sigma = (A - x0) * sigma + (x1 - A) * sigma := by
        rw [← OF.add_mul (A - x0) (x1 - A) sigma, OF.add_comm (A - x0) (x1 - A), OF.sub_add_sub_cancel x1 A x0]
      have e1 : L + x1 * S = L + A * S + (x1 - A) * S := line_shift L S A x1
      have e2 : v0 + (x1 - x0) * sigma = v0 + (A - x0) * sigma + (x1 - A) * sigma := by
        rw [hD, OF.add_assoc v0 ((A - x0) * sigma) ((x1 - A) * sigma)]
      have h3 : L + A * S + (x1 - A) * sigma ≤ v0 + (A - x0) * sigma + (x1 - A) * sigma :=
        OF.le_trans (OF.add_le_add_left (OF.mul_le_mul_of_nonneg_left hS hs) (L + A * S))
          (OF.le_trans (OF.le_of_eq e1.symm) (OF.le_trans h1 (OF.le_trans hv1 (OF.le_of_eq e2))))
      exact OF.le_of_add_le_add_right h3)


/-! ## Attention weights -/

theorem zero_div (s : α) : 0 / s = 0 := OF.zero_mul (OrdField.inv s)

theorem abs_div_pos (x s : α) (hs : 0 < s) : OF.abs (x / s) = OF.abs x / s := by
  rw [OF.div_def x s, OF.div_def (OF.abs x) s, OF.mul_comm x (OrdField.inv s),
    OF.mul_comm (OF.abs x) (OrdField.inv s)]
  exact OF.abs_mul_of_nonneg (OF.le_of_lt (OF.inv_pos hs))

theorem div_le_div_right {x y s : α} (h : x ≤ y) (hs : 0 < s) : x / s ≤ y / s :=
  OF.mul_le_mul_of_nonneg_right h (OF.le_of_lt (OF.inv_pos hs))

theorem perm6 (P a Q E R b : α) : P + a + (Q + E) + (R + b) = E + a + b + (P + Q + R) := by
  rw [OF.add4 P a Q E, OF.add4 (P + Q) (a + E) R b, OF.add_comm (P + Q + R) (a + E + b), OF.add_comm a E]

/-- The score of key `(t, i)` split as the constant, the token part, the residual's share and the
positional part: `(EQKE_t + EQKP_i)/s = (Err_m/s + a + b) + ((approx_t/s - a) + (Err_t - Err_m)/s
+ (EQKP_i/s - b))`. -/
theorem score_split (EQKEt approxt Errt Errm EQKPi s a b : α) (h : EQKEt = approxt + Errt) :
    (EQKEt + EQKPi) / s = Errm / s + a + b + (approxt / s - a + (Errt - Errm) / s + (EQKPi / s - b)) := by
  rw [← perm6 (approxt / s - a) a ((Errt - Errm) / s) (Errm / s) (EQKPi / s - b) b,
    OF.sub_add_cancel (approxt / s) a, OF.sub_add_cancel (EQKPi / s) b,
    div_add_div (Errt - Errm) Errm s, OF.sub_add_cancel Errt Errm,
    div_add_div approxt Errt s, div_add_div (approxt + Errt) EQKPi s, h]

theorem sumN_sel_neg (rho : Nat → α) (M : Nat → Bool) (n : Nat) :
    OF.sumN (fun i => OF.sel (M i) (-rho i)) n = -OF.sumN (fun i => OF.sel (M i) (rho i)) n :=
  (OF.sumN_congr _ (fun i => -(OF.sel (M i) (rho i))) n (fun i _ => sel_neg (rho i) (M i))).trans
    (OF.sumN_neg (fun i => OF.sel (M i) (rho i)) n)

end

end SC

section
variable {α : Type} [OrdField α]

/-- mirrors: lowrank_peel. For factors F_0, ..., F_k (F_i with d_i rows and d_{i+1} columns)
and any P_i of F_i's shape, with F_i' = F_i - P_i: F_0 ⋯ F_k = Σ_{i ≤ k} F_0' ⋯ F_{i-1}' P_i
F_{i+1} ⋯ F_k + F_0' ⋯ F_k' (telescoping), entry by entry (`SC.chain`, `SC.term`). -/
theorem lowrank_peel (F P : Nat → Nat → Nat → α) (d : Nat → Nat) (k r s : Nat) :
    SC.chain F d k r s
      = OF.sumN (fun i => SC.term F P d i k r s) (k+1) + SC.chain (fun l => SC.msub (F l) (P l)) d k r s :=
  SC.telescope k F P d r s

/-- mirrors: spread_of_row. For a row x_0, ..., x_k (at least one entry): every
x_i - x_j ≤ max_l x_l - min_l x_l. -/
theorem spread_of_row (x : Nat → α) (k i j : Nat) (hi : OF.nlt i (k+1)) (hj : OF.nlt j (k+1)) :
    x i - x j ≤ SC.maxUpTo x k - OF.minUpTo x k :=
  OF.add_le_add (SC.le_maxUpTo x k i hi) (OF.neg_le_neg (OF.minUpTo_le x k j hj))

/-- mirrors: row_spread_maxdiff. For L (rows q, columns k < n), R (rows k < n, columns i < m), a
row vector a, reals s_k ≥ R[k, i] - R[k, j] for all i, j < m, and σ ≥ (aR)_i - (aR)_j for all
i, j < m: (LR)[q, i] - (LR)[q, j] ≤ σ + Σ_k |L[q, k] - a_k| s_k. -/
theorem row_spread_maxdiff (L R : Nat → Nat → α) (a s : Nat → α) (sigma : α) (n m : Nat)
    (hs : ∀ k, OF.nlt k n → ∀ i j, OF.nlt i m → OF.nlt j m → R k i - R k j ≤ s k)
    (hsig : ∀ i j, OF.nlt i m → OF.nlt j m →
      OF.sumN (fun k => a k * R k i) n - OF.sumN (fun k => a k * R k j) n ≤ sigma)
    (q i j : Nat) (hi : OF.nlt i m) (hj : OF.nlt j m) :
    OF.sumN (fun k => L q k * R k i) n - OF.sumN (fun k => L q k * R k j) n
      ≤ sigma + OF.sumN (fun k => OF.abs (L q k - a k) * s k) n := by
  have e : OF.sumN (fun k => L q k * R k i) n - OF.sumN (fun k => L q k * R k j) n
      = OF.sumN (fun k => (L q k - a k) * (R k i - R k j)) n
        + (OF.sumN (fun k => a k * R k i) n - OF.sumN (fun k => a k * R k j) n) := by
    rw [← OF.sumN_sub (fun k => L q k * R k i) (fun k => L q k * R k j) n,
      ← OF.sumN_sub (fun k => a k * R k i) (fun k => a k * R k j) n,
      ← OF.sumN_add (fun k => (L q k - a k) * (R k i - R k j)) (fun k => a k * R k i - a k * R k j) n]
    exact OF.sumN_congr _ _ n (fun k _ => SC.maxdiff_alg (L q k) (a k) (R k i) (R k j))
  have hX : OF.sumN (fun k => (L q k - a k) * (R k i - R k j)) n
      ≤ OF.sumN (fun k => OF.abs (L q k - a k) * s k) n :=
    OF.sumN_le _ _ n (fun k hk => SC.mul_le_abs_mul (hs k hk i j hi hj)
      (by rw [OF.neg_sub (R k i) (R k j)]; exact hs k hk j i hj hi))
  rw [e, OF.add_comm sigma (OF.sumN (fun k => OF.abs (L q k - a k) * s k) n)]
  exact OF.add_le_add hX (hsig i j hi hj)

/-- mirrors: row_spread_gram. For a row x_0, ..., x_{d-1} with d ≥ 1 and any c:
(x_i - x_j)² ≤ 2 Σ_k (x_k - c)²; with c = S / d the mean (S = Σ_k x_k):
Σ_k (x_k - c)² = Σ_k x_k² - S² / d; hence e ≥ 0 and e² ≥ 2 (Σ_k x_k² - S² / d) give
x_i - x_j ≤ e. -/
theorem row_spread_gram (x : Nat → α) (d : Nat) (hd : OF.nlt 0 d) :
    (∀ (c : α) (i j : Nat), OF.nlt i d → OF.nlt j d →
      (x i - x j) * (x i - x j) ≤ (1 + 1) * OF.sumN (fun k => (x k - c) * (x k - c)) d) ∧
    OF.sumN (fun k => (x k - OF.sumN x d / OF.ofN d) * (x k - OF.sumN x d / OF.ofN d)) d
      = OF.sumN (fun k => x k * x k) d - OF.sumN x d * OF.sumN x d / OF.ofN d ∧
    (∀ (e : α) (i j : Nat), OF.nlt i d → OF.nlt j d → 0 ≤ e →
      (1 + 1) * (OF.sumN (fun k => x k * x k) d - OF.sumN x d * OF.sumN x d / OF.ofN d) ≤ e * e →
      x i - x j ≤ e) :=
  have hmean := (SC.mean_gen x d (OF.sumN x d / OF.ofN d)).trans
    (SC.mean_alg (OF.sumN (fun k => x k * x k) d) (OF.sumN x d) (OF.ofN d)
      (OF.ne_zero_of_pos (SC.ofN_pos d hd)))
  ⟨fun c i j hi hj => SC.gram_pair x c d i j hi hj, hmean,
   fun e i j hi hj he hb => SC.le_of_mul_self_le he (OF.le_trans
     (SC.gram_pair x (OF.sumN x d / OF.ofN d) d i j hi hj)
     (Eq.subst (motive := fun t => (1 + 1) * t ≤ e * e) hmean.symm hb))⟩

end

section
variable {α : Type} [OrdField α]

/-- mirrors: gap_weights. Fix a query row: EQKE_t = approx_t + Err_t with |Err_t - Err_m| ≤ ε for
every t < V, and let the weight of key slot i holding token t be W = exp((EQKE_t + EQKP_i)/s),
s > 0. With τ_t = exp(approx_t/s - a), ρ_i = exp(EQKP_i/s - b), η_t = (Err_t - Err_m)/s and the
one constant K = exp(Err_m/s + a + b) (i.e. C = s (a + b)): W = K τ_t e^{η_t} ρ_i, a slot holding m
has W = K τ_m ρ_i, |η_t| ≤ ε/s, and (exp increasing) exp(-ε/s) ≤ e^{η_t} ≤ exp(ε/s); for t ≤ k,
min_{t' ≤ k} τ_t' ≤ τ_t ≤ max_{t' ≤ k} τ_t'. -/
theorem gap_weights (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (exp_mono : ∀ a b, a ≤ b → exp a ≤ exp b)
    (EQKE approx Err EQKP : Nat → α) (hsplit : ∀ t, EQKE t = approx t + Err t)
    (s a b eps : α) (hs : 0 < s) (V m : Nat) (heps : ∀ t, OF.nlt t V → OF.abs (Err t - Err m) ≤ eps) :
    (∀ t i, exp ((EQKE t + EQKP i) / s)
      = exp (Err m / s + a + b)
        * (exp (approx t / s - a) * exp ((Err t - Err m) / s) * exp (EQKP i / s - b))) ∧
    (∀ i, exp ((EQKE m + EQKP i) / s)
      = exp (Err m / s + a + b) * (exp (approx m / s - a) * exp (EQKP i / s - b))) ∧
    (∀ t, OF.nlt t V → OF.abs ((Err t - Err m) / s) ≤ eps / s) ∧
    (∀ t, OF.nlt t V →
      exp (-(eps / s)) ≤ exp ((Err t - Err m) / s) ∧ exp ((Err t - Err m) / s) ≤ exp (eps / s)) ∧
    (∀ k t, OF.nlt t (k+1) →
      OF.minUpTo (fun t' => exp (approx t' / s - a)) k ≤ exp (approx t / s - a) ∧
      exp (approx t / s - a) ≤ SC.maxUpTo (fun t' => exp (approx t' / s - a)) k) := by
  have h1 : ∀ t i, exp ((EQKE t + EQKP i) / s)
      = exp (Err m / s + a + b)
        * (exp (approx t / s - a) * exp ((Err t - Err m) / s) * exp (EQKP i / s - b)) := fun t i => by
    rw [SC.score_split (EQKE t) (approx t) (Err t) (Err m) (EQKP i) s a b (hsplit t),
      exp_add (Err m / s + a + b) (approx t / s - a + (Err t - Err m) / s + (EQKP i / s - b)),
      exp_add (approx t / s - a + (Err t - Err m) / s) (EQKP i / s - b),
      exp_add (approx t / s - a) ((Err t - Err m) / s)]
  have h2 : ∀ i, exp ((EQKE m + EQKP i) / s)
      = exp (Err m / s + a + b) * (exp (approx m / s - a) * exp (EQKP i / s - b)) := fun i => by
    rw [h1 m i, OF.sub_self (Err m), SC.zero_div s, exp_zero exp exp_pos exp_add,
      OF.mul_one (exp (approx m / s - a))]
  have h3 : ∀ t, OF.nlt t V → OF.abs ((Err t - Err m) / s) ≤ eps / s := fun t ht => by
    rw [SC.abs_div_pos (Err t - Err m) s hs]
    exact SC.div_le_div_right (heps t ht) hs
  exact ⟨h1, h2, h3,
    fun t ht => ⟨exp_mono _ _ (OF.abs_le_elim (h3 t ht)).1, exp_mono _ _ (OF.abs_le_elim (h3 t ht)).2⟩,
    fun k t ht => ⟨OF.minUpTo_le (fun t' => exp (approx t' / s - a)) k t ht,
      SC.le_maxUpTo (fun t' => exp (approx t' / s - a)) k t ht⟩⟩

/-- mirrors: slot_extremes. For ρ_0, ..., ρ_{n-1} and any set M of the indices: if S has as many
elements as M, ρ ≤ τ on S and ρ ≥ τ off S (S a set of the |M| smallest, τ the largest of them),
then Σ_S ρ ≤ Σ_M ρ; if B has as many elements as M, ρ ≥ τ' on B and ρ ≤ τ' off B (a set of the
|M| largest), then Σ_M ρ ≤ Σ_B ρ. -/
theorem slot_extremes (rho : Nat → α) (n : Nat) (M S B : Nat → Bool) (tau tau' : α)
    (hS : OF.countN S n = OF.countN M n) (hB : OF.countN B n = OF.countN M n)
    (hS1 : ∀ i, OF.nlt i n → S i = true → rho i ≤ tau) (hS2 : ∀ i, OF.nlt i n → S i = false → tau ≤ rho i)
    (hB1 : ∀ i, OF.nlt i n → B i = true → tau' ≤ rho i) (hB2 : ∀ i, OF.nlt i n → B i = false → rho i ≤ tau') :
    OF.sumN (fun i => OF.sel (S i) (rho i)) n ≤ OF.sumN (fun i => OF.sel (M i) (rho i)) n ∧
    OF.sumN (fun i => OF.sel (M i) (rho i)) n ≤ OF.sumN (fun i => OF.sel (B i) (rho i)) n := by
  have low : ∀ (f : Nat → α) (T : Nat → Bool) (c : α), OF.countN T n = OF.countN M n →
      (∀ i, OF.nlt i n → T i = true → f i ≤ c) → (∀ i, OF.nlt i n → T i = false → c ≤ f i) →
      OF.sumN (fun i => OF.sel (T i) (f i)) n ≤ OF.sumN (fun i => OF.sel (M i) (f i)) n :=
    fun f T c hc h1 h2 => by
      rw [OF.arrangement_eq f c T n h1 h2, hc]
      exact OF.arrangement_le f c M n
  have hneg : OF.sumN (fun i => OF.sel (B i) (-rho i)) n ≤ OF.sumN (fun i => OF.sel (M i) (-rho i)) n :=
    low (fun i => -rho i) B (-tau') hB
      (fun i hi hb => OF.neg_le_neg (hB1 i hi hb)) (fun i hi hb => OF.neg_le_neg (hB2 i hi hb))
  rw [SC.sumN_sel_neg rho B n, SC.sumN_sel_neg rho M n] at hneg
  have h2 := OF.neg_le_neg hneg
  rw [OF.neg_neg (OF.sumN (fun i => OF.sel (M i) (rho i)) n),
    OF.neg_neg (OF.sumN (fun i => OF.sel (B i) (rho i)) n)] at h2
  exact ⟨low rho S tau hS hS1 hS2, h2⟩

/-- mirrors: attention_monotone. For N > 0 and D ≥ 0 with n_lo ≤ N ≤ n_hi and d_lo ≤ D ≤ d_hi
(no sign condition on n_lo, d_lo): if n_lo + d_hi > 0 then n_lo / (n_lo + d_hi) ≤ N / (N + D); if
n_hi + d_lo > 0 then N / (N + D) ≤ n_hi / (n_hi + d_lo); and 0 ≤ N / (N + D) ≤ 1. (n_lo > 0 and
d_lo ≥ 0 make both denominators positive.) -/
theorem attention_monotone (N D nlo nhi dlo dhi : α) (hN : 0 < N) (hD : 0 ≤ D)
    (h1 : nlo ≤ N) (h2 : N ≤ nhi) (h3 : dlo ≤ D) (h4 : D ≤ dhi) :
    (0 < nlo + dhi → nlo / (nlo + dhi) ≤ N / (N + D)) ∧
    (0 < nhi + dlo → N / (N + D) ≤ nhi / (nhi + dlo)) ∧
    0 ≤ N / (N + D) ∧ N / (N + D) ≤ 1 := by
  have hZ : 0 < N + D := OF.lt_of_lt_of_le hN (OF.le_add_of_nonneg_right hD)
  have lower : 0 < nlo + dhi → nlo / (nlo + dhi) ≤ N / (N + D) := fun hd =>
    SC.div_le_div_of_mul_le hd hZ (by
      rw [OF.mul_add nlo N D, OF.mul_add N nlo dhi, OF.mul_comm nlo N]
      exact OF.add_le_add_left (OF.le_trans (OF.mul_le_mul_of_nonneg_right h1 hD)
        (OF.mul_le_mul_of_nonneg_left h4 (OF.le_of_lt hN))) (N * nlo))
  have upper : 0 < nhi + dlo → N / (N + D) ≤ nhi / (nhi + dlo) := fun hd =>
    SC.div_le_div_of_mul_le hZ hd (by
      rw [OF.mul_add N nhi dlo, OF.mul_add nhi N D, OF.mul_comm N nhi]
      exact OF.add_le_add_left (OF.le_trans (OF.mul_le_mul_of_nonneg_left h3 (OF.le_of_lt hN))
        (OF.mul_le_mul_of_nonneg_right h2 hD)) (nhi * N))
  have hinv : 0 ≤ OrdField.inv (N + D) := OF.le_of_lt (OF.inv_pos hZ)
  have one : N / (N + D) ≤ 1 := by
    have h := OF.mul_le_mul_of_nonneg_right (OF.le_add_of_nonneg_right hD : N ≤ N + D) hinv
    rw [OF.mul_inv (N + D) (OF.ne_zero_of_pos hZ)] at h
    exact h
  exact ⟨lower, upper, OF.mul_nonneg (OF.le_of_lt hN) hinv, one⟩

/-- mirrors: convex_logit_bound. Let a_i ≥ 0 (i < n) with Σ_i a_i = 1, M a set of indices,
A = Σ_{i∈M} a_i, and reals g_i, p_i with g_i = S for i ∈ M, g_i ≤ w for i ∉ M, p_i ≤ P for all i.
Then U + Σ_i a_i (g_i + p_i) ≤ U + P + A S + (1 - A) w. -/
theorem convex_logit_bound (a g p : Nat → α) (M : Nat → Bool) (n : Nat) (U S w P : α)
    (ha : ∀ i, OF.nlt i n → 0 ≤ a i) (hsum : OF.sumN a n = 1)
    (hgM : ∀ i, OF.nlt i n → M i = true → g i = S) (hgN : ∀ i, OF.nlt i n → M i = false → g i ≤ w)
    (hp : ∀ i, OF.nlt i n → p i ≤ P) :
    U + OF.sumN (fun i => a i * (g i + p i)) n
      ≤ U + P + OF.sumN (fun i => OF.sel (M i) (a i)) n * S
        + (1 - OF.sumN (fun i => OF.sel (M i) (a i)) n) * w := by
  have hAB : OF.sumN (fun i => OF.sel (M i) (a i)) n + OF.sumN (fun i => OF.sel (SC.bnot (M i)) (a i)) n = 1 := by
    rw [← OF.sumN_add (fun i => OF.sel (M i) (a i)) (fun i => OF.sel (SC.bnot (M i)) (a i)) n, ← hsum]
    exact OF.sumN_congr _ _ n (fun i _ => SC.sel_split (a i) (M i))
  have hB : 1 - OF.sumN (fun i => OF.sel (M i) (a i)) n = OF.sumN (fun i => OF.sel (SC.bnot (M i)) (a i)) n := by
    rw [← hAB, OF.add_comm (OF.sumN (fun i => OF.sel (M i) (a i)) n) (OF.sumN (fun i => OF.sel (SC.bnot (M i)) (a i)) n),
      OF.add_sub_cancel (OF.sumN (fun i => OF.sel (SC.bnot (M i)) (a i)) n) (OF.sumN (fun i => OF.sel (M i) (a i)) n)]
  have hG : OF.sumN (fun i => a i * g i) n
      ≤ OF.sumN (fun i => OF.sel (M i) (a i)) n * S + OF.sumN (fun i => OF.sel (SC.bnot (M i)) (a i)) n * w := by
    rw [← OF.sumN_mul_right S (fun i => OF.sel (M i) (a i)) n,
      ← OF.sumN_mul_right w (fun i => OF.sel (SC.bnot (M i)) (a i)) n,
      ← OF.sumN_add (fun i => OF.sel (M i) (a i) * S) (fun i => OF.sel (SC.bnot (M i)) (a i) * w) n]
    exact OF.sumN_le _ _ n (fun i hi => SC.logit_term (a i) (g i) S w (ha i hi) (M i) (hgM i hi) (hgN i hi))
  have hQ : OF.sumN (fun i => a i * p i) n ≤ P := by
    have h := OF.sumN_le (fun i => a i * p i) (fun i => a i * P) n
      (fun i hi => OF.mul_le_mul_of_nonneg_left (hp i hi) (ha i hi))
    rw [OF.sumN_mul_right P a n, hsum, OF.one_mul P] at h
    exact h
  have e : OF.sumN (fun i => a i * (g i + p i)) n
      = OF.sumN (fun i => a i * g i) n + OF.sumN (fun i => a i * p i) n :=
    (OF.sumN_congr _ _ n (fun i _ => OF.mul_add (a i) (g i) (p i))).trans
      (OF.sumN_add (fun i => a i * g i) (fun i => a i * p i) n)
  rw [e, hB]
  exact OF.le_trans (OF.add_le_add_left (OF.add_le_add hG hQ) U)
    (OF.le_of_eq (SC.rearrange U P (OF.sumN (fun i => OF.sel (M i) (a i)) n * S)
      (OF.sumN (fun i => OF.sel (SC.bnot (M i)) (a i)) n * w)))

/-- mirrors: convex_endpoint. With h(A) = max_{j ≤ k} (L_j + A S_j) + (1 - A) w + u (k + 1 ≥ 1
lines) and A_lo ≤ A ≤ A_hi: h(A) ≤ max(h(A_lo), h(A_hi)). -/
theorem convex_endpoint (L S : Nat → α) (k : Nat) (w u Alo A Ahi : α) (h1 : Alo ≤ A) (h2 : A ≤ Ahi) :
    SC.maxUpTo (fun j => L j + A * S j) k + (1 - A) * w + u
      ≤ SC.max2 (SC.maxUpTo (fun j => L j + Alo * S j) k + (1 - Alo) * w + u)
          (SC.maxUpTo (fun j => L j + Ahi * S j) k + (1 - Ahi) * w + u) := by
  have hl : ∀ (x : α) (j : Nat), OF.nlt j (k+1) →
      L j + x * S j + (1 - x) * w + u ≤ SC.maxUpTo (fun j => L j + x * S j) k + (1 - x) * w + u :=
    fun x j hj => OF.add_le_add_right
      (OF.add_le_add_right (SC.le_maxUpTo (fun j => L j + x * S j) k j hj) ((1 - x) * w)) u
  have key : ∀ j, OF.nlt j (k+1) → L j + A * S j + ((1 - A) * w + u)
      ≤ SC.max2 (SC.maxUpTo (fun j => L j + Alo * S j) k + (1 - Alo) * w + u)
          (SC.maxUpTo (fun j => L j + Ahi * S j) k + (1 - Ahi) * w + u) := fun j hj =>
    OF.le_trans (OF.le_of_eq (OF.add_assoc (L j + A * S j) ((1 - A) * w) u).symm)
      (OF.le_trans (OF.le_of_eq (SC.affine_form (L j) (S j) w u A))
        (OF.le_trans (SC.affine_endpoint (L j + w + u) (S j - w) Alo A Ahi h1 h2)
          (SC.max2_mono
            (OF.le_trans (OF.le_of_eq (SC.affine_form (L j) (S j) w u Alo).symm) (hl Alo j hj))
            (OF.le_trans (OF.le_of_eq (SC.affine_form (L j) (S j) w u Ahi).symm) (hl Ahi j hj)))))
  exact OF.le_trans (OF.le_of_eq (OF.add_assoc (SC.maxUpTo (fun j => L j + A * S j) k) ((1 - A) * w) u))
    (SC.maxUpTo_add_le (fun j => L j + A * S j) ((1 - A) * w + u) _ k key)

/-- mirrors: envelope_chords. Let x_k < x_{k+1} be consecutive breakpoints and v_k ≥ L_j + x_k S_j,
v_{k+1} ≥ L_j + x_{k+1} S_j for every line j < J (only these two breakpoints matter). For
x_k ≤ A ≤ x_{k+1} and every j: L_j + A S_j ≤ v_k + (A - x_k) σ for any
σ ≥ (v_{k+1} - v_k) / (x_{k+1} - x_k). -/
theorem envelope_chords (x v L S : Nat → α) (J k : Nat) (A sigma : α) (hx : x k < x (k+1))
    (hv0 : ∀ j, OF.nlt j J → L j + x k * S j ≤ v k)
    (hv1 : ∀ j, OF.nlt j J → L j + x (k+1) * S j ≤ v (k+1))
    (hA0 : x k ≤ A) (hA1 : A ≤ x (k+1)) (hsig : (v (k+1) - v k) / (x (k+1) - x k) ≤ sigma) :
    ∀ j, OF.nlt j J → L j + A * S j ≤ v k + (A - x k) * sigma := by
  have hD : 0 < x (k+1) - x k := OF.sub_pos_of_lt hx
  have h := OF.mul_le_mul_of_nonneg_left hsig (OF.le_of_lt hD)
  rw [OF.mul_div_cancel' (x (k+1) - x k) (v (k+1) - v k) (OF.ne_zero_of_pos hD)] at h
  exact fun j hj => SC.chord_le (hv0 j hj) (hv1 j hj) hA0 hA1 h

/-- mirrors: meandiff_bilinear. For reals a, A and lines j < J with s_min ≤ S_j ≤ s_max and
M ≥ L_j + a S_j for every j: L_j + A S_j ≤ M + (A - a) s_max when A ≥ a, and
≤ M + (A - a) s_min when A < a. -/
theorem meandiff_bilinear (L S : Nat → α) (J : Nat) (a A M smin smax : α)
    (hS : ∀ j, OF.nlt j J → smin ≤ S j ∧ S j ≤ smax) (hM : ∀ j, OF.nlt j J → L j + a * S j ≤ M)
    (j : Nat) (hj : OF.nlt j J) :
    (a ≤ A → L j + A * S j ≤ M + (A - a) * smax) ∧ (A < a → L j + A * S j ≤ M + (A - a) * smin) := by
  have base : L j + A * S j ≤ M + (A - a) * S j := by
    rw [SC.line_shift (L j) (S j) a A]
    exact OF.add_le_add_right (hM j hj) ((A - a) * S j)
  exact ⟨fun h => OF.le_trans base (OF.add_le_add_left
      (OF.mul_le_mul_of_nonneg_left (hS j hj).2 (OF.sub_nonneg_of_le h)) M),
    fun h => OF.le_trans base (OF.add_le_add_left
      (OF.mul_le_mul_of_nonpos_left (hS j hj).1 (OF.sub_nonpos_of_le (OF.le_of_lt h))) M)⟩

end

/-! ## The sub-cubic case check, composed (phase 2) -/

namespace SC

section
variable {α : Type} [OrdField α]

theorem sel_mul (x c : α) : (b : Bool) → OF.sel b (x * c) = OF.sel b x * c
  | true => rfl
  | false => (OF.zero_mul c).symm

theorem sel_mul_left (c x : α) : (b : Bool) → OF.sel b (c * x) = c * OF.sel b x
  | true => rfl
  | false => (OF.mul_zero c).symm

theorem sel_eq {x y : α} : (b : Bool) → (b = true → x = y) → OF.sel b x = OF.sel b y
  | true, h => h rfl
  | false, _ => rfl

theorem sel_le_sel {x y : α} : (b : Bool) → (b = true → x ≤ y) → OF.sel b x ≤ OF.sel b y
  | true, h => h rfl
  | false, _ => OF.le_refl 0

theorem sel_nonneg {x : α} : (b : Bool) → (b = true → 0 ≤ x) → 0 ≤ OF.sel b x
  | true, h => h rfl
  | false, _ => OF.le_refl 0

theorem bnot_true : (b : Bool) → bnot b = true → b = false
  | false, _ => rfl
  | true, h => h.symm

theorem lt_of_sub_neg {a b : α} (h : a - b < 0) : a < b := by
  have h2 := OF.add_lt_add_right h b
  rw [OF.sub_add_cancel a b, OF.zero_add b] at h2
  exact h2

/-- `(w (a + b) - w (c + d)) Z⁻¹ = (w Z⁻¹) ((a - c) + (b - d))`. -/
theorem term_alg (w Zi a b c d : α) : (w * (a + b) - w * (c + d)) * Zi = w * Zi * ((a - c) + (b - d)) := by
  rw [← OF.mul_sub w (a + b) (c + d), OF.add_sub_add a b c d, OF.mul_assoc w ((a - c) + (b - d)) Zi,
    OF.mul_comm ((a - c) + (b - d)) Zi, ← OF.mul_assoc w Zi ((a - c) + (b - d))]

/-- `logit_j - logit_m = (EUPU_j - EUPU_m) + Σ_i a_i ((EVOU[t_i, j] - EVOU[t_i, m]) + (PVOU[i, j] - PVOU[i, m]))`
with `a_i = w_i / Z` (`margin_decomposition` divided by `Z`). -/
theorem logit_diff (w : Nat → α) (N : Nat) (t : Nat → Nat) (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α)
    (j m : Nat) :
    OF.logit w N t EVOU PVOU EUPU j - OF.logit w N t EVOU PVOU EUPU m
      = (EUPU j - EUPU m) + OF.sumN (fun i => w i * OrdField.inv (OF.sumN w N)
          * ((EVOU (t i) j - EVOU (t i) m) + (PVOU i j - PVOU i m))) N := by
  show (EUPU j + OF.sumN (fun i => w i * (EVOU (t i) j + PVOU i j)) N * OrdField.inv (OF.sumN w N))
      - (EUPU m + OF.sumN (fun i => w i * (EVOU (t i) m + PVOU i m)) N * OrdField.inv (OF.sumN w N))
    = (EUPU j - EUPU m) + OF.sumN (fun i => w i * OrdField.inv (OF.sumN w N)
          * ((EVOU (t i) j - EVOU (t i) m) + (PVOU i j - PVOU i m))) N
  rw [OF.add_sub_add (EUPU j) (OF.sumN (fun i => w i * (EVOU (t i) j + PVOU i j)) N * OrdField.inv (OF.sumN w N))
      (EUPU m) (OF.sumN (fun i => w i * (EVOU (t i) m + PVOU i m)) N * OrdField.inv (OF.sumN w N)),
    ← OF.sub_mul (OF.sumN (fun i => w i * (EVOU (t i) j + PVOU i j)) N)
      (OF.sumN (fun i => w i * (EVOU (t i) m + PVOU i m)) N) (OrdField.inv (OF.sumN w N)),
    ← OF.sumN_sub (fun i => w i * (EVOU (t i) j + PVOU i j)) (fun i => w i * (EVOU (t i) m + PVOU i m)) N,
    ← OF.sumN_mul_right (OrdField.inv (OF.sumN w N))
      (fun i => w i * (EVOU (t i) j + PVOU i j) - w i * (EVOU (t i) m + PVOU i m)) N]
  exact congrArg (fun z => EUPU j - EUPU m + z) (OF.sumN_congr _ _ N (fun i _ =>
    term_alg (w i) (OrdField.inv (OF.sumN w N)) (EVOU (t i) j) (PVOU i j) (EVOU (t i) m) (PVOU i m)))

/-- The end of the case check for one output: the convex bound through the kernel's lines
(`hline`), evaluated at the two ends of `[A_lo, A_hi]` (`convex_endpoint` with one line),
bounded there by `B_lo`, `B_hi` (`envelope_chords` or `meandiff_bilinear`), is `< 0`. -/
theorem endpoint_check (U P S0 W L S wb rho A Alo Ahi Blo Bhi : α) (hA1 : Alo ≤ A) (hA2 : A ≤ Ahi)
    (hline1 : U + P + W ≤ L + wb + rho) (hline2 : S0 - W = S - wb)
    (hBlo : L + Alo * S ≤ Blo) (hBhi : L + Ahi * S ≤ Bhi)
    (hcheck : max2 (Blo + (1 - Alo) * wb + rho) (Bhi + (1 - Ahi) * wb + rho) < 0) :
    U + P + A * S0 + (1 - A) * W < 0 := by
  have e2 : U + P + W + 0 + A * (S0 - W) = U + P + W + A * (S - wb) := by
    rw [OF.add_zero (U + P + W), hline2]
  have hmid : U + P + A * S0 + (1 - A) * W ≤ L + A * S + (1 - A) * wb + rho :=
    OF.le_trans (OF.le_of_eq (OF.add_zero (U + P + A * S0 + (1 - A) * W)).symm)
      (OF.le_trans (OF.le_of_eq (affine_form (U + P) S0 W 0 A))
        (OF.le_trans (OF.le_of_eq e2)
          (OF.le_trans (OF.add_le_add_right hline1 (A * (S - wb)))
            (OF.le_of_eq (affine_form L S wb rho A).symm))))
  have hconv : L + A * S + (1 - A) * wb + rho
      ≤ max2 (L + Alo * S + (1 - Alo) * wb + rho) (L + Ahi * S + (1 - Ahi) * wb + rho) :=
    convex_endpoint (fun _ => L) (fun _ => S) 0 wb rho Alo A Ahi hA1 hA2
  have hm := max2_mono (OF.add_le_add_right (OF.add_le_add_right hBlo ((1 - Alo) * wb)) rho)
    (OF.add_le_add_right (OF.add_le_add_right hBhi ((1 - Ahi) * wb)) rho)
  exact OF.lt_of_le_of_lt (OF.le_trans hmid (OF.le_trans hconv hm)) hcheck

theorem exists_step (M : Nat → Bool) (n : Nat) (ih : OF.nlt 0 (OF.countN M n) → ∃ i, OF.nlt i n ∧ M i = true) :
    (b : Bool) → M n = b → OF.nlt 0 (OF.countN M n + OF.bnat b) → ∃ i, OF.nlt i (n+1) ∧ M i = true
  | true, e, _ => ⟨n, OF.nlt_succ_self n, e⟩
  | false, _, h => match ih h with
    | ⟨i, hi, hm⟩ => ⟨i, OF.nlt_step i n hi, hm⟩

/-- A set with at least one element has one. -/
theorem exists_of_count (M : Nat → Bool) : (n : Nat) → OF.nlt 0 (OF.countN M n) → ∃ i, OF.nlt i n ∧ M i = true
  | 0, h => False.elim h
  | n+1, h => exists_step M n (exists_of_count M n) (M n) rfl h


/-- The attention interval of one input (`subcubic.attention_bounds` and `attention_interval`):
slots `i ≤ n` (the query at `n`), `Mk` the max slots, weights `w_i = K τ_m ρ_i` on them and
`w_i = K κ_i ρ_i` elsewhere (`gap_weights`, `κ_i = τ_{t_i} e^{η_i}`). From the kernel's bounds on
`τ_m`, on `κ_i` for the non-query non-max slots, on the slot sums (`slot_extremes`) and on the
query slot, and its `n_lo ≤ τ_lo (R_lo + ρ_lo)`, ..., the attention on the max slots lies in
`[A_lo, A_hi]` (`attention_monotone`), where `A_lo` is the kernel's lower end when the
denominator is positive, or any number `≤ 0`, and `A_hi` likewise or any number `≥ 1`. -/
theorem attention_case (w rho kap : Nat → α) (Mk : Nat → Bool) (n : Nat) (K taum : α)
    (hK : 0 < K) (htaum : 0 < taum) (hrho : ∀ i, OF.nlt i (n+1) → 0 < rho i)
    (hkap : ∀ i, OF.nlt i (n+1) → Mk i = false → 0 < kap i)
    (hex : ∃ i, OF.nlt i (n+1) ∧ Mk i = true)
    (hwM : ∀ i, OF.nlt i (n+1) → Mk i = true → w i = K * (taum * rho i))
    (hwN : ∀ i, OF.nlt i (n+1) → Mk i = false → w i = K * (kap i * rho i))
    (tlo thi klo khi Rlo Rhi Clo Chi rnlo rnhi qlo qhi nlo nhi dlo dhi Alo Ahi : α)
    (ht : tlo ≤ taum ∧ taum ≤ thi) (htlo : 0 ≤ tlo) (hklo : 0 ≤ klo) (hkhi : 0 ≤ khi)
    (hk : ∀ i, OF.nlt i n → Mk i = false → klo ≤ kap i ∧ kap i ≤ khi)
    (hR : Rlo ≤ OF.sumN (fun i => OF.sel (Mk i) (rho i)) n ∧ OF.sumN (fun i => OF.sel (Mk i) (rho i)) n ≤ Rhi)
    (hC : Clo ≤ OF.sumN (fun i => OF.sel (bnot (Mk i)) (rho i)) n ∧
      OF.sumN (fun i => OF.sel (bnot (Mk i)) (rho i)) n ≤ Chi)
    (hrn : rnlo ≤ OF.sel (Mk n) (rho n) ∧ OF.sel (Mk n) (rho n) ≤ rnhi)
    (hq : qlo ≤ OF.sel (bnot (Mk n)) (kap n * rho n) ∧ OF.sel (bnot (Mk n)) (kap n * rho n) ≤ qhi)
    (hnlo : nlo ≤ tlo * (Rlo + rnlo)) (hnhi : thi * (Rhi + rnhi) ≤ nhi)
    (hdlo : dlo ≤ klo * Clo + qlo) (hdhi : khi * Chi + qhi ≤ dhi)
    (hAlo : (0 < nlo + dhi ∧ Alo ≤ nlo / (nlo + dhi)) ∨ Alo ≤ 0)
    (hAhi : (0 < nhi + dlo ∧ nhi / (nhi + dlo) ≤ Ahi) ∨ 1 ≤ Ahi) :
    Alo ≤ OF.sumN (fun i => OF.sel (Mk i) (w i)) (n+1) / OF.sumN w (n+1) ∧
    OF.sumN (fun i => OF.sel (Mk i) (w i)) (n+1) / OF.sumN w (n+1) ≤ Ahi := by
  -- the max slots' weight K (τ_m R) and the others' K D
  have eN : OF.sumN (fun i => OF.sel (Mk i) (w i)) (n+1)
      = K * (taum * OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1)) :=
    (OF.sumN_congr _ (fun i => K * (taum * OF.sel (Mk i) (rho i))) (n+1) (fun i hi =>
      (sel_eq (Mk i) (hwM i hi)).trans ((sel_mul_left K (taum * rho i) (Mk i)).trans
        (congrArg (fun z => K * z) (sel_mul_left taum (rho i) (Mk i)))))).trans
    ((OF.sumN_mul_left K (fun i => taum * OF.sel (Mk i) (rho i)) (n+1)).trans
      (congrArg (fun z => K * z) (OF.sumN_mul_left taum (fun i => OF.sel (Mk i) (rho i)) (n+1))))
  have eD : OF.sumN (fun i => OF.sel (bnot (Mk i)) (w i)) (n+1)
      = K * OF.sumN (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) (n+1) :=
    (OF.sumN_congr _ (fun i => K * OF.sel (bnot (Mk i)) (kap i * rho i)) (n+1) (fun i hi =>
      (sel_eq (bnot (Mk i)) (fun hb => hwN i hi (bnot_true (Mk i) hb))).trans
        (sel_mul_left K (kap i * rho i) (bnot (Mk i))))).trans
    (OF.sumN_mul_left K (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) (n+1))
  have eZ : OF.sumN w (n+1)
      = OF.sumN (fun i => OF.sel (Mk i) (w i)) (n+1) + OF.sumN (fun i => OF.sel (bnot (Mk i)) (w i)) (n+1) :=
    (OF.sumN_congr _ (fun i => OF.sel (Mk i) (w i) + OF.sel (bnot (Mk i)) (w i)) (n+1)
      (fun i _ => (sel_split (w i) (Mk i)).symm)).trans
    (OF.sumN_add (fun i => OF.sel (Mk i) (w i)) (fun i => OF.sel (bnot (Mk i)) (w i)) (n+1))
  -- the positive parts
  have hrs : ∀ i, OF.nlt i (n+1) → 0 ≤ OF.sel (Mk i) (rho i) :=
    fun i hi => sel_nonneg (Mk i) (fun _ => OF.le_of_lt (hrho i hi))
  have hRpos : 0 < OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1) :=
    match hex with
    | ⟨i0, hi0, hm0⟩ => OF.lt_of_lt_of_le
        (Eq.subst (motive := fun b => 0 < OF.sel b (rho i0)) hm0.symm (hrho i0 hi0))
        (le_sumN_one (fun i => OF.sel (Mk i) (rho i)) (n+1) hrs i0 hi0)
  have hNpos : 0 < taum * OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1) := OF.mul_pos htaum hRpos
  have hDpos : 0 ≤ OF.sumN (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) (n+1) :=
    OF.sumN_nonneg _ (n+1) (fun i hi => sel_nonneg (bnot (Mk i)) (fun hb =>
      OF.le_of_lt (OF.mul_pos (hkap i hi (bnot_true (Mk i) hb)) (hrho i hi))))
  -- A = N / (N + D)
  have eA : OF.sumN (fun i => OF.sel (Mk i) (w i)) (n+1) / OF.sumN w (n+1)
      = taum * OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1)
        / (taum * OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1)
          + OF.sumN (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) (n+1)) := by
    rw [eZ, eN, eD, ← OF.mul_add K (taum * OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1))
      (OF.sumN (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) (n+1))]
    exact OF.div_cancel_left K _ _ (OF.ne_zero_of_pos hK)
      (OF.ne_zero_of_pos (OF.lt_of_lt_of_le hNpos (OF.le_add_of_nonneg_right hDpos)))
  -- the kernel's ends enclose N and D
  have hRt : Rlo + rnlo ≤ OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1) ∧
      OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1) ≤ Rhi + rnhi :=
    ⟨OF.add_le_add hR.1 hrn.1, OF.add_le_add hR.2 hrn.2⟩
  have hthi : 0 ≤ thi := OF.le_trans (OF.le_of_lt htaum) ht.2
  have hN1 : nlo ≤ taum * OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1) :=
    OF.le_trans hnlo (OF.le_trans (OF.mul_le_mul_of_nonneg_left hRt.1 htlo)
      (OF.mul_le_mul_of_nonneg_right ht.1 (OF.le_of_lt hRpos)))
  have hN2 : taum * OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1) ≤ nhi :=
    OF.le_trans (OF.le_trans (OF.mul_le_mul_of_nonneg_right ht.2 (OF.le_of_lt hRpos))
      (OF.mul_le_mul_of_nonneg_left hRt.2 hthi)) hnhi
  have hD1 : klo * OF.sumN (fun i => OF.sel (bnot (Mk i)) (rho i)) n
      ≤ OF.sumN (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) n :=
    OF.le_trans (OF.le_of_eq (OF.sumN_mul_left klo (fun i => OF.sel (bnot (Mk i)) (rho i)) n).symm)
      (OF.sumN_le _ _ n (fun i hi => OF.le_trans (OF.le_of_eq (sel_mul_left klo (rho i) (bnot (Mk i))).symm)
        (sel_le_sel (bnot (Mk i)) (fun hb => OF.mul_le_mul_of_nonneg_right
          (hk i hi (bnot_true (Mk i) hb)).1 (OF.le_of_lt (hrho i (OF.nlt_step i n hi)))))))
  have hD2 : OF.sumN (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) n
      ≤ khi * OF.sumN (fun i => OF.sel (bnot (Mk i)) (rho i)) n :=
    OF.le_trans (OF.sumN_le _ (fun i => khi * OF.sel (bnot (Mk i)) (rho i)) n (fun i hi =>
        OF.le_trans (sel_le_sel (bnot (Mk i)) (fun hb => OF.mul_le_mul_of_nonneg_right
          (hk i hi (bnot_true (Mk i) hb)).2 (OF.le_of_lt (hrho i (OF.nlt_step i n hi)))))
          (OF.le_of_eq (sel_mul_left khi (rho i) (bnot (Mk i))))))
      (OF.le_of_eq (OF.sumN_mul_left khi (fun i => OF.sel (bnot (Mk i)) (rho i)) n))
  have hDl : dlo ≤ OF.sumN (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) (n+1) :=
    OF.le_trans hdlo (OF.add_le_add (OF.le_trans (OF.mul_le_mul_of_nonneg_left hC.1 hklo) hD1) hq.1)
  have hDh : OF.sumN (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) (n+1) ≤ dhi :=
    OF.le_trans (OF.add_le_add (OF.le_trans hD2 (OF.mul_le_mul_of_nonneg_left hC.2 hkhi)) hq.2) hdhi
  have am := attention_monotone (taum * OF.sumN (fun i => OF.sel (Mk i) (rho i)) (n+1))
    (OF.sumN (fun i => OF.sel (bnot (Mk i)) (kap i * rho i)) (n+1)) nlo nhi dlo dhi hNpos hDpos hN1 hN2 hDl hDh
  rw [eA]
  exact ⟨OF.orE hAlo (fun h => OF.le_trans h.2 (am.1 h.1)) (fun h => OF.le_trans h am.2.2.1),
    OF.orE hAhi (fun h => OF.le_trans (am.2.1 h.1) h.2) (fun h => OF.le_trans am.2.2.2 h)⟩


/-- One input: attention in `[A_lo, A_hi]` on its max slots `Mk`, every non-max slot's value term
at most `W_j`, positions at most `P_j`, the kernel's lines (`hline`) and end bounds, and a check
`< 0` make every wrong logit smaller than the max's (`logit_diff`, `convex_logit_bound`,
`endpoint_check`). -/
theorem input_correct (w : Nat → α) (N : Nat) (hN : OF.nlt 0 N) (hw : ∀ i, OF.nlt i N → 0 < w i)
    (t : Nat → Nat) (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α) (V m : Nat) (Mk : Nat → Bool)
    (hMk : ∀ i, OF.nlt i N → Mk i = true → t i = m)
    (W P L S : Nat → α) (wb rho Alo Ahi Blo Bhi : α)
    (hW : ∀ j, OF.nlt j V → (j = m → False) → ∀ i, OF.nlt i N → Mk i = false →
      EVOU (t i) j - EVOU (t i) m ≤ W j)
    (hP : ∀ j, OF.nlt j V → (j = m → False) → ∀ i, OF.nlt i N → PVOU i j - PVOU i m ≤ P j)
    (hline : ∀ j, OF.nlt j V → (j = m → False) →
      EUPU j - EUPU m + P j + W j ≤ L j + wb + rho ∧ EVOU m j - EVOU m m - W j = S j - wb)
    (hBlo : ∀ j, OF.nlt j V → (j = m → False) → L j + Alo * S j ≤ Blo)
    (hBhi : ∀ j, OF.nlt j V → (j = m → False) → L j + Ahi * S j ≤ Bhi)
    (hcheck : max2 (Blo + (1 - Alo) * wb + rho) (Bhi + (1 - Ahi) * wb + rho) < 0)
    (hA : Alo ≤ OF.sumN (fun i => OF.sel (Mk i) (w i)) N / OF.sumN w N ∧
      OF.sumN (fun i => OF.sel (Mk i) (w i)) N / OF.sumN w N ≤ Ahi) :
    ∀ j, OF.nlt j V → (j = m → False) →
      OF.logit w N t EVOU PVOU EUPU j < OF.logit w N t EVOU PVOU EUPU m := by
  intro j hj hjm
  have hZ : 0 < OF.sumN w N := OF.sumN_pos w N hN hw
  have hiZ : 0 ≤ OrdField.inv (OF.sumN w N) := OF.le_of_lt (OF.inv_pos hZ)
  have eA : OF.sumN (fun i => OF.sel (Mk i) (w i * OrdField.inv (OF.sumN w N))) N
      = OF.sumN (fun i => OF.sel (Mk i) (w i)) N / OF.sumN w N :=
    (OF.sumN_congr _ _ N (fun i _ => sel_mul (w i) (OrdField.inv (OF.sumN w N)) (Mk i))).trans
      (OF.sumN_mul_right (OrdField.inv (OF.sumN w N)) (fun i => OF.sel (Mk i) (w i)) N)
  have hcl := convex_logit_bound (fun i => w i * OrdField.inv (OF.sumN w N))
    (fun i => EVOU (t i) j - EVOU (t i) m) (fun i => PVOU i j - PVOU i m) Mk N
    (EUPU j - EUPU m) (EVOU m j - EVOU m m) (W j) (P j)
    (fun i hi => OF.mul_nonneg (OF.le_of_lt (hw i hi)) hiZ)
    ((OF.sumN_mul_right (OrdField.inv (OF.sumN w N)) w N).trans
      (OF.mul_inv (OF.sumN w N) (OF.ne_zero_of_pos hZ)))
    (fun i hi hm => by
      show EVOU (t i) j - EVOU (t i) m = EVOU m j - EVOU m m
      rw [hMk i hi hm])
    (fun i hi hm => hW j hj hjm i hi hm) (fun i hi => hP j hj hjm i hi)
  have hend := endpoint_check (EUPU j - EUPU m) (P j) (EVOU m j - EVOU m m) (W j) (L j) (S j) wb rho
    (OF.sumN (fun i => OF.sel (Mk i) (w i * OrdField.inv (OF.sumN w N))) N) Alo Ahi Blo Bhi
    (Eq.subst (motive := fun z => Alo ≤ z) eA.symm hA.1)
    (Eq.subst (motive := fun z => z ≤ Ahi) eA.symm hA.2)
    (hline j hj hjm).1 (hline j hj hjm).2 (hBlo j hj hjm) (hBhi j hj hjm) hcheck
  exact lt_of_sub_neg (OF.lt_of_le_of_lt (OF.le_of_eq (logit_diff w N t EVOU PVOU EUPU j m))
    (OF.lt_of_le_of_lt hcl hend))

def isT : Bool → Prop
  | true => True
  | false => False

theorem true_ne_false (h : true = false) : False := Eq.mp (congrArg isT h) trivial


theorem logit_congr (w w' : Nat → α) (N : Nat) (t : Nat → Nat) (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α)
    (k : Nat) (h : ∀ i, OF.nlt i N → w i = w' i) :
    OF.logit w N t EVOU PVOU EUPU k = OF.logit w' N t EVOU PVOU EUPU k := by
  show EUPU k + OF.sumN (fun i => w i * (EVOU (t i) k + PVOU i k)) N / OF.sumN w N
    = EUPU k + OF.sumN (fun i => w' i * (EVOU (t i) k + PVOU i k)) N / OF.sumN w' N
  rw [OF.sumN_congr w w' N h, OF.sumN_congr (fun i => w i * (EVOU (t i) k + PVOU i k))
    (fun i => w' i * (EVOU (t i) k + PVOU i k)) N
    (fun i hi => congrArg (fun z => z * (EVOU (t i) k + PVOU i k)) (h i hi))]

theorem nlt_of_nle : (a b : Nat) → LC.nle a b → OF.nlt a (b+1)
  | 0, _, _ => trivial
  | _+1, 0, h => False.elim h
  | a+1, b+1, h => nlt_of_nle a b h


/-- The case check for inputs whose weights are given factored (`subcubic_sound` below
supplies the factorisation from `gap_weights`). -/
theorem case_correct (tau E rho : Nat → α) (K : α) (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α)
    (n V q m top r c : Nat) (bq : Bool)
    (hK : 0 < K) (htau : ∀ t, 0 < tau t) (hE : ∀ t, 0 < E t) (hrho : ∀ i, OF.nlt i (n+1) → 0 < rho i)
    (hEm : E m = 1) (hbq : bq = true → q = m) (hr : bq = true ∨ OF.nlt 0 r)
    (tlo thi klo khi Rlo Rhi Clo Chi rnlo rnhi qlo qhi nlo nhi dlo dhi Alo Ahi : α)
    (ht : tlo ≤ tau m ∧ tau m ≤ thi) (htlo : 0 ≤ tlo) (hklo : 0 ≤ klo) (hkhi : 0 ≤ khi)
    (hk : ∀ t, LC.nle t top → klo ≤ tau t * E t ∧ tau t * E t ≤ khi)
    (hRs : ∀ M : Nat → Bool, OF.countN M n = r →
      Rlo ≤ OF.sumN (fun i => OF.sel (M i) (rho i)) n ∧ OF.sumN (fun i => OF.sel (M i) (rho i)) n ≤ Rhi)
    (hCs : ∀ M : Nat → Bool, OF.countN M n = c →
      Clo ≤ OF.sumN (fun i => OF.sel (M i) (rho i)) n ∧ OF.sumN (fun i => OF.sel (M i) (rho i)) n ≤ Chi)
    (hrn : rnlo ≤ OF.sel bq (rho n) ∧ OF.sel bq (rho n) ≤ rnhi)
    (hq : qlo ≤ OF.sel (SC.bnot bq) (tau q * E q * rho n) ∧ OF.sel (SC.bnot bq) (tau q * E q * rho n) ≤ qhi)
    (hnlo : nlo ≤ tlo * (Rlo + rnlo)) (hnhi : thi * (Rhi + rnhi) ≤ nhi)
    (hdlo : dlo ≤ klo * Clo + qlo) (hdhi : khi * Chi + qhi ≤ dhi)
    (hAlo : (0 < nlo + dhi ∧ Alo ≤ nlo / (nlo + dhi)) ∨ Alo ≤ 0)
    (hAhi : (0 < nhi + dlo ∧ nhi / (nhi + dlo) ≤ Ahi) ∨ 1 ≤ Ahi)
    (W P L S : Nat → α) (wb rhoU Blo Bhi : α)
    (hWt : ∀ t, LC.nle t top → ∀ j, OF.nlt j V → (j = m → False) → EVOU t j - EVOU t m ≤ W j)
    (hWq : bq = false → ∀ j, OF.nlt j V → (j = m → False) → EVOU q j - EVOU q m ≤ W j)
    (hP : ∀ j, OF.nlt j V → (j = m → False) → ∀ i, OF.nlt i (n+1) → PVOU i j - PVOU i m ≤ P j)
    (hline : ∀ j, OF.nlt j V → (j = m → False) →
      EUPU j - EUPU m + P j + W j ≤ L j + wb + rhoU ∧ EVOU m j - EVOU m m - W j = S j - wb)
    (hBlo : ∀ j, OF.nlt j V → (j = m → False) → L j + Alo * S j ≤ Blo)
    (hBhi : ∀ j, OF.nlt j V → (j = m → False) → L j + Ahi * S j ≤ Bhi)
    (hcheck : SC.max2 (Blo + (1 - Alo) * wb + rhoU) (Bhi + (1 - Ahi) * wb + rhoU) < 0) :
    ∀ (t : Nat → Nat) (Mk : Nat → Bool), t n = q →
      (∀ i, OF.nlt i n → (Mk i = true ∧ t i = m) ∨ (Mk i = false ∧ LC.nle (t i) top)) →
      Mk n = bq → OF.countN Mk n = r → OF.countN (fun i => SC.bnot (Mk i)) n = c →
      ∀ j, OF.nlt j V → (j = m → False) →
        OF.logit (fun i => K * (tau (t i) * E (t i) * rho i)) (n+1) t EVOU PVOU EUPU j
          < OF.logit (fun i => K * (tau (t i) * E (t i) * rho i)) (n+1) t EVOU PVOU EUPU m := by
  intro t Mk htq hslot hMn hcr hcc
  have hMk : ∀ i, OF.nlt i (n+1) → Mk i = true → t i = m := fun i hi hm =>
    OF.orE (OF.nlt_succ_cases i n hi)
      (fun h => OF.orE (hslot i h) (fun h' => h'.2) (fun h' => False.elim (SC.true_ne_false (hm.symm.trans h'.1))))
      (fun e => by
        rw [e]
        rw [e, hMn] at hm
        rw [htq]
        exact hbq hm)
  have hnon : ∀ i, OF.nlt i n → Mk i = false → LC.nle (t i) top := fun i hi hm =>
    OF.orE (hslot i hi) (fun h' => False.elim (SC.true_ne_false (h'.1.symm.trans hm))) (fun h' => h'.2)
  have hw : ∀ i, OF.nlt i (n+1) → 0 < K * (tau (t i) * E (t i) * rho i) := fun i hi =>
    OF.mul_pos hK (OF.mul_pos (OF.mul_pos (htau (t i)) (hE (t i))) (hrho i hi))
  have hex : ∃ i, OF.nlt i (n+1) ∧ Mk i = true :=
    OF.orE hr (fun h => ⟨n, OF.nlt_succ_self n, hMn.trans h⟩)
      (fun h => match SC.exists_of_count Mk n (Eq.subst (motive := fun k => OF.nlt 0 k) hcr.symm h) with
        | ⟨i, hi, hm⟩ => ⟨i, OF.nlt_step i n hi, hm⟩)
  have hA := SC.attention_case (fun i => K * (tau (t i) * E (t i) * rho i)) rho (fun i => tau (t i) * E (t i))
    Mk n K (tau m) hK (htau m) hrho (fun i _ _ => OF.mul_pos (htau (t i)) (hE (t i))) hex
    (fun i hi hm => by
      show K * (tau (t i) * E (t i) * rho i) = K * (tau m * rho i)
      rw [hMk i hi hm, hEm, OF.mul_one (tau m)])
    (fun i _ _ => rfl)
    tlo thi klo khi Rlo Rhi Clo Chi rnlo rnhi qlo qhi nlo nhi dlo dhi Alo Ahi ht htlo hklo hkhi
    (fun i hi hm => hk (t i) (hnon i hi hm)) (hRs Mk hcr) (hCs (fun i => SC.bnot (Mk i)) hcc)
    (Eq.subst (motive := fun b => rnlo ≤ OF.sel b (rho n) ∧ OF.sel b (rho n) ≤ rnhi) hMn.symm hrn)
    (Eq.subst (motive := fun b => qlo ≤ OF.sel (SC.bnot b) (tau (t n) * E (t n) * rho n)
        ∧ OF.sel (SC.bnot b) (tau (t n) * E (t n) * rho n) ≤ qhi) hMn.symm
      (Eq.subst (motive := fun x => qlo ≤ OF.sel (SC.bnot bq) (tau x * E x * rho n)
        ∧ OF.sel (SC.bnot bq) (tau x * E x * rho n) ≤ qhi) htq.symm hq))
    hnlo hnhi hdlo hdhi hAlo hAhi
  exact SC.input_correct (fun i => K * (tau (t i) * E (t i) * rho i)) (n+1) (OF.nlt_zero_succ n) hw t
    EVOU PVOU EUPU V m Mk hMk W P L S wb rhoU Alo Ahi Blo Bhi
    (fun j hj hjm i hi hm => OF.orE (OF.nlt_succ_cases i n hi)
      (fun h => hWt (t i) (hnon i h hm) j hj hjm)
      (fun e => by
        rw [e, htq]
        rw [e, hMn] at hm
        exact hWq hm j hj hjm))
    hP hline hBlo hBhi hcheck hA

end

end SC

section
variable {α : Type} [OrdField α]

/-- sound: subcubic. The sub-cubic case check (`checker/proofs/subcubic.py`, `check_cases`) is
sound: every input of a case whose computed bound is `< 0` is correct. Fix the query row `q`
(`EQKE`, `EQKP`, `EUPU` are its rows) and the case `(q, m, c, g)`, `top = m - g`, the query at
position `n`, `bq` whether `q = m`. An input of the case is a token sequence `t` with `t n = q`
and its set `Mk` of max slots: each of the other `n` slots holds `m` (in `Mk`) or a token
`≤ top` (not in `Mk`), `r` of them in `Mk` and `c` not, and `Mk n = bq` (the kernel's reading:
`Mk i = true` iff `t i = m`). Its attention weights are the model's, `exp((EQKE_{t_i} + EQKP_i)/s)`
(`s = sqrt(d_head)`), with `EQKE = approx + Err` (`lowrank_peel`) and `|Err_t - Err_m| ≤ ε` for
`t ≤ top` (the row-spread rules). The other hypotheses are the numbers the kernel computes for the
case and what the rules prove of them (none depends on the input): with `τ_t = exp(approx_t/s - a)`,
`ρ_i = exp(EQKP_i/s - b)` and `E_t = exp((Err_t - Err_m)/s)` (`gap_weights`), the enclosure
`[τ_lo, τ_hi]` of `τ_m`, `κ_lo ≤ min_{t≤top} τ_t exp(-ε/s)` and `max_{t≤top} τ_t exp(ε/s) ≤ κ_hi`,
the sums of the positional factors over any `r` and any `c` non-query slots (`slot_extremes`), the
query slot's part, the ends `n_lo ... d_hi`, the attention ends (`attention_monotone`; an end whose
denominator is not positive is replaced by the trivial `0` or `1`), the value bound `W_j` of every
non-max token and of a non-max query, the positional bound `P_j`, the kernel's lines
`(L_j, S_j)` with `w` and the direct residual bound `ρ_U` (`hline`), their bounds `B_lo`, `B_hi`
at the attention ends (`envelope_chords` or `meandiff_bilinear`) and the check
`max(B_lo + (1 - A_lo) w + ρ_U, B_hi + (1 - A_hi) w + ρ_U) < 0`. Then every wrong logit of every
input of the case is below the max's (`convex_logit_bound`, `convex_endpoint`). -/
theorem subcubic_sound (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (exp_mono : ∀ a b, a ≤ b → exp a ≤ exp b)
    (EQKE approx Err EQKP : Nat → α) (hsplit : ∀ t, EQKE t = approx t + Err t) (s a b eps : α) (hs : 0 < s)
    (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α) (n V q m top r c : Nat) (bq : Bool)
    (hbq : bq = true → q = m) (hr : bq = true ∨ OF.nlt 0 r)
    (heps : ∀ t, OF.nlt t (top+1) → OF.abs (Err t - Err m) ≤ eps)
    (tlo thi klo khi Rlo Rhi Clo Chi rnlo rnhi qlo qhi nlo nhi dlo dhi Alo Ahi : α)
    (ht : tlo ≤ exp (approx m / s - a) ∧ exp (approx m / s - a) ≤ thi) (htlo : 0 ≤ tlo) (hklo : 0 ≤ klo)
    (hkmin : klo ≤ OF.minUpTo (fun t => exp (approx t / s - a)) top * exp (-(eps / s)))
    (hkmax : SC.maxUpTo (fun t => exp (approx t / s - a)) top * exp (eps / s) ≤ khi)
    (hRs : ∀ M : Nat → Bool, OF.countN M n = r →
      Rlo ≤ OF.sumN (fun i => OF.sel (M i) (exp (EQKP i / s - b))) n ∧
      OF.sumN (fun i => OF.sel (M i) (exp (EQKP i / s - b))) n ≤ Rhi)
    (hCs : ∀ M : Nat → Bool, OF.countN M n = c →
      Clo ≤ OF.sumN (fun i => OF.sel (M i) (exp (EQKP i / s - b))) n ∧
      OF.sumN (fun i => OF.sel (M i) (exp (EQKP i / s - b))) n ≤ Chi)
    (hrn : rnlo ≤ OF.sel bq (exp (EQKP n / s - b)) ∧ OF.sel bq (exp (EQKP n / s - b)) ≤ rnhi)
    (hq : qlo ≤ OF.sel (SC.bnot bq) (exp (approx q / s - a) * exp ((Err q - Err m) / s) * exp (EQKP n / s - b))
      ∧ OF.sel (SC.bnot bq) (exp (approx q / s - a) * exp ((Err q - Err m) / s) * exp (EQKP n / s - b)) ≤ qhi)
    (hnlo : nlo ≤ tlo * (Rlo + rnlo)) (hnhi : thi * (Rhi + rnhi) ≤ nhi)
    (hdlo : dlo ≤ klo * Clo + qlo) (hdhi : khi * Chi + qhi ≤ dhi)
    (hAlo : (0 < nlo + dhi ∧ Alo ≤ nlo / (nlo + dhi)) ∨ Alo ≤ 0)
    (hAhi : (0 < nhi + dlo ∧ nhi / (nhi + dlo) ≤ Ahi) ∨ 1 ≤ Ahi)
    (W P L S : Nat → α) (wb rhoU Blo Bhi : α)
    (hWt : ∀ t, LC.nle t top → ∀ j, OF.nlt j V → (j = m → False) → EVOU t j - EVOU t m ≤ W j)
    (hWq : bq = false → ∀ j, OF.nlt j V → (j = m → False) → EVOU q j - EVOU q m ≤ W j)
    (hP : ∀ j, OF.nlt j V → (j = m → False) → ∀ i, OF.nlt i (n+1) → PVOU i j - PVOU i m ≤ P j)
    (hline : ∀ j, OF.nlt j V → (j = m → False) →
      EUPU j - EUPU m + P j + W j ≤ L j + wb + rhoU ∧ EVOU m j - EVOU m m - W j = S j - wb)
    (hBlo : ∀ j, OF.nlt j V → (j = m → False) → L j + Alo * S j ≤ Blo)
    (hBhi : ∀ j, OF.nlt j V → (j = m → False) → L j + Ahi * S j ≤ Bhi)
    (hcheck : SC.max2 (Blo + (1 - Alo) * wb + rhoU) (Bhi + (1 - Ahi) * wb + rhoU) < 0) :
    ∀ (t : Nat → Nat) (Mk : Nat → Bool), t n = q →
      (∀ i, OF.nlt i n → (Mk i = true ∧ t i = m) ∨ (Mk i = false ∧ LC.nle (t i) top)) →
      Mk n = bq → OF.countN Mk n = r → OF.countN (fun i => SC.bnot (Mk i)) n = c →
      ∀ j, OF.nlt j V → (j = m → False) →
        OF.logit (fun i => exp ((EQKE (t i) + EQKP i) / s)) (n+1) t EVOU PVOU EUPU j
          < OF.logit (fun i => exp ((EQKE (t i) + EQKP i) / s)) (n+1) t EVOU PVOU EUPU m := by
  intro t Mk htq hslot hMn hcr hcc j hj hjm
  have gw := gap_weights exp exp_pos exp_add exp_mono EQKE approx Err EQKP hsplit s a b eps hs (top+1) m heps
  have hk : ∀ u, LC.nle u top → klo ≤ exp (approx u / s - a) * exp ((Err u - Err m) / s) ∧
      exp (approx u / s - a) * exp ((Err u - Err m) / s) ≤ khi := fun u hu =>
    have hu' := SC.nlt_of_nle u top hu
    ⟨OF.le_trans hkmin (OF.le_trans
        (OF.mul_le_mul_of_nonneg_right (gw.2.2.2.2 top u hu').1 (OF.le_of_lt (exp_pos _)))
        (OF.mul_le_mul_of_nonneg_left (gw.2.2.2.1 u hu').1 (OF.le_of_lt (exp_pos _)))),
     OF.le_trans (OF.le_trans
        (OF.mul_le_mul_of_nonneg_left (gw.2.2.2.1 u hu').2 (OF.le_of_lt (exp_pos _)))
        (OF.mul_le_mul_of_nonneg_right (gw.2.2.2.2 top u hu').2 (OF.le_of_lt (exp_pos _)))) hkmax⟩
  have hkhi : 0 ≤ khi :=
    OF.le_trans (OF.le_of_lt (OF.mul_pos (exp_pos (approx 0 / s - a)) (exp_pos ((Err 0 - Err m) / s))))
      (hk 0 trivial).2
  have hEm : exp ((Err m - Err m) / s) = 1 := by
    rw [OF.sub_self (Err m), SC.zero_div s]
    exact exp_zero exp exp_pos exp_add
  have hc := SC.case_correct (fun u => exp (approx u / s - a)) (fun u => exp ((Err u - Err m) / s))
    (fun i => exp (EQKP i / s - b)) (exp (Err m / s + a + b)) EVOU PVOU EUPU n V q m top r c bq
    (exp_pos _) (fun _ => exp_pos _) (fun _ => exp_pos _) (fun _ _ => exp_pos _) hEm hbq hr
    tlo thi klo khi Rlo Rhi Clo Chi rnlo rnhi qlo qhi nlo nhi dlo dhi Alo Ahi ht htlo hklo hkhi hk
    hRs hCs hrn hq hnlo hnhi hdlo hdhi hAlo hAhi W P L S wb rhoU Blo Bhi hWt hWq hP hline hBlo hBhi hcheck
    t Mk htq hslot hMn hcr hcc j hj hjm
  have e : ∀ k, OF.logit (fun i => exp ((EQKE (t i) + EQKP i) / s)) (n+1) t EVOU PVOU EUPU k
      = OF.logit (fun i => exp (Err m / s + a + b) * (exp (approx (t i) / s - a)
          * exp ((Err (t i) - Err m) / s) * exp (EQKP i / s - b))) (n+1) t EVOU PVOU EUPU k :=
    fun k => SC.logit_congr _ _ (n+1) t EVOU PVOU EUPU k (fun i _ => gw.1 (t i) i)
  rw [e j, e m]
  exact hc

end

/-! ## The count -/

namespace SC

/-- `rangeL k = [0, 1, ..., k-1]`. -/
def rangeL : Nat → List Nat
  | 0 => []
  | k+1 => LC.lapp (rangeL k) [k]

theorem llen_rangeL : (k : Nat) → LC.llen (rangeL k) = k
  | 0 => rfl
  | k+1 => (LC.llen_lapp (rangeL k) [k]).trans (congrArg (fun z => z + 1) (llen_rangeL k))

theorem nlt_irrefl : (a : Nat) → OF.nlt a a → False
  | 0, h => h
  | a+1, h => nlt_irrefl a h

theorem nlt_nle_false : (a b : Nat) → OF.nlt a b → LC.nle b a → False
  | _, 0, h, _ => h
  | 0, _+1, _, h => h
  | a+1, b+1, h1, h2 => nlt_nle_false a b h1 h2

theorem nlt_of_mem_rangeL : (k t : Nat) → LC.Mem t (rangeL k) → OF.nlt t k
  | 0, _, h => False.elim h
  | k+1, t, h => OF.orE ((LC.mem_lapp t (rangeL k) [k]).mp h)
      (fun h' => OF.nlt_step t k (nlt_of_mem_rangeL k t h'))
      (fun h' => OF.orE h' (fun e => Eq.subst (motive := fun z => OF.nlt z (k+1)) e.symm (OF.nlt_succ_self k))
        (fun f => False.elim f))

theorem rangeL_nodup : (k : Nat) → LC.Nodup (rangeL k)
  | 0 => trivial
  | k+1 => LC.nodup_lapp (rangeL k) [k] (rangeL_nodup k) ⟨fun h => h, trivial⟩
      (fun y hy hk => OF.orE hk
        (fun e => nlt_irrefl k (Eq.subst (motive := fun z => OF.nlt z k) e (nlt_of_mem_rangeL k y hy)))
        (fun f => f))

/-- A sub-cubic case `(q, m, c, g)` with `top = m - g`. -/
structure SubCase where
  q : Nat
  m : Nat
  c : Nat
  top : Nat

/-- The inputs of a case as (query, the other `n` positions): `c` of those positions hold a token
`≤ top`, the others `m` (`cubic_count`'s `seqs` with the token set `{0, ..., top}`). -/
def caseInputs (n : Nat) (k : SubCase) : List (Nat × List Nat) :=
  LC.lmap (fun s => (k.q, s)) (LC.seqs (rangeL (k.top + 1)) k.m n k.c)

/-- The kernel's count (`check_cases`): Σ over the cases of C(n, c) (top + 1)^c. -/
def caseCount (n : Nat) : List SubCase → Nat
  | [] => 0
  | k :: ks => LC.choose n k.c * LC.npow (k.top + 1) k.c + caseCount n ks

theorem caseInputs_len (n : Nat) (k : SubCase) :
    LC.llen (caseInputs n k) = LC.choose n k.c * LC.npow (k.top + 1) k.c :=
  (LC.llen_lmap _ _).trans ((LC.seqs_len (rangeL (k.top + 1)) k.m n k.c).trans
    (congrArg (fun z => LC.choose n k.c * LC.npow z k.c) (llen_rangeL (k.top + 1))))

theorem sizes_caseInputs (n : Nat) : (ks : List SubCase) →
    LC.sizes (LC.lmap (caseInputs n) ks) = caseCount n ks
  | [] => rfl
  | k :: ks => by
    show LC.llen (caseInputs n k) + LC.sizes (LC.lmap (caseInputs n) ks)
      = LC.choose n k.c * LC.npow (k.top + 1) k.c + caseCount n ks
    rw [caseInputs_len n k, sizes_caseInputs n ks]

theorem pair_inj (q : Nat) : ∀ s t : List Nat, (fun r => (q, r)) s = (fun r => (q, r)) t → s = t :=
  fun _ _ e => congrArg Prod.snd e

theorem caseInputs_nodup (n : Nat) (k : SubCase) (hk : LC.nle (k.top + 1) k.m) : LC.Nodup (caseInputs n k) :=
  LC.nodup_lmap (fun s => (k.q, s)) (pair_inj k.q) _
    (LC.seqs_nodup (rangeL (k.top + 1)) k.m (rangeL_nodup (k.top + 1))
      (fun h => nlt_nle_false k.m (k.top + 1) (nlt_of_mem_rangeL (k.top + 1) k.m h) hk) n k.c)

theorem mem_caseInputs (n : Nat) (k : SubCase) (s : List Nat) :
    LC.Mem (k.q, s) (caseInputs n k) ↔ (LC.llen s = n ∧ LC.Shape (rangeL (k.top + 1)) k.m s k.c) :=
  ⟨fun h => match (LC.mem_lmap (fun r => (k.q, r)) (k.q, s) (LC.seqs (rangeL (k.top + 1)) k.m n k.c)).mp h with
      | ⟨x, hx, e⟩ => (LC.seqs_mem (rangeL (k.top + 1)) k.m n k.c s).mp
          (Eq.subst (motive := fun z => LC.Mem z (LC.seqs (rangeL (k.top + 1)) k.m n k.c))
            (congrArg Prod.snd e).symm hx),
   fun h => (LC.mem_lmap (fun r => (k.q, r)) (k.q, s) (LC.seqs (rangeL (k.top + 1)) k.m n k.c)).mpr
      ⟨s, (LC.seqs_mem (rangeL (k.top + 1)) k.m n k.c s).mpr h, rfl⟩⟩

end SC

/-- sound: subcubic. The kernel's count for the sub-cubic rule is sound: the inputs of a case
`(q, m, c, top)` (`top = m - g < m`) are enumerated without repetition by `caseInputs`, which has
the kernel's `C(n, c) (top + 1)^c` entries, listing exactly the pairs (q, s) with `s` of length
`n` with `c` entries `≤ top` and the others `m` (`cubic_count`); if the listed cases' inputs are
pairwise disjoint (the kernel refuses a repeated `(q, m, c)`; distinct keys give disjoint sets),
inputs at all (in `U`), and all correct (`subcubic_sound` for each proved case), the number of
correct inputs is at least the kernel's count (`count_disjoint`). -/
theorem subcubic_count_sound (deq : (a b : Nat × List Nat) → Decidable (a = b))
    (correct : Nat × List Nat → Bool) (U : List (Nat × List Nat)) (n : Nat) (cases : List SC.SubCase)
    (htop : ∀ k, LC.Mem k cases → LC.nle (k.top + 1) k.m)
    (hdisj : LC.PairwiseDisj (LC.lmap (SC.caseInputs n) cases))
    (hsub : ∀ k, LC.Mem k cases → ∀ x, LC.Mem x (SC.caseInputs n k) → LC.Mem x U)
    (hok : ∀ k, LC.Mem k cases → ∀ x, LC.Mem x (SC.caseInputs n k) → correct x = true) :
    LC.nle (SC.caseCount n cases) (LC.countP correct U) ∧
    (∀ (k : SC.SubCase) (s : List Nat), LC.Mem (k.q, s) (SC.caseInputs n k)
      ↔ (LC.llen s = n ∧ LC.Shape (SC.rangeL (k.top + 1)) k.m s k.c)) :=
  ⟨Eq.subst (motive := fun z => LC.nle z (LC.countP correct U)) (SC.sizes_caseInputs n cases)
    (count_disjoint deq correct U (LC.lmap (SC.caseInputs n) cases)
      (fun d hd => match (LC.mem_lmap (SC.caseInputs n) d cases).mp hd with
        | ⟨k, hk, e⟩ => Eq.subst (motive := fun z => LC.Nodup z) e.symm (SC.caseInputs_nodup n k (htop k hk)))
      hdisj
      (fun d hd => match (LC.mem_lmap (SC.caseInputs n) d cases).mp hd with
        | ⟨k, hk, e⟩ => fun x hx => hsub k hk x (Eq.subst (motive := fun z => LC.Mem x z) e hx))
      (fun d hd => match (LC.mem_lmap (SC.caseInputs n) d cases).mp hd with
        | ⟨k, hk, e⟩ => fun x hx => hok k hk x (Eq.subst (motive := fun z => LC.Mem x z) e hx))),
   fun k s => SC.mem_caseInputs n k s⟩
