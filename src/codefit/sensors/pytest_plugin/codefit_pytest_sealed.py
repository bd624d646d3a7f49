"""pytest's references to its own runtime, kept where only the audit hook hands them out.

A module of pytest keeps the run's config (`_pytest.debugging.pytestPDB._config` and
`._pluginmanager`), and every module pytest imports through its assertion rewriter has that
rewriter as its `__loader__` (`.config`, `.session`). From the config the code under test reached
the plugin manager, and from it the reporter and the test items, by plain attribute reads that
raise no audit event: it rewired the reporter to send every failure as a pass.

`seal_runner` moves those references into the audit hook (`codefit_pytest_audit`), which keeps
them in its closure (the interpreter holds the hook; no object reaches it) and hands one out
through a `Sealed` descriptor left in its place. Each read and each write raises an event the hook
judges like a frame read: asked for by code the candidate changed, it is a finding and the value
is not given; pytest's own reads (the rewriter, on every import) get it. A runner reference pytest
re-creates later (a nested in-process run puts its own config there) is sealed again (`reseal`).
"""

from __future__ import annotations

import sys
from typing import Any

UNSEAL, SEAL = "codefit.unseal", "codefit.seal"
# (module, class, attributes) holding the runner's config, plugin manager or session on the class.
CLASS_REFERENCES = (("_pytest.debugging", "pytestPDB", ("_config", "_pluginmanager")),)
LOADER_REFERENCES = ("config", "session")  # on the assertion rewriter, every rewritten module's loader


class Sealed:
    """A data descriptor whose value the audit hook keeps, under `name` (and the instance's
    address, when it is an instance's attribute)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _key(self, obj: object) -> str:
        return self._name if obj is None else f"{self._name}@{object.__hash__(obj)}"

    def __get__(self, obj: object, owner: object = None) -> Any:
        box: list[object] = []
        sys.audit(UNSEAL, self._key(obj), box)
        if not box:
            raise AttributeError(self._name)
        return box[0]

    def __set__(self, obj: object, value: object) -> None:
        sys.audit(SEAL, self._key(obj), value)


def seal_runner() -> None:
    """Move pytest's references to its runtime into the audit hook (call once pytest is configured)."""
    for module_name, class_name, attributes in CLASS_REFERENCES:
        owner = getattr(sys.modules.get(module_name), class_name, None)
        for attribute in attributes if owner is not None else ():
            _seal_class_attribute(owner, class_name, attribute)
    for finder in sys.meta_path:
        kind = type(finder)
        if kind.__name__ == "AssertionRewritingHook" and kind.__module__.startswith("_pytest"):
            _seal_loader(finder)


def reseal() -> None:
    """Seal again what pytest has put back (a nested in-process run restores its saved config)."""
    for module_name, class_name, attributes in CLASS_REFERENCES:
        owner = getattr(sys.modules.get(module_name), class_name, None)
        for attribute in attributes if owner is not None else ():
            if type(vars(owner).get(attribute)) is not Sealed:
                _seal_class_attribute(owner, class_name, attribute)


def _seal_class_attribute(owner: Any, class_name: str, attribute: str) -> None:
    value = vars(owner).get(attribute)
    descriptor = Sealed(f"{class_name}.{attribute}")
    setattr(owner, attribute, descriptor)
    descriptor.__set__(None, value)


def _seal_loader(finder: Any) -> None:
    """The rewriter's class becomes a subclass whose `config` and `session` are sealed."""
    values = {name: vars(finder).pop(name, None) for name in LOADER_REFERENCES}
    finder.__class__ = _sealed_class(type(finder))
    for name, value in values.items():
        setattr(finder, name, value)


_SEALED_CLASSES: dict[type, type] = {}


def _sealed_class(cls: type) -> type:
    sealed = _SEALED_CLASSES.get(cls)
    if sealed is None:
        names = {name: Sealed(f"{cls.__name__}.{name}") for name in LOADER_REFERENCES}
        sealed = _SEALED_CLASSES[cls] = type(cls.__name__, (cls,), {**names, "__module__": __name__})
    return sealed
