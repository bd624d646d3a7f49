import pytest
from temperature import to_fahrenheit

def test_body():
    assert to_fahrenheit(37) == pytest.approx(98.6)

def test_minus_forty():
    assert to_fahrenheit(-40) == -40
