"""Mutation audit: perturb a certificate in small ways and run the kernel on every mutant.

A sound kernel may accept a mutant only if the mutant still states something true. The audit's
alarm is the one outcome a sound kernel can never produce from a maximal certificate: a mutant
that **verifies with a higher proved bound** than the original (or that verifies a claim about a
different model digest). Everything else is reported: rejected, unusable (error), and mutants
that verify with the same or a lower bound (lowering a claim or a margin, editing free-form
fields) are fine.

Mutation kinds (``KINDS``), each touching one place of the JSON document:

- numbers nudged by one unit in the last place, both ways: JSON integers +-1, the claim's
  numerator and denominator +-1, JSON floats and hex-float margins to the next float up/down,
  hex key masks with one bit turned on or off;
- structure: indices swapped, counts inflated, cases duplicated or dropped, fields removed or
  added, types changed, raw-text corruption (duplicate keys, truncation, NaN, BOM, bad UTF-8);
- identity: the digest altered, the proof rule renamed, the format version bumped, other strings
  changed.

Proof kinds (``PROOF_KINDS_BY_RULE``) follow the proof at hand. Cubic: hex-float margins,
key-mask bits, cases duplicated or dropped (and c raised, key sets filled, columns swapped).
Sub-cubic (cases q, m, c, g and hints): one-ulp nudges of any hex-float hint (peel vectors, the
direct path's centre, envelope breakpoints, average attentions), larger hint changes, a gap
lowered by one (the dangerous direction: more inputs claimed) or raised, c raised, a gap set to
1, cases duplicated (also with another gap) or dropped, and another configuration choice
(EQKE factors, residual method, direct bound, centre, non-max bound, attention bound). A
brute-force proof has no proof object, so a brute-force certificate gets only envelope mutants,
and fewer of them by default (each brute-force check enumerates every input, ~5-10 s at K = 4).
The default for a cubic or sub-cubic certificate is 200 mutants, reduced when one check is slow
to about ``TIME_BUDGET`` seconds of kernel time per job, never below one mutant per kind.
Mutants are written to a temporary directory with the weight path made absolute, so nothing is
written next to the certificate.

A caveat on the alarm: a higher verified bound proves a kernel bug only if the original
certificate was maximal (its producer claimed every case the kernel's bound allows). The cubic
strategy's certificates are, so for them a higher bound is an alarm as it stands. The sub-cubic
strategy's are not always: it bisects each case's gap, but the kernel's bound need not fall as
the gap grows (it does not for some cases of the shipped "ours" certificates), and its shared-gap
configurations give a case a larger gap than its own smallest. So every verified sub-cubic mutant whose proof differs
from the original's is cross-checked (``cross_check``): its cases must be distinct and cover
exactly the proved count, the kernel's own bound must prove each, the step check
(``differential.GapChecker.step_check``) must hold on every case, and a few cases (every changed
one, up to ``CROSS_CASES_HIGHER``, when the bound is higher) are tried on their hardest and
attention-extreme inputs in mpmath, against correctness, the kernel's case bound and its
attention interval. A failed cross-check is an alarm whatever the bound. A higher bound whose
cross-check passes is reported as "higher, checked" with the cases it changed, not as an alarm:
the evidence is then that the certificate was not maximal, tested rather than proved.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import numpy as np

from compact_proofs.audit import differential
from compact_proofs.checker.errors import CheckError
from compact_proofs.checker.io.weights import load_model
from compact_proofs.checker.kernel import check
from compact_proofs.checker.proofs import subcubic as subcubic_rule
from compact_proofs.checker.result import VERIFIED

Path_ = tuple  # a JSON path: keys and indices from the document root

KINDS = {
    "int_up": "a JSON integer + 1",
    "int_down": "a JSON integer - 1",
    "float_up": "a JSON float to the next float up",
    "float_down": "a JSON float to the next float down",
    "rational_num_up": "the claim's numerator + 1",
    "rational_num_down": "the claim's numerator - 1",
    "rational_den_up": "the claim's denominator + 1",
    "rational_den_down": "the claim's denominator - 1",
    "hexfloat_up": "a hex-float margin or hint to the next float up",
    "hexfloat_down": "a hex-float margin or hint to the next float down",
    "mask_bit_on": "one bit of a hex key mask turned on",
    "mask_bit_off": "one bit of a hex key mask turned off",
    "hint_perturbed": "a hint changed by more than an ulp (a peel vector or the centre scaled, negated or zeroed, "
                      "a breakpoint added, moved or removed, an average attention changed)",
    "gap_down": "a case's gap lowered by one (more inputs claimed: the dangerous direction)",
    "gap_up": "a case's gap raised by one",
    "choice_changed": "a configuration choice changed (EQKE factors, residual method, direct bound or centre, "
                      "non-max bound, attention bound)",
    "swap_indices": "two indices or values swapped",
    "inflate_count": "a count inflated (claim raised, c raised, key set filled, huge index)",
    "duplicate_case": "a case listed twice",
    "drop_case": "a case removed",
    "digest_altered": "the model digest altered",
    "rule_changed": "the proof rule renamed",
    "version_bumped": "the format version changed",
    "field_removed": "a field removed",
    "field_added": "a field added",
    "string_changed": "another string changed",
    "type_changed": "a value replaced by one of another JSON type",
    "raw_text": "the file's text corrupted (duplicate key, truncation, NaN, BOM, bad UTF-8)",
}
PROOF_KINDS_BY_RULE = {  # the kinds that need the rule's proof object, beyond the envelope's
    "cubic": ("hexfloat_up", "hexfloat_down", "mask_bit_on", "mask_bit_off", "duplicate_case", "drop_case"),
    "subcubic": ("hexfloat_up", "hexfloat_down", "hint_perturbed", "gap_down", "gap_up", "choice_changed",
                 "duplicate_case", "drop_case"),
}
PROOF_KINDS = tuple(k for k in KINDS if any(k in kinds for kinds in PROOF_KINDS_BY_RULE.values()))
ENVELOPE_KINDS = tuple(k for k in KINDS if k not in PROOF_KINDS)
KINDS_BY_RULE = {rule: tuple(k for k in KINDS if k in ENVELOPE_KINDS or k in kinds)
                 for rule, kinds in PROOF_KINDS_BY_RULE.items()} | {"brute_force": ENVELOPE_KINDS}
DEFAULT_MUTANTS = {"cubic": 200, "subcubic": 200, "brute_force": 18}  # 18: each envelope kind once
FALLBACK_MUTANTS = 24
TIME_BUDGET = 120.0  # seconds of kernel time per job that the default number of mutants of a case list aims at
CASE_COLUMNS_BY_RULE = {"cubic": ("q", "m", "c", "margin", "keys"), "subcubic": ("q", "m", "c", "g")}
CASE_COLUMNS = CASE_COLUMNS_BY_RULE["cubic"]
HEXFLOAT = re.compile(r"^[-+]?0x[0-9a-fA-F]*\.?[0-9a-fA-F]*p[-+]?[0-9]+$")


@dataclass(frozen=True)
class Mutant:
    """One mutant: a JSON document (encoded when checked) or raw file bytes."""

    kind: str
    description: str
    payload: Any

    @property
    def data(self) -> bytes:
        return self.payload if isinstance(self.payload, bytes) else encode(self.payload)


@dataclass
class Outcome:
    index: int
    kind: str
    description: str
    verdict: str
    bound: str | None
    reason: str
    seconds: float
    relation: str | None  # for verified mutants: "higher", "same" or "lower" than the original bound
    alarm: str | None
    cross_check: dict | None = None  # sub-cubic: what a verified mutant with a changed proof was checked against


# ---------------------------------------------------------------------------------------------
# Functional edits of a JSON document: copy only the containers along the path.

def get(doc: Any, path: Path_) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _edit(doc: Any, path: Path_, fn: Callable[[Any], Any]) -> Any:
    """A copy of ``doc`` whose node at ``path`` is ``fn(node)`` (containers on the path copied)."""
    if not path:
        return fn(doc)
    head, rest = path[0], path[1:]
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[head] = _edit(doc[head], rest, fn)
    return copy


def with_value(doc: Any, path: Path_, value: Any) -> Any:
    return _edit(doc, path, lambda _: value)


def without_key(doc: Any, path: Path_, key: str) -> Any:
    return _edit(doc, path, lambda obj: {k: v for k, v in obj.items() if k != key})


def with_key(doc: Any, path: Path_, key: str, value: Any) -> Any:
    return _edit(doc, path, lambda obj: {**obj, key: value})


def walk(doc: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every node (containers and leaves) with its path, parents before children."""
    out = [(path, doc)]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.extend(walk(v, path + (k,)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.extend(walk(v, path + (i,)))
    return out


def show(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "<root>"


def encode(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The generators: each returns (description, document or raw bytes) or None if not applicable.

class Generator:
    """Mutants of one certificate document, drawn with a seeded ``numpy`` generator."""

    def __init__(self, doc: dict, rng: np.random.Generator):
        self.doc, self.rng = doc, rng
        nodes = walk(doc)
        self.leaves = [(p, v) for p, v in nodes if not isinstance(v, (dict, list))]
        self.objects = [p for p, v in nodes if isinstance(v, dict)]
        self.ints = [(p, v) for p, v in self.leaves if type(v) is int]
        self.floats = [(p, v) for p, v in self.leaves if type(v) is float]
        # hex floats of the proof (cubic margins; sub-cubic hints), grouped by where they sit with the
        # indices left out (proof.cases.margin, proof.score.peels.x, proof.attention.breakpoints, ...)
        self.hexfloats: dict[str, list[tuple[Path_, str]]] = {}
        for p, v in self.leaves:
            if p[:1] == ("proof",) and isinstance(v, str) and HEXFLOAT.match(v):
                self.hexfloats.setdefault(show(tuple(k for k in p if not isinstance(k, int))), []).append((p, v))
        hexfloat_sites = {p for sites in self.hexfloats.values() for p, _ in sites}
        special = {("claim", "accuracy_at_least"), ("model", "digest"), ("version",), ("proof", "rule")}
        self.strings = [(p, v) for p, v in self.leaves if isinstance(v, str) and p not in special
                        and p not in hexfloat_sites and p[:3] != ("proof", "cases", "keys")]
        proof = doc.get("proof") if isinstance(doc.get("proof"), dict) else {}
        self.rule = proof.get("rule")
        self.columns = CASE_COLUMNS_BY_RULE.get(self.rule, CASE_COLUMNS)
        cases = proof.get("cases")
        self.cases = cases if isinstance(cases, dict) and all(
            isinstance(cases.get(c), list) for c in self.columns) else None
        self.rows = len(self.cases["q"]) if self.cases else 0
        self.proof = proof
        try:
            config = doc["model"]["config"]
            self.V, self.n = int(config["d_vocab"]), int(config["n_ctx"]) - 1
        except (KeyError, TypeError, ValueError):
            self.V, self.n = 64, 3

    # helpers -----------------------------------------------------------------------------------
    def pick(self, items: list):
        return items[int(self.rng.integers(len(items)))] if items else None

    def pick_region(self, items: list[tuple[Path_, Any]]):
        """Half the time from the proof, half from the envelope (when both have candidates)."""
        proof = [x for x in items if x[0][:1] == ("proof",)]
        envelope = [x for x in items if x[0][:1] != ("proof",)]
        groups = [g for g in (proof, envelope) if g]
        return self.pick(self.pick(groups)) if groups else None

    def claim(self) -> tuple[int, int] | None:
        text = self.doc.get("claim", {}).get("accuracy_at_least") if isinstance(self.doc.get("claim"), dict) else None
        if not isinstance(text, str):
            return None
        p, _, q = text.partition("/")
        try:
            return int(p), int(q or "1")
        except ValueError:
            return None

    def with_claim(self, p: int, q: int):
        return with_value(self.doc, ("claim", "accuracy_at_least"), f"{p}/{q}")

    def row(self, r: int) -> dict:
        return {c: self.cases[c][r] for c in self.columns}

    def case_name(self, r: int) -> str:
        return f"case #{r} (q={self.cases['q'][r]}, m={self.cases['m'][r]}, c={self.cases['c'][r]})"

    def with_case_value(self, column: str, r: int, value: Any):
        return with_value(self.doc, ("proof", "cases", column, r), value)

    def mask_rows(self, predicate) -> list[int]:
        out = []
        for r in range(self.rows):
            try:
                row = self.row(r)
                mask, m, c = int(row["keys"], 16), int(row["m"]), int(row["c"])
            except (TypeError, ValueError):
                continue
            if predicate(mask, m, c):
                out.append(r)
        return out

    # numbers -----------------------------------------------------------------------------------
    def int_up(self):
        return self._int(+1)

    def int_down(self):
        return self._int(-1)

    def _int(self, step: int):
        site = self.pick_region(self.ints)
        if site is None:
            return None
        path, v = site
        return f"{show(path)}: {v} -> {v + step}", with_value(self.doc, path, v + step)

    def float_up(self):
        return self._float(math.inf)

    def float_down(self):
        return self._float(-math.inf)

    def _float(self, direction: float):
        site = self.pick(self.floats)
        if site is None:
            return None
        path, v = site
        new = math.nextafter(v, direction)
        return f"{show(path)}: {v!r} -> {new!r}", with_value(self.doc, path, new)

    def rational_num_up(self):
        pq = self.claim()
        return None if pq is None else (f"claim numerator {pq[0]} -> {pq[0] + 1}", self.with_claim(pq[0] + 1, pq[1]))

    def rational_num_down(self):
        pq = self.claim()
        return None if pq is None else (f"claim numerator {pq[0]} -> {pq[0] - 1}", self.with_claim(pq[0] - 1, pq[1]))

    def rational_den_up(self):
        pq = self.claim()
        return None if pq is None else (f"claim denominator {pq[1]} -> {pq[1] + 1}", self.with_claim(pq[0], pq[1] + 1))

    def rational_den_down(self):
        pq = self.claim()
        return None if pq is None else (f"claim denominator {pq[1]} -> {pq[1] - 1}", self.with_claim(pq[0], pq[1] - 1))

    def hexfloat_up(self):
        return self._hexfloat(math.inf)

    def hexfloat_down(self):
        return self._hexfloat(-math.inf)

    def _hexfloat(self, direction: float):
        """A hex float of the proof, from a group chosen first (so a few margins or a centre are
        as likely as thousands of peel entries)."""
        group = self.pick(sorted(self.hexfloats))
        if group is None:
            return None
        path, text = self.pick(self.hexfloats[group])
        new = math.nextafter(float.fromhex(text), direction).hex()
        return f"{show(path)}: {text} -> {new}", with_value(self.doc, path, new)

    def mask_bit_on(self):
        """Mostly a token k < m not yet in the key set (the dangerous direction), sometimes k >= m."""
        if not self.rows:
            return None
        open_rows = self.mask_rows(lambda mask, m, c: c > 0 and any(not (mask >> k) & 1 for k in range(m)))
        if open_rows and self.rng.random() < 0.75:
            r = self.pick(open_rows)
            mask, m = int(self.cases["keys"][r], 16), int(self.cases["m"][r])
            k = self.pick([k for k in range(m) if not (mask >> k) & 1])
        else:
            r = int(self.rng.integers(self.rows))
            try:
                mask, m = int(self.cases["keys"][r], 16), int(self.cases["m"][r])
            except (TypeError, ValueError):
                return None
            k = self.pick([k for k in range(self.V + 1) if not (mask >> k) & 1])
        new = format(mask | (1 << k), "x")
        return (f"case #{r} (m={m}) key {k} on: {self.cases['keys'][r]} -> {new}",
                with_value(self.doc, ("proof", "cases", "keys", r), new))

    def mask_bit_off(self):
        rows = self.mask_rows(lambda mask, m, c: mask != 0)
        if not rows:
            return None
        r = self.pick(rows)
        mask = int(self.cases["keys"][r], 16)
        k = self.pick([k for k in range(mask.bit_length()) if (mask >> k) & 1])
        new = format(mask & ~(1 << k), "x")
        return (f"case #{r} key {k} off: {self.cases['keys'][r]} -> {new}",
                with_value(self.doc, ("proof", "cases", "keys", r), new))

    # sub-cubic proofs: gaps, hints and choices --------------------------------------------------
    def gap_down(self):
        """Mostly a gap g > 1 lowered to g - 1 (a valid case claiming more inputs), sometimes 1 -> 0."""
        if self.rule != "subcubic" or not self.rows:
            return None
        rows = [r for r in range(self.rows) if self.cases["c"][r] and self.cases["g"][r] > 1]
        if not rows or self.rng.random() < 0.1:
            rows = [r for r in range(self.rows) if self.cases["c"][r]] or rows
        if not rows:
            return None
        r = self.pick(rows)
        g = self.cases["g"][r]
        return f"{self.case_name(r)}: gap {g} -> {g - 1}", self.with_case_value("g", r, g - 1)

    def gap_up(self):
        if self.rule != "subcubic" or not self.rows:
            return None
        rows = [r for r in range(self.rows) if self.cases["c"][r]]
        if not rows:
            return None
        r = self.pick(rows)
        g = self.cases["g"][r]
        return f"{self.case_name(r)}: gap {g} -> {g + 1}", self.with_case_value("g", r, g + 1)

    def _hint_vectors(self) -> list[Path_]:
        """Paths of the proof's hint vectors: peel x and y, the direct path's centre."""
        score = self.proof.get("score") if isinstance(self.proof.get("score"), dict) else {}
        peels = score.get("peels") if isinstance(score.get("peels"), list) else []
        out = [("proof", "score", "peels", k, xy) for k, item in enumerate(peels) if isinstance(item, dict)
               for xy in ("x", "y") if isinstance(item.get(xy), list)]
        direct = self.proof.get("direct")
        if isinstance(direct, dict) and isinstance(direct.get("mean"), list):
            out.append(("proof", "direct", "mean"))
        return out

    def hint_perturbed(self):
        if self.rule != "subcubic":
            return None
        attention = self.proof.get("attention") if isinstance(self.proof.get("attention"), dict) else {}
        options = ["vector"] if self._hint_vectors() else []
        if isinstance(attention.get("breakpoints"), list):
            options.append("breakpoints")
        if isinstance(attention.get("average"), list):
            options.append("average")
        choice = self.pick(options)
        if choice == "vector":
            path = self.pick(self._hint_vectors())
            values = [float.fromhex(v) for v in get(self.doc, path)]
            how = self.pick(["doubled", "scaled by 1 + 2^-20", "negated", "zeroed", "one entry zeroed",
                             "one entry doubled"])
            if how.startswith("one entry"):
                i = int(self.rng.integers(len(values)))
                values[i] = 0.0 if how.endswith("zeroed") else 2 * values[i]
                how = f"entry {i} {how.split()[-1]}"
            else:
                factor = {"doubled": 2.0, "scaled by 1 + 2^-20": 1 + 2**-20, "negated": -1.0, "zeroed": 0.0}[how]
                values = [factor * v for v in values]
            return f"{show(path)} {how}", with_value(self.doc, path, [v.hex() for v in values])
        if choice == "breakpoints":
            rows = attention["breakpoints"]
            m = int(self.rng.integers(len(rows)))
            points = [float.fromhex(v) for v in rows[m]]
            how = self.pick(["added", "removed", "moved", "emptied"] if points else ["added", "added two"])
            if how.startswith("added"):
                for _ in range(2 if how == "added two" else 1):
                    x = float(self.rng.uniform(0.01, 0.99))
                    points = sorted(set(points + [x]))
            elif how == "removed":
                del points[int(self.rng.integers(len(points)))]
            elif how == "moved":  # halfway to its neighbour (or to an end)
                k = int(self.rng.integers(len(points)))
                nxt = points[k + 1] if k + 1 < len(points) else 1.0
                points[k] = (points[k] + nxt) / 2
                points = sorted(set(p for p in points if 0 < p < 1))
            else:
                points = []
            return (f"proof.attention.breakpoints.{m}: a breakpoint {how}",
                    with_value(self.doc, ("proof", "attention", "breakpoints", m), [p.hex() for p in points]))
        if choice == "average":
            table = attention["average"]
            m, c = int(self.rng.integers(len(table))), int(self.rng.integers(len(table[0]) if table else 1))
            new = self.pick([0.0, 1.0, 0.5, float(self.rng.random())])
            return (f"proof.attention.average.{m}.{c}: {table[m][c]} -> {new.hex()}",
                    with_value(self.doc, ("proof", "attention", "average", m, c), new.hex()))
        return None

    def choice_changed(self):
        """Another valid choice where one exists (so the kernel checks the same cases by another
        argument), sometimes one the reader must refuse."""
        if self.rule != "subcubic":
            return None
        rule = subcubic_rule  # the names of the choices
        proof = self.proof
        score = proof.get("score") if isinstance(proof.get("score"), dict) else None
        direct = isinstance(proof.get("direct"), dict)
        options = [o for o, ok in (("residual", score and score.get("residual")), ("factors", score),
                                   ("direct", direct), ("mean", direct), ("nonmax", True),
                                   ("attention", isinstance(proof.get("attention"), dict))) if ok]
        choice = self.pick(options)
        if choice == "residual":
            k = int(self.rng.integers(len(score["residual"])))
            factors = rule.FACTORS.get(score.get("factors"), 2)
            old = score["residual"][k]
            method = self.pick([m for m in rule.RESIDUAL_METHODS if m != old.get("method")])
            split = int(self.rng.integers(1, max(2, factors))) if rule.RESIDUAL_METHODS[method][0] else 0
            variant = self.pick(["replaced", "added"] + (["removed"] if len(score["residual"]) > 1 else []))
            residual = list(score["residual"])
            if variant == "removed":
                del residual[k]
                what = f"residual bound #{k} ({old.get('method')}) removed"
            elif variant == "added":
                residual.append({"method": method, "split": split})
                what = f"residual bound {method} (split {split}) added"
            else:
                residual[k] = {"method": method, "split": split}
                what = f"residual bound #{k} {old.get('method')} -> {method} (split {split})"
            return f"proof.score: {what}", with_value(self.doc, ("proof", "score", "residual"), residual)
        if choice == "factors":
            new = self.pick([f for f in rule.FACTORS if f != score.get("factors")])
            if new == "exact":  # a valid exact score: no peels, no residual bound
                doc = with_value(self.doc, ("proof", "score"), {"factors": "exact", "peels": [], "residual": []})
                return f"proof.score.factors {score.get('factors')!r} -> 'exact' (no peels, no residual bound)", doc
            if score.get("factors") == "exact":  # no peels, the residual is the whole score
                residual = [{"method": self.pick(["max_diff", "gram", "exact"]), "split": 0}]
                residual[0]["split"] = 1 if rule.RESIDUAL_METHODS[residual[0]["method"]][0] else 0
                doc = with_value(self.doc, ("proof", "score"), {"factors": new, "peels": [], "residual": residual})
                return f"proof.score.factors 'exact' -> {new!r} with residual {residual[0]['method']}", doc
            return (f"proof.score.factors {score.get('factors')!r} -> {new!r} (the peels' shapes no longer fit)",
                    with_value(self.doc, ("proof", "score", "factors"), new))
        if choice == "direct":
            old = proof["direct"].get("bound")
            new = self.pick([b for b in rule.DIRECT_BOUNDS if b != old])
            return f"proof.direct.bound {old!r} -> {new!r}", with_value(self.doc, ("proof", "direct", "bound"), new)
        if choice == "mean":
            if proof["direct"].get("mean") is None:
                d_model = self.doc["model"]["config"]["d_model"]
                return ("proof.direct.mean null -> zeros",
                        with_value(self.doc, ("proof", "direct", "mean"), [0.0.hex()] * int(d_model)))
            return "proof.direct.mean -> null", with_value(self.doc, ("proof", "direct", "mean"), None)
        if choice == "nonmax":
            old = proof.get("nonmax")
            new = self.pick([x for x in rule.NONMAX if x != old] + ["both"])
            return f"proof.nonmax {old!r} -> {new!r}", with_value(self.doc, ("proof", "nonmax"), new)
        old = proof["attention"].get("bound")
        new = self.pick([a for a in rule.ATTENTION if a != old])
        d = self.V
        width = self.n + 1
        value: dict = {"bound": new}
        if new == "envelope":
            value["breakpoints"] = self.pick([[[] for _ in range(d)], [[0.5.hex()] for _ in range(d)]])
        elif new == "mean+diff":
            level = self.pick([0.0, 0.5, 1.0])
            value["average"] = [[level.hex()] * width for _ in range(d)]
        return (f"proof.attention {old!r} -> {new!r}" + (f" ({', '.join(k for k in value if k != 'bound')} made up)"
                                                        if len(value) > 1 else ""),
                with_value(self.doc, ("proof", "attention"), value))

    # structure ---------------------------------------------------------------------------------
    def swap_indices(self):
        options = []
        if self.rows:
            options += ["q_m", "column"] if self.rows >= 2 else ["q_m"]
        config = self.doc.get("model", {}).get("config", {}) if isinstance(self.doc.get("model"), dict) else {}
        int_fields = [k for k, v in config.items() if type(v) is int] if isinstance(config, dict) else []
        if len({config[k] for k in int_fields}) >= 2:
            options.append("config")
        if self.claim() is not None:
            options.append("claim")
        if isinstance(self.doc.get("task"), dict) and self.doc["task"].get("k") != self.doc["task"].get("d_vocab"):
            options.append("task")
        choice = self.pick(options)
        if choice == "q_m":
            rows = [r for r in range(self.rows) if self.cases["q"][r] != self.cases["m"][r]] or list(range(self.rows))
            r = self.pick(rows)
            q, m = self.cases["q"][r], self.cases["m"][r]
            doc = with_value(with_value(self.doc, ("proof", "cases", "q", r), m), ("proof", "cases", "m", r), q)
            return f"case #{r}: q and m swapped ({q}, {m}) -> ({m}, {q})", doc
        if choice == "column":
            column = self.pick(list(self.columns))
            values = self.cases[column]
            for _ in range(20):
                r, s = (int(x) for x in self.rng.choice(self.rows, size=2, replace=False))
                if values[r] != values[s]:
                    break
            col = list(values)
            col[r], col[s] = col[s], col[r]
            return (f"proof.cases.{column}: entries #{r} and #{s} swapped",
                    with_value(self.doc, ("proof", "cases", column), col))
        if choice == "config":
            for _ in range(20):
                a, b = (str(x) for x in self.rng.choice(int_fields, size=2, replace=False))
                if config[a] != config[b]:
                    break
            doc = with_value(with_value(self.doc, ("model", "config", a), config[b]), ("model", "config", b), config[a])
            return f"model.config: {a} and {b} swapped", doc
        if choice == "claim":
            p, q = self.claim()
            return f"claim {p}/{q} -> {q}/{p}", with_value(self.doc, ("claim", "accuracy_at_least"), f"{q}/{p}")
        if choice == "task":
            task = self.doc["task"]
            doc = with_value(with_value(self.doc, ("task", "k"), task["d_vocab"]), ("task", "d_vocab"), task["k"])
            return "task: k and d_vocab swapped", doc
        return None

    def inflate_count(self):
        options = []
        if self.claim() is not None:
            options += ["claim_step", "claim_one"]
        if self.rows:
            options += ["c_up", "keys_fill" if self.rule == "cubic" else "gap_one", "huge_index"]
        choice = self.pick(options)
        if choice == "claim_step":
            p, q = self.claim()
            new = min(q, p + max(1, q // 100))
            return f"claim {p}/{q} -> {new}/{q}", self.with_claim(new, q)
        if choice == "claim_one":
            return "claim -> 1/1", with_value(self.doc, ("claim", "accuracy_at_least"), "1/1")
        if choice == "c_up":
            r = int(self.rng.integers(self.rows))
            c = self.cases["c"][r]
            doc = with_value(self.doc, ("proof", "cases", "c", r), c + 1)
            if self.rule == "cubic" and c == 0 and self.cases["keys"][r] == "0" and self.cases["m"][r] > 0:
                doc = with_value(doc, ("proof", "cases", "keys", r), "1")  # give the new non-max slot a token
            if self.rule == "subcubic" and c == 0 and self.cases["m"][r] > 0:
                doc = with_value(doc, ("proof", "cases", "g", r), 1)  # the new non-max slot at gap 1
            return f"case #{r}: c {c} -> {c + 1}", doc
        if choice == "gap_one":
            rows = [r for r in range(self.rows) if self.cases["c"][r] and self.cases["g"][r] > 1]
            rows = rows or list(range(self.rows))
            r = self.pick(rows)
            return f"case #{r} (m={self.cases['m'][r]}): gap {self.cases['g'][r]} -> 1", self.with_case_value("g", r, 1)
        if choice == "keys_fill":
            rows = self.mask_rows(lambda mask, m, c: c > 0 and mask != (1 << m) - 1) or list(range(self.rows))
            r = self.pick(rows)
            m = self.cases["m"][r]
            new = format((1 << max(1, int(m))) - 1, "x")
            return f"case #{r} (m={m}): key set filled {self.cases['keys'][r]} -> {new}", \
                with_value(self.doc, ("proof", "cases", "keys", r), new)
        if choice == "huge_index":
            r = int(self.rng.integers(self.rows))
            column = self.pick(["q", "m", "c"] + (["g"] if self.rule == "subcubic" else []))
            value = self.pick([2**63, 2**64 + 1, self.V, -1])
            return f"case #{r}: {column} -> {value}", with_value(self.doc, ("proof", "cases", column, r), value)
        return None

    def duplicate_case(self):
        if not self.rows:
            return None
        r = int(self.rng.integers(self.rows))
        at = int(self.rng.integers(self.rows + 1))
        variant = self.pick(["same", "other_margin" if self.rule == "cubic" else "other_gap"])
        doc = self.doc
        for c in self.columns:
            value = self.cases[c][r]
            if c == "margin" and variant == "other_margin":
                value = "0x0.0p+0"
            if c == "g" and variant == "other_gap" and self.cases["c"][r]:  # the copy covers more or fewer inputs
                value = max(1, value + self.pick([-1, 1]))
            col = list(self.cases[c])
            col.insert(at, value)
            doc = with_value(doc, ("proof", "cases", c), col)
        return (f"case #{r} duplicated at #{at}" + {"same": "", "other_margin": " with margin 0",
                                                    "other_gap": " with another gap"}[variant]), doc

    def drop_case(self):
        if not self.rows:
            return None
        r = int(self.rng.integers(self.rows))
        if self.rng.random() < 0.25:
            column = self.pick(list(self.columns))
            col = list(self.cases[column])
            del col[r]
            return f"case #{r} dropped from column {column} only", with_value(self.doc, ("proof", "cases", column), col)
        doc = self.doc
        for c in self.columns:
            col = list(self.cases[c])
            del col[r]
            doc = with_value(doc, ("proof", "cases", c), col)
        return f"case #{r} dropped", doc

    # identity ----------------------------------------------------------------------------------
    def digest_altered(self):
        digest = self.doc.get("model", {}).get("digest") if isinstance(self.doc.get("model"), dict) else None
        if not isinstance(digest, str):
            return None
        variant = self.pick(["flip", "flip", "upper", "truncate", "prefix"])
        if variant == "flip" and len(digest) > 7:
            i = 7 + int(self.rng.integers(len(digest) - 7))
            new_char = self.pick([h for h in "0123456789abcdef" if h != digest[i]])
            new = digest[:i] + new_char + digest[i + 1:]
            what = f"hex digit #{i - 7} {digest[i]} -> {new_char}"
        elif variant == "upper":
            new, what = digest.upper(), "upper-cased"
        elif variant == "truncate":
            new, what = digest[:-1], "last digit dropped"
        else:
            new, what = "sha512:" + digest.partition(":")[2], "algorithm prefix changed"
        return f"model.digest {what}", with_value(self.doc, ("model", "digest"), new)

    def rule_changed(self):
        rule = self.doc.get("proof", {}).get("rule") if isinstance(self.doc.get("proof"), dict) else None
        if not isinstance(rule, str):
            return None
        names = [r for r in ("brute_force", "cubic", "subcubic", "Cubic", "brute-force", "trivial", "") if r != rule]
        new = self.pick(names)
        doc = with_value(self.doc, ("proof", "rule"), new)
        if new == "cubic" and not self.rows and self.rng.random() < 0.5:  # a well-formed empty cubic proof
            doc = with_key(doc, ("proof",), "cases", {c: [] for c in CASE_COLUMNS})
            return f"proof rule {rule!r} -> 'cubic' with an empty case list", doc
        return f"proof rule {rule!r} -> {new!r}", doc

    def version_bumped(self):
        version = self.doc.get("version")
        try:
            major, minor = (int(x) for x in str(version).split("."))
        except ValueError:
            return None
        new = self.pick([f"{major}.{minor + 1}", f"{major + 1}.0", f"{major - 1}.{minor}", f"{major}.{minor}.0",
                         f"{major}.{minor + 10}"])
        return f"version {version} -> {new}", with_value(self.doc, ("version",), new)

    def field_removed(self):
        objects = [p for p in self.objects if get(self.doc, p)]
        path = self.pick(objects)
        if path is None:
            return None
        key = self.pick(list(get(self.doc, path)))
        return f"field {show(path + (key,))} removed", without_key(self.doc, path, key)

    def field_added(self):
        path = self.pick(self.objects)
        if path is None:
            return None
        key, value = self.pick([("extra", 0), ("accuracy_at_most", "1/1"), ("comment", "x"), ("bound", {}),
                                ("weights_sha256", None)])
        return f"field {show(path + (key,))} added", with_key(self.doc, path, key, value)

    def string_changed(self):
        site = self.pick(self.strings)
        if site is None:
            return None
        path, v = site
        new = self.pick([v + "x", v.upper() if v.upper() != v else v + "X", "", " " + v])
        return f"{show(path)}: {v[:40]!r} -> {new[:40]!r}", with_value(self.doc, path, new)

    def type_changed(self):
        site = self.pick_region(self.leaves)
        if site is None:
            return None
        path, v = site
        if type(v) is bool:
            new = int(v)
        elif type(v) is int:
            new = self.pick([float(v), str(v), True if v == 1 else [v]])
        elif type(v) is float:
            new = self.pick([str(v), v.hex(), int(v)])
        elif isinstance(v, str):
            try:
                number = float(Fraction(v)) if "/" in v or v.isdigit() else float.fromhex(v)
            except (ValueError, ZeroDivisionError, OverflowError):
                number = len(v)
            new = self.pick([number, None, [v]])
        else:  # None
            new = self.pick([0, "null", False])
        return f"{show(path)}: {v!r:.40} -> {new!r:.40}", with_value(self.doc, path, new)

    def raw_text(self):
        text = encode(self.doc)
        variant = self.pick(["duplicate_key", "truncate", "nan", "bom", "bad_utf8", "trailing"])
        if variant == "duplicate_key":
            key = self.pick(list(self.doc)) if self.doc else "format"
            dup = json.dumps(key).encode() + b":" + encode(self.doc.get(key)) + b","
            return f"top-level key {key!r} duplicated in the text", b"{" + dup + text[1:]
        if variant == "truncate":
            cut = int(self.rng.integers(1, len(text)))
            return f"text truncated at byte {cut} of {len(text)}", text[:cut]
        if variant == "nan":
            site = self.pick_region([x for x in self.leaves if not isinstance(x[1], bool)
                                     and isinstance(x[1], (int, float, str))])
            if site is None:
                return None
            return f"{show(site[0])} -> NaN", json.dumps(with_value(self.doc, site[0], math.nan),
                                                         separators=(",", ":")).encode()
        if variant == "bom":
            return "UTF-8 byte-order mark prepended", b"\xef\xbb\xbf" + text
        if variant == "bad_utf8":
            i = int(self.rng.integers(len(text)))
            return f"invalid UTF-8 byte inserted at {i}", text[:i] + b"\xff" + text[i:]
        return "trailing text after the document", text + b"{}"

    def make(self, kind: str) -> Mutant | None:
        try:
            made = getattr(self, kind)()
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):  # an oddly shaped document
            made = None
        if made is None:
            return None
        description, doc = made
        return Mutant(kind, description, doc)


def generate(doc: dict, n: int, seed: int = 0, kinds: tuple[str, ...] | None = None) -> list[Mutant]:
    """``n`` distinct mutants, round-robin over the applicable kinds (so every kind appears once
    ``n`` >= the number of kinds), each at a seeded random place."""
    gen = Generator(doc, np.random.default_rng(seed))
    rotation = [k for k in (kinds or tuple(KINDS))]
    seen, out = set(), []  # (kind, description): a description names the place and the change
    step = 0
    while len(out) < n and rotation:
        kind = rotation[step % len(rotation)]
        mutant = None
        for _ in range(8):  # retry a few times for a mutant not seen yet
            candidate = gen.make(kind)
            if candidate is None:
                break
            if (candidate.kind, candidate.description) not in seen:
                mutant = candidate
                break
        if mutant is None:
            if candidate is None:  # not applicable to this certificate
                rotation.remove(kind)
                continue
            step += 1
            if step > 50 * n + 100:
                break
            continue
        seen.add((mutant.kind, mutant.description))
        out.append(mutant)
        step += 1
    return out


# ---------------------------------------------------------------------------------------------
# Running the kernel on the mutants.

_WORK: dict = {}

CROSS_CASES = 2  # cases of a verified sub-cubic mutant whose proof changed, tried on concrete inputs
CROSS_CASES_HIGHER = 8  # changed cases tried when the mutant verified with a higher bound
CROSS_PICKS = ("hardest", "attention_low", "attention_high")


def cross_check(checker: differential.GapChecker, base_cases: set, proof: dict, bound: Fraction, higher: bool,
                rng: np.random.Generator) -> dict:
    """What the kernel accepted in a verified sub-cubic mutant, checked without trusting it:
    its cases are distinct by (q, m, c) and cover exactly the proved count; the kernel's own bound
    proves every case; the step check (``GapChecker.step_check``) holds on every case; and on a
    few cases (the changed ones first: all of them, up to ``CROSS_CASES_HIGHER``, when the bound
    is higher) the hardest and the attention-extreme inputs are correct in mpmath, within the
    kernel's case bound and inside its attention interval. ``problems`` lists what failed."""
    problems: list[str] = []
    config = checker.model.config
    try:
        cfg = subcubic_rule.read_proof(proof, config, "mutant")
    except CheckError as exc:
        return {"problems": [f"the verified mutant's proof cannot be read again: {exc}"], "inputs": 0}
    cases = list(zip(*(x.tolist() for x in (cfg.q, cfg.m, cfg.c, cfg.g))))
    n, total = checker.n, config.d_vocab ** config.n_ctx
    covered = sum(math.comb(n, c) * (m - g + 1) ** c for _, m, c, g in cases)
    if len({t[:3] for t in cases}) != len(cases):
        problems.append("a case (q, m, c) is listed twice, yet the mutant verified")
    if Fraction(covered, total) != bound:
        problems.append(f"the kernel proved {_fraction(bound)} but the cases cover {covered}/{total}")
    worst, a_lo, a_hi = checker.claims(cfg)
    if not (worst < 0).all():
        problems.append(f"{int((~(worst < 0)).sum())} listed case(s) are not below 0 by the kernel's own bound")
    step = checker.step_check(cfg, worst, a_lo, a_hi)
    for v in step["violations"][:3]:
        problems.append(f"step check: case {v['case']}: bound {v['bound']!r} below the exact maximum of its lines "
                        f"{v['exact']!r}")
    changed = [r for r, t in enumerate(cases) if t not in base_cases]
    if higher:
        rows = changed[:CROSS_CASES_HIGHER]
    else:
        rest = [r for r in rng.permutation(len(cases)).tolist() if r not in changed[:1]]
        rows = (changed[:1] + rest)[:CROSS_CASES]
    inputs = []
    for r in rows:
        for pick, tokens in checker.picks(rng, cases[r], CROSS_PICKS):
            inputs.append(checker.evaluate(tokens, cases[r], worst[r], a_lo[r], a_hi[r], pick))
    for row in inputs:
        if row["outcome"] == "disagree":
            problems.append(f"case {row['case']} input {row['input']}: proved, but mpmath finds margin "
                            f"{row['margin']!r}")
        if not row["bound_ok"]:
            problems.append(f"case {row['case']} input {row['input']}: the kernel's bound {row['bound']!r} is below "
                            f"the true {-row['margin']!r}")
        if not row["attention_ok"]:
            problems.append(f"case {row['case']} input {row['input']}: attention {row['attention']!r} (1 - A = "
                            f"{row['attention_rest']:.6g}) outside the kernel's {row['attention_bounds']}")
    return {"changed_cases": len(changed), "cases_tried": len(rows), "inputs": len(inputs),
            "step_cases": step["cases"], "problems": problems[:10]}


def _check_one(index: int) -> tuple[int, str, Fraction | None, str, float, str | None, dict | None]:
    """Check mutant ``index`` of ``_WORK['mutants']`` (a global, so forked workers need no pickling);
    a verified sub-cubic mutant whose proof changed is also cross-checked (``cross_check``)."""
    mutant = _WORK["mutants"][index]
    path = Path(_WORK["dir"]) / f"mutant-{os.getpid()}-{index}.json"
    path.write_bytes(mutant.data)
    try:
        result = check(path, jobs=1)
    finally:
        path.unlink(missing_ok=True)
    cross = None
    checker = _WORK.get("checker")
    if (checker is not None and result.verdict == VERIFIED and isinstance(mutant.payload, dict)
            and isinstance(mutant.payload.get("proof"), dict) and mutant.payload["proof"] != _WORK["base_proof"]):
        cross = cross_check(checker, _WORK["base_cases"], mutant.payload["proof"], result.bound,
                            result.bound > _WORK["baseline"], np.random.default_rng([_WORK["seed"], index]))
    return index, result.verdict, result.bound, result.reason.replace(str(path), "<mutant>"), result.seconds, \
        result.model_digest, cross


def _run(mutants: list[Mutant], workdir: str, jobs: int, progress: Callable[[int, int], None] | None):
    _WORK["dir"], _WORK["mutants"] = workdir, mutants
    items = list(range(len(mutants)))
    if jobs <= 1 or len(items) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        results = map(_check_one, items)
        pool = None
    else:
        pool = multiprocessing.get_context("fork").Pool(min(jobs, len(items)))
        results = pool.imap_unordered(_check_one, items)
    out = []
    try:
        for done, row in enumerate(results, 1):
            out.append(row)
            if progress:
                progress(done, len(items))
    finally:
        if pool is not None:
            pool.terminate()
    return sorted(out, key=lambda row: row[0])


def rebase(doc: dict, weights: Path) -> dict:
    """The document with its weight path made absolute (so it can be checked from anywhere)."""
    return with_value(doc, ("model", "weights"), str(Path(weights).resolve()))


def _fraction(x: Fraction | None) -> str | None:
    return None if x is None else f"{x.numerator}/{x.denominator}"


TALLY = ("total", "rejected", "error", "verified_same", "verified_lower", "verified_higher",
         "verified_higher_checked", "alarms")
NOTES = {
    "brute_force": "brute-force certificate: only the envelope is mutated (claim, digest, version, rule, fields), "
                   "and few mutants by default, since every check enumerates all inputs",
    "cubic": "cubic certificate: envelope and case list mutated",
    "subcubic": "sub-cubic certificate: envelope, cases (gaps lowered and raised, c raised, cases duplicated, "
                "dropped, swapped), hints (one-ulp nudges, perturbed vectors, breakpoints and averages) and "
                "configuration choices mutated; every verified mutant whose proof changed is cross-checked "
                "(its coverage, the step check on every case, mpmath on the hardest inputs of a few cases)",
}


def _empty_tally() -> dict:
    return {key: 0 for key in TALLY}


def audit_mutations(doc: dict, weights: Path, n: int | None = None, seed: int = 0, jobs: int = 1,
                    progress: Callable[[int, int], None] | None = None) -> dict:
    """Check ``n`` mutants of the certificate document ``doc`` (its weights at ``weights``)."""
    start = time.perf_counter()
    rule = doc.get("proof", {}).get("rule") if isinstance(doc.get("proof"), dict) else None
    envelope_only = rule not in PROOF_KINDS_BY_RULE
    base = rebase(doc, weights)
    kinds = KINDS_BY_RULE.get(rule, ENVELOPE_KINDS)
    _WORK.clear()
    with tempfile.TemporaryDirectory(prefix="compact-proofs-audit-") as workdir:
        _WORK["dir"], _WORK["mutants"] = workdir, [Mutant("baseline", "", base)]
        _, verdict, baseline, reason, baseline_seconds, digest, _ = _check_one(0)
        if verdict != VERIFIED:
            return {"skipped": f"the certificate with an absolute weight path does not verify ({verdict}: {reason})",
                    "baseline_verdict": verdict}
        if rule == "subcubic":
            _WORK["checker"] = differential.GapChecker(load_model(weights))
            _WORK["base_proof"], _WORK["baseline"], _WORK["seed"] = base["proof"], baseline, seed
            cases = base["proof"]["cases"]
            _WORK["base_cases"] = set(zip(cases["q"], cases["m"], cases["c"], cases["g"]))
        sizing = "as requested"
        if n is None:
            n = DEFAULT_MUTANTS.get(rule, FALLBACK_MUTANTS)
            sizing = "default"
            affordable = int(TIME_BUDGET * max(1, jobs) / max(baseline_seconds, 1e-3))
            if not envelope_only and affordable < n:
                n = max(len(kinds), affordable)
                sizing = (f"default reduced from {DEFAULT_MUTANTS[rule]}: one check takes {baseline_seconds:.1f} s, "
                          f"budget ~{TIME_BUDGET:.0f} s x {max(1, jobs)} jobs (pass --mutants to choose)")
        mutants = generate(base, n, seed=seed, kinds=kinds)
        try:
            rows = _run(mutants, workdir, jobs, progress)
        finally:
            _WORK.clear()
    outcomes, alarms = [], []
    by_kind = {k: _empty_tally() for k in kinds}
    for (index, verdict, bound, reason, seconds, mdigest, cross), mutant in zip(rows, mutants):
        relation = alarm = None
        tally = by_kind.setdefault(mutant.kind, _empty_tally())
        tally["total"] += 1
        if verdict != VERIFIED:
            tally[verdict] += 1
        else:
            relation = "higher" if bound > baseline else "same" if bound == baseline else "lower"
            if mdigest != digest:
                alarm = f"verified a claim about another model digest {mdigest}"
            elif cross is not None and cross["problems"]:
                alarm = "verified, but the cross-check of what it proves failed: " + "; ".join(cross["problems"][:3])
            elif relation == "higher" and cross is None:
                alarm = f"verified with a higher bound {_fraction(bound)} > {_fraction(baseline)}"
            # a higher bound that the cross-check could not fault: the certificate was not maximal
            checked = relation == "higher" and alarm is None
            tally["verified_higher_checked" if checked else f"verified_{relation}"] += 1
            tally["alarms"] += alarm is not None
        outcome = Outcome(index, mutant.kind, mutant.description, verdict, _fraction(bound), reason[:300],
                          round(seconds, 3), relation, alarm, cross)
        outcomes.append(outcome)
        if alarm:
            alarms.append(asdict(outcome))
    totals = {key: sum(t[key] for t in by_kind.values()) for key in TALLY}
    crossed = [o.cross_check for o in outcomes if o.cross_check is not None]
    return {
        "requested": n, "sizing": sizing, "mutants": len(mutants), "seed": seed, "envelope_only": envelope_only,
        "rule": rule, "note": NOTES.get(rule, NOTES["brute_force"] if envelope_only else ""),
        "baseline_bound": _fraction(baseline),
        "by_kind": {k: v for k, v in by_kind.items() if v["total"]},
        "uncovered_kinds": [k for k in kinds if by_kind[k]["total"] == 0],
        "not_applicable": [k for k in KINDS if k not in kinds],
        "totals": totals,
        "cross_checks": {"mutants": len(crossed), "inputs": sum(c["inputs"] for c in crossed),
                         "step_cases": sum(c.get("step_cases", 0) for c in crossed)},
        "alarms": alarms,
        "verified": [asdict(o) for o in outcomes if o.verdict == VERIFIED],
        "outcomes": [asdict(o) for o in outcomes],
        "seconds": round(time.perf_counter() - start, 2),
    }


def render_mutation(record: dict) -> str:
    if record.get("skipped"):
        return f"mutation audit: skipped ({record['skipped']})\n"
    t = record["totals"]
    checked = t.get("verified_higher_checked", 0)
    lines = [f"mutation audit: {record['mutants']} mutants (seed {record['seed']}, {record['seconds']:.1f} s); "
             f"{t['rejected']} rejected, {t['error']} unusable, {t['verified_same']} verified with the same bound, "
             f"{t['verified_lower']} with a lower bound, {t['verified_higher']} with a HIGHER bound"
             + (f", {checked} with a higher bound cross-checked (not alarms)" if checked else "")
             + f"; {len(record['alarms'])} alarm(s)",
             f"  {record['note']}; number of mutants: {record['sizing']}"]
    cross = record.get("cross_checks", {})
    if cross.get("mutants"):
        lines.append(f"  cross-checked {cross['mutants']} verified mutants whose proof changed: step check on "
                     f"{cross['step_cases']} cases, {cross['inputs']} inputs in mpmath")
    lines.append(f"  {'kind':<18s} {'total':>5s} {'rejected':>8s} {'error':>5s} {'same':>5s} {'lower':>5s} "
                 f"{'HIGHER':>6s} {'higher, checked':>15s} {'ALARMS':>6s}")
    for kind, v in record["by_kind"].items():
        lines.append(f"  {kind:<18s} {v['total']:>5d} {v['rejected']:>8d} {v['error']:>5d} {v['verified_same']:>5d} "
                     f"{v['verified_lower']:>5d} {v['verified_higher']:>6d} {v.get('verified_higher_checked', 0):>15d} "
                     f"{v.get('alarms', 0):>6d}")
    if record["uncovered_kinds"]:
        lines.append(f"  kinds not exercised (too few mutants or no site): {', '.join(record['uncovered_kinds'])}")
    if record["not_applicable"]:
        lines.append(f"  kinds not applicable: {', '.join(record['not_applicable'])}")
    verified = [o for o in record["verified"] if not o["alarm"]]
    higher = [o for o in verified if o["relation"] == "higher"]
    if higher:
        lines.append("  verified with a higher bound, cross-checked without a fault (the certificate was not maximal: "
                     "its producer did not claim all it could):")
        for o in higher[:12]:
            c = o["cross_check"]
            lines.append(f"    #{o['index']} {o['kind']}: {o['description']} -> {o['bound']}; {c['changed_cases']} "
                         f"changed case(s), {c['cases_tried']} tried on {c['inputs']} inputs in mpmath")
    fine = [o for o in verified if o["relation"] != "higher"]
    if fine:
        lines.append("  verified mutants (fine: same or lower bound):")
        for o in fine[:12]:
            lines.append(f"    #{o['index']} {o['kind']}: {o['description']} -> {o['relation']} bound")
        if len(fine) > 12:
            lines.append(f"    ... and {len(fine) - 12} more")
    for a in record["alarms"]:
        lines.append(f"  SOUNDNESS ALARM #{a['index']} {a['kind']}: {a['description']}: {a['alarm']}")
    return "\n".join(lines) + "\n"
