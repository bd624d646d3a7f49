"""Applying a candidate in the fork server's child: patched modules re-executed from memory.

The server builds a `Patcher` once, after collection and before any fork, so each child starts
with the project's modules and their real paths already known (walking sys.modules and resolving
paths per candidate cost more than running a small test). Loaded by path by forkserver_main.py;
standard library only.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import types
from typing import Any


class Patcher:
    """The project's loaded modules (those whose real path is under `root`), by real path: one
    imported through a link to the tree (the sandbox shows the tree at the user's repository
    path, where an editable install finds it) is the tree's."""

    def __init__(self, root: str) -> None:
        prefix = os.path.realpath(root).rstrip(os.sep) + os.sep
        self.modules: list[tuple[str, types.ModuleType]] = []
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if isinstance(file, str) and (real := os.path.realpath(file)).startswith(prefix):
                self.modules.append((real, module))

    def apply(self, files: dict[str, str]) -> None:
        """Re-execute each patched module in place and rebind names other modules imported from it.

        Patched modules not imported yet are served from memory when first imported; nothing is
        written to disk, which the server and every other candidate share.
        """
        if not files:
            return
        patched = {os.path.realpath(p): s for p, s in files.items()}
        loaded = [(path, module) for path, module in self.modules if path in patched]
        imported = {path for path, _ in loaded}
        sys.meta_path.insert(0, _PatchedFinder({p: s for p, s in patched.items() if p not in imported}))
        replaced: dict[int, object] = {}
        for path, module in loaded:
            code = compile(patched[path], path, "exec", dont_inherit=True)
            old = dict(module.__dict__)
            exec(code, module.__dict__)
            for name, value in old.items():
                new = module.__dict__.get(name, value)
                if new is not value and not name.startswith("__"):
                    replaced[id(value)] = new
        if replaced:
            self._rebind(replaced)

    def _rebind(self, replaced: dict[int, object]) -> None:
        """`from calc import add` elsewhere must see the patched `add`."""
        for _, module in self.modules:
            namespace = module.__dict__
            for name, value in list(namespace.items()):
                if id(value) in replaced:
                    namespace[name] = replaced[id(value)]


class _PatchedFinder(importlib.abc.MetaPathFinder):
    """Serves patched sources of modules not imported yet, from memory."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def find_spec(
        self, fullname: str, path: Any, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not self.files:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or os.path.realpath(spec.origin) not in self.files:
            return None
        spec.loader = _PatchedLoader(fullname, spec.origin, self.files[os.path.realpath(spec.origin)])
        return spec


class _PatchedLoader(importlib.machinery.SourceFileLoader):
    def __init__(self, fullname: str, path: str, source: str) -> None:
        super().__init__(fullname, path)
        self.source = source

    def get_code(self, fullname: str) -> types.CodeType:
        return compile(self.source, self.path, "exec", dont_inherit=True)
