"""verify.formats: every renderer turns the same Result records into well-formed output of its
format (parsed back, or validated against the official SARIF 2.1.0 schema), escaping odd paths
and reasons; and verify's --format accepts each renderer's name."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from compact_proofs.verify import cli
from compact_proofs.verify.formats import RENDERERS, bound_text, main as formats_main, result_dict, result_from_dict
from compact_proofs.checker.result import ERROR, REJECTED, VERIFIED, Result

# tests/data/sarif-schema-2.1.0.json is sarif-2.1/schema/sarif-schema-2.1.0.json of
# github.com/oasis-tcs/sarif-spec at e0583813964ec43cea53b6b531b402866095ed1f (git blob
# 0f58372b548f60c84d20fca77687435e71b3b3a3), the OASIS 2.1.0 errata01 schema, unmodified.
SARIF_SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"

ODD_PATH = 'certificates/odd, name: 100% <a&b> "q".json'
ODD_REASON = 'line one\nline two, with: colon 100% <tag> & "quote"\r\n::error::not a command'
ENV = {"checker": "0.1.0", "python_flint": "0.9.0", "flint": "3.1.2", "python": "3.11.7"}


def results() -> list[Result]:
    """Two verified, one rejected (odd path and reason), two errors (one with a control character)."""
    digest = "sha256:" + "ab" * 32
    return [
        Result("certificates/brute_force/k4-seed50.json", VERIFIED, "proved 16777000/16777216",
               claimed=Fraction(99, 100), bound=Fraction(16777000, 16777216), model_digest=digest,
               strategy="brute_force", seconds=12.3456, cost={"brute_force": {"rounded": 10**9, "float": 0, "compare": 0, "madd": 5, "limb": 5, "arb": 0}}, rules=["brute_force.count"]),
        Result("certificates/cubic/k4:seed1,x.json", VERIFIED, "proved 3/4", claimed=Fraction(1, 2),
               bound=Fraction(3, 4), model_digest=digest, strategy="cubic", seconds=0.5),
        Result(ODD_PATH, REJECTED, ODD_REASON, claimed=Fraction(9, 10), model_digest=digest, strategy="cubic",
               seconds=1.0),
        Result("certificates/missing.json", ERROR, "certificates/missing.json: no such file"),
        Result("certificates/ctl\x01char.json", ERROR, "bad byte \x01 and 50% <done>"),
    ]


def by_verdict(verdict: str) -> list[Result]:
    return [r for r in results() if r.verdict == verdict]


# --- text and json -----------------------------------------------------------------------------

def test_text_lists_every_path_and_the_summary():
    out = RENDERERS["text"](results(), ENV)
    lines = out.splitlines()
    assert len(lines) == 1 + len(results()) + 1  # header, one line per result (newlines escaped), summary
    for r, line in zip(results(), lines[1:]):
        assert line.startswith(r.path.replace("\x01", "\\x01"))
    assert "line one\\nline two" in out
    assert lines[-1] == "5 certificate(s): 2 verified, 1 rejected, 2 error"


def test_json_has_the_required_keys_and_environment():
    doc = json.loads(RENDERERS["json"](results(), ENV))
    assert doc["environment"] == ENV
    assert [d["path"] for d in doc["results"]] == [r.path for r in results()]
    required = {"path", "verdict", "bound", "bound_decimal", "model_digest", "strategy", "reason", "seconds"}
    for d in doc["results"]:
        assert required <= d.keys()
    first, bound = doc["results"][0], Fraction(16777000, 16777216)
    assert first["bound"] == f"{bound.numerator}/{bound.denominator}" and Fraction(first["bound"]) == bound
    assert first["bound_decimal"] == pytest.approx(16777000 / 16777216)
    assert first["seconds"] == 12.346
    rejected = doc["results"][2]
    assert rejected["bound"] is None and rejected["bound_decimal"] is None and rejected["reason"] == ODD_REASON


def test_json_round_trips_and_rerenders():
    rounded = [result_from_dict(result_dict(r)) for r in results()]
    assert [result_dict(r) for r in rounded] == [result_dict(r) for r in results()]
    report = RENDERERS["json"](results(), ENV)
    for fmt in RENDERERS:
        stdout = io.StringIO()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.stdin", io.StringIO(report))
            mp.setattr("sys.stdout", stdout)
            assert formats_main([fmt]) == 0
        assert stdout.getvalue() == RENDERERS[fmt](rounded, ENV)
    assert formats_main(["nonsense"]) == 2


def test_bound_text():
    assert bound_text(None) == "-"
    assert bound_text(Fraction(3, 4)) == "3/4 (0.750000)"


# --- junit -------------------------------------------------------------------------------------

def test_junit_parses_with_the_right_counts():
    out = RENDERERS["junit"](results(), ENV)
    assert out.isascii()
    suite = ET.fromstring(out.encode("ascii"))
    assert suite.tag == "testsuite" and suite.get("name") == "verify"
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests")) == 5
    assert len(suite.findall("testcase/failure")) == int(suite.get("failures")) == 1
    assert len(suite.findall("testcase/error")) == int(suite.get("errors")) == 2
    assert [c.get("name") for c in cases[:4]] == [r.path for r in results()[:4]]
    assert cases[4].get("name") == "certificates/ctl\ufffdchar.json"  # XML 1.0 cannot carry \x01
    assert [c.get("classname") for c in cases] == ["brute_force", "cubic", "cubic", "certificate", "certificate"]
    assert cases[0].get("time") == "12.346"
    props = {p.get("name"): p.get("value") for p in cases[0].findall("properties/property")}
    assert Fraction(props["bound"]) == Fraction(16777000, 16777216)
    assert props["bound_decimal"] == f"{16777000 / 16777216:.6f}"
    assert props["model_digest"] == "sha256:" + "ab" * 32
    failure = cases[2].find("failure")
    assert failure.get("message") == ODD_REASON  # attributes keep \r and \n as character references
    assert failure.text == ODD_REASON.replace("\r\n", "\n")  # XML normalises line ends in text
    assert {p.get("name"): p.get("value") for p in suite.findall("properties/property")} == ENV


# --- sarif -------------------------------------------------------------------------------------

def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_sarif_validates_against_the_official_schema():
    doc = json.loads(RENDERERS["sarif"](results(), ENV))
    sarif_validator().validate(doc)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "compact-proofs verify" and driver["version"] == "0.1.0"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == ["certificate-rejected", "certificate-unusable"]
    failed = [r for r in results() if r.verdict != VERIFIED]
    assert len(run["results"]) == len(failed)
    for finding, r in zip(run["results"], failed):
        assert finding["level"] == "error"
        assert finding["message"]["text"] == r.reason
        assert rule_ids[finding["ruleIndex"]] == finding["ruleId"]
        uri = finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert unquote(uri) == r.path and " " not in uri and ":" not in uri


def test_sarif_all_verified_has_no_results_and_validates():
    doc = json.loads(RENDERERS["sarif"](by_verdict(VERIFIED), ENV))
    sarif_validator().validate(doc)
    assert doc["runs"][0]["results"] == []


def test_sarif_schema_catches_a_broken_log():
    """The vendored schema is really applied (a result without its required message fails)."""
    doc = json.loads(RENDERERS["sarif"](results(), ENV))
    del doc["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator().validate(doc)


def test_sarif_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inside, outside = tmp_path / "certificates" / "a b.json", Path("/elsewhere/c.json")
    doc = json.loads(RENDERERS["sarif"]([Result(str(inside), ERROR, "x"), Result(str(outside), ERROR, "y")], ENV))
    uris = [f["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for f in doc["runs"][0]["results"]]
    assert uris == ["certificates/a%20b.json", "file:///elsewhere/c.json"]
    sarif_validator().validate(doc)


# --- github ------------------------------------------------------------------------------------

def unescape(text: str, prop: bool) -> str:
    """The runner's unescaping of workflow command data (and, for properties, also ':' and ',')."""
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
    for code, char in pairs + [("%25", "%")]:
        text = text.replace(code, char)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Split '::name k=v,k=v::message' the way the Actions runner does."""
    assert line.startswith("::")
    end = line.index("::", 2)
    head, message = line[2:end], line[end + 2:]
    name, _, props = head.partition(" ")
    properties = dict(p.split("=", 1) for p in props.split(",")) if props else {}
    return name, {k: unescape(v, True) for k, v in properties.items()}, unescape(message, False)


def test_github_commands_are_escaped():
    out = RENDERERS["github"](results(), ENV)
    lines = out.splitlines()
    commands = lines[:len(results())]
    for line, r in zip(commands, results()):
        name, props, message = parse_command(line)
        assert props["file"] == r.path
        if r.verdict == VERIFIED:
            assert name == "notice" and message == f"verified, proved bound {bound_text(r.bound)}"
        else:
            assert name == "error" and message == r.reason and props["title"].startswith("certificate ")
    assert "\n" not in commands[2] and "%0A" in commands[2] and "%0D" in commands[2]
    assert "odd%2C name%3A 100%25 <a&b>" in commands[2]


def test_github_table_is_fenced_off_from_command_parsing():
    out = RENDERERS["github"](results(), ENV)
    lines = out.splitlines()
    stop = lines[len(results())]
    token = stop.removeprefix("::stop-commands::")
    assert stop.startswith("::stop-commands::") and len(token) >= 32
    assert lines[-1] == f"::{token}::"
    table = "\n".join(lines[len(results()) + 1:-1]) + "\n"
    assert table == RENDERERS["text"](results(), ENV) and token not in table


# --- markdown ----------------------------------------------------------------------------------

def test_markdown_table_has_one_row_per_result():
    out = RENDERERS["markdown"](results(), ENV)
    assert out.isascii()
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + len(results())  # header, separator, one row each
    for row in rows[2:]:
        assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells; escaped pipes would not count
    assert "2097125\\/2097152" in out and "\\<tag\\>" in out and "<tag>" not in out
    assert "5 certificate(s): 2 verified, 1 rejected, 2 error" in out


# --- through the CLI ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_cli_accepts_each_format(fmt, tmp_path, capsys):
    missing = tmp_path / "no such certificate.json"
    assert cli.main(["--format", fmt, str(missing)]) == 2
    out = capsys.readouterr().out
    if fmt == "json":
        (result,) = json.loads(out)["results"]
        assert result["verdict"] == ERROR and result["path"] == str(missing)
    elif fmt == "junit":
        assert len(ET.fromstring(out.encode("ascii")).findall("testcase/error")) == 1
    elif fmt == "sarif":
        doc = json.loads(out)
        sarif_validator().validate(doc)
        assert len(doc["runs"][0]["results"]) == 1
    elif fmt == "github":
        assert out.startswith("::error file=")
    else:
        assert "1 certificate(s): 0 verified, 0 rejected, 1 error" in out


def test_cli_output_file(tmp_path, capsys):
    report = tmp_path / "report.xml"
    assert cli.main(["--format", "junit", "--output", str(report), str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().out == ""
    assert ET.parse(report).getroot().get("errors") == "1"
