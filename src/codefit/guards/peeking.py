"""Peeking: code under test that looks at the tests, the test runner or the call stack at run time."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.names import Names, folded
from codefit.guards.source import Hit, added_hits, alert, hit, is_test_file, python_files

STACK = frozenset(
    {
        "inspect.stack",
        "inspect.currentframe",
        "inspect.getouterframes",
        "inspect.trace",
        "sys._getframe",
        "sys._current_frames",
        "traceback.extract_stack",
        "traceback.walk_stack",
        "traceback.format_stack",
        "gc.get_referrers",
        "gc.get_objects",
    }
)
STRING_NODES = (ast.Constant, ast.BinOp, ast.JoinedStr, ast.Call)  # what `folded` may turn into a str
FRAME_ATTRS = frozenset({"f_back", "f_locals", "f_globals", "f_code", "tb_frame"})
# String constants that only make sense when code wants to know it is being tested or graded.
RUNNER_STRINGS = re.compile(
    r"PYTEST_CURRENT_TEST|PYTEST_|_pytest|\bpytest\b|CODEFIT_|codefit-heldout|\.codefit"
)
TEST_PATHS = re.compile(
    r"(^|/)(tests?/|test_\w*\.py|\w*_test\.py|conftest\.py)|held[-_]?out|holdout|hidden[-_]tests"
)


def peeks(tree: ast.Module | None, text: str | None) -> list[Hit]:
    if tree is None:
        return []
    names = Names(tree)
    parts: set[int] = set()  # pieces of a string already judged whole
    hits = []
    for node in ast.walk(tree):
        if id(node) in parts:
            continue
        if isinstance(node, ast.Call) and (name := names.qualified(node.func)) in STACK:
            hits.append(hit(f"stack:{name}", node, text))
        elif isinstance(node, ast.Attribute) and node.attr in FRAME_ATTRS:
            hits.append(hit(f"stack:.{node.attr}", node, text))
        elif isinstance(node, STRING_NODES) and (value := folded(node)):
            # A string assembled from pieces ("PYTEST_" + "CURRENT_TEST") is judged whole, once.
            parts.update(id(n) for n in ast.walk(node) if n is not node)
            if RUNNER_STRINGS.search(value):
                hits.append(hit(f"runner:{value[:60]}", node, text))
            elif TEST_PATHS.search(value):
                hits.append(hit(f"tests:{value[:60]}", node, text))
    return hits


class PeekingGuard:
    name = "peeking"
    kinds: ClassVar[tuple[str, ...]] = ("call_stack", "runner_detection", "reads_tests")

    def inspect(self, change: Change) -> list[Alert]:
        alerts = []
        for f in python_files(change):
            if is_test_file(f.rel) or f.rel.endswith("conftest.py"):
                continue  # tests may look at themselves; conftest is the harness guard's
            for h in added_hits(f, peeks):
                kind, _, what = h.key.partition(":")
                if kind == "stack":
                    message = (
                        f"code inspects the call stack ({what}): it can read the caller's expected values"
                    )
                    alerts.append(alert(self.name, "call_stack", Severity.BLOCK, message, f.rel, h))
                elif kind == "runner":
                    message = f"code checks whether it runs under the test runner or grader ({what!r})"
                    alerts.append(alert(self.name, "runner_detection", Severity.BLOCK, message, f.rel, h))
                else:
                    message = f"code refers to test files at run time ({what!r})"
                    alerts.append(alert(self.name, "reads_tests", Severity.WARN, message, f.rel, h))
        return alerts
