"""Twin rows in a held-out test's parametrize table: a real row's inputs, another row's answer.

The code under test runs in the test process, and every held-out case sits there as data: in the
test module's table, in the test's marks, in pytest's own items. No audit event marks a read of
plain data, so code that looks its answer up by its inputs (`(a, b) -> total`) passed every
held-out case without opening a file or a frame. Twin rows make such answers self-defeating.

A test is eligible when its one `parametrize` decorator has a literal table (in the decorator, or a
module constant only it names) and its flow ends with an equality check against one parameter
(`assert f(a, b) == total`, `pytest.approx(total)`, `self.assertEqual(...)`, also in a final
`try`/`else` or `with`), or a closeness check with its tolerance written out (`math.isclose(f(a, b),
total)`, `abs(f(a, b) - total) < 1e-9`): a twin row's answer then lies beyond that tolerance.
pytest names each case from its values, or a value it cannot name from
the argument's name and the row's position (`pair0`): those names are computed here, outside the
test process, for the real rows where they now stand (`renamed` gives each its name in the module)
and for the twins. `ROWS` twin rows go into the table at random places: a real row's inputs with
another row's expected value. Each then appears twice, with two answers, and nothing in the
process tells which is real:
- an answer looked up by its inputs passes the row met first and fails the other, so a lookup
  passes all real rows with the odds of one in two per twin row; code that looks up only inputs
  that appear once must answer the twinned rows by itself;
- an answer taken from the running case (tracking pytest's order) passes every twin row: the
  reading is tampered (`twins.resolve`).
Like the twins, twin rows are a sample: a held-out run's eligible tables are drawn at random (half
the twins' budget, `twins.budget`, at least two).
Honest code passes a twin row only where its answer lands on another row's value, and then fails
the real row of the same inputs: a reading whose every twin row passes (the sign of tampering)
fails with or without that sign; code that only inverts a two-valued answer is called tampered
where it fails anyway. A test that uses the expected parameter anywhere but in that one check is
not eligible (`assert identity(total) == total` passes any row).
"""

from __future__ import annotations

import ast
import codecs
import math
import random
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from codefit import pysource
from codefit.assertions import Tolerance, compared
from codefit.testfiles import is_test_function

ROWS = 2  # twin rows per table: a failing case costs pytest about four passing ones
MIN_ROWS = 2  # twin rows a table needs, and distinct expected values among its rows


@dataclass(frozen=True)
class TableTwins:
    function: str  # the test's name in the module
    ids: frozenset[str]  # the twin rows' case ids, as pytest names them
    renamed: dict[str, str]  # a real row's case id in the grading copy -> its id in the module

    @property
    def real(self) -> frozenset[str]:
        return frozenset(self.renamed)


def plant_rows(
    source: str, rng: random.Random, only: Collection[str] | None = None
) -> tuple[str, list[TableTwins]]:
    """`source` with twin rows spliced into the tables of its eligible tests, or of those among
    them named in `only` (unchanged when none)."""
    try:
        tree = pysource.parse(source)
    except SyntaxError:
        return source, []
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int | None, col: int | None) -> int:  # ast columns count UTF-8 bytes
        assert lineno is not None and col is not None
        return starts[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode(errors="replace"))

    replaced: list[tuple[int, int, str]] = []
    planted: list[TableTwins] = []
    for node, (rows, values, argnames, expected, tolerance) in _candidates(tree):
        if only is not None and node.name not in only:
            continue
        twins = _twin_rows(values, expected, tolerance, rng)
        if not twins:
            continue
        # The rows in their new order: each twin before a real row drawn at random, or last.
        order: list[tuple[object, ...] | int] = list(range(len(rows)))
        for twin in twins:
            order.insert(rng.randrange(len(order) + 1), twin)
        ids = [_case_id(values[r] if isinstance(r, int) else r, argnames, at) for at, r in enumerate(order)]
        before = [_case_id(row, argnames, at) for at, row in enumerate(values)]
        if None in ids or len(set(ids)) != len(ids):
            continue  # two twins of one value: pytest would number them
        segments = [_source(source, rows[r]) if isinstance(r, int) else _text(r) for r in order]
        replaced.append(
            (
                offset(rows[0].lineno, rows[0].col_offset),
                offset(rows[-1].end_lineno, rows[-1].end_col_offset),
                ", ".join(segments),
            )
        )
        planted.append(
            TableTwins(
                node.name,
                frozenset(str(i) for i, r in zip(ids, order, strict=True) if not isinstance(r, int)),
                {str(i): str(before[r]) for i, r in zip(ids, order, strict=True) if isinstance(r, int)},
            )
        )
    text = source
    for begin, finish, rows_text in sorted(replaced, reverse=True):
        text = text[:begin] + rows_text + text[finish:]
    return text, planted


