"""A whole run's change as one patch: its base tree to its chosen checkpoint (`codefit diff RUN`)."""

from __future__ import annotations

from pathlib import Path

from codefit.errors import WorkspaceError
from codefit.store import RunRecord, Store
from codefit.workspace.git import git
from codefit.workspace.workspace import Workspace


def run_patch(store: Store, run: RunRecord, repo: Path) -> str:
    """The run's patch from its base tree to its chosen checkpoint, or, for a run without a result
    (interrupted, still going), to its last kept step so far: one diff, read from the user's
    repository (which holds the checkpoints once the result branch was exported) or the run's
    workspace; when those commits are gone, each kept step's recorded patch in order."""
    steps = store.steps(run.id)
    kept = [s for s in steps if not s.rolled_back]
    chosen = next((s for s in steps if s.idx == run.chosen_step), None)
    last = chosen or (kept[-1] if kept else None)
    if steps and last is not None:
        try:
            return git(
                repo, "diff", "--no-color", "--no-ext-diff", "--no-textconv",
                steps[0].checkpoint, last.checkpoint,
            )  # fmt: skip
        except WorkspaceError:
            pass  # never exported (an unfinished run), or pruned: the workspace may still hold them
        try:
            return Workspace(Path(run.workspace)).diff(steps[0].checkpoint, last.checkpoint)
        except WorkspaceError:
            pass  # the workspace is gone too: the recorded patches
    end = last.idx if last is not None else 0
    parts = []
    for step in kept:
        if 0 < step.idx <= end and step.diff_blob:
            parts.append(f"# codefit: step {step.idx}\n{store.blobs.text(step.diff_blob)}")
    return "".join(parts)
