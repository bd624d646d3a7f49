"""The command line's own edges, through the real `codefit` process: `--version`, and output that
cannot be written (a full disk) said in one line, exit 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import codefit


def codefit_cli(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codefit", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def test_version_names_the_installed_codefit() -> None:
    done = codefit_cli("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"codefit {codefit.__version__}\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]])
def test_output_to_a_full_disk_is_one_clear_error(args: list[str]) -> None:
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        done = codefit_cli(*args, stdout=fd)
    finally:
        os.close(fd)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "codefit: error: cannot write (the command's output): No space left on device"
    )
