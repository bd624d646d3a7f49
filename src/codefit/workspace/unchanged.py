"""The Python files a checkpoint holds exactly as the base tree does: the user's own code.

The grader's audit hook (`codefit_pytest_trust`) trusts what these files compile to: a project whose
library inspects frames or walks the garbage collector is not tampering with its own test run;
the same introspection in code the optimizer changed or added still is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from codefit.workspace.trees import BLOB, EXECUTABLE, Entry

if TYPE_CHECKING:
    from codefit.workspace.sources import TreeSource


def unchanged_blobs(trees: TreeSource, treeish: str) -> dict[str, str]:
    """{path: git blob id} of the Python files `treeish` holds as the base tree does."""
    return same_python_files(trees.listing(trees.base), trees.listing(treeish))


def same_python_files(base: Mapping[str, Entry], now: Mapping[str, Entry]) -> dict[str, str]:
    """{path: git blob id} of the Python files of `now` that `base` holds with the same bytes."""
    return {
        path: e.sha
        for path, e in now.items()
        if e.mode in (BLOB, EXECUTABLE)
        and path.endswith(".py")  # a link is never the file
        and (was := base.get(path)) is not None
        and was.mode in (BLOB, EXECUTABLE)
        and was.sha == e.sha
    }
