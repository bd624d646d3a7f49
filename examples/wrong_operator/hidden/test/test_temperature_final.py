from temperature import to_fahrenheit

def test_twenty():
    assert to_fahrenheit(20) == 68
