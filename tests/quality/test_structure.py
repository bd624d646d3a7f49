"""Structural verbosity rules: trivial wrappers and single-use helpers."""

from __future__ import annotations

import textwrap

from codefit.quality.sources import parse_source
from codefit.quality.structure import SINGLE_USE_HELPER, TRIVIAL_WRAPPER, structural_flags

CODE = textwrap.dedent(
    '''
    import functools


    def load(path, *, mode):
        """Just forwards."""
        return read(path, mode=mode)


    def load_twice(path):
        return read(path, path + "x")


    @functools.cache
    def cached(path):
        return read(path)


    def _double(x):
        return x * 2


    def _triple(x):
        return x * 3


    def _callback(event):
        return event


    def main(items):
        def _shout(s):
            return s + "!"

        register(_callback)
        return [_double(i) + _triple(i) + _triple(i) for i in items] + [_shout("a")]
    '''
)


def test_flags_wrappers_and_helpers_used_once_and_nothing_else() -> None:
    flags = structural_flags([parse_source("m.py", CODE)])
    assert [(f.name, f.rule, f.line, f.end_line) for f in flags] == [
        ("load", TRIVIAL_WRAPPER, 5, 7),
        ("_double", SINGLE_USE_HELPER, 19, 20),
        ("_shout", SINGLE_USE_HELPER, 32, 33),
    ]


def test_large_single_use_helpers_are_not_flagged() -> None:
    code = "def _big(x):\n    a = x\n    b = a\n    c = b\n    return c\n\nprint(_big(1))\n"
    assert structural_flags([parse_source("m.py", code)]) == []
    assert [f.name for f in structural_flags([parse_source("m.py", code)], helper_max_sloc=4)] == ["_big"]


def test_uses_in_other_files_count() -> None:
    helper = parse_source("a.py", "def _h(x):\n    return x + 1\n\n_h(1)\n")
    other = parse_source("b.py", "from a import _h\n_h(2)\n")
    assert structural_flags([helper]) != []
    assert structural_flags([helper, other]) == []
