/-!
# Field.lean: the abstract ordered field and the lemmas every other file uses

Every statement in `lean/` is made over a type `α` carrying an `OrdField α` instance: an
ordered field given only by its operations and the axioms the proofs use (no Mathlib, no
library lemma). The real numbers, the rationals and any other ordered field are instances.

Also here: `abs`, a two-argument `min2`, a finite sum `sumN f n = f 0 + ... + f (n-1)`,
natural powers `pw`, and a bound on indices `nlt i n` (`i < n`, defined by recursion so the
files do not depend on how a particular Lean version defines `<` on `Nat`).

This file is the first of the concatenation that `check.py` feeds to `lean`.
-/

/-- An ordered field, given by its operations and the axioms the proofs use.
`decLe` makes `≤` decidable, which is what `abs` and `min2` need to be defined. -/
class OrdField (α : Type) where
  zero : α
  one : α
  add : α → α → α
  mul : α → α → α
  neg : α → α
  inv : α → α
  le : α → α → Prop
  lt : α → α → Prop
  decLe : (a b : α) → Decidable (le a b)
  add_assoc : ∀ a b c : α, add (add a b) c = add a (add b c)
  add_comm : ∀ a b : α, add a b = add b a
  zero_add : ∀ a : α, add zero a = a
  neg_add : ∀ a : α, add (neg a) a = zero
  mul_assoc : ∀ a b c : α, mul (mul a b) c = mul a (mul b c)
  mul_comm : ∀ a b : α, mul a b = mul b a
  one_mul : ∀ a : α, mul one a = a
  mul_add : ∀ a b c : α, mul a (add b c) = add (mul a b) (mul a c)
  mul_inv : ∀ a : α, (a = zero → False) → mul a (inv a) = one
  zero_ne_one : zero = one → False
  le_refl : ∀ a : α, le a a
  le_trans : ∀ a b c : α, le a b → le b c → le a c
  le_antisymm : ∀ a b : α, le a b → le b a → a = b
  le_total : ∀ a b : α, le a b ∨ le b a
  lt_iff : ∀ a b : α, lt a b ↔ (le a b ∧ ¬ le b a)
  add_le_add_left : ∀ a b c : α, le a b → le (add c a) (add c b)
  mul_nonneg : ∀ a b : α, le zero a → le zero b → le zero (mul a b)

instance ordFieldZero {α : Type} [OrdField α] : OfNat α (nat_lit 0) where
  ofNat := OrdField.zero
instance ordFieldOne {α : Type} [OrdField α] : OfNat α (nat_lit 1) where
  ofNat := OrdField.one
instance ordFieldAdd {α : Type} [OrdField α] : Add α where
  add := OrdField.add
instance ordFieldMul {α : Type} [OrdField α] : Mul α where
  mul := OrdField.mul
instance ordFieldNeg {α : Type} [OrdField α] : Neg α where
  neg := OrdField.neg
instance ordFieldSub {α : Type} [OrdField α] : Sub α where
  sub a b := OrdField.add a (OrdField.neg b)
instance ordFieldDiv {α : Type} [OrdField α] : Div α where
  div a b := OrdField.mul a (OrdField.inv b)
instance ordFieldLE {α : Type} [OrdField α] : LE α where
  le := OrdField.le
instance ordFieldLT {α : Type} [OrdField α] : LT α where
  lt := OrdField.lt

namespace OF

/-! ## Logic and natural-number indices -/

theorem orE {p q r : Prop} (h : p ∨ q) (f : p → r) (g : q → r) : r :=
  match h with
  | Or.inl hp => f hp
  | Or.inr hq => g hq

/-- `nltRev n i` is `i < n`, by recursion on `n` first. -/
def nltRev : Nat → Nat → Prop
  | 0, _ => False
  | _+1, 0 => True
  | k+1, i+1 => nltRev k i

/-- `nlt i n` is `i < n`, by recursion (portable across Lean versions). -/
def nlt (i n : Nat) : Prop := nltRev n i

theorem nlt_succ_self : (n : Nat) → nlt n (n+1)
  | 0 => trivial
  | n+1 => nlt_succ_self n

theorem nlt_step : (i k : Nat) → nlt i k → nlt i (k+1)
  | _, 0, h => False.elim h
  | 0, _+1, _ => trivial
  | i+1, k+1, h => nlt_step i k h

