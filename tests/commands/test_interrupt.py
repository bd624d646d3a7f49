"""Ctrl-C in any command, through the real command line (typer turns it into a silent exit 130):
one line on stderr, exit 130; only `fit` points at `--resume`."""

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


def test_an_interrupted_fit_names_how_to_resume(
    repo_with_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Codebase, "fit", ctrl_c)
    assert interrupted(["fit", str(repo_with_config)], capsys, monkeypatch) == (
        "codefit: interrupted; `codefit fit --resume RUN` continues a run"
    )


def test_an_interrupted_check_does_not_send_the_user_to_fit(
    repo_with_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(check, "run_check", ctrl_c)
    argv = ["check", "-C", str(repo_with_config)]
    assert interrupted(argv, capsys, monkeypatch) == "codefit: interrupted"
