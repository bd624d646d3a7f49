"""Patches that change what every test sees: tests rebinding the code under test, code rebinding libraries.

pytest imports every test module into one process before it runs any test, so a test file (a new
one dropped next to the real tests, too) that rebinds `calc.add`, sets `sys.modules["calc"]` or
`builtins.round`, or patches them in an autouse fixture, changes what every other test sees. A
patch inside one test function stays that test's business and raises nothing.

The code under test shares that process with pytest and codefit's reporting plugin: rebinding an
attribute of a module it did not write (`json.dumps = ...`, `setattr(os, "write", ...)`) reaches
the reporter as surely as patching pytest does.
"""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.memo import walk
from codefit.guards.names import folded, names_of
from codefit.guards.source import Hit, added_hits, alert, dotted, hit, python_files, tree_files
from codefit.testfiles import in_test_dir, is_test_file

PATCH_CALLS = frozenset(
    {"setattr", "delattr", "setitem", "patch", "patch.object", "patch.dict", "patch.multiple"}
)
ALWAYS = frozenset({"builtins", "sys.modules", "importlib"})


def project_modules(tree: Path) -> frozenset[str]:
    """Top-level names of the tree's own modules and packages (flat and src layouts), tests left out."""
    out = set()
    for path in tree_files(tree):
        parts = path.relative_to(tree).parts
        if parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        if in_test_dir("/".join(parts)) or parts[-1] in ("conftest.py", "setup.py", "noxfile.py"):
            continue
        out.add(PurePosixPath(parts[0]).stem)
    return frozenset(out)


def _shared_scopes(tree: ast.Module) -> list[ast.AST]:
    """The module body and autouse fixtures: code that runs for every test."""
    scopes: list[ast.AST] = [
        s for s in tree.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for node in walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            "autouse" in ast.unparse(d) for d in node.decorator_list
        ):
            scopes.append(node)
    return scopes


def patches(tree: ast.Module | None, text: str | None, modules: frozenset[str]) -> list[Hit]:
    if tree is None:
        return []
    names = names_of(tree)

    def targets(name: str) -> bool:
        root = name.split(".")[0]
        return root in modules or any(name == a or name.startswith(a + ".") for a in ALWAYS)

    hits = []
    for scope in _shared_scopes(tree):
        for node in ast.walk(scope):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node is not scope:
                continue
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    name = names.qualified(target.value if isinstance(target, ast.Subscript) else target)
                    if isinstance(target, ast.Attribute | ast.Subscript) and targets(name):
                        hits.append(hit(f"patch:{name}", node, text))
            elif isinstance(node, ast.Call) and node.args:
                func = names.qualified(node.func) or dotted(node.func)
                if not any(func == p or func.endswith("." + p) for p in PATCH_CALLS):
                    continue
                first = node.args[0]
                name = names.qualified(first) or folded(first) or ""
                if targets(name):
                    hits.append(hit(f"patch:{name}", node, text))
    return hits


# Attributes of library modules that code may rebind honestly (output streams, a recursion limit).
ALLOWED = frozenset({"sys.stdout", "sys.stderr", "sys.stdin", "sys.excepthook", "sys.path", "os.environ"})


def library_patches(tree: ast.Module | None, text: str | None, modules: frozenset[str]) -> list[Hit]:
    """Assignments and `setattr`s onto attributes of imported modules that are not the tree's own."""
    if tree is None:
        return []
    names = names_of(tree)
    imported = {names.aliases.get(m, m).split(".")[0] for m in names.modules}

    def library(name: str) -> bool:
        root = name.split(".")[0]
        return "." in name and root in imported and root not in modules and name not in ALLOWED

    hits = []
    for node in walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Attribute) and library(name := names.qualified(target)):
                    hits.append(hit(f"library:{name}", node, text))
        elif (
            isinstance(node, ast.Call) and names.qualified(node.func) in ("setattr", "delattr") and node.args
        ):
            owner = names.qualified(node.args[0])
            attr = folded(node.args[1]) if len(node.args) > 1 else None
            if owner and library(f"{owner}.{attr or '?'}"):
                hits.append(hit(f"library:{owner}.{attr or '?'}", node, text))
    return hits


class PatchingGuard:
    name = "patching"
    kinds: ClassVar[tuple[str, ...]] = ("patches_code_under_test", "patches_library")

    def inspect(self, change: Change) -> list[Alert]:
        files = list(python_files(change))
        if not files:
            return []
        modules = project_modules(change.tree)
        alerts = []
        for f in files:
            if not (is_test_file(f.rel) or f.rel.endswith("conftest.py")):
                for h in added_hits(f, lambda tree, text: library_patches(tree, text, modules)):
                    what = h.key.partition(":")[2]
                    message = (
                        f"code under test rebinds {what}, a library's attribute, for the whole test process"
                    )
                    alerts.append(alert(self.name, "patches_library", Severity.BLOCK, message, f.rel, h))
                continue
            for h in added_hits(f, lambda tree, text: patches(tree, text, modules)):
                what = h.key.partition(":")[2]
                message = (
                    f"a test file patches {what} for every test (at import time or in an autouse fixture)"
                )
                alerts.append(alert(self.name, "patches_code_under_test", Severity.BLOCK, message, f.rel, h))
        return alerts
