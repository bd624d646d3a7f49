"""Tests deleted, renamed away, skipped, xfailed, or their assertions removed or weakened."""

from __future__ import annotations

import ast
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.source import Hit, PyFile, added_hits, alert, dotted, hit, line_hit, python_files
from codefit.testfiles import is_test_class, is_test_file, is_test_function

SKIP_WORDS = ("skip", "xfail", "importorskip")
CHECK_CALLS = ("raises", "warns", "deprecated_call", "fail")
TRIVIAL_CALLS = frozenset({"isinstance", "callable", "hasattr", "bool", "len"})
BROAD = frozenset({"Exception", "BaseException", "AssertionError"})

TestDef = ast.FunctionDef | ast.AsyncFunctionDef


def test_functions(tree: ast.Module | None) -> dict[str, TestDef]:
    """Collected test functions by qualified name (`test_x`, `TestCase.test_y`)."""
    if tree is None:
        return {}
    out: dict[str, TestDef] = {}
    for node in tree.body:
        if is_test_function(node):
            out[node.name] = node
        elif isinstance(node, ast.ClassDef) and is_test_class(node, tree):
            for item in node.body:
                if is_test_function(item):
                    out[f"{node.name}.{item.name}"] = item
    return out


def skip_marks(tree: ast.Module | None, text: str | None) -> list[Hit]:
    """Skip/xfail decorators, calls and `pytestmark`s: one hit each, keyed by where and what."""
    if tree is None:
        return []
    hits = []
    for name, fn in test_functions(tree).items():
        for dec in fn.decorator_list:
            source = ast.unparse(dec)
            if any(w in source.lower() for w in SKIP_WORDS):
                hits.append(hit(f"{name}:@{source}", dec, text))
        for node in (n for statement in fn.body for n in ast.walk(statement)):  # decorators are above
            if isinstance(node, ast.Call) and any(w in dotted(node.func).lower() for w in SKIP_WORDS):
                hits.append(hit(f"{name}:{ast.unparse(node)}", node, text))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets):
            source = ast.unparse(node)
            if any(w in source.lower() for w in SKIP_WORDS):
                hits.append(hit(source, node, text))
        if isinstance(node, ast.ClassDef):
            for dec in node.decorator_list:
                if any(w in ast.unparse(dec).lower() for w in SKIP_WORDS):
                    hits.append(hit(f"{node.name}:@{ast.unparse(dec)}", dec, text))
    return hits


def _swallowed(fn: TestDef) -> set[int]:
    """ids of asserts inside a try whose handler would swallow their failure."""
    out: set[int] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Try) and any(_catches_assertion(h) for h in node.handlers):
            for child in node.body:
                out.update(id(n) for n in ast.walk(child))
    return out


def _catches_assertion(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(dotted(n) in BROAD for n in names)


def assertion_strength(fn: TestDef) -> tuple[int, int]:
    """(number of checks, their strength): an equality check counts more than `is not None`."""
    swallowed = _swallowed(fn)
    count = strength = 0
    for node in ast.walk(fn):
        if isinstance(node, ast.Assert):
            count += 1
            strength += 0 if id(node) in swallowed else _strength(node.test)
        elif isinstance(node, ast.Call) and _is_check(dotted(node.func)):
            count += 1
            strength += 0 if id(node) in swallowed else 2
    return count, strength


def _is_check(name: str) -> bool:
    """pytest's checks, and any assertion method or helper (`self.assertIn`, `assert_equal`,
    `np.testing.assert_allclose`): deleting one is deleting a check."""
    last = name.split(".")[-1]
    return last in CHECK_CALLS or last.lower().startswith("assert")


def _checks(fn: TestDef) -> list[ast.AST]:
    """The test's `assert` statements and check calls."""
    return [
        n
        for n in ast.walk(fn)
        if isinstance(n, ast.Assert) or (isinstance(n, ast.Call) and _is_check(dotted(n.func)))
    ]


def _strength(test: ast.expr) -> int:
    if isinstance(test, ast.Constant):
        return 0
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        if any(isinstance(v, ast.Constant) and v.value for v in test.values):
            return 0
        return 1
    if isinstance(test, ast.Compare):
        if any(isinstance(c, ast.Constant) and c.value is None for c in test.comparators) and all(
            isinstance(op, ast.IsNot | ast.NotEq) for op in test.ops
        ):
            return 1
        return 2
    if isinstance(test, ast.Call) and dotted(test.func) in TRIVIAL_CALLS:
        return 1
    return 1


class TestIntegrityGuard:
    __test__ = False
    name = "tests"
    kinds: ClassVar[tuple[str, ...]] = (
        "tests_deleted",
        "tests_removed",
        "test_skipped",
        "assertions_removed",
        "assertions_weakened",
        "assertions_changed",
    )

    def inspect(self, change: Change) -> list[Alert]:
        alerts: list[Alert] = []
        for f in python_files(change):
            if is_test_file(f.rel) and f.before is not None:
                alerts += self._file(f)
        return alerts

    def _file(self, f: PyFile) -> list[Alert]:
        before, after = test_functions(f.before), test_functions(f.after)
        if f.after_text is None:
            message = f"test file deleted ({len(before)} tests)"
            h = line_hit(f.rel, f.before_text)  # line 1 of the file as it was
            return [alert(self.name, "tests_deleted", Severity.BLOCK, message, f.rel, h)]
        if f.after is None:
            return []
        alerts = []
        removed = sorted(set(before) - set(after), key=lambda name: before[name].lineno)
        if removed:
            message = (
                f"{len(removed)} test(s) removed or renamed away: {', '.join(removed[:5])} "
                f"(line {before[removed[0]].lineno} before the step)"
            )
            # Evidence: where the first of them stood, since it is no longer in the file.
            h = line_hit(removed[0], f.before_text, before[removed[0]].lineno)
            alerts.append(alert(self.name, "tests_removed", Severity.BLOCK, message, f.rel, h))
        for h in added_hits(f, skip_marks):
            message = f"test skipped or xfailed: {h.snippet}"
            alerts.append(alert(self.name, "test_skipped", Severity.BLOCK, message, f.rel, h))
        for name in sorted(set(before) & set(after)):
            alerts += self._assertions(f, name, before[name], after[name])
        return alerts

    def _assertions(self, f: PyFile, name: str, old: TestDef, new: TestDef) -> list[Alert]:
        (old_n, old_s), (new_n, new_s) = assertion_strength(old), assertion_strength(new)
        h = hit(name, new, f.after_text)
        if new_n < old_n:
            message = f"{name}: checks went from {old_n} to {new_n}"
            return [alert(self.name, "assertions_removed", Severity.BLOCK, message, f.rel, h)]
        if new_s < old_s:
            message = f"{name}: assertions weakened (strength {old_s} -> {new_s})"
            return [alert(self.name, "assertions_weakened", Severity.BLOCK, message, f.rel, h)]
        old_asserts = sorted(ast.dump(n) for n in _checks(old))
        new_asserts = sorted(ast.dump(n) for n in _checks(new))
        if not set(old_asserts) <= set(new_asserts):
            message = f"{name}: expected values or assertions changed"
            return [alert(self.name, "assertions_changed", Severity.WARN, message, f.rel, h)]
        return []
