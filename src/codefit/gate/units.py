"""The units a split deals out of one test module: parametrize cases, or whole tests."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from codefit.gate.carve import inherits_tests


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
    tree = ast.parse(source)
    constants = _literal_constants(tree)
    units: list[Unit] = []
    seen_constants: set[str] = set()
    for name, node in _tests(tree):
        if "|" in name or node is None:  # classes that move whole
            units.append(Unit(name, None, name))
            continue
        if by == "case" and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            values = _parametrize_values(node)
            if isinstance(values, ast.List | ast.Tuple) and "." not in name:
                units += [Unit(name, i, name) for i in range(len(values.elts))]
                continue
            if isinstance(values, ast.Name) and values.id in constants:
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
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
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
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name.startswith(
                    "test"
                ):
                    out.append((f"{node.name}.{member.name}", member))
    return out


def _called_together(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level tests tied by one calling another by name (toolz's `test_is_partial` runs
    `test_is_valid`), each mapped to its group in file order: a group moves whole, or a held-out
    half would call a test that stayed behind."""
    tests = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test")
    ]
    names = {t.name for t in tests}
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for test in tests:
        for node in ast.walk(test):
            if isinstance(node, ast.Name) and node.id in names and node.id != test.name:
                parent[root(node.id)] = root(test.name)
    groups: dict[str, list[str]] = {}
    for test in tests:
        groups.setdefault(root(test.name), []).append(test.name)
    return {name: groups[root(name)] for name in names}


def _families(classes: list[ast.ClassDef], tree: ast.Module) -> dict[str, list[str]]:
    """Test classes of the module, each mapped to the classes it shares tests with by inheritance."""
    by_name = {c.name: c for c in classes}
    has_tests = {
        c.name
        for c in classes
        if any(
            isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and m.name.startswith("test")
            for m in c.body
        )
        or inherits_tests(c, tree)
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


def _parametrize_values(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.expr | None:
    for deco in node.decorator_list:
        if (
            isinstance(deco, ast.Call)
            and isinstance(deco.func, ast.Attribute)
            and deco.func.attr == "parametrize"
            and len(deco.args) >= 2
        ):
            return deco.args[1]
    return None


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
