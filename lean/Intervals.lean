/-!
# Intervals.lean: arithmetic on enclosures

Rules `round_outward`, `ival_add`, `ival_sub`, `ival_mul`, `ival_sum`, `exp_enclosure`.
An enclosure of `x` is a pair `lo ≤ x ∧ x ≤ hi`.
-/

section
variable {α : Type} [OrdField α]

/-- mirrors: round_outward. lo ≤ x ≤ hi, lo' ≤ lo and hi ≤ hi' give lo' ≤ x ≤ hi'. -/
theorem round_outward {x lo hi lo' hi' : α} (hlo : lo ≤ x) (hhi : x ≤ hi) (hlo' : lo' ≤ lo)
    (hhi' : hi ≤ hi') : lo' ≤ x ∧ x ≤ hi' :=
  ⟨OF.le_trans hlo' hlo, OF.le_trans hhi hhi'⟩

/-- supports: round_outward (the IEEE half). Model the binary64 grid by `succ`/`pred` with
`pred f ≤ f ≤ succ f` and `pred (succ f) = f`. If the exact value `x` lies between a float `f`
and the next float `succ f`, and the computed result `r` is one of the two (true of every
IEEE rounding mode and of the nearest float), then `pred r ≤ x ≤ succ r`. -/
theorem round_outward_grid (succ pred : α → α) (hs : ∀ f, f ≤ succ f) (hp : ∀ f, pred f ≤ f)
    (hps : ∀ f, pred (succ f) = f) (x f r : α) (hbr : f ≤ x ∧ x ≤ succ f)
    (hr : r = f ∨ r = succ f) : pred r ≤ x ∧ x ≤ succ r :=
  OF.orE hr
    (fun e => by
      rw [e]
      exact ⟨OF.le_trans (hp f) hbr.1, hbr.2⟩)
    (fun e => by
      rw [e, hps f]
      exact ⟨hbr.1, OF.le_trans hbr.2 (hs (succ f))⟩)

/-- mirrors: ival_add. x ∈ [a, b] and y ∈ [c, d] imply x + y ∈ [a + c, b + d]. -/
theorem ival_add {x y a b c d : α} (hx : a ≤ x ∧ x ≤ b) (hy : c ≤ y ∧ y ≤ d) :
    a + c ≤ x + y ∧ x + y ≤ b + d :=
  ⟨OF.add_le_add hx.1 hy.1, OF.add_le_add hx.2 hy.2⟩

/-- mirrors: ival_sub. x ∈ [a, b] and y ∈ [c, d] imply x - y ∈ [a - d, b - c]. -/
theorem ival_sub {x y a b c d : α} (hx : a ≤ x ∧ x ≤ b) (hy : c ≤ y ∧ y ≤ d) :
    a - d ≤ x - y ∧ x - y ≤ b - c :=
  ⟨OF.add_le_add hx.1 (OF.neg_le_neg hy.2), OF.add_le_add hx.2 (OF.neg_le_neg hy.1)⟩

/-- `x * y` is at least one of the four corner products. -/
theorem ival_mul_lower {x y a b c d L : α} (hx : a ≤ x ∧ x ≤ b) (hy : c ≤ y ∧ y ≤ d)
    (hL : L ≤ a * c ∧ L ≤ a * d ∧ L ≤ b * c ∧ L ≤ b * d) : L ≤ x * y :=
  OF.orE (OF.le_total 0 y)
    (fun hy0 =>
      -- a * y ≤ x * y, and a * y is above a * c (a ≥ 0) or a * d (a ≤ 0)
      OF.le_trans
        (OF.orE (OF.le_total 0 a)
          (fun ha => OF.le_trans hL.1 (OF.mul_le_mul_of_nonneg_left hy.1 ha))
          (fun ha => OF.le_trans hL.2.1 (OF.mul_le_mul_of_nonpos_left hy.2 ha)))
        (OF.mul_le_mul_of_nonneg_right hx.1 hy0))
    (fun hy0 =>
      -- b * y ≤ x * y, and b * y is above b * c (b ≥ 0) or b * d (b ≤ 0)
      OF.le_trans
        (OF.orE (OF.le_total 0 b)
          (fun hb => OF.le_trans hL.2.2.1 (OF.mul_le_mul_of_nonneg_left hy.1 hb))
          (fun hb => OF.le_trans hL.2.2.2 (OF.mul_le_mul_of_nonpos_left hy.2 hb)))
        (OF.mul_le_mul_of_nonpos_right hx.2 hy0))

