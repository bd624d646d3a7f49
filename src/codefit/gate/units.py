"""The units a split deals out of one test module: parametrize cases, or whole tests."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from codefit import pysource
from codefit.assertions import called
from codefit.gate.carve import inherits_tests
from codefit.guards.source import literal
from codefit.testfiles import is_test_function


@dataclass(frozen=True)
class Unit:
    """One movable piece: case `index` of `target` (a constant or a test's own list), or the whole
    test(s) `target` when `index` is None (`test_fn`, `Class.test_method`, or tests joined by `|`
    that move together: classes that inherit tests from one another, tests that call one another).
    `stratum` groups the units a split spreads evenly."""

    target: str
    index: int | None
    stratum: str

    @property
    def label(self) -> str:
        return self.target if self.index is None else f"{self.target}[{self.index}]"

    @property
    def tests(self) -> list[str]:
        return self.target.split("|")


def module_units(source: str, *, by: str = "case", where: str = "") -> list[Unit]:
    """The module's units in file order: with `by="case"`, each parametrize case of a literal list
    (inline, or a module constant) is a unit and other tests are one unit each; otherwise (`function`,
    `file`) every test is one unit. Test classes tied by inheritance, and tests tied by a call, are one
    unit."""
    tree = pysource.parse(source)
    constants = _literal_constants(tree)
    units: list[Unit] = []
    seen_constants: set[str] = set()
    for name, node in _tests(tree):
        if "|" in name or node is None:  # classes that move whole
            units.append(Unit(name, None, name))
            continue
        if by == "case" and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            values = _parametrize_values(node)
            if isinstance(values, ast.List | ast.Tuple) and "." not in name and _ids_kept(node, values):
                units += [Unit(name, i, name) for i in range(len(values.elts))]
                continue
            if (
                isinstance(values, ast.Name)
                and values.id in constants
                and _constant_ids_kept(tree, values.id)
            ):
                if values.id not in seen_constants:
                    seen_constants.add(values.id)
                    units += [Unit(values.id, i, values.id) for i in range(constants[values.id])]
                continue
        units.append(Unit(name, None, name.split(".")[0] if by == "function" else name))
    return units


def _tests(tree: ast.Module) -> list[tuple[str, ast.AST | None]]:
    """Tests by name; a class family that must move whole comes as ("A|B", None)."""
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    family = _families(classes, tree)
    callers = _called_together(tree)
    out: list[tuple[str, ast.AST | None]] = []
    emitted: set[str] = set()
    for node in tree.body:
        if is_test_function(node):
            group = callers.get(node.name, [node.name])
            if len(group) == 1:
                out.append((node.name, node))
            elif group[0] not in emitted:
                emitted.add(group[0])
                out.append(("|".join(group), None))
        elif isinstance(node, ast.ClassDef) and node.name in family:
            members = family[node.name]
            whole = len(members) > 1 or inherits_tests(node, tree)
            if whole:
                if members[0] not in emitted:
                    emitted.add(members[0])
                    out.append(("|".join(members), None))
                continue
            methods = [m for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)]
            tied = _tied([m for m in methods if is_test_function(m)], _method_named)
            for member in methods:
                group = tied.get(member.name, [])
                if len(group) == 1:
                    out.append((f"{node.name}.{member.name}", member))
                elif group and f"{node.name}.{group[0]}" not in emitted:
                    emitted.add(f"{node.name}.{group[0]}")
                    out.append(("|".join(f"{node.name}.{name}" for name in group), None))
    return out


def _called_together(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level tests tied by one calling another by name (toolz's `test_is_partial` runs
    `test_is_valid`), each mapped to its group in file order: a group moves whole, or a held-out
    half would call a test that stayed behind."""
    tests = [n for n in tree.body if is_test_function(n)]
    return _tied(tests, lambda node: node.id if isinstance(node, ast.Name) else "")


def _method_named(node: ast.AST) -> str:
    """The method `self.name` (or `cls.name`) names: simplejson's `test_decimal_reload` runs
    `self.test_decimal_roundtrip()`."""
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("self", "cls")
    ):
        return node.attr
    return ""


def _tied(
    tests: list[ast.FunctionDef | ast.AsyncFunctionDef], named: Callable[[ast.AST], str]
) -> dict[str, list[str]]:
    """Each test mapped to the tests it is tied to (itself included, in file order): tied when one's
    body names another (`named` reads a node's reference)."""
    names = {t.name for t in tests}
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for test in tests:
        for node in ast.walk(test):
            name = named(node)
            if name in names and name != test.name:
                parent[root(name)] = root(test.name)
    groups: dict[str, list[str]] = {}
    for test in tests:
        groups.setdefault(root(test.name), []).append(test.name)
    return {name: groups[root(name)] for name in names}


