"""Train readings of what a checkpoint holds, not of the live work tree.

The work tree may hold what no checkpoint does (ignored files, caches, bytecode next to the
source); a reading of it would measure a tree the guards never saw and the grader never grades.
So train sensors read an export of the checkpoint made exact again before every reading
(`trees.write_tree`: only what differs is written, whatever the last reading's code left there is
removed), kept in the workspace's git directory where neither the optimizer nor other code under
test can see it; the paths in their readings are put back as the workspace's, so that feedback
points where the optimizer works.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from codefit.progress import measured
from codefit.sensors.base import Reading, Sensor, SensorContext
from codefit.workspace import sandbox_user
from codefit.workspace.unchanged import with_own_code
from codefit.workspace.workspace import Workspace

MEASURED = "codefit-measured"


def read_committed(
    workspace: Workspace, treeish: str, sensors: Sequence[Sensor], ctx: SensorContext
) -> list[Reading]:
    """Each sensor's reading of `treeish` (a checkpoint or a tree) exported alone."""
    if not sensors:
        return []
    tree = workspace.git_dir / MEASURED / workspace.path.name
    with _lock(tree):  # an agent's mid-step check and the loop never share the folder
        workspace.export_tree(treeish, tree)
        # A root run hands the tree its tests run in to the sandbox user, but nothing inside a
        # hidden path (the user's files): this export is codefit's own, in the hidden git folder.
        if (identity := sandbox_user.sandbox_identity()) is not None:
            sandbox_user.grant([tree], identity)
        ctx = with_own_code(ctx, workspace, treeish)
        return [relocate(measured(sensor, tree, ctx), tree, workspace.path) for sensor in sensors]


@contextmanager
def _lock(tree: Path) -> Iterator[None]:
    tree.parent.mkdir(parents=True, exist_ok=True)
    with open(tree.parent / f"{tree.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # per open file: threads of one process wait too
        yield


def relocate(reading: Reading, old: Path, new: Path) -> Reading:
    """`reading` with every mention of the folder `old` written as `new`."""
    before, after = _json_text(str(old)), _json_text(str(new))
    text = reading.model_dump_json()
    if before not in text:
        return reading
    return Reading.model_validate_json(text.replace(before, after))


def _json_text(value: str) -> str:
    return json.dumps(value)[1:-1]
