from fib import fib


def test_three():
    assert fib(3) == 2


def test_ten():
    assert fib(10) == 55
