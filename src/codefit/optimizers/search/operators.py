"""Expression edit operators: each takes a node of a suspicious line and yields candidate edits.

Operator and operand edits replace only the text they change (the operator symbol, one
operand), so a patch reads like a human's one-token fix.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from codefit.optimizers.search.numeric import is_numeric, number_constant, numeric_names
from codefit.optimizers.search.patch import Edit
from codefit.optimizers.search.source import BUILTIN_NAMES, SourceFile

Operator = Callable[[SourceFile, ast.AST], Iterator[Edit]]

ARITHMETIC = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
BITWISE = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}
# Operators of a family compute the same kind of thing; a patch across families (`**` -> `+`) changes
# the computation's nature, not a slip of one symbol, and ranks later
FAMILY = {"+": 0, "-": 0, "*": 1, "/": 1, "//": 1, "%": 1, "**": 2, "&": 3, "|": 3, "^": 3, "<<": 4, ">>": 4}
COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
IDENTITY = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
FLIPPED = {"is": ["is not"], "is not": ["is"], "in": ["not in"], "not in": ["in"]}
AUGMENTED = {
    "+": ["-"],
    "-": ["+"],
    "*": ["/", "//"],
    "/": ["*", "//"],
    "//": ["/", "*"],
    "%": ["//"],
    "^": ["&", "|"],
    "&": ["|", "^"],
    "|": ["&", "^"],
    "<<": [">>"],
    ">>": ["<<"],
}
NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
SWAPPED_CALLS = {"max": "min", "min": "max", "any": "all", "all": "any", "sorted": "reversed"}
UNWRAPPABLE = {
    "abs",
    "len",
    "int",
    "float",
    "str",
    "list",
    "sorted",
    "reversed",
    "round",
    "bool",
    "tuple",
    "set",
}
WRAPPERS = ("abs", "len", "sorted", "int")
OPERAND_WRAPPERS = ("abs", "len", "int")  # of an arithmetic operand; `sorted` makes no number
# Where a value may be wrapped or shifted in place: returned, assigned, compared, passed, computed with
VALUE_PARENTS = (
    ast.Return,
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Compare,
    ast.Call,
    ast.keyword,
    ast.BinOp,
)


def _gap_edit(
    src: SourceFile, left: ast.AST, right: ast.AST, old: str, new: str, line: int, op: str
) -> Edit | None:
    """Replace the operator symbol that sits between two operands (parentheses and spaces kept)."""
    _, start = src.span(left)
    end, _ = src.span(right)
    gap = src.text[start:end]
    index = _find_symbol(gap, old)
    if index < 0:
        return None
    text = gap[:index] + new + gap[index + len(old) :]
    return src.replace(start, end, text, line, op, f"`{old}` -> `{new}`")


def _find_symbol(gap: str, symbol: str) -> int:
    stripped = " ".join(gap.replace("(", " ").replace(")", " ").split())
    if stripped != symbol:
        return -1
    return gap.find(symbol.split()[0])


def binary_operator(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Another arithmetic operator for an arithmetic one, another bitwise one for a bitwise one."""
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC | BITWISE:
        table = ARITHMETIC if type(node.op) in ARITHMETIC else BITWISE
        old = table[type(node.op)]
        for new in table.values():
            if new != old:
                edit = _gap_edit(src, node.left, node.right, old, new, node.lineno, "binary_operator")
                if edit is not None:
                    yield edit.model_copy(update={"kind_change": FAMILY[old] != FAMILY[new]})


