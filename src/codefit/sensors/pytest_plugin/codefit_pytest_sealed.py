"""pytest's references to its own runtime, kept where only the audit hook hands them out.

pytest and pluggy keep references to the run's runtime objects (the config, the plugin manager and
its hooks, the session, the test items) where plain attribute reads reach them, with no frame and
no audit event: on classes (`_pytest.debugging.pytestPDB._config`), on module-level instances
(`pytest.mark._config`, the assertion rewriter that is every test module's `__loader__`), in module
globals set for each test (`_pytest.assertion.util._config`, and `_reprcompare`, a closure over the
running item). From any of them the code under test reached the plugin manager, then the reporter
and the items: it rewired the reporter to send every failure as a pass.

`Sealer` finds those references by what they hold, not by their names: in the namespaces of
pytest's and pluggy's modules and of the installed plugins' modules, in the classes those define
and one level into the instances and containers they keep, every value that is a runtime object or
a function closed over one. Each moves into the audit hook (`codefit_pytest_audit`), which keeps it
in its closure (the interpreter holds the hook; no object reaches it), and a stand-in takes its
place: a `Sealed` descriptor on a class (an instance's class becomes a subclass carrying one), a
`SealedProxy` in a module or a container, forwarding attribute reads and calls. Each use raises an
event the hook judges like a frame read: asked for by code the candidate changed, it is a finding
and nothing is handed out; pytest's own uses are served. What pytest writes later to such a module
or instance (for every test) is sealed as it is written; a class attribute it sets again (a nested
run's restore), after the test.
"""

from __future__ import annotations

import sys
import types
from typing import Any

UNSEAL, SEAL = "codefit.unseal", "codefit.seal"
# A write to a sealed namespace: the hook keeps the value when it holds a runtime object (it alone
# decides, by the runtime's classes it was told once, with RUNTIME).
STORE, RUNTIME = "codefit.store", "codefit.runtime"
ROOTS = ("pytest", "_pytest", "pluggy")


def unseal(key: str) -> Any:
    box: list[object] = []
    sys.audit(UNSEAL, key, box)
    if not box:
        raise AttributeError(key)
    return box[0]


def keep(key: str, value: object) -> None:
    sys.audit(SEAL, key, value)


def stored(key: str, value: object) -> bool:
    """Whether the audit hook kept `value` (it holds a runtime object) under `key`."""
    box: list[object] = []
    sys.audit(STORE, key, value, box)
    return bool(box)


class SealingModule(types.ModuleType):
    """A module of pytest's whose globals, when set to a runtime object (`util._config = config`
    for every test), are sealed as they are written: no thread of the code under test can read the
    value between pytest's write and a search."""

    def __setattr__(self, name: str, value: object) -> None:
        kind = type(value)
        closure = kind is types.FunctionType and value.__closure__  # type: ignore[attr-defined]
        if kind in PLAIN or issubclass(kind, type) or (kind is types.FunctionType and not closure):
            # Nothing to ask the hook (pytest resets its globals to None after every test; freezegun
            # writes its fake classes into every module): it would find no runtime object in these.
            types.ModuleType.__setattr__(self, name, value)
            return
        key = f"{types.ModuleType.__getattribute__(self, '__name__')}.{name}"
        types.ModuleType.__setattr__(self, name, SealedProxy(key) if stored(key, value) else value)


def _sealing_setattr(original: type, qualname: str) -> Any:
    """The `__setattr__` of an instance's sealed class: a runtime object written to an attribute
    (the rewriter's `session`, set once collection starts) is sealed as it is written."""

    def __setattr__(self: Any, name: str, value: object) -> None:
        if stored(f"{qualname}.{name}@{object.__hash__(self)}", value):
            if type(vars(type(self)).get(name)) is not Sealed:
                setattr(type(self), name, Sealed(f"{qualname}.{name}"))
            vars(self).pop(name, None)
            return
        original.__setattr__(self, name, value)

    return __setattr__


