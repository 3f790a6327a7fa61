/-!
# Model.lean: the model at the last position, from its weights and from its path tables

The kernel's definition of "proved" (the docstring of `checker/kernel.py`): the model is the
exact real-number function of the weights (exact `exp`, exact `1/sqrt(d_head)`, causal softmax
attention, read at the last position), and an input is correct iff the logit of its maximum
token is strictly greater than every other logit.

Here, over the abstract ordered field:

* `modelLogit`: the one-layer, one-head, attention-only transformer (no normalization, every
  bias zero, as `checker/io/weights.py` admits) at the last position `n` of an input
  `x : Nat → Nat` (position ↦ token), from the seven weight matrices;
* `tablesOf`: the path tables EQKE, EQKP, EVOU, PVOU, EUPU, built as `checker/tables.py`
  builds them (the same matrix products, in the same order);
* `tableLogit`: the logits written with the tables (scores `(EQKE + EQKP) / sqrt(d_head)`);
* `model_tables`: the two agree, for every input and every output;
* `Correct`: the maximum token's logit is strictly above every other;
* `kernel_weights`: the kernel's attention weights `tok[q,t] * pos[q,i]` (each an `exp`
  shifted by an arbitrary per-query constant) give the same logits.

Matrices are functions `Nat → Nat → α`; a dimension is passed where a product sums over it.
-/

namespace LC

/-! ## Decisions on `Nat` by recursion -/

def bIsTrue : Bool → Prop
  | true => True
  | false => False

theorem false_ne_true (h : false = true) : False := Eq.mp (congrArg bIsTrue h.symm) trivial

theorem bool_cases : (b : Bool) → b = true ∨ b = false
  | true => Or.inl rfl
  | false => Or.inr rfl

/-- `eqb a b` decides `a = b`. -/
def eqb : Nat → Nat → Bool
  | 0, 0 => true
  | 0, _+1 => false
  | _+1, 0 => false
  | a+1, b+1 => eqb a b

theorem eqb_true : (a b : Nat) → eqb a b = true → a = b
  | 0, 0, _ => rfl
  | 0, _+1, h => False.elim (false_ne_true h)
  | _+1, 0, h => False.elim (false_ne_true h)
  | a+1, b+1, h => congrArg Nat.succ (eqb_true a b h)

theorem eqb_refl : (a : Nat) → eqb a a = true
  | 0 => rfl
  | a+1 => eqb_refl a

theorem eqb_false {a b : Nat} (h : eqb a b = false) (e : a = b) : False :=
  false_ne_true ((Eq.subst (motive := fun y => eqb a y = false) e.symm h).symm.trans (eqb_refl a))

theorem eqb_of_ne {a b : Nat} (h : a = b → False) : eqb a b = false :=
  OF.orE (bool_cases (eqb a b)) (fun e => False.elim (h (eqb_true a b e))) (fun e => e)

theorem eqb_of_eq {a b : Nat} (h : a = b) : eqb a b = true :=
  Eq.subst (motive := fun y => eqb a y = true) h (eqb_refl a)

/-- `nleb a b` decides `a ≤ b` (`nle`). -/
def nleb : Nat → Nat → Bool
  | 0, _ => true
  | _+1, 0 => false
  | a+1, b+1 => nleb a b

theorem nleb_true : (a b : Nat) → nleb a b = true → nle a b
  | 0, _, _ => trivial
  | _+1, 0, h => false_ne_true h
  | a+1, b+1, h => nleb_true a b h

theorem nleb_false : (a b : Nat) → nleb a b = false → nle b a
  | 0, _, h => False.elim (false_ne_true h.symm)
  | _+1, 0, _ => trivial
  | a+1, b+1, h => nleb_false a b h

theorem nle_trans : (a b c : Nat) → nle a b → nle b c → nle a c
  | 0, _, _, _, _ => trivial
  | _+1, 0, _, h, _ => False.elim h
  | _+1, _+1, 0, _, h => False.elim h
  | a+1, b+1, c+1, h1, h2 => nle_trans a b c h1 h2

theorem nle_antisymm : (a b : Nat) → nle a b → nle b a → a = b
  | 0, 0, _, _ => rfl
  | 0, _+1, _, h => False.elim h
  | _+1, 0, h, _ => False.elim h
  | a+1, b+1, h1, h2 => congrArg Nat.succ (nle_antisymm a b h1 h2)

theorem nle_zero_eq : (a : Nat) → nle a 0 → a = 0
  | 0, _ => rfl
  | _+1, h => False.elim h

/-- `i < n` gives `i ≤ n` and `i + 1 ≤ n`. -/
theorem nle_of_nlt : (i n : Nat) → OF.nlt i n → nle (i+1) n
  | _, 0, h => False.elim h
  | 0, _+1, _ => trivial
  | i+1, n+1, h => nle_of_nlt i n h

