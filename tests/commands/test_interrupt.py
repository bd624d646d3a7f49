"""Ctrl-C in any command, through the real command line (typer turns it into a silent exit 130):
the last line on stderr is "codefit: interrupted", exit 130. `fit`'s own progress says how to
resume (tests/report), so no generic hint follows that could contradict it ("no step was taken")."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefit import cli
from codefit.api import Codebase
from codefit.gate import check
from tests.conftest import MakeRepo


@pytest.fixture
def repo_with_config(make_repo: MakeRepo) -> Path:
    return make_repo(
        {
            "calc.py": "def add(a, b):\n    return a + b\n",
            "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
            "codefit.toml": 'task = "add"\n[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n',
        }
    )


def ctrl_c(*_args: object, **_kwargs: object) -> None:
    raise KeyboardInterrupt


def interrupted(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr("sys.argv", ["codefit", *argv])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 130
    return capsys.readouterr().err.splitlines()[-1]


def test_an_interrupted_fit_ends_on_one_plain_line(
    repo_with_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Codebase, "fit", ctrl_c)
    assert interrupted(["fit", str(repo_with_config)], capsys, monkeypatch) == "codefit: interrupted"


def test_an_interrupted_check_says_so(
    repo_with_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(check, "run_check", ctrl_c)
    argv = ["check", "--base", "HEAD", "-C", str(repo_with_config)]
    assert interrupted(argv, capsys, monkeypatch) == "codefit: interrupted"