theorem nlt_succ_cases : (i k : Nat) → nlt i (k+1) → nlt i k ∨ i = k
  | 0, 0, _ => Or.inr rfl
  | i+1, 0, h => False.elim h
  | 0, _+1, _ => Or.inl trivial
  | i+1, k+1, h => orE (nlt_succ_cases i k h) (fun h' => Or.inl h') (fun e => Or.inr (congrArg Nat.succ e))

theorem iff_trans3 {a b c d : Prop} (h1 : a ↔ b) (h2 : b ↔ c) (h3 : c ↔ d) : a ↔ d :=
  ⟨fun h => h3.mp (h2.mp (h1.mp h)), fun h => h1.mpr (h2.mpr (h3.mpr h))⟩

theorem nlt_zero_succ (k : Nat) : nlt 0 (k+1) := trivial

section
variable {α : Type} [OrdField α]

/-! ## The axioms in notation form -/

theorem add_assoc (a b c : α) : a + b + c = a + (b + c) := OrdField.add_assoc a b c
theorem add_comm (a b : α) : a + b = b + a := OrdField.add_comm a b
theorem zero_add (a : α) : 0 + a = a := OrdField.zero_add a
theorem neg_add (a : α) : -a + a = 0 := OrdField.neg_add a
theorem mul_assoc (a b c : α) : a * b * c = a * (b * c) := OrdField.mul_assoc a b c
theorem mul_comm (a b : α) : a * b = b * a := OrdField.mul_comm a b
theorem one_mul (a : α) : 1 * a = a := OrdField.one_mul a
theorem mul_add (a b c : α) : a * (b + c) = a * b + a * c := OrdField.mul_add a b c
theorem mul_inv (a : α) (h : a = 0 → False) : a * OrdField.inv a = 1 := OrdField.mul_inv a h
theorem zero_ne_one : (0 : α) = 1 → False := OrdField.zero_ne_one
theorem le_refl (a : α) : a ≤ a := OrdField.le_refl a
theorem le_trans {a b c : α} (h1 : a ≤ b) (h2 : b ≤ c) : a ≤ c := OrdField.le_trans a b c h1 h2
theorem le_antisymm {a b : α} (h1 : a ≤ b) (h2 : b ≤ a) : a = b := OrdField.le_antisymm a b h1 h2
theorem le_total (a b : α) : a ≤ b ∨ b ≤ a := OrdField.le_total a b
theorem lt_iff (a b : α) : a < b ↔ (a ≤ b ∧ ¬ b ≤ a) := OrdField.lt_iff a b
theorem add_le_add_left {a b : α} (h : a ≤ b) (c : α) : c + a ≤ c + b := OrdField.add_le_add_left a b c h
theorem mul_nonneg {a b : α} (ha : 0 ≤ a) (hb : 0 ≤ b) : 0 ≤ a * b := OrdField.mul_nonneg a b ha hb
theorem sub_def (a b : α) : a - b = a + -b := rfl
theorem div_def (a b : α) : a / b = a * OrdField.inv b := rfl

/-! ## Additive group -/

theorem add_zero (a : α) : a + 0 = a := (add_comm a 0).trans (zero_add a)
theorem add_neg (a : α) : a + -a = 0 := (add_comm a (-a)).trans (neg_add a)

theorem add_left_cancel {a b c : α} (h : a + b = a + c) : b = c := by
  have h2 : -a + (a + b) = -a + (a + c) := congrArg (fun t => -a + t) h
  rw [← add_assoc (-a) a b, ← add_assoc (-a) a c, neg_add a, zero_add b, zero_add c] at h2
  exact h2

theorem add_right_cancel {a b c : α} (h : a + c = b + c) : a = b := by
  rw [add_comm a c, add_comm b c] at h
  exact add_left_cancel h

theorem neg_neg (a : α) : - -a = a :=
  add_left_cancel ((add_neg (-a)).trans (neg_add a).symm)

theorem neg_zero : -(0 : α) = 0 := (add_zero (-0)).symm.trans (neg_add 0)

theorem add_left_comm (a b c : α) : a + (b + c) = b + (a + c) := by
  rw [← add_assoc a b c, add_comm a b, add_assoc b a c]

theorem add_right_comm (a b c : α) : a + b + c = a + c + b := by
  rw [add_assoc a b c, add_comm b c, ← add_assoc a c b]

theorem add4 (a b c d : α) : a + b + (c + d) = a + c + (b + d) := by
  rw [add_assoc a b (c + d), ← add_assoc b c d, add_comm b c, add_assoc c b d, ← add_assoc a c (b + d)]

