"""What the code under test must leave as it was: the test runner's code, its hooks, its imports.

`Watch` records, when pytest is configured, the identity of every function, class and descriptor
bound in the modules that run tests and report them (pytest, `_pytest.*`, pluggy, this plugin's
modules, and the `json`/`hmac` they write with), one level into the classes those modules define,
and every hook implementation registered. `check()` (after every test, and at the end) names:
- a binding replaced or removed (`Function.runtest = ...`, `json.dumps = ...`);
- a `pytest_*` attribute added to one of those classes (a hook assigned as a class attribute);
- a hook implementation added after configure by anything but a conftest module or pytest itself
  (a hookwrapper registered from the code under test), or one whose function was swapped;
- a top-level module imported from the tree that shadows an installed one (the same name found on
  the interpreter's own path), unless the project's base tree has it too.
"""

from __future__ import annotations

import importlib.machinery
import operator
import os
import sys
import types
from collections.abc import Iterable
from typing import Any

from codefit_pytest_audit import in_tree

WATCHED_ROOTS = frozenset({"pytest", "_pytest", "pluggy", "json", "hmac"})
PLUGIN_PREFIX = "codefit_pytest_"
Binding = tuple[str, Any, list[str], list[object]]  # (label, namespace, names, objects)


def _code_like(value: object) -> bool:
    return callable(value) or isinstance(value, classmethod | staticmethod | property | types.ModuleType)


class Watch:
    def __init__(self, root: str, own_modules: Iterable[str]) -> None:
        self._root = root.rstrip(os.sep) + os.sep
        self._own = frozenset(own_modules)
        self._bindings: list[Binding] = []
        self._classes: list[tuple[str, Any, frozenset[str]]] = []
        self._hooks: dict[int, tuple[str, Any, object]] = {}
        self._seen_modules: set[str] = set()
        self._reported: set[str] = set()
        self._pluginmanager: Any = None

    def remember(self, pluginmanager: Any) -> None:
        """Record the runner as it is now (call once pytest is configured)."""
        self._pluginmanager = pluginmanager
        for name, module in list(sys.modules.items()):
            if module is None or not _watched(name):
                continue
            namespace = vars(module)
            names = [k for k, v in namespace.items() if _code_like(v)]
            self._bindings.append((name, namespace, names, [namespace[k] for k in names]))
            for key in names:
                value = namespace[key]
                if isinstance(value, type) and getattr(value, "__module__", None) == name:
                    inner = value.__dict__
                    methods = [k for k, v in inner.items() if _code_like(v)]
                    self._bindings.append((f"{name}.{key}", inner, methods, [inner[k] for k in methods]))
                    self._classes.append((f"{name}.{key}", inner, frozenset(inner)))
        self._hooks = dict(self._current_hooks())
        self._seen_modules = set(sys.modules)

    def check(self) -> list[str]:
        """Every change since `remember` not reported before."""
        found = self._changed_bindings() + self._added_class_hooks() + self._changed_hooks() + self._shadows()
        new = [f for f in found if f not in self._reported]
        self._reported.update(new)
        return new

    def _changed_bindings(self) -> list[str]:
        changed = []
        for label, namespace, names, objects in self._bindings:
            if all(map(operator.is_, map(namespace.get, names), objects)):
                continue
            for key, obj in zip(names, objects, strict=True):
                if namespace.get(key) is not obj:
                    changed.append(f"replaced {label}.{key}")
        return changed

    def _added_class_hooks(self) -> list[str]:
        found = []
        for qualified, namespace, known in self._classes:
            if len(namespace) != len(known) or namespace.keys() - known:
                found += [
                    f"hook {key} added to {qualified}"
                    for key in namespace.keys() - known
                    if str(key).startswith("pytest_")
                ]
        return found

    def _current_hooks(self) -> Iterable[tuple[int, tuple[str, Any, object]]]:
        hook = self._pluginmanager.hook
        for name in dir(hook):
            caller = getattr(hook, name, None)
            get = getattr(caller, "get_hookimpls", None)
            for impl in get() if get is not None else ():
                yield id(impl), (f"{name} of plugin {impl.plugin_name}", impl, impl.function)

    def _changed_hooks(self) -> list[str]:
        found = []
        for key, (label, impl, function) in self._current_hooks():
            known = self._hooks.get(key)
            if known is None or known[1] is not impl:
                if _trusted_plugin(impl.plugin, self._root):
                    self._hooks[key] = (label, impl, function)
                else:
                    found.append(f"hook {label} registered after configure")
            elif known[2] is not function:
                found.append(f"hook {label} replaced")
        return found

    def _shadows(self) -> list[str]:
        names = set(sys.modules) - self._seen_modules
        if not names:
            return []
        self._seen_modules.update(names)
        outside = [p for p in sys.path if not _inside(p or ".", self._root)]
        found = []
        for name in sorted(n for n in names if "." not in n and n not in self._own):
            module = sys.modules.get(name)
            if not self._from_tree(module):
                continue
            if (
                importlib.machinery.PathFinder.find_spec(name, outside) is not None
                or name in sys.builtin_module_names
            ):
                found.append(f"module {name} imported from the tree shadows the installed {name}")
        return found

    def _from_tree(self, module: object) -> bool:
        file = getattr(module, "__file__", None)
        paths = list(getattr(module, "__path__", []) or [])
        return any(_inside(p, self._root) for p in ([file] if file else []) + paths)


def _watched(name: str) -> bool:
    return name.split(".", 1)[0] in WATCHED_ROOTS or name.startswith(PLUGIN_PREFIX)


def _inside(path: str, root: str) -> bool:
    return in_tree(os.path.realpath(path), root)


def _trusted_plugin(plugin: object, root: str) -> bool:
    """A conftest module pytest loaded, or an object of pytest's own or an installed plugin's making."""
    if isinstance(plugin, types.ModuleType):
        file = getattr(plugin, "__file__", None) or ""
        if os.path.basename(file) == "conftest.py":
            return True
        return not _inside(file, root) if file else False
    module = getattr(type(plugin), "__module__", "") or ""
    source = getattr(sys.modules.get(module), "__file__", None) or ""
    return bool(source) and not _inside(source, root)