theorem nle_succ : (a : Nat) → nle a (a+1)
  | 0 => trivial
  | a+1 => nle_succ a

theorem nle_step (a b : Nat) (h : nle a b) : nle a (b+1) := nle_trans a b (b+1) h (nle_succ b)

theorem nlt_of_nle_of_nlt : (a b c : Nat) → nle a b → OF.nlt b c → OF.nlt a c
  | _, _, 0, _, h => False.elim h
  | 0, _, _+1, _, _ => trivial
  | _+1, 0, _+1, h, _ => False.elim h
  | a+1, b+1, c+1, h1, h2 => nlt_of_nle_of_nlt a b c h1 h2

theorem nlt_irrefl : (a : Nat) → OF.nlt a a → False
  | 0, h => h
  | a+1, h => nlt_irrefl a h

theorem nlt_ne {a b : Nat} (h : OF.nlt a b) (e : a = b) : False :=
  nlt_irrefl b (Eq.subst (motive := fun y => OF.nlt y b) e h)

theorem nlt_trans (a b c : Nat) (h1 : OF.nlt a b) (h2 : OF.nlt b c) : OF.nlt a c :=
  nlt_of_nle_of_nlt a b c (nle_trans a (a+1) b (nle_succ a) (nle_of_nlt a b h1)) h2

/-- `nmax a b`: `b` if `a ≤ b`, else `a`. -/
def pickN : Bool → Nat → Nat → Nat
  | true, x, _ => x
  | false, _, y => y

def nmax (a b : Nat) : Nat := pickN (nleb a b) b a

theorem nmax_le_cases (a b c : Nat) (ha : nle a c) (hb : nle b c) :
    (t : Bool) → nle (pickN t b a) c
  | true => hb
  | false => ha

theorem nmax_le (a b c : Nat) (ha : nle a c) (hb : nle b c) : nle (nmax a b) c :=
  nmax_le_cases a b c ha hb (nleb a b)

theorem le_nmax_left (a b : Nat) : nle a (nmax a b) :=
  OF.orE (bool_cases (nleb a b))
    (fun e => Eq.subst (motive := fun t => nle a (pickN t b a)) e.symm (nleb_true a b e))
    (fun e => Eq.subst (motive := fun t => nle a (pickN t b a)) e.symm (nle_refl a))

theorem le_nmax_right (a b : Nat) : nle b (nmax a b) :=
  OF.orE (bool_cases (nleb a b))
    (fun e => Eq.subst (motive := fun t => nle b (pickN t b a)) e.symm (nle_refl b))
    (fun e => Eq.subst (motive := fun t => nle b (pickN t b a)) e.symm (nleb_false a b e))

/-- The largest token among positions `0, ..., N-1` (the input's label for `N = n + 1`). -/
def maxTok (x : Nat → Nat) : Nat → Nat
  | 0 => 0
  | i+1 => nmax (maxTok x i) (x i)

theorem maxTok_le (x : Nat → Nat) (m : Nat) : (N : Nat) → (∀ i, OF.nlt i N → nle (x i) m) →
    nle (maxTok x N) m
  | 0, _ => trivial
  | N+1, h => nmax_le (maxTok x N) (x N) m (maxTok_le x m N (fun i hi => h i (OF.nlt_step i N hi)))
      (h N (OF.nlt_succ_self N))

theorem le_maxTok (x : Nat → Nat) : (N i : Nat) → OF.nlt i N → nle (x i) (maxTok x N)
  | 0, _, h => False.elim h
  | N+1, i, h => OF.orE (OF.nlt_succ_cases i N h)
      (fun h' => nle_trans (x i) (maxTok x N) (maxTok x (N+1)) (le_maxTok x N i h')
        (le_nmax_left (maxTok x N) (x N)))
      (fun e => Eq.subst (motive := fun j => nle (x j) (maxTok x (N+1))) e.symm
        (le_nmax_right (maxTok x N) (x N)))

/-- If every token is at most `m` and some position holds `m`, the maximum is `m`. -/
theorem maxTok_eq (x : Nat → Nat) (m N : Nat) (hle : ∀ i, OF.nlt i N → nle (x i) m)
    (i : Nat) (hi : OF.nlt i N) (him : x i = m) : maxTok x N = m :=
  nle_antisymm (maxTok x N) m (maxTok_le x m N hle)
    (Eq.subst (motive := fun y => nle y (maxTok x N)) him (le_maxTok x N i hi))

end LC

namespace OF

section
variable {α : Type} [OrdField α]

/-! ## Vectors and matrices -/

/-- `Σ_{a<d} u[a] v[a]`. -/
def dot (u v : Nat → α) (d : Nat) : α := sumN (fun a => u a * v a) d

/-- `(v W)[b] = Σ_{a<d} v[a] W[a, b]`: a row vector times a matrix with `d` rows. -/
def vecmat (v : Nat → α) (W : Nat → Nat → α) (d : Nat) (b : Nat) : α := sumN (fun a => v a * W a b) d

