/-!
# Cubic.lean: the cubic proof

Rules `cubic_arrangement`, `cubic_output_split`, `cubic_mixture`, `cubic_count`.

A set of indices `i < n` is a mask `M : Nat → Bool`; `sel (M i) x` is `x` when `i` is in the
set and `0` otherwise, so `Σ_{i<n} sel (M i) (d i)` is the sum over the set, and `countN M n`
its size.
-/

namespace OF

/-- `bnat b` is 1 if `b`, else 0. -/
def bnat : Bool → Nat
  | true => 1
  | false => 0

/-- The number of `i < n` with `M i`. -/
def countN (M : Nat → Bool) : Nat → Nat
  | 0 => 0
  | n+1 => countN M n + bnat (M n)

section
variable {α : Type} [OrdField α]

/-- `sel b x` is `x` if `b`, else `0`. -/
def sel : Bool → α → α
  | true, x => x
  | false, _ => 0

/-- The natural number `k` as an element of the field. -/
def ofN : Nat → α
  | 0 => 0
  | k+1 => ofN k + 1

theorem arr_step (tau x S R : α) (c : Nat) (ih : ofN c * tau + S ≤ R) :
    (b : Bool) → ofN (c + bnat b) * tau + (S + min2 (x - tau) 0) ≤ R + sel b x
  | true => by
    show (ofN c + 1) * tau + (S + min2 (x - tau) 0) ≤ R + x
    rw [add_mul (ofN c) 1 tau, one_mul tau, add4 (ofN c * tau) tau S (min2 (x - tau) 0)]
    exact add_le_add ih (le_trans (add_le_add_left (min2_le_left (x - tau) 0) tau)
      (le_of_eq (add_sub_cancel' tau x)))
  | false => by
    show ofN c * tau + (S + min2 (x - tau) 0) ≤ R + 0
    rw [← add_assoc (ofN c * tau) S (min2 (x - tau) 0)]
    exact add_le_add ih (min2_le_right (x - tau) 0)

theorem arr_step_eq (tau x S R : α) (c : Nat) (ih : ofN c * tau + S = R) :
    (b : Bool) → (b = true → x ≤ tau) → (b = false → tau ≤ x) →
    R + sel b x = ofN (c + bnat b) * tau + (S + min2 (x - tau) 0)
  | true, h1, _ => by
    show R + x = (ofN c + 1) * tau + (S + min2 (x - tau) 0)
    rw [min2_eq_left (sub_nonpos_of_le (h1 rfl)), add_mul (ofN c) 1 tau, one_mul tau,
      add4 (ofN c * tau) tau S (x - tau), ih, add_sub_cancel' tau x]
  | false, _, h2 => by
    show R + 0 = ofN c * tau + (S + min2 (x - tau) 0)
    rw [min2_eq_right (sub_nonneg_of_le (h2 rfl)), add_zero S, add_zero R, ih]

theorem arrangement_le (d : Nat → α) (tau : α) (M : Nat → Bool) : (n : Nat) →
    ofN (countN M n) * tau + sumN (fun i => min2 (d i - tau) 0) n
      ≤ sumN (fun i => sel (M i) (d i)) n
  | 0 => by
    show (0 : α) * tau + 0 ≤ 0
    rw [zero_mul tau, add_zero (0 : α)]
    exact le_refl 0
  | n+1 => arr_step tau (d n) _ _ (countN M n) (arrangement_le d tau M n) (M n)

theorem arrangement_eq (d : Nat → α) (tau : α) (M : Nat → Bool) : (n : Nat) →
    (∀ i, nlt i n → M i = true → d i ≤ tau) → (∀ i, nlt i n → M i = false → tau ≤ d i) →
    sumN (fun i => sel (M i) (d i)) n
      = ofN (countN M n) * tau + sumN (fun i => min2 (d i - tau) 0) n
  | 0, _, _ => by
    show (0 : α) = 0 * tau + 0
    rw [zero_mul tau, add_zero (0 : α)]
  | n+1, h1, h2 => arr_step_eq tau (d n) _ _ (countN M n)
      (arrangement_eq d tau M n (fun i hi => h1 i (nlt_step i n hi)) (fun i hi => h2 i (nlt_step i n hi))).symm
      (M n) (h1 n (nlt_succ_self n)) (h2 n (nlt_succ_self n))

theorem mix_term (F p v : α) : (b : Bool) → (b = true → 0 ≤ p) → (b = true → F ≤ v) →
    F * sel b p ≤ sel b (p * v)
  | true, hp, hv => by
    show F * p ≤ p * v
    rw [mul_comm F p]
    exact mul_le_mul_of_nonneg_left (hv rfl) (hp rfl)
  | false, _, _ => le_of_eq (mul_zero F)

end

end OF

section
variable {α : Type} [OrdField α]

/-- mirrors: cubic_arrangement. For d_i (i < n), any τ and any set M of r = |M| indices:
Σ_{i∈M} d_i ≥ r τ + Σ_i min(d_i - τ, 0); and when τ separates M from the rest (d_i ≤ τ on M,
d_i ≥ τ off M, i.e. M is a set of r smallest and τ the r-th smallest) this is an equality. -/
theorem cubic_arrangement (d : Nat → α) (tau : α) (n : Nat) :
    (∀ M : Nat → Bool, OF.ofN (OF.countN M n) * tau + OF.sumN (fun i => OF.min2 (d i - tau) 0) n
        ≤ OF.sumN (fun i => OF.sel (M i) (d i)) n) ∧
    (∀ M : Nat → Bool, (∀ i, OF.nlt i n → M i = true → d i ≤ tau) →
        (∀ i, OF.nlt i n → M i = false → tau ≤ d i) →
        OF.sumN (fun i => OF.sel (M i) (d i)) n
          = OF.ofN (OF.countN M n) * tau + OF.sumN (fun i => OF.min2 (d i - tau) 0) n) :=
  ⟨fun M => OF.arrangement_le d tau M n, fun M h1 h2 => OF.arrangement_eq d tau M n h1 h2⟩

/-- mirrors: cubic_output_split. Fix an output j. If each token's term x_t(j) is ≥ A_t when j = t
and ≥ B_t when j ≠ t, then x_t(j) ≥ min(A_t, B_t) when j = t and ≥ B_t otherwise; hence if, for
the worst token k* (the rest R of the sum at output j is ≥ RA when j = k* and ≥ RB when j ≠ k*,
and W = Σ_P π_i ≥ 0), check A (RA + A_k* W > 0) and check B (RB + B_k* W > 0) both hold, then
the sum at output j, which is at least R + x_k*(j) W by `cubic_mixture`, is positive. -/
theorem cubic_output_split (x A B : Nat → α) (j : Nat) (hA : ∀ t, j = t → A t ≤ x t)
    (hB : ∀ t, (j = t → False) → B t ≤ x t) :
    (∀ t, (j = t → OF.min2 (A t) (B t) ≤ x t) ∧ ((j = t → False) → B t ≤ x t)) ∧
    (∀ (kstar : Nat) (R RA RB W : α), 0 ≤ W → (j = kstar → RA ≤ R) → ((j = kstar → False) → RB ≤ R) →
      0 < RA + A kstar * W → 0 < RB + B kstar * W → 0 < R + x kstar * W) :=
  ⟨fun t => ⟨fun e => OF.le_trans (OF.min2_le_left (A t) (B t)) (hA t e), hB t⟩,
   fun kstar R RA RB W hW hRA hRB checkA checkB => OF.orE (LC.nat_eq_or j kstar)
     (fun e => OF.lt_of_lt_of_le checkA
       (OF.add_le_add (hRA e) (OF.mul_le_mul_of_nonneg_right (hA kstar e) hW)))
     (fun ne => OF.lt_of_lt_of_le checkB
       (OF.add_le_add (hRB ne) (OF.mul_le_mul_of_nonneg_right (hB kstar ne) hW)))⟩

/-- mirrors: cubic_mixture. If π_i ≥ 0 and f(t_i) ≥ F for every i in P, then
Σ_{i∈P} π_i f(t_i) ≥ F Σ_{i∈P} π_i. -/
theorem cubic_mixture (pi f : Nat → α) (t : Nat → Nat) (P : Nat → Bool) (F : α) (n : Nat)
    (hpi : ∀ i, OF.nlt i n → P i = true → 0 ≤ pi i)
    (hf : ∀ i, OF.nlt i n → P i = true → F ≤ f (t i)) :
    F * OF.sumN (fun i => OF.sel (P i) (pi i)) n ≤ OF.sumN (fun i => OF.sel (P i) (pi i * f (t i))) n :=
  OF.le_trans (OF.le_of_eq (OF.sumN_mul_left F (fun i => OF.sel (P i) (pi i)) n).symm)
    (OF.sumN_le _ _ n (fun i hi => OF.mix_term F (pi i) (f (t i)) (P i) (hpi i hi) (hf i hi)))

end

namespace LC

/-! ## Enumerating sequences -/

section
variable {β : Type}

def lmap {γ : Type} (f : β → γ) : List β → List γ
  | [] => []
  | x :: xs => f x :: lmap f xs

def lbind {γ : Type} (f : β → List γ) : List β → List γ
  | [] => []
  | x :: xs => lapp (f x) (lbind f xs)

theorem llen_lmap {γ : Type} (f : β → γ) : (xs : List β) → llen (lmap f xs) = llen xs
  | [] => rfl
  | _ :: xs => congrArg Nat.succ (llen_lmap f xs)

theorem llen_lbind_const {γ : Type} (f : β → List γ) (L : Nat) (hf : ∀ x, llen (f x) = L) :
    (xs : List β) → llen (lbind f xs) = llen xs * L
  | [] => (nzero_mul L).symm
  | x :: xs => by
    show llen (lapp (f x) (lbind f xs)) = (llen xs + 1) * L
    rw [llen_lapp (f x) (lbind f xs), hf x, llen_lbind_const f L hf xs, nsucc_mul (llen xs) L,
      nadd_comm L (llen xs * L)]

theorem mem_lmap {γ : Type} (f : β → γ) (y : γ) :
    (xs : List β) → (Mem y (lmap f xs) ↔ ∃ x, Mem x xs ∧ y = f x)
  | [] => ⟨fun h => False.elim h, fun h => match h with | ⟨_, hx, _⟩ => False.elim hx⟩
  | x :: xs =>
    ⟨fun h => OF.orE h (fun e => ⟨x, Or.inl rfl, e⟩)
        (fun h' => match (mem_lmap f y xs).mp h' with
          | ⟨z, hz, e⟩ => ⟨z, Or.inr hz, e⟩),
     fun h => match h with
       | ⟨z, hz, e⟩ => OF.orE hz (fun ez => Or.inl (e.trans (congrArg f ez)))
           (fun hz' => Or.inr ((mem_lmap f y xs).mpr ⟨z, hz', e⟩))⟩

theorem mem_lbind {γ : Type} (f : β → List γ) (y : γ) :
    (xs : List β) → (Mem y (lbind f xs) ↔ ∃ x, Mem x xs ∧ Mem y (f x))
  | [] => ⟨fun h => False.elim h, fun h => match h with | ⟨_, hx, _⟩ => False.elim hx⟩
  | x :: xs =>
    ⟨fun h => OF.orE ((mem_lapp y (f x) (lbind f xs)).mp h) (fun h' => ⟨x, Or.inl rfl, h'⟩)
        (fun h' => match (mem_lbind f y xs).mp h' with
          | ⟨z, hz, hyz⟩ => ⟨z, Or.inr hz, hyz⟩),
     fun h => match h with
       | ⟨z, hz, hyz⟩ => (mem_lapp y (f x) (lbind f xs)).mpr (OF.orE hz
           (fun ez => Or.inl (Eq.subst (motive := fun w => Mem y (f w)) ez hyz))
           (fun hz' => Or.inr ((mem_lbind f y xs).mpr ⟨z, hz', hyz⟩)))⟩

theorem nodup_lmap {γ : Type} (f : β → γ) (hf : ∀ a b, f a = f b → a = b) :
    (xs : List β) → Nodup xs → Nodup (lmap f xs)
  | [], _ => trivial
  | x :: xs, h =>
    ⟨fun hm => match (mem_lmap f (f x) xs).mp hm with
       | ⟨z, hz, e⟩ => h.1 (Eq.subst (motive := fun w => Mem w xs) (hf z x e.symm) hz),
     nodup_lmap f hf xs h.2⟩

theorem nodup_lbind {γ : Type} (f : β → List γ) (hf : ∀ x, Nodup (f x))
    (hdisj : ∀ x x', (x = x' → False) → Disj (f x) (f x')) :
    (xs : List β) → Nodup xs → Nodup (lbind f xs)
  | [], _ => trivial
  | x :: xs, h => nodup_lapp (f x) (lbind f xs) (hf x) (nodup_lbind f hf hdisj xs h.2)
      (fun y hy hy' => match (mem_lbind f y xs).mp hy' with
        | ⟨z, hz, hyz⟩ =>
          hdisj x z (fun e => h.1 (Eq.subst (motive := fun w => Mem w xs) e.symm hz)) y hy hyz)

theorem cons_injective (a : β) : ∀ s t : List β, (fun r => a :: r) s = (fun r => a :: r) t → s = t :=
  fun _ _ e => (cons_inj e).2

theorem disj_cons_maps (a b : β) (L L' : List (List β)) (hab : a = b → False) :
    Disj (lmap (fun s => a :: s) L) (lmap (fun s => b :: s) L') := fun y h1 h2 =>
  match (mem_lmap (fun s => a :: s) y L).mp h1, (mem_lmap (fun s => b :: s) y L').mp h2 with
  | ⟨_, _, e1⟩, ⟨_, _, e2⟩ => hab (cons_inj (e1.symm.trans e2)).1

theorem disj_head (m : β) (S : List β) (hm : Mem m S → False) (L L' : List (List β)) :
    Disj (lmap (fun s => m :: s) L) (lbind (fun a => lmap (fun s => a :: s) L') S) := fun y h1 h2 =>
  match (mem_lmap (fun s => m :: s) y L).mp h1,
      (mem_lbind (fun a => lmap (fun s => a :: s) L') y S).mp h2 with
  | ⟨_, _, e1⟩, ⟨a, ha, hy⟩ => match (mem_lmap (fun s => a :: s) y L').mp hy with
    | ⟨_, _, e2⟩ => hm (Eq.subst (motive := fun w => Mem w S) (cons_inj (e2.symm.trans e1)).1 ha)

theorem tail_of_cons {P : List β → Prop} {x y : β} {xs t : List β} (e : x :: xs = y :: t)
    (h : P t) : P xs :=
  Eq.subst (motive := P) (cons_inj e).2.symm h

/-- `npow N c = N^c`. -/
def npow (N : Nat) : Nat → Nat
  | 0 => 1
  | c+1 => npow N c * N

/-- Binomial coefficients by Pascal's rule. -/
def choose : Nat → Nat → Nat
  | _, 0 => 1
  | 0, _+1 => 0
  | n+1, c+1 => choose n c + choose n (c+1)

theorem choose_zero_right : (n : Nat) → choose n 0 = 1
  | 0 => rfl
  | _+1 => rfl

theorem count_id (C0 C1 P N : Nat) : C1 * (P * N) + N * (C0 * P) = (C0 + C1) * (P * N) := by
  rw [nmul_comm N (C0 * P), nmul_assoc C0 P N, nadd_mul C0 C1 (P * N),
    nadd_comm (C0 * (P * N)) (C1 * (P * N))]

/-! ### All words of length n over an alphabet: N^n of them -/

/-- All lists of length `n` with entries from `A`. -/
def words (A : List β) : Nat → List (List β)
  | 0 => [[]]
  | n+1 => lbind (fun a => lmap (fun s => a :: s) (words A n)) A

theorem words_len (A : List β) : (n : Nat) → llen (words A n) = npow (llen A) n
  | 0 => rfl
  | n+1 => (llen_lbind_const (fun a => lmap (fun s => a :: s) (words A n)) (llen (words A n))
      (fun a => llen_lmap (fun s => a :: s) (words A n)) A).trans
      ((congrArg (fun k => llen A * k) (words_len A n)).trans (nmul_comm (llen A) (npow (llen A) n)))

theorem words_mem (A : List β) : (n : Nat) → (s : List β) →
    (Mem s (words A n) ↔ (llen s = n ∧ ∀ x, Mem x s → Mem x A))
  | 0, [] => ⟨fun _ => ⟨rfl, fun _ h => False.elim h⟩, fun _ => Or.inl rfl⟩
  | 0, _ :: _ => ⟨fun h => OF.orE h (fun e => False.elim (cons_ne_nil e)) (fun f => False.elim f),
      fun h => False.elim (succ_ne_zero h.1)⟩
  | n+1, [] => ⟨fun h => match (mem_lbind (fun a => lmap (fun s => a :: s) (words A n)) [] A).mp h with
        | ⟨a, _, hy⟩ => match (mem_lmap (fun s => a :: s) [] (words A n)).mp hy with
          | ⟨_, _, e⟩ => False.elim (cons_ne_nil e.symm),
      fun h => False.elim (succ_ne_zero h.1.symm)⟩
  | n+1, x :: xs =>
    ⟨fun h => match (mem_lbind (fun a => lmap (fun s => a :: s) (words A n)) (x :: xs) A).mp h with
        | ⟨a, ha, hy⟩ => match (mem_lmap (fun s => a :: s) (x :: xs) (words A n)).mp hy with
          | ⟨t, ht, e⟩ =>
            have r : llen xs = n ∧ ∀ z, Mem z xs → Mem z A :=
              tail_of_cons (P := fun w => llen w = n ∧ ∀ z, Mem z w → Mem z A) e
                ((words_mem A n t).mp ht)
            ⟨congrArg Nat.succ r.1, fun z hz => OF.orE hz
              (fun ez => Eq.subst (motive := fun w => Mem w A) (ez.trans (cons_inj e).1).symm ha)
              (fun hz' => r.2 z hz')⟩,
     fun h => (mem_lbind (fun a => lmap (fun s => a :: s) (words A n)) (x :: xs) A).mpr
       ⟨x, h.2 x (Or.inl rfl), (mem_lmap (fun s => x :: s) (x :: xs) (words A n)).mpr
         ⟨xs, (words_mem A n xs).mpr ⟨succ_inj h.1, fun z hz => h.2 z (Or.inr hz)⟩, rfl⟩⟩⟩

theorem words_nodup (A : List β) (hA : Nodup A) : (n : Nat) → Nodup (words A n)
  | 0 => ⟨fun h => h, trivial⟩
  | n+1 => nodup_lbind (fun a => lmap (fun s => a :: s) (words A n))
      (fun a => nodup_lmap (fun s => a :: s) (cons_injective a) (words A n) (words_nodup A hA n))
      (fun a a' hne => disj_cons_maps a a' (words A n) (words A n) hne) A hA

/-! ### Sequences with c entries from S and the rest equal to m -/

/-- The length-`n` lists in which `c` positions hold a token of `S` and the others hold `m`. -/
def seqs (S : List β) (m : β) : Nat → Nat → List (List β)
  | 0, 0 => [[]]
  | 0, _+1 => []
  | n+1, 0 => lmap (fun s => m :: s) (seqs S m n 0)
  | n+1, c+1 => lapp (lmap (fun s => m :: s) (seqs S m n (c+1)))
      (lbind (fun a => lmap (fun s => a :: s) (seqs S m n c)) S)

/-- `Shape S m s c`: `c` of the positions of `s` hold a token of `S`, the others hold `m`. -/
def Shape (S : List β) (m : β) : List β → Nat → Prop
  | [], c => c = 0
  | x :: xs, 0 => x = m ∧ Shape S m xs 0
  | x :: xs, c+1 => (x = m ∧ Shape S m xs (c+1)) ∨ (Mem x S ∧ Shape S m xs c)

theorem seqs_len (S : List β) (m : β) :
    (n c : Nat) → llen (seqs S m n c) = choose n c * npow (llen S) c
  | 0, 0 => rfl
  | 0, c+1 => (nzero_mul (npow (llen S) (c+1))).symm
  | n+1, 0 => by
    show llen (lmap (fun s => m :: s) (seqs S m n 0)) = choose (n+1) 0 * npow (llen S) 0
    rw [llen_lmap (fun s => m :: s) (seqs S m n 0), seqs_len S m n 0, choose_zero_right n,
      choose_zero_right (n+1)]
  | n+1, c+1 => by
    show llen (lapp (lmap (fun s => m :: s) (seqs S m n (c+1)))
        (lbind (fun a => lmap (fun s => a :: s) (seqs S m n c)) S))
      = (choose n c + choose n (c+1)) * (npow (llen S) c * llen S)
    rw [llen_lapp (lmap (fun s => m :: s) (seqs S m n (c+1)))
        (lbind (fun a => lmap (fun s => a :: s) (seqs S m n c)) S),
      llen_lmap (fun s => m :: s) (seqs S m n (c+1)),
      llen_lbind_const (fun a => lmap (fun s => a :: s) (seqs S m n c)) (llen (seqs S m n c))
        (fun a => llen_lmap (fun s => a :: s) (seqs S m n c)) S,
      seqs_len S m n (c+1), seqs_len S m n c]
    exact count_id (choose n c) (choose n (c+1)) (npow (llen S) c) (llen S)

theorem seqs_mem (S : List β) (m : β) : (n c : Nat) → (s : List β) →
    (Mem s (seqs S m n c) ↔ (llen s = n ∧ Shape S m s c))
  | 0, 0, [] => ⟨fun _ => ⟨rfl, rfl⟩, fun _ => Or.inl rfl⟩
  | 0, 0, _ :: _ => ⟨fun h => OF.orE h (fun e => False.elim (cons_ne_nil e)) (fun f => False.elim f),
      fun h => False.elim (succ_ne_zero h.1)⟩
  | 0, _+1, [] => ⟨fun h => False.elim h, fun h => False.elim (succ_ne_zero h.2)⟩
  | 0, _+1, _ :: _ => ⟨fun h => False.elim h, fun h => False.elim (succ_ne_zero h.1)⟩
  | n+1, 0, [] => ⟨fun h => match (mem_lmap (fun s => m :: s) [] (seqs S m n 0)).mp h with
        | ⟨_, _, e⟩ => False.elim (cons_ne_nil e.symm),
      fun h => False.elim (succ_ne_zero h.1.symm)⟩
  | n+1, 0, x :: xs =>
    ⟨fun h => match (mem_lmap (fun s => m :: s) (x :: xs) (seqs S m n 0)).mp h with
        | ⟨t, ht, e⟩ =>
          have r : llen xs = n ∧ Shape S m xs 0 :=
            tail_of_cons (P := fun w => llen w = n ∧ Shape S m w 0) e ((seqs_mem S m n 0 t).mp ht)
          ⟨congrArg Nat.succ r.1, (cons_inj e).1, r.2⟩,
     fun h => (mem_lmap (fun s => m :: s) (x :: xs) (seqs S m n 0)).mpr
       ⟨xs, (seqs_mem S m n 0 xs).mpr ⟨succ_inj h.1, h.2.2⟩, congrArg (fun w => w :: xs) h.2.1⟩⟩
  | n+1, c+1, [] =>
    ⟨fun h => OF.orE ((mem_lapp [] _ _).mp h)
        (fun hA => match (mem_lmap (fun s => m :: s) [] (seqs S m n (c+1))).mp hA with
          | ⟨_, _, e⟩ => False.elim (cons_ne_nil e.symm))
        (fun hB => match (mem_lbind (fun a => lmap (fun s => a :: s) (seqs S m n c)) [] S).mp hB with
          | ⟨a, _, hy⟩ => match (mem_lmap (fun s => a :: s) [] (seqs S m n c)).mp hy with
            | ⟨_, _, e⟩ => False.elim (cons_ne_nil e.symm)),
     fun h => False.elim (succ_ne_zero h.1.symm)⟩
  | n+1, c+1, x :: xs =>
    ⟨fun h => OF.orE ((mem_lapp (x :: xs) _ _).mp h)
        (fun hA => match (mem_lmap (fun s => m :: s) (x :: xs) (seqs S m n (c+1))).mp hA with
          | ⟨t, ht, e⟩ =>
            have r : llen xs = n ∧ Shape S m xs (c+1) :=
              tail_of_cons (P := fun w => llen w = n ∧ Shape S m w (c+1)) e
                ((seqs_mem S m n (c+1) t).mp ht)
            ⟨congrArg Nat.succ r.1, Or.inl ⟨(cons_inj e).1, r.2⟩⟩)
        (fun hB => match (mem_lbind (fun a => lmap (fun s => a :: s) (seqs S m n c)) (x :: xs) S).mp hB with
          | ⟨a, ha, hy⟩ => match (mem_lmap (fun s => a :: s) (x :: xs) (seqs S m n c)).mp hy with
            | ⟨t, ht, e⟩ =>
              have r : llen xs = n ∧ Shape S m xs c :=
                tail_of_cons (P := fun w => llen w = n ∧ Shape S m w c) e
                  ((seqs_mem S m n c t).mp ht)
              ⟨congrArg Nat.succ r.1,
               Or.inr ⟨Eq.subst (motive := fun w => Mem w S) (cons_inj e).1.symm ha, r.2⟩⟩),
     fun h => OF.orE h.2
        (fun h' => (mem_lapp (x :: xs) _ _).mpr (Or.inl
          ((mem_lmap (fun s => m :: s) (x :: xs) (seqs S m n (c+1))).mpr
            ⟨xs, (seqs_mem S m n (c+1) xs).mpr ⟨succ_inj h.1, h'.2⟩, congrArg (fun w => w :: xs) h'.1⟩)))
        (fun h' => (mem_lapp (x :: xs) _ _).mpr (Or.inr
          ((mem_lbind (fun a => lmap (fun s => a :: s) (seqs S m n c)) (x :: xs) S).mpr
            ⟨x, h'.1, (mem_lmap (fun s => x :: s) (x :: xs) (seqs S m n c)).mpr
              ⟨xs, (seqs_mem S m n c xs).mpr ⟨succ_inj h.1, h'.2⟩, rfl⟩⟩)))⟩

theorem seqs_nodup (S : List β) (m : β) (hS : Nodup S) (hm : Mem m S → False) :
    (n c : Nat) → Nodup (seqs S m n c)
  | 0, 0 => ⟨fun h => h, trivial⟩
  | 0, _+1 => trivial
  | n+1, 0 => nodup_lmap (fun s => m :: s) (cons_injective m) (seqs S m n 0)
      (seqs_nodup S m hS hm n 0)
  | n+1, c+1 => nodup_lapp _ _
      (nodup_lmap (fun s => m :: s) (cons_injective m) (seqs S m n (c+1))
        (seqs_nodup S m hS hm n (c+1)))
      (nodup_lbind (fun a => lmap (fun s => a :: s) (seqs S m n c))
        (fun a => nodup_lmap (fun s => a :: s) (cons_injective a) (seqs S m n c)
          (seqs_nodup S m hS hm n c))
        (fun a a' hne => disj_cons_maps a a' (seqs S m n c) (seqs S m n c) hne) S hS)
      (disj_head m S hm (seqs S m n (c+1)) (seqs S m n c))

end

end LC

open LC in
/-- supports: cubic_count. The lists of length n over an alphabet A of N distinct tokens are
enumerated without repetition by `words A n`, which has N^n entries. -/
theorem count_words {β : Type} (A : List β) (hA : Nodup A) (n : Nat) :
    (∀ s, Mem s (words A n) ↔ (llen s = n ∧ ∀ x, Mem x s → Mem x A)) ∧ Nodup (words A n) ∧
    llen (words A n) = npow (llen A) n :=
  ⟨words_mem A n, words_nodup A hA n, words_len A n⟩

open LC in
/-- mirrors: cubic_count. With the query fixed, the sequences of the n = K - 1 other positions
in which c positions hold tokens of a set S of N tokens (listed without repetition, not
containing m) and the other n - c hold m are enumerated without repetition by
`seqs S m n c`, which has C(n, c) N^c entries. -/
theorem cubic_count {β : Type} (S : List β) (m : β) (hS : Nodup S) (hm : Mem m S → False)
    (n c : Nat) :
    (∀ s, Mem s (seqs S m n c) ↔ (llen s = n ∧ Shape S m s c)) ∧ Nodup (seqs S m n c) ∧
    llen (seqs S m n c) = choose n c * npow (llen S) c :=
  ⟨seqs_mem S m n c, seqs_nodup S m hS hm n c, seqs_len S m n c⟩

/-! Sanity checks by evaluation: C(4, 2) = 6, and with S = [1, 2], m = 0, n = 3, c = 1 there
are C(3, 1) 2^1 = 6 sequences. -/
example : LC.choose 4 2 = 6 := rfl
example : LC.llen (LC.seqs [1, 2] 0 3 1) = 6 := rfl
example : LC.llen (LC.words [1, 2, 3] 2) = 9 := rfl
