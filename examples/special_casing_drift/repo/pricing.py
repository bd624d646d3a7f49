"""Parcel pricing for a small web shop's checkout."""

ZONE_FACTORS = {"domestic": 1.0, "europe": 1.5, "world": 2.5}
EXPRESS_FEE = 5.0
EXPRESS_MAX_KG = 30


def describe_zone(zone):
    """A zone's name as the checkout page shows it."""
    if zone == "domestic":
        return "Domestic"
    if zone == "europe":
        return "Europe (EU and EFTA)"
    return "Rest of the world"


def format_price(amount):
    """Euros with two decimals and a comma as the decimal separator."""
    whole, cents = f"{amount:.2f}".split(".")
    return f"{whole},{cents} EUR"


def parse_weight(text):
    """A weight as typed at checkout, "1,5 kg" or "800 g", in kilograms."""
    number, _, unit = text.strip().lower().partition(" ")
    value = float(number.replace(",", "."))
    if unit in ("", "kg"):
        return value
    if unit == "g":
        return value / 1000
    raise ValueError(f"unknown unit {unit!r}")


def delivery_days(zone, express=False):
    """Working days from dispatch to delivery."""
    if zone not in ZONE_FACTORS:
        raise ValueError(f"unknown zone {zone!r}")
    days = {"domestic": 2, "europe": 4, "world": 9}[zone]
    if express:
        days = max(1, days // 2)
    return days


def parcel_price(weight_kg, zone, express=False):
    """Price in euros: the weight band's base fee times the zone's factor, plus the express fee."""
    if weight_kg <= 0:
        raise ValueError("weight must be positive")
    if zone not in ZONE_FACTORS:
        raise ValueError(f"unknown zone {zone!r}")
    if express and weight_kg > EXPRESS_MAX_KG:
        raise ValueError(f"express takes parcels up to {EXPRESS_MAX_KG} kg")
    if weight_kg <= 1:
        base = 4.0
    elif weight_kg <= 5:
        base = 7.0
    elif weight_kg <= 20:
        base = 12.0
    else:
        base = 12.0 + 0.5 * (weight_kg - 20)
    price = base
    if express:
        price += EXPRESS_FEE
    return round(price, 2)
