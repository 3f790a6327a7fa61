"""Renderings of verify's results: a readable table, JSON, Markdown, JUnit XML, SARIF 2.1.0
and GitHub Actions workflow commands.

Each renderer takes the list of ``Result`` records and the run's environment facts and
returns the whole output as one string. They only format; no verdict is decided here.

``python -m compact_proofs.verify.formats FORMAT < report.json`` re-renders a report written by
``verify --format json`` in another format, so CI can check once and publish several ways.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

from compact_proofs.checker.result import ERROR, REJECTED, VERIFIED, Result

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# The two ways a certificate can fail, as SARIF rules and annotation titles.
FAILURES = {
    REJECTED: ("certificate-rejected", "certificate rejected",
               "The kernel did not prove the certificate's claim (or its bound is below --min-bound)."),
    ERROR: ("certificate-unusable", "certificate unusable",
            "The certificate could not be checked: unreadable, malformed, or its weights are missing "
            "or do not match its digest."),
}


def fraction_text(x: Fraction | None) -> str | None:
    """'N/D', or None."""
    return None if x is None else f"{x.numerator}/{x.denominator}"


def bound_text(bound: Fraction | None) -> str:
    """'N/D (0.xxxxxx)' or '-'."""
    if bound is None:
        return "-"
    return f"{fraction_text(bound)} ({float(bound):.6f})"


def summary_line(results: list[Result]) -> str:
    """'n certificate(s): a verified, b rejected, c error'."""
    counts = {v: sum(r.verdict == v for r in results) for v in (VERIFIED, REJECTED, ERROR)}
    return (f"{len(results)} certificate(s): {counts[VERIFIED]} verified, {counts[REJECTED]} rejected, "
            f"{counts[ERROR]} error")


_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """Control characters (line breaks included) shown as Python escapes, e.g. '\\n'."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def render_text(results: list[Result], env: dict) -> str:
    """A column-aligned table, one row per certificate (one line each), then the summary line."""
    rows = [("path", "model", "strategy", "claimed", "proved", "verdict", "seconds", "ops", "reason")]
    for r in results:
        rows.append((one_line(r.path), (r.model_digest or "-")[7:19], one_line(r.strategy or "-"),
                     f"{float(r.claimed):.6f}" if r.claimed is not None else "-",
                     f"{float(r.bound):.6f}" if r.bound is not None else "-",
                     r.verdict, f"{r.seconds:.2f}", f"{r.operations:.3g}" if r.cost else "-",
                     one_line(r.reason)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + "  " + row[-1] for row in rows]
    lines.append(summary_line(results))
    return "\n".join(lines) + "\n"


def result_dict(r: Result) -> dict:
    """The JSON object of one result (bounds as exact 'N/D' strings and as decimals)."""
    return {"path": r.path, "verdict": r.verdict, "bound": fraction_text(r.bound),
            "bound_decimal": None if r.bound is None else float(r.bound),
            "claimed": fraction_text(r.claimed), "model_digest": r.model_digest, "strategy": r.strategy,
            "reason": r.reason, "seconds": round(r.seconds, 3), "operations": r.operations, "cost": r.cost,
            "rules": r.rules}


def result_from_dict(d: dict) -> Result:
    """The inverse of ``result_dict`` (seconds as rounded there)."""
    def frac(x: str | None) -> Fraction | None:
        return None if x is None else Fraction(x)
    return Result(path=d["path"], verdict=d["verdict"], reason=d["reason"], claimed=frac(d["claimed"]),
                  bound=frac(d["bound"]), model_digest=d["model_digest"], strategy=d["strategy"],
                  seconds=d["seconds"], cost=d["cost"], rules=list(d["rules"]))


def render_json(results: list[Result], env: dict) -> str:
    """``{"environment": env, "results": [result_dict, ...]}``."""
    return json.dumps({"environment": env, "results": [result_dict(r) for r in results]}, indent=2) + "\n"


def _markdown_cell(text: str) -> str:
    """One line, with ASCII punctuation backslash-escaped so no cell text is read as markup, HTML
    or a column break."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", one_line(text))


def render_markdown(results: list[Result], env: dict) -> str:
    """A GitHub-flavoured Markdown table (path, strategy, verdict, proved bound, reason), e.g. for
    $GITHUB_STEP_SUMMARY."""
    icons = {VERIFIED: "&#x2705;", REJECTED: "&#x274C;", ERROR: "&#x26A0;&#xFE0F;"}  # entities: plain ASCII
    lines = [f"### verify: {summary_line(results)}", "",
             "| path | strategy | verdict | proved bound | reason |", "| --- | --- | --- | --- | --- |"]
    for r in results:
        cells = [_markdown_cell(r.path), _markdown_cell(r.strategy or "-"), f"{icons[r.verdict]} {r.verdict}",
                 _markdown_cell(bound_text(r.bound)), _markdown_cell(r.reason)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"checker {env.get('checker', '?')}, python-flint {env.get('python_flint', '?')}, "
                  f"FLINT {env.get('flint', '?')}, Python {env.get('python', '?')}"]
    return "\n".join(lines) + "\n"


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Replace characters XML 1.0 cannot carry at all (ElementTree escapes the rest)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def render_junit(results: list[Result], env: dict) -> str:
    """JUnit XML: one <testsuite name="verify">, one <testcase> per certificate (classname =
    strategy, name = path); rejected -> <failure>, error -> <error>; the proved bound, claim
    and model digest as the testcase's <properties> (as pytest writes them). ASCII-only output."""
    suite = ET.Element("testsuite", name="verify", tests=str(len(results)),
                       failures=str(sum(r.verdict == REJECTED for r in results)),
                       errors=str(sum(r.verdict == ERROR for r in results)), skipped="0",
                       time=f"{sum(r.seconds for r in results):.3f}")
    props = ET.SubElement(suite, "properties")
    for key, value in env.items():
        ET.SubElement(props, "property", name=_xml_text(str(key)), value=_xml_text(str(value)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=_xml_text(r.strategy or "certificate"),
                             name=_xml_text(r.path), time=f"{r.seconds:.3f}")
        facts = {"bound": fraction_text(r.bound),
                 "bound_decimal": None if r.bound is None else f"{float(r.bound):.6f}",
                 "claimed": fraction_text(r.claimed), "model_digest": r.model_digest}
        props = ET.SubElement(case, "properties")
        for key, value in facts.items():
            if value is not None:
                ET.SubElement(props, "property", name=key, value=_xml_text(value))
        if r.verdict in FAILURES:
            reason = _xml_text(r.reason)
            tag = "failure" if r.verdict == REJECTED else "error"
            ET.SubElement(case, tag, message=reason, type=FAILURES[r.verdict][0]).text = reason
    ET.indent(suite)
    return ET.tostring(suite, encoding="us-ascii", xml_declaration=True).decode("ascii") + "\n"  # others as &#N;


def artifact_uri(path: str) -> str:
    """A certificate path as a SARIF artifact URI: relative with forward slashes and
    percent-encoding (absolute paths under the working directory are made relative; others
    become file: URIs)."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return p.as_uri()
    return quote(p.as_posix(), safe="/")


def render_sarif(results: list[Result], env: dict) -> str:
    """SARIF 2.1.0: one run; one result of level "error" per rejected or unusable certificate,
    located at the certificate file (line 1: the whole file is the finding, and GitHub code
    scanning needs a line). Verified certificates produce no result, so uploading a clean run
    closes earlier alerts."""
    rules = [{"id": rule_id, "name": "".join(w.title() for w in title.split()),
              "shortDescription": {"text": title.capitalize()}, "fullDescription": {"text": text},
              "defaultConfiguration": {"level": "error"}}
             for rule_id, title, text in FAILURES.values()]
    index = {verdict: i for i, verdict in enumerate(FAILURES)}
    findings = [{"ruleId": FAILURES[r.verdict][0], "ruleIndex": index[r.verdict], "level": "error",
                 "message": {"text": r.reason or r.verdict},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(r.path)},
                                                     "region": {"startLine": 1}}}],
                 "properties": {"verdict": r.verdict, "strategy": r.strategy, "model_digest": r.model_digest,
                                "claimed": fraction_text(r.claimed)}}
                for r in results if r.verdict in FAILURES]
    run = {"tool": {"driver": {"name": "compact-proofs verify", "version": str(env.get("checker", "unknown")),
                               "rules": rules}},
           "results": findings, "properties": {"environment": env}}
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _command_data(text: str) -> str:
    """Escape a workflow command's message: %, CR, LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command_property(text: str) -> str:
    """Escape a workflow command's property value: also ':' and ','."""
    return _command_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(results: list[Result], env: dict) -> str:
    """GitHub Actions workflow commands: ``::error`` per rejected or unusable certificate,
    ``::notice`` per verified one, then the text table. The table is enclosed in
    ``::stop-commands::`` so no path or reason in it can act as a workflow command."""
    lines = []
    for r in results:
        file = _command_property(r.path)
        if r.verdict in FAILURES:
            title = _command_property(FAILURES[r.verdict][1])
            lines.append(f"::error file={file},title={title}::{_command_data(r.reason or r.verdict)}")
        else:
            lines.append(f"::notice file={file},title=certificate verified::"
                         f"{_command_data(f'verified, proved bound {bound_text(r.bound)}')}")
    table = render_text(results, env)
    token = hashlib.sha256(table.encode("utf-8", "surrogatepass")).hexdigest()  # not in the table
    lines += [f"::stop-commands::{token}", table.rstrip("\n"), f"::{token}::"]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown,
             "junit": render_junit, "sarif": render_sarif, "github": render_github}


def main(argv: list[str] | None = None) -> int:
    """``python -m compact_proofs.verify.formats FORMAT``: read a ``verify --format json`` report on stdin and
    write it in FORMAT on stdout."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in RENDERERS:
        print(f"usage: python -m compact_proofs.verify.formats {{{','.join(RENDERERS)}}} < report.json", file=sys.stderr)
        return 2
    report = json.load(sys.stdin)
    sys.stdout.write(RENDERERS[argv[0]]([result_from_dict(d) for d in report["results"]], report["environment"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
