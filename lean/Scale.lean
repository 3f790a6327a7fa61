/-!
# Scale.lean: shards and the hybrid proof

Rules `shard_merge`, `hybrid_partition`, `hybrid_sound`.

Uses the lists, counts and `count_disjoint` of `Counting.lean`. An enumeration numbers its
units of work `0, 1, ...`; unit `u` holds the list of inputs `inp u`, and `unitsFrom inp a k`
lists the inputs of units `a, ..., a + k - 1` in order. A shard is a range of units with the
number of inputs it certified correct and the number it enumerated.

The count checks `enumerated == V^K` (brute force) and `covered + enumerated == V^K` (hybrid)
are modelled: with a cover of the inputs they give that nothing is listed twice
(`count_check_nodup`). The end-to-end theorems: `brute_force_checked_sound` and
`hybrid_kernel_sound` (the cubic cases, the remainder's float test in each box's walk order,
the count check).
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

/-- A shard: the units `start, ..., start + len - 1`, of which it certified `cert` inputs and
enumerated `inputs` (`ShardCount.count`, `ShardCount.inputs`). -/
structure Shard where
  start : Nat
  len : Nat
  cert : Nat
  inputs : Nat

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

def inputSum : List Shard → Nat
  | [] => 0
  | s :: rest => s.inputs + inputSum rest

/-- Every shard certified at most as many inputs of its units as are correct. -/
def Certifies {β : Type} (correct : β → Bool) (inp : Nat → List β) : List Shard → Prop
  | [] => True
  | s :: rest => nle s.cert (countP correct (unitsFrom inp s.start s.len)) ∧ Certifies correct inp rest

/-- The shards count, each, the inputs of its units that pass the test `p` (`count_shard` runs
the rule's `enumerate_range(start, stop)`, which returns that number). -/
def Counts {β : Type} (p : β → Bool) (inp : Nat → List β) : List Shard → Prop
  | [] => True
  | s :: rest => s.cert = countP p (unitsFrom inp s.start s.len) ∧ Counts p inp rest

/-- Shards that tile the units from `a` and count the passing inputs of their units sum to the
number of passing inputs of all their units. -/
theorem certSum_counts {β : Type} (p : β → Bool) (inp : Nat → List β) :
    (a : Nat) → (ss : List Shard) → Tiles a ss → Counts p inp ss →
    certSum ss = countP p (unitsFrom inp a (lenSum ss))
  | _, [], _, _ => rfl
  | a, s :: rest, ht, hc =>
    (congrArg (fun k => k + certSum rest)
        (hc.1.trans (congrArg (fun b => countP p (unitsFrom inp b s.len)) ht.1))).trans
      ((congrArg (fun k => countP p (unitsFrom inp a s.len) + k) (certSum_counts p inp (a + s.len) rest ht.2 hc.2)).trans
        ((countP_lapp p (unitsFrom inp a s.len) (unitsFrom inp (a + s.len) (lenSum rest))).symm.trans
          (congrArg (countP p) (unitsFrom_add inp a s.len (lenSum rest)).symm)))

/-- Every shard's `inputs` is the number of inputs its units list (`enumerate_range` adds the
size of every grid it evaluates, and a unit's grids are its inputs). -/
def Enumerates {β : Type} (inp : Nat → List β) : List Shard → Prop
  | [] => True
  | s :: rest => s.inputs = llen (unitsFrom inp s.start s.len) ∧ Enumerates inp rest

/-- The merged `enumerated` of shards that tile the units from `a` is the number of inputs of
all their units. -/
theorem inputSum_enumerates {β : Type} (inp : Nat → List β) :
    (a : Nat) → (ss : List Shard) → Tiles a ss → Enumerates inp ss →
    inputSum ss = llen (unitsFrom inp a (lenSum ss))
  | _, [], _, _ => rfl
  | a, s :: rest, ht, he =>
    (congrArg (fun k => k + inputSum rest)
        (he.1.trans (congrArg (fun b => llen (unitsFrom inp b s.len)) ht.1))).trans
      ((congrArg (fun k => llen (unitsFrom inp a s.len) + k) (inputSum_enumerates inp (a + s.len) rest ht.2 he.2)).trans
        ((llen_lapp (unitsFrom inp a s.len) (unitsFrom inp (a + s.len) (lenSum rest))).symm.trans
          (congrArg llen (unitsFrom_add inp a s.len (lenSum rest)).symm)))

theorem mem_unitsFrom {β : Type} (inp : Nat → List β) (l : β) : (a k : Nat) → Mem l (unitsFrom inp a k) →
    ∃ u, Mem l (inp u)
  | _, 0, h => False.elim h
  | a, k+1, h => OF.orE ((mem_lapp l (inp a) (unitsFrom inp (a+1) k)).mp h) (fun h1 => ⟨a, h1⟩)
      (fun h2 => mem_unitsFrom inp l (a+1) k h2)

/-- A shard that counts inputs passing a test that only correct inputs pass certifies them. -/
theorem certifies_of_counts {β : Type} (p correct : β → Bool) (inp : Nat → List β)
    (hpc : ∀ u l, Mem l (inp u) → p l = true → correct l = true) :
    (ss : List Shard) → Counts p inp ss → Certifies correct inp ss
  | [], _ => trivial
  | s :: rest, hc =>
    ⟨Eq.subst (motive := fun k => nle k (countP correct (unitsFrom inp s.start s.len))) hc.1.symm
        (countP_mono p correct (unitsFrom inp s.start s.len) (fun l hl hp =>
          match mem_unitsFrom inp l s.start s.len hl with
          | ⟨u, hu⟩ => hpc u l hu hp)),
      certifies_of_counts p correct inp hpc rest hc.2⟩

/-! ## Filtering: the passing entries of a list -/

def fstep {β : Type} : Bool → β → List β → List β
  | true, x, r => x :: r
  | false, _, r => r

/-- The entries of a list that pass `p`, in order. -/
def lfilter {β : Type} (p : β → Bool) : List β → List β
  | [] => []
  | x :: xs => fstep (p x) x (lfilter p xs)

theorem llen_fstep {β : Type} (x : β) (r : List β) : (b : Bool) → llen (fstep b x r) = cstep b (llen r)
  | true => rfl
  | false => rfl

theorem llen_lfilter {β : Type} (p : β → Bool) : (l : List β) → llen (lfilter p l) = countP p l
  | [] => rfl
  | x :: xs => (llen_fstep x (lfilter p xs) (p x)).trans (congrArg (cstep (p x)) (llen_lfilter p xs))

theorem mem_lfilter_step {β : Type} (p : β → Bool) (y x : β) (xs : List β)
    (ih : Mem y (lfilter p xs) → Mem y xs ∧ p y = true) :
    (b : Bool) → p x = b → Mem y (fstep b x (lfilter p xs)) → Mem y (x :: xs) ∧ p y = true
  | true, hb, h => OF.orE h (fun e => ⟨Or.inl e, Eq.subst (motive := fun z => p z = true) e.symm hb⟩)
      (fun h' => ⟨Or.inr (ih h').1, (ih h').2⟩)
  | false, _, h => ⟨Or.inr (ih h).1, (ih h).2⟩

theorem mem_lfilter {β : Type} (p : β → Bool) (y : β) : (l : List β) → Mem y (lfilter p l) → Mem y l ∧ p y = true
  | [], h => False.elim h
  | x :: xs, h => mem_lfilter_step p y x xs (mem_lfilter p y xs) (p x) rfl h

theorem nodup_fstep {β : Type} (x : β) (r : List β) (hr : Nodup r) (hx : ¬ Mem x r) : (b : Bool) → Nodup (fstep b x r)
  | true => ⟨hx, hr⟩
  | false => hr

theorem nodup_lfilter {β : Type} (p : β → Bool) : (l : List β) → Nodup l → Nodup (lfilter p l)
  | [], _ => trivial
  | x :: xs, h => nodup_fstep x (lfilter p xs) (nodup_lfilter p xs h.2) (fun hm => h.1 (mem_lfilter p x xs hm).1) (p x)

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

/-! ## Counting a cover: a list that covers a list without repetition and is no longer has none

The kernel checks `covered + enumerated == V^K`. With the partition's existence half (every
input is in a case or in a box) that check gives the other half: nothing is listed twice. -/

section
variable {β : Type}

theorem llen_rangeLC : (V : Nat) → llen (rangeL V) = V
  | 0 => rfl
  | V+1 => congrArg Nat.succ (llen_rangeLC V)

theorem countP_true : (L : List β) → countP (fun _ => true) L = llen L
  | [] => rfl
  | _ :: xs => congrArg Nat.succ (countP_true xs)

theorem llen_erase (deq : (a b : β) → Decidable (a = b)) (x : β) (L : List β) (h : Mem x L) :
    llen (erase deq x L) + 1 = llen L :=
  (congrArg (fun k => k + 1) (countP_true (erase deq x L))).symm.trans
    ((erase_count deq (fun _ => true) x rfl L h).trans (countP_true L))

theorem nle_succ_self_false : (a : Nat) → nle (a+1) a → False
  | 0, h => h
  | a+1, h => nle_succ_self_false a h

theorem eraseStep_sub (z x y : β) (ys rest : List β) (hrest : Mem z rest → Mem z ys) :
    (d : Decidable (x = y)) → Mem z (eraseStep x y ys rest d) → Mem z (y :: ys)
  | Decidable.isTrue _, h => Or.inr h
  | Decidable.isFalse _, h => OF.orE h (fun e => Or.inl e) (fun h' => Or.inr (hrest h'))

