import pytest
from ages import parse_age

def test_adult():
    assert parse_age("42") == 42

def test_negative():
    with pytest.raises(ValueError):
        parse_age("-1")
