"""Test-harness tampering: conftest.py, pytest config, hooks and plugins, patching pytest, start-up hooks."""

from __future__ import annotations

import ast
import difflib
import re
import tomllib
from pathlib import PurePosixPath
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.memo import walk
from codefit.guards.names import IMPORTERS, folded, names_of
from codefit.guards.source import (
    Hit,
    added_hits,
    alert,
    dotted,
    hit,
    line_hit,
    literal,
    matches,
    parse,
    python_files,
    read_after,
    snippet,
)
from codefit.workspace.pristine import (
    CONFIG_FILES,
    INI_SECTIONS,
    STARTUP_MODULES,
    is_harness_sensitive,
    same_for_pytest,
    shadows_runner,
)

SECTION = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
PYTEST_SECTION = re.compile(r"^(pytest|tool:pytest|tool\.pytest\b)")
RUNNER_ROOTS = frozenset({"pytest", "_pytest", "pluggy", "unittest"})
# Importing these in code under test is itself a sign of reaching into the runner.
INTERNALS = frozenset({"_pytest", "pluggy"})


def pytest_entry_points(text: str | None) -> object:
    if text is None:
        return None
    try:
        return tomllib.loads(text).get("project", {}).get("entry-points", {}).get("pytest11")
    except tomllib.TOMLDecodeError:
        return None


def runner_patches(tree: ast.Module | None, text: str | None) -> list[Hit]:
    """Hooks, plugin lists, `_pytest` imports and assignments onto pytest's objects.

    Names are resolved through imports and constant lookups, so `import pytest as pt`,
    `importlib.import_module("_py" + "test.python")` or `monkeypatch.setattr("_pytest...", ...)`
    reach the runner as surely as `pytest.` does.
    """
    if tree is None:
        return []
    names = names_of(tree)
    hits = []
    for node in walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("pytest_"):
            hits.append(hit(f"hook:{node.name}", node, text))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(_root(m) in INTERNALS for m in modules):
                hits.append(hit(f"import:{ast.unparse(node)}", node, text))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = names.qualified(target)
                if name == "pytest_plugins" or (
                    "." in name and _root(name) in RUNNER_ROOTS and not name.startswith("pytest.mark")
                ):
                    hits.append(hit(f"assign:{name}", node, text))
        elif isinstance(node, ast.Call):
            func = names.qualified(node.func)
            if func in IMPORTERS and _root(names.qualified(node)) in INTERNALS:
                hits.append(hit(f"import:{names.qualified(node)}", node, text))
            elif func.split(".")[-1] in ("setattr", "delattr") and node.args:
                # setattr(obj, ...) and monkeypatch.setattr("module.attr", ...) name their target first.
                patched = names.qualified(node.args[0]) or folded(node.args[0]) or ""
                if _root(patched) in RUNNER_ROOTS:
                    hits.append(hit(f"setattr:{patched}", node, text))
    return hits


def config_line(rel: str, before: str, after: str) -> int:
    """The first changed line of a config file, preferring one inside a pytest section."""
    old, new = before.splitlines(), after.splitlines()
    if not new:
        return 1
    changed: list[int] = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            changed += range(j1, j2) if j2 > j1 else [min(j1, len(new) - 1)]  # a deletion: the next line
    whole = PurePosixPath(rel).name in CONFIG_FILES  # pytest.ini is pytest's from top to bottom
    section, sections = "", []
    for text in new:
        if header := SECTION.match(text):
            section = header.group(1)
        sections.append(section)
    in_pytest = [i for i in changed if whole or PYTEST_SECTION.match(sections[i])]
    return (in_pytest or changed or [0])[0] + 1


def _root(name: str) -> str:
    return name.split(".")[0]


