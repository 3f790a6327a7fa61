/-!
# Arith.lean: the kernel's float layer as the checks use it (`checker/arith.py`)

The kernel computes on binary64 with outward rounding. Here a float computation is modelled
by two functions `dn`, `up : α → α` with `dn x ≤ x ≤ up x` for every `x` (a `Rnd`): the
kernel's `down(a op b)` is `dn` of the exact `a op b`, its `up(a op b)` is `up` of it. This
is rule `round_outward` (an IEEE operation returns a neighbour of the exact result, so one
`nextafter` step outward is on the right side of it). Because IEEE rounding is monotone, a
`min`/`max` of rounded values followed by `down`/`up`, as in `Interval.__mul__` and
`lower_product`, is `dn`/`up` of the exact `min`/`max`. Every theorem here is stated for all
`Rnd`, so no property of binary64 beyond `dn x ≤ x ≤ up x` is used.

* `Iv`, `Encl`: an `Interval` (a pair `lo`, `hi`) and "`x` lies in it";
* `ivAdd`, `ivSub`, `ivMul`, `ivPt`: `Interval.__add__`, `__sub__`, `__mul__`, and
  `Interval(x, x)` (`_point`, the margin `mu`);
* `lowerProduct`: `lower_product`;
* `minIf`, `argminIf`, `secondIf`, `minExceptK`: `lowest` and `argmin` over an axis where some
  entries are the kernel's `+inf` (`keep j = false`), the minimum with the argmin masked too,
  and `_min_over_j_except_k`'s "smallest unless it sits at `k`, then the second smallest";
* `bneg`, `band`, `notM`: the masks (`_without_m`: entry `j` is kept iff `j ≠ m`);
* `maxIf`: numpy's `max` over an axis with `-inf` entries;
* `ivSumFrom`, `ivFold`, `upFold`: the kernel's running `Interval` sums and upward sums.
-/

/-- Outward rounding: the kernel's `down`/`up` after an IEEE operation, as functions of the
exact result (rule `round_outward`). -/
structure Rnd (α : Type) [OrdField α] where
  dn : α → α
  up : α → α
  dn_le : ∀ x, dn x ≤ x
  le_up : ∀ x, x ≤ up x

/-- An `Interval` entry: lower and upper endpoint. -/
structure Iv (α : Type) where
  lo : α
  hi : α

/-- The state of numpy's `argmin` scan: the smallest value so far and its first index. -/
structure ArgMin (α : Type) where
  val : α
  idx : Nat

namespace OF

theorem em_dec {p : Prop} : Decidable p → p ∨ ¬ p
  | Decidable.isTrue h => Or.inl h
  | Decidable.isFalse h => Or.inr h

/-! ## Masks -/

/-- `bneg b`: not `b`. -/
def bneg : Bool → Bool
  | true => false
  | false => true

/-- `band a b`: `a` and `b`. -/
def band : Bool → Bool → Bool
  | true, b => b
  | false, _ => false

theorem bneg_false : (b : Bool) → bneg b = false → b = true
  | true, _ => rfl
  | false, h => False.elim (LC.false_ne_true h.symm)

theorem bneg_true : (b : Bool) → bneg b = true → b = false
  | true, h => False.elim (LC.false_ne_true h)
  | false, _ => rfl

theorem band_true : (a b : Bool) → a = true → b = true → band a b = true
  | true, true, _, _ => rfl
  | false, _, h, _ => False.elim (LC.false_ne_true h)
  | true, false, _, h => False.elim (LC.false_ne_true h)

/-- The kernel's `_without_m`: entry `j` is kept iff `j ≠ m`. -/
def notM (m j : Nat) : Bool := bneg (LC.eqb j m)

/-- `token_slot`'s kept entries: `j ∉ {m, k}`. -/
def notMK (m k j : Nat) : Bool := band (notM m j) (notM k j)

theorem notM_of_ne {m j : Nat} (h : j = m → False) : notM m j = true :=
  congrArg bneg (LC.eqb_of_ne h)

theorem ne_of_notM {m j : Nat} (h : notM m j = true) (e : j = m) : False :=
  LC.false_ne_true ((LC.eqb_of_eq e).symm.trans (bneg_true (LC.eqb j m) h)).symm

