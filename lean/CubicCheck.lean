/-!
# CubicCheck.lean: the cubic proof rule as `checker/proofs/cubic.py` computes it, and its soundness

The definitions follow the kernel step for step, on the `Interval` tables of `Arith.lean`
(`Rnd` for the rounding): `Bounds` (`maxTerms`, `queryTerms`, `atK`, `aM`, `aQ`, `aK`,
`tokenSlot`, `worstToken`, `bK`, `gM`, `bM`, `gQ`, `bQ`, `slotTotal`), `_pure_bound`
(`fIv`, `baseLo`, `innerLo`, `dPure`, `arrangeLoop`, `pureBound`), `case_lower_bounds`
(`c0Bound`, `caseLowerBound`) and the test of `check_cases` (`CaseChecked`). `top` is the
kernel's `+inf` (the minimum of no entry) and `tauOf d r` its threshold
`sort_last(d)[..., r - 1]`; no property of either is used.

Theorems: the bounds are below the exact `G_j(t, i)` (`maxTerms_le`, ..., `bK_le`: the
worst-slot bounds and the "smallest unless at k" minima); `pure_bound_le` (one and the same real
`f = tok_k (gk - mu)` on the lower-endpoint side `base` and the upper-endpoint side `inner`,
the rewrite `Σ_P pos = slot_total - Σ_M pos`, and the threshold form of `cubic_arrangement`);
`total_ge` (an input's margin sum at output `j` is at least the pure check of its worst token);
`cubic_sound` (a passing case makes every input of the case correct).
-/

namespace OF

/-! ## Counts -/

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

theorem countN_congr (M M' : Nat → Bool) : (n : Nat) → (∀ i, nlt i n → M i = M' i) → countN M n = countN M' n
  | 0, _ => rfl
  | n+1, h => by
    show countN M n + bnat (M n) = countN M' n + bnat (M' n)
    rw [countN_congr M M' n (fun i hi => h i (nlt_step i n hi)), h n (nlt_succ_self n)]

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

/-- `_differences(table, rows, m)`: `table[r, m] - table[r, j]` (`ival_sub`). The bounds below are
those `Bounds(tables, q, m)` holds for the row `(q, m)`, written with `q`, `m` as arguments. -/
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

/-- `gM[q, m, i] = _min_over_j(max_terms)`: over `j < Vo`, `j ≠ m`. -/
def gM (R : Rnd α) (Ti : IvTables α) (top : α) (Vo q m i : Nat) : α :=
  minIf top (notM m) (maxTerms R Ti q m i) Vo

/-- `bM[q, m, k, i] = _min_over_j_except_k(max_terms)`: over `j ∉ {m, k}`. -/
def bM (R : Rnd α) (Ti : IvTables α) (top : α) (Vo q m k i : Nat) : α :=
  minExceptK top (notM m) (maxTerms R Ti q m i) Vo k

/-- `gQ[q, m] = _min_over_j(query_terms)`. -/
def gQ (R : Rnd α) (Ti : IvTables α) (top : α) (n Vo q m : Nat) : α :=
  minIf top (notM m) (queryTerms R Ti n q m) Vo

/-- `bQ[q, m, k] = _min_over_j_except_k(query_terms)`. -/
def bQ (R : Rnd α) (Ti : IvTables α) (top : α) (n Vo q m k : Nat) : α :=
  minExceptK top (notM m) (queryTerms R Ti n q m) Vo k

/-- `aM[q, m, k, i] = (own_E[m, k] + at_k[q, m, k, i]).lo`. -/
def aM (R : Rnd α) (Ti : IvTables α) (q m k i : Nat) : α :=
  (ivAdd R (diffs R Ti.EVOU m m k) (atK R Ti q m k i)).lo

/-- `aQ[q, m, k] = query_terms[q, m, k]`. -/
def aQ (R : Rnd α) (Ti : IvTables α) (n q m k : Nat) : α := queryTerms R Ti n q m k

/-- `aK[q, m, k] = down(E_kk[m, k] + lowest(at_k.lo, -1))`, `E_kk[m, k] = E.lo[k, m, k]`: the
worst slot `i < n` for the non-max token `k` at the output `j = k`. -/
def aK (R : Rnd α) (Ti : IvTables α) (top : α) (n q m k : Nat) : α :=
  R.dn ((diffs R Ti.EVOU k m k).lo + minIf top (fun _ => true) (fun i => (atK R Ti q m k i).lo) n)

/-- `token_slot[m, k, i, j] = (E[k, m, j] + P[i, m, j]).lo` (entries `j = k`, `j = m` are `+inf`). -/
def tokenSlot (R : Rnd α) (Ti : IvTables α) (m k i j : Nat) : α :=
  (ivAdd R (diffs R Ti.EVOU k m j) (diffs R Ti.PVOU i m j)).lo

/-- `lowest(token_slot, (2, 3))[m, k]`: over slots `i < n` and outputs `j ∉ {m, k}`. -/
def worstToken (R : Rnd α) (Ti : IvTables α) (top : α) (n Vo m k : Nat) : α :=
  minIf top (fun _ => true) (fun i => minIf top (notMK m k) (tokenSlot R Ti m k i) Vo) n

/-- `bK[q, m, k] = down(lowest(token_slot, (2, 3))[m, k] + _min_over_j_except_k(U.lo)[q, m, k])`: the worst
slot and the worst output `j ∉ {m, k}` for the non-max token `k`. -/
def bK (R : Rnd α) (Ti : IvTables α) (top : α) (n Vo q m k : Nat) : α :=
  R.dn (worstToken R Ti top n Vo m k + minExceptK top (notM m) (fun j => (diffs R Ti.EUPU q m j).lo) Vo k)

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

/-- `arranged = start; for i in range(n): arranged = down(arranged + minimum(down(d_i - tau), 0))`. -/
def arrangeLoop (R : Rnd α) (d : Nat → α) (tau start : α) : Nat → α
  | 0 => start
  | i+1 => R.dn (arrangeLoop R d tau start i + min2 (R.dn (d i - tau)) 0)

/-- `if r == 0: return base` / else the arranged value. -/
def rSplit : Nat → α → α → α
  | 0, b, _ => b
  | _+1, _, v => v

/-- `_pure_bound(tok_m, slots, slot_total, tok_k, gm, gk, query_weight, gq, mu, r)` with the
threshold `tau = tauOf d r` (the kernel: `sort_last(d)[..., r - 1]`). -/
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
def c0Bound (R : Rnd α) (Ti : IvTables α) (top : α) (n Vo q m : Nat) (mu : α) : α :=
  (ivFold R (ivMul R (queryWeight R Ti n q) (ivSub R (ivPt (gQ R Ti top n Vo q m)) (ivPt mu)))
    (fun i => ivMul R (ivMul R (Ti.tok q m) (Ti.pos q i)) (ivSub R (ivPt (gM R Ti top Vo q m i)) (ivPt mu))) n).lo

def cSplit : Nat → α → α → α
  | 0, z, _ => z
  | _+1, _, p => p

/-- `case_lower_bounds` for the pair (case `(q, m, c)` with margin `mu`, token `k`): for `c = 0`
the bound above (`k` ignored), else the smaller of check A (`aM`, `aK`, `aQ`) and check B
(`bM`, `bK`, `bQ`), each a `_pure_bound` with `r = n - c`. -/
def caseLowerBound (R : Rnd α) (Ti : IvTables α) (top : α) (tauOf : (Nat → α) → Nat → α)
    (n Vo q m k c : Nat) (mu : α) : α :=
  cSplit c (c0Bound R Ti top n Vo q m mu)
    (min2
      (pureBound R (Ti.tok q m) (fun i => Ti.pos q i) (slotTotal R Ti n q) (Ti.tok q k)
        (fun i => aM R Ti q m k i) (aK R Ti top n q m k) (queryWeight R Ti n q) (aQ R Ti n q m k) mu
        (nsub n c) n tauOf)
      (pureBound R (Ti.tok q m) (fun i => Ti.pos q i) (slotTotal R Ti n q) (Ti.tok q k)
        (fun i => bM R Ti top Vo q m k i) (bK R Ti top n Vo q m k) (queryWeight R Ti n q)
        (bQ R Ti top n Vo q m k) mu (nsub n c) n tauOf))

def cSplitP : Nat → Prop → Prop → Prop
  | 0, z, _ => z
  | _+1, _, p => p

/-- `check_cases` accepts the case: `B > 0` for its one pair (`c = 0`, `k = 0`) or for every
token `k < V` (`d_vocab`) of its key set `S`; minima over outputs run over `j < Vo`
(`d_vocab_out`, the last axis of the tables). -/
def CaseChecked (R : Rnd α) (Ti : IvTables α) (top : α) (tauOf : (Nat → α) → Nat → α)
    (n V Vo q m c : Nat) (S : Nat → Bool) (mu : α) : Prop :=
  cSplitP c (0 < caseLowerBound R Ti top tauOf n Vo q m 0 c mu)
    (∀ k, nlt k V → S k = true → 0 < caseLowerBound R Ti top tauOf n Vo q m k c mu)

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
theorem bK_le (hE : Encloses exp isq T a b Ti) (top : α) (n Vo q m k i j : Nat) (hi : nlt i n)
    (hj : nlt j Vo) (hjm : j = m → False) (hjk : j = k → False) :
    bK R Ti top n Vo q m k ≤ gap T.EVOU T.PVOU (T.EUPU q) m j k i := by
  rw [gap_eq]
  have hslot : worstToken R Ti top n Vo m k ≤ tokenSlot R Ti m k i j :=
    le_trans (minIf_le top (fun _ => true) (fun i' => minIf top (notMK m k) (tokenSlot R Ti m k i') Vo) n i hi rfl)
      (minIf_le top (notMK m k) (tokenSlot R Ti m k i) Vo j hj
        (band_true (notM m j) (notM k j) (notM_of_ne hjm) (notM_of_ne hjk)))
  have hU : minExceptK top (notM m) (fun j' => (diffs R Ti.EUPU q m j').lo) Vo k ≤ (diffs R Ti.EUPU q m j).lo :=
    minExceptK_le top (notM m) (fun j' => (diffs R Ti.EUPU q m j').lo) Vo k j hj (notM_of_ne hjm) hjk
  exact le_trans (R.dn_le _)
    (add_le_add (le_trans hslot (encl_add R (encl_diffs R hE.evou k m j) (encl_diffs R hE.pvou i m j)).1)
      (le_trans hU (encl_diffs R hE.eupu q m j).1))