/-- `(A @ B)[r, c] = Σ_{a<d} A[r, a] B[a, c]`. -/
def matmul (A B : Nat → Nat → α) (d : Nat) (r c : Nat) : α := vecmat (A r) B d c

/-- The transpose, `A.T[r, c] = A[c, r]`. -/
def tr (A : Nat → Nat → α) (r c : Nat) : α := A c r

theorem sumN_swap (f : Nat → Nat → α) (A : Nat) : (D : Nat) →
    sumN (fun c => sumN (fun a => f a c) A) D = sumN (fun a => sumN (fun c => f a c) D) A
  | 0 => (sumN_const_zero A).symm
  | D+1 => by
    show sumN (fun c => sumN (fun a => f a c) A) D + sumN (fun a => f a D) A
      = sumN (fun a => sumN (fun c => f a c) D + f a D) A
    rw [sumN_add (fun a => sumN (fun c => f a c) D) (fun a => f a D) A, sumN_swap f A D]

/-- Associativity of the matrix product, row by row: `(v A) B = v (A B)`. -/
theorem vecmat_assoc (v : Nat → α) (A B : Nat → Nat → α) (d1 d2 b : Nat) :
    vecmat (vecmat v A d1) B d2 b = vecmat v (matmul A B d2) d1 b := by
  have e1 : vecmat (vecmat v A d1) B d2 b
      = sumN (fun a => sumN (fun c => v c * A c a * B a b) d1) d2 :=
    sumN_congr _ _ d2 (fun a _ => (sumN_mul_right (B a b) (fun c => v c * A c a) d1).symm)
  have e2 := sumN_swap (fun c a => v c * A c a * B a b) d1 d2
  have e3 : sumN (fun c => sumN (fun a => v c * A c a * B a b) d2) d1 = vecmat v (matmul A B d2) d1 b :=
    sumN_congr _ _ d1 (fun c _ => by
      show sumN (fun a => v c * A c a * B a b) d2 = v c * sumN (fun a => A c a * B a b) d2
      rw [← sumN_mul_left (v c) (fun a => A c a * B a b) d2]
      exact sumN_congr _ _ d2 (fun a _ => mul_assoc (v c) (A c a) (B a b)))
  exact e1.trans (e2.trans e3)

/-- `(u + w) M = u M + w M`. -/
theorem vecmat_add (u w : Nat → α) (M : Nat → Nat → α) (d b : Nat) :
    vecmat (fun a => u a + w a) M d b = vecmat u M d b + vecmat w M d b := by
  have e : vecmat (fun a => u a + w a) M d b = sumN (fun a => u a * M a b + w a * M a b) d :=
    sumN_congr _ _ d (fun a _ => add_mul (u a) (w a) (M a b))
  rw [e]
  exact sumN_add (fun a => u a * M a b) (fun a => w a * M a b) d

/-! ## The model, from the weights -/

end
end OF

/-- The seven weight matrices (TransformerLens names; `n_heads = 1`, every bias zero):
`W_E [d_vocab, d_model]`, `W_pos [n_ctx, d_model]`, `W_Q W_K W_V [d_model, d_head]`,
`W_O [d_head, d_model]`, `W_U [d_model, d_vocab_out]`. -/
structure Weights (α : Type) where
  W_E : Nat → Nat → α
  W_pos : Nat → Nat → α
  W_Q : Nat → Nat → α
  W_K : Nat → Nat → α
  W_V : Nat → Nat → α
  W_O : Nat → Nat → α
  W_U : Nat → Nat → α

/-- The path tables of `checker/tables.py`, exact: `EQKE[q, t]`, `EQKP[q, i]`, `EVOU[t, j]`,
`PVOU[i, j]`, `EUPU[q, j]`. -/
structure Tables (α : Type) where
  EQKE : Nat → Nat → α
  EQKP : Nat → Nat → α
  EVOU : Nat → Nat → α
  PVOU : Nat → Nat → α
  EUPU : Nat → Nat → α

namespace OF

section
variable {α : Type} [OrdField α]

/-- The residual stream at position `i`: `W_E[x i] + W_pos[i]`. -/
def resid (W : Weights α) (x : Nat → Nat) (i c : Nat) : α := W.W_E (x i) c + W.W_pos i c

/-- The attention score of key position `i` for the query at the last position `n`:
`(h_n W_Q) · (h_i W_K) * isq`, where `isq` is the model's `1 / sqrt(d_head)`. -/
def score (W : Weights α) (dm dh : Nat) (isq : α) (x : Nat → Nat) (n i : Nat) : α :=
  dot (vecmat (resid W x n) W.W_Q dm) (vecmat (resid W x i) W.W_K dm) dh * isq

