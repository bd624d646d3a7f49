from bounds import clamp

def test_at_upper_edge():
    assert clamp(10, 0, 10) == 10

def test_negative_interval():
    assert clamp(-7, -10, -5) == -7
