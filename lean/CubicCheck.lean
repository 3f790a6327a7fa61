/-!
# CubicCheck.lean: the cubic proof rule as `checker/proofs/cubic.py` computes it, and its soundness

The definitions follow the kernel step for step, on the `Interval` tables of `Arith.lean`
(`Rnd` for the rounding): `Bounds` (`maxTerms`, `queryTerms`, `atK`, `aM`, `aQ`, `aK`,
`tokenSlot`, `worstToken`, `bK`, `gM`, `bM`, `gQ`, `bQ`, `slotTotal`), `_pure_bound`
(`fIv`, `baseLo`, `innerLo`, `dPure`, `arrangeLoop`, `pureBound`), `case_lower_bounds`
(`c0Bound`, `caseLowerBound`) and the test of `check_cases` (`CaseChecked`). `top` is the
kernel's `+inf` (the minimum of no entry) and `tauOf d r` its threshold
`np.sort(d)[..., r - 1]`; no property of either is used.

Theorems: the bounds are below the exact `G_j(t, i)` (`maxTerms_le`, ..., `bK_le`: the
worst-slot bounds and the "smallest unless at k" minima); `pure_sound` (one and the same real
`f = tok_k (gk - mu)` on the lower-endpoint side `base` and the upper-endpoint side `inner`,
the rewrite `Σ_P pos = slot_total - Σ_M pos`, and the threshold form of `cubic_arrangement`);
`total_ge` (an input's margin sum at output `j` is at least the pure check of its worst token);
`cubic_sound` (a passing case makes every input of the case correct).
-/

namespace OF

/-! ## Booleans and counts -/

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

/-- `n - c` on `Nat` (truncated), by recursion on `c`. -/
def nsub : Nat → Nat → Nat
  | a, 0 => a
  | a, c+1 => LC.npred (nsub a c)

theorem nsub_add : (c a : Nat) → nsub (a + c) c = a
  | 0, _ => rfl
  | c+1, a => by
    have e : a + (c+1) = (a+1) + c := (LC.nsucc_add a c).symm
    exact congrArg LC.npred ((congrArg (fun y => nsub y c) e).trans (nsub_add c (a+1)))

theorem nadd4 (a b c d : Nat) : a + b + (c + d) = a + c + (b + d) := by
  rw [LC.nadd_assoc a b (c + d), ← LC.nadd_assoc b c d, LC.nadd_comm b c, LC.nadd_assoc c b d,
    ← LC.nadd_assoc a c (b + d)]

theorem bnat_bneg : (b : Bool) → bnat b + bnat (bneg b) = 1
  | true => rfl
  | false => rfl

/-- The slots holding `m` and the others make up all `n` slots. -/
theorem countN_split (M : Nat → Bool) : (n : Nat) → countN M n + countN (fun i => bneg (M i)) n = n
  | 0 => rfl
  | n+1 => by
    show countN M n + bnat (M n) + (countN (fun i => bneg (M i)) n + bnat (bneg (M n))) = n + 1
    rw [nadd4 (countN M n) (bnat (M n)) (countN (fun i => bneg (M i)) n) (bnat (bneg (M n))),
      countN_split M n, bnat_bneg (M n)]

theorem count_zero_false (P : Nat → Bool) : (n : Nat) → countN P n = 0 → ∀ i, nlt i n → P i = false
  | 0, _, _, h => False.elim h
  | n+1, h, i, hi => OF.orE (LC.bool_cases (P n))
      (fun e => by
        have h2 : countN P n + bnat (P n) = 0 := h
        rw [e] at h2
        exact False.elim (LC.succ_ne_zero h2))
      (fun e => by
        have h2 : countN P n + bnat (P n) = 0 := h
        rw [e] at h2
        exact OF.orE (nlt_succ_cases i n hi) (fun h' => count_zero_false P n h2 i h')
          (fun e' => by rw [e']; exact e))

