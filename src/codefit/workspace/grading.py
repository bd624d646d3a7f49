"""Grading blind and sealed splits in a throw-away copy of a candidate tree.

The held-out tests are materialised only here, never in the optimizer's workspace, and the copy
is made pristine first so that whatever the optimizer added to change how tests run is undone.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from codefit.errors import SensorError
from codefit.sensors.base import Reading, Sensor, SensorContext, SensorSettings
from codefit.workspace.pristine import make_pristine
from codefit.workspace.workspace import Workspace


def grade(workspace: Workspace, commit: str, sensors: Sequence[Sensor], ctx: SensorContext) -> list[Reading]:
    """Readings of `sensors` on `commit`, each graded with its held-out files added."""
    if not sensors:
        return []
    base = workspace.base
    with tempfile.TemporaryDirectory(prefix="codefit-grade-") as tmp:
        copy = Path(tmp) / "tree"
        workspace.export_tree(commit, copy)
        make_pristine(copy, lambda rel: workspace.show(base, rel))
        for sensor in sensors:
            materialize_heldout(sensor.settings, copy)
        return [sensor.read(copy, ctx) for sensor in sensors]


def materialize_heldout(settings: SensorSettings, copy: Path) -> None:
    """Place a sensor's held-out files at their destination inside the grading copy."""
    dest = copy / settings.heldout_dest()
    if settings.path is not None:
        if settings.path.is_dir():
            shutil.copytree(settings.path, dest, dirs_exist_ok=True)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(settings.path, dest / settings.path.name)
    elif settings.sealed is not None:
        try:
            from codefit.seal import decrypt_into
        except ImportError as exc:  # the sealing extra is not installed
            raise SensorError(
                "sealed held-out tests need the `guards` extra (cryptography)",
                where=f"sensor {settings.name!r}",
            ) from exc
        decrypt_into(settings.sealed, dest)
