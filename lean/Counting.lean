/-!
# Counting.lean: counting correct inputs

Rules `brute_force_count` and `count_disjoint`.

Inputs are elements of any type `β` with decidable equality (`deq`). The input space is a
list `U` (listing each input once, so that `countP correct U` is the number of correct
inputs); `correct : β → Bool` says whether the model gets an input right. Lists, membership,
lengths, counts and the arithmetic of `Nat` are all defined and proved here from scratch.
-/

namespace LC

/-! ## Natural numbers -/

theorem nzero_add : (n : Nat) → 0 + n = n
  | 0 => rfl
  | n+1 => congrArg Nat.succ (nzero_add n)

theorem nsucc_add (m : Nat) : (n : Nat) → (m + 1) + n = (m + n) + 1
  | 0 => rfl
  | n+1 => congrArg Nat.succ (nsucc_add m n)

theorem nadd_comm (m : Nat) : (n : Nat) → m + n = n + m
  | 0 => (nzero_add m).symm
  | n+1 => (congrArg Nat.succ (nadd_comm m n)).trans (nsucc_add n m).symm

theorem nadd_assoc (a b : Nat) : (c : Nat) → a + b + c = a + (b + c)
  | 0 => rfl
  | c+1 => congrArg Nat.succ (nadd_assoc a b c)

theorem nzero_mul : (n : Nat) → 0 * n = 0
  | 0 => rfl
  | n+1 => nzero_mul n

theorem nsucc_mul (m : Nat) : (n : Nat) → (m + 1) * n = m * n + n
  | 0 => rfl
  | n+1 => by
    show (m + 1) * n + (m + 1) = (m * n + m) + (n + 1)
    rw [nsucc_mul m n]
    have h : m * n + n + m = m * n + m + n := by
      rw [nadd_assoc (m * n) n m, nadd_comm n m, ← nadd_assoc (m * n) m n]
    exact congrArg Nat.succ h

theorem nmul_comm (m : Nat) : (n : Nat) → m * n = n * m
  | 0 => (nzero_mul m).symm
  | n+1 => by
    show m * n + m = (n + 1) * m
    rw [nmul_comm m n, nsucc_mul n m]

theorem nmul_add (a b : Nat) : (c : Nat) → a * (b + c) = a * b + a * c
  | 0 => rfl
  | c+1 => by
    show a * (b + c) + a = a * b + (a * c + a)
    rw [nmul_add a b c, nadd_assoc (a * b) (a * c) a]

theorem nadd_mul (a b c : Nat) : (a + b) * c = a * c + b * c := by
  rw [nmul_comm (a + b) c, nmul_add c a b, nmul_comm c a, nmul_comm c b]

theorem nmul_assoc (a b : Nat) : (c : Nat) → a * b * c = a * (b * c)
  | 0 => rfl
  | c+1 => by
    show a * b * c + a * b = a * (b * c + b)
    rw [nmul_assoc a b c, nmul_add a (b * c) b]

def isSucc : Nat → Prop
  | 0 => False
  | _+1 => True

theorem succ_ne_zero {n : Nat} (h : n + 1 = 0) : False := Eq.mp (congrArg isSucc h) trivial

def npred : Nat → Nat
  | 0 => 0
  | n+1 => n

theorem succ_inj {a b : Nat} (h : a + 1 = b + 1) : a = b := congrArg npred h

/-- Equality of natural numbers is decided by recursion (no library decision procedure). -/
theorem nat_eq_or : (a b : Nat) → a = b ∨ (a = b → False)
  | 0, 0 => Or.inl rfl
  | 0, _+1 => Or.inr (fun h => succ_ne_zero h.symm)
  | _+1, 0 => Or.inr (fun h => succ_ne_zero h)
  | a+1, b+1 => OF.orE (nat_eq_or a b) (fun e => Or.inl (congrArg Nat.succ e))
      (fun ne => Or.inr (fun h => ne (succ_inj h)))

/-- `nle a b` is `a ≤ b`, by recursion (portable across Lean versions). -/
def nle : Nat → Nat → Prop
  | 0, _ => True
  | _+1, 0 => False
  | a+1, b+1 => nle a b

theorem nle_refl : (n : Nat) → nle n n
  | 0 => trivial
  | n+1 => nle_refl n

/-! ## Lists -/

section
variable {β : Type}

def llen : List β → Nat
  | [] => 0
  | _ :: xs => llen xs + 1

def lapp : List β → List β → List β
  | [], ys => ys
  | x :: xs, ys => x :: lapp xs ys

def Mem (y : β) : List β → Prop
  | [] => False
  | x :: xs => y = x ∨ Mem y xs

def Nodup : List β → Prop
  | [] => True
  | x :: xs => ¬ Mem x xs ∧ Nodup xs