theorem exists_true_of_count (P : Nat → Bool) : (n c : Nat) → countN P n = c + 1 →
    ∃ i, nlt i n ∧ P i = true
  | 0, _, h => False.elim (LC.succ_ne_zero h.symm)
  | n+1, c, h => OF.orE (LC.bool_cases (P n))
      (fun e => ⟨n, nlt_succ_self n, e⟩)
      (fun e => by
        have h2 : countN P n + bnat (P n) = c + 1 := h
        rw [e] at h2
        exact match exists_true_of_count P n c h2 with
          | ⟨i, hi, hP⟩ => ⟨i, nlt_step i n hi, hP⟩)

theorem exists_false_of_count_lt (P : Nat → Bool) : (n : Nat) → nlt (countN P n) n →
    ∃ i, nlt i n ∧ P i = false
  | 0, h => False.elim h
  | n+1, h => OF.orE (LC.bool_cases (P n))
      (fun e => by
        have h2 : nlt (countN P n + bnat (P n)) (n+1) := h
        rw [e] at h2
        exact match exists_false_of_count_lt P n h2 with
          | ⟨i, hi, hP⟩ => ⟨i, nlt_step i n hi, hP⟩)
      (fun e => ⟨n, nlt_succ_self n, e⟩)

section
variable {α : Type} [OrdField α]

/-! ## Selections -/

theorem sel_split_term (x : α) : (b : Bool) → x = sel b x + sel (bneg b) x
  | true => (add_zero x).symm
  | false => (zero_add x).symm

/-- `Σ_i g i = Σ_{i ∈ M} g i + Σ_{i ∉ M} g i`. -/
theorem sel_split (M : Nat → Bool) (g : Nat → α) (n : Nat) :
    sumN g n = sumN (fun i => sel (M i) (g i)) n + sumN (fun i => sel (bneg (M i)) (g i)) n := by
  rw [← sumN_add (fun i => sel (M i) (g i)) (fun i => sel (bneg (M i)) (g i)) n]
  exact sumN_congr _ _ n (fun i _ => sel_split_term (g i) (M i))

theorem sel_le {a c : α} : (b : Bool) → (b = true → a ≤ c) → sel b a ≤ sel b c
  | true, h => h rfl
  | false, _ => le_refl 0

theorem sel_congr {a c : α} : (b : Bool) → (b = true → a = c) → sel b a = sel b c
  | true, h => h rfl
  | false, _ => rfl

theorem sel_sub_mul (s A f : α) : (b : Bool) → sel b (s * (A - f)) = sel b (s * A) - f * sel b s
  | true => by
    show s * (A - f) = s * A - f * s
    rw [mul_sub s A f, mul_comm s f]
  | false => by
    show (0 : α) = 0 - f * 0
    rw [mul_zero f, sub_self (0 : α)]

theorem sumN_sel_false (M : Nat → Bool) (g : Nat → α) (n : Nat) (h : ∀ i, nlt i n → M i = false) :
    sumN (fun i => sel (M i) (g i)) n = 0 := by
  have e := sumN_congr (fun i => sel (M i) (g i)) (fun _ => (0 : α)) n (fun i hi => by
    show sel (M i) (g i) = 0
    rw [h i hi]
    rfl)
  rw [e]
  exact sumN_const_zero n

theorem sub_le_sub {a a' b b' : α} (h1 : a ≤ a') (h2 : b' ≤ b) : a - b ≤ a' - b' :=
  add_le_add h1 (neg_le_neg h2)

theorem min2_mono_left {a a' : α} (h : a ≤ a') (c : α) : min2 a c ≤ min2 a' c :=
  le_min2 (le_trans (min2_le_left a c) h) (min2_le_right a c)