Table = tuple[list[ast.expr], list[tuple[object, ...]], list[str], int, Tolerance]


def eligible_tests(tree: ast.Module) -> list[str]:
    """The module-level tests whose tables can get twin rows."""
    return [node.name for node, _ in _candidates(tree)]


def _candidates(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef, Table]]:
    """Each module-level test (its name unique) with a table that can get twin rows: one answer
    per distinct inputs, two distinct answers at least, every case named as pytest names it."""
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    for node in tree.body:
        if not (is_test_function(node) and isinstance(node, ast.FunctionDef)):
            continue
        table = _table(node, tree) if names.count(node.name) == 1 else None
        if table is None or not _answerable(table[1], table[3], table[4]):
            continue
        ids = [_case_id(row, table[2], at) for at, row in enumerate(table[1])]
        if None not in ids and len(set(ids)) == len(ids):
            yield node, table


def _source(source: str, node: ast.expr) -> str:
    segment = ast.get_source_segment(source, node)
    assert segment is not None
    return segment


def _text(row: tuple[object, ...]) -> str:
    return "(" + ", ".join(repr(v) for v in row) + ("," if len(row) == 1 else "") + ")"


def _table(node: ast.FunctionDef, tree: ast.Module) -> Table | None:
    """The rows of the test's table (their nodes and values), its argument names, the expected
    value's position and the check's tolerance."""
    if any(isinstance(n, ast.Return | ast.Yield | ast.YieldFrom) for n in ast.walk(node)):
        return None
    marks = [d for d in node.decorator_list if "parametrize" in ast.unparse(d).split("(", 1)[0]]
    if len(marks) != 1 or not isinstance(call := marks[0], ast.Call) or call.keywords or len(call.args) != 2:
        return None
    argnames = _argnames(call.args[0])
    checked = _compared_name(_last_statement(node.body))
    if checked is None or len(argnames) < 2 or checked[0] not in argnames:
        return None
    expected, tolerance = checked
    # Compared once and used nowhere else: `assert identity(total) == total` passes any value.
    if sum(isinstance(n, ast.Name) and n.id == expected for n in ast.walk(node)) != 1:
        return None
    table = _literal_table(call.args[1], tree)
    if table is None:
        return None
    values: list[tuple[object, ...]] = []
    for row in table.elts:
        if not isinstance(row, ast.Tuple | ast.List) or len(row.elts) != len(argnames):
            return None
        try:
            value = tuple(ast.literal_eval(e) for e in row.elts)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
        values.append(value)
    if not table.elts:
        return None
    return list(table.elts), values, argnames, argnames.index(expected), tolerance


