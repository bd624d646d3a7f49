from bounds import clamp

def test_float():
    assert clamp(0.5, 0.0, 1.0) == 0.5

def test_far_above():
    assert clamp(1000, 1, 2) == 2
