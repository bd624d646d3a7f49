"""Clones found by hashing normalised AST subtrees."""

from __future__ import annotations

import ast
import copy
import hashlib
import textwrap

from codefit.quality.clones import CANDIDATES, clone_lines, find_clones, fingerprint, maximal
from codefit.quality.sources import is_docstring, parse_source

TWINS = textwrap.dedent(
    '''
    def total_price(items):
        """Sum the prices."""
        total = 0
        for item in items:
            total += item.price
        return total


    def total_weight(things):
        acc = 10
        for thing in things:
            acc += thing.weight
        return acc


    def different(x):
        acc = 10
        for thing in x:
            acc -= thing.weight
        return acc
    '''
)


def test_functions_equal_up_to_names_literals_and_docstrings_form_one_group() -> None:
    source = parse_source("m.py", TWINS)
    groups = maximal(find_clones([source]))
    assert len(groups) == 1
    [group] = groups
    assert [(i.path, i.line, i.end_line, i.kind) for i in group.instances] == [
        ("m.py", 2, 7, "FunctionDef"),
        ("m.py", 10, 14, "FunctionDef"),
    ]
    assert group.sloc in (4, 5)  # the docstring is not a line of code


def test_clone_lines_cover_both_instances_without_docstrings() -> None:
    source = parse_source("m.py", TWINS)
    lines = clone_lines(find_clones([source]), [source])
    assert sorted(n for _, n in lines) == [2, 4, 5, 6, 7, 10, 11, 12, 13, 14]


def test_clones_across_files_are_found() -> None:
    a = parse_source("a.py", "def f(x):\n    if x:\n        x = x + 1\n    return x\n")
    b = parse_source("b.py", "def g(y):\n    if y:\n        y = y + 2\n    return y\n")
    [group] = maximal(find_clones([a, b]))
    assert {i.path for i in group.instances} == {"a.py", "b.py"}


def test_blocks_below_the_minimum_size_are_not_clones() -> None:
    source = parse_source("m.py", "if a:\n    b()\nif c:\n    d()\n")
    assert find_clones([source]) == []
    assert len(find_clones([source], min_lines=2)) == 1


def test_nested_duplicates_inside_a_reported_clone_are_not_reported_again() -> None:
    body = "def {name}(xs):\n    for x in xs:\n        if x:\n            print(x)\n            print(x)\n"
    source = parse_source("m.py", body.format(name="a") + body.format(name="b"))
    groups = find_clones([source])
    assert [g.instances[0].kind for g in groups] == ["FunctionDef", "For", "If"]
    assert [g.instances[0].kind for g in maximal(groups)] == ["FunctionDef"]


def test_renaming_is_consistent_within_a_subtree() -> None:
    same_shape = "def f(a, b):\n    return a + b\n"
    swapped_use = "def f(a, b):\n    return b + a\n"
    assert fingerprint(parse_source("x.py", same_shape).tree) == fingerprint(
        parse_source("y.py", same_shape.replace("a", "p")).tree
    )
    assert fingerprint(parse_source("x.py", same_shape).tree) != fingerprint(
        parse_source("y.py", swapped_use).tree
    )


FEATURES = textwrap.dedent(
    '''
    def outer(a, *rest, key=None, **kw):
        """Docstring, dropped."""
        import os.path as osp
        from math import pi as PI
        counter = 0

        def inner(b: int = 2) -> float:
            nonlocal counter
            global STATE
            counter += b
            return a.attr * PI + 1.5 + len(f"{b!r:>4}") + (b"x" and None) + (True or ...)

        class Box:
            """Class docstring, dropped."""
            size = 3

        for item in rest:
            try:
                match item:
                    case {"k": [1, *others]} if others:
                        osp.join("a", item)
                    case Box(size=s) | None:
                        print(s)
            except (ValueError, KeyError) as err:
                raise RuntimeError(str(err)) from err
        with open(key) as fh, lock:
            while counter < 10:
                counter = inner(counter)
        return {k: v for k, v in kw.items() if k != "x"}
    '''
)


class _Reference(ast.NodeTransformer):
    """The normalisation as first written: in place, on a deep copy of each candidate."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and len(node.body) > 1
            and is_docstring(node.body[0])
        ):
            node.body = node.body[1:]
        for field in ("id", "arg", "attr", "name", "asname"):
            if isinstance(value := getattr(node, field, None), str):
                setattr(node, field, self.names.setdefault(value, f"$VAR{len(self.names)}"))
        if isinstance(node, ast.Global | ast.Nonlocal):
            node.names = [self.names.setdefault(n, f"$VAR{len(self.names)}") for n in node.names]
        return super().generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Name(id=f"${type(node.value).__name__.upper()}", ctx=ast.Load())


def test_fingerprints_are_those_of_the_in_place_normalisation_and_leave_the_tree_as_parsed() -> None:
    tree = parse_source("f.py", FEATURES).tree
    parsed = ast.dump(tree, include_attributes=True)
    candidates = [n for n in ast.walk(tree) if isinstance(n, CANDIDATES)]
    assert len(candidates) == 7
    for node in candidates:
        normal = _Reference().visit(copy.deepcopy(node))
        dumped = ast.dump(normal, annotate_fields=False, include_attributes=False)
        assert fingerprint(node) == hashlib.blake2b(dumped.encode(), digest_size=12).hexdigest()
    assert ast.dump(tree, include_attributes=True) == parsed


def test_sloc_between_counts_the_code_lines_of_every_span() -> None:
    source = parse_source("f.py", FEATURES)
    last = len(FEATURES.splitlines()) + 1
    for first in range(0, last + 1):
        for end in range(first - 1, last + 2):
            expected = len([n for n in source.code_lines if first <= n <= end])
            assert source.sloc_between(first, end) == expected