theorem mem_erase_sub (deq : (a b : β) → Decidable (a = b)) (x z : β) : (U : List β) →
    Mem z (erase deq x U) → Mem z U
  | [], h => h
  | y :: ys, h => eraseStep_sub z x y ys (erase deq x ys) (mem_erase_sub deq x z ys) (deq x y) h

theorem eraseStep_ne (z x y : β) (ys rest : List β) (hy : ¬ Mem y ys) (hrest : Mem z rest → z = x → False) :
    (d : Decidable (x = y)) → Mem z (eraseStep x y ys rest d) → z = x → False
  | Decidable.isTrue e, h, ez => hy (Eq.subst (motive := fun w => Mem w ys) (ez.trans e) h)
  | Decidable.isFalse ne, h, ez => OF.orE h (fun e => ne (ez.symm.trans e)) (fun h' => hrest h' ez)

/-- In a list without repetition, erasing `x` leaves no `x`. -/
theorem mem_erase_ne (deq : (a b : β) → Decidable (a = b)) (x z : β) : (U : List β) → Nodup U →
    Mem z (erase deq x U) → z = x → False
  | [], _, h, _ => h
  | y :: ys, hU, h, ez => eraseStep_ne z x y ys (erase deq x ys) hU.1 (mem_erase_ne deq x z ys hU.2) (deq x y) h ez

theorem eraseStep_nodup (x y : β) (ys rest : List β) (hU : Nodup (y :: ys)) (hrest : Nodup rest)
    (hsub : Mem y rest → Mem y ys) : (d : Decidable (x = y)) → Nodup (eraseStep x y ys rest d)
  | Decidable.isTrue _ => hU.2
  | Decidable.isFalse _ => ⟨fun h => hU.1 (hsub h), hrest⟩

theorem nodup_erase (deq : (a b : β) → Decidable (a = b)) (x : β) : (U : List β) → Nodup U → Nodup (erase deq x U)
  | [], _ => trivial
  | y :: ys, hU => eraseStep_nodup x y ys (erase deq x ys) hU (nodup_erase deq x ys hU.2)
      (mem_erase_sub deq x y ys) (deq x y)

