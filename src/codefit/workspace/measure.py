"""Train readings of what a checkpoint holds, not of the live work tree.

The work tree may hold what no checkpoint does (ignored files, caches, bytecode next to the
source); a reading of it would measure a tree the guards never saw and the grader never grades.
So train sensors read a fresh raw export of the checkpoint (`Workspace.export_tree`), and the
paths in their readings are put back as the workspace's, so that feedback points where the
optimizer works.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from codefit.sensors.base import Reading, Sensor, SensorContext
from codefit.workspace.workspace import Workspace


def read_committed(
    workspace: Workspace, treeish: str, sensors: Sequence[Sensor], ctx: SensorContext
) -> list[Reading]:
    """Each sensor's reading of `treeish` (a checkpoint or a tree) exported alone."""
    if not sensors:
        return []
    with tempfile.TemporaryDirectory(prefix="codefit-train-") as tmp:
        tree = Path(tmp) / workspace.path.name
        workspace.export_tree(treeish, tree)
        return [relocate(sensor.read(tree, ctx), tree, workspace.path) for sensor in sensors]


def relocate(reading: Reading, old: Path, new: Path) -> Reading:
    """`reading` with every mention of the folder `old` written as `new`."""
    before, after = _json_text(str(old)), _json_text(str(new))
    text = reading.model_dump_json()
    if before not in text:
        return reading
    return Reading.model_validate_json(text.replace(before, after))


def _json_text(value: str) -> str:
    return json.dumps(value)[1:-1]
