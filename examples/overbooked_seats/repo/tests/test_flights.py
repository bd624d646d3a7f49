from flights import free_seats

def test_seats_left():
    assert free_seats(180, [2, 3]) == 175

def test_full_flight():
    assert free_seats(4, [2, 2]) == 0

def test_overbooked_flight():
    assert free_seats(4, [3, 3]) == 0
