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

Proof kinds need a cubic proof's case list; a brute-force proof has none, so a brute-force
certificate gets only envelope mutants, and fewer of them by default (each brute-force check
enumerates every input, ~5-10 s at K = 4). The default for a cubic certificate is 200 mutants,
reduced when one check is slow (K >= 10) to about ``TIME_BUDGET`` seconds of kernel time per
job, never below one mutant per kind. Mutants are written to a temporary directory with the
weight path made absolute, so nothing is written next to the certificate.

A caveat on the alarm: a higher verified bound proves a kernel bug only if the original
certificate was maximal (its producer claimed every case the kernel's bound allows, as
``strategies.cubic`` does). Otherwise it may be a legitimately stronger proof; either way the
audit fails and lists the mutant, to be looked at.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import numpy as np

from compact_proofs.checker.kernel import check
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
    "hexfloat_up": "a hex-float margin to the next float up",
    "hexfloat_down": "a hex-float margin to the next float down",
    "mask_bit_on": "one bit of a hex key mask turned on",
    "mask_bit_off": "one bit of a hex key mask turned off",
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
PROOF_KINDS = ("hexfloat_up", "hexfloat_down", "mask_bit_on", "mask_bit_off", "duplicate_case", "drop_case")
ENVELOPE_KINDS = tuple(k for k in KINDS if k not in PROOF_KINDS)
DEFAULT_MUTANTS = {"cubic": 200, "brute_force": 18}  # 18: each envelope kind once
FALLBACK_MUTANTS = 24
TIME_BUDGET = 120.0  # seconds of kernel time per job that the default number of cubic mutants aims at
CASE_COLUMNS = ("q", "m", "c", "margin", "keys")


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
        special = {("claim", "accuracy_at_least"), ("model", "digest"), ("version",), ("proof", "rule")}
        self.strings = [(p, v) for p, v in self.leaves if isinstance(v, str) and p not in special
                        and p[:3] not in (("proof", "cases", "margin"), ("proof", "cases", "keys"))]
        cases = doc.get("proof", {}).get("cases") if isinstance(doc.get("proof"), dict) else None
        self.cases = cases if isinstance(cases, dict) and all(
            isinstance(cases.get(c), list) for c in CASE_COLUMNS) else None
        self.rows = len(self.cases["q"]) if self.cases else 0
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
        return {c: self.cases[c][r] for c in CASE_COLUMNS}

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
        if not self.rows:
            return None
        r = int(self.rng.integers(self.rows))
        text = self.cases["margin"][r]
        try:
            new = math.nextafter(float.fromhex(text), direction).hex()
        except (TypeError, ValueError):
            return None
        return f"case #{r} margin {text} -> {new}", with_value(self.doc, ("proof", "cases", "margin", r), new)

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
            column = self.pick(list(CASE_COLUMNS))
            values = self.cases[column]
            for _ in range(20):
                r, s = (int(x) for x in self.rng.choice(self.rows, size=2, replace=False))
                if values[r] != values[s]:
                    break
            col = list(values)
            col[r], col[s] = col[s], col[r]
            return f"proof.cases.{column}: entries #{r} and #{s} swapped", with_value(self.doc, ("proof", "cases", column), col)
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
            options += ["c_up", "keys_fill", "huge_index"]
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
            mask = self.cases["keys"][r]
            doc = with_value(self.doc, ("proof", "cases", "c", r), c + 1)
            if c == 0 and mask == "0" and self.cases["m"][r] > 0:  # give the new non-max slot a token
                doc = with_value(doc, ("proof", "cases", "keys", r), "1")
            return f"case #{r}: c {c} -> {c + 1}", doc
        if choice == "keys_fill":
            rows = self.mask_rows(lambda mask, m, c: c > 0 and mask != (1 << m) - 1) or list(range(self.rows))
            r = self.pick(rows)
            m = self.cases["m"][r]
            new = format((1 << max(1, int(m))) - 1, "x")
            return f"case #{r} (m={m}): key set filled {self.cases['keys'][r]} -> {new}", \
                with_value(self.doc, ("proof", "cases", "keys", r), new)
        if choice == "huge_index":
            r = int(self.rng.integers(self.rows))
            column = self.pick(["q", "m", "c"])
            value = self.pick([2**63, 2**64 + 1, self.V, -1])
            return f"case #{r}: {column} -> {value}", with_value(self.doc, ("proof", "cases", column, r), value)
        return None

    def duplicate_case(self):
        if not self.rows:
            return None
        r = int(self.rng.integers(self.rows))
        at = int(self.rng.integers(self.rows + 1))
        variant = self.pick(["same", "other_margin"])
        doc = self.doc
        for c in CASE_COLUMNS:
            value = self.cases[c][r]
            if c == "margin" and variant == "other_margin":
                value = "0x0.0p+0"
            col = list(self.cases[c])
            col.insert(at, value)
            doc = with_value(doc, ("proof", "cases", c), col)
        return f"case #{r} duplicated at #{at}" + (" with margin 0" if variant == "other_margin" else ""), doc

    def drop_case(self):
        if not self.rows:
            return None
        r = int(self.rng.integers(self.rows))
        if self.rng.random() < 0.25:
            column = self.pick(list(CASE_COLUMNS))
            col = list(self.cases[column])
            del col[r]
            return f"case #{r} dropped from column {column} only", with_value(self.doc, ("proof", "cases", column), col)
        doc = self.doc
        for c in CASE_COLUMNS:
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
        names = [r for r in ("brute_force", "cubic", "Cubic", "brute-force", "trivial", "") if r != rule]
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