theorem gM_le (hE : Encloses exp isq T a b Ti) (top : α) (Vo q m i j : Nat) (hj : nlt j Vo)
    (hjm : j = m → False) : gM R Ti top Vo q m i ≤ gap T.EVOU T.PVOU (T.EUPU q) m j m i :=
  le_trans (minIf_le top (notM m) (maxTerms R Ti q m i) Vo j hj (notM_of_ne hjm))
    (maxTerms_le R exp isq T a b Ti hE q m i j)

/-- The "smallest unless it sits at `k`" minimum for the max tokens: `bM ≤ G_j(m, i)`, `j ∉ {m, k}`. -/
theorem bM_le (hE : Encloses exp isq T a b Ti) (top : α) (Vo q m k i j : Nat) (hj : nlt j Vo)
    (hjm : j = m → False) (hjk : j = k → False) :
    bM R Ti top Vo q m k i ≤ gap T.EVOU T.PVOU (T.EUPU q) m j m i :=
  le_trans (minExceptK_le top (notM m) (maxTerms R Ti q m i) Vo k j hj (notM_of_ne hjm) hjk)
    (maxTerms_le R exp isq T a b Ti hE q m i j)

theorem gQ_le (hE : Encloses exp isq T a b Ti) (top : α) (n Vo q m j : Nat) (hj : nlt j Vo)
    (hjm : j = m → False) : gQ R Ti top n Vo q m ≤ gap T.EVOU T.PVOU (T.EUPU q) m j q n :=
  le_trans (minIf_le top (notM m) (queryTerms R Ti n q m) Vo j hj (notM_of_ne hjm))
    (queryTerms_le R exp isq T a b Ti hE n q m j)

theorem bQ_le (hE : Encloses exp isq T a b Ti) (top : α) (n Vo q m k j : Nat) (hj : nlt j Vo)
    (hjm : j = m → False) (hjk : j = k → False) :
    bQ R Ti top n Vo q m k ≤ gap T.EVOU T.PVOU (T.EUPU q) m j q n :=
  le_trans (minExceptK_le top (notM m) (queryTerms R Ti n q m) Vo k j hj (notM_of_ne hjm) hjk)
    (queryTerms_le R exp isq T a b Ti hE n q m j)

end

end OF

namespace OF

section
variable {α : Type} [OrdField α]

/-! ## `_pure_bound` is below the pure case it describes -/

/-- `arranged ≤ start + Σ_i min(d_i - tau, 0)`: each `down` only lowers it. -/
theorem arrange_le (R : Rnd α) (d : Nat → α) (tau start : α) : (n : Nat) →
    arrangeLoop R d tau start n ≤ start + sumN (fun i => min2 (d i - tau) 0) n
  | 0 => le_of_eq (add_zero start).symm
  | n+1 => by
    show R.dn (arrangeLoop R d tau start n + min2 (R.dn (d n - tau)) 0)
      ≤ start + (sumN (fun i => min2 (d i - tau) 0) n + min2 (d n - tau) 0)
    rw [← add_assoc start (sumN (fun i => min2 (d i - tau) 0) n) (min2 (d n - tau) 0)]
    exact le_trans (R.dn_le _) (add_le_add (arrange_le R d tau start n)
      (min2_mono_left (R.dn_le (d n - tau)) 0))

/-- The arranged part, for the set `M` of the `r` slots that hold `m`: the kernel's value is at
most `base + Σ_{i∈M} D_i` for any `D ≥ d` (`cubic_arrangement` in threshold form, for whatever
`tau` the kernel picks; for `r = 0` the kernel returns `base` and `M` is empty). -/
theorem pure_tail (R : Rnd α) (base : α) (d D : Nat → α) (hd : ∀ i, d i ≤ D i)
    (tauOf : (Nat → α) → Nat → α) (M : Nat → Bool) (n : Nat) :
    (r : Nat) → countN M n = r →
    rSplit r base (R.dn (base + arrangeLoop R d (tauOf d r) (R.dn (ofN r * tauOf d r)) n))
      ≤ base + sumN (fun i => sel (M i) (D i)) n
  | 0, hM => by
    show base ≤ base + sumN (fun i => sel (M i) (D i)) n
    rw [sumN_sel_false M D n (count_zero_false M n hM), add_zero base]
    exact le_refl base
  | r+1, hM => by
    show R.dn (base + arrangeLoop R d (tauOf d (r+1)) (R.dn (ofN (r+1) * tauOf d (r+1))) n)
      ≤ base + sumN (fun i => sel (M i) (D i)) n
    have harr := (cubic_arrangement d (tauOf d (r+1)) n).1 M
    rw [hM] at harr
    exact le_trans (R.dn_le _) (add_le_add_left
      (le_trans (arrange_le R d (tauOf d (r+1)) (R.dn (ofN (r+1) * tauOf d (r+1))) n)
        (le_trans (add_le_add_right (R.dn_le (ofN (r+1) * tauOf d (r+1))) _)
          (le_trans harr (sumN_le _ _ n (fun i _ => sel_le (M i) (fun _ => hd i))))))
      base)

theorem pure_alg (f SM SN Q X : α) : f * (SM + SN) + Q + X = X + f * SM + f * SN + Q := by
  rw [mul_add f SM SN, add_right_comm (f * SM + f * SN) Q X, add_right_comm (f * SM) (f * SN) X,
    add_comm (f * SM) X]

