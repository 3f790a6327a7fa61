"""Malformed and hostile certificate files: each is refused quickly with exit code 2."""

from __future__ import annotations

import json
import re
import time
import tracemalloc

import jsonschema
import pytest

from compact_proofs.checker.io.certificate import MAX_BYTES, read_certificate
from compact_proofs.checker.kernel import check
from compact_proofs.schema import load as load_schema
from compact_proofs.verify.cli import main
from compact_proofs.checker.errors import Unusable
from tests.checker.certs import certificate_doc, copy_doc, write_doc


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cert")
    doc = certificate_doc(folder, "cubic")
    return folder, doc


def refuse(tmp_path, text: str | bytes, match: str) -> None:
    """The reader refuses the text with a reason matching ``match`` (searched in the reason with
    the file's path removed: the test's folder name must not match for it) and verify exits 2."""
    path = tmp_path / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(Unusable) as refused:
        read_certificate(path)
    reason = str(refused.value)
    assert reason.startswith(f"{path}: ") and re.search(match, reason.replace(str(path), "")), reason
    assert main([str(path)]) == 2


def test_valid_certificate_reads(valid):
    folder, doc = valid
    cert = read_certificate(write_doc(folder / "ok.json", doc))
    assert cert.k == doc["task"]["k"] and cert.proof["rule"] == "cubic"


@pytest.mark.parametrize("text, match", [
    ('{"format": "compact-proofs-certificate", "version": ', "malformed JSON"),
    ("", "malformed JSON"),
    (b"\xff\xfe\x00", "not UTF-8"),
    ("[1, 2, 3]", "must be a JSON object"),
    ("[" * 100000 + "]" * 100000, "more than 10000 JSON arrays and objects"),
    ('{"a": ' + "[" * 40 + "]" * 40 + "}", "nests 41 levels deep"),
    ('{"a": [' + "0," * 6_000_000 + "0]}", "more than 6000000 JSON values"),
    ('{"a": "\\ud800"}', "lone UTF-16 surrogate"),
    ('{"a": NaN}', "malformed JSON"),
    ('{"a": Infinity}', "malformed JSON"),
    ('{"a": 1, "a": 2}', "duplicate key"),
])
def test_malformed_json_is_unusable(tmp_path, text, match):
    refuse(tmp_path, text, match)