theorem neg_add_distrib (a b : α) : -(a + b) = -a + -b := by
  have h : a + b + -(a + b) = a + b + (-a + -b) := by
    rw [add_neg (a + b), add4 a b (-a) (-b), add_neg a, add_neg b, zero_add 0]
  exact add_left_cancel h

theorem neg_eq_of_add {a b : α} (h : a + b = 0) : -a = b := by
  have h2 : a + -a = a + b := (add_neg a).trans h.symm
  exact add_left_cancel h2

theorem sub_self (a : α) : a - a = 0 := add_neg a
theorem sub_zero (a : α) : a - 0 = a := by rw [sub_def, neg_zero, add_zero a]
theorem zero_sub (a : α) : 0 - a = -a := by rw [sub_def, zero_add (-a)]

theorem sub_add_cancel (a b : α) : a - b + b = a := by
  rw [sub_def, add_assoc a (-b) b, neg_add b, add_zero a]

theorem add_sub_cancel (a b : α) : a + b - b = a := by
  rw [sub_def, add_assoc a b (-b), add_neg b, add_zero a]

theorem eq_of_sub_eq_zero {a b : α} (h : a - b = 0) : a = b := by
  have h2 : a - b + b = 0 + b := congrArg (fun t => t + b) h
  rw [sub_add_cancel a b, zero_add b] at h2
  exact h2

theorem add_sub_add (a b c d : α) : a + b - (c + d) = (a - c) + (b - d) := by
  rw [sub_def, sub_def, sub_def, neg_add_distrib c d, add4 a b (-c) (-d)]

theorem neg_sub (a b : α) : -(a - b) = b - a := by
  rw [sub_def, sub_def, neg_add_distrib a (-b), neg_neg b, add_comm (-a) b]

theorem sub_add_sub_cancel (a b c : α) : (a - b) + (b - c) = a - c := by
  rw [sub_def, sub_def, sub_def, add_assoc a (-b) (b + -c), ← add_assoc (-b) b (-c), neg_add b,
    zero_add (-c)]

theorem add_sub_cancel' (a b : α) : a + (b - a) = b := by
  rw [add_comm a (b - a), sub_add_cancel b a]

theorem add_sub_add_right (a b c : α) : (a + c) - (b + c) = a - b := by
  rw [add_sub_add a c b c, sub_self c, add_zero (a - b)]

/-! ## Multiplication -/

theorem mul_one (a : α) : a * 1 = a := (mul_comm a 1).trans (one_mul a)

theorem add_mul (a b c : α) : (a + b) * c = a * c + b * c := by
  rw [mul_comm (a + b) c, mul_add c a b, mul_comm c a, mul_comm c b]

theorem mul_zero (a : α) : a * 0 = 0 := by
  have h : a * 0 + a * 0 = a * 0 + 0 := by
    rw [← mul_add a 0 0, zero_add (0 : α), add_zero (a * 0)]
  exact add_left_cancel h

theorem zero_mul (a : α) : 0 * a = 0 := (mul_comm 0 a).trans (mul_zero a)

theorem mul_neg (a b : α) : a * -b = -(a * b) := by
  have h : a * b + a * -b = 0 := by rw [← mul_add a b (-b), add_neg b, mul_zero a]
  exact (neg_eq_of_add h).symm

theorem neg_mul (a b : α) : -a * b = -(a * b) := by
  rw [mul_comm (-a) b, mul_neg b a, mul_comm b a]

theorem neg_mul_neg (a b : α) : -a * -b = a * b := by
  rw [neg_mul a (-b), mul_neg a b, neg_neg (a * b)]

theorem mul_sub (a b c : α) : a * (b - c) = a * b - a * c := by
  rw [sub_def, sub_def, mul_add a b (-c), mul_neg a c]

theorem sub_mul (a b c : α) : (a - b) * c = a * c - b * c := by
  rw [mul_comm (a - b) c, mul_sub c a b, mul_comm c a, mul_comm c b]

theorem mul_left_comm (a b c : α) : a * (b * c) = b * (a * c) := by
  rw [← mul_assoc a b c, mul_comm a b, mul_assoc b a c]

theorem eq_zero_of_mul_eq_zero {a b : α} (ha : a = 0 → False) (h : a * b = 0) : b = 0 := by
  have h2 : OrdField.inv a * (a * b) = OrdField.inv a * 0 := congrArg (fun t => OrdField.inv a * t) h
  rw [← mul_assoc (OrdField.inv a) a b, mul_comm (OrdField.inv a) a, mul_inv a ha, one_mul b,
    mul_zero (OrdField.inv a)] at h2
  exact h2

