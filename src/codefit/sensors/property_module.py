"""The test module of a `property` sensor's declared properties.

codefit copies this file, with `codefit_properties.json` beside it, into a folder outside the tree
under test; the confined pytest run collects it first, so the `codefit` Hypothesis profile (the
example budget, no deadline, no example database) is the default of every property test in the run.
Each declared property becomes a test `test_<name>` whose failure message carries the shrunk input.
It imports nothing from codefit: only the standard library, Hypothesis and the code under test.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given, seed, settings
from hypothesis import strategies as st

SPEC_FILE = "codefit_properties.json"


def resolve(target: str) -> Callable[..., Any]:
    """`pkg.mod:func` (or `pkg.mod:Class.method`) of the code under test."""
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{target} is not callable")
    return obj  # type: ignore[no-any-return]


def call(func: Callable[..., Any], x: Any, unpack: bool) -> Any:
    return func(*x) if unpack else func(x)


def check(prop: dict[str, Any], x: Any) -> None:
    """Assert one property on one input; the message names the input (Hypothesis shrinks it)."""
    func = resolve(prop["function"])
    unpack = bool(prop.get("unpack", False))
    kind = prop["kind"]
    arg = copy.deepcopy(x)
    result = call(func, arg, unpack)
    shown = f"input {x!r}"
    if kind == "round_trip":
        back = resolve(prop["inverse"])(result)
        assert back == x, f"round trip broken for {shown}: function gave {result!r}, inverse gave {back!r}"
    elif kind == "idempotent":
        again = func(copy.deepcopy(result))
        assert again == result, f"not idempotent for {shown}: once {result!r}, twice {again!r}"
    elif kind == "reference":
        expected = call(resolve(prop["reference"]), copy.deepcopy(x), unpack)
        assert result == expected, f"not the reference for {shown}: {result!r}, reference {expected!r}"
    elif kind == "invariant":
        names = {"x": x, "result": result, "st": st}
        held = eval(prop["invariant"], names)  # the config's own expression
        assert held, f"invariant {prop['invariant']!r} broken for {shown}: result {result!r}"
    else:
        raise ValueError(f"unknown property kind {kind!r}")


def make_test(prop: dict[str, Any], run: dict[str, Any]) -> Callable[..., None]:
    strategy: st.SearchStrategy[Any] = eval(prop["strategy"], {"st": st})  # the config's own expression

    def test(x: Any) -> None:
        check(prop, x)

    # Named before Hypothesis wraps it, so its report names the property.
    test.__name__ = test.__qualname__ = "test_" + prop["name"]
    wrapped: Callable[..., None] = seed(int(run["seed"]))(
        settings(max_examples=int(run["max_examples"]))(given(strategy)(test))
    )
    return wrapped


def install(path: Path, namespace: dict[str, Any]) -> None:
    """Load the profile and define the tests `path` declares in `namespace`."""
    run: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    settings.register_profile(
        "codefit", max_examples=int(run["max_examples"]), deadline=None, database=None, print_blob=False
    )
    settings.load_profile("codefit")
    for prop in run["properties"]:
        namespace["test_" + prop["name"]] = make_test(prop, run)


_SPEC = Path(__file__).with_name(SPEC_FILE)
if _SPEC.is_file():  # only the staged copy has one: importing codefit's own copy changes nothing
    install(_SPEC, globals())
