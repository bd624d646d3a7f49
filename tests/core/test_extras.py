"""A plain install (no extras) can fit: core imports no extra's module, and a plug-in that needs one
names the extra to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..e2e.project import HONEST_FIX, make_project

EXTRAS = ["radon", "vulture", "grimp", "importlinter", "mlflow", "openai", "mcp", "cryptography"]

BLOCKER = f"""
import sys

class Blocker:
    # Makes the extras' modules unimportable, as in `pip install codefit` without extras.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {EXTRAS!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Blocker())
from codefit.cli import main
sys.argv[0] = "codefit"
main()
"""


def codefit_without_extras(tmp_path: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "no_extras.py"
    script.write_text(BLOCKER)
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_fit_works_without_any_extra(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX, max_steps=1)
    done = codefit_without_extras(tmp_path, "fit", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "spec met" in done.stdout
    evaluated = codefit_without_extras(tmp_path, "evaluate", "--split", "train", cwd=repo)
    assert evaluated.returncode == 1, evaluated.stderr  # the user's tree still has the bug
    assert "unit (train): FAIL" in evaluated.stdout


def test_a_sensor_that_needs_an_extra_names_it(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX, extra='[[sensors]]\nname = "q"\nkind = "quality"\n')
    done = codefit_without_extras(tmp_path, "fit", cwd=repo)
    assert done.returncode == 2
    assert "needs the `quality` extra" in done.stderr
    assert "pip install 'codefit[quality]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_optimizer_that_needs_an_extra_names_it(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    done = codefit_without_extras(tmp_path, "fit", "--optimizer", "openai", cwd=repo)
    assert done.returncode == 2
    assert "pip install 'codefit[agents]'" in done.stderr


def test_a_ctrl_c_while_the_command_starts_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """Most of the command's start is importing it: a Ctrl-C there printed a traceback through
    pydantic's modules. Here the import of `codefit.cli` is what the Ctrl-C interrupts."""
    script = (
        "import sys\n"
        "class CtrlC:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'codefit.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, CtrlC())\n"
        "from codefit.__main__ import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (130, "codefit: interrupted\n")
