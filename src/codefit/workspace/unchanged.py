"""The Python files a checkpoint holds exactly as the base tree does: the user's own code.

The grader's audit hook (`codefit_pytest_trust`) trusts what these files compile to, and the
functions the checkpoint's changed files keep as their base versions wrote them: a project whose
library inspects frames or walks the garbage collector is not tampering with its own test run;
the same introspection in code the optimizer changed or added still is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from codefit.sensors.base import SensorContext
from codefit.workspace.trees import BLOB, EXECUTABLE, Entry, blobs

if TYPE_CHECKING:
    from codefit.workspace.sources import TreeSource


def with_own_code(ctx: SensorContext, trees: TreeSource, treeish: str) -> SensorContext:
    """`ctx` telling the sensors what of `treeish` is the user's own code (see the module)."""
    base, now = trees.listing(trees.base), trees.listing(treeish)
    changed = {
        path: was.sha
        for path, e in now.items()
        if path.endswith(".py")
        and (was := base.get(path)) is not None
        and {was.mode, e.mode} <= {BLOB, EXECUTABLE}
        and was.sha != e.sha
    }
    content = blobs(trees.objects, changed.values())  # one git process for them all
    # Undecodable bytes travel as surrogates (JSON keeps them): the boot compiles the exact bytes.
    bases = {path: content[sha].decode("utf-8", "surrogateescape") for path, sha in changed.items()}
    return dataclasses.replace(ctx, unchanged_blobs=same_python_files(base, now), changed_bases=bases)


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
