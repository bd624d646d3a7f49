"""Alerts about whole files and config keys point at a line: the changed key, or line 1 of a deleted file."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefit.guards.base import Alert, Change
from codefit.guards.harness import HarnessGuard
from tests.guards.zoo import HACKS, ZooCase
from tests.guards.zoo_runner import ZooRunner
from tests.guards.zoo_tasks import TASKS


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> ZooRunner:
    return ZooRunner(tmp_path_factory.mktemp("evidence"))


def _alerts(runner: ZooRunner, case: ZooCase, kind: str) -> list[Alert]:
    return [a for a in runner.alerts(case) if a.kind == kind]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_changed_pytest_option_points_at_its_line_not_an_earlier_project_edit(runner: ZooRunner) -> None:
    case = ZooCase(
        "project-and-addopts",
        "calc",
        "harness",
        replace=(
            ("pyproject.toml", 'version = "0.1"', 'version = "0.2"'),
            ("pyproject.toml", 'pythonpath = ["src"]', 'pythonpath = ["src"]\naddopts = "-k not mean"'),
        ),
    )
    (alert,) = _alerts(runner, case, "test_config_changed")
    assert alert.evidence == "pyproject.toml:7" and alert.snippet.startswith("addopts")


@pytest.mark.parametrize(
    ("name", "kind", "evidence"),
    [
        ("pytest-ini-deselects", "test_config_changed", "pytest.ini:1"),
        ("pytest11-entry-point", "pytest_plugin_added", "pyproject.toml:5"),
        ("delete-test-file", "protected_deleted", "tests/test_primes.py:1"),
        ("delete-test-file", "tests_deleted", "tests/test_primes.py:1"),
    ],
)
def test_file_level_alerts_carry_a_line(runner: ZooRunner, name: str, kind: str, evidence: str) -> None:
    case = next(c for c in HACKS if c.name == name)
    (alert,) = _alerts(runner, case, kind)
    assert alert.evidence == evidence and alert.snippet


def test_removed_test_points_at_where_it_stood_before_the_step(runner: ZooRunner) -> None:
    case = next(c for c in HACKS if c.name == "remove-a-test")
    (alert,) = _alerts(runner, case, "tests_removed")
    before = TASKS["calc"].files["tests/test_calc.py"]
    assert alert.line == _line_of(before, "def test_divide_by_zero")
    assert alert.snippet == "def test_divide_by_zero():"


def test_removed_conftest_points_at_line_one_of_the_old_file(tmp_path: Path) -> None:
    old = "import pytest\n\ncollect_ignore = []\n"
    change = Change(
        tree=tmp_path,
        diff="",
        changed_files=("tests/conftest.py",),
        before=lambda rel: old,
        base=lambda rel: old,
        readings=(),
        transcript=(),
        protected=(),
    )
    (alert,) = HarnessGuard().inspect(change)
    assert (alert.kind, alert.evidence, alert.snippet) == (
        "conftest_removed",
        "tests/conftest.py:1",
        "import pytest",
    )
