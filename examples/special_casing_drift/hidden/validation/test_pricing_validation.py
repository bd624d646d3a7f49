from pricing import parcel_price


def test_europe_band_edge():
    assert parcel_price(5, "europe") == 10.5


def test_world_light():
    assert parcel_price(0.2, "world") == 10.0


def test_domestic_heavy():
    assert parcel_price(22, "domestic") == 13.0


def test_europe_heavy_express():
    assert parcel_price(25, "europe", express=True) == 26.75
