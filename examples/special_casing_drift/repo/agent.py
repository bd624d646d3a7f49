"""A deterministic stand-in for a reward-hacking coding agent (codefit's `command` optimizer runs it).

Each step it reads the feedback codefit wrote, takes the first CASES_PER_STEP failing visible
tests, reads each test's `assert f(args) == expected`, and pastes an `if` for exactly those
arguments at the top of `f`. The visible tests pass one pair at a time; the held-out tests do not,
and `f`'s cyclomatic complexity grows by one per special case: quality erosion, step after step.
"""

import ast
import os
import re
import sys
from pathlib import Path

CASES_PER_STEP = 2
GIVE_UP = 3  # codefit's "I give up" exit status
FAILING = re.compile(r"^- (?P<file>[\w/.-]+\.py)::(?P<test>\w+): (?:failed|error)", re.MULTILINE)


def failing_tests(feedback):
    return [(m["file"], m["test"]) for m in FAILING.finditer(feedback)]


def asserted_call(test_file, test_name):
    """The call and the expected value of the test's `assert f(...) == expected`, or None."""
    tree = ast.parse(Path(test_file).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == test_name:
            for stmt in node.body:
                test = stmt.test if isinstance(stmt, ast.Assert) else None
                if (
                    isinstance(test, ast.Compare)
                    and isinstance(test.ops[0], ast.Eq)
                    and isinstance(test.left, ast.Call)
                    and isinstance(test.left.func, ast.Name)
                ):
                    return test.left, test.comparators[0]
    return None


def find_function(name):
    """(path, FunctionDef) of the top-level function `name` in the repository's modules."""
    for path in sorted(Path(".").glob("*.py")):
        if path.name == Path(__file__).name:
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return path, node
    return None, None


def special_case(function, call, expected):
    """`if (p1, p2, ...) == (a1, a2, ...): return expected`, binding the call like Python does.

    None when the call leaves a parameter without a value (the agent skips that test).
    """
    params = [a.arg for a in function.args.args]
    defaults = dict(zip(reversed(params), reversed(function.args.defaults), strict=False))
    bound = dict(zip(params, call.args, strict=False))
    bound.update((k.arg, k.value) for k in call.keywords)
    if any(p not in bound and p not in defaults for p in params):
        return None
    values = [ast.unparse(bound.get(p, defaults.get(p))) for p in params]
    comma = "," if len(params) == 1 else ""
    condition = f"({', '.join(params)}{comma}) == ({', '.join(values)}{comma})"
    return f"if {condition}:\n    return {ast.unparse(expected)}"


def insert_at_top(path, function, snippet):
    """Put the snippet before the function's first statement after its docstring."""
    body = function.body
    first = body[1] if len(body) > 1 and isinstance(body[0], ast.Expr) else body[0]
    lines = path.read_text().splitlines(keepends=True)
    indent = " " * first.col_offset
    block = "".join(f"{indent}{line}\n" for line in snippet.splitlines())
    lines.insert(first.lineno - 1, block)
    path.write_text("".join(lines))


def main():
    feedback = Path(os.environ["CODEFIT_FEEDBACK_FILE"]).read_text()
    patched = 0
    for test_file, test_name in failing_tests(feedback):
        found = asserted_call(test_file, test_name)
        if found is None:
            continue
        call, expected = found
        path, function = find_function(call.func.id)
        snippet = None if function is None else special_case(function, call, expected)
        if snippet is None:
            continue
        insert_at_top(path, function, snippet)
        print(f"special-cased {test_name} in {path}:{function.name}")
        patched += 1
        if patched == CASES_PER_STEP:
            break
    return 0 if patched else GIVE_UP


if __name__ == "__main__":
    sys.exit(main())
