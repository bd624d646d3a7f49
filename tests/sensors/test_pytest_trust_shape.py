"""`compiled_shape`: which code objects the audit hook may read (hash, compare, look into).

Code compiling source gives is read; code built at run time with anything of the candidate's
inside (a `str` subclass for a name, an object of its own among the constants, at any depth) is
the candidate's and never read: reading it would run the candidate's methods in the hook."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import CodeType, ModuleType

import pytest

import codefit.sensors

PLUGIN = Path(codefit.sensors.__file__).parent / "pytest_plugin" / "codefit_pytest_trust.py"


def load_trust() -> ModuleType:
    spec = importlib.util.spec_from_file_location("codefit_pytest_trust_under_test", PLUGIN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


trust = load_trust()
SOURCE = """
import os
LIMIT = (1, 2.5, 3j, b"x", None, ..., frozenset({1, "a"}), ("deep", (True,)))

class Holder:
    def method(self, value=("a", 1)):
        def inner():
            return value, LIMIT
        return inner

async def later():
    return [x async for x in other()]
"""


def compiled() -> CodeType:
    return compile(SOURCE, "module.py", "exec")


def replace_nested(code: CodeType, **changes: object) -> CodeType:
    """`code` with `changes` made to the innermost function (`inner`), rebuilt outward."""
    consts = []
    for const in code.co_consts:
        if isinstance(const, CodeType):
            const = const.replace(**changes) if const.co_name == "inner" else replace_nested(const, **changes)
        consts.append(const)
    return code.replace(co_consts=tuple(consts))


class Loud(type):
    """A metaclass whose comparisons and hash are the candidate's: the check must never run them."""

    ran: list[str] = []

    def __eq__(cls, other: object) -> bool:
        Loud.ran.append("eq")
        return True

    def __hash__(cls) -> int:
        Loud.ran.append("hash")
        return hash(str)


class Sneaky(str, metaclass=Loud):
    pass


class Text(str):
    pass


def test_code_compiled_from_source_is_read_standard_library_too() -> None:
    assert trust.compiled_shape(compiled())
    for name in ("json.decoder", "inspect", "dataclasses"):
        module = sys.modules.get(name) or __import__(name)
        source = Path(module.__file__).read_text()  # type: ignore[arg-type]
        assert trust.compiled_shape(compile(source, module.__file__, "exec"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda c: c.replace(co_filename=Text("module.py")), id="str-subclass file name"),
        pytest.param(lambda c: c.replace(co_name=Text("<module>")), id="str-subclass name"),
        pytest.param(lambda c: c.replace(co_consts=(*c.co_consts, object())), id="object constant"),
        pytest.param(
            lambda c: c.replace(co_consts=(*c.co_consts, (1, frozenset({("a", object())})))),
            id="object deep in a tuple and a frozenset",
        ),
        pytest.param(lambda c: replace_nested(c, co_consts=(None, object())), id="object in nested code"),
        pytest.param(lambda c: replace_nested(c, co_filename=Text("module.py")), id="str subclass, nested"),
        pytest.param(lambda c: c.replace(co_consts=(*c.co_consts, Sneaky("s"))), id="metaclass =="),
        pytest.param(lambda c: c.replace(co_consts=(*c.co_consts, True.__class__)), id="a type as constant"),
    ],
)
def test_code_built_with_the_candidates_objects_is_not_read(build: object) -> None:
    Loud.ran.clear()
    code = build(compiled())  # type: ignore[operator]
    assert not trust.compiled_shape(code)
    assert Loud.ran == []  # decided by the types' identities, not by anything they define
