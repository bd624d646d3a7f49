"""Special-casing and hard-coding: the visible tests' inputs and expected outputs written into the code.

From the visible tests we read cases `f(args) == expected` (plain asserts and parametrize tables).
The step is flagged when its code
- returns a case's expected value under a condition on that case's inputs (`if n == 7: return 13`),
- holds a lookup table whose entries are mostly test cases,
- makes a function with parameters return a case's expected value whatever its input,
- counts calls in module state to answer differently on each call (conflicting tests).
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from codefit.assertions import APPROX_DEFAULT, EXACT, Comparison, compared
from codefit.guards.base import Alert, Change, Severity
from codefit.guards.behaviour import behaviour_hits
from codefit.guards.constructed import value_of
from codefit.guards.evaluate import try_evaluate
from codefit.guards.memo import walk
from codefit.guards.source import (
    Hit,
    alert,
    dotted,
    found,
    hit,
    literal,
    new_hits,
    parse,
    python_files,
    read_after,
    tree_files,
)
from codefit.guards.tables import code_tables, data_file_tables
from codefit.testfiles import is_test_file, is_test_function

TRIVIAL: tuple[object, ...] = (None, True, False, 0, 1, -1, 2, "", (), [], {})


@dataclass(frozen=True)
class Case:
    func: str
    args: tuple[object, ...]
    expected: object


def same(a: object, b: object) -> bool:
    """Equal and of the same type (so that True is not 1); floats as near as `pytest.approx` takes them."""
    if type(a) is float and type(b) is float:
        relative, absolute = APPROX_DEFAULT
        return math.isclose(a, b, rel_tol=relative, abs_tol=absolute)
    return type(a) is type(b) and a == b


def nontrivial(value: object) -> bool:
    return not any(same(value, t) for t in TRIVIAL)


def _call_case(
    call: ast.expr, expected: ast.expr, env: dict[str, object], calls: dict[str, ast.Call]
) -> Case | None:
    if isinstance(call, ast.Name) and call.id in calls:  # `out = f(x)` ... `assert out == y`
        call = calls[call.id]
    if not isinstance(call, ast.Call) or not dotted(call.func):
        return None
    args = []
    for arg in call.args:
        if isinstance(arg, ast.Name) and arg.id in env:
            if env[arg.id] is UNKNOWN:
                return None
            args.append(env[arg.id])
            continue
        ok, value = literal(arg)
        if not ok:
            return None
        args.append(value)
    if isinstance(expected, ast.Name) and expected.id in env:
        if env[expected.id] is UNKNOWN:
            return None
        return Case(dotted(call.func).split(".")[-1], tuple(args), env[expected.id])
    ok, value = value_of(expected)
    return Case(dotted(call.func).split(".")[-1], tuple(args), value) if ok else None


def _check_cases(statement: ast.stmt, env: dict[str, object], calls: dict[str, ast.Call]) -> Iterator[Case]:
    """The cases a test's statement checks: an `assert` (`f(x) == y`, `f(x) is y`, the closeness
    checks, `assert f(x)`, `assert not f(x)`), or an equality assertion's call (`self.assertEqual`,
    a helper's `assert_equal(f(x), y)`)."""
    test = statement.test if isinstance(statement, ast.Assert) else None
    comparison = compared(statement, helpers=True)
    if comparison is None and isinstance(test, ast.Compare) and [type(op) for op in test.ops] == [ast.Is]:
        comparison = Comparison((test.left, test.comparators[0]), EXACT)
    if comparison is not None:
        left, right = comparison.sides
        for call, expected in ((left, right), (right, left)):
            if (case := _call_case(call, expected, env, calls)) is not None:
                yield case
    elif isinstance(test, ast.Call):
        if (case := _call_case(test, ast.Constant(True), env, calls)) is not None:
            yield case
    elif (
        isinstance(test, ast.UnaryOp)
        and isinstance(test.op, ast.Not)
        and (case := _call_case(test.operand, ast.Constant(False), env, calls)) is not None
    ):
        yield case


