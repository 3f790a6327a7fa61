"""``verify`` as installed, run from outside the repository: streaming, --output checked first,
directories judged by content, --min-bound's range and its own outcome in every format, the work
limit, hostile strings, the JSON report against its published schema, and pre-commit mode."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from compact_proofs.schema import load as load_schema
from tests.checker.certs import certificate_doc, make_model, write_doc
from tests.scripts import ROOT, assert_one_line_error, run, script


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    """A cubic and a brute-force certificate of small models, and a model card beside the weights."""
    folder = tmp_path_factory.mktemp("certs")
    paths = {}
    for strategy in ("cubic", "brute_force"):
        doc = certificate_doc(folder, strategy, seed=5, d_vocab=6, n_ctx=3)
        paths[strategy] = write_doc(folder / f"{strategy}.json", doc)
    (folder / "model-5-6-3.card.json").write_text(json.dumps({"digest": "sha256:" + "0" * 64, "k": 3}))
    return paths


def doc_of(path: Path) -> dict:
    return json.loads(path.read_text())


# --- streaming and --output ------------------------------------------------------------------------

def test_each_line_is_printed_as_its_certificate_finishes(tmp_path):
    """The first row is on stdout while the second (a 64^4 brute-force check) is still running."""
    fast = ROOT / "certificates/cubic/k4-seed50.json"
    slow = ROOT / "certificates/brute_force/k4-seed50.json"
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    proc = subprocess.Popen([script("verify"), "--jobs", "1", str(fast), str(slow)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        header, first = proc.stdout.readline(), proc.stdout.readline()
        still_running = proc.poll() is None
        rest, _ = proc.communicate(timeout=600)
    finally:
        proc.kill()
    assert header.startswith("path ") and first.startswith(str(fast)) and " verified " in first
    assert still_running, "verify printed its first row only at the end"
    assert proc.returncode == 0 and rest.splitlines()[-1].startswith("2 certificate(s): 2 verified")


def test_unwritable_output_fails_before_any_check(tmp_path):
    start = time.perf_counter()
    done = run("verify", "--output", str(tmp_path / "no" / "such" / "dir" / "r.json"),
               str(ROOT / "certificates/brute_force/k4-seed50.json"), cwd=tmp_path)
    assert time.perf_counter() - start < 10  # the brute-force check takes longer than this
    assert_one_line_error(done, "verify:", "No such file or directory")
    assert done.stdout == ""


# --- directory mode: by content, never by name -------------------------------------------------------

def test_directory_mode_checks_by_content_and_lists_what_it_skipped(tmp_path, certs):
    folder = tmp_path / "certificates"
    (folder / "k10").mkdir(parents=True)
    weights = certs["cubic"].parent / doc_of(certs["cubic"])["model"]["weights"]
    false = doc_of(certs["cubic"])
    false["claim"]["accuracy_at_least"] = "1/1"
    false["model"]["weights"] = str(weights)
    for name in ("x.schema.json", "LOUD.JSON", "no-extension"):  # false certificates under names once skipped
        write_doc(folder / name, false)
    good = doc_of(certs["cubic"])
    good["model"]["weights"] = str(weights)
    for name in ("k10/a.json", "k4-b.json", "k5-b.json"):
        write_doc(folder / name, good)
    (folder / "seed1.card.json").write_text(json.dumps({"digest": "sha256:" + "1" * 64}))
    (folder / "notes.txt").write_text("not json")
    (folder / "weights.safetensors").write_bytes(weights.read_bytes())
    done = run("verify", "--format", "json", "certificates", cwd=tmp_path)
    report = json.loads(done.stdout)
    checked = {Path(r["path"]).name: r["verdict"] for r in report["results"]}
    assert checked == {"LOUD.JSON": "rejected", "no-extension": "rejected", "x.schema.json": "rejected",
                       "a.json": "verified", "k4-b.json": "verified", "k5-b.json": "verified"}
    assert done.returncode == 1
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"seed1.card.json", "notes.txt", "weights.safetensors"}
    assert skipped["seed1.card.json"] == "not a certificate: does not name the compact-proofs-certificate format"
    assert all(reason.startswith("not a certificate: ") for reason in skipped.values())
    text = run("verify", "certificates", cwd=tmp_path).stdout
    assert "skipped certificates/seed1.card.json: not a certificate: does not name" in text


def test_files_sort_naturally(tmp_path, certs):
    folder = tmp_path / "c"
    folder.mkdir()
    for name in ("k10-seed2.json", "k4-seed10.json", "k4-seed9.json", "k5-seed1.json"):
        doc = doc_of(certs["cubic"])
        doc["model"]["weights"] = str(certs["cubic"].parent / doc["model"]["weights"])
        write_doc(folder / name, doc)
    report = json.loads(run("verify", "--format", "json", "c", cwd=tmp_path).stdout)
    assert [Path(r["path"]).name for r in report["results"]] == ["k4-seed9.json", "k4-seed10.json", "k5-seed1.json",
                                                                "k10-seed2.json"]


def test_a_broken_certificate_in_a_folder_fails_the_gate(tmp_path, certs):
    """A file that names the format but does not parse (here: a merge conflict) is checked, not skipped."""
    folder = tmp_path / "c"
    folder.mkdir()
    text = certs["cubic"].read_text()
    (folder / "conflicted.json").write_text("<<<<<<< HEAD\n" + text + "=======\n" + text + ">>>>>>> other\n")
    done = run("verify", "c", cwd=tmp_path)
    assert done.returncode == 2 and " error " in done.stdout and "malformed JSON" in done.stdout


def test_a_folder_without_certificates_exits_2_and_says_what_it_skipped(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "card.json").write_text("{}")
    done = run("verify", "c", cwd=tmp_path)
    assert done.returncode == 2 and "no certificates found" in done.stderr and "c/card.json" in done.stderr


# --- --min-bound -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("95", "95 is a percentage; --min-bound is a fraction of the inputs: write 0.95"),
    ("99.5%", "write 0.995"),
    ("0", "must be a fraction 0 < x <= 1"),
    ("-0.5", "must be a fraction 0 < x <= 1"),
    ("101", "must be a fraction 0 < x <= 1"),
    ("abc", "not a number"),
    ("1/0", "not a number"),
])
def test_min_bound_accepts_only_fractions_in_0_1(tmp_path, certs, value, message):
    done = run("verify", "--min-bound", value, str(certs["cubic"]), cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "junit", "sarif", "github"])
def test_a_threshold_miss_is_its_own_outcome_in_every_format(tmp_path, certs, fmt):
    bound = run("verify", "--format", "json", str(certs["cubic"]), cwd=tmp_path)
    proved = json.loads(bound.stdout)["results"][0]["bound"]
    done = run("verify", "--format", fmt, "--min-bound", "1", str(certs["cubic"]), cwd=tmp_path)
    assert done.returncode == 1 and proved != "216/216"
    out = done.stdout
    if fmt == "json":
        assert json.loads(out)["results"][0]["verdict"] == "below_min_bound"
    elif fmt == "junit":
        assert ET.fromstring(out.encode()).find("testcase/failure").get("type") == "certificate-below-min-bound"
    elif fmt == "sarif":
        assert json.loads(out)["runs"][0]["results"][0]["ruleId"] == "certificate-below-min-bound"
    elif fmt == "github":
        assert out.startswith("::error ") and "title=certificate below min-bound::" in out
    else:
        assert "below_min_bound" in out and "1 below min-bound" in out
    if fmt in ("text", "markdown", "github", "junit"):  # the JSON formats name every outcome
        assert "rejected" not in out.replace("0 rejected", "")


# --- the work limit ----------------------------------------------------------------------------------

def test_a_k20_brute_force_certificate_is_refused_quickly(tmp_path):
    doc = doc_of(ROOT / "certificates/cubic/k20-seed50.json")
    doc["proof"] = {"rule": "brute_force"}
    doc["model"]["weights"] = str(ROOT / "models/k20/seed50.safetensors")
    path = write_doc(tmp_path / "k20-brute.json", doc)
    start = time.perf_counter()
    done = run("verify", "--format", "json", str(path), cwd=tmp_path, timeout=120)
    assert time.perf_counter() - start < 60
    result = json.loads(done.stdout)["results"][0]
    assert done.returncode == 2 and result["verdict"] == "error"
    assert "64^20 = 1.33e+36 inputs, over the work limit of 2e+09" in result["reason"]
    assert "--max-inputs 1329227995784915872903807060280344576" in result["reason"]


def test_max_inputs_raises_and_lowers_the_limit(tmp_path, certs):
    low = run("verify", "--max-inputs", "100", str(certs["brute_force"]), cwd=tmp_path)
    assert low.returncode == 2 and "over the work limit" in low.stdout
    assert run("verify", "--max-inputs", "6^3", str(certs["brute_force"]), cwd=tmp_path).returncode == 0
    bad = run("verify", "--max-inputs", "lots", str(certs["brute_force"]), cwd=tmp_path)
    assert bad.returncode == 2 and "not a whole number" in bad.stderr


# --- hostile strings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "markdown", "github", "json", "junit", "sarif"])
def test_a_lone_surrogate_in_the_strategy_name_is_unusable_not_a_crash(tmp_path, certs, fmt):
    text = certs["cubic"].read_text().replace('"name": "cubic"', '"name": "\\ud800"')
    path = tmp_path / "surrogate.json"
    path.write_text(text)
    for weights in (None, str(tmp_path / "missing.safetensors")):
        extra = ["--weights", weights] if weights else []
        done = run("verify", "--format", fmt, *extra, str(path), cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr


def test_a_path_that_is_not_utf8_is_shown_escaped(tmp_path, certs):
    odd = os.fsencode(tmp_path) + b"/odd\xff.json"
    folder = os.fsencode(certs["cubic"].parent)
    with open(odd, "wb") as handle:  # the weights path made absolute
        handle.write(certs["cubic"].read_bytes().replace(b'"weights": "', b'"weights": "' + folder + b"/"))
    for fmt in ("text", "markdown", "github", "json", "junit", "sarif"):
        done = run("verify", "--format", fmt, str(tmp_path), cwd=tmp_path)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (fmt, done.stderr)


def test_a_nul_byte_in_the_weights_path_says_what_is_wrong(tmp_path, certs):
    doc = doc_of(certs["cubic"])
    doc["model"]["weights"] = "a\x00b.safetensors"
    done = run("verify", str(write_doc(tmp_path / "nul.json", doc)), cwd=tmp_path)
    assert done.returncode == 2 and "NUL character" in done.stdout and "internal error" not in done.stdout


# --- the JSON report and its schema -----------------------------------------------------------------------

def test_the_json_report_validates_against_the_schema_compact_proofs_schema_prints(tmp_path, certs):
    schema = json.loads(run("compact-proofs", "schema", "verify-report", cwd=tmp_path).stdout)
    assert schema == load_schema("verify-report")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    done = run("verify", "--format", "json", "--min-bound", "1/216", str(certs["cubic"]), str(certs["brute_force"]),
               str(broken), cwd=tmp_path)
    report = json.loads(done.stdout)
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["summary"]["exit_code"] == done.returncode == 2
    assert report["summary"]["verified"] == 2 and report["summary"]["error"] == 1
    report["summary"]["verified"] = "2"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(report)


# --- progress ---------------------------------------------------------------------------------------------

def run_on_a_terminal(args: list[str], cwd: Path, env: dict) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; returns (exit code, what the terminal showed)."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    return proc.wait(timeout=300), shown.decode(errors="replace")


def test_progress_on_a_terminal_and_never_in_ci_or_a_pipe(tmp_path, certs):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    code, shown = run_on_a_terminal([script("verify"), "--jobs", "1", str(certs["brute_force"])], tmp_path, env)
    assert code == 0
    assert f"{certs['brute_force']}: brute force over 6^3 = 216 inputs, 1 job(s)" in shown  # the estimate first
    assert "[" in shown and "elapsed" in shown and "\r" in shown  # the bar
    code, shown = run_on_a_terminal([script("verify"), str(certs["brute_force"])], tmp_path, env | {"CI": "true"})
    assert code == 0 and shown == ""
    piped = run("verify", str(certs["brute_force"]), cwd=tmp_path)
    assert piped.returncode == 0 and piped.stderr == ""


# --- pre-commit mode ------------------------------------------------------------------------------------

def test_changed_mode_rechecks_certificates_bound_to_a_changed_model(tmp_path):
    repo = tmp_path / "repo"
    (repo / "certificates").mkdir(parents=True)
    (repo / "models").mkdir()
    weights = make_model(repo / "models", seed=6, d_vocab=6, n_ctx=3)
    from compact_proofs.strategies.prove import prove_one
    prove_one(weights, "cubic", repo / "certificates" / "c.json")
    (repo / "notes.py").write_text("print('hi')\n")
    nothing = run("verify", "--changed", "notes.py", cwd=repo)
    assert nothing.returncode == 0 and "0 certificate" not in nothing.stdout
    unchanged = run("verify", "--changed", "models/" + weights.name, cwd=repo)
    assert unchanged.returncode == 0 and "certificates/c.json" in unchanged.stdout and " verified " in unchanged.stdout
    other = make_model(tmp_path, seed=7, d_vocab=6, n_ctx=3)
    weights.write_bytes(other.read_bytes())  # the model changed under its certificate
    changed = run("verify", "--changed", "notes.py", "models/" + weights.name, cwd=repo)
    assert changed.returncode == 2 and "certificates/c.json" in changed.stdout and "digest" in changed.stdout
    assert "skipped notes.py" in changed.stdout


def test_changed_mode_judges_changed_files_by_content(tmp_path, certs):
    doc = doc_of(certs["cubic"])
    doc["claim"]["accuracy_at_least"] = "1/1"
    doc["model"]["weights"] = str(certs["cubic"].parent / doc["model"]["weights"])
    write_doc(tmp_path / "false.schema.json", doc)
    (tmp_path / "card.json").write_text('{"k": 3}')
    done = run("verify", "--changed", "false.schema.json", "card.json", cwd=tmp_path)
    assert done.returncode == 1 and "false.schema.json" in done.stdout and "skipped card.json" in done.stdout
