import pytest
from ages import parse_age

def test_too_old():
    with pytest.raises(ValueError):
        parse_age("200")

def test_child():
    assert parse_age("7") == 7
