from flights import free_seats

def test_cancelled_flight():
    assert free_seats(0, [1]) == 0

def test_many_bookings():
    assert free_seats(100, [1] * 40) == 60