class Sealed:
    """A data descriptor whose value the audit hook keeps, under `name` (and the instance's
    address, when it is an instance's attribute)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _key(self, obj: object) -> str:
        return self._name if obj is None else f"{self._name}@{object.__hash__(obj)}"

    def __get__(self, obj: object, owner: object = None) -> Any:
        return unseal(self._key(obj))

    def __set__(self, obj: object, value: object) -> None:
        keep(self._key(obj), value)


class SealedProxy:
    """Stands in a module's namespace or a container for a value the audit hook keeps."""

    __slots__ = ("_codefit_key",)

    def __init__(self, key: str) -> None:
        object.__setattr__(self, "_codefit_key", key)

    def __getattr__(self, name: str) -> Any:
        return getattr(unseal(object.__getattribute__(self, "_codefit_key")), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return unseal(object.__getattribute__(self, "_codefit_key"))(*args, **kwargs)

    def __bool__(self) -> bool:
        return bool(unseal(object.__getattribute__(self, "_codefit_key")))


# What holds no runtime object by itself (a class's attributes are searched as the class's).
PLAIN = frozenset(
    {type, str, int, float, bool, bytes, types.ModuleType, types.BuiltinFunctionType, type(None)}
)

# The frames of this machinery, which the audit hook steps over to judge who asked.
MACHINERY = (
    unseal,
    keep,
    Sealed.__get__,
    Sealed.__set__,
    SealedProxy.__getattr__,
    SealedProxy.__call__,
    SealedProxy.__bool__,
    stored,
    SealingModule.__setattr__,
    _sealing_setattr(object, ""),
)


class Sealer:
    """Seals the runner's references (`seal`: a search of every namespace; `reseal`: the places
    found before, which pytest may have set again)."""

    def __init__(self, runtime: tuple[type, ...], plugin_modules: tuple[str, ...] = ()) -> None:
        self._runtime = runtime  # the types of runtime objects: config, plugin manager, hooks, nodes
        self._plugin_modules = frozenset(plugin_modules)  # installed plugins' (`xdist.plugin`)
        self._classes: dict[tuple[int, str], tuple[type, str, str]] = {}  # class attributes sealed
        self._looked_at: set[int] = set()  # classes whose attributes were searched
        self._originals: dict[type, type] = {}  # a sealed subclass -> the class it stands for
        self._instances: dict[int, object] = {}  # module-level instances searched (and the finders)

    def seal(self) -> None:
        for module_name, module in list(sys.modules.items()):
            if module is not None and self._searched(module_name, module):
                self._search_namespace(module_name, module)
        for finder in list(sys.meta_path):  # the assertion rewriter: every test module's __loader__
            kind = self._originals.get(type(finder), type(finder))
            if kind.__module__.split(".", 1)[0] in ROOTS:
                self._search_instance(finder)
        for instance in list(self._instances.values()):
            self._search_instance(instance)

    def reseal(self) -> None:
        """The class attributes sealed before that pytest has set again (a nested in-process run
        puts its saved config back). Writes to a module or a sealed instance are sealed as made."""
        for owner, name, key in list(self._classes.values()):
            if type(vars(owner).get(name)) is not Sealed:
                self._seal_class_attribute(owner, name, key)

    def _searched(self, name: str, module: types.ModuleType) -> bool:
        """pytest's and pluggy's modules, and those of installed plugins (not the tree's): each
        plugin's own module, whatever its name, and any installed module named for pytest."""
        if name in self._plugin_modules:
            return True
        if name.split(".", 1)[0] in ROOTS or name.startswith("codefit_pytest_"):
            return not name.startswith("codefit_pytest_")
        file = getattr(module, "__file__", None) or ""
        return "site-packages" in file and ("pytest" in name or "pluggy" in name)

    def _first_look(self, cls: type) -> bool:
        key = object.__hash__(cls)
        if key in self._looked_at:
            return False
        self._looked_at.add(key)
        return True

    def _is_runtime(self, value: object) -> bool:
        return isinstance(value, self._runtime)

    def _holds_runtime(self, value: object) -> bool:
        """A runtime object, or a function closed over one (`_reprcompare`, over the running item).
        Only where to look: what is kept is decided again by the audit hook, on its own copy of the
        runtime's classes (this object, and so this test, is reachable; the hook's closure is not)."""
        kind = type(value)
        if kind in PLAIN:
            return False
        if self._is_runtime(value):
            return True
        if kind is types.FunctionType and value.__closure__:  # type: ignore[attr-defined]
            for cell in value.__closure__:
                try:
                    if self._is_runtime(cell.cell_contents):
                        return True
                except ValueError:  # an empty cell
                    continue
        return False

    def _search_namespace(self, module_name: str, module: types.ModuleType) -> None:
        function, runtime = types.FunctionType, self._runtime
        for name, value in list(vars(module).items()):
            kind = type(value)
            if kind is function:  # most of a namespace: only a closure can hold anything
                if value.__closure__ and self._holds_runtime(value):
                    self._seal_global(module, name, f"{module_name}.{name}")
            elif issubclass(kind, type):
                if value.__module__ == module_name and self._first_look(value):
                    # Once per class: pytest sets its class attributes at configure (`reseal`).
                    for attribute, held in list(vars(value).items()):
                        if self._holds_runtime(held):
                            key = f"{value.__qualname__}.{attribute}"
                            self._seal_class_attribute(value, attribute, key)
            elif kind in PLAIN:
                continue
            elif isinstance(value, runtime):
                self._seal_global(module, name, f"{module_name}.{name}")
            elif kind is list:
                for index, item in enumerate(value):
                    if self._holds_runtime(item):
                        key = f"{module_name}.{name}[{index}]"
                        keep(key, item)
                        value[index] = SealedProxy(key)
            elif kind.__module__.split(".", 1)[0] in ROOTS and hasattr(value, "__dict__"):
                self._search_instance(value)

    def _search_instance(self, instance: object) -> None:
        """A module-level instance of pytest's (`pytest.mark`, the rewriter): its runtime attributes
        are sealed, its class becoming a subclass with a descriptor for each (names it holds later,
        as the rewriter's `session` once collection starts, are sealed by `reseal`)."""
        held = [n for n, v in list(vars(instance).items()) if self._holds_runtime(v)]
        if not held:
            return
        self._instances[object.__hash__(instance)] = instance  # searched again by `reseal`
        current = type(instance)
        original = self._originals.get(current, current)
        names = sorted({*held, *(n for n, v in vars(current).items() if type(v) is Sealed)})
        if current is original or not set(held) <= set(vars(current)):
            descriptors = {n: Sealed(f"{original.__qualname__}.{n}") for n in names}
            written = _sealing_setattr(original, original.__qualname__)
            namespace = {**descriptors, "__setattr__": written, "__module__": __name__}
            current = type(original.__name__, (original,), namespace)
            self._originals[current] = original
            values = {n: vars(instance).pop(n) for n in held}
            instance.__class__ = current
        else:
            values = {n: vars(instance).pop(n) for n in held}
        for name, value in values.items():
            setattr(instance, name, value)  # through the descriptor: into the hook

    def _seal_global(self, module: types.ModuleType, name: str, key: str) -> None:
        keep(key, vars(module)[name])
        types.ModuleType.__setattr__(module, name, SealedProxy(key))
        # What pytest sets there later (for every test) is sealed as it is written. Only such a
        # module: CPython specializes attribute reads on plain modules alone, and pytest reads its
        # modules' attributes everywhere (all of them sealing cost a run 6 % more instructions).
        if type(module) is types.ModuleType:
            module.__class__ = SealingModule

    def _seal_class_attribute(self, owner: type, name: str, key: str) -> None:
        value = vars(owner).get(name)
        descriptor = Sealed(key)
        setattr(owner, name, descriptor)
        descriptor.__set__(None, value)
        self._classes[(object.__hash__(owner), name)] = (owner, name, key)


def runtime_types() -> tuple[type, ...]:
    """The classes of the run's runtime objects: pytest's config, plugin managers, hook relays and
    callers (each holds its plugin manager), and nodes (the session, collectors, items)."""
    import importlib

    from _pytest.config import Config
    from _pytest.nodes import Node

    found: list[type] = [Config, Node]
    # Named as each pluggy and pytest release names them (pluggy < 1.1: `_HookCaller`; pytest 7-8:
    # an item's `ihook` is a `PathAwareHookProxy`).
    places = ("pluggy", "pluggy._hooks", "pluggy._manager", "pluggy.hooks", "_pytest.config.compat")
    names = ("PluginManager", "HookRelay", "_HookRelay", "HookCaller", "_HookCaller", "PathAwareHookProxy")
    for place in places:
        try:
            module = importlib.import_module(place)
        except ImportError:
            continue
        found += [kind for name in names if isinstance(kind := getattr(module, name, None), type)]
    return tuple(dict.fromkeys(found))


def tell_the_hook(runtime: tuple[type, ...]) -> None:
    """Tell the audit hook the runtime's classes, once, before any code of the tree runs: its
    decisions then read nothing the code under test could change."""
    sys.audit(RUNTIME, runtime)