/-- `_pure_bound` is below the pure case: with exact weights `tok_m`, `pos_i ≥ 0` in the
kernel's intervals (their sum in `slot_total`), `tok_k`, the query weight, and `M` the `r` slots
holding `m`, it is at most
`Σ_{i∈M} pos_i tok_m (gm_i - mu) + f Σ_{i∉M} pos_i + qw (gq - mu)` for the one real
`f = tok_k (gk - mu)`: `base` uses the lower end of the kernel's interval for `f`, `inner` its
upper end, and `slot_total - Σ_M pos_i = Σ_{i∉M} pos_i`. -/
theorem pure_bound_le (R : Rnd α) (tokm : Iv α) (slots : Nat → Iv α) (slotTot tokk : Iv α)
    (gm : Nat → α) (gk : α) (qw : Iv α) (gq mu : α) (r n : Nat) (tauOf : (Nat → α) → Nat → α)
    (tokmX : α) (htm : Encl tokmX tokm) (htm0 : 0 ≤ tokmX)
    (slotX : Nat → α) (hs : ∀ i, Encl (slotX i) (slots i)) (hs0 : ∀ i, 0 ≤ slotX i)
    (hT : Encl (sumN slotX n) slotTot) (tokkX : α) (htk : Encl tokkX tokk) (qwX : α)
    (hq : Encl qwX qw) (M : Nat → Bool) (hM : countN M n = r) :
    pureBound R tokm slots slotTot tokk gm gk qw gq mu r n tauOf
      ≤ sumN (fun i => sel (M i) (slotX i * (tokmX * (gm i - mu)))) n
        + tokkX * (gk - mu) * sumN (fun i => sel (bneg (M i)) (slotX i)) n + qwX * (gq - mu) := by
  have hf : Encl (tokkX * (gk - mu)) (fIv R tokk gk mu) :=
    encl_mul R htk (encl_sub R (encl_pt gk) (encl_pt mu))
  have hbase : baseLo R (fIv R tokk gk mu) slotTot qw gq mu
      ≤ tokkX * (gk - mu) * sumN slotX n + qwX * (gq - mu) :=
    (encl_add R (encl_mul R hf hT) (encl_mul R hq (encl_sub R (encl_pt gq) (encl_pt mu)))).1
  have hd : ∀ i, dPure R tokm slots gm mu (fIv R tokk gk mu) i
      ≤ slotX i * (tokmX * (gm i - mu) - tokkX * (gk - mu)) :=
    fun i => lp_le R (hs i) (hs0 i)
      (le_trans (R.dn_le _) (sub_le_sub (lp_le R htm htm0 (R.dn_le (gm i - mu))) hf.2))
  have htail := pure_tail R (baseLo R (fIv R tokk gk mu) slotTot qw gq mu)
    (dPure R tokm slots gm mu (fIv R tokk gk mu))
    (fun i => slotX i * (tokmX * (gm i - mu) - tokkX * (gk - mu))) hd tauOf M n r hM
  have hX : sumN (fun i => sel (M i) (slotX i * (tokmX * (gm i - mu) - tokkX * (gk - mu)))) n
      + tokkX * (gk - mu) * sumN (fun i => sel (M i) (slotX i)) n
      = sumN (fun i => sel (M i) (slotX i * (tokmX * (gm i - mu)))) n := by
    have e1 : sumN (fun i => sel (M i) (slotX i * (tokmX * (gm i - mu) - tokkX * (gk - mu)))) n
        = sumN (fun i => sel (M i) (slotX i * (tokmX * (gm i - mu)))) n
          - tokkX * (gk - mu) * sumN (fun i => sel (M i) (slotX i)) n := by
      rw [← sumN_mul_left (tokkX * (gk - mu)) (fun i => sel (M i) (slotX i)) n,
        ← sumN_sub (fun i => sel (M i) (slotX i * (tokmX * (gm i - mu))))
          (fun i => tokkX * (gk - mu) * sel (M i) (slotX i)) n]
      exact sumN_congr _ _ n (fun i _ => sel_sub_mul (slotX i) (tokmX * (gm i - mu)) (tokkX * (gk - mu)) (M i))
    rw [e1]
    exact sub_add_cancel _ _
  have hsum : tokkX * (gk - mu) * sumN slotX n + qwX * (gq - mu)
        + sumN (fun i => sel (M i) (slotX i * (tokmX * (gm i - mu) - tokkX * (gk - mu)))) n
      = sumN (fun i => sel (M i) (slotX i * (tokmX * (gm i - mu)))) n
        + tokkX * (gk - mu) * sumN (fun i => sel (bneg (M i)) (slotX i)) n + qwX * (gq - mu) := by
    rw [← hX, sel_split M slotX n]
    exact pure_alg _ _ _ _ _
  exact le_trans htail (le_trans (add_le_add_right hbase _) (le_of_eq hsum))

/-! ## An input's margin sum is at least the pure check of its worst token -/

/-- The exact token weight `tok[q, t] = exp(EQKE[q, t] isq - a_q)`. -/
def tokW (exp : α → α) (isq : α) (T : Tables α) (a : Nat → α) (q t : Nat) : α := exp (T.EQKE q t * isq - a q)

/-- The exact position weight `pos[q, i] = exp(EQKP[q, i] isq - b_q)`. -/
def posW (exp : α → α) (isq : α) (T : Tables α) (b : Nat → α) (q i : Nat) : α := exp (T.EQKP q i * isq - b q)

/-- Position `i`'s term of the margin sum at output `j`: `w_i (G_j(x i, i) - mu)`. -/
def marginTerm (exp : α → α) (isq : α) (T : Tables α) (a b : Nat → α) (q m j : Nat) (mu : α)
    (x : Nat → Nat) (i : Nat) : α :=
  tokW exp isq T a q (x i) * posW exp isq T b q i * (gap T.EVOU T.PVOU (T.EUPU q) m j (x i) i - mu)

theorem weighted_le {w g G : α} (mu : α) (hw : 0 ≤ w) (h : g ≤ G) : w * (g - mu) ≤ w * (G - mu) :=
  mul_le_mul_of_nonneg_left (add_le_add_right h (-mu)) hw

theorem swap3 (p t y : α) : p * (t * y) = t * p * y := by
  rw [mul_left_comm p t y, ← mul_assoc t p y]