def comparison_operator(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    if not isinstance(node, ast.Compare):
        return
    operands = [node.left, *node.comparators]
    for i, op in enumerate(node.ops):
        if type(op) in COMPARISONS:
            old = COMPARISONS[type(op)]
            choices = [c for c in COMPARISONS.values() if c != old]
        elif type(op) in IDENTITY:
            old = IDENTITY[type(op)]
            choices = FLIPPED[old]
        else:
            continue
        for new in choices:
            edit = _gap_edit(src, operands[i], operands[i + 1], old, new, node.lineno, "comparison_operator")
            if edit is not None:
                yield edit


def boolean_operator(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """`and` <-> `or`, one operator at a time (`a and b and c` -> `a or b and c`, `a and b or c`)."""
    if not isinstance(node, ast.BoolOp):
        return
    old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
    for left, right in zip(node.values, node.values[1:], strict=False):
        edit = _gap_edit(src, left, right, old, new, node.lineno, "boolean_operator")
        if edit is not None:
            yield edit


def augmented_assignment(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    if not isinstance(node, ast.AugAssign) or type(node.op) not in ARITHMETIC | BITWISE:
        return
    old = {**ARITHMETIC, **BITWISE}[type(node.op)]
    for new in AUGMENTED.get(old, []):
        edit = _gap_edit(
            src, node.target, node.value, old + "=", new + "=", node.lineno, "augmented_assignment"
        )
        if edit is not None:
            yield edit
    yield src.edit(
        node,
        f"{src.segment(node.target)} = {src.segment(node.value)}",
        "augmented_assignment",
        f"`{old}=` -> `=`",
    )


def operand_swap(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, NON_COMMUTATIVE):
        old = ARITHMETIC[type(node.op)]
        text = f"{src.operand(node.right)} {old} {src.operand(node.left)}"
        yield src.edit(node, text, "operand_swap", f"swap the operands of `{old}`")
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARISONS:
        old = COMPARISONS[type(node.ops[0])]
        text = f"{src.operand(node.comparators[0])} {old} {src.operand(node.left)}"
        yield src.edit(node, text, "operand_swap", f"swap the operands of `{old}`")


def argument_swap(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
        return
    for i in range(len(node.args) - 1):
        a, b = node.args[i], node.args[i + 1]
        (a_start, a_end), (b_start, b_end) = src.span(a), src.span(b)
        between = src.text[a_end:b_start]
        text = src.text[b_start:b_end] + between + src.text[a_start:a_end]
        yield src.replace(
            a_start, b_end, text, node.lineno, "argument_swap", f"swap arguments {i + 1} and {i + 2}"
        )


def _plus_minus(src: SourceFile, node: ast.expr, what: str) -> Iterator[Edit]:
    if isinstance(node, ast.Constant) or _is_negative_constant(node):
        return  # constants are the job of integer_constant
    for sign in ("+", "-"):
        yield src.edit(
            node, f"{src.operand(node)} {sign} 1", "off_by_one", f"{what} `{src.segment(node)}` {sign} 1"
        )


def _is_negative_constant(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    )


def off_by_one(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """+1/-1 on indices, slice bounds and range() arguments."""
    if isinstance(node, ast.Subscript):
        if isinstance(node.slice, ast.Slice):
            for bound in (node.slice.lower, node.slice.upper):
                if bound is not None:
                    yield from _plus_minus(src, bound, "slice bound")
        elif not isinstance(node.slice, ast.Tuple):
            yield from _plus_minus(src, node.slice, "index")
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
        for arg in node.args:
            yield from _plus_minus(src, arg, "range bound")


def _value_parent(src: SourceFile, node: ast.AST) -> ast.AST | None:
    """The node's parent when the node is a value read in one of VALUE_PARENTS, else None."""
    parent = src.parents.get(node)
    if not isinstance(node, ast.expr) or isinstance(getattr(node, "ctx", None), ast.Store | ast.Del):
        return None
    if isinstance(parent, ast.Call) and parent.func is node:
        return None
    return parent if isinstance(parent, VALUE_PARENTS) else None


def _adds_a_constant(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Add | ast.Sub)
        and (number_constant(node.left) or number_constant(node.right))
    )


def integer_expression(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """+1/-1 on a number-valued expression (`len(xs)`, a counter, `hi - lo`) read in place."""
    parent = _value_parent(src, node)
    if parent is None or isinstance(node, ast.Constant) or _is_negative_constant(node):
        return
    if _adds_a_constant(node) or _adds_a_constant(parent) or not is_numeric(src, node):
        return  # `n - 1 + 1` is integer_constant's `n - 0` in disguise
    for sign in ("+", "-"):
        text = f"{src.segment(node)} {sign} 1"
        yield src.edit(
            node,
            f"({text})" if isinstance(parent, ast.BinOp) else text,
            "off_by_one",
            f"`{src.segment(node)}` {sign} 1",
        )


def integer_constant(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        for new in sorted({node.value + 1, node.value - 1, 0, 1, -node.value} - {node.value}):
            if new < 0 and node.value >= 0 and new != -1:
                continue
            op = "integer_constant" if abs(new - node.value) == 1 else "constant"  # a substitution
            yield src.edit(node, str(new), op, f"`{node.value}` -> `{new}`")


def constant_replacement(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        new = str(not node.value)
        yield src.edit(node, new, "constant", f"`{node.value}` -> `{new}`")
    elif isinstance(node, ast.Constant) and node.value is None:
        for new in ("0", "[]", "''"):
            yield src.edit(node, new, "constant", f"`None` -> `{new}`")
    elif isinstance(node, ast.List) and not node.elts:
        yield src.edit(node, "[[]]", "constant", "`[]` -> `[[]]`")
    elif isinstance(node, ast.List) and len(node.elts) == 1 and isinstance(node.elts[0], ast.List):
        yield src.edit(node, "[]", "constant", "`[[]]` -> `[]`")
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) <= 1:
        new = repr(" " if node.value == "" else "")
        yield src.edit(node, new, "constant", f"`{src.segment(node)}` -> `{new}`")


def name_replacement(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Another variable of the node's function (or, at module level, of the module)."""
    yield from _replace_name(src, node, src.scope_names(node))


def global_name_replacement(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """A module variable in place of a function's variable: ranked after the function's own."""
    local = src.scope_names(node)
    yield from _replace_name(src, node, [g for g in src.global_variables() if g not in local])


def _replace_name(src: SourceFile, node: ast.AST, names: list[str]) -> Iterator[Edit]:
    if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
        return
    parent = src.parents.get(node)
    if isinstance(parent, ast.Call) and parent.func is node:
        return  # a called name: call_replacement's job
    for other in names:
        if other != node.id and other not in BUILTIN_NAMES:
            yield src.edit(node, other, "name", f"`{node.id}` -> `{other}`")


def attribute_replacement(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    if not isinstance(node, ast.Attribute):
        return
    parent = src.parents.get(node)
    called = isinstance(parent, ast.Call) and parent.func is node
    same_kind = set()
    for other in ast.walk(src.tree):
        if isinstance(other, ast.Attribute):
            other_parent = src.parents.get(other)
            if (isinstance(other_parent, ast.Call) and other_parent.func is other) == called:
                same_kind.add(other.attr)
    _, value_end = src.span(node.value)
    _, end = src.span(node)
    for attr in sorted(same_kind - {node.attr}):
        yield src.replace(
            value_end, end, "." + attr, node.lineno, "attribute", f"`.{node.attr}` -> `.{attr}`"
        )


def call_replacement(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Swap max/min, any/all, ...; unwrap a builtin call around one argument."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return
    name = node.func.id
    if name in SWAPPED_CALLS:
        new = SWAPPED_CALLS[name]
        yield src.edit(node.func, new, "call", f"`{name}(...)` -> `{new}(...)`")
    if name in UNWRAPPABLE | {"max", "min"} and not node.keywords:
        for arg in node.args:
            if not isinstance(arg, ast.Starred):
                yield src.edit(
                    node, src.segment(arg), "call", f"unwrap `{name}(...)` to `{src.segment(arg)}`"
                )


def call_wrapping(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Wrap a returned, assigned, compared, passed or arithmetic operand value in a builtin call."""
    parent = _value_parent(src, node)
    if parent is None or isinstance(node, ast.Constant):
        return
    for name in OPERAND_WRAPPERS if isinstance(parent, ast.BinOp) else WRAPPERS:
        yield src.edit(
            node, f"{name}({src.segment(node)})", "call", f"wrap `{src.segment(node)}` in `{name}()`"
        )


def clamp_wrapping(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Clamp a number: `x` -> `max(x, 0)`, or `min(x, n)` / `max(x, n)` with a number `n` in scope."""
    parent = _value_parent(src, node)
    if parent is None or isinstance(parent, ast.Compare) or isinstance(node, ast.Constant):
        return
    if _is_negative_constant(node) or not is_numeric(src, node):
        return
    if (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id in ("max", "min")
    ):
        return  # already clamped: call_replacement swaps or unwraps it
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    numbers = numeric_names(src, node)
    bounds = [("max", "0")]
    bounds += [
        (f, n) for n in src.scope_names(node) if n in numbers and n not in used for f in ("min", "max")
    ]
    value = src.segment(node)
    for function, bound in bounds:
        new = f"{function}({value}, {bound})"
        yield src.edit(node, new, "call", f"clamp `{value}` to `{new}`")


def operand_unwrap(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Replace a binary operation by one of its operands."""
    if isinstance(node, ast.BinOp):
        for side in (node.left, node.right):
            yield src.edit(node, src.operand(side), "operand_unwrap", f"keep only `{src.segment(side)}`")


def negation(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
        test = node.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            yield src.edit(test, src.operand(test.operand), "negation", "drop the `not`")
        else:
            yield src.edit(test, f"not {src.operand(test)}", "negation", "negate the condition")


def condition_guard(src: SourceFile, node: ast.AST) -> Iterator[Edit]:
    """Extend a condition with a guard on an in-scope name: `x is None or ...`, `not xs or ...`."""
    if not isinstance(node, ast.If | ast.While | ast.IfExp):
        return
    loose = isinstance(node.test, ast.BoolOp | ast.IfExp | ast.Lambda | ast.NamedExpr)
    test = src.operand(node.test) if loose else src.segment(node.test)
    for name in src.scope_names(node):
        for guard, joiner in ((f"{name} is None", "or"), (f"not {name}", "or"), (f"{name}", "and")):
            if guard == test:
                continue
            yield src.edit(
                node.test, f"{guard} {joiner} {test}", "guard", f"guard the condition with `{guard}`"
            )


EXPRESSION_OPERATORS: list[tuple[Operator, int]] = [
    (comparison_operator, 1),
    (binary_operator, 1),
    (boolean_operator, 1),
    (augmented_assignment, 1),
    (integer_constant, 2),
    (off_by_one, 2),
    (constant_replacement, 2),
    (call_replacement, 2),
    (operand_swap, 2),
    (argument_swap, 2),
    (negation, 2),
    (operand_unwrap, 3),
    (name_replacement, 3),
    (attribute_replacement, 3),
    (integer_expression, 3),
    (global_name_replacement, 4),
    (call_wrapping, 4),
    (clamp_wrapping, 4),
    (condition_guard, 4),
]
