"""One step's parses, node lists and name tables, shared by every guard that inspects the step.

Each guard reads the changed files' old and new texts; parsing a 5,000-line module and walking its
whole tree once per guard was most of a step's guard time (more-itertools' more.py: 1.5 s a step).
`run_guards` opens a scope (`shared()`); inside it the same text is parsed once, the same module
walked once and its names resolved once. Outside a scope nothing is kept, and the scope ends with
the step, so nothing outlives it. Guards only read the trees they are given, so sharing one tree
between them changes no verdict.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar, cast

T = TypeVar("T")

_scope: ContextVar[dict[tuple[str, Hashable], object] | None] = ContextVar("codefit_guard_memo", default=None)


@contextmanager
def shared() -> Iterator[None]:
    """Within the block, `memoized` values are computed once; they are dropped when it ends."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def memoized(kind: str, key: Hashable, make: Callable[[], T]) -> T:
    """`make()`, once per (kind, key) within a `shared()` scope; every time outside one. A key that
    is an object (a tree) is held by the scope, so its identity cannot be reused while it lasts."""
    cache = _scope.get()
    if cache is None:
        return make()
    slot = (kind, key)
    if slot not in cache:
        cache[slot] = make()
    return cast(T, cache[slot])


def walk(node: ast.AST) -> Iterable[ast.AST]:
    """`ast.walk(node)`, in the same order; a whole module's node list is built once per scope."""
    if isinstance(node, ast.Module):
        return memoized("walk", node, lambda: tuple(ast.walk(node)))
    return ast.walk(node)