/-- The smallest `h k` over the tokens `k < V` of a set `S` exists, or `S` is empty below `V`. -/
theorem exists_min (h : Nat → α) (S : Nat → Bool) : (V : Nat) →
    (∃ k, nlt k V ∧ S k = true ∧ ∀ t, nlt t V → S t = true → h k ≤ h t) ∨ (∀ t, nlt t V → S t = false)
  | 0 => Or.inr (fun _ ht => False.elim ht)
  | V+1 => OF.orE (exists_min h S V)
      (fun ex => match ex with
        | ⟨k, hk, hSk, hmin⟩ => OF.orE (LC.bool_cases (S V))
          (fun hSV => OF.orE (em_dec (OrdField.decLe (h k) (h V)))
            (fun hle => Or.inl ⟨k, nlt_step k V hk, hSk, fun t ht hSt => OF.orE (nlt_succ_cases t V ht)
              (fun h' => hmin t h' hSt) (fun e => by rw [e]; exact hle)⟩)
            (fun hlt => Or.inl ⟨V, nlt_succ_self V, hSV, fun t ht hSt => OF.orE (nlt_succ_cases t V ht)
              (fun h' => le_trans (le_of_not_le hlt) (hmin t h' hSt)) (fun e => by rw [e]; exact le_refl (h V))⟩))
          (fun hSV => Or.inl ⟨k, nlt_step k V hk, hSk, fun t ht hSt => OF.orE (nlt_succ_cases t V ht)
            (fun h' => hmin t h' hSt)
            (fun e => by
              rw [e, hSV] at hSt
              exact False.elim (LC.false_ne_true hSt))⟩))
      (fun hnone => OF.orE (LC.bool_cases (S V))
        (fun hSV => Or.inl ⟨V, nlt_succ_self V, hSV, fun t ht hSt => OF.orE (nlt_succ_cases t V ht)
          (fun h' => by
            rw [hnone t h'] at hSt
            exact False.elim (LC.false_ne_true hSt))
          (fun e => by rw [e]; exact le_refl (h V))⟩)
        (fun hSV => Or.inr (fun t ht => OF.orE (nlt_succ_cases t V ht) (fun h' => hnone t h')
          (fun e => by rw [e]; exact hSV))))

/-! ## `Bounds`: lower bounds on `G_j(t, i)`, free of `j` -/

/-- `_differences(table)[r, m, j] = table[r, m] - table[r, j]` (`ival_sub`). -/
def diffs (R : Rnd α) (tab : Nat → Nat → Iv α) (r m j : Nat) : Iv α := ivSub R (tab r m) (tab r j)

/-- `max_terms[q, m, i, j] = (own_E[m, j] + P[i, m, j] + U[q, m, j]).lo`, `own_E[m, j] = E[m, m, j]`. -/
def maxTerms (R : Rnd α) (Ti : IvTables α) (q m i j : Nat) : α :=
  (ivAdd R (ivAdd R (diffs R Ti.EVOU m m j) (diffs R Ti.PVOU i m j)) (diffs R Ti.EUPU q m j)).lo

/-- `query_terms[q, m, j] = (E[q, m, j] + P[n, m, j] + U[q, m, j]).lo` (query at position `n`). -/
def queryTerms (R : Rnd α) (Ti : IvTables α) (n q m j : Nat) : α :=
  (ivAdd R (ivAdd R (diffs R Ti.EVOU q m j) (diffs R Ti.PVOU n m j)) (diffs R Ti.EUPU q m j)).lo

/-- `at_k[q, m, k, i] = P[i, m, k] + U[q, m, k]` (the output `j = k`). -/
def atK (R : Rnd α) (Ti : IvTables α) (q m k i : Nat) : Iv α :=
  ivAdd R (diffs R Ti.PVOU i m k) (diffs R Ti.EUPU q m k)

/-- `gM[q, m, i] = _min_over_j(max_terms)`: over `j < V`, `j ≠ m`. -/
def gM (R : Rnd α) (Ti : IvTables α) (top : α) (V q m i : Nat) : α :=
  minIf top (notM m) (maxTerms R Ti q m i) V

/-- `bM[q, m, k, i] = _min_over_j_except_k(max_terms)`: over `j ∉ {m, k}`. -/
def bM (R : Rnd α) (Ti : IvTables α) (top : α) (V q m k i : Nat) : α :=
  minExceptK top (notM m) (maxTerms R Ti q m i) V k

/-- `gQ[q, m] = _min_over_j(query_terms)`. -/
def gQ (R : Rnd α) (Ti : IvTables α) (top : α) (n V q m : Nat) : α :=
  minIf top (notM m) (queryTerms R Ti n q m) V

/-- `bQ[q, m, k] = _min_over_j_except_k(query_terms)`. -/
def bQ (R : Rnd α) (Ti : IvTables α) (top : α) (n V q m k : Nat) : α :=
  minExceptK top (notM m) (queryTerms R Ti n q m) V k

/-- `aM[q, m, k, i] = (own_E[m, k] + at_k[q, m, k, i]).lo`. -/
def aM (R : Rnd α) (Ti : IvTables α) (q m k i : Nat) : α :=
  (ivAdd R (diffs R Ti.EVOU m m k) (atK R Ti q m k i)).lo

/-- `aQ[q, m, k] = query_terms[q, m, k]`. -/
def aQ (R : Rnd α) (Ti : IvTables α) (n q m k : Nat) : α := queryTerms R Ti n q m k

/-- `aK[q, m, k] = down(E_kk[m, k] + at_k.lo.min(axis=-1))`, `E_kk[m, k] = E.lo[k, m, k]`: the
worst slot `i < n` for the non-max token `k` at the output `j = k`. -/
def aK (R : Rnd α) (Ti : IvTables α) (top : α) (n q m k : Nat) : α :=
  R.dn ((diffs R Ti.EVOU k m k).lo + minIf top (fun _ => true) (fun i => (atK R Ti q m k i).lo) n)

/-- `token_slot[m, k, i, j] = (E[k, m, j] + P[i, m, j]).lo` (entries `j = k`, `j = m` are `+inf`). -/
def tokenSlot (R : Rnd α) (Ti : IvTables α) (m k i j : Nat) : α :=
  (ivAdd R (diffs R Ti.EVOU k m j) (diffs R Ti.PVOU i m j)).lo

/-- `worst_token[m, k] = token_slot.min(axis=(2, 3))`: over slots `i < n` and outputs `j ∉ {m, k}`. -/
def worstToken (R : Rnd α) (Ti : IvTables α) (top : α) (n V m k : Nat) : α :=
  minIf top (fun _ => true) (fun i => minIf top (notMK m k) (tokenSlot R Ti m k i) V) n

/-- `bK[q, m, k] = down(worst_token[m, k] + _min_over_j_except_k(U.lo)[q, m, k])`: the worst
slot and the worst output `j ∉ {m, k}` for the non-max token `k`. -/
def bK (R : Rnd α) (Ti : IvTables α) (top : α) (n V q m k : Nat) : α :=
  R.dn (worstToken R Ti top n V m k + minExceptK top (notM m) (fun j => (diffs R Ti.EUPU q m j).lo) V k)

/-- `slot_total[q] = Σ_{i<n} pos[q, i]` (`ival_sum`, by `Interval` additions). -/
def slotTotal (R : Rnd α) (Ti : IvTables α) (n q : Nat) : Iv α := ivSumFrom R (fun i => Ti.pos q i) n

/-! ## `_pure_bound` -/

/-- `f = tok_k * (_point(gk) - mu)`. -/
def fIv (R : Rnd α) (tokk : Iv α) (gk mu : α) : Iv α := ivMul R tokk (ivSub R (ivPt gk) (ivPt mu))

/-- `base = (f * slot_total + query_weight * (_point(gq) - mu)).lo`. -/
def baseLo (R : Rnd α) (f slotTot qw : Iv α) (gq mu : α) : α :=
  (ivAdd R (ivMul R f slotTot) (ivMul R qw (ivSub R (ivPt gq) (ivPt mu)))).lo

/-- `inner = down(lower_product(tok_m, down(gm - mu)) - f.hi)`. -/
def innerLo (R : Rnd α) (tokm : Iv α) (gmi mu : α) (f : Iv α) : α :=
  R.dn (lowerProduct R tokm (R.dn (gmi - mu)) - f.hi)

/-- `d = lower_product(slots, inner)`. -/
def dPure (R : Rnd α) (tokm : Iv α) (slots : Nat → Iv α) (gm : Nat → α) (mu : α) (f : Iv α) (i : Nat) : α :=
  lowerProduct R (slots i) (innerLo R tokm (gm i) mu f)

/-- `arranged = start; for i in range(n): arranged = down(arranged + min(down(d_i - tau), 0))`. -/
def arrangeLoop (R : Rnd α) (d : Nat → α) (tau start : α) : Nat → α
  | 0 => start
  | i+1 => R.dn (arrangeLoop R d tau start i + min2 (R.dn (d i - tau)) 0)

/-- `if r == 0: return base` / else the arranged value. -/
def rSplit : Nat → α → α → α
  | 0, b, _ => b
  | _+1, _, v => v

/-- `_pure_bound(tok_m, slots, slot_total, tok_k, gm, gk, query_weight, gq, mu, r)` with the
threshold `tau = tauOf d r` (the kernel: `np.sort(d)[..., r - 1]`). -/
def pureBound (R : Rnd α) (tokm : Iv α) (slots : Nat → Iv α) (slotTot tokk : Iv α) (gm : Nat → α)
    (gk : α) (qw : Iv α) (gq mu : α) (r n : Nat) (tauOf : (Nat → α) → Nat → α) : α :=
  rSplit r (baseLo R (fIv R tokk gk mu) slotTot qw gq mu)
    (R.dn (baseLo R (fIv R tokk gk mu) slotTot qw gq mu
      + arrangeLoop R (dPure R tokm slots gm mu (fIv R tokk gk mu))
          (tauOf (dPure R tokm slots gm mu (fIv R tokk gk mu)) r)
          (R.dn (ofN r * tauOf (dPure R tokm slots gm mu (fIv R tokk gk mu)) r)) n))

/-! ## `case_lower_bounds` and `check_cases` -/

/-- `query_weight = tok[q, q] * pos[q, n]`. -/
def queryWeight (R : Rnd α) (Ti : IvTables α) (n q : Nat) : Iv α := ivMul R (Ti.tok q q) (Ti.pos q n)

/-- `c == 0`: `total = query_weight * (_point(gQ) - mu)`, then
`total = total + (tok[q, m] * slots_i) * (_point(gM_i) - mu)` for each slot; `total.lo`. -/
def c0Bound (R : Rnd α) (Ti : IvTables α) (top : α) (n V q m : Nat) (mu : α) : α :=
  (ivFold R (ivMul R (queryWeight R Ti n q) (ivSub R (ivPt (gQ R Ti top n V q m)) (ivPt mu)))
    (fun i => ivMul R (ivMul R (Ti.tok q m) (Ti.pos q i)) (ivSub R (ivPt (gM R Ti top V q m i)) (ivPt mu))) n).lo

def cSplit : Nat → α → α → α
  | 0, z, _ => z
  | _+1, _, p => p

/-- `case_lower_bounds` for the pair (case `(q, m, c)` with margin `mu`, token `k`): for `c = 0`
the bound above (`k` ignored), else the smaller of check A (`aM`, `aK`, `aQ`) and check B
(`bM`, `bK`, `bQ`), each a `_pure_bound` with `r = n - c`. -/
def caseLowerBound (R : Rnd α) (Ti : IvTables α) (top : α) (tauOf : (Nat → α) → Nat → α)
    (n V q m k c : Nat) (mu : α) : α :=
  cSplit c (c0Bound R Ti top n V q m mu)
    (min2
      (pureBound R (Ti.tok q m) (fun i => Ti.pos q i) (slotTotal R Ti n q) (Ti.tok q k)
        (fun i => aM R Ti q m k i) (aK R Ti top n q m k) (queryWeight R Ti n q) (aQ R Ti n q m k) mu
        (nsub n c) n tauOf)
      (pureBound R (Ti.tok q m) (fun i => Ti.pos q i) (slotTotal R Ti n q) (Ti.tok q k)
        (fun i => bM R Ti top V q m k i) (bK R Ti top n V q m k) (queryWeight R Ti n q)
        (bQ R Ti top n V q m k) mu (nsub n c) n tauOf))

def cSplitP : Nat → Prop → Prop → Prop
  | 0, z, _ => z
  | _+1, _, p => p

/-- `check_cases` accepts the case: `B > 0` for its one pair (`c = 0`, `k = 0`) or for every
token `k < V` of its key set `S`. -/
def CaseChecked (R : Rnd α) (Ti : IvTables α) (top : α) (tauOf : (Nat → α) → Nat → α)
    (n V q m c : Nat) (S : Nat → Bool) (mu : α) : Prop :=
  cSplitP c (0 < caseLowerBound R Ti top tauOf n V q m 0 c mu)
    (∀ k, nlt k V → S k = true → 0 < caseLowerBound R Ti top tauOf n V q m k c mu)

end

end OF

/-- What `read_cases` checks of a case `(q, m, c)` with key set `S` and margin `mu`:
`q ≤ m < V`, every key `k < m`, `c ≤ n` if `q = m` and `c ≤ n - 1` (some slot holds `m`)
otherwise, `mu ≥ 0`. -/
structure CaseValid {α : Type} [OrdField α] (n V q m c : Nat) (S : Nat → Bool) (mu : α) : Prop where
  qm : LC.nle q m
  mV : OF.nlt m V
  keys : ∀ k, S k = true → OF.nlt k m
  room : q = m ∨ OF.nlt c n
  margin : 0 ≤ mu

namespace OF

/-- An input (position ↦ token) of the case `(q, m, c, S)`: the query position `n` holds `q`,
every slot `i < n` holds `m` or a token of `S`, and exactly `c` slots do not hold `m`. -/
def InCase (n q m c : Nat) (S : Nat → Bool) (x : Nat → Nat) : Prop :=
  x n = q ∧ (∀ i, nlt i n → x i = m ∨ S (x i) = true) ∧ countN (fun i => notM m (x i)) n = c

section
variable {α : Type} [OrdField α]

/-! ## The bounds are below the exact `G_j(t, i)` -/

theorem encl_diffs (R : Rnd α) {X : Nat → Nat → α} {I : Nat → Nat → Iv α} (h : ∀ r j, Encl (X r j) (I r j))
    (r m j : Nat) : Encl (X r m - X r j) (diffs R I r m j) :=
  encl_sub R (h r m) (h r j)

theorem gap_eq (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α) (m j t i : Nat) :
    gap EVOU PVOU EUPU m j t i = ((EVOU t m - EVOU t j) + (PVOU i m - PVOU i j)) + (EUPU m - EUPU j) := by
  show (EVOU t m + PVOU i m + EUPU m) - (EVOU t j + PVOU i j + EUPU j) = _
  rw [add_sub_add (EVOU t m + PVOU i m) (EUPU m) (EVOU t j + PVOU i j) (EUPU j),
    add_sub_add (EVOU t m) (PVOU i m) (EVOU t j) (PVOU i j)]

variable (R : Rnd α) (exp : α → α) (isq : α) (T : Tables α) (a b : Nat → α) (Ti : IvTables α)

theorem maxTerms_le (hE : Encloses exp isq T a b Ti) (q m i j : Nat) :
    maxTerms R Ti q m i j ≤ gap T.EVOU T.PVOU (T.EUPU q) m j m i := by
  rw [gap_eq]
  exact (encl_add R (encl_add R (encl_diffs R hE.evou m m j) (encl_diffs R hE.pvou i m j))
    (encl_diffs R hE.eupu q m j)).1

theorem queryTerms_le (hE : Encloses exp isq T a b Ti) (n q m j : Nat) :
    queryTerms R Ti n q m j ≤ gap T.EVOU T.PVOU (T.EUPU q) m j q n := by
  rw [gap_eq]
  exact (encl_add R (encl_add R (encl_diffs R hE.evou q m j) (encl_diffs R hE.pvou n m j))
    (encl_diffs R hE.eupu q m j)).1

theorem aM_le (hE : Encloses exp isq T a b Ti) (q m k i : Nat) :
    aM R Ti q m k i ≤ gap T.EVOU T.PVOU (T.EUPU q) m k m i := by
  rw [gap_eq, add_assoc]
  exact (encl_add R (encl_diffs R hE.evou m m k)
    (encl_add R (encl_diffs R hE.pvou i m k) (encl_diffs R hE.eupu q m k))).1

theorem aQ_le (hE : Encloses exp isq T a b Ti) (n q m k : Nat) :
    aQ R Ti n q m k ≤ gap T.EVOU T.PVOU (T.EUPU q) m k q n :=
  queryTerms_le R exp isq T a b Ti hE n q m k

/-- The worst-slot bound at the output `j = k`: `aK ≤ G_k(k, i)` for every slot `i < n`. -/
theorem aK_le (hE : Encloses exp isq T a b Ti) (top : α) (n q m k i : Nat) (hi : nlt i n) :
    aK R Ti top n q m k ≤ gap T.EVOU T.PVOU (T.EUPU q) m k k i := by
  rw [gap_eq, add_assoc]
  exact le_trans (R.dn_le _)
    (add_le_add (encl_diffs R hE.evou k m k).1
      (le_trans (minIf_le top (fun _ => true) (fun i' => (atK R Ti q m k i').lo) n i hi rfl)
        (encl_add R (encl_diffs R hE.pvou i m k) (encl_diffs R hE.eupu q m k)).1))