def _check_one(index: int) -> tuple[int, str, Fraction | None, str, float, str | None]:
    """Check mutant ``index`` of ``_WORK['mutants']`` (a global, so forked workers need no pickling)."""
    mutant = _WORK["mutants"][index]
    path = Path(_WORK["dir"]) / f"mutant-{os.getpid()}-{index}.json"
    path.write_bytes(mutant.data)
    try:
        result = check(path, jobs=1)
    finally:
        path.unlink(missing_ok=True)
    return index, result.verdict, result.bound, result.reason.replace(str(path), "<mutant>"), result.seconds, \
        result.model_digest


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


def audit_mutations(doc: dict, weights: Path, n: int | None = None, seed: int = 0, jobs: int = 1,
                    progress: Callable[[int, int], None] | None = None) -> dict:
    """Check ``n`` mutants of the certificate document ``doc`` (its weights at ``weights``)."""
    start = time.perf_counter()
    rule = doc.get("proof", {}).get("rule") if isinstance(doc.get("proof"), dict) else None
    envelope_only = rule != "cubic"
    base = rebase(doc, weights)
    kinds = ENVELOPE_KINDS if envelope_only else tuple(KINDS)
    with tempfile.TemporaryDirectory(prefix="compact-proofs-audit-") as workdir:
        _WORK["dir"], _WORK["mutants"] = workdir, [Mutant("baseline", "", base)]
        _, verdict, baseline, reason, baseline_seconds, digest = _check_one(0)
        if verdict != VERIFIED:
            return {"skipped": f"the certificate with an absolute weight path does not verify ({verdict}: {reason})",
                    "baseline_verdict": verdict}
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
        rows = _run(mutants, workdir, jobs, progress)
    outcomes, alarms = [], []
    by_kind = {k: {"total": 0, "rejected": 0, "error": 0, "verified_same": 0, "verified_lower": 0,
                   "verified_higher": 0} for k in kinds}
    for (index, verdict, bound, reason, seconds, mdigest), mutant in zip(rows, mutants):
        relation = alarm = None
        if verdict == VERIFIED:
            relation = "higher" if bound > baseline else "same" if bound == baseline else "lower"
            if relation == "higher":
                alarm = f"verified with a higher bound {_fraction(bound)} > {_fraction(baseline)}"
            elif mdigest != digest:
                alarm = f"verified a claim about another model digest {mdigest}"
        tally = by_kind.setdefault(mutant.kind, {"total": 0, "rejected": 0, "error": 0, "verified_same": 0,
                                                 "verified_lower": 0, "verified_higher": 0})
        tally["total"] += 1
        tally[f"verified_{relation}" if relation else verdict] += 1
        outcome = Outcome(index, mutant.kind, mutant.description, verdict, _fraction(bound), reason[:300],
                          round(seconds, 3), relation, alarm)
        outcomes.append(outcome)
        if alarm:
            alarms.append(asdict(outcome))
    totals = {key: sum(t[key] for t in by_kind.values()) for key in
              ("total", "rejected", "error", "verified_same", "verified_lower", "verified_higher")}
    return {
        "requested": n, "sizing": sizing, "mutants": len(mutants), "seed": seed, "envelope_only": envelope_only,
        "note": ("brute-force certificate: only the envelope is mutated (claim, digest, version, rule, fields), "
                 "and few mutants by default, since every check enumerates all inputs") if envelope_only else
                "cubic certificate: envelope and case list mutated",
        "baseline_bound": _fraction(baseline),
        "by_kind": {k: v for k, v in by_kind.items() if v["total"]},
        "uncovered_kinds": [k for k in kinds if by_kind[k]["total"] == 0],
        "not_applicable": [k for k in KINDS if k not in kinds],
        "totals": totals,
        "alarms": alarms,
        "verified": [asdict(o) for o in outcomes if o.verdict == VERIFIED],
        "outcomes": [asdict(o) for o in outcomes],
        "seconds": round(time.perf_counter() - start, 2),
    }


def render_mutation(record: dict) -> str:
    if record.get("skipped"):
        return f"mutation audit: skipped ({record['skipped']})\n"
    t = record["totals"]
    lines = [f"mutation audit: {record['mutants']} mutants (seed {record['seed']}, {record['seconds']:.1f} s); "
             f"{t['rejected']} rejected, {t['error']} unusable, {t['verified_same']} verified with the same bound, "
             f"{t['verified_lower']} with a lower bound, {t['verified_higher']} with a HIGHER bound",
             f"  {record['note']}; number of mutants: {record['sizing']}",
             f"  {'kind':<18s} {'total':>5s} {'rejected':>8s} {'error':>5s} {'same':>5s} {'lower':>5s} {'HIGHER':>6s}"]
    for kind, v in record["by_kind"].items():
        lines.append(f"  {kind:<18s} {v['total']:>5d} {v['rejected']:>8d} {v['error']:>5d} {v['verified_same']:>5d} "
                     f"{v['verified_lower']:>5d} {v['verified_higher']:>6d}")
    if record["uncovered_kinds"]:
        lines.append(f"  kinds not exercised (too few mutants or no site): {', '.join(record['uncovered_kinds'])}")
    if record["not_applicable"]:
        lines.append(f"  kinds not applicable: {', '.join(record['not_applicable'])}")
    verified = [o for o in record["verified"] if not o["alarm"]]
    if verified:
        lines.append("  verified mutants (fine: same or lower bound):")
        for o in verified[:12]:
            lines.append(f"    #{o['index']} {o['kind']}: {o['description']} -> {o['relation']} bound")
        if len(verified) > 12:
            lines.append(f"    ... and {len(verified) - 12} more")
    for a in record["alarms"]:
        lines.append(f"  SOUNDNESS ALARM #{a['index']} {a['kind']}: {a['description']}: {a['alarm']}")
    return "\n".join(lines) + "\n"
