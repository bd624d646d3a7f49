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
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from codefit import pysource
from codefit.errors import CodefitError
from codefit.testfiles import is_test_class, is_test_function


class CarveError(CodefitError):
    """The module cannot be carved as asked."""


@dataclass(frozen=True)
class _Edit:
    start: int  # character offsets into the source
    end: int
    text: str


def select(
    source: str,
    cases: Mapping[str, Collection[int]],
    tests: Collection[str],
    *,
    where: str = "",
    conditional: bool = True,
) -> str:
    """The module with, of its tests, only: the cases at the given indices of each case target (and
    the tests that use that target, while any case is left), and the whole tests named in `tests`
    (`test_fn`, `Class.test_method`, or `Class` for all its tests). Everything else is kept, except,
    without `conditional`, the tests defined under a statement (`if PY3: def test_u()`): no unit,
    they belong to the visible half alone, or every half would run them."""
    tree = pysource.parse(source)
    offsets = _Offsets(source)
    edits: list[_Edit] = []
    case_users: set[str] = set()
    for target, indices in cases.items():
        literal, users = _case_literal(tree, target, where)
        chosen = sorted(set(indices))
        if chosen and (chosen[-1] >= len(literal.elts) or chosen[0] < 0):
            raise CarveError(f"{target} has {len(literal.elts)} cases; cannot carve {chosen}", where=where)
        edits.append(_literal_edit(source, offsets, literal, chosen))
        if chosen:
            case_users |= users
    wanted = set(tests)
    known = set(test_names(source))
    missing = wanted - known - {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    if missing:
        raise CarveError(f"no such test: {', '.join(sorted(missing))}", where=where)
    for node in tree.body:
        if not conditional:
            edits += [_emptied(offsets, test) for test in _conditional_tests(node)]
        if is_test_function(node):
            if node.name not in wanted and node.name not in case_users:
                edits.append(_remove(offsets, node))
        elif isinstance(node, ast.ClassDef):
            methods = [m for m in node.body if is_test_function(m)]
            if not methods and not inherits_tests(node, tree):
                continue  # a base class or helper: both halves need it
            if not methods:  # its tests come from a base: it moves as a whole
                if node.name not in wanted:
                    edits.append(_remove(offsets, node))
                continue
            picked = [
                m for m in methods if node.name in wanted or {f"{node.name}.{m.name}"} & (wanted | case_users)
            ]
            if not picked and not (conditional and _conditional_tests(node)):
                edits.append(_remove(offsets, node))
            else:  # a conditional method stays with its class in the half that keeps it
                edits += [_remove(offsets, m) for m in methods if m not in picked]
    return _apply(source, edits)


PLAIN_BASES = frozenset({"TestCase", "IsolatedAsyncioTestCase", "object"})


def inherits_tests(cls: ast.ClassDef, tree: ast.Module) -> bool:
    """Whether `cls` may run tests it does not define: a base that is neither a plain test case
    nor a class of this module without tests (a mixin imported from elsewhere, a test class here)."""
    local = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    if not is_test_class(cls, tree):
        return False  # a helper class (`class _Multiset(Counter)`): pytest runs nothing of it
    for base in cls.bases:
        name = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""
        if name in PLAIN_BASES:
            continue
        parent = local.get(name)
        if parent is None or any(is_test_function(m) for m in parent.body) or inherits_tests(parent, tree):
            return True
    return False


def test_names(source: str) -> list[str]:
    """Every test of the module: `test_fn` and `Class.test_method`, in file order."""
    names: list[str] = []
    for node in pysource.parse(source).body:
        if is_test_function(node):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef):
            names += [f"{node.name}.{m.name}" for m in node.body if is_test_function(m)]
    return names


def case_count(source: str, target: str, *, where: str = "") -> int:
    literal, _ = _case_literal(pysource.parse(source), target, where)
    return len(literal.elts)


def case_users(source: str, target: str, *, where: str = "") -> set[str]:
    """The tests parametrized by `target`'s cases."""
    return _case_literal(pysource.parse(source), target, where)[1]


def carve_cases(source: str, target: str, indices: Iterable[int], *, where: str = "") -> tuple[str, str]:
    """Move the parametrize cases at `indices` of `target` (a constant or a test's own list)."""
    chosen = set(indices)
    count = case_count(source, target, where=where)
    if not chosen or max(chosen) >= count or min(chosen) < 0:
        raise CarveError(f"{target} has {count} cases; cannot carve {sorted(chosen)}", where=where)
    others = [n for n in test_names(source) if n not in case_users(source, target, where=where)]
    visible = select(source, {target: set(range(count)) - chosen}, others, where=where)
    return visible, select(source, {target: chosen}, (), where=where)


def carve_tests(source: str, names: Sequence[str], *, where: str = "") -> tuple[str, str]:
    """Move whole tests: `test_fn`, `Class.test_method` or a whole test `Class`."""
    held = select(source, {}, names, where=where)
    moved = set(names)
    rest = [n for n in test_names(source) if n not in moved and n.split(".")[0] not in moved]
    visible = select(source, {}, rest, where=where)
    return visible, held


