"""A phased run's whole change as one patch (`codefit diff RUN` with no step): its base tree to the
tree its last sub-run chose. A phased run has no steps of its own, so the ordinary run patch is
empty for it."""

from __future__ import annotations

from pathlib import Path

from codefit.errors import WorkspaceError
from codefit.phases.records import stored_phases
from codefit.report.run_patch import run_patch
from codefit.store import RunRecord, Store
from codefit.workspace.git import git


def phased_patch(store: Store, run: RunRecord, repo: Path) -> str:
    """One diff from the run's base commit to its result branch (or, while it has none, the last
    sub-run's); when the repository lacks those commits, each sub-run's own patch in order."""
    subs = [(phase, sub) for phase in stored_phases(store, run.id) for sub in phase.sub_runs]
    end = run.branch or next((sub.branch for _, sub in reversed(subs) if sub.branch), None)
    if end is not None:
        try:
            return git(repo, "diff", "--no-color", "--no-ext-diff", "--no-textconv", run.base_commit, end)
        except WorkspaceError:
            pass  # the branches were deleted: the sub-runs' recorded patches
    parts = []
    for phase, sub in subs:
        patch = run_patch(store, store.run(sub.run), repo)
        if patch:
            what = f", {sub.item}" if sub.item else ""
            parts.append(f"# codefit: phase {phase.idx} ({phase.name}){what}: run {sub.run}\n{patch}")
    return "".join(parts)
