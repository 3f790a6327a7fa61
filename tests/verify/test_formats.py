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

from compact_proofs.checker.result import BELOW_MIN_BOUND, ERROR, EXIT_CODES, REJECTED, VERIFIED, Result
from compact_proofs.schema import load as load_schema
from compact_proofs.verify import cli
from compact_proofs.verify.formats import (FORMATS, VERDICTS, Report, Skipped, bound_text, code_span, render,
                                           result_dict, result_from_dict)
from compact_proofs.verify.formats import main as formats_main

# tests/data/sarif-schema-2.1.0.json is sarif-2.1/schema/sarif-schema-2.1.0.json of
# github.com/oasis-tcs/sarif-spec at e0583813964ec43cea53b6b531b402866095ed1f (git blob
# 0f58372b548f60c84d20fca77687435e71b3b3a3), the OASIS 2.1.0 errata01 schema, unmodified.
SARIF_SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"

ODD_PATH = 'certificates/odd, name: 100% <a&b> "q".json'
ODD_REASON = 'line one\nline two, with: colon 100% <tag> & "quote"\r\n::error::not a command'
ENV = {"checker": "0.1.0", "python_flint": "0.9.0", "flint": "3.1.2", "python": "3.11.7"}


def results() -> list[Result]:
    """Two verified, one rejected (odd path and reason), one below min-bound, two errors (one with a
    control character)."""
    digest = "sha256:" + "ab" * 32
    return [
        Result("certificates/brute_force/k4-seed50.json", VERIFIED, "proved 16777000/16777216",
               claimed=Fraction(99, 100), bound=Fraction(16777000, 16777216), model_digest=digest,
               strategy="brute_force", total=16777216, seconds=12.3456,
               cost={"brute_force": {"rounded": 10**9, "float": 0, "compare": 0, "madd": 5, "limb": 5, "arb": 0}},
               rules=["brute_force.count"]),
        Result("certificates/cubic/k4:seed1,x.json", VERIFIED, "proved 3/4", claimed=Fraction(1, 2),
               bound=Fraction(3, 4), model_digest=digest, strategy="cubic", total=4, seconds=0.5),
        Result(ODD_PATH, REJECTED, ODD_REASON, claimed=Fraction(9, 10), model_digest=digest, strategy="cubic",
               total=10, seconds=1.0),
        Result("certificates/cubic/k20-seed1.json", BELOW_MIN_BOUND, "proved bound 9/10 is below --min-bound 0.95",
               claimed=Fraction(9, 10), bound=Fraction(9, 10), model_digest=digest, strategy="cubic", total=64**20,
               seconds=2.0),
        Result("certificates/missing.json", ERROR, "certificates/missing.json: no such file"),
        Result("certificates/ctl\x01char.json", ERROR, "bad byte \x01 and 50% <done>"),
    ]


def report(rs: list[Result] | None = None) -> Report:
    rs = results() if rs is None else rs
    return Report(rs, ENV, skipped=[Skipped("certificates/schema/certificate.schema.json", "not a certificate")],
                  min_bound=Fraction(95, 100), exit_code=max([r.exit_code for r in rs], default=0))


def by_verdict(verdict: str) -> list[Result]:
    return [r for r in results() if r.verdict == verdict]


# --- text and json -----------------------------------------------------------------------------

def test_every_verdict_has_an_exit_code_and_every_format_a_rendering_of_it():
    assert set(EXIT_CODES) == set(VERDICTS) and EXIT_CODES[BELOW_MIN_BOUND] == 1


def test_text_lists_every_path_the_skipped_files_and_the_summary_last():
    out = render("text", report())
    lines = out.splitlines()
    assert len(lines) == 1 + len(results()) + 1 + 1  # header, one line per result, one skipped, summary
    for r, line in zip(results(), lines[1:]):
        assert line.startswith(r.path.replace("\x01", "\\x01"))
        assert r.verdict in line
    assert "line one\\nline two" in out
    assert lines[-2] == "skipped certificates/schema/certificate.schema.json: not a certificate"
    assert lines[-1] == ("6 certificate(s): 2 verified, 1 rejected, 1 below min-bound, 2 error; "
                         "1 file(s) skipped")


def test_text_bounds_are_count_over_total_never_reduced_nor_37_digits():
    out = render("text", report())
    assert "16777000/16777216 (0.999987)" in out
    assert "3/4 (0.750000)" in out
    assert "0.900000 of 1.33e+36" in out and str(64**20) not in out
    assert "2097125/2097152" not in out  # the reduced form of 16777000/16777216


