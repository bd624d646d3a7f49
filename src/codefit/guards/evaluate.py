"""Evaluating small expressions of code under test on known inputs, without running that code.

The hard-coding guard asks what a condition says for a visible test's inputs (`len(xs) == 4`,
`(n, sum(xs)) == (4, 10)`) and what a returned expression is worth (`10 / 4`). `evaluate` walks
the expression itself: names come from `env`, and only a few pure built-ins on plain data are
applied, with sizes bounded, so nothing of the optimizer's code ever runs. Anything else is
`Unknown`.
"""

from __future__ import annotations

import ast
import hashlib
import operator
from collections.abc import Callable, Mapping
from typing import Any


class Unknown(Exception):
    """The expression uses something the evaluator does not model."""


MAX_SIZE = 10_000  # elements in a built sequence, digits of an int
COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: lambda a, b: a is b or (a is None and b is None),
    ast.IsNot: lambda a, b: not (a is b or (a is None and b is None)),
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}


def _digest(name: str) -> Callable[..., Any]:
    def digest(data: Any) -> Any:
        if not isinstance(data, bytes):
            raise Unknown(name)
        return _Hash(getattr(hashlib, name)(data))

    return digest


class _Hash:
    def __init__(self, h: Any) -> None:
        self.h = h

    def hexdigest(self) -> str:
        return str(self.h.hexdigest())


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "sum": sum,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "sorted": sorted,
    "tuple": tuple,
    "list": list,
    "set": set,
    "frozenset": frozenset,
    "str": str,
    "repr": repr,
    "int": int,
    "float": float,
    "bool": bool,
    "hash": hash,
    "hashlib.md5": _digest("md5"),
    "hashlib.sha1": _digest("sha1"),
    "hashlib.sha256": _digest("sha256"),
}
METHODS = frozenset({"lower", "upper", "strip", "split", "encode", "hexdigest", "count", "startswith"})


def evaluate(node: ast.AST, env: Mapping[str, object]) -> object:
    """The value of `node` with `env`'s names bound; `Unknown` when it uses anything else."""
    value = _eval(node, env)
    _bounded(value)
    return value


def _eval(node: ast.AST, env: Mapping[str, object]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise Unknown(node.id)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = [_eval(e, env) for e in node.elts]
        return (
            tuple(items)
            if isinstance(node, ast.Tuple)
            else list(items)
            if isinstance(node, ast.List)
            else set(items)
        )
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.USub) and isinstance(operand, int | float):
            return -operand
        raise Unknown("unary")
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, env) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, env)
            if not COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _eval(node.left, env), _eval(node.right, env)
        if isinstance(node.op, ast.Mult) and not (
            isinstance(left, int | float) and isinstance(right, int | float)
        ):
            raise Unknown("sequence repetition")
        return _bounded(BINARY[type(node.op)](left, right))
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
        return _eval(node.value, env)[_eval(node.slice, env)]
    if isinstance(node, ast.Call) and not node.keywords:
        return _call(node, env)
    raise Unknown(type(node).__name__)


def _call(node: ast.Call, env: Mapping[str, object]) -> Any:
    args = [_eval(a, env) for a in node.args]
    for arg in args:
        _bounded(arg)
    name = ast.unparse(node.func)
    if name in FUNCTIONS:
        return _bounded(FUNCTIONS[name](*args))
    if isinstance(node.func, ast.Attribute) and node.func.attr in METHODS:
        target = _eval(node.func.value, env)
        if isinstance(target, str | bytes | _Hash):
            return getattr(target, node.func.attr)(*args)
    raise Unknown(name)


def _bounded(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_SIZE:
        raise Unknown("large number")
    if isinstance(value, str | bytes | list | tuple | set | frozenset | dict) and len(value) > MAX_SIZE:
        raise Unknown("large value")
    return value


def try_evaluate(node: ast.AST, env: Mapping[str, object]) -> tuple[bool, object]:
    """(True, value), or (False, None) when the expression cannot be evaluated or raises."""
    try:
        return True, evaluate(node, env)
    except (Unknown, ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError):
        return False, None
