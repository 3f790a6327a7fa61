"""Renderings of verify's results: a readable table, JSON, Markdown, JUnit XML, SARIF 2.1.0
and GitHub Actions workflow commands. They only format; no verdict is decided here.

Every format is a ``Format``: ``head()``, one ``line(result)`` per certificate as it finishes,
then ``tail(report)``. The text and github formats stream (their lines make sense one at a time);
the others are whole documents, written by ``tail``. ``render(name, report)`` is the whole
output at once.

``python -m compact_proofs.verify.formats FORMAT < report.json`` re-renders a report written by
``verify --format json`` in another format, so CI can check once and publish several ways.

Bounds are shown as ``count/total (0.xxxxxx)`` with total = d_vocab^K (the decimal rounded down,
so it never overstates a lower bound); in the text table and Markdown a total of more than 10
digits is shown as ``0.xxxxxx of 1.33e+36``, and integers of more than 12 digits in reasons in
scientific form (the JSON report keeps every number exact).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

from compact_proofs.checker.result import BELOW_MIN_BOUND, ERROR, REJECTED, VERIFIED, Result

REPORT_FORMAT = "compact-proofs-verify-report"
REPORT_VERSION = "1.1"  # 1.1: each result's "comparison" (the paper's measures, audit.conventions)
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
VERDICTS = (VERIFIED, REJECTED, BELOW_MIN_BOUND, ERROR)

# The ways a certificate can fail, as SARIF rules and annotation titles.
FAILURES = {
    REJECTED: ("certificate-rejected", "certificate rejected",
               "The kernel did not prove the certificate's claim."),
    BELOW_MIN_BOUND: ("certificate-below-min-bound", "certificate below min-bound",
                      "The kernel proved the certificate's claim, but its bound is below --min-bound."),
    ERROR: ("certificate-unusable", "certificate unusable",
            "The certificate could not be checked: unreadable, malformed, over the work limit, or its "
            "weights are missing or do not match its digest."),
}


@dataclass(frozen=True)
class Skipped:
    """A file verify did not check, and why."""

    path: str
    reason: str


@dataclass
class Report:
    """Everything one verify run produced."""

    results: list[Result]
    environment: dict
    skipped: list = field(default_factory=list)
    min_bound: Fraction | None = None
    exit_code: int = 0
    comparisons: dict = field(default_factory=dict)  # path -> audit.conventions.comparison (reporting only)

    def count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.results)

    @property
    def smallest(self) -> Result | None:
        """The proved result with the smallest bound (verified or below --min-bound)."""
        proved = [r for r in self.results if r.bound is not None]
        return min(proved, key=lambda r: r.bound) if proved else None  # type: ignore[arg-type, return-value]


# --- numbers and text ----------------------------------------------------------------------------

def fraction_text(x: Fraction | None, total: int | None = None) -> str | None:
    """'count/total' when ``x * total`` is an integer, else 'N/D' reduced; None for None."""
    if x is None:
        return None
    if total and (x * total).denominator == 1:
        return f"{x * total}/{total}"
    return f"{x.numerator}/{x.denominator}"


def decimal_below(x: Fraction, places: int = 6) -> str:
    """``x`` rounded down to ``places`` decimals, e.g. '0.999107'."""
    scaled = math.floor(x * 10**places)
    return f"{scaled // 10**places}.{scaled % 10**places:0{places}d}"


def float_below(x: Fraction) -> float:
    """The largest float <= x."""
    f = float(x)
    return math.nextafter(f, -math.inf) if Fraction(f) > x else f


def bound_text(bound: Fraction | None, total: int | None = None) -> str:
    """'count/total (0.xxxxxx)' or '-'."""
    if bound is None:
        return "-"
    return f"{fraction_text(bound, total)} ({decimal_below(bound)})"


def short_bound_text(bound: Fraction | None, total: int | None) -> str:
    """``bound_text``, or '0.xxxxxx of 1.33e+36' when the total has more than 10 digits."""
    if bound is not None and total is not None and total >= 10**10:
        return f"{decimal_below(bound)} of {total:.3g}"
    return bound_text(bound, total)


def summary_line(report: Report) -> str:
    """'n certificate(s): a verified, b rejected, c below min-bound, d error; s file(s) skipped'."""
    line = (f"{len(report.results)} certificate(s): {report.count(VERIFIED)} verified, {report.count(REJECTED)} "
            f"rejected, {report.count(BELOW_MIN_BOUND)} below min-bound, {report.count(ERROR)} error")
    return line + (f"; {len(report.skipped)} file(s) skipped" if report.skipped else "")


_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]")
_LONG_INTEGER = re.compile(r"\d{13,}")


def one_line(text: str) -> str:
    """Control characters (line breaks included) and lone surrogates shown as Python escapes."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def short_numbers(text: str) -> str:
    """Integers of more than 12 digits in scientific form (for the text table only)."""
    return _LONG_INTEGER.sub(lambda m: f"{int(m.group()):.3e}", text)