def _argnames(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [name.strip() for name in node.value.split(",") if name.strip()]
    if isinstance(node, ast.Tuple | ast.List) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return [str(e.value) for e in node.elts if isinstance(e, ast.Constant)]
    return []


def _last_statement(body: Sequence[ast.stmt]) -> ast.stmt | None:
    """The statement a test ends its flow with, looking into a final `try` (its `else`, or its body;
    a `finally` that undoes a setting) or `with` block."""
    last = body[-1] if body else None
    while isinstance(last, ast.Try | ast.With) and not any(map(_swallows, getattr(last, "handlers", ()))):
        block = getattr(last, "orelse", None) or last.body  # `try: ... else: check`
        last = block[-1] if block else None
    return last


def _swallows(handler: ast.ExceptHandler) -> bool:
    """Whether an `except` clause may catch the check's own failure (a twin would pass honestly)."""
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = {ast.unparse(c).rsplit(".", 1)[-1] for c in caught if c is not None}
    return handler.type is None or bool(names & {"AssertionError", "Exception", "BaseException"})


def _compared_name(statement: ast.stmt | None) -> tuple[str, Tolerance] | None:
    """The parameter a final check compares the answer against, and how close it must come."""
    comparison = compared(statement)
    if comparison is None:
        return None
    named = [side.id for side in comparison.sides if isinstance(side, ast.Name)]
    return (named[0], comparison.tolerance) if len(named) == 1 else None  # `a == b` of two parameters


def _literal_table(node: ast.expr, tree: ast.Module) -> ast.List | ast.Tuple | None:
    """The table itself, or the literal a module constant holds when only this decorator names it."""
    if isinstance(node, ast.List | ast.Tuple):
        return node
    if not isinstance(node, ast.Name):
        return None
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == node.id]
    bound = [
        s.value
        for s in tree.body
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
        if s.targets[0].id == node.id
    ]
    if len(uses) != 2 or len(bound) != 1 or not isinstance(bound[0], ast.List | ast.Tuple):
        return None  # named elsewhere too (or rebound): twin rows would reach other tests
    return bound[0]


def _answerable(values: list[tuple[object, ...]], at: int, tolerance: Tolerance) -> bool:
    """Whether the table's answers (at `at`) can be swapped: no boolean or None among them (a wrong
    one is an honest bug's answer), two distinct ones at least, and no inputs repeated."""
    answers = [row[at] for row in values]
    inputs = [row[:at] + row[at + 1 :] for row in values]
    return (
        not any(a is None or isinstance(a, bool) for a in answers)
        and len(_distinct(answers, tolerance)) >= MIN_ROWS
        and len(set(map(repr, inputs))) == len(inputs)
    )


def _distinct(answers: list[object], tolerance: Tolerance) -> list[object]:
    distinct: list[object] = []
    for answer in answers:
        if not any(_close(answer, other, tolerance) for other in distinct):
            distinct.append(answer)
    return distinct


def _twin_rows(
    values: list[tuple[object, ...]], at: int, tolerance: Tolerance, rng: random.Random
) -> list[tuple[object, ...]]:
    """`ROWS` rows of an answerable table: a real row's inputs with another row's expected value,
    none of them close to its own (none when fewer than two can be made)."""
    distinct = _distinct([row[at] for row in values], tolerance)
    twins = []
    for row in rng.sample(values, min(ROWS, len(values))):
        others = [a for a in distinct if not _close(a, row[at], tolerance) and type(a) is type(row[at])]
        if others:
            twins.append((*row[:at], rng.choice(others), *row[at + 1 :]))
    return twins if len(twins) >= MIN_ROWS else []


def _close(a: object, b: object, tolerance: Tolerance) -> bool:
    """Equal, or near enough for the check (`pytest.approx`'s relative 1e-6 at least, a margin of
    twice the check's own tolerance) to take one for the other."""
    if isinstance(a, int | float) and isinstance(b, int | float):
        relative, absolute = tolerance
        return math.isclose(a, b, rel_tol=max(1e-5, 2 * relative), abs_tol=max(1e-9, 2 * absolute))
    return a == b


def _case_id(row: tuple[object, ...], argnames: Sequence[str], at: int) -> str | None:
    """pytest's name for the case at position `at` of a table (its default: each value's text, or
    the argument's name and the position for a value it cannot name, joined by dashes); None for a
    value pytest names by a configurable strategy (a string longer than 100). A conftest may name
    cases itself: `twins.resolve` then finds names it does not know."""
    parts = []
    for value, argname in zip(row, argnames, strict=True):
        if isinstance(value, str | bytes):
            if len(value) > 100:
                return None
            escaped = (
                value.encode("unicode_escape") if isinstance(value, str) else codecs.escape_encode(value)[0]
            )
            parts.append(escaped.decode("ascii"))
        elif value is None or isinstance(value, bool | int | float | complex):
            parts.append(str(value))
        else:
            parts.append(f"{argname}{at}")
    return "-".join(parts)
