from flights import free_seats

def test_no_bookings():
    assert free_seats(10, []) == 10

def test_one_large_booking():
    assert free_seats(5, [9]) == 0