/-- The softmax attention pattern at the last position (causal: keys `0..n`). -/
def pattern (exp : α → α) (W : Weights α) (dm dh : Nat) (isq : α) (x : Nat → Nat) (n i : Nat) : α :=
  exp (score W dm dh isq x n i) / sumN (fun i' => exp (score W dm dh isq x n i')) (n+1)

/-- The attention head's output before `W_O`: `z = Σ_i pattern_i (h_i W_V)`. -/
def attnZ (exp : α → α) (W : Weights α) (dm dh : Nat) (isq : α) (x : Nat → Nat) (n a : Nat) : α :=
  sumN (fun i => pattern exp W dm dh isq x n i * vecmat (resid W x i) W.W_V dm a) (n+1)

/-- The residual stream after the layer, at the last position: `h_n + z W_O`. -/
def finalResid (exp : α → α) (W : Weights α) (dm dh : Nat) (isq : α) (x : Nat → Nat) (n c : Nat) : α :=
  resid W x n c + vecmat (attnZ exp W dm dh isq x n) W.W_O dh c

/-- The model's logit for output `j` at the last position `n` of input `x`. -/
def modelLogit (exp : α → α) (W : Weights α) (dm dh : Nat) (isq : α) (x : Nat → Nat) (n j : Nat) : α :=
  vecmat (finalResid exp W dm dh isq x n) W.W_U dm j

/-! ## The path tables, as `checker/tables.py` computes them -/

/-- `E_q = W_E + W_pos[n_ctx-1]` (row by row). -/
def E_q (W : Weights α) (n q c : Nat) : α := W.W_E q c + W.W_pos n c

/-- `OVU = W_V @ W_O @ W_U`. -/
def OVU (W : Weights α) (dm dh : Nat) : Nat → Nat → α := matmul (matmul W.W_V W.W_O dh) W.W_U dm

/-- `Tables`: `EQKE = E_q @ W_Q @ W_K.T @ W_E.T`, `EQKP = E_q @ W_Q @ W_K.T @ W_pos.T`,
`EVOU = W_E @ OVU`, `PVOU = W_pos @ OVU`, `EUPU = E_q @ W_U` (products left to right). -/
def tablesOf (W : Weights α) (dm dh n : Nat) : Tables α :=
  ⟨matmul (matmul (matmul (E_q W n) W.W_Q dm) (tr W.W_K) dh) (tr W.W_E) dm,
   matmul (matmul (matmul (E_q W n) W.W_Q dm) (tr W.W_K) dh) (tr W.W_pos) dm,
   matmul W.W_E (OVU W dm dh) dm,
   matmul W.W_pos (OVU W dm dh) dm,
   matmul (E_q W n) W.W_U dm⟩

/-- The logits written with the tables: attention weight `exp((EQKE[q, x i] + EQKP[q, i]) isq)`
at position `i ≤ n` (`q = x n`), value `EVOU[x i] + PVOU[i]`, direct path `EUPU[q]` (this is
`logit` of `Margin.lean`). -/
def tableLogit (exp : α → α) (isq : α) (T : Tables α) (n : Nat) (x : Nat → Nat) (j : Nat) : α :=
  logit (fun i => exp ((T.EQKE (x n) (x i) + T.EQKP (x n) i) * isq)) (n+1) x T.EVOU T.PVOU
    (T.EUPU (x n)) j

/-- Correctness of an input with logits `L`: the logit of the label `m` (the maximum token) is
strictly above every other of the `Vout` logits (ties are wrong). -/
def Correct (L : Nat → α) (Vout m : Nat) : Prop := ∀ j, nlt j Vout → (j = m → False) → L j < L m

/-! ## The link: scores, values and the direct path through the tables -/

