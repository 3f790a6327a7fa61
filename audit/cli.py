"""``compact-proofs audit CERT``: check one certificate and then attack the check.

  1. trust report: what the verified claim rests on (rules, Lean mirrors, assumptions);
  2. ground truth: the proved bound against an independent count (exact for K = 4, else a sample);
  3. mutation audit: N perturbed certificates; none may verify with a higher bound;
  4. differential check: the kernel's verdicts on sampled inputs against mpmath at 50 digits.

Exit codes: 0 the audit passed; 1 a soundness alarm or a failed cross-check; 2 unusable input
(unreadable certificate, missing weights, a certificate that does not verify) or bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from compact_proofs.audit import differential, ground_truth, mutation, trust
from compact_proofs.checker.io.certificate import read_certificate
from compact_proofs.checker.errors import CheckError
from compact_proofs.checker.kernel import MAX_INPUTS, check
from compact_proofs.checker.result import VERIFIED
from compact_proofs.verify.cli import parse_count, positive
from compact_proofs.verify.formats import fraction_text
from compact_proofs.verify.progress import meter as make_progress, wanted as progress_wanted
from compact_proofs.checker.io.weights import load_model

REPORT_FORMAT = "compact-proofs-audit-report"
REPORT_VERSION = "1.0"

EPILOG = """\
Defaults: 200 mutants for a cubic or sub-cubic certificate (fewer when one check is slow, about
120 s of kernel time per job, at least one per mutation kind); 18 envelope-only mutants for a
brute-force one (each brute-force check enumerates every input). A verified sub-cubic mutant whose
proof changed is cross-checked (coverage, the step check, mpmath on its hardest inputs); one that
verifies with a higher bound is an alarm unless that cross-check passes (the certificate was then
not maximal). Ground truth is exhaustive when d_vocab^K <= 64^5 (K <= 5), else a seeded sample of
--ground-truth-samples inputs.

examples:
  compact-proofs audit certificates/cubic/k4-seed50.json
  compact-proofs audit --jobs 2 certificates/subcubic/ours/k4-seed50.json
  compact-proofs audit --json --mutants 50 --skip-ground-truth certificates/cubic/k10-seed50.json
