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