def Disj (xs ys : List β) : Prop := ∀ y, Mem y xs → Mem y ys → False

def cstep : Bool → Nat → Nat
  | true, r => r + 1
  | false, r => r

/-- The number of list entries satisfying `p`. -/
def countP (p : β → Bool) : List β → Nat
  | [] => 0
  | x :: xs => cstep (p x) (countP p xs)

def isCons : List β → Prop
  | [] => False
  | _ :: _ => True

def lheadD (d : β) : List β → β
  | [] => d
  | x :: _ => x

def ltail : List β → List β
  | [] => []
  | _ :: xs => xs

theorem cons_ne_nil {x : β} {xs : List β} (h : x :: xs = []) : False :=
  Eq.mp (congrArg isCons h) trivial

theorem cons_inj {x y : β} {xs ys : List β} (h : x :: xs = y :: ys) : x = y ∧ xs = ys :=
  ⟨congrArg (lheadD x) h, congrArg ltail h⟩

theorem llen_lapp : (xs ys : List β) → llen (lapp xs ys) = llen xs + llen ys
  | [], ys => (nzero_add (llen ys)).symm
  | _ :: xs, ys => (congrArg Nat.succ (llen_lapp xs ys)).trans (nsucc_add (llen xs) (llen ys)).symm

theorem mem_lapp (y : β) : (xs ys : List β) → (Mem y (lapp xs ys) ↔ Mem y xs ∨ Mem y ys)
  | [], ys => ⟨fun h => Or.inr h, fun h => OF.orE h (fun f => False.elim f) (fun h' => h')⟩
  | x :: xs, ys =>
    ⟨fun h => OF.orE h (fun e => Or.inl (Or.inl e))
        (fun h' => OF.orE ((mem_lapp y xs ys).mp h') (fun h'' => Or.inl (Or.inr h'')) (fun h'' => Or.inr h'')),
     fun h => OF.orE h
        (fun h' => OF.orE h' (fun e => Or.inl e) (fun h'' => Or.inr ((mem_lapp y xs ys).mpr (Or.inl h''))))
        (fun h' => Or.inr ((mem_lapp y xs ys).mpr (Or.inr h')))⟩

theorem nodup_lapp : (xs ys : List β) → Nodup xs → Nodup ys → Disj xs ys → Nodup (lapp xs ys)
  | [], _, _, hy, _ => hy
  | x :: xs, ys, hx, hy, hd =>
    ⟨fun h => OF.orE ((mem_lapp x xs ys).mp h) (fun h' => hx.1 h') (fun h' => hd x (Or.inl rfl) h'),
     nodup_lapp xs ys hx.2 hy (fun z hz hz' => hd z (Or.inr hz) hz')⟩

/-! ## Erasing one entry -/

def eraseStep (x y : β) (ys rest : List β) : Decidable (x = y) → List β
  | Decidable.isTrue _ => ys
  | Decidable.isFalse _ => y :: rest

/-- Remove the first occurrence of `x`. -/
def erase (deq : (a b : β) → Decidable (a = b)) (x : β) : List β → List β
  | [] => []
  | y :: ys => eraseStep x y ys (erase deq x ys) (deq x y)

theorem cstep_succ : (b : Bool) → (r : Nat) → cstep b r + 1 = cstep b (r + 1)
  | true, _ => rfl
  | false, _ => rfl

theorem cstep_true {b : Bool} (h : b = true) (r : Nat) : cstep b r = r + 1 :=
  Eq.subst (motive := fun c => cstep c r = r + 1) h.symm rfl

theorem eraseStep_count (p : β → Bool) (x y : β) (ys rest : List β) (hx : p x = true)
    (hrest : (x = y → False) → countP p rest + 1 = countP p ys) :
    (d : Decidable (x = y)) → countP p (eraseStep x y ys rest d) + 1 = countP p (y :: ys)
  | Decidable.isTrue e =>
    (cstep_true (Eq.subst (motive := fun z => p z = true) e hx) (countP p ys)).symm
  | Decidable.isFalse ne =>
    (cstep_succ (p y) (countP p rest)).trans (congrArg (cstep (p y)) (hrest ne))

/-- Erasing a correct input from a list that holds it lowers the count by one. -/
theorem erase_count (deq : (a b : β) → Decidable (a = b)) (p : β → Bool) (x : β)
    (hx : p x = true) : (U : List β) → Mem x U → countP p (erase deq x U) + 1 = countP p U
  | [], h => False.elim h
  | y :: ys, h => eraseStep_count p x y ys (erase deq x ys) hx
      (fun ne => erase_count deq p x hx ys (OF.orE h (fun e => False.elim (ne e)) (fun h' => h')))
      (deq x y)

