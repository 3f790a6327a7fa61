/-!
# Scale.lean: shards and the hybrid proof

Rules `shard_merge`, `hybrid_partition`, `hybrid_sound`.

Uses the lists, counts and `count_disjoint` of `Counting.lean`. An enumeration numbers its
units of work `0, 1, ...`; unit `u` holds the list of inputs `inp u`, and `unitsFrom inp a k`
lists the inputs of units `a, ..., a + k - 1` in order. A shard is a range of units with the
number of inputs it certified correct.
-/

namespace LC

/-! ## Natural-number order -/

theorem nle_trans3 : (a b c : Nat) → nle a b → nle b c → nle a c
  | 0, _, _, _, _ => trivial
  | _+1, 0, _, h, _ => False.elim h
  | _+1, _+1, 0, _, h => False.elim h
  | a+1, b+1, c+1, h1, h2 => nle_trans3 a b c h1 h2

theorem nle_add_right (a b : Nat) (h : nle a b) : (c : Nat) → nle (a + c) (b + c)
  | 0 => h
  | c+1 => nle_add_right a b h c

theorem nle_add (a b c d : Nat) (h1 : nle a b) (h2 : nle c d) : nle (a + c) (b + d) :=
  nle_trans3 (a + c) (b + c) (b + d) (nle_add_right a b h1 c)
    (Eq.subst (motive := fun x => nle x (b + d)) (nadd_comm c b)
      (Eq.subst (motive := fun y => nle (c + b) y) (nadd_comm d b) (nle_add_right c d h2 b)))

theorem cstep_add : (b : Bool) → (r s : Nat) → cstep b r + s = cstep b (r + s)
  | true, r, s => nsucc_add r s
  | false, _, _ => rfl

section
variable {β : Type}

theorem lapp_assoc : (xs ys zs : List β) → lapp (lapp xs ys) zs = lapp xs (lapp ys zs)
  | [], _, _ => rfl
  | x :: xs, ys, zs => congrArg (fun t => x :: t) (lapp_assoc xs ys zs)

theorem countP_lapp (p : β → Bool) : (xs ys : List β) → countP p (lapp xs ys) = countP p xs + countP p ys
  | [], ys => (nzero_add (countP p ys)).symm
  | x :: xs, ys => (congrArg (cstep (p x)) (countP_lapp p xs ys)).trans
      (cstep_add (p x) (countP p xs) (countP p ys)).symm

/-! ## Shards -/

/-- The inputs of units `a, ..., a + k - 1`, in order. -/
def unitsFrom (inp : Nat → List β) : Nat → Nat → List β
  | _, 0 => []
  | a, k+1 => lapp (inp a) (unitsFrom inp (a+1) k)

theorem unitsFrom_add (inp : Nat → List β) : (a k l : Nat) →
    unitsFrom inp a (k + l) = lapp (unitsFrom inp a k) (unitsFrom inp (a + k) l)
  | a, 0, l => Eq.subst (motive := fun n => unitsFrom inp a n = unitsFrom inp a l) (nzero_add l).symm rfl
  | a, k+1, l =>
    (Eq.subst (motive := fun n => unitsFrom inp a n = lapp (inp a) (unitsFrom inp (a+1) (k+l)))
        (nsucc_add k l).symm rfl).trans
      ((congrArg (lapp (inp a)) (unitsFrom_add inp (a+1) k l)).trans
        (Eq.subst (motive := fun b => lapp (inp a) (lapp (unitsFrom inp (a+1) k) (unitsFrom inp b l)) =
              lapp (lapp (inp a) (unitsFrom inp (a+1) k)) (unitsFrom inp (a + (k+1)) l))
          (nsucc_add a k).symm
          (lapp_assoc (inp a) (unitsFrom inp (a+1) k) (unitsFrom inp (a + (k+1)) l)).symm))

end

/-- A shard: the units `start, ..., start + len - 1`, of which it certified `cert` inputs. -/
structure Shard where
  start : Nat
  len : Nat
  cert : Nat

/-- The shards, in this order, tile the units from `a` on: each starts where the last stopped. -/
def Tiles : Nat → List Shard → Prop
  | _, [] => True
  | a, s :: rest => s.start = a ∧ Tiles (a + s.len) rest