def _case_literal(tree: ast.Module, target: str, where: str) -> tuple[ast.List | ast.Tuple, set[str]]:
    """The literal holding `target`'s cases and the names of the tests that use it."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == target for t in node.targets
        ):
            if not isinstance(node.value, ast.List | ast.Tuple):
                raise CarveError(f"{target} is not a literal list or tuple", where=where)
            users = _users(tree, target)
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


def _users(tree: ast.Module, target: str) -> set[str]:
    """Tests (`test_fn`, `Class.test_method`) whose text names `target`."""
    users: set[str] = set()
    for node in tree.body:
        if is_test_function(node) and _mentions(node, target):
            users.add(node.name)
        elif isinstance(node, ast.ClassDef):
            methods = [m for m in node.body if is_test_function(m) and _mentions(m, target)]
            users |= {f"{node.name}.{m.name}" for m in methods}
    return users


def _is_parametrize(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "parametrize"


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


class _Offsets:
    """Character offsets of `ast` positions: lines as the parser counts them (`\n`, `\r\n`, `\r`:
    not `str.splitlines`, which also breaks at form feeds and U+2028), columns given in UTF-8 bytes."""

    def __init__(self, source: str) -> None:
        self.lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", source)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1] if lineno <= len(self.lines) else ""
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


def _span(offsets: _Offsets, node: ast.stmt) -> tuple[int, int]:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    start = offsets.starts[first - 1]  # whole lines, decorators included
    end = offsets.starts[min(node.end_lineno or node.lineno, len(offsets.starts) - 1)]
    return start, end


def _remove(offsets: _Offsets, node: ast.stmt) -> _Edit:
    """The node's lines and the blank lines before it: what follows keeps the spacing that was
    before the node (no run of blank lines, nor one at the end, that the project's lint would flag)."""
    start, end = _span(offsets, node)
    line = offsets.starts.index(start)
    while line > 0 and not offsets.lines[line - 1].strip():
        line -= 1
    return _Edit(offsets.starts[line], end, "")


def _emptied(offsets: _Offsets, node: ast.stmt) -> _Edit:
    """A definition inside a block replaced by `pass`: the block must keep a statement."""
    start, end = _span(offsets, node)
    line = offsets.lines[node.lineno - 1]
    return _Edit(start, end, line[: len(line) - len(line.lstrip())] + "pass\n")


def _conditional_tests(node: ast.stmt) -> list[ast.stmt]:
    """Tests and test classes defined inside a compound statement (`if`, `try`, `with`) of a module
    or class body: in a class, its conditional test methods."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    if isinstance(node, ast.ClassDef):
        return [t for member in node.body for t in _conditional_tests(member)]
    found: list[ast.stmt] = []
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if is_test_function(child) or (isinstance(child, ast.ClassDef) and child.name.startswith("Test")):
            found.append(child)
        elif not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(child))
    return found


def _literal_edit(source: str, offsets: _Offsets, literal: ast.List | ast.Tuple, kept: list[int]) -> _Edit:
    """The literal holding only its rows at `kept`, one a row, each with the comments it had: the lines of
    comment above it and the one after it on its line (a table's `# Missing tags` headings)."""
    start = offsets.at(literal.lineno, literal.col_offset)
    end = offsets.at(literal.end_lineno or literal.lineno, literal.end_col_offset or 0)
    opening, closing = ("[", "]") if isinstance(literal, ast.List) else ("(", ")")
    first = offsets.lines[literal.lineno - 1]
    indent = first[: len(first) - len(first.lstrip())]  # the rows one level in from the line it opens on
    rows = []
    for index in kept:
        elt = literal.elts[index]
        above, after = _comments_around(source, offsets, literal, index, start, end)
        rows += [f"\n{indent}    {comment}" for comment in above]
        text = ast.get_source_segment(source, elt) or ast.unparse(elt)
        rows.append(f"\n{indent}    {text}," + (f"  {after}" if after else ""))
    return _Edit(start, end, f"{opening}{''.join(rows)}\n{indent}{closing}")


def _comments_around(
    source: str, offsets: _Offsets, literal: ast.List | ast.Tuple, index: int, start: int, end: int
) -> tuple[list[str], str]:
    """The whole-line comments between row `index` and the row before it, and the comment after it
    on its own line. Between rows there is nothing but commas, blanks and comments."""
    elt = literal.elts[index]
    before = literal.elts[index - 1] if index else None
    gap_start = offsets.at(before.end_lineno or 0, before.end_col_offset or 0) if before else start + 1
    gap = source[gap_start : offsets.at(elt.lineno, elt.col_offset)]
    lines = gap.splitlines()[1:] if before else gap.splitlines()  # the first: the row before's own
    above = [line.strip() for line in lines if line.strip().startswith("#")]
    nxt = literal.elts[index + 1] if index + 1 < len(literal.elts) else None
    rest = source[
        offsets.at(elt.end_lineno or 0, elt.end_col_offset or 0) : (
            offsets.at(nxt.lineno, nxt.col_offset) if nxt else end - 1
        )
    ]
    own_line = rest.splitlines()[0] if rest else ""
    return above, own_line[own_line.index("#") :].strip() if "#" in own_line else ""


def _apply(source: str, edits: list[_Edit]) -> str:
    out, pos = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos:
            continue  # inside a span already removed (a method of a removed class)
        out += [source[pos : edit.start], edit.text]
        pos = edit.end
    out.append(source[pos:])
    return "".join(out)