/-- `x * y` is at most one of the four corner products. -/
theorem ival_mul_upper {x y a b c d U : α} (hx : a ≤ x ∧ x ≤ b) (hy : c ≤ y ∧ y ≤ d)
    (hU : a * c ≤ U ∧ a * d ≤ U ∧ b * c ≤ U ∧ b * d ≤ U) : x * y ≤ U :=
  OF.orE (OF.le_total 0 y)
    (fun hy0 =>
      -- x * y ≤ b * y, and b * y is below b * d (b ≥ 0) or b * c (b ≤ 0)
      OF.le_trans (OF.mul_le_mul_of_nonneg_right hx.2 hy0)
        (OF.orE (OF.le_total 0 b)
          (fun hb => OF.le_trans (OF.mul_le_mul_of_nonneg_left hy.2 hb) hU.2.2.2)
          (fun hb => OF.le_trans (OF.mul_le_mul_of_nonpos_left hy.1 hb) hU.2.2.1)))
    (fun hy0 =>
      -- x * y ≤ a * y, and a * y is below a * d (a ≥ 0) or a * c (a ≤ 0)
      OF.le_trans (OF.mul_le_mul_of_nonpos_right hx.1 hy0)
        (OF.orE (OF.le_total 0 a)
          (fun ha => OF.le_trans (OF.mul_le_mul_of_nonneg_left hy.2 ha) hU.2.1)
          (fun ha => OF.le_trans (OF.mul_le_mul_of_nonpos_left hy.1 ha) hU.1)))

/-- mirrors: ival_mul. x ∈ [a, b], y ∈ [c, d]: any L below the four corner products ac, ad,
bc, bd is below xy, and any U above all four is above xy. -/
theorem ival_mul {x y a b c d L U : α} (hx : a ≤ x ∧ x ≤ b) (hy : c ≤ y ∧ y ≤ d)
    (hL : L ≤ a * c ∧ L ≤ a * d ∧ L ≤ b * c ∧ L ≤ b * d)
    (hU : a * c ≤ U ∧ a * d ≤ U ∧ b * c ≤ U ∧ b * d ≤ U) : L ≤ x * y ∧ x * y ≤ U :=
  ⟨ival_mul_lower hx hy hL, ival_mul_upper hx hy hU⟩

/-- mirrors: ival_sum. If x_i ∈ [a_i, b_i] for i < n then Σ x_i ∈ [Σ a_i, Σ b_i]. -/
theorem ival_sum (x a b : Nat → α) (n : Nat) (h : ∀ i, OF.nlt i n → a i ≤ x i ∧ x i ≤ b i) :
    OF.sumN a n ≤ OF.sumN x n ∧ OF.sumN x n ≤ OF.sumN b n :=
  ⟨OF.sumN_le a x n (fun i hi => (h i hi).1), OF.sumN_le x b n (fun i hi => (h i hi).2)⟩

/-- From `exp (0 + 0) = exp 0 * exp 0` and `exp 0 > 0`: `exp 0 = 1`. -/
theorem exp_zero (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) : exp 0 = 1 := by
  have h := exp_add 0 0
  rw [OF.zero_add (0 : α)] at h
  -- h : exp 0 = exp 0 * exp 0, so exp 0 * (exp 0 - 1) = 0
  have h2 : exp 0 * (exp 0 - 1) = 0 := by
    rw [OF.mul_sub (exp 0) (exp 0) 1, OF.mul_one (exp 0), ← h, OF.sub_self (exp 0)]
  exact OF.eq_of_sub_eq_zero (OF.eq_zero_of_mul_eq_zero (OF.ne_zero_of_pos (exp_pos 0)) h2)

/-- supports: exp_enclosure. The shift used for softmax: exp (a - c) * exp c = exp a. -/
theorem exp_shift (exp : α → α) (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (a c : α) :
    exp (a - c) * exp c = exp a := by
  rw [← exp_add (a - c) c, OF.sub_add_cancel a c]

/-- mirrors: exp_enclosure. With exp positive and exp(a + b) = exp(a) exp(b), a ball
[lo, hi] certified (by arb) to contain exp(x) gives lo ≤ exp(x) ≤ hi; moreover exp(x) > 0,
hi > 0 and exp(0) = 1. -/
theorem exp_enclosure (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (x lo hi : α)
    (ball : lo ≤ exp x ∧ exp x ≤ hi) :
    lo ≤ exp x ∧ exp x ≤ hi ∧ 0 < exp x ∧ 0 < hi ∧ exp 0 = 1 :=
  ⟨ball.1, ball.2, exp_pos x, OF.lt_of_lt_of_le (exp_pos x) ball.2, exp_zero exp exp_pos exp_add⟩

end