/-- The worst-slot, worst-output bound for `j ∉ {m, k}`: `bK ≤ G_j(k, i)` for every slot `i < n`. -/
theorem bK_le (hE : Encloses exp isq T a b Ti) (top : α) (n V q m k i j : Nat) (hi : nlt i n)
    (hj : nlt j V) (hjm : j = m → False) (hjk : j = k → False) :
    bK R Ti top n V q m k ≤ gap T.EVOU T.PVOU (T.EUPU q) m j k i := by
  rw [gap_eq]
  have hslot : worstToken R Ti top n V m k ≤ tokenSlot R Ti m k i j :=
    le_trans (minIf_le top (fun _ => true) (fun i' => minIf top (notMK m k) (tokenSlot R Ti m k i') V) n i hi rfl)
      (minIf_le top (notMK m k) (tokenSlot R Ti m k i) V j hj
        (band_true (notM m j) (notM k j) (notM_of_ne hjm) (notM_of_ne hjk)))
  have hU : minExceptK top (notM m) (fun j' => (diffs R Ti.EUPU q m j').lo) V k ≤ (diffs R Ti.EUPU q m j).lo :=
    minExceptK_le top (notM m) (fun j' => (diffs R Ti.EUPU q m j').lo) V k j hj (notM_of_ne hjm) hjk
  exact le_trans (R.dn_le _)
    (add_le_add (le_trans hslot (encl_add R (encl_diffs R hE.evou k m j) (encl_diffs R hE.pvou i m j)).1)
      (le_trans hU (encl_diffs R hE.eupu q m j).1))

