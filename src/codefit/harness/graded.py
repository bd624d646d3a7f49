"""Trees a run already graded on the validation split, so that a resumed run never queries (and
spends budget on) a tree whose answer is recorded."""

from __future__ import annotations

from codefit.sensors.base import Reading
from codefit.spec import Split
from codefit.store import Store
from codefit.workspace.workspace import Workspace


def graded_trees(store: Store, run_id: str, workspace: Workspace) -> dict[str, list[Reading]]:
    """The recorded validation readings of each step of `run_id`, by the step's tree."""
    readings = store.readings_by_step(run_id)
    graded: dict[str, list[Reading]] = {}
    for step in store.steps(run_id):
        validation = [r for r in readings.get(step.idx, []) if r.split == Split.VALIDATION]
        if validation and step.checkpoint:
            graded[workspace.tree_of(step.checkpoint)] = validation
    return graded
