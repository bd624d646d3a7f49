import pytest
from ages import parse_age

def test_way_too_old():
    with pytest.raises(ValueError):
        parse_age("151")

def test_centenarian():
    assert parse_age("101") == 101
