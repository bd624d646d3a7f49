"""A whole run's change as one patch: its base tree to its chosen checkpoint (`codefit diff RUN`)."""

from __future__ import annotations

from pathlib import Path

from codefit.errors import WorkspaceError
from codefit.store import RunRecord, Store
from codefit.workspace.git import git


def run_patch(store: Store, run: RunRecord, repo: Path) -> str:
    """The finished run's base-to-chosen patch, read from the user's repository (which holds the
    checkpoints since the result branch was exported); for a run without a result, or when those
    commits are gone, each kept step's recorded patch in order."""
    steps = store.steps(run.id)
    chosen = next((s for s in steps if s.idx == run.chosen_step), None)
    if steps and chosen is not None:
        try:
            return git(
                repo, "diff", "--no-color", "--no-ext-diff", "--no-textconv",
                steps[0].checkpoint, chosen.checkpoint,
            )  # fmt: skip
        except WorkspaceError:
            pass  # the checkpoints were pruned from the repository: fall back to the recorded patches
    last = chosen.idx if chosen is not None else max((s.idx for s in steps), default=0)
    parts = []
    for step in steps:
        if 0 < step.idx <= last and not step.rolled_back and step.diff_blob:
            parts.append(f"# codefit: step {step.idx}\n{store.blobs.text(step.diff_blob)}")
    return "".join(parts)
