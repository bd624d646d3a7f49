"""Values a test or the code builds by calling a class on literals: `datetime(1924, 8, 29)`.

A test's expected value is often such a call (`assertEqual(parse("Aug 29 1924"), datetime(1924,
8, 29))`), and so is what hard-coded code returns for it. The hard-coding guard compares them
without running either: a call of plain arguments is known by the called name's last part and its
arguments, so `datetime.datetime(1924, 8, 29)` in the code and `datetime(1924, 8, 29)` in a test
(after `from datetime import datetime`) are the same value.
"""

from __future__ import annotations

import ast

from codefit.guards.source import dotted, literal


class Constructed:
    """What `name(*args, **keywords)` builds, by name and arguments (keywords in name order)."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, args: tuple[object, ...]) -> None:
        self.name, self.args = name, args

    def __eq__(self, other: object) -> bool:
        return type(other) is Constructed and self.name == other.name and self.args == other.args

    def __hash__(self) -> int:
        return hash((self.name, repr(self.args)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{a[0]}={a[1]!r}" if isinstance(a, _Keyword) else repr(a) for a in self.args)
        return f"{self.name}({shown})"


class _Keyword(tuple[str, object]):
    """A keyword argument among a `Constructed`'s arguments."""


class _NotAValue(Exception):
    pass


def value_of(node: ast.AST | None) -> tuple[bool, object]:
    """(True, value) for a literal, or a call of literals, or a container of them; else (False, None)."""
    ok, value = literal(node)
    if ok or node is None:
        return ok, value
    try:
        return True, _built(node)
    except (_NotAValue, TypeError):  # TypeError: an unhashable key
        return False, None


def _built(node: ast.AST) -> object:
    if isinstance(node, ast.Call):
        name = dotted(node.func)
        if not name or any(isinstance(a, ast.Starred) for a in node.args):
            raise _NotAValue
        if any(k.arg is None for k in node.keywords):  # `**kwargs`
            raise _NotAValue
        keywords = sorted(node.keywords, key=lambda k: str(k.arg))
        args = [_built(a) for a in node.args] + [_Keyword((str(k.arg), _built(k.value))) for k in keywords]
        return Constructed(name.rsplit(".", 1)[-1], tuple(args))
    if isinstance(node, ast.Tuple | ast.List):
        items = [_built(e) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_built(k): _built(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
    ok, value = literal(node)
    if not ok:
        raise _NotAValue
    return value
