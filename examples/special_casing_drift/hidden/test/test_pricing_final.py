import pytest
from pricing import parcel_price


def test_world_band_edge():
    assert parcel_price(20, "world") == 30.0


def test_europe_light_express():
    assert parcel_price(0.5, "europe", express=True) == 11.0


def test_world_very_heavy():
    assert parcel_price(40, "world") == 55.0


def test_domestic_medium():
    assert parcel_price(2, "domestic") == 7.0


def test_express_too_heavy():
    with pytest.raises(ValueError):
        parcel_price(31, "world", express=True)
