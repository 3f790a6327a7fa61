"""``compact-proofs audit --json`` as installed: a format name, version and summary, validated against
the published schema, for a passing audit and for a certificate that cannot be audited."""

from __future__ import annotations

import json

import jsonschema

from compact_proofs.schema import load as load_schema
from tests.scripts import ROOT, run


def test_audit_json_validates_against_its_schema(tmp_path):
    validator = jsonschema.Draft202012Validator(load_schema("audit-report"))
    done = run("compact-proofs", "audit", "--json", "--mutants", "4", "--differential-samples", "4",
               "--skip-ground-truth", "--jobs", "1", str(ROOT / "certificates/cubic/k4-seed50.json"), cwd=tmp_path)
    report = json.loads(done.stdout)
    validator.validate(report)
    assert done.returncode == report["summary"]["exit_code"] == 0 and report["summary"]["passed"]
    assert report["format"] == "compact-proofs-audit-report" and report["version"] == "1.0"
    assert report["summary"]["stages_run"] == ["mutation", "differential"]
    assert report["summary"]["stages_skipped"] == ["ground_truth"] and report["summary"]["mutants"] == 4
    assert report["check"]["bound"].endswith("/16777216")  # count/total, not reduced
    assert done.stdout.startswith('{\n  "format": ')  # two-space indentation, as every report
    missing = run("compact-proofs", "audit", "--json", str(tmp_path / "missing.json"), cwd=tmp_path)
    report = json.loads(missing.stdout)
    validator.validate(report)
    assert missing.returncode == report["summary"]["exit_code"] == 2 and report["summary"]["verdict"] == "error"
