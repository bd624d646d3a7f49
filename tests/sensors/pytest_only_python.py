"""An interpreter with pytest and nothing else installed: what a project without a sensor's
optional dependency (hypothesis, icontract) runs its tests with."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

PYTEST_AND_DEPENDENCIES = ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "pygments", "py.py")


def pytest_only_python(root: Path, also: tuple[str, ...] = ()) -> str:
    """A virtual environment at `root` holding copies of pytest and its dependencies only, and of
    the distributions `also` names (top-level names, as in site-packages)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = Path(sysconfig.get_paths()["purelib"])
    for entry in ours.iterdir():
        if entry.name.split("-")[0].lower() in (*PYTEST_AND_DEPENDENCIES, *also):
            target = Path(purelib) / entry.name
            if entry.is_dir():
                shutil.copytree(entry, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(entry, target)
    return str(python)