section
variable {α : Type} [OrdField α]

/-! ## Maximum of two -/

def maxD (a b : α) : Decidable (a ≤ b) → α
  | Decidable.isTrue _ => b
  | Decidable.isFalse _ => a

/-- `max2 a b` is `b` if `a ≤ b`, else `a`. -/
def max2 (a b : α) : α := maxD a b (OrdField.decLe a b)

theorem maxD_cases (a b : α) : (d : Decidable (a ≤ b)) → (a ≤ b ∧ maxD a b d = b) ∨ (b ≤ a ∧ maxD a b d = a)
  | Decidable.isTrue h => Or.inl ⟨h, rfl⟩
  | Decidable.isFalse h => Or.inr ⟨le_of_not_le h, rfl⟩

theorem max2_cases (a b : α) : (a ≤ b ∧ max2 a b = b) ∨ (b ≤ a ∧ max2 a b = a) :=
  maxD_cases a b (OrdField.decLe a b)

theorem le_max2_left (a b : α) : a ≤ max2 a b :=
  orE (max2_cases a b) (fun h => by rw [h.2]; exact h.1) (fun h => le_of_eq h.2.symm)

theorem le_max2_right (a b : α) : b ≤ max2 a b :=
  orE (max2_cases a b) (fun h => le_of_eq h.2.symm) (fun h => by rw [h.2]; exact h.1)

theorem max2_le {a b c : α} (h1 : a ≤ c) (h2 : b ≤ c) : max2 a b ≤ c :=
  orE (max2_cases a b) (fun h => by rw [h.2]; exact h2) (fun h => by rw [h.2]; exact h1)

/-! ## Enclosures and the `Interval` operations -/

/-- `x` lies in the interval `I`. -/
def Encl (x : α) (I : Iv α) : Prop := I.lo ≤ x ∧ x ≤ I.hi

/-- `Interval(x, x)`: a float used as a value (`_point`, `mu`). -/
def ivPt (x : α) : Iv α := ⟨x, x⟩

/-- `Interval.__add__`: `(down(a.lo + b.lo), up(a.hi + b.hi))`. -/
def ivAdd (R : Rnd α) (a b : Iv α) : Iv α := ⟨R.dn (a.lo + b.lo), R.up (a.hi + b.hi)⟩

/-- `Interval.__sub__`: `(down(a.lo - b.hi), up(a.hi - b.lo))`. -/
def ivSub (R : Rnd α) (a b : Iv α) : Iv α := ⟨R.dn (a.lo - b.hi), R.up (a.hi - b.lo)⟩

/-- `Interval.__mul__`: `down` of the smallest corner product, `up` of the largest. -/
def ivMul (R : Rnd α) (a b : Iv α) : Iv α :=
  ⟨R.dn (min2 (min2 (a.lo * b.lo) (a.lo * b.hi)) (min2 (a.hi * b.lo) (a.hi * b.hi))),
   R.up (max2 (max2 (a.lo * b.lo) (a.lo * b.hi)) (max2 (a.hi * b.lo) (a.hi * b.hi)))⟩

/-- `lower_product(weight, lower)`: `down(min(max(w.lo, 0) lower, w.hi lower))`. -/
def lowerProduct (R : Rnd α) (w : Iv α) (lower : α) : α :=
  R.dn (min2 (max2 w.lo 0 * lower) (w.hi * lower))

theorem encl_pt (x : α) : Encl x (ivPt x) := ⟨le_refl x, le_refl x⟩

theorem encl_add (R : Rnd α) {x y : α} {a b : Iv α} (hx : Encl x a) (hy : Encl y b) :
    Encl (x + y) (ivAdd R a b) :=
  round_outward (ival_add hx hy).1 (ival_add hx hy).2 (R.dn_le (a.lo + b.lo)) (R.le_up (a.hi + b.hi))

theorem encl_sub (R : Rnd α) {x y : α} {a b : Iv α} (hx : Encl x a) (hy : Encl y b) :
    Encl (x - y) (ivSub R a b) :=
  round_outward (ival_sub hx hy).1 (ival_sub hx hy).2 (R.dn_le (a.lo - b.hi)) (R.le_up (a.hi - b.lo))

