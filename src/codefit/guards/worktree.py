"""The working tree the sensors read and the commit the guards judge must be the same tree.

Train readings are taken in the workspace; guards judge the diff of the checkpoint commit. Whatever
makes the two differ hides a change from the guards: a conftest kept out of the commit by
`.gitignore` or `.git/info/exclude`, a test file edited under an `assume-unchanged` or
`skip-worktree` index bit, bytecode that Python loads without looking at its source (a pyc marked
"unchecked hash", or a sourceless `.pyc` beside the modules). This guard compares the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.source import alert, line_hit, matches, read_after, tree_files
from codefit.testfiles import is_test_file
from codefit.workspace.pristine import CONFIG_FILES, INI_SECTIONS, STARTUP_MODULES

STARTUP_FILES = {f"{m}.py" for m in STARTUP_MODULES}
HARNESS_NAMES = frozenset({"conftest.py", *CONFIG_FILES, *INI_SECTIONS, *STARTUP_FILES})
MAX_BYTECODE = 5000  # pyc files looked at per step
MAX_PROTECTED = 300  # protected test files compared with their commit per step (one `git show` each)


def _bytecode(tree: Path) -> Iterator[Path]:
    count = 0
    for path in tree.rglob("*.pyc"):
        parts = path.relative_to(tree).parts
        if parts[0].startswith("."):
            continue
        yield path
        count += 1
        if count >= MAX_BYTECODE:
            return


def unchecked(path: Path) -> bool:
    """A pyc Python loads without checking its source: hash-based with `check_source` off (PEP 552)."""
    try:
        with path.open("rb") as f:
            header = f.read(8)
    except OSError:
        return False
    if len(header) < 8:
        return False
    flags = int.from_bytes(header[4:8], "little")
    return flags & 0b01 == 0b01 and flags & 0b10 == 0


# `.gitattributes` entries that make git run a program or change bytes on their way into a commit.
GIT_DRIVERS = re.compile(r"(^|\s)(filter|diff|merge|textconv|ident|working-tree-encoding)(=|\s|$)")


class WorktreeGuard:
    name = "worktree"
    kinds: ClassVar[tuple[str, ...]] = (
        "uncommitted_harness_file",
        "hidden_edit",
        "unchecked_bytecode",
        "git_attributes",
    )

    def inspect(self, change: Change) -> list[Alert]:
        alerts: list[Alert] = []
        changed = set(change.changed_files)
        for rel in changed:
            if PurePosixPath(rel).name != ".gitattributes" or (after := read_after(change, rel)) is None:
                continue
            old = set((change.before(rel) or "").splitlines())
            for line, text in enumerate(after.splitlines(), 1):
                if text not in old and not text.lstrip().startswith("#") and GIT_DRIVERS.search(text):
                    message = (
                        f"{rel} names a git driver ({text.strip()[:60]}): git would run it on checkpoints"
                    )
                    alerts.append(
                        alert(
                            self.name,
                            "git_attributes",
                            Severity.BLOCK,
                            message,
                            rel,
                            line_hit(rel, after, line),
                        )
                    )
                    break
        compared = 0
        for path in tree_files(change.tree, suffixes=(".py", ".ini", ".cfg", ".toml", ".pth")):
            rel = path.relative_to(change.tree).as_posix()
            name = PurePosixPath(rel).name
            harness = name in HARNESS_NAMES or path.suffix == ".pth"
            tests = is_test_file(rel) and matches(rel, change.protected) and compared < MAX_PROTECTED
            if rel in changed or not (harness or tests):
                continue
            compared += tests
            committed = change.before(rel)
            text = path.read_bytes().decode("utf-8", errors="replace")  # as committed: CRLF stays CRLF
            if committed is None and harness:
                message = f"{rel} is in the working tree the tests run in but not in the commit (ignored?)"
                h = line_hit(rel, text)
                alerts.append(alert(self.name, "uncommitted_harness_file", Severity.BLOCK, message, rel, h))
            elif committed is not None and committed != text:
                message = f"{rel} differs from its commit though git reports no change (index bits?)"
                h = line_hit(rel, text)
                alerts.append(alert(self.name, "hidden_edit", Severity.BLOCK, message, rel, h))
        for path in _bytecode(change.tree):
            rel = path.relative_to(change.tree).as_posix()
            sourceless = path.parent.name != "__pycache__"
            if sourceless or unchecked(path):
                why = (
                    "sourceless bytecode"
                    if sourceless
                    else "bytecode Python loads without checking its source"
                )
                message = f"{rel}: {why}; what runs is not the committed source"
                alerts.append(
                    alert(self.name, "unchecked_bytecode", Severity.BLOCK, message, rel, line_hit(rel, ""))
                )
        return alerts
