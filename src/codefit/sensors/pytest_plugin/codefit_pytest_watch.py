"""What the code under test must leave as it was: the test runner's code, its hooks, its imports.

`Watch` records, when pytest is configured, the identity of every function, class and descriptor
bound in the modules that run tests and report them (pytest, `_pytest.*`, pluggy, this plugin's
modules, and the `json`/`hmac` they write with), one level into the classes those modules define,
and every hook implementation registered. `check()` (after every test, and at the end) names:
- a binding replaced or removed (`Function.runtest = ...`, `json.dumps = ...`), but for the clock
  those modules import (`CLOCK`);
- a `pytest_*` attribute added to one of those classes (a hook assigned as a class attribute);
- a hook implementation added after configure by anything but a conftest module or pytest itself
  (a hookwrapper registered from the code under test), or one whose function was swapped;
- a top-level module imported from the tree that shadows an installed one (the same name found on
  the interpreter's own path), unless the project's base tree has it too.
After every test it compares the bindings of the modules between a test's call and its report,
one sixteenth of the others in turn, and the hook implementations; after collection and at the
end, everything. Comparisons are by identity in C-level passes (about 0.1 ms per test).
"""

from __future__ import annotations

import datetime
import importlib.machinery
import itertools
import operator
import os
import sys
import time
import types
from collections.abc import Callable, Iterable
from typing import Any

from codefit_pytest_audit import in_tree

WATCHED_ROOTS = frozenset({"pytest", "_pytest", "pluggy", "json", "hmac"})
PLUGIN_PREFIX = "codefit_pytest_"
# (label, namespace, names, objects, a getter of the names' current values)
Binding = tuple[str, Any, list[str], tuple[object, ...], Callable[[Any], Any]]
# Modules on the path from a test's call to its report: checked after every test. The others are
# checked in turns (one in ROTATION after each test) and all of them after collection and at the end.
CORE_MODULES = frozenset(
    {
        "pytest",
        "_pytest.python",
        "_pytest.runner",
        "_pytest.reports",
        "_pytest.skipping",
        "_pytest.unittest",
        "_pytest.outcomes",
        "pluggy._callers",
        "pluggy._hooks",
        "pluggy._result",
        "json",
        "json.encoder",
        "hmac",
    }
)
ROTATION = 16
IMPLS, FUNCTION = operator.attrgetter("_hookimpls"), operator.attrgetter("function")


def _code_like(value: object) -> bool:
    return callable(value) or isinstance(value, classmethod | staticmethod | property | types.ModuleType)


# The clock, as pytest's modules import it (`_pytest.timing.perf_counter`, `_pytest.approx.datetime`):
# freezegun, in a project's own tests, swaps every module's reference to these for its fakes while
# time is frozen, and a frozen clock decides no outcome. Not watched (taken before any tree code runs).
CLOCK: tuple[object, ...] = (
    datetime.date,
    datetime.datetime,
    *(
        getattr(time, name)
        for name in (
            "time",
            "time_ns",
            "localtime",
            "gmtime",
            "strftime",
            "monotonic",
            "monotonic_ns",
            "perf_counter",
            "perf_counter_ns",
        )
    ),
)


def _clock(value: object) -> bool:
    return any(value is clock for clock in CLOCK)


class _Group:
    """Bindings compared in one pass: identity only (never `==`, which a replacement's `__eq__`
    could answer, nor `id()`, which raises an audit event per call)."""

    def __init__(self) -> None:
        self.bindings: list[Binding] = []
        self.getters: list[Callable[[Any], tuple[object, ...]]] = []
        self.namespaces: list[Any] = []
        self.flat: tuple[object, ...] = ()

    def add(self, label: str, namespace: Any, names: list[str]) -> None:
        objects = tuple(namespace[k] for k in names)
        self.bindings.append((label, namespace, names, objects, operator.itemgetter(*names)))
        # Always a tuple (the first name twice), so that all namespaces chain into one comparison.
        self.getters.append(operator.itemgetter(names[0], *names))
        self.namespaces.append(namespace)
        self.flat += (objects[0], *objects)

    def changed(self) -> list[str]:
        try:
            now = itertools.chain.from_iterable(map(operator.call, self.getters, self.namespaces))
            if all(map(operator.is_, now, self.flat)):
                return []
        except KeyError:
            pass  # one was deleted: find which below
        return [
            f"replaced {label}.{key}"
            for label, namespace, names, objects, _ in self.bindings
            for key, obj in zip(names, objects, strict=True)
            if namespace.get(key) is not obj
        ]