def lenSum : List Shard → Nat
  | [] => 0
  | s :: rest => s.len + lenSum rest

def certSum : List Shard → Nat
  | [] => 0
  | s :: rest => s.cert + certSum rest

/-- Every shard certified at most as many inputs of its units as are correct. -/
def Certifies {β : Type} (correct : β → Bool) (inp : Nat → List β) : List Shard → Prop
  | [] => True
  | s :: rest => nle s.cert (countP correct (unitsFrom inp s.start s.len)) ∧ Certifies correct inp rest

/-! ## The hybrid partition: the first letter outside S -/

section
variable {β : Type}

/-- Every letter of the word is in `S` (given by `s : β → Bool`). -/
def AllIn (s : β → Bool) : List β → Prop
  | [] => True
  | x :: xs => s x = true ∧ AllIn s xs

def isTrueB : Bool → Prop
  | true => True
  | false => False

theorem false_ne_true2 {b : Bool} (h1 : b = false) (h2 : b = true) : False :=
  Eq.mp (congrArg isTrueB (h2.symm.trans h1)) trivial

/-- A word is in `S^c`, or it is `u ++ x :: v` with `u` in `S` and `x` not. -/
def Split (s : β → Bool) (w : List β) : Prop :=
  AllIn s w ∨ ∃ u x v, w = lapp u (x :: v) ∧ AllIn s u ∧ s x = false

theorem split_step (s : β → Bool) (x : β) (xs : List β) (ih : Split s xs) :
    (b : Bool) → s x = b → Split s (x :: xs)
  | true, hb => OF.orE ih (fun h => Or.inl ⟨hb, h⟩)
      (fun h => match h with
        | ⟨u, y, v, e, hu, hy⟩ => Or.inr ⟨x :: u, y, v, congrArg (fun t => x :: t) e, ⟨hb, hu⟩, hy⟩)
  | false, hb => Or.inr ⟨[], x, xs, rfl, trivial, hb⟩

theorem split_all (s : β → Bool) : (w : List β) → Split s w
  | [] => Or.inl trivial
  | x :: xs => split_step s x xs (split_all s xs) (s x) rfl

theorem split_not_all (s : β → Bool) (x : β) (v : List β) (hx : s x = false) :
    (u : List β) → AllIn s (lapp u (x :: v)) → False
  | [], h => false_ne_true2 hx h.1
  | _ :: u, h => split_not_all s x v hx u h.2