def edit(doc: dict, path: list, value) -> dict:
    doc = copy_doc(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


ENVELOPE_VIOLATIONS = [
    (["version"], "2.0", "unsupported certificate version"),
    (["version"], "1.2", "unsupported certificate version"),
    (["version"], 1.0, "MAJOR.MINOR"),
    (["format"], "something-else", "not a compact-proofs-certificate"),
    (["extra"], 1, "unknown fields"),
    (["claim"], KeyError, "missing fields"),
    (["claim", "accuracy_at_least"], 0.99, "exact rational"),
    (["claim", "accuracy_at_least"], "0.99", "exact rational"),
    (["claim", "accuracy_at_least"], "3/2", "above 1"),
    (["claim", "accuracy_at_least"], "1/0", "exact rational"),
    (["model", "digest"], "sha256:xyz", "64 lowercase hex"),
    (["model", "config", "normalization_type"], "LN", "unsupported architecture"),
    (["task", "name"], "sorting", "unknown task"),
    (["task", "k"], 7, "does not match"),
    (["proof"], [], "must be an object"),
    (["version"], "01.0", "MAJOR.MINOR"),
    (["version"], "1.00", "MAJOR.MINOR"),
    (["version"], "1.0\n", "MAJOR.MINOR"),
    (["task", "k"], 3.0, "JSON integers"),
    (["task", "d_vocab"], True, "JSON integers"),
    (["claim", "accuracy_at_least"], "1/2\n", "exact rational"),
    (["claim", "accuracy_at_least"], "1\n", "exact rational"),
    (["model", "digest"], "sha256:" + "0" * 64 + "\n", "64 lowercase hex"),
    (["model", "weights"], "model\x00.safetensors", "NUL character"),
    (["strategy", "name"], "\ud800", "lone UTF-16 surrogate"),
]
# What only the reader can say: JSON Schema counts 3.0 as an integer, has no arithmetic, and its strings
# are any code points.
READER_ONLY = {"above 1", "does not match", "JSON integers", "lone UTF-16 surrogate", "unsupported architecture"}


@pytest.mark.parametrize("path, value, match", ENVELOPE_VIOLATIONS)
def test_envelope_violations_are_unusable(valid, tmp_path, path, value, match):
    _, doc = valid
    refuse(tmp_path, json.dumps(edit(doc, path, value)), match)


def refusal_cost(path, match: str) -> tuple[float, int]:
    """read_certificate refuses ``path`` with ``match``: the seconds it took and its peak traced bytes."""
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(Unusable, match=match):
        read_certificate(path)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak


def test_huge_file_is_refused_fast_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:  # sparse: 100 MB on paper, nothing written
        handle.truncate(100 * 2**20)
    elapsed, peak = refusal_cost(path, "over the")
    assert elapsed < 1.0 and peak < 10 * 2**20
    assert main([str(path)]) == 2


def test_missing_file_and_missing_weights_are_unusable(valid, tmp_path):
    assert main([str(tmp_path / "nope.json")]) == 2
    _, doc = valid
    path = write_doc(tmp_path / "c.json", edit(doc, ["model", "weights"], "missing.safetensors"))
    assert main([str(path)]) == 2


def test_fifo_certificate_and_weights_are_refused_without_blocking(valid, tmp_path):
    import os
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(Unusable, match="not a regular file"):
        read_certificate(fifo)
    from compact_proofs.checker.io.weights import load_model
    weights = tmp_path / "pipe.safetensors"
    os.mkfifo(weights)
    with pytest.raises(Unusable, match="not a regular file"):
        load_model(weights)


def test_many_empty_lists_are_refused_fast_in_bounded_memory(tmp_path):
    """~11M empty lists fit in the byte limit and took ~865 MB to parse: refused before parsing."""
    path = tmp_path / "lists.json"
    body = "[]," * ((MAX_BYTES - 100) // 3)
    path.write_text('{"format": "compact-proofs-certificate", "proof": [' + body + '[]]}')
    elapsed, peak = refusal_cost(path, "more than 10000 JSON arrays and objects")
    assert peak < 4 * MAX_BYTES, peak  # the text and its string-free copy, not the parsed lists
    assert elapsed < 10, elapsed


def test_brackets_and_commas_inside_strings_do_not_count(valid, tmp_path):
    _, doc = valid
    doc = edit(doc, ["strategy", "parameters"], {"note": "[{," * 20000 + '\\"]'})
    cert = read_certificate(write_doc(tmp_path / "ok.json", doc))
    assert cert.strategy == doc["strategy"]["name"]


def schema_validator() -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(load_schema("certificate"))


def test_the_schema_accepts_the_certificates_the_reader_accepts(valid, tmp_path):
    _, doc = valid
    read_certificate(write_doc(tmp_path / "ok.json", doc))
    schema_validator().validate(doc)
    brute = certificate_doc(tmp_path, "brute_force")
    schema_validator().validate(brute)


@pytest.mark.parametrize("path, value, match", [v for v in ENVELOPE_VIOLATIONS if v[2] not in READER_ONLY])
def test_the_schema_refuses_what_the_reader_refuses(valid, path, value, match):
    _, doc = valid
    with pytest.raises(jsonschema.ValidationError):
        schema_validator().validate(edit(doc, path, value))


@pytest.mark.parametrize("column, value", [("margin", "0.5"), ("margin", "nan"), ("margin", "inf"),
                                           ("margin", "0x1p-3\n"), ("keys", "FF"), ("keys", "0xff"),
                                           ("keys", "ff\n"), ("q", -1), ("c", 2**63), ("q", "1")])
def test_the_schema_and_the_reader_refuse_malformed_cubic_columns(valid, tmp_path, column, value):
    _, doc = valid
    doc = edit(doc, ["proof", "cases", column, 0], value)
    with pytest.raises(jsonschema.ValidationError):
        schema_validator().validate(doc)
    result = check(write_doc(tmp_path / "bad.json", doc))
    assert result.verdict in ("error", "rejected") and "internal error" not in result.reason