theorem encl_mul (R : Rnd α) {x y : α} {a b : Iv α} (hx : Encl x a) (hy : Encl y b) :
    Encl (x * y) (ivMul R a b) :=
  have hL := ival_mul_lower hx hy
    ⟨le_trans (min2_le_left _ _) (min2_le_left _ _), le_trans (min2_le_left _ _) (min2_le_right _ _),
     le_trans (min2_le_right _ _) (min2_le_left _ _), le_trans (min2_le_right _ _) (min2_le_right _ _)⟩
  have hU := ival_mul_upper hx hy
    ⟨le_trans (le_max2_left _ _) (le_max2_left _ _), le_trans (le_max2_right _ _) (le_max2_left _ _),
     le_trans (le_max2_left _ _) (le_max2_right _ _), le_trans (le_max2_right _ _) (le_max2_right _ _)⟩
  round_outward hL hU (R.dn_le _) (R.le_up _)

/-- `lower_product` is below `w X` for every `w ≥ 0` in the weight's interval and every
`X ≥ lower`. -/
theorem lp_le (R : Rnd α) {w : α} {W : Iv α} (hw : Encl w W) (hw0 : 0 ≤ w) {lower X : α}
    (hX : lower ≤ X) : lowerProduct R W lower ≤ w * X :=
  le_trans (R.dn_le _) (le_trans
    (orE (le_total 0 lower)
      (fun h => le_trans (min2_le_left _ _) (mul_le_mul_of_nonneg_right (max2_le hw.1 hw0) h))
      (fun h => le_trans (min2_le_right _ _) (mul_le_mul_of_nonpos_right hw.2 h)))
    (mul_le_mul_of_nonneg_left hX hw0))

/-! ## Minima and maxima over an axis with masked entries -/

def minStep : Bool → α → α → α
  | true, s, x => min2 s x
  | false, s, _ => s