class Watch:
    def __init__(self, root: str, own_modules: Iterable[str]) -> None:
        self._root = root.rstrip(os.sep) + os.sep
        self._own = frozenset(own_modules)
        self._core = _Group()
        self._turns = [_Group() for _ in range(ROTATION)]
        self._turn = 0
        self._classes: list[tuple[str, Any, frozenset[str]]] = []
        self._class_dicts: list[Any] = []
        self._class_sizes: list[int] = []
        self._hooks: dict[int, tuple[str, Any, object]] = {}
        self._callers: list[Any] = []
        self._hook_flat: tuple[object, ...] = ()
        self._relay_size = 0
        self._modules_seen: set[str] = set()
        self._modules_count = 0
        self._reported: set[str] = set()
        self._pluginmanager: Any = None
        self._ours: list[tuple[str, dict[str, Any], frozenset[str]]] = []  # codefit's modules, their names

    def remember(self, pluginmanager: Any) -> None:
        """Record the runner as it is now (call once pytest is configured)."""
        self._pluginmanager = pluginmanager
        count = 0
        for name, module in sorted(sys.modules.items()):
            if module is None or not _watched(name):
                continue
            ours = name.startswith(PLUGIN_PREFIX)
            core = name in CORE_MODULES or ours
            namespaces = [(name, vars(module))]
            if ours:  # every name of codefit's own modules: its tables and constants too
                self._ours.append((name, vars(module), frozenset(vars(module))))
            for key, value in list(vars(module).items()):
                if isinstance(value, type) and getattr(value, "__module__", None) == name:
                    namespaces.append((f"{name}.{key}", value.__dict__))
                    self._classes.append((f"{name}.{key}", value.__dict__, frozenset(value.__dict__)))
            for label, namespace in namespaces:
                everything = ours and label == name
                names = [k for k, v in namespace.items() if everything or (_code_like(v) and not _clock(v))]
                if names:
                    group = self._core if core else self._turns[count % ROTATION]
                    group.add(label, namespace, names)
                    count += 0 if core else 1
        self._class_dicts = [namespace for _, namespace, _ in self._classes]
        self._class_sizes = list(map(len, self._class_dicts))
        self._hooks = dict(self._current_hooks())
        self._callers, self._hook_flat = self._hook_snapshot()
        self._relay_size = len(vars(pluginmanager.hook))
        self._modules_seen = set(sys.modules)

    def check(self, full: bool = False) -> list[str]:
        """Changes since `remember` not reported before: the core and one turn of the rest, the hook
        implementations and new shadowing modules; when `full`, all bindings and the class hooks
        (a hook added to a class acts only once that class's object is registered, which the
        hook implementations show at once)."""
        groups = [self._core, *(self._turns if full else [self._turns[self._turn % ROTATION]])]
        self._turn += 1
        found = [f for g in groups for f in g.changed()]
        found += (self._added_class_hooks() if full else []) + self._changed_hooks() + self._shadows()
        found += self._added_to_ours()
        new = [f for f in found if f not in self._reported]
        self._reported.update(new)
        return new

    def _added_to_ours(self) -> list[str]:
        """Names added to codefit's own modules: a global there shadows a builtin its code calls."""
        return [f"added {label}.{key}" for label, key in _added(self._ours)]

    def _added_class_hooks(self) -> list[str]:
        if list(map(len, self._class_dicts)) == self._class_sizes:
            return []
        hooks = [(label, key) for label, key in _added(self._classes) if key.startswith("pytest_")]
        return [f"hook {key} added to {label}" for label, key in hooks]

    def _hook_snapshot(self) -> tuple[list[Any], tuple[object, ...]]:
        """The hook callers, and their implementations then those implementations' functions."""
        callers = [c for c in vars(self._pluginmanager.hook).values() if hasattr(c, "_hookimpls")]
        return callers, self._hook_objects(callers)

    @staticmethod
    def _hook_objects(callers: list[Any]) -> tuple[object, ...]:
        impls = list(itertools.chain.from_iterable(map(IMPLS, callers)))
        return (*map(len, map(IMPLS, callers)), *impls, *map(FUNCTION, impls))

    def _hooks_unchanged(self) -> bool:
        if len(vars(self._pluginmanager.hook)) != self._relay_size:
            return False
        now = self._hook_objects(self._callers)
        return len(now) == len(self._hook_flat) and all(map(operator.is_, now, self._hook_flat))

    def _current_hooks(self) -> Iterable[tuple[int, tuple[str, Any, object]]]:
        for name, caller in vars(self._pluginmanager.hook).items():
            get = getattr(caller, "get_hookimpls", None)
            for impl in get() if get is not None else ():
                yield id(impl), (f"{name} of plugin {impl.plugin_name}", impl, impl.function)

    def _changed_hooks(self) -> list[str]:
        if self._hooks_unchanged():
            return []
        self._callers, self._hook_flat = self._hook_snapshot()
        self._relay_size = len(vars(self._pluginmanager.hook))
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
        if len(sys.modules) == self._modules_count:
            return []
        self._modules_count = len(sys.modules)
        names = set(sys.modules) - self._modules_seen
        self._modules_seen.update(names)
        outside = [p for p in sys.path if not _inside(p or ".", self._root)]
        found = []
        for name in sorted(n for n in names if "." not in n and n not in self._own):
            module = sys.modules.get(name)
            if not self._from_tree(module):
                continue
            if name in sys.builtin_module_names or importlib.machinery.PathFinder.find_spec(name, outside):
                found.append(f"module {name} imported from the tree shadows the installed {name}")
        return found

    def _from_tree(self, module: object) -> bool:
        file = getattr(module, "__file__", None)
        paths = list(getattr(module, "__path__", []) or [])
        return any(_inside(p, self._root) for p in ([file] if file else []) + paths)


def _added(namespaces: Iterable[tuple[str, Any, frozenset[str]]]) -> list[tuple[str, str]]:
    """(label, name) of each name a namespace holds that it did not hold when remembered."""
    return [
        (label, key)
        for label, namespace, known in namespaces
        if len(namespace) != len(known)
        for key in namespace.keys() - known
    ]


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
