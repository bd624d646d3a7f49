"""What a test's check compares: its two sides, and how close they must come to pass.

Read from the syntax alone: `a == b`, either side `pytest.approx(x)` (its `rel`/`abs` written out),
`math.isclose(a, b)` (its `rel_tol`/`abs_tol`), `abs(a - b) < bound` either way round, and unittest's
`assertEqual`/`assertAlmostEqual`. A tolerance that is not a literal number is not read: the check
is then not known to be one of closeness. Which side is the answer is the caller's to tell.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

Tolerance = tuple[float, float]  # (relative, absolute), as `math.isclose` takes them
EXACT: Tolerance = (0.0, 0.0)
APPROX_DEFAULT: Tolerance = (1e-6, 1e-12)
ISCLOSE_DEFAULT: Tolerance = (1e-9, 0.0)
ALMOST_EQUAL_DEFAULT: Tolerance = (0.0, 5e-8)  # unittest's 7 places
EQUALITY_METHODS = frozenset({"assertEqual", "assertEquals", "assertAlmostEqual"})
# Test helpers named as equality assertions (`assert_equal`, numpy's `assert_array_equal`): what they
# compare is their two arguments, but how is theirs to say.
EQUALITY_HELPERS = frozenset(
    {
        "assertequal",
        "assertequals",
        "asserteq",
        "assertalmostequal",
        "assertarrayequal",
        "assertlistequal",
        "asserttupleequal",
        "assertdictequal",
        "assertsequenceequal",
        "assertmultilineequal",
    }
)
_KEYWORDS = {"isclose": ("rel_tol", "abs_tol"), "approx": ("rel", "abs")}


@dataclass(frozen=True)
class Comparison:
    sides: tuple[ast.expr, ast.expr]
    tolerance: Tolerance


def compared(statement: ast.stmt | None, *, helpers: bool = False) -> Comparison | None:
    """The comparison a statement checks: an `assert`, or a unittest equality method's call; with
    `helpers`, also a call of any helper named as an equality assertion (`assert_equal(a, b)`),
    exact for all that is known of it: enough to read what a test compares, not to plant a twin."""
    if isinstance(statement, ast.Assert):
        return asserted(statement.test)
    if isinstance(statement, ast.Expr) and isinstance(call := statement.value, ast.Call):
        name = called(call)
        almost = name == "assertAlmostEqual"
        if name in EQUALITY_METHODS and len(call.args) in ((2,) if almost else (2, 3)) and not call.keywords:
            return _unwrapped(call.args[0], call.args[1], ALMOST_EQUAL_DEFAULT if almost else EXACT)
        if helpers and name.lower().replace("_", "") in EQUALITY_HELPERS and len(call.args) >= 2:
            return _unwrapped(call.args[0], call.args[1], EXACT)
    return None


def asserted(test: ast.expr) -> Comparison | None:
    """The comparison an `assert`'s expression makes, when it is one of equality or closeness."""
    if isinstance(test, ast.Call) and called(test) == "isclose" and len(test.args) == 2:
        tolerance = _written(test, ISCLOSE_DEFAULT)
        return _unwrapped(test.args[0], test.args[1], tolerance) if tolerance is not None else None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.Eq):
        return _unwrapped(left, right, EXACT)
    if isinstance(op, ast.Gt | ast.GtE):  # `bound > abs(a - b)`
        left, right = right, left
    elif not isinstance(op, ast.Lt | ast.LtE):
        return None
    bound = number(right)
    if bound is None or not (isinstance(left, ast.Call) and called(left) == "abs" and len(left.args) == 1):
        return None
    difference = left.args[0]
    if not (isinstance(difference, ast.BinOp) and isinstance(difference.op, ast.Sub)):
        return None
    return _unwrapped(difference.left, difference.right, (0.0, bound))


def called(call: ast.Call) -> str:
    """The called name's last part: `isclose` for `math.isclose(...)` and for `isclose(...)`."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def number(node: ast.expr) -> float | None:
    """A literal non-negative number's value."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if is_number and value >= 0 else None


def _unwrapped(left: ast.expr, right: ast.expr, tolerance: Tolerance) -> Comparison | None:
    """The sides with `approx(x)` read as `x`, its tolerance added to the comparison's."""
    sides = []
    for side in (left, right):
        if isinstance(side, ast.Call) and called(side) == "approx" and len(side.args) == 1:
            approx = _written(side, APPROX_DEFAULT)
            if approx is None:
                return None
            tolerance = (max(tolerance[0], approx[0]), max(tolerance[1], approx[1]))
            side = side.args[0]
        sides.append(side)
    return Comparison((sides[0], sides[1]), tolerance)


def _written(call: ast.Call, default: Tolerance) -> Tolerance | None:
    """A closeness call's tolerance from its literal keywords (None for any other keyword)."""
    relative_name, absolute_name = _KEYWORDS[called(call)]
    relative, absolute = default
    for keyword in call.keywords:
        value = number(keyword.value)
        if value is None or keyword.arg not in (relative_name, absolute_name):
            return None
        relative, absolute = (value, absolute) if keyword.arg == relative_name else (relative, value)
    return relative, absolute