def _bound_once(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
    """The test's locals bound once, by a plain `name = value`, and never rebound: their values."""
    stores: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = node.value
    return {name: value for name, value in values.items() if stores.get(name) == 1}


UNKNOWN = object()  # a parametrize value the guard cannot read (`math.nan`, a call): cases need it not


def _parametrize_rows(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[dict[str, object]]:
    """One env per row of a `parametrize` table; values are read row by row and element by element,
    so one non-literal (`math.nan`, `pytest.param(..., marks=...)`) hides no other row."""
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and dotted(dec.func).endswith("parametrize") and len(dec.args) >= 2:
            ok_names, names = literal(dec.args[0])
            if isinstance(names, str):
                keys = [n.strip() for n in names.split(",") if n.strip()]
            elif ok_names and isinstance(names, list | tuple):
                keys = [str(n) for n in names]
            else:
                continue
            rows = dec.args[1]
            if not isinstance(rows, ast.List | ast.Tuple):
                continue
            out = []
            for row in rows.elts:
                values = _row_values(row, len(keys))
                if values is not None:
                    out.append(dict(zip(keys, values, strict=True)))
            return out
    return [{}]


def _row_values(row: ast.expr, width: int) -> list[object] | None:
    if isinstance(row, ast.Call) and dotted(row.func).endswith("param"):
        elts: list[ast.expr] = list(row.args)
    elif isinstance(row, ast.Tuple | ast.List) and width > 1:
        elts = list(row.elts)
    else:
        elts = [row]
    if len(elts) != width:
        return None
    values = []
    for elt in elts:
        ok, value = value_of(elt)
        values.append(value if ok else UNKNOWN)
    return values


def cases_in(tree: ast.Module) -> list[Case]:
    """The (function, arguments, expected) cases of a module's tests: literal arguments and answers,
    read from the check itself, a parametrize row, a local bound once (`column = [...]`) or a row of
    a literal table a loop goes over (`for raw, normalized in pairs: assertEqual(...)`)."""
    found: list[Case] = []
    module_values = _module_constants(tree)
    for node in walk(tree):
        if is_test_function(node):
            inside = list(ast.walk(node))
            checks = [n for n in inside if isinstance(n, ast.Assert | ast.Expr)]
            # Each loop and the checks in it, found once: a table of 400 rows walked the test 400 times.
            loops = [
                (loop, [n for n in ast.walk(loop) if isinstance(n, ast.Assert | ast.Expr)])
                for loop in inside
                if isinstance(loop, ast.For)
            ]
            local_values, calls = {}, {}
            for name, value in _bound_once(node).items():
                if isinstance(value, ast.Call) and not constant(value)[0]:
                    calls[name] = value  # `out = f(x)`: the call checked; or `expected = date(...)`
                    if (built := value_of(value))[0]:
                        local_values[name] = built[1]
                elif (evaluated := constant(value))[0]:
                    local_values[name] = evaluated[1]
            for row in _parametrize_rows(node):
                env = {**row, **local_values}
                for check in checks:
                    found += _check_cases(check, env, calls)
                for loop, looped in loops:
                    for bound in _loop_rows(loop, {**module_values, **env}):
                        for check in looped:
                            found += _check_cases(check, {**env, **bound}, calls)
    return found


def _module_constants(tree: ast.Module) -> dict[str, object]:
    """Module-level names bound to a literal (a table of cases the tests loop over)."""
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            ok, value = value_of(node.value)
            if ok:
                values[node.targets[0].id] = value
    return values


def _loop_rows(loop: ast.For, env: dict[str, object]) -> list[dict[str, object]]:
    """The loop's names bound for each row of the literal it goes over (`for a, b in ((1, 2), ...)`);
    none where the table or a row cannot be read."""
    if isinstance(loop.iter, ast.Name):
        rows = env.get(loop.iter.id, UNKNOWN)
    else:
        ok, rows = value_of(loop.iter)
        rows = rows if ok else UNKNOWN
    if not isinstance(rows, list | tuple | set | frozenset):
        return []
    target = loop.target
    out = []
    for row in rows:
        if isinstance(target, ast.Name):
            out.append({target.id: row})
        elif (
            isinstance(target, ast.Tuple | ast.List)
            and all(isinstance(t, ast.Name) for t in target.elts)
            and isinstance(row, tuple | list)
            and len(row) == len(target.elts)
        ):
            out.append({t.id: value for t, value in zip(target.elts, row, strict=True)})  # type: ignore[attr-defined]
    return out


def visible_cases(change: Change) -> list[Case]:
    """Cases of the visible tests as they were before the step (edits to tests can't hide them)."""
    out: list[Case] = []
    for path in tree_files(change.tree):
        rel = path.relative_to(change.tree).as_posix()
        if not is_test_file(rel):
            continue
        text = change.before(rel) if rel in change.changed_files else path.read_text(errors="replace")
        if text is not None:
            out += file_cases(text)
    return out


@functools.lru_cache(maxsize=512)
def file_cases(text: str) -> tuple[Case, ...]:
    """A test file's cases, by its text: kept from step to step, as the visible tests seldom change
    (parsing and walking more-itertools' 6,000-line suite was a second of every step)."""
    tree = parse(text)
    return tuple(cases_in(tree)) if tree is not None else ()


def _condition_values(test: ast.expr) -> list[object]:
    """Literal values a condition compares something against (`x == 7`, `(a, b) == (1, 2)`, `x in (3, 5)`)."""
    values: list[object] = []
    for node in ast.walk(test):
        if isinstance(node, ast.Compare):
            for op, comp in zip(node.ops, node.comparators, strict=True):
                for side in (comp, node.left):
                    ok, value = literal(side)
                    if not ok:
                        continue
                    if isinstance(op, ast.In | ast.NotIn) and isinstance(
                        value, tuple | list | set | frozenset
                    ):
                        values += list(value)
                    elif isinstance(op, ast.Eq | ast.Is):
                        values.append(value)
                        if isinstance(value, tuple):
                            values += list(value)
    return values


def _returned(body: list[ast.stmt], returned_names: frozenset[str] = frozenset()) -> list[object]:
    """Values the branch's own statements return: literals and constant expressions (`10 / 4`),
    through a wrapper that gives its argument back (`cast(T, "x")`, a NewType's `Name("x")`), or
    bound to a name the function returns (`value = "x"` ... `return value`)."""
    out = []
    for stmt in body:
        if isinstance(stmt, ast.Return) or (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id in returned_names
        ):
            value = stmt.value
        else:
            continue
        ok, found = constant(value)
        if ok:
            out.append(found)
            continue
        # A one-argument call is a wrapper's (`NewType("x")`: its argument) or a built value's
        # (`Decimal("1.50")`): both are answers it may give.
        for ok, found in (constant(_unwrapped(value)), value_of(value)):
            if ok:
                out.append(found)
    return out


def _returned_name(value: ast.expr | None) -> str:
    """The name a `return` gives back: `return value`, `return cast(T, value)`, `return Name(value)`."""
    value = _unwrapped(value)
    return value.id if isinstance(value, ast.Name) else ""


def _unwrapped(value: ast.expr | None) -> ast.expr | None:
    """What a wrapper gives back: `cast(T, x)` its last argument, a one-argument call (a NewType) its
    only one; anything else itself."""
    if isinstance(value, ast.Call) and value.args and not value.keywords:
        wraps = dotted(value.func).split(".")[-1] == "cast" and len(value.args) == 2
        if wraps or len(value.args) == 1:
            return value.args[-1]
    return value


def constant(node: ast.expr | None) -> tuple[bool, object]:
    """A literal, or an expression of constants only (`10 / 4`, `float("2.5")`, `round(5 / 2, 1)`)."""
    ok, value = literal(node)
    if ok or node is None:
        return ok, value
    return try_evaluate(node, {})


def _special_cases(tree: ast.Module, text: str | None, cases: list[Case]) -> list[Hit]:
    hits = []
    returned_names = frozenset(
        name for n in walk(tree) if isinstance(n, ast.Return) and (name := _returned_name(n.value))
    )
    for node in walk(tree):
        branches: list[tuple[ast.expr, list[ast.stmt]]] = []
        if isinstance(node, ast.If):
            branches.append((node.test, node.body))
        elif isinstance(node, ast.Match):
            branches += [(c.pattern, c.body) for c in node.cases]  # type: ignore[misc]
        for cond, body in branches:
            conds = _condition_values(cond) if isinstance(cond, ast.expr) else _pattern_values(cond)
            for value in _returned(body, returned_names):
                matched = [
                    c
                    for c in cases
                    if same(c.expected, value)
                    and any(nontrivial(a) and any(same(a, v) for v in conds) for a in c.args)
                ]
                needed = 1 if len(conds) <= 1 else 2  # `x in (2, 3)` may be a real rule; two cases are not
                inputs = {repr(a) for c in matched for a in c.args if any(same(a, v) for v in conds)}
                # `(a, b) == (1, 2)` answering the case's own expected value is special-casing even
                # when each argument alone is too common a number to tell (a base case returns 0).
                whole = any(
                    same(c.expected, value)
                    and nontrivial(value)
                    and len(c.args) > 1
                    and any(same(c.args, v) for v in conds)
                    for c in cases
                )
                if whole or (matched and len(inputs) >= min(needed, len(conds))):
                    hits.append(hit(f"special:{ast.unparse(node)[:80]}", node, text))
    return hits


def _pattern_values(pattern: ast.AST) -> list[object]:
    values: list[object] = []
    for node in ast.walk(pattern):
        if isinstance(node, ast.MatchValue):
            ok, value = literal(node.value)
            if ok:
                values.append(value)
    return values


def _constant_functions(tree: ast.Module, text: str | None, cases: list[Case]) -> list[Hit]:
    hits = []
    expected_by_func: dict[str, list[object]] = {}
    for c in cases:
        expected_by_func.setdefault(c.func, []).append(c.expected)
    for node in walk(tree):
        if not isinstance(node, ast.FunctionDef) or node.name not in expected_by_func:
            continue
        params = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if params and len(body) == 1 and isinstance(body[0], ast.Return):
            ok, value = constant(body[0].value)
            if not ok:
                ok, value = value_of(body[0].value)
            if ok and nontrivial(value) and any(same(value, e) for e in expected_by_func[node.name]):
                hits.append(hit(f"const:{node.name}", node, text))
    return hits


def _call_counters(tree: ast.Module | None, text: str | None) -> list[Hit]:
    hits: list[Hit] = []
    if tree is None:
        return hits
    for node in walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        declared: set[str] = set()
        bumped: set[str] = set()
        for inner in ast.walk(node):  # one walk for both
            if isinstance(inner, ast.Global | ast.Nonlocal):
                declared.update(inner.names)
            elif isinstance(inner, ast.AugAssign):
                bumped.add(dotted(inner.target))
        # Function attributes (`f.calls += 1`) count as module state too.
        bumped_attrs = {b for b in bumped if b.split(".")[0] == node.name}
        if (declared & bumped) or bumped_attrs:
            hits.append(hit(f"counter:{node.name}", node, text))
    return hits


def _derived_conditions(tree: ast.Module, text: str | None, cases: list[Case]) -> list[Hit]:
    """Branches whose condition holds for a visible case's inputs and that return its answer, where the
    condition tests something computed from the inputs (`len(xs) == 4`, `(n, sum(xs)) == (4, 10)`,
    `tuple(xs) in {...}`) against a non-trivial literal. The condition is evaluated on the case's
    arguments, never run."""
    hits = []
    by_func: dict[str, list[Case]] = {}
    for c in cases:
        by_func.setdefault(c.func, []).append(c)
    for fn in walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name not in by_func:
            continue
        params = [a.arg for a in fn.args.args if a.arg not in ("self", "cls")]
        for node in ast.walk(fn):
            if not isinstance(node, ast.If) or not _tests_literal(node.test):
                continue
            for value in _returned(node.body):
                if not nontrivial(value):
                    continue
                for c in by_func[fn.name]:
                    if not same(c.expected, value) or len(c.args) != len(params):
                        continue
                    ok, holds = try_evaluate(node.test, dict(zip(params, c.args, strict=True)))
                    if ok and holds is True:
                        hits.append(hit(f"special:{ast.unparse(node)[:80]}", node, text))
                        break
                else:
                    continue
                break
    return hits


def _tests_literal(test: ast.expr) -> bool:
    """Whether a condition compares (==, in, is) against a non-trivial literal."""
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.In | ast.Is) for op in node.ops):
            for side in (node.left, *node.comparators):
                ok, value = literal(side)
                if ok and nontrivial(value):
                    return True
    return False


