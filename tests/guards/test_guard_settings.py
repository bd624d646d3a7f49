"""The [guards] table: validation with clear errors, policy precedence, disabling, and crash isolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefit import registry
from codefit.errors import ConfigError
from codefit.guards import Alert, Change, Policy, Severity, policy_for, run_guards
from tests.conftest import MakeRepo
from tests.guards.zoo import HACKS
from tests.guards.zoo_runner import ZooRunner


def _alert(guard: str, kind: str, severity: Severity = Severity.BLOCK) -> Alert:
    return Alert(guard=guard, kind=kind, severity=severity, message="m")


def test_defaults_roll_back_block_alerts_and_only_warn_the_rest() -> None:
    for name in registry.guards.names():
        assert policy_for(_alert(name, "x"), {}) == Policy.ROLLBACK
        assert policy_for(_alert(name, "x", Severity.WARN), {}) == Policy.WARN
        assert policy_for(_alert(name, "x", Severity.INFO), {}) == Policy.WARN
    assert policy_for(_alert("canary", "canary_passed"), {}) == Policy.ROLLBACK


def test_block_alerts_can_be_kept_as_warnings() -> None:
    assert policy_for(_alert("harness", "conftest_added"), {"policy": {"block": "warn"}}) == Policy.WARN


def test_kind_beats_guard_beats_severity_beats_default() -> None:
    settings = {
        "default": "warn",
        "policy": {"hard_exit": "stop", "exit": "rollback", "block": "rollback", "info": "warn"},
    }
    assert policy_for(_alert("exit", "hard_exit"), settings) == Policy.STOP
    assert policy_for(_alert("exit", "exit_call", Severity.WARN), settings) == Policy.ROLLBACK
    assert policy_for(_alert("swallow", "broad_except", Severity.BLOCK), settings) == Policy.ROLLBACK
    assert policy_for(_alert("swallow", "broad_except", Severity.WARN), settings) == Policy.WARN


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"policy": {"hardcodng": "stop"}},
            "key 'guards.policy': unknown guard, alert kind or severity 'hardcodng'",
        ),
        ({"policy": {"exit": "explode"}}, "guards.policy.exit"),
        ({"disable": ["nope"]}, "unknown guard 'nope'"),
        ({"polcy": {}}, "key 'guards.polcy': unknown key"),
    ],
)
def test_bad_settings_are_one_clear_config_error(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        policy_for(_alert("exit", "hard_exit"), settings)
    assert message in str(info.value)
    assert info.value.where == "config [guards]"


def test_disabled_guard_does_not_run(tmp_path: Path) -> None:
    runner = ZooRunner(tmp_path)
    case = next(c for c in HACKS if c.name == "os-exit-in-add")
    assert any(a.guard == "exit" for a in runner.alerts(case))
    ws = runner.workspace("calc")
    (ws.path / "src/calc.py").write_text("import os\n\n\ndef add(a, b):\n    os._exit(0)\n")
    change = Change(
        tree=ws.path,
        diff="",
        changed_files=("src/calc.py",),
        before=lambda rel: ws.show(ws.base, rel),
        base=lambda rel: ws.show(ws.base, rel),
        readings=(),
        transcript=(),
        protected=("tests/**",),
    )
    assert not [a for a in run_guards(change, {"disable": ["exit"]}) if a.guard == "exit"]


class _Broken:
    name = "broken"

    def inspect(self, change: Change) -> list[Alert]:
        raise RuntimeError("boom")


def test_a_crashing_guard_becomes_an_info_alert(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    monkeypatch.setitem(registry.guards._targets, "broken", _Broken)
    change = Change(
        tree=repo,
        diff="",
        changed_files=(),
        before=lambda rel: None,
        base=lambda rel: None,
        readings=(),
        transcript=(),
        protected=(),
    )
    alerts = run_guards(change, {})
    assert [(a.kind, a.severity) for a in alerts] == [("guard_error", Severity.INFO)]
    assert "boom" in alerts[0].message