def _families(classes: list[ast.ClassDef], tree: ast.Module) -> dict[str, list[str]]:
    """Test classes of the module, each mapped to the classes it shares tests with by inheritance."""
    by_name = {c.name: c for c in classes}
    has_tests = {
        c.name for c in classes if any(is_test_function(m) for m in c.body) or inherits_tests(c, tree)
    }
    parent = {name: name for name in has_tests}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for name in has_tests:
        for base in by_name[name].bases:
            base_name = base.id if isinstance(base, ast.Name) else ""
            if base_name in has_tests:
                parent[root(name)] = root(base_name)
    groups: dict[str, list[str]] = {}
    for c in classes:  # file order within a family
        if c.name in has_tests:
            groups.setdefault(root(c.name), []).append(c.name)
    return {name: groups[root(name)] for name in has_tests}


def _ids_kept(test: ast.FunctionDef | ast.AsyncFunctionDef, values: ast.List | ast.Tuple) -> bool:
    """Whether the test's cases keep their ids once some of them move: pytest names a case from its
    values where they are plain (`test[2-3]`), but from its position where one is not (a dict, a
    date: `test[kwargs3]`), numbers ids that repeat (`test[2.4-2.4_0]`: `b"2.4"` and `"2.4"` have one
    id, as have `("a-b", "c")` and `("a", "b-c")`), and an `ids=` list names cases by position too.
    Such a test moves whole, or the two halves would run the cases under other names."""
    deco = _parametrize(test)
    if deco is None or any(k.arg == "ids" for k in deco.keywords):
        return False
    width = _width(deco.args[0])
    ids = []
    for row in values.elts:
        if isinstance(row, ast.Call) and called(row) == "param":
            given = [k.value for k in row.keywords if k.arg == "id"]
            if given:
                ok, named = literal(given[0])
                if not ok or not isinstance(named, str):
                    return False
                ids.append(named)
                continue
            items = list(row.args)
        elif width > 1 and isinstance(row, ast.Tuple | ast.List):
            items = list(row.elts)
        else:
            items = [row]
        parts = [part for item in items if (part := _id_part(item)) is not None]
        if width < 1 or len(parts) != len(items):
            return False
        ids.append("-".join(parts))
    return len(set(ids)) == len(ids)


def _id_part(node: ast.expr) -> str | None:
    """The id pytest makes from a literal value (a string, bytes, a number, a bool, None), as pytest
    writes it (non-ASCII escaped); None for a value it names by position instead (`argname3`)."""
    ok, value = literal(node)
    if not ok:
        return None
    if isinstance(value, bytes):
        return value.decode("ascii", "backslashreplace")
    if isinstance(value, str):
        return value.encode("unicode_escape").decode("ascii")
    if value is None or isinstance(value, int | float | complex | bool):
        return str(value)
    return None


def _constant_ids_kept(tree: ast.Module, constant: str) -> bool:
    """`_ids_kept` for every test parametrized by the module constant `constant`."""
    values = next(
        n.value
        for n in tree.body
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == constant for t in n.targets)
    )
    users = [
        fn
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        and isinstance(v := _parametrize_values(fn), ast.Name)
        and v.id == constant
    ]
    return isinstance(values, ast.List | ast.Tuple) and all(_ids_kept(fn, values) for fn in users)


def _width(names: ast.expr) -> int:
    """How many arguments a parametrize names (`"a, b"` or `["a", "b"]`); 0 when not a literal."""
    try:
        value = ast.literal_eval(names)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return 0
    if isinstance(value, str):
        return len([n for n in value.split(",") if n.strip()])
    return len(value) if isinstance(value, list | tuple) else 0


def _parametrize(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Call | None:
    """The test's `@pytest.mark.parametrize(names, values, ...)` decorator."""
    for deco in node.decorator_list:
        if (
            isinstance(deco, ast.Call)
            and isinstance(deco.func, ast.Attribute)
            and deco.func.attr == "parametrize"
            and len(deco.args) >= 2
        ):
            return deco
    return None


def _parametrize_values(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.expr | None:
    deco = _parametrize(node)
    return deco.args[1] if deco is not None else None


def _literal_constants(tree: ast.Module) -> dict[str, int]:
    """Module constants holding literal case lists that only ever appear as a test's parametrize
    values: carving those moves cases and nothing else (`A + B` or a helper reading it would not)."""
    out: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Tuple):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = len(node.value.elts)
    direct: dict[str, int] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            values = _parametrize_values(fn)
            if isinstance(values, ast.Name):
                direct[values.id] = direct.get(values.id, 0) + 1
    loads: dict[str, int] = {}
    for name_node in ast.walk(tree):
        if isinstance(name_node, ast.Name) and isinstance(name_node.ctx, ast.Load):
            loads[name_node.id] = loads.get(name_node.id, 0) + 1
    return {name: n for name, n in out.items() if loads.get(name, 0) == direct.get(name, 0) > 0}