theorem score_tables (W : Weights α) (dm dh : Nat) (isq : α) (x : Nat → Nat) (n i : Nat) :
    score W dm dh isq x n i
      = ((tablesOf W dm dh n).EQKE (x n) (x i) + (tablesOf W dm dh n).EQKP (x n) i) * isq := by
  -- both table entries are Q (W_K^T r^T) for the query row Q = E_q[q] W_Q
  have eK : (tablesOf W dm dh n).EQKE (x n) (x i)
      = vecmat (vecmat (resid W x n) W.W_Q dm) (matmul (tr W.W_K) (tr W.W_E) dm) dh (x i) :=
    vecmat_assoc (vecmat (resid W x n) W.W_Q dm) (tr W.W_K) (tr W.W_E) dh dm (x i)
  have eP : (tablesOf W dm dh n).EQKP (x n) i
      = vecmat (vecmat (resid W x n) W.W_Q dm) (matmul (tr W.W_K) (tr W.W_pos) dm) dh i :=
    vecmat_assoc (vecmat (resid W x n) W.W_Q dm) (tr W.W_K) (tr W.W_pos) dh dm i
  have eS : vecmat (vecmat (resid W x n) W.W_Q dm) (matmul (tr W.W_K) (tr W.W_E) dm) dh (x i)
      + vecmat (vecmat (resid W x n) W.W_Q dm) (matmul (tr W.W_K) (tr W.W_pos) dm) dh i
      = dot (vecmat (resid W x n) W.W_Q dm) (vecmat (resid W x i) W.W_K dm) dh := by
    show sumN (fun a => vecmat (resid W x n) W.W_Q dm a * matmul (tr W.W_K) (tr W.W_E) dm a (x i)) dh
        + sumN (fun a => vecmat (resid W x n) W.W_Q dm a * matmul (tr W.W_K) (tr W.W_pos) dm a i) dh
      = sumN (fun a => vecmat (resid W x n) W.W_Q dm a * vecmat (resid W x i) W.W_K dm a) dh
    rw [← sumN_add (fun a => vecmat (resid W x n) W.W_Q dm a * matmul (tr W.W_K) (tr W.W_E) dm a (x i))
      (fun a => vecmat (resid W x n) W.W_Q dm a * matmul (tr W.W_K) (tr W.W_pos) dm a i) dh]
    exact sumN_congr _ _ dh (fun a _ => by
      show vecmat (resid W x n) W.W_Q dm a * sumN (fun c => W.W_K c a * W.W_E (x i) c) dm
          + vecmat (resid W x n) W.W_Q dm a * sumN (fun c => W.W_K c a * W.W_pos i c) dm
        = vecmat (resid W x n) W.W_Q dm a * sumN (fun c => (W.W_E (x i) c + W.W_pos i c) * W.W_K c a) dm
      rw [← mul_add (vecmat (resid W x n) W.W_Q dm a), ← sumN_add (fun c => W.W_K c a * W.W_E (x i) c)
        (fun c => W.W_K c a * W.W_pos i c) dm]
      exact congrArg (fun s => vecmat (resid W x n) W.W_Q dm a * s) (sumN_congr _ _ dm (fun c _ => by
        show W.W_K c a * W.W_E (x i) c + W.W_K c a * W.W_pos i c = (W.W_E (x i) c + W.W_pos i c) * W.W_K c a
        rw [← mul_add (W.W_K c a) (W.W_E (x i) c) (W.W_pos i c), mul_comm (W.W_K c a)])))
  show dot (vecmat (resid W x n) W.W_Q dm) (vecmat (resid W x i) W.W_K dm) dh * isq
    = ((tablesOf W dm dh n).EQKE (x n) (x i) + (tablesOf W dm dh n).EQKP (x n) i) * isq
  rw [eK, eP, eS]

/-- The value path of position `i` through `W_O` and `W_U`: `(h_i W_V) W_O W_U = EVOU[x i] + PVOU[i]`. -/
theorem value_tables (W : Weights α) (dm dh n : Nat) (x : Nat → Nat) (i j : Nat) :
    vecmat (vecmat (resid W x i) W.W_V dm) (matmul W.W_O W.W_U dm) dh j
      = (tablesOf W dm dh n).EVOU (x i) j + (tablesOf W dm dh n).PVOU i j := by
  have e1 := vecmat_assoc (resid W x i) W.W_V (matmul W.W_O W.W_U dm) dm dh j
  -- OVU[c, j] = W_V[c] (W_O W_U)
  have e2 : vecmat (resid W x i) (matmul W.W_V (matmul W.W_O W.W_U dm) dh) dm j
      = vecmat (resid W x i) (OVU W dm dh) dm j :=
    sumN_congr _ _ dm (fun c _ => congrArg (fun s => resid W x i c * s)
      (vecmat_assoc (W.W_V c) W.W_O W.W_U dh dm j).symm)
  have e3 := vecmat_add (W.W_E (x i)) (W.W_pos i) (OVU W dm dh) dm j
  exact e1.trans (e2.trans e3)

/-- `Σ_i (w_i / Z) g_i = (Σ_i w_i g_i) / Z`. -/
theorem sum_div (w g : Nat → α) (Z : α) (N : Nat) :
    sumN (fun i => w i / Z * g i) N = sumN (fun i => w i * g i) N / Z := by
  have e : sumN (fun i => w i / Z * g i) N = sumN (fun i => w i * g i * OrdField.inv Z) N :=
    sumN_congr _ _ N (fun i _ => by
      show w i * OrdField.inv Z * g i = w i * g i * OrdField.inv Z
      rw [mul_assoc (w i) (OrdField.inv Z) (g i), mul_comm (OrdField.inv Z) (g i),
        ← mul_assoc (w i) (g i) (OrdField.inv Z)])
  rw [e, sumN_mul_right (OrdField.inv Z) (fun i => w i * g i) N]
  rfl

