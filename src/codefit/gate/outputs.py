"""What `codefit check` writes: a terminal summary, Markdown, JUnit XML, SARIF 2.1.0, and GitHub
workflow annotations. Pure functions of a CheckResult; held-out verdicts are already cut to their
feedback level, so nothing here can say more about a held-out test than the level allows."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from codefit.gate.result import CheckResult
from codefit.guards.base import Policy, Severity
from codefit.sensors.base import Outcome, Reading
from codefit.sensors.pytest_sensor import exception_line

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Severity.INFO: "note", Severity.WARN: "warning", Severity.BLOCK: "error"}
ANNOTATION = {Severity.INFO: "notice", Severity.WARN: "warning", Severity.BLOCK: "error"}


def summary_lines(result: CheckResult) -> list[str]:
    lines = [f"codefit check {result.base[:12]}..{result.head[:12]}: {'PASS' if result.passed else 'FAIL'}"]
    for reading in result.train:
        lines.append(
            f"  train {reading.sensor}: {'passed' if reading.passed else 'failed'} ({counted(reading)})"
        )
        lines += [f"    {line}" for line in train_failures(reading)]
    lines += [f"  held-out {v.line()}" for v in result.heldout]
    for alert, policy in result.alerts:
        lines.append(
            f"  alert {alert.severity.value}/{policy.value} {alert.kind} at {alert.evidence}: {alert.message}"
        )
    for name, (before, after) in result.quality.items():
        change = f"{after - before:+.3f}{_direction(before, after)}"
        lines.append(f"  quality {name}: {before:.3f} -> {after:.3f} ({change})")
    if result.mutation_score is not None:
        lines.append(
            f"  mutation score of the visible tests on the changed modules: {result.mutation_score:.2f}"
        )
    lines += [f"  note: {n}" for n in result.notes]
    lines += [f"  reason: {r}" for r in result.reasons()]
    return lines


def train_failures(reading: Reading, limit: int = 10) -> list[str]:
    """The train split's failing tests by name (it is the visible split: the author reruns them),
    and why the suite did not run where none passed (a test dependency missing: no code's fault)."""
    failing = [t.nodeid for t in reading.failing_tests()]
    lines = [f"failing: {name}" for name in failing[:limit]]
    if len(failing) > limit:
        lines.append(f"failing: ... and {len(failing) - limit} more")
    cause = reading.error or next((t.message for t in reading.failing_tests() if t.message), "")
    if cause and not reading.counts.passed:
        last = cause.strip().splitlines()[-1].removeprefix("E").strip()  # pytest's `E   Error: ...`
        lines.append(f"cause: {(exception_line(cause) or last)[:300]}")
    return lines


def _direction(before: float, after: float) -> str:
    """Every quality figure is worse higher (the quality score is (1 - erosion) x (1 - verbosity))."""
    return ", worse" if after > before else ", better" if after < before else ""


def counted(reading: Reading) -> str:
    """`3/4 passed, 1 skipped, 2 xfailed`: every outcome that is not a pass, named as pytest names it
    (a skip is no failure; an expected failure is counted with the skips, shown apart)."""
    c = reading.counts
    xfailed = sum(t.outcome == Outcome.XFAILED for t in reading.tests)
    xfailed = xfailed if xfailed <= c.skipped else 0  # counts without their tests: as counted
    others = [
        (c.failed, "failed"),
        (c.errors, "errors"),
        (c.skipped - xfailed, "skipped"),
        (xfailed, "xfailed"),
    ]
    return ", ".join([f"{c.passed}/{c.total} passed", *(f"{n} {what}" for n, what in others if n)])


def markdown(result: CheckResult) -> str:
    mark = "✅ passed" if result.passed else "❌ failed"
    out = [f"## codefit check: {mark}", "", f"`{result.base[:12]}..{result.head[:12]}`", ""]
    out += ["| split | sensor | verdict |", "|---|---|---|"]
    for reading in result.train:
        c = reading.counts
        out.append(
            f"| train | {reading.sensor} | {'pass' if reading.passed else 'fail'} ({c.passed}/{c.total}) |"
        )
    for v in result.heldout:
        told = "graded" if v.level == "none" else ("pass" if v.passed else "fail")
        if v.as_on_base is not None:
            told += " as on base" if v.as_on_base else ", not on base"
        if v.score is not None:
            told += f" ({v.score:.2f})"
        out.append(f"| {v.split} (held out) | {v.sensor} | {told} |")
    if result.alerts:
        out += [
            "",
            "### Guard alerts",
            "",
            "| severity | policy | kind | where | message |",
            "|---|---|---|---|---|",
        ]
        for alert, policy in result.alerts:
            message = alert.message.replace("|", "\\|")
            out.append(
                f"| {alert.severity.value} | {policy.value} | {alert.kind} | `{alert.evidence}` | {message} |"
            )
    if result.quality:
        out += [
            "",
            "### Quality drift (base → head; every figure is worse higher)",
            "",
            "| figure | base | head | change |",
            "|---|---|---|---|",
        ]
        for name, (before, after) in result.quality.items():
            out.append(
                f"| {name} | {before:.3f} | {after:.3f} | {after - before:+.3f}{_direction(before, after)} |"
            )
    if result.mutation_score is not None:
        out += [
            "",
            f"Mutation score of the visible tests on the changed modules: **{result.mutation_score:.2f}**",
        ]
    if result.reasons():
        out += ["", "### Why it fails", ""] + [f"- {r}" for r in result.reasons()]
    out += [""] + [f"_{n}_" for n in result.notes]
    out += ["", "Held-out checks are agent-blind: their tests are not shown here, only their verdict."]
    return "\n".join(out) + "\n"


def junit(result: CheckResult) -> str:
    suites = ET.Element("testsuites", name="codefit check")
    train = ET.SubElement(suites, "testsuite", name="train")
    for reading in result.train:
        _case(train, "train", reading.sensor, None if reading.passed else counted(reading))
    heldout = ET.SubElement(suites, "testsuite", name="held-out")
    for v in result.heldout:
        _case(heldout, v.split, v.sensor, None if v.passed else f"the held-out checks failed{v.on_base()}")
    guards = ET.SubElement(suites, "testsuite", name="guards")
    for alert, policy in result.alerts:
        _case(
            guards,
            "guards",
            f"{alert.kind} at {alert.evidence}",
            alert.message if policy != Policy.WARN else None,
        )
    for suite in (train, heldout, guards):
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def _case(suite: ET.Element, classname: str, name: str, failure: str | None) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name=name)
    if failure is not None:
        ET.SubElement(case, "failure", message=failure).text = failure


