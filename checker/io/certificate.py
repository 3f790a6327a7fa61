"""Reading a certificate: strict JSON, exact numbers, fail closed.

Contract of ``read_certificate(path)``: it returns a ``Certificate`` whose every field the kernel
needs is present, of the right type and range, read exactly; or it raises ``Unusable`` with a
one-line reason. Refused: files over ``MAX_BYTES``, documents with more than ``MAX_VALUES`` JSON
values, ``MAX_CONTAINERS`` arrays and objects or ``MAX_DEPTH`` levels of nesting (checked before
parsing, so memory stays bounded), invalid UTF-8 or JSON, lone UTF-16 surrogate escapes,
NaN/Infinity, duplicate keys, an unknown format name or major version, a minor version newer
than the kernel's, unknown fields, and numbers that are not exact (every pattern must match the
whole string; integers must be JSON integers, not 4.0).
The published JSON Schema (certificates/schema/certificate.schema.json) describes the same
document; this reader is the authority and a test keeps the two in agreement.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from compact_proofs.checker.errors import Unusable
from compact_proofs.checker.io.weights import ModelConfig

FORMAT_NAME = "compact-proofs-certificate"
FORMAT_VERSION = (1, 1)  # 1.1: the subcubic proof
MAX_BYTES = 32 * 2**20
MAX_VALUES = 6 * 10**6  # five proof columns of at most MAX_CASES (10^6) entries, and the envelope
MAX_CONTAINERS = 10**4  # arrays and objects: a certificate has a few dozen
MAX_DEPTH = 32
TOP_FIELDS = {"format", "version", "model", "task", "claim", "strategy", "producer", "proof"}
_RATIONAL = re.compile(r"(0|[1-9][0-9]{0,4000})/([1-9][0-9]{0,4000})")  # always .fullmatch
_NATURAL = re.compile(r"0|[1-9][0-9]{0,4000}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_VERSION = re.compile(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


@dataclass(frozen=True)
class Certificate:
    """A parsed certificate. ``proof`` is the raw proof object; its rule reads it strictly."""

    path: Path
    digest: str
    config: ModelConfig
    weights: Path
    k: int
    claimed: Fraction
    strategy: str
    proof: dict


def read_certificate(path: str | Path) -> Certificate:
    """Read and validate the envelope of a certificate file (see module docstring)."""
    path = Path(path)
    doc = _load_json(path)
    where = str(path)
    fields(doc, TOP_FIELDS, where, "certificate")
    if doc["format"] != FORMAT_NAME:
        raise Unusable(f"{where}: not a {FORMAT_NAME} document (format={doc['format']!r})")
    version = doc["version"]
    if not (isinstance(version, str) and _VERSION.fullmatch(version)):
        raise Unusable(f"{where}: version must be a string 'MAJOR.MINOR' without leading zeros")
    major, minor = (int(x) for x in version.split("."))
    if major != FORMAT_VERSION[0] or minor > FORMAT_VERSION[1]:
        raise Unusable(f"{where}: unsupported certificate version {version} "
                       f"(this kernel reads {FORMAT_VERSION[0]}.0 to {FORMAT_VERSION[0]}.{FORMAT_VERSION[1]})")
    model = fields(doc["model"], {"digest", "config", "weights"}, where, "model")
    if not isinstance(model["digest"], str) or not _DIGEST.fullmatch(model["digest"]):
        raise Unusable(f"{where}: model.digest must be 'sha256:' and 64 lowercase hex digits")
    config = ModelConfig.from_dict(model["config"], f"{where}: model.config")
    if not isinstance(model["weights"], str) or not model["weights"]:
        raise Unusable(f"{where}: model.weights must be a path relative to the certificate")
    if "\x00" in model["weights"]:
        raise Unusable(f"{where}: model.weights contains a NUL character, which no file path can hold")
    task = fields(doc["task"], {"name", "k", "d_vocab"}, where, "task")
    if type(task["k"]) is not int or type(task["d_vocab"]) is not int:
        raise Unusable(f"{where}: task.k and task.d_vocab must be JSON integers")
    if task["name"] != "max_of_k":
        raise Unusable(f"{where}: unknown task {task['name']!r} (this kernel knows max_of_k)")
    if task["k"] != config.n_ctx or task["d_vocab"] != config.d_vocab or config.d_vocab_out != config.d_vocab:
        raise Unusable(f"{where}: task (k, d_vocab) does not match the model config")
    if config.n_ctx < 2:
        raise Unusable(f"{where}: max_of_k needs k >= 2")
    claim = fields(doc["claim"], {"accuracy_at_least"}, where, "claim")
    claimed = rational(claim["accuracy_at_least"], f"{where}: claim.accuracy_at_least")
    if claimed > 1:
        raise Unusable(f"{where}: claimed accuracy {claimed} is above 1")
    strategy = fields(doc["strategy"], {"name", "parameters"}, where, "strategy")
    if not isinstance(strategy["name"], str) or not isinstance(strategy["parameters"], dict):
        raise Unusable(f"{where}: strategy must have a name (string) and parameters (object)")
    producer = fields(doc["producer"], {"tool", "version"}, where, "producer")
    if not all(isinstance(v, str) for v in producer.values()):
        raise Unusable(f"{where}: producer.tool and producer.version must be strings")
    proof = doc["proof"]
    if not isinstance(proof, dict) or not isinstance(proof.get("rule"), str):
        raise Unusable(f"{where}: proof must be an object with a 'rule'")
    return Certificate(path, model["digest"], config, (path.parent / model["weights"]),
                       task["k"], claimed, strategy["name"], proof)


def fields(obj: Any, names: set[str], where: str, what: str) -> dict:
    """Require ``obj`` to be an object with exactly the given field names."""
    if not isinstance(obj, dict):
        raise Unusable(f"{where}: {what} must be a JSON object")
    missing, extra = sorted(names - set(obj)), sorted(set(obj) - names)
    if missing or extra:
        raise Unusable(f"{where}: {what} has missing fields {missing} or unknown fields {extra}")
    return obj


def rational(text: Any, where: str) -> Fraction:
    """An exact non-negative rational written "p/q" or as a natural number string."""
    if isinstance(text, str):
        if _NATURAL.fullmatch(text):
            return Fraction(int(text))
        match = _RATIONAL.fullmatch(text)
        if match:
            return Fraction(int(match.group(1)), int(match.group(2)))
    raise Unusable(f"{where}: expected an exact rational string 'p/q', got {str(text)[:40]!r}")


def binary64(text: Any, where: str) -> float:
    """A finite float64 written in Python's canonical hex form (e.g. '0x1.8p-3'): read exactly.
    'nan' and 'inf' are canonical hex forms too, and refused."""
    if isinstance(text, str) and len(text) <= 40:
        try:
            value = float.fromhex(text)
        except (ValueError, OverflowError):
            value = None
        if value is not None and value.hex() == text and math.isfinite(value):
            return value
    raise Unusable(f"{where}: expected a finite canonical hex float like '0x1.8p-3', got {str(text)[:40]!r}")


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _unique_keys(pairs: list) -> dict:
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _load_json(path: Path) -> dict:
    try:
        size = path.stat().st_size
        if not path.is_file():  # a FIFO or device would block or never end
            raise Unusable(f"{path}: not a regular file")
        if size > MAX_BYTES:
            raise Unusable(f"{path}: certificate is {size} bytes, over the {MAX_BYTES}-byte limit")
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise Unusable(f"{path}: cannot read certificate ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise Unusable(f"{path}: certificate is not UTF-8 text") from None
    check_shape(text, path)
    try:
        doc = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise Unusable(f"{path}: JSON nests too deeply") from None
    except ValueError as exc:
        raise Unusable(f"{path}: malformed JSON ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(doc, dict):
        raise Unusable(f"{path}: a certificate must be a JSON object")
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise Unusable(f"{path}: a string holds a lone UTF-16 surrogate escape (not Unicode text)") from None
    return doc


def check_shape(text: str, path: Path | str) -> None:
    """Refuse, before parsing, a document with more than MAX_VALUES values, MAX_CONTAINERS arrays
    and objects, or MAX_DEPTH levels: the parser's memory grows with the values, not the bytes
    (an empty list is three bytes of text and about sixty of memory). Counted on the text with
    every string removed, so brackets and commas inside strings do not count; the counts are
    upper bounds for any text the parser accepts (every value but the first follows a comma,
    '[' or ':'), and text it refuses is refused by it."""
    skeleton = _STRING.sub("", text)
    containers = skeleton.count("[") + skeleton.count("{")
    if containers > MAX_CONTAINERS:
        raise Unusable(f"{path}: certificate has more than {MAX_CONTAINERS} JSON arrays and objects")
    values = skeleton.count(",") + skeleton.count(":") + containers + 1
    if values > MAX_VALUES:
        raise Unusable(f"{path}: certificate has more than {MAX_VALUES} JSON values")
    depth = deepest = 0
    for char in re.sub(r"[^\[\]{}]", "", skeleton):
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise Unusable(f"{path}: certificate nests {deepest} levels deep, over the limit of {MAX_DEPTH}")
