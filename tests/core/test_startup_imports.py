"""What every command pays at start: the CLI and `import codefit` load no part of the training loop
until `fit` needs it (`codefit evaluate` is timed against bare pytest)."""

from __future__ import annotations

import subprocess
import sys

import codefit


def loaded_at_start(statement: str, modules: list[str]) -> list[str]:
    probe = f"import sys; {statement}; print(' '.join(m for m in {modules!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_the_cli_starts_without_loading_the_loop() -> None:
    assert loaded_at_start("import codefit.cli", ["codefit.harness.loop"]) == []


def test_evaluate_loads_no_store_view_or_template_engine() -> None:
    """What `codefit evaluate` imports before the first test runs: its overhead is timed."""
    heavy = ["codefit.harness.loop", "codefit.report.terminal", "codefit.checkpoints.record", "jinja2"]
    statement = "import codefit.cli; from codefit.api import Codebase"
    assert loaded_at_start(statement, heavy) == []


def test_history_is_still_codefit_history() -> None:
    from codefit.harness.loop import History

    assert codefit.History is History
    assert "History" in codefit.__all__
