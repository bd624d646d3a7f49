"""`codefit check` trusts the code a pull request leaves unchanged, as `fit` does: a project whose
library inspects frames for its own purposes (boltons' tbutils) is no tampering; the same
introspection in code the pull request changes still is."""

from __future__ import annotations

from pathlib import Path

from codefit.gate.check import run_check
from tests.conftest import MakeRepo, run_git

CONFIG = 'task = "t"\n\n[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n'
HELPER = "import sys\n\ndef caller_locals(depth=1):\n    return sys._getframe(depth + 1).f_locals\n"
TESTS = (
    "import calc, helper\n\n"
    "def test_add():\n    expected = 3\n    assert calc.add(1, 2) == expected\n\n"
    "def test_the_projects_own_helper():\n    marker = 5\n    assert helper.caller_locals(0)['marker'] == 5\n"
)
PEEK = "import sys\n\ndef add(a, b):\n    return sys._getframe(1).f_locals['expected']\n"


def pull_request(make_repo: MakeRepo, calc: str) -> Path:
    repo = make_repo(
        {
            "codefit.toml": CONFIG,
            "helper.py": HELPER,
            "calc.py": "def add(a, b):\n    return a - b\n",
            "tests/test_calc.py": TESTS,
        }
    )
    run_git(repo, "checkout", "-q", "-b", "pr")
    (repo / "calc.py").write_text(calc)
    run_git(repo, "commit", "-qam", "pr")
    return repo


def tamper_alerts(repo: Path) -> list[str]:
    result = run_check(repo, "main", "pr")
    return [a.message for a, _ in result.alerts if a.kind == "tampered_run"]


def test_the_projects_own_introspection_passes_the_check(make_repo: MakeRepo) -> None:
    repo = pull_request(make_repo, "def add(a, b):\n    return a + b\n")
    result = run_check(repo, "main", "pr")
    assert [a.message for a, _ in result.alerts if a.kind == "tampered_run"] == []
    assert result.train[0].counts.passed == 2, [t.message for t in result.train[0].tests]


def test_introspection_in_the_changed_code_is_still_tampering(make_repo: MakeRepo) -> None:
    found = tamper_alerts(pull_request(make_repo, PEEK))
    assert any("calc.py" in message for message in found), found
