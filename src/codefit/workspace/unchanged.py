"""The Python files a checkpoint holds exactly as the base tree does: the user's own code.

The grader's audit hook (`codefit_pytest_trust`) trusts what these files compile to: a project whose
library inspects frames or walks the garbage collector is not tampering with its own test run;
the same introspection in code the optimizer changed or added still is.
"""

from __future__ import annotations

from codefit.workspace.trees import BLOB, EXECUTABLE
from codefit.workspace.workspace import Workspace


def unchanged_blobs(workspace: Workspace, treeish: str) -> dict[str, str]:
    """{path: git blob id} of the Python files `treeish` holds as the base tree does."""
    base = _python_blobs(workspace, workspace.base)
    now = _python_blobs(workspace, workspace.objects.run("rev-parse", treeish).strip())
    return {path: blob for path, blob in now.items() if base.get(path) == blob}


def _python_blobs(workspace: Workspace, commit: str) -> dict[str, str]:
    return {
        path: e.sha
        for path, e in workspace.listing(commit).items()
        if e.mode in (BLOB, EXECUTABLE) and path.endswith(".py")  # a link is never the file
    }