def test_decimals_round_down():
    assert bound_text(Fraction(2, 3), 3) == "2/3 (0.666666)"
    assert bound_text(Fraction(999999999, 10**9), 10**9) == "999999999/1000000000 (0.999999)"


def test_json_has_format_version_summary_and_validates_against_its_schema():
    doc = json.loads(render("json", report()))
    jsonschema.Draft202012Validator(load_schema("verify-report")).validate(doc)
    assert doc["format"] == "compact-proofs-verify-report" and doc["version"] == "1.1"
    assert doc["summary"] == {"certificates": 6, "verified": 2, "rejected": 1, "below_min_bound": 1, "error": 2,
                              "skipped": 1, "exit_code": 2, "min_bound": "19/20", "smallest_bound": "3/4",
                              "smallest_bound_decimal": 0.75, "seconds": 15.846}
    assert doc["environment"] == ENV
    assert [d["path"] for d in doc["results"]] == [r.path for r in results()]
    first = doc["results"][0]
    assert first["bound"] == "16777000/16777216" and first["inputs"] == "16777216" and first["claimed"] is not None
    assert first["bound_decimal"] <= 16777000 / 16777216 and first["seconds"] == 12.346
    rejected = doc["results"][2]
    assert rejected["bound"] is None and rejected["bound_decimal"] is None and rejected["reason"] == ODD_REASON
    assert rejected["claimed"] == "9/10"
    assert doc["results"][3]["verdict"] == "below_min_bound" and doc["results"][3]["inputs"] == str(64**20)
    assert doc["skipped"] == [{"path": "certificates/schema/certificate.schema.json", "reason": "not a certificate"}]


def test_json_is_indented_by_two_spaces():
    assert render("json", report()).startswith('{\n  "format": ')


def test_json_round_trips_and_rerenders():
    rounded = [result_from_dict(result_dict(r)) for r in results()]
    assert [result_dict(r) for r in rounded] == [result_dict(r) for r in results()]
    text = render("json", report())
    for fmt in FORMATS:
        stdout = io.StringIO()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.stdin", io.StringIO(text))
            mp.setattr("sys.stdout", stdout)
            assert formats_main([fmt]) == 0
        assert stdout.getvalue() == render(fmt, report(rounded))
    assert formats_main(["nonsense"]) == 2


@pytest.mark.parametrize("text", ["{bad", "[]", '{"format": "something"}',
                                  '{"format": "compact-proofs-verify-report", "version": "2.0"}',
                                  '{"format": "compact-proofs-verify-report", "version": "1.0"}'])
