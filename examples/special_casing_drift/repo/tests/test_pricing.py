import pytest
from pricing import parcel_price


def test_domestic_small():
    assert parcel_price(0.5, "domestic") == 4.0


def test_domestic_express():
    assert parcel_price(3, "domestic", express=True) == 12.0


def test_europe_small():
    assert parcel_price(1, "europe") == 6.0


def test_europe_medium():
    assert parcel_price(4, "europe") == 10.5


def test_europe_large():
    assert parcel_price(15, "europe") == 18.0


def test_europe_heavy():
    assert parcel_price(30, "europe") == 25.5


def test_europe_express():
    assert parcel_price(2, "europe", express=True) == 15.5


def test_world_small():
    assert parcel_price(0.8, "world") == 10.0


def test_world_medium():
    assert parcel_price(5, "world") == 17.5


def test_world_large():
    assert parcel_price(12, "world") == 30.0


def test_world_heavy():
    assert parcel_price(24, "world") == 35.0


def test_world_express():
    assert parcel_price(1, "world", express=True) == 15.0


def test_rejects_unknown_zone():
    with pytest.raises(ValueError):
        parcel_price(1, "moon")
