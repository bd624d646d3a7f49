"""What every command pays at start: the CLI and `import codefit` load no part of the training loop
until `fit` needs it (`codefit evaluate` is timed against bare pytest)."""

from __future__ import annotations

import subprocess
import sys

import codefit


def test_the_cli_starts_without_loading_the_loop() -> None:
    probe = "import sys, codefit.cli; print('codefit.harness.loop' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_history_is_still_codefit_history() -> None:
    from codefit.harness.loop import History

    assert codefit.History is History
    assert "History" in codefit.__all__