def test_rerender_of_a_bad_report_exits_2_with_one_line(text, capsys):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(text))
        assert formats_main(["text"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bound_text():
    assert bound_text(None) == "-"
    assert bound_text(Fraction(3, 4)) == "3/4 (0.750000)"
    assert bound_text(Fraction(3, 4), 64) == "48/64 (0.750000)"


# --- junit -------------------------------------------------------------------------------------

def test_junit_parses_with_the_right_counts():
    out = render("junit", report())
    assert out.isascii()
    suite = ET.fromstring(out.encode("ascii"))
    assert suite.tag == "testsuite" and suite.get("name") == "verify"
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests")) == 7  # six results and one skipped file
    assert len(suite.findall("testcase/failure")) == int(suite.get("failures")) == 2
    assert len(suite.findall("testcase/error")) == int(suite.get("errors")) == 2
    assert len(suite.findall("testcase/skipped")) == int(suite.get("skipped")) == 1
    assert [c.get("name") for c in cases[:5]] == [r.path for r in results()[:5]]
    assert cases[5].get("name") == "certificates/ctl\ufffdchar.json"  # XML 1.0 cannot carry \x01
    assert [c.get("classname") for c in cases[:6]] == ["brute_force", "cubic", "cubic", "cubic", "certificate",
                                                       "certificate"]
    assert cases[0].get("time") == "12.346"
    props = {p.get("name"): p.get("value") for p in cases[0].findall("properties/property")}
    assert props["bound"] == "16777000/16777216"
    assert props["bound_decimal"] == "0.999987"
    assert props["model_digest"] == "sha256:" + "ab" * 32
    failure = cases[2].find("failure")
    assert failure.get("message") == ODD_REASON  # attributes keep \r and \n as character references
    assert failure.text == ODD_REASON.replace("\r\n", "\n")  # XML normalises line ends in text
    assert failure.get("type") == "certificate-rejected"
    assert cases[3].find("failure").get("type") == "certificate-below-min-bound"
    assert {p.get("name"): p.get("value") for p in suite.findall("properties/property")} == ENV


# --- sarif -------------------------------------------------------------------------------------

def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_sarif_validates_against_the_official_schema():
    doc = json.loads(render("sarif", report()))
    sarif_validator().validate(doc)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "compact-proofs verify" and driver["version"] == "0.1.0"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == ["certificate-rejected", "certificate-below-min-bound", "certificate-unusable"]
    failed = [r for r in results() if r.verdict != VERIFIED]
    assert len(run["results"]) == len(failed)
    for finding, r in zip(run["results"], failed):
        assert finding["level"] == "error"
        assert finding["message"]["text"] == r.reason
        assert rule_ids[finding["ruleIndex"]] == finding["ruleId"]
        uri = finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert unquote(uri) == r.path and " " not in uri and ":" not in uri


def test_sarif_all_verified_has_no_results_and_validates():
    doc = json.loads(render("sarif", report(by_verdict(VERIFIED))))
    sarif_validator().validate(doc)
    assert doc["runs"][0]["results"] == []


def test_sarif_schema_catches_a_broken_log():
    """The vendored schema is really applied (a result without its required message fails)."""
    doc = json.loads(render("sarif", report()))
    del doc["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator().validate(doc)


def test_sarif_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inside, outside = tmp_path / "certificates" / "a b.json", Path("/elsewhere/c.json")
    doc = json.loads(render("sarif", report([Result(str(inside), ERROR, "x"), Result(str(outside), ERROR, "y")])))
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


def test_github_annotates_failures_and_threshold_misses_only_then_one_summary_line():
    out = render("github", report())
    lines = out.splitlines()
    failed = [r for r in results() if r.verdict != VERIFIED]
    assert len(lines) == len(failed) + 1
    for line, r in zip(lines, failed):
        name, props, message = parse_command(line)
        assert name == "error" and props["file"] == r.path
        assert message == r.reason and props["title"].startswith("certificate ")
    assert parse_command(lines[1])[1]["title"] == "certificate below min-bound"
    assert "\n" not in lines[0] and "%0A" in lines[0] and "%0D" in lines[0]
    assert "odd%2C name%3A 100%25 <a&b>" in lines[0]
    assert lines[-1] == "verify: " + ("6 certificate(s): 2 verified, 1 rejected, 1 below min-bound, 2 error; "
                                      "1 file(s) skipped")
    assert not lines[-1].startswith("::")


def test_github_all_verified_is_one_line():
    assert render("github", report(by_verdict(VERIFIED))).splitlines() == [
        "verify: 2 certificate(s): 2 verified, 0 rejected, 0 below min-bound, 0 error; 1 file(s) skipped"]


# --- markdown ----------------------------------------------------------------------------------

def test_markdown_table_has_one_row_per_result_and_escapes_only_what_it_must():
    out = render("markdown", report())
    assert out.isascii()
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + len(results())  # header, separator, one row each
    for row in rows[2:]:
        assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells; escaped pipes would not count
    assert "16777000/16777216 (0.999987)" in out  # no backslash before '/' or '('
    assert "`certificates/brute_force/k4-seed50.json`" in out  # paths in code spans, unescaped
    assert "\\<tag\\>" in out and " <tag>" not in out and "\\&" in out
    assert "with: colon 100% " in out  # ':' and '%' need no escape
    assert "2 verified, 1 rejected, 1 below min-bound, 2 error" in out


def test_code_spans_carry_backticks_and_pipes():
    assert code_span("a`b") == "``a`b``"
    assert code_span("`x") == "`` `x ``"
    assert code_span("a|b") == "`a\\|b`"


# --- through the CLI ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(FORMATS))
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
        assert "1 certificate(s): 0 verified, 0 rejected, 0 below min-bound, 1 error" in out


def test_cli_output_file_gets_the_report_and_stdout_the_table(tmp_path, capsys):
    path = tmp_path / "report.xml"
    assert cli.main(["--format", "junit", "--output", str(path), str(tmp_path / "missing.json")]) == 2
    out = capsys.readouterr().out
    assert out.startswith("path ") and out.endswith("0 below min-bound, 1 error\n")
    assert ET.parse(path).getroot().get("errors") == "1"