theorem split_unique (s : β → Bool) (x x' : β) (v v' : List β) (hx : s x = false) (hx' : s x' = false) :
    (u u' : List β) → lapp u (x :: v) = lapp u' (x' :: v') → AllIn s u → AllIn s u' →
    u = u' ∧ x = x' ∧ v = v'
  | [], [], e, _, _ => ⟨rfl, (cons_inj e).1, (cons_inj e).2⟩
  | [], _ :: _, e, _, hu' => False.elim (false_ne_true2 hx
      (Eq.subst (motive := fun z => s z = true) (cons_inj e).1.symm hu'.1))
  | _ :: _, [], e, hu, _ => False.elim (false_ne_true2 hx'
      (Eq.subst (motive := fun z => s z = true) (cons_inj e).1 hu.1))
  | y :: u, y' :: u', e, hu, hu' =>
    match split_unique s x x' v v' hx hx' u u' (cons_inj e).2 hu.2 hu'.2 with
    | ⟨h1, h2, h3⟩ => ⟨Eq.subst (motive := fun z => y :: u = z :: u') (cons_inj e).1
        (congrArg (fun t => y :: t) h1), h2, h3⟩

end

end LC

section
open LC in
/-- mirrors: shard_merge. Shards that tile the units from `a` on, each certifying at most the
number of correct inputs of its units, certify together at most the number of correct inputs of
all their units: `certSum ss ≤ countP correct (unitsFrom inp a (lenSum ss))`. (The kernel sorts
the shards by start and requires `a = 0` and `lenSum = U`; a sum of naturals does not depend on
the order of its terms.) -/
theorem shard_merge {β : Type} (correct : β → Bool) (inp : Nat → List β) :
    (a : Nat) → (ss : List Shard) → Tiles a ss → Certifies correct inp ss →
    nle (certSum ss) (countP correct (unitsFrom inp a (lenSum ss)))
  | _, [], _, _ => trivial
  | a, s :: rest, ht, hc =>
    Eq.subst (motive := fun w => nle (s.cert + certSum rest) (countP correct w))
      (unitsFrom_add inp a s.len (lenSum rest)).symm
      (Eq.subst (motive := fun n => nle (s.cert + certSum rest) n)
        (countP_lapp correct (unitsFrom inp a s.len) (unitsFrom inp (a + s.len) (lenSum rest))).symm
        (nle_add s.cert (countP correct (unitsFrom inp a s.len)) (certSum rest)
          (countP correct (unitsFrom inp (a + s.len) (lenSum rest)))
          (Eq.subst (motive := fun b => nle s.cert (countP correct (unitsFrom inp b s.len))) ht.1 hc.1)
          (shard_merge correct inp (a + s.len) rest ht.2 hc.2)))

open LC in
/-- mirrors: hybrid_partition. For any set `S` (membership `s`), every word `w` lies in exactly
one of: the words all of whose letters are in `S`, or, for one split, the words `u ++ x :: v`
with `u` in `S` and `x` not in `S` (the first letter outside `S`; `u` has length `l`): every
word has such a form, a word of the second kind is not of the first, and its split is unique. -/
theorem hybrid_partition {β : Type} (s : β → Bool) :
    (∀ w : List β, AllIn s w ∨ ∃ u x v, w = lapp u (x :: v) ∧ AllIn s u ∧ s x = false) ∧
    (∀ (u : List β) (x : β) (v : List β), s x = false → AllIn s (lapp u (x :: v)) → False) ∧
    (∀ (u : List β) (x : β) (v u' : List β) (x' : β) (v' : List β),
      lapp u (x :: v) = lapp u' (x' :: v') → AllIn s u → s x = false → AllIn s u' → s x' = false →
      u = u' ∧ x = x' ∧ v = v') :=
  ⟨split_all s,
   fun u x v hx h => split_not_all s x v hx u h,
   fun u x v u' x' v' e hu hx hu' hx' => split_unique s x x' v v' hx hx' u u' e hu hu'⟩

open LC in
/-- sound: hybrid. Pairwise disjoint cases (each without repetition, inside the input list `U`,
all correct: what the cubic rule proves of the listed cases) and a list `L` of inputs certified
correct (without repetition, inside `U`, disjoint from every case: the enumerated remainder,
disjoint by `hybrid_partition`) together give `llen L + Σ case sizes ≤ countP correct U`. This
theorem also mirrors: hybrid_sound, the rulebook's rule of the same name. -/
theorem hybrid_sound {β : Type} (deq : (a b : β) → Decidable (a = b)) (correct : β → Bool)
    (U : List β) (cases : List (List β)) (L : List β) (hnd : ∀ c, Mem c cases → Nodup c)
    (hdisj : PairwiseDisj cases) (hsub : ∀ c, Mem c cases → ∀ x, Mem x c → Mem x U)
    (hok : ∀ c, Mem c cases → ∀ x, Mem x c → correct x = true)
    (hL : Nodup L) (hLsub : ∀ x, Mem x L → Mem x U) (hLok : ∀ x, Mem x L → correct x = true)
    (hLdisj : ∀ c, Mem c cases → Disj L c) :
    nle (llen L + sizes cases) (countP correct U) :=
  count_disjoint deq correct U (L :: cases)
    (fun c hc => OF.orE hc (fun e => Eq.subst (motive := fun d => Nodup d) e.symm hL) (fun h => hnd c h))
    ⟨hLdisj, hdisj⟩
    (fun c hc => OF.orE hc (fun e x hx => hLsub x (Eq.subst (motive := fun d => Mem x d) e hx))
      (fun h => hsub c h))
    (fun c hc => OF.orE hc (fun e x hx => hLok x (Eq.subst (motive := fun d => Mem x d) e hx))
      (fun h => hok c h))
end