/-- `lowest(lo, -1)` over `j < n`, where the entries with `keep j = false` are the kernel's
`+inf`, started at `top` (the minimum of no entry; the kernel's `+inf`). -/
def minIf (top : α) (keep : Nat → Bool) (f : Nat → α) : Nat → α
  | 0 => top
  | n+1 => minStep (keep n) (minIf top keep f n) (f n)

def argStep (j : Nat) (x : α) (s : ArgMin α) : Decidable (s.val ≤ x) → ArgMin α
  | Decidable.isTrue _ => s
  | Decidable.isFalse _ => ⟨x, j⟩

def argKeep (j : Nat) (x : α) (s : ArgMin α) : Bool → ArgMin α
  | true => argStep j x s (OrdField.decLe s.val x)
  | false => s

/-- `lo.argmin(axis=-1)`: the first index of the smallest entry (a later entry replaces the
current one only if strictly smaller; masked entries never do). -/
def argminIf (top : α) (keep : Nat → Bool) (f : Nat → α) : Nat → ArgMin α
  | 0 => ⟨top, 0⟩
  | n+1 => argKeep n (f n) (argminIf top keep f n) (keep n)

def pick : Bool → α → α → α
  | true, a, _ => a
  | false, _, b => b

/-- `second = lowest(select(is_smallest, inf, lo))`: the minimum with the entry at the argmin
`idx` masked as well. -/
def secondIf (top : α) (keep : Nat → Bool) (f : Nat → α) (n idx : Nat) : α :=
  minIf top (fun j => band (keep j) (notM idx j)) f n

/-- `_min_over_j_except_k`, entry `k`: `select(is_smallest, second, smallest)` with
`is_smallest = (argmin == k)`: the second smallest if the smallest sits at `k`, else the smallest. -/
def minExceptK (top : α) (keep : Nat → Bool) (f : Nat → α) (n k : Nat) : α :=
  pick (LC.eqb (argminIf top keep f n).idx k) (secondIf top keep f n (argminIf top keep f n).idx)
    (minIf top keep f n)

def maxStep : Bool → α → α → α
  | true, s, x => max2 s x
  | false, s, _ => s

/-- `highest(.., -1)` over `j < n`, the entries with `keep j = false` being `-inf`,
started at `bot` (the kernel's `-inf`). -/
def maxIf (bot : α) (keep : Nat → Bool) (f : Nat → α) : Nat → α
  | 0 => bot
  | n+1 => maxStep (keep n) (maxIf bot keep f n) (f n)

theorem minStep_le_left (s x : α) : (b : Bool) → minStep b s x ≤ s
  | true => min2_le_left s x
  | false => le_refl s

theorem minStep_le_right (s x : α) : (b : Bool) → b = true → minStep b s x ≤ x
  | true, _ => min2_le_right s x
  | false, h => False.elim (LC.false_ne_true h)

/-- The masked minimum is below every kept entry. -/
theorem minIf_le (top : α) (keep : Nat → Bool) (f : Nat → α) :
    (n j : Nat) → nlt j n → keep j = true → minIf top keep f n ≤ f j
  | 0, _, h, _ => False.elim h
  | n+1, j, h, hk => orE (nlt_succ_cases j n h)
      (fun h' => le_trans (minStep_le_left (minIf top keep f n) (f n) (keep n)) (minIf_le top keep f n j h' hk))
      (fun e => by
        rw [e]
        rw [e] at hk
        exact minStep_le_right (minIf top keep f n) (f n) (keep n) hk)

theorem pick_cases {P : α → Prop} (a c : α) : (b : Bool) → (b = true → P a) → (b = false → P c) →
    P (pick b a c)
  | true, h, _ => h rfl
  | false, _, h => h rfl

/-- `_min_over_j_except_k` is below every kept entry `j ≠ k`, whatever index `at` the scan
returns: if `at = k` the second smallest masks only `k` (and `m`), else the smallest masks only `m`. -/
theorem minExceptK_le (top : α) (keep : Nat → Bool) (f : Nat → α) (n k j : Nat) (hj : nlt j n)
    (hk : keep j = true) (hjk : j = k → False) : minExceptK top keep f n k ≤ f j :=
  pick_cases (P := fun v => v ≤ f j) _ _ (LC.eqb (argminIf top keep f n).idx k)
    (fun e => minIf_le top (fun j' => band (keep j') (notM (argminIf top keep f n).idx j')) f n j hj
      (band_true (keep j) _ hk
      (notM_of_ne (fun e' => hjk (e'.trans (LC.eqb_true _ _ e))))))
    (fun _ => minIf_le top keep f n j hj hk)

theorem le_maxStep_left (s x : α) : (b : Bool) → s ≤ maxStep b s x
  | true => le_max2_left s x
  | false => le_refl s

theorem le_maxStep_right (s x : α) : (b : Bool) → b = true → x ≤ maxStep b s x
  | true, _ => le_max2_right s x
  | false, h => False.elim (LC.false_ne_true h)

theorem maxStep_le {s x B : α} (hs : s ≤ B) (hx : x ≤ B) : (b : Bool) → maxStep b s x ≤ B
  | true => max2_le hs hx
  | false => hs

/-- The masked maximum is above every kept entry. -/
theorem le_maxIf (bot : α) (keep : Nat → Bool) (f : Nat → α) :
    (n j : Nat) → nlt j n → keep j = true → f j ≤ maxIf bot keep f n
  | 0, _, h, _ => False.elim h
  | n+1, j, h, hk => orE (nlt_succ_cases j n h)
      (fun h' => le_trans (le_maxIf bot keep f n j h' hk) (le_maxStep_left (maxIf bot keep f n) (f n) (keep n)))
      (fun e => by
        rw [e]
        rw [e] at hk
        exact le_maxStep_right (maxIf bot keep f n) (f n) (keep n) hk)

/-- The masked maximum is below any bound of the start and of every entry. -/
theorem maxIf_le (bot : α) (keep : Nat → Bool) (f : Nat → α) (B : α) (hb : bot ≤ B) :
    (n : Nat) → (∀ j, nlt j n → f j ≤ B) → maxIf bot keep f n ≤ B
  | 0, _ => hb
  | n+1, h => maxStep_le (maxIf_le bot keep f B hb n (fun j hj => h j (nlt_step j n hj)))
      (h n (nlt_succ_self n)) (keep n)

/-! ## Running sums -/