theorem eraseStep_mem (z x y : β) (ys rest : List β) (hz : z = y ∨ Mem z ys) (hzx : z = x → False)
    (hrest : Mem z ys → Mem z rest) : (d : Decidable (x = y)) → Mem z (eraseStep x y ys rest d)
  | Decidable.isTrue e => OF.orE hz (fun e' => False.elim (hzx (e'.trans e.symm))) (fun h => h)
  | Decidable.isFalse _ => OF.orE hz (fun e' => Or.inl e') (fun h => Or.inr (hrest h))

theorem mem_erase (deq : (a b : β) → Decidable (a = b)) (x z : β) (hzx : z = x → False) :
    (U : List β) → Mem z U → Mem z (erase deq x U)
  | [], h => h
  | y :: ys, h => eraseStep_mem z x y ys (erase deq x ys) h hzx (mem_erase deq x z hzx ys) (deq x y)

/-! ## Concatenating cases -/

def concat : List (List β) → List β
  | [] => []
  | c :: cs => lapp c (concat cs)

/-- The sum of the case sizes. -/
def sizes : List (List β) → Nat
  | [] => 0
  | c :: cs => llen c + sizes cs

def PairwiseDisj : List (List β) → Prop
  | [] => True
  | c :: cs => (∀ d, Mem d cs → Disj c d) ∧ PairwiseDisj cs

theorem llen_concat : (cs : List (List β)) → llen (concat cs) = sizes cs
  | [] => rfl
  | c :: cs => (llen_lapp c (concat cs)).trans (congrArg (fun k => llen c + k) (llen_concat cs))

theorem mem_concat (y : β) : (cs : List (List β)) → Mem y (concat cs) → ∃ c, Mem c cs ∧ Mem y c
  | [], h => False.elim h
  | c :: cs, h => OF.orE ((mem_lapp y c (concat cs)).mp h)
      (fun h' => ⟨c, Or.inl rfl, h'⟩)
      (fun h' => match mem_concat y cs h' with
        | ⟨d, hd, hyd⟩ => ⟨d, Or.inr hd, hyd⟩)

theorem nodup_concat : (cs : List (List β)) → (∀ c, Mem c cs → Nodup c) → PairwiseDisj cs →
    Nodup (concat cs)
  | [], _, _ => trivial
  | c :: cs, hn, hp => nodup_lapp c (concat cs) (hn c (Or.inl rfl))
      (nodup_concat cs (fun d hd => hn d (Or.inr hd)) hp.2)
      (fun y hyc hyr => match mem_concat y cs hyr with
        | ⟨d, hd, hyd⟩ => hp.1 d hd y hyc hyd)

end

end LC

section
open LC in
/-- mirrors: brute_force_count. If the kernel enumerates a list L of inputs without
repetition (Nodup), all of them inputs (in U) and all certified correct, then the number of
correct inputs in U is at least the number certified, llen L. -/
theorem brute_force_count {β : Type} (deq : (a b : β) → Decidable (a = b)) (correct : β → Bool) :
    (L U : List β) → Nodup L → (∀ x, Mem x L → Mem x U) → (∀ x, Mem x L → correct x = true) →
    nle (llen L) (countP correct U)
  | [], _, _, _, _ => trivial
  | x :: L', U, hnd, hsub, hok =>
    Eq.subst (motive := fun c => nle (llen L' + 1) c)
      (erase_count deq correct x (hok x (Or.inl rfl)) U (hsub x (Or.inl rfl)))
      (brute_force_count deq correct L' (erase deq x U) hnd.2
        (fun z hz => mem_erase deq x z
          (fun e => hnd.1 (Eq.subst (motive := fun w => Mem w L') e hz)) U (hsub z (Or.inr hz)))
        (fun z hz => hok z (Or.inr hz)))

open LC in
/-- mirrors: count_disjoint. If the cases are pairwise disjoint sets of inputs (each without
repetition), all inputs, and every input of every case is correct, then the number of correct
inputs is at least the sum of the case sizes. -/
theorem count_disjoint {β : Type} (deq : (a b : β) → Decidable (a = b)) (correct : β → Bool)
    (U : List β) (cases : List (List β)) (hnd : ∀ c, Mem c cases → Nodup c)
    (hdisj : PairwiseDisj cases) (hsub : ∀ c, Mem c cases → ∀ x, Mem x c → Mem x U)
    (hok : ∀ c, Mem c cases → ∀ x, Mem x c → correct x = true) :
    nle (sizes cases) (countP correct U) :=
  Eq.subst (motive := fun k => nle k (countP correct U)) (llen_concat cases)
    (brute_force_count deq correct (concat cases) U (nodup_concat cases hnd hdisj)
      (fun x hx => match mem_concat x cases hx with
        | ⟨c, hc, hxc⟩ => hsub c hc x hxc)
      (fun x hx => match mem_concat x cases hx with
        | ⟨c, hc, hxc⟩ => hok c hc x hxc))
end