class HarnessGuard:
    name = "harness"
    kinds: ClassVar[tuple[str, ...]] = (
        "conftest_added",
        "conftest_changed",
        "conftest_removed",
        "test_config_changed",
        "pytest_plugin_added",
        "pytest_patched",
        "startup_hook",
        "shadow_module",
    )

    def inspect(self, change: Change) -> list[Alert]:
        alerts: list[Alert] = []
        for rel in change.changed_files:
            alerts += self._file(change, rel)
        for f in python_files(change):
            if PurePosixPath(f.rel).name == "conftest.py":
                continue  # judged as a whole above
            for h in added_hits(f, runner_patches):
                message = f"code hooks into or patches the test runner: {h.snippet}"
                alerts.append(alert(self.name, "pytest_patched", Severity.BLOCK, message, f.rel, h))
        return alerts

    def _file(self, change: Change, rel: str) -> list[Alert]:
        path = PurePosixPath(rel)
        before, after = change.before(rel), read_after(change, rel)
        if path.name == "conftest.py":
            if after is None:
                h = line_hit(rel, before)  # line 1 of the file as it was
                return [alert(self.name, "conftest_removed", Severity.WARN, "conftest.py removed", rel, h)]
            if before == after:
                return []
            kind, message = (
                ("conftest_added", "new conftest.py changes how tests run")
                if before is None
                else ("conftest_changed", "conftest.py changed")
            )
            if fixtures_only(parse(after)):
                # Plain fixtures change no test's outcome by themselves: inside `writable` a task may
                # ask for them (info); in a protected folder they are still a change there (warn).
                severity = Severity.INFO if asked_for(rel, change) else Severity.WARN
                return [self._whole(rel, kind, f"{message} (fixtures only)", after, severity)]
            return [self._whole(rel, kind, message, after)]
        if path.name in CONFIG_FILES or path.name in INI_SECTIONS or path.name == "pyproject.toml":
            out = []
            old, new = before or "", after or ""
            if not same_for_pytest(rel, new, old):
                h = line_hit(rel, new, config_line(rel, old, new))
                message = "pytest configuration changed"
                out.append(alert(self.name, "test_config_changed", Severity.BLOCK, message, rel, h))
            if path.name == "pyproject.toml" and pytest_entry_points(after) != pytest_entry_points(before):
                at = next((i for i, t in enumerate(new.splitlines(), 1) if "pytest11" in t), 0)
                h = line_hit(rel, new, at or config_line(rel, old, new))
                message = "pytest11 entry point changed"
                out.append(alert(self.name, "pytest_plugin_added", Severity.BLOCK, message, rel, h))
            return out
        if path.name == "entry_points.txt" and after is not None and before != after and "pytest11" in after:
            # An `*.egg-info` / `*.dist-info` in the tree registers plugins pytest may load by itself.
            at = next((i for i, t in enumerate(after.splitlines(), 1) if "pytest11" in t), 1)
            message = f"{rel} registers a pytest11 plugin"
            return [
                alert(
                    self.name, "pytest_plugin_added", Severity.BLOCK, message, rel, line_hit(rel, after, at)
                )
            ]
        if after is None or before == after or not is_harness_sensitive(rel, change.tree):
            return []
        if path.suffix == ".pth" or path.stem in STARTUP_MODULES:
            return [self._whole(rel, "startup_hook", f"{path.name} runs code at interpreter start-up", after)]
        if shadows_runner(path.parent.name if path.stem == "__init__" else path.stem):
            message = f"{rel} shadows a standard-library or test-runner module"
            return [self._whole(rel, "shadow_module", message, after)]
        return []

    def _whole(
        self, rel: str, kind: str, message: str, text: str, severity: Severity = Severity.BLOCK
    ) -> Alert:
        tree = parse(text)
        line = tree.body[0].lineno if tree is not None and tree.body else 1
        h = Hit(key=kind, line=line, snippet=snippet(text, line))
        return alert(self.name, kind, severity, message, rel, h)


CATCH_ALL = frozenset({"**", "*", "**/*"})


def asked_for(rel: str, change: Change) -> bool:
    """Inside `writable`, and either outside `protected` or named by a writable glob of its own."""
    if not matches(rel, change.writable):
        return False
    explicit = [g for g in change.writable if g not in CATCH_ALL]
    return not matches(rel, change.protected) or matches(rel, explicit)


# Module-level names pytest reads from a conftest: binding any of them changes collection or plugins.
CONFTEST_NAMES = re.compile(r"^(pytest_\w*|collect_ignore\w*|pytestmark)$")
# What a fixture may not do and stay a plain fixture: patch, rebind module state, reach the runner.
PATCHING = frozenset(
    {"setattr", "delattr", "setitem", "delitem", "setenv", "syspath_prepend", "chdir", "patch"}
)


def fixtures_only(tree: ast.Module | None) -> bool:
    """A conftest that only imports, binds constants and defines non-autouse fixtures that patch nothing."""
    if tree is None or runner_patches(tree, None):
        return False
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        if isinstance(node, ast.Assign) and all(
            isinstance(t, ast.Name) and not CONFTEST_NAMES.match(t.id) for t in node.targets
        ):
            if literal(node.value)[0]:
                continue
            return False
        if not (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _plain_fixture(node)):
            return False
    return True


def _plain_fixture(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    fixture = next((d for d in fn.decorator_list if "fixture" in ast.unparse(d)), None)
    if fixture is None or "autouse" in ast.unparse(fixture):
        return False
    for node in ast.walk(fn):
        if isinstance(node, ast.Global | ast.Nonlocal | ast.ClassDef):
            return False  # module state, or a class of its own (an always-equal value, say)
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            if any(not isinstance(t, ast.Name | ast.Tuple) for t in targets):
                return False  # attribute or item assignment: patches something shared
        if isinstance(node, ast.Call) and dotted(node.func).split(".")[-1] in PATCHING:
            return False
    return True