# --- the formats -----------------------------------------------------------------------------------

class Format:
    """A rendering: ``head()``, ``line(result)`` per certificate, ``tail(report)``. ``streams``
    says the lines can be shown as they come."""

    streams = False

    def __init__(self, paths: list[str]):
        self.paths = paths

    def head(self) -> str:
        return ""

    def line(self, result: Result) -> str:
        return ""

    def tail(self, report: Report) -> str:
        raise NotImplementedError


class Text(Format):
    """A column-aligned table, one row per certificate (one line each), then the skipped files
    and the summary line."""

    streams = True
    COLUMNS = (("verdict", 15), ("claimed", 8), ("proved", 32), ("seconds", 7), ("ops", 8), ("model", 12))

    def __init__(self, paths: list[str]):
        super().__init__(paths)
        self.width = max([len("path")] + [len(one_line(p)) for p in paths])

    def _row(self, path: str, cells: tuple[str, ...], strategy: str, reason: str) -> str:
        aligned = "  ".join(cell.rjust(w) if name in ("seconds", "ops") else cell.ljust(w)
                            for (name, w), cell in zip(self.COLUMNS, cells))
        return f"{path.ljust(self.width)}  {aligned}  {strategy}  {reason}".rstrip() + "\n"

    def head(self) -> str:
        return self._row("path", tuple(name for name, _ in self.COLUMNS), "strategy", "reason")

    def line(self, r: Result) -> str:
        cells = (r.verdict, decimal_below(r.claimed) if r.claimed is not None else "-",
                 short_bound_text(r.bound, r.total), f"{r.seconds:.2f}", f"{r.operations:.3g}" if r.cost else "-",
                 (r.model_digest or "-")[7:19])
        reason = "" if r.verdict == VERIFIED else short_numbers(one_line(r.reason))
        return self._row(one_line(r.path), cells, one_line(r.strategy or "-"), reason)

    def tail(self, report: Report) -> str:
        lines = [f"skipped {one_line(s.path)}: {one_line(s.reason)}\n" for s in report.skipped]
        return "".join(lines) + summary_line(report) + "\n"


def result_dict(r: Result, comparison: dict | None = None) -> dict:
    """The JSON object of one result: bounds as exact 'count/total' strings and decimals
    rounded down; ``inputs`` (d_vocab^K) as a decimal string; ``comparison`` the certificate's
    measures in the paper's conventions (``audit.conventions.comparison``; reporting, not
    verdict)."""
    return {"path": r.path, "verdict": r.verdict, "reason": r.reason, "strategy": r.strategy,
            "model_digest": r.model_digest, "inputs": None if r.total is None else str(r.total),
            "claimed": fraction_text(r.claimed, r.total), "bound": fraction_text(r.bound, r.total),
            "bound_decimal": None if r.bound is None else float_below(r.bound),
            "seconds": round(r.seconds, 3), "operations": r.operations, "cost": r.cost, "rules": r.rules,
            "comparison": comparison}


def result_from_dict(d: dict) -> Result:
    """The inverse of ``result_dict`` (seconds as rounded there)."""
    def frac(x: str | None) -> Fraction | None:
        return None if x is None else Fraction(x)
    return Result(path=d["path"], verdict=d["verdict"], reason=d["reason"], claimed=frac(d["claimed"]),
                  bound=frac(d["bound"]), model_digest=d["model_digest"], strategy=d["strategy"],
                  total=None if d["inputs"] is None else int(d["inputs"]), seconds=d["seconds"], cost=d["cost"],
                  rules=list(d["rules"]))


def comparisons(report: Report) -> dict:
    """Each result's ``comparison``: the report's own, else computed from the certificate file
    (None where it cannot be read as one)."""
    from compact_proofs.audit.conventions import comparison

    for r in report.results:
        if r.path not in report.comparisons:
            report.comparisons[r.path] = comparison(r.path) if r.claimed is not None else None
    return report.comparisons