/-- `logit` depends on the weights only through their values at positions `i < N`. -/
theorem logit_congr (w w' : Nat → α) (N : Nat) (t : Nat → Nat) (EVOU PVOU : Nat → Nat → α)
    (EUPU : Nat → α) (k : Nat) (h : ∀ i, nlt i N → w i = w' i) :
    logit w N t EVOU PVOU EUPU k = logit w' N t EVOU PVOU EUPU k := by
  show EUPU k + sumN (fun i => w i * (EVOU (t i) k + PVOU i k)) N / sumN w N
    = EUPU k + sumN (fun i => w' i * (EVOU (t i) k + PVOU i k)) N / sumN w' N
  rw [sumN_congr (fun i => w i * (EVOU (t i) k + PVOU i k)) (fun i => w' i * (EVOU (t i) k + PVOU i k)) N
      (fun i hi => congrArg (fun s => s * (EVOU (t i) k + PVOU i k)) (h i hi)),
    sumN_congr w w' N h]

end

end OF

section
variable {α : Type} [OrdField α]

/-- supports: margin_decomposition. The model computed from its weights has, for every input
`x` and output `j`, the logit that the path tables give: scores
`(EQKE[q, x i] + EQKP[q, i]) / sqrt(d_head)`, values `EVOU[x i] + PVOU[i]`, direct path
`EUPU[q]`, with the tables built as `checker/tables.py` builds them. -/
theorem model_tables (exp : α → α) (W : Weights α) (dm dh : Nat) (isq : α) (x : Nat → Nat)
    (n j : Nat) :
    OF.modelLogit exp W dm dh isq x n j = OF.tableLogit exp isq (OF.tablesOf W dm dh n) n x j := by
  -- the direct path
  have eD : OF.vecmat (OF.resid W x n) W.W_U dm j = (OF.tablesOf W dm dh n).EUPU (x n) j := rfl
  -- the head's path: (z W_O) W_U = z (W_O W_U) = Σ_i pattern_i (h_i W_V) (W_O W_U)
  have eA1 := OF.vecmat_assoc (OF.attnZ exp W dm dh isq x n) W.W_O W.W_U dh dm j
  have eA2 : OF.vecmat (OF.attnZ exp W dm dh isq x n) (OF.matmul W.W_O W.W_U dm) dh j
      = OF.sumN (fun i => OF.pattern exp W dm dh isq x n i
          * OF.vecmat (OF.vecmat (OF.resid W x i) W.W_V dm) (OF.matmul W.W_O W.W_U dm) dh j) (n+1) := by
    have s1 : OF.vecmat (OF.attnZ exp W dm dh isq x n) (OF.matmul W.W_O W.W_U dm) dh j
        = OF.sumN (fun a => OF.sumN (fun i => OF.pattern exp W dm dh isq x n i
            * OF.vecmat (OF.resid W x i) W.W_V dm a * OF.matmul W.W_O W.W_U dm a j) (n+1)) dh :=
      OF.sumN_congr _ _ dh (fun a _ =>
        (OF.sumN_mul_right (OF.matmul W.W_O W.W_U dm a j) (fun i => OF.pattern exp W dm dh isq x n i
          * OF.vecmat (OF.resid W x i) W.W_V dm a) (n+1)).symm)
    have s2 := OF.sumN_swap (fun i a => OF.pattern exp W dm dh isq x n i
        * OF.vecmat (OF.resid W x i) W.W_V dm a * OF.matmul W.W_O W.W_U dm a j) (n+1) dh
    have s3 : OF.sumN (fun i => OF.sumN (fun a => OF.pattern exp W dm dh isq x n i
          * OF.vecmat (OF.resid W x i) W.W_V dm a * OF.matmul W.W_O W.W_U dm a j) dh) (n+1)
        = OF.sumN (fun i => OF.pattern exp W dm dh isq x n i
          * OF.vecmat (OF.vecmat (OF.resid W x i) W.W_V dm) (OF.matmul W.W_O W.W_U dm) dh j) (n+1) :=
      OF.sumN_congr _ _ (n+1) (fun i _ => by
        show OF.sumN (fun a => OF.pattern exp W dm dh isq x n i
            * OF.vecmat (OF.resid W x i) W.W_V dm a * OF.matmul W.W_O W.W_U dm a j) dh
          = OF.pattern exp W dm dh isq x n i * OF.sumN (fun a => OF.vecmat (OF.resid W x i) W.W_V dm a
            * OF.matmul W.W_O W.W_U dm a j) dh
        rw [← OF.sumN_mul_left (OF.pattern exp W dm dh isq x n i) (fun a => OF.vecmat (OF.resid W x i) W.W_V dm a
          * OF.matmul W.W_O W.W_U dm a j) dh]
        exact OF.sumN_congr _ _ dh (fun a _ => OF.mul_assoc (OF.pattern exp W dm dh isq x n i)
          (OF.vecmat (OF.resid W x i) W.W_V dm a) (OF.matmul W.W_O W.W_U dm a j)))
    exact s1.trans (s2.trans s3)
  -- the weights: exp(score) = exp((EQKE + EQKP) isq)
  have eW : ∀ i, OF.nlt i (n+1) → exp (OF.score W dm dh isq x n i)
      = exp (((OF.tablesOf W dm dh n).EQKE (x n) (x i) + (OF.tablesOf W dm dh n).EQKP (x n) i) * isq) :=
    fun i _ => congrArg exp (OF.score_tables W dm dh isq x n i)
  have eZ := OF.sumN_congr _ _ (n+1) eW
  have eA3 : OF.sumN (fun i => OF.pattern exp W dm dh isq x n i
        * OF.vecmat (OF.vecmat (OF.resid W x i) W.W_V dm) (OF.matmul W.W_O W.W_U dm) dh j) (n+1)
      = OF.sumN (fun i => exp (((OF.tablesOf W dm dh n).EQKE (x n) (x i) + (OF.tablesOf W dm dh n).EQKP (x n) i) * isq)
          * ((OF.tablesOf W dm dh n).EVOU (x i) j + (OF.tablesOf W dm dh n).PVOU i j)) (n+1)
        / OF.sumN (fun i => exp (((OF.tablesOf W dm dh n).EQKE (x n) (x i) + (OF.tablesOf W dm dh n).EQKP (x n) i) * isq)) (n+1) := by
    have t1 : OF.sumN (fun i => OF.pattern exp W dm dh isq x n i
          * OF.vecmat (OF.vecmat (OF.resid W x i) W.W_V dm) (OF.matmul W.W_O W.W_U dm) dh j) (n+1)
        = OF.sumN (fun i => exp (((OF.tablesOf W dm dh n).EQKE (x n) (x i) + (OF.tablesOf W dm dh n).EQKP (x n) i) * isq)
            / OF.sumN (fun i => exp (((OF.tablesOf W dm dh n).EQKE (x n) (x i) + (OF.tablesOf W dm dh n).EQKP (x n) i) * isq)) (n+1)
            * ((OF.tablesOf W dm dh n).EVOU (x i) j + (OF.tablesOf W dm dh n).PVOU i j)) (n+1) :=
      OF.sumN_congr _ _ (n+1) (fun i hi => by
        show exp (OF.score W dm dh isq x n i) / OF.sumN (fun i' => exp (OF.score W dm dh isq x n i')) (n+1)
            * OF.vecmat (OF.vecmat (OF.resid W x i) W.W_V dm) (OF.matmul W.W_O W.W_U dm) dh j = _
        rw [eW i hi, eZ, OF.value_tables W dm dh n x i j])
    rw [t1]
    exact OF.sum_div _ _ _ (n+1)
  show OF.vecmat (fun c => OF.resid W x n c + OF.vecmat (OF.attnZ exp W dm dh isq x n) W.W_O dh c) W.W_U dm j
    = (OF.tablesOf W dm dh n).EUPU (x n) j
      + OF.sumN (fun i => exp (((OF.tablesOf W dm dh n).EQKE (x n) (x i) + (OF.tablesOf W dm dh n).EQKP (x n) i) * isq)
          * ((OF.tablesOf W dm dh n).EVOU (x i) j + (OF.tablesOf W dm dh n).PVOU i j)) (n+1)
        / OF.sumN (fun i => exp (((OF.tablesOf W dm dh n).EQKE (x n) (x i) + (OF.tablesOf W dm dh n).EQKP (x n) i) * isq)) (n+1)
  rw [OF.vecmat_add (OF.resid W x n) (OF.vecmat (OF.attnZ exp W dm dh isq x n) W.W_O dh) W.W_U dm j, eD, eA1, eA2, eA3]

end

namespace OF

section
variable {α : Type} [OrdField α]

/-! ## The kernel's attention weights -/

/-- `exp((E + P) isq) = exp(a + b) (exp(E isq - a) exp(P isq - b))`: the weight of a key
factors into a token part and a position part, each shifted by any constant. -/
theorem exp_split (exp : α → α) (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (E P isq a b : α) :
    exp ((E + P) * isq) = exp (a + b) * (exp (E * isq - a) * exp (P * isq - b)) := by
  have e : (E + P) * isq = (a + b) + ((E * isq - a) + (P * isq - b)) := by
    rw [add_comm (a + b) ((E * isq - a) + (P * isq - b)), add4 (E * isq - a) (P * isq - b) a b,
      sub_add_cancel (E * isq) a, sub_add_cancel (P * isq) b, add_mul E P isq]
  rw [e, exp_add (a + b) ((E * isq - a) + (P * isq - b)), exp_add (E * isq - a) (P * isq - b)]

/-- The kernel's weights `tok[q, t] = exp(EQKE[q, t] isq - a_q)` and `pos[q, i] =
exp(EQKP[q, i] isq - b_q)`, for any shifts `a`, `b` (the kernel picks floats near the rows'
maxima), give the model's logits: `w_i = exp(s_i)` up to the constant `exp(a_q + b_q) > 0`. -/
theorem kernel_weights (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (n : Nat) (x : Nat → Nat) (j : Nat) :
    tableLogit exp isq T n x j
      = logit (fun i => exp (T.EQKE (x n) (x i) * isq - a (x n)) * exp (T.EQKP (x n) i * isq - b (x n)))
          (n+1) x T.EVOU T.PVOU (T.EUPU (x n)) j := by
  have hw : ∀ i, 0 < exp (T.EQKE (x n) (x i) * isq - a (x n)) * exp (T.EQKP (x n) i * isq - b (x n)) :=
    fun i => mul_pos (exp_pos _) (exp_pos _)
  have hZ : 0 < sumN (fun i => exp (T.EQKE (x n) (x i) * isq - a (x n)) * exp (T.EQKP (x n) i * isq - b (x n))) (n+1) :=
    sumN_pos _ (n+1) (nlt_zero_succ n) (fun i _ => hw i)
  have e1 := logit_congr (fun i => exp ((T.EQKE (x n) (x i) + T.EQKP (x n) i) * isq))
    (fun i => exp (a (x n) + b (x n))
      * (exp (T.EQKE (x n) (x i) * isq - a (x n)) * exp (T.EQKP (x n) i * isq - b (x n))))
    (n+1) x T.EVOU T.PVOU (T.EUPU (x n)) j
    (fun i _ => exp_split exp exp_add (T.EQKE (x n) (x i)) (T.EQKP (x n) i) isq (a (x n)) (b (x n)))
  exact e1.trans (logit_scale (exp (a (x n) + b (x n))) (exp_pos _) _ (n+1) x T.EVOU T.PVOU (T.EUPU (x n)) j
    (ne_zero_of_pos hZ))

/-- From margins to correctness: if, for every output `j ≠ m`, `Σ_i w_i (G_j(x i, i) - μ) > 0`
with positive weights, `N ≥ 1` positions and `μ ≥ 0`, then the input is correct
(`margin_decomposition` and `softmax_shift`, with the weights of `kernel_weights`). -/
theorem correct_of_margins (w : Nat → α) (N : Nat) (hN : nlt 0 N) (hw : ∀ i, nlt i N → 0 < w i)
    (x : Nat → Nat) (EVOU PVOU : Nat → Nat → α) (EUPU : Nat → α) (Vout m : Nat) (mu : α)
    (hmu : 0 ≤ mu)
    (h : ∀ j, nlt j Vout → (j = m → False) →
      0 < sumN (fun i => w i * (gap EVOU PVOU EUPU m j (x i) i - mu)) N) :
    Correct (logit w N x EVOU PVOU EUPU) Vout m := fun j hj hjm => by
  have hZ : 0 < sumN w N := sumN_pos w N hN hw
  -- Σ w (g - μ) = Σ w g - (Σ w) μ
  have e1 : sumN (fun i => w i * (gap EVOU PVOU EUPU m j (x i) i - mu)) N
      = sumN (fun i => w i * gap EVOU PVOU EUPU m j (x i) i) N - sumN w N * mu := by
    rw [← sumN_mul_right mu w N, ← sumN_sub (fun i => w i * gap EVOU PVOU EUPU m j (x i) i)
      (fun i => w i * mu) N]
    exact sumN_congr _ _ N (fun i _ => mul_sub (w i) (gap EVOU PVOU EUPU m j (x i) i) mu)
  have h1 := h j hj hjm
  rw [e1] at h1
  have h2 : 0 < sumN (fun i => w i * gap EVOU PVOU EUPU m j (x i) i) N := by
    have h3 := add_lt_add_of_lt_of_le h1 (mul_nonneg (le_of_lt hZ) hmu)
    rw [zero_add (0 : α), sub_add_cancel (sumN (fun i => w i * gap EVOU PVOU EUPU m j (x i) i) N)
      (sumN w N * mu)] at h3
    exact h3
  rw [← margin_identity w N x EVOU PVOU EUPU m j (ne_zero_of_pos hZ)] at h2
  exact lt_of_sub_pos (pos_of_mul_pos_left hZ h2)

end

end OF

section
variable {α : Type} [OrdField α]

/-- supports: margin_decomposition. Correctness read through the tables is correctness of the
model computed from its weights (`model_tables`, with the tables built from the weights). -/
theorem model_correct (exp : α → α) (W : Weights α) (dm dh : Nat) (isq : α) (x : Nat → Nat) (n Vo m : Nat)
    (h : OF.Correct (OF.tableLogit exp isq (OF.tablesOf W dm dh n) n x) Vo m) :
    OF.Correct (fun j => OF.modelLogit exp W dm dh isq x n j) Vo m := fun j hj hjm => by
  show OF.modelLogit exp W dm dh isq x n j < OF.modelLogit exp W dm dh isq x n m
  rw [model_tables exp W dm dh isq x n j, model_tables exp W dm dh isq x n m]
  exact h j hj hjm

end