theorem mul_left_cancel' {c a b : α} (hc : c = 0 → False) (h : c * a = c * b) : a = b := by
  have h2 : c * (a - b) = 0 := by rw [mul_sub c a b, h, sub_self (c * b)]
  exact eq_of_sub_eq_zero (eq_zero_of_mul_eq_zero hc h2)

theorem mul_ne_zero {a b : α} (ha : a = 0 → False) (hb : b = 0 → False) : a * b = 0 → False :=
  fun h => hb (eq_zero_of_mul_eq_zero ha h)

/-- `(C A) / (C Z) = A / Z` for nonzero `C` and `Z`. -/
theorem div_cancel_left (C A Z : α) (hC : C = 0 → False) (hZ : Z = 0 → False) :
    (C * A) / (C * Z) = A / Z := by
  have hCZ := mul_ne_zero hC hZ
  apply mul_left_cancel' hCZ
  rw [div_def (C * A) (C * Z), div_def A Z, mul_left_comm (C * Z) (C * A) (OrdField.inv (C * Z)),
    mul_inv (C * Z) hCZ, mul_one (C * A), mul_assoc C Z (A * OrdField.inv Z),
    mul_left_comm Z A (OrdField.inv Z), mul_inv Z hZ, mul_one A]

/-! ## Order -/

theorem le_of_eq {a b : α} (h : a = b) : a ≤ b :=
  Eq.subst (motive := fun t => a ≤ t) h (le_refl a)

theorem le_of_lt {a b : α} (h : a < b) : a ≤ b := ((lt_iff a b).mp h).1
theorem not_le_of_lt {a b : α} (h : a < b) : ¬ b ≤ a := ((lt_iff a b).mp h).2
theorem lt_of_le_not_le {a b : α} (h1 : a ≤ b) (h2 : ¬ b ≤ a) : a < b := (lt_iff a b).mpr ⟨h1, h2⟩

theorem le_of_not_le {a b : α} (h : ¬ a ≤ b) : b ≤ a :=
  orE (le_total a b) (fun h' => absurd h' h) (fun h' => h')

theorem lt_of_not_le {a b : α} (h : ¬ b ≤ a) : a < b := lt_of_le_not_le (le_of_not_le h) h

theorem lt_irrefl (a : α) : a < a → False := fun h => not_le_of_lt h (le_refl a)

theorem lt_of_lt_of_le {a b c : α} (h1 : a < b) (h2 : b ≤ c) : a < c :=
  lt_of_le_not_le (le_trans (le_of_lt h1) h2) (fun h => not_le_of_lt h1 (le_trans h2 h))

theorem lt_of_le_of_lt {a b c : α} (h1 : a ≤ b) (h2 : b < c) : a < c :=
  lt_of_le_not_le (le_trans h1 (le_of_lt h2)) (fun h => not_le_of_lt h2 (le_trans h h1))

theorem ne_of_lt {a b : α} (h : a < b) : a = b → False := fun e => not_le_of_lt h (le_of_eq e.symm)

theorem ne_zero_of_pos {a : α} (h : 0 < a) : a = 0 → False := fun e => ne_of_lt h e.symm

theorem add_le_add_right {a b : α} (h : a ≤ b) (c : α) : a + c ≤ b + c := by
  rw [add_comm a c, add_comm b c]
  exact add_le_add_left h c

theorem add_le_add {a b c d : α} (h1 : a ≤ b) (h2 : c ≤ d) : a + c ≤ b + d :=
  le_trans (add_le_add_right h1 c) (add_le_add_left h2 b)

theorem le_of_add_le_add_left {a b c : α} (h : c + a ≤ c + b) : a ≤ b := by
  have h2 := add_le_add_left h (-c)
  rw [← add_assoc (-c) c a, ← add_assoc (-c) c b, neg_add c, zero_add a, zero_add b] at h2
  exact h2

theorem le_of_add_le_add_right {a b c : α} (h : a + c ≤ b + c) : a ≤ b := by
  rw [add_comm a c, add_comm b c] at h
  exact le_of_add_le_add_left h

theorem sub_nonneg_of_le {a b : α} (h : a ≤ b) : 0 ≤ b - a := by
  have h2 := add_le_add_right h (-a)
  rw [add_neg a] at h2
  exact h2

theorem sub_nonpos_of_le {a b : α} (h : a ≤ b) : a - b ≤ 0 := by
  have h2 := add_le_add_right h (-b)
  rw [add_neg b] at h2
  exact h2

