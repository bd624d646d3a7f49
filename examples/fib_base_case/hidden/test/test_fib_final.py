from fib import fib


def test_four():
    assert fib(4) == 3


def test_twelve():
    assert fib(12) == 144