/-- A list `L` in which every entry of `U` (without repetition) occurs is at least as long. -/
theorem len_le_of_cover (deq : (a b : β) → Decidable (a = b)) : (U L : List β) → Nodup U →
    (∀ x, Mem x U → Mem x L) → nle (llen U) (llen L)
  | [], _, _, _ => trivial
  | y :: U', L, hU, hcov =>
    Eq.subst (motive := fun k => nle (llen U' + 1) k) (llen_erase deq y L (hcov y (Or.inl rfl)))
      (show nle (llen U') (llen (erase deq y L)) from
        len_le_of_cover deq U' (erase deq y L) hU.2 (fun x hx => mem_erase deq y x
          (fun e => hU.1 (Eq.subst (motive := fun w => Mem w U') e hx)) L (hcov x (Or.inr hx))))

/-- Pigeonhole: a list `L` inside `U` (without repetition) in which every entry of `U` occurs,
and no longer than `U`, has no repetition. -/
theorem nodup_of_cover (deq : (a b : β) → Decidable (a = b)) : (L U : List β) → Nodup U →
    (∀ x, Mem x L → Mem x U) → (∀ x, Mem x U → Mem x L) → nle (llen L) (llen U) → Nodup L
  | [], _, _, _, _, _ => trivial
  | x :: L', U, hU, hsub, hcov, hlen =>
    have hx : ¬ Mem x L' := fun hm => nle_succ_self_false (llen L')
      (nle_trans (llen L' + 1) (llen U) (llen L') hlen
        (len_le_of_cover deq U L' hU (fun y hy => OF.orE (hcov y hy)
          (fun e => Eq.subst (motive := fun w => Mem w L') e.symm hm) (fun h => h))))
    have hxU : Mem x U := hsub x (Or.inl rfl)
    ⟨hx, nodup_of_cover deq L' (erase deq x U) (nodup_erase deq x U hU)
      (fun y hy => mem_erase deq x y (fun e => hx (Eq.subst (motive := fun w => Mem w L') e hy)) U (hsub y (Or.inr hy)))
      (fun y hy => OF.orE (hcov y (mem_erase_sub deq x y U hy))
        (fun e => False.elim (mem_erase_ne deq x y U hU hy e)) (fun h => h))
      (show nle (llen L') (llen (erase deq x U)) from
        Eq.subst (motive := fun k => nle (llen L' + 1) k) (llen_erase deq x U hxU).symm hlen)⟩

theorem nodup_lapp_inv : (xs ys : List β) → Nodup (lapp xs ys) → Nodup xs ∧ Nodup ys ∧ Disj xs ys
  | [], _, h => ⟨trivial, h, fun _ hy _ => hy⟩
  | x :: xs, ys, h =>
    match nodup_lapp_inv xs ys h.2 with
    | ⟨h1, h2, h3⟩ => ⟨⟨fun hm => h.1 ((mem_lapp x xs ys).mpr (Or.inl hm)), h1⟩, h2,
        fun y hy hy' => OF.orE hy
          (fun e => h.1 ((mem_lapp x xs ys).mpr (Or.inr (Eq.subst (motive := fun w => Mem w ys) e hy'))))
          (fun hm => h3 y hm hy')⟩

theorem mem_concat_of (y : β) : (cs : List (List β)) → (c : List β) → Mem c cs → Mem y c → Mem y (concat cs)
  | [], _, h, _ => False.elim h
  | d :: cs, c, hc, hy => OF.orE hc
      (fun e => (mem_lapp y d (concat cs)).mpr (Or.inl (Eq.subst (motive := fun w => Mem y w) e hy)))
      (fun h => (mem_lapp y d (concat cs)).mpr (Or.inr (mem_concat_of y cs c h hy)))

theorem nodup_concat_inv : (cs : List (List β)) → Nodup (concat cs) →
    (∀ c, Mem c cs → Nodup c) ∧ PairwiseDisj cs
  | [], _ => ⟨fun _ h => False.elim h, trivial⟩
  | c :: cs, h =>
    match nodup_lapp_inv c (concat cs) h with
    | ⟨h1, h2, h3⟩ =>
      match nodup_concat_inv cs h2 with
      | ⟨ih1, ih2⟩ => ⟨fun d hd => OF.orE hd (fun e => Eq.subst (motive := fun w => Nodup w) e.symm h1)
            (fun h' => ih1 d h'),
          ⟨fun d hd y hy hy' => h3 y hy (mem_concat_of y cs d hd hy'), ih2⟩⟩

end

/-! ## A walk order given as the list of positions it visits -/

/-- The place of `i` in `L` (the walk's step at which position `i` is added). -/
def idxOf (i : Nat) : List Nat → Nat
  | [] => 0
  | x :: xs => pickN (eqb i x) 0 (idxOf i xs + 1)

theorem lnth_idxOf (i : Nat) : (L : List Nat) → Mem i L → lnth L (idxOf i L) = i
  | [], h => False.elim h
  | x :: xs, h => OF.orE (bool_cases (eqb i x))
      (fun e => Eq.subst (motive := fun t => lnth (x :: xs) (pickN t 0 (idxOf i xs + 1)) = i) e.symm
        (eqb_true i x e).symm)
      (fun e => Eq.subst (motive := fun t => lnth (x :: xs) (pickN t 0 (idxOf i xs + 1)) = i) e.symm
        (lnth_idxOf i xs (OF.orE h (fun e' => False.elim (eqb_false e e')) (fun h' => h'))))

theorem idxOf_lt (i : Nat) : (L : List Nat) → Mem i L → OF.nlt (idxOf i L) (llen L)
  | [], h => False.elim h
  | x :: xs, h => OF.orE (bool_cases (eqb i x))
      (fun e => Eq.subst (motive := fun t => OF.nlt (pickN t 0 (idxOf i xs + 1)) (llen xs + 1)) e.symm
        (OF.nlt_zero_succ (llen xs)))
      (fun e => Eq.subst (motive := fun t => OF.nlt (pickN t 0 (idxOf i xs + 1)) (llen xs + 1)) e.symm
        (show OF.nlt (idxOf i xs) (llen xs) from
          idxOf_lt i xs (OF.orE h (fun e' => False.elim (eqb_false e e')) (fun h' => h'))))

theorem idxOf_lnth : (L : List Nat) → Nodup L → (k : Nat) → OF.nlt k (llen L) → idxOf (lnth L k) L = k
  | [], _, _, h => False.elim h
  | x :: xs, _, 0, _ => Eq.subst (motive := fun t => pickN t 0 (idxOf x xs + 1) = 0) (eqb_refl x).symm rfl
  | x :: xs, hL, k+1, h =>
    have hne : lnth xs k = x → False := fun e =>
      hL.1 (Eq.subst (motive := fun w => Mem w xs) e (mem_lnth xs k h))
    Eq.subst (motive := fun t => pickN t 0 (idxOf (lnth xs k) xs + 1) = k + 1) (eqb_of_ne hne).symm
      (congrArg Nat.succ (idxOf_lnth xs hL.2 k h))

/-- supports: hybrid_sound. A walk that visits `N` positions, each `< N`, and every position
`< N` at least once (`count_grids`' contract: every position but the query's is pinned or on an
axis) is a permutation: `lnth L` has the inverse `idxOf · L` (no position is visited twice, by
`nodup_of_cover`). -/
theorem walk_perm (L : List Nat) (N : Nat) (hlen : llen L = N) (hin : ∀ x, Mem x L → OF.nlt x N)
    (hcov : ∀ i, OF.nlt i N → Mem i L) :
    (∀ k, OF.nlt k N → OF.nlt (lnth L k) N) ∧ (∀ i, OF.nlt i N → OF.nlt (idxOf i L) N) ∧
    (∀ k, OF.nlt k N → idxOf (lnth L k) L = k) ∧ (∀ i, OF.nlt i N → lnth L (idxOf i L) = i) :=
  have hk : ∀ k, OF.nlt k N → OF.nlt k (llen L) := fun k h => Eq.subst (motive := fun z => OF.nlt k z) hlen.symm h
  have hnd : Nodup L := nodup_of_cover decNat L (rangeL N) (rangeL_nodup N)
    (fun x hx => mem_rangeL_of N x (hin x hx)) (fun x hx => hcov x (nlt_of_mem_rangeL N x hx))
    (Eq.subst (motive := fun z => nle (llen L) z) (hlen.trans (llen_rangeLC N).symm) (nle_refl (llen L)))
  ⟨fun k h => hin _ (mem_lnth L k (hk k h)),
   fun i h => Eq.subst (motive := fun z => OF.nlt (idxOf i L) z) hlen (idxOf_lt i L (hcov i h)),
   fun k h => idxOf_lnth L hnd k (hk k h),
   fun i h => lnth_idxOf i L (hcov i h)⟩

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
/-- A list `L` of inputs all correct (without repetition, inside `U`, disjoint from every case)
and pairwise disjoint correct cases: `llen L + Σ case sizes ≤ countP correct U`. -/
theorem hybrid_certified {β : Type} (deq : (a b : β) → Decidable (a = b)) (correct : β → Bool)
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

open LC in
/-- sound: hybrid. Pairwise disjoint cases (each without repetition, inside the input list `U`,
all correct: what the cubic rule proves of the listed cases) and a list `Rm` of inputs (the
remainder the kernel enumerates: without repetition, inside `U`, disjoint from every case, by
`hybrid_partition`) of which the kernel counts those passing a test `pass` that only correct
inputs pass: `countP pass Rm + Σ case sizes ≤ countP correct U` (`count_correct` returns
`covered + certified`). This theorem also mirrors: hybrid_sound, the rulebook's rule of the same
name ("a list ... has L entries certified correct"). -/
theorem hybrid_sound {β : Type} (deq : (a b : β) → Decidable (a = b)) (correct pass : β → Bool)
    (U : List β) (cases : List (List β)) (Rm : List β) (hnd : ∀ c, Mem c cases → Nodup c)
    (hdisj : PairwiseDisj cases) (hsub : ∀ c, Mem c cases → ∀ x, Mem x c → Mem x U)
    (hok : ∀ c, Mem c cases → ∀ x, Mem x c → correct x = true)
    (hR : Nodup Rm) (hRsub : ∀ x, Mem x Rm → Mem x U) (hRok : ∀ x, Mem x Rm → pass x = true → correct x = true)
    (hRdisj : ∀ c, Mem c cases → Disj Rm c) :
    nle (countP pass Rm + sizes cases) (countP correct U) :=
  Eq.subst (motive := fun k => nle (k + sizes cases) (countP correct U)) (llen_lfilter pass Rm)
    (hybrid_certified deq correct U cases (lfilter pass Rm) hnd hdisj hsub hok (nodup_lfilter pass Rm hR)
      (fun x hx => hRsub x (mem_lfilter pass x Rm hx).1)
      (fun x hx => hRok x (mem_lfilter pass x Rm hx).1 (mem_lfilter pass x Rm hx).2)
      (fun c hc y hy hyc => hRdisj c hc y (mem_lfilter pass y Rm hy).1 hyc))

open LC in
/-- sound: hybrid. The count as `count_correct` forms it: the cases' count plus the sum of the
shard counts, where the units are the `(q, m)` pairs (`inp u`: the inputs of pair `u`'s boxes,
`count_pairs`), each shard counts the passing inputs of its units (`Counts`) and the shards
tile `[0, units)` (`shards.merge`); the remainder `Rm` is all the units' inputs. -/
theorem hybrid_shards_sound {β : Type} (deq : (a b : β) → Decidable (a = b)) (correct pass : β → Bool)
    (U : List β) (cases : List (List β)) (inp : Nat → List β) (ss : List Shard) (ht : Tiles 0 ss)
    (hc : Counts pass inp ss) (hnd : ∀ c, Mem c cases → Nodup c)
    (hdisj : PairwiseDisj cases) (hsub : ∀ c, Mem c cases → ∀ x, Mem x c → Mem x U)
    (hok : ∀ c, Mem c cases → ∀ x, Mem x c → correct x = true)
    (hR : Nodup (unitsFrom inp 0 (lenSum ss))) (hRsub : ∀ x, Mem x (unitsFrom inp 0 (lenSum ss)) → Mem x U)
    (hRok : ∀ x, Mem x (unitsFrom inp 0 (lenSum ss)) → pass x = true → correct x = true)
    (hRdisj : ∀ c, Mem c cases → Disj (unitsFrom inp 0 (lenSum ss)) c) :
    nle (certSum ss + sizes cases) (countP correct U) :=
  Eq.subst (motive := fun k => nle (k + sizes cases) (countP correct U)) (certSum_counts pass inp 0 ss ht hc).symm
    (hybrid_sound deq correct pass U cases (unitsFrom inp 0 (lenSum ss)) hnd hdisj hsub hok hR hRsub hRok hRdisj)

open LC in
/-- supports: hybrid_sound. The kernel's count check in the shape `count_correct` makes it:
lists `Rm` (the enumerated remainder) and `cases` inside `U` (without repetition), in which every
entry of `U` occurs (every input is in a case or in a box: the existence half of
`hybrid_partition`), whose sizes add up to `llen U` (`covered + enumerated == V^K`), list
nothing twice: `Rm` and every case are without repetition, the cases pairwise disjoint and `Rm`
disjoint from each (the premises of `hybrid_sound`). -/
theorem count_check_nodup {β : Type} (deq : (a b : β) → Decidable (a = b)) (U Rm : List β)
    (cases : List (List β)) (hU : Nodup U) (hRsub : ∀ x, Mem x Rm → Mem x U)
    (hcsub : ∀ c, Mem c cases → ∀ x, Mem x c → Mem x U)
    (hcover : ∀ x, Mem x U → Mem x Rm ∨ ∃ c, Mem c cases ∧ Mem x c)
    (hcount : sizes cases + llen Rm = llen U) :
    Nodup Rm ∧ (∀ c, Mem c cases → Nodup c) ∧ PairwiseDisj cases ∧ (∀ c, Mem c cases → Disj Rm c) :=
  have e : llen (lapp Rm (concat cases)) = llen U :=
    (llen_lapp Rm (concat cases)).trans ((congrArg (fun k => llen Rm + k) (llen_concat cases)).trans
      ((nadd_comm (llen Rm) (sizes cases)).trans hcount))
  have hC : Nodup (lapp Rm (concat cases)) := nodup_of_cover deq (lapp Rm (concat cases)) U hU
    (fun x hx => OF.orE ((mem_lapp x Rm (concat cases)).mp hx) (fun h => hRsub x h)
      (fun h => match mem_concat x cases h with
        | ⟨c, hc, hxc⟩ => hcsub c hc x hxc))
    (fun x hx => OF.orE (hcover x hx) (fun h => (mem_lapp x Rm (concat cases)).mpr (Or.inl h))
      (fun h => match h with
        | ⟨c, hc, hxc⟩ => (mem_lapp x Rm (concat cases)).mpr (Or.inr (mem_concat_of x cases c hc hxc))))
    (Eq.subst (motive := fun k => nle (llen (lapp Rm (concat cases))) k) e (nle_refl _))
  match nodup_lapp_inv Rm (concat cases) hC with
  | ⟨hR, hcc, hD⟩ =>
    match nodup_concat_inv cases hcc with
    | ⟨hnd, hdisj⟩ => ⟨hR, hnd, hdisj, fun c hc y hy hyc => hD y hy (mem_concat_of y cases c hc hyc)⟩

open LC in
/-- Counting over a list `L` without repetition inside `U` counts at most what `U` holds. -/
theorem countP_sublist {β : Type} (deq : (a b : β) → Decidable (a = b)) (p : β → Bool) (L U : List β)
    (hL : Nodup L) (hsub : ∀ x, Mem x L → Mem x U) : nle (countP p L) (countP p U) :=
  Eq.subst (motive := fun k => nle k (countP p U)) (llen_lfilter p L)
    (brute_force_count deq p (lfilter p L) U (nodup_lfilter p L hL)
      (fun x hx => hsub x (mem_lfilter p x L hx).1) (fun x hx => (mem_lfilter p x L hx).2))
end

section
variable {α : Type} [OrdField α]

/-- sound: brute_force. The brute-force count as `count_correct` forms it: the units are the
blocks (`inp u`, block `u`'s inputs, each an input of `words (rangeL V) (n+1)`), each shard
counts the inputs of its blocks that pass the test (`count_blocks`: `Counts` with `bfPassB`,
the rule's order), and the shards tile `[0, units)` (`shards.merge`): the sum of the shard
counts is at most the number of correct inputs among all the blocks' inputs (`shard_merge`). -/
theorem brute_force_shards_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (fladd flsub : α → α → α) (u : α)
    (hu0 : 0 ≤ u) (hu1 : u < 1)
    (hadd : ∀ p q : α, OF.abs (p + q) ≤ OF.pw (1 + 1) 1023 → OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q))
    (hsub : ∀ p q : α, OF.abs (p - q) ≤ OF.pw (1 + 1) 1023 → OF.abs (flsub p q - (p - q)) ≤ u * OF.abs (p - q))
    (n V Vo : Nat) (hVo : LC.nle V Vo) (gamma twice bot : α) (Mbig : Nat → α)
    (hg : OF.pw (1 + u) n - 1 ≤ gamma) (htw : (1 + 1) * (1 + u) ≤ twice) (hbot : bot ≤ 0)
    (hK : OF.ofN (n+1) * u + OF.ofN (n+1) * u ≤ 1)
    (hM : ∀ q i t, OF.nlt q V → OF.nlt i (n+1) → OF.nlt t V → OF.bfMag R Ti Vo q i t ≤ Mbig q)
    (hguard : ∀ q, OF.nlt q V → OF.ofN (n+1) * Mbig q < OF.pw (1 + 1) 1000)
    (inp : Nat → List (List Nat)) (hin : ∀ w l, LC.Mem l (inp w) → LC.Mem l (LC.words (LC.rangeL V) (n+1)))
    (ss : List LC.Shard) (ht : LC.Tiles 0 ss) (hc : LC.Counts (OF.bfPassB fladd flsub R Ti Vo bot gamma twice n) inp ss) :
    LC.nle (LC.certSum ss) (LC.countP (OF.inputCorrect exp isq T n Vo) (LC.unitsFrom inp 0 (LC.lenSum ss))) :=
  shard_merge _ inp 0 ss ht (LC.certifies_of_counts _ _ inp (fun w l hl hp =>
    brute_force_pass_sound R exp exp_pos exp_add isq T a b Ti hE fladd flsub u hu0 hu1 hadd hsub n V Vo hVo
      gamma twice bot Mbig hg htw hbot hK hM hguard l (hin w l hl) hp) ss hc)

/-- sound: brute_force. `brute_force_shards_sound` with the kernel's count check: if every input
of `words (rangeL V) (n+1)` is in some block (`hcover`) and the shards' enumerated counts
(`Enumerates`: each shard's `inputs` is the number of its blocks' inputs) add up to `V^K`
(`enumerated == V ** K`, `hcount`), the blocks list every input once, and the sum of the shard
counts is at most the number of correct inputs of the model. -/
theorem brute_force_checked_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (fladd flsub : α → α → α) (u : α)
    (hu0 : 0 ≤ u) (hu1 : u < 1)
    (hadd : ∀ p q : α, OF.abs (p + q) ≤ OF.pw (1 + 1) 1023 → OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q))
    (hsub : ∀ p q : α, OF.abs (p - q) ≤ OF.pw (1 + 1) 1023 → OF.abs (flsub p q - (p - q)) ≤ u * OF.abs (p - q))
    (n V Vo : Nat) (hVo : LC.nle V Vo) (gamma twice bot : α) (Mbig : Nat → α)
    (hg : OF.pw (1 + u) n - 1 ≤ gamma) (htw : (1 + 1) * (1 + u) ≤ twice) (hbot : bot ≤ 0)
    (hK : OF.ofN (n+1) * u + OF.ofN (n+1) * u ≤ 1)
    (hM : ∀ q i t, OF.nlt q V → OF.nlt i (n+1) → OF.nlt t V → OF.bfMag R Ti Vo q i t ≤ Mbig q)
    (hguard : ∀ q, OF.nlt q V → OF.ofN (n+1) * Mbig q < OF.pw (1 + 1) 1000)
    (inp : Nat → List (List Nat)) (hin : ∀ w l, LC.Mem l (inp w) → LC.Mem l (LC.words (LC.rangeL V) (n+1)))
    (ss : List LC.Shard) (ht : LC.Tiles 0 ss) (hc : LC.Counts (OF.bfPassB fladd flsub R Ti Vo bot gamma twice n) inp ss)
    (hen : LC.Enumerates inp ss) (hcount : LC.inputSum ss = LC.npow V (n+1))
    (hcover : ∀ x, LC.Mem x (LC.words (LC.rangeL V) (n+1)) → LC.Mem x (LC.unitsFrom inp 0 (LC.lenSum ss))) :
    LC.nle (LC.certSum ss) (LC.countP (OF.inputCorrect exp isq T n Vo) (LC.words (LC.rangeL V) (n+1))) :=
  have hU := LC.words_nodup (LC.rangeL V) (LC.rangeL_nodup V) (n+1)
  have hRsub : ∀ x, LC.Mem x (LC.unitsFrom inp 0 (LC.lenSum ss)) → LC.Mem x (LC.words (LC.rangeL V) (n+1)) :=
    fun x hx => match LC.mem_unitsFrom inp x 0 (LC.lenSum ss) hx with
      | ⟨w, hw⟩ => hin w x hw
  have e : LC.llen (LC.unitsFrom inp 0 (LC.lenSum ss)) = LC.llen (LC.words (LC.rangeL V) (n+1)) :=
    (LC.inputSum_enumerates inp 0 ss ht hen).symm.trans (hcount.trans
      ((congrArg (fun k => LC.npow k (n+1)) (LC.llen_rangeLC V)).symm.trans (LC.words_len (LC.rangeL V) (n+1)).symm))
  have hR := (count_check_nodup LC.decList (LC.words (LC.rangeL V) (n+1)) (LC.unitsFrom inp 0 (LC.lenSum ss)) []
    hU hRsub (fun _ h => False.elim h) (fun x hx => Or.inl (hcover x hx))
    ((LC.nzero_add _).trans e)).1
  LC.nle_trans3 _ _ _
    (brute_force_shards_sound R exp exp_pos exp_add isq T a b Ti hE fladd flsub u hu0 hu1 hadd hsub n V Vo hVo
      gamma twice bot Mbig hg htw hbot hK hM hguard inp hin ss ht hc)
    (countP_sublist LC.decList _ _ _ hR hRsub)

end

section
variable {α : Type} [OrdField α]

/-- sound: hybrid. The hybrid's count with the remainder's float test composed in: the count
`certSum ss + Σ case sizes` (`count_correct` returns `covered + certified`) is at most the
number of correct inputs of `words (rangeL V) (n+1)`, when

* the listed cases are pairwise disjoint lists of correct inputs without repetition (what
  `cubic_count_sound` proves of `caseInputs`);
* the units are the `(q, m)` pairs, unit `u` listing the inputs of its boxes (`inp u`), the
  shards tile `[0, units)` (`Tiles`) and each shard's count is the number of its units' inputs
  that pass the per-input test of `count_grids` in the order of the input's box (`Counts` with
  `bfPassO` and `ord l`: an input is in one box, so its box's walk order is a function of it),
  every such order being a permutation with inverse `ordInv l`;
* the remainder (all the units' inputs) lists inputs (`words`), without repetition, disjoint
  from every case (by `hybrid_partition`);
* the float premises of `brute_force_order_sound`: the standard model below `2^1023`, `gamma`,
  `twice`, the guard per query token, `2 K u ≤ 1`.

No premise says that a passing input is correct: that is `brute_force_order_sound` with the
box's order. -/
theorem hybrid_end_to_end_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (fladd flsub : α → α → α) (u : α)
    (hu0 : 0 ≤ u) (hu1 : u < 1)
    (hadd : ∀ p q : α, OF.abs (p + q) ≤ OF.pw (1 + 1) 1023 → OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q))
    (hsub : ∀ p q : α, OF.abs (p - q) ≤ OF.pw (1 + 1) 1023 → OF.abs (flsub p q - (p - q)) ≤ u * OF.abs (p - q))
    (n V Vo : Nat) (hVo : LC.nle V Vo) (gamma twice bot : α) (Mbig : Nat → α)
    (hg : OF.pw (1 + u) n - 1 ≤ gamma) (htw : (1 + 1) * (1 + u) ≤ twice) (hbot : bot ≤ 0)
    (hK : OF.ofN (n+1) * u + OF.ofN (n+1) * u ≤ 1)
    (hM : ∀ q i t, OF.nlt q V → OF.nlt i (n+1) → OF.nlt t V → OF.bfMag R Ti Vo q i t ≤ Mbig q)
    (hguard : ∀ q, OF.nlt q V → OF.ofN (n+1) * Mbig q < OF.pw (1 + 1) 1000)
    (cases : List (List (List Nat))) (inp : Nat → List (List Nat)) (ss : List LC.Shard)
    (ord ordInv : List Nat → Nat → Nat)
    (hord : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ k, OF.nlt k (n+1) → OF.nlt (ord l k) (n+1))
    (hordi : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ i, OF.nlt i (n+1) → OF.nlt (ordInv l i) (n+1))
    (hordl : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ k, OF.nlt k (n+1) → ordInv l (ord l k) = k)
    (hordr : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ i, OF.nlt i (n+1) → ord l (ordInv l i) = i)
    (ht : LC.Tiles 0 ss)
    (hc : LC.Counts (fun l => OF.bfPassO fladd flsub R Ti Vo bot gamma twice (ord l) n l) inp ss)
    (hnd : ∀ c, LC.Mem c cases → LC.Nodup c) (hdisj : LC.PairwiseDisj cases)
    (hcsub : ∀ c, LC.Mem c cases → ∀ x, LC.Mem x c → LC.Mem x (LC.words (LC.rangeL V) (n+1)))
    (hok : ∀ c, LC.Mem c cases → ∀ x, LC.Mem x c → OF.inputCorrect exp isq T n Vo x = true)
    (hR : LC.Nodup (LC.unitsFrom inp 0 (LC.lenSum ss)))
    (hRsub : ∀ x, LC.Mem x (LC.unitsFrom inp 0 (LC.lenSum ss)) → LC.Mem x (LC.words (LC.rangeL V) (n+1)))
    (hRdisj : ∀ c, LC.Mem c cases → LC.Disj (LC.unitsFrom inp 0 (LC.lenSum ss)) c) :
    LC.nle (LC.certSum ss + LC.sizes cases)
      (LC.countP (OF.inputCorrect exp isq T n Vo) (LC.words (LC.rangeL V) (n+1))) :=
  hybrid_shards_sound LC.decList (OF.inputCorrect exp isq T n Vo)
    (fun l => OF.bfPassO fladd flsub R Ti Vo bot gamma twice (ord l) n l) (LC.words (LC.rangeL V) (n+1))
    cases inp ss ht hc hnd hdisj hcsub hok hR hRsub
    (fun l hl hp => brute_force_order_sound R exp exp_pos exp_add isq T a b Ti hE fladd flsub u hu0 hu1 hadd hsub
      n V Vo hVo gamma twice bot Mbig hg htw hbot hK hM hguard (ord l) (ordInv l) (hord l hl) (hordi l hl)
      (hordl l hl) (hordr l hl) l (hRsub l hl) hp)
    hRdisj

/-- sound: hybrid. `hybrid_end_to_end_sound` with the kernel's count check in place of the
no-repetition premises: if every input of `words (rangeL V) (n+1)` lies in a listed case or in
the remainder the units list (`hcover`: the existence half of `hybrid_partition`, every input is
in its class's case or in one of its boxes), and the cases' sizes plus the shards' enumerated
counts (`Enumerates`) add up to `V^K` (`covered + enumerated == V ** n_ctx`, `hcount`), then the
count `certSum ss + Σ case sizes` is at most the number of correct inputs. What remains assumed
of the cases is that they are inputs and correct (`cubic_count_sound`'s `caseInputs`), of the
boxes that their inputs are inputs (`hRsub`) and that each box's walk order is a permutation. -/
theorem hybrid_checked_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (fladd flsub : α → α → α) (u : α)
    (hu0 : 0 ≤ u) (hu1 : u < 1)
    (hadd : ∀ p q : α, OF.abs (p + q) ≤ OF.pw (1 + 1) 1023 → OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q))
    (hsub : ∀ p q : α, OF.abs (p - q) ≤ OF.pw (1 + 1) 1023 → OF.abs (flsub p q - (p - q)) ≤ u * OF.abs (p - q))
    (n V Vo : Nat) (hVo : LC.nle V Vo) (gamma twice bot : α) (Mbig : Nat → α)
    (hg : OF.pw (1 + u) n - 1 ≤ gamma) (htw : (1 + 1) * (1 + u) ≤ twice) (hbot : bot ≤ 0)
    (hK : OF.ofN (n+1) * u + OF.ofN (n+1) * u ≤ 1)
    (hM : ∀ q i t, OF.nlt q V → OF.nlt i (n+1) → OF.nlt t V → OF.bfMag R Ti Vo q i t ≤ Mbig q)
    (hguard : ∀ q, OF.nlt q V → OF.ofN (n+1) * Mbig q < OF.pw (1 + 1) 1000)
    (cases : List (List (List Nat))) (inp : Nat → List (List Nat)) (ss : List LC.Shard)
    (ord ordInv : List Nat → Nat → Nat)
    (hord : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ k, OF.nlt k (n+1) → OF.nlt (ord l k) (n+1))
    (hordi : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ i, OF.nlt i (n+1) → OF.nlt (ordInv l i) (n+1))
    (hordl : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ k, OF.nlt k (n+1) → ordInv l (ord l k) = k)
    (hordr : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ i, OF.nlt i (n+1) → ord l (ordInv l i) = i)
    (ht : LC.Tiles 0 ss)
    (hc : LC.Counts (fun l => OF.bfPassO fladd flsub R Ti Vo bot gamma twice (ord l) n l) inp ss)
    (hen : LC.Enumerates inp ss)
    (hcsub : ∀ c, LC.Mem c cases → ∀ x, LC.Mem x c → LC.Mem x (LC.words (LC.rangeL V) (n+1)))
    (hok : ∀ c, LC.Mem c cases → ∀ x, LC.Mem x c → OF.inputCorrect exp isq T n Vo x = true)
    (hRsub : ∀ x, LC.Mem x (LC.unitsFrom inp 0 (LC.lenSum ss)) → LC.Mem x (LC.words (LC.rangeL V) (n+1)))
    (hcover : ∀ x, LC.Mem x (LC.words (LC.rangeL V) (n+1)) →
      LC.Mem x (LC.unitsFrom inp 0 (LC.lenSum ss)) ∨ ∃ c, LC.Mem c cases ∧ LC.Mem x c)
    (hcount : LC.sizes cases + LC.inputSum ss = LC.npow V (n+1)) :
    LC.nle (LC.certSum ss + LC.sizes cases)
      (LC.countP (OF.inputCorrect exp isq T n Vo) (LC.words (LC.rangeL V) (n+1))) :=
  have e : LC.sizes cases + LC.llen (LC.unitsFrom inp 0 (LC.lenSum ss)) = LC.llen (LC.words (LC.rangeL V) (n+1)) :=
    (congrArg (fun k => LC.sizes cases + k) (LC.inputSum_enumerates inp 0 ss ht hen).symm).trans (hcount.trans
      ((congrArg (fun k => LC.npow k (n+1)) (LC.llen_rangeLC V)).symm.trans (LC.words_len (LC.rangeL V) (n+1)).symm))
  match count_check_nodup LC.decList (LC.words (LC.rangeL V) (n+1)) (LC.unitsFrom inp 0 (LC.lenSum ss)) cases
    (LC.words_nodup (LC.rangeL V) (LC.rangeL_nodup V) (n+1)) hRsub hcsub hcover e with
  | ⟨hR, hnd, hdisj, hRdisj⟩ =>
    hybrid_end_to_end_sound R exp exp_pos exp_add isq T a b Ti hE fladd flsub u hu0 hu1 hadd hsub n V Vo hVo
      gamma twice bot Mbig hg htw hbot hK hM hguard cases inp ss ord ordInv hord hordi hordl hordr ht hc
      hnd hdisj hcsub hok hR hRsub hRdisj

/-- sound: hybrid. The hybrid rule end to end, as `count_correct` runs it: the listed cases are
cubic cases that `read_cases` accepts (`CaseValid`) and `check_cases` proves (`CaseChecked`),
counted `covered = Σ C(n, c) |S|^c` (`kernelCount`); the remainder is enumerated in shards over
the `(q, m)` pairs (`Tiles`, `Counts` with each box's walk `walk l`, the list of positions
`count_grids` adds in turn, of length `K`, visiting every position: a permutation by
`walk_perm`; `Enumerates`); the kernel checks `covered + enumerated == V ** n_ctx` (`hcount`). With every input
in a case or in the remainder (`hcover`, the existence half of `hybrid_partition`) and the
remainder's entries inputs (`hRsub`), the returned `covered + certified` is at most the number
of correct inputs of the model. The cases' correctness is `cubic_sound`, the remainder's
`brute_force_order_sound`, and nothing listed twice follows from the count check
(`count_check_nodup`); `read_cases`' distinct keys are not needed. -/
theorem hybrid_kernel_sound (R : Rnd α) (exp : α → α) (exp_pos : ∀ a, 0 < exp a)
    (exp_add : ∀ a b, exp (a + b) = exp a * exp b) (isq : α) (T : Tables α) (a b : Nat → α)
    (Ti : IvTables α) (hE : Encloses exp isq T a b Ti) (fladd flsub : α → α → α) (u : α)
    (hu0 : 0 ≤ u) (hu1 : u < 1)
    (hadd : ∀ p q : α, OF.abs (p + q) ≤ OF.pw (1 + 1) 1023 → OF.abs (fladd p q - (p + q)) ≤ u * OF.abs (p + q))
    (hsub : ∀ p q : α, OF.abs (p - q) ≤ OF.pw (1 + 1) 1023 → OF.abs (flsub p q - (p - q)) ≤ u * OF.abs (p - q))
    (n V Vo : Nat) (hVo : LC.nle V Vo) (gamma twice bot : α) (Mbig : Nat → α)
    (hg : OF.pw (1 + u) n - 1 ≤ gamma) (htw : (1 + 1) * (1 + u) ≤ twice) (hbot : bot ≤ 0)
    (hK : OF.ofN (n+1) * u + OF.ofN (n+1) * u ≤ 1)
    (hM : ∀ q i t, OF.nlt q V → OF.nlt i (n+1) → OF.nlt t V → OF.bfMag R Ti Vo q i t ≤ Mbig q)
    (hguard : ∀ q, OF.nlt q V → OF.ofN (n+1) * Mbig q < OF.pw (1 + 1) 1000)
    (top : α) (tauOf : (Nat → α) → Nat → α) (cases : List (CubicCase α))
    (hvalid : ∀ cs, LC.Mem cs cases → CaseValid n V cs.q cs.m cs.c cs.S cs.mu)
    (hpass : ∀ cs, LC.Mem cs cases → OF.CaseChecked R Ti top tauOf n V Vo cs.q cs.m cs.c cs.S cs.mu)
    (inp : Nat → List (List Nat)) (ss : List LC.Shard)
    (walk : List Nat → List Nat)
    (hwlen : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → LC.llen (walk l) = n+1)
    (hwin : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ i, LC.Mem i (walk l) → OF.nlt i (n+1))
    (hwcov : ∀ l, LC.Mem l (LC.unitsFrom inp 0 (LC.lenSum ss)) → ∀ i, OF.nlt i (n+1) → LC.Mem i (walk l))
    (ht : LC.Tiles 0 ss)
    (hc : LC.Counts (fun l => OF.bfPassO fladd flsub R Ti Vo bot gamma twice (LC.lnth (walk l)) n l) inp ss)
    (hen : LC.Enumerates inp ss)
    (hRsub : ∀ x, LC.Mem x (LC.unitsFrom inp 0 (LC.lenSum ss)) → LC.Mem x (LC.words (LC.rangeL V) (n+1)))
    (hcover : ∀ x, LC.Mem x (LC.words (LC.rangeL V) (n+1)) →
      LC.Mem x (LC.unitsFrom inp 0 (LC.lenSum ss)) ∨ ∃ cs, LC.Mem cs cases ∧ LC.Mem x (OF.caseInputs n V cs))
    (hcount : OF.kernelCount n V cases + LC.inputSum ss = LC.npow V (n+1)) :
    LC.nle (LC.certSum ss + OF.kernelCount n V cases)
      (LC.countP (OF.inputCorrect exp isq T n Vo) (LC.words (LC.rangeL V) (n+1))) :=
  Eq.subst (motive := fun k => LC.nle (LC.certSum ss + k)
      (LC.countP (OF.inputCorrect exp isq T n Vo) (LC.words (LC.rangeL V) (n+1))))
    (OF.sizes_caseInputs n V cases)
    (hybrid_checked_sound R exp exp_pos exp_add isq T a b Ti hE fladd flsub u hu0 hu1 hadd hsub n V Vo hVo
      gamma twice bot Mbig hg htw hbot hK hM hguard (LC.lmap (OF.caseInputs n V) cases) inp ss
      (fun l => LC.lnth (walk l)) (fun l i => LC.idxOf i (walk l))
      (fun l hl => (LC.walk_perm (walk l) (n+1) (hwlen l hl) (hwin l hl) (hwcov l hl)).1)
      (fun l hl => (LC.walk_perm (walk l) (n+1) (hwlen l hl) (hwin l hl) (hwcov l hl)).2.1)
      (fun l hl => (LC.walk_perm (walk l) (n+1) (hwlen l hl) (hwin l hl) (hwcov l hl)).2.2.1)
      (fun l hl => (LC.walk_perm (walk l) (n+1) (hwlen l hl) (hwin l hl) (hwcov l hl)).2.2.2)
      ht hc hen
      (fun c hc => match (LC.mem_lmap (OF.caseInputs n V) c cases).mp hc with
        | ⟨cs, hcs, e⟩ => fun l hl => OF.caseInputs_words n V cs (hvalid cs hcs) l
            (Eq.subst (motive := fun z => LC.Mem l z) e hl))
      (fun c hc => match (LC.mem_lmap (OF.caseInputs n V) c cases).mp hc with
        | ⟨cs, hcs, e⟩ => fun l hl => OF.correctB_of _ Vo _
            (cubic_sound R exp exp_pos exp_add isq T a b Ti hE top tauOf n V Vo cs.q cs.m cs.c cs.S cs.mu
              (hvalid cs hcs) (hpass cs hcs) (LC.lnth l)
              (OF.caseInputs_inCase n V cs (hvalid cs hcs) l (Eq.subst (motive := fun z => LC.Mem l z) e hl))))
      hRsub
      (fun x hx => OF.orE (hcover x hx) (fun h => Or.inl h)
        (fun h => match h with
          | ⟨cs, hcs, hxc⟩ => Or.inr ⟨OF.caseInputs n V cs,
              (LC.mem_lmap (OF.caseInputs n V) (OF.caseInputs n V cs) cases).mpr ⟨cs, hcs, rfl⟩, hxc⟩))
      (Eq.subst (motive := fun k => k + LC.inputSum ss = LC.npow V (n+1)) (OF.sizes_caseInputs n V cases).symm hcount))

end