theorem le_of_sub_nonneg {a b : α} (h : 0 ≤ b - a) : a ≤ b := by
  have h2 := add_le_add_right h a
  rw [zero_add a, sub_add_cancel b a] at h2
  exact h2

theorem add_lt_add_right {a b : α} (h : a < b) (c : α) : a + c < b + c :=
  lt_of_le_not_le (add_le_add_right (le_of_lt h) c) (fun h' => not_le_of_lt h (le_of_add_le_add_right h'))

theorem add_lt_add_left {a b : α} (h : a < b) (c : α) : c + a < c + b :=
  lt_of_le_not_le (add_le_add_left (le_of_lt h) c) (fun h' => not_le_of_lt h (le_of_add_le_add_left h'))

theorem sub_pos_of_lt {a b : α} (h : a < b) : 0 < b - a := by
  have h2 := add_lt_add_right h (-a)
  rw [add_neg a] at h2
  exact h2

theorem lt_of_sub_pos {a b : α} (h : 0 < b - a) : a < b := by
  have h2 := add_lt_add_right h a
  rw [zero_add a, sub_add_cancel b a] at h2
  exact h2

theorem add_lt_add_of_lt_of_le {a b c d : α} (h1 : a < b) (h2 : c ≤ d) : a + c < b + d :=
  lt_of_lt_of_le (add_lt_add_right h1 c) (add_le_add_left h2 b)

theorem add_lt_add_of_le_of_lt {a b c d : α} (h1 : a ≤ b) (h2 : c < d) : a + c < b + d :=
  lt_of_le_of_lt (add_le_add_right h1 c) (add_lt_add_left h2 b)

theorem neg_le_neg {a b : α} (h : a ≤ b) : -b ≤ -a := by
  have h2 := add_le_add_right h (-a + -b)
  rw [← add_assoc a (-a) (-b), add_neg a, zero_add (-b), add_left_comm b (-a) (-b), add_neg b,
    add_zero (-a)] at h2
  exact h2

theorem neg_nonneg_of_nonpos {a : α} (h : a ≤ 0) : 0 ≤ -a := by
  have h2 := neg_le_neg h
  rw [neg_zero] at h2
  exact h2

theorem neg_nonpos_of_nonneg {a : α} (h : 0 ≤ a) : -a ≤ 0 := by
  have h2 := neg_le_neg h
  rw [neg_zero] at h2
  exact h2

theorem add_nonneg {a b : α} (ha : 0 ≤ a) (hb : 0 ≤ b) : 0 ≤ a + b := by
  have h := add_le_add ha hb
  rw [zero_add (0 : α)] at h
  exact h

theorem add_pos_of_nonneg_of_pos {a b : α} (ha : 0 ≤ a) (hb : 0 < b) : 0 < a + b := by
  have h := add_lt_add_of_le_of_lt ha hb
  rw [zero_add (0 : α)] at h
  exact h

theorem le_add_of_nonneg_right {a b : α} (hb : 0 ≤ b) : a ≤ a + b := by
  have h := add_le_add_left hb a
  rw [add_zero a] at h
  exact h

theorem mul_le_mul_of_nonneg_left {a b c : α} (h : a ≤ b) (hc : 0 ≤ c) : c * a ≤ c * b := by
  have h2 := mul_nonneg hc (sub_nonneg_of_le h)
  rw [mul_sub c b a] at h2
  exact le_of_sub_nonneg h2

theorem mul_le_mul_of_nonneg_right {a b c : α} (h : a ≤ b) (hc : 0 ≤ c) : a * c ≤ b * c := by
  rw [mul_comm a c, mul_comm b c]
  exact mul_le_mul_of_nonneg_left h hc

theorem mul_le_mul_of_nonpos_left {a b c : α} (h : a ≤ b) (hc : c ≤ 0) : c * b ≤ c * a := by
  have h2 := mul_le_mul_of_nonneg_left h (neg_nonneg_of_nonpos hc)
  rw [neg_mul c a, neg_mul c b] at h2
  have h3 := neg_le_neg h2
  rw [neg_neg (c * a), neg_neg (c * b)] at h3
  exact h3

theorem mul_le_mul_of_nonpos_right {a b c : α} (h : a ≤ b) (hc : c ≤ 0) : b * c ≤ a * c := by
  rw [mul_comm b c, mul_comm a c]
  exact mul_le_mul_of_nonpos_left h hc

