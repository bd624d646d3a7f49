"""Python source to its syntax tree, safe from any thread.

CPython 3.11's `ast.parse` keeps one recursion counter per interpreter while it builds the tree's
Python objects; a garbage-collector pass inside that build can hand the GIL to another thread that
parses too, and one of them fails with `SystemError: AST constructor recursion depth mismatch`. A
step's guards parse in a thread beside the train sensors, which parse as well (the quality sensor,
vulture), so every parse in codefit's process takes this one lock.
"""

from __future__ import annotations

import ast
import threading

PARSING = threading.Lock()  # held by any code here that builds a syntax tree (also vulture's scan)


def parse(text: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse(text)` under the lock; raises SyntaxError (or ValueError for null bytes) as it does."""
    with PARSING:
        return ast.parse(text, filename=filename)


def parse_expression(text: str) -> ast.expr:
    """The expression `text` (`ast.parse(text, mode="eval").body`) under the lock."""
    with PARSING:
        return ast.parse(text, mode="eval").body