/-- `slot_total = pos[:, 0]; for i in range(1, n): slot_total = slot_total + pos[:, i]`. -/
def ivSumFrom (R : Rnd α) (f : Nat → Iv α) : Nat → Iv α
  | 0 => f 0
  | 1 => f 0
  | n+2 => ivAdd R (ivSumFrom R f (n+1)) (f (n+1))

theorem encl_ivSumFrom (R : Rnd α) (g : Nat → α) (f : Nat → Iv α) (h : ∀ i, Encl (g i) (f i)) :
    (n : Nat) → Encl (sumN g (n+1)) (ivSumFrom R f (n+1))
  | 0 => by
    show Encl (0 + g 0) (f 0)
    rw [zero_add (g 0)]
    exact h 0
  | n+1 => encl_add R (encl_ivSumFrom R g f h n) (h (n+1))

/-- `total = start; for i in range(n): total = total + f[i]` (`Interval` additions). -/
def ivFold (R : Rnd α) (start : Iv α) (f : Nat → Iv α) : Nat → Iv α
  | 0 => start
  | n+1 => ivAdd R (ivFold R start f n) (f n)

theorem encl_ivFold (R : Rnd α) (x0 : α) (start : Iv α) (g : Nat → α) (f : Nat → Iv α)
    (h0 : Encl x0 start) (h : ∀ i, Encl (g i) (f i)) : (n : Nat) → Encl (x0 + sumN g n) (ivFold R start f n)
  | 0 => by
    show Encl (x0 + 0) start
    rw [add_zero x0]
    exact h0
  | n+1 => by
    show Encl (x0 + (sumN g n + g n)) (ivAdd R (ivFold R start f n) (f n))
    rw [← add_assoc x0 (sumN g n) (g n)]
    exact encl_add R (encl_ivFold R x0 start g f h0 h n) (h n)

/-- `bound = start; for i in range(n): bound = up(bound + f[i])`. -/
def upFold (R : Rnd α) (start : α) (f : Nat → α) : Nat → α
  | 0 => start
  | n+1 => R.up (upFold R start f n + f n)

theorem le_upFold (R : Rnd α) (start : α) (f : Nat → α) : (n : Nat) → start + sumN f n ≤ upFold R start f n
  | 0 => le_of_eq (add_zero start)
  | n+1 => by
    show start + (sumN f n + f n) ≤ R.up (upFold R start f n + f n)
    rw [← add_assoc start (sumN f n) (f n)]
    exact le_trans (add_le_add_right (le_upFold R start f n) (f n)) (R.le_up _)

end

end OF

/-- The kernel's `Tables` as `Interval` arrays (`checker/tables.py`): `EVOU`, `PVOU`, `EUPU`
rounded outward from the exact dyadic products, and the attention weights
`tok_weight[q, t]`, `pos_weight[q, i]` enclosed by arb and rounded outward. -/
structure IvTables (α : Type) where
  EVOU : Nat → Nat → Iv α
  PVOU : Nat → Nat → Iv α
  EUPU : Nat → Nat → Iv α
  tok : Nat → Nat → Iv α
  pos : Nat → Nat → Iv α

/-- What the float layer supplies (rules `round_outward` and `exp_enclosure`): the kernel's
interval tables enclose the exact tables `T`, and the weights enclose
`tok[q, t] = exp(EQKE[q, t] isq - a_q)` and `pos[q, i] = exp(EQKP[q, i] isq - b_q)` for the
kernel's shifts `a_q`, `b_q` (any numbers). Stated for every index: outside the ranges the
kernel reads, take the exact value as a point interval. -/
structure Encloses {α : Type} [OrdField α] (exp : α → α) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) : Prop where
  evou : ∀ r j, OF.Encl (T.EVOU r j) (Ti.EVOU r j)
  pvou : ∀ i j, OF.Encl (T.PVOU i j) (Ti.PVOU i j)
  eupu : ∀ q j, OF.Encl (T.EUPU q j) (Ti.EUPU q j)
  tok : ∀ q t, OF.Encl (exp (T.EQKE q t * isq - a q)) (Ti.tok q t)
  pos : ∀ q i, OF.Encl (exp (T.EQKP q i * isq - b q)) (Ti.pos q i)
