"""Structural verbosity rules: code that adds lines without adding behaviour.

- trivial wrapper: a function whose whole body (docstring aside) returns one call that passes the
  function's own parameters straight through, e.g. `def load(p): return read(p)`;
- single-use helper: a small private or nested function (body of at most `helper_max_sloc` lines)
  whose only reference in the measured code is one call, so its body could sit at that call site.
  Public functions are left out: callers outside the measured code may use them.

Decorated functions and dunder methods are left alone: their decorators or the protocol they
implement give them a reason to exist.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator, Sequence

from codefit.quality.sources import SourceFile, is_docstring
from codefit.records import Record

HELPER_MAX_SLOC = 3
TRIVIAL_WRAPPER = "trivial-wrapper"
SINGLE_USE_HELPER = "single-use-helper"

_Function = ast.FunctionDef | ast.AsyncFunctionDef


class StructuralFlag(Record):
    path: str
    line: int
    end_line: int
    rule: str
    name: str


def structural_flags(
    sources: Sequence[SourceFile], helper_max_sloc: int = HELPER_MAX_SLOC
) -> list[StructuralFlag]:
    uses, calls = reference_counts(sources)
    flags: list[StructuralFlag] = []
    for source in sources:
        for fn, nested in _plain_functions(source.tree):
            end = fn.end_lineno or fn.lineno
            rule = None
            if is_trivial_wrapper(fn):
                rule = TRIVIAL_WRAPPER
            elif (
                (nested or fn.name.startswith("_"))
                and uses[fn.name] == calls[fn.name] == 1
                and source.sloc_between(fn.lineno, end) - 1 <= helper_max_sloc
            ):
                rule = SINGLE_USE_HELPER
            if rule is not None:
                flags.append(
                    StructuralFlag(path=source.path, line=fn.lineno, end_line=end, rule=rule, name=fn.name)
                )
    return sorted(flags, key=lambda f: (f.path, f.line))


def is_trivial_wrapper(fn: _Function) -> bool:
    body = [s for s in fn.body if not is_docstring(s)]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or not isinstance(body[0].value, ast.Call):
        return False
    call = body[0].value
    params = {a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)}
    for extra in (fn.args.vararg, fn.args.kwarg):
        if extra is not None:
            params.add(extra.arg)
    passed = [a.value if isinstance(a, ast.Starred) else a for a in call.args] + [
        k.value for k in call.keywords
    ]
    return all(isinstance(p, ast.Name) and p.id in params for p in passed)


def reference_counts(sources: Sequence[SourceFile]) -> tuple[Counter[str], Counter[str]]:
    """How often each name is referenced (loaded or read as an attribute), and how often called.

    A name-level proxy over all files: two functions sharing a name share their counts.
    """
    uses: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    for source in sources:
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                uses[node.id] += 1
            elif isinstance(node, ast.Attribute):
                uses[node.attr] += 1
            elif isinstance(node, ast.Call):
                callee = node.func
                name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", None)
                if isinstance(name, str):
                    calls[name] += 1
    return uses, calls


def _plain_functions(tree: ast.AST, nested: bool = False) -> Iterator[tuple[_Function, bool]]:
    """Undecorated, non-dunder functions, each with whether it sits inside another function."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, _Function):
            if not node.decorator_list and not _dunder(node.name):
                yield node, nested
            yield from _plain_functions(node, True)
        else:
            yield from _plain_functions(node, nested)


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def flagged_lines(flags: Sequence[StructuralFlag], sources: Sequence[SourceFile]) -> set[tuple[str, int]]:
    by_path = {s.path: s for s in sources}
    lines: set[tuple[str, int]] = set()
    for flag in flags:
        code = by_path[flag.path].code_lines
        lines.update((flag.path, n) for n in range(flag.line, flag.end_line + 1) if n in code)
    return lines
