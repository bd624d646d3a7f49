"""The gate's report formats: SARIF validated against the official 2.1.0 schema, JUnit read back by a
JUnit reader, Markdown and workflow annotations that say no more than the feedback level allows."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import junitparser

from codefit.gate.outputs import junit, markdown, sarif, summary_lines, workflow_annotations
from codefit.gate.result import CheckResult, HeldoutVerdict, verdict
from codefit.guards.base import Alert, Policy, Severity
from codefit.sensors.base import Counts, Finding, Outcome, Reading, SensorSettings, TestResult
from codefit.spec import FeedbackLevel, Split

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-2.1.0-rtm.5.json"


def result(*, passed: bool = False) -> CheckResult:
    alerts = (
        []
        if passed
        else [
            (
                Alert(
                    guard="hardcoding",
                    kind="hardcoded_output",
                    severity=Severity.BLOCK,
                    message="returns a visible test's expected value for its input",
                    path="shop/grades.py",
                    line=3,
                ),
                Policy.ROLLBACK,
            ),
            (
                Alert(
                    guard="swallow",
                    kind="broad_except",
                    severity=Severity.WARN,
                    message="except: pass, with a, comma",
                ),
                Policy.WARN,
            ),
        ]
    )
    return CheckResult(
        base="a" * 40,
        head="b" * 40,
        alerts=alerts,
        train=[
            Reading(
                sensor="unit", split=Split.TRAIN, score=1.0, passed=True, counts=Counts(total=3, passed=3)
            )
        ],
        heldout=[
            HeldoutVerdict(sensor="hidden", split="validation", level=FeedbackLevel.VERDICT, passed=passed)
        ],
        quality={"erosion": (0.1, 0.25)},
        gates=frozenset({"unit"}),
    )


def test_sarif_validates_against_the_official_schema_and_carries_every_alert() -> None:
    document = sarif(result(), "1.2.3")
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    results = document["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "warning", "error"]
    failed = results[2]  # the held-out verdict, at the spec: code scanning shows a failing check
    assert failed["ruleId"] == "codefit/split_failed" and failed["message"]["text"] == (
        "held-out hidden (validation) failed"
    )
    assert failed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "codefit.toml"
    passing = sarif(result(passed=True), "1.2.3")
    assert "codefit/split_failed" not in json.dumps(passing)
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert {r["id"] for r in document["runs"][0]["tool"]["driver"]["rules"]} == {
        "codefit/hardcoded_output",
        "codefit/broad_except",
        "codefit/split_failed",
    }


def test_junit_reads_back_with_a_failure_per_failing_part(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(junit(result()))
    xml = junitparser.JUnitXml.fromfile(str(path))
    cases = {(suite.name, case.name): case.is_passed for suite in xml for case in suite}
    assert cases[("train", "unit")] is True
    assert cases[("held-out", "hidden")] is False
    assert cases[("guards", "hardcoded_output at shop/grades.py:3")] is False
    assert cases[("guards", "broad_except at ")] is True  # a warning does not fail the gate


def test_markdown_and_annotations_tell_the_verdict_only() -> None:
    failing = result()
    md = markdown(failing)
    assert "❌ failed" in md and "| validation (held out) | hidden | fail |" in md
    assert "erosion | 0.100 | 0.250 | +0.150" in md
    notes = workflow_annotations(failing)
    assert notes[0].startswith("::error file=shop/grades.py,line=3,title=codefit hardcoded_output::")
    assert notes[1].startswith("::warning title=codefit broad_except::except: pass, with a, comma")
    assert "::error title=codefit check::held-out hidden (validation) failed" in notes
    assert not failing.passed and result(passed=True).passed
    assert summary_lines(result(passed=True))[0].endswith("PASS")


def test_the_train_line_names_what_did_not_pass() -> None:
    """A skipped test is said to be skipped, not left to look like a failure ("200/201 passed")."""
    checked = result(passed=True)
    assert "  train unit: passed (3/3 passed)" in summary_lines(checked)
    checked.train = [train(Counts(total=4, passed=2, failed=1, skipped=1), passed=False)]
    assert "  train unit: failed (2/4 passed, 1 failed, 1 skipped)" in summary_lines(checked)
    # An expected failure is counted with the skips (no pass, no failure) but named as pytest names it.
    outcomes = [Outcome.PASSED, Outcome.SKIPPED, Outcome.XFAILED, Outcome.XFAILED]
    tests = tuple(TestResult(nodeid=f"t.py::test_{i}", outcome=o) for i, o in enumerate(outcomes))
    checked.train = [train(Counts(total=4, passed=1, skipped=3), passed=True, tests=tests)]
    assert "  train unit: passed (1/4 passed, 1 skipped, 2 xfailed)" in summary_lines(checked)


def train(counts: Counts, *, passed: bool, tests: tuple[TestResult, ...] = ()) -> Reading:
    return Reading(
        sensor="unit",
        split=Split.TRAIN,
        score=counts.passed / counts.total,
        passed=passed,
        counts=counts,
        tests=tests,
    )


def held_out(*failing: str, error: str | None = None, tampered: bool = False) -> Reading:
    tests = [TestResult(nodeid=f"tests/test_h.py::{n}", outcome=Outcome.FAILED) for n in failing]
    tests.append(TestResult(nodeid="tests/test_h.py::test_ok", outcome=Outcome.PASSED))
    findings = (Finding(message="twins passed", rule="tampered"),) if tampered else ()
    return Reading(
        sensor="hidden",
        split=Split.VALIDATION,
        score=0.5,
        passed=not failing and not error and not tampered,
        tests=tuple(tests),
        findings=findings,
        error=error,
    )


def test_a_failed_split_graded_on_base_says_whose_failures_they_are_and_nothing_more() -> None:
    settings = SensorSettings(name="hidden", kind="pytest", split=Split.VALIDATION)
    older = verdict(held_out("test_a"), settings, held_out("test_a", "test_b"))
    assert older.as_on_base is True and "as on base" in older.line()
    newer = verdict(held_out("test_a", "test_c"), settings, held_out("test_a"))
    assert newer.as_on_base is False and "the change's" in newer.line()
    assert "test_a" not in older.line() + newer.line()  # a verdict names no held-out test
    # A run that went worse as a whole is the change's, whatever its tests did.
    assert verdict(held_out(tampered=True), settings, held_out("test_a")).as_on_base is False
    assert verdict(held_out(error="timed out"), settings, held_out()).as_on_base is False
    assert verdict(held_out(error="timed out"), settings, held_out(error="timed out")).as_on_base is True
    # A passed split, or one not graded on base, says nothing of base.
    assert verdict(held_out(), settings, held_out("test_a")).as_on_base is None
    assert verdict(held_out("test_a"), settings).on_base() == ""
    report = result()
    report.heldout = [newer]
    assert "  held-out hidden (validation): failed (the change's" in "\n".join(summary_lines(report))
    assert any(r.startswith("held-out hidden (validation) failed (the change's") for r in report.reasons())
    assert "the change's" in junit(report)
    assert "fail, not on base" in markdown(report)


def test_the_train_splits_failing_tests_are_named_and_a_suite_that_did_not_run_says_why() -> None:
    """The train split is the visible one: its failures are the author's to rerun. A held-out
    split's never are (its verdict's level decides)."""
    failing = tuple(
        TestResult(nodeid=f"tests/test_a.py::test_{i}", outcome=Outcome.FAILED) for i in range(12)
    )
    train = Reading(
        sensor="unit",
        split=Split.TRAIN,
        score=0.5,
        passed=False,
        tests=failing,
        counts=Counts(total=24, passed=12, failed=12),
    )
    lines = summary_lines(CheckResult(base="a" * 40, head="b" * 40, train=[train]))
    assert "    failing: tests/test_a.py::test_0" in lines and "    failing: ... and 2 more" in lines
    assert not any(line.strip().startswith("cause:") for line in lines)  # some passed: the code's failures
    broken = Reading(
        sensor="unit",
        split=Split.TRAIN,
        score=0.0,
        passed=False,
        counts=Counts(total=1, errors=1),
        tests=(
            TestResult(
                nodeid="tests/test_a.py",
                outcome=Outcome.ERROR,
                message="E   ModuleNotFoundError: No module named 'pretend'",
            ),
        ),
    )
    lines = summary_lines(CheckResult(base="a" * 40, head="b" * 40, train=[broken]))
    assert "    cause: ModuleNotFoundError: No module named 'pretend'" in lines
    # A warning turned into an error (dateutil's `filterwarnings = error` under a newer pytest): the
    # message ends with a link to pytest's docs; the cause is the warning's own line.
    warned = "\n".join(
        [
            "tests/test_a.py:12: in <module>",
            "    @pytest.mark.parametrize('x', iter([1, 2]))",
            "E   pytest.PytestRemovedIn10Warning: Passing a non-Collection iterable to parametrize"
            " is deprecated.",
            "E   See https://docs.pytest.org/en/stable/deprecations.html#parametrize-iterators",
        ]
    )
    broken = broken.model_copy(update={"tests": (broken.tests[0].model_copy(update={"message": warned}),)})
    lines = summary_lines(CheckResult(base="a" * 40, head="b" * 40, train=[broken]))
    assert (
        "    cause: pytest.PytestRemovedIn10Warning: Passing a non-Collection iterable to parametrize "
        "is deprecated." in lines
    ), lines


def test_a_junit_failure_of_the_train_split_counts_every_outcome() -> None:
    """Not "0 failed" for a suite whose tests all erred (or that ran none)."""
    broken = Reading(
        sensor="unit", split=Split.TRAIN, score=0.0, passed=False, counts=Counts(total=3, errors=3)
    )
    xml = junit(CheckResult(base="a" * 40, head="b" * 40, train=[broken]))
    assert 'message="0/3 passed, 3 errors"' in xml, xml


def test_quality_drift_says_which_way_is_worse() -> None:
    result = CheckResult(
        base="a" * 40, head="b" * 40, quality={"erosion": (0.4, 0.5), "duplication": (0.2, 0.1)}
    )
    lines = summary_lines(result)
    assert "  quality erosion: 0.400 -> 0.500 (+0.100, worse)" in lines
    assert "  quality duplication: 0.200 -> 0.100 (-0.100, better)" in lines
    assert "| erosion | 0.400 | 0.500 | +0.100, worse |" in markdown(result)