theorem mul_nonpos_of_nonneg_of_nonpos {a b : α} (ha : 0 ≤ a) (hb : b ≤ 0) : a * b ≤ 0 := by
  have h := mul_nonneg ha (neg_nonneg_of_nonpos hb)
  rw [mul_neg a b] at h
  have h2 := neg_le_neg h
  rw [neg_neg (a * b), neg_zero] at h2
  exact h2

theorem mul_nonneg_of_nonpos_of_nonpos {a b : α} (ha : a ≤ 0) (hb : b ≤ 0) : 0 ≤ a * b := by
  have h := mul_nonneg (neg_nonneg_of_nonpos ha) (neg_nonneg_of_nonpos hb)
  rw [neg_mul_neg a b] at h
  exact h

theorem mul_pos {a b : α} (ha : 0 < a) (hb : 0 < b) : 0 < a * b :=
  lt_of_le_not_le (mul_nonneg (le_of_lt ha) (le_of_lt hb))
    (fun h => ne_zero_of_pos hb
      (eq_zero_of_mul_eq_zero (ne_zero_of_pos ha) (le_antisymm h (mul_nonneg (le_of_lt ha) (le_of_lt hb)))))

theorem zero_le_one : (0 : α) ≤ 1 :=
  orE (le_total (0 : α) 1) (fun h => h) (fun h => by
    have h2 := mul_nonneg (neg_nonneg_of_nonpos h) (neg_nonneg_of_nonpos h)
    rw [neg_mul_neg (1 : α) 1, one_mul (1 : α)] at h2
    exact h2)

theorem zero_lt_one : (0 : α) < 1 :=
  lt_of_le_not_le zero_le_one (fun h => zero_ne_one (le_antisymm zero_le_one h))

theorem inv_pos {a : α} (h : 0 < a) : 0 < OrdField.inv a :=
  lt_of_not_le (fun h2 => by
    have h3 := mul_nonpos_of_nonneg_of_nonpos (le_of_lt h) h2
    rw [mul_inv a (ne_zero_of_pos h)] at h3
    exact not_le_of_lt zero_lt_one h3)

/-- Multiplying by a positive number does not change the sign. -/
theorem pos_of_mul_pos_left {c x : α} (hc : 0 < c) (h : 0 < c * x) : 0 < x :=
  lt_of_not_le (fun hx => not_le_of_lt h (mul_nonpos_of_nonneg_of_nonpos (le_of_lt hc) hx))

theorem nonneg_of_mul_nonneg_left {c x : α} (hc : 0 < c) (h : 0 ≤ c * x) : 0 ≤ x :=
  orE (le_total 0 x) (fun hx => hx) (fun hx =>
    le_of_eq (eq_zero_of_mul_eq_zero (ne_zero_of_pos hc)
      (le_antisymm (mul_nonpos_of_nonneg_of_nonpos (le_of_lt hc) hx) h)).symm)

theorem lt_of_mul_lt_mul_left {a b c : α} (hc : 0 ≤ c) (h : c * a < c * b) : a < b :=
  lt_of_not_le (fun h2 => not_le_of_lt h (mul_le_mul_of_nonneg_left h2 hc))

/-! ## Absolute value -/

def absD (x : α) : Decidable (0 ≤ x) → α
  | Decidable.isTrue _ => x
  | Decidable.isFalse _ => -x

/-- `abs x` is `x` if `0 ≤ x`, else `-x`. -/
def abs (x : α) : α := absD x (OrdField.decLe 0 x)

theorem absD_cases (x : α) : (d : Decidable (0 ≤ x)) → (0 ≤ x ∧ absD x d = x) ∨ (x ≤ 0 ∧ absD x d = -x)
  | Decidable.isTrue h => Or.inl ⟨h, rfl⟩
  | Decidable.isFalse h => Or.inr ⟨le_of_not_le h, rfl⟩

theorem abs_cases (x : α) : (0 ≤ x ∧ abs x = x) ∨ (x ≤ 0 ∧ abs x = -x) :=
  absD_cases x (OrdField.decLe 0 x)

theorem abs_nonneg (x : α) : 0 ≤ abs x :=
  orE (abs_cases x)
    (fun h => by rw [h.2]; exact h.1)
    (fun h => by rw [h.2]; exact neg_nonneg_of_nonpos h.1)

theorem le_abs_self (x : α) : x ≤ abs x :=
  orE (abs_cases x)
    (fun h => le_of_eq h.2.symm)
    (fun h => by rw [h.2]; exact le_trans h.1 (neg_nonneg_of_nonpos h.1))

