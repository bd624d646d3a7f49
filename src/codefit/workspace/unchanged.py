"""The Python files a checkpoint holds exactly as the base tree does: the user's own code.

The grader's audit hook (`codefit_pytest_trust`) trusts what these files compile to: a project whose
library inspects frames or walks the garbage collector is not tampering with its own test run;
the same introspection in code the optimizer changed or added still is.
"""

from __future__ import annotations

from codefit.workspace.trees import BLOB, EXECUTABLE, entries
from codefit.workspace.workspace import Workspace

# An object id names its content: a listing read once serves every later step (the base, above all).
_LISTINGS: dict[str, dict[str, str]] = {}


def unchanged_blobs(workspace: Workspace, treeish: str) -> dict[str, str]:
    """{path: git blob id} of the Python files `treeish` holds as the base tree does."""
    base = _python_blobs(workspace, workspace.base)
    now = _python_blobs(workspace, treeish)
    return {path: blob for path, blob in now.items() if base.get(path) == blob}


def _python_blobs(workspace: Workspace, treeish: str) -> dict[str, str]:
    commit = workspace.objects.run("rev-parse", treeish).strip()
    listing = _LISTINGS.get(commit)
    if listing is None:
        listing = {
            e.path: e.sha
            for e in entries(workspace.objects, commit)
            if e.mode in (BLOB, EXECUTABLE) and e.path.endswith(".py")  # a link is never the file
        }
        _LISTINGS[commit] = listing
    return listing
