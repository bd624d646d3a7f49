from __future__ import annotations

from pathlib import Path

import pytest

from codefit.errors import ConfigError
from codefit.guards.base import Alert, Severity
from codefit.harness.feedback import (
    BlindVerdict,
    FeedbackInput,
    FeedbackSettings,
    feedback_settings,
    render_feedback,
)
from codefit.sensors.base import Counts, Finding, Outcome, Reading, TestResult
from codefit.spec import FeedbackLevel, Split

TRACE = "def test_x():\n>       assert add(2, 3) == 5\nE       assert -1 == 5\n"


def reading(name: str, tests: list[tuple[str, Outcome, str]], **kw: object) -> Reading:
    results = tuple(TestResult(nodeid=n, outcome=o, message=m) for n, o, m in tests)
    failed = sum(o != Outcome.PASSED for _, o, _ in tests)
    return Reading(
        sensor=name,
        split=kw.pop("split", Split.TRAIN),  # type: ignore[arg-type]
        score=(len(tests) - failed) / max(len(tests), 1),
        passed=failed == 0,
        counts=Counts(total=len(tests), passed=len(tests) - failed, failed=failed),
        tests=results,
        **kw,  # type: ignore[arg-type]
    )


def test_failing_sensors_come_first_and_repeated_tracebacks_are_shown_once() -> None:
    lint = reading("lint", [("a", Outcome.PASSED, "")])
    unit = reading(
        "unit",
        [
            ("t::a", Outcome.FAILED, TRACE + "obj at 0x7f01"),
            ("t::b", Outcome.FAILED, TRACE + "obj at 0x7f99"),
            ("t::c", Outcome.PASSED, ""),
        ],
    )
    text = render_feedback(FeedbackInput(step=3, train=[lint, unit], steps_left=2))
    assert text.index("## unit: FAILED") < text.index("## lint: PASSED")
    assert text.count("assert -1 == 5") == 1
    assert "(same failure as t::a)" in text
    assert "t::c" not in text
    assert text.rstrip().endswith("Steps left: 2")


def test_long_tracebacks_keep_head_and_tail_within_the_configured_size() -> None:
    long_message = "HEAD-CAUSE\n" + "x" * 5000 + "\nTAIL-ASSERTION"
    unit = reading("unit", [("t::a", Outcome.FAILED, long_message)])
    text = render_feedback(
        FeedbackInput(step=1, train=[unit], settings=FeedbackSettings(max_message_chars=200))
    )
    assert "HEAD-CAUSE" in text and "TAIL-ASSERTION" in text and "characters cut" in text
    assert len(text) < 800


def test_more_failures_than_the_limit_are_counted_not_listed() -> None:
    unit = reading("unit", [(f"t::{i}", Outcome.FAILED, f"E {i}") for i in range(5)])
    text = render_feedback(FeedbackInput(step=1, train=[unit], settings=FeedbackSettings(max_failures=2)))
    assert "t::1" in text and "t::2" not in text and "and 3 more failing tests" in text


def test_alerts_findings_and_budget_are_rendered() -> None:
    lint = Reading(
        sensor="ruff",
        split=Split.TRAIN,
        score=0.5,
        passed=False,
        findings=(Finding(path="calc.py", line=3, message="unused import os", rule="F401"),),
    )
    alert = Alert(
        guard="tamper", kind="test_edit", severity=Severity.WARN, message="tests changed", path="t.py"
    )
    text = render_feedback(
        FeedbackInput(step=1, train=[lint], alerts=[alert], steps_left=4, cost_left_usd=1.5, time_left_s=600)
    )
    assert "- calc.py:3: unused import os [F401]" in text
    assert "- [warn] test_edit: tests changed (t.py)" in text
    assert "Steps left: 4; cost left: $1.50; time left: 10 min" in text


@pytest.mark.parametrize(
    ("level", "present", "absent"),
    [
        (FeedbackLevel.NONE, ["no result is shown"], ["Verdict", "Score", "t::hidden"]),
        (FeedbackLevel.VERDICT, ["Verdict: FAILED"], ["Score", "t::hidden"]),
        (FeedbackLevel.SCORE, ["Score: 0.42"], ["t::hidden"]),
        (FeedbackLevel.NAMES, ["- failing: t::hidden"], ["secret detail"]),
        (FeedbackLevel.FULL, ["- failing: t::hidden", "secret detail"], []),
    ],
)
def test_blind_verdicts_reveal_only_their_level(
    level: FeedbackLevel, present: list[str], absent: list[str]
) -> None:
    hidden = reading("holdout", [("t::hidden", Outcome.FAILED, "secret detail")], split=Split.VALIDATION)
    verdict = BlindVerdict(sensor="holdout", level=level, reading=hidden, budget_left=2, noisy_score=0.42)
    text = render_feedback(FeedbackInput(step=1, train=[], blind=[verdict]))
    assert "## Hidden check holdout (queries left: 2)" in text
    for needle in present:
        assert needle in text
    for needle in absent:
        assert needle not in text


def test_user_template_replaces_the_layout_and_strict_undefined_catches_typos(tmp_path: Path) -> None:
    good = tmp_path / "mine.j2"
    good.write_text("step {{ step }}: {% for s in sections %}{{ s.sensor }}={{ s.verdict }} {% endfor %}")
    unit = reading("unit", [("t::a", Outcome.FAILED, "E")])
    text = render_feedback(FeedbackInput(step=2, train=[unit], settings=FeedbackSettings(template=good)))
    assert text == "step 2: unit=FAILED\n"
    bad = tmp_path / "typo.j2"
    bad.write_text("{{ stpe }}")
    with pytest.raises(ConfigError, match="stpe"):
        render_feedback(FeedbackInput(step=2, train=[], settings=FeedbackSettings(template=bad)))


def test_feedback_settings_from_config_reject_unknown_keys() -> None:
    assert feedback_settings({"max_failures": 3}).max_failures == 3
    with pytest.raises(ConfigError, match=r"feedback\.colour"):
        feedback_settings({"colour": "red"}, where="codefit.toml")
