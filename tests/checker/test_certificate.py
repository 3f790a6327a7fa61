"""Malformed and hostile certificate files: each is refused quickly with exit code 2."""

from __future__ import annotations

import json
import time
import tracemalloc

import pytest

from compact_proofs.checker.io.certificate import read_certificate
from compact_proofs.verify.cli import main
from compact_proofs.checker.errors import Unusable
from tests.checker.certs import certificate_doc, write_doc


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cert")
    doc = certificate_doc(folder, "cubic")
    return folder, doc


def refuse(tmp_path, text: str | bytes, match: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(Unusable, match=match):
        read_certificate(path)
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
    ("[" * 100000 + "]" * 100000, "nests too deeply|malformed"),
    ('{"a": NaN}', "malformed JSON"),
    ('{"a": Infinity}', "malformed JSON"),
    ('{"a": 1, "a": 2}', "duplicate key"),
])
def test_malformed_json_is_unusable(tmp_path, text, match):
    refuse(tmp_path, text, match)


def edit(doc: dict, path: list, value) -> dict:
    doc = json.loads(json.dumps(doc))
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize("path, value, match", [
    (["version"], "2.0", "unsupported certificate version"),
    (["version"], "1.1", "unsupported certificate version"),
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
])
def test_envelope_violations_are_unusable(valid, tmp_path, path, value, match):
    _, doc = valid
    refuse(tmp_path, json.dumps(edit(doc, path, value)), match)


def test_huge_file_is_refused_fast_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:  # sparse: 100 MB on paper, nothing written
        handle.truncate(100 * 2**20)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(Unusable, match="over the"):
        read_certificate(path)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
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
