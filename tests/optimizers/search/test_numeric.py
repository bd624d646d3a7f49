import ast

from codefit.optimizers.search.numeric import is_numeric, numeric_names
from codefit.optimizers.search.source import SourceFile

SOURCE = """\
def f(xs, label, limit, scale, words):
    n = len(xs)
    m = n
    for i in range(n):
        pass
    for k, word in enumerate(words):
        pass
    if len(label) > limit:
        label = "%s!" % label
    size = scale * 2
    return label
"""


def test_numeric_names_are_those_used_as_numbers_in_the_function() -> None:
    src = SourceFile("m.py", SOURCE)
    function = src.tree.body[0]
    assert numeric_names(src, function.body[0]) == {"n", "m", "i", "k", "limit", "scale", "size"}


def test_is_numeric_reads_calls_names_and_arithmetic() -> None:
    src = SourceFile("m.py", SOURCE)
    expressions = {ast.unparse(n): n for n in ast.walk(src.tree) if isinstance(n, ast.expr)}
    assert is_numeric(src, expressions["len(xs)"])
    assert is_numeric(src, expressions["scale * 2"])
    assert not is_numeric(src, expressions["'%s!' % label"])
    assert not is_numeric(src, expressions["words"])
