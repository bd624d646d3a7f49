"""Carve held-out tests out of one pytest module's source, keeping both halves runnable.

Two kinds of unit can move:
- parametrize cases: elements of a literal list/tuple, either a module-level constant (used by
  `@pytest.mark.parametrize(..., NAME)`) or the argument values written in a test's own decorator;
- whole tests: a test function, or a test method of a class (`Class.test_name`).

`carve_*` return (visible, held_out) module texts: the visible module without the carved units;
the held-out module with everything that is not a test (imports, helpers, fixtures, constants)
and only the carved units. Neither half repeats a unit of the other, and together they run the
original cases. Formatting of the rewritten literal is plain; all other text is kept as written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from codefit.errors import CodefitError


class CarveError(CodefitError):
    """The module cannot be carved as asked."""


@dataclass(frozen=True)
class _Edit:
    start: int  # character offsets into the source
    end: int
    text: str


def carve_cases(source: str, target: str, indices: Iterable[int], *, where: str = "") -> tuple[str, str]:
    """Move the parametrize cases at `indices` of `target` (a constant or a test's own list)."""
    tree = ast.parse(source)
    literal, users = _case_literal(tree, target, where)
    chosen = sorted(set(indices))
    if not chosen or chosen[-1] >= len(literal.elts) or chosen[0] < 0:
        raise CarveError(f"{target} has {len(literal.elts)} cases; cannot carve {chosen}", where=where)
    kept = [e for i, e in enumerate(literal.elts) if i not in chosen]
    moved = [literal.elts[i] for i in chosen]
    offsets = _Offsets(source)
    visible = _apply(source, [_literal_edit(source, offsets, literal, kept)])
    held_edits = [_literal_edit(source, offsets, literal, moved)]
    held_edits += [_remove(offsets, node) for node in _tests(tree) if node.name not in users]
    return visible, _apply(source, held_edits)


def carve_tests(source: str, names: Sequence[str], *, where: str = "") -> tuple[str, str]:
    """Move whole tests: `test_fn` or `Class.test_method`."""
    tree = ast.parse(source)
    offsets = _Offsets(source)
    wanted = set(names)
    found: set[str] = set()
    visible: list[_Edit] = []
    held: list[_Edit] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            (visible if node.name in wanted else held).append(_remove(offsets, node))
            found.update({node.name} & wanted)
        elif isinstance(node, ast.ClassDef):
            methods = [
                m for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and _is_test(m)
            ]
            picked = [m for m in methods if f"{node.name}.{m.name}" in wanted]
            found.update(f"{node.name}.{m.name}" for m in picked)
            if node.name in wanted:
                found.add(node.name)
                visible.append(_remove(offsets, node))
            elif not methods:
                continue  # a base class or helper: shared by both halves
            elif not picked:
                held.append(_remove(offsets, node))
            else:
                visible += [_remove(offsets, m) for m in picked]
                held += [_remove(offsets, m) for m in methods if m not in picked]
                if len(picked) == len(methods):
                    visible.append(_pass_if_empty(source, offsets, node))
    missing = wanted - found
    if missing:
        raise CarveError(f"no such test: {', '.join(sorted(missing))}", where=where)
    return _apply(source, visible), _apply(source, held)


def _is_test(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")


def _tests(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    out: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
    for node in tree.body:
        if _is_test(node) or (isinstance(node, ast.ClassDef) and any(_is_test(m) for m in node.body)):
            out.append(node)  # type: ignore[arg-type]
    return out


def _case_literal(tree: ast.Module, target: str, where: str) -> tuple[ast.List | ast.Tuple, set[str]]:
    """The literal holding `target`'s cases and the names of the tests that use it."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == target for t in node.targets
        ):
            if not isinstance(node.value, ast.List | ast.Tuple):
                raise CarveError(f"{target} is not a literal list or tuple", where=where)
            users = {t.name for t in _tests(tree) if _mentions(t, target)}
            return node.value, users
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == target:
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and _is_parametrize(deco.func) and len(deco.args) >= 2:
                    values = deco.args[1]
                    if isinstance(values, ast.List | ast.Tuple):
                        return values, {target}
            raise CarveError(f"{target} has no literal parametrize list", where=where)
    raise CarveError(f"no constant or test named {target}", where=where)


def _is_parametrize(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "parametrize"


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


class _Offsets:
    def __init__(self, source: str) -> None:
        self.starts = [0]
        for line in source.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def at(self, lineno: int, col: int) -> int:
        return self.starts[lineno - 1] + col


def _span(offsets: _Offsets, node: ast.AST) -> tuple[int, int]:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])  # type: ignore[attr-defined]
    start = offsets.starts[first - 1]  # whole lines, decorators included
    end = offsets.starts[min(node.end_lineno or node.lineno, len(offsets.starts) - 1)]  # type: ignore[attr-defined]
    return start, end


def _remove(offsets: _Offsets, node: ast.AST) -> _Edit:
    start, end = _span(offsets, node)
    return _Edit(start, end, "")


def _pass_if_empty(source: str, offsets: _Offsets, cls: ast.ClassDef) -> _Edit:
    """A class whose every test moved keeps a `pass` so that it stays valid Python."""
    last = cls.body[-1]
    end = offsets.starts[min(last.end_lineno or last.lineno, len(offsets.starts) - 1)]
    indent = " " * (cls.col_offset + 4)
    return _Edit(end, end, f"{indent}pass\n")


def _literal_edit(
    source: str, offsets: _Offsets, literal: ast.List | ast.Tuple, elts: list[ast.expr]
) -> _Edit:
    start = offsets.at(literal.lineno, literal.col_offset)
    end = offsets.at(literal.end_lineno or literal.lineno, literal.end_col_offset or 0)
    parts = [ast.get_source_segment(source, e) or ast.unparse(e) for e in elts]
    opening, closing = ("[", "]") if isinstance(literal, ast.List) else ("(", ")")
    body = "".join(f"\n    {p}," for p in parts)
    return _Edit(start, end, f"{opening}{body}\n{closing}")


def _apply(source: str, edits: list[_Edit]) -> str:
    out, pos = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos:
            continue  # inside a span already removed (a method of a removed class)
        out += [source[pos : edit.start], edit.text]
        pos = edit.end
    out.append(source[pos:])
    return "".join(out)