/-- The margin sum of an input at output `j` (positions `0..n`, query `q` at `n`) is at least
the kernel's pure check with bounds `gm` (max slots), `gk` (through `f = tok_k (gk - mu)`, below
every non-max slot's term: `cubic_mixture`) and `gq` (the query). -/
theorem total_ge (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a) (isq : α) (T : Tables α)
    (a b : Nat → α) (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (tauOf : (Nat → α) → Nat → α)
    (n q m j k : Nat) (mu : α) (x : Nat → Nat) (hxn : x n = q)
    (hT : Encl (sumN (fun i => posW exp isq T b q i) n) (slotTotal R Ti n q))
    (gm : Nat → α) (gk gq : α)
    (hgm : ∀ i, nlt i n → x i = m → gm i ≤ gap T.EVOU T.PVOU (T.EUPU q) m j m i)
    (hgk : ∀ i, nlt i n → (x i = m → False) →
      tokW exp isq T a q k * (gk - mu)
        ≤ tokW exp isq T a q (x i) * (gap T.EVOU T.PVOU (T.EUPU q) m j (x i) i - mu))
    (hgq : gq ≤ gap T.EVOU T.PVOU (T.EUPU q) m j q n)
    (r : Nat) (hr : countN (fun i => LC.eqb (x i) m) n = r) :
    pureBound R (Ti.tok q m) (fun i => Ti.pos q i) (slotTotal R Ti n q) (Ti.tok q k) gm gk
        (queryWeight R Ti n q) gq mu r n tauOf
      ≤ sumN (marginTerm exp isq T a b q m j mu x) (n+1) := by
  have hps := pure_bound_le R (Ti.tok q m) (fun i => Ti.pos q i) (slotTotal R Ti n q) (Ti.tok q k) gm gk
    (queryWeight R Ti n q) gq mu r n tauOf (tokW exp isq T a q m) (hE.tok q m) (le_of_lt (exp_pos _))
    (fun i => posW exp isq T b q i) (fun i => hE.pos q i) (fun i => le_of_lt (exp_pos _)) hT
    (tokW exp isq T a q k) (hE.tok q k) (tokW exp isq T a q q * posW exp isq T b q n)
    (encl_mul R (hE.tok q q) (hE.pos q n)) (fun i => LC.eqb (x i) m) hr
  -- the max slots
  have hMp : sumN (fun i => sel (LC.eqb (x i) m) (posW exp isq T b q i * (tokW exp isq T a q m * (gm i - mu)))) n
      ≤ sumN (fun i => sel (LC.eqb (x i) m) (marginTerm exp isq T a b q m j mu x i)) n :=
    sumN_le _ _ n (fun i hi => sel_le _ (fun e => by
      have hxi := LC.eqb_true (x i) m e
      show posW exp isq T b q i * (tokW exp isq T a q m * (gm i - mu))
        ≤ tokW exp isq T a q (x i) * posW exp isq T b q i * (gap T.EVOU T.PVOU (T.EUPU q) m j (x i) i - mu)
      rw [hxi, swap3 (posW exp isq T b q i) (tokW exp isq T a q m) (gm i - mu)]
      exact weighted_le mu (le_of_lt (mul_pos (exp_pos _) (exp_pos _))) (hgm i hi hxi)))
  -- the non-max slots: a mixture of tokens no better than the worst (`cubic_mixture`)
  have hmix := cubic_mixture (fun i => posW exp isq T b q i)
    (fun i => tokW exp isq T a q (x i) * (gap T.EVOU T.PVOU (T.EUPU q) m j (x i) i - mu)) (fun i => i)
    (fun i => bneg (LC.eqb (x i) m)) (tokW exp isq T a q k * (gk - mu)) n
    (fun i _ _ => le_of_lt (exp_pos _))
    (fun i hi hP => hgk i hi (LC.eqb_false (bneg_true _ hP)))
  have hPp : tokW exp isq T a q k * (gk - mu) * sumN (fun i => sel (bneg (LC.eqb (x i) m)) (posW exp isq T b q i)) n
      ≤ sumN (fun i => sel (bneg (LC.eqb (x i) m)) (marginTerm exp isq T a b q m j mu x i)) n := by
    have e := sumN_congr (fun i => sel (bneg (LC.eqb (x i) m)) (posW exp isq T b q i
        * (tokW exp isq T a q (x i) * (gap T.EVOU T.PVOU (T.EUPU q) m j (x i) i - mu))))
      (fun i => sel (bneg (LC.eqb (x i) m)) (marginTerm exp isq T a b q m j mu x i)) n
      (fun i _ => sel_congr _ (fun _ => swap3 _ _ _))
    rw [← e]
    exact hmix
  -- the query
  have hQp : tokW exp isq T a q q * posW exp isq T b q n * (gq - mu) ≤ marginTerm exp isq T a b q m j mu x n := by
    show tokW exp isq T a q q * posW exp isq T b q n * (gq - mu)
      ≤ tokW exp isq T a q (x n) * posW exp isq T b q n * (gap T.EVOU T.PVOU (T.EUPU q) m j (x n) n - mu)
    rw [hxn]
    exact weighted_le mu (le_of_lt (mul_pos (exp_pos _) (exp_pos _))) hgq
  refine le_trans hps ?_
  show _ ≤ sumN (marginTerm exp isq T a b q m j mu x) n + marginTerm exp isq T a b q m j mu x n
  rw [sel_split (fun i => LC.eqb (x i) m) (marginTerm exp isq T a b q m j mu x) n]
  exact add_le_add (add_le_add hMp hPp) hQp

end

end OF

namespace OF

section
variable {α : Type} [OrdField α]

/-! ## A case's checks make each of its inputs correct -/

/-- A non-max token `t` at slot `i`, output `j ≠ m`: `G_j(t, i) ≥ aK[t]` if `j = t`, `≥ bK[t]`
otherwise (`cubic_output_split`). -/
theorem lb_le (R : Rnd α) (exp : α → α) (isq : α) (T : Tables α) (a b : Nat → α) (Ti : IvTables α)
    (hE : Encloses exp isq T a b Ti) (top : α) (n Vo q m j t i : Nat) (hi : nlt i n) (hj : nlt j Vo)
    (hjm : j = m → False) :
    pick (LC.eqb j t) (aK R Ti top n q m t) (bK R Ti top n Vo q m t) ≤ gap T.EVOU T.PVOU (T.EUPU q) m j t i :=
  pick_cases (P := fun v => v ≤ gap T.EVOU T.PVOU (T.EUPU q) m j t i) _ _ (LC.eqb j t)
    (fun e => by
      rw [LC.eqb_true j t e]
      exact aK_le R exp isq T a b Ti hE top n q m t i hi)
    (fun e => bK_le R exp isq T a b Ti hE top n Vo q m t i j hi hj hjm (LC.eqb_false e))

/-- The worst-case value of a non-max token `t` at output `j`: `tok_t (lb_j(t) - mu)`, the `f`
of the check (A if `j = t`, else B) of the pure case `t`. -/
def worstVal (R : Rnd α) (exp : α → α) (isq : α) (T : Tables α) (a : Nat → α) (Ti : IvTables α)
    (top : α) (n Vo q m j : Nat) (mu : α) (t : Nat) : α :=
  tokW exp isq T a q t * (pick (LC.eqb j t) (aK R Ti top n q m t) (bK R Ti top n Vo q m t) - mu)

theorem encl_slotTotal (R : Rnd α) (exp : α → α) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (q : Nat) :
    (n i : Nat) → nlt i n → Encl (sumN (fun i => posW exp isq T b q i) n) (slotTotal R Ti n q)
  | 0, _, h => False.elim h
  | n+1, _, _ => encl_ivSumFrom R (fun i => posW exp isq T b q i) (fun i => Ti.pos q i) (fun i => hE.pos q i) n

/-- `c > 0`: if checks A and B pass for every `k ∈ S`, every input of the case has a positive
margin sum (over `mu`) at every output `j ≠ m`. The worst token `k*` at output `j` is a
minimiser of `worstVal` over `S`; check A of `k*` covers `j = k*`, check B of `k*` the rest. -/
theorem case_succ_margins (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a) (isq : α)
    (T : Tables α) (a b : Nat → α) (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (top : α)
    (tauOf : (Nat → α) → Nat → α) (n V Vo q m c : Nat) (S : Nat → Bool) (mu : α)
    (hv : CaseValid n V q m (c+1) S mu)
    (hpass : ∀ k, nlt k V → S k = true → 0 < caseLowerBound R Ti top tauOf n Vo q m k (c+1) mu)
    (x : Nat → Nat) (hx : InCase n q m (c+1) S x) (j : Nat) (hj : nlt j Vo) (hjm : j = m → False) :
    0 < sumN (marginTerm exp isq T a b q m j mu x) (n+1) :=
  -- a slot not holding m exists; its token lies in S, below m
  match exists_true_of_count (fun i => notM m (x i)) n c hx.2.2 with
  | ⟨i0, hi0, hP0⟩ =>
  have hnonmax : ∀ i, nlt i n → (x i = m → False) → S (x i) = true ∧ nlt (x i) V := fun i hi hne =>
    OF.orE (hx.2.1 i hi) (fun e => False.elim (hne e))
      (fun hS => ⟨hS, LC.nlt_trans (x i) m V (hv.keys (x i) hS) hv.mV⟩)
  have hT := encl_slotTotal R exp isq T a b Ti hE q n i0 hi0
  have hs := countN_split (fun i => LC.eqb (x i) m) n
  have hs' : countN (fun i => LC.eqb (x i) m) n + (c+1) = n :=
    (congrArg (fun y => countN (fun i => LC.eqb (x i) m) n + y) hx.2.2).symm.trans hs
  have hr : countN (fun i => LC.eqb (x i) m) n = nsub n (c+1) :=
    (nsub_add (c+1) (countN (fun i => LC.eqb (x i) m) n)).symm.trans (congrArg (fun y => nsub y (c+1)) hs')
  -- each non-max slot's term is at least its token's worstVal
  have hslot : ∀ i, nlt i n → (x i = m → False) →
      worstVal R exp isq T a Ti top n Vo q m j mu (x i)
        ≤ tokW exp isq T a q (x i) * (gap T.EVOU T.PVOU (T.EUPU q) m j (x i) i - mu) := fun i hi _ =>
    weighted_le mu (le_of_lt (exp_pos _)) (lb_le R exp isq T a b Ti hE top n Vo q m j (x i) i hi hj hjm)
  OF.orE (exists_min (worstVal R exp isq T a Ti top n Vo q m j mu) S V)
    (fun ex => match ex with
      | ⟨k, hk, hSk, hmin⟩ =>
        have hB := hpass k hk hSk
        OF.orE (LC.nat_eq_or j k)
          (fun e =>
            -- j = k*: check A of k*
            have e1 : worstVal R exp isq T a Ti top n Vo q m j mu k = tokW exp isq T a q k * (aK R Ti top n q m k - mu) :=
              congrArg (fun v => tokW exp isq T a q k * (pick v (aK R Ti top n q m k) (bK R Ti top n Vo q m k) - mu))
                (LC.eqb_of_eq e)
            lt_of_lt_of_le (lt_of_lt_of_le hB (min2_le_left _ _))
              (total_ge R exp exp_pos isq T a b Ti hE tauOf n q m j k mu x hx.1 hT
                (fun i => aM R Ti q m k i) (aK R Ti top n q m k) (aQ R Ti n q m k)
                (fun i _ _ => by rw [e]; exact aM_le R exp isq T a b Ti hE q m k i)
                (fun i hi hne => le_trans (le_of_eq e1.symm)
                  (le_trans (hmin (x i) (hnonmax i hi hne).2 (hnonmax i hi hne).1) (hslot i hi hne)))
                (by rw [e]; exact aQ_le R exp isq T a b Ti hE n q m k)
                (nsub n (c+1)) hr))
          (fun ne =>
            -- j ≠ k*: check B of k*
            have e1 : worstVal R exp isq T a Ti top n Vo q m j mu k = tokW exp isq T a q k * (bK R Ti top n Vo q m k - mu) :=
              congrArg (fun v => tokW exp isq T a q k * (pick v (aK R Ti top n q m k) (bK R Ti top n Vo q m k) - mu))
                (LC.eqb_of_ne ne)
            lt_of_lt_of_le (lt_of_lt_of_le hB (min2_le_right _ _))
              (total_ge R exp exp_pos isq T a b Ti hE tauOf n q m j k mu x hx.1 hT
                (fun i => bM R Ti top Vo q m k i) (bK R Ti top n Vo q m k) (bQ R Ti top n Vo q m k)
                (fun i _ _ => bM_le R exp isq T a b Ti hE top Vo q m k i j hj hjm ne)
                (fun i hi hne => le_trans (le_of_eq e1.symm)
                  (le_trans (hmin (x i) (hnonmax i hi hne).2 (hnonmax i hi hne).1) (hslot i hi hne)))
                (bQ_le R exp isq T a b Ti hE top n Vo q m k j hj hjm ne)
                (nsub n (c+1)) hr)))
    (fun hnone => False.elim (
      have hne : x i0 = m → False := ne_of_notM hP0
      LC.false_ne_true ((hnone (x i0) (hnonmax i0 hi0 hne).2).symm.trans (hnonmax i0 hi0 hne).1)))

/-- `c = 0`: every slot holds `m`; the kernel's total is below the input's margin sum. -/
theorem case_zero_margins (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a) (isq : α)
    (T : Tables α) (a b : Nat → α) (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (top : α)
    (tauOf : (Nat → α) → Nat → α) (n Vo q m : Nat) (S : Nat → Bool) (mu : α)
    (hpass : 0 < caseLowerBound R Ti top tauOf n Vo q m 0 0 mu)
    (x : Nat → Nat) (hx : InCase n q m 0 S x) (j : Nat) (hj : nlt j Vo) (hjm : j = m → False) :
    0 < sumN (marginTerm exp isq T a b q m j mu x) (n+1) := by
  have hall : ∀ i, nlt i n → x i = m := fun i hi =>
    LC.eqb_true (x i) m (bneg_false _ (count_zero_false (fun i => notM m (x i)) n hx.2.2 i hi))
  have hlo := (encl_ivFold R (tokW exp isq T a q q * posW exp isq T b q n * (gQ R Ti top n Vo q m - mu))
    (ivMul R (queryWeight R Ti n q) (ivSub R (ivPt (gQ R Ti top n Vo q m)) (ivPt mu)))
    (fun i => tokW exp isq T a q m * posW exp isq T b q i * (gM R Ti top Vo q m i - mu))
    (fun i => ivMul R (ivMul R (Ti.tok q m) (Ti.pos q i)) (ivSub R (ivPt (gM R Ti top Vo q m i)) (ivPt mu)))
    (encl_mul R (encl_mul R (hE.tok q q) (hE.pos q n)) (encl_sub R (encl_pt _) (encl_pt mu)))
    (fun i => encl_mul R (encl_mul R (hE.tok q m) (hE.pos q i)) (encl_sub R (encl_pt _) (encl_pt mu))) n).1
  have hslots : sumN (fun i => tokW exp isq T a q m * posW exp isq T b q i * (gM R Ti top Vo q m i - mu)) n
      ≤ sumN (marginTerm exp isq T a b q m j mu x) n :=
    sumN_le _ _ n (fun i hi => by
      show tokW exp isq T a q m * posW exp isq T b q i * (gM R Ti top Vo q m i - mu)
        ≤ tokW exp isq T a q (x i) * posW exp isq T b q i * (gap T.EVOU T.PVOU (T.EUPU q) m j (x i) i - mu)
      rw [hall i hi]
      exact weighted_le mu (le_of_lt (mul_pos (exp_pos _) (exp_pos _)))
        (gM_le R exp isq T a b Ti hE top Vo q m i j hj hjm))
  have hquery : tokW exp isq T a q q * posW exp isq T b q n * (gQ R Ti top n Vo q m - mu)
      ≤ marginTerm exp isq T a b q m j mu x n := by
    show _ ≤ tokW exp isq T a q (x n) * posW exp isq T b q n * (gap T.EVOU T.PVOU (T.EUPU q) m j (x n) n - mu)
    rw [hx.1]
    exact weighted_le mu (le_of_lt (mul_pos (exp_pos _) (exp_pos _)))
      (gQ_le R exp isq T a b Ti hE top n Vo q m j hj hjm)
  have hsum := add_le_add hquery hslots
  rw [add_comm (marginTerm exp isq T a b q m j mu x n) _] at hsum
  exact lt_of_lt_of_le hpass (le_trans hlo hsum)

/-- The label of an input of a valid case is `m`. -/
theorem case_max (n V q m c : Nat) (S : Nat → Bool) (mu : α) (hv : CaseValid n V q m c S mu)
    (x : Nat → Nat) (hx : InCase n q m c S x) : LC.maxTok x (n+1) = m :=
  have hle : ∀ i, nlt i (n+1) → LC.nle (x i) m := fun i hi => OF.orE (nlt_succ_cases i n hi)
    (fun h' => OF.orE (hx.2.1 i h')
      (fun e => Eq.subst (motive := fun y => LC.nle y m) e.symm (LC.nle_refl m))
      (fun hS => LC.nle_trans (x i) (x i + 1) m (LC.nle_succ (x i)) (LC.nle_of_nlt (x i) m (hv.keys (x i) hS))))
    (fun e => Eq.subst (motive := fun y => LC.nle (x y) m) e.symm
      (Eq.subst (motive := fun y => LC.nle y m) hx.1.symm hv.qm))
  OF.orE hv.room
    (fun e => LC.maxTok_eq x m (n+1) hle n (nlt_succ_self n) (hx.1.trans e))
    (fun hc => match exists_false_of_count_lt (fun i => notM m (x i)) n
        (Eq.subst (motive := fun y => nlt y n) hx.2.2.symm hc) with
      | ⟨i, hi, hP⟩ => LC.maxTok_eq x m (n+1) hle i (nlt_step i n hi)
          (LC.eqb_true (x i) m (bneg_false _ hP)))

end

end OF

section
variable {α : Type} [OrdField α]

/-- sound: cubic. The cubic case check, computed as `checker/proofs/cubic.py` computes it (on
the kernel's interval tables, rounding by any `Rnd`, any `+inf` stand-in `top`, any threshold
choice `tauOf`), is sound: if the case `(q, m, c, S)` with margin `mu` is valid (`read_cases`)
and passes (`B > 0` for its pair, or for every `k ∈ S`), then every input of the case is
correct for the model with the exact tables `T` that the interval tables enclose. -/
theorem cubic_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (top : α) (tauOf : (Nat → α) → Nat → α)
    (n V Vo q m c : Nat) (S : Nat → Bool) (mu : α) (hv : CaseValid n V q m c S mu)
    (hpass : OF.CaseChecked R Ti top tauOf n V Vo q m c S mu) (x : Nat → Nat) (hx : OF.InCase n q m c S x) :
    OF.Correct (OF.tableLogit exp isq T n x) Vo (LC.maxTok x (n+1)) := by
  have hmargins : ∀ j, OF.nlt j Vo → (j = m → False) →
      0 < OF.sumN (OF.marginTerm exp isq T a b q m j mu x) (n+1) :=
    match c, hv, hpass, hx with
    | 0, _, hp, hx0 => fun j hj hjm =>
        OF.case_zero_margins R exp exp_pos isq T a b Ti hE top tauOf n Vo q m S mu hp x hx0 j hj hjm
    | c+1, hv1, hp, hx1 => fun j hj hjm =>
        OF.case_succ_margins R exp exp_pos isq T a b Ti hE top tauOf n V Vo q m c S mu hv1 hp x hx1 j hj hjm
  have hc := OF.correct_of_margins (fun i => OF.tokW exp isq T a q (x i) * OF.posW exp isq T b q i) (n+1)
    (OF.nlt_zero_succ n) (fun i _ => OF.mul_pos (exp_pos _) (exp_pos _)) x T.EVOU T.PVOU (T.EUPU q) Vo m mu
    hv.margin hmargins
  rw [OF.case_max n V q m c S mu hv x hx]
  exact fun j hj hjm => by
    rw [OF.kernel_weights exp exp_pos exp_add isq T a b n x j, OF.kernel_weights exp exp_pos exp_add isq T a b n x m,
      hx.1]
    exact hc j hj hjm

end

/-! ## Counting: the kernel's count is at most the number of correct inputs -/

/-- One row of `proof.cases`: `(q, m, c)`, the key set `S` (bit `k` is `S k`) and the margin. -/
structure CubicCase (α : Type) where
  q : Nat
  m : Nat
  c : Nat
  S : Nat → Bool
  mu : α

namespace LC

/-- Decidable equality of lists of tokens, by recursion (for `count_disjoint`). -/
def decNat : (a b : Nat) → Decidable (a = b)
  | 0, 0 => Decidable.isTrue rfl
  | 0, _+1 => Decidable.isFalse (fun h => succ_ne_zero h.symm)
  | _+1, 0 => Decidable.isFalse (fun h => succ_ne_zero h)
  | a+1, b+1 => match decNat a b with
    | Decidable.isTrue h => Decidable.isTrue (congrArg Nat.succ h)
    | Decidable.isFalse h => Decidable.isFalse (fun e => h (succ_inj e))

def decList : (a b : List Nat) → Decidable (a = b)
  | [], [] => Decidable.isTrue rfl
  | [], _ :: _ => Decidable.isFalse (fun h => cons_ne_nil h.symm)
  | _ :: _, [] => Decidable.isFalse (fun h => cons_ne_nil h)
  | x :: xs, y :: ys => match decNat x y, decList xs ys with
    | Decidable.isTrue h1, Decidable.isTrue h2 => Decidable.isTrue (congr (congrArg List.cons h1) h2)
    | Decidable.isFalse h1, _ => Decidable.isFalse (fun e => h1 (cons_inj e).1)
    | _, Decidable.isFalse h2 => Decidable.isFalse (fun e => h2 (cons_inj e).2)

/-- The token at position `i` of a list (`0` past its end): an input list as a function. -/
def lnth : List Nat → Nat → Nat
  | [], _ => 0
  | x :: _, 0 => x
  | _ :: xs, i+1 => lnth xs i

theorem lnth_lapp (t : List Nat) : (s : List Nat) → (i : Nat) → OF.nlt i (llen s) → lnth (lapp s t) i = lnth s i
  | [], _, h => False.elim h
  | _ :: _, 0, _ => rfl
  | _ :: xs, i+1, h => lnth_lapp t xs i h

theorem lnth_lapp_len (q : Nat) : (s : List Nat) → lnth (lapp s [q]) (llen s) = q
  | [] => rfl
  | _ :: xs => lnth_lapp_len q xs

theorem lapp_single_ne_nil (q : Nat) : (s : List Nat) → lapp s [q] = [] → False
  | [], h => cons_ne_nil h
  | _ :: _, h => cons_ne_nil h

theorem lapp_single_inj (q : Nat) : (s t : List Nat) → lapp s [q] = lapp t [q] → s = t
  | [], [], _ => rfl
  | [], _ :: t', h => False.elim (lapp_single_ne_nil q t' (cons_inj h).2.symm)
  | _ :: s', [], h => False.elim (lapp_single_ne_nil q s' (cons_inj h).2)
  | x :: s', y :: t', h => congr (congrArg List.cons (cons_inj h).1) (lapp_single_inj q s' t' (cons_inj h).2)

/-- The tokens `V-1, ..., 1, 0`. -/
def rangeL : Nat → List Nat
  | 0 => []
  | V+1 => V :: rangeL V

theorem nlt_of_mem_rangeL : (V y : Nat) → Mem y (rangeL V) → OF.nlt y V
  | 0, _, h => False.elim h
  | V+1, y, h => OF.orE h (fun e => Eq.subst (motive := fun z => OF.nlt z (V+1)) e.symm (OF.nlt_succ_self V))
      (fun h' => OF.nlt_step y V (nlt_of_mem_rangeL V y h'))

