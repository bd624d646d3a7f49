"""What a name in a module refers to, seen through import aliases and lookups by constant strings.

`import os as o; o._exit(0)`, `from os import _exit as leave`, `getattr(os, "_exit")` and
`importlib.import_module("_py" + "test.python")` all name the same things as their plain spelling;
guards compare resolved names so that renaming an import does not hide a pattern. Resolution is
per module and ignores scopes: an alias bound anywhere in the file counts everywhere in it.
"""

from __future__ import annotations

import ast

from codefit.guards.memo import memoized, walk
from codefit.guards.source import dotted

IMPORTERS = frozenset({"importlib.import_module", "import_module", "importlib.__import__", "__import__"})


def folded(node: ast.AST | None) -> str | None:
    """The value of a string expression built from constants (`"a" + "b"`, f-strings, `"".join`)."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = folded(node.left), folded(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.FormattedValue) and node.conversion == -1 and node.format_spec is None:
        return folded(node.value)
    if isinstance(node, ast.JoinedStr):
        parts = [folded(v) for v in node.values]
        return "".join(p for p in parts if p is not None) if None not in parts else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.List | ast.Tuple)
    ):
        sep, items = folded(node.func.value), [folded(e) for e in node.args[0].elts]
        return sep.join(i for i in items if i is not None) if sep is not None and None not in items else None
    return None


def names_of(tree: ast.Module | None) -> Names:
    """`Names(tree)`, built once per tree within a guards scope (`memo.shared`)."""
    return memoized("names", tree, lambda: Names(tree))


class Names:
    """Resolves names in one module: `qualified(node)` is the dotted name with aliases expanded."""

    def __init__(self, tree: ast.Module | None) -> None:
        self.aliases: dict[str, str] = {}
        self.modules: set[str] = set()  # top-level names the module binds by importing
        if tree is None:
            return
        for node in walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    bound = a.asname or a.name.split(".")[0]
                    self.modules.add(bound)
                    if a.asname:
                        self.aliases[a.asname] = a.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    if a.name != "*":
                        self.modules.add(a.asname or a.name)
                        self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        # `o = os`, `leave = os._exit`, `m = importlib.import_module(...)`: twice, for chains of them.
        assignments = [n for n in walk(tree) if isinstance(n, ast.Assign) and len(n.targets) == 1]
        for _ in range(2):
            for node in assignments:
                target = node.targets[0]
                if isinstance(target, ast.Name) and (name := self._bound(node.value)):
                    self.aliases[target.id] = name

    def _bound(self, value: ast.expr) -> str:
        """The resolved name a plain assignment binds, when it comes from an import or an alias."""
        name = self.qualified(value)
        if name and (name != dotted(value) or name.split(".")[0] in self.modules):
            return name
        return ""

    def qualified(self, node: ast.AST) -> str:
        """`os._exit` for `o._exit`, `leave`, `getattr(os, "_exit")`...; "" when it is not a name."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            inner = self.qualified(node.value)
            return f"{inner}.{node.attr}" if inner else ""
        if isinstance(node, ast.Subscript) and self.qualified(node.value) == "sys.modules":
            return folded(node.slice) or ""
        if isinstance(node, ast.Call) and node.args:
            func = self.qualified(node.func)
            if func in IMPORTERS:
                module = folded(node.args[0]) or ""
                # `__import__("a.b")` returns the package `a`; import_module returns `a.b`.
                return module.split(".")[0] if func.endswith("__import__") else module
            if func == "getattr" and len(node.args) >= 2 and (attr := folded(node.args[1])):
                inner = self.qualified(node.args[0])
                return f"{inner}.{attr}" if inner else ""
        return ""