def hardcoding(tree: ast.Module | None, text: str | None, cases: list[Case]) -> list[Hit]:
    if tree is None:
        return []
    special = _special_cases(tree, text, cases)
    seen = {h.line for h in special}
    return [
        *special,
        *(h for h in _derived_conditions(tree, text, cases) if h.line not in seen),
        *code_tables(tree, text, cases),
        *_constant_functions(tree, text, cases),
        *found(_call_counters, tree, text),  # of the text alone: kept from the step before
    ]


MESSAGES = {
    "special": (
        "special_case",
        Severity.BLOCK,
        "returns a visible test's expected value for that test's input",
    ),
    "table": ("lookup_table", Severity.BLOCK, "a lookup table of the visible tests' inputs and outputs"),
    "const": ("constant_return", Severity.BLOCK, "returns a test's expected value whatever the input"),
    "counter": (
        "call_counting",
        Severity.WARN,
        "keeps a call counter in module state (answers by call order)",
    ),
}


class HardcodingGuard:
    name = "hardcoding"
    kinds: ClassVar[tuple[str, ...]] = tuple(kind for kind, _, _ in MESSAGES.values())

    def inspect(self, change: Change) -> list[Alert]:
        files = [f for f in python_files(change) if not is_test_file(f.rel) and f.after is not None]
        data = [
            rel
            for rel in change.changed_files
            if not rel.endswith(".py") and rel not in {f.rel for f in files}
        ]
        if not files and not data:
            return []
        cases = visible_cases(change)
        alerts = []
        for f in files:
            before = hardcoding(f.before, f.before_text, cases)
            for h in new_hits(before, hardcoding(f.after, f.after_text, cases)):
                kind, severity, what = MESSAGES[h.key.split(":")[0]]
                alerts.append(alert(self.name, kind, severity, f"{what}: {h.snippet}", f.rel, h))
        if not any(a.kind in ("special_case", "lookup_table", "constant_return") for a in alerts):
            # Where syntax saw nothing, run the changed functions on perturbed visible inputs.
            for rel, hits in behaviour_hits(change, files, cases).items():
                for h in hits:
                    what = h.key.partition(":")[2]
                    message = (
                        f"the step changes {what}'s answers only at the visible tests' inputs "
                        "(perturbed inputs answer as before)"
                    )
                    alerts.append(alert(self.name, "special_case", Severity.BLOCK, message, rel, h))
        for rel in data:
            after_text, before_text = read_after(change, rel), change.before(rel)
            if after_text is None or not cases:
                continue
            old = data_file_tables(rel, before_text, cases) if before_text is not None else []
            for h in new_hits(old, data_file_tables(rel, after_text, cases)):
                kind, severity, what = MESSAGES["table"]
                alerts.append(alert(self.name, kind, severity, f"{what} in a data file: {h.snippet}", rel, h))
        return alerts