theorem mem_rangeL_of : (V y : Nat) → OF.nlt y V → Mem y (rangeL V)
  | 0, _, h => False.elim h
  | V+1, y, h => OF.orE (OF.nlt_succ_cases y V h) (fun h' => Or.inr (mem_rangeL_of V y h')) (fun e => Or.inl e)

theorem rangeL_nodup : (V : Nat) → Nodup (rangeL V)
  | 0 => trivial
  | V+1 => ⟨fun h => nlt_irrefl V (nlt_of_mem_rangeL V V h), rangeL_nodup V⟩

def maskStep (v : Nat) (l : List Nat) : Bool → List Nat
  | true => v :: l
  | false => l

/-- The tokens `k < V` with `S k` (a key mask as a list, largest first). -/
def maskL (S : Nat → Bool) : Nat → List Nat
  | 0 => []
  | V+1 => maskStep V (maskL S V) (S V)

theorem mem_maskL (S : Nat → Bool) : (V y : Nat) → Mem y (maskL S V) → OF.nlt y V ∧ S y = true
  | 0, _, h => False.elim h
  | V+1, y, h => OF.orE (bool_cases (S V))
      (fun e => by
        have h2 : Mem y (maskStep V (maskL S V) (S V)) := h
        rw [e] at h2
        exact OF.orE h2
          (fun e' => by rw [e']; exact ⟨OF.nlt_succ_self V, e⟩)
          (fun h' => ⟨OF.nlt_step y V (mem_maskL S V y h').1, (mem_maskL S V y h').2⟩))
      (fun e => by
        have h2 : Mem y (maskStep V (maskL S V) (S V)) := h
        rw [e] at h2
        exact ⟨OF.nlt_step y V (mem_maskL S V y h2).1, (mem_maskL S V y h2).2⟩)

theorem maskStep_nodup (v : Nat) (l : List Nat) (hl : Nodup l) (hv : Mem v l → False) :
    (b : Bool) → Nodup (maskStep v l b)
  | true => ⟨hv, hl⟩
  | false => hl

theorem maskL_nodup (S : Nat → Bool) : (V : Nat) → Nodup (maskL S V)
  | 0 => trivial
  | V+1 => maskStep_nodup V (maskL S V) (maskL_nodup S V)
      (fun h => nlt_irrefl V (mem_maskL S V V h).1) (S V)

theorem maskStep_len (v : Nat) (l : List Nat) : (b : Bool) → llen (maskStep v l b) = llen l + OF.bnat b
  | true => rfl
  | false => rfl

theorem maskL_len (S : Nat → Bool) : (V : Nat) → llen (maskL S V) = OF.countN S V
  | 0 => rfl
  | V+1 => (maskStep_len V (maskL S V) (S V)).trans (congrArg (fun k => k + OF.bnat (S V)) (maskL_len S V))

/-- `countN` peeling index 0 instead of the last index. -/
theorem countN_shift (M : Nat → Bool) : (n : Nat) → OF.countN M (n+1) = OF.bnat (M 0) + OF.countN (fun i => M (i+1)) n
  | 0 => nzero_add (OF.bnat (M 0))
  | n+1 => by
    show OF.countN M (n+1) + OF.bnat (M (n+1)) = OF.bnat (M 0) + (OF.countN (fun i => M (i+1)) n + OF.bnat (M (n+1)))
    rw [countN_shift M n, nadd_assoc (OF.bnat (M 0)) (OF.countN (fun i => M (i+1)) n) (OF.bnat (M (n+1)))]

/-- The entries of a sequence of shape `(S, m, c)` are `m` or tokens of `S`. -/
theorem shape_mem (L : List Nat) (m : Nat) : (s : List Nat) → (c : Nat) → Shape L m s c → (y : Nat) →
    Mem y s → y = m ∨ Mem y L
  | [], _, _, _, h => False.elim h
  | x :: xs, 0, hs, y, h => OF.orE h (fun e => Or.inl (e.trans hs.1)) (fun h' => shape_mem L m xs 0 hs.2 y h')
  | x :: xs, c+1, hs, y, h => OF.orE hs
      (fun hs' => OF.orE h (fun e => Or.inl (e.trans hs'.1)) (fun h' => shape_mem L m xs (c+1) hs'.2 y h'))
      (fun hs' => OF.orE h (fun e => Or.inr (Eq.subst (motive := fun z => Mem z L) e.symm hs'.1))
        (fun h' => shape_mem L m xs c hs'.2 y h'))

theorem mem_lnth : (s : List Nat) → (i : Nat) → OF.nlt i (llen s) → Mem (lnth s i) s
  | [], _, h => False.elim h
  | _ :: _, 0, _ => Or.inl rfl
  | _ :: xs, i+1, h => Or.inr (mem_lnth xs i h)

theorem bnat_notM_self (m : Nat) : OF.bnat (OF.notM m m) = 0 :=
  congrArg (fun b => OF.bnat (OF.bneg b)) (eqb_refl m)

theorem bnat_notM_ne {m y : Nat} (h : y = m → False) : OF.bnat (OF.notM m y) = 1 :=
  congrArg (fun b => OF.bnat (OF.bneg b)) (eqb_of_ne h)

/-- A sequence of shape `(S, m, c)` has exactly `c` entries other than `m` (`m ∉ S`). -/
theorem shape_count (L : List Nat) (m : Nat) (hm : Mem m L → False) : (s : List Nat) → (c : Nat) →
    Shape L m s c → OF.countN (fun i => OF.notM m (lnth s i)) (llen s) = c
  | [], _, hs => hs.symm
  | x :: xs, 0, hs => by
    have e : OF.countN (fun i => OF.notM m (lnth (x :: xs) i)) (llen xs + 1)
        = OF.bnat (OF.notM m x) + OF.countN (fun i => OF.notM m (lnth xs i)) (llen xs) :=
      countN_shift (fun i => OF.notM m (lnth (x :: xs) i)) (llen xs)
    show OF.countN (fun i => OF.notM m (lnth (x :: xs) i)) (llen xs + 1) = 0
    rw [e, shape_count L m hm xs 0 hs.2]
    exact (congrArg (fun y => OF.bnat (OF.notM m y)) hs.1).trans (bnat_notM_self m)
  | x :: xs, c+1, hs => by
    have e : OF.countN (fun i => OF.notM m (lnth (x :: xs) i)) (llen xs + 1)
        = OF.bnat (OF.notM m x) + OF.countN (fun i => OF.notM m (lnth xs i)) (llen xs) :=
      countN_shift (fun i => OF.notM m (lnth (x :: xs) i)) (llen xs)
    show OF.countN (fun i => OF.notM m (lnth (x :: xs) i)) (llen xs + 1) = c + 1
    rw [e]
    exact OF.orE hs
      (fun hs' => by
        rw [shape_count L m hm xs (c+1) hs'.2, hs'.1, bnat_notM_self m]
        exact nzero_add (c+1))
      (fun hs' => by
        rw [shape_count L m hm xs c hs'.2,
          bnat_notM_ne (fun e => hm (Eq.subst (motive := fun z => Mem z L) e hs'.1))]
        exact nadd_comm 1 c)

end LC

namespace OF

section
variable {α : Type} [OrdField α]

/-- The inputs of a case, as lists `slots ++ [q]` of length `n + 1`. -/
def caseInputs (n V : Nat) (cs : CubicCase α) : List (List Nat) :=
  LC.lmap (fun s => LC.lapp s [cs.q]) (LC.seqs (LC.maskL cs.S V) cs.m n cs.c)

/-- The kernel's count: `Σ C(n, c) |S|^c` over the cases (`1` when `c = 0`). -/
def kernelCount (n V : Nat) : List (CubicCase α) → Nat
  | [] => 0
  | cs :: rest => LC.choose n cs.c * LC.npow (countN cs.S V) cs.c + kernelCount n V rest

/-- `read_cases`: no `(q, m, c)` is listed twice. -/
def DistinctKeys : List (CubicCase α) → Prop
  | [] => True
  | cs :: rest => (∀ d, LC.Mem d rest → cs.q = d.q → cs.m = d.m → cs.c = d.c → False) ∧ DistinctKeys rest

def orB : Bool → Bool → Bool
  | true, _ => true
  | false, b => b

def ltD (a b : α) : Decidable (b ≤ a) → Bool
  | Decidable.isTrue _ => false
  | Decidable.isFalse _ => true

/-- `a < b`, decided. -/
def ltB (a b : α) : Bool := ltD a b (OrdField.decLe b a)

def allB (p : Nat → Bool) : Nat → Bool
  | 0 => true
  | n+1 => band (allB p n) (p n)

/-- `Correct L Vo m`, decided (every `j < Vo` is `m` or has `L j < L m`). -/
def correctB (L : Nat → α) (Vo m : Nat) : Bool := allB (fun j => orB (LC.eqb j m) (ltB (L j) (L m))) Vo

/-- Whether the model gets an input list (slots, then the query) right. -/
def inputCorrect (exp : α → α) (isq : α) (T : Tables α) (n Vo : Nat) (l : List Nat) : Bool :=
  correctB (tableLogit exp isq T n (LC.lnth l)) Vo (LC.maxTok (LC.lnth l) (n+1))

theorem ltD_true {a b : α} (h : a < b) : (d : Decidable (b ≤ a)) → ltD a b d = true
  | Decidable.isTrue h' => False.elim (not_le_of_lt h h')
  | Decidable.isFalse _ => rfl

theorem allB_true (p : Nat → Bool) : (n : Nat) → (∀ j, nlt j n → p j = true) → allB p n = true
  | 0, _ => rfl
  | n+1, h => band_true _ _ (allB_true p n (fun j hj => h j (nlt_step j n hj))) (h n (nlt_succ_self n))

theorem orB_cases (a b : Bool) (ha : a = false → b = true) : orB a b = true :=
  OF.orE (LC.bool_cases a)
    (fun e => by rw [e]; rfl)
    (fun e => by rw [e]; exact ha e)

theorem correctB_of (L : Nat → α) (Vo m : Nat) (h : Correct L Vo m) : correctB L Vo m = true :=
  allB_true _ Vo (fun j hj => orB_cases _ _ (fun e => ltD_true (h j hj (LC.eqb_false e)) _))

theorem mem_caseInputs (n V : Nat) (cs : CubicCase α) (l : List Nat) (h : LC.Mem l (caseInputs n V cs)) :
    ∃ s, LC.llen s = n ∧ LC.Shape (LC.maskL cs.S V) cs.m s cs.c ∧ l = LC.lapp s [cs.q] :=
  match (LC.mem_lmap (fun s => LC.lapp s [cs.q]) l (LC.seqs (LC.maskL cs.S V) cs.m n cs.c)).mp h with
  | ⟨s, hs, e⟩ => match (LC.seqs_mem (LC.maskL cs.S V) cs.m n cs.c s).mp hs with
    | ⟨hlen, hshape⟩ => ⟨s, hlen, hshape, e⟩

theorem m_not_in_keys (n V q m c : Nat) (S : Nat → Bool) (mu : α) (hv : CaseValid n V q m c S mu) :
    LC.Mem m (LC.maskL S V) → False :=
  fun h => LC.nlt_irrefl m (hv.keys m (LC.mem_maskL S V m h).2)

/-- Each listed input of a valid case is an input of the case. -/
theorem caseInputs_inCase (n V : Nat) (cs : CubicCase α) (hv : CaseValid n V cs.q cs.m cs.c cs.S cs.mu)
    (l : List Nat) (h : LC.Mem l (caseInputs n V cs)) : InCase n cs.q cs.m cs.c cs.S (LC.lnth l) :=
  match mem_caseInputs n V cs l h with
  | ⟨s, hlen, hshape, e⟩ => by
    rw [e]
    have hlt : ∀ i, nlt i n → LC.lnth (LC.lapp s [cs.q]) i = LC.lnth s i := fun i hi =>
      LC.lnth_lapp [cs.q] s i (Eq.subst (motive := fun k => nlt i k) hlen.symm hi)
    refine ⟨?_, ?_, ?_⟩
    · rw [← hlen]
      exact LC.lnth_lapp_len cs.q s
    · exact fun i hi => by
        rw [hlt i hi]
        exact OF.orE (LC.shape_mem (LC.maskL cs.S V) cs.m s cs.c hshape (LC.lnth s i)
            (LC.mem_lnth s i (Eq.subst (motive := fun k => nlt i k) hlen.symm hi)))
          (fun e' => Or.inl e') (fun h' => Or.inr (LC.mem_maskL cs.S V _ h').2)
    · have ec := LC.shape_count (LC.maskL cs.S V) cs.m (m_not_in_keys n V cs.q cs.m cs.c cs.S cs.mu hv) s cs.c hshape
      rw [hlen] at ec
      rw [← ec]
      exact countN_congr _ _ n (fun i hi => congrArg (notM cs.m) (hlt i hi))

end

end OF

namespace OF

section
variable {α : Type} [OrdField α]

theorem caseInputs_nodup (n V : Nat) (cs : CubicCase α) (hv : CaseValid n V cs.q cs.m cs.c cs.S cs.mu) :
    LC.Nodup (caseInputs n V cs) :=
  LC.nodup_lmap (fun s => LC.lapp s [cs.q]) (LC.lapp_single_inj cs.q) _
    (LC.seqs_nodup (LC.maskL cs.S V) cs.m (LC.maskL_nodup cs.S V) (m_not_in_keys n V cs.q cs.m cs.c cs.S cs.mu hv) n cs.c)

theorem caseInputs_len (n V : Nat) (cs : CubicCase α) :
    LC.llen (caseInputs n V cs) = LC.choose n cs.c * LC.npow (countN cs.S V) cs.c :=
  (LC.llen_lmap (fun s => LC.lapp s [cs.q]) _).trans ((LC.seqs_len (LC.maskL cs.S V) cs.m n cs.c).trans
    (congrArg (fun k => LC.choose n cs.c * LC.npow k cs.c) (LC.maskL_len cs.S V)))

theorem sizes_caseInputs (n V : Nat) : (cases : List (CubicCase α)) →
    LC.sizes (LC.lmap (caseInputs n V) cases) = kernelCount n V cases
  | [] => rfl
  | cs :: rest => by
    show LC.llen (caseInputs n V cs) + LC.sizes (LC.lmap (caseInputs n V) rest)
      = LC.choose n cs.c * LC.npow (countN cs.S V) cs.c + kernelCount n V rest
    rw [caseInputs_len n V cs, sizes_caseInputs n V rest]

/-- Every listed input is an input: a list of `n + 1` tokens below `V`. -/
theorem caseInputs_words (n V : Nat) (cs : CubicCase α) (hv : CaseValid n V cs.q cs.m cs.c cs.S cs.mu)
    (l : List Nat) (h : LC.Mem l (caseInputs n V cs)) : LC.Mem l (LC.words (LC.rangeL V) (n+1)) :=
  match mem_caseInputs n V cs l h with
  | ⟨s, hlen, hshape, e⟩ => (LC.words_mem (LC.rangeL V) (n+1) l).mpr
      ⟨by rw [e, LC.llen_lapp s [cs.q], hlen]; rfl,
       fun y hy => LC.mem_rangeL_of V y (OF.orE ((LC.mem_lapp y s [cs.q]).mp (Eq.subst (motive := fun z => LC.Mem y z) e hy))
         (fun hs => OF.orE (LC.shape_mem (LC.maskL cs.S V) cs.m s cs.c hshape y hs)
           (fun e' => Eq.subst (motive := fun z => nlt z V) e'.symm hv.mV)
           (fun hk => (LC.mem_maskL cs.S V y hk).1))
         (fun hq => OF.orE hq (fun e' => Eq.subst (motive := fun z => nlt z V) e'.symm
             (LC.nlt_of_nle_of_nlt cs.q cs.m V hv.qm hv.mV))
           (fun f => False.elim f)))⟩

/-- Cases with different `(q, m, c)` share no input: an input determines its query, its label
and its number of non-max slots. -/
theorem cases_disjoint (n V : Nat) : (cases : List (CubicCase α)) →
    (∀ cs, LC.Mem cs cases → CaseValid n V cs.q cs.m cs.c cs.S cs.mu) → DistinctKeys cases →
    LC.PairwiseDisj (LC.lmap (caseInputs n V) cases)
  | [], _, _ => trivial
  | cs :: rest, hv, hd => ⟨fun d hdm => match (LC.mem_lmap (caseInputs n V) d rest).mp hdm with
      | ⟨cs', hcs', e⟩ => fun l hl1 hl2 => by
        have hl2' : LC.Mem l (caseInputs n V cs') := Eq.subst (motive := fun z => LC.Mem l z) e hl2
        have hv1 := hv cs (Or.inl rfl)
        have hv2 := hv cs' (Or.inr hcs')
        have hx1 := caseInputs_inCase n V cs hv1 l hl1
        have hx2 := caseInputs_inCase n V cs' hv2 l hl2'
        have eq : cs.q = cs'.q := hx1.1.symm.trans hx2.1
        have em : cs.m = cs'.m := (case_max n V cs.q cs.m cs.c cs.S cs.mu hv1 (LC.lnth l) hx1).symm.trans
          (case_max n V cs'.q cs'.m cs'.c cs'.S cs'.mu hv2 (LC.lnth l) hx2)
        have hc2 := hx2.2.2
        rw [← em] at hc2
        exact hd.1 cs' hcs' eq em (hx1.2.2.symm.trans hc2),
    cases_disjoint n V rest (fun c h => hv c (Or.inr h)) hd.2⟩

end

end OF

section
variable {α : Type} [OrdField α]

/-- sound: cubic. The kernel's count for the cubic rule is sound: for listed cases that are
valid and pairwise distinct in `(q, m, c)` (`read_cases`) and all pass (`check_cases`), the
count `Σ C(n, c) |S|^c` is at most the number of correct inputs among the lists of `n + 1`
tokens below `V`, which `words (rangeL V) (n+1)` lists each exactly once (`count_disjoint`,
`cubic_count`, `cubic_sound`). -/
theorem cubic_count_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (top : α) (tauOf : (Nat → α) → Nat → α)
    (n V Vo : Nat) (cases : List (CubicCase α)) (hdist : OF.DistinctKeys cases)
    (hvalid : ∀ cs, LC.Mem cs cases → CaseValid n V cs.q cs.m cs.c cs.S cs.mu)
    (hpass : ∀ cs, LC.Mem cs cases → OF.CaseChecked R Ti top tauOf n V Vo cs.q cs.m cs.c cs.S cs.mu) :
    LC.nle (OF.kernelCount n V cases)
      (LC.countP (OF.inputCorrect exp isq T n Vo) (LC.words (LC.rangeL V) (n+1))) ∧
    (∀ l, LC.Mem l (LC.words (LC.rangeL V) (n+1)) ↔ (LC.llen l = n+1 ∧ ∀ t, LC.Mem t l → OF.nlt t V)) ∧
    LC.Nodup (LC.words (LC.rangeL V) (n+1)) :=
  ⟨Eq.subst (motive := fun k => LC.nle k (LC.countP (OF.inputCorrect exp isq T n Vo) (LC.words (LC.rangeL V) (n+1))))
    (OF.sizes_caseInputs n V cases)
    (count_disjoint LC.decList (OF.inputCorrect exp isq T n Vo) (LC.words (LC.rangeL V) (n+1))
      (LC.lmap (OF.caseInputs n V) cases)
      (fun c hc => match (LC.mem_lmap (OF.caseInputs n V) c cases).mp hc with
        | ⟨cs, hcs, e⟩ => Eq.subst (motive := fun z => LC.Nodup z) e.symm (OF.caseInputs_nodup n V cs (hvalid cs hcs)))
      (OF.cases_disjoint n V cases hvalid hdist)
      (fun c hc => match (LC.mem_lmap (OF.caseInputs n V) c cases).mp hc with
        | ⟨cs, hcs, e⟩ => fun l hl => OF.caseInputs_words n V cs (hvalid cs hcs) l
            (Eq.subst (motive := fun z => LC.Mem l z) e hl))
      (fun c hc => match (LC.mem_lmap (OF.caseInputs n V) c cases).mp hc with
        | ⟨cs, hcs, e⟩ => fun l hl => OF.correctB_of _ Vo _
            (cubic_sound R exp exp_pos exp_add isq T a b Ti hE top tauOf n V Vo cs.q cs.m cs.c cs.S cs.mu
              (hvalid cs hcs) (hpass cs hcs) (LC.lnth l)
              (OF.caseInputs_inCase n V cs (hvalid cs hcs) l (Eq.subst (motive := fun z => LC.Mem l z) e hl))))),
   fun l => ⟨fun h => ⟨((LC.words_mem (LC.rangeL V) (n+1) l).mp h).1,
       fun t ht => LC.nlt_of_mem_rangeL V t (((LC.words_mem (LC.rangeL V) (n+1) l).mp h).2 t ht)⟩,
     fun h => (LC.words_mem (LC.rangeL V) (n+1) l).mpr ⟨h.1, fun t ht => LC.mem_rangeL_of V t (h.2 t ht)⟩⟩,
   LC.words_nodup (LC.rangeL V) (LC.rangeL_nodup V) (n+1)⟩

end