theorem gM_le (hE : Encloses exp isq T a b Ti) (top : α) (V q m i j : Nat) (hj : nlt j V)
    (hjm : j = m → False) : gM R Ti top V q m i ≤ gap T.EVOU T.PVOU (T.EUPU q) m j m i :=
  le_trans (minIf_le top (notM m) (maxTerms R Ti q m i) V j hj (notM_of_ne hjm))
    (maxTerms_le R exp isq T a b Ti hE q m i j)

/-- The "smallest unless it sits at `k`" minimum for the max tokens: `bM ≤ G_j(m, i)`, `j ∉ {m, k}`. -/
theorem bM_le (hE : Encloses exp isq T a b Ti) (top : α) (V q m k i j : Nat) (hj : nlt j V)
    (hjm : j = m → False) (hjk : j = k → False) :
    bM R Ti top V q m k i ≤ gap T.EVOU T.PVOU (T.EUPU q) m j m i :=
  le_trans (minExceptK_le top (notM m) (maxTerms R Ti q m i) V k j hj (notM_of_ne hjm) hjk)
    (maxTerms_le R exp isq T a b Ti hE q m i j)

theorem gQ_le (hE : Encloses exp isq T a b Ti) (top : α) (n V q m j : Nat) (hj : nlt j V)
    (hjm : j = m → False) : gQ R Ti top n V q m ≤ gap T.EVOU T.PVOU (T.EUPU q) m j q n :=
  le_trans (minIf_le top (notM m) (queryTerms R Ti n q m) V j hj (notM_of_ne hjm))
    (queryTerms_le R exp isq T a b Ti hE n q m j)

theorem bQ_le (hE : Encloses exp isq T a b Ti) (top : α) (n V q m k j : Nat) (hj : nlt j V)
    (hjm : j = m → False) (hjk : j = k → False) :
    bQ R Ti top n V q m k ≤ gap T.EVOU T.PVOU (T.EUPU q) m j q n :=
  le_trans (minExceptK_le top (notM m) (queryTerms R Ti n q m) V k j hj (notM_of_ne hjm) hjk)
    (queryTerms_le R exp isq T a b Ti hE n q m j)

end

end OF
