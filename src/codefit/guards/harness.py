"""Test-harness tampering: conftest.py, pytest config, hooks and plugins, patching pytest, start-up hooks."""

from __future__ import annotations

import ast
import tomllib
from pathlib import PurePosixPath
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.source import (
    Hit,
    added_hits,
    alert,
    dotted,
    hit,
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

RUNNER_ROOTS = frozenset({"pytest", "_pytest", "pluggy", "unittest"})


def pytest_entry_points(text: str | None) -> object:
    if text is None:
        return None
    try:
        return tomllib.loads(text).get("project", {}).get("entry-points", {}).get("pytest11")
    except tomllib.TOMLDecodeError:
        return None


def runner_patches(tree: ast.Module | None, text: str | None) -> list[Hit]:
    """Hooks, plugin lists, `_pytest` imports and assignments onto pytest's objects."""
    if tree is None:
        return []
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("pytest_"):
            hits.append(hit(f"hook:{node.name}", node, text))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] in ("_pytest", "pluggy") for m in modules):
                hits.append(hit(f"import:{ast.unparse(node)}", node, text))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = dotted(target)
                if name == "pytest_plugins" or (
                    "." in name and name.split(".")[0] in RUNNER_ROOTS and not name.startswith("pytest.mark")
                ):
                    hits.append(hit(f"assign:{name}", node, text))
        elif (
            isinstance(node, ast.Call)
            and dotted(node.func) in ("setattr", "monkeypatch.setattr")
            and node.args
            and dotted(node.args[0]).split(".")[0] in RUNNER_ROOTS
        ):
            hits.append(hit(f"setattr:{ast.unparse(node.args[0])}", node, text))
    return hits


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
            if before is None and after is not None:
                return [self._whole(rel, "conftest_added", "new conftest.py changes how tests run", after)]
            if after is None:
                return [alert(self.name, "conftest_removed", Severity.WARN, "conftest.py removed", rel)]
            if before != after:
                return [self._whole(rel, "conftest_changed", "conftest.py changed", after)]
            return []
        if path.name in CONFIG_FILES or path.name in INI_SECTIONS or path.name == "pyproject.toml":
            out = []
            if not same_for_pytest(rel, after or "", before or ""):
                out.append(
                    alert(
                        self.name, "test_config_changed", Severity.BLOCK, "pytest configuration changed", rel
                    )
                )
            if path.name == "pyproject.toml" and pytest_entry_points(after) != pytest_entry_points(before):
                out.append(
                    alert(
                        self.name, "pytest_plugin_added", Severity.BLOCK, "pytest11 entry point changed", rel
                    )
                )
            return out
        if after is None or before == after or not is_harness_sensitive(rel, change.tree):
            return []
        if path.suffix == ".pth" or path.stem in STARTUP_MODULES:
            return [self._whole(rel, "startup_hook", f"{path.name} runs code at interpreter start-up", after)]
        if shadows_runner(path.parent.name if path.stem == "__init__" else path.stem):
            message = f"{rel} shadows a standard-library or test-runner module"
            return [self._whole(rel, "shadow_module", message, after)]
        return []

    def _whole(self, rel: str, kind: str, message: str, text: str) -> Alert:
        tree = parse(text)
        line = tree.body[0].lineno if tree is not None and tree.body else 1
        h = Hit(key=kind, line=line, snippet=snippet(text, line))
        return alert(self.name, kind, Severity.BLOCK, message, rel, h)