def sarif(result: CheckResult, tool_version: str) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for alert, policy in result.alerts:
        rule_id = f"codefit/{alert.kind}"
        rules.setdefault(
            rule_id,
            {
                "id": rule_id,
                "name": alert.kind,
                "shortDescription": {"text": f"codefit guard {alert.guard}: {alert.kind}"},
            },
        )
        entry: dict[str, Any] = {
            "ruleId": rule_id,
            "level": SARIF_LEVEL[alert.severity],
            "message": {"text": alert.message},
            "properties": {"policy": policy.value, "guard": alert.guard},
        }
        if alert.path:
            location: dict[str, Any] = {"artifactLocation": {"uri": alert.path}}
            if alert.line is not None and alert.line >= 1:
                location["region"] = {"startLine": alert.line}
            entry["locations"] = [{"physicalLocation": location}]
        results.append(entry)
    if failed := result.failed_splits():  # no alert may say why: code scanning must still show a failure
        rules["codefit/split_failed"] = {
            "id": "codefit/split_failed",
            "name": "split_failed",
            "shortDescription": {"text": "codefit check: a gated sensor or a held-out split failed"},
        }
        spec = [{"physicalLocation": {"artifactLocation": {"uri": result.spec}}}]
        results += [
            {"ruleId": "codefit/split_failed", "level": "error", "message": {"text": f}, "locations": spec}
            for f in failed
        ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "codefit",
                        "version": tool_version,
                        "informationUri": "https://pypi.org/project/codefit/",
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
                "properties": {"passed": result.passed, "base": result.base, "head": result.head},
            }
        ],
    }


def sarif_text(result: CheckResult, tool_version: str) -> str:
    return json.dumps(sarif(result, tool_version), indent=2)


def workflow_annotations(result: CheckResult) -> list[str]:
    """GitHub workflow commands: one annotation per alert, one per failing split."""
    out = []
    for alert, _ in result.alerts:
        props = [f"file={_escape_property(alert.path)}"] if alert.path else []
        props += [f"line={alert.line}"] if alert.path and alert.line else []
        props.append(f"title={_escape_property('codefit ' + alert.kind)}")
        out.append(f"::{ANNOTATION[alert.severity]} {','.join(props)}::{_escape(alert.message)}")
    out += [f"::error title=codefit check::{_escape(failed)}" for failed in result.failed_splits()]
    return out


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape(text).replace(":", "%3A").replace(",", "%2C")