"""


def build_parser(prog: str = "compact-proofs audit") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0],
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("certificate", metavar="CERT", type=Path, help="a certificate file")
    parser.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    parser.add_argument("--mutants", type=int, metavar="N",
                        help="mutants to check (default 200 cubic or sub-cubic, fewer if checks are slow; "
                             "18 brute-force; 0 skips)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of every random choice (default 0)")
    parser.add_argument("--skip-ground-truth", action="store_true", help="skip the ground-truth cross-check")
    parser.add_argument("--ground-truth-samples", type=int, default=ground_truth.DEFAULT_SAMPLES, metavar="N",
                        help="sample size when the inputs are too many to count "
                             f"(default {ground_truth.DEFAULT_SAMPLES})")
    parser.add_argument("--differential-samples", type=int, default=differential.DEFAULT_SAMPLES, metavar="N",
                        help=f"inputs checked with mpmath (default {differential.DEFAULT_SAMPLES}; 0 skips)")
    parser.add_argument("--weights", type=Path, metavar="FILE",
                        help="use these weights instead of the certificate's path")
    parser.add_argument("--jobs", type=positive, default=os.cpu_count() or 1, metavar="N",
                        help="worker processes for kernel checks (default: all cores)")
    parser.add_argument("--max-inputs", type=parse_count, default=MAX_INPUTS, metavar="N",
                        help=f"refuse a brute-force check of more than N inputs (default {MAX_INPUTS:.0e})")
    return parser


def run_audit(args: argparse.Namespace, show_progress: bool = False) -> dict:
    """Every stage of the audit; returns the report (with ``exit_code`` and ``failures``)."""
    start = time.perf_counter()
    path = args.certificate
    status = (lambda text: sys.stderr.write(f"audit: {text}\n")) if show_progress else (lambda text: None)
    status("checking the certificate")
    result = check(path, weights=args.weights, jobs=args.jobs, max_inputs=args.max_inputs,
                   progress=make_progress("audit: check", show_progress))
    report: dict = {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "certificate": str(path),
        "check": {"verdict": result.verdict, "reason": result.reason,
                  "claimed": fraction_text(result.claimed, result.total),
                  "bound": fraction_text(result.bound, result.total), "seconds": round(result.seconds, 3)},
        "trust": trust.trust_report(path, result),
    }
    failures, usable = list(report["trust"]["problems"]), True
    if result.verdict != VERIFIED:
        usable = False
        failures.append(f"the certificate does not verify ({result.verdict}: {result.reason}); nothing proved to audit")
    if usable:
        try:
            cert = read_certificate(path)
            model = load_model(args.weights if args.weights is not None else cert.weights)
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (CheckError, OSError, ValueError) as exc:
            usable = False
            failures.append(f"cannot re-read the certificate or its weights: {exc}")
    if usable:
        if args.skip_ground_truth:
            report["ground_truth"] = {"skipped": "--skip-ground-truth"}
        else:
            status("ground truth")
            report["ground_truth"] = ground_truth.cross_check(model, result.bound, samples=args.ground_truth_samples,
                                                              seed=args.seed + ground_truth.DEFAULT_SEED)
            if not report["ground_truth"]["ok"]:
                failures.append("ground truth: the proved bound exceeds the independent count")
        if args.mutants == 0:
            report["mutation"] = {"skipped": "--mutants 0"}
        else:
            status("mutation audit")
            report["mutation"] = mutation.audit_mutations(doc, args.weights or cert.weights, n=args.mutants,
                                                          seed=args.seed, jobs=max(1, args.jobs),
                                                          progress=make_progress("audit: mutants", show_progress))
            if report["mutation"].get("skipped"):
                failures.append(f"mutation audit could not run: {report['mutation']['skipped']}")
            elif report["mutation"]["baseline_bound"] != fraction_text(result.bound):  # both reduced
                failures.append(f"the certificate proves {report['mutation']['baseline_bound']} when copied with an "
                                f"absolute weight path but {report['check']['bound']} in place")
            for alarm in report["mutation"].get("alarms", []):
                failures.append(f"soundness alarm: mutant #{alarm['index']} ({alarm['kind']}: {alarm['description']}) "
                                f"{alarm['alarm']}")
        if args.differential_samples == 0:
            report["differential"] = {"skipped": "--differential-samples 0"}
        else:
            status("differential check")
            report["differential"] = differential.differential(
                cert, model, samples=args.differential_samples, seed=args.seed,
                progress=make_progress("audit: mpmath", show_progress))
            d = report["differential"]
            if not d.get("skipped") and not d["ok"]:
                if d["disagreements"]:
                    failures.append(f"differential: the kernel proved {len(d['disagreements'])} input(s) that mpmath "
                                    f"finds wrong")
                if d["helper_mismatch"]:
                    failures.append("differential: the per-input kernel verdicts do not reproduce the kernel's count")
                if d.get("bound_violations"):
                    failures.append(f"differential: on {len(d['bound_violations'])} input(s) the largest wrong logit "
                                    f"minus the max's exceeds the kernel's case bound (mpmath)")
                if d.get("attention_violations"):
                    failures.append(f"differential: on {len(d['attention_violations'])} input(s) the attention on the "
                                    f"max slots lies outside the kernel's [A_lo, A_hi] (mpmath)")
                if d.get("step_check", {}).get("violating_cases"):
                    failures.append(f"differential: on {d['step_check']['violating_cases']} case(s) the kernel's case "
                                    f"bound is below the exact maximum of its own lines (step check)")
                if d["float_disagreement"] > differential.FLOAT_AGREEMENT:
                    failures.append("differential: the mpmath and float64 forward passes disagree")
    report["failures"] = failures
    stages = [key for key in ("ground_truth", "mutation", "differential") if key in report]
    report["summary"] = {
        "passed": not failures, "exit_code": 0 if not failures else 1 if usable else 2, "failures": len(failures),
        "verdict": result.verdict, "proved_bound": fraction_text(result.bound, result.total),
        "stages_run": [key for key in stages if not report[key].get("skipped")],
        "stages_skipped": [key for key in stages if report[key].get("skipped")],
        "mutants": len(report.get("mutation", {}).get("outcomes", [])) if "mutation" in report else 0,
        "alarms": len(report.get("mutation", {}).get("alarms", [])) if "mutation" in report else 0,
        "seconds": round(time.perf_counter() - start, 2)}
    # the summary goes first in the JSON, after the format and version
    return {key: report[key] for key in ("format", "version", "summary")} | \
        {key: value for key, value in report.items() if key not in ("format", "version", "summary")}


def render_text(report: dict) -> str:
    parts = ["== trust report ==", trust.render_trust(report["trust"]).rstrip("\n"), ""]
    for key, title, render in (("ground_truth", "ground truth", ground_truth.render_ground_truth),
                               ("mutation", "mutation audit", mutation.render_mutation),
                               ("differential", "differential check", differential.render_differential)):
        if key in report:
            parts += [f"== {title} ==", render(report[key]).rstrip("\n"), ""]
    summary = report["summary"]
    if summary["passed"]:
        parts.append(f"AUDIT PASSED ({summary['seconds']:.1f} s)")
    else:
        parts.append(f"AUDIT FAILED (exit {summary['exit_code']}, {summary['seconds']:.1f} s):")
        parts += [f"  - {f}" for f in report["failures"]]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None, prog: str = "compact-proofs audit") -> int:
    from compact_proofs.cli import run_command

    parser = build_parser(prog)

    def body() -> int:
        args = parser.parse_args(argv)  # bad usage exits 2
        for name in ("mutants", "differential_samples", "ground_truth_samples"):
            value = getattr(args, name)
            if value is not None and value < 0:
                parser.error(f"--{name.replace('_', '-')} must be >= 0")
        if args.ground_truth_samples == 0 and not args.skip_ground_truth:
            args.skip_ground_truth = True
        report = run_audit(args, progress_wanted())
        if args.json:
            sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")
        else:
            sys.stdout.write(render_text(report))
        return report["summary"]["exit_code"]
    return run_command(prog, body)


if __name__ == "__main__":
    sys.exit(main())