def report_dict(report: Report) -> dict:
    """The whole JSON report (schema: ``compact-proofs schema verify-report``)."""
    smallest = report.smallest
    measures = comparisons(report)
    summary = {"certificates": len(report.results), **{v: report.count(v) for v in VERDICTS},
               "skipped": len(report.skipped), "exit_code": report.exit_code,
               "min_bound": fraction_text(report.min_bound),
               "smallest_bound": None if smallest is None else fraction_text(smallest.bound, smallest.total),
               "smallest_bound_decimal": None if smallest is None else float_below(smallest.bound),  # type: ignore[arg-type]
               "seconds": round(sum(r.seconds for r in report.results), 3)}
    return {"format": REPORT_FORMAT, "version": REPORT_VERSION, "summary": summary,
            "environment": report.environment, "results": [result_dict(r, measures[r.path]) for r in report.results],
            "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped]}


def report_from_dict(doc: dict) -> Report:
    """The inverse of ``report_dict``."""
    summary = doc["summary"]
    return Report(results=[result_from_dict(d) for d in doc["results"]], environment=doc["environment"],
                  skipped=[Skipped(s["path"], s["reason"]) for s in doc["skipped"]],
                  min_bound=None if summary["min_bound"] is None else Fraction(summary["min_bound"]),
                  exit_code=summary["exit_code"],
                  comparisons={d["path"]: d.get("comparison") for d in doc["results"] if "comparison" in d})


class Json(Format):
    """``report_dict`` as JSON, indented by two spaces (every JSON this project writes is)."""

    def tail(self, report: Report) -> str:
        return json.dumps(report_dict(report), indent=2) + "\n"


def code_span(text: str) -> str:
    """``text`` as a Markdown code span inside a table cell: a backtick fence longer than any run
    in it, padded when it starts or ends with a backtick; '|' escaped (GFM tables split on it
    even in code spans)."""
    text = one_line(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")


def markdown_text(text: str) -> str:
    """Plain text in a table cell: only the characters Markdown or HTML would read as markup (or
    as a column break) backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text))


class Markdown(Format):
    """A GitHub-flavoured Markdown table (path, strategy, verdict, proved bound, reason), e.g. for
    $GITHUB_STEP_SUMMARY; paths in code spans."""

    ICONS = {VERIFIED: "&#x2705;", REJECTED: "&#x274C;", BELOW_MIN_BOUND: "&#x1F53B;",
             ERROR: "&#x26A0;&#xFE0F;"}  # entities: plain ASCII

    def tail(self, report: Report) -> str:
        lines = [f"### verify: {markdown_text(summary_line(report))}", "",
                 "| path | strategy | verdict | proved bound | reason |", "| --- | --- | --- | --- | --- |"]
        for r in report.results:
            cells = [code_span(r.path), markdown_text(r.strategy or "-"), f"{self.ICONS[r.verdict]} {r.verdict}",
                     markdown_text(short_bound_text(r.bound, r.total)),
                     "" if r.verdict == VERIFIED else markdown_text(short_numbers(r.reason))]
            lines.append("| " + " | ".join(cells) + " |")
        if report.skipped:
            lines += ["", "Skipped (not certificates): " + ", ".join(
                f"{code_span(s.path)} ({markdown_text(s.reason)})" for s in report.skipped)]
        env = report.environment
        lines += ["", f"checker {env.get('checker', '?')}, python-flint {env.get('python_flint', '?')}, "
                      f"FLINT {env.get('flint', '?')}, Python {env.get('python', '?')}"]
        return "\n".join(lines) + "\n"


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Replace characters XML 1.0 cannot carry at all (ElementTree escapes the rest)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


class JUnit(Format):
    """JUnit XML: one <testsuite name="verify">, one <testcase> per certificate (classname =
    strategy, name = path); rejected and below min-bound -> <failure> (its type says which),
    error -> <error>, a skipped file -> <skipped>; the proved bound, claim and model digest as
    the testcase's <properties> (as pytest writes them). ASCII-only output."""

    def tail(self, report: Report) -> str:
        results = report.results
        suite = ET.Element("testsuite", name="verify", tests=str(len(results) + len(report.skipped)),
                           failures=str(report.count(REJECTED) + report.count(BELOW_MIN_BOUND)),
                           errors=str(report.count(ERROR)), skipped=str(len(report.skipped)),
                           time=f"{sum(r.seconds for r in results):.3f}")
        props = ET.SubElement(suite, "properties")
        for key, value in report.environment.items():
            ET.SubElement(props, "property", name=_xml_text(str(key)), value=_xml_text(str(value)))
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=_xml_text(r.strategy or "certificate"),
                                 name=_xml_text(r.path), time=f"{r.seconds:.3f}")
            facts = {"bound": fraction_text(r.bound, r.total),
                     "bound_decimal": None if r.bound is None else decimal_below(r.bound),
                     "claimed": fraction_text(r.claimed, r.total), "model_digest": r.model_digest}
            props = ET.SubElement(case, "properties")
            for key, value in facts.items():
                if value is not None:
                    ET.SubElement(props, "property", name=key, value=_xml_text(value))
            if r.verdict in FAILURES:
                reason = _xml_text(r.reason)
                tag = "error" if r.verdict == ERROR else "failure"
                ET.SubElement(case, tag, message=reason, type=FAILURES[r.verdict][0]).text = reason
        for s in report.skipped:
            case = ET.SubElement(suite, "testcase", classname="not-a-certificate", name=_xml_text(s.path), time="0")
            ET.SubElement(case, "skipped", message=_xml_text(s.reason))
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
    return quote(os.fsencode(p.as_posix()), safe="/")  # bytes: a path's undecodable bytes survive


class Sarif(Format):
    """SARIF 2.1.0: one run; one result of level "error" per rejected, below-min-bound or unusable
    certificate, located at the certificate file (line 1: the whole file is the finding, and
    GitHub code scanning needs a line). Verified certificates produce no result, so uploading a
    clean run closes earlier alerts."""

    def tail(self, report: Report) -> str:
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
                                    "claimed": fraction_text(r.claimed, r.total),
                                    "bound": fraction_text(r.bound, r.total)}}
                    for r in report.results if r.verdict in FAILURES]
        run = {"tool": {"driver": {"name": "compact-proofs verify",
                                   "version": str(report.environment.get("checker", "unknown")), "rules": rules}},
               "results": findings,
               "properties": {"environment": report.environment,
                              "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped]}}
        return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _command_data(text: str) -> str:
    """Escape a workflow command's message: %, CR, LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command_property(text: str) -> str:
    """Escape a workflow command's property value: also ':' and ','."""
    return _command_data(text).replace(":", "%3A").replace(",", "%2C")


class GitHub(Format):
    """GitHub Actions workflow commands: one ``::error`` annotation per rejected, below-min-bound
    or unusable certificate as it finishes (GitHub shows only the first few annotations of a
    step, so verified certificates get none), then one plain summary line."""

    streams = True

    def line(self, r: Result) -> str:
        if r.verdict not in FAILURES:
            return ""
        file, title = _command_property(r.path), _command_property(FAILURES[r.verdict][1])
        return f"::error file={file},title={title}::{_command_data(r.reason or r.verdict)}\n"

    def tail(self, report: Report) -> str:
        return f"verify: {summary_line(report)}\n"


FORMATS: dict[str, type[Format]] = {"text": Text, "json": Json, "markdown": Markdown, "junit": JUnit,
                                    "sarif": Sarif, "github": GitHub}


def render(name: str, report: Report) -> str:
    """The whole output of format ``name`` for ``report``."""
    fmt = FORMATS[name]([r.path for r in report.results])
    return fmt.head() + "".join(fmt.line(r) for r in report.results) + fmt.tail(report)


def read_report(text: str, where: str = "<stdin>") -> Report:
    """A ``verify --format json`` report, checked for its format name and major version; raises
    ValueError with a one-line reason."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{where}: not JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict) or doc.get("format") != REPORT_FORMAT:
        raise ValueError(f"{where}: not a {REPORT_FORMAT} document (write one with verify --format json)")
    if str(doc.get("version", "")).split(".")[0] != REPORT_VERSION.split(".")[0]:
        raise ValueError(f"{where}: unsupported report version {doc.get('version')!r} (this reads {REPORT_VERSION})")
    try:
        return report_from_dict(doc)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"{where}: malformed report ({type(exc).__name__}: {exc})") from None


def main(argv: list[str] | None = None, prog: str = "python -m compact_proofs.verify.formats") -> int:
    """Read a ``verify --format json`` report on stdin and write it in FORMAT on stdout."""
    from compact_proofs.cli import run_command

    def body() -> int:
        args = sys.argv[1:] if argv is None else argv
        if len(args) != 1 or args[0] not in FORMATS:
            print(f"usage: {prog} {{{','.join(FORMATS)}}} < report.json", file=sys.stderr)
            return 2
        try:
            report = read_report(sys.stdin.read())
        except ValueError as exc:
            print(f"{prog}: {one_line(str(exc))}", file=sys.stderr)
            return 2
        sys.stdout.write(render(args[0], report))
        return 0
    return run_command(prog, body)


if __name__ == "__main__":
    sys.exit(main())