theorem neg_abs_le (x : α) : -abs x ≤ x :=
  orE (abs_cases x)
    (fun h => by rw [h.2]; exact le_trans (neg_nonpos_of_nonneg h.1) h.1)
    (fun h => by rw [h.2, neg_neg x]; exact le_refl x)

theorem abs_le_of {x c : α} (h1 : -c ≤ x) (h2 : x ≤ c) : abs x ≤ c :=
  orE (abs_cases x)
    (fun h => by rw [h.2]; exact h2)
    (fun h => by
      have h3 := neg_le_neg h1
      rw [neg_neg c] at h3
      rw [h.2]
      exact h3)

theorem abs_le_elim {x c : α} (h : abs x ≤ c) : -c ≤ x ∧ x ≤ c :=
  ⟨le_trans (neg_le_neg h) (neg_abs_le x), le_trans (le_abs_self x) h⟩

theorem abs_add (x y : α) : abs (x + y) ≤ abs x + abs y := by
  apply abs_le_of
  · rw [neg_add_distrib (abs x) (abs y)]
    exact add_le_add (neg_abs_le x) (neg_abs_le y)
  · exact add_le_add (le_abs_self x) (le_abs_self y)

theorem abs_of_nonneg {x : α} (h : 0 ≤ x) : abs x = x :=
  orE (abs_cases x) (fun h' => h'.2) (fun h' => by
    have e : x = 0 := le_antisymm h'.1 h
    rw [h'.2, e, neg_zero])

theorem abs_zero : abs (0 : α) = 0 := abs_of_nonneg (le_refl 0)

theorem abs_mul_of_nonneg {c x : α} (hc : 0 ≤ c) : abs (c * x) = c * abs x :=
  orE (abs_cases x)
    (fun h => by rw [h.2]; exact abs_of_nonneg (mul_nonneg hc h.1))
    (fun h => by
      rw [h.2, mul_neg c x]
      exact orE (abs_cases (c * x))
        (fun h' => by
          have e : c * x = 0 := le_antisymm (mul_nonpos_of_nonneg_of_nonpos hc h.1) h'.1
          rw [h'.2, e, neg_zero])
        (fun h' => h'.2))

/-! ## Minimum of two -/

def minD (a b : α) : Decidable (a ≤ b) → α
  | Decidable.isTrue _ => a
  | Decidable.isFalse _ => b

/-- `min2 a b` is `a` if `a ≤ b`, else `b`. -/
def min2 (a b : α) : α := minD a b (OrdField.decLe a b)

theorem minD_cases (a b : α) : (d : Decidable (a ≤ b)) → (a ≤ b ∧ minD a b d = a) ∨ (b ≤ a ∧ minD a b d = b)
  | Decidable.isTrue h => Or.inl ⟨h, rfl⟩
  | Decidable.isFalse h => Or.inr ⟨le_of_not_le h, rfl⟩

theorem min2_cases (a b : α) : (a ≤ b ∧ min2 a b = a) ∨ (b ≤ a ∧ min2 a b = b) :=
  minD_cases a b (OrdField.decLe a b)

theorem min2_le_left (a b : α) : min2 a b ≤ a :=
  orE (min2_cases a b) (fun h => le_of_eq h.2) (fun h => by rw [h.2]; exact h.1)

theorem min2_le_right (a b : α) : min2 a b ≤ b :=
  orE (min2_cases a b) (fun h => by rw [h.2]; exact h.1) (fun h => le_of_eq h.2)

theorem le_min2 {a b c : α} (h1 : c ≤ a) (h2 : c ≤ b) : c ≤ min2 a b :=
  orE (min2_cases a b) (fun h => by rw [h.2]; exact h1) (fun h => by rw [h.2]; exact h2)

theorem min2_eq_left {a b : α} (h : a ≤ b) : min2 a b = a :=
  orE (min2_cases a b) (fun h' => h'.2) (fun h' => by rw [h'.2]; exact le_antisymm h'.1 h)

theorem min2_eq_right {a b : α} (h : b ≤ a) : min2 a b = b :=
  orE (min2_cases a b) (fun h' => by rw [h'.2]; exact le_antisymm h'.1 h) (fun h' => h'.2)

/-! ## Finite sums `sumN f n = f 0 + ... + f (n-1)` -/

def sumN (f : Nat → α) : Nat → α
  | 0 => 0
  | n+1 => sumN f n + f n

theorem sumN_zero (f : Nat → α) : sumN f 0 = 0 := rfl
theorem sumN_succ (f : Nat → α) (n : Nat) : sumN f (n+1) = sumN f n + f n := rfl

theorem sumN_congr (f g : Nat → α) : (n : Nat) → (∀ i, nlt i n → f i = g i) → sumN f n = sumN g n
  | 0, _ => rfl
  | n+1, h => by
    show sumN f n + f n = sumN g n + g n
    rw [sumN_congr f g n (fun i hi => h i (nlt_step i n hi)), h n (nlt_succ_self n)]

theorem sumN_le (f g : Nat → α) : (n : Nat) → (∀ i, nlt i n → f i ≤ g i) → sumN f n ≤ sumN g n
  | 0, _ => le_refl 0
  | n+1, h => add_le_add (sumN_le f g n (fun i hi => h i (nlt_step i n hi))) (h n (nlt_succ_self n))

theorem sumN_const_zero : (n : Nat) → sumN (fun _ => (0 : α)) n = 0
  | 0 => rfl
  | n+1 => by
    show sumN (fun _ => (0 : α)) n + 0 = 0
    rw [sumN_const_zero n, zero_add (0 : α)]

theorem sumN_nonneg (f : Nat → α) (n : Nat) (h : ∀ i, nlt i n → 0 ≤ f i) : 0 ≤ sumN f n := by
  have h2 := sumN_le (fun _ => (0 : α)) f n h
  rw [sumN_const_zero n] at h2
  exact h2

theorem sumN_pos (f : Nat → α) : (n : Nat) → nlt 0 n → (∀ i, nlt i n → 0 < f i) → 0 < sumN f n
  | 0, h0, _ => False.elim h0
  | n+1, _, h => add_pos_of_nonneg_of_pos
      (sumN_nonneg f n (fun i hi => le_of_lt (h i (nlt_step i n hi)))) (h n (nlt_succ_self n))

theorem sumN_add (f g : Nat → α) : (n : Nat) → sumN (fun i => f i + g i) n = sumN f n + sumN g n
  | 0 => (zero_add 0).symm
  | n+1 => by
    show sumN (fun i => f i + g i) n + (f n + g n) = (sumN f n + f n) + (sumN g n + g n)
    rw [sumN_add f g n, add4 (sumN f n) (sumN g n) (f n) (g n)]

theorem sumN_neg (f : Nat → α) : (n : Nat) → sumN (fun i => -f i) n = -sumN f n
  | 0 => neg_zero.symm
  | n+1 => by
    show sumN (fun i => -f i) n + -f n = -(sumN f n + f n)
    rw [sumN_neg f n, neg_add_distrib (sumN f n) (f n)]

theorem sumN_sub (f g : Nat → α) (n : Nat) : sumN (fun i => f i - g i) n = sumN f n - sumN g n := by
  have h := sumN_add f (fun i => -g i) n
  rw [sumN_neg g n] at h
  exact h

theorem sumN_mul_left (c : α) (f : Nat → α) : (n : Nat) → sumN (fun i => c * f i) n = c * sumN f n
  | 0 => (mul_zero c).symm
  | n+1 => by
    show sumN (fun i => c * f i) n + c * f n = c * (sumN f n + f n)
    rw [sumN_mul_left c f n, mul_add c (sumN f n) (f n)]

theorem sumN_mul_right (c : α) (f : Nat → α) (n : Nat) : sumN (fun i => f i * c) n = sumN f n * c := by
  have h := sumN_mul_left c f n
  rw [mul_comm c (sumN f n)] at h
  have e := sumN_congr (fun i => f i * c) (fun i => c * f i) n (fun i _ => mul_comm (f i) c)
  rw [e]
  exact h

theorem abs_sumN_le (f : Nat → α) : (n : Nat) → abs (sumN f n) ≤ sumN (fun i => abs (f i)) n
  | 0 => by
    show abs (0 : α) ≤ 0
    rw [abs_zero]
    exact le_refl 0
  | n+1 => le_trans (abs_add (sumN f n) (f n)) (add_le_add_right (abs_sumN_le f n) (abs (f n)))

/-! ## Natural powers -/

def pw (x : α) : Nat → α
  | 0 => 1
  | n+1 => pw x n * x

theorem one_le_pw {u : α} (hu : 0 ≤ u) : (n : Nat) → 1 ≤ pw (1 + u) n
  | 0 => le_refl 1
  | n+1 => by
    show 1 ≤ pw (1 + u) n * (1 + u)
    rw [mul_add (pw (1 + u) n) 1 u, mul_one (pw (1 + u) n)]
    have h := one_le_pw hu n
    exact le_trans h (le_add_of_nonneg_right (mul_nonneg (le_trans zero_le_one h) hu))

end

end OF
