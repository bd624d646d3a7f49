"""Ctrl-C in any command: exit 130 and one line on stderr; only `fit` points at `--resume`."""

from __future__ import annotations

import pytest

from codefit import cli


def interrupted(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    def ctrl_c() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "app", ctrl_c)
    monkeypatch.setattr("sys.argv", ["codefit", *argv])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 130
    return capsys.readouterr().err


def test_an_interrupted_fit_names_how_to_resume(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert interrupted(["fit", "."], monkeypatch, capsys) == (
        "codefit: interrupted; `codefit fit --resume RUN` continues a run\n"
    )


@pytest.mark.parametrize("command", ["split", "check", "evaluate"])
def test_other_commands_do_not_send_the_user_to_fit(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert interrupted([command], monkeypatch, capsys) == "codefit: interrupted\n"
